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
from collections.abc import Iterable, Iterator
from typing import Any

import regex
import sqlite_utils

from ..extract.layouts import builtin_layouts
from ..reference.authorities import UNKNOWN, authority_area, normalise_authority
from .rows import RowsWritten

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


#: What a description says of its project's place (``p`` is its ``projects`` row): the regions
#: it names, and the regions of the municipalities it names. ``+a.code`` keeps the planner on
#: the primary key (project_code, level): before ``analyze`` has run (a full build runs it last)
#: it would otherwise scan the (level, code) index for every project, which made this quadratic
#: (over a minute for 4,000 projects).
_DESCRIBED_PLACES = {
    "regions": "(select json_group_array(name) from (select name from project_areas a where a.project_code = p.code and a.level = 'region' order by position))",
    "municipality_regions": """(select json_group_array(region_fi) from (
     select distinct m.region_fi from project_areas a
     join municipalities m on m.municipality_code = a.code and m.year = a.key_year
     where a.project_code = p.code and a.level = 'municipality' and +a.code is not null order by m.region_fi))""",
}


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
#: The texts of a description's tables that a search looks in (``p`` is its ``projects`` row).
_DESCRIBED_TEXTS = {
    "sustainability": """(select group_concat(t, char(10)) from (
     select coalesce(s.criterion, '') || ' ' || coalesce(s.justification, '') as t from sustainability_scores s
     where s.project_code = p.code order by s.position))""",
    "ratings": """(select group_concat(rating, char(10)) from (
     select rating from horizontal_ratings r where r.project_code = p.code order by r.principle))""",
    "indicators": """(select group_concat(indicator, ' ') from (
     select indicator from indicators i where i.project_code = p.code order by i.position))""",
}


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


#: The columns of ``projects`` and ``project_list`` the index reads (besides the texts).
_BASE_COLUMNS = (
    "code", "period", "fund", "name", "implementer_name", "managing_authority", "status", "start_date", "end_date", *_FIGURES,
)
_PROJECT_READ = (*_BASE_COLUMNS, "implementer_business_id", "document_id", *_TEXT_COLUMNS)
_LIST_READ = (*_BASE_COLUMNS, "programme_section", "source_list")


def _index_query(db: sqlite_utils.Database) -> tuple[str, list[str], list[str]]:
    """One query for the index's rows, in code order: per code its description (its places and
    texts), its list row and its EURA 2021 row, so that the rows are made as they are read.
    Returns the SQL and the columns of ``projects`` and ``project_list`` it reads (those the
    tables have: a column a table lacks reads as absent)."""
    def present(table: str, wanted: tuple[str, ...]) -> list[str]:
        columns = {row[1] for row in db.execute(f"pragma table_info([{table}])")}
        return [column for column in dict.fromkeys(wanted) if column in columns]

    described, listed = present("projects", _PROJECT_READ), present("project_list", _LIST_READ)
    extras = [*_DESCRIBED_PLACES.values(), *_DESCRIBED_TEXTS.values()]
    columns = [
        "c.code", "p.code is not null", *(f"p.[{column}]" for column in described),
        *(f"case when p.code is not null then {expression} end" for expression in extras),
        "l.code is not null", *(f"l.[{column}]" for column in listed),
        "e.code is not null", "e.implementer_business_id", "e.summary", "coalesce(p.rowid, -l.rowid)",
    ]
    sql = (
        f"select {', '.join(columns)} from temp.[{_CODES}] c "
        "left join projects p on p.code = c.code left join project_list l on l.code = c.code "
        "left join eura2021_projects e on e.code = c.code order by c.code"
    )
    return sql, described, listed


#: Index rows are written in batches of this many as they are made: few enough that a new
#: archive's full-text index tokenizes one batch while the next is made.
_INDEX_BATCH = 500


def rebuild_project_index(db: sqlite_utils.Database) -> int:
    """Make ``project_index`` anew from ``projects``, ``project_list`` and ``eura2021_projects``,
    and the organisations of its projects (:func:`rebuild_organisation_index`)."""
    count = fill_project_index(db)
    rebuild_organisation_index(db)
    return count


