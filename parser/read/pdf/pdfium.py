"""The default PDF engine: pypdfium2, one PDFium call per line rather than per character."""

from __future__ import annotations

import codecs
import ctypes
import functools
import math
import re

from ..lines import UnreadableDocument
from .pages import Page, Segment, check_page_count

#: A run of PDFium text on one line. PDFium joins a line that ends in a hyphen to the next one,
#: turning the hyphen into U+FFFE without a line break, so that character ends a run too.
_PDFIUM_RUN = re.compile("[^\r\n\ufffe]*\ufffe|[^\r\n\ufffe]+")
_SPACE_RUN = re.compile(r"\s+")


def read_pages(data: bytes, max_pages: int) -> list[Page]:
    """Read every page with PDFium (through pypdfium2), one PDFium call per line rather than per
    character."""
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
            # PDFium's own page handles, not pypdfium2's page objects: those register each page
            # and text page to be closed when collected, which costs a page a tenth of what
            # PDFium's reading of it does. Each is closed here, before the document.
            page = pdfium_c.FPDF_LoadPage(raw, number)
            if not page:
                raise UnreadableDocument(f"damaged PDF: page {number + 1} of {count} could not be read")
            try:
                pages.append(_pdfium_page(page, pdfium_c))
            finally:
                pdfium_c.FPDF_ClosePage(page)
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
    """The segments of one PDFium page (a page handle): its text split at PDFium's own line breaks."""
    width, height = pdfium_c.FPDF_GetPageWidthF(page), pdfium_c.FPDF_GetPageHeightF(page)
    # Positions count from the page's lower left corner, as pdfplumber's do.
    origin_x, origin_y = _media_box_origin(page, pdfium_c)
    textpage = pdfium_c.FPDFText_LoadPage(page)
    if not textpage:
        # Any exception but UnreadableDocument becomes read_pdf's "damaged PDF" message.
        raise RuntimeError("PDFium could not load the page's text")
    try:
        text = _page_text(textpage, pdfium_c)
        probe = _PdfiumProbe(textpage, pdfium_c, text, (origin_x, origin_y, height))
        segments = []
        for match in _PDFIUM_RUN.finditer(text):
            segments.extend(_pdfium_segments(probe, match.group(), match.start()))
        return Page(width, height, segments)
    finally:
        pdfium_c.FPDFText_ClosePage(textpage)


def _media_box_origin(page, pdfium_c) -> tuple[float, float]:
    """The lower left corner of the page's media box; without one, the origin, as pypdfium2's
    ``PdfPage.get_mediabox`` falls back to (0, 0, 612, 792)."""
    left, bottom, right, top = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
    if not pdfium_c.FPDFPage_GetMediaBox(page, left, bottom, right, top):
        return 0, 0
    return left.value, bottom.value


def _page_text(textpage, pdfium_c) -> str:
    """The whole text of a text page, as pypdfium2's ``PdfTextPage.get_text_range()`` gives it.

    Characters at either end that are not in the text (PDFium excludes some) are left out of
    the range asked for, so that PDFium does not read beyond it (pypdfium2 issue 261, PDFium
    bug 2079).
    """
    count = pdfium_c.FPDFText_CountChars(textpage)
    if count == -1:
        raise RuntimeError("PDFium could not count the page's characters")
    first, last = 0, count - 1
    while first <= last:
        text_first = pdfium_c.FPDFText_GetTextIndexFromCharIndex(textpage, first)
        if text_first == -1:
            first += 1
            continue
        text_last = pdfium_c.FPDFText_GetTextIndexFromCharIndex(textpage, last)
        if text_last == -1:
            last -= 1
            continue
        break
    else:
        return ""
    size = text_last + 2 - text_first  # with the terminating NUL
    buffer = (ctypes.c_ushort * size)()
    written = pdfium_c.FPDFText_GetText(textpage, first, last + 1 - first, buffer)
    if written > size:
        raise RuntimeError("PDFium wrote beyond the text buffer")
    return codecs.decode(memoryview(buffer)[: written - 1], "utf-16-le", errors="ignore")


