"""Finnish-aware full-text search: what a word is findable by, and what a query becomes.

Finnish inflects and compounds words: ``asunnottomuus`` is also written ``asunnottomuuden``,
``asunnottomaksi`` or ``pitkäaikaisasunnottomuus``, and an FTS5 match on the word as typed
misses them. Here the rows are indexed as written, and the Finnish knowledge sits in a small
table of the archive's *vocabulary*:

* **Rows.** ``projects_fts`` and ``documents_fts`` (:data:`SEARCH_TABLES`) are FTS5 tables over
  the source columns, kept in step by sqlite-utils' triggers, with the ``unicode61`` tokenizer
  without diacritic folding (:data:`TOKENIZE`: ``näissä`` is not ``naissa``). FTS5's C
  tokenizer does all the work of indexing, so 200 MB of text index in seconds.
* **Vocabulary.** ``vocabulary_fts`` (:data:`VOCABULARY`; ``_fts`` in the name keeps it out of
  dumps, exports and the table list, as for every full-text table) has one row per distinct
  *term* of those indexes and each *key* it is findable by: the term itself and, when an analyser is
  installed, its base forms and the base forms of its compound parts (``sosiaalihuoltolain`` →
  ``sosiaalihuoltolaki``, ``sosiaali``, ``huolto``, ``laki``). It is an FTS5 table with the
  trigram tokenizer on ``key``, so keys are found by substring, start or end. Only terms not
  seen before are analysed on an incremental build.
* **Queries** (:func:`normalise_query`). Each query word becomes a few keys, each with where it
  may match a term's key: its Snowball stem cut back to what every inflected form shares
  (``asunnottomuudesta`` → ``asunnottomuu``, ``asunnottom``, which ``asunnottomaksi`` shares),
  the other grade of consonant gradation (``asunn`` ↔ ``asunt``, ``hääd`` ↔ ``häät``, ``vang``
  ↔ ``vank``), and the word's base forms from the analysers (``vangeille`` → ``vanki``). A key of
  :data:`LONG_KEY` characters or more matches anywhere in a term (so inside compounds), a shorter
  one only at a term's start (``nais`` finds ``naisia``, not ``varsinaisena``); a base form
  matches a whole key, a key's start and, when long, its end (the last part of a compound). The
  keys are looked up in the vocabulary, and the expression ORs the terms found (and the
  prefix query ``"key"*``); the words of a query are ANDed; ``OR`` between two words makes them
  alternatives. Quotes, operators and anything else are never passed through: the output is
  always a valid FTS5 expression, ``"!!!"`` (matches nothing) for a query with no words.

Snowball (PyStemmer) is the default install; simplemma (``pip install .[lemmas]``) and Voikko
(system packages ``libvoikko1`` and ``voikko-fi`` with ``pip install .[voikko]``) are used when
present; ``ESR_SEARCH_ANALYSERS`` chooses (``voikko,simplemma`` by default, ``none`` for Snowball
alone). The analysers only add keys, so a vocabulary built with other analysers than the query
side has still works.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import sqlite_utils

# --------------------------------------------------------------------------- declaration


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
}

#: The rows' tokenizer: words of letters and digits, lower-cased, ``ä``/``ö``/``å`` kept.
TOKENIZE = "unicode61 remove_diacritics 0"
#: The vocabulary: (key, term) pairs, trigram-indexed on ``key``.
VOCABULARY = "vocabulary_fts"

# --------------------------------------------------------------------------- words

_WORD = re.compile(r"[^\W_]+")
_VOWELS = "aeiouyäöå"
_CONSONANTS = "bcdfghjklmnpqrstvwxzšž"
#: Where a key may match a term's key: anywhere, at its start, at its end, or all of it.
ANY, START, END, WORD = "any", "start", "end", "word"
#: A key this long matches anywhere in a term (so inside a compound); a shorter one only at its
#: start, since short substrings are everywhere (``nais`` is in ``varsinaisena``).
LONG_KEY = 6
#: The shortest Snowball stem used; a shorter word is matched as typed (at a term's start).
MIN_STEM = 4
#: A stem cut back further (to its last consonant, or to the other grade) keeps at least this
#: many characters: ``kann`` (from ``kannustaa``) would find ``kannalta``.
MIN_CUT = 5
#: Bounds on what a query may cost: the rest of a longer query is ignored, and a key that matches
#: more terms than this is kept as a prefix query only.
MAX_QUERY_CHARS = 1000
MAX_QUERY_WORDS = 16
MAX_WORD_CHARS = 60
MAX_TERMS_PER_KEY = 2000
MAX_TERMS = 5000

#: Consonant gradation: the strong and the weak grade of a stem's last consonant cluster.
_GRADATION = {
    "kk": ("k",), "pp": ("p",), "tt": ("t",),
    "nk": ("ng",), "mp": ("mm",), "lt": ("ll",), "nt": ("nn",), "rt": ("rr",), "ht": ("hd",),
    "lk": ("lj", "l"), "rk": ("rj", "r"), "p": ("v", "pp"), "t": ("d", "tt"), "k": ("kk",),
    "ng": ("nk",), "mm": ("mp",), "ll": ("lt",), "nn": ("nt",), "rr": ("rt",), "hd": ("ht",),
    "lj": ("lk",), "rj": ("rk",), "v": ("p",), "d": ("t",),
}

#: Matches no row: a query with no words (no term contains ``!``).
NOTHING = '"!!!"'


def words(text: str) -> list[str]:
    """The words of ``text`` as the rows' tokenizer makes them: runs of letters and digits, lower-cased."""
    return _WORD.findall(text.lower())


