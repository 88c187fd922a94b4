"""Labels: how a ``Label: value`` line written in a document finds the field its layout declares.

A label is found in its own section; failing that as a near-exact variant of one (a typo the
service fixed); failing that as a label that only one other section declares (the line's own
heading was lost). A label declared twice in a section (``Puhelinnumero``) is told apart by the
field's ``after`` condition.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import regex

from ..read.lines import Line
from ..warnings import WarningLog
from .layouts import FieldSpec, LayoutSpec, normalise_label

# "Label: value" — the colon must be followed by a space or end the line, so "http://…" and
# "klo 12:00" are not labels. The label is the text before the first colon less the spaces just
# before the colon, at most 150 characters (one space when there is nothing but spaces). Written
# so, greedily, the pattern matches twice as fast as the lazy ``^(?P<label>[^:]{1,150}?)\s*:``,
# which finds the same labels.
LABEL_LINE = regex.compile(r"^(?P<label>[^:]{0,149}[^:\s]|\s)\s*:(?:\s+(?P<value>.*))?$")
#: How alike an unknown label or heading must be to a declared one to be read as a variant of it.
VARIANT_RATIO = 0.9
#: Short labels are too alike to guess at ("LY-tunnus" is not a misspelt "Y-tunnus").
VARIANT_MIN_LENGTH = 12
#: A full stop, exclamation or question mark ending a sentence inside a text.
_SENTENCE_BREAK = regex.compile(r"[.!?]\s")


def label_line(text: str) -> regex.Match[str] | None:
    """:data:`LABEL_LINE` matched against a line, or ``None``.

    A line without a colon cannot match: most lines of prose have none, and ``in`` finds that
    out many times faster than the pattern does.
    """
    return LABEL_LINE.match(text) if ":" in text else None


def similar(text: str, candidates: dict[str, Any]) -> Any | None:
    """The declaration whose normalised name is nearly ``text`` (a typo the service fixed)."""
    if len(text) < VARIANT_MIN_LENGTH:
        return None
    best = difflib.get_close_matches(text, list(candidates), n=1, cutoff=VARIANT_RATIO)
    return candidates[best[0]] if best else None


def looks_like_label(label: str) -> bool:
    """Whether the text before a colon reads as a label (short, capitalised, not a sentence)."""
    words = label.split()
    return 0 < len(words) <= 8 and len(label) <= 80 and label[:1].isupper() and not _SENTENCE_BREAK.search(label)


@dataclass(frozen=True)
class FieldTable:
    """One section's declared fields arranged for looking lines up in: built once per list of
    fields (:func:`field_table`), not once per line of every document."""

    #: Each normalised label with the fields that declare it, in declaration order.
    by_label: dict[str, tuple[FieldSpec, ...]]
    #: The labels of the fields that may stand alone on their line (``alone``), normalised.
    alone: dict[str, FieldSpec]
    #: ``id()`` of each field: a field found by its label is the section's own, or another's.
    ids: frozenset[int]


#: :func:`field_table`'s tables by the ``id()`` of their list of fields, with the list itself,
#: which keeps the id from being reused while its table is kept.
_FIELD_TABLES: dict[int, tuple[Sequence[FieldSpec], FieldTable]] = {}
#: More lists than any set of layouts declares: only lists made on the fly (tests) go beyond it.
_MAX_FIELD_TABLES = 1024


def field_table(fields: Sequence[FieldSpec]) -> FieldTable:
    """The :class:`FieldTable` of a section's fields, made the first time they are looked up in
    (a list of fields is a declaration's, never changed once it is read)."""
    kept = _FIELD_TABLES.get(id(fields))
    if kept is not None and kept[0] is fields:
        return kept[1]
    by_label: dict[str, tuple[FieldSpec, ...]] = {}
    for spec in fields:
        for label in spec.normalised_labels:
            by_label[label] = (*by_label.get(label, ()), spec)
    alone = {label: spec for spec in fields if spec.alone for label in spec.normalised_labels}
    table = FieldTable(by_label, alone, frozenset(id(spec) for spec in fields))
    if len(_FIELD_TABLES) >= _MAX_FIELD_TABLES:
        _FIELD_TABLES.clear()
    _FIELD_TABLES[id(fields)] = (fields, table)
    return table


class LabelIndex:
    """The labels of one layout, for looking written labels up section by section."""

    def __init__(self, layout: LayoutSpec) -> None:
        # Labels declared in only one section: found elsewhere (a lost heading), still read. The
        # layout works them out once; every document of it makes an index.
        self.unique_labels = layout.unique_labels

    def lookup(
        self, label: str, fields: Sequence[FieldSpec], filled: set[str], line: Line, section: str, warnings: WarningLog
    ) -> FieldSpec | None:
        """The field a label written in ``section`` (whose ``fields`` are declared) stands for.

        ``filled`` holds the keys already filled in the section, for the ``after`` condition.
        """
        key = normalise_label(label)
        candidates = field_table(fields).by_label.get(key, ())
        if not candidates:
            variants = {normalise_label(lbl): f for f in fields for lbl in f.label}
            variant = similar(key, variants)
            if variant is not None:
                warnings.add("label_variant", f"label {label!r} read as {variant.label[0]!r}", line)
                return variant
            elsewhere = self.unique_labels.get(key)
            if elsewhere is not None and not any(elsewhere is own for own in fields):
                warnings.add("label_out_of_section", f"label {label!r} found in section {section!r}, not in its own", line)
                return elsewhere
            return None
        if len(candidates) == 1:
            return candidates[0]
        # A label declared twice (Puhelinnumero) is the one whose "after" condition holds.
        for spec in sorted(candidates, key=lambda f: f.after is None):
            if spec.after is not None and spec.after not in filled:
                continue
            if spec.keys[0] not in filled:
                return spec
        return candidates[0]
