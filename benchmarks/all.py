"""Every figure of issue 12 in one run: the build, the scale-out parse and the server, with targets.

Usage::

    python benchmarks/all.py [--sizes 4000] [--pdfs 200] [--repeat 3] [--keep DIR] [--jobs N]
                             [--serve-runs 3] [--duration 5] [--no-dask] [--no-serve]

Runs, one after another and each in processes of its own (their own output is shown as it comes):

1. ``benchmarks/build.py`` — the official lists, the text corpora (build against ``esr parse``,
   the runner, per document per core, memory), the PDF corpus against pypdfium2's raw
   extraction, the incremental rebuilds;
2. ``benchmarks/parse_dask.py`` on the first text corpus — the parse stage on our pool, on
   ``dask.bag`` and on a local ``dask.distributed`` cluster (needs ``pip install -e '.[scale]'``;
   skipped with a note otherwise);
3. ``benchmarks/serve.py`` — ``esr serve`` against a stock Datasette on the archive ``./run``
   builds, at 10 and 50 clients, one page at a time, two processes behind a balancer.

Then one table of every headline figure with its target and whether it is met, between the
machine's speed before and after (``benchmarks/machine.py``: a fixed Python loop, to compare
machines by, and the load average: run it on an idle machine). A benchmark, not a test: nothing
here fails on a missed target; the exit code is 1 only when a benchmark could not run.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import figures  # noqa: E402 - benchmarks/figures.py
from machine import describe  # noqa: E402


def _run(what: str, command: list[str]) -> None:
    """Run one benchmark with its output shown as it comes; stop the whole run if it fails."""
    click.echo(f"\n######## {what}: {' '.join(command[1:])}", err=False)
    began = time.perf_counter()
    completed = subprocess.run(command, cwd=ROOT, check=False)
    click.echo(f"######## {what}: {time.perf_counter() - began:.0f} s")
    if completed.returncode != 0:
        raise click.ClickException(f"{what} failed (exit {completed.returncode})")


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--sizes", default="4000", show_default=True, help="Text corpus sizes for benchmarks/build.py, comma-separated.")
@click.option("--pdfs", type=click.IntRange(min=0), default=200, show_default=True, help="PDFs of the PDF corpus (0: none).")
@click.option("--repeat", type=click.IntRange(min=1), default=3, show_default=True, help="Runs of each build and parse figure (medians).")
@click.option("--keep", type=click.Path(file_okay=False, path_type=Path), metavar="DIR", help="Keep the corpora, databases and JSON figures here (a corpus there is reused).")
@click.option("--jobs", type=int, default=None, help="Parse workers (default: all cores).")
@click.option("--serve-runs", type=click.IntRange(min=1), default=3, show_default=True, help="Runs of the server benchmark on fresh servers (medians).")
@click.option("--duration", type=click.FloatRange(0.5), default=5.0, show_default=True, help="Seconds of each load run of the server benchmark.")
@click.option("--dask/--no-dask", default=True, show_default=True, help="Time the parse stage on Dask too.")
@click.option("--serve/--no-serve", default=True, show_default=True, help="Run the server benchmark too.")
def main(sizes: str, pdfs: int, repeat: int, keep: Path | None, jobs: int | None, serve_runs: int, duration: float, dask: bool, serve: bool) -> None:
    """Run every benchmark of issue 12 and print all the figures with their targets."""
    before = describe()
    click.echo(before)
    jobs_args = ["--jobs", str(jobs)] if jobs else []
    first = next((size.strip() for size in sizes.split(",") if size.strip()), None)
    with tempfile.TemporaryDirectory(prefix="esr-bench-all-") as temporary:
        work = keep.resolve() if keep else Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        python = sys.executable
        _run("build", [python, str(HERE / "build.py"), "--sizes", sizes, "--pdfs", str(pdfs), "--repeat", str(repeat),
                       "--keep", str(work), "--json", str(work / "build.json"), *jobs_args])  # fmt: skip
        sections = [("build", figures.read(work / "build.json"))]
        if dask and first:
            try:
                import dask as _dask  # noqa: F401
            except ImportError:
                click.echo("\nDask is not installed (pip install -e '.[scale]'): the scale-out parse is not measured")
            else:
                _run("scale", [python, str(HERE / "parse_dask.py"), str(work / f"text-{int(first)}"), "--jobs", str(jobs or 2),
                               "--runs", str(repeat), "--json", str(work / "dask.json")])  # fmt: skip
                sections.append(("scale", figures.read(work / "dask.json")))
        if serve:
            db = work / "serve" / "esr.db"
            db.parent.mkdir(exist_ok=True)
            # The archive ./run builds: the repository's corpus with the lists.
            subprocess.run([python, "-m", "parser", "build", str(ROOT / "corpus"), "--db", str(db), "--full"], cwd=ROOT, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
            _run("serve", [python, str(HERE / "serve.py"), "--db", str(db), "--runs", str(serve_runs), "--duration", str(duration),
                           "--json", str(work / "serve.json")])  # fmt: skip
            sections.append(("serve", figures.read(work / "serve.json")))
    click.echo("\n######## every figure of issue 12\n")
    click.echo(f"before: {before}")
    click.echo(f"after:  {describe()}\n")
    every = [item for _, items in sections for item in items]
    click.echo(figures.markdown(every))
    counted = [item for item in every if item["met"] is not None]
    click.echo(f"\n{sum(1 for f in counted if f['met'])} of {len(counted)} targets met")


if __name__ == "__main__":
    main()
