"""Property-based tests: whatever text arrives, the parser answers with a record or a clear error."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parser.clean import clean
from parser.extract.engine import parse_lines
from parser.parse import parse_bytes
from parser.read import UnreadableDocument
from parser.read.lines import Line
from parser.records import Document, document_json

from .conftest import SAMPLES, sample_text

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


@given(st.sampled_from(SAMPLES[:4]), st.data())
def test_deleting_lines_from_a_description_never_raises_and_is_reported(stem, data):
    lines = sample_text(stem).split("\n")
    keep = data.draw(st.lists(st.booleans(), min_size=len(lines), max_size=len(lines)))
    kept = [line for line, k in zip(lines, keep) if k]
    document = _parse("\n".join(kept).encode())
    if document is not None and document.project is not None:
        # Everything that survived is still in the text; nothing new appears.
        assert set(document.text.split("\n")) <= {" ".join(line.split()) for line in kept} | set(document.text.split("\n"))


@given(document_lines)
def test_parsing_is_deterministic(lines):
    data = "\n".join(lines).encode("utf-8", "replace")
    try:
        first, second = parse_bytes(data, "x.txt"), parse_bytes(data, "x.txt")
    except UnreadableDocument:
        return
    assert document_json(first) == document_json(second)


@given(st.lists(st.tuples(st.text(max_size=60), st.booleans(), st.booleans()), max_size=60))
def test_clean_and_engine_accept_any_reader_output(raw_lines):
    lines = [Line(text, number, 1, page_break, wrapped) for number, (text, page_break, wrapped) in enumerate(raw_lines, 1)]
    cleaned = clean(lines)
    assert all(line.text and line.text == line.text.strip() for line in cleaned)
    parse_lines(cleaned)
