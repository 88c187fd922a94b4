"""Read the EURA 2021 project search result (an Excel workbook) into rows (period 2021–2027).

The 2021–2027 programme's service offers its project search result as an ``.xlsx`` file: one
sheet, a header row of 35 columns (:data:`COLUMNS`), one row per project, and two footer rows.
The service's workbook carries a non-standard style that makes openpyxl warn on every load (as
Dataamo notes; openpyxl's style warnings are "Workbook contains no default style" and "… no
stylesheet"). Those style warnings are silenced here and no other.

The rules, in the order they apply:

* **What is a workbook** is told by the file's content, never by its name: the first bytes must
  open a zip archive holding an Excel workbook part. A CSV, an image, an old ``.xls``, an
  encrypted workbook (both are OLE compound files) or an OpenDocument file gives
  :class:`WorkbookError` saying what the file is instead.
* **The header row** is the first row with a cell that reads ``Hankekoodi`` (cells are compared
  without surrounding whitespace and case, and with inner whitespace runs as one space, so the
  service's ``"Hankekoodi "`` matches). It is looked for in the first :data:`HEADER_SEARCH_ROWS`
  rows; non-blank rows above it are kept in ``before_header``.
* **Columns** are found by their header, so their order does not matter. Every one of the 35 must
  be there, once; a missing one is an error that names it (and the unknown header standing where it
  should, if any: a renamed column). Unknown columns are kept: their values go into each row's
  ``extra`` (header → value as read), never dropped.
* **Footer rows**: a row looks like a project when its code cell holds a project code
  (:data:`parser.extract.values.PROJECT_CODE`), or else when both ``Hankkeen nimi`` and
  ``Toteuttajan nimi`` are filled in (a totals row or a note has no implementer). The non-blank
  rows after the last such row are the footer. The service writes two footer rows (as XamkDataLab's
  Dataamo reads it: ``skipfooter=2``) whose content is not known, so the rule counts on neither
  their number nor their text: trailing rows that are not projects, whatever they hold. They are
  kept in ``footer`` with their cell texts and never read as projects, so a totals row's sums
  cannot be counted twice. A non-blank row *between* project rows that does not look like one is
  still read as a row and flagged (``missing_code`` or ``unusual_code``), so nothing is dropped.
  Blank rows are skipped anywhere and counted. The cost of the rule: a last project whose code is
  garbled and whose name or implementer is empty lands in ``footer`` (kept, and counted in
  ``footer_rows``), not in ``rows``.
* **Bounds**: at most ``max_rows`` data rows (and at most as many rows awaiting a decision
  between data and footer) and ``max_cell_chars`` characters in any cell; beyond either the read
  stops with :class:`WorkbookError`. An error rather than a truncation, because a cut export
  would silently lose projects or text; Excel itself holds at most 32,767 characters in a cell,
  so the default bound is only met by a file not written by Excel or the service.

``flag`` codes, joined with ';' in column order: ``missing_code`` (no code in the code cell),
``unusual_code`` (the code is not shaped like a project code: kept as written), ``unknown_fund``
(not ``ESR+``, ``EAKR`` or ``JTF``: kept as written), ``unreadable_date``,
``unreadable_amount`` (the value is then ``None``), ``invalid_business_id`` (fails the check
digit: kept as written). For every flagged value ``raw`` holds the cell's text as read.

Value kinds (:data:`KINDS`): ``text`` as written (Excel's ``_xHHHH_`` escapes, e.g. ``_x000D_``
for a carriage return, decoded); ``code``; ``fund``; ``date`` from an Excel date, a ``d.m.yyyy``
or ``yyyy-mm-dd`` text, or a bare Excel serial number (a date cell that lost its date format,
read with the workbook's own epoch); ``euros`` from a number or Finnish text (``1 234 567,89``,
``-876``, ``1234.50 €``): an ``int`` for whole euros, a ``float`` when there are cents;
``business_id`` (a Y-tunnus, checked with python-stdnum); ``postal_code`` (a number cell gets back
the leading zeros Excel dropped: ``100`` is ``00100``, Finnish postal codes having five digits).
"""

from __future__ import annotations

import datetime
import difflib
import math
import warnings
import zipfile
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO, Literal

import openpyxl
import regex
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import WINDOWS_EPOCH, from_excel
from pydantic import BaseModel, ConfigDict

from ..extract.values import PROJECT_CODE, convert_business_id, finnish_date
from .project_lists import Amount

