"""The EURA 2021 export: rows read member by member, footer and extra columns kept, bad files refused.

No real export is available, so every workbook here is written with openpyxl: the 35 headers as
the service writes them (the first with its trailing space), made-up but realistic projects of
the three funds, two footer rows, and the service's unusual style (a workbook without the
default "Normal" cell style, which makes openpyxl warn). The expected values are written by hand.
"""

from __future__ import annotations

import datetime
import re
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import NamedStyle

from parser.reference.eura2021 import (
    COLUMNS,
    COMPARABLE_FUNDING,
    KINDS,
    Eura2021Row,
    WorkbookError,
    comparable_funding,
    parse_date,
    parse_euros,
    read_eura2021,
)

# The headers as the service writes them, in its order (written here, not taken from the module).
HEADERS = [
    "Hankekoodi ",
    "Ryhmähanketunnus",
    "Rahasto",
    "EAKR-/JTF-alatyyppi",
    "Tl",
    "Et",
    "Hankkeen nimi",
    "Toteuttajan nimi",
    "Toteuttajan Y-tunnus",
    "Rahoittava viranomainen",
    "Toiminnan tila",
    "Aloituspvm",
    "Päättymispvm",
    "Suunniteltu EU- ja valtion rahoitus",
    "Suunniteltu julkinen rahoitus",
    "Suunniteltu rahoitus yhteensä",
    "Toteutunut EU- ja valtion rahoitus",
    "Toteutunut julkinen rahoitus",
    "Toteutunut rahoitus yhteensä",
    "Toteutunut EU-rahoituksen määrä",
    "Tukitoimen ala",
    "Sijainti",
    "Toteutuspaikan postinumero",
    "Toteutuspaikan postitoimipaikka",
    "Tuensaajan postinumero",
    "Tuensaajan postitoimipaikka",
    "Tukimuoto",
    "Alueellinen täytäntöönpanomekanismi ja alueellinen painopiste",
    "Taloudellinen toiminta",
    "Toissijainen teema, vain ESR+",
    "Sukupuolten tasa-arvo",
    "Itämeren alueen strategia",
    "Suunnitelman mukainen tiivistelmä hankkeen toteutuksesta",
    "Hankekuvauksen osoite",
    "Hankkeen kotisivun osoite",
]
SUMMARY = "Suunnitelman mukainen tiivistelmä hankkeen toteutuksesta"
# Two unknown columns: one inside the layout (after "Toiminnan tila"), one after the last.
WITH_EXTRA = [*HEADERS[:11], "Kumppanit", *HEADERS[11:], "Päivitetty"]

# A long summary (21,819 characters, under Excel's 32,767), in paragraphs.
LONG_SUMMARY = "\n".join(
    ["Hankkeessa kehitetään nuorten työpajatoimintaa ja yksilöllistä ohjausta Pohjois-Savossa."] * 80
    + ["Yhteistyössä kuntien, oppilaitosten ja järjestöjen kanssa nuoria ohjataan työhön ja koulutukseen."] * 150
)


