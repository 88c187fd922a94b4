"""Managing authorities: every spelling of the lists merged, every authority an area or 'valtakunnallinen'."""

from __future__ import annotations

from collections import Counter

import pytest

from parser.reference.authorities import AREAS, NATIONAL, authority_area, normalise_authority

from .conftest import official_list_rows

POHJOIS_POHJANMAA_ELY = "Pohjois-Pohjanmaan elinkeino-, liikenne- ja ympäristökeskus"


@pytest.fixture(scope="module")
def rows_2014():
    return official_list_rows("projektilista-2014-2020-snapshot.csv")


@pytest.fixture(scope="module")
def rows_2007():
    return official_list_rows("projektilista-2007-2013.csv")


@pytest.mark.parametrize(
    "written, normalised",
    [
        ("Pohjois-Pohjanmaan elinkeino-, liikenne- ja ympäristökeskus", POHJOIS_POHJANMAA_ELY),
        ("Pohjois-Pohjanmaan elinkeino-  liikenne- ja ympäristökeskus", POHJOIS_POHJANMAA_ELY),
        ("Pohjois-Pohjanmaan elinkeino- liikenne- ja ympäristökeskus", POHJOIS_POHJANMAA_ELY),
        ("Pohjois-Pohjanmaan elinkeino-, liikenne- ja ympäristökeskus, yritystuet", POHJOIS_POHJANMAA_ELY),
        ("Ruotsi Pohjois-Pohjanmaan elinkeino-  liikenne- ja ympäristökeskus", POHJOIS_POHJANMAA_ELY),
        ("Finnvera, pääomasijoitustoiminta", "Finnvera"),
        ("  Lapin   liitto ", "Lapin liitto"),
        ("Pohjois-Pohjanmaan liitto", "Pohjois-Pohjanmaan liitto"),
        ("Tuntematon virasto", "Tuntematon virasto"),
        (None, None),
    ],
)
def test_spellings_are_merged(written, normalised):
    assert normalise_authority(written) == normalised


def test_the_split_authority_of_the_2014_list_is_one_again(rows_2014):
    # 549 EAKR rows name Pohjois-Pohjanmaan ELY-keskus in some spelling (counted in the raw file
    # with grep: lines starting with A, or "A for a quoted line, that hold "Pohjois-Pohjanmaan
    # elinkeino-"); 146 of them without the comma, which a facet on the name as written left out.
    eakr = [row for row in rows_2014 if row.fund == "EAKR"]
    as_written = sum(1 for row in eakr if row.managing_authority == POHJOIS_POHJANMAA_ELY)
    merged = sum(1 for row in eakr if normalise_authority(row.managing_authority) == POHJOIS_POHJANMAA_ELY)
    assert (as_written, merged) == (549 - 146, 549)


def test_every_authority_of_both_lists_has_an_area(rows_2007, rows_2014):
    kinds = Counter()
    for period, rows in (("2007-2013", rows_2007), ("2014-2020", rows_2014)):
        for row in rows:
            area = authority_area(row.managing_authority, period, row.programme_section)
            if row.managing_authority:
                assert area.kind != "unknown", (period, row.code, row.managing_authority)
            kinds[area.kind] += 1
            if area.kind in ("region", "area"):
                assert area.regions and set(area.regions) <= {r for regions in AREAS[period].values() for r in regions}
            else:
                assert area.regions == ()
    assert set(kinds) <= {"region", "area", "national", "unknown"}
    assert sum(kinds.values()) == 19_940 + 2_881


@pytest.mark.parametrize(
    "authority, period, section, expected",
    [
        ("Pohjois-Savon liitto", "2014-2020", None, ("region", "Pohjois-Savo", ("Pohjois-Savo",), "managing_authority")),
        ("Satakuntaliitto", "2007-2013", "Länsi-Suomi", ("region", "Satakunta", ("Satakunta",), "managing_authority")),
        # 2007-2013: the row's programme section names the area, whoever the authority.
        ("Finnvera", "2007-2013", "Itä-Suomi", ("area", "Itä-Suomi", ("Etelä-Savo", "Pohjois-Savo", "Pohjois-Karjala", "Kainuu"), "programme_section")),
        ("Hämeen elinkeino-, liikenne- ja ympäristökeskus", "2007-2013", "Valtakunnallinen osio", ("national", NATIONAL, (), "programme_section")),
        # 2014-2020 has no sections: an ELY centre of the structural funds is its area, which
        # then lacks Kainuu in Itä-Suomi.
        ("Etelä-Savon elinkeino-  liikenne- ja ympäristökeskus", "2014-2020", None, ("area", "Itä-Suomi", ("Etelä-Savo", "Pohjois-Savo", "Pohjois-Karjala"), "managing_authority")),
        ("Sosiaali- ja terveysministeriö", "2014-2020", None, ("national", NATIONAL, (), "managing_authority")),
        (None, "2014-2020", None, ("unknown", "tuntematon", (), "managing_authority")),
    ],
)
def test_what_an_authority_stands_for(authority, period, section, expected):
    area = authority_area(authority, period, section)
    assert (area.kind, area.name, area.regions, area.source) == expected


def test_the_areas_cover_the_mainland_once():
    for period, areas in AREAS.items():
        regions = [region for members in areas.values() for region in members]
        assert len(regions) == len(set(regions)) == 18, period
