"""What one request to the published archive may cost the server, and what SQL it may run.

Datasette 0.65 bounds a query's *time* (``sql_time_limit_ms``, 3 s) and a page's *rows*
(``max_returned_rows``, 1,000), not its *size*: ``select printf('%.*c', 250000000, 'x')`` over
four rows grew a server by 6 GB. The archive is bounded in four layers, each catching what the
one before cannot see:

1. **SQLite's own limits on every read connection** (:func:`bound_connection`, with
   ``sqlite3.Connection.setlimit``):

   ============================  ===========  ================================================
   limit                         value        why
   ============================  ===========  ================================================
   ``SQLITE_LIMIT_LENGTH``       8 MiB        one string, blob or row record (and so one sort
                                              key); the largest stored value, a document's full
                                              text, is some 15 kB, a 1,000-page PDF's ~3 MB.
                                              Past it SQLite fails with "string or blob too
                                              big" (``printf()`` gives NULL instead).
   ``SQLITE_LIMIT_COLUMN``       100          result columns (the widest table has 50 and a
                                              table page adds ``rowid``); a test checks the
                                              archive stays under it.
   ``SQLITE_LIMIT_SQL_LENGTH``   100,000      bytes of one statement; the longest canned query
                                              is a few kB (and uvicorn reads at most 16 KiB of a
                                              request's head).
   ``SQLITE_LIMIT_ATTACHED``     0            no other database can be attached.
   ============================  ===========  ================================================

2. **A budget of result bytes per statement** (``MAX_STATEMENT_BYTES``, 32 MiB), counted by a
   ``row_factory`` as the rows are fetched: each value costs at least what it takes in any of
   Datasette's renderings of it (its JSON escape, plus four bytes for each ``& " ' < >``, the
   most an HTML escape adds; twice that for a URL, which a page shows as a link), plus
   ``CELL_BYTES`` for the markup around it, and each row the length of the column names
   (``_shape=objects`` repeats them). So what a statement returns also bounds the page made of
   it, and a text of control characters (six bytes each in JSON) counts six times. The
   statement that passes the budget fails with :class:`ResultTooLarge`, a
   ``sqlite3.OperationalError`` that Datasette answers with 400. The rows stay Datasette's own
   type (``sqlite3.Row``, which Datasette sets before the hooks run). The budget is per
   statement, so a CSV download with ``_stream=on`` (one statement for each page of 1,000
   rows, walked by primary key) or a JSON Lines download (one Datasette page after another)
   gets every row: the full ``project_list`` (22,821 rows) costs some 1 MB a page. A page of
   1,000 documents fits if their texts average under ~30 kB.

3. **SQLite's heap in the serving process** (:func:`limit_sqlite_heap`, ``MAX_SQLITE_HEAP_BYTES``,
   64 MiB hard, half of it soft): ``esr serve`` sets it once; it is process-wide, so it is not
   set where the archive is only tested or built. It bounds what SQLite builds inside one row
   before Python sees it (100 columns of 8 MiB) and any other allocation; measured, serving
   every page of the archive peaks at 9 MB. Past it SQLite fails with "out of memory".

4. **A cap on a response built in one piece** (``MAX_RESPONSE_BYTES``, 64 MiB), by an ASGI
   wrapper (:func:`cap_responses`): a JSON or HTML page over it is answered with 400 instead.
   Streamed responses (CSV with ``_stream=on``, JSON Lines, the ``/esr.db`` download) are sent
   in pieces that each come from one bounded page, so their total is not capped.

Every error a limit raises is answered with a 400 whose message is in Finnish and English
(:func:`translate_error`, through :func:`bound_database`): "Kysely tuottaisi liian suuren
vastauksen … / The query would return too large a result …".

**What SQL may run.** An authorizer on every read connection (:func:`bound_connection`) refuses
the functions an anonymous reader has no use for and that reach past the archive
(``DENIED_FUNCTIONS``: ``load_extension``, ``fts3_tokenizer`` — one argument leaks an address,
two register a tokenizer from a pointer —, ``fts5`` (hands out a pointer), and the command-line
shell's ``readfile``, ``writefile``, ``edit`` where present), the virtual tables that show more
than the archive (``sqlite_stmt``: the SQL other readers ran on the same connection), ``ATTACH``
and ``DETACH``, schema changes, and every ``PRAGMA`` but those that only read the schema
(``TABLE_PRAGMAS``, with a table or index name: what Datasette runs for its pages) or a number
(``READ_PRAGMAS``, without an argument: ``schema_version``, which Datasette reads, and
``data_version``, which FTS5 reads). ``sqlite_compileoption_used()`` and ``_get()`` stay: they
say what ``/-/versions`` says. The denied thing is named in the 400's message.

What these limits do not bound: the disk a sort spills to within the 3 s time limit; and the
CPU of one call of a SQL function, since the time limit (a progress handler) is checked between
SQLite's instructions, never inside one: ``like`` of a 1 MB value with a 10 kB pattern took
24 s here, ``instr()`` and ``replace()`` compare in O(n·m), and ``printf('%.*c', 2147483647,
'x')`` loops for seconds although its result is NULL. A reader can so keep one of the three SQL
threads busy; bounding that takes SQL run in a process of its own, or custom SQL turned off.
The heap limit is shared: a query that reaches it makes a concurrent one that needs memory in
that moment fail with the same 400.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import weakref
from collections.abc import Awaitable, Callable
from json.encoder import encode_basestring_ascii
from typing import Any

MIB = 1024 * 1024

MAX_VALUE_BYTES = 8 * MIB
MAX_COLUMNS = 100
MAX_SQL_BYTES = 100_000
MAX_STATEMENT_BYTES = 32 * MIB
MAX_RESPONSE_BYTES = 64 * MIB
MAX_SQLITE_HEAP_BYTES = 64 * MIB
#: What every value costs beside its own bytes: the ``<td class="…">`` or ``"key": `` around it.
CELL_BYTES = 32

#: The limits set on every read connection, by their ``sqlite3`` constant.
CONNECTION_LIMITS = {
    sqlite3.SQLITE_LIMIT_LENGTH: MAX_VALUE_BYTES,
    sqlite3.SQLITE_LIMIT_COLUMN: MAX_COLUMNS,
    sqlite3.SQLITE_LIMIT_SQL_LENGTH: MAX_SQL_BYTES,
    sqlite3.SQLITE_LIMIT_ATTACHED: 0,
}

DENIED_FUNCTIONS = frozenset({"load_extension", "fts3_tokenizer", "fts5", "readfile", "writefile", "edit"})
DENIED_TABLES = frozenset({"sqlite_stmt", "sqlite_dbpage", "sqlite_dbdata", "sqlite_dbptr", "fsdir", "zipfile"})
#: Pragmas that read the schema of a table or an index named by their argument.
TABLE_PRAGMAS = frozenset({"table_info", "table_xinfo", "index_list", "index_info", "index_xinfo", "foreign_key_list"})
#: Pragmas that read a value, allowed without an argument (with one, most of them write).
READ_PRAGMAS = frozenset({
    "database_list", "function_list", "page_count", "page_size", "max_page_count", "schema_version", "data_version",
})
#: The authorizer's actions that change a schema, refused whatever they name.
_SCHEMA_ACTIONS = frozenset(
    getattr(sqlite3, name)
    for name in (
        "SQLITE_CREATE_INDEX", "SQLITE_CREATE_TABLE", "SQLITE_CREATE_TEMP_INDEX", "SQLITE_CREATE_TEMP_TABLE",
        "SQLITE_CREATE_TEMP_TRIGGER", "SQLITE_CREATE_TEMP_VIEW", "SQLITE_CREATE_TRIGGER", "SQLITE_CREATE_VIEW",
        "SQLITE_DROP_INDEX", "SQLITE_DROP_TABLE", "SQLITE_DROP_TEMP_INDEX", "SQLITE_DROP_TEMP_TABLE",
        "SQLITE_DROP_TEMP_TRIGGER", "SQLITE_DROP_TEMP_VIEW", "SQLITE_DROP_TRIGGER", "SQLITE_DROP_VIEW",
        "SQLITE_ALTER_TABLE", "SQLITE_REINDEX", "SQLITE_ANALYZE", "SQLITE_CREATE_VTABLE", "SQLITE_DROP_VTABLE",
    )
)


def _mib(count: int) -> str:
    return f"{count / MIB:g} MiB"


class LimitError(sqlite3.OperationalError):
    """A query the archive's limits refuse; the message is in Finnish and English. An
    ``OperationalError``, so Datasette answers it as it answers bad SQL: with 400."""


class ResultTooLarge(LimitError):
    """The statement's rows passed ``MAX_STATEMENT_BYTES``."""

    def __init__(self, limit: int):
        super().__init__(
            f"Kysely tuottaisi liian suuren vastauksen (yli {_mib(limit)}): rajaa rivejä tai sarakkeita. "
            f"/ The query would return too large a result (over {_mib(limit)}): select fewer rows or columns."
        )


