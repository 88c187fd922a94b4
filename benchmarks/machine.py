"""How fast this machine is, so that benchmark figures can be compared across machines.

Every benchmark prints :func:`describe`: the time of one fixed pure-Python loop
(``sum(i * i for i in range(5_000_000))``, best of three: the interpreter's speed on one core,
which is what a Datasette request mostly costs), the number of cores and the load average before
the run (a loaded machine gives slower figures). A figure measured here can be scaled to another
machine by the ratio of their loop times.
"""

from __future__ import annotations

import os
import platform
import time

#: The loop every benchmark times: long enough to be stable, short enough to run each time.
LOOP_COUNT = 5_000_000


def loop_seconds(count: int = LOOP_COUNT, repeat: int = 3) -> float:
    """The best of ``repeat`` timings of ``sum(i * i for i in range(count))``, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        sum(i * i for i in range(count))
        best = min(best, time.perf_counter() - start)
    return best


def load_average() -> tuple[float, float, float] | None:
    """The 1, 5 and 15 minute load averages, where the system has them."""
    try:
        return os.getloadavg()
    except (AttributeError, OSError):
        return None


def describe(loop: float | None = None) -> str:
    """One line about the machine: cores, Python, the loop's time and the load average now."""
    loop = loop_seconds() if loop is None else loop
    load = load_average()
    shown = " ".join(f"{value:.2f}" for value in load) if load else "unknown"
    return (
        f"machine: {os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}, "
        f"loop {loop:.3f} s (sum(i*i for i in range({LOOP_COUNT:_})), best of 3; lower is faster), "
        f"load average {shown}"
    )


if __name__ == "__main__":
    print(describe())
