"""The PDF reader, apart from parsing: corpus samples printed to PDF must read back as written."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from parser.read.lines import Line, UnreadableDocument
from parser.read.pdf import PDF_ENGINES, read_pdf
from parser.read.pdf.geometry import build_lines
from parser.read.pdf.pages import Page, Segment

from .render import DEFAULT_HEADER, SUB_HEADING, TOP_HEADING, paragraphs, render_pdf

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
SAMPLES = sorted(CORPUS.glob("*.txt"))
ENGINES = sorted(PDF_ENGINES)
FOOTER = re.compile(r"^Sivu \d+ / \d+$")


@cache
def sample_pdf(name: str, **options) -> bytes:
    """The rendered PDF of a corpus sample (rendering takes a while, so once per sample)."""
    return render_pdf((CORPUS / name).read_text(encoding="utf-8"), **options)


def is_furniture(lines: list[Line], index: int, header: str | None = DEFAULT_HEADER) -> bool:
    """Whether a line is the render's running header (first on its page) or page footer."""
    line = lines[index]
    first_on_page = index == 0 or lines[index - 1].page != line.page
    last_on_page = index == len(lines) - 1 or lines[index + 1].page != line.page
    return (first_on_page and line.text == header) or (last_on_page and bool(FOOTER.match(line.text)))


def rebuild(lines: list[Line], header: str | None = DEFAULT_HEADER) -> list[str]:
    """Join soft-wrapped lines with one space, dropping blanks and page furniture."""
    out: list[str] = []
    joining = False
    for index, line in enumerate(lines):
        if not line.text or is_furniture(lines, index, header):
            continue
        if joining:
            out[-1] += " " + line.text
        else:
            out.append(line.text)
        joining = line.soft_wrapped
    assert not joining, "the last line cannot continue"
    return out


# pdfplumber is 45 times slower: it reads each rendering once, in the identical-lines tests
# below, and the read-back tests run on pdfium (the lines being the same, so is the reading).
@pytest.mark.parametrize("engine", ["pdfium"])
@pytest.mark.parametrize("sample", SAMPLES, ids=lambda path: path.stem)
def test_sample_reads_back_as_written(sample: Path, engine: str) -> None:
    data = sample_pdf(sample.name)
    lines, pages = read_pdf(data, engine=engine)

    assert rebuild(lines) == paragraphs(sample.read_text(encoding="utf-8"))
    assert pages >= 2
    assert [line.number for line in lines] == list(range(1, len(lines) + 1))
    # The render really wraps and spans pages, so the flags are exercised.
    assert any(line.soft_wrapped for line in lines)
    breaks = [line for line in lines if line.page_break_before]
    assert [line.page for line in breaks] == list(range(2, pages + 1))
    assert all(line.text == DEFAULT_HEADER for line in breaks)
    # Flags sit on content lines only, never on blanks or furniture.
    for index, line in enumerate(lines):
        if line.soft_wrapped:
            assert line.text and not is_furniture(lines, index)
    assert all(line.text == line.text.strip() and "\ufffe" not in line.text for line in lines)


def test_some_paragraph_continues_on_the_next_page() -> None:
    """At least one sample has a paragraph split by a page break, flagged on the page's last line."""
    split = 0
    for sample in SAMPLES:
        lines, _ = read_pdf(sample_pdf(sample.name))
        for index, line in enumerate(lines):
            later = [other for other in lines[index + 1 :] if other.text and not FOOTER.match(other.text)]
            if line.soft_wrapped and later and later[0].page != line.page:
                split += 1
    assert split >= 1


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda path: path.stem)
def test_engines_give_identical_lines(sample: Path) -> None:
    data = sample_pdf(sample.name)
    assert read_pdf(data, engine="pdfium") == read_pdf(data, engine="pdfplumber")


VARIANTS = [
    {"font_size": 8},
    {"font_size": 12},
    {"header": None, "footer": False},
    {"header": "Tulostettu 12.3.2024 klo 10.15 | EURA 2014"},
]
VARIANT_IDS = ["small-font", "large-font", "no-furniture", "other-header"]


@pytest.mark.parametrize("options", VARIANTS, ids=VARIANT_IDS)
def test_engines_give_identical_lines_for_every_variant(options: dict) -> None:
    data = sample_pdf("S10673.txt", **options)
    assert read_pdf(data, engine="pdfium") == read_pdf(data, engine="pdfplumber")


