"""Read the official structural-fund project lists into repaired rows (table ``project_list``).

Both lists (2007–2013 and the 2014–2020 snapshot) were exported comma-separated *without*
quoting, so a name, a managing authority or an implementer that holds a comma spills into
extra fields. A row is repaired by anchoring the fields whose shape is known (code, fund,
priority axis, the closed sets of programme sections and statuses, the two dates, the four
amounts) and taking the free-text fields as what lies between the anchors, joined back with
``","`` exactly as written.

A row is repaired only when exactly one reading fits every anchor. When two readings fit, or
none does, the row is still returned, with its best-effort values, a ``flag`` saying why it is
uncertain and its ``raw`` text, so nothing is dropped and nothing is silently guessed.

``repair`` notes, joined with ';': ``commas_joined:<columns>`` (free text rejoined),
``line_unquoted`` (the 2014–2020 ';' round trip undone), ``field_unquoted:<columns>`` (a field
quoted inside such a line, unquoted). ``flag`` codes, joined with ';': ``ambiguous_columns``,
``missing_field``, ``extra_field``, ``unreadable_amount``, ``unreadable_date``,
``unreadable_code``, ``unreadable_axis``, ``unknown_fund``, ``unknown_section``,
``unknown_status``, ``quote_damage``, ``too_many_fields``.
"""

from __future__ import annotations

import datetime
import functools
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field as dataclass_field
from pathlib import Path

import regex
from pydantic import BaseModel, ConfigDict

from ..corpus import PROJECT_LISTS
from ..extract.values import PROJECT_CODE, finnish_date
from ..read.text import decode_text


FUNDS = frozenset({"ESR", "EAKR"})

# The priority axis is a small number (1–7 in the lists).
_AXIS = regex.compile(r"^[0-9]{1,2}$")
# Whole euros, or euros and cents with a decimal point (2014–2020: "64798.16"); the 2007–2013
# list has two negative realised amounts ("-876"), read as written.
_AMOUNT = regex.compile(r"^-?[0-9]+(?:\.[0-9]+)?$")

Amount = int | float

#: A row has 14 columns and at most 20 fields in the lists; a line with far more is not a row.
MAX_FIELDS = 100


class ProjectListRow(BaseModel):
    """One row of an official project list, repaired where that was certain.

    ``repair`` notes what was done to read the row (``None`` when it was read as written);
    ``flag`` is set when the row could not be read with certainty, and then the values are a
    best effort and ``raw`` is the authority.
    """

    model_config = ConfigDict(extra="forbid")

    code: str | None
    fund: str | None
    name: str | None
    programme_section: str | None
    priority_axis_number: str | None
    managing_authority: str | None
    status: str | None
    start_date: datetime.date | None
    end_date: datetime.date | None
    implementer_name: str | None
    eu_state_granted: Amount | None
    eu_state_realised: Amount | None
    public_planned: Amount | None
    public_realised: Amount | None
    source_list: str
    list_date: str | None
    line: int
    repair: str | None
    flag: str | None
    raw: str


@dataclass(frozen=True)
class ListLayout:
    """How one list is written: its columns in order, as (member, kind), and its quirks.

    Kinds: ``code``, ``fund``, ``axis``, ``date``, ``amount`` are known shapes; ``section`` and
    ``status`` are closed sets learnt from the well-formed rows; ``text`` is free text.
    """

    columns: tuple[tuple[str, str], ...]
    list_date: str | None
    #: The 2014–2020 list went once through a ';'-separated spreadsheet round trip: every line
    #: ends in ';' and a line holding a '"' was wrapped in quotes with the quotes doubled.
    semicolon_layer: bool
    #: How many empty fields may follow the last amount (2014–2020: none or two).
    trailing_blanks: frozenset[int]


_AMOUNT_COLUMNS = (
    ("eu_state_granted", "amount"),
    ("eu_state_realised", "amount"),
    ("public_planned", "amount"),
    ("public_realised", "amount"),
)

LAYOUT_2007 = ListLayout(
    columns=(
        ("code", "code"),
        ("fund", "fund"),
        ("name", "text"),
        ("programme_section", "section"),
        ("priority_axis_number", "axis"),
        ("managing_authority", "text"),
        ("status", "status"),
        ("start_date", "date"),
        ("end_date", "date"),
        ("implementer_name", "text"),
        *_AMOUNT_COLUMNS,
    ),
    list_date="2015-12-31",
    semicolon_layer=False,
    trailing_blanks=frozenset({0}),
)

