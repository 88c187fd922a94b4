"""The engine: recognise the layout, find its sections, read their fields into the record.

The engine knows nothing about any one layout. Everything it looks for (title, headings,
labels, value types) comes from a :class:`~parser.layouts.LayoutSpec`; a document that matches
none of them is a document of kind ``other``. Nothing a document says is dropped: a line the
layout does not explain becomes an ``extra_fields`` entry or a warning naming it and its line.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import regex

from ..clean import join_broken
from .layouts import FieldSpec, LayoutSpec, SectionSpec, builtin_layouts, normalise_label
from ..read.lines import Line
from .values import CONVERTERS, PAIR_CONVERTERS

# "Label: value" — the colon must be followed by a space or end the line, so "http://…" and
# "klo 12:00" are not labels.
_LABEL_LINE = regex.compile(r"^(?P<label>[^:]{1,150}?)\s*:(?:\s+(?P<value>.*))?$")
_HEADING = regex.compile(r"^(?P<number>\d{1,2}(?:\.\d{1,2}){0,2})\.?\s+(?P<text>\S.{0,150})$")
_CODE = regex.compile(r"^[A-Z]\d{5}$")
_LONGEST_HEADING = 160
#: How far from the top the title line may stand (page headers come first).
_TITLE_WINDOW = 25
#: How alike an unknown label or heading must be to a declared one to be read as a variant of it.
_VARIANT_RATIO = 0.9
#: Short labels are too alike to guess at ("LY-tunnus" is not a misspelt "Y-tunnus").
_VARIANT_MIN_LENGTH = 12
#: Stands for an unknown label in a fields section, so its continuation lines are not misread.
_UNKNOWN = FieldSpec(label=["(unknown)"], key="(unknown)")


@dataclass
class ParsedText:
    """What the engine found in a document's clean lines (the record minus its ``source``)."""

    kind: str
    template: str | None
    title: str | None
    warnings: list[dict[str, Any]]
    project: dict[str, Any] | None
    text: str


@dataclass
class _Section:
    spec: SectionSpec | None
    name: str
    heading: Line | None
    lines: list[Line] = field(default_factory=list)


class _Warnings(list):
    """The warnings of one document, in the order they arose."""

    def add(self, code: str, message: str, line: Line | int | None = None) -> None:
        number = line.number if isinstance(line, Line) else line
        self.append({"code": code, "message": message, "line": number})


def _similar(text: str, candidates: dict[str, Any]) -> Any | None:
    """The declaration whose normalised name is nearly ``text`` (a typo the service fixed)."""
    if len(text) < _VARIANT_MIN_LENGTH:
        return None
    best = difflib.get_close_matches(text, list(candidates), n=1, cutoff=_VARIANT_RATIO)
    return candidates[best[0]] if best else None


def recognise(lines: Sequence[Line], layouts: Sequence[LayoutSpec]) -> tuple[LayoutSpec, int | None, str | None] | None:
    """Find the layout of a document: by its title line, or failing that by a keyword label.

    Returns the layout, the index of the title line (``None`` when only a keyword was found) and
    the fund named in the title.
    """
    for layout in layouts:
        pattern = regex.compile(layout.title, regex.I)
        for index, line in enumerate(lines[:_TITLE_WINDOW]):
            match = pattern.match(line.text)
            if match:
                return layout, index, match["fund"].upper()
    for layout in layouts:
        keywords = {normalise_label(k) for k in layout.keywords}
        for line in lines:
            match = _LABEL_LINE.match(line.text)
            if match and normalise_label(match["label"]) in keywords:
                return layout, None, None
    return None


def _heading_number(number: str) -> tuple[int, ...]:
    return tuple(int(part) for part in number.split("."))


def _follows(number: tuple[int, ...], previous: tuple[int, ...] | None) -> bool:
    """Whether a heading number is the one that comes next (so an unknown heading is real)."""
    if previous is None:
        return number == (1,)
    if len(number) == 1:
        return number[0] == previous[0] + 1
    if number[:-1] == previous[: len(number) - 1]:
        own = previous[len(number) - 1] if len(previous) >= len(number) else 0
        return number[-1] == own + 1
    return False


def _looks_like_heading(text: str) -> bool:
    return len(text) <= 100 and text[:1].isupper() and not text.endswith(".") and ":" not in text


