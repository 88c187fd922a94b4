"""The service's list page (``projektilista.php?rahasto=ALL``) read into project list rows.

No real copy of the page exists, so every page here is written by hand, in the shapes the
reader promises to accept; the expected values are written by hand from the cells. The real
rows at the end are copied from the CSV exports, and must read as the CSV reader reads them.
"""

from __future__ import annotations

import datetime
import unicodedata
from pathlib import Path

import pytest

from parser.reference import list_pages
from parser.reference.list_pages import (
    HEADERS_2007,
    HEADERS_2014,
    ListPageError,
    parse_amount,
    read_list_page,
)
from parser.reference.project_lists import (
    LAYOUT_2007,
    LAYOUT_2014,
    ProjectListRow,
    list_summary,
)

from .conftest import official_list_rows

LIST_FOLDER = Path(__file__).resolve().parent.parent / "corpus" / "reference"
AMOUNTS = ("eu_state_granted", "eu_state_realised", "public_planned", "public_realised")
NO_TABLE = (
    "no project list table in the page (a table with the column 'Koodi' and the columns of the "
    "2007–2013 or 2014–2020 list)"
)


def assert_rows(rows: list[ProjectListRow], expected: list[ProjectListRow]) -> None:
    """Member by member, and amounts by type too: 308999 and 308999.0 compare equal in Python."""
    assert len(rows) == len(expected)
    for row, want in zip(rows, expected):
        assert row.model_dump() == want.model_dump(), row.code
        for member in AMOUNTS:
            assert type(getattr(row, member)) is type(getattr(want, member)), (row.code, member)


def th_header(headers) -> str:
    return "<tr>" + "".join(f"<th>{cell}</th>" for cell in headers) + "</tr>"


def td_row(cells) -> str:
    return "<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"


# --- 2007–2013: UTF-8, a thead of th cells, the list inside a layout table among site chrome ---

