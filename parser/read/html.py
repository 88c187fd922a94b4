"""Read a project description saved from the official service's web page.

The page holds each section in a ``div`` with an ``h2`` heading, subsections under ``h3``, and
``p`` elements with ``Label: value`` lines (``<br>`` between them) or text paragraphs. We read it
as a browser shows it: every heading, paragraph, list item, table row and ``<br>``-separated
piece is a line, blocks are separated by one blank line, white space collapses (no-break spaces too), entities decode,
and nothing inside ``head``, ``script``, ``style`` and the like is shown.

The standard library's ``html.parser`` tokenises; no regular expression touches the markup.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from .lines import Line, UnreadableDocument
from .text import Decoded, decode_lines

#: Saved pages are a few hundred kilobytes; refuse what no description page is.
MAX_HTML_BYTES = 20 * 1024 * 1024
#: How deeply elements whose end we must find (skipped elements, ``pre``) may nest. Real pages
#: nest them a few levels at most; the cap keeps hostile input from growing the stack.
MAX_NESTING = 256
#: Browsers look for ``<meta charset>`` in the first kilobyte; we allow a little more.
CHARSET_PRESCAN_BYTES = 4096

#: Elements whose content a browser does not show as text.
SKIPPED_ELEMENTS = frozenset({"head", "title", "script", "style", "template", "noscript", "svg", "math"})
#: Elements that stand on lines of their own, separated from their neighbours by a blank line.
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
        "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
        "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend", "li",
        "main", "menu", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "tfoot",
        "thead", "tr", "ul",
    }
)  # fmt: skip
#: Table cells: a row is one line, its cells separated by a space.
_CELLS = frozenset({"td", "th"})

#: Elements that open foreign content (an SVG drawing, a MathML formula): not text, and ended,
#: as a browser ends them, at their end tag or at a "breakout" tag (below).
FOREIGN_ELEMENTS = frozenset({"svg", "math"})
#: The HTML standard's start tags that end foreign content, so that a page which never closes
#: its ``<svg>`` goes on at the next paragraph ("parsing tokens in foreign content"); ``font``
#: only with a ``color``, ``face`` or ``size`` attribute; and the end tags ``</p>``, ``</br>``.
_BREAKOUT = frozenset(
    {
        "b", "big", "blockquote", "body", "br", "center", "code", "dd", "div", "dl", "dt", "em",
        "embed", "h1", "h2", "h3", "h4", "h5", "h6", "head", "hr", "i", "img", "li", "listing",
        "menu", "meta", "nobr", "ol", "p", "pre", "ruby", "s", "small", "span", "strong", "strike",
        "sub", "sup", "table", "tt", "u", "ul", "var",
    }
)  # fmt: skip
_BREAKOUT_FONT_ATTRIBUTES = frozenset({"color", "face", "size"})
_BREAKOUT_END = frozenset({"br", "p"})
#: Where a drawing holds HTML of its own (integration points): SVG's ``foreignObject``, ``desc``
#: and ``title``, MathML's token elements. A ``<p>`` there is the drawing's, not a breakout.
_SVG_INTEGRATION = frozenset({"foreignobject", "desc", "title"})
_MATHML_INTEGRATION = frozenset({"mi", "mo", "mn", "ms", "mtext"})
#: End tags of HTML elements that may hold a drawing: one that is not the drawing's own closes
#: the drawing with the element around it, as a browser pops both.
_CLOSES_FOREIGN = _BLOCKS | _CELLS | _BREAKOUT | {"a", "button", "label", "form"}
#: HTML elements without an end tag.
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"})
#: What a ``head`` may hold; any other start tag, or text, ends an unclosed head (as in a browser).
_HEAD_CONTENT = frozenset({"base", "basefont", "bgsound", "html", "link", "meta", "noframes", "noscript", "script", "style", "template", "title", "head"})
#: Skipped elements whose content is text (not code or a drawing): if the page never closes one,
#: what it hid is said in a warning.
_TEXT_LIKE = frozenset({"title", "noscript", "template"})
#: Where an element that the page never closes is taken to end, on a second reading: the next
#: block (a browser would hide the whole rest of the page).
_ENDS_UNCLOSED = _BLOCKS | _CELLS | {"br"}
#: How many times a page with unclosed elements is read again at most (each reading ends the
#: elements the one before found unclosed; elements inside them may show up only then).
MAX_READINGS = 4
#: A tag inside text that the parser did not read as markup (the raw text of a ``<script>``).
_TAG = re.compile(r"<[A-Za-z]")
#: Encodings that WHATWG browsers decode as Windows-1252 whatever the page declares.
_CP1252_ALIASES = frozenset({"ascii", "us-ascii", "iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1"})


@dataclass(frozen=True)
class HtmlPage:
    """A page as read: its lines, its ``<title>`` (not a line: the title is browser chrome), and
    the warnings the reader has for the record (``mixed_encoding``, ``unclosed_element``)."""

    lines: list[Line]
    title: str | None
    warnings: list[dict[str, Any]] = field(default_factory=list)


def read_html(data: bytes) -> list[Line]:
    """Read a saved web page into lines, numbered from 1, blank lines between blocks.

    Raises ``UnreadableDocument`` (and nothing else) for a page that is too large, binary,
    nested beyond reason or has no text.
    """
    return read_html_page(data).lines


def read_html_page(data: bytes) -> HtmlPage:
    """Read a saved web page into its lines, its title and its warnings; see ``read_html``.

    A page that leaves an element open whose content is hidden (``<script>``, ``<style>``,
    ``<title>``, ``<noscript>``, ``<template>``, or a drawing no breakout tag ends) is read again
    with that element ended at the next block, so its rest is not lost, and a warning says so.
    """
    if len(data) > MAX_HTML_BYTES:
        raise UnreadableDocument(
            f"HTML page is too large ({len(data) / 1024 / 1024:.1f} MB; the limit is "
            f"{MAX_HTML_BYTES // 1024 // 1024} MB)"
        )
    text, decoded = _decode_html(data)
    lenient: set[tuple[int, int]] = set()
    for _ in range(MAX_READINGS):
        collector = _collect(text, frozenset(lenient))
        unclosed = collector.unclosed - lenient
        if not unclosed:
            break
        lenient |= unclosed
    texts = collector.lines
    if not texts:
        raise UnreadableDocument("empty HTML page: no text in it")
    lines = [Line(line, number) for number, line in enumerate(texts, start=1)]
    warnings: list[dict[str, Any]] = []
    note = decoded.mixed_encoding_warning("page", number_lines=False) if decoded is not None else None
    if note is not None:
        warnings.append(note)
    warnings.extend(collector.warnings())
    return HtmlPage(lines, collector.title, warnings)


def _collect(text: str, lenient: frozenset[tuple[int, int]]) -> _TextCollector:
    """One reading of a page's text; ``lenient``: where the elements start that end at the next block."""
    collector = _TextCollector(lenient)
    try:
        collector.feed(text)
        collector.close()
    except UnreadableDocument:
        raise
    except Exception:  # noqa: BLE001 - html.parser may assert on broken markup; never leak it
        raise UnreadableDocument("damaged HTML page: its markup could not be read") from None
    collector.finish()
    return collector


