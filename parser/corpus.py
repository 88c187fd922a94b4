"""The corpus: which files of a folder are documents, and where everything else lies.

A corpus is a folder of description documents (text exports, PDFs, saved web pages) with:

* ``reference/``: data the archive loads beside them (the official project lists shipped with
  the project, Statistics Finland's municipality key);
* ``harvest/``: what ``esr fetch`` brought from the service, kept as served: every version of
  every project page (``harvest/pages/<period>/<code>/<time>.html``, documents like any other),
  every list page (``harvest/lists/<period>/<time>.html``, official lists) and the fetch log
  (``harvest/fetch-log.jsonl``, one line per request);
* ``imports/``: files given to ``esr import`` (``imports/eura2021/<time>-<name>.xlsx``).

This module is the one place that says which files are documents, so ``esr parse FOLDER`` and
``esr build FOLDER`` see the same ones, and the one place that names the corpus's files.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

#: The corpus sub-folder that holds reference data: data for ``esr build``, not documents.
REFERENCE_FOLDER = "reference"
#: The official project list of 2007–2013 (the service's export of 2015-12-31).
PROJECT_LIST_2007 = "projektilista-2007-2013.csv"
#: The 2014–2020 list, a snapshot of about 2016.
PROJECT_LIST_2014 = "projektilista-2014-2020-snapshot.csv"
#: The official lists, in the order they are loaded: the older programme period first.
PROJECT_LISTS = (PROJECT_LIST_2007, PROJECT_LIST_2014)
#: The programme period of each shipped list.
LIST_PERIODS = {PROJECT_LIST_2007: "2007-2013", PROJECT_LIST_2014: "2014-2020"}
#: Statistics Finland's municipality key, 2013–2026.
MUNICIPALITY_KEY = "municipalities.csv"
#: Every reference file a corpus may hold.
REFERENCE_FILES = (*PROJECT_LISTS, MUNICIPALITY_KEY)
#: Files that describe a corpus rather than being part of it (compared without case).
NOT_DOCUMENTS = frozenset({"readme", "readme.md", "readme.txt", "license", "license.txt", "notice"})

#: What ``esr fetch`` brings, kept as served.
HARVEST_FOLDER = "harvest"
HARVEST_PAGES = "pages"
HARVEST_LISTS = "lists"
FETCH_LOG = "fetch-log.jsonl"
#: What ``esr import`` was given.
IMPORTS_FOLDER = "imports"
EURA2021_IMPORTS = "eura2021"
#: Top folders that hold no documents (the harvest's pages are the exception, below).
_DATA_FOLDERS = frozenset({REFERENCE_FOLDER, HARVEST_FOLDER, IMPORTS_FOLDER})

#: A moment as it is written in the names of harvested and imported files: UTC, to the second.
STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
_STAMP = re.compile(r"^(\d{8}T\d{6}Z)")
_PERIODS = ("2007-2013", "2014-2020", "2021-2027")


def is_document(relative: Path) -> bool:
    """Whether a file at ``relative`` (its path inside the corpus) is a document.

    Hidden files and folders, README/LICENSE files and the data folders are not, except the
    harvested project pages (``harvest/pages/…``).
    """
    parts = relative.parts
    if not parts or any(part.startswith(".") for part in parts):
        return False
    if relative.name.casefold() in NOT_DOCUMENTS:
        return False
    if parts[0] == HARVEST_FOLDER:
        return harvested_page(PurePosixPath(*parts)) is not None
    return parts[0] not in _DATA_FOLDERS


def stamp(moment: datetime.datetime) -> str:
    """``moment`` as file names write it (UTC): ``20261201T101500Z``."""
    return moment.astimezone(datetime.timezone.utc).strftime(STAMP_FORMAT)


def parse_stamp(text: str) -> datetime.datetime | None:
    """The moment a file name starts with, or ``None``."""
    match = _STAMP.match(text)
    if match is None:
        return None
    try:
        return datetime.datetime.strptime(match[1], STAMP_FORMAT).replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        return None


@dataclass(frozen=True, order=True)
class HarvestedPage:
    """A version of a project page as ``esr fetch`` saved it: which project, when."""

    period: str
    code: str
    fetched_at: datetime.datetime


def harvested_page(relative: PurePosixPath | str) -> HarvestedPage | None:
    """What a path inside the corpus says of a harvested project page, or ``None`` when the path
    is not one (``harvest/pages/<period>/<code>/<time>.html``)."""
    parts = PurePosixPath(relative).parts
    if len(parts) != 5 or parts[:2] != (HARVEST_FOLDER, HARVEST_PAGES) or parts[2] not in _PERIODS:
        return None
    moment = parse_stamp(parts[4])
    if moment is None or not parts[4].endswith(".html"):
        return None
    return HarvestedPage(parts[2], parts[3], moment)


def page_path(period: str, code: str, moment: datetime.datetime) -> PurePosixPath:
    """Where a version of a project page fetched at ``moment`` is kept, inside the corpus."""
    return PurePosixPath(HARVEST_FOLDER, HARVEST_PAGES, period, code, f"{stamp(moment)}.html")


def list_page_path(period: str, moment: datetime.datetime) -> PurePosixPath:
    """Where a list page fetched at ``moment`` is kept, inside the corpus."""
    return PurePosixPath(HARVEST_FOLDER, HARVEST_LISTS, period, f"{stamp(moment)}.html")


def fetch_log_path(corpus: Path) -> Path:
    """The fetch log of a corpus."""
    return corpus / HARVEST_FOLDER / FETCH_LOG


def list_pages(corpus: Path) -> dict[str, tuple[str, datetime.datetime, Path]]:
    """The harvested list pages by id (their path in the corpus): (period, fetch time, path)."""
    found = {}
    folder = corpus / HARVEST_FOLDER / HARVEST_LISTS
    for path in sorted(folder.glob("*/*.html")) if folder.is_dir() else []:
        moment = parse_stamp(path.name)
        if path.parent.name in _PERIODS and moment is not None:
            found[path.relative_to(corpus).as_posix()] = (path.parent.name, moment, path)
    return found


def eura2021_imports(corpus: Path) -> dict[str, tuple[datetime.datetime, Path]]:
    """The EURA 2021 exports given to ``esr import`` by id: (import time, path)."""
    found = {}
    folder = corpus / IMPORTS_FOLDER / EURA2021_IMPORTS
    for path in sorted(folder.glob("*.xlsx")) if folder.is_dir() else []:
        moment = parse_stamp(path.name)
        if moment is not None:
            found[path.relative_to(corpus).as_posix()] = (moment, path)
    return found


def document_id(corpus: Path, path: Path) -> str:
    """A document's id: its path inside the corpus, with ``/`` on every platform."""
    return path.relative_to(corpus).as_posix()


