"""How long the test suite takes, against its budget of 90 s on an idle 2-core machine: a benchmark, not a test.

Usage::

    python benchmarks/suite.py [--runs 3] [--profile] [--top 25] [--json FILE] [-- PYTEST_ARGS...]

Runs the suite as ``./test`` does (``python -m pytest`` in the repository, with the options of
``pyproject.toml`` and bytecode writing on), ``--runs`` times one after the other, and prints
for each run the machine's speed before it (``benchmarks/machine.py``), pytest's own seconds (its
summary line), the wall seconds of the whole command, what passed and failed, and the
core-seconds the whole machine was busy and idle meanwhile (``/proc/stat``: the servers,
browsers and build workers the tests start count, as do other programs: run it on an idle
machine). Then the medians, against the budget. The suite's time moves by a tenth between runs
of the same code on this kind of machine (the machine's speed drifts, and hypothesis draws other
examples in each run), so one run says little: compare medians, alternated with the code before.

``--profile`` adds one run in one process (``-n 0``) with the plugin ``benchmarks/suite_cpu.py``,
which charges each test with the CPU the whole machine spent while it ran (setup and teardown
included), and prints the modules and the tests that kept the machine busiest, and the tests
that wait (wall time with the machine idle: time limits, back-offs, sleeps). At 2 cores the
suite's wall time is about (busy + idle core-seconds) / 2.

Needs Linux (``/proc/stat``). ``--json FILE`` writes the headline figures (``benchmarks/figures.py``).
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

import figures  # noqa: E402
import machine  # noqa: E402
from suite_cpu import machine_cpu  # noqa: E402

#: The budget of the engineering standards, in seconds of pytest.
BUDGET = 90.0
#: pytest's last line: ``1840 passed, 2 skipped, 2 warnings in 97.69s (0:01:37)``, in ``=`` or not.
SUMMARY = re.compile(r"^=*\s*(?P<counts>\d+ \w+(?:, \d+ \w+)*) in (?P<seconds>\d+(?:\.\d+)?)s\b")


def pytest_summary(output: str) -> tuple[dict[str, int], float] | None:
    """What pytest's summary line says: the count of each outcome (``passed``, ``failed``,
    ``skipped``, ``error``s as ``errors``…) and its seconds; ``None`` when there is no such line
    (pytest did not get as far)."""
    for line in reversed(output.strip().splitlines()):
        match = SUMMARY.match(line.strip())
        if match:
            counts = {}
            for piece in match["counts"].split(", "):
                number, what = piece.split(" ", 1)
                counts[what] = int(number)
            return counts, float(match["seconds"])
    return None


def _pytest_command(arguments: tuple[str, ...]) -> list[str]:
    return [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *arguments]


def _environment(**extra: str) -> dict[str, str]:
    # As ./test: the suite's processes write bytecode, so that each module is compiled once.
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    environment.update(extra)
    return environment


def run_suite(arguments: tuple[str, ...], **environment: str) -> dict:
    """One run of the suite: pytest's seconds and counts, the command's wall seconds, the
    machine's busy and idle core-seconds meanwhile, and the loop's time just before."""
    loop = machine.loop_seconds()
    busy, idle = machine_cpu()
    began = time.perf_counter()
    result = subprocess.run(_pytest_command(arguments), cwd=ROOT, env=_environment(**environment), capture_output=True, text=True)
    wall = time.perf_counter() - began
    busy_after, idle_after = machine_cpu()
    summary = pytest_summary(result.stdout)
    return {
        "loop": loop, "wall": wall, "busy": busy_after - busy, "idle": idle_after - idle, "exit": result.returncode,
        "counts": summary[0] if summary else {}, "seconds": summary[1] if summary else None,
        "tail": "" if summary else (result.stdout + result.stderr).strip()[-2000:],
    }


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{number:,} {what}" for what, number in counts.items()) or "no summary line"


def print_run(number: int, run: dict) -> None:
    """One line for a run."""
    seconds = f"{run['seconds']:.1f} s of pytest" if run["seconds"] is not None else "pytest gave no summary"
    print(
        f"run {number}: {seconds}, {run['wall']:.1f} s wall; busy {run['busy']:.1f}, idle {run['idle']:.1f} core-seconds; "
        f"loop before {run['loop']:.3f} s; {_counts(run['counts'])} (exit {run['exit']})",
        flush=True,
    )
    if run["tail"]:
        print(run["tail"])


def by_module(rows: list[dict]) -> dict[str, dict[str, float]]:
    """The rows of ``suite_cpu`` summed per test module: tests, wall, busy and idle seconds."""
    modules: dict[str, dict[str, float]] = defaultdict(lambda: {"tests": 0, "wall": 0.0, "busy": 0.0, "idle": 0.0})
    for row in rows:
        module = modules[row["id"].split("::", 1)[0]]
        module["tests"] += 1
        for key in ("wall", "busy", "idle"):
            module[key] += row[key]
    return dict(modules)


def waits(rows: list[dict], at_least: float = 0.2) -> list[tuple[float, dict]]:
    """The tests that kept the machine waiting: in one process a test that only computes keeps a
    core busy all its wall time, so wall − busy is time it waited (for a time limit, a back-off,
    a sleep, a disk). Longest first, those of ``at_least`` seconds or more."""
    found = [(row["wall"] - row["busy"], row) for row in rows if row["wall"] - row["busy"] >= at_least]
    return sorted(found, key=lambda item: -item[0])


def print_profile(rows: list[dict], top: int) -> None:
    """The modules and tests that kept the machine busiest, and the waits."""
    busy, idle = sum(row["busy"] for row in rows), sum(row["idle"] for row in rows)
    print(f"\n== in one process (-n 0): {len(rows):,} tests, {sum(row['wall'] for row in rows):.1f} s, the machine busy {busy:.1f} and idle {idle:.1f} core-seconds")
    print("modules by busy core-seconds:")
    for name, module in sorted(by_module(rows).items(), key=lambda item: -item[1]["busy"])[:top]:
        print(f"  {module['busy']:6.1f}  {name} ({module['tests']} tests, {module['wall']:.1f} s)")
    print("tests by busy core-seconds:")
    for row in sorted(rows, key=lambda row: -row["busy"])[:top]:
        print(f"  {row['busy']:6.2f}  {row['id']}")
    found = waits(rows)
    print(f"tests that wait ({sum(wait for wait, _ in found):.1f} s in all):")
    for wait, row in found[:top]:
        print(f"  {wait:6.2f}  {row['id']}")


def headline(runs: list[dict], chosen: tuple[str, ...] = ()) -> list[dict]:
    """The figures of the runs that passed: medians of pytest's seconds, busy and idle. The
    budget is the whole suite's: a run of ``chosen`` tests (pytest's arguments) is named by
    them and has no target."""
    passed = [run for run in runs if run["exit"] == 0 and run["seconds"] is not None]
    if not passed:
        return []
    what = f"tests {' '.join(chosen)}" if chosen else "test suite"
    seconds = statistics.median(run["seconds"] for run in passed)
    target = {} if chosen else {"target": f"< {BUDGET:g}", "met": seconds < BUDGET}
    return [
        figures.figure(f"{what}: pytest's seconds, median of {len(passed)}", seconds, "s", **target),
        figures.figure(f"{what}: the machine busy, median", statistics.median(run["busy"] for run in passed), "core-s"),
        figures.figure(f"{what}: the machine idle, median", statistics.median(run["idle"] for run in passed), "core-s"),
    ]


@click.command(context_settings={"help_option_names": ["-h", "--help"]}, help=__doc__.split("\n\n")[0])
@click.option("--runs", type=click.IntRange(min=1), default=3, show_default=True, help="Runs of the whole suite (the median is the figure).")
@click.option("--profile", is_flag=True, help="One more run, in one process, charging each test with the machine's CPU.")
@click.option("--top", type=click.IntRange(min=1), default=25, show_default=True, help="Modules and tests --profile lists.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), help="Write the headline figures here, as JSON.")
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
def main(runs: int, profile: bool, top: int, json_path: Path | None, pytest_args: tuple[str, ...]) -> None:
    if not Path("/proc/stat").is_file():
        raise click.ClickException("this benchmark reads the machine's CPU time from /proc/stat, which only Linux has")
    print(machine.describe(), flush=True)
    done = []
    for number in range(1, runs + 1):
        done.append(run_suite(pytest_args))
        print_run(number, done[-1])
    if profile:
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "tests.jsonl"
            run = run_suite(("-n", "0", "-p", "suite_cpu", *pytest_args), ESR_SUITE_CPU=str(out),
                            PYTHONPATH=os.pathsep.join(filter(None, [str(Path(__file__).resolve().parent), os.environ.get("PYTHONPATH")])))
            print_run(runs + 1, run)
            rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()] if out.is_file() else []
        print_profile(rows, top)
    items = headline(done, pytest_args)
    print()
    for item in items:
        print(figures.line(item))
    if not items:
        print("no run passed: no figure")
    after = machine.describe()
    print(after, flush=True)
    if json_path is not None:
        figures.write(json_path, after, items)
    if any(run["exit"] != 0 for run in done):
        sys.exit(1)


if __name__ == "__main__":
    main()