PAGE_2007 = """<!DOCTYPE html>
<html lang="fi"><head><meta charset="utf-8"><title>Projektit - Rakennerahastot 2007–2013</title>
<style>td.num { text-align: right }</style>
<script>var help = "<table><tr><td>Koodi</td></tr></table>";</script>
</head>
<body>
<div id="top"><a href="index.php">Etusivu</a> | <a href="projektilista.php?rahasto=ALL">Projektit</a></div>
<table class="haku"><tr><td>Rahasto</td><td><select name="rahasto"><option>ALL</option><option>ESR</option></select></td></tr>
<tr><td>Hae</td><td><input type="submit" value="Hae"></td></tr></table>
<table class="sivu"><tr><td class="valikko"><a href="ohje.php">Ohje</a></td><td class="sisalto">
<h1>Projektit</h1>
<table class="selitteet"><tr><th>Koodi</th><th>Selite</th></tr><tr><td>ESR</td><td>Euroopan sosiaalirahasto</td></tr></table>
<table class="lista">
<thead>
<tr><th><a href="?jarjestys=koodi">Koodi</a></th><th>Rahasto</th><th>Projektin nimi</th><th>Ohjelma / osio</th><th>Tl</th>
<th>Viranomainen</th><th>Toiminnan tila</th><th>Aloituspvm</th><th>Päättymispvm</th><th>Toteuttajan nimi</th>
<th>Myönnetty EU- ja valtion rahoitus</th><th>Toteutunut EU- ja valtion rahoitus</th>
<th>Suunniteltu julkinen rahoitus yhteensä</th><th>Toteutunut julkinen rahoitus yhteensä</th></tr>
</thead>
<tbody>
<tr class="pariton">
 <td><a href="projekti.php?projektikoodi=S12345">S12345</a></td>
 <td>ESR</td>
 <td>Osaaminen, työ &amp; hyvinvointi</td>
 <td>Itä-Suomen suuralueosio</td>
 <td>4</td>
 <td>Pohjois-Savon elinkeino-,<br>liikenne- ja ympäristökeskus</td>
 <td>Toiminta päättynyt</td>
 <td>1.9.2009</td>
 <td>31.12.2011</td>
 <td><span class="toteuttaja"><span>Kuopion</span> kaupunki</span></td>
 <td class="num">308999</td>
 <td class="num">308&nbsp;999</td>
 <td class="num">308 999,50</td>
 <td class="num">308999.50&nbsp;&euro;</td>
</tr>
<tr><td><a href="projekti.php?projektikoodi=A31234&amp;kieli=fi">A31234</a><td>EAKR<td>Kasvu&nbsp;&amp;&nbsp;vienti
<td>Länsi-Suomi<td>2<td>Innovaatiorahoituskeskus Tekes<td>Keskeytynyt<td>15.3.2010<td>31.13.2012<td>Oy Yritys Ab
<td class="num">1 234 567 €<td class="num"><td class="num">2&#160;000&#160;000,00<td class="num">0
<tr><td><a href="projekti.php?projektikoodi=S12346">S12346</a></td><td>EU</td><td>Kolmas</td><td>Etelä-Suomi</td><td>1</td>
<td>Uudenmaan ELY-keskus</td><td>Toiminta päättynyt</td><td>1.1.2010</td><td>31.12.2010</td><td>Helsingin kaupunki</td>
<td>10</td><td>n/a</td><td>10</td><td>-5</td></tr>
<tr><td>S12347<td>ESR<td>Lyhyt rivi<td>Etelä-Suomi<td>1</tr>
<tr><td>S-123</td><td>ESR</td><td>Koodi pielessä</td><td>Etelä-Suomi</td><td>I</td><td>Uudenmaan ELY-keskus</td>
<td>Toiminta päättynyt</td><td>1.1.2010</td><td>31.12.2010</td><td>Helsingin kaupunki</td><td>1</td><td>1</td><td>1</td><td>1</td></tr>
</tbody>
</table>
</td></tr></table>
<div id="alaosa">© Työ- ja elinkeinoministeriö</div>
</body></html>
"""

