"""What the pages share: reading rows as dicts, the listing of projects and their totals."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from ..labels import FIGURES, REGION_KINDS, REGION_SOURCES, SOURCES, ratio
from .links import Links


def rows(conn: sqlite3.Connection, sql: str, params: Any = ()) -> list[dict[str, Any]]:
    """The rows of a query as dicts, whatever the connection's ``row_factory`` (Datasette's
    connections make ``sqlite3.Row``\\ s through the limits' budget; a plain one makes tuples)."""
    cursor = conn.execute(sql, params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, tuple(row))) for row in cursor.fetchall()]


def one(conn: sqlite3.Connection, sql: str, params: Any = ()) -> dict[str, Any] | None:
    """The first row of a query as a dict, or ``None``."""
    found = rows(conn, sql, params)
    return found[0] if found else None


def json_value(text: Any, default: Any) -> Any:
    """A JSON column's value decoded; ``default`` when it is empty or not JSON."""
    if not text:
        return default
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return default


#: A project as the lists of the organisation and place pages show it, from ``project_index``
#: (``i``) with the flag of its list row: a list row that could not be read with certainty
#: (``project_list.flag``) is counted but its figures are not summed, as in the canned queries.
PROJECT_LISTING = """
select i.code, i.name, i.period, i.fund, i.status, i.start_date, i.end_date, i.implementer_name,
  i.values_from, i.region, i.region_kind, i.region_source, i.regions,
  i.eu_state_granted, i.eu_state_realised, i.public_planned, i.public_realised,
  case when i.values_from != 'description' then l.flag end as flag
from project_index i left join project_list l on l.code = i.code
"""


def listed_project(row: dict[str, Any], links: Links) -> dict[str, Any]:
    """A row of :data:`PROJECT_LISTING` with its page's address and the words for its source
    and place."""
    source = SOURCES.get(row["values_from"], (row["values_from"], row["values_from"]))
    kind = REGION_KINDS.get(row["region_kind"], (row["region_kind"], row["region_kind"]))
    place_source = REGION_SOURCES.get(row["region_source"] or "", ("", ""))
    return {
        **row,
        "regions": json_value(row.get("regions"), []),
        "url": links.project(row["code"]),
        "source_fi": source[0], "source_en": source[1],
        "region_kind_fi": kind[0], "region_kind_en": kind[1],
        "region_source_fi": place_source[0], "region_source_en": place_source[1],
        "eu_state_rate": ratio(row["eu_state_realised"], row["eu_state_granted"]),
    }


def _summed(project: dict[str, Any], column: str) -> float | None:
    return None if project.get("flag") else project.get(column)


def totals(projects: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The totals of some projects by period and fund, and over all: how many, how many of them
    counted but not summed (a flagged list row), the sums of the four figures, and each
    realisation rate as the ratio of the sums over the projects that have both its figures
    (never the mean of the projects' rates)."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    every = []
    for project in projects:
        groups.setdefault((project.get("period") or "", project.get("fund") or ""), []).append(project)
        every.append(project)

    def total(items: list[dict[str, Any]], period: str | None, fund: str | None) -> dict[str, Any]:
        result: dict[str, Any] = {"period": period, "fund": fund, "projects": len(items), "not_summed": sum(1 for p in items if p.get("flag"))}
        for column, _, _ in FIGURES:
            values = [_summed(p, column) for p in items]
            present = [value for value in values if value is not None]
            result[column] = sum(present) if present else None
        for name, planned, realised in (("eu_state_rate", "eu_state_granted", "eu_state_realised"), ("public_rate", "public_planned", "public_realised")):
            both = [(_summed(p, planned), _summed(p, realised)) for p in items]
            both = [(a, b) for a, b in both if a is not None and b is not None]
            result[name] = ratio(sum(b for _, b in both), sum(a for a, _ in both)) if both else None
        return result

    return {
        "by_period_and_fund": [total(items, period or None, fund or None) for (period, fund), items in sorted(groups.items())],
        "all": total(every, None, None),
    }
