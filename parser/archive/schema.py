"""The archive's tables, keys, indexes and views, declared once (docs/DATA-CONTRACT.md section 3)."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlite_utils

from .project_index import COLUMNS as INDEX_COLUMNS
from .rows import PROJECT_COLUMNS


@dataclass(frozen=True)
class TableSchema:
    """One table: its columns in order, primary key, foreign keys and filtered columns."""

    name: str
    columns: dict[str, type]
    pk: str | tuple[str, ...]
    foreign_keys: tuple[tuple[str, str, str], ...] = ()
    #: Columns users filter, facet or join on: each gets an index.
    indexes: tuple[str | tuple[str, ...], ...] = ()
    not_null: tuple[str, ...] = field(default=())


DOCUMENTS = TableSchema(
    "documents",
    {
        "id": str, "path": str, "sha256": str, "format": str, "pages": int, "kind": str, "template": str,
        "title": str, "project_code": str, "status": str, "error": str, "text": str,
    },
    pk="id",
    indexes=("kind", "template", "status", "format", "project_code"),
)

PROJECTS = TableSchema(
    "projects",
    # ``authority``: the managing authority's one name (parser.reference.authorities), for facets
    # and totals; ``managing_authority`` keeps the spelling of the document.
    {"code": str, **{column: kind for _, column, kind in PROJECT_COLUMNS if column != "code"}, "document_id": str, "authority": str},
    pk="code",
    foreign_keys=(("document_id", "documents", "id"), ("implementer_business_id", "organisations", "business_id")),
    indexes=(
        "fund", "period", "managing_authority", "status", "priority_axis_number", "specific_objective_number",
        "implementer_business_id", "implementer_type", "start_date", "end_date", "document_id", "authority",
    ),
)

ORGANISATIONS = TableSchema(
    "organisations",
    {"business_id": str, "name": str, "type": str, "implementer_projects": int, "co_implementer_projects": int},
    pk="business_id",
    indexes=("type", "name"),
)

CO_IMPLEMENTERS = TableSchema(
    "co_implementers",
    {"project_code": str, "position": int, "name": str, "type": str, "business_id": str},
    pk=("project_code", "position"),
    foreign_keys=(("project_code", "projects", "code"), ("business_id", "organisations", "business_id")),
    indexes=("business_id", "type"),
)

PROJECT_AREAS = TableSchema(
    "project_areas",
    {"project_code": str, "level": str, "position": int, "name": str, "code": str, "key_year": int, "match": str},
    pk=("project_code", "level", "position"),
    foreign_keys=(("project_code", "projects", "code"),),
    indexes=("level", "name", "code", ("level", "code")),
)

INDICATORS = TableSchema(
    "indicators",
    {"project_code": str, "position": int, "indicator": str, "planned": int, "planned_women": int, "realised": int, "realised_women": int},
    pk=("project_code", "position"),
    foreign_keys=(("project_code", "projects", "code"),),
    indexes=("indicator",),
)

HORIZONTAL_RATINGS = TableSchema(
    "horizontal_ratings",
    {"project_code": str, "principle": str, "rating": str},
    pk=("project_code", "principle"),
    foreign_keys=(("project_code", "projects", "code"),),
    indexes=("principle", "rating"),
)

SUSTAINABILITY_SCORES = TableSchema(
    "sustainability_scores",
    {"project_code": str, "position": int, "group": str, "criterion": str, "direct": int, "indirect": int, "justification": str},
    pk=("project_code", "position"),
    foreign_keys=(("project_code", "projects", "code"),),
    indexes=("criterion", "group"),
)

EXTRA_FIELDS = TableSchema(
    "extra_fields",
    {"project_code": str, "position": int, "section": str, "label": str, "value": str},
    pk=("project_code", "position"),
    foreign_keys=(("project_code", "projects", "code"),),
    indexes=("label", "section"),
)

PARSE_WARNINGS = TableSchema(
    "parse_warnings",
    {"document_id": str, "position": int, "stage": str, "code": str, "message": str, "line": int},
    pk=("document_id", "position"),
    foreign_keys=(("document_id", "documents", "id"),),
    indexes=("code", "stage"),
)

# ``period`` came after the other columns (issue 8): CSV downloads keep their column order.
_LIST_COLUMNS = {
    "code": str, "fund": str, "name": str, "programme_section": str, "priority_axis_number": str,
    "managing_authority": str, "status": str, "start_date": str, "end_date": str, "implementer_name": str,
    "eu_state_granted": float, "eu_state_realised": float, "public_planned": float, "public_realised": float,
    "source_list": str, "list_date": str, "line": int, "repair": str, "flag": str, "raw": str, "period": str,
    # The managing authority's one name, for facets and totals (issue 10); the spelling stays.
    "authority": str,
}

#: Per code, the row of the newest official list that has it (a CSV export, a harvested list
#: page or a EURA 2021 export).
PROJECT_LIST = TableSchema(
    "project_list",
    _LIST_COLUMNS,
    pk="code",
    indexes=("period", "fund", "managing_authority", "authority", "status", "priority_axis_number", "programme_section", "source_list", "flag", "start_date"),
)

#: Every older list row of a code: how the official figures moved.
PROJECT_LIST_HISTORY = TableSchema(
    "project_list_history",
    _LIST_COLUMNS,
    pk=("code", "source_list"),
    indexes=("code", "source_list", "period"),
)

#: Every 2021–2027 project of the newest EURA 2021 export that has it, with all its columns.
EURA2021_PROJECTS = TableSchema(
    "eura2021_projects",
    {
        "code": str, "period": str, "group_code": str, "fund": str, "fund_subtype": str, "priority_axis": str,
        "specific_objective": str, "name": str, "implementer_name": str, "implementer_business_id": str,
        "managing_authority": str, "status": str, "start_date": str, "end_date": str,
        "eu_state_planned": float, "public_planned": float, "total_planned": float,
        "eu_state_realised": float, "public_realised": float, "total_realised": float, "eu_realised": float,
        "field_of_intervention": str, "location": str, "site_postal_code": str, "site_post_office": str,
        "beneficiary_postal_code": str, "beneficiary_post_office": str, "form_of_support": str,
        "territorial_delivery": str, "economic_activity": str, "secondary_theme": str, "gender_equality": str,
        "baltic_sea_strategy": str, "summary": str, "description_url": str, "website": str,
        "extra": str, "source": str, "row": int, "flag": str, "raw": str,
    },
    pk="code",
    indexes=("fund", "managing_authority", "status", "priority_axis", "implementer_business_id", "source"),
)

#: Every project the archive knows (a description, an official list, the EURA 2021 export): one
#: row per code, each value from the best source, with a place (see parser.archive.project_index).
PROJECT_INDEX = TableSchema(
    "project_index",
    dict(INDEX_COLUMNS),
    pk="code",
    indexes=("period", "fund", "authority", "status", "region", "region_kind", "region_source", "implementer_key",
             "implementer_business_id", "values_from", "start_date"),
)

#: Every organisation that implements a project: by business ID where one is known, else by its
#: normalised name (``key`` ``nimi:<name>``), with totals of its projects.
ORGANISATION_INDEX = TableSchema(
    "organisation_index",
    {"key": str, "business_id": str, "name": str, "projects": int, "described_projects": int, "listed_projects": int,
     "eu_state_granted": float, "eu_state_realised": float, "public_planned": float, "public_realised": float},
    pk="key",
    indexes=("business_id", "name"),
)

#: Which organisation implements (or co-implements) which project, and how that was known.
ORGANISATION_PROJECTS = TableSchema(
    "organisation_projects",
    {"organisation_key": str, "project_code": str, "role": str, "matched_by": str},
    pk=("organisation_key", "project_code", "role"),
    indexes=("project_code", "organisation_key"),
)

#: Every request ``esr fetch`` made, as its log has it (failures too).
FETCH_LOG = TableSchema(
    "fetch_log",
    {
        "position": int, "time": str, "kind": str, "period": str, "code": str, "url": str, "outcome": str,
        "status": int, "content_type": str, "etag": str, "last_modified": str, "sha256": str, "bytes": int,
        "content_sha256": str, "file": str, "attempts": int, "error": str,
    },
    pk="position",
    indexes=("code", "outcome", "kind", "file"),
)

#: What each description says of its project's figures, one row per document (every version
#: of a harvested page, whether or not it is the one ``projects`` holds).
DESCRIPTION_VALUES = TableSchema(
    "description_values",
    {
        "document_id": str, "code": str, "name": str, "status": str, "start_date": str, "end_date": str,
        "eu_state_granted": int, "eu_state_realised": int, "public_planned": int, "public_realised": int,
    },
    pk="document_id",
    foreign_keys=(("document_id", "documents", "id"),),
    indexes=("code",),
)

#: One row per fetched version of a project page.
DOCUMENT_VERSIONS = TableSchema(
    "document_versions",
    {
        "document_id": str, "code": str, "period": str, "fetched_at": str, "url": str, "sha256": str,
        "http_status": int, "content_type": str, "etag": str, "last_modified": str, "current": int,
        "name": str, "status": str, "start_date": str, "end_date": str,
        "eu_state_granted": int, "eu_state_realised": int, "public_planned": int, "public_realised": int,
    },
    pk="document_id",
    foreign_keys=(("document_id", "documents", "id"),),
    indexes=("code", "fetched_at"),
)

MUNICIPALITIES = TableSchema(
    "municipalities",
    {
        "year": int, "municipality_code": str, "municipality_fi": str, "municipality_sv": str, "subregion_code": str,
        "subregion_fi": str, "subregion_sv": str, "region_code": str, "region_fi": str, "region_sv": str,
        "ely_code": str, "ely_fi": str,
    },
    pk=("year", "municipality_code"),
    indexes=("municipality_code", "municipality_fi", "subregion_code", "region_code"),
)

BUILD_INFO = TableSchema("build_info", {"key": str, "value": str}, pk="key")

#: In creation order: a table comes after the tables its foreign keys name, where it can.
TABLES = (
    DOCUMENTS, ORGANISATIONS, PROJECTS, CO_IMPLEMENTERS, PROJECT_AREAS, INDICATORS, HORIZONTAL_RATINGS,
    SUSTAINABILITY_SCORES, EXTRA_FIELDS, PARSE_WARNINGS, DESCRIPTION_VALUES, PROJECT_LIST, PROJECT_LIST_HISTORY,
    EURA2021_PROJECTS, FETCH_LOG, DOCUMENT_VERSIONS, PROJECT_INDEX, ORGANISATION_INDEX, ORGANISATION_PROJECTS,
    MUNICIPALITIES, BUILD_INFO,
)
PROJECT_CHILD_TABLES = (CO_IMPLEMENTERS, PROJECT_AREAS, INDICATORS, HORIZONTAL_RATINGS, SUSTAINABILITY_SCORES, EXTRA_FIELDS)

# Full-text search (project_index_fts, documents_fts and the Finnish vocabulary) is declared and
# built by parser.search, which owns the tokenizer the queries depend on.

#: The figures of a project as each source saw them, when: the official lists (current and
#: older rows) and every fetched version of its description.
_OBSERVATIONS = """
select code, 'list' as kind, source_list as source, list_date as observed_on, status, start_date, end_date,
  eu_state_granted, eu_state_realised, public_planned, public_realised from project_list
