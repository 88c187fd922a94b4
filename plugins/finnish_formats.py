"""Numbers, dates and codes as a Finnish reader writes them, in every HTML table of the archive.

Datasette 0.65.5 calls the ``render_cell`` hook for every cell of a table, view, row and query
page (HTML only: ``.json``, ``.csv`` and the downloads keep the machine values). This plugin
writes, by the column's name (one table: ``CELL_FORMATS`` in parser/publish/labels.py):

* amounts of euros as ``1 234 567 €`` (no-break spaces, as ``labels.euros``; cents when the value
  has any), rates as ``96,1 %``, counts as ``1 234``, ISO dates as ``1.7.2009`` (the ISO value in
  the tooltip), ISO moments as ``1.11.2026 klo 8.05 UTC``; any other decimal number with a
  decimal comma. Each is a ``<span class="esr-num …">`` that base.html aligns right;
* a project's code (``code``, ``project_code``) as a link to the project's page
  ``/esr/projects/<code>``, a business ID (``business_id``, ``implementer_business_id``) as a link
  to the organisation's page ``/esr/organisations/<business ID>``.

A value that is not of its column's kind (text in an amount column, a date that is not ISO, a
foreign key Datasette already links with its label) is left to Datasette. Every value is escaped.

It also gives the templates what the Finnish pages need (``prepare_jinja2_environment``): the
Finnish title of a column, table or query, a Finnish description of a table page's filters
and sort, the Finnish words of Datasette's filter operators, and numbers with Finnish digit
grouping (the filter ``esr_number``).
"""

from __future__ import annotations

import re
from typing import Any

from datasette import hookimpl
from datasette.utils import tilde_encode
from markupsafe import Markup, escape

from parser.publish.downloads import column_title
from parser.publish.labels import (
    BUSINESS_ID_COLUMNS,
    FIELD_VALUE_COLUMNS,
    FIGURES,
    NOT_PROJECT_CODE_TABLES,
    PROJECT_CODE_COLUMNS,
    QUERY_COLUMN_TITLES,
    TEXTS,
    cell_format,
    cell_text,
    count,
    is_business_id,
    is_project_code,
)

#: The table whose rows are the projects themselves: its key already links to the project page.
PROJECTS_TABLE = "projects"

#: Finnish headers where the metadata's description does not give a good short one (the same
#: label for two columns, a value where the label should be), by column, then by table.column.
COLUMN_TITLES: dict[str, str] = {
    **{column: finnish for column, finnish, _ in FIGURES},
    **{column: finnish for column, finnish, _ in TEXTS},
    "fund": "Rahasto",
    "start_date": "Alkamispäivä",
    "end_date": "Päättymispäivä",
    "priority_axis_number": "Toimintalinja",
    "priority_axis": "Toimintalinja",
    "priority_axis_name": "Toimintalinjan nimi",
    "specific_objective_number": "Erityistavoite",
    "specific_objective": "Erityistavoite",
    "specific_objective_name": "Erityistavoitteen nimi",
    "indicator": "Indikaattori",
    "kind": "Laji",
    "role": "Rooli",
    "matched_by": "Miten yhdistetty",
    "outcome": "Tulos",
    "region_kind": "Alueen laji",
    "current": "Nykyinen versio",
    "implementer_projects": "Hankkeita toteuttajana",
    "co_implementer_projects": "Hankkeita osatoteuttajana",
    "area_site_street_address": "Toteutuspaikan osoite",
    "area_site_postal_code": "Toteutuspaikan postinumero",
    "area_site_post_office": "Toteutuspaikan postitoimipaikka",
    "contact_email": "Yhteyshenkilön sähköposti",
    "contact_phone": "Yhteyshenkilön puhelin",
    "content_sha256": "Kuvauksen tekstin SHA-256",
    "list_date": "Listan päivämäärä",
}
TABLE_COLUMN_TITLES: dict[tuple[str, str], str] = {
    ("co_implementers", "name"): "Osatoteuttajan nimi",
    ("co_implementers", "type"): "Organisaatiotyyppi",
    ("co_implementers", "business_id"): "Y-tunnus",
    ("organisation_index", "key"): "Tunnus (Y-tunnus tai nimi)",
    ("eura2021_projects", "flag"): "Epävarmat arvot",
    # Canned queries (query.html passes the query's name as the table).
    ("warnings_by_kind", "code"): "Varoituksen tunnus",
    ("organisation_projects", "name"): "Hankkeen nimi",
}
#: What a canned query's parameter asks for, by (query, parameter); else its column's title.
PARAMETER_TITLES: dict[tuple[str, str], str] = {
    ("organisation_projects", "q"): "Y-tunnus tai nimen osa",
    ("municipality_projects", "municipality"): "Kunnan nimi tai koodi",
    ("description_list_discrepancies", "field"): "Tieto (sarakkeen nimi)",
    ("haku", "q"): "Hakusanat",
}
#: A title the metadata gives that is no title: a code-like word or a value's explanation.
_NOT_A_TITLE = re.compile(r"^[a-z0-9_]+$| = ")

