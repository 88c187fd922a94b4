"""Sections: a description cut at the heading lines its layout declares.

Headings are found by their text, whatever their number (section numbers differ between
projects of one period). A numbered line whose number is the next one but whose heading the
layout does not know opens an unknown section, so its lines do not end up in the section
before it. After a section found by its text the number may skip a few (a section the document
leaves out, such as "10 Esimerkkihanke", takes its number with it, so "11 Lisätiedot" may follow
"9 Loppuraportin tiivistelmä"); a numbered list inside a section ("1. Tavoite", "2. …") is a list,
never a run of headings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import regex

from ..read.lines import Line
from ..warnings import WarningLog
from .labels import label_line, similar
from .layouts import LayoutSpec, SectionSpec, normalise_label

HEADING = regex.compile(r"^(?P<number>\d{1,2}(?:\.\d{1,2}){0,2})\.?\s+(?P<text>\S.{0,150})$")
#: A longer line is a paragraph, never a heading.
LONGEST_HEADING = 160
#: How many numbers an unknown heading may skip after a section found by its text: the optional
#: sections a document leaves out (the final report, "Esimerkkihanke") leave gaps this wide.
MAX_SKIPPED_NUMBERS = 2
#: An item of a numbered list inside a section's text: "1. Tavoite", "2) Kohderyhmä", "3 Tulokset".
LIST_ITEM = regex.compile(r"^(?P<number>\d{1,2})(?P<mark>[.)]?)\s+\S")


@dataclass
class Section:
    """A run of lines under one heading: ``spec`` is its declaration (``None``: unknown)."""

    spec: SectionSpec | None
    name: str
    heading: Line | None
    lines: list[Line] = field(default_factory=list)


def heading_number(number: str) -> tuple[int, ...]:
    """``"3.2"`` → ``(3, 2)``."""
    return tuple(map(int, number.split(".")))


def follows(number: tuple[int, ...], previous: tuple[int, ...] | None, *, skip: int = 0) -> bool:
    """Whether a heading number is the one that comes next (so an unknown heading is real).

    ``skip``: how many numbers may be left out in between (``11`` after ``9`` with ``skip=1``).
    The first heading is ``1``, whatever ``skip`` is.
    """
    if previous is None:
        return number == (1,)
    if len(number) == 1:
        return previous[0] < number[0] <= previous[0] + 1 + skip
    if number[:-1] == previous[: len(number) - 1]:
        own = previous[len(number) - 1] if len(previous) >= len(number) else 0
        return own < number[-1] <= own + 1 + skip
    return False


def looks_like_heading(text: str) -> bool:
    """Short, capitalised, no full stop at its end and no colon: a heading's text."""
    return len(text) <= 100 and text[:1].isupper() and not text.endswith(".") and ":" not in text


def split_sections(lines: Sequence[Line], layout: LayoutSpec, warnings: WarningLog) -> list[Section]:
    """Cut the document into sections at the heading lines the layout declares.

    The first section (``spec`` and ``heading`` ``None``) holds the lines before any heading.
    """
    index = layout.heading_index
    sections = [Section(None, "", None)]
    previous_number: tuple[int, ...] | None = None
    # How many numbers the next unknown heading may skip: some after a declared section, none
    # after an unknown one (whose own number was the only evidence it is a heading).
    skip = 0
    # The last item of a list numbered from 1 in the current section's lines (its number and
    # the mark after it: ".", ")" or none), if any.
    list_number: tuple[int, str] | None = None
    for line in lines:
        text = line.text
        first = text[:1]
        # HEADING and LIST_ITEM begin with a digit: a line that begins with any other ASCII
        # character (most lines: words) is neither, which is cheaper to see than to ask them.
        numbered = not first.isascii() or first.isdigit()
        match = HEADING.match(text) if numbered else None
        if match is None and len(text) > LONGEST_HEADING:
            sections[-1].lines.append(line)  # a paragraph: too long to be a heading
            if numbered:
                list_number = _list_number(LIST_ITEM.match(text), list_number)
            continue
        heading_text = match["text"] if match else text
        key = normalise_label(heading_text)
        spec = index.get(key)
        if spec is not None and not match and label_line(text):
            spec = None  # an unnumbered heading's text with a colon is a label line
        if spec is None and match:
            spec = similar(key, index)
            if spec is not None:
                warnings.add("heading_variant", f"heading {line.text!r} read as {spec.name!r}", line)
        if spec is not None:
            sections.append(Section(spec, spec.name, line))
            if match:
                previous_number, skip = heading_number(match["number"]), MAX_SKIPPED_NUMBERS
            list_number = None
            continue
        # Asked only here: a heading the layout declares is one whatever list it might continue.
        item = LIST_ITEM.match(text) if numbered else None
        if (
            match
            and follows(heading_number(match["number"]), previous_number, skip=skip)
            and looks_like_heading(heading_text)
            and not _continues_list(item, list_number)
        ):
            previous_number, skip = heading_number(match["number"]), 0
            warnings.add("unknown_section", f"section {line.text!r} is not in the {layout.name} layout; its lines are kept in extra_fields", line)
            sections.append(Section(None, heading_text, line))
            list_number = None
            continue
        sections[-1].lines.append(line)
        if item is not None:
            list_number = _list_number(item, list_number)
    return sections


def _continues_list(item: regex.Match[str] | None, list_number: tuple[int, str] | None) -> bool:
    """Whether a numbered line is the next item of the list its section's text has begun: the
    next number, written the same way (``4. …`` after ``3. …``; ``4 Lisätiedot`` after ``3.``
    is not the list's)."""
    return item is not None and list_number is not None and (int(item["number"]), item["mark"]) == (list_number[0] + 1, list_number[1])


def _list_number(item: regex.Match[str] | None, list_number: tuple[int, str] | None) -> tuple[int, str] | None:
    """The section's list after a line of its text: ``1.`` begins a list, the next number goes on."""
    if item is None:
        return list_number
    if int(item["number"]) == 1 or _continues_list(item, list_number):
        return int(item["number"]), item["mark"]
    return list_number