LAYOUT_2014 = ListLayout(
    columns=(
        ("code", "code"),
        ("fund", "fund"),
        ("name", "text"),
        ("priority_axis_number", "axis"),
        ("managing_authority", "text"),
        ("status", "status"),
        ("start_date", "date"),
        ("end_date", "date"),
        ("implementer_name", "text"),
        *_AMOUNT_COLUMNS,
    ),
    # The snapshot was taken while the programme ran, "about 2016": no day is known.
    list_date=None,
    semicolon_layer=True,
    trailing_blanks=frozenset({0, 2}),
)

@dataclass(frozen=True)
class ClosedSets:
    """The closed sets of one list, learnt from its well-formed rows."""

    sections: frozenset[str]
    statuses: frozenset[str]
    #: Each comma field's :func:`field_shape` once asked: a list's pieces recur (the 175,632
    #: fields the 2007–2013 list's search asks about are 49,270 strings).
    shapes: dict[str, int] = dataclass_field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class SourceLine:
    """One data line: its number in the file, its text, and its fields after the ';' layer."""

    number: int
    raw: str
    fields: tuple[str, ...]
    repairs: tuple[str, ...]
    flags: tuple[str, ...]
    #: The line had been wrapped in quotes, so a value holding '""' was quoted once more.
    unwrapped: bool


# --- reading the file -------------------------------------------------------------------


def layout_for_header(header: str) -> ListLayout:
    """The layout of a list, told by its header: only 2007–2013 has the programme section."""
    return LAYOUT_2007 if "Ohjelma / osio" in header else LAYOUT_2014


def data_lines(text: str) -> list[tuple[int, str]]:
    """Every data line with its 1-based line number: the header and empty lines left out.

    Split on '\\n' only: ``str.splitlines`` would also split on characters such as U+2028 that
    may sit inside a name.
    """
    lines = text.split("\n")
    result = []
    for index, line in enumerate(lines[1:], start=2):
        line = line.removesuffix("\r")
        if line:
            result.append((index, line))
    return result


def unwrap_semicolon_layer(line: str) -> tuple[str, bool, bool]:
    """Undo the ';'-separated round trip of a 2014–2020 line: (text, unwrapped, damaged).

    A line ends in ';' (one empty ';'-field after the row); a line that held a '"' was written
    as one quoted ';'-field with its quotes doubled. A line holding a ';' of its own was split
    there and lost the final ';', so it is left as it is.
    """
    if line.startswith('"'):
        closing = _closing_quote(line, 0)
        if closing is not None and line[closing + 1 :] in ("", ";"):
            return line[1:closing].replace('""', '"'), True, False
        return line.removesuffix(";"), False, True
    return line.removesuffix(";"), False, False


def _closing_quote(text: str, start: int) -> int | None:
    """The index of the quote that closes the quoted field opening at ``start``, if any."""
    index = start + 1
    while index < len(text):
        if text[index] == '"':
            if text[index + 1 : index + 2] == '"':
                index += 2
                continue
            return index
        index += 1
    return None


def source_line(number: int, raw: str, layout: ListLayout) -> SourceLine:
    """Split one data line into its comma fields, after undoing the ';' layer where there is one."""
    text, unwrapped, damaged = raw, False, False
    if layout.semicolon_layer:
        text, unwrapped, damaged = unwrap_semicolon_layer(raw)
    return SourceLine(
        number=number,
        raw=raw,
        fields=tuple(text.split(",")),
        repairs=("line_unquoted",) if unwrapped else (),
        flags=("quote_damage",) if damaged else (),
        unwrapped=unwrapped,
    )


# --- the shapes of the anchors ---------------------------------------------------------------


def parse_amount(text: str) -> Amount | None:
    """Euros as written: an int for whole euros, a float when the source has decimals.

    ``"308999"`` gives 308999, ``"64798.16"`` gives 64798.16, and an empty or unreadable
    amount gives ``None``.
    """
    text = text.strip()
    if text.isdigit() and text.isascii():
        return int(text)  # most amounts: whole euros, no regex needed
    if not _AMOUNT.fullmatch(text):
        return None
    return float(text) if "." in text else int(text)


@functools.lru_cache(maxsize=1 << 14)
def _date(value: str) -> datetime.date | None:
    """:func:`finnish_date`, remembered: a list has a few thousand distinct dates in 40,000 cells."""
    return finnish_date(value)


