"""Serving an immutable archive without computing the same answer twice: the rules of ``plugins/caching.py``.

The archive is served immutable (``esr serve`` serves a hard link to one build, never written),
yet Datasette 0.65 computes every page afresh: it re-reads the schema (some 250 small queries,
each a hop to an SQL thread, for the database page), deep-copies the whole metadata for every
table permission check (110 ms of the 130 ms the front page took), counts the tables on the
first request and runs every facet again. Four things take that work off the requests:

1. **Counts at start** (:func:`inspect_archive`): the row count of every table and the file's
   SHA-256, in the format of ``datasette inspect`` (Datasette's ``inspect_data``), computed once
   when the server starts (``make_datasette``). Datasette then never counts a whole table, and
   the ``/esr.db`` download has its ETag without hashing the file on the first download.
2. **Schema and permissions once** (:func:`memoize_schema`, :func:`memoize_permissions`): on
   an immutable database the answers of ``table_names()``, ``table_columns()``,
   ``primary_keys()``, ``hidden_table_names()``, ``get_all_foreign_keys()`` … cannot change, nor
   can a table's permission rules while the metadata does not: each is computed once, for every
   table and view at start (:func:`warm_up`, which also compiles every template), and handed out
   as a copy (a caller may change what it gets). Only names the schema has are remembered, so a
   request for a made-up table cannot grow the memo. A cached answer so never waits for an SQL
   thread, even in the wrappers around the cache that look at the schema.
3. **HTTP validators** (:class:`CachingApp`): every answer that the build alone decides gets a
   weak ETag, the same for every address of one build (:func:`build_tag`: the archive's SHA-256,
   the publication's files, the code and the libraries that render it), and
   ``Cache-Control: max-age`` (Datasette's ``default_cache_ttl``); a request whose
   ``If-None-Match`` names it gets ``304 Not Modified`` with no body. Weak, because a page says
   how long its queries took: two renderings of one page are equivalent, not byte-identical.
4. **A response cache in the process** (:class:`ResponseCache`): an LRU of complete answers,
   keyed by everything the answer depends on (:func:`cache_key`: scheme, host, root path, raw
   path and query string), bounded by entries, by total bytes and by the size of one answer.
   The header ``x-esr-cache: hit`` or ``miss`` says whether an answer was stored.

What is never stored or marked (:meth:`CachingApp.storable`): anything but ``GET``; a request
with an ``Authorization`` or a ``Cookie`` header (the page may differ per user: Datasette 0.65.5
itself answers such a request ``Cache-Control: private, no-store``); a server with a mutable
database (the front page lists it); Datasette's ``/-/`` pages (``/-/threads``, ``/-/actor`` …
change or differ per user; the dashboards are the exception) and the ``.db`` download;
``_trace``; a status other than 200; an answer with ``Set-Cookie`` or ``Cache-Control:
no-store``/``private``; a streamed answer (every CSV of Datasette, one page or ``_stream=on``,
JSON Lines, spreadsheets: downloads, and the end of a stream may say a later page failed); and
**an answer during which a query failed or was interrupted** (:func:`note_failed_queries`): a
facet or a count that hit its time limit under load leaves a page that is complete but poorer,
which must not be served again as *the* page.

**Static files** (Datasette's, its plugins', the project's ``static/``: :meth:`CachingApp.static`)
are streamed from disk, so never stored, but they get the same validators: a browser keeps the
dashboard's 1.1 MB of scripts for ``max-age`` and then asks with ``If-None-Match``, which a 304
answers, where Datasette 0.65 sends them with neither and a browser fetches (and compiles) them
again on every page.

The cache sits innermost, right around Datasette (``plugins/caching.py``): every other wrapper
(the read-only 405, the bilingual 4xx checks, the 64 MiB cap, the CSV neutraliser) still sees
every request and every answer, cached or not, so none of the guarantees depends on it.

Not handled: a template or plugin changed under a running server keeps being answered from the
cache and with the old tag (restart the server, as for a new build); the cache is per process,
so N processes behind a balancer compute each page up to N times.
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import functools
import hashlib
import json
import os
import sqlite3
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from importlib import metadata as distributions
from pathlib import Path
from typing import Any

import jinja2

MIB = 1024 * 1024

#: The cache's default bounds: the table pages of the archive are 20–180 kB, a page of 1,000 JSON
#: rows about 1 MB, so 64 MiB hold several hundred pages; an answer over 4 MiB is not kept.
MAX_ENTRIES = 2000
MAX_BYTES = 64 * MIB
MAX_ENTRY_BYTES = 4 * MIB
#: What an entry costs beside its body and headers (the key, the dict and list around it).
ENTRY_OVERHEAD = 256

#: Paths under ``/-/`` whose answers the build alone decides.
BUILD_PAGES = ("/-/dashboards",)
#: Where Datasette serves the files of its own package and of its plugins (the dashboards'
#: vega, vega-lite and vega-embed, 0.8 MB, and Leaflet): the versions the build tag names.
STATIC_FILES = ("/-/static/", "/-/static-plugins/")
#: The header that says whether an answer came from the cache (for people and the benchmark).
CACHE_HEADER = b"x-esr-cache"

#: The schema-reading methods of ``datasette.database.Database`` (0.65) memoized on an
#: immutable database: those without arguments, and those that take a table's name.
SCHEMA_METHODS = ("table_names", "view_names", "hidden_table_names", "get_all_foreign_keys")
TABLE_METHODS = (
    "table_exists", "table_columns", "table_column_details", "primary_keys", "fts_table",
    "label_column_for_table", "foreign_keys_for_table", "get_table_definition", "get_view_definition",
)


# ------------------------------------------------------------------------------ counts at start


def sha256_of(path: str | os.PathLike[str]) -> str:
    """The SHA-256 of a file, read a megabyte at a time (as ``datasette inspect`` hashes it)."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while block := file.read(MIB):
            digest.update(block)
    return digest.hexdigest()


