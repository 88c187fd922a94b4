"""The unit every reader produces: one line of a document, with what the reader knows about it."""

from __future__ import annotations

from typing import NamedTuple


class Line(NamedTuple):
    """One line as a reader saw it.

    ``text`` is the line without its line ending; an empty ``text`` is a blank line (a paragraph
    gap). ``number`` is the 1-based position in the reader's output, which for plain text is the
    line number in the file, so warnings can point back at the source.

    Immutable, like the frozen dataclass it was: a named tuple because every reader makes one per
    line and the clean stage more, and a tuple is made three times faster.
    """

    text: str
    number: int
    page: int | None = None
    #: The reader saw a page boundary just before this line (PDF), so the clean stage may heal a
    #: paragraph that the page break cut in two.
    page_break_before: bool = False
    #: The reader knows from the geometry that the line was wrapped by the page width: the next
    #: line continues the same paragraph (PDF).
    soft_wrapped: bool = False
    #: The reader knows from the geometry that the line is a running header or footer (the same
    #: text at the same height on most pages, PDF), so the clean stage drops it as page furniture
    #: even when no furniture pattern knows its text. Last, so positional constructions still work.
    furniture: bool = False


class UnreadableDocument(Exception):
    """The bytes cannot be read as a document of the claimed or detected format.

    The message is one line meant for the user: it says what is wrong, not where in our code.
    """
