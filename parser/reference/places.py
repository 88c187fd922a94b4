"""Statistics Finland's municipality key, and place names as the descriptions write them.

The key (``municipalities.csv``) has one row per municipality per year, 2013–2026, with the
municipality's sub-region (seutukunta) and region (maakunta). The descriptions name places as
their authors wrote them: municipalities in Finnish or Swedish (``Kuopio``, ``Närpiö``,
``Vasa``), sub-regions in the Finnish genitive of Statistics Finland's older names (``Kuopion``,
``Koillis-Savon``) or in Swedish (``Jakobstadsregionen``), regions in the Finnish nominative
(``Pohjois-Savo``). :class:`PlaceIndex` gives such a name its code for a project's year, or a
reason why it cannot: a code is never guessed, so a name that fits two places, or none, gets
no code.

Sub-region genitives are formed from the key's nominatives (``Kuopio``) by
:func:`genitive_forms`, which applies the rules of Finnish consonant gradation and stem types
to the last word, with a small lexicon (:data:`STEM_LEXICON`) for the final words whose stem
type the rules cannot tell. Where the rules are unsure they give every plausible form; the index
accepts a form only when exactly one place of the year has it. :func:`finnish_genitive` says
which single form is certain. For the key's sub-region names it has none for these (checked in
``tests/test_places.py``):

* ``Tampere`` and ``Raahe``: a consonant + ``-e`` word may take ``-een`` (``Tampereen``) or
  ``-en`` (``Raahen``); both forms are accepted, for the one sub-region each;
* ``Varkaus``: a ``-us`` word may take ``-uden`` (``Varkauden``) or ``-uksen``; both accepted;
* the Swedish names that the key gives as the Finnish name too (``Sydösterbotten``,
  ``Jakobstadsregionen``, ``Mariehamns stad``, ``Ålands landsbygd``, ``Ålands skärgård``):
  no Finnish genitive is formed; they match by their name only.
"""

from __future__ import annotations

import bisect
import csv
import functools
import io
import itertools
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import regex
from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

from ..finnish import GRADATION, UNCERTAIN_GRADATION, VOWELS

#: The key's columns, in the file's order.
KEY_COLUMNS = (
    "year", "municipality_code", "municipality_fi", "municipality_sv", "subregion_code",
    "subregion_fi", "subregion_sv", "region_code", "region_fi", "region_sv", "ely_code", "ely_fi",
)

#: Statistics Finland writes its codes zero-padded to these widths (municipality ``005``,
#: sub-region ``011``, region ``01``, ELY centre ``01``); the CSV dropped the zeros (``5``).
CODE_WIDTHS = {"municipality_code": 3, "subregion_code": 3, "region_code": 2, "ely_code": 2}

#: The levels a name can be matched at.
LEVELS = ("municipality", "subregion", "region")

#: Former sub-region names the descriptions still use, by code. Statistics Finland called
#: sub-region 153 (Kaskinen, Kristiinankaupunki, Närpiö) "Sydösterbottens kustregion" before it
#: became "Sydösterbotten"; the key starts after the renaming, so it has only the new name.
#: Source: the name as served for code 153 by the National Land Survey's sub-region layer, whose
#: other names are Statistics Finland's genitives (tested in nlsfi/oskari-server,
#: ``WfsXmlParserTest``).
FORMER_SUBREGION_NAMES = {"153": ("Sydösterbottens kustregion",)}


