"""Build the SQLite archive from a corpus folder: atomic, incremental, parallel.

The new database is always written beside the old one (``.esr.db.<pid>.tmp``) and moved into
place with one ``os.replace`` when it is complete, so a build that is interrupted leaves the
previous database as it was. A document whose content hash is unchanged is not parsed again;
a removed document's rows disappear; ``full=True`` starts from an empty database.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from .. import search
from ..runner import Limits, Outcome, parse_files
from . import schema
from ..corpus import LIST_PERIODS, MUNICIPALITY_KEY, REFERENCE_FILES, REFERENCE_FOLDER, file_sha256, list_pages, reference_files, scan_documents
from .load_reference import data_files, load_fetch_log, load_municipalities, load_project_lists, rebuild_document_versions
from .place_codes import PlaceMatcher, match_project_places
from .fingerprint import rows_fingerprint, search_fingerprint
from .load_documents import DocumentLoader, delete_document
from .rows import document_record

@dataclass
class BuildReport:
    """What a build did, for the summary line and the exit code."""

    documents: int = 0
    parsed: int = 0
    skipped: int = 0
    failed: int = 0
    removed: int = 0
    warnings: int = 0
    nothing_changed: bool = False
    failures: list[tuple[str, str]] = field(default_factory=list)
    #: Things the user should know that are not a document's fault (a missing reference file).
    notes: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        """One line for the terminal."""
        if self.nothing_changed:
            return f"esr: nothing changed: {self.documents} documents, all up to date"
        return (
            f"esr: {self.documents} documents: {self.parsed} parsed, {self.skipped} unchanged, "
            f"{self.failed} failed, {self.removed} removed; {self.warnings} warnings in the archive"
        )


@dataclass(frozen=True)
class _OldState:
    documents: dict[str, tuple[str, str | None]]  # id -> (sha256, project_code)
    info: dict[str, str]


def _previous_build(db_path: Path) -> _OldState | None:
    """What the previous build recorded, or ``None`` when there is no usable database."""
    if not db_path.exists():
        return None
    try:
        connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            documents = {row[0]: (row[1], row[2]) for row in connection.execute("select id, sha256, project_code from documents")}
            info = dict(connection.execute("select key, value from build_info"))
        finally:
            connection.close()
    except sqlite3.Error:
        return None  # not our database, or damaged: build a new one from scratch
    return _OldState(documents, info)


_ORGANISATIONS_SQL = """
insert into organisations (business_id, name, type, implementer_projects, co_implementer_projects)
select business_id, name, type,
  (select count(*) from projects p where p.implementer_business_id = ranked.business_id),
  (select count(distinct c.project_code) from co_implementers c where c.business_id = ranked.business_id)
