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
from dataclasses import dataclass
from html.parser import HTMLParser

from .lines import Line, UnreadableDocument
from .text import decode_undeclared

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
#: Encodings that WHATWG browsers decode as Windows-1252 whatever the page declares.
_CP1252_ALIASES = frozenset({"ascii", "us-ascii", "iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1"})


@dataclass(frozen=True)
class HtmlPage:
    """A page as read: its lines and its ``<title>`` (not a line: the title is browser chrome)."""

    lines: list[Line]
    title: str | None


def read_html(data: bytes) -> list[Line]:
    """Read a saved web page into lines, numbered from 1, blank lines between blocks.

    Raises ``UnreadableDocument`` (and nothing else) for a page that is too large, binary,
    nested beyond reason or has no text.
    """
    return read_html_page(data).lines


def read_html_page(data: bytes) -> HtmlPage:
    """Read a saved web page into its lines and its title; see ``read_html``."""
    if len(data) > MAX_HTML_BYTES:
        raise UnreadableDocument(
            f"HTML page is too large ({len(data) / 1024 / 1024:.1f} MB; the limit is "
            f"{MAX_HTML_BYTES // 1024 // 1024} MB)"
        )
    text = decode_html(data)
    collector = _TextCollector()
    try:
        collector.feed(text)
        collector.close()
    except UnreadableDocument:
        raise
    except Exception:  # noqa: BLE001 - html.parser may assert on broken markup; never leak it
        raise UnreadableDocument("damaged HTML page: its markup could not be read") from None
    texts = collector.finish()
    if not texts:
        raise UnreadableDocument("empty HTML page: no text in it")
    lines = [Line(line, number) for number, line in enumerate(texts, start=1)]
    return HtmlPage(lines, collector.title)


def decode_html(data: bytes) -> str:
    """Decode a page's bytes as a browser would: BOM, then ``<meta charset>``, then UTF-8.

    Without a declaration, bytes that are not valid UTF-8 are Windows-1252 (what Finnish pages
    that are not UTF-8 use). Binary data (NUL bytes) is refused.
    """
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    if b"\x00" in data[:CHARSET_PRESCAN_BYTES]:
        raise UnreadableDocument("not an HTML page: the file holds binary data")
    declared = _declared_charset(data[:CHARSET_PRESCAN_BYTES])
    if declared is not None:
        return data.decode(declared, errors="replace")
    return decode_undeclared(data)[0]


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


class _TextCollector(ForgivingParser):
    """Collects the visible text of a page as lines, with blank lines between blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.title: str | None = None
        self._buffer: list[str] = []
        self._title_buffer: list[str] | None = None
        self._blank_pending = False
        #: Open elements whose end matters: skipped ones and ``pre``.
        self._open: list[str] = []

    # -- tokens ---------------------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            # An unclosed <head> or <title> ends where the body starts, as in a browser.
            self._open = [name for name in self._open if name not in ("head", "title")]
            self._end_title()
        if tag in SKIPPED_ELEMENTS or tag == "pre":
            if len(self._open) >= MAX_NESTING:
                raise UnreadableDocument("HTML page is nested too deeply to read")
            self._open.append(tag)
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

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <br/>, <hr/>: a self-closing tag has no content, so only its break counts.
        if tag in SKIPPED_ELEMENTS or tag == "pre":
            return
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._open:
            # Close the innermost element of that name and whatever was left open inside it.
            index = len(self._open) - 1 - self._open[::-1].index(tag)
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
        if self._title_buffer is not None and self._open and self._open[-1] == "title":
            self._title_buffer.append(data)
        if self._skipping:
            return
        if "pre" in self._open:
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

    # -- lines ----------------------------------------------------------------------------

    @property
    def _skipping(self) -> bool:
        return any(name in SKIPPED_ELEMENTS for name in self._open)

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
        """The lines collected, after the last one is ended."""
        self._line_break()
        return self.lines


def _collapse(text: str) -> str:
    """Collapse white space as HTML renders it, and also no-break spaces (U+00A0): a value
    reads the same whether the page wrote ``Label:&nbsp;value`` or ``Label: value``."""
    return " ".join(text.split())
