"""The incremental build's fingerprint: derived from what the parse imports, and the libraries."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from parser.archive.fingerprint import ROW_MODULES, SEARCH_MODULES, fingerprint, module_closure, rows_fingerprint, search_fingerprint

ROOT = Path(__file__).resolve().parent.parent


def _package(root: Path) -> Path:
    """A made-up package: a imports sub.deep at the top and lazy inside a function."""
    files = {
        "pkg/__init__.py": "",
        "pkg/a.py": "from .sub.deep import x\n\ndef f():\n    from . import lazy\n    return lazy\n",
        "pkg/sub/__init__.py": "",
        "pkg/sub/deep.py": "x = 1\n",
        "pkg/sub/rules.yml": "rule: 1\n",
        "pkg/lazy.py": "import os\nfrom pkg.sub import deep\n",
        "pkg/unused.py": "y = 2\n",
        "pkg/cli.py": "from . import a\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_the_closure_follows_every_import_and_nothing_else(tmp_path):
    root = _package(tmp_path)
    names = [path.relative_to(root).as_posix() for path in module_closure(["pkg.a"], root)]
    assert names == ["pkg/__init__.py", "pkg/a.py", "pkg/lazy.py", "pkg/sub/__init__.py", "pkg/sub/deep.py", "pkg/sub/rules.yml"]


def test_a_change_counts_only_where_the_rows_come_from(tmp_path):
    root = _package(tmp_path)

    def current() -> str:
        return fingerprint(["pkg.a"], [], root=root, versions=lambda name: None)

    first = current()
    (root / "pkg/unused.py").write_text("y = 3\n")
    (root / "pkg/cli.py").write_text("from . import a  # edited\n")
    assert current() == first
    (root / "pkg/sub/deep.py").write_text("x = 2\n")
    second = current()
    assert second != first
    (root / "pkg/sub/rules.yml").write_text("rule: 2\n")
    assert current() != second


def test_library_versions_are_part_of_it():
    real = rows_fingerprint()
    assert rows_fingerprint() == real
    for library in ("pypdfium2", "pdfplumber", "regex"):
        assert rows_fingerprint(versions=lambda name, library=library: "0.0" if name == library else "1") != rows_fingerprint(versions=lambda name: "1")
    base = search_fingerprint(None, versions=lambda name: "1")
    assert search_fingerprint(None, versions=lambda name: "2" if name == "PyStemmer" else "1") != base
    assert search_fingerprint("none", versions=lambda name: "1") != base


def test_the_real_closure_holds_every_stage_that_makes_rows_and_no_other():
    names = {path.relative_to(ROOT).as_posix() for path in module_closure(ROW_MODULES, ROOT)}
    for needed in (
        "parser/parse.py", "parser/read/pdf/geometry.py", "parser/read/pdf/pdfium.py", "parser/read/pdf/plumber.py",
        "parser/read/html.py", "parser/clean.py", "parser/extract/kinds.py", "parser/extract/layouts/esr-2014.yml",
        "parser/extract/values.py", "parser/records.py", "parser/archive/rows.py", "parser/archive/schema.py",
        "parser/reference/project_lists.py", "parser/reference/places.py",
    ):
        assert needed in names, needed
    for outside in ("parser/cli.py", "parser/runner.py", "parser/archive/build.py", "parser/archive/export.py", "parser/publish/__init__.py"):
        assert outside not in names, outside
    assert not any(name.startswith(("parser/search/", "templates/", "plugins/")) for name in names)
    search = {path.relative_to(ROOT).as_posix() for path in module_closure(SEARCH_MODULES, ROOT)}
    assert {"parser/search/morphology.py", "parser/search/query.py", "parser/finnish.py"} <= search


def test_a_module_moved_into_a_new_folder_still_counts(tmp_path):
    """On a copy of the package: engine.py imports a module from a new sub-folder; editing that
    module changes the fingerprint (a hand-kept list of folders silently missed it)."""
    copy = tmp_path / "copy"
    shutil.copytree(ROOT / "parser", copy / "parser", ignore=shutil.ignore_patterns("__pycache__"))
    new = copy / "parser" / "extract" / "helpers" / "deep"
    new.mkdir(parents=True)
    (new.parent / "__init__.py").write_text("")
    (new / "__init__.py").write_text("")
    (new / "moved.py").write_text("VALUE = 1\n")
    engine = copy / "parser" / "extract" / "engine.py"
    engine.write_text(engine.read_text() + "\nfrom .helpers.deep.moved import VALUE  # noqa: E402,F401\n")
    script = "from parser.archive.build import rows_fingerprint; print(rows_fingerprint())"

    def current() -> str:
        result = subprocess.run([sys.executable, "-c", script], cwd=copy, capture_output=True, text=True, check=True)
        return result.stdout.strip()

    first = current()
    (new / "moved.py").write_text("VALUE = 2\n")
    assert current() != first


def _imports_by_python(source: str, name: str, is_package: bool) -> set[str]:
    """What Python's own parser says a module imports (the oracle of ``imported_names``)."""
    import ast

    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names if alias.name != "*")
    return found


def test_imports_are_found_as_python_finds_them_in_every_module_of_the_package():
    """The fingerprint reads imports with a pattern, not Python's parser (ten times faster): in
    every module of the package it finds exactly what the parser finds. A module this fails for
    has an import the pattern does not know: teach it that form."""
    from parser.archive.fingerprint import imported_names

    modules = sorted((ROOT / "parser").rglob("*.py"))
    assert len(modules) > 40
    for path in modules:
        relative = path.relative_to(ROOT).with_suffix("")
        is_package = relative.name == "__init__"
        name = ".".join(relative.parts[:-1] if is_package else relative.parts)
        source = path.read_text(encoding="utf-8")
        assert set(imported_names(source, name, is_package=is_package)) == _imports_by_python(source, name, is_package), path


def test_the_import_forms_the_pattern_knows():
    from parser.archive.fingerprint import imported_names

    source = (
        "import os, sys as system\n"
        "import a.b.c  # why\n"
        "from . import x, y as z\n"
        "from .. import up\n"
        "from .sub.deep import (\n    one,  # first\n    two as second,\n)\n"
        "from pkg.other import \\\n    three\n"
        "def f():\n    from . import lazy\n"
        "important = 'from x import y'\n"
    )
    assert set(imported_names(source, "pkg.mod.m")) == {
        "os", "sys", "a.b.c", "pkg.mod", "pkg.mod.x", "pkg.mod.y", "pkg", "pkg.up",
        "pkg.mod.sub.deep", "pkg.mod.sub.deep.one", "pkg.mod.sub.deep.two", "pkg.other", "pkg.other.three", "pkg.mod.lazy",
    }  # fmt: skip
    assert _imports_by_python(source, "pkg.mod.m", False) == set(imported_names(source, "pkg.mod.m"))
