"""A project's page and its whole record, whichever sources the archive has it from.

:func:`project_record` is what ``/esr/projects/<code>.json`` serves: the project as a program
wants it, nested so that no joins are needed —

* ``index``: its ``project_index`` row (``regions`` decoded from its JSON);
* ``description``: ``null``, or every column of its ``projects`` row regrouped by the
  contract's member paths (``implementer.name``, ``funding.eu_state_granted``,
  ``texts.summary``; ``document_id`` and ``authority`` at the top), with its ``places`` (by
  level, with Statistics Finland codes), ``indicators``, ``co_implementers``,
  ``horizontal_ratings``, ``sustainability_scores``, ``extra_fields``, ``warnings`` and
  ``document`` (the ``documents`` row without its text);
* ``list``: ``current`` (its ``project_list`` row) and ``history`` (every older row of
  ``project_list_history``, oldest first);
* ``eura2021``: its ``eura2021_projects`` row (``extra`` decoded), or ``null``;
* ``document_versions``: every fetched version of its description, oldest first;
* ``organisations``: who implements or co-implements it, and how that was known;
* ``links``: its page, the service's page, the rows above and the pages of its organisation
  and places.

:func:`project_page` gives the same record and what the HTML page shows of it
(``templates/esr-project.html``): the values of the best source — the description where there
is one, else the newest list row or the EURA 2021 row — each section marked with its source.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ...archive.rows import PROJECT_COLUMNS
from ...harvest.service import official_project_url
from ..labels import (
    AREA_LEVELS, EURA2021_FIELDS, EURA2021_PAIRS, FUNDING_PAIRS, GENDER_EQUALITY, INDICATORS, MATCHED_BY,
    PRINCIPLES, REGION_KINDS, REGION_SOURCES, ROLES, SOURCES, TEXTS, finnish_date, period_text, ratio, yes_no,
)
from .common import json_value, one, rows
from .links import Links

#: ``project_areas.level`` → the member of the contract's ``area`` that lists it.
AREA_MEMBERS = {"region": "regions", "subregion": "subregions", "municipality": "municipalities"}
_FLAT_COLUMNS = {column for _, column, _ in PROJECT_COLUMNS}


def regroup(row: dict[str, Any]) -> dict[str, Any]:
    """A ``projects`` row nested by the contract's member paths (``implementer_name`` →
    ``implementer.name``); columns that are no member (``document_id``, ``authority``) stay
    at the top, by their own names."""
    nested: dict[str, Any] = {}
    for path, column, _ in PROJECT_COLUMNS:
        target = nested
        for key in path[:-1]:
            target = target.setdefault(key, {})
        target[path[-1]] = row.get(column)
    for column, value in row.items():
        if column not in _FLAT_COLUMNS:
            nested[column] = value
    return nested


def flatten(nested: dict[str, Any]) -> dict[str, Any]:
    """The ``projects`` columns back from :func:`regroup` (the members only)."""
    flat = {}
    for path, column, _ in PROJECT_COLUMNS:
        value: Any = nested
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        flat[column] = value
    return flat


def _without(row: dict[str, Any] | None, *columns: str) -> dict[str, Any] | None:
    return None if row is None else {key: value for key, value in row.items() if key not in columns}


def region_codes(conn: sqlite3.Connection) -> dict[str, str]:
    """Each region's name (Finnish and Swedish, every year of the key) → its code."""
    codes: dict[str, str] = {}
    for row in rows(conn, "select distinct region_code, region_fi, region_sv from municipalities where region_code is not null order by year"):
        for name in (row["region_fi"], row["region_sv"]):
            if name:
                codes[name] = row["region_code"]
    return codes


