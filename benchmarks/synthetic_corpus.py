"""Write a synthetic corpus of ESR project descriptions for benchmarks (not for tests).

Usage::

    python benchmarks/synthetic_corpus.py OUT_DIR --descriptions N [--pdfs M] [--seed S]

Every description is one of the four real samples used as a template (2007–2013: S10673, S10962;
2014–2020: S20334, S21736), half of them in each layout, with:

- the project's values drawn from the official project lists (``corpus/reference/``, ESR rows
  only, the list of the template's programme period): a real row is sampled and perturbed —
  its name (a suffix or two words swapped, now and then), its dates shifted by a few months
  with the real duration kept (end − start as in the list), its four amounts scaled by one
  common log-normal factor, its managing authority, status and programme section as listed;
  the implementer comes from another sampled row, with a Y-tunnus derived from its name (valid
  check digit, so one implementer is one organisation);
- a unique code: ``S1xxxx`` for 2007–2013, ``S2xxxx`` for 2014–2020 (a letter and five digits,
  as the parser expects, so at most 10,000 documents per layout);
- the indicator counts perturbed, the place block taken from either sample of the layout;
- the prose sections (target groups, summaries, communication plans, final reports) refilled
  with paragraphs of all four samples, recombined and now and then with their sentences
  shuffled, until the document reaches a size drawn between 10.5 and 15.5 KB, as the samples.

``--pdfs M`` adds M more descriptions (own codes, the same generator) rendered as PDF with
``tests/render.py`` (fpdf2 and the DejaVu font, as the tests use). The reference folder is
copied to ``OUT_DIR/reference`` so a build loads the lists too, unless ``--no-reference``: the
descriptions alone, as issue 12 measures the build against the parse. A manifest with the settings is
written to ``OUT_DIR/.synthetic-corpus.json`` (hidden files are not documents for ``esr build``).

The same seed and counts give byte-identical files: each document is a pure function of the
seed, its index and its code, drawn with its own ``random.Random``.
"""

from __future__ import annotations

import argparse
import calendar
import datetime
import hashlib
import json
import math
import random
import re
import shutil
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The script runs from anywhere; the package and the test helper live at the repository root.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from parser.reference.project_lists import ProjectListRow, repair_project_list  # noqa: E402

CORPUS = ROOT / "corpus"
REFERENCE = CORPUS / "reference"
TEMPLATES = {"esr-2007": ("S10673", "S10962"), "esr-2014": ("S20334", "S21736")}
LISTS = {"esr-2007": "projektilista-2007-2013.csv", "esr-2014": "projektilista-2014-2020-snapshot.csv"}
CODE_PREFIX = {"esr-2007": "S1", "esr-2014": "S2"}
#: Codes are a letter and five digits: ``S1`` + four digits gives 10,000 codes per layout.
CODES_PER_LAYOUT = 10_000
#: Document size in bytes, drawn uniformly (the samples are 10.8–15.3 KB).
SIZE_RANGE = (10_500, 15_500)