def fits(kind: str, field: str, closed_sets: ClosedSets) -> bool:
    """Whether one comma field has the shape of a column of this (anchor) kind."""
    value = field.strip()
    if kind == "code":
        return bool(PROJECT_CODE.fullmatch(value))
    if kind == "fund":
        return value in FUNDS
    if kind == "axis":
        return bool(_AXIS.fullmatch(value))
    if kind == "section":
        return value in closed_sets.sections
    if kind == "status":
        return value in closed_sets.statuses
    if kind == "date":
        return _date(value) is not None
    if kind == "amount":
        return parse_amount(value) is not None
    raise ValueError(f"not an anchor kind: {kind}")


def is_wordy(piece: str) -> bool:
    """Whether a comma piece can carry a free-text value: not blank, not a number, not a date.

    A free-text column made only of numbers or blanks is an amount or a date that slid out of
    place (2014–2020 row A70305 has five numbers where an implementer and four amounts belong),
    so it is taken as a missing value, never as a name.
    """
    value = piece.strip()
    return bool(value) and not _AMOUNT.fullmatch(value) and _date(value) is None


def text_fits(pieces: Sequence[str]) -> bool:
    """Whether the comma pieces can be one free-text value: at least one of them is wordy."""
    return any(is_wordy(piece) for piece in pieces)


# --- learning the closed sets ------------------------------------------------------------------


def learn_closed_sets(lines: Iterable[SourceLine], layout: ListLayout) -> ClosedSets:
    """The programme sections and statuses of the rows that need no repair.

    A row needs none when it has exactly one field per column (plus the allowed empty trailing
    fields), every shape anchor fits where it stands and every free-text field is wordy; its
    closed-set values are then known to stand in the right place.
    """
    sections: set[str] = set()
    statuses: set[str] = set()
    for line in lines:
        values = well_formed_values(line, layout)
        if values is None:
            continue
        for (_, kind), value in zip(layout.columns, values):
            if kind == "section":
                sections.add(value)
            elif kind == "status":
                statuses.add(value)
    return ClosedSets(sections=frozenset(sections), statuses=frozenset(statuses))


def well_formed_values(line: SourceLine, layout: ListLayout) -> list[str] | None:
    """The stripped fields of a line that has one field per column and fits every shape, else None.

    Closed-set columns are only required to be non-empty here: their sets are what is learnt.
    """
    width = len(layout.columns)
    fields, extra = line.fields[:width], line.fields[width:]
    if line.flags or len(fields) < width or len(extra) not in layout.trailing_blanks:
        return None
    if any(piece.strip() for piece in extra):
        return None
    # The shape anchors checked below never look at the closed sets, which are not known yet.
    no_sets = ClosedSets(sections=frozenset(), statuses=frozenset())
    for (_, kind), field in zip(layout.columns, fields):
        if kind == "text":
            fitting = is_wordy(field)
        elif kind in ("section", "status"):
            fitting = bool(field.strip())
        else:
            fitting = fits(kind, field, no_sets)
        if not fitting:
            return None
    return [field.strip() for field in fields]


# --- aligning fields to columns ----------------------------------------------------------------

#: One column's share of the fields: (start, end) indices into the fields, or None if missing.
Span = tuple[int, int] | None

# What one comma field can be, as bits: the anchor kinds it fits, and whether it is wordy (a
# piece that can carry a free-text value). Each field is asked once, however many readings try it.
_BITS = {"code": 1, "fund": 2, "axis": 4, "section": 8, "status": 16, "date": 32, "amount": 64, "text": 128}
_WORDY = _BITS["text"]
_NUMERIC_START = frozenset("0123456789-")
_CODE_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def field_shape(field: str, closed_sets: ClosedSets) -> int:
    """The bits of every kind in :data:`_BITS` that one comma field fits: ``fits`` for the
    anchors, :func:`is_wordy` for ``text``, in one pass.

    An amount, a date and an axis begin with a digit (an amount maybe with ``-``) and a code
    with a capital letter, so most free-text pieces are told by their first character.
    """
    value = field.strip()
    shape = 0
    if value in closed_sets.sections:
        shape |= 8
    if value in closed_sets.statuses:
        shape |= 16
    if not value:
        return shape
    if value[0] in _NUMERIC_START:
        number = parse_amount(value) is not None
        date = _date(value) is not None
        if number:
            shape |= 64
            if _AXIS.fullmatch(value):
                shape |= 4
        if date:
            shape |= 32
        if not number and not date:
            shape |= _WORDY
        return shape
    shape |= _WORDY
    if value in FUNDS:
        shape |= 2
    elif 6 <= len(value) <= 10 and value[0] in _CODE_START and PROJECT_CODE.fullmatch(value):
        shape |= 1  # a capital letter and 5 to 9 digits
    return shape