def split_sections(lines: Sequence[Line], layout: LayoutSpec, warnings: _Warnings) -> list[_Section]:
    """Cut the document into sections at the heading lines the layout declares.

    A numbered line whose number is the next one but whose heading the layout does not know
    opens an unknown section, so its lines do not end up in the section before it.
    """
    index = {normalise_label(h): spec for spec in layout.sections for h in spec.heading}
    sections = [_Section(None, "", None)]
    previous_number: tuple[int, ...] | None = None
    for line in lines:
        match = _HEADING.match(line.text)
        if match is None and len(line.text) > _LONGEST_HEADING:
            sections[-1].lines.append(line)  # a paragraph: too long to be a heading
            continue
        heading_text = match["text"] if match else line.text
        key = normalise_label(heading_text)
        spec = index.get(key) if (match or not _LABEL_LINE.match(line.text)) else None
        if spec is None and match:
            spec = _similar(key, index)
            if spec is not None:
                warnings.add("heading_variant", f"heading {line.text!r} read as {spec.name!r}", line)
        if spec is not None:
            sections.append(_Section(spec, spec.name, line))
            if match:
                previous_number = _heading_number(match["number"])
            continue
        if match and _follows(_heading_number(match["number"]), previous_number) and _looks_like_heading(heading_text):
            previous_number = _heading_number(match["number"])
            warnings.add("unknown_section", f"section {line.text!r} is not in the {layout.name} layout; its lines are kept in extra_fields", line)
            sections.append(_Section(None, heading_text, line))
            continue
        sections[-1].lines.append(line)
    return sections


@dataclass
class _Hit:
    """One declared field found in a section, with the lines that belong to it."""

    spec: FieldSpec
    label: str
    line: Line
    value: str
    #: The label belongs to another section (its heading was lost): it fills the project.
    elsewhere: bool = False
    items: list[str] = field(default_factory=list)
    following: list[str] = field(default_factory=list)


def _looks_like_label(label: str) -> bool:
    words = label.split()
    return 0 < len(words) <= 8 and len(label) <= 80 and label[:1].isupper() and not regex.search(r"[.!?]\s", label)