union all
select code, 'list', source_list, list_date, status, start_date, end_date,
  eu_state_granted, eu_state_realised, public_planned, public_realised from project_list_history
union all
select code, 'description', document_id, fetched_at, status, start_date, end_date,
  eu_state_granted, eu_state_realised, public_planned, public_realised from document_versions
"""

_CHANGED_FIELDS = ("status", "start_date", "end_date", "eu_state_granted", "eu_state_realised", "public_planned", "public_realised")

VIEWS = {
    "project_observations": _OBSERVATIONS,
    # Per project and kind of source (lists, descriptions), each value that changed from one
    # observation to the next: how the official figures moved.
    "project_changes": """
with ordered as (
  select *,
    lag(source) over w as previous_source, lag(observed_on) over w as previous_observed_on,
    """ + ", ".join(f"lag({name}) over w as previous_{name}" for name in _CHANGED_FIELDS) + """
  from project_observations
  window w as (partition by code, kind order by observed_on, source)
)
""" + "\nunion all\n".join(
        f"select code, kind, '{name}' as field, previous_source as from_source, previous_observed_on as from_date, "
        f"source as to_source, observed_on as to_date, previous_{name} as old_value, {name} as new_value "
        f"from ordered where previous_source is not null and previous_{name} is not {name}"
        for name in _CHANGED_FIELDS
    ),
    "funding_realisation": """
