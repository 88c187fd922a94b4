"""Read a plain-text export: detect its encoding, split it into lines."""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import Any

import regex

from .lines import Line, UnreadableDocument

# Control characters that no text export holds; many of them mean the bytes are not text.
_CONTROL = regex.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
#: The same characters as bytes. Each is one byte of its own in every encoding but UTF-16 (a
#: UTF-8 sequence and a Windows-1252 or Latin-1 letter beyond ASCII never hold one), so they can
#: be counted in the bytes, which is a C pass instead of a regular expression's.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F])
# Windows-1252 leaves these five bytes undefined, so a file holding them is Latin-1.
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode the bytes of a text export and say which encoding they were in.

    A byte-order mark decides; otherwise strict UTF-8, which Windows-1252 text with any Finnish
    letter practically never passes (``ä`` is one byte there, an invalid UTF-8 sequence), so the
    fallback to Windows-1252 (or Latin-1 where 1252 has a hole) does not guess wrong. A file that
    mixes the two is decoded line by line (see :func:`decode_lines`); after a UTF-8 byte-order
    mark too, since the mark says what the file was meant to be, not what a pasted paragraph is.
    """
    return decode_lines(data).pair


@dataclass(frozen=True)
class Decoded:
    """Text decoded from bytes, with the encoding used and the lines that needed the fallback.

    ``fallback_lines`` (1-based, as the lines of the file are numbered) is empty unless the file
    mixes UTF-8 with another encoding: then it holds the lines decoded as ``fallback``.
    """

    text: str
    encoding: str
    fallback: str | None = None
    fallback_lines: tuple[int, ...] = ()

    @property
    def pair(self) -> tuple[str, str]:
        """``(text, encoding)``; a mixed file's encoding is ``utf-8+cp1252`` (or ``+latin-1``)."""
        return self.text, self.encoding

    def mixed_encoding_warning(self, whole: str = "file", *, number_lines: bool = True) -> dict[str, Any] | None:
        """The ``mixed_encoding`` warning naming the lines read with the fallback, or ``None``.

        ``whole`` names what the lines are lines of (``file``, ``page``); ``number_lines``: the
        reader's lines are the file's lines, so the warning can point at the first one (a web
        page's lines are its blocks, not its source lines: no ``line`` then).
        """
        if not self.fallback_lines:
            return None
        subject = _line_runs(self.fallback_lines)
        verb = "is" if len(self.fallback_lines) == 1 else "are"
        name = _ENCODING_NAMES[self.fallback]
        # Imported here: the registry imports the read stage's Line, so not at the top.
        from ..warnings import warning

        return warning(
            "mixed_encoding",
            f"{subject} {verb} not UTF-8 like the rest of the {whole}: read as {name}",
            self.fallback_lines[0] if number_lines else None,
        )


_ENCODING_NAMES = {"cp1252": "Windows-1252", "latin-1": "Latin-1"}
#: A warning names this many runs of lines at most, then counts the rest.
MAX_NAMED_RUNS = 10


def _line_runs(numbers: tuple[int, ...]) -> str:
    """``(2, 3, 5)`` → ``lines 2–3, 5``; more than :data:`MAX_NAMED_RUNS` runs are counted."""
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    named = [f"{first}–{last}" if last > first else str(first) for first, last in runs[:MAX_NAMED_RUNS]]
    rest = len(runs) - len(named)
    listed = ", ".join(named) + (f" and {rest} more" if rest else "")
    return f"{'line' if len(numbers) == 1 else 'lines'} {listed}"


def decode_undeclared(data: bytes) -> tuple[str, str]:
    """Decode bytes that declare no encoding: strict UTF-8, else Windows-1252 (Latin-1 where
    1252 has a hole), line by line when the file mixes them, and say which. Every byte sequence
    decodes: nothing is refused here. See :func:`decode_lines`."""
    return _decode_undeclared(data).pair


def decode_lines(data: bytes) -> Decoded:
    """Decode a text export's bytes (BOM, else as :func:`decode_undeclared`), keeping note of the
    lines a mixed file needed the fallback for, so that the reader can warn about them."""
    if data.startswith(codecs.BOM_UTF8):
        # The mark declares UTF-8: any line that is not is the exception, even if it is every
        # line beyond ASCII.
        decoded = _decode_undeclared(data[len(codecs.BOM_UTF8) :], declared_utf8=True)
        return decoded if decoded.fallback_lines else Decoded(decoded.text, "utf-8-sig")
    for bom in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        if data.startswith(bom):
            try:
                return Decoded(data.decode("utf-16"), "utf-16")
            except UnicodeDecodeError as error:
                raise UnreadableDocument(f"not valid UTF-16 text after its byte-order mark ({error.reason} at byte {error.start})") from None
    return _decode_undeclared(data)