@functools.cache
def _groups(layout: ListLayout) -> tuple[tuple[int, ...] | None, ...]:
    """The layout's columns as groups: a run of anchors (their bits), or None for a text column."""
    groups: list[tuple[int, ...] | None] = []
    for _, kind in layout.columns:
        if kind == "text":
            groups.append(None)
        elif groups and groups[-1] is not None:
            groups[-1] = (*groups[-1], _BITS[kind])  # type: ignore[misc]
        else:
            groups.append((_BITS[kind],))
    return tuple(groups)


@functools.lru_cache(maxsize=1024)
def _readings(
    shapes: tuple[int, ...], blank: tuple[bool, ...], layout: ListLayout, limit: int
) -> tuple[tuple[Span, ...], ...]:
    """:func:`exact_readings` over the shapes of the fields (see :func:`field_shape`): the same
    search, a run of anchors (each one field of its shape) taken in one step.

    The readings depend on nothing but the shapes, so each pattern is searched once: the
    11,101 lines of the 2007–2013 list that need the search have 51 patterns between them
    (searching them one by one took a fifth of the list's repair). The cache is bounded,
    whatever a list holds.
    """
    groups = _groups(layout)
    # How many columns follow each group: every one of them needs a field of its own.
    after = [0] * len(groups)
    for index in range(len(groups) - 2, -1, -1):
        following = groups[index + 1]
        after[index] = after[index + 1] + (1 if following is None else len(following))
    count = len(shapes)
    readings: list[tuple[Span, ...]] = []
    # The first wordy field at or after each index, and whether only blanks follow it.
    next_wordy = [count] * (count + 1)
    blank_from = [True] * (count + 1)
    for index in range(count - 1, -1, -1):
        next_wordy[index] = index if shapes[index] & _WORDY else next_wordy[index + 1]
        blank_from[index] = blank_from[index + 1] and blank[index]

    def walk(start: int, group: int, spans: tuple[Span, ...]) -> None:
        if len(readings) >= limit:
            return
        if group == len(groups):
            if count - start in layout.trailing_blanks and blank_from[start]:
                readings.append(spans)
            return
        anchors = groups[group]
        if anchors is None:
            # The text needs a wordy piece; the anchor after it must fit the field it ends before.
            following = groups[group + 1] if group + 1 < len(groups) else None
            first = following[0] if following else 0
            for end in range(max(start + 1, next_wordy[start] + 1), count - after[group] + 1):
                if first and (end >= count or not shapes[end] & first):
                    continue
                walk(end, group + 1, (*spans, (start, end)))
            return
        end = start + len(anchors)
        if end > count:
            return
        for offset, bit in enumerate(anchors):
            if not shapes[start + offset] & bit:
                return
        walk(end, group + 1, (*spans, *((index, index + 1) for index in range(start, end))))

    walk(0, 0, ())
    return tuple(readings)


def exact_readings(
    fields: Sequence[str], layout: ListLayout, closed_sets: ClosedSets, limit: int = 2
) -> list[tuple[Span, ...]]:
    """The readings that fit every anchor with nothing missing or left over, up to ``limit``.

    Each free-text column takes one or more consecutive fields; each anchor takes exactly one
    field of its shape. Two readings mean the row is ambiguous, so the search stops there.
    """
    return list(_readings(_shapes(fields, closed_sets), tuple(not field.strip() for field in fields), layout, limit))


def _shapes(fields: Sequence[str], closed_sets: ClosedSets) -> tuple[int, ...]:
    """The :func:`field_shape` of each field, each string asked once per list."""
    known = closed_sets.shapes
    shapes = []
    for field in fields:
        shape = known.get(field)
        if shape is None:
            shape = known[field] = field_shape(field, closed_sets)
        shapes.append(shape)
    return tuple(shapes)


@dataclass(frozen=True)
class Reading:
    """A best-effort reading of a row that fits no exact reading: spans and what went wrong."""

    spans: tuple[Span, ...]
    problems: tuple[str, ...]


