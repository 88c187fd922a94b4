"""Read a saved project list page of the official service into project list rows.

``projektilista.php?rahasto=ALL`` on each period's site is one HTML table of every project of
the period, with the columns of the CSV exports read by :mod:`.project_lists` and a
``projekti.php?projektikoodi=CODE`` link on each row. No real copy of that page was at hand
when this was written, so the reader depends on nothing finer than "a table whose header row
names these columns": header cells may be ``th`` or ``td``, in a ``thead`` or in the table's
first row; cells may hold links, ``<br>``, nested inline elements, entities and no-break
spaces; ``td``/``tr`` may be left unclosed as browsers allow; the list table may sit among site
chrome or inside a layout table. The header is matched without case or white-space
differences, and the period is told from it: only 2007–2013 has ``Ohjelma / osio``.

Unlike the CSV exports there is nothing to repair (a cell is a cell, whatever commas it holds),
so ``repair`` is always ``None``. A cell is read as a browser shows it: its text with white
space collapsed (no-break spaces too) and entities decoded. Every data row gives a row; one
that cannot be read with certainty carries ``flag`` codes, joined with ';', from the CSV
reader's vocabulary: ``missing_field`` (the row has fewer cells than the header, or a cell of a
list column is empty), ``extra_field`` (more cells than the header), ``unreadable_code``,
``unknown_fund``, ``unreadable_axis``, ``unreadable_date``, ``unreadable_amount``; and one of
its own, ``link_mismatch``, when the row's project link names another code than its code cell.
Columns the lists do not have are kept, by their header, in :attr:`ListPage.extra`.

The standard library's ``html.parser`` tokenises; no regular expression touches the markup.
"""

from __future__ import annotations

import unicodedata
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field

import regex

from ..extract.values import finnish_date
from ..read.html import SKIPPED_ELEMENTS, ForgivingParser, decode_html
from ..read.lines import UnreadableDocument
from .project_lists import (
    LAYOUT_2007,
    LAYOUT_2014,
    Amount,
    ClosedSets,
    ListLayout,
    ProjectListRow,
    anchor_problem,
    fits,
)

#: A list page of ~20,000 projects is a few megabytes; refuse what no list page is.
MAX_PAGE_BYTES = 50 * 1024 * 1024
#: The periods have some 10,000–20,000 projects each; a list ten times that is no list.
MAX_ROWS = 200_000
#: Rows the page may hold outside the list table (site chrome, layout tables), on top of the list.
MAX_OTHER_ROWS = 10_000
#: A list row has 13 or 14 cells; a row with far more is hostile or broken markup.
MAX_ROW_CELLS = 1_000
#: Cells in the whole page (about 200,000 rows of 14 cells, with room for extra columns):
#: ``colspan`` can make a few bytes stand for many cells, so the page size alone bounds nothing.
MAX_CELLS = 6_000_000
#: Tables and skipped elements nest a few levels in real pages; the cap bounds the stacks.
MAX_NESTING = 256

PERIOD_2007 = "2007-2013"
PERIOD_2014 = "2014-2020"

#: The column headers of each list as the CSV exports write them, in the order of the layout's
#: columns (the list page has "the columns of the CSV exports").
HEADERS_2007 = (
    "Koodi", "Rahasto", "Projektin nimi", "Ohjelma / osio", "Tl", "Viranomainen", "Toiminnan tila",
    "Aloituspvm", "Päättymispvm", "Toteuttajan nimi", "Myönnetty EU- ja valtion rahoitus",
    "Toteutunut EU- ja valtion rahoitus", "Suunniteltu julkinen rahoitus yhteensä",
    "Toteutunut julkinen rahoitus yhteensä",
)  # fmt: skip
HEADERS_2014 = (
    "Koodi", "Rahasto", "Hankkeen nimi", "Tl", "Viranomainen", "Tila", "Aloituspvm",
    "Päättymispvm", "Toteuttajan nimi", "Myönnetty EU- ja valtion rahoitus",
    "Toteutunut EU- ja valtion rahoitus", "Suunniteltu julkinen rahoitus yhteensä",
    "Toteutunut julkinen rahoitus yhteensä",
)  # fmt: skip
#: The two lists name the project and its state differently ("Projektin nimi" / "Hankkeen
#: nimi", "Toiminnan tila" / "Tila"); the web page may not follow its own export, so either
#: name is taken in either period. The period is told by "Ohjelma / osio" alone.
_ALIASES = {"name": ("Projektin nimi", "Hankkeen nimi"), "status": ("Toiminnan tila", "Tila")}