ROWS_2007 = [
    ProjectListRow(
        code="S12345", fund="ESR", name="Osaaminen, työ & hyvinvointi", programme_section="Itä-Suomen suuralueosio",
        priority_axis_number="4", managing_authority="Pohjois-Savon elinkeino-, liikenne- ja ympäristökeskus",
        status="Toiminta päättynyt", start_date=datetime.date(2009, 9, 1), end_date=datetime.date(2011, 12, 31),
        implementer_name="Kuopion kaupunki", eu_state_granted=308999, eu_state_realised=308999,
        public_planned=308999.5, public_realised=308999.5, source_list="lista-2007.html", list_date="2016-03-12",
        line=1, repair=None, flag=None,
        raw="S12345\tESR\tOsaaminen, työ & hyvinvointi\tItä-Suomen suuralueosio\t4\t"
        "Pohjois-Savon elinkeino-, liikenne- ja ympäristökeskus\tToiminta päättynyt\t1.9.2009\t31.12.2011\t"
        "Kuopion kaupunki\t308999\t308 999\t308 999,50\t308999.50 €",
    ),
    ProjectListRow(
        code="A31234", fund="EAKR", name="Kasvu & vienti", programme_section="Länsi-Suomi", priority_axis_number="2",
        managing_authority="Innovaatiorahoituskeskus Tekes", status="Keskeytynyt",
        start_date=datetime.date(2010, 3, 15), end_date=None, implementer_name="Oy Yritys Ab",
        eu_state_granted=1234567, eu_state_realised=None, public_planned=2000000.0, public_realised=0,
        source_list="lista-2007.html", list_date="2016-03-12", line=2, repair=None,
        flag="unreadable_date;missing_field",
        raw="A31234\tEAKR\tKasvu & vienti\tLänsi-Suomi\t2\tInnovaatiorahoituskeskus Tekes\tKeskeytynyt\t"
        "15.3.2010\t31.13.2012\tOy Yritys Ab\t1 234 567 €\t\t2 000 000,00\t0",
    ),
    ProjectListRow(
        code="S12346", fund="EU", name="Kolmas", programme_section="Etelä-Suomi", priority_axis_number="1",
        managing_authority="Uudenmaan ELY-keskus", status="Toiminta päättynyt", start_date=datetime.date(2010, 1, 1),
        end_date=datetime.date(2010, 12, 31), implementer_name="Helsingin kaupunki", eu_state_granted=10,
        eu_state_realised=None, public_planned=10, public_realised=-5, source_list="lista-2007.html",
        list_date="2016-03-12", line=3, repair=None, flag="unknown_fund;unreadable_amount",
        raw="S12346\tEU\tKolmas\tEtelä-Suomi\t1\tUudenmaan ELY-keskus\tToiminta päättynyt\t1.1.2010\t31.12.2010\t"
        "Helsingin kaupunki\t10\tn/a\t10\t-5",
    ),
    ProjectListRow(
        code="S12347", fund="ESR", name="Lyhyt rivi", programme_section="Etelä-Suomi", priority_axis_number="1",
        managing_authority=None, status=None, start_date=None, end_date=None, implementer_name=None,
        eu_state_granted=None, eu_state_realised=None, public_planned=None, public_realised=None,
        source_list="lista-2007.html", list_date="2016-03-12", line=4, repair=None, flag="missing_field",
        raw="S12347\tESR\tLyhyt rivi\tEtelä-Suomi\t1",
    ),
    ProjectListRow(
        code="S-123", fund="ESR", name="Koodi pielessä", programme_section="Etelä-Suomi", priority_axis_number="I",
        managing_authority="Uudenmaan ELY-keskus", status="Toiminta päättynyt", start_date=datetime.date(2010, 1, 1),
        end_date=datetime.date(2010, 12, 31), implementer_name="Helsingin kaupunki", eu_state_granted=1,
        eu_state_realised=1, public_planned=1, public_realised=1, source_list="lista-2007.html",
        list_date="2016-03-12", line=5, repair=None, flag="unreadable_code;unreadable_axis",
        raw="S-123\tESR\tKoodi pielessä\tEtelä-Suomi\tI\tUudenmaan ELY-keskus\tToiminta päättynyt\t1.1.2010\t"
        "31.12.2010\tHelsingin kaupunki\t1\t1\t1\t1",
    ),
]


def test_2007_page_reads_every_row_member_by_member() -> None:
    page = read_list_page(PAGE_2007.encode("utf-8"), "lista-2007.html", list_date="2016-03-12")
    assert page.source == "lista-2007.html"
    assert page.period == "2007-2013"
    assert page.header == HEADERS_2007
    assert_rows(page.rows, ROWS_2007)
    assert page.extra_columns == ()
    assert page.extra == {}
    assert page.row_extra == ({},) * 5
    assert page.skipped_rows == 0


def test_2007_page_links_each_row_to_its_project_page() -> None:
    page = read_list_page(PAGE_2007.encode("utf-8"), "lista-2007.html", list_date=None)
    # Entities in the attribute are decoded; rows without a link have none.
    assert page.links == {
        "S12345": "projekti.php?projektikoodi=S12345",
        "A31234": "projekti.php?projektikoodi=A31234&kieli=fi",
        "S12346": "projekti.php?projektikoodi=S12346",
    }
    assert page.row_links == (
        "projekti.php?projektikoodi=S12345",
        "projekti.php?projektikoodi=A31234&kieli=fi",
        "projekti.php?projektikoodi=S12346",
        None,
        None,
    )
    assert {row.list_date for row in page.rows} == {None}


