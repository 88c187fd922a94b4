"""Build the SQLite archive from a corpus folder: atomic, incremental, parallel, one at a time.

The new database is always written beside the old one, under a name no other build has
(``.esr.db.<pid>.<random>.tmp``), and moved into place with one ``os.replace`` when it is
complete, so a build that is interrupted leaves the previous database as it was. A document
whose content hash is unchanged is not parsed again; a removed document's rows disappear;
``full=True`` starts from an empty database.

One build of a database runs at a time: a build holds a lock on ``.esr.db.lock`` beside it (a
POSIX record lock, which the kernel drops when the process ends, however it ends), and a second
build is refused at once. Holding the lock, a build knows that every temporary beside the
database (and its ``-journal``, ``-wal``, ``-shm``) was left by a build that is no longer
running, and removes it, whatever pid it names: in a container every build may be PID 1.

A corpus that cannot be read whole (an unreadable folder or file) stops the build before it
touches the archive, since a document that cannot be seen is not a removed one; so does a
database folder that cannot be written or a full disk (:class:`BuildError`, one line each).

The steps (:data:`STEPS`, timed in :attr:`BuildReport.seconds`, one line by
:meth:`BuildReport.timing`): the parse workers start first (for a new archive, before the files
are hashed and the tables made) and make each document's rows
themselves (:func:`parser.archive.load_documents.document_rows`); while they parse, this process
loads the official lists, then writes the documents' rows as they come, and (a new archive)
indexes them for search batch by batch. A new archive's tables get their indexes once their
rows are in (one pass over the rows instead of an index kept up to date row by row: the same
schema, in the same order); the index of every project, the organisations, its full-text index
and the vocabulary come last. The temporary database is written without a journal on disk or
syncs (it is thrown away if the build dies) and synced once before the rename.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import json
import os
import queue
import re
import secrets
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
from ..corpus import LIST_PERIODS, MUNICIPALITY_KEY, REFERENCE_FILES, REFERENCE_FOLDER, file_sha256, list_pages, reference_files, scan_corpus
from .project_index import fill_project_index, rebuild_organisation_index
from .load_reference import (
    changed_list_codes, data_files, fetch_log_id, keep_list_rows, load_fetch_log, load_municipalities, load_project_lists,
    rebuild_document_versions,
)
from .place_codes import PlaceMatcher, match_project_places
from .fingerprint import rows_fingerprint, search_fingerprint
from .load_documents import DocumentLoader, delete_document, document_rows

try:
    import fcntl
except ImportError:  # not a POSIX system: builds are not locked against each other
    fcntl = None  # type: ignore[assignment]


class BuildError(Exception):
    """Why a build stopped before it changed the archive: ``lines``, one per problem, each
    naming the file or folder (as it is: show it with :func:`parser.corpus.show_path`)."""

    def __init__(self, lines: list[str] | str) -> None:
        self.lines = [lines] if isinstance(lines, str) else list(lines)
        super().__init__("; ".join(self.lines))


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
    #: The documents that failed in this build: (id, reason).
    failures: list[tuple[str, str]] = field(default_factory=list)
    #: Every failed document the archive holds after the build, this build's and those of
    #: earlier builds that were not parsed again (unchanged): what the exit code reflects.
    archive_failures: list[tuple[str, str]] = field(default_factory=list)
    #: Things the user should know that are not a document's fault (a missing reference file).
    notes: list[str] = field(default_factory=list)
    #: Wall seconds of each step, as :data:`STEPS` names them (a step the build did not take is
    #: absent), ``total``, and ``lists_cpu``: the CPU seconds of the ``lists`` step.
    seconds: dict[str, float] = field(default_factory=dict)

    def timing(self) -> str:
        """One line: the seconds of each step this build took, in order, and the total."""
        steps = [f"{label} {self.seconds[key]:.2f} s" for key, label in STEPS.items() if key in self.seconds]
        if "lists_cpu" in self.seconds and "lists" in self.seconds:
            at = [key for key in STEPS if key in self.seconds].index("lists")
            steps[at] += f" ({self.seconds['lists_cpu']:.2f} s of CPU)"
        total = f"; total {self.seconds['total']:.2f} s" if "total" in self.seconds else ""
        return f"esr: timing: {', '.join(steps) or 'nothing timed'}{total}"

    def summary(self) -> str:
        """One line for the terminal: what this build did and what the archive now holds."""
        if self.nothing_changed:
            held = [_count(count, what) for count, what in ((len(self.archive_failures), "failed document"), (self.warnings, "warning")) if count]
            return f"esr: nothing changed: {self.documents} documents, all up to date" + (f"; {' and '.join(held)} in the archive" if held else "")
        line = (
            f"esr: {self.documents} documents: {self.parsed} parsed, {self.skipped} unchanged, "
            f"{self.failed} failed, {self.removed} removed; {self.warnings} warnings in the archive"
        )
        earlier = len(self.archive_failures) - self.failed
        if earlier > 0:
            line += f"; {_count(len(self.archive_failures), 'failed document')} in the archive ({earlier} unchanged since an earlier build)"
        return line


#: The steps of a build as :attr:`BuildReport.seconds` names them, in the order they end.
#: ``lists`` (repairing and loading the official lists, the municipality key and the fetch log)
#: runs while the workers parse the first documents; ``parse`` is the time this process waited
#: for the workers, ``load`` the time it wrote their rows; ``index`` is everything after the
#: last document, of which ``places``, ``project_index``, ``indexes`` (a new archive's indexes,
#: made once its rows are in), ``organisations`` and ``search`` (the full-text indexes and the
#: vocabulary) are parts. A new archive indexes its descriptions and the lists for search while
#: the workers parse (:class:`parser.search.IndexAsLoaded`): ``search`` counts that time too,
#: and ``parse`` does not. ``sync`` is the wait for the new file to be on disk before it
#: replaces the old one.
STEPS = {
    "scan": "scan", "lists": "lists", "parse": "parse", "load": "load", "places": "places",
    "project_index": "project index", "indexes": "indexes", "organisations": "organisations", "search": "search",
    "index": "index in all", "sync": "sync to disk",
}


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}" if number == 1 else f"{number} {thing}s"


@dataclass(frozen=True)
class _OldState:
    documents: dict[str, tuple[str, str | None]]  # id -> (sha256, project_code)
    info: dict[str, str]
    failures: list[tuple[str, str]]
    warnings: int


def _previous_build(db_path: Path) -> _OldState | None:
    """What the previous build recorded, or ``None`` when there is no usable database."""
    if not db_path.exists():
        return None
    try:
        # A URI, so that a folder named with ? or # is still the file's folder.
        connection = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            documents = {row[0]: (row[1], row[2]) for row in connection.execute("select id, sha256, project_code from documents")}
            info = dict(connection.execute("select key, value from build_info"))
            failures = connection.execute("select id, coalesce(error, '') from documents where status = 'failed' order by id").fetchall()
            (warnings,) = connection.execute("select count(*) from parse_warnings").fetchone()
        finally:
            connection.close()
    except sqlite3.Error:
        return None  # not our database, or damaged: build a new one from scratch
    return _OldState(documents, info, [tuple(row) for row in failures], warnings)


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


def create_tables(db: sqlite_utils.Database) -> None:
    """The first half of :func:`parser.archive.schema.create_schema`: every table, empty, without
    its indexes. A new archive is loaded so (one index built over its rows costs less than an
    index kept up to date row by row) and gets the rest from :func:`create_indexes`: the same
    schema in the end, each index and view in the same order, so the same ``.dump`` (tested)."""
    for table in schema.TABLES:
        db[table.name].create(table.columns, pk=table.pk, foreign_keys=list(table.foreign_keys) or None, not_null=table.not_null or None)


def create_indexes(db: sqlite_utils.Database) -> None:
    """The second half of :func:`parser.archive.schema.create_schema`: the indexes, then the views."""
    for table in schema.TABLES:
        for columns in table.indexes:
            db[table.name].create_index([columns] if isinstance(columns, str) else list(columns))
    for name, sql in schema.VIEWS.items():
        db.create_view(name, sql.strip(), replace=True)


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
    """Build (or bring up to date) the archive at ``db_path`` from the files under ``corpus``.

    Raises :class:`BuildError`, having changed nothing, when the corpus cannot be read whole,
    another build of ``db_path`` is running, or the new database cannot be written (a folder
    that cannot be written, a full disk). Whatever ends the build early (an exception, a
    signal), its parse workers are stopped and its temporary files removed; a kill that gives
    it no chance leaves them to the next build, which removes them.
    """
    with _BuildLock(db_path):
        _remove_temporaries(db_path)
        return _build(corpus, db_path, full=full, jobs=jobs, pdf_engine=pdf_engine, limits=limits,
                      include_contacts=include_contacts, on_parsed=on_parsed, on_plan=on_plan)


def _build(
    corpus: Path, db_path: Path, *, full: bool, jobs: int | None, pdf_engine: str, limits: Limits, include_contacts: bool,
    on_parsed: Callable[[Outcome], None] | None, on_plan: Callable[[int], None] | None,
) -> BuildReport:
    report = BuildReport()
    began = time.perf_counter()
    try:
        return _build_steps(report, corpus, db_path, full=full, jobs=jobs, pdf_engine=pdf_engine, limits=limits,
                            include_contacts=include_contacts, on_parsed=on_parsed, on_plan=on_plan)
    finally:
        report.seconds["total"] = time.perf_counter() - began


def _build_steps(
    report: BuildReport, corpus: Path, db_path: Path, *, full: bool, jobs: int | None, pdf_engine: str, limits: Limits,
    include_contacts: bool, on_parsed: Callable[[Outcome], None] | None, on_plan: Callable[[int], None] | None,
) -> BuildReport:
    started = time.perf_counter()
    scan = scan_corpus(corpus)
    documents = scan.documents
    report.notes.extend(scan.notes)

    def stop_if(problems: list[str]) -> None:
        # Never a removal: what cannot be read stays in the archive as it was.
        if problems:
            raise BuildError([f"{line}; the build stopped before touching {db_path}" for line in problems])

    stop_if(scan.errors)
    old = None if full else _previous_build(db_path)

    def start_parse(doc_ids: list[str]) -> _in_background:
        # The workers make each document's rows; this process only writes them.
        transform = functools.partial(document_rows, include_contacts=include_contacts)
        return _in_background(parse_files, [str(documents[d]) for d in doc_ids], jobs=jobs, pdf_engine=pdf_engine, limits=limits, transform=transform)

    outcomes = None
    try:
        if old is None:
            # Every document is parsed: the workers start now (and hash what they read), and
            # read while this process fingerprints the parser and makes the tables.
            if on_plan is not None:
                on_plan(len(documents))
            outcomes = start_parse(sorted(documents))
        return _write_archive(report, corpus, db_path, documents, old, outcomes, start_parse, stop_if, started,
                              include_contacts=include_contacts, on_parsed=on_parsed, on_plan=on_plan)
    finally:
        # However the build ends: no worker keeps running after it.
        if outcomes is not None:
            outcomes.close()


def _write_archive(
    report: BuildReport, corpus: Path, db_path: Path, documents: dict[str, Path], old: _OldState | None,
    outcomes: _in_background | None, start_parse: Callable[[list[str]], _in_background], stop_if: Callable[[list[str]], None],
    started: float, *, include_contacts: bool, on_parsed: Callable[[Outcome], None] | None, on_plan: Callable[[int], None] | None,
) -> BuildReport:
    problems = []
    hashes = {}
    # A new archive's files (their workers started already) are hashed by the workers, which
    # read them anyway (the hash is then that of the bytes parsed); an archive brought up to
    # date needs every hash first, to know what changed.
    for doc_id, path in documents.items() if outcomes is None else ():
        try:
            hashes[doc_id] = file_sha256(path)
        except OSError as error:
            problems.append(f"{path}: cannot be read ({_reason(error)})")
    reference_hashes = {}
    try:
        data = data_files(corpus)
    except OSError as error:
        data = {}
        problems.append(f"{error.filename or corpus}: cannot be read ({_reason(error)})")
    for name, path in data.items():
        try:
            reference_hashes[name] = file_sha256(path)
        except OSError as error:
            problems.append(f"{path}: cannot be read ({_reason(error)})")
    stop_if(problems)
    references = reference_files(corpus)
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
    if old is not None and old.info.get("parser") == info["parser"] and old.info.get("contacts") == info["contacts"]:
        removed = sorted(set(old.documents) - set(documents))
        changed = {doc_id for doc_id, digest in hashes.items() if old.documents.get(doc_id, (None,))[0] != digest}
        # A project whose loaded document changes or goes may now come from another document.
        codes = {old.documents[doc_id][1] for doc_id in [*removed, *changed] if doc_id in old.documents} - {None}
        changed |= {doc_id for doc_id, (_, code) in old.documents.items() if code in codes and doc_id in documents}
        data_changed = _data_changed(old.info.get("references"), reference_hashes)
        log = fetch_log_id(corpus)
        log_changed = data_changed is None or log in data_changed
        references_changed = data_changed is None or bool(data_changed - {log})
        # The places of every project come from the key: with another key, every project's
        # places and index row are made anew; with other lists, those of the changed rows.
        key_changed = data_changed is None or MUNICIPALITY_KEY in data_changed
        search_changed = old.info.get("search") != info["search"]
    else:
        old, removed, changed, search_changed = None, [], set(documents), True
        references_changed = log_changed = key_changed = True
    to_parse = sorted(changed)
    report.skipped = len(documents) - len(to_parse)
    report.removed = len(removed)
    report.seconds["scan"] = time.perf_counter() - started
    if old is not None and not to_parse and not removed and not references_changed and not log_changed and not search_changed:
        report.nothing_changed = True
        # What the archive holds is the state to report, whether this build changed it or not.
        report.archive_failures, report.warnings = old.failures, old.warnings
        return report

    if outcomes is None:
        if on_plan is not None:
            on_plan(len(to_parse))
        outcomes = start_parse(to_parse)
    live_index = None
    try:
        temporary = _new_temporary(db_path)
        if old is not None:
            shutil.copyfile(db_path, temporary)
        with sqlite_utils.Database(temporary) as db:
            _write_fast(db)
            if old is None:
                # The tables now; their indexes and the views once the rows are in (see below).
                create_tables(db)
                live_index = search.IndexAsLoaded(db, _INDEXED_AS_LOADED, Path(f"{temporary}{_SEARCH_SIDE}"))
            elif not search_changed:
                # The vocabulary then needs only the terms of the rows this build changes.
                search.track_changes(db)
            with db.atomic():
                if old is not None:  # a new archive has nothing to delete
                    for doc_id in [*removed, *to_parse]:
                        delete_document(db, doc_id)
                loader = DocumentLoader(db, include_contacts=include_contacts,
                                        on_documents=None if live_index is None else functools.partial(live_index.add, "documents"))
                began = time.perf_counter()
                # The full-text indexing done while the workers parse counts as the search step's.
                seconds = {"load": 0.0, "lists": 0.0, "search": 0.0}

                def timed(step: str, work: Callable[[], Any]) -> Any:
                    at = time.perf_counter()
                    try:
                        return work()
                    finally:
                        seconds[step] += time.perf_counter() - at

                if references_changed:
                    # While the workers parse the first documents, rather than before.
                    lists_cpu = time.thread_time()
                    if old is not None:  # every row of the lists is replaced: indexed after, at once
                        search.drop_index(db, "project_list")
                    if old is not None and not key_changed:
                        # The rows kept aside, to tell which projects' index rows the new ones
                        # change (with another key, every row is made again anyway).
                        timed("lists", lambda: keep_list_rows(db))
                    timed("lists", lambda: _load_references(db, corpus, report))
                    # What the step itself cost, whatever the workers took of the cores meanwhile.
                    report.seconds["lists_cpu"] = time.thread_time() - lists_cpu
                    report.seconds["lists"] = seconds["lists"]
                    timed("search", lambda: search.index_table(db, "project_list"))
                elif log_changed:  # a harvest's log alone (it grows with every harvest)
                    timed("load", lambda: load_fetch_log(db, corpus))

                for count, (doc_id, outcome) in enumerate(zip(to_parse, outcomes), 1):
                    digest = hashes.get(doc_id) or _parsed_hash(documents[doc_id], outcome, problems)
                    if digest is None:
                        continue  # the build stops after the last document (below)
                    if outcome.error is not None:
                        report.failures.append((doc_id, outcome.error))
                    if on_parsed is not None:
                        on_parsed(outcome)
                    loader.add(doc_id, digest, outcome.document, outcome.error)
                    if count % _BATCH == 0:
                        timed("load", loader.flush)
                timed("load", loader.flush)
                stop_if(problems)
                if live_index is not None:
                    live_index.complete("documents")
                # Waiting for the workers: the time they parse and this process has nothing to write.
                report.seconds["parse"] = time.perf_counter() - began - sum(seconds.values())
                report.seconds["load"] = seconds["load"]
                report.parsed = len(to_parse) - len(report.failures)
                report.failed = len(report.failures)
                # What needs only the primary keys first, then (a new archive) the indexes, then
                # what their queries need them for.
                began = time.perf_counter()
                matcher = PlaceMatcher.from_db(db)
                match_project_places(db, matcher, None if key_changed else loader.new_projects)
                report.seconds["places"] = time.perf_counter() - began
                indexing = time.perf_counter()
                # Every code when the key changed, which is so for a new archive too.
                touched = None if key_changed or old is None else _touched_codes(old, [*removed, *to_parse], loader.new_projects)
                if touched is not None and references_changed:
                    touched |= changed_list_codes(db)
                fill_project_index(db, on_rows=None if live_index is None else functools.partial(live_index.add, "project_index"), codes=touched)
                if live_index is not None:
                    live_index.complete("project_index")  # its terms listed while the indexes are made
                report.seconds["project_index"] = time.perf_counter() - indexing
                if old is None:
                    indexing = time.perf_counter()
                    create_indexes(db)
                    report.seconds["indexes"] = time.perf_counter() - indexing
                indexing = time.perf_counter()
                rebuild_organisations(db)
                rebuild_document_versions(db)
                rebuild_organisation_index(db, touched)
                report.seconds["organisations"] = time.perf_counter() - indexing
                db["build_info"].upsert_all([{"key": k, "value": v} for k, v in sorted(info.items())], pk="key")
            known_terms = {} if live_index is None else timed("search", live_index.finish)
            # The indexes not made while the rows came in (those of an older archive whose
            # search settings changed) are made in one pass (their triggers then keep them up to
            # date); every build brings the Finnish search vocabulary up to date.
            indexing = time.perf_counter()
            search.create_search_index(db, None if search_changed else [*removed, *to_parse], known_terms=known_terms)
            report.seconds["search"] = seconds["search"] + time.perf_counter() - indexing
            (report.warnings,) = db.execute("select count(*) from parse_warnings").fetchone()
            report.archive_failures = [
                tuple(row) for row in db.execute("select id, coalesce(error, '') from documents where status = 'failed' order by id")
            ]
            db.execute("analyze")
        report.seconds["index"] = time.perf_counter() - began
        syncing = time.perf_counter()
        _sync(temporary)
        report.seconds["sync"] = time.perf_counter() - syncing
        os.replace(temporary, db_path)
        _sync_folder(db_path.parent)
    except (OSError, sqlite3.Error) as error:
        raise BuildError(_write_failure(error, db_path)) from error  # re-raised as it is when a bug
    finally:
        # However the build ends, its workers and the thread handing over their results stop
        # here, before the exception goes on: a thread still running when the interpreter
        # exits may abort it (exit code -6, "FATAL: exception not rethrown"). Closing twice
        # (``_build_steps`` closes the parse it started) does nothing.
        outcomes.close()
        if live_index is not None:
            live_index.close()
        # Every temporary beside the archive, not only ``temporary``: a signal can stop the
        # build between a file's creation and the line that names it (in _new_temporary, or
        # the index's side file before live_index is set).
        _remove_temporaries(db_path)
    return report


#: The full-text indexes a new archive fills while their rows come in: the documents' rows
#: while the workers parse, the project index's while it is made.
_INDEXED_AS_LOADED = ("documents", "project_index")
#: The end of the name of the file those indexes are made in, beside the temporary database.
_SEARCH_SIDE = "-search"
#: What SQLite and the build keep beside a temporary database.
_BESIDE = ("-journal", "-wal", "-shm", _SEARCH_SIDE)


def _data_changed(recorded: str | None, hashes: dict[str, str]) -> set[str] | None:
    """The ids of the data files that came, changed or went since the build that ``recorded``
    their hashes (``build_info.references``), or ``None`` when that record cannot be read.

    Every harvest adds to its fetch log, so the log alone changing is the common case: it
    reloads ``fetch_log`` alone. Other lists reload every list, and make again only what the
    changed rows touch, unless the municipality key changed too."""
    try:
        before = json.loads(recorded) if recorded else None
    except ValueError:
        before = None
    if not isinstance(before, dict):
        return None
    return {name for name in before.keys() | hashes.keys() if before.get(name) != hashes.get(name)}


def _touched_codes(old: _OldState, doc_ids: list[str], loaded: list[str]) -> set[str]:
    """The project codes whose index rows an incremental build makes again for its documents:
    those of the documents it took out (removed, or loaded anew) and of the projects it
    loaded. Every other row is made of rows this build left alone (the lists' aside)."""
    return {old.documents[doc_id][1] for doc_id in doc_ids if doc_id in old.documents} - {None} | set(loaded)


def _parsed_hash(path: Path, outcome: Outcome, problems: list[str]) -> str | None:
    """The SHA-256 of a file a worker read: that of the bytes it parsed, or (the file failed)
    that of the file now; ``None`` when it cannot be read, with the reason in ``problems``."""
    if outcome.document is not None:
        return outcome.document.sha256
    try:
        return file_sha256(path)
    except OSError as error:
        problems.append(f"{path}: cannot be read ({_reason(error)})")
        return None


def _write_fast(db: sqlite_utils.Database) -> None:
    """Write the temporary database without SQLite's crash safety, which it does not need.

    A build that dies leaves a temporary that the next build removes, never a half-written
    archive (the archive is replaced by one rename once complete): so the rollback journal stays
    in memory (a failed statement still rolls back) and nothing is synced while writing; the file
    is synced once, before the rename (:func:`_sync`). Without this every transaction, and each
    table made outside one, waits for the disk.
    """
    db.execute("pragma journal_mode = memory")
    db.execute("pragma synchronous = off")


def _sync(path: Path) -> None:
    """Make a file's content durable before it is renamed into place."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable, where the system can (not every platform can open a
    folder)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _load_references(db: sqlite_utils.Database, corpus: Path, report: BuildReport) -> None:
    """Load the official lists, the municipality key and the fetch log, with notes for the report."""
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


def _reason(error: OSError) -> str:
    return (error.strerror or str(error)).lower()


#: SQLite's primary result codes that mean the disk, not the build, failed.
_SQLITE_FULL, _SQLITE_IO = 13, {3, 8, 10, 14}  # FULL; PERM, READONLY, IOERR, CANTOPEN
_SQLITE_DAMAGED = {11, 26}  # CORRUPT, NOTADB


def _write_failure(error: OSError | sqlite3.Error, db_path: Path) -> str:
    """One line for a build that failed writing its new database (or reading a late input):
    where, and why. A SQLite error that is no disk's fault (a bug) is raised as it is."""
    folder = db_path.parent
    if isinstance(error, sqlite3.Error):
        code = (getattr(error, "sqlite_errorcode", None) or 0) & 0xFF
        if code == _SQLITE_FULL:
            return f"{folder}: no space left on the disk for the new database; {db_path} is unchanged"
        if code in _SQLITE_IO:
            return f"{folder}: cannot write the new database ({error}); {db_path} is unchanged"
        if code in _SQLITE_DAMAGED:
            return f"{db_path}: the archive is damaged ({error}): build it anew with --full"
        raise error
    if error.errno == errno.ENOSPC:
        return f"{folder}: no space left on the disk for the new database; {db_path} is unchanged"
    name = os.fsdecode(error.filename) if error.filename else None
    if name is not None and Path(name).parent != folder and Path(name) != folder:
        # Not the database folder: an input the build read late (a reference file, say).
        return f"{name}: {_reason(error)}; {db_path} is unchanged"
    return f"{folder}: the new database could not be written ({_reason(error)}); {db_path} is unchanged"


#: Parsed documents are written to the database in batches of this many.
_BATCH = 250


class _in_background:  # lower case: used like the generator function it was
    """Run a generator in a thread from now on, handing its items over through a bounded queue.

    The parse workers then never wait for the database: while this process writes a batch (or
    loads the official lists, before it asks for the first item), the thread keeps collecting
    results and handing out files. When the consumer stops early (an exception, a signal,
    ``close()``, even before its first item), the thread is told to stop, closes the generator
    (which stops its workers) and is waited for: nothing keeps running after the build.
    """

    _DONE = object()

    def __init__(self, function: Callable[..., Iterator[Any]], *args: Any, **kwargs: Any) -> None:
        self._items: queue.Queue = queue.Queue(maxsize=4 * _BATCH)
        self._stop = threading.Event()
        self._finished = False
        self._thread = threading.Thread(target=self._produce, args=(function, args, kwargs), name="esr-parse", daemon=True)
        self._thread.start()

    def _put(self, item: Any) -> bool:
        while not self._stop.is_set():
            try:
                self._items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self, function: Callable[..., Iterator[Any]], args: tuple, kwargs: dict) -> None:
        generator = function(*args, **kwargs)
        try:
            for item in generator:
                if not self._put(item):
                    return
        except BaseException as error:  # noqa: BLE001 - handed to the consumer, raised there
            self._put(error)
        finally:
            generator.close()
            self._put(self._DONE)

    def __iter__(self) -> _in_background:
        return self

    def __next__(self) -> Any:
        if self._finished:
            raise StopIteration
        try:
            item = self._items.get()
        except BaseException:
            self.close()
            raise
        if item is self._DONE:
            self.close()
            raise StopIteration
        if isinstance(item, BaseException):
            self.close()
            raise item
        return item

    def close(self) -> None:
        """Stop the thread (and so the generator and its workers) and wait for it; again, nothing."""
        self._finished = True
        self._stop.set()
        self._thread.join()


