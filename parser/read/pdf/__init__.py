"""Read a PDF into lines, with what its geometry says about paragraphs and page breaks.

An engine (pypdfium2 by default, pdfplumber selectable) turns each page into *segments*: pieces of
text on one baseline with their position. Everything after that is shared, so both engines give
the same lines for the same PDF: segments are grouped into visual lines top to bottom, a blank
line marks a paragraph gap, and two flags carry what only the geometry knows:

* ``soft_wrapped``: the page width wrapped the line, the next line continues its paragraph;
* ``page_break_before``: the line is the first of a page after the first.

Page headers and footers are kept and lines are not joined; the clean stage does that. Headers
and footers are only *recognised* here (text repeated at the same place on most pages), because
a paragraph that continues on the next page continues after them.
"""

from __future__ import annotations

import ctypes
import io
import math
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from ..lines import Line, UnreadableDocument

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
_DIGITS = re.compile(r"\d+")
#: A run of PDFium text on one line. PDFium joins a line that ends in a hyphen to the next one,
#: turning the hyphen into U+FFFE without a line break, so that character ends a run too.
_PDFIUM_RUN = re.compile("[^\r\n\ufffe]*\ufffe|[^\r\n\ufffe]+")
_SPACE_RUN = re.compile(r"\s+")


@dataclass(slots=True)
class _Segment:
    """A piece of text on one baseline as an engine saw it; distances in points.

    ``bottom`` is the descender line measured from the top of the page (it grows downwards), the
    same measure in both engines. ``first_advance`` is the distance from ``left`` to the start of
    the second word (the first word and the space after it) and ``space`` the width of that
    space; both ``None`` for a single word.
    """

    text: str
    left: float
    right: float
    bottom: float
    size: float
    first_advance: float | None
    space: float | None


@dataclass(slots=True)
class _Page:
    """One page as an engine saw it."""

    width: float
    height: float
    segments: list[_Segment]


@dataclass(slots=True)
class _VisualLine:
    """Segments that share a line on the page, joined left to right."""

    text: str
    left: float
    right: float
    bottom: float
    size: float
    first_advance: float | None
    space: float | None


# --- Engines: bytes -> pages of segments ---------------------------------------------------


def _pdfium_pages(data: bytes, max_pages: int) -> list[_Page]:
    """Read every page with pypdfium2, one PDFium call per line rather than per character."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    raw = pdfium_c.FPDF_LoadMemDocument64(data, len(data), None)
    if not raw:
        raise _pdfium_load_error(pdfium_c.FPDF_GetLastError(), pdfium_c)
    document = pdfium.PdfDocument(raw)
    try:
        count = len(document)
        _check_page_count(count, max_pages)
        pages = []
        for number in range(count):
            try:
                page = document[number]
            except pdfium.PdfiumError:
                raise UnreadableDocument(
                    f"damaged PDF: page {number + 1} of {count} could not be read"
                ) from None
            try:
                pages.append(_pdfium_page(page, pdfium_c))
            finally:
                page.close()
        return pages
    finally:
        # The document points into ``data``; close it before the bytes may go away.
        document.close()


def _pdfium_load_error(code: int, pdfium_c) -> UnreadableDocument:
    """The user's message for a PDFium load failure code."""
    if code == pdfium_c.FPDF_ERR_PASSWORD:
        return UnreadableDocument("PDF is encrypted (a password is needed)")
    if code == pdfium_c.FPDF_ERR_SECURITY:
        return UnreadableDocument("PDF is encrypted with an unsupported security handler")
    return UnreadableDocument("damaged PDF: no pages could be read")


def _pdfium_page(page, pdfium_c) -> _Page:
    """The segments of one PDFium page: its text split at PDFium's own line breaks."""
    width, height = page.get_size()
    # Positions count from the page's lower left corner, as pdfplumber's do.
    origin_x, origin_y, _, _ = page.get_mediabox()
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range()
        probe = _PdfiumProbe(textpage.raw, pdfium_c, text)
        segments = []
        for match in _PDFIUM_RUN.finditer(text):
            for segment in _pdfium_segments(probe, match.group(), match.start()):
                segment.left -= origin_x
                segment.right -= origin_x
                segment.bottom = height - (segment.bottom - origin_y)
                segments.append(segment)
        return _Page(width, height, segments)
    finally:
        textpage.close()


