"""What every PDF engine hands on: the pages of a PDF as positioned pieces of text.

An engine is a function ``(data: bytes, max_pages: int) -> list[Page]`` registered in
:data:`parser.read.pdf.PDF_ENGINES`. It only cuts each page into :class:`Segment` objects (text
on one baseline, with its position); grouping them into lines is the shared
:mod:`~parser.read.pdf.geometry`'s job, so every engine gives the same lines for the same file.
An engine raises :class:`~parser.read.lines.UnreadableDocument` for what it cannot read
(encrypted, damaged, too many pages); any other exception is translated by the reader.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..lines import UnreadableDocument


@dataclass(slots=True)
class Segment:
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
class Page:
    """One page as an engine saw it."""

    width: float
    height: float
    segments: list[Segment]



#: The interface of an engine: PDF bytes and the page limit in, pages of segments out.
Engine = Callable[[bytes, int], list[Page]]


def check_page_count(count: int, max_pages: int) -> None:
    """Refuse an empty PDF and one with more pages than we are willing to read."""
    if count < 1:
        raise UnreadableDocument("damaged PDF: no pages could be read")
    if count > max_pages:
        raise UnreadableDocument(f"PDF has {count} pages, more than the limit of {max_pages}")