def decode_html(data: bytes) -> str:
    """Decode a page's bytes as a browser would: BOM, then ``<meta charset>``, then UTF-8.

    Without a declaration, bytes that are not valid UTF-8 are Windows-1252 (what Finnish pages
    that are not UTF-8 use), line by line when the page mixes the two (see
    :func:`parser.read.text.decode_lines`). Binary data (NUL bytes) is refused.
    """
    return _decode_html(data)[0]


def _decode_html(data: bytes) -> tuple[str, Decoded | None]:
    """The page's text, and how an undeclared page was decoded (``None`` when it declared)."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace"), None
    if b"\x00" in data[:CHARSET_PRESCAN_BYTES]:
        raise UnreadableDocument("not an HTML page: the file holds binary data")
    declared = _declared_charset(data[:CHARSET_PRESCAN_BYTES])
    if declared is not None:
        return data.decode(declared, errors="replace"), None
    decoded = decode_lines(data)
    return decoded.text, decoded


def _declared_charset(head: bytes) -> str | None:
    """The Python codec of the page's ``<meta charset>`` declaration, if it names a known one."""
    sniffer = _CharsetSniffer()
    try:
        # Latin-1 maps every byte to a character, so the ASCII markup reads in any encoding.
        sniffer.feed(head.decode("latin-1"))
    except Exception:  # noqa: BLE001 - a broken head only means no declaration
        return None
    if sniffer.charset is None:
        return None
    label = sniffer.charset.strip().strip("\"'").lower()
    if label in _CP1252_ALIASES:
        return "cp1252"
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    # A page cannot really be UTF-16 if its ASCII meta tag was readable: browsers use UTF-8.
    return "utf-8" if name.startswith("utf-16") else name


