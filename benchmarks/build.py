"""Time ``esr build`` (``parser.archive.build.build``) on synthetic corpora: a benchmark, not a test.

Usage::

    python benchmarks/build.py [--sizes 1000,20000] [--pdfs 200] [--keep DIR] [--seed 0] [--jobs N]

For each size N it writes a corpus of N text descriptions (``benchmarks/synthetic_corpus.py``,
with the reference lists), and one corpus of ``--pdfs`` PDFs alone; then, for each corpus, in a
fresh Python process each (as ``esr build`` runs), so that each run's peak memory is its own:

1. a full build (``full=True``) into an empty database;
2. a no-op incremental rebuild (nothing changed);
3. an incremental rebuild after one document was changed (one amount of its funding section;
   for the PDF corpus the changed description is rendered again).

It prints, per run, the documents, the seconds of each stage (scan, parse, load, index) and the
documents per second of each, the total (``build()`` itself; the seconds to import the package
come beside it), and the peak resident memory of the run's process (``RUSAGE_SELF``) and of its
largest child, a parse worker (``RUSAGE_CHILDREN``); for the PDF corpus also pages per second
(of the parse stage, and per core). A Markdown table of all runs comes last, with the targets. ``--keep DIR`` writes the corpora and databases to DIR and keeps
them (an existing corpus of the same settings is reused); otherwise a temporary folder is used.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))


STAGES = ("scan", "parse", "load", "index")
TARGETS = {"text_seconds": 60.0, "text_docs": 20_000, "noop_seconds": 5.0, "pdf_pages_per_core": 300.0}
#: The line changed in the one-file rebuild: its amount goes up by one euro.
_CHANGED_LINE = re.compile(r"^(Toteutunut julkinen rahoitus yhteensä: )([0-9 ]+)$", re.MULTILINE)


# --- the measuring process ---------------------------------------------------------------------


def _maxrss_mib() -> tuple[float, float]:
    """Peak resident memory of this process and of its largest finished child, in MiB (Linux: KiB)."""
    self_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return self_kib / 1024, children_kib / 1024


def run_once(kind: str, corpus: Path, db: Path, jobs: int | None) -> dict:
    """One measured build in this (fresh) process: ``full``, ``incremental`` or ``sync``.

    ``sync`` brings the archive up to date, unmeasured, when the parser's code changed on disk
    since the last build (other people edit ``parser/`` while this runs): an incremental run
    would then parse every document again and measure that instead of what is wanted.
    """
    began = time.perf_counter()
    from parser.archive.build import build
    from parser.archive.fingerprint import rows_fingerprint
    from parser.runner import default_jobs

    imported = time.perf_counter() - began
    if kind == "sync":
        synced = 0
        while _stored_fingerprint(db) != rows_fingerprint() and synced < 3:
            build(corpus, db, jobs=jobs)
            synced += 1
        return {"synced": synced}
    if kind == "full":
        db.unlink(missing_ok=True)
    began = time.perf_counter()
    report = build(corpus, db, full=kind == "full", jobs=jobs)
    total = time.perf_counter() - began
    peak_self, peak_children = _maxrss_mib()
    return {
        "documents": report.documents,
        "parsed": report.parsed,
        "skipped": report.skipped,
        "failed": report.failed,
        "nothing_changed": report.nothing_changed,
        "warnings": report.warnings,
        "seconds": dict(report.seconds),
        "total": total,
        "import_seconds": imported,
        "jobs": jobs or default_jobs(),
        "maxrss_self_mib": peak_self,
        "maxrss_children_mib": peak_children,
    }


def _stored_fingerprint(db: Path) -> str | None:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
            row = connection.execute("select value from build_info where key = 'parser'").fetchone()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def _child(arguments: list[str], what: str) -> dict:
    """Run this script with ``arguments`` in a new process; its last stdout line is JSON."""
    command = [sys.executable, str(Path(__file__).resolve()), *arguments]
    completed = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if completed.returncode != 0:
        sys.stderr.write(completed.stderr)
        raise SystemExit(f"{what} failed")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _subprocess(kind: str, corpus: Path, db: Path, jobs: int | None) -> dict:
    return _child(["--run", kind, str(corpus), str(db), *(["--jobs", str(jobs)] if jobs else [])], f"the {kind} build of {corpus}")


def measure(corpus: Path, db: Path, target: Path, replacement: Path, jobs: int | None) -> dict:
    """The three runs on one corpus, each in a fresh process; the changed document is restored afterwards."""
    notes: list[str] = []
    runs = {"full": _subprocess("full", corpus, db, jobs)}
    with sqlite3.connect(db) as connection:
        pages, pdfs = connection.execute("select coalesce(sum(pages), 0), count(*) from documents where format = 'pdf'").fetchone()
        (failed_docs,) = connection.execute("select count(*) from documents where error is not null").fetchone()
    for name in ("no-op", "one file"):
        if _subprocess("sync", corpus, db, jobs)["synced"]:
            notes.append(f"the parser's code changed on disk before the {name} run: the archive was brought up to date first (not measured)")
        if name == "no-op":
            runs[name] = _subprocess("incremental", corpus, db, jobs)
            continue
        original = target.read_bytes()
        try:
            shutil.copyfile(replacement, target)
            runs[name] = _subprocess("incremental", corpus, db, jobs)
        finally:
            target.write_bytes(original)
    for name, expected in (("no-op", 0), ("one file", 1)):
        done = runs[name]["parsed"] + runs[name]["failed"]
        if done != expected:
            notes.append(f"the {name} run parsed {done} documents, not {expected}: the parser's code probably "
                         "changed on disk during the run, so its time is not the one wanted; run again")  # fmt: skip
    return {
        "corpus": str(corpus),
        "jobs": runs["full"]["jobs"],
        "pdf_documents": pdfs,
        "pdf_pages": pages,
        "failed_documents": failed_docs,
        "db_bytes": db.stat().st_size,
        "notes": notes,
        "runs": [{"run": name, **run} for name, run in runs.items()],
    }


# --- the driving process -----------------------------------------------------------------------


# Corpora are written in a child process too (``--prepare``): this driving process stays small,
# because Linux hands a process's peak RSS on to the children it starts (``ru_maxrss`` survives
# fork and exec), so a large driver would inflate every run's RUSAGE_SELF figure.


def _changed_text(text: str) -> str:
    import synthetic_corpus

    changed, count = _CHANGED_LINE.subn(lambda m: m.group(1) + synthetic_corpus._euros(int(m.group(2).replace(" ", "")) + 1), text, count=1)
    if count != 1:
        raise RuntimeError("the description has no line to change")
    return changed


def make_corpus(folder: Path, descriptions: int, pdfs: int, seed: int, sources) -> float:
    """Write the corpus (or reuse one written with the same settings); return the seconds taken."""
    manifest = folder / ".synthetic-corpus.json"
    wanted = {"seed": seed, "descriptions": descriptions, "pdfs": pdfs}
    if manifest.is_file():
        found = json.loads(manifest.read_text(encoding="utf-8"))
        if all(found.get(k) == v for k, v in wanted.items()):
            return 0.0
        raise SystemExit(f"{folder} holds a corpus of other settings ({found}); remove it or choose another --keep folder")
    import synthetic_corpus

    began = time.perf_counter()
    synthetic_corpus.write_corpus(folder, descriptions, pdfs, seed, sources=sources)
    return time.perf_counter() - began


def prepare_change(folder: Path, work: Path, descriptions: int, pdfs: int, seed: int, sources) -> tuple[Path, Path]:
    """The document to change in the one-file rebuild, and a file with its changed content."""
    import synthetic_corpus

    entries = synthetic_corpus.plan_corpus(descriptions, pdfs, seed)
    entry = entries[0]
    target = folder / entry.name
    replacement = work / f"{folder.name}.changed.{entry.format}"
    if entry.format == "pdf":
        from tests.render import render_pdf

        replacement.write_bytes(render_pdf(_changed_text(synthetic_corpus.description_text(entry, seed, sources))))
    else:
        replacement.write_bytes(_changed_text(target.read_text(encoding="utf-8")).encode("utf-8"))
    return target, replacement


def _rate(count: float, seconds: float | None) -> str:
    return f"{count / seconds:,.0f}" if seconds else "–"


def _seconds(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "–"


def print_result(label: str, result: dict, generated: float) -> None:
    print(f"\n== {label}: {result['corpus']}  (generated in {generated:.1f} s; {result['jobs']} parse workers; "
          f"database {result['db_bytes'] / 1e6:.1f} MB)")  # fmt: skip
    head = f"{'run':<9} {'docs':>6} {'parsed':>6}" + "".join(f" {s + ' s':>8} {s + '/s':>9}" for s in STAGES)
    print(head + f" {'total s':>8} {'+import':>7} {'RSS MiB':>8} {'worker':>7}")
    for run in result["runs"]:
        seconds = run["seconds"]
        counts = {"scan": run["documents"], "parse": run["parsed"] + run["failed"], "load": run["parsed"] + run["failed"], "index": run["documents"]}
        line = f"{run['run']:<9} {run['documents']:>6} {run['parsed']:>6}"
        for stage in STAGES:
            value = seconds.get(stage)
            line += f" {_seconds(value):>8} {_rate(counts[stage], value) if value is not None else '–':>9}"
        line += f" {run['total']:>8.2f} {run['import_seconds']:>7.2f} {run['maxrss_self_mib']:>8.0f} {run['maxrss_children_mib']:>7.0f}"
        print(line)
    if result["pdf_pages"]:
        full = result["runs"][0]
        parse = full["seconds"]["parse"]
        rate = result["pdf_pages"] / parse
        print(f"PDF: {result['pdf_documents']} documents, {result['pdf_pages']} pages; parse stage {rate:.0f} pages/s "
              f"= {rate / result['jobs']:.0f} pages/s per core ({result['jobs']} workers); end to end {result['pdf_pages'] / full['total']:.0f} pages/s")  # fmt: skip
    if result["failed_documents"]:
        print(f"warning: {result['failed_documents']} documents failed to parse")
    for note in result["notes"]:
        print(f"note: {note}")


def markdown_table(results: list[tuple[str, dict]]) -> str:
    rows = [
        "| corpus | documents | scan s | parse s (docs/s) | load s (docs/s) | index s (docs/s) | full build s "
        "| no-op rebuild s (+ import) | one-file rebuild s | peak RSS main / worker MiB | PDF pages/s (per core) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, result in results:
        full, noop, one = result["runs"]
        s = full["seconds"]
        n = full["parsed"] + full["failed"]
        pdf = "–"
        if result["pdf_pages"]:
            rate = result["pdf_pages"] / s["parse"]
            pdf = f"{rate:,.0f} ({rate / result['jobs']:,.0f})"
        rows.append(
            f"| {label} | {full['documents']:,} | {s['scan']:.2f} | {s['parse']:.1f} ({_rate(n, s['parse'])}) "
            f"| {s['load']:.1f} ({_rate(n, s['load'])}) | {s['index']:.1f} ({_rate(full['documents'], s['index'])}) "
            f"| {full['total']:.1f} | {noop['total']:.2f} (+{noop['import_seconds']:.2f}) | {one['total']:.1f} "
            f"| {full['maxrss_self_mib']:,.0f} / {full['maxrss_children_mib']:,.0f} | {pdf} |"
        )
    return "\n".join(rows)


def check_targets(results: list[tuple[str, dict]]) -> list[str]:
    lines = []
    for label, result in results:
        full, noop, _ = result["runs"]
        if result["pdf_pages"]:
            per_core = result["pdf_pages"] / full["seconds"]["parse"] / result["jobs"]
            ok = per_core >= TARGETS["pdf_pages_per_core"]
            lines.append(f"- {label}: {per_core:.0f} pages/s per core (target ≥ {TARGETS['pdf_pages_per_core']:.0f}): {'met' if ok else 'MISSED'}")
        else:
            if full["documents"] >= TARGETS["text_docs"]:
                ok = full["total"] < TARGETS["text_seconds"]
                lines.append(f"- {label}: full build {full['total']:.1f} s (target < {TARGETS['text_seconds']:.0f} s): {'met' if ok else 'MISSED'}")
        ok = noop["total"] < TARGETS["noop_seconds"]
        lines.append(f"- {label}: no-op rebuild {noop['total']:.2f} s (target < {TARGETS['noop_seconds']:.0f} s): {'met' if ok else 'MISSED'}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,20000", help="text corpus sizes, comma-separated (default 1000,20000)")
    parser.add_argument("--pdfs", type=int, default=200, help="size of the PDF-only corpus (default 200; 0: none)")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="write corpora and databases here and keep them")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=None, help="parse workers (default: all cores)")
    parser.add_argument("--run", nargs=3, metavar=("KIND", "CORPUS", "DB"), help=argparse.SUPPRESS)
    parser.add_argument("--prepare", nargs=5, metavar=("FOLDER", "WORK", "DESCRIPTIONS", "PDFS", "SEED"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.prepare:
        import synthetic_corpus

        folder, work = Path(args.prepare[0]), Path(args.prepare[1])
        descriptions, pdfs, seed = map(int, args.prepare[2:])
        sources = synthetic_corpus.Sources()
        seconds = make_corpus(folder, descriptions, pdfs, seed, sources)
        target, replacement = prepare_change(folder, work, descriptions, pdfs, seed, sources)
        print(json.dumps({"seconds": seconds, "target": str(target), "replacement": str(replacement)}))
        return 0
    if args.run:
        kind, corpus, db = args.run
        print(json.dumps(run_once(kind, Path(corpus), Path(db), args.jobs)))
        return 0

    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes must be whole numbers separated by commas, not {args.sizes!r}")
    corpora = [(f"{n:,} text descriptions", f"text-{n}", n, 0) for n in sizes]
    if args.pdfs:
        corpora.append((f"{args.pdfs:,} PDFs", f"pdf-{args.pdfs}", 0, args.pdfs))

    with tempfile.TemporaryDirectory(prefix="esr-bench-") as temporary:
        work = args.keep.resolve() if args.keep else Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        print(f"working in {work}; {os.cpu_count()} CPUs; Python {sys.version.split()[0]}")
        results = []
        for label, name, descriptions, pdfs in corpora:
            folder = work / name
            prepared = _child(["--prepare", str(folder), str(work), str(descriptions), str(pdfs), str(args.seed)], f"writing {folder}")
            generated, target, replacement = prepared["seconds"], Path(prepared["target"]), Path(prepared["replacement"])
            result = measure(folder, work / f"{name}.db", target, replacement, args.jobs)
            print_result(label, result, generated)
            results.append((label, result))

        print("\n" + markdown_table(results))
        print()
        print("\n".join(check_targets(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