_NO_SETS = ClosedSets(sections=frozenset(), statuses=frozenset())
#: Euros as a list page may write them: ``308999``, ``308 999``, ``308 999,50``,
#: ``308999.50`` (white space already collapsed to one space, the euro sign removed). A comma
#: or a point before the last digits is the decimal separator; a point is never a thousands
#: separator, so that ``64798.16`` reads as the CSV export writes it.
_AMOUNT = regex.compile(r"^(?P<sign>[-\u2212])?(?P<whole>[0-9]{1,3}(?: [0-9]{3})+|[0-9]+)(?:[.,](?P<cents>[0-9]+))?$")
_EURO_SIGNS = ("€", "EUR", "eur", "euroa")

#: A list cell shows no text of these (a form control's options are no value either).
_SKIPPED = SKIPPED_ELEMENTS | {"select", "textarea"}
#: Elements that break a cell's text (the words on each side must not run together).
_BREAKS = frozenset(
    {
        "br", "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
        "blockquote", "pre", "address", "section", "article", "header", "footer", "nav", "center",
    }
)  # fmt: skip
_CELLS = frozenset({"td", "th"})
_ROW_GROUPS = frozenset({"thead", "tbody", "tfoot"})


class ListPageError(Exception):
    """The bytes are not a project list page: the message is one line meant for the user."""


@dataclass(frozen=True)
class ListPage:
    """A list page as read: its period, its header and one row per data row of its table.

    ``row_links`` and ``row_extra`` go with ``rows`` index by index, so nothing is lost for a
    row without a readable code or with a code that repeats; ``links`` and ``extra`` are the
    same by code (the first row of a code wins).
    """

    source: str
    #: ``2007-2013`` or ``2014-2020``.
    period: str
    #: The header cells as the page writes them (white space collapsed).
    header: tuple[str, ...]
    rows: list[ProjectListRow]
    #: Each row's link to its project page as written in the page (relative to the list page,
    #: entities decoded), or ``None``.
    row_links: tuple[str | None, ...]
    #: The names of the columns the lists do not have, in page order (an unnamed column is
    #: ``column N``, a repeated name gets `` (column N)``, N counting from 1).
    extra_columns: tuple[str, ...]
    #: Each row's values of the extra columns, and of cells beyond the header (``column N``).
    row_extra: tuple[dict[str, str], ...]
    #: Rows after the header that are not data: blank rows and repeats of the header.
    skipped_rows: int
    links: dict[str, str] = field(default_factory=dict)
    extra: dict[str, dict[str, str]] = field(default_factory=dict)


def read_list_page(data: bytes, source: str, *, list_date: str | None) -> ListPage:
    """Read a saved ``projektilista.php`` page into its rows, links, period and header.

    ``source`` names the page in ``source_list`` of every row; ``list_date`` is the day the
    list stood (when it was fetched). Raises :class:`ListPageError` (and nothing else) for a
    page that is too large, binary, damaged, too big a table, or holds no project list table,
    as the service's error pages do.
    """
    if len(data) > MAX_PAGE_BYTES:
        raise ListPageError(
            f"list page is too large ({len(data) / 1024 / 1024:.1f} MB; the limit is "
            f"{MAX_PAGE_BYTES // 1024 // 1024} MB)"
        )
    try:
        text = decode_html(data)
    except UnreadableDocument as error:
        raise ListPageError(str(error)) from None
    tables = page_tables(text)
    found = find_list_table(tables)
    if found is None:
        raise ListPageError(_no_table_message(tables))
    table, header_index, layout, period = found
    return _list_page(table, header_index, layout, period, source, list_date)


# --- the tables of the page -----------------------------------------------------------------


@dataclass
class TableRow:
    """One ``tr`` as a browser lays it out: its cell texts and the links in its cells."""

    cells: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)


@dataclass
class Table:
    """One ``table`` of the page: its rows in order (rows of tables nested in it not included)."""

    rows: list[TableRow] = field(default_factory=list)


def page_tables(text: str) -> list[Table]:
    """Every table of a decoded page, in the order they open, with their rows and cells."""
    collector = _TableCollector()
    try:
        collector.feed(text)
        collector.close()
    except ListPageError:
        raise
    except Exception:  # noqa: BLE001 - html.parser may assert on broken markup; never leak it
        raise ListPageError("damaged HTML page: its markup could not be read") from None
    collector.finish()
    return collector.tables


@dataclass
class _OpenTable:
    table: Table
    row: TableRow | None = None
    #: The open cell's text pieces and its column span, or None between cells.
    cell: list[str] | None = None
    span: int = 1


