"""Finnish-aware search in Datasette: ``?_search=``, the ``haku`` canned query and the /haku page.

Datasette 0.65's table search (``datasette/filters.py``, ``search_filters``) adds
``rowid in (select rowid from {fts_table} where {fts_table} match escape_fts(:search))``, with
``escape_fts`` a SQL function that ``datasette/sql_functions.py`` registers on every connection
in its ``prepare_connection`` hook, and ``fts_table`` the FTS table whose ``content=`` is the
table (``documents_fts``), or the metadata's (``project_index_fts`` for ``projects``,
:data:`parser.search.SEARCHED_THROUGH`). On a database that has the search vocabulary
(:func:`parser.search.create_search_index`), this plugin re-registers ``escape_fts`` with
:func:`parser.search.normalise_query` bound to that connection's vocabulary. It runs after
Datasette's own registration (``trylast``: pluggy calls the other implementations first), so its
function is the one that stays, and the HTML table page, its ``.json`` and its ``.csv`` all
search the Finnish way with no other change. ``finnish_fts(q)`` is the same function under its
own name, for SQL written by hand. It also adds the canned query ``haku`` (both tables in one
list, with ``.json`` and ``.csv``) and the template function ``esr_search`` that
``templates/pages/haku.html`` (served at /haku) calls.

A database without the vocabulary keeps Datasette's own ``escape_fts``.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import urllib.parse
from typing import Any

from datasette import hookimpl
from datasette.utils import tilde_encode

from parser.search import NOTHING, SEARCH_TABLES, Vocabulary, default_normaliser, has_vocabulary, normalise_query, words

#: How many rows of each table the /haku page shows before linking to the table's own search.
PAGE_ROWS = 20

_HAS_INDEX: dict[tuple[str, float], bool] = {}
_LOCK = threading.Lock()


def _database_has_index(datasette, name: str | None) -> bool:
    """Whether the database ``name`` has the search vocabulary (checked once per file version)."""
    database = datasette.databases.get(name) if name else None
    path = getattr(database, "path", None)
    if not path or getattr(database, "is_memory", False):
        return False
    try:
        key = (str(path), os.stat(path).st_mtime)
    except OSError:
        return False
    with _LOCK:
        if key not in _HAS_INDEX:
            try:
                conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
                try:
                    _HAS_INDEX[key] = has_vocabulary(conn)
                finally:
                    conn.close()
            except sqlite3.Error:
                _HAS_INDEX[key] = False
        return _HAS_INDEX[key]


def _indexed_databases(datasette) -> list[str]:
    return [name for name in list(datasette.databases) if _database_has_index(datasette, name)]


def _bound_query(conn: sqlite3.Connection):
    """``normalise_query`` with this connection's vocabulary, its answers cached (a table page
    calls it for the rows, the count and every facet). A query that came out as nothing is not
    cached: its lookup may have been cut short by the SQL time limit."""
    vocabulary = Vocabulary(conn)
    cache: dict[Any, str] = {}

    def finnish_fts(query):
        key = query if isinstance(query, (str, type(None))) else repr(query)
        expression = cache.get(key)
        if expression is None:
            expression = normalise_query(query, vocabulary)
            if expression != NOTHING:
                if len(cache) >= 1024:
                    cache.clear()
                cache[key] = expression
        return expression

    return finnish_fts


@hookimpl(trylast=True)
def prepare_connection(conn, database, datasette):
    """Register ``finnish_fts`` (and, with the vocabulary, ``escape_fts``) on every connection."""
    try:
        present = has_vocabulary(conn)
    except sqlite3.Error:
        present = False
    function = _bound_query(conn) if present else normalise_query
    conn.create_function("finnish_fts", 1, function)
    if present:
        conn.create_function("escape_fts", 1, function)


@hookimpl
def asgi_wrapper(datasette):
    """A ``?_search=`` with no word in it (empty, only quotes or operators) is no search.

    Datasette would match it as typed (an FTS5 syntax error, shown as "Invalid SQL"); dropping
    the parameter shows the table as if the search box had been left empty.
    """

    def wrap(app):
        async def without_empty_searches(scope, receive, send):
            query_string = scope.get("query_string") or b""
            if scope.get("type") == "http" and b"_search" in query_string:
                pairs = urllib.parse.parse_qsl(query_string.decode("latin-1"), keep_blank_values=True, encoding="latin-1")
                kept = [
                    (key, value)
                    for key, value in pairs
                    if not (key.startswith("_search") and key != "_searchmode" and not words(_utf8(value)))
                ]
                if len(kept) != len(pairs):
                    scope = dict(scope, query_string=urllib.parse.urlencode(kept, encoding="latin-1").encode("latin-1"))
            await app(scope, receive, send)

        return without_empty_searches

    return wrap


def _utf8(value: str) -> str:
    """A query-string value decoded as Latin-1 (byte for byte), read as the UTF-8 it is."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value