class NotAllowed(LimitError):
    """The authorizer refused something the statement uses."""


def response_too_large_message(limit: int) -> str:
    """What a reader is told when a response would pass ``MAX_RESPONSE_BYTES``."""
    return (
        f"Vastaus olisi liian suuri (yli {_mib(limit)}): rajaa rivejä tai sarakkeita, tai lataa kaikki rivit "
        f"CSV:nä (_stream=on). / The response would be too large (over {_mib(limit)}): select fewer rows or "
        "columns, or download every row as CSV (_stream=on)."
    )


# ------------------------------------------------------------------------------ the cost of a row


#: Escapes are measured on pieces of at most this many characters: measuring a long value
#: never copies more than a small part of it.
_PIECE = 65_536
_URL = ("http://", "https://")
_BLOBS = frozenset({bytes, bytearray, memoryview})


def _text_cost(text: str) -> int:
    """An upper bound of the bytes ``text`` takes escaped for JSON or for HTML, quotes included.

    Its JSON escape (``ensure_ascii``: ``ä`` takes six bytes, a control character six, a
    character outside the BMP twelve; CSV only doubles quotes, so it is never larger), plus
    four bytes for each ``& " ' < >``, the most HTML adds to that (``&amp;`` for ``&``).
    """
    if len(text) > _PIECE:
        return sum(_text_cost(text[start:start + _PIECE]) - 2 for start in range(0, len(text), _PIECE)) + 2
    specials = text.count("&") + text.count('"') + text.count("'") + text.count("<") + text.count(">")
    return len(encode_basestring_ascii(text)) + 4 * specials


