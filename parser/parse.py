"""The whole pipeline for one file: bytes → lines → clean lines → record."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from .clean import clean
from .extract import parse_lines
from .read import UnreadableDocument, read_document
from .limits import DEFAULT_MAX_BYTES
from .records import Document, Source


def parse_bytes(data: bytes, path: str, *, pdf_engine: str = "pdfium", max_pages: int = 1000) -> Document:
    """Parse one document's bytes into the contract's record.

    Raises :class:`UnreadableDocument` with a one-line message when the bytes are no document.
    """
    read = read_document(data, path, pdf_engine=pdf_engine, max_pages=max_pages)
    lines = clean(read.lines, page_breaks_known=read.page_breaks_known)
    if not lines:
        raise UnreadableDocument("no text: the document holds nothing but page furniture or blanks")
    parsed = parse_lines(lines, opening_is_chrome=read.opening_is_chrome)
    source = Source(path=path, sha256=hashlib.sha256(data).hexdigest(), format=read.format, pages=read.pages)
    return Document.model_validate(
        {
            "source": source,
            "kind": parsed.kind,
            "template": parsed.template,
            "title": parsed.title,
            # What the reader noticed (an encoding, a page's markup) comes first: it arose first.
            "warnings": [*read.warnings, *parsed.warnings],
            "project": parsed.project,
            "text": parsed.text,
        }
    )


def parse_path(path: str | os.PathLike[str], *, pdf_engine: str = "pdfium", max_pages: int = 1000, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Read and parse one file, refusing what cannot be a document before reading it all."""
    file = Path(path)
    try:
        if file.is_dir():
            raise UnreadableDocument("is a folder, not a document")
        size = file.stat().st_size
        if size > max_bytes:
            raise UnreadableDocument(f"too large: {size:,} bytes (the limit is {max_bytes:,})")
        data = file.read_bytes()
    except FileNotFoundError:
        raise UnreadableDocument("no such file") from None
    except PermissionError:
        raise UnreadableDocument("permission denied") from None
    except IsADirectoryError:
        raise UnreadableDocument("is a folder, not a document") from None
    except OSError as error:
        raise UnreadableDocument(f"cannot be read: {error.strerror or error}") from None
    return parse_bytes(data, str(path), pdf_engine=pdf_engine, max_pages=max_pages)
