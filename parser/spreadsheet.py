"""Downloads meant for a spreadsheet: no text cell may become a formula.

A spreadsheet (Excel, LibreOffice Calc, Google Sheets) that opens a CSV file reads a cell that
starts with ``=``, ``+``, ``-`` or ``@`` as a formula, and a tab or carriage return in front
does not stop it: ``=HYPERLINK("http://x","y")`` becomes a link, ``+cmd|' /C calc'!A0`` a DDE
command. The archive's texts come from documents and lists anyone can write, so every CSV the
archive hands out goes through :func:`neutralise_cell`, the one rule, as OWASP's "CSV
Injection" guidance describes it:

* a **text** cell that starts with ``=``, ``+``, ``-``, ``@``, tab (0x09) or carriage return
  (0x0D) gets a single quote ``'`` in front, which spreadsheets read as "this is text";
* **unless** the text is a plain decimal number (``-2``, ``+5``, ``-1.5``, ``-2e3``: ASCII digits,
  one optional sign, point and exponent): a spreadsheet reads it as that number and nothing
  else, there is no formula in it to run, and the server's CSV (where every cell is text, see
  :class:`CsvNeutraliser`) could otherwise not keep a negative amount a number;
* a value that is not text (an SQL integer, real or null) is never touched.

So ``-2`` stays ``-2`` whether it was an integer or text, ``-2+3`` becomes ``'-2+3``, and
``+358 40 123 4567`` becomes ``'+358 40 123 4567``. JSON and JSON Lines are never neutralised:
they are read by programs, which must get the values exactly.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import Any

#: What makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: The text a spreadsheet reads as a number: never a formula, never neutralised.
PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
#: What goes in front of a neutralised cell.
PREFIX = "'"

# A long text (a document's full text) is one CSV field; the csv module's reader refuses
# fields over 128 KiB by default. The server only re-reads CSV that Datasette itself wrote.
csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))


def neutralise_cell(value: Any) -> Any:
    """``value`` as it may go into a spreadsheet: a text that a spreadsheet would read as a
    formula gets a ``'`` in front; numbers, nulls and every other text are returned as they
    are (the rule is in the module's docstring)."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) and not PLAIN_NUMBER.fullmatch(value):
        return PREFIX + value
    return value


def neutralise_row(row: Iterable[Any]) -> list[Any]:
    """Every cell of ``row`` through :func:`neutralise_cell`."""
    return [neutralise_cell(value) for value in row]


# The stream is scanned as bytes: in UTF-8 a quote, a line end or a trigger is one byte that
# never occurs inside another character, so only records that may need a change are decoded.
_QUOTE_OR_NEWLINE = re.compile(rb'["\n]')
#: Where a cell that needs neutralising could start: at the start of the text, after a comma
#: or a line end, a trigger, or a quote and a trigger (the writer quotes every cell with a
#: carriage return, so an unquoted one is the line end). This finds more than the cells that
#: need it (a comma inside a quoted cell), never fewer: text without it is left unparsed.
#: The start of the text is looked at apart (``_FORMULA_AT_START``): with ``\A|`` in front, the
#: search could not skip ahead to the next comma or line end, and took three times as long.
_MAYBE_FORMULA = re.compile(r'[,\n](?:[=+\-@\t]|"[=+\-@\t\r])')
_FORMULA_AT_START = re.compile(r'[=+\-@\t]|"[=+\-@\t\r]')
_MAYBE_FORMULA_BYTES = re.compile(_MAYBE_FORMULA.pattern.encode("ascii"))
_FORMULA_AT_START_BYTES = re.compile(_FORMULA_AT_START.pattern.encode("ascii"))


class CsvNeutraliser:
    """Rewrites a CSV byte stream (UTF-8, the csv module's ``excel`` dialect, as Datasette
    writes it) so that every cell goes through :func:`neutralise_cell`, keeping it a stream.

    :meth:`feed` takes the bytes as they come, in chunks cut anywhere (inside a character, a
    quoted cell, a line), and returns the complete records among them, rewritten; what is left
    waits for the next chunk. A record ends at a newline outside quotes (the dialect doubles a
    quote inside a quoted cell, so counting quotes tells inside from outside). :meth:`finish`
    returns what never ended in a newline, untouched: the caller decides what it is.
    """

    def __init__(self) -> None:
        self._pending = b""
        self._quoted = False

    def feed(self, chunk: bytes) -> bytes:
        """The complete records of the stream so far (after those already returned), neutralised."""
        if not chunk:
            return b""
        start = len(self._pending)
        self._pending += chunk
        end = None
        for match in _QUOTE_OR_NEWLINE.finditer(self._pending, start):
            if match.group() == b'"':
                self._quoted = not self._quoted
            elif not self._quoted:
                end = match.end()
        if end is None:
            return b""
        complete, self._pending = self._pending[:end], self._pending[end:]
        if not (_FORMULA_AT_START_BYTES.match(complete) or _MAYBE_FORMULA_BYTES.search(complete)):
            return complete  # nothing to neutralise: the bytes as they came
        return rewrite_csv(complete.decode("utf-8")).encode("utf-8")

    def finish(self) -> str:
        """What is left at the end of the stream: text after the last complete record."""
        rest, self._pending = self._pending, b""
        return rest.decode("utf-8", errors="replace")


def rewrite_csv(text: str) -> str:
    """Complete CSV records, every cell neutralised, written back in the same dialect (a
    record that needs no change comes out byte for byte as it went in)."""
    if not (_FORMULA_AT_START.match(text) or _MAYBE_FORMULA.search(text)):
        return text
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in csv.reader(io.StringIO(text, newline="")):
        writer.writerow(neutralise_row(row))
    return out.getvalue()


def csv_record(cells: Iterable[Any]) -> str:
    """One CSV record (with its line end), its cells neutralised."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(neutralise_row(cells))
    return out.getvalue()
