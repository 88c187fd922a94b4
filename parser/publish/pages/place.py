"""The page of a municipality, a sub-region or a region (maakunta).

A place's own projects are those whose description names it (``project_areas``, matched to
Statistics Finland's key of the project's year, so a place is named as that year's key names
it). A project without a description has no place, only a proxy (``project_index.region``:
its managing authority's region or area, or its programme section). On a region's page those
proxies are a section apart, never added to the place's own totals, and an *area* (a group of
regions) is shown with the regions it is shared between: its money is not this region's alone.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ..labels import PLACE_LEVELS
from .common import PROJECT_LISTING, json_value, listed_project, rows, totals
from .links import Links

#: Each level: the columns of ``municipalities`` that hold its code, Finnish and Swedish name.
KEY_COLUMNS = {
    "municipality": ("municipality_code", "municipality_fi", "municipality_sv"),
    "subregion": ("subregion_code", "subregion_fi", "subregion_sv"),
    "region": ("region_code", "region_fi", "region_sv"),
}
#: The level a place belongs to, and the level its own parts are, for the page's links.
PARENTS = {"municipality": ("subregion", "region"), "subregion": ("region",), "region": ()}
PARTS = {"region": "subregion", "subregion": "municipality", "municipality": None}
#: How many projects a section lists; its totals always cover all of them.
LIST_LIMIT = 300


def _names(conn: sqlite3.Connection, level: str, code: str) -> list[dict[str, Any]]:
    """The place's names by year of the key, oldest first (a name changes with mergers)."""
    column, fi, sv = KEY_COLUMNS[level]
    return rows(
        conn,
        f"select {fi} as fi, {sv} as sv, min(year) as first_year, max(year) as last_year "
        f"from municipalities where {column} = ? group by {fi}, {sv} order by min(year)",
        [code],
    )


def _related(conn: sqlite3.Connection, level: str, code: str, links: Links) -> dict[str, list[dict[str, Any]]]:
    """The places it belongs to and its parts, by the newest year of the key that has it."""
    column = KEY_COLUMNS[level][0]
    year = conn.execute(f"select max(year) from municipalities where {column} = ?", [code]).fetchone()[0]
    related: dict[str, list[dict[str, Any]]] = {"parents": [], "parts": []}
    for parent in PARENTS[level]:
        code_column, name_column, _ = KEY_COLUMNS[parent]
        for row in rows(conn, f"select distinct {code_column} as code, {name_column} as name from municipalities "
                        f"where {column} = ? and year = ? and {code_column} is not null", [code, year]):
            related["parents"].append({**row, "level": parent, "url": links.place(parent, row["code"])})
    part = PARTS[level]
    if part:
        code_column, name_column, _ = KEY_COLUMNS[part]
        for row in rows(conn, f"select distinct {code_column} as code, {name_column} as name from municipalities "
                        f"where {column} = ? and year = ? order by {name_column}", [code, year]):
            related["parts"].append({**row, "level": part, "url": links.place(part, row["code"])})
    related["year"] = year
    return related


def _section(projects: list[dict[str, Any]], links: Links) -> dict[str, Any]:
    listed = [listed_project(row, links) for row in projects]
    return {"count": len(listed), "projects": listed[:LIST_LIMIT], "shown": min(len(listed), LIST_LIMIT), "totals": totals(listed)}


def place_page(conn: sqlite3.Connection, level: str, code: str, links: Links | None = None) -> dict[str, Any] | None:
    """The place ``code`` of ``level`` (``municipality``, ``subregion``, ``region``): its names,
    its projects and their totals, and on a region's page the projects placed there only by a
    proxy; ``None`` when the key has no such place."""
    links = links or Links()
    names = _names(conn, level, code)
    if not names:
        return None
    own = rows(
        conn,
        f"select x.*, a.name as place_name, a.key_year from ({PROJECT_LISTING}) x "
        "join (select project_code, min(name) as name, min(key_year) as key_year from project_areas "
        "where level = ? and code = ? group by project_code) a on a.project_code = x.code "
        "order by x.period, x.start_date, x.code",
        [level, code],
    )
    page: dict[str, Any] = {
        "level": level,
        "code": code,
        "name": names[-1]["fi"],
        "names": names,
        "words": next((fi, en) for lvl, _, fi, en in PLACE_LEVELS if lvl == level),
        "own": _section(own, links),
        **_related(conn, level, code, links),
        "links": {"page": links.place(level, code), "json": links.place(level, code, ".json")},
    }
    if level == "region":
        region_names = sorted({name["fi"] for name in names} | {name["sv"] for name in names if name["sv"]})
        marks = ",".join("?" * len(region_names))
        proxies = rows(
            conn,
            PROJECT_LISTING + " where i.region_source != 'description' and exists "
            f"(select 1 from json_each(i.regions) j where j.value in ({marks})) "
            "order by i.period, i.start_date, i.code",
            region_names,
        )
        alone = [row for row in proxies if row["region_kind"] == "region"]
        shared = [row for row in proxies if row["region_kind"] != "region"]
        for row in shared:
            row["shared_with"] = [name for name in json_value(row["regions"], []) if name not in region_names]
        page["proxy_region"] = _section(alone, links)
        page["proxy_area"] = _section(shared, links)
        page["links"]["proxy_table"] = links.table("project_index", regions__arraycontains=page["name"], region_source__not="description")
    page["links"]["own_table"] = links.table("project_areas", level=level, code=code)
    return page

