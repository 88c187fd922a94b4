"""Numbers, dates and codes as a Finnish reader writes them (plugins/finnish_formats.py, the
formats of parser/publish/labels.py): unit tests on hand-written values, then the archive's
own pages, whose JSON and CSV keep the machine values."""

from __future__ import annotations

import csv
import importlib.util
import io
import re

import pytest
from markupsafe import Markup

from parser.publish import labels
from tests.conftest import ROOT, client_get

NBSP = "\u00a0"


def _plugin():
    spec = importlib.util.spec_from_file_location("esr_finnish_formats", ROOT / "plugins" / "finnish_formats.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


formats = _plugin()


class Urls:
    """The part of ``datasette.urls`` the cells use, without a Datasette."""

    @staticmethod
    def database(name: str) -> str:
        return f"/{name}"


def cell(value, column, table="project_list", row=None):
    return formats.render_value(value, column, table, "esr", Urls(), row)


def text_of(markup) -> str:
    """The text a browser shows of a cell's HTML."""
    return re.sub(r"<[^>]+>", "", str(markup)).replace("&amp;", "&")


# ------------------------------------------------------------------------------- the formats


def test_the_formats_of_the_brief():
    assert labels.cell_text(labels.cell_format("eu_state_granted"), 355153370.0) == f"355{NBSP}153{NBSP}370{NBSP}€"
    assert labels.cell_text(labels.cell_format("eu_state_realisation_rate"), 0.9606) == f"96,1{NBSP}%"
    assert labels.cell_text(labels.cell_format("start_date"), "2009-07-01") == "1.7.2009"
    assert labels.cell_text(labels.cell_format("projects"), 1234) == f"1{NBSP}234"


def test_amounts_keep_their_cents_and_match_labels_euros():
    # The 2014-2020 snapshot has cents: they are shown, not rounded away.
    assert labels.euro_amount(296461.37) == f"296{NBSP}461,37{NBSP}€"
    assert labels.euro_amount(0.5) == f"0,50{NBSP}€"
    assert labels.euro_amount(-1084178.0) == f"-1{NBSP}084{NBSP}178{NBSP}€"
    # Whole euros are written exactly as labels.euros writes them (the project pages).
    for value in (0, 7, 458937, 355153370.0, 2985951604):
        assert labels.euro_amount(value) == labels.euros(value)


def test_decimal_numbers_keep_every_digit():
    assert labels.decimal_number(1234.5) == f"1{NBSP}234,5"
    assert labels.decimal_number(0.1234) == "0,1234"
    assert labels.decimal_number(-0.25) == "-0,25"
    assert labels.decimal_number(7.0) == "7"
    assert labels.decimal_number(1e-7) == "1e-07"
    assert labels.decimal_number(None) is None


@pytest.mark.parametrize(
    ("column", "table", "kind"),
    [
        ("eu_state_granted", None, "euros"), ("eu_state_realised", "projects", "euros"),
        ("public_planned", None, "euros"), ("public_realised", None, "euros"), ("total_planned", None, "euros"),
        ("eu_realised", None, "euros"), ("eu_state_gap", None, "euros"), ("other_realised", None, "euros"),
        ("eu_state_realisation_rate", None, "percent"), ("realisation", None, "percent"),
        ("start_date", None, "date"), ("end_date", None, "date"), ("list_date", None, "date"),
        ("fetched_at", None, "moment"), ("time", "fetch_log", "moment"),
        ("projects", None, "count"), ("implementer_projects", None, "count"),
        # An indicator's planned and realised values are people and jobs, not euros.
        ("planned", "indicators", "count"), ("realised_women", "indicators", "count"),
        ("code", None, None), ("year", "municipalities", None), ("position", None, None), ("time", None, None),
    ],
)  # fmt: skip
def test_which_columns_are_money_rates_dates_and_counts(column, table, kind):
    assert labels.cell_format(column, table) == kind


# ------------------------------------------------------------------------------- render_cell


def test_money_rates_dates_and_counts_as_cells():
    amount = cell(355153370.0, "eu_state_granted")
    assert isinstance(amount, Markup)
    assert text_of(amount) == f"355{NBSP}153{NBSP}370{NBSP}€"
    assert 'class="esr-num esr-euros"' in amount
    assert text_of(cell(0.9606, "public_realisation_rate", None)) == f"96,1{NBSP}%"
    date = cell("2009-07-01", "start_date")
    assert text_of(date) == "1.7.2009" and 'title="2009-07-01"' in date  # the ISO value in the tooltip
    assert text_of(cell(17165, "projects", None)) == f"17{NBSP}165"
    assert text_of(cell("2026-11-01T08:05:00+00:00", "fetched_at", "document_versions")) == "1.11.2026 klo 8.05 UTC"
    assert text_of(cell("2015-12-31", "observed_on", "project_observations")) == "31.12.2015"  # a list's date
    assert cell("2026-11-01T08:05:00+02:00", "fetched_at", "document_versions") is None  # not UTC: as written
    assert text_of(cell(1234.5, "list_value", "discrepancies", row={"field": "status"})) == f"1{NBSP}234,5"


def test_a_value_follows_the_kind_its_row_names():
    # discrepancies / project_changes: the value columns hold what their row's field names.
    row = {"field": "eu_state_granted", "description_value": 458937, "list_value": 296461.0}
    assert text_of(cell(458937, "description_value", "discrepancies", row)) == f"458{NBSP}937{NBSP}€"
    assert text_of(cell("2009-07-01", "old_value", "project_changes", {"field": "start_date"})) == "1.7.2009"
    assert cell("Toiminta päättynyt", "old_value", "project_changes", {"field": "status"}) is None


def test_empty_and_other_values_are_left_to_datasette():
    assert cell(None, "eu_state_granted") is None  # Datasette shows an empty cell
    assert cell("", "start_date") is None
    assert cell("ei tiedossa", "eu_state_granted") is None  # text in an amount column: as it is
    assert cell("1.7.2009", "start_date") is None  # not an ISO date: as it is
    assert cell("2009-07-01 tai myöhemmin", "start_date") is None  # more than a date: nothing is cut
    assert cell("Kuopio", "name") is None
    assert cell(2013, "year", "municipalities") is None  # a year is no count: 2013, not 2 013
    assert cell(True, "projects", None) is None
    assert cell({"value": "S10962", "label": "ATTE"}, "project_code", "project_areas") is None  # Datasette's own link
    assert cell(b"\x00", "raw") is None


def test_codes_and_business_ids_link_to_their_pages():
    code = cell("S10962", "code", "project_list")
    assert code == Markup('<a class="esr-project-link" href="/esr/projects/S10962">S10962</a>')
    assert 'href="/esr/projects/S20334"' in cell("S20334", "project_code", "discrepancies")
    assert 'href="/esr/projects/S10962"' in cell("S10962", "code", None)  # a query's column
    assert cell("297", "code", "project_areas") is None  # a municipality's code
    assert cell("municipality_not_matched", "code", None) is None  # a warning's code (warnings_by_kind)
    assert cell("duplicate_project", "code", "parse_warnings") is None
    bid = cell("0171450-7", "implementer_business_id", "project_index")
    assert bid == Markup('<a class="esr-organisation-link" href="/esr/organisations/0171450-7">0171450-7</a>')
    assert cell("Kuopion kaupunki", "business_id", "organisation_index") is None


def test_markup_in_values_is_escaped():
    hostile = '<script>alert("x")</script>'
    for column in ("eu_state_granted", "start_date", "code", "business_id", "name", "list_value"):
        rendered = cell(hostile, column, "project_list", {"field": "start_date"})
        assert rendered is None or "<script>" not in str(rendered)
    # A formatted value is one span around escaped text.
    assert str(cell("2009-07-01", "start_date")) == '<span class="esr-num esr-date" title="2009-07-01">1.7.2009</span>'
    # A project code's tooltip and href are escaped (the pattern admits only letters and digits anyway).
    assert cell('S1"><b>', "code") is None


# ------------------------------------------------------------------------------- the templates' helpers


def test_finnish_column_titles():
    metadata = {"databases": {"esr": {"tables": {
        "project_list": {"columns": {"code": "«Koodi»: esim. S10962. — Code.", "raw": "Rivi sellaisenaan. — Raw."}},
        "organisation_index": {"columns": {"eu_state_granted": "eu_state_granted = summa. — Sum."}},
    }}}}  # fmt: skip
    title = formats.finnish_column_title
    assert title(metadata, "esr", "project_list", "eu_state_granted") == "Myönnetty EU- ja valtion rahoitus"
    assert title(metadata, "esr", "project_list", "code") == "Koodi"
    assert title(metadata, "esr", "project_list", "raw") == "Rivi sellaisenaan"
    assert title(metadata, "esr", None, "flagged") == "Epävarmoja listarivejä"  # a query's own column
    assert title(metadata, "esr", None, "raw") == "Rivi sellaisenaan"  # from any table
    assert title(metadata, "esr", "warnings_by_kind", "code") == "Varoituksen tunnus"
    assert title(metadata, "esr", None, "no_such_column") is None
    assert formats.finnish_part("Hankkeet — projects") == "Hankkeet"
    assert formats.english_part("Hankkeet — projects") == "projects"
    assert formats.number(22821) == f"22{NBSP}821" and formats.number(None) == ""


def test_the_finnish_description_of_a_table_page():
    from datasette.filters import Filters
    from datasette.utils import MultiParams

    metadata = {"databases": {"esr": {"tables": {}}}}
    args = MultiParams({"_search": ["nuoret"], "fund": ["ESR"], "eu_state_granted__gte": ["100000"], "_sort_desc": ["start_date"]})
    filters = Filters([("fund", "ESR"), ("eu_state_granted__gte", "100000")])
    text = formats.describe_fi(metadata, "esr", "project_list", filters, args)
    assert text == (
        "haulla ”nuoret”, joilla Rahasto = ”ESR” ja Myönnetty EU- ja valtion rahoitus ≥ ”100000”; "
        "järjestys: Alkamispäivä, laskeva"
    )
    assert formats.after_count(text).startswith(" haulla")
    only_sort = formats.describe_fi(metadata, "esr", "project_list", Filters([]), MultiParams({"_sort": ["code"]}))
    assert formats.after_count(only_sort) == ", järjestys: Hankekoodi"  # no metadata: the query title
    assert formats.describe_fi(metadata, "esr", "project_list", Filters([]), MultiParams({})) == ""


# ------------------------------------------------------------------------------- the pages


def test_html_tables_show_finnish_numbers_and_json_csv_keep_machine_values(datasette):
    html = client_get(datasette, "/esr/project_list?code=S10962")
    assert html.status_code == 200
    page = html.text
    assert f"560{NBSP}897{NBSP}€" in page and "1.7.2009" in page and "31.12.2015" in page
    assert 'href="/esr/projects/S10962"' in page  # the key links to the project's page too
    rows = client_get(datasette, "/esr/project_list.json?code=S10962&_shape=array").json()
    assert rows[0]["eu_state_granted"] == 560897 and rows[0]["start_date"] == "2009-07-01"
    as_csv = list(csv.DictReader(io.StringIO(client_get(datasette, "/esr/project_list.csv?code=S10962").text)))
    assert as_csv[0]["eu_state_granted"] in ("560897", "560897.0") and as_csv[0]["start_date"] == "2009-07-01"


def test_query_results_show_finnish_numbers(datasette):
    page = client_get(datasette, "/esr/list_funding_by_period")
    assert page.status_code == 200
    assert f"1{NBSP}760{NBSP}839{NBSP}262{NBSP}€" in page.text  # 2007-2013 EAKR granted
    assert re.search(r"\d\d,\d" + NBSP + "%", page.text)  # a realisation rate
    assert f"17{NBSP}165" in page.text  # projects
    rows = client_get(datasette, "/esr/list_funding_by_period.json?_shape=array").json()
    assert rows[0]["eu_state_granted"] == 1760839262.0 and 0 < rows[0]["eu_state_realisation_rate"] < 1


def test_headers_carry_the_finnish_title_above_the_column_name(datasette):
    page = client_get(datasette, "/esr/project_list").text
    assert '<span class="esr-col-fi">Myönnetty EU- ja valtion rahoitus</span><span class="esr-col-name">eu_state_granted</span>' in page
    query = client_get(datasette, "/esr/list_funding_by_period").text
    assert '<span class="esr-col-fi">Toteutumisaste: EU- ja valtion rahoitus</span>' in query


@pytest.mark.parametrize(
    "text, plain",
    [
        ("1 000 000 €", "1000000"),
        ("1\u00a0000\u00a0000\u00a0€", "1000000"),  # as euros() writes it
        ("296\u202f461,37", "296461.37"),
        ("\u22122,5", "-2.5"),
        ("+5", "+5"),
        (" 42 ", "42"),
        ("1 00 000", None),  # not groups of three
        ("12,5 %", None),  # a percentage is a share, stored as 0.125
        ("1e3", None),
        ("abc", None),
        ("", None),
    ],
)
def test_a_number_as_the_pages_write_it_is_read_back_as_sqlite_reads_one(text, plain):
    assert labels.plain_number(text) == plain