@pytest.mark.parametrize("options", VARIANTS, ids=VARIANT_IDS)
@pytest.mark.parametrize("engine", ["pdfium"])
def test_render_variants_read_back(options: dict, engine: str) -> None:
    sample = CORPUS / "S10673.txt"
    data = sample_pdf(sample.name, **options)
    lines, _ = read_pdf(data, engine=engine)
    assert rebuild(lines, options.get("header", DEFAULT_HEADER)) == paragraphs(
        sample.read_text(encoding="utf-8")
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_running_header_and_footer_are_flagged_as_furniture(engine: str) -> None:
    """The geometry flags what repeats at the same height on every page, whatever its text, and
    nothing else, so the clean stage can drop a header that no furniture pattern knows."""
    header = "Hankerekisterin tuloste – ESR"
    lines, pages = read_pdf(sample_pdf("S20334.txt", header=header), engine=engine)
    flagged = [line.text for line in lines if line.furniture]
    assert flagged == [text for n in range(1, pages + 1) for text in (header, f"Sivu {n} / {pages}")]


def test_render_can_put_every_heading_at_a_page_foot() -> None:
    """The render option the heading tests rely on: each heading is its page's last line."""
    lines, _ = read_pdf(sample_pdf("S20334.txt", headings_at_page_foot=True))
    body = [line for line in lines if line.text and not line.furniture]
    headings = [index for index, line in enumerate(body) if TOP_HEADING.match(line.text) or SUB_HEADING.match(line.text)]
    assert len(headings) >= 10
    assert all(body[index + 1].page == body[index].page + 1 for index in headings if index + 1 < len(body))


def test_hyphen_at_a_line_end_stays_a_hyphen_and_ends_the_line() -> None:
    """PDFium joins a line ending in "-" to the next as U+FFFE; the reader splits and restores it."""
    text = "Sosiaali- ja terveys- " * 40 + "\nerillinen-\nkappale"
    data = render_pdf(text, header=None, footer=False)
    lines, _ = read_pdf(data)
    assert sum(line.text.endswith("-") and line.soft_wrapped for line in lines) >= 3
    assert rebuild(lines, header=None) == paragraphs(text)
    assert read_pdf(data, engine="pdfplumber") == (lines, 1)


@pytest.mark.parametrize("engine", ENGINES)
def test_characters_beyond_the_basic_plane_keep_the_geometry(engine: str) -> None:
    """PDFium counts UTF-16 units: an old-italic letter (two units) must not shift the boxes."""
    first = "Alku \U00010300\U00010301 keski " + "sana " * 40
    second = "Toinen \U00010302 kappale " + "pitkä " * 40
    lines, _ = read_pdf(render_pdf(f"{first}\n{second}", header=None, footer=False), engine=engine)
    assert rebuild(lines, header=None) == paragraphs(f"{first}\n{second}")


WORDS = sorted({word for sample in SAMPLES for word in sample.read_text(encoding="utf-8").split()})
PARAGRAPHS = st.lists(st.sampled_from(WORDS), min_size=1, max_size=60).map(" ".join)


# Each example costs one render (about 45 ms, most of it loading the font anew), so the examples
# are few; each has at least two paragraphs, so every page has a paragraph gap to find. 25 such
# examples check some 360 lines at all six font sizes (40 of one or more paragraphs: some 600).
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(PARAGRAPHS, min_size=2, max_size=12),
    st.sampled_from([8, 9, 10, 11, 12, 14]),
)
def test_any_one_page_text_reads_back(texts: list[str], font_size: float) -> None:
    """On one page, paragraph gaps and the next-word test decide every line exactly.

    (Across a page break a paragraph that ends on the page's last line is ambiguous: no gap is
    visible there. The corpus samples cover page breaks.)
    """
    text = "\n".join(texts)
    data = render_pdf(text, font_size=font_size)
    pdfium_result = read_pdf(data, engine="pdfium")
    assume(pdfium_result[1] == 1)
    assert rebuild(pdfium_result[0]) == paragraphs(text)
    assert read_pdf(data, engine="pdfplumber") == pdfium_result


def test_paragraph_gaps_are_blank_lines() -> None:
    text = "Ensimmäinen kappale.\nToinen kappale.\n\nKolmas kappale."
    lines, pages = read_pdf(render_pdf(text, header=None, footer=False))
    assert pages == 1
    assert [line.text for line in lines] == [
        "Ensimmäinen kappale.",
        "",
        "Toinen kappale.",
        "",
        "Kolmas kappale.",
    ]
    assert not any(line.soft_wrapped for line in lines)
    assert all(line.page == 1 for line in lines)


