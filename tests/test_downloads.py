"""Downloads for spreadsheets: an Excel workbook and a CSV for Finnish Excel, every row as filtered."""

from __future__ import annotations

import csv
import datetime
import io
import shutil
import sqlite3

import pytest
from openpyxl import load_workbook

from parser.publish.downloads import column_title, excel_csv_line

from .conftest import client_get, publish


def workbook_rows(response) -> list[tuple]:
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    return list(sheet.iter_rows(values_only=True))


def finnish_csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.text[:300]
    assert response.content.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only after a BOM
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def finnish_number(text: str) -> float:
    """A number as Finnish Excel reads it: decimal comma."""
    return float(text.replace(",", "."))


def test_the_workbook_of_a_filtered_list_has_every_row_with_types_and_finnish_headers(datasette):
    rows = workbook_rows(client_get(datasette, "/-/xlsx/esr/project_list?fund=ESR&_sort=code"))
    header, data = rows[0], rows[1:]
    # 2,775 ESR rows in 2007-2013 and 786 in 2014-2020 (the lists' documented counts).
    assert len(data) == 2775 + 786
    assert header[:4] == ("Koodi", "Rahasto", "Projektin nimi", "Ohjelma / osio")
    assert "line" not in header and "raw" not in header and "repair" not in header
    first = dict(zip(header, data[0]))
    # S10001 as the 2007-2013 list writes it: amounts are numbers, dates are dates.
    assert first["Koodi"] == "S10001"
    assert first["Aloituspvm"] == datetime.datetime(2008, 5, 1)
    assert first["Myönnetty EU- ja valtion rahoitus"] == 361320
    assert isinstance(first["Toteutunut EU- ja valtion rahoitus"], int)


def test_technical_columns_come_on_request(datasette):
    plain = workbook_rows(client_get(datasette, "/-/xlsx/esr/project_list?code=S10324"))[0]
    header = workbook_rows(client_get(datasette, "/-/xlsx/esr/project_list?code=S10324&_tekniset=1"))[0]
    # line, repair and raw, titled from metadata.yml.
    assert set(header) - set(plain) == {"Rivinumero lähdetiedostossa", "Mitä riville tehtiin", "Rivi sellaisenaan lähdetiedostossa"}


def test_a_canned_query_downloads_too(datasette):
    rows = workbook_rows(client_get(datasette, "/-/xlsx/esr/list_funding_by_period"))
    assert rows[0][0] == "Ohjelmakausi" and len(rows) > 2


def test_the_csv_for_excel_reads_back_with_finnish_settings(datasette):
    rows = finnish_csv(client_get(datasette, "/-/excel-csv/esr/project_list?code=A70305&_tekniset=1"))
    header, (row,) = rows[0], rows[1:]
    values = dict(zip(header, row))
    # A70305 of the 2014-2020 snapshot (a flagged row): its amounts as written have cents.
    assert values["Koodi"] == "A70305"
    assert all("." not in values[name] for name in header if name.startswith(("Myönnetty", "Toteutunut", "Suunniteltu")))
    rows = finnish_csv(client_get(datasette, "/-/excel-csv/esr/funding_by_period"))
    header = rows[0]
    rate = header.index("Toteutunut ÷ myönnetty EU- ja valtion rahoitus")
    assert all(0 < finnish_number(row[rate]) < 2 for row in rows[1:] if row[rate])


def test_a_bad_download_is_an_http_error(datasette):
    assert client_get(datasette, "/-/xlsx/esr/no_such_table").status_code == 404
    response = client_get(datasette, "/-/excel-csv/esr/project_list?no_such_column=1")
    assert response.status_code == 400 and "no_such_column" in response.json()["error_en"]
    assert client_get(datasette, "/-/xlsx/esr/project_list?_sort=no_such_column").status_code == 400


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, built_archive):
    """A copy of the archive whose project names are formulas."""
    folder = tmp_path_factory.mktemp("hostile")
    db = folder / "esr.db"
    shutil.copy(built_archive, db)
    connection = sqlite3.connect(db)
    connection.execute("update project_list set name = '=HYPERLINK(\"http://x\",\"y\")' where code = 'S10324'")
    connection.execute("update project_list set name = '-2+3' where code = 'S10327'")
    connection.execute("update project_list set name = '#N/A' where code = 'S10328'")
    connection.commit()
    connection.close()
    return publish(db)


def test_text_stays_text_in_the_workbook_and_is_neutralised_in_the_csv(hostile):
    rows = workbook_rows(client_get(hostile, "/-/xlsx/esr/project_list?code__in=S10324,S10327,S10328&_sort=code"))
    names = [row[2] for row in rows[1:]]
    assert names == ['=HYPERLINK("http://x","y")', "-2+3", "#N/A"]
    sheet = load_workbook(io.BytesIO(client_get(hostile, "/-/xlsx/esr/project_list?code__in=S10324,S10328&_sort=code").content)).active
    assert sheet.cell(row=2, column=3).data_type == "s"  # a string, not a formula
    assert sheet.cell(row=3, column=3).data_type == "s"  # a string, not an error value
    rows = finnish_csv(client_get(hostile, "/-/excel-csv/esr/project_list?code__in=S10324,S10327&_sort=code"))
    assert [row[2] for row in rows[1:]] == ["'=HYPERLINK(\"http://x\",\"y\")", "'-2+3"]


@pytest.mark.parametrize(
    "description, title",
    [
        ("«Koodi», esim. S10962 (pääavain). — Project code.", "Koodi"),
        ("Ohjelmakausi: 2007-2013, 2014-2020 tai 2021-2027. — Programme period.", "Ohjelmakausi"),
        ("Toteutunut EU- ja valtion rahoitus, euroa. — Realised.", "Toteutunut EU- ja valtion rahoitus"),
        (None, "code"),
    ],
)
def test_column_titles_come_from_the_metadata(description, title):
    assert column_title("code", description) == title


def test_excel_csv_values():
    assert excel_csv_line([1, 0.9606, 84311.75, 308999.0, "2009-07-01", None, "=1+1", "-2", "a;b"]) == (
        '1;0,9606;84311,75;308999;1.7.2009;;\'=1+1;-2;"a;b"\r\n'
    )
