"""The geometry every PDF engine shares: pages of segments into lines, blanks and flags.

Segments are grouped into visual lines top to bottom, a blank line marks a paragraph gap, and
two flags carry what only the geometry knows:

* ``soft_wrapped``: the page width wrapped the line, the next line continues its paragraph;
* ``page_break_before``: the line is the first of a page after the first;
* ``furniture``: the line is a running header or footer (text repeated at the same place on
  most pages).

Page headers and footers are kept and lines are not joined; the clean stage does that. Headers
and footers are only *recognised* and flagged here, because a paragraph that continues on the
next page continues after them, and the clean stage must see where the page was crossed.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable
from operator import attrgetter

from ..lines import Line
from .pages import Page, Segment

# --- Thresholds of the geometry heuristics (font-size units, "em", unless said otherwise) ---

#: The normal line spacing of a document is the 10th percentile of its baseline-to-baseline
#: ratios (pitch / font size): low enough to be a line inside a paragraph even when most lines
#: are one-line paragraphs, high enough to ignore the odd superscript.
NORMAL_SPACING_PERCENTILE = 0.10
#: Clamp for the normal spacing, so a document made only of one-line paragraphs (where the
#: percentile is itself a paragraph gap) still shows its gaps: real line heights are 1.0-1.6 em.
NORMAL_SPACING_RANGE = (1.0, 1.6)
#: A paragraph gap is this much more than the normal spacing. Browsers put about 1 em between
#: paragraphs (p margins); 0.4 em leaves room for line-height differences between fonts.
PARAGRAPH_GAP_EM = 0.4
#: The width of a space, when the next line is a single word, is measured on the line before
#: (same paragraph, same font), else the document's median; failing both, this (DejaVu Sans has
#: 0.32 em, Helvetica 0.28, Times 0.25). A measured space of an em or more is a tab stop or
#: justified text, not a space.
SPACE_EM = 0.28
MAX_SPACE_EM = 1.0
#: A next word that would end within this distance (points) of the text block's right edge
#: counts as not fitting. Layout engines compare exact widths, but the file keeps rounded
#: positions (fpdf2 writes 0.01 pt, PDFium reads 32-bit floats): a word that overflowed by a
#: hair measures as ending exactly on the edge. A word that really fitted with less than this
#: to spare is far rarer. Kept small: wrapped lines can miss the edge by only 0.2 pt.
RIGHT_EDGE_SLACK_PT = 0.05
#: A continuation line starts at the paragraph's left edge; one starting further right than this
#: (a table column, a right-aligned value) does not continue the line above.
CONTINUATION_INDENT_EM = 3.0
#: Lines within this distance of the longest line's right edge "touch" the text block's edge,
#: and a symmetric-margin edge further right than this from the longest line is not the edge.
RIGHT_EDGE_NEAR_EM = 1.0
#: This many lines touching one right edge establish it as the text block's edge (wrapped text
#: does); with fewer, we keep to margins as wide on the right as on the left.
RIGHT_EDGE_MIN_LINES = 3
#: A page's last line continues on the next page only if there was no room for one more line
#: below it, room being measured against the lowest line on any page. Browsers keeping widows
#: (CSS widows: 2) may move a line over although it would fit; we then miss the continuation
#: rather than guess it, and the clean stage can still heal it at ``page_break_before``.
PAGE_END_ROOM_LINES = 1.0
#: Slack (points) for "one more line would fit": only rounding, since the lowest line on some
#: page shows exactly how low a line may go.
PAGE_END_ROOM_TOLERANCE_PT = 0.1
#: How many lines at the top and at the bottom of a page may be running headers or footers.
FURNITURE_ZONE_LINES = 3
#: Headers and footers repeat within this vertical distance (points) on most pages.
FURNITURE_POSITION_TOLERANCE_PT = 3.0

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_BOTTOM, _LEFT = attrgetter("bottom"), attrgetter("left")
_DIGITS = re.compile(r"\d+")


#: The segments that share a line on the page, joined left to right: one segment itself.
VisualLine = Segment



def build_lines(pages: list[Page]) -> list[Line]:
    """Turn the engines' pages into ``Line`` objects with blanks and flags."""
    visual = [_visual_lines(page.segments) for page in pages]
    furniture = _furniture(visual)
    body = [
        [line for index, line in enumerate(lines) if (number, index) not in furniture]
        for number, lines in enumerate(visual)
    ]
    spacing = _normal_spacing(body)
    right_edge = _right_edge(pages, body)
    space_em = _space_width(body)
    lowest = max((lines[-1].bottom for lines in body if lines), default=0.0)

    # Each body line's successor among body lines, anywhere in the document.
    order = [(number, index) for number, lines in enumerate(visual) for index in range(len(lines))]
    body_order = [key for key in order if key not in furniture]
    next_body = dict(zip(body_order, body_order[1:]))

    out: list[Line] = []
    for number, lines in enumerate(visual):
        edge = right_edge(pages[number].width)
        # Whether a paragraph gap comes before each line of the page (never before its first).
        gaps = [False, *[_is_paragraph_gap(before, after, spacing) for before, after in zip(lines, lines[1:])]]
        for index, line in enumerate(lines):
            key = (number, index)
            if gaps[index]:
                out.append(Line("", len(out) + 1, number + 1))
            flagged = key in furniture
            wrapped = False
            following = None if flagged else next_body.get(key)
            if following is not None:
                after = visual[following[0]][following[1]]
                if following[0] == number:
                    wrapped = (
                        following[1] == index + 1
                        and not gaps[index + 1]
                        and _would_not_fit(line, after, edge, space_em)
                    )
                else:
                    room = lowest - line.bottom + PAGE_END_ROOM_TOLERANCE_PT
                    wrapped = room < PAGE_END_ROOM_LINES * spacing * line.size and _would_not_fit(
                        line, after, edge, space_em
                    )
            # text, number, page, page_break_before, soft_wrapped, furniture
            out.append(Line(line.text, len(out) + 1, number + 1, number > 0 and index == 0, wrapped, flagged))
    return out


