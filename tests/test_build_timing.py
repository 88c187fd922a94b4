"""What made the build faster (issue 12) changes nothing it writes, and its timing is reported.

The shortcuts each have a plain counterpart to agree with: the lists' rows made without a
pydantic model per row are the models dumped; the shapes of the list fields asked once are what
``fits`` and ``is_wordy`` say; the readings searched over those shapes are the plain search's;
a new archive's indexes made after its rows give the schema ``create_schema`` gives; the rows a
parse worker makes load as the loader made them from the record; the runner that hands each
worker files ahead keeps every file's time limit from the moment the worker starts it; the
project index an incremental build writes in place is a full build's. No test here times
anything: benchmarks/build.py does.
"""

from __future__ import annotations

import functools
import inspect
import multiprocessing
import os
import signal
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
import sqlite_utils
from hypothesis import given, settings
from hypothesis import strategies as st

from parser.archive import schema
from parser.archive.build import build, create_indexes, create_tables
from parser.archive.load_documents import DocumentLoader, document_rows
from parser.archive.rows import document_record
from parser.corpus import PROJECT_LIST_2007, PROJECT_LIST_2014
from parser.parse import parse_path
from parser.reference import project_lists
from parser.reference.project_lists import (
    ClosedSets,
    exact_readings,
    field_shape,
    fits,
    is_wordy,
    learn_closed_sets,
    project_list_records,
    source_line,
    text_fits,
)
from parser.runner import Limits, parse_files

from .conftest import CORPUS, copy_corpus, official_list_rows

LISTS = CORPUS / "reference"
ANCHORS = ("code", "fund", "axis", "section", "status", "date", "amount")


# --- the official lists ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", [PROJECT_LIST_2007, PROJECT_LIST_2014])
def test_list_records_are_the_models_dumped(name):
    """What the archive loads is each row's model dumped in JSON mode, value for value and type
    for type (an int stays an int, a float a float, a date is ISO text)."""
    models = [row.model_dump(mode="json") for row in official_list_rows(name)]
    records = project_list_records(LISTS / name)
    assert records == models
    for record, model in zip(records, models):
        assert {key: type(value) for key, value in record.items()} == {key: type(value) for key, value in model.items()}


@functools.cache
def _lines(name: str):
    """A shipped list's layout, source lines and closed sets, read once per process (two tests
    read them; neither changes them)."""
    path = LISTS / name
    text, _ = project_lists.decode_text(path.read_bytes())
    layout = project_lists.layout_for_header(text.split("\n", 1)[0])
    lines = [source_line(number, raw, layout) for number, raw in project_lists.data_lines(text)]
    return layout, lines, learn_closed_sets(lines, layout)


def _agrees(field: str, closed_sets: ClosedSets) -> None:
    shape = field_shape(field, closed_sets)
    for kind in ANCHORS:
        assert bool(shape & project_lists._BITS[kind]) == fits(kind, field, closed_sets), (kind, field)
    assert bool(shape & project_lists._WORDY) == is_wordy(field), field


@pytest.mark.parametrize("name", [PROJECT_LIST_2007, PROJECT_LIST_2014])
def test_field_shapes_are_what_fits_says(name):
    _, lines, closed_sets = _lines(name)
    for field in {field for line in lines for field in line.fields}:
        _agrees(field, closed_sets)


SETS = ClosedSets(sections=frozenset({"Itä-Suomi", "Valtakunnallinen osio", ""}), statuses=frozenset({"Toiminnassa", " Keskeytynyt"}))
#: The sets of another list: "Itä-Suomi" and "Toiminnassa" are no section or status of it.
OTHER_SETS = ClosedSets(sections=frozenset({"Länsi-Suomi"}), statuses=frozenset({"Päättynyt"}))
TRICKY = [
    "1", " 2", "12", "123", "-5", "-", "1.5", "1.", ".5", "31.12.2015", "1.1.2010", "32.1.2010", "29.2.2011",
    "ESR", "EAKR", " ESR ", "S10324", "A1234567890", "s10324", "Itä-Suomi", "Toiminnassa", "", " ", "١٢", "²",
    "0171450-7", "3D-tulostus", "Oy", "1e5", "01.01.2010",
]
PIECES = st.one_of(
    st.sampled_from(TRICKY),
    st.text(alphabet="0123456789.-ESRAKa ,", max_size=12),
    st.text(max_size=8),
)


