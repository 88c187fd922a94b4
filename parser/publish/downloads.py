"""Downloads of every row of a table, view or canned query, exactly as filtered on its page.

Datasette 0.65 gives JSON a page (at most ``max_returned_rows``) at a time and streams only its
CSV. :func:`first_page` and :func:`rows` walk Datasette's own JSON pages through its own views,
so the page's filters, search and sort apply unchanged, without counts, facets or suggestions
(none is used). The formats built on the walk: JSON Lines (``plugins/json_lines.py``), an Excel
workbook (:func:`write_workbook`: Finnish headers, numbers as numbers, dates as dates, text
always stored as text, never as a formula) and a CSV for Finnish Excel (:func:`excel_csv_lines`:
UTF-8 with a byte-order mark, ``;`` between fields, decimal comma, dates ``1.7.2009``, formulas
neutralised as in every CSV, :mod:`parser.spreadsheet`).

Columns meant for programs (a source line's number and text, what a repair did, JSON members,
search texts) are left out of the spreadsheet formats unless asked for: :data:`TECHNICAL_COLUMNS`,
the choice "tekniset sarakkeet" (``_tekniset=1``).
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import urllib.parse
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from datasette.utils import tilde_encode

from ..spreadsheet import neutralise_cell

#: Parameters of a page that a download sets itself.
OWN_PARAMETERS = frozenset({
    "_next", "_size", "_shape", "_stream", "_nl", "_dl", "_format", "_json", "_nocount", "_nofacet", "_nosuggest",
    "_tekniset", "_labels",
})  # fmt: skip
#: What every page is asked for beside the request's own filters.
LEAN_PAGE = [("_shape", "objects"), ("_size", "max"), ("_nocount", "1"), ("_nofacet", "1"), ("_nosuggest", "1")]
#: Columns for programs, not for a spreadsheet's reader (shown with ``_tekniset=1``).
TECHNICAL_COLUMNS = frozenset({
    "line", "repair", "raw", "extra", "search_text", "implementer_key", "regions", "sha256", "content_sha256", "etag",
    "last_modified", "position", "rowid",
})  # fmt: skip
#: The media type of a workbook.
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_QUOTED = re.compile(r"^«([^»]{1,80})»")
#: The starts of a text that openpyxl would not store as text by itself (a formula, an error).
_TYPED_TEXT = ("=", "#")


def kept_parameters(query_string: str) -> list[tuple[str, str]]:
    """The request's own parameters (filters, search, sort, a query's parameters)."""
    return [(k, v) for k, v in urllib.parse.parse_qsl(query_string, keep_blank_values=True) if k not in OWN_PARAMETERS]


async def fetch_page(datasette, database: str, name: str, kept: list[tuple[str, str]], next_token: str | None = None):
    """One JSON page of a table, view or canned query, through Datasette's own view."""
    path = f"/{tilde_encode(database)}/{tilde_encode(name)}.json"
    params = [*kept, *LEAN_PAGE] + ([("_next", next_token)] if next_token else [])
    return await datasette.client.get(path + "?" + urllib.parse.urlencode(params))


def page_message(response) -> str:
    """The error message of a failed page: its JSON ``error``, else the start of its text."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return body["error"]
    return response.text[:1000]


class WalkError(Exception):
    """A page after the first failed: the rows before it are out; the message says why."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


async def rows(datasette, database: str, name: str, kept: list[tuple[str, str]], first) -> AsyncIterator[dict[str, Any]]:
    """Every row, page by page, from an already fetched (successful) ``first`` page; raises
    :class:`WalkError` when a later page fails."""
    response = first
    while True:
        if response.status_code != 200:
            raise WalkError(page_message(response), response.status_code)
        page = response.json()
        for row in page.get("rows", []):
            yield row
        next_token = page.get("next")
        if not next_token:
            return
        try:
            response = await fetch_page(datasette, database, name, kept, next_token)
        except Exception as error:  # noqa: BLE001 - the caller has started its answer: say so
            raise WalkError(f"{type(error).__name__}: {error}", 500) from None


def page_columns(first) -> list[str]:
    """The columns of the download, in the page's order."""
    page = first.json()
    columns = page.get("columns")
    if columns:
        return list(columns)
    found = page.get("rows") or []
    return list(found[0]) if found else []


def column_title(column: str, description: str | None) -> str:
    """A column's header for a person: the source label the metadata quotes (``«Koodi»``),
    else the description's Finnish part up to its first full stop, comma or bracket, else the
    column's name."""
    if not description:
        return column
    finnish = description.split(" — ")[0].strip()
    quoted = _QUOTED.match(finnish)
    if quoted:
        return quoted.group(1)
    clause = re.split(r"[.,(:;]", finnish, maxsplit=1)[0].strip()
    return clause if 0 < len(clause) <= 60 else column


def column_titles(metadata: dict[str, Any], database: str, name: str, columns: Iterable[str]) -> list[str]:
    """The headers of ``columns`` of a table or view from ``metadata.yml``'s descriptions."""
    described = ((metadata.get("databases") or {}).get(database, {}).get("tables") or {}).get(name, {}).get("columns") or {}
    return [column_title(column, described.get(column)) for column in columns]


def spreadsheet_columns(columns: list[str], technical: bool) -> list[str]:
    """The columns a spreadsheet download holds: all, or all but :data:`TECHNICAL_COLUMNS`."""
    return list(columns) if technical else [column for column in columns if column not in TECHNICAL_COLUMNS]


def _date(value: Any) -> datetime.date | None:
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return None
    return None


# ---- the workbook