def _clean_text(text: str) -> str:
    """Line text as the user reads it: line-end hyphens restored, whitespace collapsed."""
    # Most lines need nothing: the hyphen marks, control characters and any whitespace but the
    # space are all unprintable, so a printable line with single spaces inside is as it stays.
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    # A line-end hyphen comes out of PDFium as U+FFFE (older builds: STX). (str.replace is many
    # times faster than str.translate on non-ASCII text.)
    text = text.replace("\ufffe", "-").replace("\x02", "-")
    return " ".join(_CONTROL_CHARS.sub("", text).split())


def _visual_lines(segments: list[Segment]) -> list[VisualLine]:
    """Group segments into lines top to bottom; segments side by side are joined with a space.

    Two segments share a line when their text bands (a font size high, above the descender
    line) overlap by more than half the smaller one, so superscripts stay on their line.
    """
    groups: list[list[Segment]] = []
    # The band of the line being collected: the highest top and the lowest bottom of its
    # segments, kept as they join rather than worked out again for each segment.
    top = bottom = 0.0
    for segment in sorted(segments, key=_BOTTOM):
        if groups and _same_line(top, bottom, segment):
            groups[-1].append(segment)
            top, bottom = min(top, segment.bottom - segment.size), max(bottom, segment.bottom)
        else:
            groups.append([segment])
            top, bottom = segment.bottom - segment.size, segment.bottom
    lines = []
    for group in groups:
        if len(group) == 1:  # most lines: one segment, which is the line as it is
            (first,) = group
            text = _clean_text(first.text)
            if text is first.text:
                lines.append(first)  # nothing changes a segment or a line once read: no copy
            elif text:
                lines.append(VisualLine(text, first.left, first.right, first.bottom, first.size, first.first_advance, first.space))
            continue
        group.sort(key=_LEFT)
        text = _clean_text(" ".join(s.text for s in group))
        if not text:
            continue
        first = group[0]
        advance, space = first.first_advance, first.space
        if advance is None:
            advance = group[1].left - first.left
            space = group[1].left - first.right
        lines.append(
            VisualLine(
                text=text,
                left=first.left,
                right=max(s.right for s in group),
                bottom=max(s.bottom for s in group),
                size=max(s.size for s in group),
                first_advance=advance,
                space=space,
            )
        )
    return lines


def _same_line(top: float, bottom: float, segment: Segment) -> bool:
    """Whether ``segment`` overlaps the band of the line being collected (from ``top`` down to
    ``bottom``) enough to join it."""
    overlap = min(bottom, segment.bottom) - max(top, segment.bottom - segment.size)
    return overlap > 0.5 * min(bottom - top, segment.size)