#: A numbered heading, as in the samples ("1. Projekti", "3.2 Varsinaiset kohderyhmät", "10 Esimerkkihanke").
_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2})?)\.? ([A-ZÅÄÖ].*)$")
#: Sections whose body is free prose: refilled with recombined paragraphs.
PROSE_SECTIONS = frozenset(
    {
        "Varsinaiset kohderyhmät",
        "Välilliset kohderyhmät",
        "Suunnitelman mukainen tiivistelmä toteutuksesta",
        "Tiedotussuunnitelma",
        "Suunnitelma hyvien käytäntöjen levittämisestä",
        "Loppuraportin tiivistelmä",
    }
)
AMOUNT_LABELS = (
    ("Myönnetty EU- ja valtion rahoitus", "eu_state_granted"),
    ("Toteutunut EU- ja valtion rahoitus", "eu_state_realised"),
    ("Suunniteltu julkinen rahoitus yhteensä", "public_planned"),
    ("Toteutunut julkinen rahoitus yhteensä", "public_realised"),
)
#: The label of each value replaced, per layout: (label, what).
FIELD_LABELS = {
    "esr-2007": {
        "Projektikoodi": "code",
        "Projektin nimi": "name",
        "Osio": "section",
        "Suunnitelman mukainen toteutusaika": "dates",
        "Toiminnan tila": "status",
        "Vastuuviranomainen": "managing_authority",
        "Toteuttajaorganisaation nimi": "implementer",
        "Y-tunnus": "business_id",
    },
    "esr-2014": {
        "Hankekoodi": "code",
        "Hankkeen nimi": "name",
        "Suunnitelman mukainen toteutusaika": "dates",
        "Toiminnan tila": "status",
        "Vastuuviranomainen": "managing_authority",
        "Hakijan virallinen nimi": "implementer",
        "Y-tunnus": "business_id",
    },
}
#: Labels of the area block, taken whole from one of the layout's samples.
AREA_LABELS = ("Maakunnat", "Seutukunnat", "Kunnat")
#: Labels of indicator lines whose numbers are perturbed.
INDICATOR_LABELS = ("Suunniteltu", "Toteutunut seurantatietojen mukaan")
NAME_SUFFIXES = (" II", " 2", " – jatkohanke", " (jatko)", " Plus", " – kehittämishanke")

_LABEL_LINE = re.compile(r"^([^:]{1,80}): ?(.*)$")
_SENTENCE_END = re.compile(r"(?<=[.!?]) (?=[A-ZÅÄÖ])")


@dataclass(frozen=True)
class Entry:
    """One document of the corpus: its file name, layout, code, template and format."""

    index: int
    layout: str
    code: str
    template: str
    format: str  # "txt" or "pdf"

    @property
    def name(self) -> str:
        return f"{self.code}.{self.format}"


@dataclass
class _Section:
    heading: str | None  # the heading's text without its number; None before the first heading
    lines: list[str]  # the heading line first (when there is one), then the body, blanks included


def _sections(text: str) -> list[_Section]:
    """The template cut at its numbered headings."""
    sections = [_Section(None, [])]
    for line in text.splitlines():
        match = _HEADING.match(line)
        if match and len(line) < 120:
            sections.append(_Section(match.group(2), [line]))
        else:
            sections[-1].lines.append(line)
    return sections


def _blocks(lines: list[str]) -> list[str]:
    """The blank-line separated paragraphs (blocks of lines) of a section body."""
    blocks, current = [], []
    for line in lines:
        if line.strip():
            current.append(line)
        elif current:
            blocks.append("\n".join(current))
            current = []
    if current:
        blocks.append("\n".join(current))
    return blocks


def _business_id(seed_text: str) -> str:
    """A Y-tunnus with a valid check digit, derived from ``seed_text``."""
    number = int.from_bytes(hashlib.sha256(seed_text.encode()).digest()[:8], "big") % 2_900_000 + 100_000
    while True:
        digits = f"{number:07d}"
        remainder = sum(int(d) * w for d, w in zip(digits, (7, 9, 10, 5, 8, 4, 2))) % 11
        if remainder != 1:  # a remainder of 1 gives no valid check digit
            return f"{digits}-{0 if remainder == 0 else 11 - remainder}"
        number += 1


def _euros(amount: float) -> str:
    """Whole euros with a space between thousands, as the service writes them: ``170 000``."""
    return f"{round(amount):,}".replace(",", " ")


def _date(day: datetime.date) -> str:
    return f"{day.day}.{day.month}.{day.year}"


def _shift_months(day: datetime.date, months: int, *, keep_month_end: bool) -> datetime.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, last if keep_month_end else min(day.day, last))