#: Datasette's filter operators (``filters.lookups()``) in Finnish, by key.
LOOKUPS_FI = {
    "exact": "=", "not": "≠", "contains": "sisältää", "endswith": "päättyy", "startswith": "alkaa",
    "gt": ">", "gte": "≥", "lt": "<", "lte": "≤", "like": "like", "notlike": "not like", "glob": "glob",
    "in": "on jokin näistä", "notin": "ei ole mikään näistä", "arraycontains": "lista sisältää",
    "arraynotcontains": "lista ei sisällä", "date": "päivä on", "isnull": "puuttuu (null)",
    "notnull": "ei puutu (not null)", "isblank": "on tyhjä", "notblank": "ei ole tyhjä",
}  # fmt: skip


def _row_value(row: Any, key: str) -> Any:
    """``row[key]``, or ``None`` when the row has no such column (a query's row, a custom row)."""
    try:
        return row[key]
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def _span(kind: str, text: str, title: str | None = None) -> Markup:
    tooltip = f' title="{escape(title)}"' if title else ""
    return Markup(f'<span class="esr-num esr-{kind}"{tooltip}>{escape(text)}</span>')


def render_value(value: Any, column: str, table: str | None, database: str, urls, row: Any = None) -> Markup | None:
    """The HTML of one cell, or ``None`` to leave it to Datasette (``urls``: ``datasette.urls``)."""
    if value is None or isinstance(value, (dict, bytes)):
        return None  # empty, an expanded foreign key (Datasette links it with its label), a blob
    if column in PROJECT_CODE_COLUMNS and table not in NOT_PROJECT_CODE_TABLES and is_project_code(value):
        href = f"{urls.database(database)}/projects/{tilde_encode(value)}"
        return Markup(f'<a class="esr-project-link" href="{escape(href)}">{escape(value)}</a>')
    if column in BUSINESS_ID_COLUMNS and is_business_id(value):
        href = f"{urls.database(database)}/organisations/{tilde_encode(value)}"
        return Markup(f'<a class="esr-organisation-link" href="{escape(href)}">{escape(value)}</a>')
    kind = cell_format(column, table)
    if kind is None and column in FIELD_VALUE_COLUMNS:
        field = _row_value(row, "field")
        kind = cell_format(field, table) if isinstance(field, str) else None
    text = cell_text(kind, value)
    if text is None:
        return None
    kind = kind or "number"
    return _span(kind, text, value if kind in ("date", "moment") else None)


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """Finnish numbers, dates and links in the HTML tables (see the module's description)."""
    return render_value(value, column, table, database, datasette.urls, row)


# ------------------------------------------------------------------------------- for the templates


def _columns_of(metadata: dict[str, Any], database: str, table: str | None) -> dict[str, str]:
    tables = ((metadata.get("databases") or {}).get(database) or {}).get("tables") or {}
    return (tables.get(table) or {}).get("columns") or {} if table else {}


def finnish_column_title(metadata: dict[str, Any], database: str, table: str | None, column: str) -> str | None:
    """A column's short Finnish title (``Myönnetty EU- ja valtion rahoitus``), or ``None``: the
    label table above, else the label the table's metadata quotes (as the Excel downloads' headers,
    ``parser.publish.downloads.column_title``), else (a query's column) the title of a query's
    column, else that of a column of that name in any table."""
    if (table, column) in TABLE_COLUMN_TITLES:
        return TABLE_COLUMN_TITLES[(table, column)]
    if column in COLUMN_TITLES:
        return COLUMN_TITLES[column]

    def from_description(description: Any) -> str | None:
        if not isinstance(description, str):
            return None
        title = column_title(column, description)
        return None if title == column or _NOT_A_TITLE.search(title) else title

    own = from_description(_columns_of(metadata, database, table).get(column))
    if own:
        return own
    if column in QUERY_COLUMN_TITLES:
        return QUERY_COLUMN_TITLES[column][0]
    tables = ((metadata.get("databases") or {}).get(database) or {}).get("tables") or {}
    for other in tables.values():
        found = from_description((other.get("columns") or {}).get(column))
        if found:
            return found
    return None


def finnish_part(title: Any) -> str:
    """The Finnish part of a bilingual title (``Hankkeet — projects`` → ``Hankkeet``)."""
    text = str(title or "")
    for separator in (" — ", " – ", " / "):
        if separator in text:
            return text.split(separator, 1)[0].strip()
    return text


