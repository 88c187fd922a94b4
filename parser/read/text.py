"""Read a plain-text export: detect its encoding, split it into lines."""

from __future__ import annotations

import codecs

import regex

from .lines import Line, UnreadableDocument

# Control characters that no text export holds; many of them mean the bytes are not text.
_CONTROL = regex.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
# Windows-1252 leaves these five bytes undefined, so a file holding them is Latin-1.
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")
_NEWLINE = regex.compile(r"\r\n|\r|\n")


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode the bytes of a text export and say which encoding they were in.

    A byte-order mark decides; otherwise strict UTF-8, which Windows-1252 text with any Finnish
    letter practically never passes (``ä`` is one byte there, an invalid UTF-8 sequence), so the
    fallback to Windows-1252 (or Latin-1 where 1252 has a hole) does not guess wrong.
    """
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as error:
                raise UnreadableDocument(f"not valid {encoding.upper()} text after its byte-order mark ({error.reason} at byte {error.start})") from None
    return decode_undeclared(data)


def decode_undeclared(data: bytes) -> tuple[str, str]:
    """Decode bytes that declare no encoding: strict UTF-8, else Windows-1252 (Latin-1 where
    1252 has a hole), and say which. Every byte sequence decodes: nothing is refused here."""
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if _CP1252_UNDEFINED.isdisjoint(data):
        return data.decode("cp1252"), "cp1252"
    return data.decode("latin-1"), "latin-1"


def read_text(data: bytes) -> list[Line]:
    """Split a text export into :class:`Line` objects, numbered as in the file.

    A form feed is a page break, as some exports write one between printed pages.
    """
    text, _ = decode_text(data)
    if not text.strip():
        raise UnreadableDocument("empty file: no text in it")
    controls = len(_CONTROL.findall(text))
    if "\x00" in text or controls > max(8, len(text) // 1000):
        raise UnreadableDocument("not a text document: the file holds binary data")
    lines: list[Line] = []
    page = 1
    for number, raw in enumerate(_NEWLINE.split(text), start=1):
        page_break = False
        if "\f" in raw:
            # Text before the form feed ends the page, text after it starts the next one.
            before, _, after = raw.rpartition("\f")
            if before.replace("\f", "").strip():
                lines.append(Line(before.replace("\f", " "), number, page))
            page += raw.count("\f")
            raw, page_break = after, True
        lines.append(Line(raw, number, page, page_break_before=page_break))
    return lines
