"""What is indexed for search: the full-text tables, their tokenizer and the vocabulary table.

Declared once here; :mod:`.index` builds them, :mod:`.query` and the Datasette plugin read them.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True)
class SearchTable:
    """One full-text index: an FTS5 table over columns of a source table (its rowids)."""

    name: str
    source: str
    key: str
    columns: tuple[str, ...]


#: The full-text indexes, by source table. Datasette finds each by its ``content=`` table.
SEARCH_TABLES: dict[str, SearchTable] = {
    "projects": SearchTable(
        "projects_fts", "projects", "code",
        ("name", "summary", "target_groups_primary", "target_groups_indirect", "target_groups_description",
         "final_report_summary", "communication_plan", "dissemination_plan"),
    ),
    "documents": SearchTable("documents_fts", "documents", "id", ("title", "text")),
    # Every project the archive knows, once, by its name, implementer and (where there is one)
    # its description's texts or its EURA 2021 summary: what /haku searches.
    "project_index": SearchTable("project_index_fts", "project_index", "code", ("name", "implementer_name", "search_text")),
    # The official lists as they are, for the ?_search= box of project_list.
    "project_list": SearchTable("project_list_fts", "project_list", "code", ("name", "implementer_name", "managing_authority")),
}

#: The rows' tokenizer: words of letters and digits, lower-cased, ``ä``/``ö``/``å`` kept.
TOKENIZE = "unicode61 remove_diacritics 0"
#: The vocabulary: (key, term) pairs, trigram-indexed on ``key``.
VOCABULARY = "vocabulary_fts"


def has_vocabulary(conn: sqlite3.Connection) -> bool:
    """Whether an archive has the full-text indexes and the vocabulary the Finnish search needs."""
    names = [VOCABULARY, *(spec.name for spec in SEARCH_TABLES.values())]
    found = conn.execute(
        "select count(*) from sqlite_master where name in (%s)" % ",".join("?" * len(names)), names
    ).fetchone()[0]
    return found == len(names)
