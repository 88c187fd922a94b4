"""Build the full-text indexes and the vocabulary of the archive (after its rows are loaded)."""

from __future__ import annotations

import contextlib
import queue
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

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


@contextlib.contextmanager
def _vocab_of(connection: sqlite3.Connection, name: str, *, schema: str = "main", kind: str = "row") -> Iterator[str]:
    """A temporary ``fts5vocab`` table over the FTS5 index ``schema.name`` (its terms), by name."""
    vocab = f"_vocab_{name}"
    connection.execute(f"drop table if exists temp.[{vocab}]")
    connection.execute(f"create virtual table temp.[{vocab}] using fts5vocab({schema}, [{name}], '{kind}')")
    try:
        yield vocab
    finally:
        connection.execute(f"drop table temp.[{vocab}]")


def _index_terms(connection: sqlite3.Connection, name: str) -> set[str]:
    """The distinct terms of the FTS5 index ``name`` (FTS5's own term list, ``fts5vocab``)."""
    with _vocab_of(connection, name) as vocab:
        return {r[0] for r in connection.execute(f"select term from temp.[{vocab}]")}


def _terms(db: sqlite_utils.Database, known: Mapping[str, set[str]]) -> set[str]:
    terms: set[str] = set()
    for spec in SEARCH_TABLES.values():
        terms |= known[spec.name] if spec.name in known else _index_terms(db.conn, spec.name)
    return terms