def _is_month_end(day: datetime.date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


class Sources:
    """What the generator draws from: the templates, the prose pool and the project lists."""

    def __init__(self, corpus: Path = CORPUS) -> None:
        self.corpus = corpus

    @cached_property
    def templates(self) -> dict[str, list[_Section]]:
        return {
            code: _sections((self.corpus / f"{code}.txt").read_text(encoding="utf-8"))
            for codes in TEMPLATES.values()
            for code in codes
        }

    @cached_property
    def prose_pool(self) -> list[str]:
        """Every prose paragraph of the four samples, in order; none that starts in lower case
        (after a blank line it would continue the paragraph above)."""
        pool = []
        for sections in self.templates.values():
            for section in sections:
                if section.heading in PROSE_SECTIONS:
                    pool.extend(b for b in _blocks(section.lines[1:]) if not b[0].islower())
        return pool

    @cached_property
    def areas(self) -> dict[str, list[dict[str, str]]]:
        """The area block (Maakunnat, Seutukunnat, Kunnat) of each sample, per layout."""
        result: dict[str, list[dict[str, str]]] = {}
        for layout, codes in TEMPLATES.items():
            for code in codes:
                block = {}
                for section in self.templates[code]:
                    for line in section.lines:
                        match = _LABEL_LINE.match(line)
                        if match and match.group(1) in AREA_LABELS:
                            block[match.group(1)] = match.group(2)
                result.setdefault(layout, []).append(block)
        return result

    @cached_property
    def rows(self) -> dict[str, list[ProjectListRow]]:
        """The usable ESR rows of each period's list: read cleanly, dated, amounts not negative."""
        result = {}
        for layout, name in LISTS.items():
            rows = []
            for row in repair_project_list(self.corpus / "reference" / name):
                amounts = [getattr(row, key) for _, key in AMOUNT_LABELS]
                if row.fund != "ESR" or row.flag or not row.name or not row.implementer_name:
                    continue
                if row.start_date is None or row.end_date is None or row.end_date < row.start_date:
                    continue
                if any(a is None or a < 0 for a in amounts) or not row.managing_authority:
                    continue
                rows.append(row)
            result[layout] = rows
        return result


def plan_corpus(descriptions: int, pdfs: int = 0, seed: int = 0) -> list[Entry]:
    """The documents of a corpus: half in each layout, codes unique, templates alternating at random.

    The first ``descriptions`` entries are text files, the next ``pdfs`` are PDFs.
    """
    total = descriptions + pdfs
    rng = random.Random(f"plan:{seed}")
    counts = {"esr-2007": (total + 1) // 2, "esr-2014": total // 2}
    for layout, count in counts.items():
        if count > CODES_PER_LAYOUT:
            raise ValueError(
                f"{total} documents need {count} codes of layout {layout}, "
                f"but a letter and five digits give only {CODES_PER_LAYOUT} per layout (at most {2 * CODES_PER_LAYOUT} documents)"
            )
    codes = {layout: [f"{CODE_PREFIX[layout]}{n:04d}" for n in rng.sample(range(CODES_PER_LAYOUT), count)] for layout, count in counts.items()}
    layouts = [layout for layout, count in counts.items() for _ in range(count)]
    rng.shuffle(layouts)
    entries = []
    taken = {layout: 0 for layout in counts}
    for index, layout in enumerate(layouts):
        code = codes[layout][taken[layout]]
        taken[layout] += 1
        entries.append(Entry(index, layout, code, rng.choice(TEMPLATES[layout]), "txt" if index < descriptions else "pdf"))
    return entries


def _perturb_name(rng: random.Random, name: str) -> str:
    name = " ".join(name.split())
    roll = rng.random()
    if roll < 0.25:
        return name + rng.choice(NAME_SUFFIXES)
    if roll < 0.40:
        words = name.split(" ")
        if len(words) >= 3:
            i = rng.randrange(len(words) - 1)
            words[i], words[i + 1] = words[i + 1], words[i]
            return " ".join(words)
    return name


def _clean_authority(text: str) -> str:
    # The 2014–2020 list lost the comma of some ELY centre names ("elinkeino-  liikenne-").
    return " ".join(text.replace("elinkeino-  liikenne", "elinkeino-, liikenne").split())


def _values(rng: random.Random, sources: Sources, entry: Entry) -> dict[str, str]:
    """The replaced ``Label: value`` values of one document, drawn from the project lists."""
    rows = sources.rows[entry.layout]
    row = rng.choice(rows)
    implementer = " ".join(rng.choice(rows).implementer_name.split())
    months = rng.randint(-4, 4)
    start = _shift_months(row.start_date, months, keep_month_end=_is_month_end(row.start_date) and row.start_date.day > 1)
    end = _shift_months(row.end_date, months, keep_month_end=_is_month_end(row.end_date))
    factor = math.exp(rng.gauss(0.0, 0.25))
    values = {
        "code": entry.code,
        "name": _perturb_name(rng, row.name),
        "section": row.programme_section or "Valtakunnallinen osio",
        "dates": f"Alkaa {_date(start)} ja päättyy {_date(end)}",
        "status": row.status or "Toiminta päättynyt",
        "managing_authority": _clean_authority(row.managing_authority),
        "implementer": implementer,
        "business_id": _business_id(implementer),
    }
    for label, key in AMOUNT_LABELS:
        values[label] = _euros(getattr(row, key) * factor)
    return values


def _perturb_counts(rng: random.Random, value: str) -> str:
    """``60, joista naisia 0`` with its numbers drawn near the originals (women never above all)."""
    numbers = [int(n) for n in re.findall(r"\d+", value)]
    if not numbers:
        return value
    total = max(0, round(numbers[0] * math.exp(rng.gauss(0.0, 0.5)) + rng.choice((0, 0, 1, 3, 10))))
    drawn = [total] + [min(total, round(total * rng.random())) for _ in numbers[1:]]
    parts = re.split(r"\d+", value)
    return "".join(part + (str(drawn[i]) if i < len(drawn) else "") for i, part in enumerate(parts))


def _shuffle_sentences(rng: random.Random, block: str) -> str:
    lines = block.split("\n")
    out = []
    for line in lines:
        sentences = _SENTENCE_END.split(line)
        if len(sentences) > 2 and not line.startswith("-"):
            rng.shuffle(sentences)
        out.append(" ".join(sentences))
    return "\n".join(out)


def description_text(entry: Entry, seed: int = 0, sources: Sources | None = None) -> str:
    """The text of one synthetic description (the same for the same entry and seed)."""
    sources = sources or Sources()
    rng = random.Random(f"doc:{seed}:{entry.index}:{entry.code}")
    values = _values(rng, sources, entry)
    labels = FIELD_LABELS[entry.layout]
    amounts = dict(AMOUNT_LABELS)
    area = rng.choice(sources.areas[entry.layout])

    # 1. Every section but the prose ones, with its values replaced.
    sections = sources.templates[entry.template]
    fixed: list[list[str] | None] = []
    prose_weights: list[int] = []
    for section in sections:
        if section.heading in PROSE_SECTIONS:
            fixed.append(None)
            prose_weights.append(sum(len(b.encode()) for b in _blocks(section.lines[1:])))
            continue
        out = []
        for line in section.lines:
            match = _LABEL_LINE.match(line)
            if match:
                label, value = match.groups()
                if label in labels:
                    line = f"{label}: {values[labels[label]]}"
                elif label in amounts:
                    line = f"{label}: {values[label]}"
                elif label in AREA_LABELS and label in area:
                    line = f"{label}: {area[label]}"
                elif label in INDICATOR_LABELS and value:
                    line = f"{label}: {_perturb_counts(rng, value)}"
            out.append(line)
        fixed.append(out)

    # 2. The prose sections refilled with paragraphs of the samples to a drawn size.
    target = rng.randint(*SIZE_RANGE)
    fixed_size = sum(len(line.encode()) + 1 for lines in fixed if lines is not None for line in lines)
    prose_sections = [s for s in sections if s.heading in PROSE_SECTIONS]
    budget = max(target - fixed_size - sum(len(s.lines[0].encode()) + 2 for s in prose_sections), 500)
    pool = sources.prose_pool
    unused = list(range(len(pool)))
    rng.shuffle(unused)
    weight_total = sum(prose_weights) or 1
    chunks: list[str] = []
    prose_index = 0
    carry = 0.0  # what the sections so far took more (negative) or less than their share
    for section, lines in zip(sections, fixed):
        if lines is not None:
            chunks.append("\n".join(lines))
            continue
        room = budget * prose_weights[prose_index] / weight_total + carry
        prose_index += 1
        body = []
        # Paragraphs in drawn order that fit the room left; at least one (the smallest) per section.
        for i in list(unused):
            size = len(pool[i].encode()) + 2
            if size <= room + 150:
                body.append(i)
                unused.remove(i)
                room -= size
            if room < 100:
                break
        if not body:
            if not unused:  # the pool is used up: start it again
                unused = list(range(len(pool)))
                rng.shuffle(unused)
            smallest = min(unused, key=lambda i: len(pool[i]))
            unused.remove(smallest)
            body.append(smallest)
            room -= len(pool[smallest].encode()) + 2
        carry = room
        blocks = [_shuffle_sentences(rng, pool[i]) if rng.random() < 0.3 else pool[i] for i in body]
        chunks.append(section.lines[0] + "\n\n" + "\n\n".join(blocks) + "\n")
    text = "\n".join(chunks)
    return text if text.endswith("\n") else text + "\n"


def write_corpus(
    out_dir: Path, descriptions: int, pdfs: int = 0, seed: int = 0, *, sources: Sources | None = None, reference: bool = True
) -> list[Path]:
    """Write the corpus into ``out_dir`` (created; must be empty) and return the documents' paths;
    with ``reference``, a copy of the repository's reference folder (the lists) beside them."""
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise FileExistsError(f"{out_dir} is not empty")
    sources = sources or Sources()
    entries = plan_corpus(descriptions, pdfs, seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    if reference:
        shutil.copytree(sources.corpus / "reference", out_dir / "reference")
    if pdfs:
        from tests.render import render_pdf  # fpdf2 is a test extra: only needed for PDFs
    paths = []
    for entry in entries:
        text = description_text(entry, seed, sources)
        path = out_dir / entry.name
        if entry.format == "pdf":
            path.write_bytes(render_pdf(text))
        else:
            path.write_bytes(text.encode("utf-8"))
        paths.append(path)
    manifest = {"seed": seed, "descriptions": descriptions, "pdfs": pdfs, "reference": reference, "generator": "benchmarks/synthetic_corpus.py"}
    (out_dir / ".synthetic-corpus.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, metavar="OUT_DIR", help="folder to write (created; must be empty)")
    parser.add_argument("--descriptions", type=int, required=True, metavar="N", help="number of .txt descriptions")
    parser.add_argument("--pdfs", type=int, default=0, metavar="M", help="number of further descriptions rendered as PDF (default 0)")
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    parser.add_argument("--no-reference", action="store_true", help="leave the reference lists out (the descriptions alone)")
    args = parser.parse_args(argv)
    if args.descriptions < 0 or args.pdfs < 0:
        parser.error("counts cannot be negative")
    try:
        paths = write_corpus(args.out_dir, args.descriptions, args.pdfs, args.seed, reference=not args.no_reference)
    except (ValueError, FileExistsError) as error:
        parser.error(str(error))
    size = sum(p.stat().st_size for p in paths)
    with_lists = "" if args.no_reference else " and reference/"
    print(f"wrote {len(paths)} documents ({args.descriptions} txt, {args.pdfs} pdf, {size / 1e6:.1f} MB){with_lists} to {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