class MunicipalityRow(BaseModel):
    """One row of the municipality key: a municipality in one year, with its sub-region and region.

    Codes are strings zero-padded to Statistics Finland's widths (:data:`CODE_WIDTHS`), whatever
    the file wrote: ``municipality_code`` is always 3 digits (``"005"``, not ``5``),
    ``subregion_code`` 3 (``"011"``), ``region_code`` and ``ely_code`` 2 (``"01"``). Names are
    stripped of surrounding spaces (the file has ``"Gustav Adolfs  "``). ``ely_code`` and
    ``ely_fi`` are ``None`` where the key gives no ELY centre (all of 2026).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    year: int
    municipality_code: str
    municipality_fi: str
    municipality_sv: str
    subregion_code: str
    subregion_fi: str
    subregion_sv: str
    region_code: str
    region_fi: str
    region_sv: str
    ely_code: str | None = None
    ely_fi: str | None = None

    @field_validator("municipality_code", "subregion_code", "region_code", "ely_code", mode="before")
    @classmethod
    def _pad_code(cls, value: object, info: ValidationInfo) -> str | None:
        """A code as Statistics Finland writes it: digits, zero-padded to the column's width."""
        if value is None or str(value).strip() == "":
            if info.field_name == "ely_code":
                return None
            raise ValueError("a code is required")
        text = str(value).strip()
        width = CODE_WIDTHS[info.field_name]
        if not text.isdigit() or len(text) > width:
            raise ValueError(f"not a {width}-digit code: {text!r}")
        return text.zfill(width)

    @field_validator("municipality_fi", "municipality_sv", "subregion_fi", "subregion_sv", "region_fi", "region_sv", "ely_fi", mode="before")
    @classmethod
    def _strip_name(cls, value: object, info: ValidationInfo) -> str | None:
        """A name without the spaces the file leaves around some; an empty ELY name is ``None``."""
        text = "" if value is None else " ".join(str(value).split())
        if not text:
            if info.field_name == "ely_fi":
                return None
            raise ValueError("a name is required")
        return text


def municipality_key(path: str | Path) -> list[MunicipalityRow]:
    """Every row of the municipality key at ``path``, in file order, codes zero-padded.

    ``municipality_code`` comes back as the 3-digit string Statistics Finland writes (``"005"``
    for the file's ``5``), ``subregion_code`` as 3 digits, ``region_code`` and ``ely_code`` as 2
    (see :class:`MunicipalityRow`). Raises ``ValueError`` when a column is missing or a row does
    not fit, naming the line.
    """
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        return list(_key_rows(data))
    except _KeyProblem as problem:
        where = f"{path}, line {problem.line}" if problem.line else f"{path}"
        raise ValueError(f"{where}: {problem}") from problem.__cause__


