"""Labels: how a ``Label: value`` line written in a document finds the field its layout declares.

A label is found in its own section; failing that as a near-exact variant of one (a typo the
service fixed); failing that as a label that only one other section declares (the line's own
heading was lost). A label declared twice in a section (``Puhelinnumero``) is told apart by the
field's ``after`` condition.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

import regex

from ..read.lines import Line
from ..warnings import WarningLog
from .layouts import FieldSpec, LayoutSpec, normalise_label

# "Label: value" — the colon must be followed by a space or end the line, so "http://…" and
# "klo 12:00" are not labels.
LABEL_LINE = regex.compile(r"^(?P<label>[^:]{1,150}?)\s*:(?:\s+(?P<value>.*))?$")
#: How alike an unknown label or heading must be to a declared one to be read as a variant of it.
VARIANT_RATIO = 0.9
#: Short labels are too alike to guess at ("LY-tunnus" is not a misspelt "Y-tunnus").
VARIANT_MIN_LENGTH = 12


def similar(text: str, candidates: dict[str, Any]) -> Any | None:
    """The declaration whose normalised name is nearly ``text`` (a typo the service fixed)."""
    if len(text) < VARIANT_MIN_LENGTH:
        return None
    best = difflib.get_close_matches(text, list(candidates), n=1, cutoff=VARIANT_RATIO)
    return candidates[best[0]] if best else None


def looks_like_label(label: str) -> bool:
    """Whether the text before a colon reads as a label (short, capitalised, not a sentence)."""
    words = label.split()
    return 0 < len(words) <= 8 and len(label) <= 80 and label[:1].isupper() and not regex.search(r"[.!?]\s", label)


class LabelIndex:
    """The labels of one layout, for looking written labels up section by section."""

    def __init__(self, layout: LayoutSpec) -> None:
        # Labels declared in only one section: found elsewhere (a lost heading), still read.
        owners: dict[str, list[FieldSpec]] = {}
        for section in layout.sections:
            if section.record is None:
                for spec in section.fields:
                    for label in spec.label:
                        owners.setdefault(normalise_label(label), []).append(spec)
        self.unique_labels = {label: specs[0] for label, specs in owners.items() if len(specs) == 1}

    def lookup(
        self, label: str, fields: Sequence[FieldSpec], filled: set[str], line: Line, section: str, warnings: WarningLog
    ) -> FieldSpec | None:
        """The field a label written in ``section`` (whose ``fields`` are declared) stands for.

        ``filled`` holds the keys already filled in the section, for the ``after`` condition.
        """
        key = normalise_label(label)
        candidates = [f for f in fields if key in f.normalised_labels]
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
        # A label declared twice (Puhelinnumero) is the one whose "after" condition holds.
        for spec in sorted(candidates, key=lambda f: f.after is None):
            if spec.after is not None and spec.after not in filled:
                continue
            if spec.keys[0] not in filled:
                return spec
        return candidates[0]
