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

Nothing outside the corpus folder is read through it: a symbolic link whose target lies outside
the corpus (file or folder) is not a document, nor reference data, and the scan says so in a note.
A link to a document of the corpus is a document under the link's own name (as a copy would be);
a link to a folder is not followed (its files are read where they are, and a link cannot make a
loop). A folder or file that cannot be listed is an error of the scan, never a silent omission:
``esr build`` stops before it touches the archive rather than take the documents it could not see
for removed ones.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
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
        if path.parent.name in _PERIODS and moment is not None and within(corpus, path):
            found[path.relative_to(corpus).as_posix()] = (path.parent.name, moment, path)
    return found


def eura2021_imports(corpus: Path) -> dict[str, tuple[datetime.datetime, Path]]:
    """The EURA 2021 exports given to ``esr import`` by id: (import time, path)."""
    found = {}
    folder = corpus / IMPORTS_FOLDER / EURA2021_IMPORTS
    for path in sorted(folder.glob("*.xlsx")) if folder.is_dir() else []:
        moment = parse_stamp(path.name)
        if moment is not None and within(corpus, path):
            found[path.relative_to(corpus).as_posix()] = (moment, path)
    return found


def document_id(corpus: Path, path: Path) -> str:
    """A document's id: its path inside the corpus, with ``/`` on every platform."""
    return path.relative_to(corpus).as_posix()


# -- showing names -------------------------------------------------------------------------------

_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: Characters that can move the cursor, end a line or reorder what a terminal shows: control
#: characters (C0, DEL, C1), format characters (bidirectional overrides, zero-width ones),
#: line and paragraph separators, lone surrogates.
_UNSHOWN = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def show_path(path: str | os.PathLike[str] | bytes) -> str:
    """A file name (or any one-line text) as a terminal may print it: one line, nothing hidden.

    Control and format characters are escaped as Python writes them (``\\n``, ``\\x1b``,
    ``\\u202e``), and a backslash as ``\\\\``, so a name cannot end a line and forge another
    (``esr: note: all documents parsed fine``), move the cursor or recolour the terminal, and two
    names never show alike. A byte of a name that is not UTF-8 (which Python keeps as a lone
    surrogate) is shown as ``\\xff``. Every ``esr: error:`` and ``esr: note:`` line of ``esr
    parse`` and ``esr build`` shows its names, and its free text, through this function.
    """
    text = os.fsdecode(path) if isinstance(path, bytes) else os.fspath(path)
    shown = []
    for char in text:
        if char in _ESCAPES:
            shown.append(_ESCAPES[char])
        elif "\udc80" <= char <= "\udcff":
            shown.append(f"\\x{ord(char) - 0xDC00:02x}")
        elif unicodedata.category(char) in _UNSHOWN:
            code = ord(char)
            shown.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            shown.append(char)
    return "".join(shown)


# -- scanning ------------------------------------------------------------------------------------


