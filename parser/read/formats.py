"""Which reader a file needs, told from its bytes: the one table of file signatures.

The format is recognised from the content, never trusted from the name: a ``.pdf`` that is
really an image is refused with a message that says what it is.
"""

from __future__ import annotations

from pathlib import PurePath

from .lines import UnreadableDocument

#: What a file that is not a document usually is, by its first bytes.
FILE_SIGNATURES = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"PK\x03\x04", "a ZIP archive (a Word, Excel or OpenDocument file?)"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"{\\rtf", "an RTF document"),
)
#: A PDF header may follow some junk, but within the first kilobyte (as PDF readers allow).
PDF_HEADER_WINDOW = 1024
_HTML_STARTS = (b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body", b"<div", b"<meta", b"<!--")
_HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})


def looks_like(data: bytes) -> str | None:
    """What the bytes are when they are a known kind of non-document (``"a PNG image"``)."""
    return next((what for signature, what in FILE_SIGNATURES if data.startswith(signature)), None)


def is_pdf(data: bytes) -> bool:
    """Whether the bytes carry a PDF header where readers look for one."""
    return b"%PDF-" in data[:PDF_HEADER_WINDOW]


def looks_like_html(data: bytes) -> bool:
    """Whether the bytes start like a web page (after a byte-order mark and white space)."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(_HTML_STARTS)


def detect_format(data: bytes, path: str = "") -> str:
    """Say which reader a file needs: ``pdf``, ``html`` or ``txt``.

    Raises :class:`UnreadableDocument` for an empty file or a file that is no document at all.
    """
    if not data or data.isspace():  # as ``not data.strip()``, without copying the bytes
        raise UnreadableDocument("empty file: no text in it")
    suffix = PurePath(path).suffix.casefold()
    if is_pdf(data):
        return "pdf"
    other = looks_like(data)
    if suffix == ".pdf":
        raise UnreadableDocument(f"not a PDF: the file starts like {other}" if other else "not a PDF: no PDF header in the file")
    if other:
        raise UnreadableDocument(f"not a document: the file starts like {other}")
    if suffix in _HTML_SUFFIXES or looks_like_html(data):
        return "html"
    return "txt"