@settings(max_examples=400, deadline=None)
@given(PIECES)
def test_field_shapes_of_any_piece_are_what_fits_says(field):
    _agrees(field, SETS)


def _plain_readings(fields: Sequence[str], layout, closed_sets, limit: int = 2):
    """The search as it was first written: every split, each anchor asked as it is met."""
    columns = layout.columns
    readings: list = []

    def walk(start: int, column: int, spans: tuple) -> None:
        if len(readings) >= limit:
            return
        if column == len(columns):
            rest = fields[start:]
            if len(rest) in layout.trailing_blanks and not any(piece.strip() for piece in rest):
                readings.append(spans)
            return
        kind = columns[column][1]
        if kind == "text":
            last_end = len(fields) - (len(columns) - column - 1)
            for end in range(start + 1, last_end + 1):
                if text_fits(fields[start:end]):
                    walk(end, column + 1, (*spans, (start, end)))
        elif start < len(fields) and fits(kind, fields[start], closed_sets):
            walk(start + 1, column + 1, (*spans, (start, start + 1)))

    walk(0, 0, ())
    return readings


@pytest.mark.parametrize("name", [PROJECT_LIST_2007, PROJECT_LIST_2014])
def test_readings_are_the_plain_search_s(name):
    layout, lines, closed_sets = _lines(name)
    for line in lines:
        if len(line.fields) <= project_lists.MAX_FIELDS:
            assert exact_readings(line.fields, layout, closed_sets) == _plain_readings(line.fields, layout, closed_sets), line.raw


def test_each_lists_sets_give_its_own_readings():
    """The same line read under two lists' sets: a field's shape (remembered per list) depends on
    the list's sections and statuses, so what one list learnt must not reach the other."""
    fields = tuple("S10324,ESR,HoivaRekry,Itä-Suomi,1,Hämeen elinkeino-, liikenne- ja ympäristökeskus,"
                   "Toiminnassa,1.4.2008,31.12.2010,Palmenia,308999,308999,368999,366699".split(","))
    layout = project_lists.LAYOUT_2007
    # The authority's comma makes two fields of it: one reading joins them back.
    assert exact_readings(fields, layout, SETS) == [((0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 7), (7, 8), (8, 9), (9, 10), (10, 11), (11, 12), (12, 13), (13, 14), (14, 15))]
    # Where "Itä-Suomi" is no section and "Toiminnassa" no status, nothing fits.
    assert exact_readings(fields, layout, OTHER_SETS) == []
    assert exact_readings(fields, layout, SETS) == _plain_readings(fields, layout, SETS)


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, min_size=10, max_size=19), st.sampled_from([project_lists.LAYOUT_2007, project_lists.LAYOUT_2014]), st.integers(1, 3))
def test_readings_of_any_fields_are_the_plain_search_s(fields, layout, limit):
    # The same fields under other closed sets next: each list's shapes are its own (they are
    # remembered per list, and the search per pattern of shapes, for all lists at once).
    for closed_sets in (SETS, OTHER_SETS):
        assert exact_readings(fields, layout, closed_sets, limit) == _plain_readings(fields, layout, closed_sets, limit)


# --- the archive's schema and rows -------------------------------------------------------------------


def _schema(db: sqlite_utils.Database) -> tuple[list, list]:
    """What ``sqlite3 .dump`` writes of the schema, in its order: the tables, then the indexes,
    triggers and views (each in the order they were made)."""
    tables = db.execute("select name, sql from sqlite_master where sql not null and type = 'table' order by rowid").fetchall()
    others = db.execute("select type, name, sql from sqlite_master where sql not null and type in ('index', 'trigger', 'view') order by rowid").fetchall()
    return tables, others


def test_indexes_made_after_the_rows_give_the_schema_of_create_schema():
    at_once, deferred = sqlite_utils.Database(memory=True), sqlite_utils.Database(memory=True)
    schema.create_schema(at_once)
    create_tables(deferred)
    assert _schema(deferred)[1] == []
    create_indexes(deferred)
    assert _schema(deferred) == _schema(at_once)