# --------------------------------------------------------------------------- analysers


class _Snowball:
    def __init__(self) -> None:
        import Stemmer

        self._stemmer = Stemmer.Stemmer("finnish")
        self._lock = threading.Lock()

    def stem(self, word: str) -> str:
        with self._lock:
            return self._stemmer.stemWord(word)


_WORDBASE = re.compile(r"\+([^+()]*)(?:\(([^()]*)\))?")
#: Words Voikko reads as the last part of a compound where Finnish has an adjective suffix
#: (``koko`` + ``nais(nainen)`` in ``kokonaistilanne``, ``tavan`` + ``omainen``): not parts.
_SUFFIX_WORDS = frozenset({"nainen", "lainen", "läinen", "mainen", "mäinen", "omainen"})


class _Voikko:
    """Base forms and compound parts from Voikko (libvoikko with the Finnish dictionary)."""

    def __init__(self) -> None:
        import libvoikko

        self._voikko = libvoikko.Voikko("fi")
        self._lock = threading.Lock()

    def _analyses(self, word: str) -> list[dict]:
        with self._lock:
            return self._voikko.analyze(word)

    def base_forms(self, word: str) -> list[str]:
        return list(dict.fromkeys(a["BASEFORM"].lower() for a in self._analyses(word) if a.get("BASEFORM")))

    def index_forms(self, word: str) -> list[str]:
        """Every base form, and the parts of a compound.

        Voikko lists its likeliest reading first, but may read a word as a compound in a second
        reading of the same base form too: of the readings with the first one's base form, the
        one with the fewest parts is used. So ``sosiaalihuoltolain`` is ``sosiaali`` + ``huolto``
        + ``laki`` (its reading as ``sosiaali`` + ``huoltola`` has another base form), while
        ``moninaisia`` and ``varsinaisena`` are no compounds (not ``moni`` + ``nainen``) and
        ``kokonaisvaltaisesti`` is ``kokonainen`` + ``valtainen``, not ``koko`` + ``nainen`` + ….
        """
        analyses = self._analyses(word)
        out = dict.fromkeys(a["BASEFORM"].lower() for a in analyses if a.get("BASEFORM"))
        if analyses:
            base = analyses[0].get("BASEFORM")
            same = [a for a in analyses if a.get("BASEFORM") == base]
            reading = min(same, key=lambda a: len(_WORDBASE.findall(a.get("WORDBASES") or "")))
            for part in _compound_parts((base or "").lower(), reading.get("WORDBASES") or ""):
                out[part] = None
        return list(out)


