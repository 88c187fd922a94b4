"""Publish: the archive in Datasette, read-only, with the project's metadata, plugins and templates.

:func:`make_datasette` is the one place a Datasette instance is configured: ``esr serve`` runs it
and the tests talk to it through Datasette's own test client, so both see the same thing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
#: Metadata files merged in this order; later files add to (never replace) earlier ones.
METADATA_FILES = ("metadata.yml", "dashboards.yml")
PLUGINS_DIR = ROOT / "plugins"
TEMPLATES_DIR = ROOT / "templates"
STATIC_DIR = ROOT / "static"

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


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value
    return base


def load_metadata(root: Path = ROOT) -> dict[str, Any]:
    """The metadata Datasette is given: ``metadata.yml`` with ``dashboards.yml`` merged in."""
    metadata: dict[str, Any] = {}
    for name in METADATA_FILES:
        path = root / name
        if path.is_file():
            _merge(metadata, yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    return metadata


def make_datasette(db_path: Path, **overrides: Any):
    """A Datasette serving ``db_path`` as the immutable database ``esr``."""
    from datasette.app import Datasette

    db_path = Path(db_path)
    if db_path.stem != "esr":
        raise ValueError(f"the archive must be named esr.db so its database is 'esr', not {db_path.name!r}")
    options: dict[str, Any] = {
        "immutables": [str(db_path)],
        "metadata": load_metadata(),
        "plugins_dir": str(PLUGINS_DIR) if PLUGINS_DIR.is_dir() else None,
        "template_dir": str(TEMPLATES_DIR) if TEMPLATES_DIR.is_dir() else None,
        "static_mounts": [("static", str(STATIC_DIR))] if STATIC_DIR.is_dir() else None,
        "settings": dict(SETTINGS),
    }
    options.update(overrides)
    return Datasette(**options)
