"""Sections: a description cut at the heading lines its layout declares.

Headings are found by their text, whatever their number (section numbers differ between
projects of one period). A numbered line whose number is the next one but whose heading the
layout does not know opens an unknown section, so its lines do not end up in the section
before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import regex

from ..read.lines import Line
from ..warnings import WarningLog
from .labels import LABEL_LINE, similar
from .layouts import LayoutSpec, SectionSpec, normalise_label

HEADING = regex.compile(r"^(?P<number>\d{1,2}(?:\.\d{1,2}){0,2})\.?\s+(?P<text>\S.{0,150})$")
#: A longer line is a paragraph, never a heading.
LONGEST_HEADING = 160


@dataclass
class Section:
    """A run of lines under one heading: ``spec`` is its declaration (``None``: unknown)."""

    spec: SectionSpec | None
    name: str
    heading: Line | None
    lines: list[Line] = field(default_factory=list)


def heading_number(number: str) -> tuple[int, ...]:
    """``"3.2"`` → ``(3, 2)``."""
    return tuple(int(part) for part in number.split("."))


def follows(number: tuple[int, ...], previous: tuple[int, ...] | None) -> bool:
    """Whether a heading number is the one that comes next (so an unknown heading is real)."""
    if previous is None:
        return number == (1,)
    if len(number) == 1:
        return number[0] == previous[0] + 1
    if number[:-1] == previous[: len(number) - 1]:
        own = previous[len(number) - 1] if len(previous) >= len(number) else 0
        return number[-1] == own + 1
    return False


def looks_like_heading(text: str) -> bool:
    """Short, capitalised, no full stop at its end and no colon: a heading's text."""
    return len(text) <= 100 and text[:1].isupper() and not text.endswith(".") and ":" not in text


def split_sections(lines: Sequence[Line], layout: LayoutSpec, warnings: WarningLog) -> list[Section]:
    """Cut the document into sections at the heading lines the layout declares.

    The first section (``spec`` and ``heading`` ``None``) holds the lines before any heading.
    """
    index = {normalise_label(h): spec for spec in layout.sections for h in spec.heading}
    sections = [Section(None, "", None)]
    previous_number: tuple[int, ...] | None = None
    for line in lines:
        match = HEADING.match(line.text)
        if match is None and len(line.text) > LONGEST_HEADING:
            sections[-1].lines.append(line)  # a paragraph: too long to be a heading
            continue
        heading_text = match["text"] if match else line.text
        key = normalise_label(heading_text)
        spec = index.get(key) if (match or not LABEL_LINE.match(line.text)) else None
        if spec is None and match:
            spec = similar(key, index)
            if spec is not None:
                warnings.add("heading_variant", f"heading {line.text!r} read as {spec.name!r}", line)
        if spec is not None:
            sections.append(Section(spec, spec.name, line))
            if match:
                previous_number = heading_number(match["number"])
            continue
        if match and follows(heading_number(match["number"]), previous_number) and looks_like_heading(heading_text):
            previous_number = heading_number(match["number"])
            warnings.add("unknown_section", f"section {line.text!r} is not in the {layout.name} layout; its lines are kept in extra_fields", line)
            sections.append(Section(None, heading_text, line))
            continue
        sections[-1].lines.append(line)
    return sections