S30123 = {
    "Hankekoodi ": "S30123",
    "Rahasto": "ESR+",
    "Tl": "4",
    "Et": "4.1",
    "Hankkeen nimi": "Nuorten polut työhön – Pohjois-Savo",
    "Toteuttajan nimi": "Pohjois-Savon Työpajayhdistys ry",
    "Toteuttajan Y-tunnus": "2345678-0",
    "Rahoittava viranomainen": "Pohjois-Savon ELY-keskus",
    "Toiminnan tila": "Käynnissä",
    "Kumppanit": "Kuopion kaupunki, Savon ammattiopisto",
    "Aloituspvm": datetime.datetime(2023, 1, 1),
    "Päättymispvm": datetime.datetime(2025, 12, 31),
    "Suunniteltu EU- ja valtion rahoitus": 412000,
    "Suunniteltu julkinen rahoitus": 515000,
    "Suunniteltu rahoitus yhteensä": 515000,
    "Toteutunut EU- ja valtion rahoitus": 123456.78,
    "Toteutunut julkinen rahoitus": 154321,
    "Toteutunut rahoitus yhteensä": 154321.0,
    "Toteutunut EU-rahoituksen määrä": 74074.07,
    "Tukitoimen ala": "152. Toimenpiteet nuorten työllisyyden edistämiseksi",
    "Sijainti": "Pohjois-Savo",
    "Toteutuspaikan postinumero": "70100",
    "Toteutuspaikan postitoimipaikka": "Kuopio",
    "Tuensaajan postinumero": "70100",
    "Tuensaajan postitoimipaikka": "Kuopio",
    "Tukimuoto": "01. Avustus",
    "Alueellinen täytäntöönpanomekanismi ja alueellinen painopiste": "33. Ei alueellista painopistettä",
    "Taloudellinen toiminta": "19. Koulutus",
    "Toissijainen teema, vain ESR+": "09. Ei sovelleta",
    "Sukupuolten tasa-arvo": "02. Sukupuolten tasa-arvon valtavirtaistaminen",
    "Itämeren alueen strategia": "Ei",
    SUMMARY: LONG_SUMMARY,
    "Hankekuvauksen osoite": "https://eura2021.fi/hankkeet/S30123",
    "Hankkeen kotisivun osoite": "https://www.nuortenpolut.fi",
    "Päivitetty": datetime.datetime(2024, 5, 10, 8, 30),
}
A80456 = {
    "Hankekoodi ": "A80456",
    "Rahasto": "EAKR",
    "EAKR-/JTF-alatyyppi": "Kestävä kasvu",
    "Tl": "1",
    "Et": "1.1",
    "Hankkeen nimi": "Älykäs metsäteollisuus Lapissa",
    "Toteuttajan nimi": "Lapin ammattikorkeakoulu Oy",
    # The check digit of 2345678 is 0, not 1.
    "Toteuttajan Y-tunnus": "2345678-1",
    "Rahoittava viranomainen": "Lapin liitto",
    "Toiminnan tila": "Käynnissä",
    "Aloituspvm": "1.3.2024",
    "Päättymispvm": " 28.2.2027 ",
    "Suunniteltu EU- ja valtion rahoitus": "1 234 567,89",
    "Suunniteltu julkinen rahoitus": "1\u00a0543\u00a0209,86",
    "Suunniteltu rahoitus yhteensä": "1 800 000",
    "Toteutunut EU- ja valtion rahoitus": "0",
    "Toteutunut julkinen rahoitus": 0,
    "Toteutunut rahoitus yhteensä": "0,00",
    "Tukitoimen ala": "028. Yritysten ja tutkimuskeskusten välinen teknologian siirto",
    "Sijainti": "Lappi",
    "Toteutuspaikan postinumero": 96300,
    "Toteutuspaikan postitoimipaikka": "Rovaniemi",
    "Tuensaajan postinumero": "96300",
    "Tuensaajan postitoimipaikka": "Rovaniemi",
    "Tukimuoto": "01. Avustus",
    "Itämeren alueen strategia": "Kyllä",
    SUMMARY: "Hanke vauhdittaa puun jalostusta.",
    "Hankekuvauksen osoite": "https://eura2021.fi/hankkeet/A80456",
}
# A project whose code is not shaped like one: still a project (it has a name and an implementer).
UNUSUAL = {
    "Hankekoodi ": "S 30999",
    "Rahasto": "ESR+",
    "Hankkeen nimi": "Työkykyä yhdessä",
    "Toteuttajan nimi": "Helsingin kaupunki",
    "Toteuttajan Y-tunnus": "0201256-6",
    "Aloituspvm": datetime.datetime(2022, 9, 1),
    "Päättymispvm": datetime.datetime(2024, 8, 31),
    "Suunniteltu EU- ja valtion rahoitus": 250000,
    # Helsinki's 00100, written as a number: Excel dropped its leading zeros.
    "Toteutuspaikan postinumero": 100,
    "Toteutuspaikan postitoimipaikka": "Helsinki",
}
J10012 = {
    "Hankekoodi ": "J10012",
    "Ryhmähanketunnus": "R00012",
    "Rahasto": "JTF",
    "EAKR-/JTF-alatyyppi": "Yritysten uudistuminen",
    "Hankkeen nimi": "Oikeudenmukainen siirtymä – turvealan yritysten uudistuminen",
    "Toteuttajan nimi": "Keski-Pohjanmaan liitto",
    "Toteuttajan Y-tunnus": "0828105-4",
    "Toiminnan tila": "Päättynyt",
    # 31 February is no day.
    "Aloituspvm": "31.2.2024",
    "Päättymispvm": datetime.datetime(2026, 6, 30),
    "Suunniteltu EU- ja valtion rahoitus": "noin 50 000",
    "Suunniteltu julkinen rahoitus": 62500,
    # The service's writer escapes a carriage return as _x000D_.
    SUMMARY: "Turvealan yrityksiä tuetaan._x000D_\nUusia liiketoimintoja käynnistetään.",
}
PROJECTS = [S30123, A80456, UNUSUAL, J10012]
# The two footer rows: a blank row and the totals.
FOOTER = [
    {},
    {
        "Hankekoodi ": "Yhteensä",
        "Suunniteltu EU- ja valtion rahoitus": 1896567.89,
        "Suunniteltu julkinen rahoitus": 2120709.86,
    },
]


