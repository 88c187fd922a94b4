"""A wrong request gets a 4xx in Finnish and English, never a 500.

Two Datasette hooks, with the rules in ``parser/publish/errors.py``:

* ``asgi_wrapper`` checks what Datasette 0.65 would only meet as an exception deep inside a view
  (``int()`` of ``_timelimit``, ``json.loads`` of an ``__in`` filter or of ``_through``, a
  number SQLite cannot bind, a NUL character, a row address with the wrong number of key
  values, ``_next`` of a view, ``/esr.csv`` without a query, a raw path that is not ASCII) and
  answers it before Datasette sees the request; so too a comparison filter (``__gt`` and the
  like) on a numeric column whose value is no number, which Datasette would answer with no
  row and no word (``eu_state_granted__gt=1 000 000``);
* ``handle_exception`` turns what Datasette does raise for a wrong request into its 4xx: its
  own 400s and 404s, and the ``DatasetteError``\\ s it raises with the default status 500 for a
  sort or a ``_through`` it cannot use, and the SQL time limit escaping from a CSV download.
  Anything else is the server's own failure and is left to Datasette's handler (a 500 with the
  traceback in the log).

Both answer the same way: JSON for ``.json`` (and the JSON Lines downloads), plain text for
``.csv``, otherwise the page ``templates/error.html``.
"""

from __future__ import annotations

import re
import weakref

from datasette import hookimpl
from datasette.utils import tilde_decode, urlsafe_components

from parser.publish import errors

# Datasette 0.65's own routes (datasette/app.py, ``Datasette._routes``), tried in this order
# after the plugins' routes; the JSON Lines route is plugins/json_lines.py's.
_DATABASE = re.compile(r"/(?P<database>[^/.]+)(\.(?P<format>\w+))?$")
_TABLE = re.compile(r"/(?P<database>[^/.]+)/(?P<table>[^/.]+)(\.(?P<format>\w+))?$")
_ROW = re.compile(r"/(?P<database>[^/.]+)/(?P<table>[^/]+?)/(?P<pks>[^/]+?)(\.(?P<format>\w+))?$")
_JSON_LINES = re.compile(r"/-/jsonl/(?P<database>[^/]+)/(?P<table>[^/]+)$")


def _database(datasette, route: str):
    try:
        return datasette.get_database(route=tilde_decode(route))
    except KeyError:
        return None


#: The plugins' route patterns of each Datasette, compiled once (they are fixed at start-up).
_PLUGIN_ROUTES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _plugin_route(datasette, path: str) -> bool:
    """Whether a plugin's route answers ``path``: Datasette matches those before its row pages,
    so such a path (``/esr/vastaukset/maakunnat``) is no row address."""
    patterns = _PLUGIN_ROUTES.get(datasette)
    if patterns is None:
        from datasette.plugins import pm

        patterns = [re.compile(regex) for routes in pm.hook.register_routes(datasette=datasette) for regex, _ in (routes or [])]
        _PLUGIN_ROUTES[datasette] = patterns
    return any(pattern.match(path) for pattern in patterns)