def test_page_rows_fit_the_list_summary() -> None:
    page = read_list_page(PAGE_2007.encode("utf-8"), "lista-2007.html", list_date=None)
    summary = list_summary(page.rows)
    assert summary["rows"] == 5
    assert summary["per_fund"] == {"ESR": 3, "EAKR": 1, "EU": 1}
    assert summary["repaired"] == 0
    assert summary["flagged"] == 4
    assert summary["flags"] == {
        "unreadable_date": 1, "missing_field": 2, "unknown_fund": 1, "unreadable_amount": 1,
        "unreadable_code": 1, "unreadable_axis": 1,
    }  # fmt: skip
    assert summary["per_list"]["lista-2007.html"]["flagged_codes"] == ["A31234", "S12346", "S12347", "S-123"]


# --- 2014–2020: a first row of td cells as the header, unclosed td/tr, an extra column ---------

PAGE_2014 = """<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>Hankkeet</title></head>
<body><p>Hankkeet 12.3.2016 &ndash; kaikki rahastot</p>
<table border=1 cellpadding=2>
<tr><td><b>Koodi</b><td><b>Rahasto</b><td><b>Hankkeen nimi</b><td>Tl<td>Viranomainen<td>Tila<td>Aloituspvm
<td>Päättymispvm<td>Toteuttajan nimi<td>Myönnetty EU- ja valtion rahoitus<td>Toteutunut EU- ja valtion rahoitus
<td>Suunniteltu julkinen rahoitus yhteensä<td>Toteutunut julkinen rahoitus yhteensä<td>Päivitetty
<tr><td><a href=projekti.php?projektikoodi=S20001>S20001</a><td>ESR<td>Nuoret töihin, heti!<td>5
<td>Etelä-Savon elinkeino-, liikenne- ja ympäristökeskus<td>Toiminnassa<td>1.9.2015<td>31.8.2017<td>Mikkelin kaupunki
<td>296 461 €<td>64 798,16 €<td>655623<td>92568.62<td>1.2.2016
<tr><td><a href=projekti.php?projektikoodi=A70001>A70001</a><td>EAKR<td>Älykäs energia<td>2
<td>Innovaatiorahoituskeskus Tekes<td>Toiminnassa<td>1.3.2015<td>28.2.2017<td>Lappeenrannan teknillinen yliopisto
<td>280000<td>57227<td>319258<td>59451<td><td>ylimääräinen
</table>
<p>Päivitetty öisin.</p>
"""

ROWS_2014 = [
    ProjectListRow(
        code="S20001", fund="ESR", name="Nuoret töihin, heti!", programme_section=None, priority_axis_number="5",
        managing_authority="Etelä-Savon elinkeino-, liikenne- ja ympäristökeskus", status="Toiminnassa",
        start_date=datetime.date(2015, 9, 1), end_date=datetime.date(2017, 8, 31), implementer_name="Mikkelin kaupunki",
        eu_state_granted=296461, eu_state_realised=64798.16, public_planned=655623, public_realised=92568.62,
        source_list="lista-2014.html", list_date="2016-03-12", line=1, repair=None, flag=None,
        raw="S20001\tESR\tNuoret töihin, heti!\t5\tEtelä-Savon elinkeino-, liikenne- ja ympäristökeskus\t"
        "Toiminnassa\t1.9.2015\t31.8.2017\tMikkelin kaupunki\t296 461 €\t64 798,16 €\t655623\t92568.62\t1.2.2016",
    ),
    ProjectListRow(
        code="A70001", fund="EAKR", name="Älykäs energia", programme_section=None, priority_axis_number="2",
        managing_authority="Innovaatiorahoituskeskus Tekes", status="Toiminnassa", start_date=datetime.date(2015, 3, 1),
        end_date=datetime.date(2017, 2, 28), implementer_name="Lappeenrannan teknillinen yliopisto",
        eu_state_granted=280000, eu_state_realised=57227, public_planned=319258, public_realised=59451,
        source_list="lista-2014.html", list_date="2016-03-12", line=2, repair=None, flag="extra_field",
        raw="A70001\tEAKR\tÄlykäs energia\t2\tInnovaatiorahoituskeskus Tekes\tToiminnassa\t1.3.2015\t28.2.2017\t"
        "Lappeenrannan teknillinen yliopisto\t280000\t57227\t319258\t59451\t\tylimääräinen",
    ),
]


