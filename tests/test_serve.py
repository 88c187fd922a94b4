"""esr serve as a user starts it: Datasette on localhost, read-only, bounded."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from .conftest import ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(small_archive):
    """``esr serve`` on the session's small archive (the five samples, the small official lists):
    what is tested here is the server, whatever the size of the lists."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "parser", "serve", "--db", str(small_archive), "--port", str(port)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("esr serve did not start: " + process.stderr.read())
    yield base
    process.terminate()
    process.wait(timeout=10)


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def test_serves_the_archive_as_database_esr(server):
    status, body = get(server + "/esr/projects.json?_shape=array")
    assert status == 200
    assert sorted(row["code"] for row in json.loads(body)) == ["S10673", "S10962", "S20334", "S21736"]


def test_the_database_is_immutable_and_writes_are_refused(server):
    status, body = get(server + "/-/databases.json")
    assert [(d["name"], d["is_mutable"]) for d in json.loads(body)] == [("esr", False)]
    sql = urllib.parse.quote("delete from projects")
    status, _ = get(server + f"/esr.json?sql={sql}")
    assert status in (400, 403)
    request = urllib.request.Request(server + "/esr/projects", data=b"code=X", method="POST")
    try:
        urllib.request.urlopen(request, timeout=10)
        raise AssertionError("a POST to a table was accepted")
    except urllib.error.HTTPError as error:
        assert error.code in (403, 405)
    assert get(server + "/esr/projects.json?_shape=array")[1].count('"code"') == 4


def test_sql_time_and_row_limits(server):
    status, body = get(server + "/-/settings.json")
    settings = json.loads(body)
    assert (settings["sql_time_limit_ms"], settings["max_returned_rows"]) == (3000, 1000)
    # A query that never ends is interrupted: here at the 0.2 s a page may ask for (Datasette's
    # ``_timelimit``, never above the server's own limit), by the same means that stops it at
    # the server's 3 s, which the test then need not wait for.
    slow = urllib.parse.quote("with recursive r(i) as (select 1 union all select i + 1 from r) select count(*) from r")
    started = time.monotonic()
    status, body = get(server + f"/esr.json?sql={slow}&_timelimit=200")
    assert status == 400 and "interrupted" in body.lower()
    assert time.monotonic() - started < 2.5  # not the server's 3 s


def test_serve_without_an_archive_is_a_clear_error(tmp_path):
    result = subprocess.run([sys.executable, "-m", "parser", "serve", "--db", str(tmp_path / "esr.db")], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip() == f"esr: error: no archive at {tmp_path / 'esr.db'}: run 'esr build' first"