def cheapest_reading(fields: Sequence[str], layout: ListLayout, closed_sets: ClosedSets) -> Reading:
    """The reading with the fewest problems, for a row no exact reading fits.

    Each problem costs one: a column with no field (``missing_field``), a field left over
    (``extra_field``), an anchor field of the wrong shape (``unreadable_amount``,
    ``unreadable_date``, …), a free-text column with no wordy piece (``missing_field``); a word
    where an amount or a date belongs costs two. Ties go to the reading that matches fields
    before it skips columns or fields.
    """
    columns = layout.columns
    count = len(fields)

    @functools.cache
    def best(start: int, column: int) -> tuple[int, tuple[tuple[str, Span, str | None], ...]]:
        if column == len(columns):
            rest = fields[start:]
            if len(rest) in layout.trailing_blanks and not any(piece.strip() for piece in rest):
                return 0, ()
            return max(1, sum(1 for piece in rest if piece.strip())), (("extra", None, "extra_field"),)
        kind = columns[column][1]
        options = []
        if start < count:
            if kind == "text":
                for end in range(start + 1, count + 1):
                    problem = None if text_fits(fields[start:end]) else "missing_field"
                    cost, steps = best(end, column + 1)
                    options.append((cost + (problem is not None), (("take", (start, end), problem), *steps)))
            else:
                problem, penalty = None, 0
                if not fits(kind, fields[start], closed_sets):
                    problem = anchor_problem(kind, fields[start])
                    # A word in a number or date slot means the free text was cut in the wrong
                    # place: cost it more than a missing value, so the word stays in the text.
                    penalty = 2 if kind in ("amount", "date") and is_wordy(fields[start]) else 1
                cost, steps = best(start + 1, column + 1)
                options.append((cost + penalty, (("take", (start, start + 1), problem), *steps)))
        cost, steps = best(start, column + 1)
        options.append((cost + 1, (("take", None, "missing_field"), *steps)))
        if start < count:
            cost, steps = best(start + 1, column)
            options.append((cost + 1, (("extra", None, "extra_field"), *steps)))
        # min() keeps the first of equal costs: the order above is the order of preference.
        return min(options, key=lambda option: option[0])

    _, steps = best(0, 0)
    spans = tuple(span for action, span, _ in steps if action == "take")
    problems = tuple(problem for _, _, problem in steps if problem)
    return Reading(spans=spans, problems=problems)


def anchor_problem(kind: str, field: str) -> str:
    """The flag for an anchor field of the wrong shape; a blank amount or date is missing."""
    if kind in ("amount", "date") and not field.strip():
        return "missing_field"
    return {
        "code": "unreadable_code",
        "fund": "unknown_fund",
        "axis": "unreadable_axis",
        "section": "unknown_section",
        "status": "unknown_status",
        "date": "unreadable_date",
        "amount": "unreadable_amount",
    }[kind]


# --- building the rows -------------------------------------------------------------------------


def column_value(kind: str, pieces: Sequence[str], unwrapped: bool) -> tuple[object, str | None, str | None]:
    """The typed value of one column from its comma pieces: (value, repair, flag).

    Free text is the pieces joined back with ',' exactly as written, stripped. Text that had
    been quoted inside a wrapped line (it holds '""') is unquoted when it is one well-formed
    quoted field; otherwise its quotes cannot be told apart, so it stays as written, flagged.
    """
    text = ",".join(pieces).strip()
    if kind == "text":
        if not text_fits(pieces):
            return None, None, "missing_field"
        if unwrapped and '""' in text:
            unquoted = unquote_field(text)
            if unquoted is None:
                return text, None, "quote_damage"
            return unquoted, "field_unquoted", None
        return text, None, None
    if kind == "date":
        return _date(text), None, None
    if kind == "amount":
        return parse_amount(text), None, None
    return text or None, None, None


def unquote_field(text: str) -> str | None:
    """A CSV-quoted field's value (``"a ""b"" c"`` gives ``a "b" c``), or None if malformed."""
    if len(text) < 2 or not (text.startswith('"') and text.endswith('"')):
        return None
    inner = text[1:-1]
    if inner.replace('""', "").count('"'):
        return None
    return inner.replace('""', '"')


