"""Time the PDF engines of ``read_pdf`` on generated 5-page PDFs and check they agree.

Usage: ``python benchmarks/pdf_engines.py [--docs 200]``. The PDFs are the corpus samples'
paragraphs, taken from a different starting point for each document, printed the way the tests
print them (``tests/render.py``), until they fill five pages. Each engine reads every document
once in this one process; the table gives pages per second, and the script fails if the engines
give different lines for any document.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The script runs from anywhere; the package and the test helper live at the repository root.
sys.path.insert(0, str(ROOT))

from parser.read.pdf import PDF_ENGINES, read_pdf  # noqa: E402
from tests.render import paragraphs, render_pdf  # noqa: E402

PAGES_PER_DOC = 5
#: Rough size of a rendered page at the default font size, for a first guess of how many
#: paragraphs fill five pages: characters per line and lines per page (a gap counts as one).
CHARS_PER_LINE = 95
LINES_PER_PAGE = 55


def _paragraph_pool() -> list[str]:
    """Every paragraph of every corpus sample, in order."""
    pool = []
    for sample in sorted((ROOT / "corpus").glob("*.txt")):
        pool.extend(paragraphs(sample.read_text(encoding="utf-8")))
    return pool


def _lines_needed(paragraph: str) -> int:
    """Estimated printed lines of a paragraph, with the gap after it."""
    return math.ceil(len(paragraph) / CHARS_PER_LINE) + 1


def _page_count(data: bytes) -> int:
    """The number of pages of a rendered PDF."""
    return read_pdf(data)[1]


def five_page_pdf(pool: list[str], start: int) -> bytes:
    """Render paragraphs taken cyclically from ``pool[start]`` onwards until five pages are full."""
    budget = (PAGES_PER_DOC - 0.5) * LINES_PER_PAGE
    count, used = 0, 0
    while used < budget:
        used += _lines_needed(pool[(start + count) % len(pool)])
        count += 1
    # The estimate is usually right; otherwise walk a paragraph at a time to five pages.
    for _ in range(200):
        data = render_pdf("\n".join(pool[(start + i) % len(pool)] for i in range(count)))
        pages = _page_count(data)
        if pages == PAGES_PER_DOC:
            return data
        count += 1 if pages < PAGES_PER_DOC else -1
    raise RuntimeError(f"could not fill exactly {PAGES_PER_DOC} pages from paragraph {start}")


def time_engine(engine: str, documents: list[bytes]) -> tuple[float, int, list]:
    """Read every document with one engine; return seconds, pages and the results."""
    read_pdf(documents[0], engine=engine)  # load the library and warm its caches first
    results = []
    pages = 0
    began = time.perf_counter()
    for data in documents:
        result = read_pdf(data, engine=engine)
        pages += result[1]
        results.append(result)
    return time.perf_counter() - began, pages, results


def main(argv: list[str] | None = None) -> int:
    """Render the documents, time each engine, print the table; exit 1 if engines disagree."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200, help="number of 5-page PDFs (default 200)")
    parser.add_argument(
        "--engines", nargs="+", choices=sorted(PDF_ENGINES), default=sorted(PDF_ENGINES),
        help="engines to time (default: all)",
    )  # fmt: skip
    args = parser.parse_args(argv)

    pool = _paragraph_pool()
    began = time.perf_counter()
    # Start points spread over the pool, so the documents differ from one another.
    step = max(1, len(pool) // max(args.docs, 1)) or 1
    documents = [five_page_pdf(pool, (i * step + 7 * i) % len(pool)) for i in range(args.docs)]
    print(f"rendered {len(documents)} PDFs of {PAGES_PER_DOC} pages in {time.perf_counter() - began:.1f} s")

    print(f"{'engine':<12} {'docs':>5} {'pages':>6} {'seconds':>8} {'pages/s':>8}")
    results = {}
    for engine in args.engines:
        seconds, pages, results[engine] = time_engine(engine, documents)
        print(f"{engine:<12} {len(documents):>5} {pages:>6} {seconds:>8.2f} {pages / seconds:>8.1f}")

    if len(results) < 2:
        return 0
    reference, *others = results
    differing = [
        index
        for index in range(len(documents))
        if any(results[other][index] != results[reference][index] for other in others)
    ]
    print(f"identical lines: {len(documents) - len(differing)}/{len(documents)} documents")
    if differing:
        print(f"engines disagree on documents {differing[:10]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
