"""Recognise a document's layout: by its title line, or failing that by a keyword label."""

from __future__ import annotations

from collections.abc import Sequence

from ..read.lines import Line
from .labels import label_line
from .layouts import LayoutSpec, normalise_label

#: How far from the top the title line may stand (page headers come first).
TITLE_WINDOW = 25


def recognise(lines: Sequence[Line], layouts: Sequence[LayoutSpec]) -> tuple[LayoutSpec, int | None, str | None] | None:
    """Find the layout of a document; ``None`` when it is no description of a known layout.

    Returns the layout, the index of the title line (``None`` when only a keyword was found) and
    the fund named in the title.
    """
    for layout in layouts:
        pattern = layout.title_pattern
        for index, line in enumerate(lines[:TITLE_WINDOW]):
            match = pattern.match(line.text)
            if match:
                return layout, index, match["fund"].upper()
    for layout in layouts:
        keywords = layout.keyword_labels
        for line in lines:
            match = label_line(line.text)
            if match and normalise_label(match["label"]) in keywords:
                return layout, None, None
    return None
