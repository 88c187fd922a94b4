"""Where a build's time goes: cProfile of ``build()`` in the parent, and of ``parse_bytes`` in process.

Usage::

    python benchmarks/profile_build.py CORPUS [--db PATH] [--sample 500] [--top 25] [--out DIR] [--skip-build]

1. ``build(CORPUS, DB, full=True)`` under cProfile in this process: the parent's own time (scan,
   collecting results from the parse workers, load, index). The parse itself runs in worker
   processes, which cProfile does not see; their busy time is summed from ``Outcome.seconds``
   (``on_parsed``), so the parse stage's wall time can be set against it.
2. ``parser.parse.parse_bytes`` on a sample of the corpus's documents (spread evenly over it:
   in path order the layouts come in runs), in this process: its steps timed one by one (read,
   clean, engine, record), then what a parse worker adds (the rows it makes of the document,
   ``document_rows``, and pickling the ``Outcome`` it sends), what the parent does with it
   (unpickling, ``DocumentLoader.add`` and the inserts of ``flush``) per document, then the
   whole under cProfile.

Profiles are written to ``DIR/build.prof`` and ``DIR/parse.prof`` (default: a temporary folder,
printed) for ``python -m pstats`` or snakeviz.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import io
import json
import pickle
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlite_utils

from parser.archive import schema  # noqa: E402
from parser.archive.build import build  # noqa: E402
from parser.archive.load_documents import DocumentLoader, document_rows  # noqa: E402
from parser.corpus import scan_documents  # noqa: E402
from parser.clean import clean  # noqa: E402
from parser.extract.engine import parse_lines  # noqa: E402
from parser.parse import parse_bytes  # noqa: E402
from parser.read import read_document  # noqa: E402
from parser.records import Document, Source  # noqa: E402
from parser.runner import Outcome, default_jobs  # noqa: E402


def _print_stats(profile: cProfile.Profile | str, top: int, title: str) -> None:
    for key in ("cumulative", "tottime"):
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        stats.strip_dirs().sort_stats(key).print_stats(top)
        text = out.getvalue()
        # Drop pstats' preamble up to the table.
        print(f"\n--- {title}: top {top} by {key} ---")
        print(text[text.find("   ncalls"):].rstrip())


def profile_build(corpus: Path, db: Path, out: Path, top: int, jobs: int | None) -> None:
    worker_seconds = []
    profile = cProfile.Profile()
    began = time.perf_counter()
    profile.enable()
    report = build(corpus, db, full=True, jobs=jobs, on_parsed=lambda outcome: worker_seconds.append(outcome.seconds))
    profile.disable()
    total = time.perf_counter() - began
    profile.dump_stats(out / "build.prof")
    workers = jobs or default_jobs()
    busy = sum(worker_seconds)
    print(f"build under cProfile: {total:.1f} s; steps {json.dumps({k: round(v, 2) for k, v in report.seconds.items()})}")
    print(report.timing())
    print(f"parse workers: {len(worker_seconds)} documents, {busy:.1f} s busy in parse_one in all "
          f"({1000 * busy / max(len(worker_seconds), 1):.2f} ms/document), i.e. {busy / workers:.1f} s of wall time "
          f"for {workers} workers, against a parse stage of {report.seconds.get('parse', 0):.1f} s")  # fmt: skip
    _print_stats(profile, top, "parent process, full build")


def profile_parse(corpus: Path, sample: int, out: Path, top: int) -> None:
    paths = list(scan_documents(corpus).values())
    chosen = paths[:: max(1, len(paths) // sample)] if sample < len(paths) else paths
    data = [(str(p), p.read_bytes()) for p in chosen]
    for path, blob in data[:5]:
        parse_bytes(blob, path)  # warm up imports and caches

    steps = {"read": 0.0, "clean": 0.0, "engine": 0.0, "record": 0.0, "rows (worker)": 0.0, "pickle Outcome (worker→parent)": 0.0,
             "unpickle Outcome": 0.0, "loader add (parent)": 0.0}  # fmt: skip
    sizes = []
    db = sqlite_utils.Database(memory=True)
    schema.create_schema(db)
    loader = DocumentLoader(db, include_contacts=True)
    for number, (path, blob) in enumerate(data):
        t0 = time.perf_counter()
        read = read_document(blob, path)
        t1 = time.perf_counter()
        lines = clean(read.lines, page_breaks_known=read.page_breaks_known)
        t2 = time.perf_counter()
        parsed = parse_lines(lines)
        t3 = time.perf_counter()
        source = Source(path=path, sha256=hashlib.sha256(blob).hexdigest(), format=read.format, pages=read.pages)
        document = Document.model_validate(
            {"source": source, "kind": parsed.kind, "template": parsed.template, "title": parsed.title,
             "warnings": parsed.warnings, "project": parsed.project, "text": parsed.text}  # fmt: skip
        )
        t4 = time.perf_counter()
        rows = document_rows(document)
        t5 = time.perf_counter()
        pickled = pickle.dumps((0, Outcome(path, rows, seconds=0.0)), protocol=pickle.HIGHEST_PROTOCOL)
        t6 = time.perf_counter()
        _, outcome = pickle.loads(pickled)
        t7 = time.perf_counter()
        loader.add(f"{number}:{path}", "0" * 64, outcome.document, None)
        t8 = time.perf_counter()
        sizes.append(len(pickled))
        for name, seconds in zip(steps, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5, t7 - t6, t8 - t7)):
            steps[name] += seconds
    flushing = time.perf_counter()
    loader.flush()
    flushed = time.perf_counter() - flushing
    n = len(data)
    print(f"\nparse_bytes in process on {n} documents of {corpus} (ms per document):")
    for name, seconds in steps.items():
        print(f"  {name:<32} {1000 * seconds / n:7.3f}")
    print(f"  {'loader flush (parent, inserts)':<32} {1000 * flushed / n:7.3f}")
    parse_total = sum(list(steps.values())[:4])
    print(f"  {'parse_bytes (read..record)':<32} {1000 * parse_total / n:7.3f}  → {n / parse_total:.0f} documents/s per core")
    print(f"  pickled Outcome: {sum(sizes) / n / 1024:.1f} KiB per document")

    gc.collect()
    profile = cProfile.Profile()
    profile.enable()
    for path, blob in data:
        parse_bytes(blob, path)
    profile.disable()
    profile.dump_stats(out / "parse.prof")
    _print_stats(profile, top, f"parse_bytes on {n} documents, in process")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--db", type=Path, help="database to build (default: in the output folder)")
    parser.add_argument("--sample", type=int, default=500, help="documents for the in-process profile (default 500)")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--out", type=Path, help="folder for the .prof files")
    parser.add_argument("--jobs", type=int)
    parser.add_argument("--skip-build", action="store_true", help="only the in-process parse profile")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="esr-profile-") as temporary:
        out = args.out or Path(temporary)
        out.mkdir(parents=True, exist_ok=True)
        if not args.skip_build:
            profile_build(args.corpus, args.db or out / "profile.db", out, args.top, args.jobs)
        profile_parse(args.corpus, args.sample, out, args.top)
        if args.out:
            print(f"\nprofiles written to {out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