def inspect_archive(db_path: str | os.PathLike[str], name: str | None = None) -> dict[str, Any]:
    """What ``datasette inspect`` writes for one immutable file, computed here: ``{name: {"hash",
    "size", "file", "tables": {table: {"count": rows}}}}``, ``name`` being the file's stem.

    Datasette takes it as ``inspect_data``: its table counts (front page, database page, the
    unfiltered count of a table page) and the ``/esr.db`` download's ETag come from it. Read with
    ``immutable=1``: the file is never written while it is served. A table that cannot be counted
    (a virtual table whose module is missing) has ``None``, as in Datasette's own counts.
    """
    path = Path(db_path)
    uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
    conn = sqlite3.connect(uri, uri=True)
    try:
        tables = [row[0] for row in conn.execute("select name from sqlite_master where type = 'table' order by rowid")]
        counts: dict[str, int | None] = {}
        for table in tables:
            try:
                counts[table] = conn.execute(f'select count(*) from "{table.replace(chr(34), chr(34) * 2)}"').fetchone()[0]
            except sqlite3.Error:
                counts[table] = None
    finally:
        conn.close()
    return {
        name or path.stem: {
            "hash": sha256_of(path),
            "size": path.stat().st_size,
            "file": str(path),
            "tables": {table: {"count": count} for table, count in counts.items()},
        }
    }


# ------------------------------------------------------------------------------ schema and permissions


def is_served_file(database) -> bool:
    """Whether ``database`` is an immutable database read from a file (what the archive's
    server serves), not a mutable or in-memory one."""
    return not getattr(database, "is_mutable", True) and not getattr(database, "is_memory", False) and bool(getattr(database, "path", None))