def _compound_parts(base: str, wordbases: str) -> list[str]:
    """The parts of a compound from Voikko's WORDBASES (``+työn(työ)+teki(tehdä)+jä(+jä)``).

    A part is a component with its derivational suffixes (those whose base starts with ``+``).
    A part that is one component gives its base; a derived non-final part is kept as written;
    the last part's base form is the rest of the compound's base form after the parts before it.
    """
    groups: list[list[tuple[str, str | None]]] = []
    for surface, part_base in _WORDBASE.findall(wordbases):
        if surface == "-":
            continue
        if part_base and groups and (part_base.startswith("+") or part_base in _SUFFIX_WORDS):
            groups[-1].append((surface, part_base))
        else:
            groups.append([(surface, part_base or None)])
    if len(groups) < 2:
        return []
    whole = base.replace("-", "")
    parts: list[str] = []
    prefix = ""
    for position, group in enumerate(groups):
        surface = "".join(s for s, _ in group).lower()
        last = position == len(groups) - 1
        if len(group) == 1 and group[0][1]:
            parts.append(group[0][1].replace("=", "").lower())
        elif not last:
            parts.append(surface)
        if last and whole.startswith(prefix) and len(whole) > len(prefix):
            parts.append(whole[len(prefix):])
        prefix += surface
    return list(dict.fromkeys(p for p in parts if p))


class _Simplemma:
    """Lemmas from simplemma's Finnish dictionary (loaded once: seconds, some 400 MB)."""

    def __init__(self) -> None:
        import simplemma

        self._lemmatize = simplemma.lemmatize
        self._lemmatize("talossa", lang="fi")  # load the dictionary now

    def base_forms(self, word: str) -> list[str]:
        lemma = self._lemmatize(word, lang="fi").lower()
        return [lemma] if lemma != word else []

    index_forms = base_forms


def _load(name: str):
    try:
        return {"voikko": _Voikko, "simplemma": _Simplemma}[name]()
    except Exception:  # not installed, no dictionary, no shared library: do with what there is
        return None


# --------------------------------------------------------------------------- the vocabulary


