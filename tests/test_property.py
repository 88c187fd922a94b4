"""Property-based tests: whatever text arrives, the parser answers with a record or a clear error."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parser.clean import clean, is_furniture, normalise_text
from parser.extract.engine import parse_lines
from parser.parse import parse_bytes
from parser.read import UnreadableDocument
from parser.read.lines import Line
from parser.records import Document, document_json

from .conftest import ROOT, SAMPLES, sample_text

SAMPLE_LINES = sorted({line for stem in SAMPLES for line in sample_text(stem).splitlines()})
FRAGMENTS = [
    "Hankekoodi:", "Projektikoodi: S1", "Toimintalinja: ", "Suunniteltu: 1, joista naisia", "Alkaa 1.1.2000 ja päättyy",
    "Euroopan sosiaalirahaston (ESR) rahoittaman hankkeen kuvaus", "Euroopan sosiaalirahaston (ESR) rahoittaman projektin kuvaus",
    "8.2 Kestävä kehitys", "Osatoteuttajat:", ", 0171450-7", "Sivu 1 / 2", "\f", "\u00a0", "\r", ":", "-", "3.1", "10 ",
]

settings.register_profile("default", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("default")


def _parse(data: bytes) -> Document | None:
    try:
        document = parse_bytes(data, "fuzz.txt")
    except UnreadableDocument as error:
        assert str(error) and "\n" not in str(error)
        return None
    assert document.kind in ("description", "other")
    return document


@given(st.text())
def test_arbitrary_text_never_raises(text):
    _parse(text.encode("utf-8", "surrogatepass") if not any(0xD800 <= ord(c) <= 0xDFFF for c in text) else b"")


@given(st.binary(max_size=4096))
def test_arbitrary_bytes_never_raise(data):
    _parse(data)


document_lines = st.lists(st.one_of(st.sampled_from(SAMPLE_LINES), st.sampled_from(FRAGMENTS), st.text(max_size=80)), max_size=120)


@given(document_lines)
def test_shuffled_description_lines_never_raise(lines):
    """Real lines in any order and mixture: headings without sections, labels out of place."""
    document = _parse("\n".join(lines).encode("utf-8", "replace"))
    if document is not None and document.project is not None:
        assert document.template in ("esr-2007", "esr-2014")


#: What exports put into lines besides the words: invisible characters (soft hyphen, zero-width
#: space and joiner, word joiner, a byte-order mark), odd spaces (no-break, thin, ideographic,
#: a tab) and a decomposed letter (``a`` + combining diaeresis: ``ä`` in NFD).
ODD_CHARACTERS = ["\u00ad", "\u200b", "\u200d", "\u2060", "\ufeff", "\u00a0", "\u2009", "\u3000", "\t", "a\u0308", "  "]


def content_pieces(lines: list[str]) -> list[str]:
    """The lines the clean stage keeps, as it writes them: every line normalised (NFC, invisible
    characters removed, spacing collapsed, stripped), blank lines and page furniture left out.
    Joining broken lines only puts a space, a newline or nothing between them."""
    pieces = (normalise_text(line) for line in lines)
    return [piece for piece in pieces if piece and not is_furniture(piece)]


def without_whitespace(text: str) -> str:
    return "".join(text.split())


# Each example parses a whole description: 120 of them cover the four samples well.
@settings(max_examples=120)
@given(st.sampled_from(SAMPLES[:4]), st.data())
def test_deleting_lines_from_a_description_loses_and_invents_no_text(stem, data):
    """Whatever lines are deleted (and whatever odd characters sit in the rest), the record's
    ``text`` is exactly the kept content lines in order: only a newline, a space or (after a
    hyphen) nothing between them, no character lost, added or moved."""
    lines = sample_text(stem).split("\n")
    keep = data.draw(st.lists(st.booleans(), min_size=len(lines), max_size=len(lines)))
    kept = [line for line, k in zip(lines, keep) if k]
    damage = data.draw(st.lists(st.tuples(st.integers(0, max(len(kept) - 1, 0)), st.integers(0, 200), st.sampled_from(ODD_CHARACTERS)), max_size=8))
    for index, position, odd in damage:
        if kept:
            kept[index] = kept[index][:position] + odd + kept[index][position:]
    pieces = content_pieces(kept)
    document = _parse("\n".join(kept).encode())
    if document is None:
        assert pieces == []  # refused only when nothing but blanks and furniture was left
        return
    assert without_whitespace(document.text) == without_whitespace("".join(pieces))
    text, position = document.text, 0
    for number, piece in enumerate(pieces):
        if number:
            separator = text[position] if text[position] in " \n" else ""
            assert separator or text[position - 1] == "-", (text[position - 20 : position + 20], piece)
            position += len(separator)
        assert text.startswith(piece, position), (text[position : position + 80], piece)
        position += len(piece)
    assert position == len(text)


@given(document_lines)
def test_parsing_is_deterministic(lines):
    data = "\n".join(lines).encode("utf-8", "replace")
    try:
        first, second = parse_bytes(data, "x.txt"), parse_bytes(data, "x.txt")
    except UnreadableDocument:
        return
    assert document_json(first) == document_json(second)


def test_parsing_is_deterministic_across_processes_and_hash_seeds(tmp_path):
    """The same files parsed in two fresh processes whose string hashes differ (set and dict
    order, any hash-keyed choice), one with one worker and one with all cores: the same bytes.

    The files are made here from a fixed seed, as the strategies above make them: real lines in
    any order and mixture, fragments, odd characters and random text; with the samples themselves.
    """
    generator = random.Random(20_821)
    alphabet = "abcdeäöåABCDÄÖ0123456789 .,:;-()/\u00ad\u00a0\u200b\t€%"
    for number in range(60):
        lines = []
        for _ in range(generator.randrange(0, 120)):
            pick = generator.random()
            if pick < 0.7:
                lines.append(generator.choice(SAMPLE_LINES))
            elif pick < 0.85:
                lines.append(generator.choice(FRAGMENTS))
            else:
                lines.append("".join(generator.choice(alphabet) for _ in range(generator.randrange(0, 80))))
        (tmp_path / f"doc-{number:02}.txt").write_bytes("\n".join(lines).encode("utf-8", "replace"))
    for stem in SAMPLES:
        (tmp_path / f"{stem}.txt").write_text(sample_text(stem), encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")  # and one refused file, reported on stderr

    def run(seed: str, *args: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "PYTHONHASHSEED": seed}
        command = [sys.executable, "-m", "parser", "parse", str(tmp_path), "--format", "jsonl", *args]
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, timeout=300)

    first, second = run("1", "--jobs", "1"), run("2")
    records = [json.loads(line) for line in first.stdout.splitlines()]
    assert first.returncode == 1 and b"empty.txt: empty file" in first.stderr
    assert len(records) > 40 and {r["kind"] for r in records} == {"description", "other"}
    assert sum(1 for r in records if r["project"] and r["project"]["code"]) > 5
    assert (second.returncode, second.stdout, second.stderr) == (first.returncode, first.stdout, first.stderr)


@given(st.lists(st.tuples(st.text(max_size=60), st.booleans(), st.booleans()), max_size=60))
def test_clean_and_engine_accept_any_reader_output(raw_lines):
    lines = [Line(text, number, 1, page_break, wrapped) for number, (text, page_break, wrapped) in enumerate(raw_lines, 1)]
    cleaned = clean(lines)
    assert all(line.text and line.text == line.text.strip() for line in cleaned)
    parse_lines(cleaned)