def _blob_cost(value: bytes | bytearray | memoryview) -> int:
    """What Datasette's JSON makes of a blob: its text when it is UTF-8, else base64."""
    data = bytes(value)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return 4 * ((len(data) + 2) // 3) + 32  # {"$base64": true, "encoded": "…"}
    return _text_cost(text)


def value_cost(value: Any) -> int:
    """The bytes ``value`` may take in any of Datasette's renderings of it, plus ``CELL_BYTES``
    for what surrounds it: a string its escape (:func:`_text_cost`), twice for a URL (an HTML
    page links it: the address and its text), a blob as Datasette's JSON writes it, anything
    else (a number, NULL) nothing more."""
    if value.__class__ is str:
        return CELL_BYTES + _text_cost(value) * (2 if value.startswith(_URL) else 1)
    if value.__class__ in _BLOBS:
        return CELL_BYTES + _blob_cost(value)
    return CELL_BYTES


def row_cost(values: tuple) -> int:
    """The sum of :func:`value_cost` over a row, with the row's texts escaped in one piece."""
    cost = CELL_BYTES * len(values)
    texts = []
    for value in values:
        if value.__class__ is str:
            texts.append(value)
        elif value.__class__ in _BLOBS:
            cost += _blob_cost(value)
    if texts:
        joined = "".join(texts)
        cost += _text_cost(joined) + 2 * (len(texts) - 1)
        if "http" in joined:
            cost += sum(_text_cost(text) for text in texts if text.startswith(_URL))
    return cost


def budgeted_rows(row_type: Callable[[sqlite3.Cursor, tuple], Any]):
    """A ``row_factory`` that makes ``row_type`` rows and fails the statement whose rows pass
    ``MAX_STATEMENT_BYTES`` (read when the statement starts, so a test may lower it).

    Each row costs :func:`row_cost` plus the length of its column names. The count is per
    cursor and restarts when the cursor runs another statement (a new ``description``);
    cursors are tracked weakly, so a nested statement (a SQL function querying the same
    connection) has a count of its own and never resets the outer one's.
    """
    spent: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def factory(cursor: sqlite3.Cursor, values: tuple) -> Any:
        description = cursor.description
        state = spent.get(cursor)
        if state is None or state[0] is not description:
            names = sum(len(column[0]) + 4 for column in description or ())
            state = spent[cursor] = [description, 0, names, MAX_STATEMENT_BYTES]
        _, used, names, limit = state
        # The bare length first, a lower bound of the cost: a row that passes the budget by it
        # fails before anything of it is escaped.
        if used + names + sum(len(value) for value in values if value.__class__ is str or value.__class__ is bytes) > limit:
            raise ResultTooLarge(limit)
        state[1] = used = used + names + row_cost(values)
        if used > limit:
            raise ResultTooLarge(limit)
        return row_type(cursor, values)

    return factory


# ------------------------------------------------------------------------------ the authorizer


#: What the authorizer refused last in this thread, for the message of the error that follows:
#: the authorizer runs while SQLite prepares a statement, in the thread that then fails.
_REFUSED = threading.local()


def _authorize(action: int, first: str | None, second: str | None, database: str | None, source: str | None) -> int:
    """The authorizer of every read connection: ``SQLITE_DENY`` for what the module's docstring lists."""
    refused = None
    if action == sqlite3.SQLITE_FUNCTION:
        if (second or "").lower() in DENIED_FUNCTIONS:
            refused = f"function {second}"
    elif action == sqlite3.SQLITE_READ:
        if (first or "").lower() in DENIED_TABLES:
            refused = f"table {first}"
    elif action == sqlite3.SQLITE_PRAGMA:
        name = (first or "").lower()
        if not (name in TABLE_PRAGMAS or (name in READ_PRAGMAS and second is None)):
            refused = f"PRAGMA {name}"
    elif action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
        refused = "ATTACH" if action == sqlite3.SQLITE_ATTACH else "DETACH"
    elif action in _SCHEMA_ACTIONS:
        refused = "CREATE, DROP and ALTER"
    if refused is None:
        return sqlite3.SQLITE_OK
    _REFUSED.what = refused
    return sqlite3.SQLITE_DENY


def bound_connection(conn: sqlite3.Connection) -> sqlite3.Connection:
    """Set the archive's limits, the statement budget and the authorizer on a read connection.

    The connection keeps the row type it has (Datasette's ``sqlite3.Row`` when called from a
    ``prepare_connection`` hook; a plain connection's tuples otherwise).
    """
    for limit, value in CONNECTION_LIMITS.items():
        conn.setlimit(limit, value)
    row_type = conn.row_factory or (lambda cursor, values: values)
    conn.row_factory = budgeted_rows(row_type)
    conn.set_authorizer(_authorize)
    return conn


# ------------------------------------------------------------------------------ errors


def translate_error(error: BaseException) -> BaseException:
    """The error a reader is shown for ``error``, raised by a statement in this thread: a
    :class:`LimitError` in Finnish and English when a limit caused it, else ``error`` itself."""
    if isinstance(error, LimitError):
        return error
    message = str(error)
    if isinstance(error, MemoryError):
        return LimitError(
            "Kysely tarvitsisi liikaa muistia: rajaa rivejä, sarakkeita tai arvojen pituutta. "
            "/ The query would need too much memory: select fewer rows or columns, or shorter values."
        )
    if isinstance(error, sqlite3.DataError) and "too big" in message:
        return LimitError(
            f"Kysely tuottaisi liian suuren arvon (yli {_mib(MAX_VALUE_BYTES)} yhdessä arvossa tai rivissä). "
            f"/ The query would make too large a value (over {_mib(MAX_VALUE_BYTES)} in one value or row)."
        )
    if isinstance(error, sqlite3.OperationalError) and message.startswith("too many columns"):
        return LimitError(
            f"Kyselyssä on liian monta saraketta (enintään {MAX_COLUMNS}). / The query has too many columns "
            f"(at most {MAX_COLUMNS})."
        )
    # SQLite says "not authorized" (a function, a pragma, ATTACH) or "access to T.C is prohibited".
    if isinstance(error, sqlite3.DatabaseError) and (message.startswith("not authorized") or message.endswith(" is prohibited")):
        what = getattr(_REFUSED, "what", None) or message.partition(":")[2].strip() or "—"
        _REFUSED.what = None
        kind, _, name = what.partition(" ")
        if kind in ("function", "table"):
            fi, en = f"{'Funktio' if kind == 'function' else 'Taulu'} {name}", f"The {kind} {name}"
        else:
            fi = en = what
        return NotAllowed(f"{fi} ei ole käytettävissä tässä arkistossa. / {en} is not available in this archive.")
    return error


def bound_database(database) -> None:
    """Make ``database`` (a ``datasette.database.Database``) answer a limit's error in Finnish and
    English: its ``execute_fn``, through which every query of Datasette and the plugins runs,
    translates the error in the query's own thread (:func:`translate_error`). Idempotent."""
    if getattr(database.execute_fn, "_esr_bounded", False):
        return
    execute_fn = database.execute_fn

    async def bounded_execute_fn(fn):
        def in_thread(conn):
            try:
                return fn(conn)
            except (sqlite3.Error, MemoryError) as error:
                translated = translate_error(error)
                if translated is error:
                    raise
                raise translated from error

        return await execute_fn(in_thread)

    bounded_execute_fn._esr_bounded = True
    database.execute_fn = bounded_execute_fn


def limit_sqlite_heap(limit: int = MAX_SQLITE_HEAP_BYTES) -> int:
    """Bound SQLite's heap in this process: ``limit`` bytes hard, half of it soft (SQLite then
    gives back page cache first). Process-wide and only ever lowered: ``esr serve`` calls it
    once; a build or a test process must not. Returns the hard limit in force."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute(f"pragma soft_heap_limit = {int(limit) // 2}")
        (hard,) = conn.execute(f"pragma hard_heap_limit = {int(limit)}").fetchone()
    finally:
        conn.close()
    return hard


# ------------------------------------------------------------------------------ the response cap

Send = Callable[[dict], Awaitable[None]]


def cap_responses(app):
    """An ASGI app that answers like ``app``, except that a response sent in one piece and
    longer than ``MAX_RESPONSE_BYTES`` (read at each request) becomes a 400 with
    :func:`response_too_large_message`: JSON for a ``.json`` or ``/-/jsonl/`` path, otherwise
    plain text. A streamed response (its first body message has ``more_body``) goes through
    as it is: each of its pieces comes from one page, bounded by the statement budget.

    The response's start is held back until its first body message, so that its status can
    still change; nothing else is buffered.
    """

    async def capped(scope, receive, send: Send):
        if scope.get("type") != "http":
            await app(scope, receive, send)
            return
        limit = MAX_RESPONSE_BYTES
        held: list[dict] = []
        refused = False

        async def capped_send(message: dict) -> None:
            nonlocal refused
            if refused:
                return
            if message["type"] == "http.response.start":
                held.append(message)
                return
            if message["type"] == "http.response.body" and held:
                if not message.get("more_body", False) and len(message.get("body", b"")) > limit:
                    refused = True
                    held.clear()
                    await _send_too_large(send, scope.get("path", ""), limit)
                    return
                await send(held.pop())
            await send(message)

        await app(scope, receive, capped_send)
        if held and not refused:
            await send(held.pop())

    return capped


async def _send_too_large(send: Send, path: str, limit: int) -> None:
    message = response_too_large_message(limit)
    fi, _, en = message.partition(" / ")
    if path.endswith(".json") or path.startswith("/-/jsonl/"):
        body = json.dumps(
            {"ok": False, "error": message, "error_fi": fi, "error_en": en, "status": 400,
             "title": "Liian suuri vastaus / Response too large"},
            ensure_ascii=False,
        ).encode("utf-8")
        content_type = b"application/json; charset=utf-8"
    else:
        body = (message + "\n").encode("utf-8")
        content_type = b"text/plain; charset=utf-8"
    await send({"type": "http.response.start", "status": 400, "headers": [
        (b"content-type", content_type), (b"content-length", str(len(body)).encode()),
    ]})
    await send({"type": "http.response.body", "body": body})
