"""The same records come out of a sample's PDF and web-page renderings as out of its text."""

from __future__ import annotations

import json
from functools import cache

import pytest

from parser.parse import parse_bytes
from parser.read.pdf import PDF_ENGINES, read_pdf

from .conftest import expected_record, sample_text
from .render import render_html, render_pdf


def published_text(stem: str) -> str:
    """The document as the service shows it: the sample's text with its extraction artefacts
    (paragraphs cut by the page breaks of an earlier print) healed, as the hand-written
    expected text has it. A rendering of the raw text would turn those artefacts into real
    paragraph gaps, which no reader could see through."""
    return expected_record(stem)["text"]


def parse(data: bytes, name: str, **options) -> dict:
    return json.loads(parse_bytes(data, name, **options).model_dump_json())


@cache
def rendered_pdf(stem: str, **options) -> bytes:
    """A sample's published text rendered to PDF, once per sample and options (both engines and
    several tests read the same bytes)."""
    return render_pdf(published_text(stem), **options)


def without_source(record: dict) -> dict:
    """Every member of a record but ``source``, which says how the document was read."""
    return {member: value for member, value in record.items() if member != "source"}


def strings(value) -> list[str]:
    """Every string anywhere in a JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for member in value.values() for text in strings(member)]
    if isinstance(value, list):
        return [text for item in value for text in strings(item)]
    return []


# The record tests read with pdfium; pdfplumber is 45 times slower, so it reads one rendering of
# each kind and must see exactly the lines pdfium sees there (the last test of this module, and
# tests/test_read_pdf.py for every sample's plain rendering): the geometry after that is shared.
READ_WITH = ["pdfium"]


@pytest.mark.parametrize("engine", READ_WITH)
def test_pdf_rendering_gives_the_same_record(sample, engine):
    pdf = render_pdf(published_text(sample))
    got = parse(pdf, f"{sample}.pdf", pdf_engine=engine)
    expected = expected_record(sample)
    assert got["source"]["format"] == "pdf"
    assert got["source"]["pages"] >= 2
    assert got["project"] == expected["project"]
    assert got["text"] == expected["text"]
    assert (got["kind"], got["template"], got["title"], got["warnings"]) == (expected["kind"], expected["template"], expected["title"], expected["warnings"])


def test_pdf_with_small_pages_wraps_label_values_and_still_reads(description):
    """A larger font wraps more `Label: value` lines and cuts more paragraphs at page breaks."""
    got = parse(render_pdf(published_text(description), font_size=14), f"{description}.pdf")
    assert got["project"] == expected_record(description)["project"]


def test_pdf_without_furniture(description):
    got = parse(render_pdf(published_text(description), header=None, footer=False), f"{description}.pdf")
    assert got["project"] == expected_record(description)["project"]


def test_html_rendering_gives_the_same_record(sample):
    got = parse(render_html(published_text(sample)), f"{sample}.html")
    expected = expected_record(sample)
    assert got["source"]["format"] == "html"
    assert got["source"]["pages"] is None
    for member in ("kind", "template", "title", "warnings", "project", "text"):
        assert got[member] == expected[member], member


def test_html_is_recognised_by_content_whatever_its_name():
    got = parse(render_html(sample_text("S20334")), "download")
    assert got["source"]["format"] == "html"
    assert got["project"]["code"] == "S20334"


def test_script_in_a_description_stays_text():
    text = sample_text("S20334").replace("Hankkeen nimi: Osallistavan", "Hankkeen nimi: <script>alert(1)</script> Osallistavan")
    got = parse(render_html(text), "x.html")
    assert got["project"]["name"] == "<script>alert(1)</script> Osallistavan sosiaalisen tuen kehittämishanke"


#: A running header that none of the clean stage's furniture patterns knows: only the geometry
#: (the same text at the same height on every page) shows it is furniture.
UNKNOWN_HEADER = "Hankerekisterin tuloste – ESR"


@pytest.mark.parametrize("engine", READ_WITH)
def test_pdf_running_header_unknown_to_the_patterns_is_dropped(description, engine):
    got = parse(rendered_pdf(description, header=UNKNOWN_HEADER), f"{description}.pdf", pdf_engine=engine)
    assert [text for text in strings(got) if UNKNOWN_HEADER in text] == []
    assert without_source(got) == expected_record(description)


@pytest.mark.parametrize("font_size", [10, 17])
@pytest.mark.parametrize("engine", READ_WITH)
def test_pdf_with_every_heading_at_a_page_foot(description, engine, font_size):
    """A heading on a page's last line, its section on the next page. At 17 points some headings
    are long enough that the next page's first word would not have fitted after them, so the
    geometry cannot rule out a wrap: the heading must still stay a line of its own."""
    pdf = rendered_pdf(description, headings_at_page_foot=True, font_size=font_size)
    got = parse(pdf, f"{description}.pdf", pdf_engine=engine)
    expected = expected_record(description)
    assert got["warnings"] == expected["warnings"]
    assert got["project"].get("gender_equality") == expected["project"].get("gender_equality")
    assert got["project"] == expected["project"]
    # ``text`` is the lines as the reader saw them: at 17 points S10673's project web address is
    # too long for a line and the PDF cuts it, so that line (only a web address) keeps the
    # wrap's space. The typed value has none (``project`` above).
    got_lines, expected_lines = got["text"].split("\n"), expected["text"].split("\n")
    assert len(got_lines) == len(expected_lines)
    for got_line, expected_line in zip(got_lines, expected_lines):
        if got_line != expected_line:
            assert "www." in expected_line and got_line.replace(" ", "") == expected_line.replace(" ", "")
    assert {**without_source(got), "text": None} == {**expected, "text": None}


#: Values of S10962's implementer and contact replaced by made-up ones too long for a line at
#: 14 points: the addresses are one word each, so the PDF breaks them inside, where the reader
#: sees a wrap; the street address has spaces, so it wraps between its words. (The made-up
#: addresses' long parts have no hyphens: a piece ending in one is already joined without a space.)
LONG_VALUES = {
    "Toteuttajaorganisaation Web-osoite: www.kuopio.fi": "Toteuttajaorganisaation Web-osoite: https://www.example-kaupunki.fi/palvelut/tyollisyys/valityomarkkinoillesiirtymisentuki.html",
    "Projektin kotisivun osoite:": "Projektin kotisivun osoite: www.example-kaupunki.fi/hankkeet/asunnottomuudenehkaisy/savonmalli2010/index.html www.kuopio.fi/savonmalli",
    "Sähköposti: jarmo.rautjarvi(at)kuopio.fi": "Sähköposti: jarmo.rautjarvi.tyollisyyspalvelujenkehittamisryhma(at)example-kaupunginhallinto.fi",
    "Osoite: Minna Canthinkatu 28 / PL 227": "Osoite: Minna Canthinkatu 28 / PL 227, Kuopion kaupunginhallituksen asunnottomuustyön toimintayksikkö",
}


@cache
def long_values_pdf() -> bytes:
    text = published_text("S10962")
    for old, new in LONG_VALUES.items():
        assert text.count(f"\n{old}\n") == 1, old
        text = text.replace(f"\n{old}\n", f"\n{new}\n")
    return render_pdf(text, font_size=14)


@pytest.mark.parametrize("engine", READ_WITH)
def test_an_address_wrapped_inside_gains_no_space(engine):
    """A web address, an e-mail address or a business ID is one word: a wrap inside it is no
    space. A street address is words: its wrap is the space between two of them."""
    lines, _ = read_pdf(long_values_pdf(), engine=engine)
    texts = [line.text for line in lines]
    # The render really cut each address inside a word (not after a hyphen).
    for piece in ("https://www.example-kaupunki.fi/", "www.example-kaupunki.fi/hankkeet/", "jarmo.rautjarvi."):
        cut = next(i for i, text in enumerate(texts) if text.startswith(piece))
        assert lines[cut].soft_wrapped and not texts[cut].endswith("-") and texts[cut + 1][:1].isalnum()
    assert lines[texts.index("Osoite: Minna Canthinkatu 28 / PL 227, Kuopion kaupunginhallituksen")].soft_wrapped
    got = parse(long_values_pdf(), "S10962.pdf", pdf_engine=engine)["project"]
    assert got["implementer"] == {
        **expected_record("S10962")["project"]["implementer"],
        "website": "https://www.example-kaupunki.fi/palvelut/tyollisyys/valityomarkkinoillesiirtymisentuki.html",
        # Two addresses one after the other stay two.
        "project_website": "www.example-kaupunki.fi/hankkeet/asunnottomuudenehkaisy/savonmalli2010/index.html www.kuopio.fi/savonmalli",
        "street_address": "Minna Canthinkatu 28 / PL 227, Kuopion kaupunginhallituksen asunnottomuustyön toimintayksikkö",
    }
    assert got["contact"]["email"] == "jarmo.rautjarvi.tyollisyyspalvelujenkehittamisryhma@example-kaupunginhallinto.fi"


#: One rendering of each kind the tests above read, for the second engine.
SECOND_ENGINE_RENDERINGS = {
    "running header no pattern knows": lambda: rendered_pdf("S20334", header=UNKNOWN_HEADER),
    "every heading at a page foot, 17 pt": lambda: rendered_pdf("S10673", headings_at_page_foot=True, font_size=17),
    "addresses cut inside a word": lambda: long_values_pdf(),
}


@pytest.mark.parametrize("kind", SECOND_ENGINE_RENDERINGS)
def test_pdfplumber_reads_each_kind_of_rendering_as_pdfium_does(kind):
    data = SECOND_ENGINE_RENDERINGS[kind]()
    assert set(PDF_ENGINES) == {"pdfium", "pdfplumber"}
    assert read_pdf(data, engine="pdfplumber") == read_pdf(data, engine="pdfium")
