"""Place names as the descriptions write them, matched to Statistics Finland's municipality key.

Every expected code below was read by hand from the key's lines (``municipalities.csv``), for
example ``2013,905,Vaasa,Vasa,152,Vaasa,Vasa,15,Pohjanmaa,...`` for Vaasa.
"""

from __future__ import annotations

import re

from pathlib import Path

import pytest

from parser.reference.places import (
    FORMER_SUBREGION_NAMES,
    MunicipalityRow,
    PlaceIndex,
    finnish_genitive,
    genitive_forms,
    normalize_name,
    municipality_key,
)

ROOT = Path(__file__).resolve().parent.parent
# The key ships in corpus/reference/, where the archive loads it from.
KEY_PATH = ROOT / "corpus" / "reference" / "municipalities.csv"


def _key_path() -> Path:
    return KEY_PATH


@pytest.fixture(scope="module")
def rows() -> list[MunicipalityRow]:
    return municipality_key(_key_path())


@pytest.fixture(scope="module")
def index(rows) -> PlaceIndex:
    return PlaceIndex(rows)


# --- reading the key ----------------------------------------------------------------------------


def test_reads_every_row_with_padded_codes(rows):
    assert len(rows) == 4365  # 4366 lines less the header
    first = rows[0]  # 2013,5,Alajärvi,Alajärvi,146,Järviseutu,Järviseutu,14,Etelä-Pohjanmaa,...,11,...
    assert first.year == 2013
    assert first.municipality_code == "005"
    assert first.municipality_fi == "Alajärvi"
    assert first.subregion_code == "146"
    assert first.subregion_fi == "Järviseutu"
    assert first.region_code == "14"
    assert first.ely_code == "11"
    assert first.ely_fi == "Etelä-Pohjanmaan ELY-keskus"
    assert all(len(row.municipality_code) == 3 and len(row.subregion_code) == 3 and len(row.region_code) == 2 for row in rows)


def test_small_codes_are_zero_padded(rows):
    # 2013,99,Honkajoki,...,44,Pohjois-Satakunta,...,4,Satakunta,...,3,Satakunnan ELY-keskus
    honkajoki = next(row for row in rows if row.year == 2013 and row.municipality_fi == "Honkajoki")
    assert (honkajoki.municipality_code, honkajoki.subregion_code, honkajoki.region_code, honkajoki.ely_code) == ("099", "044", "04", "03")


def test_2026_has_no_ely_centre(rows):
    # 2026,905,Vaasa,Vasa,152,Vaasa,Vasa,15,Pohjanmaa,Österbotten,,
    vaasa = next(row for row in rows if row.year == 2026 and row.municipality_code == "905")
    assert vaasa.ely_code is None
    assert vaasa.ely_fi is None


def test_names_lose_the_files_trailing_spaces(rows):
    # The key writes Hartola's Swedish name "Gustav Adolfs  " in some years.
    swedish = {row.municipality_sv for row in rows if row.municipality_code == "081"}
    assert swedish == {"Hartola", "Gustav Adolfs"}


def test_row_model_pads_and_refuses_bad_codes():
    values = dict(
        year=2013, municipality_code=5, municipality_fi="Alajärvi", municipality_sv="Alajärvi", subregion_code="146",
        subregion_fi="Järviseutu", subregion_sv="Järviseutu", region_code="14", region_fi="Etelä-Pohjanmaa",
        region_sv="Södra Österbotten", ely_code="", ely_fi="",
    )
    row = MunicipalityRow(**values)
    assert row.municipality_code == "005"
    assert row.ely_code is None
    with pytest.raises(ValueError):
        MunicipalityRow(**{**values, "municipality_code": "12a"})
    with pytest.raises(ValueError):
        MunicipalityRow(**{**values, "region_code": "123"})


def test_a_key_without_a_column_is_refused(tmp_path):
    path = tmp_path / "key.csv"
    path.write_text("year,municipality_code,municipality_fi\n2013,5,Alajärvi\n", encoding="utf-8")
    with pytest.raises(ValueError, match="municipality_sv"):
        municipality_key(path)


