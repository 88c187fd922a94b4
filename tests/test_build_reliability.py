"""What a build promises when it is killed, crashes or meets another build: its parse workers
end with it, its temporary files are unique to it and removed by the next build, never an old
journal rolled into a new database, and one build of a database at a time.

The tests run the real command (``python -m parser build`` in a fresh process) and send real
signals, since what they check is what a user sees: exit codes, stderr lines, the files left in
the database folder, processes left running. tests/test_build_input.py covers bad input.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlite_utils

from parser.archive.build import build

from .conftest import CORPUS, ROOT
from .test_archive import copy_corpus, dump


def esr(*args: str, cwd: Path = ROOT, prefix: tuple[str, ...] = (), timeout: float = 300) -> subprocess.CompletedProcess:
    """The command in a fresh process (``prefix``: e.g. run it as another user)."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([*prefix, sys.executable, "-m", "parser", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)


def one_error(result: subprocess.CompletedProcess, words: str) -> str:
    """The one ``esr: error:`` line of a failed command, which must hold ``words``."""
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("esr: error: ")]
    assert len(errors) == 1, result.stderr
    assert words in errors[0], errors[0]
    return errors[0]


def leftovers(folder: Path, name: str = "esr.db") -> list[str]:
    """What builds left beside the database: temporaries and their journals (not the lock)."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(f".{name}.") and not p.name.endswith(".lock"))


# -- 2. workers end when their build ends -------------------------------------------------------


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory) -> Path:
    """The samples and 2,000 copies: a build of a few seconds on two cores."""
    corpus = copy_corpus(tmp_path_factory.mktemp("big"))
    for i in range(1000):
        shutil.copy(CORPUS / "S20334.txt", corpus / f"copy-{i:04}-a.txt")
        shutil.copy(CORPUS / "S10962.txt", corpus / f"copy-{i:04}-b.txt")
    return corpus


def _procs() -> list[tuple[int, str, int, int]]:
    """Every process: (pid, state, parent pid, session id), from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        found.append((int(entry), fields[0], int(fields[1]), int(fields[3])))
    return found


def _living(predicate) -> list[int]:
    return [pid for pid, state, ppid, sid in _procs() if state not in ("Z", "X") and predicate(pid, ppid, sid)]


def _start_build(corpus: Path, db: Path, *args: str, prefix: tuple[str, ...] = ()) -> subprocess.Popen:
    return subprocess.Popen(
        [*prefix, sys.executable, "-m", "parser", "build", str(corpus), "--db", str(db), *args],
        cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, start_new_session=True,
    )


def _wait_for(condition, process: subprocess.Popen, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert process.poll() is None, f"the build ended before {what}: {process.stderr.read()}"
        assert time.monotonic() < deadline, f"no {what} after {seconds} s"
        time.sleep(0.01)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM])