def _decode_undeclared(data: bytes, *, declared_utf8: bool = False) -> Decoded:
    """UTF-8, else line by line; ``declared_utf8``: a byte-order mark said UTF-8, so a file with
    no valid UTF-8 line beyond ASCII is still a UTF-8 file with exceptions, not a 1252 file."""
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    # A UTF-8 sequence never holds a line break's byte, so every line can be decoded on its own:
    # a Windows-1252 paragraph pasted into a UTF-8 file leaves the rest of the file UTF-8.
    pieces = data.splitlines(keepends=True)
    texts: list[str | None] = []
    utf8_letters = False  # a line beyond ASCII that is valid UTF-8
    fallback_lines: list[int] = []
    for number, piece in enumerate(pieces, 1):
        try:
            text = piece.decode("utf-8")
        except UnicodeDecodeError:
            texts.append(None)
            fallback_lines.append(number)
            continue
        utf8_letters = utf8_letters or not piece.isascii()
        texts.append(text)
    # One fallback for all the lines that need one, chosen as for a whole file.
    rest = b"".join(piece for piece, text in zip(pieces, texts) if text is None)
    fallback = "cp1252" if _CP1252_UNDEFINED.isdisjoint(rest) else "latin-1"
    text = "".join(piece.decode(fallback) if text is None else text for piece, text in zip(pieces, texts))
    if not utf8_letters and not declared_utf8:
        # No line needs UTF-8: a Windows-1252 (or Latin-1) file, decoded whole as before.
        return Decoded(text, fallback)
    return Decoded(text, f"utf-8+{fallback}", fallback, tuple(fallback_lines))


def split_lines(text: str) -> list[str]:
    """Split a text at every line ending: ``\\r\\n``, ``\\r`` or ``\\n``.

    Not :meth:`str.splitlines`, which also splits at a form feed (a page break here) and at
    other separators. String methods rather than the regular expression ``\\r\\n|\\r|\\n``:
    most files end their lines in ``\\n`` only, and a split at one character is many times faster.
    """
    if "\r" not in text:
        return text.split("\n")
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def read_text(data: bytes, *, warnings: list[dict[str, Any]] | None = None) -> list[Line]:
    """Split a text export into :class:`Line` objects, numbered as in the file.

    A form feed is a page break, as some exports write one between printed pages. ``warnings``,
    when given, receives what the reader noticed (``mixed_encoding``: lines not in the file's
    encoding), for the record's warnings.
    """
    decoded = decode_lines(data)
    text = decoded.text
    if not text or text.isspace():  # as ``not text.strip()``, without copying the text
        raise UnreadableDocument("empty file: no text in it")
    if decoded.encoding.startswith("utf-16"):
        controls = len(_CONTROL.findall(text))
    else:
        controls = len(data) - len(data.translate(None, _CONTROL_BYTES))
    if "\x00" in text or controls > max(8, len(text) // 1000):
        raise UnreadableDocument("not a text document: the file holds binary data")
    if "\f" not in text:
        # No form feed, no page break (most files): every line on page 1, made in one go.
        lines = [Line(raw, number, 1) for number, raw in enumerate(split_lines(text), start=1)]
    else:
        lines = _paged_lines(text)
    note = decoded.mixed_encoding_warning()
    if note is not None and warnings is not None:
        warnings.append(note)
    return lines


def _paged_lines(text: str) -> list[Line]:
    """The lines of a text that holds form feeds, each on its page."""
    lines: list[Line] = []
    page = 1
    for number, raw in enumerate(split_lines(text), start=1):
        page_break = False
        if "\f" in raw:
            # Text before the form feed ends the page, text after it starts the next one.
            before, _, after = raw.rpartition("\f")
            if before.replace("\f", "").strip():
                lines.append(Line(before.replace("\f", " "), number, page))
            page += raw.count("\f")
            raw, page_break = after, True
        lines.append(Line(raw, number, page, page_break))
    return lines
