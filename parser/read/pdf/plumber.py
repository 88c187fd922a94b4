"""A second PDF engine: pdfplumber's text lines (slow: a Python object per character)."""

from __future__ import annotations

import io

from .pages import Page, Segment, check_page_count


def read_pages(data: bytes, max_pages: int) -> list[Page]:
    """Read every page with pdfplumber's text lines (slow: a Python object per character)."""
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as document:
        check_page_count(len(document.pages), max_pages)
        pages = []
        for page in document.pages:
            lines = page.extract_text_lines(return_chars=True)
            segments = [s for s in map(_segment, lines) if s is not None]
            pages.append(Page(float(page.width), float(page.height), segments))
            # Keep memory flat on long documents: the page's objects are not needed again.
            page.close()
        return pages


def _segment(line: dict) -> Segment | None:
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
    return Segment(
        text=text,
        left=float(first["x0"]),
        right=float(last["x1"]),
        bottom=float(first["bottom"]),
        size=float(first["size"]),
        first_advance=first_advance,
        space=space,
    )

