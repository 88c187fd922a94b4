"""The archive: tables, keys, views, reference data, incremental and atomic builds."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlite_utils

from parser.archive.build import build

from .conftest import CORPUS, ROOT, copy_corpus, esr_in_process

REFERENCE = CORPUS / "reference"
#: What a build says of the small lists (``SMALL_REFERENCE``, which ``copy_corpus`` copies).
#: Counted by hand in tests/fixtures/reference/: 23 data lines in projektilista-2007-2013.csv
#: and 19 in projektilista-2014-2020-snapshot.csv (each file's lines less its header), 42 rows;
#: flagged: the eight 2014-2020 rows the README lists (A70305, A70355, A70356, A70359, A70408,
#: A70499, A71264, S20774), none of 2007-2013.
SMALL_LIST_NOTE = "official project lists: 42 rows loaded, 8 flagged as not repairable with certainty (project_list.flag; their raw lines are kept)"


@pytest.fixture(scope="module")
def archive(built_archive_and_report) -> sqlite_utils.Database:
    """The session's shared build of the real corpus with the full official lists (read only)."""
    db, report = built_archive_and_report
    assert (report.parsed, report.failed) == (5, 0)
    assert report.notes == ["official project lists: 22,821 rows loaded, 24 flagged as not repairable with certainty (project_list.flag; their raw lines are kept)"]
    return sqlite_utils.Database(db)


def count(db: sqlite_utils.Database, sql: str, params=()) -> int:
    return db.execute(sql, params).fetchone()[0]


def dump(path: Path) -> dict[str, list[tuple]]:
    """Every table's rows, sorted: the database's content, whatever the order rows were written in."""
    db = sqlite_utils.Database(path)
    return {
        name: sorted(db.execute(f"select * from [{name}]").fetchall(), key=repr)
        for name in db.table_names()
        if "_fts" not in name and not name.startswith("sqlite_")
    }


def dump_search_index(path: Path) -> dict[str, list[tuple]]:
    """Every full-text index's rows (with their rowids), sorted: what ``dump`` leaves out."""
    db = sqlite_utils.Database(path)
    names = [name for name in db.table_names() if name.endswith("_fts")]
    return {name: sorted(db.execute(f"select rowid, * from [{name}]").fetchall(), key=repr) for name in names}


def vocabulary(path: Path) -> list[tuple[str, str]]:
    """The search vocabulary's (key, term) pairs, sorted: an incremental build brings it up to
    date from the changed rows' terms alone, a full build makes it from every index's terms."""
    return sorted(sqlite_utils.Database(path).execute("select key, term from vocabulary_fts").fetchall())


def test_row_counts_of_every_table(archive):
    # Counted by hand from the five documents and the reference files.
    tables = [name for name in archive.table_names() if "_fts" not in name and not name.startswith("sqlite_")]
    assert {name: archive[name].count for name in tables} == {
        "documents": 5,
        "projects": 4,
        "organisations": 3,  # Kuopion kaupunki (twice), Jupiter-säätiö, KRIS-Oulu ry
        "co_implementers": 0,
        "project_areas": 39,  # S10962 1+5+6, S10673 1+4+16, S20334 1+1+1, S21736 1+1+1
        "indicators": 12,  # four per 2007-2013 description, two per 2014-2020 one
        "horizontal_ratings": 8,
        "sustainability_scores": 30,
        "extra_fields": 0,
        "parse_warnings": 2,  # Nilsiä and Vähäkyrö have no code in the 2013- key
        "description_values": 4,  # one per description
        "project_list": 22821,
        "project_list_history": 0,  # each code is in one list only
        "eura2021_projects": 0,  # nothing imported
        "fetch_log": 0,  # nothing harvested
        "document_versions": 0,
        "project_index": 22822,  # every list code, and S21736, which the 2016 snapshot predates
        "organisation_index": archive.execute("select count(distinct organisation_key) from organisation_projects").fetchone()[0],
        "organisation_projects": 22821,  # one implementer per indexed project (one list row has none), no co-implementers
        "municipalities": 4365,
        "build_info": 4,  # parser and search fingerprints, reference hashes, contacts
    }