def _description(conn: sqlite3.Connection, project: dict[str, Any], links: Links) -> dict[str, Any]:
    code = project["code"]
    areas = rows(conn, "select level, position, name, code, key_year, match from project_areas where project_code = ? order by level, position", [code])
    places = {
        member: [
            {**_without(area, "level"), "url": links.place(level, area["code"]) if area["code"] else None}
            for area in areas if area["level"] == level
        ]
        for level, member in AREA_MEMBERS.items()
    }
    co_implementers = [
        {**row, "url": links.organisation(row["business_id"]) if row["business_id"] else None}
        for row in rows(conn, "select position, name, type, business_id from co_implementers where project_code = ? order by position", [code])
    ]
    document = None
    if project.get("document_id"):
        document = one(
            conn,
            "select id, path, sha256, format, pages, kind, template, title, project_code, status, error from documents where id = ?",
            [project["document_id"]],
        )
    return {
        **regroup(project),
        "places": places,
        "indicators": rows(conn, "select position, indicator, planned, planned_women, realised, realised_women from indicators where project_code = ? order by position", [code]),
        "co_implementers": co_implementers,
        "horizontal_ratings": {
            row["principle"]: row["rating"]
            for row in rows(conn, "select principle, rating from horizontal_ratings where project_code = ? order by principle", [code])
        },
        "sustainability_scores": rows(
            conn, 'select position, "group", criterion, direct, indirect, justification from sustainability_scores where project_code = ? order by position', [code]
        ),
        "extra_fields": rows(conn, "select position, section, label, value from extra_fields where project_code = ? order by position", [code]),
        "warnings": rows(
            conn, "select position, stage, code, message, line from parse_warnings where document_id = ? order by position", [project.get("document_id")]
        ),
        "document": document,
    }


def _list_rows(conn: sqlite3.Connection, code: str, links: Links) -> dict[str, Any]:
    current = one(conn, "select * from project_list where code = ?", [code])
    history = rows(conn, "select * from project_list_history where code = ?", [code])
    # The build's own order of lists: by date, an undated list (the 2014–2020 snapshot) first.
    history.sort(key=lambda row: (row["list_date"] or "", row["source_list"] or ""))
    for row in history:
        row["url"] = links.row("project_list_history", code, row["source_list"])
    if current is not None:
        current["url"] = links.row("project_list", code)
    return {"current": current, "history": history}


_ORGANISATIONS = """
select o.organisation_key as key, o.role, o.matched_by, x.name, x.business_id
from organisation_projects o left join organisation_index x on x.key = o.organisation_key
where o.project_code = ?
order by case o.role when 'implementer' then 0 else 1 end, o.organisation_key
"""


def _place_links(record: dict[str, Any], codes: dict[str, str], links: Links) -> list[dict[str, Any]]:
    """The place pages a project links to: its description's places that have a code, else the
    regions its index place stands for (with the proxy said: ``region_source``)."""
    description = record["description"]
    if description is not None:
        found = [
            {"level": level, "name": place["name"], "code": place["code"], "url": place["url"]}
            for level, member in AREA_MEMBERS.items()
            for place in description["places"][member]
            if place["code"]
        ]
        if found:
            return found
    return [
        {"level": "region", "name": name, "code": codes[name], "url": links.place("region", codes[name])}
        for name in record["index"]["regions"]
        if name in codes
    ]


def project_record(conn: sqlite3.Connection, code: str, links: Links | None = None) -> dict[str, Any] | None:
    """The whole record of the project ``code`` (see the module's docstring), or ``None`` when
    ``project_index`` has no such code."""
    links = links or Links()
    index = one(conn, "select * from project_index where code = ?", [code])
    if index is None:
        return None
    index["regions"] = json_value(index.get("regions"), [])
    described = one(conn, "select * from projects where code = ?", [code])
    eura = one(conn, "select * from eura2021_projects where code = ?", [code])
    if eura is not None:
        eura["extra"] = json_value(eura.get("extra"), {})
    versions = rows(conn, "select * from document_versions where code = ? order by fetched_at, document_id", [code])
    for version in versions:
        version["url"] = links.row("documents", version["document_id"])
    organisations = [
        {**row, "url": links.organisation(row["key"])}
        for row in rows(conn, _ORGANISATIONS, [code])
    ]
    record: dict[str, Any] = {
        "code": code,
        "index": index,
        "description": _description(conn, described, links) if described else None,
        "list": _list_rows(conn, code, links),
        "eura2021": eura,
        "document_versions": versions,
        "organisations": organisations,
    }
    document_id = described.get("document_id") if described else None
    record["links"] = {
        "page": links.project(code),
        "json": links.project(code, ".json"),
        "service": official_project_url(index["period"], code) or (eura or {}).get("description_url"),
        "index_row": links.row("project_index", code),
        "description_row": links.table("projects", code=code) if described else None,
        "document": links.row("documents", document_id) if document_id else None,
        "list_row": (record["list"]["current"] or {}).get("url"),
        "eura2021_row": links.row("eura2021_projects", code) if eura else None,
        "organisations": [row["url"] for row in organisations],
        "places": _place_links(record, region_codes(conn), links),
    }
    return record


# ---------------------------------------------------------------------------------- the page