@pytest.mark.parametrize(
    ("charset", "encoding"),
    # A page labelled ISO-8859-1 is Windows-1252 to a browser: its 0x80 is the euro sign.
    [("utf-8", "utf-8"), ("iso-8859-1", "cp1252"), ("windows-1252", "cp1252")],
)
def test_2014_page_reads_in_its_declared_charset(charset: str, encoding: str) -> None:
    data = PAGE_2014.format(charset=charset).encode(encoding)
    page = read_list_page(data, "lista-2014.html", list_date="2016-03-12")
    assert page.period == "2014-2020"
    assert page.header == (*HEADERS_2014, "Päivitetty")
    assert_rows(page.rows, ROWS_2014)
    assert page.links == {"S20001": "projekti.php?projektikoodi=S20001", "A70001": "projekti.php?projektikoodi=A70001"}


def test_extra_columns_are_kept_and_named() -> None:
    page = read_list_page(PAGE_2014.format(charset="utf-8").encode(), "lista-2014.html", list_date=None)
    assert page.extra_columns == ("Päivitetty",)
    # A cell beyond the header is kept too, under its position.
    assert page.extra == {"S20001": {"Päivitetty": "1.2.2016"}, "A70001": {"Päivitetty": "", "column 15": "ylimääräinen"}}
    assert page.row_extra == ({"Päivitetty": "1.2.2016"}, {"Päivitetty": "", "column 15": "ylimääräinen"})


def test_columns_are_found_by_their_header_not_their_place() -> None:
    # The page may order the columns otherwise, name an extra one twice or leave one unnamed.
    headers = ["Tl", "", *HEADERS_2014[:3], "Tl", *HEADERS_2014[4:]]
    cells = ["5", "x", "S20002", "ESR", "Nimi", "6", "ELY", "Toiminnassa", "1.1.2016", "31.12.2017", "Toteuttaja",
             "1", "2", "3", "4"]  # fmt: skip
    html = "<table>" + th_header(headers) + td_row(cells) + "</table>"
    page = read_list_page(html.encode(), "x.html", list_date=None)
    row = page.rows[0]
    assert (row.code, row.fund, row.name, row.priority_axis_number, row.public_realised) == ("S20002", "ESR", "Nimi", "5", 4)
    assert page.extra_columns == ("column 2", "Tl (column 6)")
    assert page.extra == {"S20002": {"column 2": "x", "Tl (column 6)": "6"}}


# --- the header and the period -----------------------------------------------------------------

NFD_END = unicodedata.normalize("NFD", "Päättymispvm")


