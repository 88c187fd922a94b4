"""Shared fixtures: the sample corpus and the hand-written expected records."""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import json
import os
import shutil
import threading
import urllib.parse
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
EXPECTED = Path(__file__).resolve().parent / "expected"
SAMPLES = ["S10673", "S10962", "S20334", "S21736", "asumisen-tukemisen-toimintamalli"]
DESCRIPTIONS = SAMPLES[:4]
#: The two official lists cut down to their header and 42 real rows, copied byte for byte from
#: corpus/reference/ (tests/fixtures/reference/README.md says which rows and why): a build with
#: them takes a fraction of a second, where repairing all 22,821 rows takes seconds.
SMALL_REFERENCE = Path(__file__).resolve().parent / "fixtures" / "reference"


def copy_corpus(target: Path, *, reference: bool = True) -> Path:
    """The five sample documents in a folder of their own (``target/corpus``), with the small
    official lists (``SMALL_REFERENCE``) and the whole municipality key (cheap to load) as
    reference data, or with no reference folder. The one way the tests make a corpus to build:
    for every test that does not look at the lists' 22,821 rows."""
    from parser.corpus import MUNICIPALITY_KEY, PROJECT_LISTS, REFERENCE_FOLDER

    corpus = target / "corpus"
    corpus.mkdir(parents=True)
    for path in CORPUS.glob("*.txt"):
        shutil.copy(path, corpus / path.name)
    if reference:
        (corpus / REFERENCE_FOLDER).mkdir()
        for name in PROJECT_LISTS:
            shutil.copy(SMALL_REFERENCE / name, corpus / REFERENCE_FOLDER / name)
        shutil.copy(CORPUS / REFERENCE_FOLDER / MUNICIPALITY_KEY, corpus / REFERENCE_FOLDER / MUNICIPALITY_KEY)
    return corpus


def esr_in_process(*args: str):
    """``esr ARGS`` run in this process by click's test runner, answered as ``subprocess.run``
    answers (``returncode``, ``stdout``, ``stderr``), for a test about what a command reads or
    writes rather than about its process (a fresh interpreter costs half a second of CPU or
    more with its imports). An exception the command lets out is written to ``stderr`` as the
    interpreter would write it ("Traceback ..."), with the exit code 1 it would give. What the
    command's forked parse workers write to stderr is not in ``stderr``: a test that looks for
    their tracebacks runs the real command (``python -m parser``)."""
    import subprocess
    import traceback

    from click.testing import CliRunner

    from parser.cli import cli

    result = CliRunner().invoke(cli, list(args), prog_name="esr")
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(*result.exc_info))
    return subprocess.CompletedProcess(["esr", *args], result.exit_code, result.stdout, stderr)


def sample_path(stem: str) -> Path:
    return CORPUS / f"{stem}.txt"


def sample_text(stem: str) -> str:
    return sample_path(stem).read_text(encoding="utf-8")


def expected_record(stem: str) -> dict:
    """The record written by hand from the source (everything but ``source``)."""
    return json.loads((EXPECTED / f"{stem}.json").read_text(encoding="utf-8"))


#: The folder every process of this run shares (``_run_folder``), once the session has started.
_RUN_FOLDER: list[Path] = []


def _run_folder(tmp_path_factory) -> Path:
    """The folder of this run that every test process sees: with pytest-xdist every worker is a
    process of its own, whose base temp folder's parent is the run's."""
    return tmp_path_factory.getbasetemp().parent if os.environ.get("PYTEST_XDIST_WORKER") else tmp_path_factory.getbasetemp()


@pytest.fixture(scope="session", autouse=True)
def _run_folder_known(tmp_path_factory):
    _RUN_FOLDER.append(_run_folder(tmp_path_factory))


@pytest.fixture(autouse=True)
def _no_thread_of_ours_outlives_its_test():
    """Every thread the archive's code starts is named ``esr-…`` and must end before the call
    that started it returns or raises: one left running when the interpreter exits may abort it
    (CPython gh-87135; a build brought up to date once left its parse thread behind on a full
    disk, and ``esr build`` exited with -6)."""
    yield
    left = [thread.name for thread in threading.enumerate() if thread.name.startswith("esr-")]
    assert left == [], f"threads still running after the test: {left}"


