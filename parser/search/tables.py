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
    "documents": SearchTable("documents_fts", "documents", "id", ("title", "text")),
    # Every project the archive knows, once, by its name, implementer and (where there is one)
    # its description's texts or its EURA 2021 summary: what /haku searches. A described
    # project's row has its projects row's rowid, so this is the projects table's index too
    # (SEARCHED_THROUGH): a description's texts are tokenized once.
    "project_index": SearchTable("project_index_fts", "project_index", "code", ("name", "implementer_name", "search_text")),
    # The official lists as they are, for the ?_search= box of project_list.
    "project_list": SearchTable("project_list_fts", "project_list", "code", ("name", "implementer_name", "managing_authority")),
}

#: The tables whose search box searches another table's index, whose rows have the same
#: rowids: a described project's ``project_index`` row has its ``projects`` row's
#: (:func:`parser.publish.load_metadata` gives Datasette each as the table's ``fts_table``).
SEARCHED_THROUGH = {"projects": "project_index"}


def search_table_of(table: str) -> SearchTable:
    """The full-text index that ``table``'s search box (``?_search=``) searches."""
    return SEARCH_TABLES[SEARCHED_THROUGH.get(table, table)]


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