def test_workers_end_when_the_build_is_killed(big_corpus, tmp_path, signum):
    process = _start_build(big_corpus, tmp_path / "esr.db", "--jobs", "2")
    _wait_for(lambda: len(_living(lambda pid, ppid, sid: ppid == process.pid)) >= 2, process, "parse workers")
    time.sleep(0.3)
    assert process.poll() is None, "the build finished before it could be killed: make the corpus larger"
    os.kill(process.pid, signum)  # the parent only: its workers must follow by themselves
    process.wait(timeout=10)
    deadline = time.monotonic() + 2
    while (left := _living(lambda pid, ppid, sid: sid == process.pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert left == [], f"processes of the killed build still running: {left}"
    if signum == signal.SIGTERM:
        # A terminated build has time to say so and to clean up after itself.
        assert "Traceback" not in process.stderr.read()
        assert leftovers(tmp_path) == []


@pytest.mark.parametrize("archive", ["new", "brought up to date"])
def test_workers_end_when_the_build_fails(tmp_path, monkeypatch, bare_archive, archive):
    """An exception in the build (here: in the loader) stops the workers and the thread that
    hands their results over before it propagates, whether the build makes a new archive (its
    workers start before the tables) or brings one up to date (they start once it knows what
    changed). A thread left running made the interpreter's exit abort now and then ("FATAL:
    exception not rethrown", exit code -6)."""
    from parser.archive import load_documents

    corpus = copy_corpus(tmp_path, reference=False)
    db = tmp_path / "esr.db"
    if archive == "brought up to date":
        shutil.copyfile(bare_archive, db)  # what build(corpus, db) writes: only the copies are new
    for i in range(600):
        shutil.copy(CORPUS / "S20334.txt", corpus / f"copy-{i:04}.txt")

    def broken(self, *args, **kwargs):
        raise RuntimeError("the loader broke")

    monkeypatch.setattr(load_documents.DocumentLoader, "add", broken)
    # Children of this process the build did not start (the browser driver the browser tests
    # keep open for the whole session, conftest.py) are not the build's to end.
    before = set(_living(lambda pid, ppid, sid: ppid == os.getpid()))
    with pytest.raises(RuntimeError, match="the loader broke"):
        build(corpus, db, jobs=2)
    assert [thread.name for thread in threading.enumerate() if thread.name.startswith("esr-")] == []
    assert multiprocessing.active_children() == []
    assert set(_living(lambda pid, ppid, sid: ppid == os.getpid())) - before == set()
    assert leftovers(tmp_path) == []
    if archive == "new":
        assert not db.exists()
    else:
        assert db.read_bytes() == bare_archive.read_bytes()


# -- 3. temporaries: unique per build, stale ones removed, never an old journal -----------------


def test_no_op_rebuild_removes_what_dead_builds_left(tmp_path, bare_archive):
    corpus = copy_corpus(tmp_path, reference=False)
    db = tmp_path / "esr.db"
    shutil.copyfile(bare_archive, db)  # what build(corpus, db) writes (the session's build of it)
    for suffix in (".tmp", ".tmp-journal", ".tmp-wal", ".tmp-shm"):
        (tmp_path / f".esr.db.4000000{suffix}").write_bytes(b"x" * 1000)  # no such pid: a dead build
    (tmp_path / ".esr.db.4000001.f00d.tmp-journal").write_bytes(b"x")
    assert build(corpus, db).nothing_changed
    assert leftovers(tmp_path) == []


class _Stopped(BaseException):
    """Stands for a signal's exception (Ctrl+C, esr build's SIGTERM), raised between two lines."""


@pytest.mark.parametrize("where", ["temporary", "side index"])
def test_a_build_stopped_just_after_making_a_file_leaves_nothing(tmp_path, monkeypatch, where):
    """A signal lands after the temporary (or the full-text index's side file) exists and before
    the build has its name: the build still removes it, and no thread of its is left running."""
    from parser import search
    from parser.archive import build as build_module

    corpus = copy_corpus(tmp_path, reference=False)
    if where == "temporary":
        made = build_module._new_temporary

        def stopped_after(db_path):
            made(db_path)
            raise _Stopped

        monkeypatch.setattr(build_module, "_new_temporary", stopped_after)
    else:
        init = search.IndexAsLoaded.__init__

        def stopped_after(self, *args):
            init(self, *args)
            assert self.side.exists()  # the file the stop must not leave behind
            raise _Stopped  # the build never holds the index: nothing but the file may be left

        monkeypatch.setattr(search.IndexAsLoaded, "__init__", stopped_after)
    with pytest.raises(_Stopped):
        build(corpus, tmp_path / "esr.db", jobs=1)
    assert leftovers(tmp_path) == []
    assert multiprocessing.active_children() == []


_HOT_JOURNAL = """
import os, sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("pragma synchronous = off")  # fast: what matters is the journal left behind
connection.execute("create table t (x)")
connection.execute("begin")
connection.executemany("insert into t values (?)", [(os.urandom(400).hex(),) for _ in range(500)])
connection.execute("commit")
connection.execute("pragma cache_size = 2")
connection.execute("begin")
connection.execute("update t set x = x || 'y'")  # spills: pages written, the journal holds the old ones
os._exit(0)  # killed in the middle of the transaction: the journal is hot
"""


def test_a_reused_pid_never_meets_an_old_journal(tmp_path, bare_archive):
    """Where every build is PID 1 (a container), a killed build's temporary and hot journal carry
    the name the next build's pid would give: simulated here with this process's pid. (The first
    build is the session's build of the same corpus, copied.)"""
    corpus = copy_corpus(tmp_path, reference=False)
    db = tmp_path / "esr.db"
    shutil.copyfile(bare_archive, db)
    stale = tmp_path / f".esr.db.{os.getpid()}.tmp"
    subprocess.run([sys.executable, "-c", _HOT_JOURNAL, str(stale)], check=True, timeout=60)
    assert _hot_journal(tmp_path, stale.name)
    path = corpus / "S10962.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("560 897", "570 000"), encoding="utf-8")
    report = build(corpus, db, jobs=1)
    assert (report.parsed, report.failed) == (1, 0)
    with sqlite3.connect(db) as connection:
        assert connection.execute("pragma integrity_check").fetchone() == ("ok",)
    build(corpus, tmp_path / "full.db", full=True, jobs=1)
    assert dump(db) == dump(tmp_path / "full.db")
    assert leftovers(tmp_path) == []
    assert leftovers(tmp_path, "full.db") == []


def _unshare_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    try:
        return subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", "true"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _hot_journal(folder: Path, prefix: str) -> bool:
    for path in folder.iterdir():
        if path.name.startswith(prefix) and path.name.endswith("-journal"):
            try:
                with open(path, "rb") as journal:
                    if journal.read(8) == bytes.fromhex("d9d505f920a163d7"):
                        return True
            except OSError:
                pass
    return False


def _written_temporary(folder: Path, prefix: str) -> bool:
    for path in folder.iterdir():
        if path.name.startswith(prefix) and path.name.endswith(".tmp"):
            with contextlib.suppress(OSError):  # gone between the listing and the look
                if path.stat().st_size > 0:
                    return True
    return False


@pytest.mark.skipif(not _unshare_works(), reason="no PID namespace here (unshare --pid needs root)")
def test_killed_build_as_pid_1_then_another_as_pid_1(big_corpus, tmp_path):
    """Each build alone in a PID namespace, so each is PID 1: the second must not meet the first's
    temporary. (A build keeps its rollback journal in memory, so a kill leaves no journal; the
    test of a stale journal beside a reused name is ``test_a_reused_pid_never_meets_an_old_journal``.
    The second build is an incremental one, which starts from a copy of the archive.)"""
    corpus = copy_corpus(tmp_path)
    for i in range(400):
        shutil.copy(CORPUS / "S20334.txt", corpus / f"copy-{i:04}.txt")
    db = tmp_path / "esr.db"
    build(corpus, db, jobs=2)
    before = dump(db)
    namespace = ("unshare", "--pid", "--fork", "--mount-proc")
    for _attempt in range(5):
        process = _start_build(corpus, db, "--full", "--jobs", "2", prefix=namespace)
        # Killed inside its write transaction, once its temporary holds the tables.
        _wait_for(lambda: _written_temporary(tmp_path, ".esr.db.1."), process, "a written temporary")
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)
        # A busy machine can let the build end between the look and the kill: then nothing was
        # left; try again.
        if any(n.endswith(".tmp") for n in leftovers(tmp_path)):
            break
    assert any(n.startswith(".esr.db.1.") and n.endswith(".tmp") for n in leftovers(tmp_path))  # what the kill left
    assert not any(n.endswith("-journal") for n in leftovers(tmp_path))
    assert dump(db) == before
    path = corpus / "S10962.txt"  # a project of one document: one to parse again
    path.write_text(path.read_text(encoding="utf-8").replace("560 897", "570 000"), encoding="utf-8")
    second = subprocess.run(
        [*namespace, sys.executable, "-m", "parser", "build", str(corpus), "--db", str(db), "--jobs", "2"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert "malformed" not in second.stderr
    assert second.returncode == 0, second.stderr
    with sqlite3.connect(db) as connection:
        assert connection.execute("pragma integrity_check").fetchone() == ("ok",)
    assert sqlite_utils.Database(db)["projects"].get("S10962")["eu_state_granted"] == 570000
    assert leftovers(tmp_path) == []


# -- 5. one build of a database at a time --------------------------------------------------------


def test_a_second_build_is_refused_while_one_runs(big_corpus, tmp_path):
    db = tmp_path / "esr.db"
    first = _start_build(big_corpus, db, "--jobs", "2")
    _wait_for(lambda: any(n.endswith(".tmp") for n in leftovers(tmp_path)), first, "temporary database")
    # The first build is stopped where it is (its whole process group), so that it is still
    # running when the second starts: on a busy machine the second's start once took longer
    # than the rest of the first build, which then ended, and the second built.
    os.killpg(first.pid, signal.SIGSTOP)
    second = esr("build", str(big_corpus), "--db", str(db), "--no-contacts", "--jobs", "1")
    one_error(second, f"another build of {db} is running (pid {first.pid})")
    assert first.poll() is None
    assert not db.exists()  # the second build wrote nothing
    # The lock ends with its build, however it ends: after a kill the next build runs.
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    small = copy_corpus(tmp_path / "small", reference=False)
    report = build(small, db, include_contacts=False)
    assert (report.documents, report.failed) == (5, 0)
    assert sqlite_utils.Database(db)["build_info"].get("contacts")["value"] == "left out"
    assert leftovers(tmp_path) == []  # and it removed what the killed one left


def test_a_second_build_in_this_process_is_refused(tmp_path, monkeypatch):
    """A POSIX lock does not exclude its own process: a second build started from another
    thread of the process that builds is refused all the same."""
    from parser.archive import build as build_module

    corpus = copy_corpus(tmp_path, reference=False)
    db = tmp_path / "esr.db"
    inner: list[BaseException] = []
    scan = build_module.scan_corpus

    def scan_and_build_again(folder):
        try:
            build(corpus, db)
        except Exception as error:  # noqa: BLE001 - looked at below
            inner.append(error)
        return scan(folder)

    monkeypatch.setattr(build_module, "scan_corpus", scan_and_build_again)
    build(corpus, db)
    assert len(inner) == 1 and f"another build of {db} is running (pid {os.getpid()})" in str(inner[0])