class IndexAsLoaded:
    """The full-text indexes of a new archive's ``sources`` (keys of :data:`SEARCH_TABLES`),
    made while the rows are written, in a thread of their own, rather than after the last row.

    Tokenizing is most of what a build's own process does, and it was done after the parse (or,
    batch by batch, in the way of the writing of the rows, which then kept the workers waiting).
    Here whoever writes a source's rows hands them to :meth:`add` as they are written (rather
    than the index reading their texts back), and a thread indexes them into a database file of
    its own (``side``); SQLite lets go of Python's lock while it tokenizes, so that runs beside
    the writing. A new archive's sources are only ever inserted into while it is built: a row
    changed or deleted meanwhile would leave the index wrong, so :meth:`finish` checks that it
    was handed as many rows as each source holds. When a source has all its rows
    (:meth:`complete`), the thread lists its index's terms for the vocabulary, beside what the
    build still does. :meth:`finish` copies the side index's tables into the archive's index
    (FTS5 keeps an index in four plain tables) and puts its triggers back: the indexes are then
    those :func:`create_search_index` makes in one pass (FTS5's integrity check agrees), and it
    leaves them be. Call :meth:`finish` outside a transaction; :meth:`close` on the way out of a
    build that failed.
    """

    #: The tables an FTS5 index is kept in, by suffix.
    _SHADOWS = ("data", "idx", "docsize", "config")
    #: How many bytes of new terms FTS5 holds before it writes them as a segment (1 MB unless
    #: told): fewer, larger segments to merge, a quarter less of the thread's CPU for the
    #: documents' 50 MB of text at 4,000 descriptions (0.65 s rather than 0.9 s).
    _HASHSIZE = 8 * 1024 * 1024

    def __init__(self, db: sqlite_utils.Database, sources: Iterable[str], side: Path) -> None:
        self.db = db
        self.specs = {source: SEARCH_TABLES[source] for source in sources}
        self.side = side
        #: Each source's triggers, held back until :meth:`finish`.
        self._triggers: dict[str, list[str]] = {}
        #: How many rows of each source were handed to the thread.
        self._handed: dict[str, int] = dict.fromkeys(self.specs, 0)
        self._completed: set[str] = set()
        creates = []
        for spec in self.specs.values():
            db[spec.source].enable_fts(list(spec.columns), create_triggers=True, tokenize=TOKENIZE, replace=True)
            creates.append(db.execute("select sql from sqlite_master where name = ?", [spec.name]).fetchone()[0])
            self._triggers[spec.source] = []
            for suffix in ("ai", "ad", "au"):
                trigger = f"{spec.source}_{suffix}"
                (sql,) = db.execute("select sql from sqlite_master where type = 'trigger' and name = ?", [trigger]).fetchone()
                self._triggers[spec.source].append(sql)
                db.execute(f"drop trigger [{trigger}]")
        self._work: queue.Queue = queue.Queue(maxsize=8)
        self._error: BaseException | None = None
        #: Each index's terms once the thread has indexed its last rows, by index name.
        self._terms: dict[str, set[str]] = {}
        # Made here, not in the thread: once this returns the file exists, so a build stopped
        # at any moment after (a signal, even before it holds this object) removes it for good.
        self._connection = sqlite3.connect(self.side, check_same_thread=False)
        # Started by the first item handed over (_hand), when the caller holds this object and
        # will close it: a build stopped before that leaves no thread running.
        self._thread = threading.Thread(target=self._index, args=(self._connection, creates), name="esr-search-index", daemon=True)

    def _index(self, connection: sqlite3.Connection, creates: list[str]) -> None:
        try:
            connection.execute("pragma journal_mode = memory")
            connection.execute("pragma synchronous = off")
            for sql in creates:
                connection.execute(sql)
            for spec in self.specs.values():
                connection.execute(f"insert into [{spec.name}] ([{spec.name}], rank) values ('hashsize', ?)", [self._HASHSIZE])
            while (item := self._work.get()) is not None:
                if self._error is not None:
                    continue
                sql, rows = item
                if rows is None:  # the vocabulary needs the terms: listed here, beside the build
                    self._terms[sql] = _index_terms(connection, sql)
                else:
                    connection.executemany(sql, rows)
            for spec in self.specs.values():  # a setting of this build, not of the archive's index
                connection.execute(f"delete from [{spec.name}_config] where k = 'hashsize'")
            connection.commit()
        except BaseException as error:  # noqa: BLE001 - raised in the build's thread by finish()
            self._error = error
            while self._work.get() is not None:  # the build goes on handing rows until it learns
                pass
        finally:
            connection.close()

    def add(self, source: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Hand the thread rows just inserted into ``source``: each has the values of ``columns``,
        of which ``rowid`` and the index's columns are taken."""
        spec = self.specs[source]
        if source in self._completed:
            raise ValueError(f"{source} was complete already")
        at = [columns.index(column) for column in ("rowid", *spec.columns)]
        batch = [tuple(row[i] for i in at) for row in rows]
        if batch:
            self._handed[source] += len(batch)
            marks = ", ".join("?" * len(at))
            self._hand((f"insert into [{spec.name}] (rowid, {', '.join(f'[{c}]' for c in spec.columns)}) values ({marks})", batch))

    def complete(self, source: str) -> None:
        """Say that ``source`` has all its rows: the thread lists its index's terms next."""
        if source not in self._completed:
            self._completed.add(source)
            self._hand((self.specs[source].name, None))

    def _hand(self, item: tuple[str, list | None]) -> None:
        if self._error is not None:
            raise self._error
        if self._thread.ident is None:
            self._thread.start()
        self._work.put(item)

    def finish(self) -> dict[str, set[str]]:
        """Index the last rows, copy the index into the archive and put its triggers back.
        Returns each index's terms, by index name."""
        for source in self.specs:
            self.complete(source)
        self._stop()
        if self._error is not None:
            raise self._error
        db = self.db
        for source, handed in self._handed.items():
            (held,) = db.execute(f"select count(*) from [{source}]").fetchone()
            if held != handed:  # a bug of the build's, not a user's: no message of its own
                raise RuntimeError(f"{source} holds {held:,} rows, of which its full-text index was handed {handed:,}")
        db.conn.commit()  # ATTACH and DETACH need no transaction open
        db.execute("attach database ? as esr_search_side", [str(self.side)])
        try:
            for spec in self.specs.values():
                for shadow in self._SHADOWS:
                    table = f"{spec.name}_{shadow}"
                    db.execute(f"delete from main.[{table}]")
                    db.execute(f"insert into main.[{table}] select * from esr_search_side.[{table}]")
                for sql in self._triggers[spec.source]:
                    db.execute(sql)
            db.conn.commit()
        finally:
            db.execute("detach database esr_search_side")
        self.side.unlink(missing_ok=True)
        return self._terms

    def _stop(self) -> None:
        if self._thread.ident is None:  # never started: nothing was handed to it
            self._connection.close()
        elif self._thread.is_alive():
            self._work.put(None)
            self._thread.join()

    def close(self) -> None:
        """End the index thread and remove its file, whatever happened (idempotent)."""
        self._stop()
        self.side.unlink(missing_ok=True)


#: The temporary tables and triggers of :func:`track_changes`: the rows each source gained or
#: changed (their rowids), and the texts of those it lost or changed (FTS5, the indexes'
#: tokenizer: its terms are listed as theirs are); their triggers' names begin with it.
_CHANGED_ROWS = "_search_changed_rows"
_CHANGED_TEXTS = "_search_changed_texts"
_TRACKER = "_search_track"
#: What the triggers of :func:`track_changes` note, one trigger each.
_EVENTS = ("insert", "update", "delete")


def track_changes(db: sqlite_utils.Database) -> None:
    """Note, from now on, which rows the full-text indexes' sources gain, change and lose
    (temporary triggers, this connection only), so that :func:`create_search_index` with
    ``codes`` brings the vocabulary up to date from those rows' texts alone.

    Otherwise it lists every index's terms (FTS5 reads every index whole for that: 2.4 s at
    20,000 descriptions with the lists) to find the few terms a one-file rebuild adds or takes
    away. A term none of those rows had, before or after, is in as many indexes as before; the
    vocabulary held the indexes' terms after the last build, so only those rows' terms can
    enter or leave it. Call it before the first row changes, on an archive whose vocabulary is
    up to date. A table all of whose rows are replaced (the lists, 22,821 rows) is better not
    noted row by row: :func:`drop_index` before, and :func:`index_table` after, note its
    index's terms instead."""
    db.execute(f"create temp table if not exists [{_CHANGED_ROWS}] (source text, id integer, primary key (source, id)) without rowid")
    db.execute(f"create virtual table if not exists temp.[{_CHANGED_TEXTS}] using fts5(old, new, tokenize='{TOKENIZE}')")
    for spec in SEARCH_TABLES.values():
        if not db[spec.source].exists():
            continue
        # A trigger's statements name their tables unqualified: these resolve to the temporary ones.
        noted = f"insert or ignore into [{_CHANGED_ROWS}] values ('{spec.source}', new.rowid);"
        kept = f"insert into [{_CHANGED_TEXTS}] (old) values ({_indexed_text(spec, 'old.')});"
        for event, body in zip(_EVENTS, (noted, kept + noted, kept)):
            db.execute(f"create temp trigger if not exists [{_tracker(spec, event)}] after {event} on main.[{spec.source}] begin {body} end")


def _tracker(spec: SearchTable, event: str) -> str:
    """The name of the temporary trigger that notes ``event`` on ``spec``'s source."""
    return f"{_TRACKER}_{spec.source}_{event}"


def _indexed_text(spec: SearchTable, row: str = "") -> str:
    """An SQL expression of a row's indexed columns as one text (``row``: ``old.``, say): the
    index's tokenizer gives the same terms for it as for the columns one by one."""
    return " || char(10) || ".join(f"coalesce({row}[{column}], '')" for column in spec.columns)


def _noted_row_by_row(db: sqlite_utils.Database, spec: SearchTable) -> bool:
    """Whether :func:`track_changes` notes the rows of ``spec``'s source one by one."""
    return db.execute("select 1 from temp.sqlite_master where type = 'trigger' and name = ?", [_tracker(spec, "insert")]).fetchone() is not None


def _tracking(db: sqlite_utils.Database) -> bool:
    return db.execute("select 1 from temp.sqlite_master where name = ?", [_CHANGED_ROWS]).fetchone() is not None


def _stop_tracking(db: sqlite_utils.Database) -> None:
    for (name,) in db.execute("select name from temp.sqlite_master where type = 'trigger' and name like ?", [f"{_TRACKER}_%"]).fetchall():
        db.execute(f"drop trigger temp.[{name}]")
    db.execute(f"drop table if exists temp.[{_CHANGED_ROWS}]")
    db.execute(f"drop table if exists temp.[{_CHANGED_TEXTS}]")


def _changed_terms(db: sqlite_utils.Database, known: set[str]) -> tuple[set[str], set[str]]:
    """The terms the vocabulary (which holds ``known``) gains and loses by the rows
    :func:`track_changes` noted: the terms of the rows gained or changed are in an index now;
    one only the lost or overwritten texts had is gone unless an index still has it."""
    for spec in SEARCH_TABLES.values():
        if db[spec.source].exists():
            db.execute(
                f"insert into temp.[{_CHANGED_TEXTS}] (new) select {_indexed_text(spec)} from main.[{spec.source}] "
                f"where rowid in (select id from temp.[{_CHANGED_ROWS}] where source = ?)", [spec.source],
            )
    by_column: dict[str, set[str]] = {"old": set(), "new": set()}
    with _vocab_of(db.conn, _CHANGED_TEXTS, schema="temp", kind="col") as vocab:
        for term, column in db.execute(f"select term, col from temp.[{vocab}]"):
            by_column[column].add(term)
    added = by_column["new"] - known
    lost = (by_column["old"] - by_column["new"]) & known
    if lost:
        with contextlib.ExitStack() as stack:
            lookups = [stack.enter_context(_vocab_of(db.conn, spec.name)) for spec in SEARCH_TABLES.values()]
            # A lookup of one term reads that term alone, not the index.
            lost = {term for term in lost if not any(
                db.execute(f"select 1 from temp.[{vocab}] where term = ?", [term]).fetchone() for vocab in lookups
            )}
    return added, lost


def drop_index(db: sqlite_utils.Database, source: str) -> None:
    """Remove the full-text index of one source table and its triggers, before every row of
    the table is replaced; :func:`index_table` makes it again in one pass. Kept up to date
    through its triggers instead, the official lists' 22,821 rows are taken out of the index
    and put back one by one: that made their reload in an archive brought up to date cost
    three times what it costs in a new archive."""
    spec = SEARCH_TABLES[source]
    if _tracking(db):
        # Its rows are not noted one by one as they are replaced: its terms are, before and
        # after (index_table), as the texts of a row lost and of a row gained.
        for event in _EVENTS:
            db.execute(f"drop trigger if exists temp.[{_tracker(spec, event)}]")
        if db[spec.name].exists():
            _note_terms(db, "old", _index_terms(db.conn, spec.name))
    for suffix in ("ai", "ad", "au"):
        db.execute(f"drop trigger if exists [{spec.source}_{suffix}]")
    db.execute(f"drop table if exists [{spec.name}]")


def _note_terms(db: sqlite_utils.Database, side: str, terms: set[str]) -> None:
    """Note ``terms`` as those of a text lost (``old``) or gained (``new``) for the vocabulary:
    an index's terms are words of its tokenizer already, so it gives them back as they are."""
    if terms:
        db.execute(f"insert into temp.[{_CHANGED_TEXTS}] ([{side}]) values (?)", ["\n".join(sorted(terms))])


def index_table(db: sqlite_utils.Database, source: str) -> None:
    """Make the full-text index of one source table now, in one pass, with its triggers (as
    :func:`create_search_index` would, which then leaves it be): for a table whose rows are
    all in while there is still other work to do, such as the official lists. After
    :func:`track_changes` and :func:`drop_index`, its terms are noted for the vocabulary."""
    spec = SEARCH_TABLES[source]
    db[spec.source].enable_fts(list(spec.columns), create_triggers=True, tokenize=TOKENIZE, replace=True)
    if _tracking(db) and not _noted_row_by_row(db, spec):
        _note_terms(db, "new", _index_terms(db.conn, spec.name))


def create_search_index(
    db: sqlite_utils.Database, codes: Iterable[str] | None = None, *, normaliser: Normaliser | None = None,
    known_terms: Mapping[str, set[str]] | None = None,
) -> dict[str, int]:
    """Bring the full-text indexes and the vocabulary up to date with ``projects`` and ``documents``.

    An index of :data:`SEARCH_TABLES` that is missing, or was made with another tokenizer or
    columns or without its triggers, is made anew in one pass (sqlite-utils' ``enable_fts``,
    with the triggers that keep it in step on later, incremental builds); one that is right is
    left to its triggers. So a full build should not make the indexes itself (or make them with
    ``tokenize=TOKENIZE``, or they are made twice). Then the vocabulary gets the
    terms the indexes have and it has not (analysed now) and loses those they no longer have:
    it is compared with the indexes' own term lists (FTS5's ``fts5vocab``), so ``codes`` (the
    project codes and document ids that changed) is not needed to know what changed:
    ``codes=None`` makes the vocabulary anew, and any other value, after :func:`track_changes`,
    brings it up to date from the terms of the rows noted since (and ends the tracking), or
    else by comparing term lists. ``known_terms`` gives the terms of indexes the caller has
    listed already (what :meth:`IndexAsLoaded.finish` returns), by index name; an index made
    anew here is listed here. Call it after the rows are loaded; it runs in one transaction (a savepoint of the caller's, if there is one). Returns counts: rows
    per index, terms, terms analysed now.
    """
    with db.atomic():
        try:
            return _create_search_index(db, codes, normaliser or default_normaliser(), dict(known_terms or {}))
        finally:
            if _tracking(db):
                _stop_tracking(db)


def _create_search_index(
    db: sqlite_utils.Database, codes: Iterable[str] | None, normaliser: Normaliser, known_terms: dict[str, set[str]]
) -> dict[str, int]:
    done: dict[str, int] = {}
    tracked = codes is not None and _tracking(db)
    for spec in SEARCH_TABLES.values():
        if not db[spec.source].exists():
            continue
        if not _fts_ok(db, spec):
            tracked = False  # an index made anew may have other terms than its rows' texts gave
            known_terms.pop(spec.name, None)
            for suffix in ("ai", "ad", "au"):
                db.execute(f"drop trigger if exists [{spec.source}_{suffix}]")
            db[spec.source].enable_fts(list(spec.columns), create_triggers=True, tokenize=TOKENIZE, replace=True)
        done[spec.name] = db.execute(f"select count(*) from [{spec.name}]").fetchone()[0]
    if len(done) < len(SEARCH_TABLES):
        return done
    exists = db[VOCABULARY].exists()
    if tracked and exists:
        known = {r[0] for r in db.execute(f"select distinct term from [{VOCABULARY}]")}
        added, gone = _changed_terms(db, known)
        _forget_terms(db, gone)
        _add_terms(db, added, normaliser)
        done["terms"] = len(known) + len(added) - len(gone)
        done["analysed"] = len(added)
        return done
    terms = _terms(db, known_terms)
    if codes is None or not exists:
        db.execute(f"drop table if exists [{VOCABULARY}]")
        db.execute(f"create virtual table [{VOCABULARY}] using fts5(key, term unindexed, tokenize='trigram case_sensitive 1', detail=none, columnsize=0)")
        known: set[str] = set()
    else:
        known = {r[0] for r in db.execute(f"select distinct term from [{VOCABULARY}]")}
        _forget_terms(db, known - terms)
    new = terms - known
    _add_terms(db, new, normaliser)
    done["terms"] = len(terms)
    done["analysed"] = len(new)
    return done


def _forget_terms(db: sqlite_utils.Database, gone: set[str]) -> None:
    if gone:
        db.execute("create temp table if not exists _gone_terms (term text primary key)")
        db.conn.executemany("insert or ignore into temp._gone_terms values (?)", ((t,) for t in gone))
        db.execute(f"delete from [{VOCABULARY}] where term in (select term from temp._gone_terms)")
        db.execute("drop table temp._gone_terms")


def _add_terms(db: sqlite_utils.Database, new: set[str], normaliser: Normaliser) -> None:
    index_keys = normaliser.index_keys
    db.conn.executemany(
        f"insert into [{VOCABULARY}](key, term) values (?, ?)",
        ((key, term) for term in sorted(new) for key in index_keys(term)),
    )