select
  p.code, p.name, p.period, p.fund, p.managing_authority, p.implementer_name, p.implementer_business_id,
  p.start_date, p.end_date, p.status,
  p.eu_state_granted, p.eu_state_realised, p.public_planned, p.public_realised,
  round(1.0 * p.eu_state_realised / nullif(p.eu_state_granted, 0), 4) as eu_state_realisation_rate,
  round(1.0 * p.public_realised / nullif(p.public_planned, 0), 4) as public_realisation_rate
from projects p
""",
    # One row per differing value: a project's description against the official list. The
    # unary + keeps the first select's columns free of a text affinity, so amounts stay numbers.
    "discrepancies": """
with pairs as (
  select p.code, p.period, 'name' as field, +p.name as description_value, +l.name as list_value from projects p join project_list l on l.code = p.code
  union all select p.code, p.period, 'implementer_name', p.implementer_name, l.implementer_name from projects p join project_list l on l.code = p.code
  union all select p.code, p.period, 'managing_authority', p.managing_authority, l.managing_authority from projects p join project_list l on l.code = p.code
  union all select p.code, p.period, 'status', p.status, l.status from projects p join project_list l on l.code = p.code
  union all select p.code, p.period, 'start_date', p.start_date, l.start_date from projects p join project_list l on l.code = p.code
  union all select p.code, p.period, 'end_date', p.end_date, l.end_date from projects p join project_list l on l.code = p.code
  union all select p.code, p.period, 'fund', p.fund, l.fund from projects p join project_list l on l.code = p.code
  union all select p.code, p.period, 'priority_axis_number', p.priority_axis_number, l.priority_axis_number from projects p join project_list l on l.code = p.code
  union all select p.code, p.period, 'eu_state_granted', p.eu_state_granted, l.eu_state_granted from projects p join project_list l on l.code = p.code
  union all select p.code, p.period, 'eu_state_realised', p.eu_state_realised, l.eu_state_realised from projects p join project_list l on l.code = p.code
  union all select p.code, p.period, 'public_planned', p.public_planned, l.public_planned from projects p join project_list l on l.code = p.code
  union all select p.code, p.period, 'public_realised', p.public_realised, l.public_realised from projects p join project_list l on l.code = p.code
)
select
  pairs.code as project_code, pairs.period, pairs.field, pairs.description_value, pairs.list_value,
  l.source_list, l.list_date