def test_the_rows_of_a_key_file_are_its_bytes_whatever_the_process_read_before(tmp_path):
    """The rows of one key's bytes are validated once per process (every build loads the key):
    a changed file gives its new rows, and an error names the file it is in, however many files
    with the same bytes were read before."""
    path = tmp_path / "municipalities.csv"
    original = KEY_PATH.read_bytes()
    path.write_bytes(original)
    assert (municipality_key(path)[0].municipality_fi, len(municipality_key(path))) == ("Alajärvi", 4365)
    # The key's first line after the header is Alajärvi in 2013; the file is changed in place.
    path.write_bytes(original.replace(b",Alaj\xc3\xa4rvi,", b",Alaj\xc3\xa4rvi (muutettu),", 1))
    assert municipality_key(path)[0].municipality_fi == "Alajärvi (muutettu)"
    assert municipality_key(KEY_PATH)[0].municipality_fi == "Alajärvi"
    broken = "year,municipality_code,municipality_fi\n2013,5,Alajärvi\n".encode()
    for name in ("first.csv", "second.csv"):
        (tmp_path / name).write_bytes(broken)
        with pytest.raises(ValueError, match=f"^{re.escape(str(tmp_path / name))}: the municipality key has no column municipality_sv"):
            municipality_key(tmp_path / name)
    bad_code = original.replace(b"\n2013,5,", b"\n2013,5x,", 1)
    (tmp_path / "bad.csv").write_bytes(bad_code)
    with pytest.raises(ValueError, match=f"^{re.escape(str(tmp_path / 'bad.csv'))}, line 2: "):
        municipality_key(tmp_path / "bad.csv")


# --- the sample documents ---------------------------------------------------------------------

# (name as written, expected code, how), by sample; codes from the key's 2013 lines unless said.
S10962_YEAR = 2009
S10962_REGIONS = [("Pohjois-Savo", "11", "fi")]
S10962_SUBREGIONS = [
    ("Koillis-Savon", "113", "genitive"),
    ("Varkauden", "114", "genitive"),
    ("Sisä-Savon", "115", "genitive"),
    ("Ylä-Savon", "111", "genitive"),
    ("Kuopion", "112", "genitive"),
]
S10962_MUNICIPALITIES = [
    ("Iisalmi", "140", "fi"),
    ("Siilinjärvi", "749", "fi"),
    ("Kuopio", "297", "fi"),
    ("Leppävirta", "420", "fi"),
    ("Suonenjoki", "778", "fi"),
]

S10673_YEAR = 2008
S10673_SUBREGIONS = [
    ("Vaasan", "152", "genitive"),
    ("Sydösterbottens, kustregion", "153", "former_name"),
    ("Kyrönmaan", "151", "genitive"),
    ("Jakobstadsregionen", "154", "fi"),
]
S10673_MUNICIPALITIES = [
    ("Kruunupyy", "288", "fi"),
    ("Korsnäs", "280", "fi"),
    ("Isokyrö", "152", "fi"),
    ("Maalahti", "475", "fi"),
    ("Luoto", "440", "fi"),
    ("Mustasaari", "499", "fi"),
    ("Närpiö", "545", "fi"),
    ("Kristiinankaupunki", "287", "fi"),
    ("Vöyri", "946", "fi"),
    ("Laihia", "399", "fi"),
    ("Pietarsaari", "598", "fi"),
    ("Uusikaarlepyy", "893", "fi"),
    ("Vaasa", "905", "fi"),
    ("Kaskinen", "231", "fi"),
    # The key's Finnish name is "Pedersören kunta"; "Pedersöre" is its Swedish name.
    ("Pedersöre", "599", "sv"),
]


@pytest.mark.parametrize(("name", "code", "how"), S10962_REGIONS)
def test_s10962_regions(index, name, code, how):
    found = index.match_region(name, S10962_YEAR)
    assert (found.code, found.how, found.key_year) == (code, how, 2013)


@pytest.mark.parametrize(("name", "code", "how"), S10962_SUBREGIONS)
def test_s10962_subregions(index, name, code, how):
    found = index.match_subregion(name, S10962_YEAR)
    assert (found.code, found.how, found.key_year) == (code, how, 2013)


@pytest.mark.parametrize(("name", "code", "how"), S10962_MUNICIPALITIES)
def test_s10962_municipalities(index, name, code, how):
    found = index.match_municipality(name, S10962_YEAR)
    assert (found.code, found.how, found.key_year, found.name_fi) == (code, how, 2013, name)


def test_s10673_region(index):
    found = index.match_region("Pohjanmaa", S10673_YEAR)
    assert (found.code, found.name_fi, found.key_year) == ("15", "Pohjanmaa", 2013)