def strip_default_style(path: Path) -> None:
    """Remove the named cell styles from the workbook, as the service's writer leaves them out.

    Without a "Normal" named style openpyxl warns "Workbook contains no default style" on load.
    """
    original = path.with_suffix(".orig")
    path.rename(original)
    with zipfile.ZipFile(original) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/styles.xml":
                data = re.sub(rb"<cellStyles\b.*?</cellStyles>", b"", data, flags=re.DOTALL)
            target.writestr(info, data)
    original.unlink()


def write_export(
    path: Path,
    projects: list[dict] = PROJECTS,
    *,
    headers: list[str] = WITH_EXTRA,
    footer: list[dict] = FOOTER,
    above: list[list] = (),
    unusual_style: bool = True,
) -> Path:
    """Write an export as the service would: a header row, the projects, the footer rows.

    Amount cells get a named style with a euro number format; ``unusual_style`` then removes the
    workbook's default style, which makes openpyxl warn.
    """
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Hakutulos"
    workbook.add_named_style(NamedStyle(name="EURA raha", number_format='#,##0.00\\ "€"'))
    for line in above:
        sheet.append(line)
    sheet.append(headers)
    for values in [*projects, *footer]:
        sheet.append([values.get(header) for header in headers])
    for row in sheet.iter_rows(min_row=len(above) + 2):
        for cell in row:
            if isinstance(cell.value, (int, float)):
                cell.style = "EURA raha"
    workbook.save(path)
    if unusual_style:
        strip_default_style(path)
    return path


@pytest.fixture
def export(tmp_path) -> Path:
    return write_export(tmp_path / "eura2021-hakutulos.xlsx")


def members(**given) -> dict:
    """Every declared member, ``None`` unless given."""
    return {column.member: None for column in COLUMNS} | given


# --- the declaration ---------------------------------------------------------------------------


def test_declaration_has_the_35_columns_in_the_service_order():
    assert [column.header for column in COLUMNS] == HEADERS
    assert COLUMNS[0].header == "Hankekoodi "
    assert all(column.kind in KINDS for column in COLUMNS)
    member_names = [column.member for column in COLUMNS]
    assert len(set(member_names)) == 35
    # The row model has exactly the declared members, in order, then the row's own fields.
    assert list(Eura2021Row.model_fields)[:35] == member_names
    assert list(Eura2021Row.model_fields)[35:] == ["period", "source", "row", "extra", "flag", "raw"]
    kinds = {column.member: column.kind for column in COLUMNS}
    assert kinds["code"] == "code"
    assert kinds["implementer_business_id"] == "business_id"
    assert kinds["start_date"] == kinds["end_date"] == "date"
    assert [m for m, k in kinds.items() if k == "euros"] == [
        "eu_state_planned", "public_planned", "total_planned",
        "eu_state_realised", "public_realised", "total_realised", "eu_realised",
    ]


# --- reading a good export --------------------------------------------------------------------