def _is_subheading(line: str, following: list[str]) -> bool:
    """A short line without closing punctuation before a longer paragraph: ``Tavoitteet``."""
    return (
        len(line) <= 60
        and line[:1].isupper()
        and not line.endswith((".", ":", ";", ",", "!", "?", ")"))
        and bool(following)
        and len(following[0]) > 2 * len(line)
    )


def blocks(text: str | None) -> list[dict[str, Any]]:
    """A text cut on its newlines: paragraphs (a short title line marked as a subheading), and
    runs of ``- item`` lines as one list. The text stays text: the template escapes it."""
    result: list[dict[str, Any]] = []
    lines = [line.strip() for line in (text or "").split("\n") if line.strip()]
    for index, line in enumerate(lines):
        if _is_subheading(line, lines[index + 1 :]):
            result.append({"kind": "subheading", "text": line})
        elif line[:2] in ("- ", "• ", "– "):
            if result and result[-1]["kind"] == "list":
                result[-1]["items"].append(line[2:].strip())
            else:
                result.append({"kind": "list", "items": [line[2:].strip()]})
        else:
            result.append({"kind": "paragraph", "text": line})
    return result


def _fact(fi: str, en: str, value: Any, url: str | None = None, note: str | None = None, id: str | None = None) -> dict[str, Any] | None:
    if value is None or value == "":
        return None
    return {"fi": fi, "en": en, "value": value, "url": url, "note": note, "id": id}


def list_source(row: dict[str, Any]) -> tuple[str, str]:
    """How a page names the list a row is from: ``Virallisesta listasta
    (projektilista-2007-2013.csv, 31.12.2015)`` – ``from the official list``."""
    if row.get("period") == "2021-2027" and str(row.get("source_list") or "").startswith("imports/"):
        return (f"EURA 2021 -viennistä ({row['source_list']}, {finnish_date(row['list_date'])})", "from the EURA 2021 export")
    if row.get("list_date"):
        return (f"Virallisesta listasta ({row['source_list']}, {finnish_date(row['list_date'])})", "from the official list")
    return (f"Virallisesta listasta ({row['source_list']}, tilanne noin 2016, ei lopullinen)", "from the official list (as of about 2016, not final)")


def _funding(row: dict[str, Any], pairs: tuple) -> list[dict[str, Any]]:
    return [
        {
            "fi": fi, "en": en, "planned_fi": planned_fi, "planned_en": planned_en,
            "planned": row.get(planned) if planned else None,
            "realised": row.get(realised),
            "rate": ratio(row.get(realised), row.get(planned)) if planned else None,
            "has_plan": planned is not None,
        }
        for fi, en, planned, realised, planned_fi, planned_en in pairs
    ]


def _implementer(record: dict[str, Any]) -> dict[str, Any] | None:
    for organisation in record["organisations"]:
        if organisation["role"] == "implementer":
            fi, en = MATCHED_BY.get(organisation["matched_by"], (organisation["matched_by"], organisation["matched_by"]))
            return {**organisation, "matched_fi": fi, "matched_en": en}
    return None


def _described_facts(p: dict[str, Any], record: dict[str, Any], links: Links) -> list[dict[str, Any]]:
    implementer = _implementer(record)
    site = ", ".join(value for value in (p.get("area_site_street_address"), p.get("area_site_postal_code"), p.get("area_site_post_office")) if value)
    facts = [
        _fact("Toteuttaja", "Implementer", p.get("implementer_name"), implementer and implementer["url"],
              ", ".join(value for value in (p.get("implementer_type"), p.get("implementer_business_id") and f"Y-tunnus {p['implementer_business_id']}") if value) or None,
              id="implementer"),
        _fact("Vastuuviranomainen", "Managing authority", p.get("managing_authority"),
              links.table("project_index", authority=p["authority"]) if p.get("authority") else None),
        _fact("Toteutusaika", "Duration", period_text(p.get("start_date"), p.get("end_date"))),
        _fact("Toiminnan tila", "Status", p.get("status")),
        _fact("Osio", "Programme section", p.get("section")),
        _fact("Toimintalinja", "Priority axis", " ".join(v for v in (p.get("priority_axis_number"), p.get("priority_axis_name")) if v) or None),
        _fact("Erityistavoite", "Specific objective", " ".join(v for v in (p.get("specific_objective_number"), p.get("specific_objective_name")) if v) or None),
        _fact("Projektityyppi", "Project type", p.get("project_type")),
        _fact("Esimerkkihanke", "Exemplary project", "Kyllä – yes" if p.get("exemplary") else None),
        _fact("Hakijat", "Applicants", p.get("applicants")),
        _fact("Toteutuspaikka", "Site", site or None),
        _fact("Yhteyshenkilö", "Contact", ", ".join(v for v in (p.get("contact_name"), p.get("contact_title")) if v) or None),
        _fact("Toteuttajan verkkosivu", "Implementer's website", p.get("implementer_website")),
        _fact("Hankkeen verkkosivu", "Project website", p.get("implementer_project_website")),
    ]
    return [fact for fact in facts if fact]


