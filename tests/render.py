"""Test helper: render a plain-text description as the PDF or HTML page a user would download.

Not part of the package. The PDF emulates a browser printing the service's web page (every text
line is its own paragraph, wrapped to the page width, with a running header and a "Sivu N / M"
footer); the HTML follows the service's page structure (sections as ``div`` elements with ``h2``
headings). Tests render the corpus samples with these and read them back, so the reading stage is
tested apart from parsing.
"""

from __future__ import annotations

import datetime
import html
import re
from pathlib import Path

from fpdf import FPDF

#: Where Debian's fonts-dejavu-core puts the font (CI installs it with apt-get).
DEJAVU_SANS = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

#: The running header of the service's printed pages.
DEFAULT_HEADER = "Euroopan unioni Vipuvoimaa EU:lta"

#: A top-level numbered heading: "1. Projekti", "2 Hakijan perustiedot", "10 Esimerkkihanke".
TOP_HEADING = re.compile(r"^\d{1,2}\.? [A-ZÅÄÖ]\S*(?: \S+){0,7}$")
#: A sub-heading: "3.1 Maantieteellinen kohdealue", "8.2. Kestävä kehitys".
SUB_HEADING = re.compile(r"^\d{1,2}\.\d{1,2}\.? [A-ZÅÄÖ]\S*(?: \S+){0,9}$")


def paragraphs(text: str) -> list[str]:
    """The non-blank lines of ``text`` with whitespace runs collapsed, as a browser shows them."""
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def _font_path() -> Path:
    """The DejaVu Sans file, or a clear error telling how to install it."""
    if not DEJAVU_SANS.is_file():
        raise FileNotFoundError(
            f"{DEJAVU_SANS} is missing: install the fonts-dejavu-core package "
            "(apt-get install fonts-dejavu-core) to render test PDFs"
        )
    return DEJAVU_SANS


class _PrintedPage(FPDF):
    """An FPDF document with a browser-print-like running header and page-number footer."""

    def __init__(self, header_text: str | None, footer: bool, font_size: float) -> None:
        super().__init__(format="A4", unit="mm")
        self.header_text = header_text
        self.with_footer = footer
        self.body_font_size = font_size

    def header(self) -> None:
        """Draw the running header in a smaller font, as browsers do in the page margin."""
        if self.header_text is None:
            return
        self.set_font("DejaVu", size=8)
        self.cell(0, 5, self.header_text, new_x="LMARGIN", new_y="NEXT")
        self.ln(4)
        self.set_font("DejaVu", size=self.body_font_size)

    def footer(self) -> None:
        """Draw "Sivu N / M" at the bottom right; fpdf2 fills in ``{nb}`` when it closes the file."""
        if not self.with_footer:
            return
        self.set_y(-15)
        self.set_font("DejaVu", size=8)
        self.cell(0, 10, f"Sivu {self.page_no()} / {{nb}}", align="R")
        self.set_font("DejaVu", size=self.body_font_size)


def render_pdf(
    text: str,
    *,
    header: str | None = DEFAULT_HEADER,
    footer: bool = True,
    font_size: float = 10,
    encrypt: bool = False,
    headings_at_page_foot: bool = False,
) -> bytes:
    """Render ``text`` as a printed web page: one wrapped paragraph per non-blank line.

    Paragraphs are separated by a gap of one em, flow across page breaks, and every page
    has ``header`` on top (none when ``None``) and "Sivu N / M" at the bottom (when ``footer``).
    ``encrypt`` protects the file with a user password, so a reader cannot open it without one.
    ``headings_at_page_foot`` puts every heading (a line matching :data:`TOP_HEADING` or
    :data:`SUB_HEADING`) on the last line that fits on a page, so the paragraph after it starts
    the next page: the case where only the geometry can say the heading's section goes on.
    """
    pdf = _PrintedPage(header, footer, font_size)
    # A fixed date makes the same text give the same bytes, run after run.
    pdf.set_creation_date(datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc))
    pdf.add_font("DejaVu", "", str(_font_path()))
    pdf.set_font("DejaVu", size=font_size)
    pdf.set_auto_page_break(auto=True, margin=20)
    # Line height 1.4 em and a paragraph gap of 1 em, close to a browser's default p margins.
    line_height = font_size * 1.4 * 25.4 / 72
    gap = font_size * 25.4 / 72
    pdf.add_page()
    for paragraph in paragraphs(text):
        if headings_at_page_foot and (TOP_HEADING.match(paragraph) or SUB_HEADING.match(paragraph)):
            _move_to_page_foot(pdf, paragraph, line_height)
        pdf.multi_cell(0, line_height, paragraph, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)
    if encrypt:
        pdf.set_encryption(owner_password="omistaja", user_password="salasana")
    return bytes(pdf.output())


def _move_to_page_foot(pdf: FPDF, paragraph: str, line_height: float) -> None:
    """Move the cursor down so ``paragraph`` ends on the last line that fits on the page (on the
    next page when it no longer fits on this one)."""
    wrapped = pdf.multi_cell(0, line_height, paragraph, align="L", dry_run=True, output="LINES")
    # A hair above the exact foot, so that rounding cannot push the last line over the trigger.
    foot = pdf.page_break_trigger - len(wrapped) * line_height - 0.01
    if pdf.get_y() > foot:
        pdf.add_page()
    pdf.set_y(foot)


def render_html(text: str) -> bytes:
    """Render ``text`` as the service's HTML page, UTF-8 encoded.

    The line just above the first numbered heading becomes the ``h1`` title; each
    top-level numbered heading opens a ``div class="section"`` with an ``h2``, sub-headings are
    ``h3``, and other lines are ``p`` elements. A text without numbered headings is only ``p``s.
    """
    lines = paragraphs(text)
    first = next((i for i, line in enumerate(lines) if TOP_HEADING.match(line)), None)
    has_headings = first is not None
    # The title is the line just above the first section ("... rahoittaman projektin kuvaus");
    # lines above it (the EU logo's text) stay paragraphs, as on the service's page.
    title = lines[first - 1] if first else None
    lead = lines[: first - 1] if first else []
    body = lines[first:] if has_headings else lines
    out = [
        "<!DOCTYPE html>",
        '<html lang="fi"><head><meta charset="utf-8">',
        f"<title>{html.escape(title or 'Kuvaus')}</title>",
        "<style>p { margin: 0 0 1em 0; }</style></head><body>",
        '<div class="content">',
    ]
    out.extend(f"<p>{html.escape(line)}</p>" for line in lead)
    if title is not None:
        out.append(f"<h1>{html.escape(title)}</h1>")
    in_section = False
    for line in body:
        if has_headings and TOP_HEADING.match(line):
            if in_section:
                out.append("</div>")
            out.append(f'<div class="section"><h2>{html.escape(line)}</h2>')
            in_section = True
        elif has_headings and SUB_HEADING.match(line):
            out.append(f"<h3>{html.escape(line)}</h3>")
        else:
            out.append(f"<p>{html.escape(line)}</p>")
    if in_section:
        out.append("</div>")
    out.append("</div></body></html>")
    return "\n".join(out).encode("utf-8")