PERIOD = "2021-2027"

#: The kinds of value a column holds; see the module's docstring.
KINDS = frozenset({"text", "code", "fund", "date", "euros", "business_id", "postal_code"})

#: The funds of the 2021–2027 programme as the service names them.
FUNDS = frozenset({"ESR+", "EAKR", "JTF"})

#: Default bound on the data rows: the whole programme has a few thousand projects.
MAX_ROWS = 100_000
#: Default bound on the characters of one cell (Excel's own limit is 32,767).
MAX_CELL_CHARS = 100_000
#: Default bound on what the workbook's members may unpack to (a zip bomb is refused unread);
#: an export of every 2021–2027 project is a few megabytes.
MAX_UNCOMPRESSED_BYTES = 500 * 1024 * 1024
#: The header row is looked for in this many rows from the top of the sheet.
HEADER_SEARCH_ROWS = 50


@dataclass(frozen=True)
class Column:
    """One column of the export: its header as the service writes it, its member, its kind."""

    header: str
    member: str
    kind: str

    @property
    def key(self) -> str:
        """The header as it is matched: see :func:`header_key`."""
        return header_key(self.header)


#: The 35 columns of the export, in the service's order: the one declaration of the layout.
COLUMNS: tuple[Column, ...] = (
    # The service writes this header with a trailing space; headers are matched stripped.
    Column("Hankekoodi ", "code", "code"),
    # The format of group-project codes is not known, so they are not checked.
    Column("Ryhmähanketunnus", "group_code", "text"),
    Column("Rahasto", "fund", "fund"),
    Column("EAKR-/JTF-alatyyppi", "fund_subtype", "text"),
    # "Tl" is toimintalinja (the priority, named as in the earlier periods' lists) and "Et"
    # erityistavoite (the specific objective); both are numbers or number-and-name texts.
    Column("Tl", "priority_axis", "text"),
    Column("Et", "specific_objective", "text"),
    Column("Hankkeen nimi", "name", "text"),
    Column("Toteuttajan nimi", "implementer_name", "text"),
    Column("Toteuttajan Y-tunnus", "implementer_business_id", "business_id"),
    # The authority that funds the project (an ELY centre, a regional council…); named as in
    # the earlier periods' lists, so the periods join on one column.
    Column("Rahoittava viranomainen", "managing_authority", "text"),
    Column("Toiminnan tila", "status", "text"),
    Column("Aloituspvm", "start_date", "date"),
    Column("Päättymispvm", "end_date", "date"),
    Column("Suunniteltu EU- ja valtion rahoitus", "eu_state_planned", "euros"),
    Column("Suunniteltu julkinen rahoitus", "public_planned", "euros"),
    Column("Suunniteltu rahoitus yhteensä", "total_planned", "euros"),
    Column("Toteutunut EU- ja valtion rahoitus", "eu_state_realised", "euros"),
    Column("Toteutunut julkinen rahoitus", "public_realised", "euros"),
    Column("Toteutunut rahoitus yhteensä", "total_realised", "euros"),
    Column("Toteutunut EU-rahoituksen määrä", "eu_realised", "euros"),
    # The categorisation dimensions of Regulation (EU) 2021/1060, Annex I, under their names there.
    Column("Tukitoimen ala", "field_of_intervention", "text"),
    Column("Sijainti", "location", "text"),
    Column("Toteutuspaikan postinumero", "site_postal_code", "postal_code"),
    Column("Toteutuspaikan postitoimipaikka", "site_post_office", "text"),
    Column("Tuensaajan postinumero", "beneficiary_postal_code", "postal_code"),
    Column("Tuensaajan postitoimipaikka", "beneficiary_post_office", "text"),
    Column("Tukimuoto", "form_of_support", "text"),
    Column("Alueellinen täytäntöönpanomekanismi ja alueellinen painopiste", "territorial_delivery", "text"),
    Column("Taloudellinen toiminta", "economic_activity", "text"),
    Column("Toissijainen teema, vain ESR+", "secondary_theme", "text"),
    Column("Sukupuolten tasa-arvo", "gender_equality", "text"),
    Column("Itämeren alueen strategia", "baltic_sea_strategy", "text"),
    Column("Suunnitelman mukainen tiivistelmä hankkeen toteutuksesta", "summary", "text"),
    Column("Hankekuvauksen osoite", "description_url", "text"),
    Column("Hankkeen kotisivun osoite", "website", "text"),
)