def test_keys_and_indexes(archive):
    assert archive["projects"].pks == ["code"]
    assert archive["project_areas"].pks == ["project_code", "level", "position"]
    foreign = {(fk.column, fk.other_table, fk.other_column) for fk in archive["projects"].foreign_keys}
    assert ("document_id", "documents", "id") in foreign
    assert ("implementer_business_id", "organisations", "business_id") in foreign
    indexed = {tuple(index.columns) for index in archive["projects"].indexes}
    for column in ("managing_authority", "period", "fund", "status", "priority_axis_number", "implementer_business_id"):
        assert (column,) in indexed


def test_projects_columns_are_the_contract_members_flattened(archive):
    row = archive["projects"].get("S10962")
    assert row["implementer_business_id"] == "0171450-7"
    assert row["priority_axis_number"] == "2"
    assert row["eu_state_granted"] == 560897
    assert row["public_realised"] == 593048
    assert row["start_date"] == "2009-07-01"
    assert row["contact_email"] == "jarmo.rautjarvi@kuopio.fi"
    assert row["exemplary"] is None
    assert archive["projects"].get("S20334")["exemplary"] == 1
    assert row["document_id"] == "S10962.txt"
    assert row["summary"].startswith("Savon malli ( Kuopio, Iisalmi, Suonenjoki ja Leppävirta)")


def test_documents_table_holds_the_other_document(archive):
    row = archive["documents"].get("asumisen-tukemisen-toimintamalli.txt")
    assert (row["kind"], row["template"], row["project_code"], row["status"]) == ("other", None, None, "parsed")
    assert row["title"] == "ASUMISEN TUKEMISEN TOIMINTAMALLI"


def test_funding_realisation_view(archive):
    row = next(archive.query("select * from funding_realisation where code = 'S10962'"))
    assert row["eu_state_realisation_rate"] == round(517750 / 560897, 4)
    assert row["public_realisation_rate"] == round(593048 / 640962, 4)
    assert row["managing_authority"] == "Etelä-Savon elinkeino-, liikenne- ja ympäristökeskus"


def test_project_list_rows_with_commas_come_out_whole(archive):
    # Checked by hand against the raw lines of projektilista-2007-2013.csv.
    row = archive["project_list"].get("S10324")
    assert row["name"] == "HoivaRekry"
    assert row["managing_authority"] == "Hämeen elinkeino-, liikenne- ja ympäristökeskus"
    assert row["implementer_name"] == "Helsingin yliopiston Koulutus- ja kehittämiskeskus Palmenia"
    assert (row["start_date"], row["end_date"]) == ("2008-04-01", "2010-12-31")
    assert (row["eu_state_granted"], row["public_realised"]) == (308999, 366699)
    row = archive["project_list"].get("S10327")
    assert row["name"] == "Samapalkkaisuus, tasa-arvo ja uudet palkkausjärjestelmät (SATU)"
    assert row["managing_authority"] == "Sosiaali- ja terveysministeriö"
    assert row["source_list"] == "projektilista-2007-2013.csv" and row["list_date"] == "2015-12-31"


def test_every_list_row_loads_and_the_2007_amounts_add_up(archive):
    raw = (REFERENCE / "projektilista-2007-2013.csv").read_bytes().decode("cp1252").splitlines()[1:]
    totals = [0, 0, 0, 0]
    for line in raw:
        for i, amount in enumerate(line.rsplit(",", 4)[1:]):
            totals[i] += int(amount)
    sums = archive.execute(
        "select sum(eu_state_granted), sum(eu_state_realised), sum(public_planned), sum(public_realised) "
        "from project_list where source_list = 'projektilista-2007-2013.csv'"
    ).fetchone()
    assert list(sums) == totals
    assert count(archive, "select count(*) from project_list where source_list = 'projektilista-2007-2013.csv'") == 19940
    assert count(archive, "select count(*) from project_list where source_list = 'projektilista-2014-2020-snapshot.csv'") == 2881


def test_projects_join_the_list_by_code(archive):
    joined = archive.execute("select p.code from projects p join project_list l on l.code = p.code order by p.code").fetchall()
    # S21736 started in 2019, after the 2014-2020 snapshot was taken.
    assert joined == [("S10673",), ("S10962",), ("S20334",)]