def _listed_facts(row: dict[str, Any], record: dict[str, Any], links: Links) -> list[dict[str, Any]]:
    implementer = _implementer(record)
    facts = [
        _fact("Toteuttaja", "Implementer", row.get("implementer_name"), implementer and implementer["url"], id="implementer"),
        _fact("Vastuuviranomainen", "Managing authority", row.get("managing_authority"),
              links.table("project_index", authority=row["authority"]) if row.get("authority") else None),
        _fact("Toteutusaika", "Duration", period_text(row.get("start_date"), row.get("end_date"))),
        _fact("Toiminnan tila", "Status", row.get("status")),
        _fact("Ohjelman osio", "Programme section", row.get("programme_section")),
        _fact("Toimintalinja", "Priority axis", row.get("priority_axis_number")),
    ]
    return [fact for fact in facts if fact]


def _eura_facts(row: dict[str, Any], record: dict[str, Any], links: Links) -> list[dict[str, Any]]:
    implementer = _implementer(record)
    facts = [
        _fact("Toteuttaja", "Implementer", row.get("implementer_name"), implementer and implementer["url"],
              f"Y-tunnus {row['implementer_business_id']}" if row.get("implementer_business_id") else None, id="implementer"),
        _fact("Rahoittava viranomainen", "Funding authority", row.get("managing_authority"),
              links.table("project_index", authority=record["index"]["authority"]) if record["index"].get("authority") else None),
        _fact("Toteutusaika", "Duration", period_text(row.get("start_date"), row.get("end_date"))),
        _fact("Toiminnan tila", "Status", row.get("status")),
        _fact("Rahasto", "Fund", row.get("fund")),
    ]
    facts += [_fact(fi, en, row.get(column), row.get(column) if column in ("website", "description_url") and str(row.get(column) or "").startswith(("http://", "https://")) else None)
              for column, fi, en in EURA2021_FIELDS]
    return [fact for fact in facts if fact]


def _places(record: dict[str, Any]) -> dict[str, Any]:
    """The places section: the description's own places by level, or what the index's place
    stands for, with the proxy said."""
    index = record["index"]
    description = record["description"]
    levels = []
    if description is not None:
        for level, fi, en in AREA_LEVELS:
            items = description["places"][AREA_MEMBERS[level]]
            if items:
                levels.append({"level": level, "fi": fi, "en": en, "items": items})
    kind = REGION_KINDS.get(index["region_kind"], (index["region_kind"], index["region_kind"]))
    source = REGION_SOURCES.get(index["region_source"] or "", ("", ""))
    regions = [place for place in record["links"]["places"] if place["level"] == "region"]
    return {
        "levels": levels,
        "region": index["region"], "kind_fi": kind[0], "kind_en": kind[1],
        "source": index["region_source"], "source_fi": source[0], "source_en": source[1],
        "region_links": regions,
    }


def _all_fields(record: dict[str, Any], described: dict[str, Any] | None) -> dict[str, Any]:
    """Every column of the row the page's values come from, as Datasette would list them."""
    if described is not None:
        return {"table": "projects", "url": record["links"]["description_row"], "columns": list(described.items())}
    if record["eura2021"] is not None:
        return {"table": "eura2021_projects", "url": record["links"]["eura2021_row"], "columns": list(record["eura2021"].items())}
    current = record["list"]["current"] or {}
    return {"table": "project_list", "url": record["links"]["list_row"], "columns": [(k, v) for k, v in current.items() if k != "url"]}


