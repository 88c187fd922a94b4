"""Every row of a table or view as JSON Lines, exactly as filtered: ``/-/jsonl/esr/<table>?…``.

Datasette 0.65 streams all rows only as CSV (``_stream=on``); its JSON comes in pages of at most
``max_returned_rows``. This route walks those pages through Datasette's own table view, so the
filters, search and sort of the page apply unchanged, and writes one JSON object per line. The
pages are asked for without their count, facets and facet suggestions (``_nocount=1&_nofacet=1&
_nosuggest=1``): the stream uses none of them (a full walk of ``project_list`` took 1.85 s with
them, 0.57 s without).

A failed download is an HTTP error, never a 200 that looks complete:

* The first page is fetched before the response starts. When it fails (a bad ``_sort``, bad
  ``_where`` SQL, the SQL time limit), the answer is that page's own status (a 4xx) and its
  JSON error body, ``{"ok": false, "error": "…", "status": 400, …}``, with no
  ``content-disposition``: nothing to save as a file. A filter on a column the table does not
  have is such a 400 too (Datasette's own page would quietly show no rows).
* When a later page fails, the 200 and the rows before it are already sent: the stream ends
  with one last line ``{"_error": "<the page's message>", "_status": <its status>}`` (500 when
  the page could not be fetched at all). No table of the archive has a column ``_error``, so
  a download is complete exactly when its last line has no ``_error`` key.
"""

from __future__ import annotations

import json
import urllib.parse

from datasette import hookimpl
from datasette.utils import tilde_encode
from datasette.utils.asgi import AsgiStream, Response

#: Parameters of the page that the stream sets itself.
_OWN = frozenset({"_next", "_size", "_shape", "_stream", "_nl", "_dl", "_format", "_json", "_nocount", "_nofacet", "_nosuggest"})
#: What every page is asked for beside the request's own filters: no count, facets or suggestions.
_LEAN = [("_shape", "objects"), ("_size", "max"), ("_nocount", "1"), ("_nofacet", "1"), ("_nosuggest", "1")]


def _message(response) -> str:
    """The error message of a failed page: its JSON ``error``, else the start of its text."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return body["error"]
    return response.text[:1000]


def _failed_first_page(response) -> Response:
    """The answer to a download whose first page failed: that page's status and JSON error."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and "error" in body:
        return Response(response.text, status=response.status_code, content_type="application/json; charset=utf-8")
    return Response.json({"ok": False, "error": _message(response), "status": response.status_code}, status=response.status_code)


def _unknown_columns(pairs, columns) -> list[str]:
    """The columns the filters of ``pairs`` name that the table does not have. Datasette reads
    a parameter as a filter as its table view does (one that does not start with ``_``, or has
    ``__``: ``column__lookup``) and answers a filter on a missing column with no rows, since
    SQLite takes the unknown ``"column"`` for a string."""
    known = set(columns) | {"rowid"}
    unknown = []
    for key, _ in pairs:
        if key.startswith("_") and "__" not in key:
            continue
        column = key.rsplit("__", 1)[0] if "__" in key else key
        if column not in known and column not in unknown:
            unknown.append(column)
    return unknown


def _error_line(message: str, status: int) -> str:
    """The marked last line of a stream that failed after its first page."""
    return json.dumps({"_error": message, "_status": status}, ensure_ascii=False) + "\n"


async def json_lines(datasette, request):
    """Stream the rows of ``/database/table`` with the request's own filters."""
    database = request.url_vars["database"]
    table = request.url_vars["table"]
    try:
        db = datasette.get_database(database)
    except KeyError:
        return Response.text("Tuntematon tietokanta / unknown database\n", status=404)
    if not (await db.table_exists(table) or table in await db.view_names()):
        return Response.text("Tuntematon taulu / unknown table\n", status=404)
    kept = [(k, v) for k, v in urllib.parse.parse_qsl(request.query_string, keep_blank_values=True) if k not in _OWN]
    path = f"/{tilde_encode(database)}/{tilde_encode(table)}.json"

    async def fetch(next_token):
        params = [*kept, *_LEAN] + ([("_next", next_token)] if next_token else [])
        return await datasette.client.get(path + "?" + urllib.parse.urlencode(params))

    unknown = _unknown_columns(kept, await db.table_columns(table))
    if unknown:
        names = ", ".join(unknown)
        fi = f"Taulussa {table} ei ole saraketta {names}: suodatin ei voi rajata sen mukaan."
        en = f"The table {table} has no column {names}: no filter can use it."
        return Response.json({"ok": False, "error": f"{fi} / {en}", "error_fi": fi, "error_en": en, "status": 400}, status=400)
    # The first page decides the status: a bad request is an error, not an empty attachment.
    first = await fetch(None)
    if first.status_code != 200:
        return _failed_first_page(first)

    async def stream(writer):
        response = first
        while True:
            if response.status_code != 200:
                await writer.write(_error_line(_message(response), response.status_code))
                return
            page = response.json()
            for row in page.get("rows", []):
                await writer.write(json.dumps(row, ensure_ascii=False) + "\n")
            next_token = page.get("next")
            if not next_token:
                return
            try:
                response = await fetch(next_token)
            except Exception as error:  # noqa: BLE001 - the 200 is sent: say so in the stream
                await writer.write(_error_line(f"{type(error).__name__}: {error}", 500))
                return

    filename = f"{table}.jsonl"
    headers = {"content-disposition": f'attachment; filename="{filename}"'} if request.args.get("_dl") else {}
    return AsgiStream(stream, headers=headers, content_type="application/x-ndjson; charset=utf-8")


@hookimpl
def register_routes():
    """The JSON Lines route."""
    return [(r"^/-/jsonl/(?P<database>[^/]+)/(?P<table>[^/]+)$", json_lines)]
