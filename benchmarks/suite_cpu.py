"""A pytest plugin for ``benchmarks/suite.py --profile``: the CPU the whole machine spent in each test.

Loaded with ``-p suite_cpu`` (``benchmarks/`` on ``PYTHONPATH``) in a run in one process
(``-n 0``), it reads the machine's busy and idle time (``/proc/stat``) when each test starts and
ends, so the servers, the browsers and the build workers a test starts count as its own, and
writes one JSON line per test to the file ``ESR_SUITE_CPU`` names: ``id``, ``wall``, ``busy``
(core-seconds the machine was busy) and ``idle`` (core-seconds it was idle, waiting included).
Setup and teardown count with the test they run for (a session fixture with the first test that
asks for it).
"""

from __future__ import annotations

import json
import os
import time

#: The file the rows are written to.
OUT = os.environ.get("ESR_SUITE_CPU", "")
_started: dict[str, tuple[float, float, float]] = {}


def cpu_seconds(stat_line: str, ticks: int = 100) -> tuple[float, float]:
    """(busy, idle) core-seconds of the ``cpu`` line of ``/proc/stat``: idle counts the kernel's
    ``idle`` and ``iowait``; busy everything else (user, nice, system, irq, softirq, steal)."""
    fields = stat_line.split()
    if not fields or fields[0] != "cpu":
        raise ValueError(f"not the cpu line of /proc/stat: {stat_line[:60]!r}")
    # guest and guest_nice (the 9th and 10th numbers) are counted in user and nice already.
    values = [int(value) for value in fields[1:9]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / ticks, idle / ticks


def machine_cpu() -> tuple[float, float]:
    """The machine's (busy, idle) core-seconds since it booted."""
    with open("/proc/stat", encoding="ascii") as stat:
        return cpu_seconds(stat.readline(), os.sysconf("SC_CLK_TCK"))


def pytest_runtest_logstart(nodeid: str, location) -> None:
    """The machine's CPU as the test starts (its setup included)."""
    _started[nodeid] = (time.perf_counter(), *machine_cpu())


def pytest_runtest_logfinish(nodeid: str, location) -> None:
    """One row for the test, once its teardown is done."""
    if not OUT or nodeid not in _started:
        return
    began, busy, idle = _started.pop(nodeid)
    busy_now, idle_now = machine_cpu()
    row = {"id": nodeid, "wall": time.perf_counter() - began, "busy": busy_now - busy, "idle": idle_now - idle}
    with open(OUT, "a", encoding="utf-8") as out:
        out.write(json.dumps(row) + "\n")