class _PdfiumProbe:
    """Geometry of single characters of a PDFium text page, with reusable ctypes buffers."""

    def __init__(self, textpage, pdfium_c, text: str) -> None:
        self.textpage = textpage
        self.c = pdfium_c
        self.units = _utf16_offsets(text)
        self.rect = pdfium_c.FS_RECTF()
        self.matrix = pdfium_c.FS_MATRIX()
        self.x = ctypes.c_double()
        self.y = ctypes.c_double()

    def char_index(self, position: int) -> int:
        """The character behind a position in the page's text (PDFium may add or drop some)."""
        text_index = position if self.units is None else self.units[position]
        index = self.c.FPDFText_GetCharIndexFromTextIndex(self.textpage, text_index)
        return index if index >= 0 else text_index

    def origin_x(self, index: int) -> float:
        """Where the glyph's advance starts: boxes reach further left for glyphs such as "J"."""
        self.c.FPDFText_GetCharOrigin(self.textpage, index, self.x, self.y)
        return self.x.value

    def loose_box(self, index: int):
        """The character's box over the font's ascent and descent and its advance width."""
        self.c.FPDFText_GetLooseCharBox(self.textpage, index, self.rect)
        return self.rect

    def size(self, index: int) -> float:
        """The effective font size: scaled by the text and page matrices, as pdfminer reports it."""
        size = self.c.FPDFText_GetFontSize(self.textpage, index)
        if self.c.FPDFText_GetMatrix(self.textpage, index, self.matrix):
            size *= math.hypot(self.matrix.c, self.matrix.d)
        return size


def _utf16_offsets(text: str) -> list[int] | None:
    """UTF-16 positions of the characters of ``text``, or ``None`` when they equal str positions.

    PDFium counts text in UTF-16 units, so after a character outside the Basic Multilingual
    Plane (an emoji) a Python string position is one short. Such pages are rare: check in C.
    """
    if len(text.encode("utf-16-le")) == 2 * len(text):
        return None
    offsets, unit = [], 0
    for char in text:
        offsets.append(unit)
        unit += 2 if ord(char) > 0xFFFF else 1
    return offsets


def _pdfium_segments(probe: _PdfiumProbe, piece: str, offset: int) -> list[_Segment]:
    """The segments of a run of PDFium text starting at ``offset`` in the page's text.

    A run is normally one segment. Should PDFium have joined text from two lines into one run
    (its first and last characters on different lines), the run is split character by
    character: slow, but only for such runs. ``bottom`` stays in PDF coordinates (upwards).
    """
    stripped = piece.strip()
    if not stripped:
        return []
    start = offset + (len(piece) - len(piece.lstrip()))
    end = start + len(stripped) - 1
    first, last = probe.char_index(start), probe.char_index(end)
    first_box = probe.loose_box(first)
    left, bottom = probe.origin_x(first), first_box.bottom
    size = probe.size(first)
    last_box = probe.loose_box(last)
    right = last_box.right
    if abs(last_box.bottom - bottom) > 0.5 * max(size, 1.0) and len(stripped) > 1:
        return _pdfium_split_run(probe, stripped, start)
    first_advance = space = None
    gap = _SPACE_RUN.search(stripped)
    if gap is not None:
        second_word = probe.origin_x(probe.char_index(start + gap.end()))
        first_advance = second_word - left
        space = second_word - probe.loose_box(probe.char_index(start + gap.start() - 1)).right
    return [_Segment(stripped, left, right, bottom, size, first_advance, space)]


def _pdfium_split_run(probe: _PdfiumProbe, text: str, start: int) -> list[_Segment]:
    """Split a run whose characters lie on several lines where the line changes."""
    pieces = []
    piece_start = 0
    bottom = probe.loose_box(probe.char_index(start)).bottom
    for position in range(1, len(text)):
        if text[position].isspace():
            continue
        index = probe.char_index(start + position)
        here = probe.loose_box(index).bottom
        if abs(here - bottom) > 0.5 * max(probe.size(index), 1.0):
            pieces.append((piece_start, position))
            piece_start = position
        bottom = here
    pieces.append((piece_start, len(text)))
    segments = []
    for begin, stop in pieces:
        segments.extend(_pdfium_segments(probe, text[begin:stop], start + begin))
    return segments


def _pdfplumber_pages(data: bytes, max_pages: int) -> list[_Page]:
    """Read every page with pdfplumber's text lines (slow: a Python object per character)."""
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as document:
        _check_page_count(len(document.pages), max_pages)
        pages = []
        for page in document.pages:
            lines = page.extract_text_lines(return_chars=True)
            segments = [s for s in map(_pdfplumber_segment, lines) if s is not None]
            pages.append(_Page(float(page.width), float(page.height), segments))
            # Keep memory flat on long documents: the page's objects are not needed again.
            page.close()
        return pages