def memoize_schema(database) -> bool:
    """Remember the schema answers of an immutable file database (``SCHEMA_METHODS`` and
    ``TABLE_METHODS``), on the instance; each call gets a deep copy. A table method remembers only
    names of tables and views the file has, so made-up names asked for in addresses cannot grow
    it. Idempotent; ``False`` (nothing done) for a mutable or in-memory database.
    """
    if not is_served_file(database) or getattr(database, "_esr_schema_memoized", False):
        return False
    known: set[str] = set()

    def remembering(name: str, per_table: bool):
        original = getattr(database, name, None)
        if original is None:  # another Datasette version: nothing to remember
            return
        answers: dict[tuple, Any] = {}

        @functools.wraps(original)
        async def remembered(*args, **kwargs):
            key = (args, tuple(sorted(kwargs.items())))
            if key in answers:
                return copy.deepcopy(answers[key])
            answer = await original(*args, **kwargs)
            if not per_table:
                answers[key] = copy.deepcopy(answer)
            else:
                if not known:
                    known.update(await database.table_names())
                    known.update(await database.view_names())
                if args and args[0] in known:
                    answers[key] = copy.deepcopy(answer)
            return answer

        remembered.answers = answers  # what it remembers, for a look from outside
        setattr(database, name, remembered)

    for name in SCHEMA_METHODS:
        remembering(name, per_table=False)
    for name in TABLE_METHODS:
        remembering(name, per_table=True)
    database._esr_schema_memoized = True
    return True


#: The query Datasette 0.65.5 sends at every table permission check (``permission_allowed``), for
#: the table's own spelling: one trip through the thread pool per table a page lists (102 on the
#: database page), the same answer every time from an immutable file.
SPELLING_SQL = "select name from sqlite_master where type in ('table', 'view') and name = ? collate nocase"


def memoize_spellings(database, size: int = 4096) -> bool:
    """Remember the answers of :data:`SPELLING_SQL` for an immutable file database, at most
    ``size`` of them (the names asked for come from addresses). Each call gets its own
    ``Results``. Idempotent; ``False`` (nothing done) for a mutable or in-memory database."""
    if not is_served_file(database) or getattr(database, "_esr_spellings_memoized", False):
        return False
    from datasette.database import Results

    original = database.execute
    answers: OrderedDict[str, tuple[list[tuple], bool, Any]] = OrderedDict()

    @functools.wraps(original)
    async def execute(sql, params=None, *args, **kwargs):
        if sql != SPELLING_SQL or args or kwargs or not isinstance(params, (tuple, list)) or len(params) != 1:
            return await original(sql, params, *args, **kwargs)
        name = params[0]
        if name in answers:
            answers.move_to_end(name)
            rows, truncated, description = answers[name]
            return Results(list(rows), truncated, description)
        result = await original(sql, params)
        answers[name] = ([tuple(row) for row in result.rows], result.truncated, result.description)
        if len(answers) > size:
            answers.popitem(last=False)
        return result

    execute.answers = answers  # what it remembers, for a look from outside
    database.execute = execute
    database._esr_spellings_memoized = True
    return True


def memoize_permissions(datasette, size: int = 4096) -> bool:
    """Remember Datasette 0.65.5's per-table permission rules (``_table_permission_allows``,
    which deep-copies the whole metadata at every call: 3 ms for each table listed on a page).

    The rules depend on the metadata only, which the archive's server loads once, so they are
    remembered per (database, table), at most ``size`` of them, unless a plugin supplies metadata
    per request (a ``get_metadata`` hook), or this Datasette has no such method. Idempotent.
    """
    from datasette.plugins import pm

    method = getattr(datasette, "_table_permission_allows", None)
    if method is None or getattr(method, "_esr_memoized", False) or pm.hook.get_metadata.get_hookimpls():
        return False
    remembered = functools.lru_cache(maxsize=size)(method)

    @functools.wraps(method)
    def allows(database, table):
        return list(remembered(database, table))

    allows._esr_memoized = True
    datasette._table_permission_allows = allows
    return True