def test_rows_member_by_member(export):
    result = read_eura2021(export)
    assert [row.row for row in result.rows] == [2, 3, 4, 5]
    s30123, a80456, unusual, j10012 = (row.model_dump() for row in result.rows)
    common = {"period": "2021-2027", "source": "eura2021-hakutulos.xlsx"}

    assert s30123 == members(
        code="S30123",
        fund="ESR+",
        priority_axis="4",
        specific_objective="4.1",
        name="Nuorten polut työhön – Pohjois-Savo",
        implementer_name="Pohjois-Savon Työpajayhdistys ry",
        implementer_business_id="2345678-0",
        managing_authority="Pohjois-Savon ELY-keskus",
        status="Käynnissä",
        start_date=datetime.date(2023, 1, 1),
        end_date=datetime.date(2025, 12, 31),
        eu_state_planned=412000,
        public_planned=515000,
        total_planned=515000,
        eu_state_realised=123456.78,
        public_realised=154321,
        total_realised=154321,
        eu_realised=74074.07,
        field_of_intervention="152. Toimenpiteet nuorten työllisyyden edistämiseksi",
        location="Pohjois-Savo",
        site_postal_code="70100",
        site_post_office="Kuopio",
        beneficiary_postal_code="70100",
        beneficiary_post_office="Kuopio",
        form_of_support="01. Avustus",
        territorial_delivery="33. Ei alueellista painopistettä",
        economic_activity="19. Koulutus",
        secondary_theme="09. Ei sovelleta",
        gender_equality="02. Sukupuolten tasa-arvon valtavirtaistaminen",
        baltic_sea_strategy="Ei",
        summary=LONG_SUMMARY,
        description_url="https://eura2021.fi/hankkeet/S30123",
        website="https://www.nuortenpolut.fi",
    ) | common | {
        "row": 2,
        "extra": {"Kumppanit": "Kuopion kaupunki, Savon ammattiopisto", "Päivitetty": datetime.datetime(2024, 5, 10, 8, 30)},
        "flag": None,
        "raw": None,
    }
    # Whole euros are ints (also from a float cell), cents stay a float.
    assert type(s30123["total_realised"]) is int and type(s30123["eu_state_realised"]) is float
    assert len(s30123["summary"]) == 21_819

    assert a80456 == members(
        code="A80456",
        fund="EAKR",
        fund_subtype="Kestävä kasvu",
        priority_axis="1",
        specific_objective="1.1",
        name="Älykäs metsäteollisuus Lapissa",
        implementer_name="Lapin ammattikorkeakoulu Oy",
        implementer_business_id="2345678-1",
        managing_authority="Lapin liitto",
        status="Käynnissä",
        start_date=datetime.date(2024, 3, 1),
        end_date=datetime.date(2027, 2, 28),
        eu_state_planned=1234567.89,
        public_planned=1543209.86,
        total_planned=1800000,
        eu_state_realised=0,
        public_realised=0,
        total_realised=0,
        field_of_intervention="028. Yritysten ja tutkimuskeskusten välinen teknologian siirto",
        location="Lappi",
        site_postal_code="96300",
        site_post_office="Rovaniemi",
        beneficiary_postal_code="96300",
        beneficiary_post_office="Rovaniemi",
        form_of_support="01. Avustus",
        baltic_sea_strategy="Kyllä",
        summary="Hanke vauhdittaa puun jalostusta.",
        description_url="https://eura2021.fi/hankkeet/A80456",
    ) | common | {
        "row": 3,
        "extra": {"Kumppanit": None, "Päivitetty": None},
        "flag": "invalid_business_id",
        "raw": {"implementer_business_id": "2345678-1"},
    }

    assert unusual == members(
        code="S 30999",
        fund="ESR+",
        name="Työkykyä yhdessä",
        implementer_name="Helsingin kaupunki",
        implementer_business_id="0201256-6",
        start_date=datetime.date(2022, 9, 1),
        end_date=datetime.date(2024, 8, 31),
        eu_state_planned=250000,
        site_postal_code="00100",
        site_post_office="Helsinki",
    ) | common | {
        "row": 4,
        "extra": {"Kumppanit": None, "Päivitetty": None},
        "flag": "unusual_code",
        "raw": {"code": "S 30999"},
    }

    assert j10012 == members(
        code="J10012",
        group_code="R00012",
        fund="JTF",
        fund_subtype="Yritysten uudistuminen",
        name="Oikeudenmukainen siirtymä – turvealan yritysten uudistuminen",
        implementer_name="Keski-Pohjanmaan liitto",
        implementer_business_id="0828105-4",
        status="Päättynyt",
        start_date=None,
        end_date=datetime.date(2026, 6, 30),
        eu_state_planned=None,
        public_planned=62500,
        summary="Turvealan yrityksiä tuetaan.\r\nUusia liiketoimintoja käynnistetään.",
    ) | common | {
        "row": 5,
        "extra": {"Kumppanit": None, "Päivitetty": None},
        "flag": "unreadable_date;unreadable_amount",
        "raw": {"start_date": "31.2.2024", "eu_state_planned": "noin 50 000"},
    }