class _Reader:
    """Reads one document's sections into a flat mapping of dotted contract keys."""

    def __init__(self, layout: LayoutSpec, warnings: _Warnings) -> None:
        self.layout = layout
        self.warnings = warnings
        self.values: dict[str, Any] = {}
        self.extra_fields: list[dict[str, Any]] = []
        # Labels declared in only one section: found elsewhere (a lost heading), still read.
        owners: dict[str, list[FieldSpec]] = {}
        for section in layout.sections:
            if section.record is None:
                for spec in section.fields:
                    for label in spec.label:
                        owners.setdefault(normalise_label(label), []).append(spec)
        self.unique_labels = {label: specs[0] for label, specs in owners.items() if len(specs) == 1}

    # -- helpers ---------------------------------------------------------------------------

    def extra(self, section: str, label: str, value: str | None, line: Line, code: str, why: str) -> None:
        self.extra_fields.append({"section": section or None, "label": label, "value": value or None})
        self.warnings.add(code, f"{label!r} {why}; kept in extra_fields", line)

    def unplaced(self, section: str, line: Line) -> None:
        where = f"section {section!r}" if section else "the document's opening"
        self.warnings.add("unrecognised_line", f"a line in {where} that the layout does not explain: {line.text!r}", line)

    def convert(self, spec: FieldSpec, raw: str, line: Line) -> Any:
        def warn(code: str, message: str) -> None:
            self.warnings.add(code, f"{spec.label[0]}: {message}", line)

        return CONVERTERS[spec.type](raw, warn, **spec.options)

    # -- fields ----------------------------------------------------------------------------

    def _lookup(self, label: str, fields: Sequence[FieldSpec], filled: set[str], line: Line, section: str) -> FieldSpec | None:
        key = normalise_label(label)
        candidates = [f for f in fields if key in f.normalised_labels]
        if not candidates:
            variants = {normalise_label(lbl): f for f in fields for lbl in f.label}
            variant = _similar(key, variants)
            if variant is not None:
                self.warnings.add("label_variant", f"label {label!r} read as {variant.label[0]!r}", line)
                return variant
            elsewhere = self.unique_labels.get(key)
            if elsewhere is not None and not any(elsewhere is own for own in fields):
                self.warnings.add("label_out_of_section", f"label {label!r} found in section {section!r}, not in its own", line)
                return elsewhere
            return None
        # A label declared twice (Puhelinnumero) is the one whose "after" condition holds.
        for spec in sorted(candidates, key=lambda f: f.after is None):
            if spec.after is not None and spec.after not in filled:
                continue
            if spec.keys[0] not in filled:
                return spec
        return candidates[0]

    def _collect(self, section: _Section, fields: Sequence[FieldSpec]) -> list[_Hit]:
        """Group a fields section's lines into hits; explain or report every other line."""
        expected = {normalise_label(text) for text in section.spec.expected_lines} if section.spec else set()
        hits: list[_Hit] = []
        filled: set[str] = set()
        for line in section.lines:
            if normalise_label(line.text) in expected:
                continue
            current = hits[-1] if hits else None
            match = _LABEL_LINE.match(line.text)
            if match:
                spec = self._lookup(match["label"], fields, filled, line, section.name)
                if spec is not None:
                    elsewhere = not any(spec is own for own in fields)
                    hits.append(_Hit(spec, match["label"], line, match["value"] or "", elsewhere))
                    filled.update(spec.keys)
                    continue
                if not (current and current.spec.followed_by) and _looks_like_label(match["label"]):
                    self.extra(section.name, match["label"], match["value"], line, "unknown_label", f"in section {section.name!r} is not a label of the {self.layout.name} layout")
                    hits.append(_Hit(_UNKNOWN, match["label"], line, ""))
                    continue
            if current is None or current.spec is _UNKNOWN:
                self.unplaced(section.name, line)
            elif current.spec.followed_by:
                current.following.append(line.text)
            elif current.spec.continuation == "items":
                current.items.append(line.text)
            else:
                # A value that the page width or a page break carried onto the next line.
                current.value = join_broken(current.value, line.text) if current.value else line.text
        return [hit for hit in hits if hit.spec is not _UNKNOWN]

    def read_fields(self, section: _Section, fields: Sequence[FieldSpec], target: dict[str, Any]) -> None:
        """Fill ``target`` from a section's ``Label: value`` lines."""
        section_target = target
        for hit in self._collect(section, fields):
            spec = hit.spec
            target = self.values if hit.elsewhere else section_target
            if spec.continuation == "items":
                pieces = [p for p in [hit.value, *hit.items] if p.strip()]
                value: Any = [v for v in (self.convert(spec, p, hit.line) for p in pieces) if v is not None]
                if spec.key in target:
                    target[spec.key].extend(value)
                    continue
                values = [value]
            else:
                converted = self.convert(spec, hit.value, hit.line)
                values = list(converted) if spec.type in PAIR_CONVERTERS else [converted]
            if any(key in target for key in spec.keys):
                self.extra(section.name, hit.label, hit.value, hit.line, "duplicate_label", "appears again in the same document")
                continue
            target.update(zip(spec.keys, values))
            if spec.followed_by:
                target[spec.followed_by] = "\n".join(hit.following) or None
        for spec in fields:
            if not spec.optional and not any(key in section_target for key in spec.keys):
                self.warnings.add("missing_label", f"label {spec.label[0]!r} not found in section {section.name!r}", section.heading)

    # -- other section kinds ------------------------------------------------------------------

    def read_table(self, section: _Section) -> None:
        """Read a scored table: group lines, row lines and the justification lines under them."""
        table = section.spec.table
        row_pattern = regex.compile(table.row)
        headers = {normalise_label(h) for h in table.header_lines}
        groups = {normalise_label(g): g for g in table.groups}
        rows: list[dict[str, Any]] = self.values.setdefault(table.into, [])
        group: str | None = None
        current: dict[str, Any] | None = None
        for line in section.lines:
            key = normalise_label(line.text)
            if key in headers:
                continue
            if key in groups:
                group, current = groups[key], None
                continue
            match = row_pattern.match(line.text)
            if match:
                current = {table.group_key: group, table.continuation_key: None}
                for name, value in match.groupdict().items():
                    kind = table.types.get(name, "text")
                    current[name] = CONVERTERS[kind](value or "", lambda c, m, line=line: self.warnings.add(c, f"{section.name}: {m}", line))
                rows.append(current)
            elif current is not None:
                previous = current[table.continuation_key]
                current[table.continuation_key] = f"{previous}\n{line.text}" if previous else line.text
            else:
                self.unplaced(section.name, line)
        if not any(row for row in rows):
            self.warnings.add("empty_table", f"no rows found in section {section.name!r}", section.heading)

    def read_flag(self, section: _Section) -> None:
        flag = section.spec.flag
        for line in section.lines:
            if normalise_label(line.text) == normalise_label(flag.text):
                self.values[flag.key] = True
            else:
                self.unplaced(section.name, line)

    def read_unknown(self, section: _Section) -> None:
        """An unknown section: its labels and its free text go to ``extra_fields``."""
        text: list[str] = []
        for line in section.lines:
            match = _LABEL_LINE.match(line.text)
            if match and _looks_like_label(match["label"]):
                self.extra_fields.append({"section": section.name or None, "label": match["label"], "value": match["value"] or None})
            else:
                text.append(line.text)
        if text:
            self.extra_fields.append({"section": section.name or None, "label": section.name, "value": "\n".join(text)})

    def read_section(self, section: _Section) -> None:
        """Read one section with the handler its declaration asks for."""
        spec = section.spec
        if spec is None:
            if section.heading is None:
                for line in section.lines:
                    self.unplaced("", line)
            else:
                self.read_unknown(section)
            return
        if spec.record is not None:
            record = dict(spec.record.values)
            self.read_fields(section, spec.fields, record)
            self.values.setdefault(spec.record.into, []).append(record)
        elif spec.table is not None:
            self.read_table(section)
        elif spec.flag is not None:
            self.read_flag(section)
        elif spec.fields:
            self.read_fields(section, spec.fields, self.values)
        elif spec.text is not None:
            text = "\n".join(line.text for line in section.lines) or None
            if self.values.get(spec.text) is not None and text:
                self.extra(section.name, section.name, text, section.heading, "duplicate_section", "appears again in the same document")
            elif text is not None or spec.text not in self.values:
                self.values[spec.text] = text
        else:
            # A heading that only groups subsections: any line of its own is unexpected.
            for line in section.lines:
                self.unplaced(section.name, line)


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    """``{"implementer.name": x}`` to ``{"implementer": {"name": x}}``."""
    nested: dict[str, Any] = {}
    for key, value in flat.items():
        *parents, last = key.split(".")
        node = nested
        for parent in parents:
            node = node.setdefault(parent, {})
        node[last] = value
    return nested