async def warm_up(datasette) -> dict[str, float]:
    """Do at start what the first requests would otherwise do: fill the schema and permission
    memos for every table and view of every served file, compile every HTML template and compute
    the build's ETag. Run by the ``startup`` hook, which ``esr serve`` runs before it accepts
    connections (Datasette runs start-up on the first ASGI call, uvicorn's lifespan message).
    Seconds spent on each part."""
    spent: dict[str, float] = {}
    began = time.perf_counter()
    for database in list(datasette.databases.values()):
        if not getattr(database, "_esr_schema_memoized", False):
            continue
        names = await database.table_names() + await database.view_names()
        await database.hidden_table_names()
        await database.get_all_foreign_keys()
        tables = set(await database.table_names())
        for name in names:
            for method in ("table_exists", "table_columns", "table_column_details", "primary_keys", "fts_table",
                           "label_column_for_table", "foreign_keys_for_table"):
                await getattr(database, method)(name)
            if name in tables:
                await database.get_table_definition(name)
            else:
                await database.get_view_definition(name)
            if getattr(datasette._table_permission_allows, "_esr_memoized", False):
                datasette._table_permission_allows(database.name, name)
            if getattr(database, "_esr_spellings_memoized", False):
                await database.execute(SPELLING_SQL, (name,))
    spent["schema"] = time.perf_counter() - began
    began = time.perf_counter()
    environment = datasette.jinja_env
    try:
        names = environment.list_templates(extensions=("html",))
    except TypeError:  # a loader that cannot list its templates: they compile when first used
        names = []
    for name in names:
        # A template that cannot compile fails when it is used, as it would have anyway.
        with contextlib.suppress(Exception):
            environment.get_template(name)
    spent["templates"] = time.perf_counter() - began
    began = time.perf_counter()
    datasette_tag(datasette)
    spent["tag"] = time.perf_counter() - began
    return spent


class _TemplateFiles(jinja2.FileSystemBytecodeCache):
    """Jinja's file cache of compiled templates, where a file that cannot be read or written
    costs a compile, never a page."""

    def load_bytecode(self, bucket) -> None:
        with contextlib.suppress(OSError):
            super().load_bytecode(bucket)

    def dump_bytecode(self, bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def compiled_template_files() -> jinja2.BytecodeCache | None:
    """Jinja's bytecode cache in a folder of this user's own (Jinja's default,
    ``$TMPDIR/_jinja2-cache-UID``, mode 0700, which it refuses when it is not a folder this
    user owns), for :func:`warm_up`: compiling the 46 templates was about a second of every
    server's start. A template is keyed by its file and the checksum of its source, so a
    changed template is compiled again. ``None`` (compile at every start) when there is no
    such folder to be had."""
    try:
        return _TemplateFiles()
    except (OSError, RuntimeError):  # no temporary folder, or one Jinja refuses
        return None


#: The failures of queries during the current request: a list the request's cache layer
#: reads when the answer is complete (a context variable, so each request has its own).
_FAILURES: contextvars.ContextVar[list | None] = contextvars.ContextVar("esr_query_failures", default=None)


def note_failed_queries(database) -> bool:
    """Make every query of ``database`` that fails (an error, the time limit of a facet or a
    count) mark the request it ran for as not cacheable: wraps its ``execute_fn``, through which
    every query of Datasette and the plugins runs. Idempotent."""
    if getattr(database.execute_fn, "_esr_noting", False):
        return False
    execute_fn = database.execute_fn

    async def noting_execute_fn(fn):
        try:
            return await execute_fn(fn)
        except BaseException:
            failures = _FAILURES.get()
            if failures is not None:
                failures.append(True)
            raise

    noting_execute_fn._esr_noting = True
    database.execute_fn = noting_execute_fn
    return True


# ------------------------------------------------------------------------------ the build's tag


def _files_digest(digest, folder: str | os.PathLike[str] | None, pattern: str = "**/*") -> None:
    if not folder or not Path(folder).is_dir():
        return
    for path in sorted(Path(folder).glob(pattern)):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(folder)).encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())


