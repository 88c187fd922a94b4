"""The HTML reader, apart from parsing: saved service pages read back as a browser shows them."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parser.read.html import MAX_HTML_BYTES, MAX_NESTING, read_html, read_html_page
from parser.read.lines import UnreadableDocument

from .render import paragraphs, render_html

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
SAMPLES = sorted(CORPUS.glob("*.txt"))


def texts(markup: str | bytes) -> list[str]:
    """The line texts of a page, blank lines included."""
    data = markup.encode("utf-8") if isinstance(markup, str) else markup
    return [line.text for line in read_html(data)]


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda path: path.stem)
def test_sample_page_reads_back_as_written(sample: Path) -> None:
    text = sample.read_text(encoding="utf-8")
    lines = read_html(render_html(text))

    assert [line.text for line in lines if line.text] == paragraphs(text)
    assert [line.number for line in lines] == list(range(1, len(lines) + 1))
    assert all(line.page is None and not line.soft_wrapped for line in lines)
    # One blank between blocks: never at the ends, never two in a row.
    assert lines[0].text and lines[-1].text
    assert all(a.text or b.text for a, b in zip(lines, lines[1:]))


def test_sample_page_structure_and_title() -> None:
    data = render_html((CORPUS / "S20334.txt").read_text(encoding="utf-8"))
    assert b'<div class="section"><h2>10 Esimerkkihanke</h2>' in data
    assert "<h3>8.2 Kestävä kehitys</h3>".encode() in data
    page = read_html_page(data)
    assert page.title == "Euroopan sosiaalirahaston (ESR) rahoittaman hankkeen kuvaus"


def test_text_without_headings_is_paragraphs_only() -> None:
    data = render_html("Yksi kappale.\n\nToinen kappale.")
    assert b"<h1>" not in data and b"<h2>" not in data
    assert texts(data) == ["Yksi kappale.", "", "Toinen kappale."]


def test_entities_are_decoded() -> None:
    markup = "<p>Ty&ouml;llistyminen &amp; osallisuus &#8211; &#x2014; 5&nbsp;000&nbsp;&euro; &lt;b&gt;</p>"
    assert texts(markup) == ["Työllistyminen & osallisuus – — 5 000 € <b>"]


def test_br_separates_lines_of_one_paragraph() -> None:
    markup = (
        "<p>Suunniteltu: 14, joista naisia 12<br>Toteutunut: 67<br/>Kolmas rivi</br>Neljäs</p>"
        "<p>Seuraava kappale<br><br>tyhjän rivin jälkeen</p>"
    )
    assert texts(markup) == [
        "Suunniteltu: 14, joista naisia 12",
        "Toteutunut: 67",
        "Kolmas rivi",
        "Neljäs",
        "",
        "Seuraava kappale",
        "",
        "tyhjän rivin jälkeen",
    ]


def test_nested_divs_make_blocks() -> None:
    markup = (
        '<div class="section"><div><h2>1 Hanke</h2><div><p>Hankekoodi: S20334</p>'
        "<div>Irrallinen teksti<div>Sisempi</div>jatkuu</div></div></div></div>"
    )
    assert texts(markup) == [
        "1 Hanke",
        "",
        "Hankekoodi: S20334",
        "",
        "Irrallinen teksti",
        "",
        "Sisempi",
        "",
        "jatkuu",
    ]


def test_whitespace_collapses_as_rendered() -> None:
    markup = "<p>\n   Projektin\n\tnimi:   <b>ATTE</b>  </p><p>Label:<span>arvo</span></p>"
    assert texts(markup) == ["Projektin nimi: ATTE", "", "Label:arvo"]


def test_script_style_head_and_title_are_not_text() -> None:
    markup = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Hankkeen kuvaus</title>
        <style>p { color: red; } /* <p>ei tekstiä</p> */</style>
        <script>var s = "<p>ei tekstiä</p>"; if (a < b) {}</script></head>
        <body><!-- kommentti --><noscript>Ota JavaScript käyttöön</noscript>
        <h1>Otsikko</h1><script type="text/javascript">document.write("x")</script>
        <p>Teksti</p><template><p>malli</p></template></body></html>"""
    page = read_html_page(markup.encode("utf-8"))
    assert [line.text for line in page.lines] == ["Otsikko", "", "Teksti"]
    assert page.title == "Hankkeen kuvaus"


def test_unclosed_head_and_title_end_at_the_body() -> None:
    page = read_html_page(b"<html><head><title>Otsikko<body><p>Teksti")
    assert [line.text for line in page.lines] == ["Teksti"]
    assert page.title == "Otsikko"


def test_lists_tables_and_headings_are_lines() -> None:
    markup = (
        "<h3>7.2 Osallistuvien henkilöiden lukumäärä</h3><ul><li>Yksi</li><li>Kaksi</ul>"
        "<table><tr><th>Suunniteltu</th><td>14</td></tr><tr><td>Toteutunut</td><td>67</td></tr></table>"
    )
    assert [t for t in texts(markup) if t] == [
        "7.2 Osallistuvien henkilöiden lukumäärä",
        "Yksi",
        "Kaksi",
        "Suunniteltu 14",
        "Toteutunut 67",
    ]