CODE_COLUMN = COLUMNS[0]
#: A row without a project code is still a project when all of these are filled in.
_DATA_WITHOUT_CODE = ("name", "implementer_name")

#: The four funding figures comparable with the 2007–2013 and 2014–2020 lists
#: (:class:`parser.reference.project_lists.ProjectListRow`): the lists' member → this export's.
#: The older lists give the decision's granted EU and state funding ("Myönnetty EU- ja valtion
#: rahoitus"); this export has no granted figure, only the plan's ("Suunniteltu EU- ja valtion
#: rahoitus"), which is what the funding decision grants, so the plan's figure stands in for it.
#: The other three have the same meaning in every period.
COMPARABLE_FUNDING: dict[str, str] = {
    "eu_state_granted": "eu_state_planned",
    "eu_state_realised": "eu_state_realised",
    "public_planned": "public_planned",
    "public_realised": "public_realised",
}

#: A cell's value as openpyxl gives it in read-only, values-only mode.
CellValue = str | bool | int | float | datetime.datetime | datetime.date | datetime.time | datetime.timedelta | None


class Eura2021Row(BaseModel):
    """One project of the export, its values typed by the column's kind (see :data:`COLUMNS`).

    ``extra`` holds the values of the columns the declaration does not know (header → value as
    read). ``flag`` says why a value could not be read with certainty (codes joined with ';');
    ``raw`` then gives the flagged values' cell texts by member, so nothing is lost.
    """

    model_config = ConfigDict(extra="forbid")

    code: str | None
    group_code: str | None
    fund: str | None
    fund_subtype: str | None
    priority_axis: str | None
    specific_objective: str | None
    name: str | None
    implementer_name: str | None
    implementer_business_id: str | None
    managing_authority: str | None
    status: str | None
    start_date: datetime.date | None
    end_date: datetime.date | None
    eu_state_planned: Amount | None
    public_planned: Amount | None
    total_planned: Amount | None
    eu_state_realised: Amount | None
    public_realised: Amount | None
    total_realised: Amount | None
    eu_realised: Amount | None
    field_of_intervention: str | None
    location: str | None
    site_postal_code: str | None
    site_post_office: str | None
    beneficiary_postal_code: str | None
    beneficiary_post_office: str | None
    form_of_support: str | None
    territorial_delivery: str | None
    economic_activity: str | None
    secondary_theme: str | None
    gender_equality: str | None
    baltic_sea_strategy: str | None
    summary: str | None
    description_url: str | None
    website: str | None
    period: Literal["2021-2027"] = PERIOD
    source: str
    row: int
    extra: dict[str, CellValue]
    flag: str | None
    raw: dict[str, str] | None


class OtherRow(BaseModel):
    """A non-blank row that is not a project (above the header, or in the footer): its cell
    texts by column letter, kept so that nothing of the file is lost."""

    model_config = ConfigDict(extra="forbid")

    row: int
    cells: dict[str, str]


class Eura2021Counts(BaseModel):
    """Counts for a build report. ``per_fund`` counts a row without a fund under ``""``."""

    model_config = ConfigDict(extra="forbid")

    rows: int
    flagged: int
    flags: dict[str, int]
    per_fund: dict[str, int]
    blank_rows: int
    footer_rows: int


class Eura2021Export(BaseModel):
    """What :func:`read_eura2021` read from one export."""

    model_config = ConfigDict(extra="forbid")

    source: str
    sheet: str
    #: The sheet row number of the header row.
    header_row: int
    #: The header cells as written (an empty cell as ``""``).
    header: list[str]
    #: The unknown columns' names, as they appear as keys of each row's ``extra``.
    extra_columns: list[str]
    rows: list[Eura2021Row]
    before_header: list[OtherRow]
    footer: list[OtherRow]
    counts: Eura2021Counts


class WorkbookError(Exception):
    """A file that cannot be read as the EURA 2021 export; the message is one line that names the
    file and, where it applies, the column (``columns`` lists every column concerned)."""

    def __init__(self, source: str, problem: str, columns: Sequence[str] = ()) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem
        self.columns = tuple(columns)

    @property
    def column(self) -> str | None:
        """The first column the error concerns, if any."""
        return self.columns[0] if self.columns else None


def header_key(text: object) -> str:
    """A header cell as it is matched: inner whitespace runs as one space, no surrounding
    whitespace, case folded (``"Hankekoodi "`` and ``"hankekoodi"`` are the same header)."""
    if text is None:
        return ""
    return " ".join(str(text).split()).casefold()


