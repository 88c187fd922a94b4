"""From a search-box query to a safe FTS5 expression, through the archive's vocabulary.

See :mod:`parser.search` for the design; :class:`Normaliser` makes the keys a word is findable
by (index side) and the keys a query word becomes (query side).
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from ..finnish import CONSONANTS, VOWELS, other_grades
from .morphology import Snowball, load_analyser, words
from .tables import VOCABULARY

# For str.rstrip, which takes the characters as one string.
_VOWEL_CHARS = "".join(sorted(VOWELS))
_CONSONANT_CHARS = "".join(sorted(CONSONANTS))

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

#: Matches no row: a query with no words (no term contains ``!``).
NOTHING = '"!!!"'


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


@dataclass(frozen=True)
class Key:
    """A key a query word becomes, and where it may match a term's key (ANY, START, END, WORD)."""

    text: str
    where: str



def _add_other_grades(keys: dict[str, str], core: str, shortest: int) -> None:
    """Add to ``keys`` ``core`` with its final consonant cluster in the other grade of
    consonant gradation (``kunn`` → ``kunt``, ``vang`` → ``vank``), matching at a term's start:
    the longest cluster (two letters, then one) that has another grade and follows a vowel;
    a variant shorter than ``shortest`` is no key."""
    for length in (2, 1):
        others = other_grades(core[-length:])
        if len(core) > length and others and core[-length - 1] not in CONSONANTS:
            for other in others:
                variant = core[:-length] + other
                if len(variant) >= shortest:
                    keys.setdefault(variant, START)
            break

class Normaliser:
    """Index keys and query expressions with a given set of analysers (Snowball is always on)."""

    def __init__(self, analysers: Iterable[str] | None = None) -> None:
        if analysers is None:
            setting = os.environ.get("ESR_SEARCH_ANALYSERS", "voikko,simplemma")
            analysers = [] if setting.strip().lower() in ("", "none") else setting.split(",")
        self._snowball = Snowball()
        loaded = [(name.strip(), load_analyser(name.strip())) for name in analysers]
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
        vowel_end = stem.rstrip(_CONSONANT_CHARS)
        if len(vowel_end) >= MIN_STEM and vowel_end != stem:
            keys.setdefault(vowel_end, ANY if len(vowel_end) >= LONG_KEY else START)
        else:
            vowel_end = stem
        core = vowel_end.rstrip(_VOWEL_CHARS)
        if core != vowel_end and len(core) >= MIN_CUT:
            keys.setdefault(core, ANY if len(core) > LONG_KEY else START)
        _add_other_grades(keys, core, MIN_STEM if core == stem else MIN_CUT)
        return [Key(text, where) for text, where in keys.items()]

    def plural_keys(self, word: str) -> list[Key]:
        """A nominative plural's stem, which its other forms share (``nuoret`` → ``nuor``,
        ``naiset`` → ``nais``, ``kunnat`` → ``kunn`` and the other grade ``kunt``).

        Snowball keeps the plural's last vowel (``nuore``, ``naise``), which ``nuorten``,
        ``naisia`` and ``kuntien`` do not have. A word ending in a vowel and ``t`` is read as a
        plural; the keys only add alternatives, so a word that is not one loses nothing.
        """
        if len(word) <= MIN_STEM or word[-1] != "t" or word[-2] not in VOWELS:
            return []
        core = word[:-2]
        if len(core) < MIN_STEM:
            return []
        keys = {core: ANY if len(core) >= LONG_KEY else START}
        _add_other_grades(keys, core, MIN_STEM)
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
        keys.update(dict.fromkeys(self.plural_keys(word)))
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

