"""A new archive's full-text indexes made while its rows come in, in a thread and a file of
their own (``parser.search.IndexAsLoaded``), are the indexes one pass after the load makes."""

from __future__ import annotations

import sqlite3

import pytest
import sqlite_utils

from parser import search
from parser.archive.build import create_tables
from parser.search.tables import SEARCH_TABLES

#: Documents as (id, title, text): Finnish words, so that the tokenizer's ä and ö are in play.
DOCUMENTS = [
    ("a.txt", "Nuorten työpaja", "Työpaja nuorille Kuopiossa"),
    ("b.txt", "Maahanmuuttajien kotoutuminen", "Kielikoulutusta ja työelämään ohjausta"),
    ("c.txt", "Ikääntyvät työntekijät", "Työkyvyn ylläpito pk-yrityksissä"),
    ("d.txt", "Nuorten työpaja", "Toinen työpaja, Oulussa"),
]


def _insert(db: sqlite_utils.Database, live: search.IndexAsLoaded | None, rows) -> None:
    """Insert documents as the loader does, and hand them to ``live`` as it does."""
    (first,) = db.execute("select coalesce(max(rowid), 0) + 1 from documents").fetchone()
    written = [(rowid, i, i, t, x) for rowid, (i, t, x) in enumerate(rows, first)]
    db.conn.executemany("insert into documents (rowid, id, path, title, text) values (?, ?, ?, ?, ?)", written)
    if live is not None:
        live.add("documents", ("rowid", "id", "path", "title", "text"), written)


def _index_rows(db: sqlite_utils.Database) -> list[tuple]:
    return db.execute("select rowid, title, text from documents_fts order by rowid").fetchall()


def _matches(db: sqlite_utils.Database, query: str) -> list[str]:
    return [row[0] for row in db.execute(
        "select d.id from documents_fts f join documents d on d.rowid = f.rowid where documents_fts match ? order by d.id", [query]
    )]  # fmt: skip


@pytest.fixture
def archive(tmp_path) -> sqlite_utils.Database:
    db = sqlite_utils.Database(tmp_path / "esr.db")
    create_tables(db)
    return db


def test_rows_handed_in_batches_are_the_index_one_pass_makes(archive, tmp_path):
    live = search.IndexAsLoaded(archive, ["documents"], tmp_path / "side.db")
    _insert(archive, live, DOCUMENTS[:2])
    _insert(archive, live, [])
    _insert(archive, live, DOCUMENTS[2:])
    live.complete("documents")
    terms = live.finish()
    assert not (tmp_path / "side.db").exists()
    assert _matches(archive, "työpaja") == ["a.txt", "d.txt"]
    assert _matches(archive, "ylläpito") == ["c.txt"]
    assert _matches(archive, "oulussa") == ["d.txt"]
    # The terms the thread listed once the documents were complete, for the vocabulary.
    assert {"työpaja", "nuorille", "kuopiossa", "pk", "yrityksissä", "ikääntyvät"} <= terms["documents_fts"]
    assert "nuorten" in terms["documents_fts"] and "Nuorten" not in terms["documents_fts"]
    # FTS5's own check of the index against its content table.
    archive.execute("insert into documents_fts (documents_fts, rank) values ('integrity-check', 1)")
    # The same rows as one pass over the final table gives.
    expected = _index_rows(archive)
    archive.execute("drop table documents_fts")
    for suffix in ("ai", "ad", "au"):
        archive.execute(f"drop trigger documents_{suffix}")
    archive["documents"].enable_fts(list(SEARCH_TABLES["documents"].columns), create_triggers=True, tokenize=search.TOKENIZE)
    assert _index_rows(archive) == expected
    assert [row[1] for row in expected] == [title for _, title, _ in DOCUMENTS]


def test_a_row_written_but_not_handed_fails_the_finish(archive, tmp_path):
    """The index takes only the rows handed to it: one written past it (a bug of the build's)
    would be missing from search, so finish refuses rather than leave it so."""
    live = search.IndexAsLoaded(archive, ["documents"], tmp_path / "side.db")
    _insert(archive, live, DOCUMENTS[:2])
    _insert(archive, None, DOCUMENTS[2:3])
    with pytest.raises(RuntimeError, match="documents holds 3 rows, of which its full-text index was handed 2"):
        live.finish()
    live.close()
    assert not (tmp_path / "side.db").exists()


