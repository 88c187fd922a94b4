"""Managing authorities: one name for each however the lists spell it, and the area it stands for.

The official lists write one authority several ways (``Pohjois-Pohjanmaan elinkeino-,
liikenne- ja ympäristökeskus``, ``… elinkeino-  liikenne- …`` where a comma was lost,
``… , yritystuet`` for its business-aid unit, and a few names with a repair's leftovers in front),
so a facet or a total on the name as written splits one authority in parts.
:func:`normalise_authority` gives the one name; the spelling as written stays beside it.

Where a project has no description, its authority is the best clue to where it was carried
out, and only a clue: :func:`authority_area` says what the authority stands for — a regional
council is its region; an ELY centre that handled the structural funds for several regions is
its *area*, a named group of regions (never counted in full in each of them); a national body is
``valtakunnallinen``; and for 2007–2013 the programme section of the list row names the area
itself (``Itä-Suomen suuralueosio``). Each answer says where it came from, so no one mistakes a
proxy for a place.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import regex

NATIONAL = "valtakunnallinen"
UNKNOWN = "tuntematon"

#: The four large areas (suuralueet) of the mainland programme and their regions, by period.
#: 2007–2013 from the official list itself (each regional council's rows carry its area's
#: programme section: Kainuu was in Itä-Suomi, Varsinais-Suomi in Etelä-Suomi); 2014–2020 as
#: the programme "Kestävää kasvua ja työtä 2014–2020" drew them (Kainuu moved to Pohjois-Suomi,
#: Varsinais-Suomi to Länsi-Suomi).
AREAS: dict[str, dict[str, tuple[str, ...]]] = {
    "2007-2013": {
        "Etelä-Suomi": ("Uusimaa", "Varsinais-Suomi", "Kanta-Häme", "Päijät-Häme", "Kymenlaakso", "Etelä-Karjala"),
        "Itä-Suomi": ("Etelä-Savo", "Pohjois-Savo", "Pohjois-Karjala", "Kainuu"),
        "Länsi-Suomi": ("Satakunta", "Pirkanmaa", "Keski-Suomi", "Etelä-Pohjanmaa", "Pohjanmaa"),
        "Pohjois-Suomi": ("Keski-Pohjanmaa", "Pohjois-Pohjanmaa", "Lappi"),
    },
    "2014-2020": {
        "Etelä-Suomi": ("Uusimaa", "Kanta-Häme", "Päijät-Häme", "Kymenlaakso", "Etelä-Karjala"),
        "Itä-Suomi": ("Etelä-Savo", "Pohjois-Savo", "Pohjois-Karjala"),
        "Länsi-Suomi": ("Varsinais-Suomi", "Satakunta", "Pirkanmaa", "Keski-Suomi", "Etelä-Pohjanmaa", "Pohjanmaa"),
        "Pohjois-Suomi": ("Keski-Pohjanmaa", "Pohjois-Pohjanmaa", "Kainuu", "Lappi"),
    },
}
AREAS["2021-2027"] = AREAS["2014-2020"]

#: The regional councils (maakuntien liitot) as the lists name them, and their region.
REGIONAL_COUNCILS = {
    "Uudenmaan liitto": "Uusimaa", "Varsinais-Suomen liitto": "Varsinais-Suomi", "Satakuntaliitto": "Satakunta",
    "Hämeen liitto": "Kanta-Häme", "Pirkanmaan liitto": "Pirkanmaa", "Päijät-Hämeen liitto": "Päijät-Häme",
    "Kymenlaakson liitto": "Kymenlaakso", "Etelä-Karjalan liitto": "Etelä-Karjala", "Etelä-Savon maakuntaliitto": "Etelä-Savo",
    "Pohjois-Savon liitto": "Pohjois-Savo", "Pohjois-Karjalan maakuntaliitto": "Pohjois-Karjala", "Keski-Suomen liitto": "Keski-Suomi",
    "Etelä-Pohjanmaan liitto": "Etelä-Pohjanmaa", "Pohjanmaan liitto": "Pohjanmaa", "Keski-Pohjanmaan liitto": "Keski-Pohjanmaa",
    "Pohjois-Pohjanmaan liitto": "Pohjois-Pohjanmaa", "Kainuun liitto": "Kainuu", "Lapin liitto": "Lappi",
}  # fmt: skip

#: The ELY centres that handled the structural funds for a whole area, by period.
AREA_ELY_CENTRES = {
    "Hämeen elinkeino-, liikenne- ja ympäristökeskus": "Etelä-Suomi",
    "Etelä-Savon elinkeino-, liikenne- ja ympäristökeskus": "Itä-Suomi",
    "Keski-Suomen elinkeino-, liikenne- ja ympäristökeskus": "Länsi-Suomi",
    "Pohjois-Pohjanmaan elinkeino-, liikenne- ja ympäristökeskus": "Pohjois-Suomi",
}

#: The other ELY centres in the lists: each its own region (the key's ELY areas would do too,
#: but a handful of rows is all they have).
REGIONAL_ELY_CENTRES = {
    "Etelä-Pohjanmaan elinkeino-, liikenne- ja ympäristökeskus": "Etelä-Pohjanmaa",
    "Kaakkois-Suomen elinkeino-, liikenne- ja ympäristökeskus": ("Kymenlaakso", "Etelä-Karjala"),
    "Kainuun elinkeino-, liikenne- ja ympäristökeskus": "Kainuu",
    "Lapin elinkeino-, liikenne- ja ympäristökeskus": "Lappi",
    "Pirkanmaan elinkeino-, liikenne- ja ympäristökeskus": "Pirkanmaa",
    "Satakunnan elinkeino-, liikenne- ja ympäristökeskus": "Satakunta",
    "Uudenmaan elinkeino-, liikenne- ja ympäristökeskus": "Uusimaa",
}

#: Bodies that work for the whole country.
NATIONAL_BODIES = frozenset({
    "Finnvera", "Tekes", "Innovaatiorahoituskeskus Tekes", "Liikennevirasto", "Opetushallitus",
    "Opetus- ja kulttuuriministeriö", "Sosiaali- ja terveysministeriö", "Työ- ja elinkeinoministeriö",
    "Ympäristöministeriö",
})  # fmt: skip

#: Every authority name the normalisation knows, longest first (a leftover in front of a name
#: must not hide a longer name that ends the same way).
_KNOWN = sorted({*REGIONAL_COUNCILS, *AREA_ELY_CENTRES, *REGIONAL_ELY_CENTRES, *NATIONAL_BODIES}, key=len, reverse=True)
#: An ELY centre written without its comma (``elinkeino-  liikenne-``) or with a unit after it.
_ELY_COMMA = regex.compile(r"elinkeino-\s*,?\s+liikenne-")
_UNIT = regex.compile(r",\s*(?:yritystuet|pääomasijoitustoiminta)\s*$")


@functools.lru_cache(maxsize=4096)
def normalise_authority(name: str | None) -> str | None:
    """The one name of an authority however a list spells it; an unknown name, tidied only.

    Remembered: some 60 spellings stand for every one of the lists' 22,821 rows.
    """
    if name is None or not name.strip():
        return None
    text = " ".join(name.split())
    text = _ELY_COMMA.sub("elinkeino-, liikenne-", text)
    text = _UNIT.sub("", text)
    for known in _KNOWN:
        if text == known or text.endswith(" " + known):
            return known
    return text


@dataclass(frozen=True)
class Area:
    """What an authority or a programme section stands for, and how that was known.

    ``kind``: ``region`` (one region), ``area`` (a named group of regions), ``national`` or
    ``unknown``. ``regions``: the regions it covers (none for national and unknown).
    ``source``: ``managing_authority`` or ``programme_section``.
    """

    kind: str
    name: str
    regions: tuple[str, ...]
    source: str


def _section_area(section: str | None, period: str | None) -> Area | None:
    if not section:
        return None
    if section.startswith("Valtakunnallinen"):
        return Area("national", NATIONAL, (), "programme_section")
    for area, regions in AREAS.get(period or "", {}).items():
        stem = area.removesuffix("-Suomi")  # "Itä-Suomen suuralueosio" and "Itä-Suomi"
        if section == area or section.startswith(f"{stem}-Suomen"):
            return Area("area", area, regions, "programme_section")
    return None


def authority_area(authority: str | None, period: str | None, programme_section: str | None = None) -> Area:
    """Where a list project with no description of its own was carried out, as far as its list
    row tells: the regional council's region first, then the 2007–2013 programme section's area,
    then the authority's area or ``valtakunnallinen``; ``tuntematon`` when nothing tells."""
    name = normalise_authority(authority)
    if name in REGIONAL_COUNCILS:
        return Area("region", REGIONAL_COUNCILS[name], (REGIONAL_COUNCILS[name],), "managing_authority")
    section = _section_area(programme_section, period)
    if section is not None:
        return section
    if name in AREA_ELY_CENTRES and period in AREAS:
        area = AREA_ELY_CENTRES[name]
        return Area("area", area, AREAS[period][area], "managing_authority")
    if name in REGIONAL_ELY_CENTRES:
        regions = REGIONAL_ELY_CENTRES[name]
        regions = (regions,) if isinstance(regions, str) else regions
        if len(regions) == 1:
            return Area("region", regions[0], regions, "managing_authority")
        return Area("area", " ja ".join(regions), regions, "managing_authority")
    if name in NATIONAL_BODIES:
        return Area("national", NATIONAL, (), "managing_authority")
    return Area("unknown", UNKNOWN, (), "managing_authority")