def scan_documents(corpus: Path) -> dict[str, Path]:
    """Every document of the corpus by id, sorted by id."""
    documents: dict[str, Path] = {}
    for path in sorted(corpus.rglob("*")):
        relative = path.relative_to(corpus)
        if path.is_file() and is_document(relative):
            documents[relative.as_posix()] = path
    return documents


def expand_paths(paths: Iterable[str]) -> list[str]:
    """Files as given; a folder stands for the documents in it (:func:`scan_documents`).

    A file named on its own is taken as it is, whatever its name: the user asked for it.
    """
    files: list[str] = []
    for path in paths:
        folder = Path(path)
        if folder.is_dir():
            files.extend(str(file) for file in scan_documents(folder).values())
        else:
            files.append(path)
    return files


def reference_files(corpus: Path) -> dict[str, Path]:
    """The reference files present in the corpus, by file name."""
    folder = corpus / REFERENCE_FOLDER
    return {name: folder / name for name in REFERENCE_FILES if (folder / name).is_file()}


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all: a hidden temporary file, then a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def import_path(kind: str, name: str, moment: datetime.datetime) -> PurePosixPath:
    """Where a file given to ``esr import`` at ``moment`` is kept, inside the corpus."""
    safe = re.sub(r"[^\w.-]+", "_", Path(name).name).strip("._") or "export.xlsx"
    return PurePosixPath(IMPORTS_FOLDER, kind, f"{stamp(moment)}-{safe}")