_BY_KEY: dict[str, Column] = {column.key: column for column in COLUMNS}


def comparable_funding(row: Eura2021Row) -> dict[str, Amount | None]:
    """The four funding figures of a row under the names the earlier periods' lists use.

    See :data:`COMPARABLE_FUNDING` for the mapping and why the planned EU and state funding stands
    for the granted one.
    """
    return {older: getattr(row, member) for older, member in COMPARABLE_FUNDING.items()}


# --- reading cell values -----------------------------------------------------------------------

# Finnish euros: thousands grouped by spaces (or dots), cents after a comma (or a dot); an
# optional minus (the lists have negative realised amounts) and an optional euro sign.
_EUROS = regex.compile(
    r"^(?P<minus>[-\u2212])?\s?(?P<whole>\d{1,3}(?:[ .]\d{3})+|\d+)(?:[,.](?P<cents>\d{1,2}))?"
    r"(?:\s?(?:€|e|eur|euroa))?$",
    regex.I,
)
_ISO_DATE = regex.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_POSTAL_CODE_DIGITS = 5
# Excel serial days: day 1 is 1900-01-01 and 2958465 is 9999-12-31.
_SERIAL_DAYS = (1, 2_958_465)


def cell_text(value: CellValue) -> str:
    """A cell's value as text, for ``raw``, ``before_header`` and ``footer``.

    Numbers without a fraction lose the ``.0`` a float carries; a date at midnight is written as
    a date; booleans as Excel writes them.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


def _unescape(text: str) -> str:
    """Decode OOXML's ``_xHHHH_`` escapes, which openpyxl leaves in cell text.

    One pass, left to right: ``_x005F_`` is an escaped underscore, so ``_x005F_x000D_`` is the
    literal text ``_x000D_`` and not a carriage return.
    """
    if "_x" not in text:
        return text
    return regex.sub(r"_x([0-9A-Fa-f]{4})_", lambda match: chr(int(match[1], 16)), text)


def parse_euros(value: CellValue) -> Amount | None:
    """Euros from a number cell or a Finnish-formatted text; ``None`` when it is not an amount.

    ``1 234 567,89`` gives 1234567.89, ``1 234 567`` and ``1234567,00`` give 1234567 (an
    ``int`` for whole euros, a ``float`` only when there are cents, as in the earlier lists).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return int(value) if value.is_integer() else value
    if not isinstance(value, str):
        return None
    match = _EUROS.fullmatch(" ".join(value.split()))
    if match is None:
        return None
    amount = Decimal(regex.sub(r"[ .]", "", match["whole"]) + "." + (match["cents"] or "0"))
    if match["minus"]:
        amount = -amount
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def parse_date(value: CellValue, epoch: datetime.datetime = WINDOWS_EPOCH) -> datetime.date | None:
    """A date from an Excel date, a ``d.m.yyyy`` or ``yyyy-mm-dd`` text, or an Excel serial
    number (read from the workbook's ``epoch``); ``None`` when it is none of these."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        # A number in a date column is a date cell whose date format was lost.
        if not (math.isfinite(value) and _SERIAL_DAYS[0] <= value <= _SERIAL_DAYS[1]):
            return None
        try:
            return from_excel(value, epoch).date()
        except (ValueError, OverflowError):
            return None
    if isinstance(value, str):
        text = value.strip()
        if _ISO_DATE.fullmatch(text):
            try:
                return datetime.date.fromisoformat(text)
            except ValueError:
                return None
        return finnish_date(text)
    return None


def _postal_code(value: CellValue) -> str | None:
    """A postal code as text; a number cell gets back the leading zeros Excel dropped."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**_POSTAL_CODE_DIGITS:
        return f"{value:0{_POSTAL_CODE_DIGITS}d}"
    return _text(value)


def _text(value: CellValue) -> str | None:
    """Text as written but for surrounding whitespace; an empty cell is ``None``."""
    if value is None:
        return None
    text = _unescape(value) if isinstance(value, str) else cell_text(value)
    return text.strip() or None


@dataclass
class _RowReading:
    """The flags and raw texts collected while one row is read."""

    flags: list[str]
    raw: dict[str, str]

    def flag(self, code: str, member: str, value: CellValue) -> None:
        if code not in self.flags:
            self.flags.append(code)
        self.raw[member] = cell_text(value)


