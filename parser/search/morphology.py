"""Finnish morphology for search: words as the index cuts them, and the optional analysers.

Snowball (PyStemmer) is always there; Voikko and simplemma give base forms and compound parts
when installed. None of this knows SQL.
"""

from __future__ import annotations

import re
import threading

_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """The words of ``text`` as the rows' tokenizer makes them: runs of letters and digits, lower-cased."""
    return _WORD.findall(text.lower())


# --------------------------------------------------------------------------- analysers


class Snowball:
    """The Snowball stemmer for Finnish (PyStemmer), safe to share between threads."""

    def __init__(self) -> None:
        import Stemmer

        self._stemmer = Stemmer.Stemmer("finnish")
        self._lock = threading.Lock()

    def stem(self, word: str) -> str:
        """The Snowball stem of a lower-case word."""
        with self._lock:
            return self._stemmer.stemWord(word)


_WORDBASE = re.compile(r"\+([^+()]*)(?:\(([^()]*)\))?")
#: Words Voikko reads as the last part of a compound where Finnish has an adjective suffix
#: (``koko`` + ``nais(nainen)`` in ``kokonaistilanne``, ``tavan`` + ``omainen``): not parts.
_SUFFIX_WORDS = frozenset({"nainen", "lainen", "läinen", "mainen", "mäinen", "omainen"})


class Voikko:
    """Base forms and compound parts from Voikko (libvoikko with the Finnish dictionary)."""

    def __init__(self) -> None:
        import libvoikko

        self._voikko = libvoikko.Voikko("fi")
        self._lock = threading.Lock()

    def _analyses(self, word: str) -> list[dict]:
        with self._lock:
            return self._voikko.analyze(word)

    def base_forms(self, word: str) -> list[str]:
        """The word's base forms by Voikko's readings, likeliest first."""
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
            for part in compound_parts((base or "").lower(), reading.get("WORDBASES") or ""):
                out[part] = None
        return list(out)


def compound_parts(base: str, wordbases: str) -> list[str]:
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


class Simplemma:
    """Lemmas from simplemma's Finnish dictionary (loaded once: seconds, some 400 MB)."""

    def __init__(self) -> None:
        import simplemma

        self._lemmatize = simplemma.lemmatize
        self._lemmatize("talossa", lang="fi")  # load the dictionary now

    def base_forms(self, word: str) -> list[str]:
        """The word's lemma from simplemma's dictionary, when it differs from the word."""
        lemma = self._lemmatize(word, lang="fi").lower()
        return [lemma] if lemma != word else []

    index_forms = base_forms


def load_analyser(name: str):
    """The analyser ``name`` (``voikko``, ``simplemma``), or ``None`` when it is not installed."""
    try:
        return {"voikko": Voikko, "simplemma": Simplemma}[name]()
    except Exception:  # not installed, no dictionary, no shared library: do with what there is
        return None