class _CharsetSniffer(HTMLParser):
    """Finds ``<meta charset=...>`` or ``<meta http-equiv=Content-Type content=...>``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.charset: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "meta" or self.charset is not None:
            return
        values = {name: value or "" for name, value in attrs}
        if values.get("charset"):
            self.charset = values["charset"]
            return
        if values.get("http-equiv", "").lower() == "content-type":
            for part in values.get("content", "").split(";"):
                name, _, value = part.partition("=")
                if name.strip().lower() == "charset" and value.strip():
                    self.charset = value
                    return


class ForgivingParser(HTMLParser):
    """The standard library's tokeniser, forgiving where browsers are: an unknown ``<![...]>``
    is a bogus comment, not an error. Every reader of HTML in the package builds on it."""

    def parse_marked_section(self, i: int, report: int = 1) -> int:
        """Skip an unknown ``<![...]>`` as browsers do (a bogus comment) instead of failing."""
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:
            end = self.rawdata.find(">", i + 3)
            return -1 if end < 0 else end + 1


@dataclass
class _Open:
    """An element whose end matters (a skipped one, ``pre``), where it started in the page."""

    name: str
    position: tuple[int, int]
    #: Found unclosed by an earlier reading: it ends at the next block.
    lenient: bool = False
    #: A tag that would end it had it been lenient came while it was open (so a reading with
    #: it lenient shows more), or, for raw text, the rest of the page holds markup.
    swallowed: bool = False
    #: It hid text (not blanks) while open.
    hid_text: bool = False


@dataclass(frozen=True)
class _Foreign:
    """An element inside a drawing (SVG or MathML), or HTML inside the drawing's own HTML."""

    name: str
    namespace: str  # "svg", "math" or "html"
    #: An integration point: what is in it is HTML again (``foreignObject``, ``desc``, ``mi`` …).
    integration: bool = False