def _convert(column: Column, value: CellValue, reading: _RowReading, epoch: datetime.datetime) -> Any:
    """One cell's typed value by its column's kind, flagging what cannot be read."""
    kind, member = column.kind, column.member
    if kind == "date":
        if _text(value) is None:
            return None
        date = parse_date(value, epoch)
        if date is None:
            reading.flag("unreadable_date", member, value)
        return date
    if kind == "euros":
        if _text(value) is None:
            return None
        amount = parse_euros(value)
        if amount is None:
            reading.flag("unreadable_amount", member, value)
        return amount
    if kind == "postal_code":
        return _postal_code(value)
    text = _text(value)
    if kind == "code":
        if text is None:
            reading.flag("missing_code", member, value)
        elif not PROJECT_CODE.fullmatch(text):
            reading.flag("unusual_code", member, value)
        return text
    if kind == "fund":
        if text is not None and text not in FUNDS:
            reading.flag("unknown_fund", member, value)
        return text
    if kind == "business_id":
        if text is None:
            return None
        codes: list[str] = []
        business_id = convert_business_id(text, lambda code, message: codes.append(code))
        for code in codes:
            reading.flag(code, member, value)
        return business_id
    if kind == "text":
        return text
    raise ValueError(f"not a column kind: {kind}")


# --- the layout of one file ------------------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    """Where each declared column stands in the file (0-based), and the unknown ones."""

    positions: dict[str, int]
    extra: tuple[tuple[int, str], ...]
    #: The columns with a header (declared or unknown); any other cell is kept by its letter.
    named: frozenset[int]


def _letter(index: int) -> str:
    """The column letter of a 0-based column index."""
    return get_column_letter(index + 1)


def _quoted(text: str) -> str:
    """A header for a one-line message: quoted, its whitespace runs as one space."""
    return "'" + " ".join(text.split()) + "'"


def _layout(header: Sequence[str], source: str) -> _Layout:
    """Match the header cells to the declared columns, or raise :class:`WorkbookError`."""
    positions: dict[str, int] = {}
    unknown: list[tuple[int, str]] = []
    for index, text in enumerate(header):
        key = header_key(text)
        if not key:
            continue
        column = _BY_KEY.get(key)
        if column is None:
            unknown.append((index, text.strip()))
        elif column.member in positions:
            first = positions[column.member]
            raise WorkbookError(
                source,
                f"column {_quoted(column.header)} appears twice (columns {_letter(first)} and {_letter(index)})",
                [column.header.strip()],
            )
        else:
            positions[column.member] = index
    missing = [column for column in COLUMNS if column.member not in positions]
    if missing:
        raise WorkbookError(source, _missing_message(missing, unknown, positions), [c.header.strip() for c in missing])
    extra = _extra_names(unknown)
    named = frozenset(positions.values()) | frozenset(index for index, _ in extra)
    return _Layout(positions=positions, extra=extra, named=named)


def _extra_names(unknown: Sequence[tuple[int, str]]) -> tuple[tuple[int, str], ...]:
    """The unknown columns with unique names: a repeated header gets its column letter after it."""
    counts = Counter(name for _, name in unknown)
    return tuple((index, f"{name} ({_letter(index)})" if counts[name] > 1 else name) for index, name in unknown)


def _missing_message(missing: Sequence[Column], unknown: Sequence[tuple[int, str]], positions: dict[str, int]) -> str:
    """Name every missing column and, for a renamed one, the unknown header standing in for it.

    A stand-in is looked for first among the unknown headers standing between the missing
    column's declared neighbours (a renamed column keeps its place), then among all of them if
    one is alike enough (it holds the expected header, or is 60 % alike by
    :class:`difflib.SequenceMatcher`); each unknown header stands in for one missing column at most.
    """
    order = {column.member: number for number, column in enumerate(COLUMNS)}
    used: set[int] = set()
    parts = []
    for column in missing:
        before = [positions[m] for m, n in order.items() if n < order[column.member] and m in positions]
        after = [positions[m] for m, n in order.items() if n > order[column.member] and m in positions]
        low, high = max(before, default=-1), min(after, default=1 << 30)
        free = [(index, name) for index, name in unknown if index not in used]
        in_place = [(index, name) for index, name in free if low < index < high]

        alike = {index: _likeness(column.key, header_key(name)) for index, name in free}
        candidates = in_place or [(index, name) for index, name in free if alike[index] >= 0.6]
        part = f"column {_quoted(column.header)} is missing"
        if candidates:
            index, name = max(candidates, key=lambda item: alike[item[0]])
            used.add(index)
            part += f"; the file has {_quoted(name)} instead"
        parts.append(part)
    return "; ".join(parts)


