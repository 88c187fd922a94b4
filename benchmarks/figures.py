"""The headline figures the benchmarks print and hand to ``benchmarks/all.py``: one shape, one format.

A figure is a dict: ``name``, ``value``, ``unit``, ``target`` (text such as ``"≤ 1.25"``, or
empty) and ``met`` (``True``/``False``, or ``None`` when the figure has no target). Each
benchmark writes its figures with ``--json FILE`` as ``{"machine": …, "figures": [...]}``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path


def figure(name: str, value: float, unit: str, target: str = "", met: bool | None = None) -> dict:
    """One headline figure."""
    return {"name": name, "value": value, "unit": unit, "target": target, "met": met}


def shown(value: float) -> str:
    """A value as the tables show it: whole numbers with separators from 100 up, else 3 digits."""
    if isinstance(value, float) and math.isnan(value):
        return "–"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}" if value else "0"


def verdict(item: dict) -> str:
    """``met``, ``missed`` or nothing (no target)."""
    return "" if item["met"] is None else ("met" if item["met"] else "missed")


def line(item: dict) -> str:
    """One line: the figure, its target and whether it is met."""
    target = f" (target {item['target']})" if item["target"] else ""
    said = verdict(item)
    return f"- {item['name']}: {shown(item['value'])} {item['unit']}{target}" + (f": {said.upper() if said == 'missed' else said}" if said else "")


def markdown(items: list[dict]) -> str:
    """A Markdown table of figures: what, value, target, met."""
    rows = ["| figure | value | target | |", "|---|---:|---|---|"]
    for item in items:
        said = verdict(item)
        rows.append(f"| {item['name']} | {shown(item['value'])} {item['unit']} | {item['target']} | {'**missed**' if said == 'missed' else said} |")
    return "\n".join(rows)


def write(path: Path, machine: str, items: list[dict]) -> None:
    """Write ``--json FILE``."""
    path.write_text(json.dumps({"machine": machine, "figures": items}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def read(path: Path) -> list[dict]:
    """The figures a benchmark wrote, or none when it wrote no file."""
    return json.loads(path.read_text(encoding="utf-8"))["figures"] if path.is_file() else []