@pytest.mark.parametrize(("name", "code", "how"), S10673_SUBREGIONS)
def test_s10673_subregions(index, name, code, how):
    found = index.match_subregion(name, S10673_YEAR)
    assert (found.code, found.how, found.key_year) == (code, how, 2013)


@pytest.mark.parametrize(("name", "code", "how"), S10673_MUNICIPALITIES)
def test_s10673_municipalities(index, name, code, how):
    found = index.match_municipality(name, S10673_YEAR)
    assert (found.code, found.how, found.key_year) == (code, how, 2013)


def test_s10673_sydosterbotten_keeps_its_official_name(index):
    found = index.match_subregion("Sydösterbottens, kustregion", 2008)
    assert found.name_fi == "Sydösterbotten"
    assert index.match_subregion("Sydösterbottens kustregion", 2008).code == "153"
    assert FORMER_SUBREGION_NAMES["153"] == ("Sydösterbottens kustregion",)


def test_s20334_places(index):
    # 2015,297,Kuopio,Kuopio,112,Kuopio,Kuopio,11,Pohjois-Savo,Norra Savolax,8,...
    assert (index.match_region("Pohjois-Savo", 2015).code, index.match_region("Pohjois-Savo", 2015).key_year) == ("11", 2015)
    assert index.match_subregion("Kuopion", 2015).code == "112"
    assert index.match_municipality("Kuopio", 2015).code == "297"


def test_s21736_places(index):
    # 2019,564,Oulu,Uleåborg,171,Oulu,Uleåborg,17,Pohjois-Pohjanmaa,Norra Österbotten,13,...
    assert index.match_region("Pohjois-Pohjanmaa", 2019).code == "17"
    oulun = index.match_subregion("Oulun", 2019)
    assert (oulun.code, oulun.name_fi, oulun.how, oulun.key_year) == ("171", "Oulu", "genitive", 2019)
    assert index.match_municipality("Oulu", 2019).code == "564"


@pytest.mark.parametrize(("name", "year"), [("Nilsiä", 2009), ("Vähäkyrö", 2008)])
def test_samples_municipalities_merged_before_the_key(index, name, year):
    found = index.match_municipality(name, year)
    assert found.code is None
    assert found.reason == "not_in_key"
    assert found.key_year == 2013
    assert "merged" in found.message
    assert "2013" in found.message
    assert "no code is guessed" in found.message


# --- municipalities -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [("Vasa", "905"), ("Jakobstad", "598"), ("Kristinestad", "287"), ("Närpes", "545"), ("Korsholm", "499"), ("Uleåborg", "564")],
)
def test_swedish_municipality_names(index, name, code):
    found = index.match_municipality(name, 2013)
    assert (found.code, found.how) == (code, "sv")


def test_case_and_spacing_do_not_count(index):
    found = index.match_municipality("  kristiinankaupunki ", 2013)
    assert (found.code, found.how, found.name_fi) == ("287", "case_insensitive", "Kristiinankaupunki")
    assert index.match_municipality("VASA", 2013).code == "905"


def test_municipality_merged_after_2013_in_its_own_years(index):
    # 2020,99,Honkajoki,... is its last line; 2021 has Kankaanpää (214) with sub-region 44 instead.
    found = index.match_municipality("Honkajoki", 2020)
    assert (found.code, found.how, found.key_year) == ("099", "fi", 2020)
    later = index.match_municipality("Honkajoki", 2021)
    assert later.code is None
    assert later.reason == "not_in_key_year"
    assert "2013–2020" in later.message


def test_maaninka_is_in_the_key_until_2014(index):
    # 2013,476,Maaninka,... : merged into Kuopio in 2015, so a 2009 project (key year 2013) has it.
    assert index.match_municipality("Maaninka", 2009).code == "476"
    assert index.match_municipality("Maaninka", 2014).code == "476"
    assert index.match_municipality("Maaninka", 2015).reason == "not_in_key_year"


def test_a_swedish_name_the_key_gives_only_from_some_year(index):
    # Alavus (010) is "Alavus" in Swedish in the key's early years and "Alavo" later.
    found = index.match_municipality("Alavo", 2013)
    assert (found.code, found.how, found.name_fi) == ("010", "other_year_name", "Alavus")