def test_pre_keeps_its_line_breaks() -> None:
    assert texts("<pre>Rivi yksi\n  Rivi   kaksi\n</pre><p>Jälkeen</p>") == [
        "Rivi yksi",
        "Rivi kaksi",
        "",
        "Jälkeen",
    ]


@pytest.mark.parametrize(
    "head",
    [
        '<meta charset="windows-1252">',
        "<meta charset=iso-8859-1>",
        '<meta http-equiv="Content-Type" content="text/html; charset=Windows-1252">',
        "",  # undeclared: not UTF-8, so Windows-1252
    ],
    ids=["charset", "latin-1-label", "http-equiv", "undeclared"],
)
def test_windows_1252_page(head: str) -> None:
    page = f"<html><head>{head}</head><body><p>Työllistyminen – Åbo „lainaus”</p></body></html>"
    assert texts(page.encode("cp1252")) == ["Työllistyminen – Åbo „lainaus”"]


def test_byte_order_marks_decide_the_encoding() -> None:
    markup = '<meta charset="windows-1252"><p>Hyvinvointi ja työ</p>'
    assert texts(b"\xef\xbb\xbf" + markup.encode("utf-8")) == ["Hyvinvointi ja työ"]
    assert texts(b"\xff\xfe" + markup.encode("utf-16-le")) == ["Hyvinvointi ja työ"]


def test_declared_utf8_with_bad_bytes_is_replaced_not_refused() -> None:
    assert texts(b'<meta charset="utf-8"><p>Ty\xf6</p>') == ["Ty\ufffd"]


def test_unknown_marked_sections_are_skipped() -> None:
    """Word's <![if ...]> and unknown <![...]> sections are skipped, not fatal to html.parser."""
    assert texts("<p><![if !supportLists]>1.<![endif]> Kohta</p><p><![foo bar]>Teksti</p>") == [
        "1. Kohta",
        "",
        "Teksti",
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "no text"),
        (b"<html><head><title>x</title></head><body> </body></html>", "no text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), "binary"),
        (bytes(range(256)) * 4, "binary"),
    ],
    ids=["empty", "no-text", "png", "binary"],
)
def test_unreadable_pages_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(UnreadableDocument, match=message):
        read_html(data)


def test_too_large_page_is_refused() -> None:
    with pytest.raises(UnreadableDocument, match="too large"):
        read_html(b"<p>" + b"a" * MAX_HTML_BYTES)


def test_nesting_is_capped() -> None:
    with pytest.raises(UnreadableDocument, match="nested too deeply"):
        read_html(b"<pre>" * (MAX_NESTING + 1) + b"x")
    # Unclosed ordinary elements are not tracked, so a deep pile of them still reads.
    assert texts(b"<div>" * 10_000 + b"syva") == ["syva"]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_garbage_bytes_raise_nothing_but_unreadable(data: bytes) -> None:
    try:
        lines = read_html(data)
    except UnreadableDocument as error:
        assert "\n" not in str(error)
    else:
        assert all(line.text == line.text.strip() for line in lines)


MARKUP_PIECES = st.sampled_from(
    ["<p>", "</p>", "<br>", "<div>", "</div>", "<script>", "</script>", "<pre>", "</pre>", "<head>",
     "<title>", "</title>", "<body>", "&amp;", "&#x", "&#99999999;", "<!--", "-->", "<![CDATA[",
     "]]>", "<![", "if", "]>", "<!", "<?", "<a href='", '"', ">", "<", "teksti", "ä", " ", "\n", "\x00", "\ufffd"]
)  # fmt: skip


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(MARKUP_PIECES, max_size=60))
def test_broken_markup_raises_nothing_but_unreadable(pieces: list[str]) -> None:
    try:
        read_html("".join(pieces).encode("utf-8"))
    except UnreadableDocument:
        pass


# -------------------------------------------------- elements a careless page leaves unclosed


def test_an_unclosed_svg_ends_where_a_browser_ends_it() -> None:
    """An ``svg`` or ``math`` start tag opens foreign content, which a browser leaves at the next
    "breakout" start tag (``p``, ``div``, ``h1``–``h6``, ``ul``, ``table``, ``br``, ``span`` …)."""
    markup = '<p>Ennen</p><svg width="10"><title>Logo</title><path d="M0 0h10"><text>kuva</text><p>Jälkeen</p><div>Lisää</div>'
    assert texts(markup) == ["Ennen", "", "Jälkeen", "", "Lisää"]
    assert texts("<p>Ennen</p><math><mi>x</mi><mo>=</mo><h2>1 Hanke</h2><ul><li>Kohta</li></ul>") == ["Ennen", "", "1 Hanke", "", "Kohta"]
    # A self-closed <br/>, a <font> with a colour, and the end tags </p> and </br> break out too.
    assert texts("<p>Ennen</p><svg><g><br/>Rivi") == ["Ennen", "", "Rivi"]
    assert texts('<p>Ennen</p><svg><font color="red">Punainen</font>') == ["Ennen", "", "Punainen"]
    assert texts("<p>Ennen<svg><g></p>Jälkeen") == ["Ennen", "", "Jälkeen"]
    # An SVG <font> without those attributes is the drawing's own: still hidden until the end.
    assert texts("<p>Ennen</p><svg><font>piirros</font></svg><p>Jälkeen</p>") == ["Ennen", "", "Jälkeen"]