def _loaded(records: list[tuple[str, object]], *, include_contacts: bool) -> dict[str, list[tuple]]:
    db = sqlite_utils.Database(memory=True)
    schema.create_schema(db)
    loader = DocumentLoader(db, include_contacts=include_contacts)
    for doc_id, record in records:
        loader.add(doc_id, "0" * 64, record, None if record is not None else "unreadable")
    loader.flush()
    return {table.name: db.execute(f"select rowid, * from [{table.name}] order by rowid").fetchall() for table in schema.TABLES}


@pytest.mark.parametrize("include_contacts", [True, False])
def test_rows_made_in_the_worker_load_as_the_record_did(include_contacts):
    """A worker's rows (ParsedRows) and the plain record give the same rows, row for row and in
    the same order, with a project described twice (the one that sorts first wins, whichever
    comes first), a document that failed and an ``other`` document."""
    documents = {path.name: parse_path(path) for path in sorted(CORPUS.glob("*.txt"))}
    order = ["S20334.txt", "S10673.txt", "asumisen-tukemisen-toimintamalli.txt", "A-copy-of-S20334.txt", "failed.pdf", "S10962.txt", "Z-copy-of-S10962.txt"]
    documents["A-copy-of-S20334.txt"] = documents["S20334.txt"]
    documents["Z-copy-of-S10962.txt"] = documents["S10962.txt"]
    plain = [(doc_id, document_record(documents[doc_id]) if doc_id in documents else None) for doc_id in order]
    made = [(doc_id, document_rows(documents[doc_id], include_contacts=include_contacts) if doc_id in documents else None) for doc_id in order]
    expected = _loaded(plain, include_contacts=include_contacts)
    assert expected["projects"] and any(row[4] == "duplicate_project" for row in expected["parse_warnings"])
    assert _loaded(made, include_contacts=include_contacts) == expected


def test_rows_made_for_another_contacts_setting_are_refused():
    rows = document_rows(parse_path(CORPUS / "S10962.txt"), include_contacts=True)
    db = sqlite_utils.Database(memory=True)
    schema.create_schema(db)
    loader = DocumentLoader(db, include_contacts=False)
    with pytest.raises(ValueError, match="include_contacts"):
        loader.add("S10962.txt", "0" * 64, rows, None)


def test_the_build_reports_the_lists_and_the_project_index(built_copy, small_archive_and_report):
    """The report of a new archive's build (the session's build of the small corpus) and of a
    build that finds nothing changed (on a copy of that archive)."""
    report = small_archive_and_report[1]
    for step in ("scan", "lists", "parse", "load", "places", "project_index", "indexes", "organisations", "search", "index", "total"):
        assert report.seconds[step] >= 0, step
    line = report.timing()
    assert line.startswith("esr: timing: scan ") and " lists " in line and " project index " in line and "; total " in line
    corpus, db = built_copy
    again = build(corpus, db)  # nothing changed
    assert again.nothing_changed and again.timing().startswith("esr: timing: scan ") and "lists" not in again.timing()


def test_esr_build_timing_prints_the_steps(tmp_path):
    from click.testing import CliRunner

    from parser.cli import cli

    corpus = copy_corpus(tmp_path)
    result = CliRunner().invoke(cli, ["build", str(corpus), "--db", str(tmp_path / "esr.db"), "--timing"])
    assert result.exit_code == 0, result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("esr: timing: scan ") and " lists " in last and "; total " in last
    plain = CliRunner().invoke(cli, ["build", str(corpus), "--db", str(tmp_path / "other.db")])
    assert "esr: timing:" not in plain.output


# --- the runner: files handed out ahead, each bounded from its own start -------------------------------


def _slow(document, *, seconds: float) -> str:
    """A transform that takes its time, dies or hangs as the file's name says."""
    name = Path(document.source.path).name
    if name.startswith("die"):
        os._exit(1)
    time.sleep(30 if name.startswith("hang") else seconds)
    return name


def _files(folder: Path, names: list[str]) -> list[str]:
    text = (CORPUS / "S10962.txt").read_bytes()
    for name in names:
        (folder / name).write_bytes(text)
    return [str(folder / name) for name in names]