def _likeness(expected: str, other: str) -> float:
    """How alike two header keys are, 0 to 1; a header holding the expected one
    (``sijainti (maakunta)``) is as alike as can be."""
    if expected in other or other in expected:
        return 1.0
    return difflib.SequenceMatcher(None, expected, other).ratio()


# --- opening the file ------------------------------------------------------------------------

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
)
#: How far into an OLE file the name of an encrypted workbook's stream is looked for.
_OLE_SCAN_BYTES = 1 << 20


def _not_a_workbook(source: str, handle: BinaryIO) -> str | None:
    """What the file is when its first bytes show it is not a zip archive, else ``None``."""
    start = handle.read(8)
    handle.seek(0)
    if start.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return None
    if not start:
        return "an empty file, not an Excel workbook (.xlsx)"
    for signature, what in _SIGNATURES:
        if start.startswith(signature):
            return f"{what}, not an Excel workbook (.xlsx)"
    if start.startswith(_OLE):
        # An encrypted .xlsx is an OLE compound file holding an "EncryptedPackage" stream.
        head = handle.read(_OLE_SCAN_BYTES)
        handle.seek(0)
        if "EncryptedPackage".encode("utf-16-le") in head:
            return "an encrypted (password-protected) workbook: save it without a password as .xlsx"
        return "an old Excel 97–2003 (.xls) or other OLE file, not an Excel workbook (.xlsx): save it as .xlsx"
    head = handle.read(4096)
    handle.seek(0)
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")
    if b"\x00" not in head and text:
        if text.startswith("<"):
            return "an HTML or XML file, not an Excel workbook (.xlsx)"
        return "a text file (CSV or similar), not an Excel workbook (.xlsx)"
    return "not an Excel workbook (.xlsx): the file is not a zip archive"


def _check_package(source: str, handle: BinaryIO) -> None:
    """Refuse a zip archive that is not an Excel workbook, saying what it is."""
    try:
        with zipfile.ZipFile(handle) as archive:
            names = set(archive.namelist())
            # A zip bomb: openpyxl inflates the shared strings and the sheet whole, before any
            # bound on rows applies, so the members' declared sizes are checked first.
            inflated = sum(member.file_size for member in archive.infolist())
            # An OpenDocument file names its type in a small first member, "mimetype".
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except Exception as error:  # noqa: BLE001 - zipfile raises BadZipFile, OSError, EOFError, zlib.error…
        raise WorkbookError(source, f"a damaged zip archive, not a readable workbook ({_reason(error)})") from None
    finally:
        handle.seek(0)
    if inflated > MAX_UNCOMPRESSED_BYTES:
        raise WorkbookError(
            source, f"the workbook would unpack to {inflated:,} bytes, more than the limit of {MAX_UNCOMPRESSED_BYTES:,}"
        )
    if "[Content_Types].xml" in names:
        return
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        raise WorkbookError(source, "an OpenDocument file (.ods), not an Excel workbook (.xlsx): save it as .xlsx")
    raise WorkbookError(source, "a zip archive but not an Excel workbook (it has no [Content_Types].xml)")


def _reason(error: BaseException) -> str:
    """An exception as a short one-line reason."""
    text = " ".join(str(error).split())
    if len(text) > 160:
        text = text[:157] + "…"
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _open(path: Path, source: str) -> BinaryIO:
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise WorkbookError(source, "no such file") from None
    except IsADirectoryError:
        raise WorkbookError(source, "is a folder, not a workbook") from None
    except PermissionError:
        raise WorkbookError(source, "permission denied") from None
    except OSError as error:
        raise WorkbookError(source, f"cannot be read: {error.strerror or error}") from None


def _silence_style_warning() -> None:
    """Ignore openpyxl's warnings about the service's workbook style, and nothing else.

    Called inside ``warnings.catch_warnings()``, which restores the filters afterwards (not
    thread-safe: the filters are global to the process).
    """
    warnings.filterwarnings(
        "ignore",
        message=r"Workbook contains no (?:default style|stylesheet)",
        category=UserWarning,
        module=r"openpyxl\.styles\.stylesheet",
    )