class _KeyProblem(ValueError):
    """What does not fit in a key file, and on which line (``None``: the header)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


# Every build loads the key, and a process that builds many times (a test run, a harvest that
# rebuilds) would validate the same 4,365 rows each time (a third of a small build): the rows of
# the same bytes are the same, and frozen, so they are validated once per process.
@functools.lru_cache(maxsize=2)
def _key_rows(data: bytes) -> tuple[MunicipalityRow, ...]:
    """The validated rows of the key file whose bytes are ``data``."""
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    missing = [column for column in KEY_COLUMNS if column not in (reader.fieldnames or ())]
    if missing:
        raise _KeyProblem(f"the municipality key has no column {', '.join(missing)}")
    rows = []
    for line, record in enumerate(reader, start=2):
        try:
            rows.append(MunicipalityRow(**{column: record[column] for column in KEY_COLUMNS}))
        except ValueError as error:
            raise _KeyProblem(str(error), line) from error
    return tuple(rows)


# --- Finnish genitives --------------------------------------------------------------------------

# Two vowels that make one syllable: a long vowel or a diphthong.
_ONE_SYLLABLE = frozenset(
    "aa ee ii oo uu yy ää öö ai ei oi ui yi äi öi au eu iu ou ey iy äy öy ie uo yö".split()
)
# Letters Finnish place names do not have ("g" only in "ng"; "f" is left out, as in Forssa): a
# word with one is Swedish, whose Finnish genitive the rules cannot know (Jakobstadsregionen,
# Ålands, Sydösterbotten).
_FOREIGN = regex.compile(r"[bcqwxzå]|(?<!n)g")

#: Final words whose genitive the rules cannot predict, as they end a place name ("Seinäjoki"
#: ends in "joki"). Two-syllable words in -i are either e-stems (joki → joen) or i-stems
#: (Lappi → Lapin), which their form does not tell; single-consonant gradation (seutu → seudun)
#: is irregular; "-e" words may take "-een" or "-en"; a plural and an adjective compound inflect
#: their own way. The words are those that end the key's sub-region and region names, and the
#: commonest ends of municipality names, which double names such as "Nivala-Haapajärvi" contain.
STEM_LEXICON = {
    # e-stems (kivi → kiven)
    "järvi": "järven", "saari": "saaren", "niemi": "niemen", "koski": "kosken", "suomi": "suomen",
    "lahti": "lahden", "joki": "joen", "mäki": "mäen", "vesi": "veden", "kaari": "kaaren",
    "lampi": "lammen", "salmi": "salmen",
    # i-stems (risti → ristin)
    "lappi": "lapin", "pori": "porin", "kemi": "kemin",
    # single-consonant gradation t → d
    "seutu": "seudun",
    # -e word taking -een (hame → hameen)
    "häme": "hämeen",
    # plural: genitive plural of the strong stem
    "kunnat": "kuntien",
    # adjective + noun in one word: both inflect
    "uusimaa": "uudenmaan",
}
_LEXICON_LONGEST_FIRST = sorted(STEM_LEXICON.items(), key=lambda item: -len(item[0]))

def _syllables(word: str) -> int:
    """How many syllables a Finnish word has: its vowel groups, a long vowel or diphthong as one."""
    count, position = 0, 0
    while position < len(word):
        if word[position] in VOWELS:
            count += 1
            position += 2 if word[position : position + 2] in _ONE_SYLLABLE else 1
        else:
            position += 1
    return count


def _replace_end(word: str, length: int, new_end: str) -> str:
    """``word`` with its last ``length`` letters replaced, keeping a capital when all are replaced."""
    result = word[: len(word) - length] + new_end
    if length >= len(word) and word[:1].isupper():
        result = result[:1].upper() + result[1:]
    return result


def _weak_grades(word: str) -> tuple[str, ...]:
    """``word`` with the consonants before its final vowel in the weak grade; several if unsure."""
    lower = word.casefold()
    end = len(lower) - 1
    start = end
    while start > 0 and lower[start - 1] not in VOWELS:
        start -= 1
    cluster = lower[start:end]
    if start == 0 or not cluster:
        return (word,)
    head, tail = word[:start], word[end:]
    if cluster in GRADATION:
        return (head + GRADATION[cluster][0] + tail,)
    if cluster in UNCERTAIN_GRADATION:
        # Weakened or not: both forms (auto → auton, katu → kadun).
        return tuple(head + grade + tail for grade in (*UNCERTAIN_GRADATION[cluster], cluster))
    return (word,)


def _word_genitives(word: str) -> tuple[str, ...]:
    """The genitive singular forms the rules give for one Finnish word, likeliest first.

    One form when the rules are certain, several when the stem type is unclear, none for a word
    that is not Finnish.
    """
    lower = word.casefold()
    if len(lower) < 2 or _FOREIGN.search(lower):
        return ()
    for ending, genitive in _LEXICON_LONGEST_FIRST:
        if lower.endswith(ending):
            return (_replace_end(word, len(ending), genitive),)
    if lower.endswith("nen"):
        return (word[:-3] + "sen",)  # Kaustinen → Kaustisen
    last, before = lower[-1], lower[-2]
    if last in VOWELS and before in VOWELS:
        return (word + "n",)  # a long vowel or two vowels: Loimaa, Joensuu, Kuopio, Kitee
    if last in "aäoöuy":
        return tuple(stem + "n" for stem in _weak_grades(word))
    if last == "e":
        return (word + "en", word + "n")  # Tampere → Tampereen, but Raahe → Raahen
    if last == "i":
        stems = _weak_grades(word)
        i_stems = tuple(stem + "n" for stem in stems)
        # Only old two-syllable words (and compounds ending in one, see STEM_LEXICON) are
        # e-stems; a longer word in -i is an i-stem: Helsinki → Helsingin, Mikkeli → Mikkelin.
        if _syllables(lower) >= 3:
            return i_stems
        return i_stems + tuple(stem[:-1] + "en" for stem in stems)
    if last == "s" and before in VOWELS:
        # -us: Varkaus → Varkauden (rakkaus type) or -uksen (vastaus type); -as: taivas → taivaan.
        first = word[:-1] + "den" if before in "uy" else word[:-1] + before + "n"
        return (first, word[:-1] + "ksen")
    return ()


def _split_last_word(name: str) -> tuple[str, str]:
    """``name`` as (everything up to its last word, the last word): ``("Koillis-", "Savo")``."""
    cut = max(name.rfind(" "), name.rfind("-")) + 1
    return name[:cut], name[cut:]


def genitive_forms(name: str, *, double_name: bool = False) -> tuple[str, ...]:
    """Every Finnish genitive the rules allow for a place ``name``, likeliest first.

    Only the last word inflects: ``Koillis-Savo`` → ``Koillis-Savon``, ``Pielisen Karjala`` →
    ``Pielisen Karjalan``. With ``double_name`` (a name joined from two place names, such as
    ``Saarijärvi-Viitasaari``), the forms where every part inflects are added as well, the way
    Statistics Finland's older names wrote them (``Saarijärven-Viitasaaren``). Empty when the
    rules form no genitive (a Swedish name).
    """
    head, last = _split_last_word(name.strip())
    forms = [head + genitive for genitive in _word_genitives(last)]
    parts = name.strip().split("-")
    if double_name and len(parts) > 1:
        each = [_word_genitives(part) for part in parts]
        if all(each):
            forms.extend("-".join(combination) for combination in itertools.product(*each))
    return tuple(dict.fromkeys(forms))


def finnish_genitive(name: str) -> str | None:
    """The one genitive of ``name`` that the rules form with certainty, else ``None``.

    ``Kuopio`` → ``Kuopion``, ``Varkaus`` → ``None`` (``Varkauden`` or ``Varkauksen``),
    ``Jakobstadsregionen`` → ``None`` (Swedish).
    """
    forms = genitive_forms(name)
    return forms[0] if len(forms) == 1 else None


# --- matching -----------------------------------------------------------------------------------

_DASHES = regex.compile(r"[\p{Pd},]+")


def normalize_name(text: str) -> str:
    """The comparison key of a place name: case, spacing, dashes and commas do not count.

    ``"Sydösterbottens, kustregion"`` and ``"sydösterbottens kustregion"`` have one key, and so
    do ``"Pielisen-Karjalan"`` and ``"Pielisen Karjalan"``.
    """
    text = unicodedata.normalize("NFC", text)
    return " ".join(_DASHES.sub(" ", text).split()).casefold()


@dataclass(frozen=True)
class PlaceResult:
    """What a name matched: a ``code`` and how, or ``reason`` and ``message`` saying why not.

    ``key_year`` is the year of the key that was used (the asked ``year`` when the key has it,
    else the nearest). ``how`` is ``"fi"`` or ``"sv"`` (the official name exactly),
    ``"case_insensitive"`` (an official name but for case, spacing or dashes), ``"fi_part"`` (one
    half of a bilingual name such as ``"Ahvenanmaa - Åland"``), ``"genitive"`` (a Finnish
    genitive of the Finnish name), ``"former_name"`` (:data:`FORMER_SUBREGION_NAMES`) or
    ``"other_year_name"`` (the place's official name in another year of the key, the place
    existing in ``key_year`` too). ``reason`` is ``"not_in_key"``, ``"not_in_key_year"``,
    ``"ambiguous"`` (then ``candidates`` holds the codes) or ``"empty"``.
    """

    level: str
    name: str
    year: int | None
    key_year: int
    code: str | None = None
    name_fi: str | None = None
    how: str | None = None
    reason: str | None = None
    message: str | None = None
    candidates: tuple[str, ...] = ()

    @property
    def matched(self) -> bool:
        """Whether the name got a code."""
        return self.code is not None


# How a form was indexed, in order of preference when one name reaches a place by several.
_HOW_ORDER = ("fi", "sv", "fi_part", "genitive", "former_name")
# A name that reaches a place only through its case, spacing or dashes is reported as such.
_AS_FOLDED = {"fi": "case_insensitive", "sv": "case_insensitive", "fi_part": "case_insensitive"}
_LEVEL_WORDS = {"municipality": "municipality", "subregion": "sub-region", "region": "region"}
# A trailing word that names the level: "Kuopion seutukunta", "Pohjois-Savon maakunta".
_LEVEL_SUFFIXES = {"subregion": (" seutukunta",), "region": (" maakunta",)}


class _LevelIndex:
    """The names of one level (municipality, sub-region or region) by key year, in dicts."""

    def __init__(self) -> None:
        # (year, name as written) → {code: how}; and the same by normalized name.
        self.exact: dict[tuple[int, str], dict[str, str]] = {}
        self.folded: dict[tuple[int, str], dict[str, str]] = {}
        # normalized name → {year: {code, ...}}, to explain a name of another year.
        self.years: dict[str, dict[int, set[str]]] = {}
        # (year, code) → official Finnish name.
        self.names: dict[tuple[int, str], str] = {}
        # form → its normalized name: the key repeats most names in every one of its years.
        self._normalized: dict[str, str] = {}

    def add(self, year: int, code: str, name_fi: str, forms: Iterable[tuple[str, str]]) -> None:
        """Index ``forms`` (name, how) of the place ``code`` in ``year``; the first how wins."""
        self.names[(year, code)] = name_fi
        for form, how in forms:
            self.exact.setdefault((year, form), {}).setdefault(code, how)
            key = self._normalized.get(form)
            if key is None:
                key = self._normalized[form] = normalize_name(form)
            self.folded.setdefault((year, key), {}).setdefault(code, how)
            self.years.setdefault(key, {}).setdefault(year, set()).add(code)

    def collisions(self) -> dict[tuple[int, str], tuple[str, ...]]:
        """Every (year, normalized name) that more than one place of the year answers to."""
        return {key: tuple(sorted(codes)) for key, codes in self.folded.items() if len(codes) > 1}


def _place_forms(name_fi: str, name_sv: str, *, genitives: bool, double_names: frozenset[str]) -> list[tuple[str, str]]:
    """The names (form, how) one place answers to: official names, halves, genitives."""
    forms = [(name_fi, "fi"), (name_sv, "sv")]
    finnish = [name_fi]
    if " - " in name_fi:  # a bilingual name: "Ahvenanmaa - Åland"
        finnish = [part.strip() for part in name_fi.split(" - ")]
        forms.extend((part, "fi_part") for part in finnish)
    if genitives:
        for name in finnish:
            parts = name.split("-")
            double = len(parts) > 1 and all(part in double_names for part in parts)
            forms.extend((form, "genitive") for form in genitive_forms(name, double_name=double))
    return forms


def _year_ranges(years: Iterable[int]) -> str:
    """``2013–2020, 2022`` for a set of years."""
    ordered = sorted(years)
    runs: list[list[int]] = []
    for year in ordered:
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(f"{run[0]}–{run[-1]}" if len(run) > 1 else str(run[0]) for run in runs)


class PlaceIndex:
    """Matches place names as written to the key's codes, for a project's start year.

    Built once from the key's rows (all lookups are dict lookups): :class:`MunicipalityRow`
    rows, or any rows with its fields as attributes (the archive's loaded rows, validated
    already). A year the key does not have uses the nearest key year: before 2013, 2013; after
    the last, the last; no year (``None``), the first, because the archive's projects
    (2007–2020) are nearest the key's start.
    """

    def __init__(self, rows: Iterable[MunicipalityRow]) -> None:
        rows = list(rows)
        if not rows:
            raise ValueError("the municipality key has no rows")
        self.years = tuple(sorted({row.year for row in rows}))
        self._levels = {level: _LevelIndex() for level in LEVELS}
        # A sub-region named after two municipalities ("Kemi-Tornio") may inflect both halves.
        double_names = frozenset(row.municipality_fi for row in rows)
        seen: set[tuple[str, int, str]] = set()
        for row in rows:
            places = (
                ("municipality", row.municipality_code, row.municipality_fi, row.municipality_sv),
                ("subregion", row.subregion_code, row.subregion_fi, row.subregion_sv),
                ("region", row.region_code, row.region_fi, row.region_sv),
            )
            for level, code, name_fi, name_sv in places:
                if (level, row.year, code) in seen:
                    continue
                seen.add((level, row.year, code))
                forms = _place_forms(name_fi, name_sv, genitives=level != "municipality", double_names=double_names)
                if level == "subregion":
                    forms.extend((former, "former_name") for former in FORMER_SUBREGION_NAMES.get(code, ()))
                self._levels[level].add(row.year, code, name_fi, forms)

    @classmethod
    def from_csv(cls, path: str | Path) -> PlaceIndex:
        """The index of the key file at ``path``."""
        return cls(municipality_key(path))

    def key_year(self, year: int | None) -> int:
        """The key year used for a project of ``year``: itself if in the key, else the nearest."""
        if year is None:
            return self.years[0]
        position = bisect.bisect_left(self.years, year)
        if position < len(self.years) and self.years[position] == year:
            return year
        if position == 0:
            return self.years[0]
        if position == len(self.years):
            return self.years[-1]
        before, after = self.years[position - 1], self.years[position]
        return before if year - before <= after - year else after

    def collisions(self, level: str) -> dict[tuple[int, str], tuple[str, ...]]:
        """The names (normalized, by year) that fit more than one place of ``level``: ambiguous."""
        return self._levels[level].collisions()

    def match_municipality(self, name: str, year: int | None) -> PlaceResult:
        """The municipality ``name`` (Finnish or Swedish) denotes in the key for ``year``.

        A name the key does not have in any year gets ``reason="not_in_key"``: most such names
        are municipalities merged before the key's first year (Nilsiä merged into Kuopio, and
        Vähäkyrö into Vaasa, on 1 January 2013), and no code is guessed for them.
        """
        return self._match("municipality", name, year)

    def match_subregion(self, name: str, year: int | None) -> PlaceResult:
        """The sub-region ``name`` denotes in the key for ``year``, only when that is certain.

        Accepts the Finnish or Swedish name, a Finnish genitive of the Finnish name that exactly
        one sub-region of the year has (``Kuopion``, ``Varkauden``, ``Kyrönmaan``; also with
        ``seutukunta`` after it), or a former name (``Sydösterbottens, kustregion``).
        """
        return self._match("subregion", name, year)

    def match_region(self, name: str, year: int | None) -> PlaceResult:
        """The region (maakunta) ``name`` denotes in the key for ``year``: Finnish, Swedish or genitive."""
        return self._match("region", name, year)

    def _match(self, level: str, name: str, year: int | None) -> PlaceResult:
        """The shared lookup: exact name, then normalized, then without a level word."""
        key_year = self.key_year(year)
        index = self._levels[level]
        found = index.exact.get((key_year, name))
        if found is not None:
            return self._result(level, name, year, key_year, found, folded=False)
        key = normalize_name(name)
        if not key:
            return PlaceResult(level, name, year, key_year, reason="empty", message=f"an empty {_LEVEL_WORDS[level]} name")
        found = index.folded.get((key_year, key))
        if found is None:
            for suffix in _LEVEL_SUFFIXES.get(level, ()):
                if key.endswith(suffix):
                    key = key[: -len(suffix)]
                    found = index.folded.get((key_year, key))
                    break
        if found is not None:
            return self._result(level, name, year, key_year, found, folded=True)
        return self._other_year(level, name, year, key_year, key)

    def _result(self, level: str, name: str, year: int | None, key_year: int, found: dict[str, str], *, folded: bool) -> PlaceResult:
        """A match when ``found`` holds one place, else an ambiguity naming the candidates."""
        names = self._levels[level].names
        if len(found) == 1:
            (code, how), = found.items()
            return PlaceResult(level, name, year, key_year, code, names[(key_year, code)], _AS_FOLDED.get(how, how) if folded else how)
        codes = tuple(sorted(found))
        listed = ", ".join(f"{names[(key_year, code)]} ({code})" for code in codes)
        message = f"{name!r} fits {len(codes)} {_LEVEL_WORDS[level]}s of {key_year}: {listed}; no code is chosen"
        return PlaceResult(level, name, year, key_year, reason="ambiguous", message=message, candidates=codes)

    def _other_year(self, level: str, name: str, year: int | None, key_year: int, key: str) -> PlaceResult:
        """No place of ``key_year`` has the name: one that did in other years, or none at all."""
        index = self._levels[level]
        word = _LEVEL_WORDS[level]
        by_year = index.years.get(key)
        if by_year is None:
            if level == "municipality":
                message = (
                    f"{name!r} is not a municipality of the key in any year {self.years[0]}–{self.years[-1]}: it may have "
                    f"been merged into another before {self.years[0]}, the key's first year, or on its first day "
                    "(as Nilsiä was merged into Kuopio on 1 January 2013), so no code is guessed"
                )
            else:
                message = (
                    f"{name!r} is neither the Finnish or Swedish name of a {word} of the key in any year "
                    f"{self.years[0]}–{self.years[-1]} nor the genitive of exactly one; no code is guessed"
                )
            return PlaceResult(level, name, year, key_year, reason="not_in_key", message=message)
        codes = set().union(*by_year.values())
        if len(codes) == 1:
            (code,) = codes
            if (key_year, code) in index.names:
                # The place exists in key_year under another name of its own (the key gives
                # some Swedish names only from some year on: Alavus, then Alavo).
                return PlaceResult(level, name, year, key_year, code, index.names[(key_year, code)], "other_year_name")
        years = _year_ranges(by_year)
        listed = ", ".join(sorted({f"{index.names[(other, code)]} ({code})" for other, found in by_year.items() for code in found}))
        asked = "" if year == key_year else f" (the key year for {year})"
        message = (
            f"{name!r} is the {word} {listed} in the key's years {years}, not in {key_year}{asked}: "
            "it was merged or renamed, so no code is guessed"
        )
        return PlaceResult(level, name, year, key_year, reason="not_in_key_year", message=message)