def build_tag(datasette) -> str:
    """The weak ETag of every answer of this server: ``W/"<32 hex digits>"`` of the databases'
    SHA-256s (from ``inspect_data``, else Datasette's own hash of the immutable file), the
    metadata and settings, the files of the plugins, templates and static folders, this code
    (the ``parser`` package renders the pages) and the versions of Datasette and its plugins.
    A new build, a changed template or an upgraded library is a new tag."""
    from datasette.plugins import pm
    from datasette.version import __version__

    digest = hashlib.sha256(b"esr-arkisto response v1\0")
    for name, database in sorted(datasette.databases.items()):
        if name == "_internal":
            continue
        digest.update(f"{name}={database.hash}\0".encode())
    digest.update(json.dumps(datasette.metadata(), sort_keys=True, default=str).encode())
    digest.update(json.dumps(datasette.settings_dict(), sort_keys=True, default=str).encode())
    _files_digest(digest, datasette.plugins_dir, "*.py")
    _files_digest(digest, datasette.template_dir)
    for _, folder in datasette.static_mounts:
        _files_digest(digest, folder)
    _files_digest(digest, Path(__file__).resolve().parent.parent, "**/*.py")
    versions = {"datasette": __version__}
    for _, dist in pm.list_plugin_distinfo():
        versions[dist.metadata["name"]] = dist.version
    try:
        versions["esr-arkisto"] = distributions.version("esr-arkisto")
    except distributions.PackageNotFoundError:
        pass
    digest.update(json.dumps(versions, sort_keys=True).encode())
    return f'W/"{digest.hexdigest()[:32]}"'


def datasette_tag(datasette) -> str:
    """:func:`build_tag` of this Datasette, computed once (at start, by :func:`warm_up`)."""
    tag = getattr(datasette, "_esr_build_tag", None)
    if tag is None:
        tag = datasette._esr_build_tag = build_tag(datasette)
    return tag