from pairs join project_list l on l.code = pairs.code
where
  (pairs.description_value is null) != (pairs.list_value is null)
  or (
    pairs.description_value is not null and pairs.list_value is not null
    and case
      when typeof(pairs.description_value) in ('integer', 'real') or typeof(pairs.list_value) in ('integer', 'real')
        then abs(pairs.description_value - pairs.list_value) >= 0.5
      else lower(trim(pairs.description_value)) != lower(trim(pairs.list_value))
    end
  )
""",
}


def create_schema(db: sqlite_utils.Database) -> None:
    """Create every table (empty), its indexes and the views.

    The full-text indexes come after the load (:func:`parser.search.create_search_index`): one
    pass over the rows costs far less than a trigger per inserted row.
    """
    for table in TABLES:
        db[table.name].create(table.columns, pk=table.pk, foreign_keys=list(table.foreign_keys) or None, not_null=table.not_null or None)
        for columns in table.indexes:
            db[table.name].create_index([columns] if isinstance(columns, str) else list(columns))
    for name, sql in VIEWS.items():
        db.create_view(name, sql.strip(), replace=True)


def insert_rows(db: sqlite_utils.Database, table: TableSchema, rows: list[dict]) -> None:
    """Insert rows in the table's column order with one ``executemany``.

    sqlite-utils' ``insert_all`` inspects every value of every row; our rows already have the
    table's columns, so plain parameters are several times faster on a large build.
    """
    columns = list(table.columns)
    sql = f"insert into [{table.name}] ({', '.join(f'[{c}]' for c in columns)}) values ({', '.join('?' * len(columns))})"
    db.conn.executemany(sql, [tuple(row.get(column) for column in columns) for row in rows])