from (
  select business_id, name, type,
    row_number() over (partition by business_id order by start_date desc, code desc, role) as newest
  from (
    select implementer_business_id as business_id, implementer_name as name, implementer_type as type, start_date, code, 1 as role
    from projects where implementer_business_id is not null
    union all
    select c.business_id, c.name, c.type, p.start_date, p.code, 2 as role
    from co_implementers c join projects p on p.code = c.project_code where c.business_id is not null
  )
) as ranked
where newest = 1
"""


def rebuild_organisations(db: sqlite_utils.Database) -> None:
    """One row per business ID, named as the most recent project writes it."""
    db.execute("delete from organisations")
    db.execute(_ORGANISATIONS_SQL)


def build(
    corpus: Path,
    db_path: Path,
    *,
    full: bool = False,
    jobs: int | None = None,
    pdf_engine: str = "pdfium",
    limits: Limits = Limits(),
    include_contacts: bool = True,
    on_parsed: Callable[[Outcome], None] | None = None,
    on_plan: Callable[[int], None] | None = None,
) -> BuildReport:
    """Build (or bring up to date) the archive at ``db_path`` from the files under ``corpus``."""
    report = BuildReport()
    started = time.perf_counter()
    documents = scan_documents(corpus)
    hashes = {doc_id: file_sha256(path) for doc_id, path in documents.items()}
    references = reference_files(corpus)
    reference_hashes = {name: file_sha256(path) for name, path in data_files(corpus).items()}
    info = {
        "parser": rows_fingerprint(),
        "search": search_fingerprint(os.environ.get("ESR_SEARCH_ANALYSERS")),
        "references": json.dumps(reference_hashes, sort_keys=True),
        "contacts": "included" if include_contacts else "left out",
    }
    report.documents = len(documents)
    harvested = {period for period, _, _ in list_pages(corpus).values()}
    for name in REFERENCE_FILES:
        if name not in references and LIST_PERIODS.get(name) not in harvested:
            what = "its table stays empty" if name == MUNICIPALITY_KEY else "its period has no official list"
            report.notes.append(f"{REFERENCE_FOLDER}/{name} is missing from the corpus: {what}")
    old = None if full else _previous_build(db_path)
    if old is not None and old.info.get("parser") == info["parser"] and old.info.get("contacts") == info["contacts"]:
        removed = sorted(set(old.documents) - set(documents))
        changed = {doc_id for doc_id, digest in hashes.items() if old.documents.get(doc_id, (None,))[0] != digest}
        # A project whose loaded document changes or goes may now come from another document.
        codes = {old.documents[doc_id][1] for doc_id in [*removed, *changed] if doc_id in old.documents} - {None}
        changed |= {doc_id for doc_id, (_, code) in old.documents.items() if code in codes and doc_id in documents}
        references_changed = old.info.get("references") != info["references"]
        search_changed = old.info.get("search") != info["search"]
    else:
        old, removed, changed, references_changed, search_changed = None, [], set(documents), True, True
    to_parse = sorted(changed)
    report.skipped = len(documents) - len(to_parse)
    report.removed = len(removed)
    report.seconds["scan"] = time.perf_counter() - started
    if old is not None and not to_parse and not removed and not references_changed and not search_changed:
        report.nothing_changed = True
        return report

    if on_plan is not None:
        on_plan(len(to_parse))
    db_path.parent.mkdir(parents=True, exist_ok=True)
    temporary = db_path.with_name(f".{db_path.name}.{os.getpid()}.tmp")
    _remove_stale_temporaries(db_path)
    try:
        if old is None:
            temporary.unlink(missing_ok=True)
        else:
            shutil.copyfile(db_path, temporary)
        with sqlite_utils.Database(temporary) as db:
            if old is None:
                schema.create_schema(db)
            with db.atomic():
                if references_changed:
                    lists_started = time.perf_counter()
                    counts = load_project_lists(db, corpus)
                    report.notes.extend(counts["notes"])
                    if counts["rows"]:
                        report.notes.append(
                            f"official project lists: {counts['rows']:,} rows loaded, {counts['flagged']} flagged as not repairable "
                            "with certainty (project_list.flag; their raw lines are kept)"
                        )
                    if counts["history"]:
                        report.notes.append(
                            f"{counts['lists']} official lists: {counts['current']:,} projects in project_list (each from the newest "
                            f"list that has it), {counts['history']:,} older rows in project_list_history"
                        )
                    load_municipalities(db, corpus)
                    load_fetch_log(db, corpus)
                    report.seconds["lists"] = time.perf_counter() - lists_started
                for doc_id in [*removed, *to_parse]:
                    delete_document(db, doc_id)
                loader = DocumentLoader(db, include_contacts=include_contacts)
                started = time.perf_counter()
                load_seconds = 0.0
                outcomes = _in_background(
                    parse_files, [str(documents[d]) for d in to_parse], jobs=jobs, pdf_engine=pdf_engine, limits=limits, transform=document_record
                )
                for count, (doc_id, outcome) in enumerate(zip(to_parse, outcomes), 1):
                    if outcome.error is not None:
                        report.failures.append((doc_id, outcome.error))
                    if on_parsed is not None:
                        on_parsed(outcome)
                    loader.add(doc_id, hashes[doc_id], outcome.document, outcome.error)
                    if count % _BATCH == 0:
                        flushing = time.perf_counter()
                        loader.flush()
                        load_seconds += time.perf_counter() - flushing
                flushing = time.perf_counter()
                loader.flush()
                load_seconds += time.perf_counter() - flushing
                report.seconds["parse"] = time.perf_counter() - started - load_seconds
                report.seconds["load"] = load_seconds
                report.parsed = len(to_parse) - len(report.failures)
                report.failed = len(report.failures)
                started = time.perf_counter()
                matcher = PlaceMatcher.from_db(db)
                match_project_places(db, matcher, None if references_changed else loader.new_projects)
                rebuild_organisations(db)
                rebuild_document_versions(db)
                db["build_info"].upsert_all([{"key": k, "value": v} for k, v in sorted(info.items())], pk="key")
            # A full build makes the FTS tables in one pass (their triggers then keep them up
            # to date); every build brings the Finnish search vocabulary up to date.
            search.create_search_index(db, None if search_changed else [*removed, *to_parse])
            (report.warnings,) = db.execute("select count(*) from parse_warnings").fetchone()
            db.execute("analyze")
        report.seconds["index"] = time.perf_counter() - started
        os.replace(temporary, db_path)
    finally:
        temporary.unlink(missing_ok=True)
    return report


#: Parsed documents are written to the database in batches of this many.
_BATCH = 250


def _in_background(function: Callable[..., Iterator[Any]], *args: Any, **kwargs: Any) -> Iterator[Any]:
    """Run a generator in a thread, handing its items over through a bounded queue.

    The parse workers then never wait for the database: while this thread writes a batch, the
    other keeps collecting results and handing out files.
    """
    items: queue.Queue = queue.Queue(maxsize=4 * _BATCH)
    done = object()

    def produce() -> None:
        try:
            for item in function(*args, **kwargs):
                items.put(item)
        except BaseException as error:  # noqa: BLE001 - handed to the consumer, raised there
            items.put(error)
        finally:
            items.put(done)

    thread = threading.Thread(target=produce, name="esr-parse", daemon=True)
    thread.start()
    while (item := items.get()) is not done:
        if isinstance(item, BaseException):
            raise item
        yield item
    thread.join()


def _remove_stale_temporaries(db_path: Path) -> None:
    """Temporary files of builds that were killed: their process is gone."""
    for stale in db_path.parent.glob(f".{db_path.name}.*.tmp"):
        pid = stale.name.rsplit(".", 2)[-2]
        if pid.isdigit() and not _alive(int(pid)):
            stale.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

