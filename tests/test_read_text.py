"""The text reader's decoding: one encoding a file, or one a line when a file mixes two."""

from __future__ import annotations

import codecs

from parser.read.text import decode_text, decode_undeclared, read_text

UTF8_LINE = "Hankkeen nimi: Työllisyyttä ja hyvinvointia Etelä-Savoon"
CP1252_LINE = "Kohderyhmä: nuoret – erityisesti ”työelämän” ulkopuolella olevat"


def test_utf8_and_windows_1252_files_decode_whole_without_a_note():
    text = f"{UTF8_LINE}\n{CP1252_LINE}\n"
    assert decode_undeclared(text.encode("utf-8")) == (text, "utf-8")
    assert decode_undeclared(text.encode("cp1252")) == (text, "cp1252")
    # A byte Windows-1252 leaves undefined (0x81) makes the non-UTF-8 lines Latin-1.
    assert decode_undeclared("Työ\x81\n".encode("latin-1")) == ("Työ\x81\n", "latin-1")
    warnings: list = []
    assert [line.text for line in read_text(text.encode("cp1252"), warnings=warnings)] == [UTF8_LINE, CP1252_LINE, ""]
    assert warnings == []


def test_a_windows_1252_paragraph_in_a_utf8_file_is_decoded_line_by_line():
    data = b"\n".join([UTF8_LINE.encode("utf-8"), b"", CP1252_LINE.encode("cp1252"), b"Vain ASCII", "Loppu: ääkköset".encode()])
    text, encoding = decode_undeclared(data)
    assert text == f"{UTF8_LINE}\n\n{CP1252_LINE}\nVain ASCII\nLoppu: ääkköset"
    assert encoding == "utf-8+cp1252"
    # The same with Windows line endings and after a UTF-8 byte-order mark.
    text, encoding = decode_text(codecs.BOM_UTF8 + data.replace(b"\n", b"\r\n"))
    assert text == f"{UTF8_LINE}\r\n\r\n{CP1252_LINE}\r\nVain ASCII\r\nLoppu: ääkköset"
    assert encoding == "utf-8+cp1252"


def test_read_text_warns_about_the_lines_it_read_as_windows_1252():
    lines = [UTF8_LINE, CP1252_LINE, CP1252_LINE, "ASCII", CP1252_LINE, UTF8_LINE]
    data = b"\n".join(line.encode("cp1252" if line == CP1252_LINE else "utf-8") for line in lines)
    warnings: list = []
    read = read_text(data, warnings=warnings)
    assert [line.text for line in read] == lines
    assert warnings == [
        {
            "code": "mixed_encoding",
            "message": "lines 2–3, 5 are not UTF-8 like the rest of the file: read as Windows-1252",
            "line": 2,
        }
    ]


def test_the_note_names_at_most_ten_runs_of_lines():
    lines = [UTF8_LINE] + [CP1252_LINE if number % 2 else "x" for number in range(1, 30)]
    data = b"\n".join(line.encode("cp1252" if line == CP1252_LINE else "utf-8") for line in lines)
    warnings: list = []
    read_text(data, warnings=warnings)
    [warning] = warnings
    assert warning["message"] == (
        "lines 2, 4, 6, 8, 10, 12, 14, 16, 18, 20 and 5 more are not UTF-8 like the rest of the file: read as Windows-1252"
    )