@pytest.mark.parametrize("name", ["Atlantis", "Kuopiola", "Itä-Vaasa", "Helsingin"])
def test_made_up_municipalities(index, name):
    found = index.match_municipality(name, 2015)
    assert found.code is None
    assert found.reason == "not_in_key"


def test_empty_name(index):
    found = index.match_municipality("  ", 2015)
    assert (found.code, found.reason) == (None, "empty")


def test_a_name_two_places_share_is_ambiguous():
    def row(code: str, fi: str, sv: str) -> MunicipalityRow:
        return MunicipalityRow(
            year=2015, municipality_code=code, municipality_fi=fi, municipality_sv=sv, subregion_code="1",
            subregion_fi="Testiseutu", subregion_sv="Testregion", region_code="1", region_fi="Testimaa", region_sv="Testland",
        )

    index = PlaceIndex([row("901", "Ruotsala", "Ruotsala"), row("902", "Kalliola", "Ruotsala")])
    found = index.match_municipality("Ruotsala", 2015)
    assert found.code is None
    assert found.reason == "ambiguous"
    assert found.candidates == ("901", "902")
    assert "Kalliola (902)" in found.message
    assert index.match_municipality("Kalliola", 2015).code == "902"
    assert index.collisions("municipality") == {(2015, "ruotsala"): ("901", "902")}


# --- key years ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("year", "key_year"), [(2008, 2013), (2012, 2013), (2013, 2013), (2017, 2017), (2026, 2026), (2030, 2026), (None, 2013)])
def test_key_year(index, year, key_year):
    assert index.key_year(year) == key_year
    assert index.match_municipality("Kuopio", year).key_year == key_year


def test_a_year_after_the_key_uses_its_last_year(index):
    found = index.match_subregion("Vaasan", 2030)
    assert (found.code, found.key_year) == ("152", 2026)
    # Kyrönmaa (151) is in the key 2013–2020 only; its municipalities moved to Vaasa and Seinäjoki.
    assert index.match_subregion("Kyrönmaan", 2030).reason == "not_in_key_year"


def test_a_gap_in_the_key_uses_the_nearest_year():
    def row(year: int) -> MunicipalityRow:
        return MunicipalityRow(
            year=year, municipality_code="297", municipality_fi="Kuopio", municipality_sv="Kuopio", subregion_code="112",
            subregion_fi="Kuopio", subregion_sv="Kuopio", region_code="11", region_fi="Pohjois-Savo", region_sv="Norra Savolax",
        )

    index = PlaceIndex([row(2013), row(2016), row(2020)])
    assert [index.key_year(year) for year in (2014, 2015, 2018, 2019)] == [2013, 2016, 2016, 2020]


# --- sub-regions --------------------------------------------------------------------------------

