"""Every row of a table or view as JSON Lines, exactly as filtered: ``/-/jsonl/esr/<table>?…``.

Datasette 0.65 streams all rows only as CSV (``_stream=on``); its JSON comes in pages of at most
``max_returned_rows``. This route walks those pages through Datasette's own table view, so the
filters, search and sort of the page apply unchanged, and writes one JSON object per line.
"""

from __future__ import annotations

import json
import urllib.parse

from datasette import hookimpl
from datasette.utils import tilde_encode
from datasette.utils.asgi import AsgiStream, Response

#: Parameters of the page that the stream sets itself.
_OWN = frozenset({"_next", "_size", "_shape", "_stream", "_nl", "_dl", "_format", "_json"})


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

    async def stream(writer):
        next_token = None
        while True:
            params = [*kept, ("_shape", "objects"), ("_size", "max")] + ([("_next", next_token)] if next_token else [])
            response = await datasette.client.get(path + "?" + urllib.parse.urlencode(params))
            if response.status_code != 200:
                await writer.write(json.dumps({"error": response.text[:500], "status": response.status_code}, ensure_ascii=False) + "\n")
                return
            page = response.json()
            for row in page.get("rows", []):
                await writer.write(json.dumps(row, ensure_ascii=False) + "\n")
            next_token = page.get("next")
            if not next_token:
                return

    filename = f"{table}.jsonl"
    headers = {"content-disposition": f'attachment; filename="{filename}"'} if request.args.get("_dl") else {}
    return AsgiStream(stream, headers=headers, content_type="application/x-ndjson; charset=utf-8")


@hookimpl
def register_routes():
    """The JSON Lines route."""
    return [(r"^/-/jsonl/(?P<database>[^/]+)/(?P<table>[^/]+)$", json_lines)]
