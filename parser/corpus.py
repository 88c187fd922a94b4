"""The corpus: which files of a folder are documents, and where the reference data lies.

A corpus is a folder of description documents (text exports, PDFs, saved web pages) with a
``reference/`` sub-folder of data the archive loads beside them (the official project lists and
Statistics Finland's municipality key). This module is the one place that says which files are
documents, so ``esr parse FOLDER`` and ``esr build FOLDER`` see the same ones, and the one place
that names the reference files.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

#: The corpus sub-folder that holds reference data: data for ``esr build``, not documents.
REFERENCE_FOLDER = "reference"
#: The official project list of 2007–2013 (the service's export of 2015-12-31).
PROJECT_LIST_2007 = "projektilista-2007-2013.csv"
#: The 2014–2020 list, a snapshot of about 2016.
PROJECT_LIST_2014 = "projektilista-2014-2020-snapshot.csv"
#: The official lists, in the order they are loaded: the older programme period first.
PROJECT_LISTS = (PROJECT_LIST_2007, PROJECT_LIST_2014)
#: Statistics Finland's municipality key, 2013–2026.
MUNICIPALITY_KEY = "municipalities.csv"
#: Every reference file a corpus may hold.
REFERENCE_FILES = (*PROJECT_LISTS, MUNICIPALITY_KEY)
#: Files that describe a corpus rather than being part of it (compared without case).
NOT_DOCUMENTS = frozenset({"readme", "readme.md", "readme.txt", "license", "license.txt", "notice"})


def is_document(relative: Path) -> bool:
    """Whether a file at ``relative`` (its path inside the corpus) is a document.

    Hidden files and folders, the reference folder and README/LICENSE files are not.
    """
    parts = relative.parts
    if not parts or any(part.startswith(".") for part in parts):
        return False
    return parts[0] != REFERENCE_FOLDER and relative.name.casefold() not in NOT_DOCUMENTS


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