def test_foreign_content_keeps_its_own_html_and_ends_with_its_container() -> None:
    # Inside <desc>, <foreignObject> or MathML's <mi> (integration points) a <p> is the drawing's
    # own HTML, not a breakout; after </desc> the next <p> breaks out.
    assert texts("<p>Ennen</p><svg><desc><p>kuvaus</p></desc><p>Jälkeen</p>") == ["Ennen", "", "Jälkeen"]
    assert texts("<p>Ennen</p><svg><foreignObject><div>kehys</div></foreignObject></svg><p>Jälkeen</p>") == ["Ennen", "", "Jälkeen"]
    # The end tag of the element that holds the drawing closes the drawing with it.
    assert texts("<p>Ennen</p><div><svg><g>kuva</div><p>Jälkeen</p>") == ["Ennen", "", "Jälkeen"]
    # A nested drawing ends at its own end tag, the outer one at its own.
    assert texts("<p>Ennen</p><svg><svg><g>a</g></svg>b</svg><p>Jälkeen</p>") == ["Ennen", "", "Jälkeen"]


def test_an_unclosed_svg_in_a_saved_description_page_loses_nothing() -> None:
    text = (CORPUS / "S20334.txt").read_text(encoding="utf-8")
    whole = render_html(text)
    logo = b'<svg class="logo" viewBox="0 0 120 40"><title>Euroopan unioni</title><path d="M0 0h120v40H0z">'
    damaged = whole.replace(b'<div class="content">', b'<div class="content">' + logo, 1)
    assert damaged != whole
    assert [line.text for line in read_html(damaged)] == [line.text for line in read_html(whole)]
    page = read_html_page(damaged)
    assert sum(len(line.text) for line in page.lines) > 13_000 and page.warnings == []


def test_an_unclosed_head_ends_at_the_first_thing_of_the_body() -> None:
    # As in a browser: a start tag that cannot be in <head>, or text, ends it.
    assert texts(b'<html><head><meta charset="utf-8"><link rel="x"><p>Teksti</p>') == ["Teksti"]
    assert texts(b"<head><title>Otsikko</title>Teksti suoraan") == ["Teksti suoraan"]
    page = read_html_page(b"<head><title>Otsikko</title><style>p {}</style><div>Teksti</div>")
    assert ([line.text for line in page.lines], page.title, page.warnings) == (["Teksti"], "Otsikko", [])


@pytest.mark.parametrize("tag", ["script", "style", "title", "noscript", "template"])
def test_an_element_never_closed_does_not_hide_the_rest_of_the_page(tag: str) -> None:
    """A browser hides everything after an unclosed ``<script>`` (or ``<style>``, ``<title>``,
    ``<noscript>``, ``<template>``): the rest of the page is read, from its next block on, and
    the page says so in a warning."""
    page = read_html_page(f"<body><p>Ennen</p><{tag}>piilossa<p>Jälkeen</p><div>Lisää</div>".encode())
    assert [line.text for line in page.lines] == ["Ennen", "", "Jälkeen", "", "Lisää"]
    assert page.warnings == [
        {
            "code": "unclosed_element",
            "message": f"<{tag}> on line 1 of the page is never closed, so a browser hides the rest of the page: it is taken to end at the next block, and the text after it is read",
            "line": 3,
        }
    ]


def test_an_element_closed_in_time_gives_no_warning() -> None:
    page = read_html_page(b"<body><p>Ennen</p><script>var a = '<p>ei</p>';</script><p>Jalkeen</p><svg><path/></svg>")
    assert ([line.text for line in page.lines], page.warnings) == (["Ennen", "", "Jalkeen"], [])
    # An unclosed element at the very end hides nothing: no warning.
    page = read_html_page(b"<body><p>Ennen</p><script>var a = 1;")
    assert ([line.text for line in page.lines], page.warnings) == (["Ennen"], [])


def test_an_undeclared_page_mixing_utf8_and_windows_1252_is_decoded_line_by_line() -> None:
    data = "<html><body><p>Työllisyys</p>\n".encode() + "<p>Kesätyö – nuoret</p>\n".encode("cp1252") + b"</body></html>"
    page = read_html_page(data)
    assert [line.text for line in page.lines] == ["Työllisyys", "", "Kesätyö – nuoret"]
    assert page.warnings == [
        {"code": "mixed_encoding", "message": "line 2 is not UTF-8 like the rest of the page: read as Windows-1252", "line": None}
    ]