def fill_project_index(
    db: sqlite_utils.Database, on_rows: RowsWritten | None = None, codes: Iterable[str] | None = None,
) -> int:
    """The first half of :func:`rebuild_project_index`: ``project_index`` brought up to date
    from the tables' primary keys alone (a new archive fills it before the other indexes are made).

    ``codes``: only the rows of these project codes are made again (those whose description was
    loaded, changed or removed, when the lists and the municipality key are as they were: a
    row is made of its code's rows alone); ``None``: every row.

    A row's rowid is that of its project's ``projects`` row, or (a project without a
    description) its list row's negated: so ``project_index_fts``, the one full-text index of
    the projects' texts, is also the ``projects`` table's (Datasette's ``fts_table``:
    :data:`parser.search.SEARCHED_THROUGH`), and a description's texts are tokenized once, not twice.

    The rows are made while one query reads them in code order and written in batches: neither
    the descriptions nor the lists are held whole in memory. ``on_rows`` is called with each
    batch once it is written, as its columns (:data:`ROW_COLUMNS`) and its rows: a new archive's
    build hands them to its full-text index, which tokenizes them while the next batch is made.
    It is told of inserted rows only, so it is for an empty index alone. A row that keeps its
    code and rowid (an incremental build) is rewritten only when a value changed; the others are
    deleted and inserted: the same table in the end as deleting every row and inserting the new
    ones, without writing every row (and its full-text entry) again.
    """
    # Every code the index is to hold, in a table of its own: read in its key's order, the
    # rows come in code order without SQLite sorting them (their 40 MB of texts at 4,000
    # descriptions) in a temporary B-tree.
    tables = (_CODES,) if codes is None else (_CODES, _TOUCHED)
    for table in tables:
        db.execute(f"drop table if exists temp.[{table}]")
        db.execute(f"create temp table [{table}] (code text primary key) without rowid")
    if codes is None:
        db.execute(f"insert into temp.[{_CODES}] select code from projects union select code from project_list where code is not null")
    else:
        db.conn.executemany(f"insert or ignore into temp.[{_TOUCHED}] values (?)", ((code,) for code in codes))
        db.execute(
            f"insert into temp.[{_CODES}] select code from projects where code in temp.[{_TOUCHED}] "
            f"union select code from project_list where code in temp.[{_TOUCHED}]"
        )
    try:
        return _fill(db, on_rows, every=codes is None)
    finally:
        for table in tables:
            db.execute(f"drop table temp.[{table}]")


#: The temporary table of the codes :func:`fill_project_index` writes rows for.
_CODES = "_project_index_codes"
#: The temporary table of the codes it was asked to bring up to date (``codes``), with or
#: without a project now: a code gone from both tables loses its row.
_TOUCHED = "_project_index_touched"


def _fill(db: sqlite_utils.Database, on_rows: RowsWritten | None, *, every: bool) -> int:
    within = "" if every else f" where code in temp.[{_TOUCHED}]"
    held = set(db.execute(f"select rowid, code from project_index{within}").fetchall())
    if held and on_rows is not None:
        raise ValueError("on_rows is for an empty project index: its rows would be changed and deleted too")
    wanted = set(db.execute(_ROWIDS_SQL).fetchall())
    stale = held - wanted
    if stale:
        db.conn.executemany("delete from project_index where rowid = ?", [(rowid,) for rowid, _ in stale])
    insert = f"insert into project_index (rowid, {', '.join(f'[{c}]' for c in _ROW_ORDER)}) values (?, {', '.join('?' * len(_ROW_ORDER))})"
    if held - stale or not every:
        return _update_in_place(db, insert, every=every)
    rows: list[tuple[Any, ...]] = []
    count = 0
    for row in _index_rows(db):
        rows.append(row)
        if len(rows) >= _INDEX_BATCH:
            count += _write_batch(db, insert, rows, on_rows)
            rows = []
    if rows:
        count += _write_batch(db, insert, rows, on_rows)
    return count


def _write_batch(db: sqlite_utils.Database, insert: str, rows: list[tuple[Any, ...]], on_rows: RowsWritten | None) -> int:
    db.conn.executemany(insert, rows)
    if on_rows is not None:
        on_rows(ROW_COLUMNS, rows)
    return len(rows)


#: (rowid, code) of every row the index is to hold (see :func:`fill_project_index`).
_ROWIDS_SQL = f"""select coalesce(p.rowid, -l.rowid), c.code from temp.[{_CODES}] c
left join projects p on p.code = c.code left join project_list l on l.code = c.code"""


def _update_in_place(db: sqlite_utils.Database, insert: str, *, every: bool = True) -> int:
    """Write the rows of :func:`_index_rows` that the index lacks or holds with other values
    (its rows of another code or rowid are deleted already); ``every=False``: of the codes of
    the temporary table :data:`_CODES` alone."""
    within = "" if every else f" where code in temp.[{_CODES}]"
    held = db.execute(f"select rowid, {', '.join(f'[{c}]' for c in _ROW_ORDER)} from project_index{within} order by code")
    old = next(held, None)
    changed, new = [], []
    for row in _index_rows(db):
        if old is not None and old[1] == row[1]:
            if row != old:
                changed.append((*row[1:], row[0]))
            old = next(held, None)
        else:
            new.append(row)
    if changed:
        db.conn.executemany(f"update project_index set {', '.join(f'[{c}] = ?' for c in _ROW_ORDER)} where rowid = ?", changed)
    if new:
        db.conn.executemany(insert, new)
    return db.execute("select count(*) from project_index").fetchone()[0]