def _pdfplumber_segment(line: dict) -> _Segment | None:
    """One segment from a pdfplumber text line and its (space-free) characters."""
    text = " ".join(line["text"].split())
    chars = [char for char in line["chars"] if not char["text"].isspace()]
    if not text or not chars:
        return None
    first, last = chars[0], chars[-1]
    first_advance = space = None
    first_word = text.split(" ", 1)[0]
    if len(first_word) < len(text):
        # Walk the characters of the first word; the next character starts the second word.
        covered = 0
        for position, char in enumerate(chars):
            covered += len(char["text"])
            if covered >= len(first_word) and position + 1 < len(chars):
                second_word = float(chars[position + 1]["x0"])
                first_advance = second_word - float(first["x0"])
                space = second_word - float(char["x1"])
                break
    return _Segment(
        text=text,
        left=float(first["x0"]),
        right=float(last["x1"]),
        bottom=float(first["bottom"]),
        size=float(first["size"]),
        first_advance=first_advance,
        space=space,
    )


#: Engine name -> function reading the pages of a PDF into segments.
PDF_ENGINES: dict[str, Callable[[bytes, int], list[_Page]]] = {
    "pdfium": _pdfium_pages,
    "pdfplumber": _pdfplumber_pages,
}


def _check_page_count(count: int, max_pages: int) -> None:
    """Refuse an empty PDF and one with more pages than we are willing to read."""
    if count < 1:
        raise UnreadableDocument("damaged PDF: no pages could be read")
    if count > max_pages:
        raise UnreadableDocument(f"PDF has {count} pages, more than the limit of {max_pages}")


# --- The public reader ---------------------------------------------------------------------


def read_pdf(data: bytes, engine: str = "pdfium", max_pages: int = 1000) -> tuple[list[Line], int]:
    """Read PDF bytes into lines and return them with the page count.

    Blank lines mark paragraph gaps; ``soft_wrapped`` and ``page_break_before`` carry what the
    page geometry says (see the module docstring). Raises ``UnreadableDocument`` with a one-line
    message for anything that cannot be read: not a PDF, encrypted, damaged, too many pages, or
    no text at all (a scan).
    """
    if engine not in PDF_ENGINES:
        raise ValueError(f"unknown PDF engine {engine!r}; choose one of {sorted(PDF_ENGINES)}")
    data = bytes(data)  # PDFium reads from the buffer itself: no bytearray or memoryview
    _check_signature(data)
    try:
        pages = PDF_ENGINES[engine](data, max_pages)
    except UnreadableDocument:
        raise
    except Exception as error:  # noqa: BLE001 - no library exception may reach the user
        raise _library_error(error) from None
    lines = _build_lines(pages)
    if not lines:
        if b"%%EOF" not in data[-1024:]:
            # PDFium rebuilt the page tree of a file cut short, but the text was in the lost part.
            raise UnreadableDocument("damaged PDF: the file is cut short and no text could be read")
        raise UnreadableDocument("PDF has no text: it may be a scanned image (OCR is not supported)")
    return lines, len(pages)


#: File signatures of what people upload instead of a PDF, for a helpful message.
_SIGNATURES = [
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"PK\x03\x04", "a ZIP archive (a Word, Excel or OpenDocument file?)"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"{\\rtf", "an RTF document"),
]


def _check_signature(data: bytes) -> None:
    """Refuse bytes that are not a PDF, saying what they look like instead."""
    if not data:
        raise UnreadableDocument("not a PDF: the file is empty")
    # The PDF header may follow some junk, but within the first kilobyte (as readers allow).
    if b"%PDF-" in data[:1024]:
        return
    for signature, kind in _SIGNATURES:
        if data.startswith(signature):
            raise UnreadableDocument(f"not a PDF: the file starts like {kind}")
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        raise UnreadableDocument("not a PDF: the file is an HTML page")
    raise UnreadableDocument("not a PDF: the file has no PDF header")


