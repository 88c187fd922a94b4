"""Typed values: every derived value (euros, dates, codes, booleans, lists) is computed here, once.

Each converter takes the raw text as written in the document and a ``warn(code, message)``
callback. It returns the typed value, or ``None`` when the raw text is empty or cannot be read;
in the latter case it warns with the raw text in the message, so nothing is lost.
Layout declarations name these converters by their key in :data:`CONVERTERS`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import regex
from stdnum.fi import ytunnus

from ..finnish import CONJUNCTIONS

Warn = Callable[[str, str], None]

_EUROS = regex.compile(r"^(?P<whole>\d{1,3}(?:[ .]\d{3})+|\d+)(?:[,.](?P<cents>\d{1,2}))?\s*(?:€|e|eur|euroa)?$", regex.I)
_COUNT = regex.compile(r"^\d+$")
# "14, joista naisia 12", "0, joista naisten työpaikkoja 0", "0, joista naisten perustamia 0"
_COUNT_WITH_WOMEN = regex.compile(r"^(?P<total>\d+)(?:\s*,\s*joista\s+nais\w*(?:\s+\w+)?\s+(?P<women>\d+))?$")
#: A date as Finnish writes it, ``d.m.yyyy`` (ASCII digits only).
DATE = r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})"
_ONE_DATE = regex.compile(rf"^{DATE}$")
_DATE_RANGE = regex.compile(rf"^Alkaa\s+{DATE}\s+ja\s+päättyy\s+{DATE}$", regex.I)
#: A project code: the fund's letter (S for ESR, A for EAKR) and 5 to 9 digits, as the service
#: and its lists write them (``S10324``, ``A531180``, ``A601070006``).
PROJECT_CODE = regex.compile(r"^[A-Z][0-9]{5,9}$")
_NUMBERED = regex.compile(r"^(?P<number>\d+(?:\.\d+)*)\s*[.:]?\s+(?P<name>\S.*)$")
_BUSINESS_ID = regex.compile(r"^\d{6,7}-\d$")
_EMAIL_AT = regex.compile(r"\s*\((?:at|ät|a)\)\s*", regex.I)
_YES = {"kyllä", "kylla", "ja"}
_NO = {"ei", "nej"}


def convert_text(raw: str, warn: Warn) -> str | None:
    """Text as written; an empty value is ``None``."""
    return raw.strip() or None


def convert_euros(raw: str, warn: Warn) -> int | None:
    """Whole euros from ``560 897``, ``560897``, ``560.897`` or ``64798,16`` (rounded half up)."""
    text = " ".join(raw.split())
    if not text:
        return None
    match = _EUROS.match(text)
    if match is None:
        warn("unreadable_euros", f"not an amount of euros: {raw!r}")
        return None
    whole = int(match["whole"].replace(" ", "").replace(".", ""))  # the thousands separators
    if match["cents"] is None:
        return whole
    amount = Decimal(f"{whole}.{match['cents']}")
    rounded = int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    warn("euros_rounded", f"{raw!r} rounded to whole euros: {rounded}")
    return rounded


def convert_count(raw: str, warn: Warn) -> int | None:
    """A whole number such as a participant count."""
    text = "".join(raw.split())
    if not text:
        return None
    # ASCII digits are digits for the pattern too; it is asked only about anything else.
    if not (text.isascii() and text.isdigit()) and not _COUNT.match(text):
        warn("unreadable_number", f"not a whole number: {raw!r}")
        return None
    return int(text)


def convert_count_with_women(raw: str, warn: Warn) -> tuple[int | None, int | None]:
    """``Suunniteltu: 14, joista naisia 12`` gives ``(14, 12)``; ``200`` gives ``(200, None)``."""
    text = " ".join(raw.split())
    if not text:
        return None, None
    match = _COUNT_WITH_WOMEN.match(text)
    if match is None:
        warn("unreadable_indicator", f"not an indicator value: {raw!r}")
        return None, None
    women = match["women"]
    return int(match["total"]), int(women) if women is not None else None


def finnish_date(text: str) -> datetime.date | None:
    """A ``d.m.yyyy`` date, or ``None`` when the text is not one (or names no real day)."""
    match = _ONE_DATE.match(text.strip())
    if match is None:
        return None
    day, month, year = (int(part) for part in match.groups())
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _date(day: str, month: str, year: str, raw: str, warn: Warn) -> datetime.date | None:
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        warn("unreadable_date", f"not a date: {day}.{month}.{year} in {raw!r}")
        return None


def convert_date_range(raw: str, warn: Warn) -> tuple[datetime.date | None, datetime.date | None]:
    """``Alkaa 1.7.2009 ja päättyy 31.8.2012`` gives ``(2009-07-01, 2012-08-31)``."""
    text = " ".join(raw.split())
    if not text:
        return None, None
    match = _DATE_RANGE.match(text)
    if match is None:
        warn("unreadable_date", f"not a period 'Alkaa D.M.YYYY ja päättyy D.M.YYYY': {raw!r}")
        return None, None
    g = match.groups()
    start = _date(g[0], g[1], g[2], raw, warn)
    end = _date(g[3], g[4], g[5], raw, warn)
    if start and end and end < start:
        warn("dates_reversed", f"the project ends before it starts: {raw!r}")
    return start, end


def convert_numbered(raw: str, warn: Warn) -> dict[str, str | None] | None:
    """``2: Työllistymisen …`` or ``10.1. Työelämän …`` gives ``{number, name}``."""
    text = " ".join(raw.split())
    if not text:
        return None
    match = _NUMBERED.match(text)
    if match is None:
        warn("unnumbered_value", f"no number in front of {raw!r}; kept as the name")
        return {"number": None, "name": text}
    return {"number": match["number"], "name": match["name"]}


def convert_business_id(raw: str, warn: Warn) -> str | None:
    """A Finnish business ID (Y-tunnus), kept as written; a bad check digit is only a warning.

    An ID is one word: whitespace between its digit pieces (``0171450- 7``) is where a wrap cut
    it and is removed, but not after a complete ID (two IDs stay two, see :func:`unwrap_address`).
    """
    text = unwrap_address(raw, _business_id_starts_new)
    if not text:
        return None
    if not _BUSINESS_ID.match(text) or not ytunnus.is_valid(text):
        warn("invalid_business_id", f"{text!r} does not pass the check-digit test of a business ID")
    return text


def convert_email(raw: str, warn: Warn) -> str | None:
    """An e-mail address with the service's ``(at)`` spam guard turned back into ``@``.

    An address is one word: whitespace inside it (``tanja.back@kuopio.f i``) is where a wrap cut
    it and is removed, but a piece with an ``@`` of its own after an address that has one starts
    a second address (see :func:`unwrap_address`). A value with no ``@`` is kept as written.
    """
    text = _EMAIL_AT.sub("@", raw.strip())
    if "@" in text:
        # Again after unwrapping: a wrap may have cut the guard itself ("(a t)").
        text = _EMAIL_AT.sub("@", unwrap_address(text, _email_starts_new))
    return text or None


#: The start of a web address: a scheme (``http://``) or ``www.``.
_URL_START = regex.compile(r"^(?:[a-z][a-z0-9+.-]*://|www\.)", regex.I)
#: A piece of a business ID: digits and hyphens only.
_ID_PIECE = regex.compile(r"^[0-9-]+$")


def unwrap_address(raw: str, starts_new: Callable[[str, str], bool]) -> str:
    """Remove the whitespace a wrap put inside an address; keep what separates two addresses.

    An address (web, e-mail, business ID) is one word, so the PDF breaks one too long for the
    line inside it and the reader joins the pieces with a space. Here every whitespace run is
    dropped, except after ``,`` or ``;``, on either side of a word of
    :data:`parser.finnish.CONJUNCTIONS` (``www.a.fi ja www.b.fi``), and where ``starts_new(address so
    far, next piece)`` says the next piece begins another address. Kept whitespace is one space.
    """
    parts: list[str] = []
    for piece in raw.split():
        if (
            not parts
            or parts[-1].endswith((",", ";"))
            or piece.casefold() in CONJUNCTIONS
            or parts[-1].casefold() in CONJUNCTIONS
            or starts_new(parts[-1], piece)
        ):
            parts.append(piece)
        else:
            parts[-1] += piece
    return " ".join(parts)


def _url_starts_new(address: str, piece: str) -> bool:
    """A web address begins with a scheme or ``www.``; any other piece is the rest of one."""
    return _URL_START.match(piece) is not None


def _email_starts_new(address: str, piece: str) -> bool:
    """Each e-mail address has one ``@``: a piece with its own after one that has one is new."""
    return "@" in address and "@" in piece


def _business_id_starts_new(address: str, piece: str) -> bool:
    """Only digit pieces of an unfinished ID are joined; a complete ID ends its address."""
    return _BUSINESS_ID.match(address) is not None or not (_ID_PIECE.match(address) and _ID_PIECE.match(piece))


def convert_url(raw: str, warn: Warn) -> str | None:
    """A web address, or several, as written but for the spaces a wrap put inside one.

    The rule: whitespace inside a web address is removed (``…valityomarkkinoille.h tml`` is
    ``…valityomarkkinoille.html``); a piece that begins with a scheme (``http://``) or ``www.``
    begins a new address, as does a piece after ``,`` or ``;`` or around ``ja``/``tai``/``and``…,
    so ``www.a.fi www.b.fi`` stays two addresses, one space apart. A bare host after an address
    (``www.a.fi oulu.fi``) cannot be told from the rest of a cut one and is joined to it. A value
    that does not begin with an address (a scheme, ``www.`` or a dot in its first word, so not
    ``Ei ole``) is kept as written.
    """
    text = raw.strip()
    if not text:
        return None
    first = text.split(None, 1)[0]
    if _URL_START.match(first) is None and "." not in first:
        return text
    return unwrap_address(text, _url_starts_new)


def convert_bool(raw: str, warn: Warn) -> bool | None:
    """``Kyllä`` is true and ``Ei`` is false."""
    text = raw.strip().rstrip(".").casefold()
    if not text:
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    warn("unreadable_boolean", f"expected Kyllä or Ei: {raw!r}")
    return None


def split_names(raw: str) -> list[str]:
    """Split a comma list of place names, in source order.

    A piece that starts in lower case continues the previous name: the service writes
    ``Sydösterbottens, kustregion`` for one sub-region.
    """
    names: list[str] = []
    for piece in raw.split(","):
        piece = " ".join(piece.split())
        if not piece:
            continue
        if names and piece[0].islower():
            names[-1] = f"{names[-1]}, {piece}"
        else:
            names.append(piece)
    return names


def convert_name_list(raw: str, warn: Warn) -> list[str]:
    """A comma list of names; see :func:`split_names`."""
    return split_names(raw)


def convert_co_implementer(raw: str, warn: Warn, organisation_types: frozenset[str] = frozenset()) -> dict[str, Any] | None:
    """One ``Osatoteuttajat`` line: ``Name, Y-tunnus`` or ``Name, Organisaatiotyyppi, Y-tunnus``.

    The name may itself hold commas and full stops, so the line is read from the right: the last
    piece is the business ID when it looks like one, the piece before it is the type only when it
    is a known organisation type, and everything else is the name.
    """
    text = " ".join(raw.split())
    if not text:
        return None
    pieces = [p.strip() for p in text.split(",")]
    business_id = None
    if len(pieces) > 1 and _BUSINESS_ID.match(pieces[-1]):
        business_id = convert_business_id(pieces.pop(), warn)
    else:
        warn("co_implementer_without_id", f"no Y-tunnus at the end of {raw!r}")
    org_type = None
    known = {t.casefold() for t in organisation_types}
    if len(pieces) > 1 and pieces[-1].casefold() in known:
        org_type = pieces.pop()
    name = ", ".join(pieces) or None
    return {"name": name, "type": org_type, "business_id": business_id}


#: Value types that are prose (a name, a numbered name, a list of names): a free line after one
#: in a ``Label: value`` section is the rest of it, whatever it says, as a wrap carries prose on.
PROSE_TYPES = frozenset({"text", "numbered", "name_list"})
#: Where a web address may be cut by a wrap: after or before one of these.
_URL_CUT = "/.-_=?&#%~+:"
#: A whole e-mail address: one ``@`` and a domain that ends in a dot and two letters or more.
_WHOLE_EMAIL = regex.compile(r"^[^@\s]+@[^@\s]+\.[^\W\d_]{2,}$")


def continues_value(value_type: str, value: str, piece: str, options: dict[str, Any] | None = None) -> bool:
    """Whether ``piece``, a line without a label under ``value``, is the rest of that value.

    Prose (:data:`PROSE_TYPES`) goes on whatever the line says. A typed value only takes a piece
    that a wrap cut from it, so no other line is glued to it:

    - an e-mail address, a business ID: only while the value is not yet a whole one (no domain
      ending, ``0171450-`` without its check digit), and only a piece of one word (for an ID,
      digits and hyphens), not one with an ``@`` of its own after an ``@``;
    - a web address: a piece of one word that starts no address of its own, where the address
      is cut at a ``/ . - _ = ? & # % ~ + :`` (the places a wrap breaks an address);
    - an amount, a count, a count with women, a period: a piece after which the value still
      reads as its type (``458`` + ``937``, ``Alkaa 1.7.2009 ja päättyy`` + ``31.8.2012``);
    - anything else (a yes or no, a co-implementer): nothing.
    """
    if value_type in PROSE_TYPES:
        return True
    piece = piece.strip()
    if not piece:
        return False
    if value_type in _READS_AFTER:
        return _reads(value_type, f"{value} {piece}", options)
    if len(piece.split()) != 1:
        return False  # a piece of an address is one word
    if value_type == "email":
        address = _EMAIL_AT.sub("@", value).strip()
        return (
            len(address.split()) == 1
            and not _WHOLE_EMAIL.match(address)
            and not ("@" in address and "@" in _EMAIL_AT.sub("@", piece))
        )
    if value_type == "business_id":
        return not _business_id_starts_new("".join(value.split()), piece)
    if value_type == "url":
        address = value.strip()
        cut = address.endswith(tuple(_URL_CUT)) or piece.startswith(tuple(_URL_CUT))
        return len(address.split()) == 1 and cut and not _url_starts_new(address, piece)
    return False


#: Value types a piece continues when the value still reads as its type with it.
_READS_AFTER = frozenset({"euros", "count", "count_with_women", "date_range"})


def _reads(value_type: str, raw: str, options: dict[str, Any] | None) -> bool:
    """Whether ``raw`` reads as ``value_type``: converted to a value, with no ``unreadable_*``."""
    codes: list[str] = []
    value = CONVERTERS[value_type](raw, lambda code, message: codes.append(code), **(options or {}))
    present = any(part is not None for part in value) if isinstance(value, tuple) else value is not None
    return present and not any(code.startswith("unreadable_") for code in codes)


CONVERTERS: dict[str, Callable[..., Any]] = {
    "text": convert_text,
    "euros": convert_euros,
    "count": convert_count,
    "count_with_women": convert_count_with_women,
    "date_range": convert_date_range,
    "numbered": convert_numbered,
    "business_id": convert_business_id,
    "email": convert_email,
    "url": convert_url,
    "bool": convert_bool,
    "name_list": convert_name_list,
    "co_implementer": convert_co_implementer,
}

#: Converters that fill two keys at once (the declaration gives a list of two keys).
PAIR_CONVERTERS = frozenset({"count_with_women", "date_range"})
