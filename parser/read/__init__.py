"""Read: from a file's bytes to lines, whatever the format (text, PDF, saved web page).

The format is recognised from the bytes, not trusted from the file name: a ``.pdf`` that is
really an image is refused with a message that says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from .lines import Line, UnreadableDocument
from .pdf import PDF_ENGINES, read_pdf
from .text import read_text

__all__ = ["PDF_ENGINE_NAMES", "Line", "ReadResult", "UnreadableDocument", "detect_format", "read_document"]

# What a file that is not a document usually is, by its first bytes.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"PK\x03\x04", "a ZIP archive (a Word or Excel file?)"),
    (b"\xd0\xcf\x11\xe0", "an old Office document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"{\\rtf", "an RTF document"),
)
#: The PDF text extractors ``read_pdf`` offers, for the command line (the registry loads no
#: PDF library until an engine reads).
PDF_ENGINE_NAMES = tuple(PDF_ENGINES)
_HTML_STARTS = (b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body", b"<div", b"<meta", b"<!--")


@dataclass(frozen=True)
class ReadResult:
    """What the read stage hands on: the format it read and the lines it saw."""

    format: str
    lines: list[Line]
    pages: int | None = None

    @property
    def page_breaks_known(self) -> bool:
        """Whether the reader saw every page break (PDF) or there are none (web page).

        A text export hides its page breaks among its blank lines.
        """
        return self.format != "txt"


def _looks_like(data: bytes) -> str | None:
    return next((what for magic, what in _MAGIC if data.startswith(magic)), None)


def detect_format(data: bytes, path: str = "") -> str:
    """Say which reader a file needs: ``pdf``, ``html`` or ``txt``.

    Raises :class:`UnreadableDocument` for an empty file or a file that is no document at all.
    """
    if not data.strip():
        raise UnreadableDocument("empty file: no text in it")
    suffix = PurePath(path).suffix.casefold()
    if b"%PDF-" in data[:1024]:
        return "pdf"
    other = _looks_like(data)
    if suffix == ".pdf":
        raise UnreadableDocument(f"not a PDF: the file starts like {other}" if other else "not a PDF: no PDF header in the file")
    if other:
        raise UnreadableDocument(f"not a document: the file starts like {other}")
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if suffix in {".html", ".htm", ".xhtml"} or head.startswith(_HTML_STARTS):
        return "html"
    return "txt"


def read_document(data: bytes, path: str = "", *, pdf_engine: str = "pdfium", max_pages: int = 1000) -> ReadResult:
    """Read a document's bytes into lines with the reader its format needs."""
    document_format = detect_format(data, path)
    if document_format == "pdf":
        lines, pages = read_pdf(data, engine=pdf_engine, max_pages=max_pages)
        return ReadResult("pdf", lines, pages)
    if document_format == "html":
        from .html import read_html

        return ReadResult("html", read_html(data))
    return ReadResult("txt", read_text(data))