class _TableCollector(ForgivingParser):
    """Collects the tables of a page, closing cells and rows as browsers do when tags are left out.

    Text goes to the innermost open table's open cell only: a layout table's cell that holds the
    list table does not repeat the whole list as its text. Text in a table but outside its cells
    is not part of any row (browsers show it before the table).
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[Table] = []
        self._stack: list[_OpenTable] = []
        #: Open elements whose content is skipped.
        self._skipped: list[str] = []
        self._rows = 0
        self._cells = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            # An unclosed <head> or <title> ends where the body starts, as in a browser.
            self._skipped = [name for name in self._skipped if name not in ("head", "title")]
        if tag in _SKIPPED:
            self._check_nesting(self._skipped)
            self._skipped.append(tag)
            return
        if self._skipped:
            return
        if tag == "table":
            if self._stack and self._stack[-1].cell is None:
                # A table straight inside a table, not in a cell, ends the first (as browsers do).
                self._close_table()
            self._check_nesting(self._stack)
            table = Table()
            self.tables.append(table)
            self._stack.append(_OpenTable(table))
            return
        if not self._stack:
            return
        current = self._stack[-1]
        if tag == "tr":
            self._close_row(current)
            self._open_row(current)
        elif tag in _CELLS:
            self._close_cell(current)
            if current.row is None:
                # A cell outside any row opens one, as browsers do.
                self._open_row(current)
            current.cell = []
            current.span = _colspan(attrs)
        elif tag in _ROW_GROUPS or tag == "caption":
            self._close_row(current)
        elif current.cell is not None:
            if tag in _BREAKS:
                current.cell.append(" ")
            elif tag == "a":
                href = dict(attrs).get("href")
                if href:
                    current.row.links.append(href.strip())

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <br/>: only its break counts. A self-closed non-void element is an open one in HTML,
        # except the skipped ones, which would otherwise hide the rest of the page.
        if tag not in _SKIPPED:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._skipped:
            # Close the innermost element of that name and whatever was left open inside it.
            index = len(self._skipped) - 1 - self._skipped[::-1].index(tag)
            del self._skipped[index:]
            return
        if self._skipped or not self._stack:
            return
        current = self._stack[-1]
        if tag == "table":
            self._close_table()
        elif tag == "tr" or tag in _ROW_GROUPS:
            self._close_row(current)
        elif tag in _CELLS:
            self._close_cell(current)
        elif current.cell is not None and tag in _BREAKS:
            current.cell.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skipped and self._stack and self._stack[-1].cell is not None:
            self._stack[-1].cell.append(data)

    # -- cells and rows ---------------------------------------------------------------------

    def _open_row(self, current: _OpenTable) -> None:
        self._rows += 1
        if self._rows > MAX_ROWS + MAX_OTHER_ROWS:
            raise ListPageError(f"the page has more than {MAX_ROWS + MAX_OTHER_ROWS:,} table rows: it is no project list")
        current.row = TableRow()

    def _close_cell(self, current: _OpenTable) -> None:
        if current.cell is None or current.row is None:
            return
        cells = current.row.cells
        # A spanning cell stands for several columns: the later ones are empty, so the cells
        # after it stay under their own headers.
        cells.append(collapse("".join(current.cell)))
        cells.extend([""] * (current.span - 1))
        self._cells += current.span
        current.cell = None
        if len(cells) > MAX_ROW_CELLS:
            raise ListPageError(f"a table row has more than {MAX_ROW_CELLS:,} cells: the page is no project list")
        if self._cells > MAX_CELLS:
            raise ListPageError(f"the page has more than {MAX_CELLS:,} table cells: it is no project list")

    def _close_row(self, current: _OpenTable) -> None:
        self._close_cell(current)
        if current.row is not None:
            current.table.rows.append(current.row)
            current.row = None

    def _close_table(self) -> None:
        self._close_row(self._stack[-1])
        self._stack.pop()

    def _check_nesting(self, stack: list) -> None:
        if len(stack) >= MAX_NESTING:
            raise ListPageError("HTML page is nested too deeply to read")

    def finish(self) -> None:
        """Close whatever the page left open, as the end of a page does in a browser."""
        while self._stack:
            self._close_table()


def _colspan(attrs: list[tuple[str, str | None]]) -> int:
    """A cell's column span: 1 unless a sane positive number is given (browsers cap it at 1000)."""
    value = (dict(attrs).get("colspan") or "").strip()
    return min(int(value), 1000) if value.isascii() and value.isdigit() and int(value) > 0 else 1