def read_project(lines: Sequence[Line], layout: LayoutSpec, fund: str | None, warnings: _Warnings) -> dict[str, Any]:
    """Read a recognised description's lines into the contract's project mapping."""
    reader = _Reader(layout, warnings)
    sections = split_sections(lines, layout, warnings)
    seen: dict[int, int] = {}
    for section in sections:
        if section.spec is not None:
            seen[id(section.spec)] = seen.get(id(section.spec), 0) + 1
            if seen[id(section.spec)] == 2 and not section.spec.record and section.spec.text is None:
                warnings.add("duplicate_section", f"section {section.name!r} appears twice", section.heading)
        reader.read_section(section)
    for spec in layout.sections:
        if not spec.optional and id(spec) not in seen:
            warnings.add("missing_section", f"section {spec.name!r} not found")
    values = {"fund": fund, "period": layout.period, **reader.values}
    for key, value in layout.defaults.items():
        values.setdefault(key, value)
    code = values.get("code")
    if code is not None and not _CODE.match(code):
        warnings.add("unusual_code", f"project code {code!r} is not a letter and five digits")
    project = _nest(values)
    project["extra_fields"] = reader.extra_fields
    return project


def parse_lines(lines: Sequence[Line], layouts: Sequence[LayoutSpec] | None = None) -> ParsedText:
    """Parse a document's clean lines: a description of a known layout, or ``other``."""
    layouts = builtin_layouts() if layouts is None else layouts
    text = "\n".join(line.text for line in lines)
    warnings = _Warnings()
    found = recognise(lines, layouts)
    if found is None:
        title = lines[0].text if lines and len(lines[0].text) <= 200 else None
        return ParsedText("other", None, title, warnings, None, text)
    layout, title_index, fund = found
    if title_index is None:
        title = None
        body = list(lines)
        warnings.add("missing_title", f"no title line; recognised as {layout.name} by its labels, so the fund is unknown")
    else:
        title = lines[title_index].text
        body = list(lines[title_index + 1 :])
        for line in lines[:title_index]:
            warnings.add("unrecognised_line", f"a line before the title: {line.text!r}", line)
    project = read_project(body, layout, fund, warnings)
    return ParsedText("description", layout.name, title, warnings, project, text)


__all__ = ["ParsedText", "parse_lines", "read_project", "recognise", "split_sections"]
