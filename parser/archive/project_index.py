"""The index of every project the archive knows, from a description, an official list or the
EURA 2021 export: one row per code, each value from the best source, and a place for each.

``projects`` keeps its meaning (one row per described project); ``project_index`` is what the
project pages, the search over everything, the organisation and place pages and the totals by
region rest on. A value comes from the project's description where there is one, otherwise
from its newest list row (``values_from`` says which). The place (``region``) comes from the
description's regions, or from its municipalities through the municipality key; failing both,
from what the list row's authority or programme section stands for
(:func:`parser.reference.authorities.authority_area`): ``region_source`` says which, and
``region_kind`` whether it is one region, several, an area (a group of regions, never counted
in full in each), the whole country (``valtakunnallinen``) or unknown.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import regex
import sqlite_utils

from ..extract.layouts import builtin_layouts
from ..reference.authorities import UNKNOWN, authority_area, normalise_authority

#: Company-form words written several ways, and their one spelling for comparing names.
_FORMS = {"oy": "oy", "osakeyhtiö": "oy", "ry": "ry", "r.y.": "ry", "rekisteröity yhdistys": "ry", "ky": "ky", "oyj": "oyj"}
_SPACE = regex.compile(r"\s+")
_PUNCT = regex.compile(r"[\s,.;:]+$")


def normalise_organisation(name: str | None) -> str | None:
    """A name in the form organisations are compared in: NFC, case folded, spaces collapsed,
    trailing punctuation dropped, the company form spelt one way (``Oy``, ``ry``)."""
    if name is None:
        return None
    text = _SPACE.sub(" ", unicodedata.normalize("NFC", name)).strip().casefold()
    text = _PUNCT.sub("", text)
    for written, one in _FORMS.items():
        if text.endswith(" " + written):
            text = text[: -len(written)] + one
            break
    return text or None


_DESCRIBED_PLACES = """
select p.code,
  (select json_group_array(name) from (select name from project_areas a where a.project_code = p.code and a.level = 'region' order by position)) as regions,
  (select json_group_array(region_fi) from (
     select distinct m.region_fi from project_areas a
     join municipalities m on m.municipality_code = a.code and m.year = a.key_year
     where a.project_code = p.code and a.level = 'municipality' and a.code is not null order by m.region_fi)) as municipality_regions
from projects p
"""


def _place(described: dict[str, Any] | None, list_row: dict[str, Any] | None) -> dict[str, Any]:
    if described is not None:
        for column in ("regions", "municipality_regions"):
            regions = json.loads(described[column] or "[]")
            if regions:
                kind = "region" if len(regions) == 1 else "regions"
                return {"region": ", ".join(regions), "region_kind": kind, "region_source": "description", "regions": json.dumps(regions, ensure_ascii=False)}
    if list_row is not None:
        area = authority_area(list_row["managing_authority"], list_row["period"], list_row["programme_section"])
        return {
            "region": area.name, "region_kind": area.kind, "region_source": area.source,
            "regions": json.dumps(list(area.regions), ensure_ascii=False),
        }
    return {"region": UNKNOWN, "region_kind": "unknown", "region_source": None, "regions": "[]"}


#: The columns of the index (see the module docstring).
COLUMNS = {
    "code": str, "period": str, "fund": str, "name": str, "implementer_name": str, "implementer_key": str,
    "implementer_business_id": str, "managing_authority": str, "authority": str, "status": str,
    "start_date": str, "end_date": str, "eu_state_granted": float, "eu_state_realised": float,
    "public_planned": float, "public_realised": float, "values_from": str, "region": str, "region_kind": str,
    "region_source": str, "regions": str, "document_id": str, "list_source": str, "sources": str,
    # What the project is findable by besides its name and implementer: its description's texts,
    # justifications, ratings and indicator names, or its EURA 2021 summary.
    "search_text": str,
}
_FIGURES = ("eu_state_granted", "eu_state_realised", "public_planned", "public_realised")


#: The texts of a description a search looks in, besides its name and implementer.
_TEXT_COLUMNS = (
    "summary", "target_groups_primary", "target_groups_indirect", "target_groups_description", "final_report_summary",
    "communication_plan", "dissemination_plan", "gender_equality_analysis_text", "gender_equality_mainstreamed_text",
    "gender_equality_main_goal_text",
)
_DESCRIBED_TEXTS = """
select p.code,
  (select group_concat(t, char(10)) from (
     select coalesce(s.criterion, '') || ' ' || coalesce(s.justification, '') as t from sustainability_scores s
     where s.project_code = p.code order by s.position)) as sustainability,
  (select group_concat(rating, char(10)) from (
     select rating from horizontal_ratings r where r.project_code = p.code order by r.principle)) as ratings,
  (select group_concat(indicator, ' ') from (
     select indicator from indicators i where i.project_code = p.code order by i.position)) as indicators