@hookimpl
def startup(datasette):
    """Load the analysers before the first search."""
    async def inner():
        # Load the analysers (simplemma's dictionary takes seconds) before the first search,
        # whose SQL time limit would otherwise be spent on it.
        if _indexed_databases(datasette):
            import asyncio

            await asyncio.get_running_loop().run_in_executor(None, default_normaliser)

    return inner


#: What /haku and the ``haku`` query search, in this order: every project once (its name,
#: implementer and texts, whether it has a description, a list row or a EURA 2021 row), then the
#: documents that describe no project (the other indexes hold each project's own texts, so a
#: description document would repeat its project under a generic title). Source table -> (its
#: title column, where clause on its rows ``t``).
HAKU_SOURCES = {
    "project_index": ("name", "1"),
    "documents": ("title", "t.kind = 'other'"),
}

HAKU_SQL = "\nunion all\n".join(
    f"""select * from (
  select '{source}' as source, t.[{SEARCH_TABLES[source].key}] as key, t.[{title}] as title,
    snippet([{SEARCH_TABLES[source].name}], -1, '[', ']', '…', 12) as excerpt
  from [{SEARCH_TABLES[source].name}] join [{source}] t on t.rowid = [{SEARCH_TABLES[source].name}].rowid
  where [{SEARCH_TABLES[source].name}] match finnish_fts(:q) and {where}
  order by [{SEARCH_TABLES[source].name}].rank
)"""
    for source, (title, where) in HAKU_SOURCES.items()
)


@hookimpl
def canned_queries(datasette, database, actor):
    """The ``haku`` canned query, on a database with the search vocabulary."""
    if not _database_has_index(datasette, database):
        return {}
    return {
        "haku": {
            "sql": HAKU_SQL.strip(),
            "title": "Haku: hankkeet ja asiakirjat — search projects and documents",
            "description": (
                "Löytää sanan sen taivutusmuodoissa ja yhdyssanojen osana hankkeiden teksteistä ja "
                "asiakirjojen koko tekstistä, osumat [hakasulkeissa]. Sivu /haku näyttää saman. — "
                "Finds a word in its inflected forms and inside compounds, in the projects' texts and "
                "in the documents' full text, matches [in brackets]. The page /haku shows the same."
            ),
            "params": ["q"],
        }
    }


def _pieces(excerpt: str | None) -> list[dict[str, Any]]:
    """An FTS5 snippet with \\x02 … \\x03 around matches, as pieces the template marks up."""
    pieces: list[dict[str, Any]] = []
    for position, chunk in enumerate((excerpt or "").split("\x02")):
        match, _, rest = chunk.partition("\x03") if position else ("", "", chunk)
        if match:
            pieces.append({"text": match, "match": True})
        if rest:
            pieces.append({"text": rest.replace("\n", " "), "match": False})
    return pieces


async def _search_everything(datasette, database: str, q: str, rows: int = PAGE_ROWS) -> dict[str, Any]:
    db = datasette.get_database(database)
    result: dict[str, Any] = {"q": q, "database": database, "tables": []}
    if not q or normalise_query(q) == NOTHING:
        return result
    for source, (title, where) in HAKU_SOURCES.items():
        spec = SEARCH_TABLES[source]
        fts = spec.name
        count = (await db.execute(
            f"select count(*) from [{fts}] join [{source}] t on t.rowid = [{fts}].rowid where [{fts}] match finnish_fts(:q) and {where}", {"q": q}
        )).rows[0][0]
        found = await db.execute(
            f"""select t.[{spec.key}] as key, t.[{title}] as title,
                  snippet([{fts}], -1, char(2), char(3), '…', 24) as excerpt
                from [{fts}] join [{source}] t on t.rowid = [{fts}].rowid
                where [{fts}] match finnish_fts(:q) and {where} order by [{fts}].rank limit {int(rows)}""",
            {"q": q},
        )
        result["tables"].append({
            "table": source,
            "count": count,
            "rows": [
                {
                    "key": row["key"],
                    "title": row["title"] or row["key"],
                    "url": datasette.urls.row(database, "projects" if source == "project_index" else source, tilde_encode(str(row["key"]))),
                    "excerpt": _pieces(row["excerpt"]),
                }
                for row in found.rows
            ],
            "url": datasette.urls.table(database, source) + "?" + urllib.parse.urlencode({"_search": q}),
        })
    return result


@hookimpl
def extra_template_vars(template, database, table, columns, view_name, request, datasette):
    """``esr_search`` for the /haku page."""
    if view_name != "page":
        return {}

    async def esr_search(q: str | None = None, database: str | None = None, rows: int = PAGE_ROWS):
        """What the /haku page shows: for each searchable table, the count and the best rows."""
        names = _indexed_databases(datasette)
        name = database or (names[0] if names else None)
        q = (q or "").strip()[:1000]
        if name is None or name not in names:
            return {"q": q, "database": name, "tables": [], "missing_index": True}
        return await _search_everything(datasette, name, q, rows)

    return {"esr_search": esr_search}
