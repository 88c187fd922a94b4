"""The parse stage on Dask, locally: the engine a build past one machine would shard on.

Usage::

    python benchmarks/parse_dask.py CORPUS [--jobs 2] [--runs 3] [--partitions-per-job 8] [--json FILE]

Parses every document of ``CORPUS`` (e.g. ``benchmarks/synthetic_corpus.py /tmp/bench/c4000
--descriptions 4000``) three ways and prints the median seconds of ``--runs`` runs and
documents per second per core:

1. ``parser.runner.parse_files`` — the archive's own worker pool, as ``esr parse --jobs`` runs;
2. ``dask.bag`` with the multiprocessing scheduler, ``--jobs`` processes — the same function
   (``parser.runner.parse_one``, rows made in the worker) mapped over partitions of paths;
3. ``dask.distributed`` (when installed) with a local cluster of ``--jobs`` workers — what runs
   unchanged on a cluster of many machines by pointing the client at its scheduler.

Each document becomes its plain rows in the worker (the loader's input), so what crosses
processes is what a sharded build would send to the merge step. Needs ``pip install -e
'.[scale]'``. A benchmark, not a test: no figure here is asserted.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))


def _paths(corpus: Path) -> list[str]:
    from parser.corpus import expand_paths

    return expand_paths([str(corpus)])


def _outcome_size(outcome) -> int:
    return 0 if outcome.error else 1


def parse_partition(paths: list[str]) -> list[int]:
    """One partition of a Dask bag: every path parsed as a build's worker parses it."""
    from parser.runner import parse_one

    return [_outcome_size(parse_one(path)) for path in paths]


def run_pool(paths: list[str], jobs: int) -> int:
    from parser.runner import parse_files

    return sum(_outcome_size(outcome) for outcome in parse_files(paths, jobs=jobs))


def run_bag(paths: list[str], jobs: int, partitions: int) -> int:
    import dask
    import dask.bag as db

    bag = db.from_sequence(paths, npartitions=partitions).map_partitions(parse_partition)
    with dask.config.set(scheduler="processes", num_workers=jobs):
        return sum(bag.compute())


def run_distributed(client, paths: list[str], partitions: int) -> int:
    import dask.bag as db

    bag = db.from_sequence(paths, npartitions=partitions).map_partitions(parse_partition)
    return sum(client.compute(bag).result())


def _median(function, runs: int) -> tuple[float, int]:
    times, parsed = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        parsed = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), parsed


@click.command()
@click.argument("corpus", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--jobs", default=2, show_default=True, help="Worker processes.")
@click.option("--runs", default=3, show_default=True, help="Runs of each; the median is printed.")
@click.option("--partitions-per-job", default=8, show_default=True, help="Dask partitions per worker.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE", help="Write the figures here, as JSON (for benchmarks/all.py).")
def main(corpus: Path, jobs: int, runs: int, partitions_per_job: int, json_path: Path | None) -> None:
    """Time the parse stage of CORPUS on the archive's pool and on Dask."""
    from machine import describe  # benchmarks/machine.py

    try:
        import dask  # noqa: F401
    except ImportError:
        raise click.ClickException("Dask is not installed: pip install -e '.[scale]'")
    paths = _paths(corpus)
    partitions = max(1, jobs * partitions_per_job)
    click.echo(describe())
    click.echo(f"{len(paths):,} documents, {jobs} processes, {runs} runs each (median)")
    results = []
    seconds, parsed = _median(lambda: run_pool(paths, jobs), runs)
    results.append(("archive pool (parse_files)", seconds, parsed))
    seconds, parsed = _median(lambda: run_bag(paths, jobs, partitions), runs)
    results.append((f"dask.bag, processes, {partitions} partitions", seconds, parsed))
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        click.echo("dask.distributed not installed: its run is skipped")
    else:
        with LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
            run_distributed(client, paths[: min(50, len(paths))], jobs)  # start-up and imports, once
            seconds, parsed = _median(lambda: run_distributed(client, paths, partitions), runs)
            results.append((f"dask.distributed, local cluster of {jobs}", seconds, parsed))
    base = results[0][1]
    click.echo(f"{'engine':<45} {'seconds':>8} {'docs/s/core':>12} {'× pool':>7} parsed")
    for name, seconds, parsed in results:
        click.echo(f"{name:<45} {seconds:8.2f} {len(paths) / seconds / jobs:12.0f} {seconds / base:7.2f} {parsed}")
    if json_path is not None:
        import figures  # benchmarks/figures.py

        figures.write(json_path, describe(), [
            figures.figure(f"scale: parse stage of {len(paths):,} documents, {name}", seconds, f"s ({seconds / base:.2f} × the pool)")
            for name, seconds, _ in results
        ])  # fmt: skip


if __name__ == "__main__":
    main()