def test_header_footer_and_counts(export):
    result = read_eura2021(export)
    assert result.source == "eura2021-hakutulos.xlsx"
    assert result.sheet == "Hakutulos"
    assert result.header_row == 1
    assert result.header == WITH_EXTRA
    assert result.header[0] == "Hankekoodi "
    assert result.before_header == []
    # The blank footer row is skipped (and counted); the totals row is kept, not read as a project.
    assert [row.model_dump() for row in result.footer] == [
        {"row": 7, "cells": {"A": "Yhteensä", "O": "1896567.89", "P": "2120709.86"}}
    ]
    assert result.counts.model_dump() == {
        "rows": 4,
        "flagged": 3,
        "flags": {"invalid_business_id": 1, "unusual_code": 1, "unreadable_date": 1, "unreadable_amount": 1},
        "per_fund": {"ESR+": 2, "EAKR": 1, "JTF": 1},
        "blank_rows": 1,
        "footer_rows": 1,
    }


def test_extra_columns_are_kept(export):
    result = read_eura2021(export)
    assert result.extra_columns == ["Kumppanit", "Päivitetty"]
    assert result.rows[0].extra == {
        "Kumppanit": "Kuopion kaupunki, Savon ammattiopisto",
        "Päivitetty": datetime.datetime(2024, 5, 10, 8, 30),
    }
    assert all(set(row.extra) == {"Kumppanit", "Päivitetty"} for row in result.rows)


def test_cells_under_no_header_are_kept_by_letter(tmp_path):
    headers = [*HEADERS, None]
    path = write_export(tmp_path / "x.xlsx", [S30123 | {None: "huomautus"}], headers=headers)
    row = read_eura2021(path).rows[0]
    assert row.extra == {"column AJ": "huomautus"}


def test_no_warning_escapes(export):
    # The file does make openpyxl warn …
    with pytest.warns(UserWarning, match="no default style"):
        openpyxl.load_workbook(export, read_only=True, data_only=True).close()
    # … but reading it lets no warning through.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read_eura2021(export)
    assert [str(warning.message) for warning in caught] == []


def test_only_the_style_warning_is_silenced(tmp_path, monkeypatch):
    """Another warning from openpyxl while the workbook loads still reaches the caller."""
    from parser.reference import eura2021

    path = write_export(tmp_path / "x.xlsx")
    real_load = openpyxl.load_workbook

    def load_and_warn(*args, **kwargs):
        warnings.warn("Data Validation extension is not supported and will be removed", UserWarning)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(eura2021.openpyxl, "load_workbook", load_and_warn)
    with pytest.warns(UserWarning, match="Data Validation") as caught:
        read_eura2021(path)
    assert [str(warning.message) for warning in caught] == [
        "Data Validation extension is not supported and will be removed"
    ]


def test_header_below_a_title_and_columns_in_another_order(tmp_path):
    # Headers matched without surrounding whitespace and case, by name rather than place.
    headers = ["  HANKEKOODI", *reversed(HEADERS[1:])]
    values = S30123 | {"  HANKEKOODI": "S30123"}
    path = write_export(tmp_path / "x.xlsx", [values], headers=headers, above=[["EURA 2021 – hakutulos"], []])
    result = read_eura2021(path)
    assert result.header_row == 3
    assert [row.model_dump() for row in result.before_header] == [{"row": 1, "cells": {"A": "EURA 2021 – hakutulos"}}]
    (row,) = result.rows
    assert (row.row, row.code, row.name, row.website) == (4, "S30123", "Nuorten polut työhön – Pohjois-Savo", "https://www.nuortenpolut.fi")
    assert row.extra == {}


