"""Load the data that is not documents into the archive: the official lists, the municipality
key, the EURA 2021 exports and the fetch log.

Reading and repairing each source is :mod:`parser.reference`'s job; here every official list
(the CSV exports shipped in ``reference/``, the list pages ``esr fetch`` kept, the EURA 2021
exports ``esr import`` kept) becomes rows, and per project code the row of the newest list is
``project_list`` and every older one ``project_list_history``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from collections.abc import Iterable, Iterator
from typing import Any

import sqlite_utils

from ..corpus import (
    LIST_PERIODS, MUNICIPALITY_KEY, PROJECT_LIST_2007, eura2021_imports, fetch_log_path, list_pages, reference_files,
)
from ..harvest.log import read_log
from ..reference.list_pages import ListPageError, read_list_page
from ..reference.authorities import normalise_authority
from ..reference.places import municipality_key
from ..reference.project_lists import iter_project_list_records
from . import schema



@dataclass(frozen=True)
class ListSource:
    """One official list: its id (file name or path in the corpus), period, date and kind."""

    id: str
    period: str
    list_date: str | None
    kind: str  # "csv", "page" or "eura2021"
    path: Path


def data_files(corpus: Path) -> dict[str, Path]:
    """Every file of the corpus that the archive loads and that is not a document, by id."""
    files = {name: path for name, path in reference_files(corpus).items()}
    files.update({id: path for id, (_, _, path) in list_pages(corpus).items()})
    files.update({id: path for id, (_, path) in eura2021_imports(corpus).items()})
    log = fetch_log_path(corpus)
    if log.is_file():
        files[fetch_log_id(corpus)] = log
    return files


def fetch_log_id(corpus: Path) -> str:
    """The fetch log's id among :func:`data_files`: its path in the corpus."""
    return fetch_log_path(corpus).relative_to(corpus).as_posix()


def list_sources(corpus: Path) -> list[ListSource]:
    """The official lists of the corpus, oldest first (an undated list counts as the oldest)."""
    sources = []
    for name, path in reference_files(corpus).items():
        if name in LIST_PERIODS:
            layout_date = "2015-12-31" if name == PROJECT_LIST_2007 else None
            sources.append(ListSource(name, LIST_PERIODS[name], layout_date, "csv", path))
    for id, (period, moment, path) in list_pages(corpus).items():
        sources.append(ListSource(id, period, moment.date().isoformat(), "page", path))
    for id, (moment, path) in eura2021_imports(corpus).items():
        sources.append(ListSource(id, "2021-2027", moment.date().isoformat(), "eura2021", path))
    return sorted(sources, key=lambda source: (source.list_date or "", source.id))


def _list_rows(source: ListSource, notes: list[str]) -> tuple[Iterable[dict[str, Any]], list[dict[str, Any]]]:
    """The list rows of a source, and (for a EURA 2021 export) its full rows."""
    if source.kind == "csv":
        # One row at a time: the list is never held whole as dicts.
        def rows() -> Iterator[dict[str, Any]]:
            for row in iter_project_list_records(source.path):
                row["period"] = source.period
                yield row

        return rows(), []
    if source.kind == "page":
        try:
            page = read_list_page(source.path.read_bytes(), source.id, list_date=source.list_date)
        except ListPageError as error:
            notes.append(f"{source.id}: not loaded: {error}")
            return [], []
        return [{**row.model_dump(mode="json"), "period": source.period} for row in page.rows], []
    from ..reference.eura2021 import comparable_funding, read_eura2021

    export = read_eura2021(source.path)
    full, rows = [], []
    for row in export.rows:
        record = row.model_dump(mode="json")
        record["extra"] = json.dumps(record["extra"], ensure_ascii=False, sort_keys=True) if record.get("extra") else None
        record["raw"] = json.dumps(record["raw"], ensure_ascii=False, sort_keys=True) if record.get("raw") else None
        record["source"] = source.id
        full.append(record)
        rows.append({
            "code": row.code, "period": source.period, "fund": row.fund, "name": row.name, "programme_section": None,
            "priority_axis_number": row.priority_axis, "managing_authority": row.managing_authority, "status": row.status,
            "start_date": record["start_date"], "end_date": record["end_date"], "implementer_name": row.implementer_name,
            **comparable_funding(row), "source_list": source.id, "list_date": source.list_date, "line": row.row,
            "repair": None, "flag": row.flag, "raw": record["raw"],
        })
    return rows, full


