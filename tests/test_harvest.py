"""esr fetch against a replica of the service: politeness, versions, resuming, and the build."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from parser.archive.build import build
from parser.corpus import scan_documents
from parser.harvest.client import USER_AGENT, PoliteClient
from parser.harvest.harvest import Harvest, Target
from parser.harvest.log import read_log
from parser.parse import parse_bytes

from .conftest import CORPUS, ROOT
from .test_archive import dump, vocabulary
from .replica import (
    CHANGE_EUROS, CHANGING_CODE, FLAKY_CODE, GONE_CODES, NOT_FOUND_TEXT, PDF_CODE, RATE_LIMITED_CODE, SLOW_CODE, Replica,
)

#: The harvests' delay between requests: short, as every request of these tests waits it (a
#: hundred and more), but long enough to tell a kept delay from none (the gaps are asserted).
DELAY = 0.02
CHROME = ("Rakennerahastot.fi", "©", "Tietosuojaseloste", "Sivu päivitetty", "Työ- ja elinkeinoministeriö", "Hankehaku", "Etusivu")


def esr(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "parser", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def fetch_args(replica: Replica, corpus: Path, *extra: str) -> list[str]:
    return [
        "fetch", "--corpus", str(corpus), "--service-2007", replica.service_url("2007-2013"),
        "--service-2014", replica.service_url("2014-2020"), "--delay", str(DELAY), *extra,
    ]


def harvest(replica: Replica, corpus: Path, *, max_age_days: float = 7, **run) -> list:
    with PoliteClient(delay=DELAY, backoff=0.05, timeout=5) as client:
        job = Harvest(corpus, client, max_age=datetime.timedelta(days=max_age_days))
        targets = [Target(period, replica.service_url(period)) for period in ("2007-2013", "2014-2020")]
        return job.run(targets, **run)


def page_requests(replica: Replica) -> list:
    return [request for request in replica.requests if "projekti.php" in request.path]


def saved_pages(corpus: Path) -> dict[str, bytes]:
    folder = corpus / "harvest" / "pages"
    return {path.relative_to(corpus).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*.html"))}


def record_strings(value) -> list[str]:
    if isinstance(value, dict):
        return [s for item in value.values() for s in record_strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in record_strings(item)]
    return [value] if isinstance(value, str) else []


@pytest.fixture(scope="module")
def first_harvest(tmp_path_factory):
    """One full harvest (both periods, ESR) of a replica by the command; the replica answers one
    page with a PDF. (Retries are tested apart, with short backoffs.)"""
    corpus = tmp_path_factory.mktemp("harvest") / "corpus"
    with Replica(behaviours=False, pdf_codes={PDF_CODE}) as replica:
        started = time.monotonic()
        result = esr(*fetch_args(replica, corpus))
        seconds = time.monotonic() - started
        yield replica, corpus, result, list(replica.requests), seconds


def test_a_full_harvest_keeps_every_description_and_logs_every_request(first_harvest):
    replica, corpus, result, requests, _ = first_harvest
    # The PDF answer is refused: the run says so and exits 1.
    assert result.returncode == 1
    assert f"esr: error: 2014-2020 {PDF_CODE}: not a web page: the server answered application/pdf" in result.stderr
    pages = saved_pages(corpus)
    by_code = {Path(name).parent.name for name in pages}
    expected = (set(replica.description_codes("2007-2013")) | set(replica.description_codes("2014-2020"))) - {PDF_CODE}
    assert by_code == {code for code in expected if code.startswith("S")}
    assert all(len(list((corpus / "harvest" / "pages").glob(f"*/{code}/*.html"))) == 1 for code in by_code)
    # Kept as served: the bytes of the file are the bytes the log says were served.
    log = list(read_log(corpus / "harvest" / "fetch-log.jsonl"))
    saved = {entry.file: entry for entry in log if entry.file}
    for name, data in pages.items():
        assert saved[name].sha256 == hashlib.sha256(data).hexdigest()
        assert saved[name].status == 200 and saved[name].content_type.startswith("text/html")
        assert saved[name].etag
    outcomes = {(entry.kind, entry.code): entry.outcome for entry in log}
    assert outcomes[("page", GONE_CODES["2014-2020"])] == "no_description"
    assert outcomes[("page", GONE_CODES["2007-2013"])] == "no_description"
    assert outcomes[("page", PDF_CODE)] == "failed"
    assert outcomes[("list", None)] == "new"
    assert len(list((corpus / "harvest" / "lists").glob("*/*.html"))) == 2
    # EAKR pages are not asked for by default.
    assert not any(request.code and request.code.startswith("A") for request in requests)
    # 2014-2020's list has 10 S codes: 8 descriptions, the gone code and the PDF.
    assert "esr: 2014-2020: list new; pages: 8 new, 1 without a description, 1 failed\n" in result.stderr
    assert "esr: 2007-2013: list new; pages: 3 new, 1 without a description\n" in result.stderr


def test_the_harvester_is_a_polite_guest(first_harvest):
    replica, corpus, result, requests, _ = first_harvest
    assert requests[0].path == "/robots.txt"
    assert {request.header("user-agent") for request in requests} == {USER_AGENT}
    assert USER_AGENT.startswith("esr-arkisto/0.1.0 ")
    for before, after in zip(requests, requests[1:]):
        assert after.time >= before.finished, "two requests at once"
        assert after.time - before.time >= DELAY, (before.path, after.path)


def test_503_and_429_are_retried_with_a_backoff_that_honours_retry_after(tmp_path):
    with Replica(behaviours=False, failures={FLAKY_CODE: 2}, rate_limits={RATE_LIMITED_CODE: 1}, retry_after="1", delays={SLOW_CODE: 0.3}) as replica:
        reports = harvest(replica, tmp_path / "corpus", codes=[FLAKY_CODE, RATE_LIMITED_CODE, SLOW_CODE])
        requests = page_requests(replica)
    assert reports[1].pages["new"] == 3
    assert [request.status for request in requests if request.code == FLAKY_CODE] == [503, 503, 200]
    limited = [request for request in requests if request.code == RATE_LIMITED_CODE]
    assert [request.status for request in limited] == [429, 200]
    # The backoff here is 0.05 s: the wait of a second is the server's Retry-After.
    assert limited[1].time - limited[0].finished >= 1.0
    assert [request.status for request in requests if request.code == SLOW_CODE] == [200]
    for before, after in zip(requests, requests[1:]):
        assert after.time >= before.finished and after.time - before.time >= DELAY
    log = [entry for entry in read_log(tmp_path / "corpus" / "harvest" / "fetch-log.jsonl") if entry.kind == "page"]
    assert [(entry.code, entry.attempts) for entry in log] == [(FLAKY_CODE, 3), (RATE_LIMITED_CODE, 2), (SLOW_CODE, 1)]


def test_chrome_never_reaches_the_record(first_harvest):
    replica, corpus, *_ = first_harvest
    for name, data in saved_pages(corpus).items():
        document = parse_bytes(data, name)
        assert document.kind == "description", name
        code = Path(name).parent.name
        assert document.project.code == code
        assert document.warnings == [], (name, document.warnings)
        strings = record_strings(document.model_dump(mode="json", exclude={"source"}))
        assert not [s for s in strings for mark in CHROME if mark in s], name
        # The page says what the description says: the same record as its plain text.
        plain = parse_bytes(replica.description_text(code).encode("utf-8"), "plain.txt")
        assert document.project == plain.project and document.text == plain.text, name


def test_the_real_page_format_of_co_implementers(first_harvest):
    _, corpus, *_ = first_harvest
    (name,) = [name for name in saved_pages(corpus) if f"/{CHANGING_CODE}/" in name]
    project = parse_bytes((corpus / name).read_bytes(), name).project
    assert [(c.name, c.type, c.business_id) for c in project.co_implementers] == [
        ("Jyväskylän kaupunki", "Kunta", "0208201-1"), ("Keski-Suomen Työpajayhdistys ry", None, "2925315-9"),
    ]
    assert project.applicants is not None and "Osatoteuttaja" not in project.applicants
    (empty,) = [name for name in saved_pages(corpus) if "/S21002/" in name]
    assert parse_bytes((corpus / empty).read_bytes(), empty).project.co_implementers == []


def test_pages_in_iso_8859_1_read_right(first_harvest):
    _, corpus, *_ = first_harvest
    (name,) = [name for name in saved_pages(corpus) if "/S10962/" in name]
    data = (corpus / name).read_bytes()
    assert b"\xe4" in data and "ä".encode() not in data
    project = parse_bytes(data, name).project
    assert project.name == parse_bytes((CORPUS / "S10962.txt").read_bytes(), "S10962.txt").project.name
    assert "työllistymisen edistäjänä" in project.name


def test_a_second_harvest_keeps_the_changed_version_beside_the_old(tmp_path):
    corpus = tmp_path / "corpus"
    with Replica(behaviours=False) as replica:
        harvest(replica, corpus)
        before = saved_pages(corpus)
        replica.clear_requests()
        # Fresh pages are not asked for again...
        reports = harvest(replica, corpus)
        assert page_requests(replica) == []
        # 2007-2013: 3 descriptions and the gone code; 2014-2020: 9 and the gone code.
        assert [report.pages["skipped"] for report in reports] == [4, 10]
        # ...an older one is, conditionally; round 1 again: every page is as it was (304).
        reports = harvest(replica, corpus, max_age_days=0)
        assert all(request.conditional for request in page_requests(replica))
        assert [report.pages["not_modified"] for report in reports] == [4, 10]
        replica.clear_requests()
        # The archive of round 1, to be brought up to date after round 2 (below).
        (corpus / "reference").mkdir()
        (corpus / "reference" / "municipalities.csv").write_bytes((CORPUS / "reference" / "municipalities.csv").read_bytes())
        assert build(corpus, tmp_path / "brought-up-to-date.db").failed == 0
        replica.round = 2
        reports = harvest(replica, corpus, max_age_days=0)
    after = saved_pages(corpus)
    new = sorted(set(after) - set(before))
    assert len(new) == 1 and f"/{CHANGING_CODE}/" in new[0]
    assert {name: after[name] for name in before} == before  # nothing overwritten
    assert [(report.pages["changed"], report.pages["unchanged"]) for report in reports] == [(0, 3), (1, 8)]
    # Every page's footer date changed: no version for that.
    assert all(request.status == 200 for request in page_requests(replica) if request.code != GONE_CODES["2014-2020"])

    # The build: the newest version is the project; the older one is history, not a duplicate.
    report = build(corpus, tmp_path / "esr.db")
    assert report.failed == 0
    # Round 1's archive brought up to date (a changed page, a changed list, a longer log): the
    # same content and vocabulary as this new one.
    assert build(corpus, tmp_path / "brought-up-to-date.db").parsed == 1
    assert dump(tmp_path / "brought-up-to-date.db") == dump(tmp_path / "esr.db")
    assert vocabulary(tmp_path / "brought-up-to-date.db") == vocabulary(tmp_path / "esr.db")
    db = sqlite3.connect(tmp_path / "esr.db")
    assert db.execute("select document_id from projects where code = ?", [CHANGING_CODE]).fetchone() == (new[0],)
    assert db.execute("select count(*) from parse_warnings where code = 'duplicate_project'").fetchone() == (0,)
    versions = db.execute(
        "select current, eu_state_realised, http_status from document_versions where code = ? order by fetched_at", [CHANGING_CODE]
    ).fetchall()
    old_realised = versions[0][1]
    assert versions == [(0, old_realised, 200), (1, old_realised + CHANGE_EUROS, 200)]
    changes = db.execute(
        "select kind, field, old_value, new_value from project_changes where code = ? order by kind, field", [CHANGING_CODE]
    ).fetchall()
    assert ("description", "eu_state_realised", old_realised, old_realised + CHANGE_EUROS) in changes
    assert ("list", "eu_state_realised", old_realised, old_realised + CHANGE_EUROS) in changes
    # The list of the second round is project_list; the first round's rows are history.
    assert db.execute("select eu_state_realised from project_list where code = ?", [CHANGING_CODE]).fetchone() == (old_realised + CHANGE_EUROS,)
    assert db.execute("select count(*) from project_list_history where code = ?", [CHANGING_CODE]).fetchone() == (1,)
    # Neither the fetch log nor the list pages are documents; every request is in fetch_log.
    documents = {row[0] for row in db.execute("select id from documents")}
    assert documents == set(after)
    log_lines = (corpus / "harvest" / "fetch-log.jsonl").read_text().count("\n")
    assert db.execute("select count(*) from fetch_log").fetchone() == (log_lines,)


def test_a_killed_harvest_resumes_without_fetching_anything_twice(tmp_path):
    corpus = tmp_path / "corpus"
    with Replica(behaviours=False) as replica:
        process = subprocess.Popen(
            [sys.executable, "-m", "parser", *fetch_args(replica, corpus)[:-2], "--delay", "0.15"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while len(page_requests(replica)) < 4 and time.monotonic() < deadline:
            time.sleep(0.02)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        first = [request.code for request in page_requests(replica) if request.status == 200]
        assert 4 <= len(first) < 14
        # Only whole files: none half written, none under a temporary name.
        assert not list(corpus.rglob("*.tmp")) and not list(corpus.rglob(".*"))
        logged = {entry.code for entry in read_log(corpus / "harvest" / "fetch-log.jsonl") if entry.kind == "page"}
        assert logged <= set(first) and len(logged) >= len(first) - 1
        replica.clear_requests()
        result = esr(*fetch_args(replica, corpus))
        assert result.returncode == 0, result.stderr
        second = [request.code for request in page_requests(replica)]
        all_esr = {code for period in ("2007-2013", "2014-2020") for code in replica.codes(period) if code.startswith("S")}
    # A page whose answer the killed run logged is not asked for again; at most the one whose
    # answer the kill cut short is.
    assert not set(second) & logged
    assert set(first) | set(second) == all_esr
    assert len({Path(name).parent.name for name in saved_pages(corpus)}) == 12


def test_robots_txt_that_disallows_stops_the_run_with_a_clear_message(tmp_path):
    corpus = tmp_path / "corpus"
    with Replica(behaviours=False, robots_txt="User-agent: *\nDisallow: /eura2014/rrtiepa/projekti.php\n") as replica:
        result = esr(*fetch_args(replica, corpus, "--period", "2014-2020"))
        asked = [request.path for request in replica.requests]
        port = replica.port
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"esr: error: robots.txt of 127.0.0.1:{port} disallows /eura2014/rrtiepa/projekti.php?projektikoodi=S20334 for esr-arkisto: stopping"
    )
    assert not any("projekti.php" in path for path in asked)


def test_a_code_asked_for_that_no_list_holds_is_an_error(tmp_path):
    with Replica(behaviours=False) as replica:
        result = esr(*fetch_args(replica, tmp_path / "corpus", "--code", "S20334", "--code", "S29999"))
        codes = [request.code for request in page_requests(replica)]
    assert codes == ["S20334"]
    assert "esr: error: S29999 is in no list of 2007-2013, 2014-2020" in result.stderr
    assert result.returncode == 1


def test_too_large_and_timed_out_answers_fail_and_are_logged(tmp_path):
    corpus = tmp_path / "corpus"
    with Replica(behaviours=False, oversize={"S20777": 3 * 1024 * 1024}, delays={SLOW_CODE: 1.5}) as replica:
        with PoliteClient(delay=DELAY, backoff=0.01, retries=1, timeout=0.5, max_bytes=1024 * 1024) as client:
            job = Harvest(corpus, client)
            reports = job.run([Target("2014-2020", replica.service_url("2014-2020"))], codes=["S20777", SLOW_CODE, "S20334"])
    assert reports[0].pages["failed"] == 2 and reports[0].pages["new"] == 1
    errors = dict(reports[0].failures)
    assert errors["S20777"].startswith("too large")
    assert errors[SLOW_CODE] == "timed out"
    log = [entry for entry in read_log(corpus / "harvest" / "fetch-log.jsonl") if entry.kind == "page"]
    assert [(entry.code, entry.outcome) for entry in log] == [("S20777", "failed"), (SLOW_CODE, "failed"), ("S20334", "new")]


def test_the_replica_page_of_an_unknown_code_is_not_a_document(tmp_path):
    with Replica(behaviours=False) as replica:
        reports = harvest(replica, tmp_path / "corpus", codes=[GONE_CODES["2014-2020"]])
        (request,) = page_requests(replica)
    assert request.status == 200
    assert reports[1].pages["no_description"] == 1
    assert scan_documents(tmp_path / "corpus") == {}
    entry = list(read_log(tmp_path / "corpus" / "harvest" / "fetch-log.jsonl"))[-1]
    assert (entry.outcome, entry.file, entry.status) == ("no_description", None, 200)
    assert NOT_FOUND_TEXT


def test_fetch_log_lines_are_json_with_every_field(first_harvest):
    _, corpus, *_ = first_harvest
    lines = (corpus / "harvest" / "fetch-log.jsonl").read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    assert set(first) >= {"time", "url", "status", "content_type", "etag", "last_modified", "sha256", "outcome", "file"}
    assert datetime.datetime.fromisoformat(first["time"]).tzinfo is not None
