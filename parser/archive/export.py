"""Export the archive's tables and views to JSON Lines or CSV files, with the record's JSON Schema."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils

from ..spreadsheet import neutralise_row
from ..records import Document

SCHEMA_FILE = "record.schema.json"


def record_schema() -> dict:
    """The JSON Schema of the parsed-document record (``esr parse``), from the pydantic models."""
    schema = Document.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "ESR-arkisto parsed document"
    return schema


def exportable(db: sqlite_utils.Database) -> list[str]:
    """Tables and views users see: not the full-text shadow tables nor SQLite's own."""
    names = [*db.table_names(), *db.view_names()]
    return [name for name in names if "_fts" not in name and not name.startswith("sqlite_")]


def export_archive(db_path: Path, output: Path, output_format: str) -> Iterator[tuple[Path, int]]:
    """Write one file per table and view; yield each file with its row count.

    CSV is for spreadsheets: every cell goes through
    :func:`parser.spreadsheet.neutralise_cell`, the rule the server's CSV follows too (a
    text that a spreadsheet would run as a formula gets a ``'`` in front; numbers stay numbers).
    JSON Lines are for programs and keep every value exactly.
    """
    output.mkdir(parents=True, exist_ok=True)
    schema_path = output / SCHEMA_FILE
    schema_path.write_text(json.dumps(record_schema(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    yield schema_path, 0
    db = sqlite_utils.Database(db_path)
    for name in exportable(db):
        path = output / f"{name}.{output_format}"
        # Ordered by primary key, so incremental and full builds export the same files.
        order = ", ".join(f"[{pk}]" for pk in db[name].pks) if name in db.table_names() else ""
        cursor = db.execute(f"select * from [{name}]" + (f" order by {order}" if order else ""))
        columns = [d[0] for d in cursor.description]
        rows = 0
        with open(path, "w", encoding="utf-8", newline="") as file:
            if output_format == "csv":
                writer = csv.writer(file)
                writer.writerow(neutralise_row(columns))
                for row in cursor:
                    writer.writerow(neutralise_row(row))
                    rows += 1
            else:
                for row in cursor:
                    file.write(json.dumps(dict(zip(columns, row)), ensure_ascii=False) + "\n")
                    rows += 1
        yield path, rows
