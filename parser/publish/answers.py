"""Answers analysts can work with: granted against realised funding by one dimension.

Each answer (:data:`ANSWERS`) groups every project of ``project_index`` — described, listed or
from the 2021–2027 export — by one dimension (managing authority, region, priority axis,
period, fund, organisation) and sums the four figures. Its page (``/esr/vastaukset/<slug>``,
plugins/answers.py) filters by period, fund, authority and region with dropdowns of the values
that exist, sorts by any column, and ends with a totals row whose rates are ratios of the sums.

Rules, in one place:
* a list row the archive could not read with certainty (``project_list.flag``) is counted but
  never summed, as on the dashboard and the organisation and place pages;
* a rate is ``sum(realised) ÷ sum(granted)`` over the rows that have both, never a mean of
  rates;
* a region is a place only where a description names it; an *area* (a group of regions) is its
  own row, never split into its regions, so the rows add up to the national total, and every
  row says how much of its money has a real place.
* input is forgiving: ``2007–2013`` (en dash), ``esr`` (any case) and surrounding spaces match
  the value that exists; a value that matches none is reported with the choices.
"""

from __future__ import annotations

import sqlite3
import unicodedata
from dataclasses import dataclass
from typing import Any

from .labels import ratio


@dataclass(frozen=True)
class Answer:
    """One ministry question: its address, title, and the SQL expression it groups by."""

    slug: str
    title_fi: str
    title_en: str
    group: str
    heading_fi: str
    heading_en: str
    #: The filter this answer's grouping makes pointless (filtering by the grouped dimension).
    grouped_filter: str | None = None


ANSWERS = (
    Answer("viranomaiset", "Myönnetty ja toteutunut rahoitus vastuuviranomaisittain", "Granted and realised funding by managing authority",
           "coalesce(i.authority, '(tuntematon)')", "Vastuuviranomainen", "Managing authority", "authority"),
    Answer("maakunnat", "Myönnetty ja toteutunut rahoitus maakunnittain", "Granted and realised funding by region",
           "coalesce(i.region, '(tuntematon)') || case i.region_kind when 'area' then ' (suuralue)' when 'regions' then ' (useampi maakunta)' else '' end",
           "Maakunta tai suuralue", "Region or large area", "region"),
    Answer("toimintalinjat", "Myönnetty ja toteutunut rahoitus toimintalinjoittain", "Granted and realised funding by priority axis",
           "i.period || ' · ' || coalesce(nullif(trim(coalesce(p.priority_axis_number, l.priority_axis_number, e.priority_axis)), ''), '(ei tiedossa)')",
           "Kausi · toimintalinja", "Period · priority axis"),
    Answer("kaudet", "Myönnetty ja toteutunut rahoitus ohjelmakausittain", "Granted and realised funding by programme period",
           "i.period", "Ohjelmakausi", "Programme period", "period"),
    Answer("rahastot", "Myönnetty ja toteutunut rahoitus rahastoittain", "Granted and realised funding by fund",
           "i.fund", "Rahasto", "Fund", "fund"),
    Answer("organisaatiot", "Myönnetty ja toteutunut rahoitus toteuttajittain", "Granted and realised funding by implementer",
           "coalesce(o.name, i.implementer_name, '(tuntematon)')", "Toteuttaja", "Implementer"),
)
ANSWER_BY_SLUG = {answer.slug: answer for answer in ANSWERS}

#: The filters of every answer: (parameter, column of ``project_index``, Finnish, English).
FILTERS = (
    ("period", "period", "Ohjelmakausi", "Programme period"),
    ("fund", "fund", "Rahasto", "Fund"),
    ("authority", "authority", "Vastuuviranomainen", "Managing authority"),
    ("region", "region", "Maakunta tai suuralue", "Region or large area"),
)

#: The columns of an answer's rows: (name, Finnish, English, kind) — kind as the pages format it.
COLUMNS = (
    ("label", None, None, "text"),
    ("projects", "Hankkeita", "Projects", "count"),
    ("not_summed", "Ei summattu", "Not summed", "count"),
    ("eu_state_granted", "Myönnetty EU ja valtio", "Granted EU and state", "euros"),
    ("eu_state_realised", "Toteutunut EU ja valtio", "Realised EU and state", "euros"),
    ("eu_state_rate", "Toteutumisaste", "Realisation rate", "rate"),
    ("public_planned", "Julkinen suunniteltu", "Public planned", "euros"),
    ("public_realised", "Julkinen toteutunut", "Public realised", "euros"),
    ("public_rate", "Julkisen toteutumisaste", "Public realisation rate", "rate"),
    ("placed_granted", "Paikka kuvauksesta", "Granted with a described place", "euros"),
)
COLUMN_NAMES = tuple(name for name, *_ in COLUMNS)

#: How many groups a page shows at most (the organisations run to thousands); totals cover all.
ROW_LIMIT = 1000