# Every sub-region of the key, with its Finnish genitive written by hand: (code, nominative,
# genitive). Kyrönmaa (151) exists 2013–2020, so the table is checked against 2015.
SUBREGION_GENITIVES = [
    ("011", "Helsinki", "Helsingin"), ("014", "Raasepori", "Raaseporin"), ("015", "Porvoo", "Porvoon"),
    ("016", "Loviisa", "Loviisan"), ("021", "Åboland-Turunmaa", "Åboland-Turunmaan"), ("022", "Salo", "Salon"),
    ("023", "Turku", "Turun"), ("024", "Vakka-Suomi", "Vakka-Suomen"), ("025", "Loimaa", "Loimaan"),
    ("041", "Rauma", "Rauman"), ("043", "Pori", "Porin"), ("044", "Pohjois-Satakunta", "Pohjois-Satakunnan"),
    ("051", "Hämeenlinna", "Hämeenlinnan"), ("052", "Riihimäki", "Riihimäen"), ("053", "Forssa", "Forssan"),
    ("061", "Luoteis-Pirkanmaa", "Luoteis-Pirkanmaan"), ("063", "Etelä-Pirkanmaa", "Etelä-Pirkanmaan"),
    ("064", "Tampere", "Tampereen"), ("068", "Lounais-Pirkanmaa", "Lounais-Pirkanmaan"),
    ("069", "Ylä-Pirkanmaa", "Ylä-Pirkanmaan"), ("071", "Lahti", "Lahden"), ("081", "Kouvola", "Kouvolan"),
    ("082", "Kotka-Hamina", "Kotka-Haminan"), ("091", "Lappeenranta", "Lappeenrannan"), ("093", "Imatra", "Imatran"),
    ("101", "Mikkeli", "Mikkelin"), ("103", "Savonlinna", "Savonlinnan"), ("105", "Pieksämäki", "Pieksämäen"),
    ("111", "Ylä-Savo", "Ylä-Savon"), ("112", "Kuopio", "Kuopion"), ("113", "Koillis-Savo", "Koillis-Savon"),
    ("114", "Varkaus", "Varkauden"), ("115", "Sisä-Savo", "Sisä-Savon"), ("122", "Joensuu", "Joensuun"),
    ("124", "Keski-Karjala", "Keski-Karjalan"), ("125", "Pielisen Karjala", "Pielisen Karjalan"),
    ("131", "Jyväskylä", "Jyväskylän"), ("132", "Joutsa", "Joutsan"), ("133", "Keuruu", "Keuruun"),
    ("134", "Jämsä", "Jämsän"), ("135", "Äänekoski", "Äänekosken"), ("138", "Saarijärvi-Viitasaari", "Saarijärvi-Viitasaaren"),
    ("141", "Suupohja", "Suupohjan"), ("142", "Seinäjoki", "Seinäjoen"), ("144", "Kuusiokunnat", "Kuusiokuntien"),
    ("146", "Järviseutu", "Järviseudun"), ("151", "Kyrönmaa", "Kyrönmaan"), ("152", "Vaasa", "Vaasan"),
    ("161", "Kaustinen", "Kaustisen"), ("162", "Kokkola", "Kokkolan"), ("171", "Oulu", "Oulun"),
    ("173", "Oulunkaari", "Oulunkaaren"), ("174", "Raahe", "Raahen"), ("175", "Haapavesi-Siikalatva", "Haapavesi-Siikalatvan"),
    ("176", "Nivala-Haapajärvi", "Nivala-Haapajärven"), ("177", "Ylivieska", "Ylivieskan"), ("178", "Koillismaa", "Koillismaan"),
    ("181", "Kehys-Kainuu", "Kehys-Kainuun"), ("182", "Kajaani", "Kajaanin"), ("191", "Rovaniemi", "Rovaniemen"),
    ("192", "Kemi-Tornio", "Kemi-Tornion"), ("193", "Torniolaakso", "Torniolaakson"), ("194", "Itä-Lappi", "Itä-Lapin"),
    ("196", "Tunturi-Lappi", "Tunturi-Lapin"), ("197", "Pohjois-Lappi", "Pohjois-Lapin"),
]

#: The key's sub-region names whose genitive the rules cannot form with certainty (see the
#: module docstring): two plausible forms (Tampere, Raahe, Varkaus) or a Swedish name.
UNCERTAIN_GENITIVES = [
    "Jakobstadsregionen", "Mariehamns stad", "Raahe", "Sydösterbotten", "Tampere", "Varkaus",
    "Ålands landsbygd", "Ålands skärgård",
]


@pytest.mark.parametrize(("code", "nominative", "genitive"), SUBREGION_GENITIVES)
def test_every_subregion_genitive_matches(index, code, nominative, genitive):
    found = index.match_subregion(genitive, 2015)
    assert (found.code, found.name_fi, found.how) == (code, nominative, "genitive")
    assert genitive in genitive_forms(nominative)
    if nominative not in UNCERTAIN_GENITIVES:
        assert finnish_genitive(nominative) == genitive


def test_the_table_covers_every_subregion(rows):
    assert {(row.subregion_code, row.subregion_fi) for row in rows} - {(code, name) for code, name, _ in SUBREGION_GENITIVES} == {
        ("153", "Sydösterbotten"), ("154", "Jakobstadsregionen"), ("211", "Mariehamns stad"),
        ("212", "Ålands landsbygd"), ("213", "Ålands skärgård"),
    }


def test_subregion_names_the_rules_cannot_form_with_certainty(rows):
    names = {row.subregion_fi for row in rows}
    assert sorted(name for name in names if finnish_genitive(name) is None) == UNCERTAIN_GENITIVES


@pytest.mark.parametrize(
    ("name", "code"),
    [
        # Statistics Finland's older names inflect both halves of a double name.
        ("Saarijärven-Viitasaaren", "138"),
        ("Haapaveden-Siikalatvan", "175"),
        ("Kemin-Tornion", "192"),
        ("Pielisen-Karjalan", "125"),
        # The level word after the genitive.
        ("Kuopion seutukunta", "112"),
        # Swedish names.
        ("Vasa", "152"),
        ("Åbo", "023"),
        ("Nordöstra Savolax", "113"),
        ("Mariehamns stad", "211"),
    ],
)
def test_other_subregion_forms(index, name, code):
    assert index.match_subregion(name, 2015).code == code