@pytest.mark.parametrize(
    ("headers", "period", "section"),
    [
        (HEADERS_2007, "2007-2013", "Etelä-Suomi"),
        (HEADERS_2014, "2014-2020", None),
        # Case, white space (no-break spaces, line breaks, none around the slash), decomposed ä.
        (
            ["KOODI", " rahasto ", "Projektin&nbsp;nimi", "ohjelma/osio", "TL", "viranomainen", "Toiminnan\n  tila",
             "aloituspvm", NFD_END, "TOTEUTTAJAN NIMI", "Myönnetty EU- ja<br>valtion rahoitus",
             "Toteutunut EU- ja valtion rahoitus", "Suunniteltu julkinen rahoitus yhteensä",
             "<span>Toteutunut julkinen</span> rahoitus yhteensä"],
            "2007-2013",
            "Etelä-Suomi",
        ),
        # The 2007–2013 names of the name and state columns, without "Ohjelma / osio": 2014–2020.
        (
            [*HEADERS_2014[:2], "Projektin nimi", *HEADERS_2014[3:5], "Toiminnan tila", *HEADERS_2014[6:]],
            "2014-2020",
            None,
        ),
    ],
    ids=["2007", "2014", "2007-spelt-otherwise", "2014-with-2007-names"],
)
def test_period_is_told_by_the_programme_section_column(headers, period: str, section: str | None) -> None:
    cells = ["S10001", "ESR", "Nimi", "Etelä-Suomi", "1", "ELY", "Toiminta päättynyt", "1.1.2008", "31.12.2009",
             "Toteuttaja", "1", "2", "3", "4"]  # fmt: skip
    if period == "2014-2020":
        del cells[3]
    # The header in the first row, of th cells, with no thead.
    html = "<table>" + th_header(headers) + td_row(cells) + "</table>"
    page = read_list_page(html.encode("utf-8"), "x.html", list_date=None)
    assert page.period == period
    row = page.rows[0]
    assert (row.code, row.name, row.programme_section, row.status, row.end_date, row.public_realised, row.flag) == (
        "S10001", "Nimi", section, cells[-8], datetime.date(2009, 12, 31), 4, None,
    )  # fmt: skip


def test_rows_before_the_header_blank_rows_and_repeated_headers_are_no_rows() -> None:
    html = (
        "<table><tr><th colspan=14>Projektit 2007–2013</th></tr>"
        + th_header(HEADERS_2007)
        + td_row(["S10001", "ESR", "A", "Itä-Suomi", "1", "ELY", "Keskeytynyt", "1.1.2008", "1.1.2009", "T", "1", "1", "1", "1"])
        + "<tr><td colspan=14>&nbsp;</td></tr><tr></tr>"
        + th_header(HEADERS_2007)
        + td_row(["S10002", "ESR", "B", "Itä-Suomi", "1", "ELY", "Keskeytynyt", "1.1.2008", "1.1.2009", "T", "2", "2", "2", "2"])
        + "</table>"
    )
    page = read_list_page(html.encode(), "x.html", list_date=None)
    # ``line`` still counts the rows left out, so it points at the row of the page.
    assert [(row.code, row.line) for row in page.rows] == [("S10001", 1), ("S10002", 5)]
    assert page.skipped_rows == 3


def test_a_link_to_another_project_is_flagged() -> None:
    cells = ['<a href="projekti.php?projektikoodi=S99999">S10001</a>', "ESR", "Nimi", "5", "ELY", "Toiminnassa",
             "1.1.2016", "31.12.2017", "T", "1", "2", "3", "4"]  # fmt: skip
    html = "<table>" + th_header(HEADERS_2014) + td_row(cells) + "</table>"
    page = read_list_page(html.encode(), "x.html", list_date=None)
    assert page.rows[0].code == "S10001"
    assert page.rows[0].flag == "link_mismatch"
    assert page.links == {"S10001": "projekti.php?projektikoodi=S99999"}


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("308999", 308999),
        ("308 999", 308999),
        ("308\u00a0999", 308999),
        ("308\u202f999 €", 308999),
        ("€ 308 999", 308999),
        ("1 234 567", 1234567),
        ("308 999,50", 308999.5),
        ("308999.50", 308999.5),
        ("308999,50\u00a0€", 308999.5),
        ("-876", -876),
        ("0", 0),
        ("", None),
        ("n/a", None),
        ("3 08 999", None),
        ("308.999.000", None),
        ("308 999,", None),
    ],
)
def test_parse_amount(text: str, amount) -> None:
    value = parse_amount(text)
    assert value == amount
    assert type(value) is type(amount)


# --- pages that are no list ----------------------------------------------------------------------