def etag_matches(if_none_match: bytes, tag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``tag`` (weak comparison, as RFC 9110 asks for
    ``If-None-Match``: ``W/"x"`` matches ``"x"``), or is ``*``."""
    wanted = tag.removeprefix("W/")
    for part in if_none_match.decode("latin-1").split(","):
        part = part.strip()
        if part == "*" or part.removeprefix("W/") == wanted:
            return True
    return False


# ------------------------------------------------------------------------------ the cache


@dataclass(frozen=True)
class Entry:
    """A complete answer: its status, headers and body."""

    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes

    @property
    def size(self) -> int:
        """What the entry counts against the cache's byte bound."""
        return len(self.body) + sum(len(key) + len(value) for key, value in self.headers) + ENTRY_OVERHEAD


class ResponseCache:
    """A least-recently-used map of answers, bounded by ``max_entries``, by ``max_bytes`` in all
    and by ``max_entry_bytes`` for one answer (a larger one is not kept). Used from the server's
    event loop only, so it takes no lock. The bounds may be changed on a live cache; the next
    store applies them."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES, max_entry_bytes: int = MAX_ENTRY_BYTES):
        self.max_entries, self.max_bytes, self.max_entry_bytes = max_entries, max_bytes, max_entry_bytes
        self._entries: OrderedDict[tuple, Entry] = OrderedDict()
        self.bytes = 0
        self.hits = self.misses = self.stores = self.evictions = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: tuple) -> bool:
        return key in self._entries

    def stored_keys(self) -> list[tuple]:
        """The stored keys (:func:`cache_key`), least recently used first."""
        return list(self._entries)

    def get(self, key: tuple) -> Entry | None:
        """The answer stored for ``key`` (now the most recently used), or ``None``."""
        entry = self._entries.get(key)
        if entry is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry

    def put(self, key: tuple, entry: Entry) -> bool:
        """Store ``entry`` unless it is larger than one answer may be; evict the least recently
        used answers until the bounds hold. Whether it was stored."""
        size = entry.size
        if size > self.max_entry_bytes or size > self.max_bytes or self.max_entries < 1:
            return False
        old = self._entries.pop(key, None)
        if old is not None:
            self.bytes -= old.size
        self._entries[key] = entry
        self.bytes += size
        self.stores += 1
        while len(self._entries) > self.max_entries or self.bytes > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self.bytes -= evicted.size
            self.evictions += 1
        return True

    def clear(self) -> None:
        """Forget every answer (the counters stay)."""
        self._entries.clear()
        self.bytes = 0

    def stats(self) -> dict[str, int]:
        """Entries, bytes, hits, misses, stores and evictions so far."""
        return {
            "entries": len(self._entries), "bytes": self.bytes, "hits": self.hits, "misses": self.misses,
            "stores": self.stores, "evictions": self.evictions,
        }


def _header(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def cache_key(scope: dict) -> tuple:
    """Everything an answer depends on besides the build: scheme, ``Host`` (Datasette writes
    absolute addresses into ``Link`` headers and JSON), root path, the raw path and the query
    string exactly as sent (two spellings of one query are two entries, never one answer for
    the other)."""
    host = _header(scope.get("headers") or (), b"host") or b""
    raw_path = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "surrogateescape")
    return (scope.get("scheme", "http"), host, scope.get("root_path", ""), raw_path, scope.get("query_string") or b"")


Send = Callable[[dict], Awaitable[None]]


class CachingApp:
    """The ASGI app around Datasette's that adds the validators, answers ``If-None-Match`` with
    304 and serves repeated requests from a :class:`ResponseCache` (the module's docstring says
    which requests and answers qualify)."""

    def __init__(self, app, datasette, cache: ResponseCache | None = None):
        self.app, self.datasette = app, datasette
        self.cache = cache if cache is not None else ResponseCache()
        #: Where static files are served: Datasette's and its plugins' places and the project's mounts.
        self.static_paths = STATIC_FILES + tuple(f"/{mount.strip('/')}/" for mount, _ in getattr(datasette, "static_mounts", ()))

    @property
    def tag(self) -> str:
        """The build's ETag (:func:`datasette_tag`)."""
        return datasette_tag(self.datasette)

    def _all_immutable(self) -> bool:
        return all(not database.is_mutable for name, database in self.datasette.databases.items() if name != "_internal")

    def storable(self, scope: dict) -> bool:
        """Whether the answer to this request depends on the build and the address alone."""
        if scope.get("type") != "http" or scope.get("method") != "GET":
            return False
        headers = scope.get("headers") or ()
        # Datasette answers these "private, no-store" (app.py, DatasetteRouter): the actor, a
        # flash message or a CSRF token may be in the page.
        if _header(headers, b"authorization") is not None or _header(headers, b"cookie") is not None:
            return False
        path = scope.get("path", "")
        if path.startswith("/-/") and not path.startswith(BUILD_PAGES):
            return False
        if path.endswith(".db"):
            return False
        query = scope.get("query_string") or b""
        if b"_trace" in query:
            return False
        return self._all_immutable()

    def static(self, scope: dict) -> bool:
        """Whether the request is for a static file of the build (package, plugin or project)."""
        if scope.get("type") != "http" or scope.get("method") not in ("GET", "HEAD") or not self._all_immutable():
            return False
        return scope.get("path", "").startswith(self.static_paths)

    async def _static_file(self, scope, receive, send: Send) -> None:
        """The file as Datasette streams it, with the build's validators; ``304`` and no body to
        an ``If-None-Match`` naming them (only once Datasette has found the file: a 404 stays a
        404)."""
        if_none_match = _header(scope.get("headers") or (), b"if-none-match")
        not_modified = False

        async def marking_send(message: dict) -> None:
            nonlocal not_modified
            if message.get("type") == "http.response.start" and message.get("status") == 200:
                headers = self._validated(list(message.get("headers") or []), streamed=True)
                if if_none_match is not None and etag_matches(if_none_match, self.tag):
                    not_modified = True
                    await send({"type": "http.response.start", "status": 304, "headers": self._not_modified_headers(headers)})
                    await send({"type": "http.response.body", "body": b""})
                    return
                message = dict(message, headers=headers)
            if not_modified:
                return  # the file's bytes, which the 304 left out
            await send(message)

        await self.app(scope, receive, marking_send)

    def _ttl(self) -> int:
        try:
            return int(self.datasette.setting("default_cache_ttl"))
        except (TypeError, ValueError):
            return 0

    def _validated(self, headers: list[tuple[bytes, bytes]], *, streamed: bool = False) -> list[tuple[bytes, bytes]]:
        """``headers`` with the build's ETag, and Datasette's ``Cache-Control`` where the page
        has none of its own (the front page, custom pages, static files). A stored answer's
        length is set when it is sent; a ``streamed`` one keeps the length it was given."""
        dropped = (b"etag", CACHE_HEADER) if streamed else (b"etag", b"content-length", CACHE_HEADER)
        kept = [(key, value) for key, value in headers if key.lower() not in dropped]
        kept.append((b"etag", self.tag.encode("latin-1")))
        ttl = self._ttl()
        if _header(kept, b"cache-control") is None and ttl > 0:
            kept.append((b"cache-control", f"max-age={ttl}".encode()))
        return kept

    @staticmethod
    def _not_modified_headers(headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        # RFC 9110 15.4.5: a 304 carries the validators and caching headers a 200 would have.
        keep = (b"etag", b"cache-control", b"vary", b"content-location", b"expires", b"date")
        return [(key, value) for key, value in headers if key.lower() in keep]

    async def _send_entry(self, send: Send, entry: Entry, if_none_match: bytes | None, state: bytes) -> None:
        headers = list(entry.headers)
        if if_none_match is not None and etag_matches(if_none_match, self.tag):
            await send({"type": "http.response.start", "status": 304, "headers": self._not_modified_headers(headers)})
            await send({"type": "http.response.body", "body": b""})
            return
        headers += [(b"content-length", str(len(entry.body)).encode()), (CACHE_HEADER, state)]
        await send({"type": "http.response.start", "status": entry.status, "headers": headers})
        await send({"type": "http.response.body", "body": entry.body})

    async def __call__(self, scope, receive, send: Send) -> None:
        if self.static(scope):
            await self._static_file(scope, receive, send)
            return
        if not self.storable(scope):
            await self.app(scope, receive, send)
            return
        key = cache_key(scope)
        if_none_match = _header(scope.get("headers") or (), b"if-none-match")
        entry = self.cache.get(key)
        if entry is not None:
            await self._send_entry(send, entry, if_none_match, b"hit")
            return
        failures: list = []
        token = _FAILURES.set(failures)
        held: dict | None = None
        streaming = False

        async def storing_send(message: dict) -> None:
            nonlocal held, streaming
            kind = message.get("type")
            if kind == "http.response.start":
                # Held back until the first body message says whether the answer is complete.
                held = message
                return
            if kind != "http.response.body" or streaming or held is None:
                await send(message)
                return
            start, held = held, None
            body = bytes(message.get("body") or b"")
            if message.get("more_body", False):
                streaming = True  # a stream: passed on as it comes, never kept
                await send(start)
                await send(message)
                return
            headers = list(start.get("headers") or [])
            if self._complete_and_storable(start, headers, failures):
                stored = Entry(200, tuple(self._validated(headers)), body)
                self.cache.put(key, stored)
                await self._send_entry(send, stored, if_none_match, b"miss")
                return
            await send(start)
            await send(message)

        try:
            await self.app(scope, receive, storing_send)
        finally:
            _FAILURES.reset(token)
        if held is not None:  # a start with no body message: pass it on as it is
            await send(held)

    @staticmethod
    def _complete_and_storable(start: dict, headers: list[tuple[bytes, bytes]], failures: list) -> bool:
        if start.get("status") != 200 or failures:
            return False
        if _header(headers, b"set-cookie") is not None:
            return False
        control = (_header(headers, b"cache-control") or b"").lower()
        return b"no-store" not in control and b"private" not in control


def caching_app(datasette) -> Callable:
    """The ``asgi_wrapper`` of ``plugins/caching.py``: wraps Datasette's app in a
    :class:`CachingApp` whose cache is this Datasette's (:func:`response_cache`)."""

    def wrap(app):
        return CachingApp(app, datasette, response_cache(datasette))

    return wrap


def response_cache(datasette) -> ResponseCache:
    """This Datasette's response cache, made with the default bounds on first use: one per
    Datasette instance, shared by every ``app()`` made of it."""
    cache = getattr(datasette, "_esr_response_cache", None)
    if cache is None:
        cache = ResponseCache()
        datasette._esr_response_cache = cache
    return cache
