"""The project page: what ``templates/row-esr-projects.html`` needs beyond the row itself.

Datasette 0.65 gives a row template the row (``rows``, ``columns``, ``display_rows``) and the
counts of rows in other tables that point to it, but not those rows. This plugin's
``extra_template_vars`` hook adds one variable, ``project_page``, on the row page of the
``projects`` table only: the project as a dict, its places, indicators, co-implementers and
horizontal ratings, its source document, its row of the official project list, the funding
with its realisation rates (from the ``funding_realisation`` view), the texts cut into
paragraphs, and the link to the official service page. Every value is plain data: the template
prints it with Jinja's autoescaping, so nothing in a description can become markup.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from datasette import hookimpl
from datasette.utils import tilde_encode, urlsafe_components

from parser.publish.labels import AREA_LEVELS, GENDER_EQUALITY, INDICATORS, PRINCIPLES, TEXTS, count, euros, percent, yes_no

#: The official service's page of a project, by programme period.
SERVICE_PAGES = {
    "2007-2013": "https://www.eura2007.fi/rrtiepa/projekti.php?projektikoodi={code}",
    "2014-2020": "https://www.eura2014.fi/rrtiepa/projekti.php?projektikoodi={code}",
}

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


async def _rows(db, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    results = await db.execute(sql, params)
    return [dict(row) for row in results.rows]


async def _table_exists(db, name: str) -> bool:
    return name in set(await db.table_names()) | set(await db.view_names())


async def project_page(datasette, database: str, code: str) -> dict[str, Any] | None:
    """Everything the project page shows, or ``None`` when there is no such project."""
    db = datasette.get_database(database)
    found = await _rows(db, "select * from projects where code = :code", {"code": code})
    if not found:
        return None
    project = found[0]
    urls = datasette.urls

    def row_url(table: str, *pk: Any) -> str:
        return urls.row(database, table, ",".join(tilde_encode(str(value)) for value in pk))

    def table_url(table: str, **args: Any) -> str:
        query = urllib.parse.urlencode(args)
        return urls.table(database, table) + (f"?{query}" if query else "")

    # Places, by level, in source order; each links to the other projects of the place.
    places = []
    if await _table_exists(db, "project_areas"):
        areas = await _rows(
            db,
            "select level, position, name, code, match from project_areas where project_code = :code "
            "order by level, position",
            {"code": code},
        )
        for level, fi, en in AREA_LEVELS:
            items = [
                {
                    **area,
                    "url": table_url("project_areas", level=level, code=area["code"]) if area["code"] else None,
                }
                for area in areas
                if area["level"] == level
            ]
            if items:
                places.append({"level": level, "label_fi": fi, "label_en": en, "items": items})

    indicators = []
    if await _table_exists(db, "indicators"):
        for row in await _rows(
            db, "select * from indicators where project_code = :code order by position", {"code": code}
        ):
            fi, en = INDICATORS.get(row["indicator"], (row["indicator"], row["indicator"]))
            indicators.append(
                {
                    "indicator": row["indicator"],
                    "label_fi": fi,
                    "label_en": en,
                    "planned": count(row["planned"]),
                    "planned_women": count(row["planned_women"]),
                    "realised": count(row["realised"]),
                    "realised_women": count(row["realised_women"]),
                }
            )

    co_implementers = []
    if await _table_exists(db, "co_implementers"):
        co_implementers = await _rows(
            db, "select * from co_implementers where project_code = :code order by position", {"code": code}
        )
        for row in co_implementers:
            row["url"] = row_url("organisations", row["business_id"]) if row.get("business_id") else None

    ratings = []
    if await _table_exists(db, "horizontal_ratings"):
        for row in await _rows(
            db, "select principle, rating from horizontal_ratings where project_code = :code", {"code": code}
        ):
            fi, en = PRINCIPLES.get(row["principle"], (row["principle"], row["principle"]))
            ratings.append({**row, "label_fi": fi, "label_en": en})
        order = list(PRINCIPLES)
        ratings.sort(key=lambda r: order.index(r["principle"]) if r["principle"] in order else len(order))

    document = None
    if project.get("document_id") and await _table_exists(db, "documents"):
        docs = await _rows(
            db,
            "select id, path, format, pages, template, title, status from documents where id = :id",
            {"id": project["document_id"]},
        )
        if docs:
            document = {**docs[0], "url": row_url("documents", docs[0]["id"])}

    listed = None
    if await _table_exists(db, "project_list"):
        found_list = await _rows(
            db,
            "select code, source_list, list_date, status, eu_state_granted, eu_state_realised, "
            "public_planned, public_realised from project_list where code = :code",
            {"code": code},
        )
        if found_list:
            row = found_list[0]
            listed = {
                **row,
                "url": row_url("project_list", row["code"]),
                "eu_state_granted_text": euros(row["eu_state_granted"]),
                "eu_state_realised_text": euros(row["eu_state_realised"]),
                "public_planned_text": euros(row["public_planned"]),
                "public_realised_text": euros(row["public_realised"]),
            }

    rates: dict[str, Any] = {}
    if await _table_exists(db, "funding_realisation"):
        found_rates = await _rows(
            db,
            "select eu_state_realisation_rate, public_realisation_rate from funding_realisation where code = :code",
            {"code": code},
        )
        rates = found_rates[0] if found_rates else {}
    funding = [
        {
            "label_fi": "EU- ja valtion rahoitus",
            "label_en": "EU and state funding",
            "planned_fi": "myönnetty",
            "planned_en": "granted",
            "planned": euros(project.get("eu_state_granted")),
            "realised": euros(project.get("eu_state_realised")),
            "rate": percent(rates.get("eu_state_realisation_rate")),
            "rate_value": rates.get("eu_state_realisation_rate"),
        },
        {
            "label_fi": "Julkinen rahoitus yhteensä",
            "label_en": "Total public funding",
            "planned_fi": "suunniteltu",
            "planned_en": "planned",
            "planned": euros(project.get("public_planned")),
            "realised": euros(project.get("public_realised")),
            "rate": percent(rates.get("public_realisation_rate")),
            "rate_value": rates.get("public_realisation_rate"),
        },
    ]

    texts = [
        {"column": column, "label_fi": fi, "label_en": en, "blocks": blocks(project.get(column))}
        for column, fi, en in TEXTS
        if (project.get(column) or "").strip()
    ]
    gender_equality = [
        {
            "label_fi": fi,
            "label_en": en,
            "answer": yes_no(project.get(f"gender_equality_{key}")),
            "blocks": blocks(project.get(f"gender_equality_{key}_text")),
        }
        for key, fi, en in GENDER_EQUALITY
        if project.get(f"gender_equality_{key}") is not None or project.get(f"gender_equality_{key}_text")
    ]

    template = SERVICE_PAGES.get(project.get("period") or "")
    service_url = template.format(code=urllib.parse.quote(code)) if template else None

    implementer_url = None
    if project.get("implementer_business_id"):
        implementer_url = row_url("organisations", project["implementer_business_id"])

    return {
        "project": project,
        "texts": texts,
        "gender_equality": gender_equality,
        "funding": funding,
        "places": places,
        "indicators": indicators,
        "co_implementers": co_implementers,
        "ratings": ratings,
        "document": document,
        "listed": listed,
        "service_url": service_url,
        "implementer_url": implementer_url,
        "managing_authority_url": table_url("projects", managing_authority=project["managing_authority"])
        if project.get("managing_authority")
        else None,
        "dashboard_url": urls.path("/-/dashboards/rahoitus"),
    }


@hookimpl
def extra_template_vars(view_name, database, table, request, datasette):
    """``project_page`` on the row page of ``projects``."""
    if view_name != "row" or table != "projects" or request is None:
        return {}

    async def inner():
        pks = urlsafe_components(request.url_vars.get("pks", ""))
        if len(pks) != 1:
            return {}
        return {"project_page": await project_page(datasette, database, pks[0])}

    return inner