def test_each_file_has_its_whole_time_limit_from_its_own_start(tmp_path):
    """One worker with several files ahead: each takes 0.4 s of a 1 s limit, so none may time
    out, though the last of those handed out at once was handed out more than a second before it
    was answered. (One file more than the runner hands out ahead, so that one is handed out when
    the first is answered.)"""
    from parser.runner import AHEAD

    assert AHEAD * 0.4 > 1.0, "too few files ahead for this test to show anything: give it more"
    count = AHEAD + 1
    paths = _files(tmp_path, [f"f{i}.txt" for i in range(count)])
    outcomes = list(parse_files(paths, jobs=1, limits=Limits(timeout=1.0), transform=functools.partial(_slow, seconds=0.4)))
    assert [outcome.error for outcome in outcomes] == [None] * count
    assert [outcome.document for outcome in outcomes] == [f"f{i}.txt" for i in range(count)]


def _signalled_at_start(real_worker, *args) -> None:
    os.kill(os.getpid(), signal.SIGTERM)  # before the worker has set its own handlers
    real_worker(*args)


def test_a_sigterm_in_a_workers_first_moment_ends_it_without_the_parents_handler(monkeypatch, capfd):
    """A worker forked while the parent's SIGTERM handler raises (as ``esr build``'s does), and
    signalled before it has set its own handlers (a build stopped just as it replaced a worker):
    the signal ends it, and the parent's handler never runs in it (no traceback)."""
    from parser import runner

    def raising(signum, frame):
        raise RuntimeError("the parent's SIGTERM handler ran in a worker")

    monkeypatch.setattr(runner, "_worker", functools.partial(_signalled_at_start, runner._worker))
    previous = signal.signal(signal.SIGTERM, raising)
    try:
        worker = runner._Worker(multiprocessing.get_context("fork"), "pdfium", Limits(), None)
        worker.process.join(timeout=30)
    finally:
        signal.signal(signal.SIGTERM, previous)
    worker.connection.close()
    assert worker.process.exitcode == -signal.SIGTERM
    assert "Traceback" not in capfd.readouterr().err


def test_a_worker_starts_without_loading_a_library(monkeypatch, tmp_path):
    """A worker forked while another thread of the parent held the dynamic loader's lock (an
    import of an extension module, in ``esr build``'s main thread or a test server's) would wait
    for that lock for ever if it loaded anything: here every ``ctypes.CDLL`` blocks, as in such a
    child, and the worker still reads its file well within its limit."""
    import ctypes

    def blocked(*args, **kwargs):
        time.sleep(30)

    monkeypatch.setattr(ctypes, "CDLL", blocked)
    [outcome] = parse_files(_files(tmp_path, ["a.txt"]), jobs=1, limits=Limits(timeout=10.0), transform=functools.partial(_slow, seconds=0.0))
    assert (outcome.error, outcome.document) == (None, "a.txt")


def _noting_compiled_patterns(note: Path, real_worker, *args) -> None:
    from parser.extract.layouts import builtin_layouts

    compiled = [("title_pattern" in vars(layout), all("row_pattern" in vars(s.table) for s in layout.sections if s.table)) for layout in builtin_layouts()]
    note.write_text(repr(compiled))
    real_worker(*args)


def test_workers_inherit_the_layouts_patterns_compiled(monkeypatch, tmp_path):
    """A worker starts with every layout's title and score-table patterns compiled (by the
    parent, once, before it forks): it compiles none at its first file."""
    from parser import runner
    from parser.extract.layouts import builtin_layouts

    builtin_layouts.cache_clear()  # layouts as a process that has parsed nothing has them
    monkeypatch.setattr(runner, "_worker", functools.partial(_noting_compiled_patterns, tmp_path / "note", runner._worker))
    [outcome] = parse_files(_files(tmp_path, ["a.txt"]), jobs=1, transform=functools.partial(_slow, seconds=0.0))
    assert outcome.error is None
    assert (tmp_path / "note").read_text() == repr([(True, True)] * len(builtin_layouts()))


class _Garbage:
    """An object in a reference cycle that notes which process finalizes it."""

    def __init__(self, note: Path) -> None:
        self.note = note
        self.cycle = self

    def __del__(self) -> None:
        with open(self.note, "a", encoding="utf-8") as file:
            file.write(f"{os.getpid()}\n")


def _collecting(document) -> str:
    """A transform that runs a full garbage collection in the worker."""
    import gc

    gc.collect()
    return Path(document.source.path).name


