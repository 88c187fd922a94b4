"""Shared fixtures: the sample corpus and the hand-written expected records."""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
EXPECTED = Path(__file__).resolve().parent / "expected"
SAMPLES = ["S10673", "S10962", "S20334", "S21736", "asumisen-tukemisen-toimintamalli"]
DESCRIPTIONS = SAMPLES[:4]


def sample_path(stem: str) -> Path:
    return CORPUS / f"{stem}.txt"


def sample_text(stem: str) -> str:
    return sample_path(stem).read_text(encoding="utf-8")


def expected_record(stem: str) -> dict:
    """The record written by hand from the source (everything but ``source``)."""
    return json.loads((EXPECTED / f"{stem}.json").read_text(encoding="utf-8"))


@functools.cache
def official_list_rows(name: str) -> tuple:
    """The repaired rows of one shipped official list (``corpus/reference/NAME``), once per test
    process: several modules read all 22,821 rows, none may change them."""
    from parser.reference.project_lists import repair_project_list

    return tuple(repair_project_list(CORPUS / "reference" / name))


@pytest.fixture(params=SAMPLES)
def sample(request) -> str:
    return request.param


@pytest.fixture(params=DESCRIPTIONS)
def description(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def built_archive_and_report(tmp_path_factory):
    """``esr.db`` built once from the real corpus (documents and the full reference data: all
    22,821 rows of the official lists), with the build's report. Shared by every test that only
    reads the archive (tests/test_archive.py, the publish, serve, browser and export tests): never
    write to it."""
    import fcntl
    import pickle

    from parser.archive.build import build

    # With pytest-xdist every worker is a process of its own: the first to get here builds, the
    # others wait for it and read the same file (the base temp folder's parent is the run's).
    shared = tmp_path_factory.getbasetemp().parent if os.environ.get("PYTEST_XDIST_WORKER") else tmp_path_factory.getbasetemp()
    folder = shared / "built-archive"
    folder.mkdir(exist_ok=True)
    db, saved = folder / "esr.db", folder / "report.pickle"
    with open(folder / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if saved.is_file():
            report = pickle.loads(saved.read_bytes())
        else:
            report = build(CORPUS, db)
            saved.write_bytes(pickle.dumps(report))
    assert report.failed == 0
    return db, report


@pytest.fixture(scope="session")
def built_archive(built_archive_and_report) -> Path:
    """The path of the shared archive built from the real corpus (see ``built_archive_and_report``)."""
    return built_archive_and_report[0]


@pytest.fixture(scope="session")
def datasette(built_archive):
    """The published archive, configured exactly as ``esr serve`` configures it."""
    from parser.publish import make_datasette

    return make_datasette(built_archive, ROOT)


def client_get(datasette, path: str):
    """Datasette's test client from a synchronous test (in a thread of its own when an event loop
    is already running in this one, as Playwright's sync API leaves one)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(datasette.client.get(path))
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, datasette.client.get(path)).result()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """One Chromium (a persistent context, locale fi-FI) for a browser test module
    (tests/test_browser.py, test_browser_pages.py, test_front_door.py, test_map.py). Not one per
    session: Playwright's sync API keeps an event loop running in the thread while it is open,
    and the other modules' asyncio.run() would fail."""
    from .test_browser import chromium_context

    yield from chromium_context(tmp_path_factory)


@pytest.fixture(scope="module")
def live(built_archive):
    """A server on the shared build for a browser test module (read only)."""
    from .test_browser import LiveServer

    with LiveServer(built_archive) as server:
        yield server
