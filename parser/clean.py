"""Clean: from the lines a reader saw to the lines the document says.

Three jobs, in this order: normalise each line's characters and spacing; remove print furniture
(page headers, footers, page numbers); join back the lines that a page break or the page width
cut in two. Blank lines only mark breaks: they are dropped after healing, so the output is the
document's content lines, each still carrying the number of the line it started on.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import regex

from .finnish import CONJUNCTIONS
from .read.lines import Line

#: Lines a browser or the service prints on every page. They are furniture, not content.
FURNITURE_PATTERNS = (
    r"^Euroopan unioni$",
    r"^Vipuvoimaa EU:lta$",
    r"^Euroopan unioni\s*Vipuvoimaa EU:lta$",
    r"^Sivu \d{1,4}\s*/\s*\d{1,4}$",  # "Sivu 2 / 5"
    r"^\d{1,4} \(\d{1,4}\)$",  # "2 (5)"
    r"^Page \d{1,4} of \d{1,4}$",
    # A browser's own print header and footer: the page address and the print date.
    r"^https?://(?:www\.)?eura20(?:07|14)\.fi/\S*(?:\s+\d{1,4}\s*/\s*\d{1,4})?$",
    r"^\d{1,2}\.\d{1,2}\.\d{4},? (?:klo )?\d{1,2}[.:]\d{2}$",
)
#: Lines the service's web site prints around a description (its chrome): the footer's
#: copyright, privacy and update-date lines, the ministry's and the service's names, and the
#: navigation links. They are no part of the document; a saved page (and a text copied from
#: one) carries them. Each matches a whole line only.
SITE_CHROME_PATTERNS = (
    r"^(?:©|\(c\)\s|copyright\s+(?:©|\(c\)|\d{4})).{0,120}$",
    r"^(?:sivu(?:a)? )?(?:päivitetty|muokattu|updated)\s*:?\s*\d{1,2}\.\d{1,2}\.\d{4}(?:,? (?:klo )?\d{1,2}[.:]\d{2})?\.?$",
    r"^(?:tietosuoja(?:seloste|käytäntö)?|saavutettavuusseloste|evästeet|evästeasetukset|sivukartta|etusivu"
    r"|siirry sisältöön|in english|på svenska|kirjaudu(?: sisään)?|hankehaku|tietoa palvelusta)$",
    r"^(?:työ- ja elinkeinoministeriö|rakennerahastot\.fi|eura ?20(?:07|14|21))$",
)
_FURNITURE = regex.compile("|".join(f"(?:{pattern})" for pattern in (*FURNITURE_PATTERNS, *SITE_CHROME_PATTERNS)), regex.I)
#: How many characters a line begins with that :func:`is_furniture` first asks the patterns about.
#: Few lines begin as furniture can ("Euroo", "Sivu ", "https"); five characters rule out the
#: rest (all but a few in a hundred lines) without running the whole pattern on them.
_FURNITURE_PREFIX = 5

# Characters that only look like spaces, or are invisible, in PDF and web exports.
_SPACES = regex.compile(r"[\p{Zs}\t\v\f]+")
_INVISIBLE = regex.compile(r"[\u00ad\u200b-\u200d\u2060\ufeff]|[\p{Cc}--[\t\n\r\f\v]]", regex.V1)
_ODD = re.compile("[\x00-\x1f\x7f-\xa0\xad\u1680\u2000-\u200f\u2028-\u202f\u205f-\u2064\u3000\ufeff]| {2}")
# A numbered heading, a "Label:" line, or a list item.
_NEW_LINE_START = regex.compile(r"^(?:\d{1,2}(?:\.\d{1,2}){0,2}\.?\s+\p{Lu}|\p{Lu}[^:]{0,80}:(?:\s|$)|[-–•*]\s)")
_SENTENCE_END = (".", "!", "?", ":", ";")
# A numbered heading: short, capitalised, no colon (the section splitter's own test is stricter).
_HEADING = regex.compile(r"^\d{1,2}(?:\.\d{1,2}){0,2}\.?\s+\p{Lu}[^:]{0,150}$")


def normalise_text(text: str) -> str:
    """One line's text in the form every later stage expects: NFC, one space between words."""
    if not text:
        return text  # a blank line: many of a text export's lines are
    # Most lines are already clean: one search instead of three passes keeps big builds fast.
    # Every character _ODD looks for is unprintable, so a printable line without two spaces in a
    # row needs no search at all (``isprintable`` is one C pass, many times faster).
    plain = (text.isprintable() and "  " not in text) or not _ODD.search(text)
    if plain and text == text.strip() and unicodedata.is_normalized("NFC", text):
        return text
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    return _SPACES.sub(" ", text).strip()


