"""Fields: a section's ``Label: value`` lines read into contract keys.

First the lines are grouped into *hits*: a declared label with the lines that belong to it (a
value wrapped onto the next line, the items of a list, a yes/no answer's justification). Then
each hit's value is typed by its declared converter and stored under its key. Every line that
is neither is reported or kept in ``extra_fields``.

A free line continues prose whatever it says, but a typed value (an address, an amount, a date)
only takes the piece a wrap cut from it (:func:`parser.extract.values.continues_value`), with a
``value_continued`` warning: anything else under it is a line of its own, reported.

A label said twice keeps its first value, and the second one whole (its justification lines
too) in ``extra_fields``; but a label in its own section wins over the same label found outside
it, whichever comes first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..clean import join_broken
from ..read.lines import Line
from .labels import field_table, label_line, looks_like_label
from .layouts import FieldSpec, normalise_label
from .values import PAIR_CONVERTERS, PROSE_TYPES, continues_value

if TYPE_CHECKING:
    from .engine import Extraction
    from .sections import Section

#: Stands for an unknown label in a fields section, so its continuation lines are not misread.
UNKNOWN = FieldSpec(label=["(unknown)"], key="(unknown)")


@dataclass(slots=True)
class Hit:
    """One declared field found in a section, with the lines that belong to it."""

    spec: FieldSpec
    label: str
    line: Line
    value: str
    #: The label belongs to another section (its heading was lost): it fills the project.
    elsewhere: bool = False
    items: list[str] = field(default_factory=list)
    following: list[str] = field(default_factory=list)


def collect_hits(extraction: Extraction, section: Section, fields: Sequence[FieldSpec]) -> list[Hit]:
    """Group a fields section's lines into hits; explain or report every other line."""
    expected = section.spec.expected_keys if section.spec else frozenset()
    table = field_table(fields)
    alone, own = table.alone, table.ids
    hits: list[Hit] = []
    filled: set[str] = set()
    for line in section.lines:
        key = normalise_label(line.text)
        if key in expected:
            continue
        if key in alone:
            # The label alone (or with its colon and nothing after it): the lines below are its value.
            hits.append(Hit(alone[key], line.text.rstrip(": "), line, ""))
            filled.update(alone[key].keys)
            continue
        current = hits[-1] if hits else None
        match = label_line(line.text)
        if match:
            spec = extraction.labels.lookup(match["label"], fields, filled, line, section.name, extraction.warnings)
            if spec is not None:
                elsewhere = id(spec) not in own
                hits.append(Hit(spec, match["label"], line, match["value"] or "", elsewhere))
                filled.update(spec.keys)
                continue
            if not (current and current.spec.followed_by) and looks_like_label(match["label"]):
                extraction.extra(section.name, match["label"], match["value"], line, "unknown_label", f"in section {section.name!r} is not a label of the {extraction.layout.name} layout")
                hits.append(Hit(UNKNOWN, match["label"], line, ""))
                continue
        if current is None or current.spec is UNKNOWN:
            extraction.unplaced(section.name, line)
        elif current.spec.followed_by:
            current.following.append(line.text)
        elif current.spec.continuation == "items":
            current.items.append(line.text)
        elif not current.value:
            current.value = line.text  # the value on the line under its label
        elif continues_value(current.spec.type, current.value, line.text, current.spec.options):
            # A value that the page width or a page break carried onto the next line.
            current.value = join_broken(current.value, line.text)
            if current.spec.type not in PROSE_TYPES:
                extraction.warnings.add("value_continued", f"{current.label!r}: the line {line.text!r} is read as the rest of its value, which a wrap cut", line)
        else:
            # Not the rest of the value above it (an address, an amount, a date is whole): a
            # line of its own, which the layout does not explain.
            extraction.unplaced(section.name, line)
    return [hit for hit in hits if hit.spec is not UNKNOWN]


def raw_value(hit: Hit) -> str:
    """Everything a hit holds as written, one line a piece: its value, list items, justification."""
    return "\n".join(piece for piece in (hit.value, *hit.items, *hit.following) if piece.strip())


def extract_fields(extraction: Extraction, section: Section, fields: Sequence[FieldSpec], target: dict[str, Any]) -> None:
    """Fill ``target`` from a section's ``Label: value`` lines (a label found out of its own
    section fills the project's values instead, until its own section says otherwise)."""
    section_target = target
    for hit in collect_hits(extraction, section, fields):
        spec = hit.spec
        target = extraction.values if hit.elsewhere else section_target
        if extraction.provisional and not hit.elsewhere and target is extraction.values:
            _displace_provisional(extraction, section.name, spec)
        if spec.continuation == "items":
            pieces = [p for p in [hit.value, *hit.items] if p.strip()]
            value: Any = [v for v in (extraction.convert(spec, p, hit.line) for p in pieces) if v is not None]
            if spec.key in target and not hit.elsewhere:
                target[spec.key].extend(value)  # a list said again goes on
                continue
            values = [value]
        else:
            converted = extraction.convert(spec, hit.value, hit.line)
            values = list(converted) if spec.type in PAIR_CONVERTERS else [converted]
        if not target.keys().isdisjoint(spec.keys):
            _keep_duplicate(extraction, section.name, hit)
            continue
        target.update(zip(spec.keys, values))
        if spec.followed_by:
            target[spec.followed_by] = "\n".join(hit.following) or None
        if target is extraction.values:
            for key in spec.filled_keys:
                if hit.elsewhere:
                    extraction.provisional[key] = (section.name, hit)
                else:
                    extraction.filled_in[key] = section.name
    for spec in fields:
        if not spec.optional and section_target.keys().isdisjoint(spec.keys):
            extraction.warnings.add("missing_label", f"label {spec.label[0]!r} not found in section {section.name!r}", section.heading)


def _displace_provisional(extraction: Extraction, section: str, spec: FieldSpec) -> None:
    """A label in its own section wins: a value the same label found outside it filled before
    goes to ``extra_fields`` (its ``label_out_of_section`` warning was given where it was found)."""
    displaced: dict[int, tuple[str, Hit]] = {}
    for key in spec.keys:
        if key in extraction.provisional:
            found_in, hit = extraction.provisional[key]
            displaced[id(hit)] = (found_in, hit)  # a pair of keys is one hit, kept once
    for found_in, hit in displaced.values():
        for key in hit.spec.filled_keys:
            extraction.values.pop(key, None)
            extraction.provisional.pop(key, None)
        _keep_duplicate(extraction, found_in, hit, own=section)


def _keep_duplicate(extraction: Extraction, found_in: str, hit: Hit, own: str | None = None) -> None:
    """Keep a hit whose keys are taken in ``extra_fields``, whole (with its justification lines).

    ``own``: the label's own section, which has it too and wins over this hit found outside it;
    by default the section that filled the keys, when this hit is out of its section.
    """
    if own is None and hit.elsewhere:
        own = next((extraction.filled_in[key] for key in hit.spec.keys if key in extraction.filled_in), None)
    why = f"is also in its own section {own!r}, which is used" if own else "appears again in the same document"
    extraction.extra(found_in, hit.label, raw_value(hit), hit.line, "duplicate_label", why)