from projects p
"""


def indicator_names() -> dict[str, str]:
    """Each indicator's name as the layouts' headings write it (``participants`` →
    ``Aloittaneiden henkilöiden määrä / Osallistuvien henkilöiden lukumäärä``)."""
    names: dict[str, list[str]] = {}
    for layout in builtin_layouts():
        for section in layout.sections:
            if section.record is not None and "indicator" in section.record.values:
                names.setdefault(section.record.values["indicator"], []).append(section.name)
    return {key: " / ".join(dict.fromkeys(headings)) for key, headings in names.items()}


def _search_text(described: dict[str, Any] | None, texts: dict[str, Any] | None, summary: str | None, names: dict[str, str]) -> str | None:
    pieces = [described.get(column) for column in _TEXT_COLUMNS] if described else []
    if texts:
        pieces += [texts["sustainability"], texts["ratings"]]
        pieces += [names.get(key, key) for key in (texts["indicators"] or "").split()]
    pieces.append(summary)
    text = "\n".join(piece for piece in pieces if piece)
    return text or None


def rebuild_project_index(db: sqlite_utils.Database) -> int:
    """Make ``project_index`` anew from ``projects``, ``project_list`` and ``eura2021_projects``,
    and the organisations of its projects (:func:`rebuild_organisation_index`)."""
    projects = {row["code"]: row for row in db.query("select * from projects")}
    listed = {row["code"]: row for row in db.query("select * from project_list where code is not null")}
    eura = {row["code"]: row for row in db.query("select code, implementer_business_id, source, summary from eura2021_projects")}
    places = {row["code"]: row for row in db.query(_DESCRIBED_PLACES)}
    texts = {row["code"]: row for row in db.query(_DESCRIBED_TEXTS)}
    names = indicator_names()
    rows = []
    for code in sorted(set(projects) | set(listed)):
        described, row = projects.get(code), listed.get(code)
        base = described or row
        sources = [name for name, present in (("description", described is not None), ("list", row is not None and code not in eura), ("eura2021", code in eura)) if present]
        business_id = (described or {}).get("implementer_business_id") or (eura.get(code) or {}).get("implementer_business_id")
        authority = base["managing_authority"]
        rows.append({
            "code": code,
            "period": base.get("period") or (row or {}).get("period"),
            "fund": base["fund"],
            "name": base["name"],
            "implementer_name": base["implementer_name"],
            "implementer_key": normalise_organisation(base["implementer_name"]),
            "implementer_business_id": business_id,
            "managing_authority": authority,
            "authority": normalise_authority(authority),
            "status": base["status"],
            "start_date": base["start_date"],
            "end_date": base["end_date"],
            **{figure: base[figure] for figure in _FIGURES},
            "values_from": "description" if described else ("eura2021" if code in eura else "list"),
            **_place(places.get(code), row),
            "document_id": (described or {}).get("document_id"),
            "list_source": (row or {}).get("source_list"),
            "sources": ",".join(sources),
            "search_text": _search_text(described, texts.get(code), (eura.get(code) or {}).get("summary"), names),
        })
    db.execute("delete from project_index")
    if rows:
        columns = list(COLUMNS)
        db.conn.executemany(
            f"insert into project_index ({', '.join(f'[{c}]' for c in columns)}) values ({', '.join('?' * len(columns))})",
            [tuple(row[column] for column in columns) for row in rows],
        )
    rebuild_organisation_index(db)
    return len(rows)


#: A unit written after its organisation: "Kuopion kaupunki, sosiaali- ja terveyskeskus",
#: "Kuopion kaupunki / kulttuuripalvelut".
_UNIT = regex.compile(r"\s*(?:,|/)\s*")


def organisation_links(db: sqlite_utils.Database) -> list[tuple[str, str, str, str]]:
    """(organisation key, project code, role, matched_by) for every project of the index.

    A project's own business ID first (``business_id``); for a list row, which has none, the
    business ID written with exactly one organisation of its normalised name (``name``) or of
    the name before a unit (``name_prefix``: ``Kuopion kaupunki, sosiaali- ja terveyskeskus``
    is Kuopion kaupunki); else the normalised name alone (``name_only``, key ``nimi:<name>``).
    Co-implementers join by their business ID.
    """
    known: dict[str, set[str]] = {}
    for business_id, key in db.execute(
        "select implementer_business_id, implementer_key from project_index where implementer_business_id is not null and implementer_key is not null"
    ):
        known.setdefault(key, set()).add(business_id)
    for business_id, name in db.execute("select business_id, name from co_implementers where business_id is not null"):
        key = normalise_organisation(name)
        if key:
            known.setdefault(key, set()).add(business_id)
    unique = {key: next(iter(ids)) for key, ids in known.items() if len(ids) == 1}
    links = []
    for code, business_id, key in db.execute("select code, implementer_business_id, implementer_key from project_index"):
        if business_id:
            links.append((business_id, code, "implementer", "business_id"))
        elif key in unique:
            links.append((unique[key], code, "implementer", "name"))
        elif key:
            prefix = _UNIT.split(key, maxsplit=1)[0]
            if prefix != key and prefix in unique:
                links.append((unique[prefix], code, "implementer", "name_prefix"))
            else:
                links.append((f"nimi:{key}", code, "implementer", "name_only"))
    links += [
        (business_id, code, "co_implementer", "business_id")
        for code, business_id in db.execute("select distinct project_code, business_id from co_implementers where business_id is not null")
    ]
    return links


_ORGANISATION_TOTALS_SQL = """
insert into organisation_index
select o.organisation_key,
  case when o.organisation_key like 'nimi:%' then null else o.organisation_key end,
  coalesce(
    (select name from organisations g where g.business_id = o.organisation_key),
    (select i.implementer_name from organisation_projects x join project_index i on i.code = x.project_code
     where x.organisation_key = o.organisation_key and x.role = 'implementer' order by i.start_date desc, i.code desc limit 1),
    (select c.name from co_implementers c where c.business_id = o.organisation_key limit 1)),
  count(distinct o.project_code),
  count(distinct case when i.values_from = 'description' then o.project_code end),
  count(distinct case when i.values_from != 'description' then o.project_code end),
  sum(case when o.role = 'implementer' then i.eu_state_granted end),
  sum(case when o.role = 'implementer' then i.eu_state_realised end),
  sum(case when o.role = 'implementer' then i.public_planned end),
  sum(case when o.role = 'implementer' then i.public_realised end)
from organisation_projects o join project_index i on i.code = o.project_code
group by o.organisation_key
"""


def rebuild_organisation_index(db: sqlite_utils.Database) -> None:
    """Every organisation of the index's projects (:func:`organisation_links`), with the totals
    of the projects it implements."""
    db.execute("delete from organisation_projects")
    db.execute("delete from organisation_index")
    db.conn.executemany("insert or ignore into organisation_projects values (?, ?, ?, ?)", organisation_links(db))
    db.execute(_ORGANISATION_TOTALS_SQL)