def build_row(line: SourceLine, layout: ListLayout, closed_sets: ClosedSets, source_list: str) -> ProjectListRow:
    """The row of one data line: repaired when exactly one reading fits, else flagged."""
    return ProjectListRow(**row_values(line, layout, closed_sets, source_list))


def _well_formed(line: SourceLine, layout: ListLayout) -> list[object] | None:
    """The values of a line that :func:`well_formed_values` takes as written, typed (dates and
    amounts read), or None: one pass that serves both learning the sets and building the row."""
    columns = layout.columns
    fields = line.fields
    width = len(columns)
    if line.flags or len(fields) < width or len(fields) - width not in layout.trailing_blanks:
        return None
    for piece in fields[width:]:
        if piece.strip():
            return None
    values: list[object] = []
    for (_, kind), field in zip(columns, fields):
        value: object = field.strip()
        if kind == "text":
            if not value or (value[0] in _NUMERIC_START and (parse_amount(value) is not None or _date(value) is not None)):
                return None
        elif kind == "date":
            value = _date(value)
            if value is None:
                return None
        elif kind == "amount":
            value = parse_amount(value)
            if value is None:
                return None
        elif kind in ("section", "status"):
            if not value:
                return None
        elif kind == "code":
            if not PROJECT_CODE.fullmatch(value):
                return None
        elif kind == "fund":
            if value not in FUNDS:
                return None
        elif not _AXIS.fullmatch(value):
            return None
        values.append(value)
    return values


#: ``row_values(well_formed=…)`` when the line has not been asked yet.
_NOT_ASKED: list[object] = []


def row_values(
    line: SourceLine, layout: ListLayout, closed_sets: ClosedSets, source_list: str, well_formed: list[object] | None = _NOT_ASKED
) -> dict[str, object]:
    """The members of :class:`ProjectListRow` for one data line (see :func:`build_row`), unvalidated:
    every value is already of its member's type. ``well_formed``: what :func:`_well_formed`
    answered for the line (its values, or None), when it was asked already."""
    if len(line.fields) > MAX_FIELDS:
        # Not a row of the list at all: searching its readings would only take long.
        return _unreadable_values(line, layout, source_list)
    repairs = list(line.repairs)
    flags = list(line.flags)
    values: dict[str, object] = {"programme_section": None}
    if well_formed is _NOT_ASKED:
        well_formed = _well_formed(line, layout)
    if well_formed is not None:
        # One field per column, every anchor in place: the only reading (each column needs a
        # field of its own), and its closed-set values are in the sets they were learnt into.
        unquoted = []
        for (member, kind), value in zip(layout.columns, well_formed):
            if kind == "text" and line.unwrapped and '""' in value:  # type: ignore[operator]
                text = unquote_field(value)  # type: ignore[arg-type]
                if text is None:
                    flags.append("quote_damage")
                else:
                    value = text
                    unquoted.append(member)
            values[member] = value
        if unquoted:
            repairs.append("field_unquoted:" + ",".join(unquoted))
    else:
        fields = line.fields
        readings = _readings(_shapes(fields, closed_sets), tuple(not field.strip() for field in fields), layout, 2)
        if len(readings) == 1:
            spans = readings[0]
        elif readings:
            # Two readings fit every anchor: the first is kept as a best effort, not as the answer.
            spans = readings[0]
            flags.append("ambiguous_columns")
        else:
            reading = cheapest_reading(fields, layout, closed_sets)
            spans = reading.spans
            flags.extend(reading.problems)
        joined, unquoted = [], []
        for (member, kind), span in zip(layout.columns, spans):
            if span is None:
                values[member] = None
                continue
            start, end = span
            value, repair, flag = column_value(kind, fields[start:end], line.unwrapped)
            values[member] = value
            if end - start > 1:
                joined.append(member)
            if repair:
                unquoted.append(member)
            if flag:
                flags.append(flag)
        if unquoted:
            repairs.append("field_unquoted:" + ",".join(unquoted))
        if joined:
            repairs.append("commas_joined:" + ",".join(joined))
    values.update(
        source_list=source_list,
        list_date=layout.list_date,
        line=line.number,
        repair=";".join(repairs) or None,
        flag=";".join(dict.fromkeys(flags)) or None,
        raw=line.raw,
    )
    return values


def _unreadable_values(line: SourceLine, layout: ListLayout, source_list: str) -> dict[str, object]:
    return {
        **{member: None for member, _ in LAYOUT_2007.columns},
        "source_list": source_list,
        "list_date": layout.list_date,
        "line": line.number,
        "repair": None,
        "flag": "too_many_fields",
        "raw": line.raw,
    }


