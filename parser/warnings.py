"""Warnings: what a stage noticed about a document and kept, and the one registry of their codes.

A warning is ``{code, message, line}`` (docs/DATA-CONTRACT.md, section 1). Every code a stage may
raise is declared in :data:`WARNING_CODES` with the stage that raises it (``extract``: while a
document is parsed, so ``esr parse`` prints it; ``archive``: while the archive is built, so only
``parse_warnings`` holds it) and what it means. The README's table of warnings is checked
against this registry by the tests, and :meth:`WarningLog.add` refuses a code it does not hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .read.lines import Line

EXTRACT, ARCHIVE = "extract", "archive"


@dataclass(frozen=True)
class WarningCode:
    """One kind of warning: its code, the stage that raises it, and what it means."""

    code: str
    stage: str
    meaning: str


_DECLARED = (
    WarningCode("missing_title", EXTRACT, "no title line; recognised by its code label, so `fund` is null"),
    WarningCode("missing_section", EXTRACT, "a section the layout expects is absent"),
    WarningCode("missing_label", EXTRACT, "a label the layout expects is absent from its section"),
    WarningCode("unknown_label", EXTRACT, "a `Label: value` the layout does not name: kept in `extra_fields`"),
    WarningCode("unknown_section", EXTRACT, "a numbered section the layout does not name: kept in `extra_fields`"),
    WarningCode("duplicate_label", EXTRACT, "a label said twice: the second is kept in `extra_fields`"),
    WarningCode("duplicate_section", EXTRACT, "a section said twice: the second is kept in `extra_fields`"),
    WarningCode("label_variant", EXTRACT, "a label read as the declared one it nearly equals (a typo the service fixed)"),
    WarningCode("heading_variant", EXTRACT, "a heading read as the declared one it nearly equals"),
    WarningCode("label_out_of_section", EXTRACT, "a label found in another section than its own (its heading was lost)"),
    WarningCode("unrecognised_line", EXTRACT, "a line the layout does not explain, quoted in the message"),
    WarningCode("invalid_business_id", EXTRACT, "the Y-tunnus fails its check digit; the value is kept"),
    WarningCode("unreadable_euros", EXTRACT, "not an amount of euros; the member is null and the message quotes the text"),
    WarningCode("unreadable_date", EXTRACT, "not a date or period; the member is null and the message quotes the text"),
    WarningCode("unreadable_number", EXTRACT, "not a whole number; the member is null and the message quotes the text"),
    WarningCode("unreadable_indicator", EXTRACT, "not an indicator value; the members are null and the message quotes the text"),
    WarningCode("unreadable_boolean", EXTRACT, "not Kyllä or Ei; the member is null and the message quotes the text"),
    WarningCode("unnumbered_value", EXTRACT, "no number in front of a numbered value; the text is kept as its name"),
    WarningCode("euros_rounded", EXTRACT, "an amount with cents, rounded half up to whole euros"),
    WarningCode("dates_reversed", EXTRACT, "the project ends before it starts; both dates kept as read"),
    WarningCode("unusual_code", EXTRACT, "a project code that is not a letter and 5 to 9 digits; kept as read"),
    WarningCode("co_implementer_without_id", EXTRACT, "a co-implementer line without a Y-tunnus at its end"),
    WarningCode("empty_table", EXTRACT, "a scored table with no rows"),
    WarningCode("mixed_encoding", EXTRACT, "lines not in the encoding of the rest of the file (a Windows-1252 paragraph in UTF-8): each line decoded by its own bytes; the message names them"),
    WarningCode("unclosed_element", EXTRACT, "a web page's `<script>`, `<style>`, `<title>` … never closed, which in a browser hides the rest of the page: ended at the next block, the rest is read"),
    WarningCode("value_continued", EXTRACT, "a line without a label read as the rest of a typed value above it (an address, amount or date cut by a wrap), quoted in the message"),
    WarningCode("duplicate_project", ARCHIVE, "a second document describes a project; the one whose path sorts first is loaded"),
    WarningCode("no_project_code", ARCHIVE, "a description without a project code: not in `projects`"),
    WarningCode("municipality_not_matched", ARCHIVE, "a municipality name with no Statistics Finland code for the project's year"),
    WarningCode("subregion_not_matched", ARCHIVE, "a sub-region name with no Statistics Finland code for the project's year"),
    WarningCode("region_not_matched", ARCHIVE, "a region name with no Statistics Finland code for the project's year"),
)

#: Every warning code, by code.
WARNING_CODES: dict[str, WarningCode] = {warning.code: warning for warning in _DECLARED}


def warning(code: str, message: str, line: int | None = None) -> dict[str, Any]:
    """A warning as the record holds it; ``code`` must be registered."""
    if code not in WARNING_CODES:
        raise ValueError(f"unregistered warning code {code!r}: declare it in parser.warnings.WARNING_CODES")
    return {"code": code, "message": message, "line": line}


class WarningLog(list):
    """The warnings of one document, in the order they arose."""

    def add(self, code: str, message: str, line: Line | int | None = None) -> None:
        """Note a warning; ``line`` is the source line it concerns (a :class:`Line` or its number)."""
        self.append(warning(code, message, line.number if isinstance(line, Line) else line))