class Vocabulary:
    """Looks keys up in the vocabulary table of an open archive (used while a query is built)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def terms(self, key: str, where: str) -> list[str] | None:
        """The terms with a key that has ``key`` ``where``; None when there are too many.

        Terms that start with ``key`` are left out for ``ANY`` and ``START``: the prefix query
        ``"key"*`` finds them.
        """
        pattern = {ANY: f"*{key}*", START: f"{key}*", END: f"*{key}", WORD: key}[where]
        sql = f"select distinct term from [{VOCABULARY}] where key glob ?"
        params: list = [pattern]
        if where in (ANY, START):
            sql += " and term not glob ?"
            params.append(f"{key}*")
        rows = self._conn.execute(sql + " limit ?", [*params, MAX_TERMS_PER_KEY + 1]).fetchall()
        if len(rows) > MAX_TERMS_PER_KEY:
            return None
        return [row[0] for row in rows]


def has_vocabulary(conn: sqlite3.Connection) -> bool:
    names = [VOCABULARY, *(spec.name for spec in SEARCH_TABLES.values())]
    found = conn.execute(
        "select count(*) from sqlite_master where name in (%s)" % ",".join("?" * len(names)), names
    ).fetchone()[0]
    return found == len(names)


# --------------------------------------------------------------------------- the normaliser


@dataclass(frozen=True)
class Key:
    text: str
    where: str


class Normaliser:
    """Index keys and query expressions with a given set of analysers (Snowball is always on)."""

    def __init__(self, analysers: Iterable[str] | None = None) -> None:
        if analysers is None:
            setting = os.environ.get("ESR_SEARCH_ANALYSERS", "voikko,simplemma")
            analysers = [] if setting.strip().lower() in ("", "none") else setting.split(",")
        self._snowball = _Snowball()
        loaded = [(name.strip(), _load(name.strip())) for name in analysers]
        self._analysers = [analyser for _, analyser in loaded if analyser is not None]
        self.analysers = tuple(name for name, analyser in loaded if analyser is not None)
        self.parse = lru_cache(maxsize=4096)(self._parse)

    # ---- index side

    def index_keys(self, term: str) -> tuple[str, ...]:
        """The keys a term of the index is findable by: itself, its base forms, its parts."""
        found = {term: None}
        if len(term) <= MAX_WORD_CHARS and not term.isdigit():
            for analyser in self._analysers:
                for form in analyser.index_forms(term):
                    for piece in words(form):
                        found[piece] = None
        return tuple(found)

    def normalise_for_index(self, text: str | None) -> str:
        """Every key of every distinct word of ``text``, space-separated (for tests and excerpts)."""
        out: dict[str, None] = {}
        for word in dict.fromkeys(words(text or "")):
            out.update(dict.fromkeys(self.index_keys(word)))
        return " ".join(out)

    # ---- query side

    def stem_keys(self, word: str) -> list[Key]:
        """Prefixes the inflected forms of ``word`` share.

        The Snowball stem (``asunnottomuud``), the stem cut back to its last vowel
        (``asunnottomuu``), cut to its last consonant (``asunnottom``, which ``asunnottomaksi``
        shares) and that with the other grade of consonant gradation (``asunn`` → ``asunt``,
        ``vang`` → ``vank``). A key of :data:`LONG_KEY` characters matches anywhere; the cuts and
        other grades keep :data:`MIN_CUT` characters and match at a term's start unless longer.
        """
        stem = self._snowball.stem(word)
        if not word.startswith(stem):  # Snowball undoubled a consonant: asunnon → asuno
            stem = word[: len(stem)]
        keys: dict[str, str] = {}
        if len(stem) >= MIN_STEM:
            keys[stem] = ANY if len(stem) >= LONG_KEY else START
        vowel_end = stem.rstrip(_CONSONANTS)
        if len(vowel_end) >= MIN_STEM and vowel_end != stem:
            keys.setdefault(vowel_end, ANY if len(vowel_end) >= LONG_KEY else START)
        else:
            vowel_end = stem
        core = vowel_end.rstrip(_VOWELS)
        if core != vowel_end and len(core) >= MIN_CUT:
            keys.setdefault(core, ANY if len(core) > LONG_KEY else START)
        shortest = MIN_STEM if core == stem else MIN_CUT
        for length in (2, 1):
            cluster = core[-length:]
            if len(core) > length and cluster in _GRADATION and core[-length - 1] not in _CONSONANTS:
                for other in _GRADATION[cluster]:
                    variant = core[:-length] + other
                    if len(variant) >= shortest:
                        keys.setdefault(variant, START)
                break
        return [Key(text, where) for text, where in keys.items()]

    def word_keys(self, word: str) -> list[Key]:
        """The keys one query word becomes (ORed)."""
        if word.isdigit():
            return [Key(word, START if len(word) >= MIN_STEM - 1 else WORD)]
        if len(word) < MIN_STEM:
            # A short word as typed: a term's start (työ: työtä, työllistyä) and, for the
            # analysers' compound parts, a whole key (työ in sosiaalityöntekijä).
            return [Key(word, WORD)] + ([Key(word, START)] if len(word) >= MIN_STEM - 1 else [])
        keys: dict[Key, None] = dict.fromkeys(self.stem_keys(word))
        if not keys:
            keys[Key(word, START)] = None
        for analyser in self._analysers:
            for base in analyser.base_forms(word):
                for piece in words(base):
                    # A base form is a term's key (the vocabulary holds the base forms of each
                    # term and of its parts), the start of one, or, when long, the end of one
                    # (the last part of a compound that the analyser did not split).
                    keys[Key(piece, WORD)] = None
                    if len(piece) >= MIN_CUT:
                        keys[Key(piece, START)] = None
                    if len(piece) > LONG_KEY:
                        keys[Key(piece, END)] = None
                    if len(piece) >= MIN_STEM:
                        stem = self._snowball.stem(piece)
                        if len(stem) >= MIN_STEM and piece.startswith(stem):
                            keys[Key(stem, ANY if len(stem) >= LONG_KEY else START)] = None
        return list(keys)

    def _parse(self, query: str) -> tuple[tuple[Key, ...], ...]:
        """The query's terms (ANDed), each the keys of its words (ORed)."""
        groups: list[list[Key]] = []
        join_next = False
        for token in _QUERY_TOKEN.findall(query[:MAX_QUERY_CHARS]):
            if token == "OR":
                join_next = bool(groups)
                continue
            if len(groups) >= MAX_QUERY_WORDS and not join_next:
                break
            keys: list[Key] = []
            for word in words(token):
                keys += self.word_keys(word[:MAX_WORD_CHARS])
            if not keys:
                continue
            if join_next:
                groups[-1].extend(keys)
            else:
                groups.append(keys)
            join_next = False
        return tuple(tuple(dict.fromkeys(group)) for group in groups)

    def query(self, query: str | None, vocabulary: Vocabulary | None = None) -> str:
        """The FTS5 expression for ``query``: with ``vocabulary``, terms found by key; without, prefixes."""
        groups = self.parse(str(query or ""))
        if not groups:
            return NOTHING
        budget = [MAX_TERMS]
        parts = [" OR ".join(dict.fromkeys(self._alternatives(group, vocabulary, budget))) for group in groups]
        return " AND ".join(f"({part})" for part in parts)

    def _alternatives(self, keys: Iterable[Key], vocabulary: Vocabulary | None, budget: list[int]) -> list[str]:
        out: list[str] = []
        for key in keys:
            # A term starting with the key: FTS5's own prefix query, whatever the vocabulary says.
            text = key.text.replace('"', '""')
            if key.where in (ANY, START):
                out.append(f'"{text}"*')
            elif key.where == WORD:
                out.append(f'"{text}"')
            if vocabulary is None or len(key.text) < 3 or budget[0] <= 0:
                continue
            terms = vocabulary.terms(key.text, key.where)
            if terms is None:  # too many: keep the prefix query only
                continue
            terms = terms[: budget[0]]
            budget[0] -= len(terms)
            out += ['"' + term.replace('"', '""') + '"' for term in terms]
        return out