def test_a_worker_never_finalizes_its_parents_garbage(tmp_path):
    """The parent's garbage at the fork (here an object whose finalizer notes its process; in a
    test process, SQLite connections whose close can wait for ever on a mutex another thread
    held at the fork) is not the worker's to collect: only the parent finalizes it."""
    import gc

    note = tmp_path / "finalized"
    enabled = gc.isenabled()
    gc.disable()  # the garbage must still be there when the worker is forked
    try:
        _Garbage(note)
        [outcome] = parse_files(_files(tmp_path, ["a.txt"]), jobs=1, transform=_collecting)
    finally:
        if enabled:
            gc.enable()
    assert (outcome.error, outcome.document) == (None, "a.txt")
    assert not note.exists()
    gc.collect()
    assert note.read_text(encoding="utf-8") == f"{os.getpid()}\n"


def test_a_file_that_hangs_or_kills_its_worker_fails_alone(tmp_path):
    """The files handed out behind a file that hangs or kills its worker go to the next worker
    and are read; the results keep the input order."""
    names = ["a.txt", "hang.txt", "b.txt", "c.txt", "die.txt", "d.txt", "e.txt"]
    paths = _files(tmp_path, names)
    outcomes = list(parse_files(paths, jobs=1, limits=Limits(timeout=1.0), transform=functools.partial(_slow, seconds=0.0)))
    assert [outcome.path for outcome in outcomes] == paths
    assert [outcome.document for outcome in outcomes] == ["a.txt", None, "b.txt", "c.txt", None, "d.txt", "e.txt"]
    # Where the worker was when it overran: the sleep of _slow (faulthandler's innermost frame).
    lines, first = inspect.getsourcelines(_slow)
    line = first + next(i for i, text in enumerate(lines) if "time.sleep(30" in text)
    assert outcomes[1].error == f"timed out: reading took more than 1 s (stuck in _slow, tests/test_build_timing.py line {line})"
    assert outcomes[4].error.startswith("the parser process died")
    two = list(parse_files(paths, jobs=2, limits=Limits(timeout=1.0), transform=functools.partial(_slow, seconds=0.0)))
    assert [(outcome.document, outcome.error is None) for outcome in two] == [(outcome.document, outcome.error is None) for outcome in outcomes]


# --- the project index of an incremental build ---------------------------------------------------------


def _index(db: Path) -> list[tuple]:
    return sqlite_utils.Database(db).execute("select * from project_index order by code").fetchall()


def _organisations(db: Path) -> dict[str, list[tuple]]:
    archive = sqlite_utils.Database(db)
    return {table: archive.execute(f"select * from {table} order by 1, 2, 3").fetchall() for table in ("organisation_index", "organisation_projects")}


def _organisation(db: Path, key: str) -> dict:
    return sqlite_utils.Database(db)["organisation_index"].get(key)


def _misplaced(db: Path) -> list[str]:
    """The codes of the index whose rowid is not their projects row's (or, without one, their
    list row's negated): the projects table's search box would miss or mix them up."""
    return [code for (code,) in sqlite_utils.Database(db).execute(
        "select i.code from project_index i left join projects p on p.code = i.code left join project_list l on l.code = i.code "
        "where i.rowid is not coalesce(p.rowid, -l.rowid)"
    )]


