"""Build the full-text indexes and the vocabulary of the archive (after its rows are loaded)."""

from __future__ import annotations

from collections.abc import Iterable

import sqlite_utils

from .query import Normaliser, default_normaliser
from .tables import SEARCH_TABLES, TOKENIZE, VOCABULARY, SearchTable


def _fts_ok(db: sqlite_utils.Database, spec: SearchTable) -> bool:
    row = db.execute("select sql from sqlite_master where name = ?", [spec.name]).fetchone()
    if row is None:
        return False
    sql = " ".join(row[0].split()).lower()
    triggers = {r[0] for r in db.execute("select name from sqlite_master where type = 'trigger' and tbl_name = ?", [spec.source])}
    columns = [c.name for c in db[spec.name].columns]
    return (
        f"tokenize='{TOKENIZE}'" in sql.replace('"', "'")
        and columns == list(spec.columns)
        and {f"{spec.source}_ai", f"{spec.source}_ad", f"{spec.source}_au"} <= triggers
    )


def _terms(db: sqlite_utils.Database) -> set[str]:
    terms: set[str] = set()
    for spec in SEARCH_TABLES.values():
        vocab = f"_vocab_{spec.name}"
        db.execute(f"drop table if exists temp.[{vocab}]")
        db.execute(f"create virtual table temp.[{vocab}] using fts5vocab(main, [{spec.name}], 'row')")
        terms.update(r[0] for r in db.execute(f"select term from temp.[{vocab}]"))
        db.execute(f"drop table temp.[{vocab}]")
    return terms


def create_search_index(
    db: sqlite_utils.Database, codes: Iterable[str] | None = None, *, normaliser: Normaliser | None = None
) -> dict[str, int]:
    """Bring the full-text indexes and the vocabulary up to date with ``projects`` and ``documents``.

    An index of :data:`SEARCH_TABLES` that is missing, or was made with another tokenizer or
    columns or without its triggers, is made anew in one pass (sqlite-utils' ``enable_fts``,
    with the triggers that keep it in step on later, incremental builds); one that is right is
    left to its triggers. So a full build should not make the indexes itself (or make them with
    ``tokenize=TOKENIZE``, or they are made twice). Then the vocabulary gets the
    terms the indexes have and it has not (analysed now) and loses those they no longer have:
    it is compared with the indexes' own term lists (FTS5's ``fts5vocab``), so ``codes`` (the
    project codes and document ids that changed) is not needed to know what changed, and only
    ``codes=None`` matters: it makes the vocabulary anew. Call it after the rows are loaded; it
    runs in one transaction (a savepoint of the caller's, if there is one). Returns counts: rows
    per index, terms, terms analysed now.
    """
    with db.atomic():
        return _create_search_index(db, codes, normaliser or default_normaliser())


def _create_search_index(db: sqlite_utils.Database, codes: Iterable[str] | None, normaliser: Normaliser) -> dict[str, int]:
    done: dict[str, int] = {}
    for spec in SEARCH_TABLES.values():
        if not db[spec.source].exists():
            continue
        if not _fts_ok(db, spec):
            for suffix in ("ai", "ad", "au"):
                db.execute(f"drop trigger if exists [{spec.source}_{suffix}]")
            db[spec.source].enable_fts(list(spec.columns), create_triggers=True, tokenize=TOKENIZE, replace=True)
        done[spec.name] = db.execute(f"select count(*) from [{spec.name}]").fetchone()[0]
    if len(done) < len(SEARCH_TABLES):
        return done
    terms = _terms(db)
    exists = db[VOCABULARY].exists()
    if codes is None or not exists:
        db.execute(f"drop table if exists [{VOCABULARY}]")
        db.execute(f"create virtual table [{VOCABULARY}] using fts5(key, term unindexed, tokenize='trigram case_sensitive 1', detail=none, columnsize=0)")
        known: set[str] = set()
    else:
        known = {r[0] for r in db.execute(f"select distinct term from [{VOCABULARY}]")}
        gone = known - terms
        if gone:
            db.execute("create temp table if not exists _gone_terms (term text primary key)")
            db.conn.executemany("insert or ignore into temp._gone_terms values (?)", ((t,) for t in gone))
            db.execute(f"delete from [{VOCABULARY}] where term in (select term from temp._gone_terms)")
            db.execute("drop table temp._gone_terms")
    new = sorted(terms - known)
    index_keys = normaliser.index_keys
    db.conn.executemany(
        f"insert into [{VOCABULARY}](key, term) values (?, ?)",
        ((key, term) for term in new for key in index_keys(term)),
    )
    done["terms"] = len(terms)
    done["analysed"] = len(new)
    return done