class CorpusError(Exception):
    """Part of the corpus cannot be read: ``lines`` say what and why, one line each."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("; ".join(lines))
        self.lines = lines


@dataclass
class Scan:
    """What a scan of a corpus found.

    ``documents``: every document by id (its path inside the corpus), in path order;
    ``notes``: files that look like documents but are not read, and why (a link leading out of
    the corpus, a name that is not UTF-8, …); ``errors``: what could not be listed or read, each
    ``PATH: reason``. Notes and errors hold names as they are: show them with :func:`show_path`.
    """

    documents: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _reason(error: OSError) -> str:
    return (error.strerror or str(error)).lower()


def _inside(root: str, target: str) -> bool:
    return target == root or target.startswith(root.rstrip(os.sep) + os.sep)


def within(corpus: Path, path: Path) -> bool:
    """Whether ``path`` (links followed) lies inside ``corpus`` (whose own links are followed)."""
    return _inside(os.path.realpath(corpus), os.path.realpath(path))


def scan_corpus(corpus: Path) -> Scan:
    """Every document of a corpus, and what the scan could not read or would not (:class:`Scan`).

    The rule of :func:`is_document`, plus the corpus's bounds: a link is followed only to a
    document inside the corpus (see the module's docstring). Hidden folders are not entered.
    """
    scan = Scan()
    root = os.path.realpath(corpus)
    found: list[tuple[tuple[str, ...], str, Path]] = []

    def visit(folder: Path, parts: tuple[str, ...]) -> None:
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as error:
            scan.errors.append(f"{folder}: cannot read this folder ({_reason(error)})")
            return
        for entry in entries:
            path = folder / entry.name
            relative = (*parts, entry.name)
            shown = "/".join(relative)
            if entry.name.startswith("."):
                continue  # hidden: not a document, and a hidden folder (.git) is not entered
            try:
                entry.name.encode("utf-8")
            except UnicodeEncodeError:
                # Its id could not be stored, shown or linked to.
                scan.notes.append(f"{shown}: its name is not valid UTF-8: not read (rename it)")
                continue
            try:
                if entry.is_symlink():
                    _link(path, relative, shown)
                elif entry.is_dir(follow_symlinks=False):
                    visit(path, relative)
                elif is_document(Path(*relative)):
                    if entry.is_file(follow_symlinks=False):
                        found.append((relative, shown, path))
                    else:
                        scan.notes.append(f"{shown}: not a regular file (a pipe, socket or device): not read")
            except OSError as error:
                scan.errors.append(f"{path}: cannot be read ({_reason(error)})")

    def _link(path: Path, relative: tuple[str, ...], shown: str) -> None:
        target = os.path.realpath(path)
        if not _inside(root, target):
            scan.notes.append(f"{shown}: a link to {target}, outside the corpus: not read")
            return
        if not is_document(Path(*relative)):
            return  # where no file is a document, a link is not one either
        inner = Path(os.path.relpath(target, root)) if target != root else Path()
        if os.path.isdir(target):
            scan.notes.append(f"{shown}: a link to a folder of the corpus ({inner.as_posix() or '.'}): not followed, its files are read where they are")
        elif not os.path.exists(target):
            scan.notes.append(f"{shown}: a link to nothing (its target is missing, or the link is a loop): not read")
        elif not os.path.isfile(target) or not is_document(inner):
            scan.notes.append(f"{shown}: a link to {inner.as_posix()}, which is not a document: not read")
        else:
            found.append((relative, shown, path))

    visit(corpus, ())
    # Path order, as the scan always gave them (``sub/x`` before ``sub-a``).
    scan.documents = {shown: path for _, shown, path in sorted(found, key=lambda item: item[0])}
    return scan


def scan_documents(corpus: Path) -> dict[str, Path]:
    """Every document of the corpus by id (:func:`scan_corpus`); raises :class:`CorpusError`
    when part of it cannot be read."""
    scan = scan_corpus(corpus)
    if scan.errors:
        raise CorpusError(scan.errors)
    return scan.documents


@dataclass
class Expanded:
    """The files a command line names (:func:`expand_folders`), with the notes and errors of the
    folders' scans."""

    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def expand_folders(paths: Iterable[str]) -> Expanded:
    """Files as given; a folder stands for the documents in it (:func:`scan_corpus`).

    A file named on its own is taken as it is, whatever its name (even a link leading out of
    the folder it is in): the user asked for it.
    """
    expanded = Expanded()
    for path in paths:
        folder = Path(path)
        if folder.is_dir():
            scan = scan_corpus(folder)
            expanded.files.extend(str(file) for file in scan.documents.values())
            # A note starts with the file's path inside the folder: from here, the path as given.
            expanded.notes.extend(os.path.join(path, note) for note in scan.notes)
            expanded.errors.extend(scan.errors)
        else:
            expanded.files.append(path)
    return expanded


def expand_paths(paths: Iterable[str]) -> list[str]:
    """The files of :func:`expand_folders`; raises :class:`CorpusError` when a folder cannot be
    read whole."""
    expanded = expand_folders(paths)
    if expanded.errors:
        raise CorpusError(expanded.errors)
    return expanded.files


def reference_files(corpus: Path) -> dict[str, Path]:
    """The reference files present in the corpus, by file name (not one a link leads out of the
    corpus to: the scan notes those)."""
    folder = corpus / REFERENCE_FOLDER
    return {name: folder / name for name in REFERENCE_FILES if (folder / name).is_file() and within(corpus, folder / name)}


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in blocks of 1 MiB."""
    # The file descriptor itself, not a file object: for the corpus's files of some 13 KB,
    # opening and closing a buffered file took more than the hashing (20,000 files, warm, in
    # two runs of 3: 0.61-0.84 s, against 0.49-0.59 s so).
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        digest = hashlib.sha256()
        while block := os.read(descriptor, 1 << 20):
            digest.update(block)
        return digest.hexdigest()
    finally:
        os.close(descriptor)


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
