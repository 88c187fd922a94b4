"""The archive's front door at ``/`` (``templates/index.html``): what the page lists, in one place.

``extra_template_vars`` gives the index template one variable, ``front_door``: the archive's
database, its row counts, the ready answers (the sortable answers of plugins/answers.py,
``/esr/vastaukset``, and the canned queries of metadata.yml, with their Finnish and English
titles), the tables grouped for a reader (projects, the official lists,
reference data, technical tables: every described table of metadata.yml is in one group, those
this file does not name in the last), the spreadsheet downloads (plugins/downloads.py) and
whether the whole database may be downloaded (``/esr.db``: Datasette's ``allow_download`` on an
immutable file database).
"""

from __future__ import annotations

from typing import Any

from datasette import hookimpl

#: The database the front door is for: the archive (any other is listed under its name only).
ARCHIVE = "esr"
#: Tables for a reader, by group: (group id, Finnish, English, tables and views in order).
GROUPS = (
    ("hankkeet", "Hankkeet", "Projects", (
        "project_index", "projects", "eura2021_projects", "funding_realisation", "organisation_index",
    )),
    ("listat", "Viralliset hankelistat", "The official project lists", (
        "project_list", "project_list_history", "project_observations", "project_changes", "discrepancies",
    )),
    ("viitetiedot", "Viitetiedot ja hankkeiden osat", "Reference data and the parts of projects", (
        "municipalities", "organisations", "organisation_projects", "project_areas", "co_implementers",
        "indicators", "horizontal_ratings", "sustainability_scores", "extra_fields",
    )),
    ("tekniset", "Tekniset taulut", "Technical tables", (
        "documents", "parse_warnings", "fetch_log", "document_versions", "description_values", "build_info",
    )),
)  # fmt: skip
#: What a reader is told of the first tables (Finnish, English), beside their titles.
NOTES = {
    "project_index": ("jokainen tunnettu hanke, kaikista lähteistä", "every known project, from every source"),
    "projects": ("hankkeet, joista arkistossa on kuvaus", "the projects the archive has a description of"),
    "project_list": ("tietopalvelun viralliset listat", "the service's official lists"),
    "organisation_index": ("jokainen toteuttaja", "every implementer"),
}
#: The tables whose spreadsheets the front door offers (each table page offers its own).
DOWNLOADS = ("project_index", "projects", "project_list", "organisation_index", "funding_realisation")


def _answers() -> tuple:
    """The sortable answers of plugins/answers.py (``/esr/vastaukset/<slug>``), if the archive has them."""
    try:
        from parser.publish.answers import ANSWERS
    except ImportError:
        return ()
    return ANSWERS


def _split(title: str) -> tuple[str, str]:
    """``Hankkeet — projects`` → (``Hankkeet``, ``projects``)."""
    finnish, _, english = str(title).partition(" — ")
    return finnish.strip(), english.strip()


async def front_door(datasette) -> dict[str, Any]:
    """Everything the front door shows."""
    names = list(datasette.databases)
    database = ARCHIVE if ARCHIVE in names else next((n for n in names if n != "_internal"), None)
    result: dict[str, Any] = {"database": database, "groups": [], "queries": [], "downloads": [], "counts": {}}
    if database is None:
        return result
    db = datasette.get_database(database)
    present = set(await db.table_names()) | set(await db.view_names())
    try:
        counts = await db.table_counts(limit=10_000)
    except Exception:  # noqa: BLE001 - a count that cannot be had is shown as no count
        counts = {}
    result["counts"] = {name: value for name, value in counts.items() if value is not None}
    described = ((datasette.metadata("databases") or {}).get(database) or {})
    tables = described.get("tables") or {}

    def entry(name: str) -> dict[str, Any]:
        title_fi, title_en = _split((tables.get(name) or {}).get("title") or name)
        note = NOTES.get(name, ("", ""))
        return {
            "name": name, "url": datasette.urls.table(database, name), "title_fi": title_fi, "title_en": title_en,
            "count": result["counts"].get(name), "note_fi": note[0], "note_en": note[1],
        }

    placed: set[str] = set()
    for key, finnish, english, members in GROUPS:
        shown = [entry(name) for name in members if name in present]
        placed.update(members)
        result["groups"].append({"id": key, "fi": finnish, "en": english, "tables": shown})
    others = [entry(name) for name, meta in tables.items() if name in present and name not in placed and not (meta or {}).get("hidden")]
    if others:
        result["groups"][-1]["tables"].extend(others)
    for name, query in (described.get("queries") or {}).items():
        title_fi, title_en = _split(query.get("title") or name)
        result["queries"].append({
            "name": name, "url": datasette.urls.query(database, name), "title_fi": title_fi, "title_en": title_en,
            "params": bool(query.get("params")),
        })
    result["answers"] = [
        {"url": f"{datasette.urls.database(database)}/vastaukset/{answer.slug}", "title_fi": answer.title_fi, "title_en": answer.title_en}
        for answer in _answers()
    ]
    result["answers_url"] = f"{datasette.urls.database(database)}/vastaukset" if result["answers"] else None
    for name in DOWNLOADS:
        if name in present:
            item = entry(name)
            item["xlsx"] = datasette.urls.path(f"/-/xlsx/{database}/{name}")
            item["excel_csv"] = datasette.urls.path(f"/-/excel-csv/{database}/{name}")
            result["downloads"].append(item)
    result["allow_download"] = bool(datasette.setting("allow_download")) and not db.is_mutable and not db.is_memory
    result["db_url"] = datasette.urls.database(database) + ".db"
    result["db_size"] = db.size if result["allow_download"] else None
    return result


@hookimpl
def extra_template_vars(template, datasette):
    """``front_door`` for the index page only."""
    if template != "index.html":
        return {}

    async def inner():
        return {"front_door": await front_door(datasette)}

    return inner