def _furniture(pages: list[list[VisualLine]]) -> set[tuple[int, int]]:
    """(page, line) keys of running headers and footers.

    A header or footer is a line near the top or bottom of a page whose text, digits aside (page
    numbers, dates), recurs at the same height on at least half of the pages (and on two).
    """
    if len(pages) < 2:
        return set()
    needed = max(2, math.ceil(len(pages) / 2))
    candidates: dict[str, list[tuple[int, int, float]]] = defaultdict(list)
    for number, lines in enumerate(pages):
        zone = set(range(min(FURNITURE_ZONE_LINES, len(lines))))
        zone |= set(range(max(0, len(lines) - FURNITURE_ZONE_LINES), len(lines)))
        for index in zone:
            line = lines[index]
            candidates[_DIGITS.sub("#", line.text)].append((number, index, line.bottom))
    furniture = set()
    for occurrences in candidates.values():
        if len({number for number, _, _ in occurrences}) < needed:
            continue
        for number, index, bottom in occurrences:
            pages_here = {
                other
                for other, _, other_bottom in occurrences
                if abs(other_bottom - bottom) <= FURNITURE_POSITION_TOLERANCE_PT
            }
            if len(pages_here) >= needed:
                furniture.add((number, index))
    return furniture


def _normal_spacing(pages: list[list[VisualLine]]) -> float:
    """The document's ordinary baseline-to-baseline distance, in units of the font size."""
    ratios = sorted(
        (after.bottom - before.bottom) / after.size
        for lines in pages
        for before, after in zip(lines, lines[1:])
        if after.size > 0 and after.bottom > before.bottom
    )
    low, high = NORMAL_SPACING_RANGE
    if not ratios:
        return low
    percentile = ratios[int(NORMAL_SPACING_PERCENTILE * (len(ratios) - 1))]
    return min(max(percentile, low), high)


def _space_width(pages: list[list[VisualLine]]) -> float:
    """The document's median width of a space between words, in units of the font size."""
    widths = sorted(
        line.space / line.size
        for lines in pages
        for line in lines
        if line.space is not None and line.size > 0 and 0 < line.space < MAX_SPACE_EM * line.size
    )
    return widths[len(widths) // 2] if widths else SPACE_EM


def _is_paragraph_gap(before: VisualLine, after: VisualLine, spacing: float) -> bool:
    """Whether the space between two lines of a page is clearly more than a line's spacing."""
    if after.size <= 0:
        return False
    return (after.bottom - before.bottom) / after.size > spacing + PARAGRAPH_GAP_EM


def _right_edge(pages: list[Page], body: list[list[VisualLine]]) -> Callable[[float], float]:
    """A function giving the text block's right edge for a page of a given width.

    Browsers print with a right margin as wide as the left one, so the edge is the page width
    less the left margin, and never less than the longest line. But when several lines end
    together well inside that edge, wrapping made *their* edge: the text block is narrower
    than the page (a layout with a side column), and the longest line marks the edge.
    """
    lines = [line for page in body for line in page]
    if not lines:
        return lambda width: width
    longest = max(line.right for line in lines)
    left = min(line.left for line in lines)
    em = sorted(line.size for line in lines)[len(lines) // 2]
    near = sum(1 for line in lines if line.right >= longest - RIGHT_EDGE_NEAR_EM * line.size)

    def edge(width: float) -> float:
        symmetric = width - left
        if near >= RIGHT_EDGE_MIN_LINES and symmetric - longest > RIGHT_EDGE_NEAR_EM * em:
            return longest
        return max(longest, symmetric)

    return edge


def _would_not_fit(line: VisualLine, after: VisualLine, edge: float, space_em: float) -> bool:
    """Whether the first word of ``after`` would have overflowed the block after ``line``.

    This is the soft-wrap test: a browser moves a word to the next line only when it does not
    fit, so if it would have fitted, the line ended for another reason (a paragraph or <br>).
    """
    if after.left > line.left + CONTINUATION_INDENT_EM * line.size:
        return False
    advance = after.first_advance
    if advance is None:
        space = line.space
        if space is None or not 0 < space < MAX_SPACE_EM * line.size:
            space = space_em * after.size
        advance = after.right - after.left + space
    return line.right + advance > edge - RIGHT_EDGE_SLACK_PT