#: A query's tokens: the operator OR, or a word (``vuokra-asunto`` is two words, both required).
_QUERY_TOKEN = re.compile(r"\bOR\b|[^\W_]+")

_DEFAULT: Normaliser | None = None
_DEFAULT_LOCK = threading.Lock()


def default_normaliser() -> Normaliser:
    """The normaliser with the analysers this installation has (built once per process)."""
    global _DEFAULT
    if _DEFAULT is None:
        with _DEFAULT_LOCK:
            if _DEFAULT is None:
                _DEFAULT = Normaliser()
    return _DEFAULT


def normalise_for_index(text: str | None) -> str:
    """What the words of ``text`` are findable by (the index itself stores the text as written)."""
    return default_normaliser().normalise_for_index(text)


def normalise_query(query: object, vocabulary: Vocabulary | sqlite3.Connection | None = None) -> str:
    """A safe FTS5 MATCH expression for a search-box query; never raises, whatever the input.

    With ``vocabulary`` (or a connection to an archive with the vocabulary table), each key
    becomes the terms of the archive that have it; without, prefix queries only.
    """
    try:
        if isinstance(vocabulary, sqlite3.Connection):
            vocabulary = Vocabulary(vocabulary)
        return default_normaliser().query(query if isinstance(query, str) else ("" if query is None else str(query)), vocabulary)
    except Exception:  # a bug or an interrupted lookup must not turn a search into a server error
        return NOTHING


# --------------------------------------------------------------------------- building


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