def test_a_row_without_a_code_between_projects_is_kept_and_flagged(tmp_path):
    note = {"Tukimuoto": "01. Avustus"}
    path = write_export(tmp_path / "x.xlsx", [S30123, note, J10012])
    result = read_eura2021(path)
    assert [(row.row, row.code, row.flag) for row in result.rows] == [
        (2, "S30123", None),
        (3, None, "missing_code"),
        (4, "J10012", "unreadable_date;unreadable_amount"),
    ]
    assert result.rows[1].form_of_support == "01. Avustus"
    assert result.rows[1].raw == {"code": ""}


def test_a_plain_workbook_reads_the_same(tmp_path):
    # Without the unusual style (openpyxl's own defaults) nothing changes.
    plain = read_eura2021(write_export(tmp_path / "plain.xlsx", unusual_style=False))
    styled = read_eura2021(write_export(tmp_path / "styled.xlsx"))
    assert [row.model_dump(exclude={"source"}) for row in plain.rows] == [
        row.model_dump(exclude={"source"}) for row in styled.rows
    ]


def test_rows_up_to_the_bound_are_read(export):
    assert len(read_eura2021(export, max_rows=4).rows) == 4


# --- values -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        (412000, 412000),
        (154321.0, 154321),
        (123456.78, 123456.78),
        ("1 234 567,89", 1234567.89),
        ("1\u00a0234\u00a0567,89", 1234567.89),
        ("1\u202f234\u202f567,89", 1234567.89),
        ("1 800 000", 1800000),
        ("1234567,00", 1234567),
        ("64798.16", 64798.16),
        ("1.234.567,5", 1234567.5),
        ("-876", -876),
        ("170 000 €", 170000),
        ("0", 0),
        ("noin 50 000", None),
        ("1,234.56", None),
        ("12,345", None),
        (True, None),
        (datetime.datetime(2024, 1, 1), None),
        (float("nan"), None),
    ],
)
def test_parse_euros(value, expected):
    result = parse_euros(value)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    "value, expected",
    [
        (datetime.datetime(2023, 1, 1), datetime.date(2023, 1, 1)),
        (datetime.datetime(2023, 1, 1, 12, 30), datetime.date(2023, 1, 1)),
        ("1.3.2024", datetime.date(2024, 3, 1)),
        ("01.03.2024", datetime.date(2024, 3, 1)),
        ("2024-03-01", datetime.date(2024, 3, 1)),
        # A date cell that lost its date format: Excel's serial day 45352 is 2024-03-01.
        (45352, datetime.date(2024, 3, 1)),
        ("31.2.2024", None),
        ("2024-02-31", None),
        ("maaliskuu 2024", None),
        (0, None),
        (True, None),
    ],
)
def test_parse_date(value, expected):
    assert parse_date(value) == expected


def test_comparable_funding(export):
    assert COMPARABLE_FUNDING == {
        "eu_state_granted": "eu_state_planned",
        "eu_state_realised": "eu_state_realised",
        "public_planned": "public_planned",
        "public_realised": "public_realised",
    }
    s30123, a80456, _, j10012 = read_eura2021(export).rows
    assert comparable_funding(s30123) == {
        "eu_state_granted": 412000,
        "eu_state_realised": 123456.78,
        "public_planned": 515000,
        "public_realised": 154321,
    }
    assert comparable_funding(a80456) == {
        "eu_state_granted": 1234567.89,
        "eu_state_realised": 0,
        "public_planned": 1543209.86,
        "public_realised": 0,
    }
    assert comparable_funding(j10012) == {
        "eu_state_granted": None,
        "eu_state_realised": None,
        "public_planned": 62500,
        "public_realised": None,
    }
    # The names are those of the earlier periods' lists.
    from parser.reference.project_lists import ProjectListRow

    assert set(COMPARABLE_FUNDING) <= set(ProjectListRow.model_fields)


# --- bad files ------------------------------------------------------------------------------------


def write_bytes(name: str, data: bytes):
    def make(tmp_path: Path) -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return make


