"""A running ``esr serve`` keeps serving the archive it started with while ``esr build`` replaces it.

The build moves a new ``esr.db`` into place with one ``os.replace``; Datasette opens its
connections by path, one per SQL thread, and the ``/esr.db`` download opens the path again.
This module serves a copy of the session's small archive (``small_archive``: the five samples and
the small official lists; nothing here depends on the size of the lists), replaces it exactly as
the build does with an archive of different content (one document fewer), and asks many
threads at once for the number of documents and for the ``/esr.db`` download: every answer
comes from the archive the server started with. It also checks the marker a server leaves
beside the archive (what ``esr build`` asks with :func:`parser.publish.serving.live_servers`).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from .conftest import ROOT, esr_in_process

COUNT_SQL = "/esr.json?" + urllib.parse.urlencode({"sql": "select count(*) as n from documents", "_shape": "array"})


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(archive: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "parser", "serve", "--db", str(archive), "--port", str(port)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        if process.poll() is not None:
            break
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=1)
            return process, base
        except OSError:
            time.sleep(0.1)
    process.kill()
    pytest.fail("esr serve did not start: " + process.stderr.read())


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def rebuild_with_one_document_fewer(archive: Path) -> None:
    """A different archive moved into place as ``esr build`` moves it: built beside, then os.replace."""
    temporary = archive.with_name(f".{archive.name}.{os.getpid()}.tmp")
    shutil.copyfile(archive, temporary)
    conn = sqlite3.connect(temporary)
    with conn:
        conn.execute("delete from documents where rowid = (select max(rowid) from documents)")
        conn.execute("update build_info set value = 'rebuilt' where key = 'parser'")
    conn.close()
    os.replace(temporary, archive)


@pytest.fixture(scope="module")
def served(tmp_path_factory, small_archive):
    """A server on a copy of the archive that has answered once: (process, base URL, archive path,
    its bytes). Its other SQL threads open their connections only after the rebuild."""
    archive = tmp_path_factory.mktemp("served") / "esr.db"
    shutil.copyfile(small_archive, archive)
    original = archive.read_bytes()
    process, base = start_server(archive)
    assert get(base + COUNT_SQL)[0] == 200
    yield process, base, archive, original
    stop_server(process)


def test_a_rebuild_under_a_running_server_changes_none_of_its_answers(served):
    _, base, archive, original = served
    (expected,) = json.loads(get(base + COUNT_SQL)[1])
    rebuild_with_one_document_fewer(archive)
    conn = sqlite3.connect(archive)
    assert conn.execute("select count(*) from documents").fetchone()[0] == expected["n"] - 1
    conn.close()
    # Enough requests, side by side, for each of the server's SQL threads to open its connection
    # after the rebuild; the downloads are the whole file each, so two suffice.
    with ThreadPoolExecutor(12) as pool:
        counts = list(pool.map(get, [base + COUNT_SQL] * 36))
        downloads = list(pool.map(get, [base + "/esr.db"] * 2))
    assert [status for status, _ in counts] == [200] * 36
    assert sorted({json.loads(body)[0]["n"] for _, body in counts}) == [expected["n"]]
    digest = hashlib.sha256(original).hexdigest()
    assert [(status, hashlib.sha256(body).hexdigest()) for status, body in downloads] == [(200, digest)] * 2
    status, body = get(base + "/esr/build_info.json?key=parser&_shape=array")
    assert status == 200 and json.loads(body)[0]["value"] != "rebuilt"


def test_a_running_server_is_known_by_its_marker(served):
    from parser.publish.serving import live_servers, serving_note

    process, base, archive, _ = served
    servers = live_servers(archive)
    assert process.pid in [server.pid for server in servers]
    marker = archive.parent / f".esr.db.served-by.{process.pid}"
    assert marker.is_dir()
    ours = next(server for server in servers if server.pid == process.pid)
    assert ours.url == base + "/esr"
    note = serving_note(archive)
    assert f"pid {process.pid}" in note and base + "/esr" in note
    assert "keeps serving the archive it started with until it is restarted" in note
    assert live_servers(archive.parent / "other" / "esr.db") == []


def test_a_stopped_server_leaves_nothing_and_a_dead_ones_marker_is_ignored(tmp_path, small_archive):
    from parser.publish.serving import live_servers, serving_note

    archive = tmp_path / "esr.db"
    shutil.copyfile(small_archive, archive)
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    stale = tmp_path / f".esr.db.served-by.{finished.pid}"
    stale.mkdir()
    os.link(archive, stale / "esr.db")
    (stale / "server.json").write_text(json.dumps({"pid": finished.pid, "url": "http://127.0.0.1:1/esr"}))
    assert live_servers(archive) == [] and serving_note(archive) is None
    process, _ = start_server(archive)
    try:
        assert [server.pid for server in live_servers(archive)] == [process.pid]
        assert not stale.exists()  # a new server removes the dead one's folder (and its old archive)
    finally:
        stop_server(process)
    assert live_servers(archive) == []
    assert sorted(path.name for path in tmp_path.iterdir()) == ["esr.db"]


def test_without_hard_links_the_server_holds_a_copy(tmp_path, small_archive, monkeypatch):
    from parser.publish import serving

    archive = tmp_path / "esr.db"
    shutil.copyfile(small_archive, archive)
    with serving.hold_archive(archive, "http://127.0.0.1:8001/esr") as held:
        assert held.path.name == "esr.db" and held.path.parent.parent == tmp_path
        assert held.linked and held.path.stat().st_ino == archive.stat().st_ino

    def no_links(source, target):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(serving.os, "link", no_links)
    with serving.hold_archive(archive, "http://127.0.0.1:8001/esr") as held:
        assert not held.linked and held.path.stat().st_ino != archive.stat().st_ino
        assert held.path.read_bytes() == archive.read_bytes()
        rebuild_with_one_document_fewer(archive)
        assert held.path.read_bytes() != archive.read_bytes()
        folder = held.path.parent
    assert not folder.exists()


def test_esr_build_says_when_it_replaced_an_archive_a_server_serves(tmp_path):
    from parser.publish.serving import hold_archive

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(ROOT / "corpus" / "S10962.txt", corpus / "S10962.txt")
    db = tmp_path / "db" / "esr.db"
    first = esr_in_process("build", str(corpus), "--db", str(db))
    assert first.returncode == 0 and "being served" not in first.stderr
    shutil.copy(ROOT / "corpus" / "S20334.txt", corpus / "S20334.txt")
    with hold_archive(db, "http://127.0.0.1:9999/esr"):
        result = esr_in_process("build", str(corpus), "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert (
        f"esr: note: {db} is being served by esr serve (pid {os.getpid()}, http://127.0.0.1:9999/esr), "
        "which keeps serving the archive it started with until it is restarted"
    ) in result.stderr


def test_esr_serve_refuses_an_archive_of_the_older_layout(tmp_path, small_archive):
    """An archive whose projects had a full-text index of their own: metadata.yml sends the
    projects' search box to project_index_fts, whose rowids that archive's index did not share
    with projects, so the box would list the wrong projects. Refused, and nothing changed."""
    db = tmp_path / "esr.db"
    shutil.copy(small_archive, db)
    with sqlite3.connect(db) as connection:
        connection.execute("create virtual table projects_fts using fts5(name, content='projects')")
    connection.close()
    before = db.read_bytes()
    result = esr_in_process("serve", "--db", str(db), "--port", "0")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"esr: error: {db} was built by an older version of esr, whose search tables this one misreads: rebuild it (esr build)"
    ]
    assert db.read_bytes() == before


def test_esr_serve_refuses_an_archive_not_named_esr_db(tmp_path, small_archive):
    other = tmp_path / "arkisto.db"
    shutil.copy(small_archive, other)
    result = subprocess.run([sys.executable, "-m", "parser", "serve", "--db", str(other), "--port", "0"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"esr: error: {other}: the archive must be named esr.db (its database is 'esr' in the published addresses): rename it"
    ]