def test_an_incremental_build_writes_the_index_a_full_build_writes(built_copy, tmp_path, monkeypatch):
    """An amount changed (only that project's row is made and written again) and a description
    of a project no list has removed (its row is deleted): each time the index holds a full
    build's rows, each with its projects row's rowid (or its list row's negated), and the other
    projects' rows keep theirs (updated in place, not deleted and inserted). (The first build is the session's build of the small
    corpus, copied.)"""
    from parser.archive import project_index

    updated: list[int] = []
    made: list[str] = []  # the codes whose rows the index made, build after build
    in_place, index_rows = project_index._update_in_place, project_index._index_rows
    monkeypatch.setattr(project_index, "_update_in_place", lambda db, insert, **how: updated.append(1) or in_place(db, insert, **how))
    monkeypatch.setattr(project_index, "_index_rows", lambda db: (made.append(row[1]) or row for row in index_rows(db)))
    corpus, incremental = built_copy
    assert _misplaced(incremental) == []
    untouched = sqlite_utils.Database(incremental).execute("select rowid from project_index where code = 'S20334'").fetchone()
    realised = _organisation(incremental, "0171450-7")["public_realised"]  # Kuopion kaupunki, S10962's implementer
    path = corpus / "S10962.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("Toteutunut julkinen rahoitus yhteensä: 593 048", "Toteutunut julkinen rahoitus yhteensä: 593 049"), encoding="utf-8")
    assert build(corpus, incremental).parsed == 1
    assert updated == [1]
    assert made == ["S10962"]  # not the other 3 described projects nor the list rows
    build(corpus, tmp_path / "full.db", full=True)
    assert _index(incremental) == _index(tmp_path / "full.db")
    assert _misplaced(incremental) == [] and _misplaced(tmp_path / "full.db") == []
    assert next(row for row in _index(incremental) if row[0] == "S10962")[15] == 593049  # public_realised
    assert sqlite_utils.Database(incremental).execute("select rowid from project_index where code = 'S20334'").fetchone() == untouched
    # The organisation's totals are made again though none of its links changed: one euro more.
    assert _organisation(incremental, "0171450-7")["public_realised"] == pytest.approx(realised + 1, abs=0.005)
    assert _organisations(incremental) == _organisations(tmp_path / "full.db")
    (corpus / "S21736.txt").unlink()  # described, in neither small list
    made.clear()
    assert build(corpus, incremental).removed == 1
    assert updated == [1, 1]
    assert made == []  # S21736 has no list row to make its row of: its row goes, nothing is made
    build(corpus, tmp_path / "full-2.db", full=True)
    assert _index(incremental) == _index(tmp_path / "full-2.db")
    assert _organisations(incremental) == _organisations(tmp_path / "full-2.db")
    assert _misplaced(incremental) == []
    assert "S21736" not in {row[0] for row in _index(incremental)}


def test_a_grown_fetch_log_is_loaded_again_and_the_lists_are_not(built_copy, tmp_path, monkeypatch):
    """Every harvest adds to the corpus's fetch log. When the log is all that changed besides a
    description, the build loads the log again but not the lists, so it makes again only the
    changed project's index row; and it holds what a full build holds."""
    import json

    from parser.archive import build as build_module
    from parser.archive import project_index
    from tests.test_archive import dump, vocabulary

    lists_loaded: list[int] = []
    load_lists = build_module.load_project_lists
    monkeypatch.setattr(build_module, "load_project_lists", lambda *args: lists_loaded.append(1) or load_lists(*args))
    made: list[str] = []
    index_rows = project_index._index_rows
    monkeypatch.setattr(project_index, "_index_rows", lambda db: (made.append(row[1]) or row for row in index_rows(db)))
    corpus, incremental = built_copy
    log = corpus / "harvest" / "fetch-log.jsonl"
    log.parent.mkdir()
    request = {"time": "2026-11-30T10:00:00+00:00", "kind": "page", "period": "2014-2020", "code": "S20334", "outcome": "saved",
               "url": "https://www.eura2014.fi/rrtiepa/projekti.php?projektikoodi=S20334", "status": 200}  # fmt: skip
    log.write_text(json.dumps(request) + "\n", encoding="utf-8")
    report = build(corpus, incremental)
    assert (report.parsed, report.nothing_changed, lists_loaded, made) == (0, False, [], [])
    log.write_text(log.read_text() + json.dumps({**request, "time": "2026-12-01T10:00:00+00:00", "outcome": "not_modified", "status": 304}) + "\n")
    path = corpus / "S10962.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("yhteensä: 593 048", "yhteensä: 593 049"), encoding="utf-8")
    assert build(corpus, incremental).parsed == 1
    assert (lists_loaded, made) == ([], ["S10962"])
    archive = sqlite_utils.Database(incremental)
    assert archive.execute("select time, status from fetch_log order by position").fetchall() == [
        ("2026-11-30T10:00:00+00:00", 200), ("2026-12-01T10:00:00+00:00", 304)]
    build(corpus, tmp_path / "full.db", full=True)
    assert dump(incremental) == dump(tmp_path / "full.db") and vocabulary(incremental) == vocabulary(tmp_path / "full.db")
    assert build(corpus, incremental).nothing_changed