class _TextCollector(ForgivingParser):
    """Collects the visible text of a page as lines, with blank lines between blocks."""

    def __init__(self, lenient: frozenset[tuple[int, int]] = frozenset()) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.title: str | None = None
        self._buffer: list[str] = []
        self._title_buffer: list[str] | None = None
        self._blank_pending = False
        #: Open elements whose end matters: skipped ones and ``pre``.
        self._open: list[_Open] = []
        #: The open elements of the drawing being skipped (outermost first), empty outside one.
        self._foreign: list[_Foreign] = []
        self._foreign_start: _Open | None = None
        #: Positions of elements that end at the next block (found unclosed by a reading before).
        self._lenient = lenient
        self._suppress_cdata = False
        #: Elements ended at a block because the page never closed them: (tag, page line, index
        #: of the first line read after them).
        self._recovered: list[tuple[str, int, int]] = []
        #: Elements still open when the page ended, found by :meth:`finish`.
        self._left_open: list[_Open] = []

    # -- tokens ---------------------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._suppress_cdata = False
        if self._foreign and self._foreign_start_tag(tag, attrs, self_closing=False):
            return
        self._start(tag, attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <br/>, <hr/>: a self-closing tag has no content, so only its break counts.
        self._suppress_cdata = False
        if self._foreign and self._foreign_start_tag(tag, attrs, self_closing=True):
            return
        if tag in SKIPPED_ELEMENTS or tag == "pre":
            return
        self._start(tag, attrs)

    def _start(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """A start tag outside any drawing."""
        if tag in _ENDS_UNCLOSED:
            self._end_lenient()
        if self._open and self._open[-1].name == "head" and tag not in _HEAD_CONTENT:
            # An unclosed <head> ends at the first thing that belongs to the body, as in a browser.
            self._open.pop()
        if tag == "body":
            # An unclosed <head> or <title> ends where the body starts, as in a browser.
            self._open = [element for element in self._open if element.name not in ("head", "title")]
            self._end_title()
        if self._skipping and tag in _ENDS_UNCLOSED:
            for element in self._open:
                element.swallowed = True
        if tag in FOREIGN_ELEMENTS:
            # A drawing: skipped, its elements tracked on a stack of its own.
            self._foreign_start = self._new_open(tag)
            self._push_foreign(_Foreign(tag, tag))
            return
        if tag in SKIPPED_ELEMENTS or tag == "pre":
            element = self._push(tag)
            if element.lenient:
                # Its end was never written: read what follows as markup, not as raw text.
                self._suppress_cdata = True
            if tag == "title" and self.title is None:
                self._title_buffer = []
            if tag != "pre":
                return
        if self._skipping:
            return
        if tag == "br":
            self._line_break()
        elif tag in _BLOCKS:
            self._block_break()
        elif tag in _CELLS and self._buffer:
            self._buffer.append(" ")

    def _new_open(self, tag: str) -> _Open:
        """The element starting at this tag, lenient if an earlier reading found it unclosed."""
        position = self.getpos()
        return _Open(tag, position, lenient=position in self._lenient)

    def _push(self, tag: str) -> _Open:
        if len(self._open) + len(self._foreign) >= MAX_NESTING:
            raise UnreadableDocument("HTML page is nested too deeply to read")
        element = self._new_open(tag)
        self._open.append(element)
        return element

    def set_cdata_mode(self, *args: Any, **kwargs: Any) -> None:
        """Enter raw text (a ``<script>``'s code), unless the element is one the page never closes."""
        if self._suppress_cdata:
            self._suppress_cdata = False
            return
        super().set_cdata_mode(*args, **kwargs)

    def handle_endtag(self, tag: str) -> None:
        if self._foreign and self._foreign_end_tag(tag):
            return
        names = [element.name for element in self._open]
        if tag in names:
            # Close the innermost element of that name and whatever was left open inside it.
            index = len(names) - 1 - names[::-1].index(tag)
            del self._open[index:]
            if tag == "title":
                self._end_title()
            if tag != "pre":
                return
        if self._skipping:
            return
        if tag == "br":
            # Browsers read a stray </br> as <br>.
            self._line_break()
        elif tag in _BLOCKS:
            self._block_break()

    def handle_data(self, data: str) -> None:
        if self._open and self._open[-1].name == "head" and data.strip():
            # Text cannot stand in a <head>: the body has begun, as in a browser.
            self._open.pop()
        if self._title_buffer is not None and self._open and self._open[-1].name == "title":
            self._title_buffer.append(data)
        if self._skipping:
            if data.strip():
                for element in self._open:
                    element.hid_text = True
                if self._open and not self._open[-1].swallowed and _TAG.search(data):
                    # Markup in raw text (a newer html.parser hands on an unclosed <script>'s
                    # rest as its text): that element hid the page's blocks.
                    self._open[-1].swallowed = True
            return
        if any(element.name == "pre" for element in self._open):
            # Preformatted text keeps its line breaks; each is a line of its own.
            first, *rest = data.split("\n")
            self._buffer.append(first)
            for piece in rest:
                self._line_break()
                self._buffer.append(piece)
        else:
            self._buffer.append(data)

    def _end_title(self) -> None:
        if self._title_buffer is not None:
            self.title = _collapse("".join(self._title_buffer)) or None
            self._title_buffer = None

    # -- drawings (foreign content) -------------------------------------------------------

    def _foreign_start_tag(self, tag: str, attrs: list[tuple[str, str | None]], *, self_closing: bool) -> bool:
        """A start tag inside a drawing: ``True`` when it stays inside, ``False`` when it ended the
        drawing (a breakout tag) and is to be read as the page's own."""
        start = self._foreign_start
        if start is not None and start.lenient and tag in _ENDS_UNCLOSED:
            # A drawing an earlier reading found never ended: it ends at the next block.
            self._recover(start)
            self._foreign = []
            return False
        if tag in _ENDS_UNCLOSED and start is not None:
            start.swallowed = True
        current = self._foreign[-1]
        if current.namespace == "html" or current.integration:
            # The drawing's own HTML (in a foreignObject, a desc, a MathML token): still the drawing.
            if tag in FOREIGN_ELEMENTS:
                self._push_foreign(_Foreign(tag, tag))
            elif not self_closing and tag not in _VOID:
                self._push_foreign(_Foreign(tag, "html"))
            return True
        names = {name for name, _ in attrs}
        if tag in _BREAKOUT or (tag == "font" and names & _BREAKOUT_FONT_ATTRIBUTES):
            self._break_out()
            # Inside an integration point the tag is the drawing's HTML; else the drawing is over.
            return bool(self._foreign) and self._foreign_start_tag(tag, attrs, self_closing=self_closing)
        if not self_closing:
            namespace = "svg" if tag == "svg" and current.name == "annotation-xml" else current.namespace
            self._push_foreign(_Foreign(tag, namespace, _is_integration(tag, namespace, attrs)))
        return True

    def _foreign_end_tag(self, tag: str) -> bool:
        """An end tag inside a drawing: ``True`` when the drawing goes on, ``False`` when it ended
        and the tag is to be read as the page's own."""
        names = [element.name for element in self._foreign]
        if tag in names:
            del self._foreign[len(names) - 1 - names[::-1].index(tag) :]
            return True
        current = self._foreign[-1]
        if tag in _BREAKOUT_END and not (current.namespace == "html" or current.integration):
            self._break_out()
            return bool(self._foreign)
        if tag in _CLOSES_FOREIGN and not any(element.integration for element in self._foreign):
            # The end of an element around the drawing closes the drawing with it.
            self._foreign = []
            return False
        return True  # a stray end tag: ignored, as a browser ignores it

    def _break_out(self) -> None:
        """Leave the drawing up to its nearest integration point (or wholly), as a browser does."""
        while self._foreign and not (self._foreign[-1].namespace == "html" or self._foreign[-1].integration):
            self._foreign.pop()

    def _push_foreign(self, element: _Foreign) -> None:
        if len(self._open) + len(self._foreign) >= MAX_NESTING:
            raise UnreadableDocument("HTML page is nested too deeply to read")
        self._foreign.append(element)

    # -- unclosed elements ----------------------------------------------------------------

    def _end_lenient(self) -> None:
        """End the elements an earlier reading found unclosed, at this block."""
        for index, element in enumerate(self._open):
            if element.lenient:
                self._recover(element)
                if element.name == "title":
                    self._end_title()
                del self._open[index:]
                return

    def _recover(self, element: _Open) -> None:
        self._recovered.append((element.name, element.position[0], len(self.lines)))

    @property
    def unclosed(self) -> set[tuple[int, int]]:
        """Where the elements start that the page left open and that hid a block after them, so
        that a reading which ends them there shows more (see :meth:`finish`)."""
        return {element.position for element in self._left_open if element.swallowed}

    def warnings(self) -> list[dict[str, Any]]:
        """``unclosed_element`` for every element ended at a block (naming the first line that
        came to light) and for one that hid text to the end of the page."""
        # Imported here: the registry imports the read stage's Line, so not at the top.
        from ..warnings import warning

        notes = []
        for name, page_line, index in self._recovered:
            shown = next((number for number, text in enumerate(self.lines[index:], start=index + 1) if text), None)
            if shown is not None:
                notes.append(
                    warning(
                        "unclosed_element",
                        f"<{name}> on line {page_line} of the page is never closed, so a browser hides the rest of "
                        "the page: it is taken to end at the next block, and the text after it is read",
                        shown,
                    )
                )
        for element in self._left_open:
            # Text-like content hidden to the end, or a rest that no reading could bring to light.
            if element.swallowed or (element.name in _TEXT_LIKE and element.hid_text):
                notes.append(
                    warning(
                        "unclosed_element",
                        f"<{element.name}> on line {element.position[0]} of the page is never closed: the text "
                        "after it is hidden, as a browser hides it, and not read",
                    )
                )
        return notes

    # -- lines ----------------------------------------------------------------------------

    @property
    def _skipping(self) -> bool:
        return bool(self._foreign) or any(element.name in SKIPPED_ELEMENTS for element in self._open)

    def _line_break(self) -> None:
        """End the current line; an empty one (``<br><br>``) is a paragraph gap."""
        text = _collapse("".join(self._buffer))
        self._buffer.clear()
        if text:
            self._emit(text)
        elif self.lines:
            self._blank_pending = True

    def _block_break(self) -> None:
        """End the current line and ask for a blank line before the next one."""
        self._line_break()
        if self.lines:
            self._blank_pending = True

    def _emit(self, text: str) -> None:
        if self._blank_pending and self.lines:
            self.lines.append("")
        self._blank_pending = False
        self.lines.append(text)

    def finish(self) -> list[str]:
        """The lines collected, after the last one is ended; notes what was left open."""
        self._line_break()
        self._end_title()  # a <title> the page never closes holds the title to its end
        left_open = [element for element in self._open if element.name in SKIPPED_ELEMENTS and element.name != "head"]
        if self._foreign and self._foreign_start is not None:
            left_open.insert(0, self._foreign_start)
        if self.cdata_elem is not None and left_open and _TAG.search(self.rawdata):
            # The raw text of an unclosed <script> or <style> holds the page's markup.
            left_open[-1].swallowed = True
        self._left_open = left_open
        return self.lines


def _is_integration(tag: str, namespace: str, attrs: list[tuple[str, str | None]]) -> bool:
    """Whether an element of a drawing holds HTML again (an integration point)."""
    if namespace == "svg":
        return tag in _SVG_INTEGRATION
    if namespace == "math":
        if tag == "annotation-xml":
            encoding = dict(attrs).get("encoding") or ""
            return encoding.lower() in ("text/html", "application/xhtml+xml")
        return tag in _MATHML_INTEGRATION
    return False


def _collapse(text: str) -> str:
    """Collapse white space as HTML renders it, and also no-break spaces (U+00A0): a value
    reads the same whether the page wrote ``Label:&nbsp;value`` or ``Label: value``."""
    return " ".join(text.split())
