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


class IndexAsLoaded:
    """The full-text indexes of a new archive's ``sources`` (keys of :data:`SEARCH_TABLES`),
    filled batch by batch while the rows are written rather than in one pass after the last.

    The work is the same as :func:`create_search_index`'s one pass (a trigger per row would cost
    half as much again), but it is done while the parse workers read the next documents instead
    of after them. Made on empty tables, before their first row: call :meth:`catch_up` after
    each batch of inserts (and before anything deletes a row of it: the delete trigger takes a
    row out of the index, so it must be in), and :meth:`finish` after the last. The indexes and
    triggers are then exactly those :func:`create_search_index` makes, which leaves them be.
    """

    def __init__(self, db: sqlite_utils.Database, sources: Iterable[str]) -> None:
        self.db = db
        self.specs = [SEARCH_TABLES[source] for source in sources]
        #: The insert trigger of each source, held back until :meth:`finish`.
        self._insert_triggers: dict[str, str] = {}
        for spec in self.specs:
            db[spec.source].enable_fts(list(spec.columns), create_triggers=True, tokenize=TOKENIZE, replace=True)
            trigger = f"{spec.source}_ai"
            (self._insert_triggers[spec.source],) = db.execute("select sql from sqlite_master where type = 'trigger' and name = ?", [trigger]).fetchone()
            db.execute(f"drop trigger [{trigger}]")
            # The rowids written since the last catch-up (a rowid can come back after a delete,
            # so "greater than the last one indexed" would miss it).
            db.execute(f"create temp table [{self._new(spec)}] (id integer primary key)")
            db.execute(f"create temp trigger [{self._new(spec)}_ai] after insert on main.[{spec.source}] begin "
                       f"insert into [{self._new(spec)}] values (new.rowid); end")  # fmt: skip

    @staticmethod
    def _new(spec: SearchTable) -> str:
        return f"_new_rows_{spec.source}"

    def catch_up(self) -> None:
        """Index the rows written since the last call."""
        for spec in self.specs:
            columns = ", ".join(f"[{column}]" for column in spec.columns)
            self.db.execute(
                f"insert into [{spec.name}] (rowid, {columns}) select rowid, {columns} from [{spec.source}] "
                f"where rowid in (select id from temp.[{self._new(spec)}])"
            )
            self.db.execute(f"delete from temp.[{self._new(spec)}]")

    def finish(self) -> None:
        """Index the last rows and put the insert triggers in place for later builds."""
        self.catch_up()
        for spec in self.specs:
            self.db.execute(f"drop trigger temp.[{self._new(spec)}_ai]")
            self.db.execute(f"drop table temp.[{self._new(spec)}]")
            self.db.execute(self._insert_triggers[spec.source])


def index_table(db: sqlite_utils.Database, source: str) -> None:
    """Make the full-text index of one source table now, in one pass, with its triggers (as
    :func:`create_search_index` would, which then leaves it be): for a table whose rows are
    all in while there is still other work to do, such as the official lists."""
    spec = SEARCH_TABLES[source]
    db[spec.source].enable_fts(list(spec.columns), create_triggers=True, tokenize=TOKENIZE, replace=True)


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