_FLAGGED = "(i.values_from != 'description' and l.flag is not null)"
_SQL = f"""
select {{group}} as label,
  count(*) as projects,
  sum(case when {_FLAGGED} then 1 else 0 end) as not_summed,
  sum(case when not {_FLAGGED} then i.eu_state_granted end) as eu_state_granted,
  sum(case when not {_FLAGGED} then i.eu_state_realised end) as eu_state_realised,
  sum(case when not {_FLAGGED} and i.eu_state_granted is not null and i.eu_state_realised is not null then i.eu_state_granted end) as eu_state_granted_paired,
  sum(case when not {_FLAGGED} and i.eu_state_granted is not null and i.eu_state_realised is not null then i.eu_state_realised end) as eu_state_realised_paired,
  sum(case when not {_FLAGGED} then i.public_planned end) as public_planned,
  sum(case when not {_FLAGGED} then i.public_realised end) as public_realised,
  sum(case when not {_FLAGGED} and i.public_planned is not null and i.public_realised is not null then i.public_planned end) as public_planned_paired,
  sum(case when not {_FLAGGED} and i.public_planned is not null and i.public_realised is not null then i.public_realised end) as public_realised_paired,
  sum(case when not {_FLAGGED} and i.region_source = 'description' then i.eu_state_granted end) as placed_granted
from project_index i
left join project_list l on l.code = i.code
left join projects p on p.code = i.code
left join eura2021_projects e on e.code = i.code
left join organisation_index o on o.key = i.implementer_key
where {{where}}
group by {{grouping}}
"""


def folded(text: str) -> str:
    """A value as input is compared with the values that exist: dashes made hyphens, spaces
    squeezed, case folded (``2007–2013`` = ``2007-2013``, ``esr`` = ``ESR``)."""
    text = unicodedata.normalize("NFC", text)
    for dash in "\u2010\u2011\u2012\u2013\u2014\u2212":
        text = text.replace(dash, "-")
    return " ".join(text.split()).casefold()


def choices(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """The values each filter can take: those that exist in ``project_index``."""
    return {
        name: [row[0] for row in conn.execute(f"select distinct {column} from project_index where {column} is not null order by {column}")]
        for name, column, _, _ in FILTERS
    }


def read_filters(args: dict[str, str], options: dict[str, list[str]]) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """The filters of a request matched to the values that exist, and the problems: a value
    that matches none, with the choices there are."""
    chosen: dict[str, str] = {}
    problems = []
    for name, _, fi, en in FILTERS:
        given = (args.get(name) or "").strip()
        if not given:
            continue
        found = {folded(value): value for value in options[name]}.get(folded(given))
        if found is None:
            problems.append({"filter": name, "fi": fi, "en": en, "given": given, "choices": options[name]})
        else:
            chosen[name] = found
    return chosen, problems


def _rates(row: dict[str, Any]) -> dict[str, Any]:
    row["eu_state_rate"] = ratio(row.pop("eu_state_realised_paired"), row.pop("eu_state_granted_paired"))
    row["public_rate"] = ratio(row.pop("public_realised_paired"), row.pop("public_planned_paired"))
    return row


def answer(conn: sqlite3.Connection, slug: str, args: dict[str, str]) -> dict[str, Any]:
    """The rows, the totals row and what the page needs to say about them, for the answer
    ``slug`` and the request's ``args`` (filters, ``sort``, ``desc``). Raises ``KeyError`` for an
    unknown ``slug``."""
    question = ANSWER_BY_SLUG[slug]
    options = choices(conn)
    chosen, problems = read_filters(args, options)
    conditions, params = ["1"], []
    for name, column, _, _ in FILTERS:
        if name in chosen:
            conditions.append(f"i.{column} = ?")
            params.append(chosen[name])
    where = " and ".join(conditions)
    rows: list[dict[str, Any]] = []
    total: dict[str, Any] | None = None
    if not problems:
        cursor = conn.execute(_SQL.format(group=question.group, where=where, grouping="label"), params)
        names = [column[0] for column in cursor.description]
        rows = [_rates(dict(zip(names, row))) for row in cursor.fetchall()]
        cursor = conn.execute(_SQL.format(group="'Yhteensä – Total'", where=where, grouping="1"), params)
        found = cursor.fetchone()
        total = _rates(dict(zip([column[0] for column in cursor.description], found))) if found and found[1] else None
    sort = args.get("sort") if args.get("sort") in COLUMN_NAMES else "eu_state_granted"
    descending = args.get("desc", "1" if sort != "label" else "") == "1"
    present = [row for row in rows if row.get(sort) is not None]
    missing = [row for row in rows if row.get(sort) is None]
    present.sort(key=lambda row: (folded(row[sort]) if isinstance(row[sort], str) else row[sort]), reverse=descending)
    rows = present + missing  # a missing value is last whichever the order
    why = None
    if not problems and not rows:
        why = {
            "fi": "Näillä rajauksilla ei ole yhtään hanketta: " + ", ".join(f"{k} = {v}" for k, v in chosen.items()) + ". Poista jokin rajaus.",
            "en": "No project has all of these: " + ", ".join(f"{k} = {v}" for k, v in chosen.items()) + ". Remove a filter.",
        }
    return {
        "slug": slug,
        "question": question,
        "filters": [
            {"name": name, "fi": fi, "en": en, "chosen": chosen.get(name), "given": (args.get(name) or "").strip(), "choices": options[name]}
            for name, _, fi, en in FILTERS
            if name != question.grouped_filter or name in chosen
        ],
        "chosen": chosen,
        "problems": problems,
        "why_empty": why,
        "sort": sort,
        "descending": descending,
        "count": len(rows),
        "rows": rows[:ROW_LIMIT],
        "total": total,
    }