def is_furniture(text: str) -> bool:
    """Whether a normalised line is a page header, footer or page number, or the site's chrome."""
    return _may_begin_furniture(text[:_FURNITURE_PREFIX]) and _FURNITURE.match(text) is not None


@lru_cache(maxsize=4096)
def _may_begin_furniture(beginning: str) -> bool:
    """Whether a line that begins so can be furniture: the patterns match it partially (as a line
    that went on could match) or whole. Remembered, as most lines begin as many others do."""
    return _FURNITURE.match(beginning, partial=True) is not None


def join_broken(first: str, second: str) -> str:
    """Join two pieces of one line that a break cut apart.

    After a hyphen the pieces are one word (``Etelä-`` + ``Savon``, ``2010-`` + ``2012``): the
    hyphen stays, no space is added. Unless the next word is a conjunction, as in
    ``sosiaali- ja terveyspalvelut``.
    """
    if first.endswith("-") and len(first) > 1 and not first[-2].isspace():
        next_word = second.split(" ", 1)[0].casefold()
        if next_word not in CONJUNCTIONS:
            return first + second
    return f"{first} {second}"


def _continues(previous: str, following: str) -> bool:
    """Whether ``following``, after a break, is the rest of ``previous``'s sentence."""
    return bool(following) and following[0].islower() and not previous.endswith(_SENTENCE_END)


def _starts_anew(text: str) -> bool:
    """A heading, a ``Label: value`` line or a list item: it starts a line of its own."""
    return _NEW_LINE_START.match(text) is not None


def _ends_its_line(previous: str, following: str) -> bool:
    """A heading is a line of its own: only a line that continues its text (lower case) is the
    rest of it, as after a page break the reader cannot see."""
    return _HEADING.match(previous) is not None and not _continues(previous, following)


def clean(lines: Iterable[Line], *, page_breaks_known: bool = False) -> list[Line]:
    """Normalise, remove furniture and heal breaks; return the content lines.

    Furniture is a line a pattern of :data:`FURNITURE_PATTERNS` matches or a line the reader
    flagged ``furniture`` (a PDF's running header or footer, known by its place on the pages).

    ``page_breaks_known``: a PDF reader knows where its pages end, and from the geometry whether
    a line goes on (``soft_wrapped``); a web page has no pages. Only a text export hides its
    page breaks among its blank lines, so only there does a lower-case line after a blank line
    or furniture continue the line before it (when that did not end a sentence).
    """
    guess = not page_breaks_known
    content: list[Line] = []
    broken = False  # a possible hidden page break since the last content line (text exports)
    page_crossed = False  # a page boundary or page furniture since the last content line
    wrapped = False  # the last content line was soft-wrapped by the reader
    for line in lines:
        text = normalise_text(line.text)
        if line.page_break_before:
            broken, page_crossed = guess, True
        # A reader that recognised a running header or footer by its place on the page (PDF)
        # flags it: furniture whatever its text, as if a pattern had matched.
        if not text or line.furniture or is_furniture(text):
            broken = broken or guess
            page_crossed = page_crossed or bool(text)
            continue
        previous = content[-1] if content else None
        # Geometry cannot tell a paragraph that ends on a page's last line from one that goes
        # on: across a page, a heading or a label line is never the rest of the line before,
        # and a heading (on a page's last line, the next page's first word too long to have
        # fitted after it) is not continued by the next page's first line.
        joins_wrap = wrapped and not (
            page_crossed and (_starts_anew(text) or (previous is not None and _ends_its_line(previous.text, text)))
        )
        if previous is not None and (joins_wrap or (broken and _continues(previous.text, text))):
            content[-1] = Line(
                join_broken(previous.text, text),
                previous.number,
                previous.page,
                previous.page_break_before,
                line.soft_wrapped,
            )
        elif text is line.text:
            content.append(line)  # already clean (and not furniture): the same line, not a copy
        else:
            content.append(Line(text, line.number, line.page, line.page_break_before, line.soft_wrapped))
        wrapped = line.soft_wrapped
        broken = page_crossed = False
    return content