def _index_rows(db: sqlite_utils.Database) -> Iterator[tuple[Any, ...]]:
    """The rows of the index, in code order, each its rowid and then the values of :data:`_ROW_ORDER`."""
    sql, described_columns, list_columns = _index_query(db)
    names = indicator_names()
    places_from = 2 + len(described_columns)
    texts_from = places_from + len(_DESCRIBED_PLACES)
    list_from = texts_from + len(_DESCRIBED_TEXTS) + 1
    eura_from = list_from + len(list_columns) + 1
    # Many list rows share an implementer, and an authority, period and section: each is worked
    # out once.
    keys: dict[str | None, str | None] = {}
    areas: dict[tuple[Any, ...], dict[str, Any]] = {}
    for values in db.execute(sql):
        code = values[0]
        described = places = texts = row = None
        if values[1]:
            described = dict(zip(described_columns, values[2:places_from]))
            places = dict(zip(_DESCRIBED_PLACES, values[places_from:texts_from]))
            texts = dict(zip(_DESCRIBED_TEXTS, values[texts_from:list_from - 1]))
        if values[list_from - 1]:
            row = dict(zip(list_columns, values[list_from:eura_from - 1]))
        in_eura = bool(values[eura_from - 1])
        base: dict[str, Any] = described or row  # type: ignore[assignment]
        sources = [name for name, present in (("description", described is not None), ("list", row is not None and not in_eura), ("eura2021", in_eura)) if present]
        business_id = (described or {}).get("implementer_business_id") or (values[eura_from] if in_eura else None)
        authority = base["managing_authority"]
        implementer = base["implementer_name"]
        if implementer not in keys:
            keys[implementer] = normalise_organisation(implementer)
        if described is not None:
            place = _place(places, row)
        else:
            area = (row["managing_authority"], row["period"], row["programme_section"])  # type: ignore[index]
            if area not in areas:
                areas[area] = _place(None, row)
            place = areas[area]
        yield (
            values[-1],
            code,
            base.get("period") or (row or {}).get("period"),
            base["fund"],
            base["name"],
            implementer,
            keys[implementer],
            business_id,
            authority,
            normalise_authority(authority),
            base["status"],
            base["start_date"],
            base["end_date"],
            *(base[figure] for figure in _FIGURES),
            "description" if described else ("eura2021" if in_eura else "list"),
            place["region"],
            place["region_kind"],
            place["region_source"],
            place["regions"],
            (described or {}).get("document_id"),
            (row or {}).get("source_list"),
            ",".join(sources),
            _search_text(described, texts, values[eura_from + 1] if in_eura else None, names),
        )


#: The order of the values of :func:`rebuild_project_index`'s rows: every column of the index.
_ROW_ORDER = (
    "code", "period", "fund", "name", "implementer_name", "implementer_key", "implementer_business_id",
    "managing_authority", "authority", "status", "start_date", "end_date", *_FIGURES, "values_from",
    "region", "region_kind", "region_source", "regions", "document_id", "list_source", "sources", "search_text",
)
assert sorted(_ROW_ORDER) == sorted(COLUMNS), "every column of the index, once"
#: The columns of the rows :func:`fill_project_index` hands ``on_rows``: the rowid, then :data:`_ROW_ORDER`.
ROW_COLUMNS = ("rowid", *_ROW_ORDER)


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
{where}group by o.organisation_key
"""
#: The temporary table of the organisations whose totals an incremental build makes again.
_AFFECTED = "_organisations_affected"


def rebuild_organisation_index(db: sqlite_utils.Database, codes: Iterable[str] | None = None) -> None:
    """Every organisation of the index's projects (:func:`organisation_links`), with the totals
    of the projects it implements.

    ``codes``: the project codes whose index rows were made again (an incremental build, see
    :func:`fill_project_index`): the links are worked out anew (one project's business ID can
    change how other projects' names are matched) but only those that changed are written, and
    only the totals of the organisations those links, or those projects, concern are made
    again. ``None``: everything anew.
    """
    links: dict[tuple[str, str, str], tuple[str, str, str, str]] = {}
    for link in organisation_links(db):
        links.setdefault(link[:3], link)  # one link per (organisation, project, role): the first
    insert = "insert into organisation_projects values (?, ?, ?, ?)"
    if codes is None:
        db.execute("delete from organisation_projects")
        db.execute("delete from organisation_index")
        db.conn.executemany(insert, links.values())
        db.execute(_ORGANISATION_TOTALS_SQL.format(where=""))
        return
    held = {row[:3]: row for row in db.execute("select organisation_key, project_code, role, matched_by from organisation_projects")}
    gone = [key for key, row in held.items() if links.get(key) != row]
    new = [row for key, row in links.items() if held.get(key) != row]
    touched = set(codes)
    affected = {key[0] for key in gone} | {row[0] for row in new}
    affected |= {key for key, code, _ in (*held, *links) if code in touched}
    db.conn.executemany("delete from organisation_projects where organisation_key = ? and project_code = ? and role = ?", gone)
    db.conn.executemany(insert, new)
    db.execute(f"create temp table if not exists [{_AFFECTED}] (key text primary key) without rowid")
    try:
        db.conn.executemany(f"insert or ignore into temp.[{_AFFECTED}] values (?)", ((key,) for key in affected))
        db.execute(f"delete from organisation_index where key in temp.[{_AFFECTED}]")
        db.execute(_ORGANISATION_TOTALS_SQL.format(where=f"where o.organisation_key in temp.[{_AFFECTED}]\n"))
    finally:
        db.execute(f"drop table temp.[{_AFFECTED}]")
