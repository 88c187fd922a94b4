"""Read: from a file's bytes to lines, whatever the format (text, PDF, saved web page).

:mod:`.formats` tells the format from the bytes; one module reads each format (:mod:`.text`,
:mod:`.pdf`, :mod:`.html`), all into the :class:`~.lines.Line` objects the clean stage takes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .formats import detect_format
from .lines import Line, UnreadableDocument
from .pdf import PDF_ENGINES, read_pdf
from .text import read_text

__all__ = ["PDF_ENGINE_NAMES", "Line", "ReadResult", "UnreadableDocument", "detect_format", "read_document"]

#: The PDF text extractors ``read_pdf`` offers, for the command line (the registry loads no
#: PDF library until an engine reads).
PDF_ENGINE_NAMES = tuple(PDF_ENGINES)


@dataclass(frozen=True)
class ReadResult:
    """What the read stage hands on: the format it read, the lines it saw, and the warnings it
    has for the record (``mixed_encoding``, ``unclosed_element``), which come first in it."""

    format: str
    lines: list[Line]
    pages: int | None = None
    warnings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def page_breaks_known(self) -> bool:
        """Whether the reader saw every page break (PDF) or there are none (web page).

        A text export hides its page breaks among its blank lines.
        """
        return self.format != "txt"

    @property
    def opening_is_chrome(self) -> bool:
        """Whether the lines before a description's title are the site's own (a saved web page:
        logo, navigation), not part of the document."""
        return self.format == "html"


def read_document(data: bytes, path: str = "", *, pdf_engine: str = "pdfium", max_pages: int = 1000) -> ReadResult:
    """Read a document's bytes into lines with the reader its format needs."""
    document_format = detect_format(data, path)
    if document_format == "pdf":
        lines, pages = read_pdf(data, engine=pdf_engine, max_pages=max_pages)
        return ReadResult("pdf", lines, pages)
    if document_format == "html":
        from .html import read_html_page

        page = read_html_page(data)
        return ReadResult("html", page.lines, warnings=list(page.warnings))
    warnings: list[dict[str, Any]] = []
    lines = read_text(data, warnings=warnings)
    return ReadResult("txt", lines, warnings=warnings)