def load_project_lists(db: sqlite_utils.Database, corpus: Path) -> dict[str, int]:
    """Replace ``project_list``, ``project_list_history`` and ``eura2021_projects`` with the
    rows of every official list of the corpus. Returns counts for the build's report."""
    for table in ("project_list", "project_list_history", "eura2021_projects"):
        db.execute(f"delete from [{table}]")
    # Each row is kept as the tuple it is inserted as (both tables have the list's columns):
    # a tenth of the memory of its dict.
    columns = tuple(schema.PROJECT_LIST.columns)
    assert tuple(schema.PROJECT_LIST_HISTORY.columns) == columns
    current: dict[str, tuple[Any, ...]] = {}
    history: list[tuple[Any, ...]] = []
    eura: dict[str, dict[str, Any]] = {}
    counts = {"rows": 0, "flagged": 0, "lists": 0}
    notes: list[str] = []
    for source in list_sources(corpus):
        rows, full = _list_rows(source, notes)
        counts["lists"] += 1
        for row in rows:
            row["authority"] = normalise_authority(row.get("managing_authority"))
            counts["rows"] += 1
            if row.get("flag"):
                counts["flagged"] += 1
            code = row.get("code") or f"(line {row['line']} of {source.id})"
            if code in current:
                history.append(current[code])
            current[code] = tuple(row.get(column) for column in columns)
        for record in full:
            eura[record["code"]] = record
    _insert_tuples(db, schema.PROJECT_LIST, list(current.values()))
    _insert_tuples(db, schema.PROJECT_LIST_HISTORY, history)
    schema.insert_rows(db, schema.EURA2021_PROJECTS, list(eura.values()))
    counts["current"] = len(current)
    counts["history"] = len(history)
    counts["notes"] = notes  # type: ignore[assignment]
    return counts


#: The tables of the lists whose rows make a project's index row, and the temporary copies
#: :func:`keep_list_rows` makes of them.
_KEPT_LISTS = {"project_list": "_kept_project_list", "eura2021_projects": "_kept_eura2021_projects"}


def keep_list_rows(db: sqlite_utils.Database) -> None:
    """Copy the rows of ``project_list`` (with their rowids, which a project without a
    description has in the project index) and ``eura2021_projects`` aside, before the lists
    are loaded again, so that :func:`changed_list_codes` can tell which codes the reload
    changed (copied and compared by SQLite: 0.06 and 0.3–0.5 s for the 22,821 rows of the lists
    on a slow machine; read into Python, 0.2 s and more each time)."""
    for table, kept in _KEPT_LISTS.items():
        db.execute(f"drop table if exists temp.[{kept}]")
        db.execute(f"create temp table [{kept}] as select rowid as kept_rowid, * from main.[{table}]")


def changed_list_codes(db: sqlite_utils.Database) -> set[str]:
    """The codes whose row of ``project_list`` or ``eura2021_projects`` (or its rowid) came,
    changed or went since :func:`keep_list_rows`; the copies are dropped."""
    codes: set[str] = set()
    for table, kept in _KEPT_LISTS.items():
        now = f"select rowid, * from main.[{table}]"
        before = f"select * from temp.[{kept}]"
        for first, second in ((now, before), (before, now)):  # the rows that came, those that went
            codes |= {code for (code,) in db.execute(f"select code from ({first} except {second}) where code is not null")}
        db.execute(f"drop table temp.[{kept}]")
    return codes


def _insert_tuples(db: sqlite_utils.Database, table: schema.TableSchema, rows: list[tuple[Any, ...]]) -> None:
    """:func:`parser.archive.schema.insert_rows` for rows already in the table's column order."""
    columns = list(table.columns)
    sql = f"insert into [{table.name}] ({', '.join(f'[{c}]' for c in columns)}) values ({', '.join('?' * len(columns))})"
    db.conn.executemany(sql, rows)


def load_municipalities(db: sqlite_utils.Database, corpus: Path) -> bool:
    """Replace ``municipalities`` with the municipality key; ``False`` when the corpus has none."""
    db.execute("delete from municipalities")
    references = reference_files(corpus)
    if MUNICIPALITY_KEY not in references:
        return False
    rows = [row.model_dump(mode="json") for row in municipality_key(references[MUNICIPALITY_KEY])]
    schema.insert_rows(db, schema.MUNICIPALITIES, rows)
    return True


def load_fetch_log(db: sqlite_utils.Database, corpus: Path) -> int:
    """Replace ``fetch_log`` with the corpus's fetch log, one row per request."""
    db.execute("delete from fetch_log")
    rows = [{"position": position, **asdict(entry)} for position, entry in enumerate(read_log(fetch_log_path(corpus)), 1)]
    schema.insert_rows(db, schema.FETCH_LOG, rows)
    return len(rows)


_VERSIONS_SQL = """
insert into document_versions
select l.file, l.code, l.period, l.time, l.url, l.sha256, l.status, l.content_type, l.etag, l.last_modified,
  exists(select 1 from projects p where p.document_id = l.file),
  v.name, v.status, v.start_date, v.end_date, v.eu_state_granted, v.eu_state_realised, v.public_planned, v.public_realised
from fetch_log l
join documents d on d.id = l.file
left join description_values v on v.document_id = l.file
where l.kind = 'page' and l.position = (select max(position) from fetch_log o where o.file = l.file)
"""


def rebuild_document_versions(db: sqlite_utils.Database) -> None:
    """One row per fetched version of a project page that the archive holds as a document."""
    db.execute("delete from document_versions")
    db.execute(_VERSIONS_SQL)
