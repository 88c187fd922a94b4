"""Read a PDF into lines, with what its geometry says about paragraphs and page breaks.

An engine (:mod:`.pdfium`, pypdfium2, by default; :mod:`.plumber`, pdfplumber, selectable) turns
each page into segments (:mod:`.pages`: the engines' one interface). Everything after that is
shared (:mod:`.geometry`), so both engines give the same lines for the same PDF. Adding an engine
means a module with a ``read_pages(data, max_pages)`` function and a line in :data:`PDF_ENGINES`.
"""

from __future__ import annotations

from ..formats import is_pdf, looks_like, looks_like_html
from ..lines import Line, UnreadableDocument
from . import pdfium, plumber
from .geometry import build_lines
from .pages import Engine

#: Engine name -> function reading the pages of a PDF into segments. The engines import their
#: libraries only when they read, so this registry is cheap to import.
PDF_ENGINES: dict[str, Engine] = {
    "pdfium": pdfium.read_pages,
    "pdfplumber": plumber.read_pages,
}


def read_pdf(data: bytes, engine: str = "pdfium", max_pages: int = 1000) -> tuple[list[Line], int]:
    """Read PDF bytes into lines and return them with the page count.

    Blank lines mark paragraph gaps; ``soft_wrapped``, ``page_break_before`` and ``furniture``
    (a running header or footer) carry what the page geometry says (see
    :mod:`.geometry`). Raises ``UnreadableDocument`` with a one-line
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
    lines = build_lines(pages)
    if not lines:
        if b"%%EOF" not in data[-1024:]:
            # PDFium rebuilt the page tree of a file cut short, but the text was in the lost part.
            raise UnreadableDocument("damaged PDF: the file is cut short and no text could be read")
        raise UnreadableDocument("PDF has no text: it may be a scanned image (OCR is not supported)")
    return lines, len(pages)


def _check_signature(data: bytes) -> None:
    """Refuse bytes that are not a PDF, saying what they look like instead."""
    if not data:
        raise UnreadableDocument("not a PDF: the file is empty")
    if is_pdf(data):
        return
    other = looks_like(data)
    if other:
        raise UnreadableDocument(f"not a PDF: the file starts like {other}")
    if looks_like_html(data) or b"<html" in data[:512].lower():
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