def english_part(title: Any) -> str:
    """The English part of a bilingual title, or empty."""
    text = str(title or "")
    for separator in (" — ", " – ", " / "):
        if separator in text:
            return text.split(separator, 1)[1].strip()
    return ""


def number(value: Any) -> str:
    """A count with Finnish digit grouping (``22821`` → ``22 821``), for the templates' counts."""
    if value is None or value == "":
        return ""
    try:
        return count(value)
    except (TypeError, ValueError):
        return str(value)


def describe_fi(metadata: dict[str, Any], database: str, table: str, filters: Any, args: Any) -> str:
    """The Finnish of Datasette's ``human_description_en`` of a table page, to follow the count
    of rows: the search (``haulla ”nuoret”``), the filters (``joilla Rahasto = ”ESR” ja …``), the
    extra where clauses and the order (``järjestys: Alkamispäivä, laskeva``), columns named by
    their Finnish titles. Empty when the page shows every row in the default order."""

    def title(column: str) -> str:
        return finnish_column_title(metadata, database, table, column) or column

    def joined(parts: list[str]) -> str:
        return ", ".join(parts[:-1]) + " ja " + parts[-1] if len(parts) > 1 else parts[0]

    searches = []
    search = args.get("_search") if args else None
    if search:
        searches.append(f"haulla ”{search}”")
    for key in list(args or []):
        if key.startswith("_search_") and args.get(key):
            searches.append(f"haulla ”{args.get(key)}” sarakkeesta {title(key[len('_search_'):])}")
    conditions = []
    if filters is not None:
        for column, lookup, value in filters.selections():
            operator = LOOKUPS_FI.get(lookup, lookup)
            if lookup in ("isnull", "notnull", "isblank", "notblank"):
                conditions.append(f"{title(column)} {operator}")
            else:
                conditions.append(f"{title(column)} {operator} ”{value}”")
    wheres = args.getlist("_where") if args and hasattr(args, "getlist") else []
    if wheres:
        conditions.append(f"{len(wheres)} SQL-ehtoa" if len(wheres) != 1 else "SQL-ehto")
    text = " ja ".join(searches)
    if conditions:
        text = (text + ", " if text else "") + "joilla " + joined(conditions)
    sort, sort_desc = (args.get("_sort"), args.get("_sort_desc")) if args else (None, None)
    if sort or sort_desc:
        order = f"järjestys: {title(sort or sort_desc)}" + (", laskeva" if sort_desc else "")
        text = (text + "; " if text else "") + order
    return text


def after_count(description: str) -> str:
    """``description`` (of :func:`describe_fi`) as it follows ``22 riviä``: a search directly,
    anything else after a comma."""
    if not description:
        return ""
    return (" " if description.startswith("haulla") else ", ") + description


def table_title(metadata: dict[str, Any], database: str, table: str | None) -> str | None:
    """A table's, view's or canned query's title in metadata.yml (``Hankkeet — projects``); with
    no table, the database's."""
    described = (metadata.get("databases") or {}).get(database) or {}
    if table is None:
        return str(described["title"]) if described.get("title") else None
    for kind in ("tables", "queries"):
        found = (described.get(kind) or {}).get(table or "")
        if isinstance(found, dict) and found.get("title"):
            return str(found["title"])
    return None


def project_url(urls, database: str, table: str | None, column: str, value: Any) -> str | None:
    """The project page of a table's key (the link Datasette makes goes to the row's own page):
    for the tables whose key is a project's code, other than ``projects`` itself."""
    if table == PROJECTS_TABLE or column not in PROJECT_CODE_COLUMNS or table in NOT_PROJECT_CODE_TABLES:
        return None
    if not is_project_code(value):
        return None
    return f"{urls.database(database)}/projects/{tilde_encode(value)}"


@hookimpl
def prepare_jinja2_environment(env, datasette):
    """The Finnish pages' helpers (see the module's description)."""

    def metadata() -> dict[str, Any]:
        return datasette.metadata() or {}

    env.filters["esr_number"] = number
    env.filters["esr_fi"] = finnish_part
    env.filters["esr_en"] = english_part
    env.filters["esr_after_count"] = after_count
    env.globals["esr_column_title"] = lambda database, table, column: finnish_column_title(metadata(), database, table, column)
    env.globals["esr_describe_fi"] = lambda database, table, filters, args: describe_fi(metadata(), database, table, filters, args)
    env.globals["esr_project_url"] = lambda database, table, column, value: project_url(datasette.urls, database, table, column, value)
    env.globals["esr_lookups_fi"] = LOOKUPS_FI
    env.globals["esr_parameter_title"] = lambda database, query, name: PARAMETER_TITLES.get((query, name)) or finnish_column_title(metadata(), database, query, name)
    env.globals["esr_table_title"] = lambda database, table: table_title(metadata(), database, table)