def test_a_changed_list_is_indexed_anew_and_kept_in_step_after(built_copy, tmp_path, monkeypatch):
    """A list changed (a project's name, S10324, which no description has): the build replaces
    every row of the lists and makes their full-text index again in one pass, with its
    triggers back, and makes again the index row of that project alone; the archive, its
    indexes and its vocabulary are a full build's. Then a row goes from the list."""
    from parser.archive import project_index
    from tests.test_archive import dump, dump_search_index, vocabulary

    from parser.search import index

    made: list[str] = []
    index_rows = project_index._index_rows
    monkeypatch.setattr(project_index, "_index_rows", lambda db: (made.append(row[1]) or row for row in index_rows(db)))
    listed_terms: list[str] = []  # the indexes whose every term is listed (FTS5 reads them whole)
    index_terms = index._index_terms
    monkeypatch.setattr(index, "_index_terms", lambda connection, name: listed_terms.append(name) or index_terms(connection, name))
    corpus, incremental = built_copy
    listed = corpus / "reference" / "projektilista-2007-2013.csv"
    listed.write_bytes(listed.read_bytes().replace(b"S10324,ESR,HoivaRekry,", b"S10324,ESR,HoivaRekrytointi,"))
    assert build(corpus, incremental).parsed == 0
    assert made == ["S10324"]
    # The vocabulary: the lists' index before and after, not the descriptions' larger ones.
    assert listed_terms == ["project_list_fts", "project_list_fts"]
    archive = sqlite_utils.Database(incremental)
    found = archive.execute("select l.code from project_list l join project_list_fts f on f.rowid = l.rowid where project_list_fts match ?", ["hoivarekrytointi"])
    assert found.fetchall() == [("S10324",)]
    assert not archive.execute("select rowid from project_list_fts where project_list_fts match 'hoivarekry'").fetchall()
    triggers = {name for (name,) in archive.execute("select name from sqlite_master where type = 'trigger' and tbl_name = 'project_list'")}
    assert triggers == {"project_list_ai", "project_list_ad", "project_list_au"}
    build(corpus, tmp_path / "full.db", full=True)
    assert dump(incremental) == dump(tmp_path / "full.db")
    indexes, full_indexes = dump_search_index(incremental), dump_search_index(tmp_path / "full.db")
    # The vocabulary's rowids are the order its terms came in; its pairs are the same.
    assert indexes.pop("vocabulary_fts") and full_indexes.pop("vocabulary_fts") and indexes == full_indexes
    assert vocabulary(incremental) == vocabulary(tmp_path / "full.db")
    assert "hoivarekrytointi" in {term for _, term in vocabulary(incremental)}
    # S10327 leaves the list (its line goes): the rows after it move up, and so do their rowids.
    lines = listed.read_bytes().split(b"\n")
    listed.write_bytes(b"\n".join(line for line in lines if not line.startswith(b"S10327,")))
    made.clear()
    build(corpus, incremental)
    assert "S10327" not in made and "S10328" in made  # its row is deleted; the next one's rowid changed
    build(corpus, tmp_path / "full-2.db", full=True)
    assert dump(incremental) == dump(tmp_path / "full-2.db") and vocabulary(incremental) == vocabulary(tmp_path / "full-2.db")
    assert _misplaced(incremental) == [] and "S10327" not in {row[0] for row in _index(incremental)}


def test_another_municipality_key_matches_every_project_again(built_copy, tmp_path):
    """The key names Iisalmi (code 140, S10962's description names it) otherwise: an
    incremental build matches every project's places again and makes every index row again,
    as a full build does."""
    from tests.test_archive import dump, vocabulary

    corpus, incremental = built_copy
    iisalmi = "select code from project_areas where project_code = 'S10962' and name = 'Iisalmi'"
    assert sqlite_utils.Database(incremental).execute(iisalmi).fetchall() == [("140",)]
    key = corpus / "reference" / "municipalities.csv"
    key.write_bytes(key.read_bytes().replace(",Iisalmi,Idensalmi,".encode(), ",Iisalmi-X,Idensalmi-X,".encode()))
    build(corpus, incremental)
    assert sqlite_utils.Database(incremental).execute(iisalmi).fetchall() == [(None,)]
    build(corpus, tmp_path / "full.db", full=True)
    assert dump(incremental) == dump(tmp_path / "full.db") and vocabulary(incremental) == vocabulary(tmp_path / "full.db")