def unreadable_row(line: SourceLine, layout: ListLayout, source_list: str) -> ProjectListRow:
    """A row kept only as its raw text, for a line far too long to be one row of the list."""
    return ProjectListRow(**_unreadable_values(line, layout, source_list))


def _list_values(path: Path) -> Iterator[dict[str, object]]:
    """The :func:`row_values` of every data line of one list, in file order, one at a time
    (the file is read and its closed sets learnt before the first)."""
    text, _ = decode_text(path.read_bytes())
    header = text.split("\n", 1)[0]
    layout = layout_for_header(header)
    lines = [source_line(number, raw, layout) for number, raw in data_lines(text)]
    # Each line is asked once whether it is well formed: for the sets, then for its row.
    well_formed = [_well_formed(line, layout) for line in lines]
    sections: set[str] = set()
    statuses: set[str] = set()
    kinds = [kind for _, kind in layout.columns]
    for values in well_formed:
        if values is not None:
            for kind, value in zip(kinds, values):
                if kind == "section":
                    sections.add(value)  # type: ignore[arg-type]
                elif kind == "status":
                    statuses.add(value)  # type: ignore[arg-type]
    closed_sets = ClosedSets(sections=frozenset(sections), statuses=frozenset(statuses))
    return (row_values(line, layout, closed_sets, path.name, values) for line, values in zip(lines, well_formed))


def repair_project_list(path: Path | str) -> list[ProjectListRow]:
    """Every data row of one official project list, in file order, repaired or flagged.

    The layout is told by the header; the closed sets (programme sections, statuses) are learnt
    from the list's own well-formed rows before any row is repaired.
    """
    return [ProjectListRow(**values) for values in _list_values(Path(path))]


def project_list_records(path: Path | str) -> list[dict[str, object]]:
    """The rows of :func:`repair_project_list` as plain data, exactly as ``model_dump(mode="json")``
    gives them (dates as ISO text), without making and dumping a model per row: what the
    archive loads. The values are of their members' types by construction (a test compares the
    two for both lists)."""
    return list(iter_project_list_records(path))


def iter_project_list_records(path: Path | str) -> Iterator[dict[str, object]]:
    """:func:`project_list_records` one row at a time."""
    for record in _list_values(Path(path)):
        for member in ("start_date", "end_date"):
            day = record[member]
            if day is not None:
                record[member] = day.isoformat()  # type: ignore[attr-defined]
        yield record


def repair_project_lists(folder: Path | str) -> list[ProjectListRow]:
    """The rows of both official lists found in ``folder``: 2007–2013 first, then 2014–2020."""
    folder = Path(folder)
    rows: list[ProjectListRow] = []
    for name in PROJECT_LISTS:
        if (folder / name).is_file():
            rows.extend(repair_project_list(folder / name))
    return rows


def list_summary(rows: Iterable[ProjectListRow]) -> dict:
    """Counts for a build report: rows per list and per fund, repaired and flagged rows.

    ``repaired`` counts rows read with certainty after a repair, ``flagged`` the rows that
    could not be read with certainty; ``flags`` counts each reason code.
    """
    per_list: dict[str, dict] = {}
    totals = {"rows": 0, "per_fund": Counter(), "repaired": 0, "flagged": 0, "flags": Counter()}
    for row in rows:
        bucket = per_list.setdefault(
            row.source_list,
            {"rows": 0, "per_fund": Counter(), "repaired": 0, "flagged": 0, "flags": Counter(), "flagged_codes": []},
        )
        for counts in (totals, bucket):
            counts["rows"] += 1
            counts["per_fund"][row.fund] += 1
            if row.flag:
                counts["flagged"] += 1
                counts["flags"].update(row.flag.split(";"))
            elif row.repair:
                counts["repaired"] += 1
        if row.flag:
            bucket["flagged_codes"].append(row.code)
    return {
        "rows": totals["rows"],
        "per_fund": dict(totals["per_fund"]),
        "repaired": totals["repaired"],
        "flagged": totals["flagged"],
        "flags": dict(totals["flags"]),
        "per_list": {
            name: {**bucket, "per_fund": dict(bucket["per_fund"]), "flags": dict(bucket["flags"])}
            for name, bucket in per_list.items()
        },
    }