# --- reading the sheet ----------------------------------------------------------------------


def _sheet_rows(sheet: Any, source: str) -> Iterator[tuple[int, tuple[CellValue, ...]]]:
    """Every row of the sheet with its 1-based number, openpyxl's failures as WorkbookError."""
    # The service's or another writer's declared dimensions may be wrong; ignoring them reads
    # every row that is there (rows then come ragged, and are padded where they are used).
    sheet.reset_dimensions()
    rows = sheet.iter_rows(min_row=1, min_col=1, values_only=True)
    number = 0
    while True:
        try:
            cells = next(rows)
        except StopIteration:
            return
        except Exception as error:  # noqa: BLE001 - openpyxl, zipfile, zlib and XML parsers raise their own
            raise WorkbookError(
                source, f"a damaged worksheet {_quoted(sheet.title)} after row {number} ({_reason(error)})"
            ) from None
        number += 1
        yield number, tuple(cells)


def _is_blank(cells: Sequence[CellValue]) -> bool:
    return all(value is None or (isinstance(value, str) and not value.strip()) for value in cells)


def _check_cells(cells: Sequence[CellValue], number: int, names: Sequence[str], max_cell_chars: int, source: str) -> None:
    """Refuse a cell longer than the bound, naming its row and column."""
    for index, value in enumerate(cells):
        if isinstance(value, str) and len(value) > max_cell_chars:
            column = names[index] if index < len(names) and names[index] else _letter(index)
            raise WorkbookError(
                source,
                f"row {number}, column {_quoted(column)}: a cell of {len(value)} characters, "
                f"more than max_cell_chars={max_cell_chars}",
                [column],
            )


def _other_row(number: int, cells: Sequence[CellValue]) -> OtherRow:
    return OtherRow(
        row=number,
        cells={_letter(index): cell_text(value) for index, value in enumerate(cells) if cell_text(value).strip()},
    )


def _header_row(
    rows: Iterator[tuple[int, tuple[CellValue, ...]]], sheet_title: str, source: str, max_cell_chars: int
) -> tuple[int, list[str], list[OtherRow]]:
    """The header row's number and cells, and the non-blank rows above it."""
    seen: list[tuple[int, tuple[CellValue, ...]]] = []
    window_full = False
    for number, cells in rows:
        _check_cells(cells, number, (), max_cell_chars, source)
        if any(header_key(value) == CODE_COLUMN.key for value in cells if isinstance(value, str)):
            header = [cell_text(value) for value in cells]
            while header and not header[-1].strip():
                header.pop()
            return number, header, [_other_row(n, c) for n, c in seen if not _is_blank(c)]
        seen.append((number, cells))
        if number >= HEADER_SEARCH_ROWS:
            window_full = True
            break
    if not window_full and all(_is_blank(cells) for _, cells in seen):
        raise WorkbookError(source, f"the sheet {_quoted(sheet_title)} is empty")
    # No code header: if a row holds most of the other headers it is the header row with its code
    # column renamed, and the layout's message says so; otherwise there is no header row at all.
    best = max(seen, key=lambda item: sum(header_key(value) in _BY_KEY for value in item[1]))
    if sum(header_key(value) in _BY_KEY for value in best[1]) >= len(COLUMNS) // 2:
        _layout([cell_text(value) for value in best[1]], source)
    raise WorkbookError(
        source,
        f"no header row: no cell of the first {HEADER_SEARCH_ROWS} rows of sheet {_quoted(sheet_title)} "
        f"reads {_quoted(CODE_COLUMN.header)}",
        [CODE_COLUMN.header.strip()],
    )


def _looks_like_data(cells: Sequence[CellValue], layout: _Layout) -> bool:
    """Whether a row is a project: a project code in the code cell, or else both a project name
    and an implementer's name (a totals row or a note, whatever its cells, has no implementer)."""
    code = _text(_cell(cells, layout.positions[CODE_COLUMN.member]))
    if code is not None and PROJECT_CODE.fullmatch(code):
        return True
    return all(_text(_cell(cells, layout.positions[member])) is not None for member in _DATA_WITHOUT_CODE)


def _cell(cells: Sequence[CellValue], index: int) -> CellValue:
    return cells[index] if index < len(cells) else None


