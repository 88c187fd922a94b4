"""An organisation's page: every project it implements or co-implements, from every source,
with totals granted and realised by period and fund.

An organisation with a business ID has the key of that ID (``/esr/organisations/0171450-7``);
one the lists name without an ID has ``nimi:<normalised name>``
(``/esr/organisations/nimi/itä-suomen%20yliopisto``). How each project was joined to the
organisation (``organisation_projects.matched_by``) is shown beside it, so that a project
joined by its name alone is never mistaken for one the description names by business ID.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ..labels import MATCHED_BY, ROLES
from .common import PROJECT_LISTING, listed_project, one, rows, totals
from .links import NAME_KEY, Links


def organisation_page(conn: sqlite3.Connection, key: str, links: Links | None = None) -> dict[str, Any] | None:
    """The organisation of ``organisation_index.key`` ``key`` with its projects and their
    totals, or ``None`` when the archive knows no such organisation."""
    links = links or Links()
    organisation = one(conn, "select * from organisation_index where key = ?", [key])
    if organisation is None:
        return None
    registered = None
    if organisation["business_id"]:
        registered = one(conn, "select * from organisations where business_id = ?", [organisation["business_id"]])
    projects = rows(
        conn,
        f"select x.*, o.role, o.matched_by from ({PROJECT_LISTING}) x "
        "join organisation_projects o on o.project_code = x.code "
        "where o.organisation_key = ? order by x.period, x.start_date, x.code, o.role desc",
        [key],
    )
    listed = []
    for row in projects:
        role = ROLES.get(row["role"], (row["role"], row["role"]))
        matched = MATCHED_BY.get(row["matched_by"], (row["matched_by"], row["matched_by"]))
        listed.append({
            **listed_project(row, links),
            "role_fi": role[0], "role_en": role[1], "matched_fi": matched[0], "matched_en": matched[1],
        })
    # A project can be listed twice (implementer and co-implementer): totals count it once.
    unique = {project["code"]: project for project in listed}
    spellings = sorted({
        row["implementer_name"] for row in listed if row.get("implementer_name")
    })
    return {
        "key": key,
        "name": organisation["name"],
        "business_id": organisation["business_id"],
        "name_only": key.startswith(NAME_KEY),
        "type": (registered or {}).get("type"),
        "spellings": spellings,
        "projects": listed,
        "totals": totals(unique.values()),
        "links": {
            "page": links.organisation(key),
            "json": links.organisation(key, ".json"),
            "index_row": links.row("organisation_index", key),
            "registered_row": links.table("organisations", business_id=organisation["business_id"]) if registered else None,
        },
    }