class _PdfiumProbe:
    """Geometry of single characters of a PDFium text page, with reusable ctypes buffers.

    ``placement``: the page's origin (its media box's lower left corner) and height, to place a
    segment from PDF coordinates on the page as :class:`Segment` measures it.
    """

    def __init__(self, textpage, pdfium_c, text: str, placement: tuple[float, float, float]) -> None:
        self.textpage = textpage
        self.placement = placement
        self.units = _utf16_offsets(text)
        self.rect = pdfium_c.FS_RECTF()
        self.matrix = pdfium_c.FS_MATRIX()
        self.x = ctypes.c_double()
        self.y = ctypes.c_double()
        # The buffers as the pointers the calls take (see _line_calls).
        self._rect, self._matrix = ctypes.byref(self.rect), ctypes.byref(self.matrix)
        self._x, self._y = ctypes.byref(self.x), ctypes.byref(self.y)
        self._char_index, self._char_origin, self._loose_char_box, self._font_size, self._text_matrix = _line_calls(pdfium_c)
        self.identity = self._maps_identically(len(text))

    def _maps_identically(self, length: int) -> bool:
        """Whether every position of the page's text is its own character index (most pages).

        PDFium's text indices map to character indices in order, each to a later one than the
        index before it; so when the first and the last map to themselves, all do, and
        :meth:`char_index` need not ask PDFium about each one.
        """
        if not length:
            return True
        last = length - 1 if self.units is None else self.units[length - 1]
        return self._char_index(self.textpage, 0) == 0 and self._char_index(self.textpage, last) == last

    def char_index(self, position: int) -> int:
        """The character behind a position in the page's text (PDFium may add or drop some)."""
        text_index = position if self.units is None else self.units[position]
        if self.identity:
            return text_index
        index = self._char_index(self.textpage, text_index)
        return index if index >= 0 else text_index

    def origin_x(self, index: int) -> float:
        """Where the glyph's advance starts: boxes reach further left for glyphs such as "J"."""
        self._char_origin(self.textpage, index, self._x, self._y)
        return self.x.value

    def loose_box(self, index: int):
        """The character's box over the font's ascent and descent and its advance width."""
        self._loose_char_box(self.textpage, index, self._rect)
        return self.rect

    def size(self, index: int) -> float:
        """The effective font size: scaled by the text and page matrices, as pdfminer reports it."""
        size = self._font_size(self.textpage, index)
        if self._text_matrix(self.textpage, index, self._matrix):
            size *= math.hypot(self.matrix.c, self.matrix.d)
        return size

    def run_box(self, first: int, last: int) -> tuple[float, float, float, float, float]:
        """What every run needs of its first and last characters, in one call (the methods
        above one by one cost a run more than PDFium does): the first's origin, loose-box bottom
        and size, the last's loose-box right and bottom."""
        textpage, rect = self.textpage, self.rect
        self._char_origin(textpage, first, self._x, self._y)
        self._loose_char_box(textpage, first, self._rect)
        bottom = rect.bottom
        size = self._font_size(textpage, first)
        if self._text_matrix(textpage, first, self._matrix):
            size *= math.hypot(self.matrix.c, self.matrix.d)
        self._loose_char_box(textpage, last, self._rect)
        return self.x.value, bottom, size, rect.right, rect.bottom

    def gap_box(self, after: int, before: int) -> tuple[float, float]:
        """The origin of the character ``after`` a gap between words and the loose-box right of
        the one ``before`` it, in one call."""
        textpage = self.textpage
        self._char_origin(textpage, after, self._x, self._y)
        self._loose_char_box(textpage, before, self._rect)
        return self.x.value, self.rect.right


@functools.cache
def _line_calls(pdfium_c) -> tuple:
    """The PDFium functions called for every line of a page, without pypdfium2's declarations
    of their argument types: ``FPDFText_GetCharIndexFromTextIndex``, ``…GetCharOrigin``,
    ``…GetLooseCharBox``, ``…GetFontSize`` and ``…GetMatrix``.

    Undeclared, ctypes passes each argument as what it is instead of converting it to the
    declared type, which halves the cost of a call (and the calls are most of a page's reading
    beyond PDFium's own). So the probe passes exactly the C types: the text page handle, a
    Python ``int`` for an ``int``, ``ctypes.byref`` of a buffer for a pointer.
    """

    def undeclared(function, restype=ctypes.c_int):
        # The same entry point, with the calling convention of its library (its type).
        call = type(function)(ctypes.cast(function, ctypes.c_void_p).value)
        call.restype = restype
        return call

    return (
        undeclared(pdfium_c.FPDFText_GetCharIndexFromTextIndex),
        undeclared(pdfium_c.FPDFText_GetCharOrigin),
        undeclared(pdfium_c.FPDFText_GetLooseCharBox),
        undeclared(pdfium_c.FPDFText_GetFontSize, ctypes.c_double),
        undeclared(pdfium_c.FPDFText_GetMatrix),
    )


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
    character: slow, but only for such runs. The segments are placed on the page (the probe's
    ``placement``); the measures between characters are taken in PDF coordinates (upwards).
    """
    stripped = piece.strip()
    if not stripped:
        return []
    start = offset + (len(piece) - len(piece.lstrip()))
    end = start + len(stripped) - 1
    index = probe.char_index
    left, bottom, size, right, last_bottom = probe.run_box(index(start), index(end))
    if abs(last_bottom - bottom) > 0.5 * max(size, 1.0) and len(stripped) > 1:
        return _pdfium_split_run(probe, stripped, start)
    first_advance = space = None
    gap = _SPACE_RUN.search(stripped)
    if gap is not None:
        second_word, before_right = probe.gap_box(index(start + gap.end()), index(start + gap.start() - 1))
        first_advance = second_word - left
        space = second_word - before_right
    # Positions count from the page's lower left corner, as pdfplumber's do, and ``bottom``
    # from its top.
    origin_x, origin_y, height = probe.placement
    return [Segment(stripped, left - origin_x, right - origin_x, height - (bottom - origin_y), size, first_advance, space)]


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