def collapse(text: str) -> str:
    """Text as a browser shows it: white space, no-break spaces included, collapsed to one space."""
    return " ".join(text.split())


# --- finding the list table -------------------------------------------------------------------


def header_key(text: str) -> str:
    """A header cell as matched: without case or white-space differences, composed (NFC)."""
    return unicodedata.normalize("NFC", "".join(text.split())).casefold()


def _layout_keys(layout: ListLayout, headers: Sequence[str]) -> dict[str, frozenset[str]]:
    """Each column member of a layout and the header keys that name it."""
    keys = {}
    for (member, _), header in zip(layout.columns, headers, strict=True):
        names = _ALIASES.get(member, (header,))
        keys[member] = frozenset(header_key(name) for name in names)
    return keys


_LAYOUTS = (
    (PERIOD_2007, LAYOUT_2007, HEADERS_2007, _layout_keys(LAYOUT_2007, HEADERS_2007)),
    (PERIOD_2014, LAYOUT_2014, HEADERS_2014, _layout_keys(LAYOUT_2014, HEADERS_2014)),
)
_CODE_KEY = header_key("Koodi")
_SECTION_KEY = header_key("Ohjelma / osio")


def header_layout(cells: Sequence[str]) -> tuple[str, ListLayout, dict[str, int]] | None:
    """The period, layout and column index of each member, if these cells are a list's header.

    The row must name ``Koodi`` and every other column of its period's list; the period is
    2007–2013 when ``Ohjelma / osio`` is among them, else 2014–2020. A member named twice is
    read from its first column.
    """
    keys = [header_key(cell) for cell in cells]
    if _CODE_KEY not in keys:
        return None
    period, layout, _, member_keys = _LAYOUTS[0] if _SECTION_KEY in keys else _LAYOUTS[1]
    positions = {}
    for member, names in member_keys.items():
        index = next((index for index, key in enumerate(keys) if key in names), None)
        if index is None:
            return None
        positions[member] = index
    return period, layout, positions


def find_list_table(tables: Sequence[Table]) -> tuple[Table, int, ListLayout, str] | None:
    """The first table (in page order) with a list header row: (table, header row index,
    layout, period). Rows before the header (a title row, say) are not part of the list."""
    for table in tables:
        for index, row in enumerate(table.rows):
            found = header_layout(row.cells)
            if found is not None:
                period, layout, _ = found
                return table, index, layout, period
    return None


def _no_table_message(tables: Sequence[Table]) -> str:
    """Why the page is not a list, in one line; naming what the nearest table lacks helps
    when the service renames a column."""
    message = (
        "no project list table in the page (a table with the column 'Koodi' and the columns of "
        "the 2007–2013 or 2014–2020 list)"
    )
    for table in tables:
        for row in table.rows:
            keys = {header_key(cell) for cell in row.cells}
            if _CODE_KEY not in keys:
                continue
            _, _, headers, member_keys = _LAYOUTS[0] if _SECTION_KEY in keys else _LAYOUTS[1]
            missing = [
                header for header, names in zip(headers, member_keys.values(), strict=True) if not names & keys
            ]
            return f"{message}; a table has 'Koodi' but not: {', '.join(missing)}"
    return message


# --- building the rows --------------------------------------------------------------------------


def parse_amount(text: str) -> Amount | None:
    """Euros as a list page writes them: an int for whole euros, a float when cents are given.

    ``308999``, ``308 999`` and ``308 999 €`` give 308999; ``308 999,50`` and ``308999.50``
    give 308999.5; an empty or unreadable amount gives ``None``.
    """
    value = collapse(text)
    for sign in _EURO_SIGNS:
        value = value.removesuffix(sign).removeprefix(sign).strip()
    match = _AMOUNT.fullmatch(value)
    if match is None:
        return None
    whole = match["whole"].replace(" ", "")
    sign = "-" if match["sign"] else ""
    if match["cents"] is None:
        return int(sign + whole)
    return float(f"{sign}{whole}.{match['cents']}")


def cell_value(kind: str, text: str) -> tuple[object, str | None]:
    """The typed value of one list cell and the flag it earns: (value, flag).

    An empty cell is a missing value. A code, fund or axis of the wrong shape is kept as
    written, flagged; a date or amount that cannot be read is ``None``, flagged.
    """
    if not text:
        return None, "missing_field"
    if kind == "date":
        value = finnish_date(text)
        return value, None if value is not None else anchor_problem(kind, text)
    if kind == "amount":
        value = parse_amount(text)
        return value, None if value is not None else anchor_problem(kind, text)
    if kind in ("code", "fund", "axis") and not fits(kind, text, _NO_SETS):
        return text, anchor_problem(kind, text)
    return text, None