async def check_request(datasette, scope) -> errors.ClientError | None:
    """What is wrong with the request of ``scope`` that Datasette would answer with a 500."""
    raw_path = scope.get("raw_path")
    try:
        # Datasette's router decodes the raw path as ASCII, without catching the error.
        path = raw_path.decode("ascii") if raw_path else scope["path"]
    except UnicodeDecodeError:
        return errors.not_ascii_path()
    path = path.partition("?")[0]
    query_string = (scope.get("query_string") or b"").decode("latin-1")
    problem = errors.check_query(query_string)
    if problem:
        return problem
    if path.startswith("/-/") and not _JSON_LINES.match(path):
        return None
    pairs = errors.query_pairs(query_string)
    first = dict(reversed(pairs))  # the first value of each parameter, as Datasette's args.get()
    as_json = path.endswith(".json")
    if as_json:
        problem = errors.check_json_options(pairs)
        if problem:
            return problem
    shape = first.get("_shape") if as_json else None
    match = _DATABASE.match(path)
    if match:
        db = _database(datasette, match["database"])
        if db is None:
            return None
        if not first.get("sql"):
            # The database page is a list of tables: Datasette's CSV and row shapes fail on it.
            if match["format"] == "csv":
                return errors.database_csv_without_query(db.name)
            if shape in ("array", "arrayfirst", "object"):
                return errors.shape_needs_rows(db.name, shape)
        elif shape == "object":
            return errors.shape_object_needs_key("sql")
        return None
    match = _TABLE.match(path) or _JSON_LINES.match(path)
    if match:
        db = _database(datasette, match["database"])
        if db is None:
            return None
        table = tilde_decode(match["table"])
        offsets = [value for name, value in pairs if name == "_next"]
        # Only a request that needs it asks the database what the table is.
        if offsets and table in await db.view_names():
            for value in offsets:
                problem = errors.check_view_offset(table, value)
                if problem:
                    return problem
        if shape == "object" and not (await db.table_exists(table) and await db.primary_keys(table)):
            return errors.shape_object_needs_key(table)
        comparisons = errors.comparisons_to_check(pairs)
        if comparisons:
            types = {column.name: column.type for column in await db.table_column_details(table)}
            for name, column, value in comparisons:
                if column in types and errors.numeric_affinity(types[column]):
                    return errors.not_a_number(name, value)
        return None
    match = _ROW.match(path)
    if match and not _plugin_route(datasette, path):
        db = _database(datasette, match["database"])
        if db is None:
            return None
        table = tilde_decode(match["table"])
        if not await db.table_exists(table):
            return errors.view_has_no_rows(table) if table in await db.view_names() else errors.no_such_table(table)
        primary_keys = await db.primary_keys(table)
        if shape == "object" and not primary_keys:
            return errors.shape_object_needs_key(table)
        # The key values exactly as Datasette reads them (a percent escape stays as it is: with
        # the right number of values, Datasette redirects it to its ~ form when no row has it).
        return errors.check_row_key(db.name, table, primary_keys, urlsafe_components(match["pks"]))
    return None


@hookimpl
def asgi_wrapper(datasette):
    """Answer a request Datasette would fail on with its 4xx before Datasette sees it."""

    def wrap(app):
        async def checked(scope, receive, send):
            if scope.get("type") == "http" and scope.get("method") in ("GET", "HEAD"):
                error = await check_request(datasette, scope)
                if error is not None:
                    raw_path = scope.get("raw_path") or b""
                    path = raw_path.decode("latin-1") if raw_path else scope.get("path", "")
                    response = await errors.error_response(datasette, path, error)
                    await response.asgi_send(send)
                    return
            await app(scope, receive, send)

        return checked

    return wrap


async def _sortable_columns(datasette, request) -> list[str]:
    """The columns Datasette lets the table of ``request`` be sorted by, in table order."""
    from datasette.views.table import TableView

    try:
        db = datasette.get_database(route=tilde_decode(request.url_vars["database"]))
        table = tilde_decode(request.url_vars["table"])
        is_view = table in await db.view_names()
        use_rowid = not is_view and not await db.primary_keys(table)
        sortable = await TableView(datasette).sortable_columns_for_table(db.name, table, use_rowid)
        columns = await db.table_columns(table)
    except Exception:  # noqa: BLE001 - without the list the message is only less helpful
        return []
    return (["rowid"] if "rowid" in sortable and "rowid" not in columns else []) + [c for c in columns if c in sortable]


@hookimpl
def handle_exception(datasette, request, exception):
    """A wrong request's exception as its bilingual 4xx; anything else to Datasette's handler."""
    error = errors.from_exception(exception)
    if error is None:
        return None

    async def inner():
        found = error
        if errors.is_sort_error(exception):
            found = errors.with_sortable_columns(found, await _sortable_columns(datasette, request))
        return await errors.error_response(datasette, request.path, found)

    return inner
