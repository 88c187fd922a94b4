"""Load the reference data shipped in ``corpus/reference/`` into the archive.

The official project lists (``project_list``) and Statistics Finland's municipality key
(``municipalities``); reading and repairing them is :mod:`parser.reference`'s job.
"""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from ..corpus import MUNICIPALITY_KEY, PROJECT_LISTS
from ..reference.places import municipality_key
from ..reference.project_lists import repair_project_list


def load_project_list(db: sqlite_utils.Database, references: dict[str, Path]) -> tuple[int, int]:
    """Replace ``project_list`` with every row of the official lists, repaired or flagged.

    Returns the number of rows loaded and how many of them are flagged.
    """
    db.execute("delete from project_list")
    loaded = flagged = 0
    for name in PROJECT_LISTS:
        if name in references:
            rows = [row.model_dump(mode="json") for row in repair_project_list(references[name])]
            db["project_list"].insert_all(rows, batch_size=2000)
            loaded += len(rows)
            flagged += sum(1 for row in rows if row["flag"])
    return loaded, flagged


def load_municipalities(db: sqlite_utils.Database, references: dict[str, Path]) -> None:
    """Replace ``municipalities`` with the municipality key."""
    db.execute("delete from municipalities")
    if MUNICIPALITY_KEY in references:
        rows = (row.model_dump(mode="json") for row in municipality_key(references[MUNICIPALITY_KEY]))
        db["municipalities"].insert_all(rows, batch_size=2000)