def _library_error(error: Exception) -> UnreadableDocument:
    """Translate an engine library's exception into a one-line message for the user."""
    # pdfplumber wraps pdfminer's exceptions (PDFPasswordIncorrect) in its own: look inside.
    causes = [error, *error.args, error.__cause__, error.__context__]
    names = " ".join(type(cause).__name__.lower() for cause in causes if isinstance(cause, Exception))
    if "password" in names or "encrypt" in names:
        return UnreadableDocument("PDF is encrypted (a password is needed)")
    if isinstance(error, MemoryError):
        return UnreadableDocument("PDF is too large to read")
    return UnreadableDocument("damaged PDF: its contents could not be read")


# --- Shared geometry: pages of segments -> lines -------------------------------------------


def _build_lines(pages: list[_Page]) -> list[Line]:
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
        for index, line in enumerate(lines):
            key = (number, index)
            if index > 0 and _is_paragraph_gap(lines[index - 1], line, spacing):
                out.append(Line("", len(out) + 1, page=number + 1))
            wrapped = False
            if key not in furniture and key in next_body:
                following = next_body[key]
                after = visual[following[0]][following[1]]
                edge = right_edge(pages[number].width)
                if following[0] == number:
                    wrapped = (
                        following[1] == index + 1
                        and not _is_paragraph_gap(line, after, spacing)
                        and _would_not_fit(line, after, edge, space_em)
                    )
                else:
                    room = lowest - line.bottom + PAGE_END_ROOM_TOLERANCE_PT
                    wrapped = room < PAGE_END_ROOM_LINES * spacing * line.size and _would_not_fit(
                        line, after, edge, space_em
                    )
            out.append(
                Line(
                    line.text,
                    len(out) + 1,
                    page=number + 1,
                    page_break_before=number > 0 and index == 0,
                    soft_wrapped=wrapped,
                )
            )
    return out


def _clean_text(text: str) -> str:
    """Line text as the user reads it: line-end hyphens restored, whitespace collapsed."""
    # A line-end hyphen comes out of PDFium as U+FFFE (older builds: STX). (str.replace is many
    # times faster than str.translate on non-ASCII text.)
    text = text.replace("\ufffe", "-").replace("\x02", "-")
    return " ".join(_CONTROL_CHARS.sub("", text).split())


def _visual_lines(segments: list[_Segment]) -> list[_VisualLine]:
    """Group segments into lines top to bottom; segments side by side are joined with a space.

    Two segments share a line when their text bands (a font size high, above the descender
    line) overlap by more than half the smaller one, so superscripts stay on their line.
    """
    groups: list[list[_Segment]] = []
    for segment in sorted(segments, key=lambda s: s.bottom):
        if groups and _same_line(groups[-1], segment):
            groups[-1].append(segment)
        else:
            groups.append([segment])
    lines = []
    for group in groups:
        group.sort(key=lambda s: s.left)
        text = _clean_text(" ".join(s.text for s in group))
        if not text:
            continue
        first = group[0]
        advance, space = first.first_advance, first.space
        if advance is None and len(group) > 1:
            advance = group[1].left - first.left
            space = group[1].left - first.right
        lines.append(
            _VisualLine(
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


def _same_line(group: list[_Segment], segment: _Segment) -> bool:
    """Whether ``segment`` overlaps the band of the line being collected enough to join it."""
    top = min(s.bottom - s.size for s in group)
    bottom = max(s.bottom for s in group)
    overlap = min(bottom, segment.bottom) - max(top, segment.bottom - segment.size)
    return overlap > 0.5 * min(bottom - top, segment.size)


def _furniture(pages: list[list[_VisualLine]]) -> set[tuple[int, int]]:
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


def _normal_spacing(pages: list[list[_VisualLine]]) -> float:
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


def _space_width(pages: list[list[_VisualLine]]) -> float:
    """The document's median width of a space between words, in units of the font size."""
    widths = sorted(
        line.space / line.size
        for lines in pages
        for line in lines
        if line.space is not None and line.size > 0 and 0 < line.space < MAX_SPACE_EM * line.size
    )
    return widths[len(widths) // 2] if widths else SPACE_EM


def _is_paragraph_gap(before: _VisualLine, after: _VisualLine, spacing: float) -> bool:
    """Whether the space between two lines of a page is clearly more than a line's spacing."""
    if after.size <= 0:
        return False
    return (after.bottom - before.bottom) / after.size > spacing + PARAGRAPH_GAP_EM


def _right_edge(pages: list[_Page], body: list[list[_VisualLine]]) -> Callable[[float], float]:
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


def _would_not_fit(line: _VisualLine, after: _VisualLine, edge: float, space_em: float) -> bool:
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