def segment(text: str, left: float, right: float, bottom: float, advance: float | None = None) -> Segment:
    """A 10-point segment for the geometry tests (A4 page, text block from 30 to 565 pt)."""
    return Segment(text, left, right, bottom, 10.0, advance, None if advance is None else 3.0)


def geometry_page(*segments: Segment) -> Page:
    return Page(595.0, 842.0, list(segments))


def test_next_word_that_would_have_fitted_means_a_line_break() -> None:
    """Lines at normal spacing are soft-wrapped only if the next word could not have fitted."""
    page = geometry_page(
        segment("a full line", 30, 560, 100, advance=10),  # "Pitkä " (40 pt) cannot follow
        segment("Pitkä sana", 30, 100, 114, advance=40),  # "Lyhyt" fits after it: a <br>
        segment("Lyhyt", 30, 80, 128),
        segment("ends at the edge", 30, 565, 142, advance=30),
        segment("Tail", 30, 60, 156),
    )
    lines = build_lines([page])
    assert [(line.text, line.soft_wrapped) for line in lines] == [
        ("a full line", True),
        ("Pitkä sana", False),
        ("Lyhyt", False),
        ("ends at the edge", True),
        ("Tail", False),
    ]


def test_page_end_flag_needs_a_full_page() -> None:
    """A page's last line continues on the next page only if the page had no room left."""
    full = geometry_page(*(segment(f"rivi {n}", 30, 560, 100 + 14 * n, advance=20) for n in range(40)))
    roomy = geometry_page(*(segment(f"rivi {n}", 30, 560, 100 + 14 * n, advance=20) for n in range(30)))
    after = geometry_page(segment("jatkuu tästä", 30, 90, 100, advance=40))
    lines = build_lines([full, after])
    assert lines[-2].soft_wrapped and lines[-1].page_break_before
    lines = build_lines([full, roomy, after])
    ends = [line for line in lines if line.text == "rivi 29" and line.page == 2]
    assert ends and not ends[0].soft_wrapped


@pytest.mark.parametrize("engine", ENGINES)
def test_encrypted_pdf_is_refused(engine: str) -> None:
    data = render_pdf("Salainen teksti.", encrypt=True)
    with pytest.raises(UnreadableDocument, match="encrypted"):
        read_pdf(data, engine=engine)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("cut", ["half", "200 bytes"])
def test_truncated_pdf_is_refused_or_repaired(engine: str, cut: str) -> None:
    data = sample_pdf("S10962.txt")
    data = data[: len(data) // 2] if cut == "half" else data[:200]
    try:
        lines, pages = read_pdf(data, engine=engine)
    except UnreadableDocument as error:
        message = str(error)
        assert "\n" not in message and message.startswith("damaged PDF")
    else:
        # PDFium rebuilds a broken cross-reference table: whatever it finds is plain lines.
        assert pages >= 1 and all(isinstance(line, Line) for line in lines)


@pytest.mark.parametrize("engine", ENGINES)
def test_png_is_not_a_pdf(engine: str) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(50)
    with pytest.raises(UnreadableDocument, match="^not a PDF: the file starts like a PNG image$"):
        read_pdf(png, engine=engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_empty_bytes_are_refused(engine: str) -> None:
    with pytest.raises(UnreadableDocument, match="empty"):
        read_pdf(b"", engine=engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_garbage_after_a_pdf_header_is_damaged(engine: str) -> None:
    with pytest.raises(UnreadableDocument, match="^damaged PDF"):
        read_pdf(b"%PDF-1.7\n" + bytes(range(256)) * 20, engine=engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_too_many_pages_are_refused(engine: str) -> None:
    data = sample_pdf("S10962.txt")
    # The count from pdfium, the fast engine (both engines count the same pages: the tests of
    # identical lines compare their counts too); the last line checks this engine's own count.
    _, pages = read_pdf(data, engine="pdfium")
    with pytest.raises(UnreadableDocument, match=f"{pages} pages"):
        read_pdf(data, engine=engine, max_pages=pages - 1)
    assert read_pdf(data, engine=engine, max_pages=pages)[1] == pages


@pytest.mark.parametrize("engine", ENGINES)
def test_pdf_without_text_is_refused(engine: str) -> None:
    with pytest.raises(UnreadableDocument, match="^PDF has no text"):
        read_pdf(render_pdf("", header=None, footer=False), engine=engine)


def test_unknown_engine_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown PDF engine"):
        read_pdf(sample_pdf("S10962.txt"), engine="tesseract")