def write_zip(name: str, members: dict[str, bytes]):
    def make(tmp_path: Path) -> Path:
        path = tmp_path / name
        with zipfile.ZipFile(path, "w") as archive:
            for member, data in members.items():
                archive.writestr(member, data)
        return path

    return make


def truncated(tmp_path: Path) -> Path:
    path = write_export(tmp_path / "katkennut.xlsx")
    path.write_bytes(path.read_bytes()[:300])
    return path


def damaged_sheet(tmp_path: Path) -> Path:
    """A workbook whose sheet XML is cut in half: openpyxl fails while the rows are read."""
    good = write_export(tmp_path / "hyva.xlsx")
    path = tmp_path / "rikki.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            target.writestr(info, data)
    return path


def empty_workbook(tmp_path: Path) -> Path:
    path = tmp_path / "tyhja.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.title = "Hakutulos"
    workbook.save(path)
    return path


def no_header(tmp_path: Path) -> Path:
    path = tmp_path / "ilman-otsikkoa.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["Hankkeet", "2024"])
    workbook.active.append(["S30123", "ESR+"])
    workbook.save(path)
    return path


def with_headers(name: str, headers: list[str | None]):
    def make(tmp_path: Path) -> Path:
        return write_export(tmp_path / name, headers=headers)

    return make


def replace(headers: list[str], old: str, new: str | None) -> list[str | None]:
    return [new if header == old else header for header in headers]


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
CONTENT_TYPES_ONLY = (
    b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="xml" ContentType="application/xml"/></Types>'
)