ERROR_PAGE = """<html><head><meta charset="iso-8859-1"><title>Virhe</title></head>
<body><table class="sivu"><tr><td><img src="logo.gif" alt="Rakennerahastot"></td></tr>
<tr><td><div class="virhe">Tietokantavirhe: yhteytt\xe4 ei saatu. Yrit\xe4 my\xf6hemmin uudelleen.</div></td></tr></table>
</body></html>
""".encode("latin-1")


def test_the_services_error_page_has_no_list_table() -> None:
    with pytest.raises(ListPageError) as caught:
        read_list_page(ERROR_PAGE, "virhe.html", list_date=None)
    assert str(caught.value) == NO_TABLE


def test_a_table_with_a_code_column_but_not_the_lists_says_what_it_lacks() -> None:
    html = "<table>" + th_header(["Koodi", "Rahasto", "Hankkeen nimi", "Tila"]) + td_row(["S1", "ESR", "N", "T"]) + "</table>"
    with pytest.raises(ListPageError) as caught:
        read_list_page(html.encode(), "x.html", list_date=None)
    assert str(caught.value) == (
        NO_TABLE + "; a table has 'Koodi' but not: Tl, Viranomainen, Aloituspvm, Päättymispvm, Toteuttajan nimi, "
        "Myönnetty EU- ja valtion rahoitus, Toteutunut EU- ja valtion rahoitus, "
        "Suunniteltu julkinen rahoitus yhteensä, Toteutunut julkinen rahoitus yhteensä"
    )


@pytest.mark.parametrize("data", [b"", b"Koodi,Rahasto\n", b"<html><body><p>Ei hankkeita.</p></body></html>"])
def test_a_page_without_tables_is_refused(data: bytes) -> None:
    with pytest.raises(ListPageError, match="^no project list table in the page"):
        read_list_page(data, "x.html", list_date=None)


def test_an_oversize_page_is_refused() -> None:
    data = b"<html>" + b" " * list_pages.MAX_PAGE_BYTES
    with pytest.raises(ListPageError, match=r"^list page is too large \(50\.0 MB; the limit is 50 MB\)$"):
        read_list_page(data, "x.html", list_date=None)


def test_binary_bytes_are_refused() -> None:
    data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    with pytest.raises(ListPageError, match="^not an HTML page: the file holds binary data$"):
        read_list_page(data, "x.png", list_date=None)


def test_too_many_rows_are_refused(monkeypatch) -> None:
    monkeypatch.setattr(list_pages, "MAX_ROWS", 3)
    row = td_row(["S10001", "ESR", "N", "5", "ELY", "Toiminnassa", "1.1.2016", "1.1.2017", "T", "1", "1", "1", "1"])
    def page(count: int) -> bytes:
        return ("<table>" + th_header(HEADERS_2014) + row * count + "</table>").encode()

    assert len(read_list_page(page(3), "x.html", list_date=None).rows) == 3
    with pytest.raises(ListPageError, match="^the list table has more than 3 rows"):
        read_list_page(page(4), "x.html", list_date=None)
    # Rows of any table count towards the page's bound, so a hostile page stops early.
    with pytest.raises(ListPageError, match="^the page has more than 10,003 table rows"):
        read_list_page(("<table>" + "<tr><td>x" * 10_004).encode(), "x.html", list_date=None)


def test_hostile_tables_are_refused() -> None:
    with pytest.raises(ListPageError, match="^a table row has more than 1,000 cells"):
        read_list_page(b"<table><tr><td colspan=1000>a<td>b</table>", "x.html", list_date=None)
    with pytest.raises(ListPageError, match="^HTML page is nested too deeply to read$"):
        read_list_page(b"<table><tr><td>" * 300, "x.html", list_date=None)


# --- real rows: the page must read as the CSV export does --------------------------------------


@pytest.fixture(scope="module")
def csv_rows() -> dict[str, ProjectListRow]:
    rows = [
        *official_list_rows("projektilista-2007-2013.csv"),
        *official_list_rows("projektilista-2014-2020-snapshot.csv"),
    ]
    return {row.code: row for row in rows if row.code in {"S10324", "S10673", "A70302", "S20334", "A71334"}}