def test_discrepancies_name_both_values(archive):
    rows = {(r["project_code"], r["field"]): (r["description_value"], r["list_value"]) for r in archive.query("select * from discrepancies")}
    # The 2014-2020 list is a snapshot of about 2016, when S20334 was still running.
    assert rows[("S20334", "status")] == ("Toiminta päättynyt", "Toiminnassa")
    assert rows[("S20334", "eu_state_realised")] == (348690, 64798.16)
    assert not any(code in {"S10962", "S10673"} for code, _ in rows)


def test_municipality_codes_and_place_warnings(archive):
    codes = {(r["project_code"], r["level"], r["name"]): r["code"] for r in archive.query("select * from project_areas")}
    assert codes[("S10962", "municipality", "Kuopio")] == "297"
    assert codes[("S10962", "municipality", "Nilsiä")] is None
    assert codes[("S10962", "subregion", "Kuopion")] == "112"
    assert codes[("S10673", "subregion", "Jakobstadsregionen")] == "154"
    assert codes[("S21736", "municipality", "Oulu")] == "564"
    assert codes[("S21736", "region", "Pohjois-Pohjanmaa")] == "17"
    messages = [r["message"] for r in archive.query("select message from parse_warnings where code = 'municipality_not_matched' order by document_id")]
    assert len(messages) == 2 and "'Vähäkyrö'" in messages[0] and "'Nilsiä'" in messages[1]
    assert all("merged" in m for m in messages)


def test_organisations_one_row_per_business_id_named_as_most_recently_written(archive):
    row = archive["organisations"].get("0171450-7")
    # S10962 (2009) writes "Kuopion Kaupunki", S20334 (2015) "Kuopion kaupunki".
    assert (row["name"], row["type"], row["implementer_projects"]) == ("Kuopion kaupunki", "Kunta", 2)
    projects = archive.execute("select code from projects where implementer_business_id = '0171450-7' order by code").fetchall()
    assert projects == [("S10962",), ("S20334",)]


def test_full_text_search(archive):
    # The projects table's search box searches project_index_fts, whose described rows have
    # the projects rowids: "asunnottomuuden" is in S10962's description (and in the document
    # asumisen-tukemisen-toimintamalli.txt, which describes no project).
    hits = archive.execute("select code from projects where rowid in (select rowid from project_index_fts where project_index_fts match 'asunnottomuuden') order by code").fetchall()
    assert hits == [("S10962",)]
    hits = archive.execute("select id from documents where rowid in (select rowid from documents_fts where documents_fts match 'asumisneuvontatoiminnan')").fetchall()
    assert hits == [("asumisen-tukemisen-toimintamalli.txt",)]
    assert archive["project_index"].detect_fts() == "project_index_fts"
    assert archive["projects"].detect_fts() is None  # the descriptions' texts are tokenized once


def test_incremental_rebuild_parses_only_the_changed_file(built_copy, small_archive_and_report):
    corpus, db = built_copy  # the small corpus, built (the session's build of it, copied)
    assert small_archive_and_report[1].notes == [SMALL_LIST_NOTE]
    assert sqlite_utils.Database(db)["project_list"].count == 42  # 23 + 19 data lines, counted above
    path = corpus / "S10962.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("Myönnetty EU- ja valtion rahoitus: 560 897", "Myönnetty EU- ja valtion rahoitus: 570 000"), encoding="utf-8")
    report = build(corpus, db)
    assert (report.parsed, report.skipped, report.removed, report.failed) == (1, 4, 0, 0)
    archive = sqlite_utils.Database(db)
    assert archive["projects"].get("S10962")["eu_state_granted"] == 570000
    # The description now disagrees with the official list, which says 560 897.
    rows = list(archive.query("select * from discrepancies where project_code = 'S10962'"))
    assert [(r["field"], r["description_value"], r["list_value"]) for r in rows] == [("eu_state_granted", 570000, 560897)]
    assert build(corpus, db).nothing_changed


