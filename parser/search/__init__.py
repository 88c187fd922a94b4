"""Finnish-aware full-text search: what a word is findable by, and what a query becomes.

Finnish inflects and compounds words: ``asunnottomuus`` is also written ``asunnottomuuden``,
``asunnottomaksi`` or ``pitkäaikaisasunnottomuus``, and an FTS5 match on the word as typed
misses them. Here the rows are indexed as written, and the Finnish knowledge sits in a small
table of the archive's *vocabulary*:

* **Rows.** ``project_index_fts`` (every project's name, implementer and texts; also the
  ``projects`` table's index, :data:`SEARCHED_THROUGH`), ``documents_fts`` and
  ``project_list_fts`` (:data:`SEARCH_TABLES`) are FTS5 tables over the source columns, kept
  in step by sqlite-utils' triggers, with the ``unicode61`` tokenizer without diacritic
  folding (:data:`TOKENIZE`: ``näissä`` is not ``naissa``). FTS5's C tokenizer does all the
  work of indexing, so 200 MB of text index in seconds.
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

from .index import IndexAsLoaded, create_search_index, drop_index, index_table, track_changes
from .morphology import compound_parts, words
from .query import (
    ANY, END, LONG_KEY, MAX_QUERY_CHARS, MAX_QUERY_WORDS, MAX_TERMS, MAX_TERMS_PER_KEY, MIN_CUT, MIN_STEM, NOTHING,
    START, WORD, Key, Normaliser, Vocabulary, default_normaliser, normalise_for_index, normalise_query,
)
from .tables import SEARCH_TABLES, SEARCHED_THROUGH, TOKENIZE, VOCABULARY, SearchTable, has_vocabulary, search_table_of

__all__ = [
    "ANY", "END", "IndexAsLoaded", "LONG_KEY", "MAX_QUERY_CHARS", "MAX_QUERY_WORDS", "MAX_TERMS", "MAX_TERMS_PER_KEY", "MIN_CUT",
    "MIN_STEM", "NOTHING", "SEARCHED_THROUGH", "SEARCH_TABLES", "START", "TOKENIZE", "VOCABULARY", "WORD", "Key", "Normaliser",
    "SearchTable", "Vocabulary", "create_search_index", "default_normaliser", "drop_index", "has_vocabulary", "index_table", "track_changes",
    "compound_parts", "normalise_for_index", "normalise_query", "search_table_of", "words",
]  # fmt: skip