def test_no_two_subregions_share_a_form_in_any_year(rows, index):
    # The genitives of every sub-region name of every year, with the names themselves: no
    # normalized form may belong to two sub-regions of one year.
    municipalities = {row.municipality_fi for row in rows}
    for year in sorted({row.year for row in rows}):
        subregions = sorted({(r.subregion_code, r.subregion_fi, r.subregion_sv) for r in rows if r.year == year})
        # 70 sub-regions until Kyrönmaa's end in 2020, 69 after.
        assert len(subregions) == (70 if year <= 2020 else 69)
        owner: dict[str, str] = {}
        for code, name_fi, name_sv in subregions:
            double = "-" in name_fi and all(part in municipalities for part in name_fi.split("-"))
            forms = {name_fi, name_sv, *genitive_forms(name_fi, double_name=double), *FORMER_SUBREGION_NAMES.get(code, ())}
            for form in forms:
                key = normalize_name(form)
                assert owner.setdefault(key, code) == code, f"{form!r} fits {owner[key]} and {code} in {year}"
    assert index.collisions("subregion") == {}
    assert index.collisions("region") == {}
    assert index.collisions("municipality") == {}


@pytest.mark.parametrize("name", ["Savon", "Kuopiola", "Pohjois-Kuopion", "Etelä-Vaasan", "Sydösterbottens"])
def test_made_up_subregions(index, name):
    found = index.match_subregion(name, 2015)
    assert found.code is None
    assert found.reason == "not_in_key"
    assert "no code is guessed" in found.message


def test_a_municipality_is_not_a_subregion_genitive(index):
    # "Iisalmen" would be the genitive of the municipality Iisalmi; no sub-region has that name.
    assert index.match_subregion("Iisalmen", 2015).reason == "not_in_key"


# --- genitive rules -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nominative", "genitive"),
    [
        ("Lappeenranta", "Lappeenrannan"),  # nt → nn
        ("Turku", "Turun"),  # rk → r
        ("Helsinki", "Helsingin"),  # nk → ng, i-stem
        ("Riihimäki", "Riihimäen"),  # e-stem, k → ∅
        ("Kaustinen", "Kaustisen"),  # -nen → -sen
        ("Joensuu", "Joensuun"),  # long vowel
        ("Kuusiokunnat", "Kuusiokuntien"),  # plural
        ("Uusimaa", "Uudenmaan"),  # adjective compound
        ("Kanta-Häme", "Kanta-Hämeen"),
        ("Kotka", "Kotkan"),  # tk does not weaken
    ],
)
def test_finnish_genitive(nominative, genitive):
    assert finnish_genitive(nominative) == genitive


def test_uncertain_stems_give_every_form():
    assert genitive_forms("Varkaus") == ("Varkauden", "Varkauksen")
    assert genitive_forms("Tampere") == ("Tampereen", "Tamperen")
    assert genitive_forms("Jakobstadsregionen") == ()
    assert genitive_forms("Kemi-Tornio", double_name=True) == ("Kemi-Tornion", "Kemin-Tornion")


# --- regions ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code", "how"),
    [
        ("Pohjois-Savo", "11", "fi"),
        ("Norra Savolax", "11", "sv"),
        ("Österbotten", "15", "sv"),
        ("pohjanmaa", "15", "case_insensitive"),
        ("Pohjois-Savon", "11", "genitive"),
        ("Uudenmaan maakunta", "01", "genitive"),
        ("Lappi", "19", "fi"),
        ("Åland", "21", "sv"),
        # The key's Finnish name is "Ahvenanmaa - Åland" until 2018.
        ("Ahvenanmaa", "21", "fi_part"),
    ],
)
def test_regions(index, name, code, how):
    found = index.match_region(name, 2015)
    assert (found.code, found.how) == (code, how)


@pytest.mark.parametrize("name", ["Itä-Savo", "Pohjois-Pohjanmaan maakuntaliitto", "Savolax"])
def test_made_up_regions(index, name):
    assert index.match_region(name, 2015).reason == "not_in_key"
