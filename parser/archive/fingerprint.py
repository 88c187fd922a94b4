"""What the archive's stored rows depend on, as hashes kept in ``build_info``.

An incremental build reuses the rows of unchanged documents, so it must know when the code that
made them changed. That code is found, not listed: :func:`module_closure` follows the imports of
the modules that turn a file into rows (every ``import`` in them, function-level ones included,
and the ``__init__`` of every package on the way), so a module moved into a new folder is still
counted, and a module no row depends on (the command line, the templates, the server) is not.
The versions of the libraries whose output is stored are hashed with it.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path

#: The modules whose output the archive stores row by row: the parse of one file (run in the
#: workers), the rows made of its record, the tables they go into, and the rows made of the
#: reference files and place names.
ROW_MODULES = (
    "parser.parse",
    "parser.archive.rows",
    "parser.archive.schema",
    "parser.archive.load_documents",
    "parser.archive.load_reference",
    "parser.archive.place_codes",
    "parser.archive.project_index",
)
#: Distributions whose output rows hold: text from PDFs, patterns, validation, check digits.
ROW_LIBRARIES = ("pypdfium2", "pdfplumber", "pdfminer.six", "regex", "pydantic", "python-stdnum", "PyYAML")
#: The modules that make the search vocabulary (the keys each word of the index is found by).
SEARCH_MODULES = ("parser.search.index",)
#: The analysers whose output the vocabulary holds (absent ones count as absent).
SEARCH_LIBRARIES = ("PyStemmer", "simplemma", "libvoikko")

Versions = Callable[[str], str | None]


def installed_version(distribution: str) -> str | None:
    """The installed version of a distribution, or ``None`` when it is not installed."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _module_file(name: str, root: Path) -> Path | None:
    """The source file of module ``name`` under ``root`` (the folder holding its top package)."""
    base = root.joinpath(*name.split("."))
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


#: An import statement at the start of a line, indented or not: ``import a.b as c, d`` or
#: ``from ..x import (y, z)``, with a parenthesised list or backslash continuations. Python's
#: own parser found the same imports in every module of the package (tests/test_fingerprint.py
#: holds it to that) in a tenth of the time: 66 ms a build for the parser's 43 modules.
_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+(?P<module>\.*[\w.]*)[ \t]+import[ \t]+(?P<names>\([^)]*\)|(?:[^\n\\]|\\\n)*)"
    r"|import[ \t]+(?P<modules>(?:[^\n\\]|\\\n)*))",
    re.MULTILINE,
)
_COMMENT = re.compile(r"#[^\n]*")


def _listed(text: str) -> list[str]:
    """The names of an import's list (``a.b as c, d`` → ``a.b``, ``d``)."""
    text = _COMMENT.sub("", text).split(";")[0].replace("\\\n", " ").strip().strip("()")
    return [item.split()[0] for item in text.split(",") if item.strip()]


def _imported_names(path: Path, name: str) -> frozenset[str]:
    """Every module name ``path`` (the module ``name``) imports, absolute, wherever it imports it."""
    return imported_names(path.read_text(encoding="utf-8"), name, is_package=path.name == "__init__.py")


def imported_names(source: str, name: str, *, is_package: bool = False) -> frozenset[str]:
    """Every module name the source of module ``name`` imports, absolute, wherever it imports
    it (a function's own imports too); for a package's ``__init__``, ``is_package``. A name
    imported from a module is listed as ``module.name`` too: it may be a module."""
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for match in _IMPORT.finditer(source):
        if match["modules"] is not None:
            found.update(_listed(match["modules"]))
            continue
        written = match["module"]
        level = len(written) - len(written.lstrip("."))
        if level:
            parts = package.split(".")
            base = ".".join(parts[: len(parts) - level + 1])
            module = f"{base}.{written[level:]}" if written[level:] else base
        else:
            module = written
        found.add(module)
        # ``from . import pdfium`` imports a module, ``from .x import y`` maybe one.
        found.update(f"{module}.{imported}" for imported in _listed(match["names"]) if imported != "*")
    return frozenset(found)


def module_closure(roots: Iterable[str], root: Path) -> list[Path]:
    """The files of the modules ``roots`` and everything of their top package they import, with
    the data files (non-Python files) of every package folder among them, sorted.

    ``root`` is the folder that holds the top package (``parser/``'s parent). Modules outside
    the top package (the standard library, other distributions) are left out: their versions
    stand for them.
    """
    roots = list(roots)
    top = {name.split(".")[0] for name in roots}
    seen: set[str] = set()
    files: set[Path] = set()
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name in seen or name.split(".")[0] not in top:
            continue
        seen.add(name)
        path = _module_file(name, root)
        if path is None:
            continue  # a name imported from a module, not a module of its own
        files.add(path)
        # Importing a.b.c runs a/__init__.py and a/b/__init__.py first.
        parts = name.split(".")
        pending.extend(".".join(parts[:length]) for length in range(1, len(parts)))
        pending.extend(_imported_names(path, name))
        if path.name == "__init__.py":
            files.update(
                data for data in path.parent.iterdir() if data.is_file() and data.suffix not in (".py", ".pyc")
            )
    return sorted(files)


def fingerprint(roots: Iterable[str], libraries: Iterable[str], *, root: Path | None = None, versions: Versions = installed_version) -> str:
    """A hash of the files of :func:`module_closure` and the versions of ``libraries``, with the
    Python and Unicode versions (text normalisation depends on them)."""
    root = Path(__file__).resolve().parents[2] if root is None else root
    digest = hashlib.sha256()
    digest.update(f"python {sys.version_info[0]}.{sys.version_info[1]} unicode {unicodedata.unidata_version}\n".encode())
    for library in sorted(libraries):
        digest.update(f"{library} {versions(library)}\n".encode())
    for path in module_closure(roots, root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\n")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def rows_fingerprint(*, versions: Versions = installed_version) -> str:
    """The fingerprint of what makes the archive's rows: when it changes, everything is parsed again."""
    return fingerprint(ROW_MODULES, ROW_LIBRARIES, versions=versions)


def search_fingerprint(analysers_setting: str | None, *, versions: Versions = installed_version) -> str:
    """The fingerprint of what makes the search vocabulary: when it changes, it is made anew.

    ``analysers_setting`` is the ``ESR_SEARCH_ANALYSERS`` the build runs with.
    """
    digest = hashlib.sha256(fingerprint(SEARCH_MODULES, SEARCH_LIBRARIES, versions=versions).encode())
    digest.update(f"analysers {analysers_setting}".encode())
    return digest.hexdigest()