def _temporaries(db_path: Path) -> Iterator[Path]:
    """The temporary databases beside ``db_path`` (this build's or earlier ones') and SQLite's
    files beside them: ``.esr.db.<anything>.tmp``, ``-journal``, ``-wal``, ``-shm``."""
    pattern = re.compile(rf"^\.{re.escape(db_path.name)}\.[^/]+\.tmp(?:{'|'.join(_BESIDE)})?$")
    try:
        names = os.listdir(db_path.parent)
    except OSError:
        return
    for name in names:
        if pattern.match(name):
            yield db_path.parent / name


def _remove_temporaries(db_path: Path) -> None:
    """Remove every temporary and journal beside the database: at a build's start what dead
    builds left, at its end its own.

    Called with the build lock held, so no other build of this database is running: every
    temporary here is this build's or stale, whatever pid its name gives (a reused pid, PID 1
    in a container, is no proof of life).
    """
    for stale in _temporaries(db_path):
        with contextlib.suppress(OSError):
            stale.unlink()


def _new_temporary(db_path: Path) -> Path:
    """A new, empty file beside the database, named as no build before: the pid (to tell whose
    it is) and a random token (a pid is reused, and in a container every build is PID 1). A
    journal of an old temporary can therefore never be taken for this one's."""
    while True:
        temporary = db_path.with_name(f".{db_path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        except OSError as error:
            raise BuildError(_write_failure(error, db_path)) from None
        for suffix in _BESIDE:
            Path(f"{temporary}{suffix}").unlink(missing_ok=True)
        return temporary


#: Locks this process holds (a POSIX lock does not exclude the process that holds it).
_HELD: set[str] = set()
_HELD_GUARD = threading.Lock()


class _BuildLock:
    """The one build of a database: a lock on ``.<name>.lock`` beside it, refused at once when
    another build holds it (:class:`BuildError` naming that build's pid).

    A POSIX record lock (``lockf``) rather than ``flock``: the kernel drops it when the process
    ends, however it ends, and forked parse workers do not inherit it, so a worker can never
    keep a dead build's lock. The lock file stays (removing it would race with a build that is
    opening it); it holds the pid of the build that has it.
    """

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.path = db_path.with_name(f".{db_path.name}.lock")
        self.fd: int | None = None

    def __enter__(self) -> _BuildLock:
        folder = self.db_path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise BuildError(_folder_failure(folder, error, self.db_path)) from None
        # Looked at before the lock file is opened: closing any descriptor of it in the process
        # that holds the lock would release that lock.
        key = os.path.realpath(self.path)
        with _HELD_GUARD:
            if key in _HELD:
                raise BuildError(f"another build of {self.db_path} is running (pid {os.getpid()}): try again when it has finished")
            _HELD.add(key)
        self.key = key
        try:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as error:
            self._forget()
            if self.path.exists():
                raise BuildError(f"{self.path}: cannot open the build lock ({_reason(error)})") from None
            raise BuildError(f"{folder}: cannot write in this folder ({_reason(error)}), so {self.db_path.name} cannot be built there") from None
        if fcntl is not None:
            try:
                fcntl.lockf(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as error:
                # Another process holds it (this one does not: see _HELD), so closing is safe.
                pid = os.pread(self.fd, 32, 0).decode("ascii", "replace").strip()
                self._close()
                self._forget()
                if error.errno not in (errno.EACCES, errno.EAGAIN):
                    raise BuildError(f"{self.path}: cannot lock it ({_reason(error)})") from None
                whose = f" (pid {pid})" if pid.isdigit() else ""
                raise BuildError(f"another build of {self.db_path} is running{whose}: try again when it has finished") from None
        with contextlib.suppress(OSError):  # a full disk: the lock holds without its pid
            os.ftruncate(self.fd, 0)
            os.pwrite(self.fd, f"{os.getpid()}\n".encode(), 0)
        return self

    def _close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # releases the lock
            self.fd = None

    def _forget(self) -> None:
        with _HELD_GUARD:
            _HELD.discard(self.key)

    def __exit__(self, *exc: object) -> None:
        self._close()
        self._forget()


def _folder_failure(folder: Path, error: OSError, db_path: Path) -> str:
    """Why the database folder cannot be made: a file in the way, or no permission."""
    for parent in (folder, *folder.parents):
        if parent.exists() and not parent.is_dir():
            return f"{parent}: is a file, not a folder, so it cannot hold {db_path}"
    return f"{folder}: cannot make this folder for {db_path.name} ({_reason(error)})"