BAD_FILES = [
    ("binary", write_bytes("data.xlsx", b"\x00\x01\x02 not a workbook \xff\xfe"), "data.xlsx: not an Excel workbook (.xlsx): the file is not a zip archive", None),
    ("png", write_bytes("kuva.xlsx", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "kuva.xlsx: a PNG image, not an Excel workbook (.xlsx)", None),
    ("csv", write_bytes("hakutulos.xlsx", b"Hankekoodi ;Rahasto\nS30123;ESR+\n"), "hakutulos.xlsx: a text file (CSV or similar), not an Excel workbook (.xlsx)", None),
    ("html", write_bytes("sivu.xlsx", b"<html><table><tr><td>S30123</td></tr></table></html>"), "sivu.xlsx: an HTML or XML file, not an Excel workbook (.xlsx)", None),
    ("empty file", write_bytes("tyhja.xlsx", b""), "tyhja.xlsx: an empty file, not an Excel workbook (.xlsx)", None),
    ("old xls", write_bytes("vanha.xlsx", OLE + b"\x00" * 504), "vanha.xlsx: an old Excel 97–2003 (.xls) or other OLE file, not an Excel workbook (.xlsx): save it as .xlsx", None),
    ("encrypted", write_bytes("salattu.xlsx", OLE + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le")), "salattu.xlsx: an encrypted (password-protected) workbook: save it without a password as .xlsx", None),
    ("zip", write_zip("arkisto.xlsx", {"lueminut.txt": b"hei"}), "arkisto.xlsx: a zip archive but not an Excel workbook (it has no [Content_Types].xml)", None),
    ("ods", write_zip("taulukko.xlsx", {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"}), "taulukko.xlsx: an OpenDocument file (.ods), not an Excel workbook (.xlsx): save it as .xlsx", None),
    ("office zip", write_zip("muu.xlsx", {"[Content_Types].xml": CONTENT_TYPES_ONLY}), "muu.xlsx: a zip archive with no Excel workbook part (an .xlsb, .docx or other Office file?)", None),
    ("truncated", truncated, "katkennut.xlsx: a damaged zip archive, not a readable workbook (", None),
    ("damaged sheet", damaged_sheet, "rikki.xlsx: a damaged worksheet 'Hakutulos' after row ", None),
    ("empty workbook", empty_workbook, "tyhja.xlsx: the sheet 'Hakutulos' is empty", None),
    ("no header", no_header, "ilman-otsikkoa.xlsx: no header row: no cell of the first 50 rows of sheet 'Sheet' reads 'Hankekoodi'", "Hankekoodi"),
    (
        "missing columns",
        with_headers("puuttuu.xlsx", [h for h in HEADERS if h not in ("Aloituspvm", "Hankkeen kotisivun osoite")]),
        "puuttuu.xlsx: column 'Aloituspvm' is missing; column 'Hankkeen kotisivun osoite' is missing",
        "Aloituspvm",
    ),
    (
        "renamed column",
        with_headers("uusi.xlsx", replace(WITH_EXTRA, "Toteuttajan Y-tunnus", "Toteuttajan Y-tunnus (uusi)")),
        "uusi.xlsx: column 'Toteuttajan Y-tunnus' is missing; the file has 'Toteuttajan Y-tunnus (uusi)' instead",
        "Toteuttajan Y-tunnus",
    ),
    (
        "renamed code column",
        with_headers("koodi.xlsx", replace(HEADERS, "Hankekoodi ", "Hankkeen koodi")),
        "koodi.xlsx: column 'Hankekoodi' is missing; the file has 'Hankkeen koodi' instead",
        "Hankekoodi",
    ),
    (
        "renamed and moved",
        # The renamed column stands at the end, away from its place: found by likeness.
        with_headers("siirretty.xlsx", [*replace(HEADERS, "Sijainti", None), "Sijainti (maakunta)"]),
        "siirretty.xlsx: column 'Sijainti' is missing; the file has 'Sijainti (maakunta)' instead",
        "Sijainti",
    ),
    (
        "twice",
        with_headers("kahdesti.xlsx", [*HEADERS, "rahasto"]),
        "kahdesti.xlsx: column 'Rahasto' appears twice (columns C and AJ)",
        "Rahasto",
    ),
]


@pytest.mark.parametrize("make, message, column", [case[1:] for case in BAD_FILES], ids=[case[0] for case in BAD_FILES])
def test_bad_files_give_a_one_line_workbook_error(tmp_path, make, message, column):
    path = make(tmp_path)
    with pytest.raises(WorkbookError) as caught:
        read_eura2021(path)
    text = str(caught.value)
    assert text.startswith(message)
    assert "\n" not in text
    assert caught.value.source == path.name
    assert caught.value.column == column
    # Never an openpyxl or zipfile error: the WorkbookError stands alone.
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None or caught.value.__suppress_context__


def test_too_many_rows(export):
    with pytest.raises(WorkbookError) as caught:
        read_eura2021(export, max_rows=3)
    assert str(caught.value) == "eura2021-hakutulos.xlsx: more than 3 data rows in sheet 'Hakutulos' (max_rows=3)"


def test_too_many_rows_without_codes(tmp_path):
    # Rows that look like no project cannot pile up without bound either.
    notes = [{"Tukimuoto": f"huomautus {number}"} for number in range(5)]
    path = write_export(tmp_path / "huomautuksia.xlsx", [S30123, *notes], footer=[])
    with pytest.raises(WorkbookError, match=r"more than 3 data rows"):
        read_eura2021(path, max_rows=3)


def test_too_long_cell(export):
    with pytest.raises(WorkbookError) as caught:
        read_eura2021(export, max_cell_chars=10_000)
    assert str(caught.value) == (
        "eura2021-hakutulos.xlsx: row 2, column 'Suunnitelman mukainen tiivistelmä hankkeen toteutuksesta': "
        "a cell of 21819 characters, more than max_cell_chars=10000"
    )
    assert caught.value.column == SUMMARY


def test_missing_file(tmp_path):
    with pytest.raises(WorkbookError, match=r"^ei-ole\.xlsx: no such file$"):
        read_eura2021(tmp_path / "ei-ole.xlsx")


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path, monkeypatch):
    """A member that would unpack past the limit: refused from the sizes the zip declares."""
    import zipfile

    import parser.reference.eura2021 as eura2021

    path = tmp_path / "pommi.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/sharedStrings.xml", "a" * 2_000_000)  # deflates to a few kilobytes
    monkeypatch.setattr(eura2021, "MAX_UNCOMPRESSED_BYTES", 1_000_000)
    with pytest.raises(eura2021.WorkbookError, match=r"pommi\.xlsx: the workbook would unpack to 2,000,0\d\d bytes, more than the limit of 1,000,000"):
        eura2021.read_eura2021(path)