def test_removed_document_rows_disappear(built_copy):
    corpus, db = built_copy
    (corpus / "S10673.txt").unlink()
    report = build(corpus, db)
    assert (report.parsed, report.removed) == (0, 1)
    archive = sqlite_utils.Database(db)
    assert archive["documents"].count == 4
    for table in ("projects", "project_areas", "indicators", "horizontal_ratings"):
        column = "code" if table == "projects" else "project_code"
        assert count(archive, f"select count(*) from {table} where {column} = 'S10673'") == 0
    assert count(archive, "select count(*) from parse_warnings where document_id = 'S10673.txt'") == 0
    assert archive["organisations"].get("0171450-7")["implementer_projects"] == 2
    assert count(archive, "select count(*) from organisations where business_id = '1724298-9'") == 0


def test_incremental_and_full_builds_have_the_same_content(built_copy, tmp_path):
    corpus, incremental = built_copy
    full = tmp_path / "full.db"
    (corpus / "S21736.txt").unlink()
    shutil.copy(CORPUS / "S20334.txt", corpus / "A-copy-of-S20334.txt")  # sorts first: it wins
    build(corpus, incremental)
    build(corpus, full, full=True)
    assert dump(incremental) == dump(full)
    assert vocabulary(incremental) == vocabulary(full)
    archive = sqlite_utils.Database(full)
    assert archive["projects"].get("S20334")["document_id"] == "A-copy-of-S20334.txt"
    [warning] = archive.query("select * from parse_warnings where code = 'duplicate_project'")
    assert warning["document_id"] == "S20334.txt" and "A-copy-of-S20334.txt" in warning["message"]
    # The copy goes again: the original is loaded once more.
    (corpus / "A-copy-of-S20334.txt").unlink()
    build(corpus, incremental)
    build(corpus, full, full=True)
    assert dump(incremental) == dump(full)
    assert vocabulary(incremental) == vocabulary(full)
    assert sqlite_utils.Database(incremental)["projects"].get("S20334")["document_id"] == "S20334.txt"


def test_same_inputs_same_content(built_copy, tmp_path):
    """The session's build of the small corpus (all cores, in a test process) and builds in two
    fresh processes whose string hashes differ (so do set order and any hash-keyed choice), one
    with one worker and one with two: the same content, row for row."""
    corpus, shared = built_copy
    for seed, jobs in (("1", "1"), ("2", "2")):
        result = subprocess.run(
            [sys.executable, "-m", "parser", "build", str(corpus), "--db", str(tmp_path / f"seed-{seed}.db"), "--jobs", jobs],
            cwd=ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONHASHSEED": seed},
        )
        assert result.returncode == 0, result.stderr
    here = dump(shared)
    assert here["project_list"] and here["projects"] and here["parse_warnings"]  # something to compare
    assert dump(tmp_path / "seed-1.db") == here
    assert dump(tmp_path / "seed-2.db") == here
    index = dump_search_index(shared)
    assert all(index[name] for name in ("project_index_fts", "documents_fts", "vocabulary_fts"))
    assert dump_search_index(tmp_path / "seed-1.db") == index
    assert dump_search_index(tmp_path / "seed-2.db") == index


def test_a_bad_document_is_recorded_not_fatal(tmp_path):
    corpus = copy_corpus(tmp_path, reference=False)
    (corpus / "scan.pdf").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    (corpus / "empty.txt").write_bytes(b"")
    report = build(corpus, tmp_path / "esr.db")
    assert (report.parsed, report.failed) == (5, 2)
    archive = sqlite_utils.Database(tmp_path / "esr.db")
    failed = {r["id"]: r["error"] for r in archive.query("select id, error from documents where status = 'failed'")}
    assert failed == {"empty.txt": "empty file: no text in it", "scan.pdf": "not a PDF: the file starts like a PNG image"}
    assert archive["projects"].count == 4
    assert archive["project_list"].count == 0  # no reference folder: the build still works


