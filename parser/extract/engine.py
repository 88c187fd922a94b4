"""The engine: recognise the layout, cut the document into sections, read each by its kind.

The engine knows nothing about any one layout. Everything it looks for (title, headings,
labels, value types) comes from a :class:`~parser.extract.layouts.LayoutSpec`; a document that
matches none of them is a document of kind ``other``. Nothing a document says is dropped: a line
the layout does not explain becomes an ``extra_fields`` entry or a warning naming it and its line.

The jobs are in modules of their own: :mod:`.recognise` (which layout), :mod:`.sections` (cut at
headings), :mod:`.labels` (a written label → its declaration), :mod:`.fields` (``Label: value``
lines → keys) and :mod:`.kinds` (the registry of section kinds).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..read.lines import Line
from ..warnings import WarningLog
from .kinds import SECTION_KINDS, extract_unknown_section
from .labels import LabelIndex
from .layouts import FieldSpec, LayoutSpec, builtin_layouts
from .recognise import recognise
from .sections import Section, split_sections
from .values import CONVERTERS, PROJECT_CODE

@dataclass
class ParsedText:
    """What the engine found in a document's clean lines (the record minus its ``source``)."""

    kind: str
    template: str | None
    title: str | None
    warnings: list[dict[str, Any]]
    project: dict[str, Any] | None
    text: str


class Extraction:
    """What reading one description has found so far: a flat mapping of dotted contract keys,
    the ``extra_fields`` and the warnings. The section readers write into it."""

    def __init__(self, layout: LayoutSpec, warnings: WarningLog) -> None:
        self.layout = layout
        self.warnings = warnings
        self.labels = LabelIndex(layout)
        self.values: dict[str, Any] = {}
        self.extra_fields: list[dict[str, Any]] = []
        #: Keys of ``values`` filled by a label found outside its own section, with that section
        #: and the hit: the label in its own section, if it comes, replaces them.
        self.provisional: dict[str, tuple[str, Any]] = {}
        #: Keys of ``values`` filled in their own section, with the section's name.
        self.filled_in: dict[str, str] = {}

    def extra(self, section: str, label: str, value: str | None, line: Line | None, code: str, why: str) -> None:
        """Keep a value the layout cannot place in ``extra_fields``, with a warning saying why."""
        self.extra_fields.append({"section": section or None, "label": label, "value": value or None})
        self.warnings.add(code, f"{label!r} {why}; kept in extra_fields", line)

    def unplaced(self, section: str, line: Line) -> None:
        """Report a line the layout does not explain, quoting it."""
        where = f"section {section!r}" if section else "the document's opening"
        self.warnings.add("unrecognised_line", f"a line in {where} that the layout does not explain: {line.text!r}", line)

    def convert(self, spec: FieldSpec, raw: str, line: Line) -> Any:
        """Type a field's raw text with its declared converter; its warnings name the label."""

        def warn(code: str, message: str) -> None:
            self.warnings.add(code, f"{spec.label[0]}: {message}", line)

        return CONVERTERS[spec.type](raw, warn, **spec.options)

    def extract_section(self, section: Section) -> None:
        """Read one section with the reader its declared kind names."""
        if section.spec is None:
            extract_unknown_section(self, section)
        else:
            SECTION_KINDS[section.spec.kind](self, section)


def nest(flat: dict[str, Any]) -> dict[str, Any]:
    """``{"implementer.name": x}`` to ``{"implementer": {"name": x}}``."""
    nested: dict[str, Any] = {}
    for key, value in flat.items():
        *parents, last = key.split(".")
        node = nested
        for parent in parents:
            node = node.setdefault(parent, {})
        node[last] = value
    return nested


def extract_project(lines: Sequence[Line], layout: LayoutSpec, fund: str | None, warnings: WarningLog) -> dict[str, Any]:
    """Read a recognised description's lines into the contract's project mapping."""
    extraction = Extraction(layout, warnings)
    sections = split_sections(lines, layout, warnings)
    seen: dict[int, int] = {}
    for section in sections:
        if section.spec is not None:
            seen[id(section.spec)] = seen.get(id(section.spec), 0) + 1
            if seen[id(section.spec)] == 2 and section.spec.kind not in ("record", "text"):
                warnings.add("duplicate_section", f"section {section.name!r} appears twice", section.heading)
        extraction.extract_section(section)
    for spec in layout.sections:
        if not spec.optional and id(spec) not in seen:
            warnings.add("missing_section", f"section {spec.name!r} not found")
    values = {"fund": fund, "period": layout.period, **extraction.values}
    for key, value in layout.defaults.items():
        values.setdefault(key, value)
    code = values.get("code")
    if code is not None and not PROJECT_CODE.fullmatch(code):
        warnings.add("unusual_code", f"project code {code!r} is not a letter and 5 to 9 digits")
    project = nest(values)
    project["extra_fields"] = extraction.extra_fields
    return project


def parse_lines(lines: Sequence[Line], layouts: Sequence[LayoutSpec] | None = None, *, opening_is_chrome: bool = False) -> ParsedText:
    """Parse a document's clean lines: a description of a known layout, or ``other``.

    ``opening_is_chrome``: the lines before the title are the site's own (a saved web page's
    logo and navigation), so they are left out of the record, ``text`` included; otherwise
    they are kept in ``text`` and each is reported.
    """
    layouts = builtin_layouts() if layouts is None else layouts
    warnings = WarningLog()
    found = recognise(lines, layouts)
    if found is None:
        title = lines[0].text if lines and len(lines[0].text) <= 200 else None
        return ParsedText("other", None, title, warnings, None, "\n".join([line.text for line in lines]))
    layout, title_index, fund = found
    if opening_is_chrome and title_index:
        lines, title_index = lines[title_index:], 0
    text = "\n".join([line.text for line in lines])  # a list joins faster than a generator
    if title_index is None:
        title = None
        body = list(lines)
        warnings.add("missing_title", f"no title line; recognised as {layout.name} by its labels, so the fund is unknown")
    else:
        title = lines[title_index].text
        body = list(lines[title_index + 1 :])
        for line in lines[:title_index]:
            warnings.add("unrecognised_line", f"a line before the title: {line.text!r}", line)
    project = extract_project(body, layout, fund, warnings)
    return ParsedText("description", layout.name, title, warnings, project, text)


__all__ = ["Extraction", "ParsedText", "parse_lines", "extract_project", "recognise", "split_sections"]