# The rows as the CSV files write them, marked up as a list page would: entities, no-break
# spaces in the amounts, a <br> in a long name.
REAL_2007 = (
    "<table><thead>" + th_header(HEADERS_2007) + "</thead><tbody>"
    + td_row(['<a href="projekti.php?projektikoodi=S10324">S10324</a>', "ESR", "HoivaRekry", "Etel&auml;-Suomen suuralueosio",
              "1", "H&auml;meen elinkeino-, liikenne- ja ymp&auml;rist&ouml;keskus", "Toiminta p&auml;&auml;ttynyt",
              "1.4.2008", "31.12.2010", "Helsingin yliopiston Koulutus- ja kehitt&auml;miskeskus Palmenia",
              "308&nbsp;999", "308&nbsp;999", "368&nbsp;999", "366&nbsp;699"])
    + td_row(['<a href="projekti.php?projektikoodi=S10673">S10673</a>', "ESR", "KUNTSARI -ponnahduslauta välityömarkkinoille",
              "Länsi-Suomen suuralueosio", "2", "Keski-Suomen elinkeino-, liikenne- ja ympäristökeskus",
              "Toiminta päättynyt", "1.9.2008", "31.12.2010", "Jupiter-säätiö", "170000", "162158", "204820", "196299"])
    + "</tbody></table>"
)  # fmt: skip
REAL_2014 = (
    "<table>" + th_header(HEADERS_2014)
    + td_row(["A70302", "EAKR", "INKA-Uudet tekniikat sähköverkon vikatilanteiden ja<br>hajautetun tuotannon hallinnassa",
              "2", "Innovaatiorahoituskeskus Tekes", "Toiminnassa", "1.3.2015", "28.2.2017",
              "Lappeenrannan teknillinen yliopisto", "280 000 €", "57 227 €", "319 258 €", "59 451 €"])
    + td_row(["S20334", "ESR", "Osallistavan sosiaalisen tuen kehittämishanke", "5",
              "Etelä-Savon elinkeino-, liikenne- ja ympäristökeskus", "Toiminnassa", "1.9.2015", "31.8.2017",
              "Kuopion kaupunki", "296461", "64798.16", "655623", "92568.62"])
    # An empty end date: the CSV reader flags it as a missing field too.
    + td_row(["A71334", "EAKR", "Robottiekosysteemi uudistuvan teollisuuden kehityskyvyn takaajana automaatio? ja palvelusektorilla",
              "2", "Pirkanmaan liitto", "Toiminnassa", "1.1.2016", "", "TTY-säätiö", "56035", "0", "110230", "0"])
    + "</table>"
)  # fmt: skip


@pytest.mark.parametrize(
    ("html", "layout", "codes"),
    [(REAL_2007, LAYOUT_2007, ["S10324", "S10673"]), (REAL_2014, LAYOUT_2014, ["A70302", "S20334", "A71334"])],
    ids=["2007", "2014"],
)
def test_real_rows_read_as_the_csv_reader_reads_them(csv_rows, html: str, layout, codes: list[str]) -> None:
    page = read_list_page(html.encode("utf-8"), "lista.html", list_date=layout.list_date)
    assert [row.code for row in page.rows] == codes
    # The page's rows are repaired by nothing; the CSV's were (commas rejoined).
    different = {"source_list", "line", "repair", "raw"}
    for row in page.rows:
        want = csv_rows[row.code]
        assert row.model_dump(exclude=different) == want.model_dump(exclude=different)
        for member in AMOUNTS:
            assert type(getattr(row, member)) is type(getattr(want, member))
    assert csv_rows["S10324"].managing_authority == "Hämeen elinkeino-, liikenne- ja ympäristökeskus"
    assert csv_rows["A71334"].flag == "missing_field"