def esr(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "parser", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_build_command_exit_codes_and_summary(tmp_path):
    # The command's own exit codes and lines, in this process (click's runner); the last build,
    # with a failed document, as the real command, whose stderr would show a traceback.
    corpus = copy_corpus(tmp_path, reference=False)
    result = esr_in_process("build", str(corpus), "--db", str(tmp_path / "esr.db"))
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().splitlines()[-1] == "esr: 5 documents: 5 parsed, 0 unchanged, 0 failed, 0 removed; 0 warnings in the archive"
    assert "esr: note: reference/municipalities.csv is missing from the corpus: its table stays empty" in result.stderr
    result = esr_in_process("build", str(corpus), "--db", str(tmp_path / "esr.db"))
    assert result.stderr.strip().splitlines()[-1] == "esr: nothing changed: 5 documents, all up to date"
    (corpus / "S10673.txt").write_text((CORPUS / "S10673.txt").read_text(encoding="utf-8").replace("Y-tunnus: 1724298-9", "Y-tunnus: 1724298-8"), encoding="utf-8")
    assert esr_in_process("build", str(corpus), "--db", str(tmp_path / "esr.db")).returncode == 0
    (corpus / "S10673.txt").write_text((CORPUS / "S10673.txt").read_text(encoding="utf-8").replace("Y-tunnus: 1724298-9", "Y-tunnus: 1724298-7"), encoding="utf-8")
    strict = esr_in_process("build", str(corpus), "--db", str(tmp_path / "esr.db"), "--strict")
    assert strict.returncode == 1 and "1 warnings in the archive" in strict.stderr
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4\n%%EOF")
    failed = esr("build", str(corpus), "--db", str(tmp_path / "esr.db"), cwd=ROOT)
    assert failed.returncode == 1
    assert "Traceback" not in failed.stderr
    assert "esr: error: broken.pdf: " in failed.stderr


def test_missing_corpus_is_a_clear_error(tmp_path):
    result = esr("build", str(tmp_path / "nowhere"), "--db", str(tmp_path / "esr.db"), cwd=ROOT)
    assert result.returncode == 2 and "does not exist" in result.stderr and "Traceback" not in result.stderr


def test_contacts_can_be_left_out(tmp_path):
    corpus = copy_corpus(tmp_path, reference=False)
    build(corpus, tmp_path / "esr.db", include_contacts=False)
    row = sqlite_utils.Database(tmp_path / "esr.db")["projects"].get("S10962")
    assert (row["contact_email"], row["contact_phone"]) == (None, None)
    assert row["contact_name"] == "Jarmo Rautjärvi"  # the person's role in the project stays public


#: Bytes past which a new archive's temporary holds documents' rows, not only its empty tables.
ROWS_WRITTEN = 1_000_000


def test_killed_build_leaves_the_previous_database_intact(built_copy, tmp_path):
    corpus, db = built_copy
    before = dump(db)
    # Enough changed documents that the build is still running when it is killed.
    for i in range(400):
        shutil.copy(CORPUS / "S20334.txt", corpus / f"copy-{i:03}.txt")
    process = subprocess.Popen([sys.executable, "-m", "parser", "build", str(corpus), "--db", str(db), "--full"], cwd=ROOT, stderr=subprocess.PIPE, start_new_session=True)
    # Killed once it is writing its documents' rows into its new database, not after a fixed
    # time (a fast machine could end the build within a fixed wait): its temporary (named with
    # its pid and a random token: unique to the build, even where pids repeat) has grown past
    # its empty tables (184 KB) on its way to the 10 MB the 405 documents take. It is stopped
    # there (its whole process group), so it cannot end before the kill.
    deadline = time.monotonic() + 120

    def temporary_size() -> int:
        found = list(tmp_path.glob(f".esr.db.{process.pid}.*.tmp"))
        return found[0].stat().st_size if found else 0

    while temporary_size() < ROWS_WRITTEN and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    os.killpg(process.pid, signal.SIGSTOP)
    assert process.poll() is None, "the build finished before it could be killed: make the corpus larger"
    [temporary] = tmp_path.glob(f".esr.db.{process.pid}.*.tmp")
    assert temporary.stat().st_size >= ROWS_WRITTEN
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert temporary.exists()  # what the killed build left behind
    assert dump(db) == before
    with sqlite3.connect(db) as connection:
        assert connection.execute("pragma integrity_check").fetchone() == ("ok",)
    # The next build clears what the killed one left behind, and finishes.
    report = build(corpus, db)
    assert report.documents == 405 and report.failed == 0
    assert not list(tmp_path.glob(".esr.db.*.tmp"))
    assert not list(tmp_path.glob(".esr.db.*.tmp-*"))  # nor its journal
