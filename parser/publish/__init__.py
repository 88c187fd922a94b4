"""Publish: the archive in Datasette, read-only, with the project's metadata, plugins and templates.

The publication follows Datasette's own convention for a data project: ``metadata.yml`` (with
``dashboards.yml`` merged in), ``plugins/`` (Datasette hooks) and ``templates/`` sit at the top
of the project folder, here the repository. :func:`find_project` checks a folder for them and
says in one line what is missing, so ``esr serve`` never serves a bare Datasette by mistake.
:func:`make_datasette` is the one place a Datasette instance is configured: ``esr serve`` runs it
and the tests talk to it through Datasette's own test client, so both see the same thing.
Beside it: ``limits.py`` bounds what one request may cost and which SQL it may run (its hooks
are ``plugins/limits.py``); ``serving.py`` gives ``esr serve`` the archive as it was when the
server started, and tells ``esr build`` which servers serve an archive.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..search import SEARCHED_THROUGH, search_table_of
from ..yaml_files import load_yaml

#: Metadata files merged in this order; later files add to (never replace) earlier ones. The
#: first is required.
METADATA_FILES = ("metadata.yml", "dashboards.yml")
PLUGINS_FOLDER = "plugins"
TEMPLATES_FOLDER = "templates"
#: Optional: files served under /static/.
STATIC_FOLDER = "static"

#: Read-only and bounded: a query may run 3 s, a page shows at most 1,000 rows; CSV downloads
#: stream every row with ``_stream=on``. No writes are possible on an immutable database.
SETTINGS: dict[str, Any] = {
    "sql_time_limit_ms": 3000,
    "max_returned_rows": 1000,
    "default_page_size": 50,
    "allow_csv_stream": True,
    "max_csv_mb": 0,
    "allow_download": True,
    "facet_time_limit_ms": 500,
    "default_facet_size": 20,
    "suggest_facets": False,
    "num_sql_threads": 3,
}


class ProjectFolderError(Exception):
    """The folder is not the archive's publication project; the message says what is missing."""


@dataclass(frozen=True)
class Project:
    """A checked project folder: where Datasette finds the publication's files."""

    folder: Path

    @property
    def plugins(self) -> Path:
        """The folder of Datasette hooks."""
        return self.folder / PLUGINS_FOLDER

    @property
    def templates(self) -> Path:
        """The folder of Datasette template overrides."""
        return self.folder / TEMPLATES_FOLDER

    @property
    def static(self) -> Path | None:
        """The folder served under /static/, when there is one."""
        static = self.folder / STATIC_FOLDER
        return static if static.is_dir() else None


def find_project(folder: str | Path) -> Project:
    """The publication project in ``folder``, or :class:`ProjectFolderError` naming what is missing."""
    folder = Path(folder)
    missing = [name for name in (METADATA_FILES[0],) if not (folder / name).is_file()]
    missing += [f"{name}/" for name in (PLUGINS_FOLDER, TEMPLATES_FOLDER) if not (folder / name).is_dir()]
    if missing:
        raise ProjectFolderError(
            f"{folder.resolve()} is not the archive's project folder: {', '.join(missing)} missing "
            "(run esr serve in the repository, or name the folder with --project)"
        )
    return Project(folder.resolve())


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value
    return base


def load_metadata(folder: str | Path) -> dict[str, Any]:
    """The metadata Datasette is given: ``metadata.yml`` with ``dashboards.yml`` merged in, and
    the ``fts_table`` of each table whose search box searches another table's full-text index
    (``projects``: ``project_index_fts``, :data:`parser.search.SEARCHED_THROUGH`)."""
    metadata: dict[str, Any] = {}
    for name in METADATA_FILES:
        path = Path(folder) / name
        if path.is_file():
            _merge(metadata, load_yaml(path.read_text(encoding="utf-8")) or {})
    tables = metadata.setdefault("databases", {}).setdefault("esr", {}).setdefault("tables", {})
    for table in SEARCHED_THROUGH:
        tables.setdefault(table, {})["fts_table"] = search_table_of(table).name
    return metadata


def make_datasette(db_path: Path, project: str | Path | Project, **overrides: Any):
    """A Datasette serving ``db_path`` as the immutable database ``esr`` with the project's files.

    The file's table counts and SHA-256 are computed here, once (Datasette's ``inspect_data``;
    an ``inspect_data=`` override, e.g. from ``datasette inspect``, is used as given).
    """
    from .caching import compiled_template_files, inspect_archive
    from .units import defer_unit_registry

    defer_unit_registry()  # before Datasette's views are imported
    from datasette.app import Datasette

    db_path = Path(db_path)
    if db_path.stem != "esr":
        raise ValueError(f"the archive must be named esr.db so its database is 'esr', not {db_path.name!r}")
    project = project if isinstance(project, Project) else find_project(project)
    # The file is immutable while it is served, so its answers only change with the build:
    # clients may keep a page for five minutes (then revalidate it with the ETag of
    # plugins/caching.py, a 304), where Datasette's default is 5 s.
    settings = {"default_cache_ttl": 300, **SETTINGS}
    options: dict[str, Any] = {
        "immutables": [str(db_path)],
        "metadata": load_metadata(project.folder),
        "plugins_dir": str(project.plugins),
        "template_dir": str(project.templates),
        "static_mounts": [("static", str(project.static))] if project.static else None,
        "settings": settings,
    }
    if "inspect_data" not in overrides:
        # What `datasette inspect` would write (every table's count, the file's SHA-256),
        # computed once here rather than by the first requests (parser/publish/caching.py).
        options["inspect_data"] = inspect_archive(db_path)
    options.update(overrides)
    datasette = Datasette(**options)
    datasette.jinja_env.bytecode_cache = compiled_template_files()
    return datasette