def link_code(href: str) -> str | None:
    """The ``projektikoodi`` a project-page link names, or ``None`` for any other link."""
    query = urllib.parse.urlsplit(href).query
    for name, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
        if name.lower() == "projektikoodi":
            return value.strip()
    return None


def _column_names(header: Sequence[str], used: set[int]) -> dict[int, str]:
    """The names of the header's columns that are no list column, unique within the page."""
    names: dict[int, str] = {}
    seen = {header_key(header[index]) for index in used}
    for index, text in enumerate(header):
        if index in used:
            continue
        key = header_key(text)
        if not text:
            names[index] = f"column {index + 1}"
        elif key in seen:
            names[index] = f"{text} (column {index + 1})"
        else:
            names[index] = text
        seen.add(key)
    return names


def _list_page(
    table: Table, header_index: int, layout: ListLayout, period: str, source: str, list_date: str | None
) -> ListPage:
    header = table.rows[header_index].cells
    _, _, positions = header_layout(header)
    header_keys = [header_key(cell) for cell in header]
    extra_names = _column_names(header, set(positions.values()))
    rows: list[ProjectListRow] = []
    row_links: list[str | None] = []
    row_extra: list[dict[str, str]] = []
    skipped = 0
    for line, table_row in enumerate(table.rows[header_index + 1 :], start=1):
        cells = table_row.cells
        # A blank row (a spacer) or a repeat of the header (long tables print it again) holds
        # no project; the numbering still counts it, so ``line`` points at the page's row.
        if not any(cells) or _is_header(cells, header_keys):
            skipped += 1
            continue
        if len(rows) >= MAX_ROWS:
            raise ListPageError(f"the list table has more than {MAX_ROWS:,} rows: it is no project list")
        row, link, extra = _row(cells, table_row.links, layout, positions, extra_names, len(header), source, list_date, line)
        rows.append(row)
        row_links.append(link)
        row_extra.append(extra)
    links: dict[str, str] = {}
    extra_by_code: dict[str, dict[str, str]] = {}
    for row, link, extra in zip(rows, row_links, row_extra):
        if row.code is None:
            continue
        if link is not None:
            links.setdefault(row.code, link)
        if extra:
            extra_by_code.setdefault(row.code, extra)
    return ListPage(
        source=source,
        period=period,
        header=tuple(header),
        rows=rows,
        row_links=tuple(row_links),
        extra_columns=tuple(extra_names.values()),
        row_extra=tuple(row_extra),
        skipped_rows=skipped,
        links=links,
        extra=extra_by_code,
    )


def _is_header(cells: Sequence[str], header_keys: Sequence[str]) -> bool:
    """Whether a row repeats the header (its first cell is tried first: rows are many)."""
    if len(cells) != len(header_keys) or header_key(cells[0]) != header_keys[0]:
        return False
    return [header_key(cell) for cell in cells] == list(header_keys)


def _row(
    cells: list[str],
    hrefs: list[str],
    layout: ListLayout,
    positions: dict[str, int],
    extra_names: dict[int, str],
    width: int,
    source: str,
    list_date: str | None,
    line: int,
) -> tuple[ProjectListRow, str | None, dict[str, str]]:
    """One data row: the typed row, its project link and its values of the extra columns."""
    values: dict[str, object] = {"programme_section": None}
    flags: list[str] = []
    for member, kind in layout.columns:
        index = positions[member]
        if index >= len(cells):
            values[member] = None
            flags.append("missing_field")
            continue
        values[member], flag = cell_value(kind, cells[index])
        if flag:
            flags.append(flag)
    extra = {name: cells[index] for index, name in extra_names.items() if index < len(cells)}
    for index in range(width, len(cells)):
        extra[f"column {index + 1}"] = cells[index]
    if len(cells) > width:
        flags.append("extra_field")
    # The project link is the first link of the row that names a project code; one that names
    # another code than the row's says the row is not what it seems.
    link, linked = next(((href, code) for href in hrefs if (code := link_code(href)) is not None), (None, None))
    if link is not None and values["code"] is not None and linked != values["code"]:
        flags.append("link_mismatch")
    row = ProjectListRow(
        **values,
        source_list=source,
        list_date=list_date,
        line=line,
        repair=None,
        flag=";".join(dict.fromkeys(flags)) or None,
        raw="\t".join(cells),
    )
    return row, link, extra