def project_page(conn: sqlite3.Connection, code: str, links: Links | None = None) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The record of ``code`` (:func:`project_record`) and what its HTML page shows, or ``None``
    when the archive has no such project."""
    links = links or Links()
    record = project_record(conn, code, links)
    if record is None:
        return None
    index = record["index"]
    described = flatten(record["description"]) | {
        key: record["description"][key] for key in ("document_id", "authority")
    } if record["description"] else None
    current = record["list"]["current"]
    eura = record["eura2021"]
    # Copies: the record stays what the JSON serves.
    list_rows = [{**row, "current": False} for row in record["list"]["history"]] + ([{**current, "current": True}] if current else [])
    for row in list_rows:
        row["source_fi"], row["source_en"] = list_source(row)
    shown_current = next((row for row in list_rows if row["current"]), None)

    if described is not None:
        values_fi, values_en = "Kuvauksesta", "from the description"
        facts = _described_facts(described, record, links)
        funding = _funding(described, FUNDING_PAIRS)
    elif eura is not None:
        values_fi, values_en = list_source(current) if current else ("EURA 2021 -viennistä", "from the EURA 2021 export")
        facts = _eura_facts(eura, record, links)
        funding = _funding(eura, EURA2021_PAIRS)
    else:
        values_fi, values_en = list_source(current) if current else ("", "")
        facts = _listed_facts(current or {}, record, links)
        funding = _funding(current or {}, FUNDING_PAIRS)

    texts = []
    gender_equality = []
    ratings = []
    if described is not None:
        texts = [
            {"column": column, "fi": fi, "en": en, "blocks": blocks(described.get(column))}
            for column, fi, en in TEXTS
            if (described.get(column) or "").strip()
        ]
        gender_equality = [
            {"fi": fi, "en": en, "answer": yes_no(described.get(f"gender_equality_{key}")), "blocks": blocks(described.get(f"gender_equality_{key}_text"))}
            for key, fi, en in GENDER_EQUALITY
            if described.get(f"gender_equality_{key}") is not None or described.get(f"gender_equality_{key}_text")
        ]
        ratings = [
            {"principle": principle, "fi": PRINCIPLES[principle][0], "en": PRINCIPLES[principle][1], "rating": rating}
            for principle, rating in sorted(
                record["description"]["horizontal_ratings"].items(),
                key=lambda item: list(PRINCIPLES).index(item[0]) if item[0] in PRINCIPLES else len(PRINCIPLES),
            )
            if principle in PRINCIPLES
        ] + [
            {"principle": principle, "fi": principle, "en": principle, "rating": rating}
            for principle, rating in record["description"]["horizontal_ratings"].items()
            if principle not in PRINCIPLES
        ]
    elif eura is not None and (eura.get("summary") or "").strip():
        texts = [{"column": "summary", "fi": "Suunnitelman mukainen tiivistelmä hankkeen toteutuksesta", "en": "Summary of the plan",
                  "blocks": blocks(eura["summary"])}]

    indicators = []
    if record["description"] is not None:
        for row in record["description"]["indicators"]:
            fi, en = INDICATORS.get(row["indicator"], (row["indicator"], row["indicator"]))
            indicators.append({**row, "fi": fi, "en": en})

    sources = [
        {"source": name, "fi": SOURCES.get(name, (name, name))[0], "en": SOURCES.get(name, (name, name))[1]}
        for name in (index.get("sources") or "").split(",") if name
    ]
    view = {
        "code": code,
        "name": index["name"] or code,
        "fund": index["fund"],
        "period": index["period"],
        "sources": sources,
        "values_from": index["values_from"],
        "values_fi": values_fi,
        "values_en": values_en,
        "facts": facts,
        "co_implementers": record["description"]["co_implementers"] if record["description"] else [],
        "implementer": _implementer(record),
        "funding": funding,
        "eura2021": eura is not None,
        "list_current": shown_current,
        "list_rows": list_rows,
        "versions": record["document_versions"],
        "document": record["description"]["document"] if record["description"] else None,
        "places": _places(record),
        "texts": texts,
        "gender_equality": gender_equality,
        "ratings": ratings,
        "indicators": indicators,
        "sustainability": record["description"]["sustainability_scores"] if record["description"] else [],
        "extra_fields": record["description"]["extra_fields"] if record["description"] else [],
        "eura_extra": sorted((eura or {}).get("extra", {}).items()) if isinstance((eura or {}).get("extra"), dict) else [],
        "warnings": record["description"]["warnings"] if record["description"] else [],
        "all_fields": _all_fields(record, described),
        "links": record["links"],
        "roles": ROLES,
        "dashboard_url": links.root("/-/dashboards/rahoitus"),
    }
    return record, view
