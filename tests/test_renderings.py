"""The same records come out of a sample's PDF and web-page renderings as out of its text."""

from __future__ import annotations

import json

import pytest

from parser.parse import parse_bytes

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


@pytest.mark.parametrize("engine", ["pdfium", "pdfplumber"])
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