def _row(
    number: int, cells: Sequence[CellValue], layout: _Layout, source: str, epoch: datetime.datetime
) -> Eura2021Row:
    """One data row read into the model."""
    reading = _RowReading(flags=[], raw={})
    values = {
        column.member: _convert(column, _cell(cells, layout.positions[column.member]), reading, epoch)
        for column in COLUMNS
    }
    extra: dict[str, CellValue] = {name: _cell(cells, index) for index, name in layout.extra}
    # Cells under no header (an empty header cell, or beyond the last one) are kept too, under
    # their column letter.
    for index, value in enumerate(cells):
        if index not in layout.named and not _is_blank((value,)):
            extra[f"column {_letter(index)}"] = value
    return Eura2021Row(
        **values,
        source=source,
        row=number,
        extra=extra,
        flag=";".join(reading.flags) or None,
        raw=reading.raw or None,
    )


def read_eura2021(
    path: Path | str, *, max_rows: int = MAX_ROWS, max_cell_chars: int = MAX_CELL_CHARS
) -> Eura2021Export:
    """Read a EURA 2021 project search export: every project row, typed, flagged where uncertain.

    The workbook is opened with ``openpyxl.load_workbook(…, read_only=True, data_only=True)``
    from the open file (so its content, not its name, decides what it is); openpyxl's warning
    about the service's cell style is silenced. The first worksheet is read; see the module's
    docstring for the header, column, footer and bound rules. Any file that cannot be read so
    gives :class:`WorkbookError` with a one-line message, never an openpyxl or zipfile error.
    """
    path = Path(path)
    source = path.name
    with _open(path, source) as handle:
        problem = _not_a_workbook(source, handle)
        if problem is not None:
            raise WorkbookError(source, problem)
        _check_package(source, handle)
        with warnings.catch_warnings():
            _silence_style_warning()
            workbook = _load_workbook(handle, source)
            try:
                return _read_workbook(workbook, source, max_rows, max_cell_chars)
            finally:
                workbook.close()


def _load_workbook(handle: BinaryIO, source: str) -> Any:
    try:
        return openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - openpyxl raises KeyError, OSError, ValueError, XML errors…
        if isinstance(error, OSError) and "no valid workbook part" in str(error):
            raise WorkbookError(
                source, "a zip archive with no Excel workbook part (an .xlsb, .docx or other Office file?)"
            ) from None
        raise WorkbookError(source, f"a damaged workbook that openpyxl cannot read ({_reason(error)})") from None


def _read_workbook(workbook: Any, source: str, max_rows: int, max_cell_chars: int) -> Eura2021Export:
    if not workbook.worksheets:
        raise WorkbookError(source, "the workbook has no worksheet")
    sheet = workbook.worksheets[0]
    rows = _sheet_rows(sheet, source)
    header_number, header, before_header = _header_row(rows, sheet.title, source, max_cell_chars)
    layout = _layout(header, source)
    names = list(header)
    epoch = workbook.epoch

    data: list[Eura2021Row] = []
    # Rows that look like no project: data if a project row follows, the footer if none does.
    pending: list[tuple[int, tuple[CellValue, ...]]] = []
    blank_rows = 0

    def too_many() -> WorkbookError:
        return WorkbookError(
            source, f"more than {max_rows} data rows in sheet {_quoted(sheet.title)} (max_rows={max_rows})"
        )

    for number, cells in rows:
        _check_cells(cells, number, names, max_cell_chars, source)
        if _is_blank(cells):
            blank_rows += 1
            continue
        if not _looks_like_data(cells, layout):
            pending.append((number, cells))
            if len(pending) > max_rows:
                raise too_many()
            continue
        for pending_number, pending_cells in pending:
            data.append(_row(pending_number, pending_cells, layout, source, epoch))
        pending.clear()
        data.append(_row(number, cells, layout, source, epoch))
        if len(data) > max_rows:
            raise too_many()

    footer = [_other_row(number, cells) for number, cells in pending]
    flags = Counter(code for row in data if row.flag for code in row.flag.split(";"))
    counts = Eura2021Counts(
        rows=len(data),
        flagged=sum(1 for row in data if row.flag),
        flags=dict(flags),
        per_fund=dict(Counter(row.fund or "" for row in data)),
        blank_rows=blank_rows,
        footer_rows=len(footer),
    )
    return Eura2021Export(
        source=source,
        sheet=sheet.title,
        header_row=header_number,
        header=header,
        extra_columns=[name for _, name in layout.extra],
        rows=data,
        before_header=before_header,
        footer=footer,
        counts=counts,
    )
