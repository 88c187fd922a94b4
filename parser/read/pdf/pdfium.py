"""The default PDF engine: pypdfium2, one PDFium call per line rather than per character."""

from __future__ import annotations

import ctypes
import math
import re

from ..lines import UnreadableDocument
from .pages import Page, Segment, check_page_count

#: A run of PDFium text on one line. PDFium joins a line that ends in a hyphen to the next one,
#: turning the hyphen into U+FFFE without a line break, so that character ends a run too.
_PDFIUM_RUN = re.compile("[^\r\n\ufffe]*\ufffe|[^\r\n\ufffe]+")
_SPACE_RUN = re.compile(r"\s+")


def read_pages(data: bytes, max_pages: int) -> list[Page]:
    """Read every page with pypdfium2, one PDFium call per line rather than per character."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    raw = pdfium_c.FPDF_LoadMemDocument64(data, len(data), None)
    if not raw:
        raise _pdfium_load_error(pdfium_c.FPDF_GetLastError(), pdfium_c)
    document = pdfium.PdfDocument(raw)
    try:
        count = len(document)
        check_page_count(count, max_pages)
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


def _pdfium_page(page, pdfium_c) -> Page:
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
        return Page(width, height, segments)
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


def _pdfium_segments(probe: _PdfiumProbe, piece: str, offset: int) -> list[Segment]:
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
    return [Segment(stripped, left, right, bottom, size, first_advance, space)]


def _pdfium_split_run(probe: _PdfiumProbe, text: str, start: int) -> list[Segment]:
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

