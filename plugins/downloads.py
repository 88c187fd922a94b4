"""Downloads for spreadsheets of every table, view and canned query, exactly as filtered:

* ``/-/xlsx/<database>/<table or query>?<the page's parameters>``: an Excel workbook;
* ``/-/excel-csv/<database>/<table or query>?…``: a CSV that Finnish Excel opens by double-click.

Both walk Datasette's own JSON pages (parser/publish/downloads.py), so every row comes, filtered,
searched and sorted as on the page. Headers are the Finnish titles of the columns; the columns
for programs are left out unless ``_tekniset=1`` ("tekniset sarakkeet"). A request that cannot
start (an unknown table, a bad filter) is an HTTP error, never an empty file; a failure after the
first page ends the workbook or CSV with a row saying so.
"""

from __future__ import annotations

import tempfile

from datasette import hookimpl
from datasette.utils.asgi import AsgiStream

from parser.publish.downloads import (
    XLSX, WalkError, attachment, column_titles, excel_csv_header, excel_csv_rows, page_columns, rows, spreadsheet_columns, start,
    write_workbook,
)

#: A workbook is written to memory up to this size, then to a temporary file.
SPOOL_BYTES = 8 * 1024 * 1024
_CHUNK = 256 * 1024


def _titles(datasette, database: str, name: str, columns: list[str]) -> list[str]:
    """Finnish headers: the table's own column descriptions, else (a query's columns) the
    description of a column of that name in any table."""
    metadata = datasette.metadata() or {}
    titles = column_titles(metadata, database, name, columns)
    tables = ((metadata.get("databases") or {}).get(database, {}).get("tables") or {})
    for index, (column, title) in enumerate(zip(columns, titles)):
        if title == column:
            for other in tables.values():
                description = (other.get("columns") or {}).get(column)
                if description:
                    titles[index] = column_titles({"databases": {database: {"tables": {"x": {"columns": {column: description}}}}}}, database, "x", [column])[0]
                    break
    return titles


class FileStream:
    """An ASGI answer that sends an open binary file in chunks, then closes it (Datasette's own
    streaming answer writes text only)."""

    def __init__(self, file, content_type: str, headers: dict[str, str]) -> None:
        self.file, self.content_type, self.headers = file, content_type, headers

    async def asgi_send(self, send) -> None:
        """Send the headers, then the file a chunk at a time."""
        headers = [(b"content-type", self.content_type.encode()), *((k.encode(), v.encode("latin-1")) for k, v in self.headers.items())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        try:
            while chunk := self.file.read(_CHUNK):
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            self.file.close()


def _incomplete(columns: list[str], error: WalkError) -> dict[str, str]:
    """The last row of a download cut short by a failed page."""
    return {columns[0]: f"KESKEN: rivejä puuttuu ({error}) / INCOMPLETE: rows are missing"} if columns else {}


async def _spreadsheet(datasette, request):
    """What both spreadsheet downloads start with: the refusal of a request that cannot start,
    or the walk's start with the columns shown and their Finnish headers."""
    refused, started = await start(datasette, request)
    if refused is not None:
        return refused, None
    database, name, kept, first, _ = started
    columns = spreadsheet_columns(page_columns(first), request.args.get("_tekniset") == "1")
    return None, (database, name, kept, first, columns, _titles(datasette, database, name, columns))


async def xlsx(datasette, request):
    """The workbook of a table, view or canned query."""
    refused, started = await _spreadsheet(datasette, request)
    if refused is not None:
        return refused
    database, name, kept, first, columns, headers = started
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)

    async def source():
        try:
            async for row in rows(datasette, database, name, kept, first):
                yield row
        except WalkError as error:
            # The 200 is not sent yet, but the rows so far are written: the last row says so.
            yield _incomplete(columns, error)

    await write_workbook(spool, name, headers, columns, source())
    spool.seek(0)
    return FileStream(spool, XLSX, attachment(name, "xlsx"))


async def excel_csv(datasette, request):
    """The CSV for Finnish Excel of a table, view or canned query."""
    refused, started = await _spreadsheet(datasette, request)
    if refused is not None:
        return refused
    database, name, kept, first, columns, headers = started

    async def stream(writer):
        await writer.write(excel_csv_header(headers))
        batch = []
        try:
            async for row in rows(datasette, database, name, kept, first):
                batch.append(row)
                if len(batch) >= 1000:
                    await writer.write("".join(excel_csv_rows(columns, batch)))
                    batch = []
        except WalkError as error:
            batch.append(_incomplete(columns, error))
        await writer.write("".join(excel_csv_rows(columns, batch)))

    return AsgiStream(stream, headers=attachment(name, "csv"), content_type="text/csv; charset=utf-8")


@hookimpl
def register_routes():
    """The two spreadsheet routes."""
    return [
        (r"^/-/xlsx/(?P<database>[^/]+)/(?P<table>[^/]+)$", xlsx),
        (r"^/-/excel-csv/(?P<database>[^/]+)/(?P<table>[^/]+)$", excel_csv),
    ]