def test_no_rows_are_handed_after_the_source_is_complete(archive, tmp_path):
    live = search.IndexAsLoaded(archive, ["documents"], tmp_path / "side.db")
    _insert(archive, live, DOCUMENTS[:1])
    live.complete("documents")
    with pytest.raises(ValueError, match="documents was complete already"):
        _insert(archive, live, DOCUMENTS[1:2])
    live.close()


def test_after_finish_the_triggers_keep_the_index_and_nothing_temporary_is_left(archive, tmp_path):
    live = search.IndexAsLoaded(archive, ["documents"], tmp_path / "side.db")
    _insert(archive, live, DOCUMENTS[:1])
    live.finish()
    triggers = {row[0] for row in archive.execute("select name from sqlite_master where type = 'trigger'")}
    assert {"documents_ai", "documents_ad", "documents_au"} <= triggers
    assert archive.execute("select name from sqlite_temp_master").fetchall() == []
    assert "esr_search_side" not in [row[1] for row in archive.execute("pragma database_list")]
    # A later (incremental) build's rows are indexed by the triggers.
    _insert(archive, None, DOCUMENTS[1:2])
    archive.execute("update documents set text = 'Ohjausta Oulussa' where id = 'a.txt'")
    assert _matches(archive, "oulussa") == ["a.txt"]
    assert _matches(archive, "kotoutuminen") == ["b.txt"]
    archive.execute("insert into documents_fts (documents_fts, rank) values ('integrity-check', 1)")


def test_a_full_build_leaves_every_index_whole(tmp_path, monkeypatch):
    """The full build (its descriptions indexed as they are loaded, in batches of one here, its
    project index as it is made, in batches of seven rows, and the small lists indexed once
    loaded): every full-text index passes FTS5's check against its table, and the vocabulary
    (made of the terms the index thread listed) is the one made from the indexes in one pass."""
    from parser.archive import build as build_module
    from parser.archive import project_index

    from .conftest import copy_corpus

    corpus = copy_corpus(tmp_path)
    monkeypatch.setattr(build_module, "_BATCH", 1)
    monkeypatch.setattr(project_index, "_INDEX_BATCH", 7)
    build_module.build(corpus, tmp_path / "esr.db", full=True, jobs=1)
    with sqlite3.connect(tmp_path / "esr.db") as connection:
        for spec in SEARCH_TABLES.values():
            connection.execute(f"insert into [{spec.name}] ([{spec.name}], rank) values ('integrity-check', 1)")
        counts = {spec.name: connection.execute(f"select count(*) from [{spec.name}]").fetchone()[0] for spec in SEARCH_TABLES.values()}
        vocabulary = sorted(connection.execute(f"select key, term from [{search.VOCABULARY}]"))
    # Five documents (the 2021–2027 summary is a document of its own).
    assert counts["documents_fts"] == 5
    assert counts["project_list_fts"] == connection_rows(tmp_path / "esr.db", "project_list") > 0
    # Every code of the 42 list rows and the four described projects, once (more than 7: batches).
    assert counts["project_index_fts"] == connection_rows(tmp_path / "esr.db", "project_index") > 40
    with sqlite_utils.Database(tmp_path / "esr.db") as db:
        db.execute(f"drop table [{search.VOCABULARY}]")
        search.create_search_index(db)  # lists every index's terms itself
    assert sorted(sqlite3.connect(tmp_path / "esr.db").execute(f"select key, term from [{search.VOCABULARY}]")) == vocabulary
    assert ("kuopion", "kuopion") in vocabulary  # S10962's implementer, Kuopion Kaupunki: something to compare


def connection_rows(path, table: str) -> int:
    with sqlite3.connect(path) as connection:
        return connection.execute(f"select count(*) from [{table}]").fetchone()[0]