async def write_workbook(file: io.BufferedIOBase, title: str, headers: list[str], columns: list[str], source: AsyncIterator[dict[str, Any]]) -> int:
    """Write an .xlsx of the rows to ``file`` (openpyxl's write-only mode: memory stays flat
    however many rows). Numbers are numbers, ISO dates are dates shown ``1.7.2009``, every text
    is stored as text: a value starting with ``=`` is never a formula. Returns the rows written.
    Raises :class:`WalkError` from ``source``."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=re.sub(r"[\[\]:*?/\\]", "_", title)[:31] or "rivit")
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.data_type = "s"
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 0
    async for row in source:
        # Plain values where openpyxl's own typing is right (a number, a null, most texts): a
        # cell object for each value cost the full list's workbook 5 of its 9 s.
        values = []
        for column in columns:
            value = row.get(column)
            if isinstance(value, dict):  # a labelled foreign key: {value, label}
                value = value.get("label") or value.get("value")
            if value is None or isinstance(value, (bool, int, float)):
                values.append(value)
                continue
            date = _date(value)
            if date is not None:
                cell = WriteOnlyCell(sheet, value=date)
                cell.number_format = "D.M.YYYY"
                values.append(cell)
                continue
            text = str(value)[:32767]
            if text.startswith(_TYPED_TEXT):
                # openpyxl would make "=…" a formula and "#N/A" an error: text, whatever it
                # starts with.
                cell = WriteOnlyCell(sheet, value=text)
                cell.data_type = "s"
                values.append(cell)
            else:
                values.append(text)
        sheet.append(values)
        count += 1
    workbook.save(file)
    return count


# ---- the CSV for Excel


def _excel_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        value = value.get("label") or value.get("value")
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value).replace(".", ",") if value != int(value) or abs(value) >= 1e15 else str(int(value))
    date = _date(value)
    if date is not None:
        return f"{date.day}.{date.month}.{date.year}"
    return neutralise_cell(str(value))


def excel_csv_line(values: Iterable[Any]) -> str:
    """One line of a CSV for Finnish Excel: ``;`` between fields, decimal comma."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerow([_excel_value(value) for value in values])
    return buffer.getvalue()


def excel_csv_header(headers: list[str]) -> str:
    """The first line, with the UTF-8 byte-order mark Excel needs to read ä and ö."""
    return "\ufeff" + excel_csv_line(neutralise_cell(header) for header in headers)


def excel_csv_rows(columns: list[str], rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The lines of ``rows``."""
    for row in rows:
        yield excel_csv_line(row.get(column) for column in columns)


# ---- the first page decides the status


def failed_first_page(response):
    """The answer to a download whose first page failed: that page's status and JSON error,
    with no ``content-disposition``: nothing to save as a file."""
    from datasette.utils.asgi import Response

    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and "error" in body:
        return Response(response.text, status=response.status_code, content_type="application/json; charset=utf-8")
    return Response.json({"ok": False, "error": page_message(response), "status": response.status_code}, status=response.status_code)


def unknown_filter_columns(pairs: Iterable[tuple[str, str]], columns: Iterable[str]) -> list[str]:
    """The columns the filters of ``pairs`` name that the table does not have. Datasette reads a
    parameter as a filter as its table view does (one that does not start with ``_``, or has
    ``__``: ``column__lookup``) and answers a filter on a missing column with no rows, since
    SQLite takes the unknown ``"column"`` for a string."""
    known = set(columns) | {"rowid"}
    unknown: list[str] = []
    for key, _ in pairs:
        if key.startswith("_") and "__" not in key:
            continue
        column = key.rsplit("__", 1)[0] if "__" in key else key
        if column not in known and column not in unknown:
            unknown.append(column)
    return unknown


def unknown_column_response(table: str, unknown: list[str]):
    """The 400 for a filter on a column the table does not have, in Finnish and English."""
    from datasette.utils.asgi import Response

    names = ", ".join(unknown)
    fi = f"Taulussa {table} ei ole saraketta {names}: suodatin ei voi rajata sen mukaan."
    en = f"The table {table} has no column {names}: no filter can use it."
    return Response.json({"ok": False, "error": f"{fi} / {en}", "error_fi": fi, "error_en": en, "status": 400}, status=400)


async def start(datasette, request):
    """Check a download's request and fetch its first page.

    Returns ``(answer, None)`` when the download must not start (an unknown database, table or
    query: 404; a filter on an unknown column: 400; a failed first page: its status), else
    ``(None, (database, name, kept, first, is_table))``.
    """
    from datasette.utils.asgi import Response

    database = request.url_vars["database"]
    name = request.url_vars["table"]
    try:
        db = datasette.get_database(database)
    except KeyError:
        return Response.text("Tuntematon tietokanta / unknown database\n", status=404), None
    is_table = await db.table_exists(name) or name in await db.view_names()
    queries = await datasette.get_canned_queries(database, None)
    if not is_table and name not in queries:
        return Response.text("Tuntematon taulu tai kysely / unknown table or query\n", status=404), None
    kept = kept_parameters(request.query_string)
    if is_table:
        unknown = unknown_filter_columns(kept, await db.table_columns(name))
        if unknown:
            return unknown_column_response(name, unknown), None
    first = await fetch_page(datasette, database, name, kept)
    if first.status_code != 200:
        return failed_first_page(first), None
    return None, (database, name, kept, first, is_table)


def attachment(name: str, extension: str) -> dict[str, str]:
    """The ``content-disposition`` header that saves a download as ``<name>.<extension>`` (a
    name outside ASCII in its RFC 5987 form too)."""
    quoted = urllib.parse.quote(f"{name}.{extension}")
    return {"content-disposition": f"attachment; filename=\"{name}.{extension}\"; filename*=UTF-8''{quoted}"}
