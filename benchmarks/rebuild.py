"""The one-file rebuild of an archive with the official lists: a benchmark, not a test.

Usage::

    python benchmarks/rebuild.py [--descriptions 20000] [--rounds 3] [--against COMMIT|none] [--change description|list]
                                 [--keep DIR] [--json FILE]

What a harvest of the whole service leaves behind is a corpus of about 20,000 descriptions and
the lists (22,821 rows), rebuilt after each harvest that brings a few changed pages.
``benchmarks/build.py`` measures its corpora without the lists, as issue 12 did; this script
writes a synthetic corpus of ``--descriptions`` descriptions *with* the lists
(``benchmarks/synthetic_corpus.py``), builds it in full once with this code and once with the
files of ``--against`` (``git archive``; ``none``: this code alone), then in every round, for
each code in turn, changes one amount of one description (``--change list``: one amount of
the 2007–2013 list, as a harvest that finds a list changed) and rebuilds, then changes it back
and rebuilds: two one-file rebuilds per code and round, each a whole ``esr build --timing``
command (imports included). It prints each rebuild's wall time and step timing, the medians
and their ratio, and the machine's speed before and after (``benchmarks/machine.py``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
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

import build as build_benchmark  # noqa: E402 - benchmarks/build.py: the baseline tree, the changed line
import figures as figures_format  # noqa: E402
from figures import figure  # noqa: E402

#: The code before incremental builds made again only the touched codes' index rows and terms.
AGAINST_COMMIT = "a1b52e8"
_TIMING = re.compile(r"^esr: timing: .*$", re.MULTILINE)


def write_corpus(folder: Path, descriptions: int, seed: int) -> Path:
    """The corpus with the lists (reused when ``folder`` holds one of the same settings); returns
    the description the rebuilds change."""
    import synthetic_corpus

    manifest = folder / ".synthetic-corpus.json"
    wanted = {"seed": seed, "descriptions": descriptions, "pdfs": 0, "reference": True}
    if manifest.is_file():
        found = json.loads(manifest.read_text(encoding="utf-8"))
        if any(found.get(key) != value for key, value in wanted.items()):
            raise click.ClickException(f"{folder} holds a corpus of other settings ({found}); remove it or choose another --keep folder")
    else:
        click.echo(f"writing {descriptions:,} descriptions and the lists to {folder}")
        synthetic_corpus.write_corpus(folder, descriptions, 0, seed)
    return folder / synthetic_corpus.plan_corpus(descriptions, 0, seed)[0].name


#: The list ``--change list`` changes: the last figure of its first row goes up by one euro.
_CHANGED_LIST = "reference/projektilista-2007-2013.csv"


def _changed_list(data: bytes) -> bytes:
    header, first, rest = data.split(b"\n", 2)
    ending = b"\r" if first.endswith(b"\r") else b""
    head, _, figure = first.removesuffix(ending).rpartition(b",")
    return b"\n".join([header, head + b"," + str(int(figure) + 1).encode() + ending, rest])


def esr_build(tree: Path, corpus: Path, db: Path, *, full: bool = False) -> dict:
    """``esr build`` of ``corpus`` into ``db`` with the files of ``tree``, as a whole command:
    its wall seconds and its timing line."""
    command = [sys.executable, "-m", "parser", "build", str(corpus), "--db", str(db), "--timing", *(["--full"] if full else [])]
    began = time.perf_counter()
    completed = subprocess.run(
        command, cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)}, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - began
    if completed.returncode != 0:
        raise click.ClickException(f"esr build with the files of {tree} failed:\n{completed.stderr[-2000:]}")
    timing = _TIMING.search(completed.stderr)
    return {"seconds": seconds, "timing": timing.group(0) if timing else "(no timing line)"}


@click.command()
@click.option("--descriptions", type=click.IntRange(1), default=20_000, show_default=True, help="Descriptions in the corpus.")
@click.option("--rounds", type=click.IntRange(1), default=3, show_default=True, help="Rounds of two rebuilds per code.")
@click.option("--against", default=AGAINST_COMMIT, show_default=True, help="The commit to compare with, or 'none'.")
@click.option("--change", type=click.Choice(["description", "list"]), default="description", show_default=True,
              help="What each rebuild finds changed: one description, or one of the lists.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--keep", type=click.Path(file_okay=False, path_type=Path), help="Write the corpus and archives here and keep them.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), help="Write the headline figures here.")
def main(descriptions: int, rounds: int, against: str, change: str, seed: int, keep: Path | None, json_path: Path | None) -> None:
    """Time one-file rebuilds of an archive with the lists, this code against another commit's."""
    with tempfile.TemporaryDirectory(prefix="esr-rebuild-") as temporary:
        work = keep.resolve() if keep else Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        trees = {"this code": ROOT}
        if against.lower() != "none":  # before the corpus: a wrong commit is told at once
            tree, why_not = build_benchmark.baseline_tree(against, work)
            if tree is None:
                raise click.ClickException(f"no tree of {against}: {why_not}")
            trees[against] = tree
        click.echo(build_benchmark.machine_speed())
        corpus = work / f"lists-{descriptions}"
        target = write_corpus(corpus, descriptions, seed)
        if change == "list":
            target = corpus / _CHANGED_LIST
        original = target.read_bytes()
        changed = _changed_list(original) if change == "list" else build_benchmark._changed_text(original.decode("utf-8")).encode("utf-8")
        databases = {name: work / f"lists-{descriptions}-{index}.db" for index, name in enumerate(trees)}
        for name, tree in trees.items():
            full = esr_build(tree, corpus, databases[name], full=True)
            click.echo(f"full build, {name}: {full['seconds']:.1f} s\n  {full['timing']}")
        seconds: dict[str, list[float]] = {name: [] for name in trees}
        try:
            for round_number in range(1, rounds + 1):
                for name, tree in trees.items():
                    for what, content in (("changed", changed), ("changed back", original)):
                        target.write_bytes(content)
                        run = esr_build(tree, corpus, databases[name])
                        seconds[name].append(run["seconds"])
                        click.echo(f"round {round_number}, {name}, one amount of the {change} {what}: {run['seconds']:.2f} s\n  {run['timing']}")
        finally:
            target.write_bytes(original)
        medians = {name: statistics.median(values) for name, values in seconds.items()}
        what = "a list" if change == "list" else "a description"
        found = [figure(f"rebuild of {descriptions:,} descriptions with the lists, {what} changed, {name}", value, "s")
                 for name, value in medians.items()]
        if len(medians) == 2:
            ours, theirs = medians.values()
            found.append(figure(f"rebuild, {what} changed: {against} / this code", theirs / ours, "×"))
        click.echo("\n".join(figures_format.line(item) for item in found))
        speed = build_benchmark.machine_speed()
        click.echo(speed)
        if json_path is not None:
            figures_format.write(json_path, speed, found)
        if keep is None:
            shutil.rmtree(work / f"baseline-{against}", ignore_errors=True)


if __name__ == "__main__":
    main()
