"""The analysts' answers (/esr/vastaukset/…): filters, forgiving input, sorting, totals, files."""

from __future__ import annotations

import html
import io
import re

import pytest
import sqlite_utils
from openpyxl import load_workbook

from .conftest import client_get


@pytest.fixture(scope="module")
def archive(built_archive) -> sqlite_utils.Database:
    return sqlite_utils.Database(built_archive)


def get(datasette, path: str, status: int = 200):
    response = client_get(datasette, path)
    assert response.status_code == status, (path, response.status_code, response.text[:300])
    return response


def esr_2007_granted(archive) -> float:
    """ESR 2007–2013 granted, summed independently of the answers: the list's figure, or the
    description's where the archive has one (no 2007–2013 row is flagged)."""
    return archive.execute(
        "select sum(coalesce(p.eu_state_granted, l.eu_state_granted)) from project_list l left join projects p on p.code = l.code "
        "where l.period = '2007-2013' and l.fund = 'ESR'"
    ).fetchone()[0]


def test_the_totals_row_is_the_sum_and_its_rate_the_ratio_of_sums(datasette, archive):
    result = get(datasette, "/esr/vastaukset/viranomaiset.json?period=2007-2013&fund=ESR").json()
    total = result["total"]
    assert total["projects"] == 2775  # the 2007-2013 list's ESR rows (README: 2,775)
    assert total["eu_state_granted"] == pytest.approx(esr_2007_granted(archive))
    assert sum(row["eu_state_granted"] or 0 for row in result["rows"]) == pytest.approx(total["eu_state_granted"])
    rates = [row["eu_state_rate"] for row in result["rows"] if row["eu_state_rate"] is not None]
    assert total["eu_state_rate"] == pytest.approx(total["eu_state_realised"] / total["eu_state_granted"], rel=1e-3)
    assert total["eu_state_rate"] != pytest.approx(sum(rates) / len(rates), rel=1e-3), "a mean of rates is not the total's rate"


def test_input_is_forgiving_of_dashes_case_and_spaces(datasette):
    canonical = get(datasette, "/esr/vastaukset/kaudet.json?period=2007-2013&fund=ESR").json()
    typed = get(datasette, "/esr/vastaukset/kaudet.json?period=2007%E2%80%932013&fund=%20esr%20").json()
    assert typed["chosen"] == {"period": "2007-2013", "fund": "ESR"}
    assert typed["rows"] == canonical["rows"] and typed["problems"] == []


def test_a_value_that_does_not_exist_says_so_with_the_choices(datasette):
    text = html.unescape(get(datasette, "/esr/vastaukset/maakunnat?fund=ESF").text)
    assert "Rahasto: arvoa «ESF» ei ole. Vaihtoehdot: EAKR, ESR." in text
    assert '<table class="answer"' not in text
    empty = get(datasette, "/esr/vastaukset/maakunnat.json?fund=EAKR&region=valtakunnallinen&period=2007-2013").json()
    if not empty["rows"]:
        assert "Näillä rajauksilla ei ole yhtään hanketta" in empty["why_empty"]["fi"]


def test_dropdowns_hold_the_values_that_exist(datasette, archive):
    text = get(datasette, "/esr/vastaukset/maakunnat").text
    periods = re.search(r'<select name="period">(.*?)</select>', text, re.S).group(1)
    assert re.findall(r'<option value="([^"]+)"', periods) == ["2007-2013", "2014-2020"]
    authorities = re.search(r'<select name="authority">(.*?)</select>', text, re.S).group(1)
    expected = [row[0] for row in archive.execute("select distinct authority from project_index where authority is not null order by authority")]
    assert [html.unescape(v) for v in re.findall(r'<option value="([^"]+)"', authorities)] == expected
    # The grouped dimension is no filter of its own answer.
    assert '<select name="region">' not in text


def test_every_column_sorts_and_a_missing_value_is_last(datasette):
    result = get(datasette, "/esr/vastaukset/viranomaiset.json?sort=eu_state_rate&desc=0").json()
    rates = [row["eu_state_rate"] for row in result["rows"]]
    present = [rate for rate in rates if rate is not None]
    assert present == sorted(present) and rates[: len(present)] == present
    by_name = get(datasette, "/esr/vastaukset/viranomaiset.json?sort=label").json()
    labels = [row["label"] for row in by_name["rows"]]
    assert labels == sorted(labels, key=str.casefold)
    text = get(datasette, "/esr/vastaukset/viranomaiset?sort=eu_state_rate&desc=0").text
    assert "Toteutumisaste ▲" in text
    assert 'href="?sort=eu_state_rate&amp;desc=1"' in text  # clicking again reverses it


def test_region_rows_add_up_to_the_national_total(datasette):
    result = get(datasette, "/esr/vastaukset/maakunnat.json?fund=ESR").json()
    assert sum(row["eu_state_granted"] or 0 for row in result["rows"]) == pytest.approx(result["total"]["eu_state_granted"])
    labels = {row["label"] for row in result["rows"]}
    assert "Itä-Suomi (suuralue)" in labels and "valtakunnallinen" in labels
    assert result["total"]["placed_granted"] < result["total"]["eu_state_granted"]


def test_the_workbook_has_finnish_headers_numbers_and_the_totals_row(datasette, archive):
    response = get(datasette, "/esr/vastaukset/kaudet.xlsx?fund=ESR")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Ohjelmakausi – Programme period", "Hankkeita – Projects", "Ei summattu – Not summed", "Myönnetty EU ja valtio – Granted EU and state")
    assert sorted(row[0] for row in rows[1:-1]) == ["2007-2013", "2014-2020"] and rows[-1][0] == "Yhteensä – Total"
    assert rows[1][3] >= rows[2][3]  # biggest granted first, by default
    by_label = {row[0]: row for row in rows[1:]}
    assert by_label["2007-2013"][3] == pytest.approx(esr_2007_granted(archive))
    assert isinstance(by_label["Yhteensä – Total"][3], (int, float)) and isinstance(by_label["2007-2013"][1], int)
    csv_text = get(datasette, "/esr/vastaukset/kaudet.csv?fund=ESR").text
    assert csv_text.splitlines()[0].startswith("label,projects,not_summed,eu_state_granted")


def test_an_unknown_answer_is_a_404(datasette):
    get(datasette, "/esr/vastaukset/nope", status=404)
    assert "Myönnetty ja toteutunut rahoitus maakunnittain" in get(datasette, "/esr/vastaukset").text


def test_canned_queries_forgive_an_en_dash_and_lower_case(datasette):
    canonical = get(datasette, "/esr/list_funding_by_priority_axis.json?period=2007-2013&fund=ESR&_shape=array").json()
    typed = get(datasette, "/esr/list_funding_by_priority_axis.json?period=2007%E2%80%932013&fund=esr&_shape=array").json()
    assert canonical and {(row["period"], row["fund"]) for row in canonical} == {("2007-2013", "ESR")}
    assert typed == canonical