def _made_once(path: Path, make):
    """``make()``, made by the first process of the run to get here and pickled to ``path``; the
    others wait for it and read the same value back."""
    import fcntl
    import pickle

    with open(path.with_name(path.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.is_file():
            return pickle.loads(path.read_bytes())
        value = make()
        path.write_bytes(pickle.dumps(value))
        return value


@functools.cache
def official_list_rows(name: str) -> tuple:
    """The repaired rows of one shipped official list (``corpus/reference/NAME``), repaired once
    for the whole run (the first process to ask pickles them for the others, as
    ``_shared_build`` does with the archives): several modules on each worker read all 22,821
    rows, none may change them."""
    from parser.reference.project_lists import repair_project_list

    def repair() -> tuple:
        return tuple(repair_project_list(CORPUS / "reference" / name))

    if not _RUN_FOLDER:  # asked before the session started: no folder to share yet
        return repair()
    return _made_once(_RUN_FOLDER[0] / f"official-list-rows-{name}.pickle", repair)


@pytest.fixture(params=SAMPLES)
def sample(request) -> str:
    return request.param


@pytest.fixture(params=DESCRIPTIONS)
def description(request) -> str:
    return request.param


def _shared_build(tmp_path_factory, name: str, corpus_of) -> tuple[Path, object]:
    """``esr.db`` built once for the whole run, with the build's report: with pytest-xdist every
    worker is a process of its own, so the first to get here builds (from the corpus
    ``corpus_of(folder)`` gives) and the others wait for it and read the same file
    (``_made_once`` in the run's folder)."""
    from parser.archive.build import build

    folder = _run_folder(tmp_path_factory) / name
    folder.mkdir(exist_ok=True)
    db = folder / "esr.db"
    report = _made_once(folder / "report.pickle", lambda: build(corpus_of(folder), db))
    assert report.failed == 0
    return db, report


@pytest.fixture(scope="session")
def built_archive_and_report(tmp_path_factory):
    """``esr.db`` built once from the real corpus (documents and the full reference data: all
    22,821 rows of the official lists), with the build's report. Shared by every test that only
    reads the archive (tests/test_archive.py, the publish, serve, browser and export tests): never
    write to it."""
    return _shared_build(tmp_path_factory, "built-archive", lambda folder: CORPUS)


@pytest.fixture(scope="session")
def small_archive_and_report(tmp_path_factory):
    """``esr.db`` built once from ``copy_corpus``: the five samples, the small official lists (42
    rows) and the municipality key, with the build's report. For the tests that only read an
    archive and look at no more of the lists than those rows (its downloads of whole tables take
    milliseconds, not seconds): never write to it; copy it first (``built_copy``)."""
    return _shared_build(tmp_path_factory, "small-archive", lambda folder: copy_corpus(folder))


@pytest.fixture(scope="session")
def small_archive(small_archive_and_report) -> Path:
    """The path of the shared small archive (see ``small_archive_and_report``)."""
    return small_archive_and_report[0]


@pytest.fixture(scope="session")
def bare_archive(tmp_path_factory) -> Path:
    """``esr.db`` built once from ``copy_corpus(folder, reference=False)``: the five samples and
    no reference data. For a test whose first build of that corpus is only its starting point:
    copy it to where the test's build would have written it (an archive names its documents by
    their paths in the corpus, never the corpus's own path). Never write to it."""
    return _shared_build(tmp_path_factory, "bare-archive", lambda folder: copy_corpus(folder, reference=False))[0]


@pytest.fixture
def built_copy(small_archive, tmp_path):
    """``copy_corpus(tmp_path)`` and a copy of the shared small archive as ``tmp_path/esr.db``:
    what ``build(copy_corpus(tmp_path), tmp_path / "esr.db")`` leaves (an archive names its
    documents by their paths in the corpus, never the corpus's own path), for a test whose first
    build is only its starting point. (corpus, db)."""
    corpus = copy_corpus(tmp_path)
    db = tmp_path / "esr.db"
    shutil.copyfile(small_archive, db)
    return corpus, db


@pytest.fixture(scope="session")
def built_archive(built_archive_and_report) -> Path:
    """The path of the shared archive built from the real corpus (see ``built_archive_and_report``)."""
    return built_archive_and_report[0]


@functools.cache
def _compiled_templates():
    """Jinja's bytecode cache, in memory, for every Datasette of this test process (see
    ``publish``)."""
    import jinja2

    class CompiledTemplates(jinja2.BytecodeCache):
        def __init__(self):
            self.code: dict[str, bytes] = {}

        def load_bytecode(self, bucket):
            if bucket.key in self.code:
                bucket.bytecode_from_string(self.code[bucket.key])

        def dump_bytecode(self, bucket):
            self.code[bucket.key] = bucket.bytecode_to_string()

    return CompiledTemplates()


def publish(db_path: Path, **options):
    """``make_datasette(db_path, ROOT, **options)``: the archive published exactly as ``esr serve``
    publishes it. A server compiles every template when it starts (parser/publish/caching.py);
    the tests start a dozen, so each takes the templates an earlier one of this process compiled
    (Jinja's bytecode cache, keyed by each template's source: the same templates, the same
    pages, without compiling them again)."""
    from parser.publish import make_datasette

    datasette = make_datasette(db_path, ROOT, **options)
    datasette.jinja_env.bytecode_cache = _compiled_templates()
    return datasette


@pytest.fixture(scope="session")
def datasette(built_archive):
    """The published archive, configured exactly as ``esr serve`` configures it (``publish``)."""
    return publish(built_archive)


def client_get(datasette, path: str):
    """Datasette's test client from a synchronous test (in a thread of its own when an event loop
    is already running in this one, as Playwright's sync API leaves one)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(datasette.client.get(path))
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, datasette.client.get(path)).result()


def asgi_body_messages(datasette, path: str) -> list[bytes]:
    """The bodies of the ASGI messages of a GET of ``path`` from the published app, one for each
    message its wrappers sent (Datasette's test client joins them into one body)."""
    base, _, query = path.partition("?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": urllib.parse.unquote(base), "raw_path": base.encode("latin-1"), "query_string": query.encode("latin-1"),
        "root_path": "", "headers": [(b"host", b"localhost")], "client": ("127.0.0.1", 1), "server": ("localhost", 80),
    }  # fmt: skip
    bodies: list[bytes] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            assert message["status"] == 200, message
        elif message["type"] == "http.response.body":
            bodies.append(message.get("body") or b"")

    asyncio.run(datasette.app()(scope, receive, send))
    return bodies


class _LentChromium:
    """Playwright and one Chromium for the whole test process, lent to one module at a time.

    Starting Playwright's driver and Chromium takes a second or two, once per browser module if
    each started its own. But Playwright's sync API marks its event loop as running in this
    thread between its calls, and while it is marked, another module's ``asyncio.run()`` fails.
    So the mark is set only while a module has the browser: ``lend`` sets it again, ``park``
    clears it once the module's context is closed. Nothing runs on Playwright's loop in between
    (it runs only inside a Playwright call, and a parked Chromium has no page open)."""

    def __init__(self):
        self.playwright = self.chromium = self.loop = None
        self.failure: str | None = None

    def start(self) -> None:
        """Start Playwright and Chromium (once), and park them."""
        if self.playwright is not None or self.failure is not None:
            return
        from .test_browser import CHROMIUM_FLAGS, find_chromium

        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            self.failure = "Playwright for Python is not installed (pip install -e '.[test]')"
            return
        executable = find_chromium()
        if executable is None:
            self.failure = "no Chromium found (/usr/bin/chromium-headless-shell: Debian package chromium-headless-shell, which ./test installs as root)"
            return
        try:
            self.playwright = sync_playwright().start()
            self.chromium = self.playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        except Exception as error:  # a broken install: say what failed (in the tests that use it)
            self.failure = f"Chromium at {executable} did not start: {error}"
        if self.playwright is not None:
            self.loop = asyncio.get_running_loop()  # as Playwright marked it after its last call
        self.park()

    def lend(self):
        """A fresh context (its own profile: nothing kept from another module) in the one
        Chromium, locale fi-FI."""
        from .test_browser import unavailable

        self.start()
        if self.failure:
            unavailable(self.failure)
        asyncio._set_running_loop(self.loop)
        context = self.chromium.new_context(viewport={"width": 1400, "height": 1000}, locale="fi-FI")
        context.set_default_timeout(30_000)
        return context

    def park(self) -> None:
        asyncio._set_running_loop(None)

    def close(self) -> None:
        if self.playwright is not None:
            asyncio._set_running_loop(self.loop)
            try:
                if self.chromium is not None:
                    self.chromium.close()
            finally:
                self.playwright.stop()
                self.playwright = None
                asyncio._set_running_loop(None)


_CHROMIUM = _LentChromium()


def pytest_collection_finish(session):
    """Start Chromium as soon as the tests are collected, when any of them uses it: started
    later, beside another module's heavy disk work (tests/test_build_reliability.py copies 2,000
    files and builds them), the driver and the browser took up to 20 s to start instead of one."""
    if any("browser" in getattr(item, "fixturenames", ()) for item in session.items):
        _CHROMIUM.start()


def pytest_sessionfinish(session):
    _CHROMIUM.close()


@pytest.fixture(scope="session")
def _chromium():
    """The test process's one Chromium (``_LentChromium``)."""
    return _CHROMIUM


@pytest.fixture(scope="module")
def browser(_chromium):
    """A Chromium context (fresh, locale fi-FI) for a browser test module (tests/test_browser.py,
    test_browser_pages.py, test_front_door.py, test_map.py), in the one Chromium of this test
    process (``_LentChromium``: asyncio.run() in the other modules still works)."""
    context = _chromium.lend()
    try:
        yield context
    finally:
        try:
            context.close()
        finally:
            _chromium.park()


@pytest.fixture(scope="session")
def live(datasette):
    """A server on the shared build for the browser tests (read only), one for the session: the
    session's ``datasette`` (already started by the tests that ask it in-process) served by
    uvicorn in a thread, which runs its own event loop."""
    from .test_browser import LiveServer

    with LiveServer(datasette=datasette) as server:
        yield server


#: The modules that take longest, longest first (``pytest --durations=0``, summed per module);
#: the others follow in their usual order. With ``--dist loadscope`` a module goes whole to one
#: worker, which takes the next one in this order when it is nearly done with its own: started
#: early, a long module cannot keep one worker busy at the end while the other has nothing left.
#: The second does not read the build of the whole corpus (``built_archive``), so that the
#: second worker has work of its own while the first makes it.
LONGEST_FIRST = [
    "test_dashboards.py",
    "test_build_timing.py",
    "test_server_limits.py",
    "test_read_pdf.py",
    "test_browser.py",
    "test_build_reliability.py",
    "test_build_input.py",
    "test_harvest.py",
    "test_archive.py",
    "test_renderings.py",
    "test_map.py",
    "test_front_door.py",
    "test_publish.py",
    "test_serving_one_archive.py",
    "test_cli.py",
    "test_browser_pages.py",
    "test_serve.py",
    "test_search.py",
    "test_csv_safety.py",
    "test_project_lists.py",
    "test_project_folder.py",
    "test_property.py",
    "test_downloads.py",
    "test_replica.py",
    "test_fingerprint.py",
    "test_import.py",
]


def pytest_collection_modifyitems(config, items):
    """Put the modules of ``LONGEST_FIRST`` first, in its order (a stable sort: each module's
    tests keep theirs). pyproject.toml turns off pytest-xdist's own reordering, which sorts
    modules by their number of tests."""
    rank = {name: position for position, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))
