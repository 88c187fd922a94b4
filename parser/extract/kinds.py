"""Section kinds: what the engine does with a section, by what its declaration names.

A layout's section declares at most one kind (:attr:`parser.extract.layouts.SectionSpec.kind`);
:data:`SECTION_KINDS` maps each kind to its reader. A new kind of section is a function here
and a line in the registry, and its declaration model in :mod:`parser.extract.layouts`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .fields import extract_fields
from .labels import label_line, looks_like_label
from .layouts import normalise_label
from .values import CONVERTERS

if TYPE_CHECKING:
    from .engine import Extraction
    from .sections import Section


def extract_fields_section(extraction: Extraction, section: Section) -> None:
    """``fields``: the section's ``Label: value`` lines fill the project."""
    extract_fields(extraction, section, section.spec.fields, extraction.values)


def extract_record_section(extraction: Extraction, section: Section) -> None:
    """``record``: the section is one item of a list member (an indicator)."""
    spec = section.spec
    record = dict(spec.record.values)
    extract_fields(extraction, section, spec.fields, record)
    extraction.values.setdefault(spec.record.into, []).append(record)


def extract_text_section(extraction: Extraction, section: Section) -> None:
    """``text``: the section's lines are one text; a second copy of it goes to ``extra_fields``."""
    key = section.spec.text
    text = "\n".join([line.text for line in section.lines]) or None
    if extraction.values.get(key) is not None and text:
        extraction.extra(section.name, section.name, text, section.heading, "duplicate_section", "appears again in the same document")
    elif text is not None or key not in extraction.values:
        extraction.values[key] = text


def extract_table_section(extraction: Extraction, section: Section) -> None:
    """``table``: a scored table of group lines, row lines and the justification lines under them."""
    table = section.spec.table
    row_pattern = table.row_pattern
    headers = table.header_keys
    groups = table.group_names
    rows: list[dict[str, Any]] = extraction.values.setdefault(table.into, [])
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
                current[name] = CONVERTERS[kind](value or "", lambda c, m, line=line: extraction.warnings.add(c, f"{section.name}: {m}", line))
            rows.append(current)
        elif current is not None:
            previous = current[table.continuation_key]
            current[table.continuation_key] = f"{previous}\n{line.text}" if previous else line.text
        else:
            extraction.unplaced(section.name, line)
    if not any(row for row in rows):
        extraction.warnings.add("empty_table", f"no rows found in section {section.name!r}", section.heading)


def extract_flag_section(extraction: Extraction, section: Section) -> None:
    """``flag``: the section's one sentence sets a key to true (``Esimerkkihanke``)."""
    flag = section.spec.flag
    for line in section.lines:
        if normalise_label(line.text) == flag.normalised_text:
            extraction.values[flag.key] = True
        else:
            extraction.unplaced(section.name, line)


def extract_group_section(extraction: Extraction, section: Section) -> None:
    """A heading that only groups subsections: any line of its own is unexpected."""
    for line in section.lines:
        extraction.unplaced(section.name, line)


#: Section kind -> the function that reads such a section into the extraction.
SECTION_KINDS: dict[str, Callable[[Extraction, Section], None]] = {
    "fields": extract_fields_section,
    "record": extract_record_section,
    "text": extract_text_section,
    "table": extract_table_section,
    "flag": extract_flag_section,
    "group": extract_group_section,
}


def extract_unknown_section(extraction: Extraction, section: Section) -> None:
    """A section the layout does not declare: its labels and its free text go to ``extra_fields``;
    the lines before the first heading are reported one by one."""
    if section.heading is None:
        for line in section.lines:
            extraction.unplaced("", line)
        return
    text: list[str] = []
    for line in section.lines:
        match = label_line(line.text)
        if match and looks_like_label(match["label"]):
            extraction.extra_fields.append({"section": section.name or None, "label": match["label"], "value": match["value"] or None})
        else:
            text.append(line.text)
    if text:
        extraction.extra_fields.append({"section": section.name or None, "label": section.name, "value": "\n".join(text)})
