"""The published pages, server-side: the funding dashboard (dashboards.yml) and the project page
(templates/row-esr-projects.html with plugins/project_page.py), through Datasette's test client
and, for each chart, its SQL run straight against the archive with every combination of the
filters.

Expected figures are the sample documents' own (corpus/*.txt, section "Projektin julkinen
rahoitus"), queries written here independently of the charts' SQL, or sums computed here in
Python from the rows of ``project_index``. The browser tests are in test_browser.py and
test_map.py.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import sqlite3
import urllib.parse
from pathlib import Path

import pytest
from datasette_dashboards import replace_opts_in_query

from parser.publish import load_metadata

from .conftest import ROOT, client_get

SLUG = "rahoitus"
CHARTS = ["lahteet", "kartta-maakunnat", "kartta-kunnat", "maakunnat", "paikan-peruste", "viranomaiset", "toteutuminen",
          "vuodet", "jakauma"]
SQL_CHARTS = [name for name in CHARTS if name != "lahteet"]
MAPS = ["kartta-maakunnat", "kartta-kunnat"]
PERIODS = ["2007-2013", "2014-2020", "2021-2027"]
FUNDS = ["ESR", "EAKR"]
#: Every combination of the two filters, each either empty or one of its values.
FILTER_SETS = [
    {key: value for key, value in (("period", period), ("fund", fund)) if value}
    for period, fund in itertools.product([None, *PERIODS], [None, *FUNDS])
]


def ids(filters: dict) -> str:
    return ",".join(f"{k}={v}" for k, v in filters.items()) or "none"


# The four figures of each sample description (granted, realised EU and state; planned, realised public).
SAMPLE_FUNDING = {
    "S10673": (170000, 162158, 204820, 196299),
    "S10962": (560897, 517750, 640962, 593048),
    "S20334": (458937, 348690, 655623, 498128),
    "S21736": (323626, 316345, 374194, 366952),
}
#: Municipalities merged between 2013 and 2023: the old code and the 2023 municipality it is part
#: of (Statistics Finland's key; checked on the boundaries in test_map.py).
MERGED_BY_2023 = {"099": "214", "164": "301", "174": "297", "283": "098", "319": "783", "413": "609", "442": "051",
                  "476": "297", "532": "398", "838": "423", "911": "541"}


get = client_get


@pytest.fixture(scope="module")
def dashboard() -> dict:
    return load_metadata(ROOT)["plugins"]["datasette-dashboards"][SLUG]


@pytest.fixture(scope="module")
def conn(built_archive):
    connection = sqlite3.connect(f"file:{built_archive}?mode=ro", uri=True)
    connection.row_factory = sqlite3.Row
    yield connection
    connection.close()
    _CHART_ROWS.clear()  # keyed by this connection's id


@pytest.fixture(scope="module")
def index_rows(conn) -> list[dict]:
    return [dict(row) for row in conn.execute("select * from project_index")]


@pytest.fixture(scope="module")
def flagged(conn) -> set[str]:
    return {code for (code,) in conn.execute("select code from project_list where flag is not null")}


#: Each chart's rows for each set of filters, run once: the archive is read only and many tests
#: here ask for the same chart with the same filters (each query takes up to a tenth of a second).
_CHART_ROWS: dict[tuple, list[dict]] = {}


def chart_rows(conn, dashboard, chart: str, **filters) -> list[dict]:
    """A chart's rows as the dashboard gets them: optional blocks resolved, filters bound (a
    fresh copy of the rows each call)."""
    sql = replace_opts_in_query(dashboard["charts"][chart]["query"], filters)
    key = (id(conn), sql, tuple(sorted(filters.items())))
    if key not in _CHART_ROWS:
        _CHART_ROWS[key] = [dict(row) for row in conn.execute(sql, filters)]
    return [dict(row) for row in _CHART_ROWS[key]]


def selected(index_rows, flagged, filters: dict) -> list[dict]:
    """The projects a filter selects, computed without the charts' SQL: the fund (ESR when the
    filter is empty), the period (all when empty), and never a flagged list row unless a
    description gives the project's figures."""
    fund = filters.get("fund") or "ESR"
    period = filters.get("period") or None
    return [
        row for row in index_rows
        if row["fund"] == fund and (period is None or row["period"] == period)
        and (row["code"] not in flagged or row["values_from"] == "description")
    ]


def total(rows, column: str) -> float:
    return sum(row[column] or 0 for row in rows)


def queries_in(page: str) -> dict[str, str]:
    """The chart queries a dashboard page gives the browser (``renderChart('id', {json}, …)``)."""
    found = re.findall(r"renderChart\('([^']+)', (\{.*?\}), '", page)
    return {slug: json.loads(spec).get("query", "") for slug, spec in found}


def authority(name: str | None) -> str:
    """The chart's reading of an authority's name (``project_index.authority`` is normalised)."""
    return (name or "(ei tiedossa)").replace("elinkeino-, liikenne- ja ympäristökeskus", "ELY-keskus")


# --- the configuration ---------------------------------------------------------------------------


def test_dashboard_is_declared_with_its_charts_and_filters(dashboard):
    assert "Rahoitus" in dashboard["title"] or "rahoitus" in dashboard["title"]
    assert "funding" in dashboard["title"].lower()
    assert list(dashboard["charts"]) == CHARTS
    assert set(dashboard["filters"]) == {"period", "fund"}
    assert dashboard["filters"]["period"]["options"] == PERIODS
    assert dashboard["filters"]["fund"]["options"] == FUNDS
    assert all(f["type"] == "select" for f in dashboard["filters"].values())
    for row in dashboard["layout"]:
        assert set(row) <= set(CHARTS)
    assert {name for row in dashboard["layout"] for name in row} == set(CHARTS)


def test_fund_is_esr_by_default(dashboard):
    fund = dashboard["filters"]["fund"]
    # datasette-dashboards 0.8 redirects a bare address to the defaults…
    assert fund["default"] == "ESR"
    assert "period" not in dashboard["filters"] or not dashboard["filters"]["period"].get("default")
    # …and the SQL reads an empty or absent fund as ESR, as the filter's name says.
    assert "tyhjä = ESR" in fund["name"] and "empty = ESR" in fund["name"]
    assert "tyhjä = kaikki" in dashboard["filters"]["period"]["name"]


def test_every_query_reads_the_filters_the_same_way(dashboard):
    """One prelude (the filters, the selected projects) begins every query, so a fix to the
    selection is a fix to every chart."""
    preludes = set()
    for chart in SQL_CHARTS:
        query = dashboard["charts"][chart]["query"]
        prelude = query[: query.index("\n)", query.index("hankkeet AS (")) + 2]
        preludes.add(prelude)
        assert "FROM project_index i" in prelude
        assert "l.flag IS NOT NULL" in prelude and "values_from = 'description'" in prelude
        assert "coalesce(NULL [[ , :fund ]], 'ESR')" in prelude
        assert "coalesce(NULL, NULL [[ , :period ]])" in prelude
    assert len(preludes) == 1


@pytest.mark.parametrize("chart", SQL_CHARTS)
def test_chart_is_vega_lite_on_the_archive_with_both_filters(dashboard, chart):
    spec = dashboard["charts"][chart]
    assert spec["library"] == "vega-lite"
    assert spec["db"] == "esr"
    assert "data" not in spec["display"], "the rows come from the query; only the boundaries have their own URL"
    query = spec["query"]
    blocks = re.findall(r"\[\[.*?\]\]", query)
    for name in ("period", "fund"):
        assert any(f":{name}" in block for block in blocks), f"{chart} has no optional block for {name}"
    # datasette-dashboards finds a block only on one line, and takes its first :name.
    assert query.count("[[") == len(blocks)
    for block in blocks:
        assert len(set(re.findall(r":([a-z_]+)", block))) == 1
    # A named parameter outside a block would be unbound when its filter is empty.
    assert not re.findall(r":(?:period|fund)\b", re.sub(r"\[\[.*?\]\]", "", query))


@pytest.mark.parametrize("chart", SQL_CHARTS)
def test_chart_fits_a_phone(dashboard, chart):
    """400 px wide: the chart fits its card (autosize fit) and its legends stand below it, one
    entry a line, within the card's width."""
    display = dashboard["charts"][chart]["display"]
    assert display["autosize"]["type"] in {"fit", "fit-x"} and display["autosize"]["contains"] == "padding"
    legend = display["config"]["legend"]
    assert legend["orient"] == "bottom"
    assert legend["labelLimit"] <= 330 and legend["titleLimit"] <= 330
    assert legend["direction"] == "horizontal" and chart in MAPS or legend.get("columns") == 1
    text = json.dumps(display)
    assert '"orient": "top"' not in text and '"orient": "right"' not in text


def test_no_chart_loads_anything_remote(dashboard):
    text = json.dumps(dashboard)
    urls = re.findall(r"https?://[^\s\"']+", text)
    # The only addresses are the JSON schemas' identifiers, which vega-embed reads, never fetches.
    assert all(url.startswith("https://vega.github.io/schema/vega-lite/") for url in urls), urls
    # The maps' boundaries are the archive's own files.
    local = re.findall(r'"url": "([^"]+)"', text)
    assert local and all(url.startswith("/static/geo/") for url in local), local
    for url in set(local):
        assert (ROOT / url.lstrip("/")).is_file(), url
    for chart in dashboard["charts"].values():
        assert chart.get("library") != "map", "a map would load tiles from openstreetmap.org"


@pytest.mark.parametrize("chart", MAPS)
def test_maps_credit_the_boundaries(dashboard, chart):
    display = dashboard["charts"][chart]["display"]
    assert "Rajat: Maanmittauslaitos, CC BY 4.0" in display["description"]
    assert display["title"] == "Rajat: Maanmittauslaitos, CC BY 4.0"  # drawn under the map
    assert display["projection"]["type"] == "transverseMercator"


# --- the pages ----------------------------------------------------------------------------------


def test_dashboard_list_names_the_dashboard(datasette, dashboard):
    response = get(datasette, "/-/dashboards")
    assert response.status_code == 200
    assert f'/-/dashboards/{SLUG}"' in response.text
    assert html.escape(dashboard["title"]) in response.text


def test_bare_dashboard_address_shows_esr(datasette):
    response = get(datasette, f"/-/dashboards/{SLUG}")
    assert response.status_code == 302
    assert response.headers["location"] == f"/-/dashboards/{SLUG}?fund=ESR"


def test_dashboard_page(datasette, dashboard):
    response = get(datasette, f"/-/dashboards/{SLUG}?fund=ESR")
    assert response.status_code == 200
    page = response.text
    assert f"<h1>{html.escape(dashboard['title'])}</h1>" in page
    for chart in CHARTS:
        assert f'id="card-{chart}"' in page
        assert f'id="chart-{chart}"' in page
    for chart in SQL_CHARTS:
        assert f"renderChart('{chart}'" in page
    # Each filter is named by its legend for a screen reader too (WCAG 2.1: every field has a name).
    for key in ("period", "fund"):
        assert f'<select id="{key}" name="{key}" aria-label="{html.escape(dashboard["filters"][key]["name"])}">' in page
    assert 'aria-label="Ohjelmakausi – Programme period' in page
    for period in PERIODS:
        assert f'<option value="{period}" >' in page
    assert '<option value="ESR" selected>' in page and '<option value="EAKR" >' in page
    # The markdown card is rendered on the server.
    assert "Lähteet." in page and "Sources." in page
    # The fund's block is kept, the empty period's is gone.
    queries = queries_in(page)
    assert set(queries) == set(CHARTS)
    for chart in SQL_CHARTS:
        assert "[[" not in queries[chart] and ":period" not in queries[chart]
        assert "coalesce(NULL  , :fund , 'ESR')" in queries[chart] and "coalesce(NULL, NULL )" in queries[chart]


def test_dashboard_scripts_are_served_from_the_package(datasette):
    page = get(datasette, f"/-/dashboards/{SLUG}?fund=ESR").text
    sources = re.findall(r'<script[^>]*\ssrc="([^"]+)"', page)
    links = re.findall(r'<link[^>]*\shref="([^"]+)"', page)
    assert sources
    for url in sources + links:
        assert not re.match(r"(https?:)?//", url), f"remote resource: {url}"
    for name in ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js", "dashboards.js"):
        url = f"/-/static-plugins/datasette_dashboards/{name}"
        assert url in sources
        response = get(datasette, url)
        assert response.status_code == 200
        assert len(response.content) > 1000
    for url in sources + links:
        assert get(datasette, url).status_code == 200, url


def test_boundaries_are_served(datasette, dashboard):
    for url in sorted(set(re.findall(r'"url": "([^"]+)"', json.dumps(dashboard)))):
        response = get(datasette, url)
        assert response.status_code == 200, url
        assert response.json()["type"] == "FeatureCollection"


def test_filtered_dashboard_keeps_its_blocks_and_the_config_is_not_changed(datasette, dashboard):
    filtered = get(datasette, f"/-/dashboards/{SLUG}?period=2014-2020&fund=ESR").text
    for query in [q for c, q in queries_in(filtered).items() if c != "lahteet"]:
        assert "coalesce(NULL, NULL  , :period )" in query and "coalesce(NULL  , :fund , 'ESR')" in query
    assert '<option value="2014-2020" selected>' in filtered
    # datasette-dashboards rewrites the chart queries in place: a filtered request must not
    # change what the next request sees.
    again = get(datasette, f"/-/dashboards/{SLUG}?fund=").text
    assert all(":period" not in q and ":fund" not in q for q in queries_in(again).values())
    only_period = get(datasette, f"/-/dashboards/{SLUG}?period=2007-2013").text
    assert all(":period" in q and ":fund" not in q for c, q in queries_in(only_period).items() if c != "lahteet")
    # No fund in the address: the select shows ESR, which the SQL's own default means.
    assert '<option value="ESR" selected>' in only_period


@pytest.mark.parametrize("chart", SQL_CHARTS)
def test_chart_page(datasette, chart):
    response = get(datasette, f"/-/dashboards/{SLUG}/{chart}?fund=EAKR")
    assert response.status_code == 200
    # The one-chart page draws into #chart-<dashboard> with the chart's own query, filtered.
    assert f"renderChart('{SLUG}'" in response.text
    assert ":fund" in response.text and ":period" not in response.text


@pytest.mark.parametrize("filters", FILTER_SETS, ids=ids)
@pytest.mark.parametrize("chart", SQL_CHARTS)
def test_chart_data_as_the_browser_fetches_it(datasette, conn, dashboard, chart, filters):
    """dashboards.js fetches /esr.json?sql=<query>&<filters>&_shape=objects: same rows as SQLite."""
    sql = replace_opts_in_query(dashboard["charts"][chart]["query"], filters)
    query = urllib.parse.urlencode({"sql": sql, **filters, "_shape": "objects"})
    response = get(datasette, f"/esr.json?{query}")
    assert response.status_code == 200, response.text[:500]
    data = response.json()
    assert not data.get("truncated")
    assert data["rows"] == chart_rows(conn, dashboard, chart, **filters)


@pytest.mark.parametrize("chart", SQL_CHARTS)
def test_an_empty_fund_means_esr(conn, dashboard, chart):
    for period in [None, *PERIODS]:
        base = {"period": period} if period else {}
        esr = chart_rows(conn, dashboard, chart, **base, fund="ESR")
        assert chart_rows(conn, dashboard, chart, **base) == esr
        assert chart_rows(conn, dashboard, chart, **base, fund="") == esr
        if period != "2021-2027":
            assert chart_rows(conn, dashboard, chart, **base, fund="EAKR") != esr


# --- the charts' figures -------------------------------------------------------------------------


def test_esr_2007_2013_project_count_by_hand(conn, dashboard):
    """Written as its own query: no 2007–2013 list row is flagged, so every project counts."""
    (expected,) = conn.execute("select count(*) from project_index where fund = 'ESR' and period = '2007-2013'").fetchone()
    assert expected == 2775
    filters = {"period": "2007-2013", "fund": "ESR"}
    assert sum(r["hankkeita"] for r in chart_rows(conn, dashboard, "viranomaiset", **filters) if r["rahoitus"].startswith("Myönnetty")) == expected
    assert sum(r["hankkeita"] for r in chart_rows(conn, dashboard, "vuodet", **filters) if r["rahoitus"].startswith("Myönnetty")) == expected
    assert sum(r["hankkeita"] for r in chart_rows(conn, dashboard, "maakunnat", **filters)) == expected
    assert sum(r["hankkeita"] for r in chart_rows(conn, dashboard, "paikan-peruste", **filters)) == expected
    assert chart_rows(conn, dashboard, "kartta-maakunnat", **filters)[0]["kaikki_hankkeita"] == expected
    assert chart_rows(conn, dashboard, "kartta-kunnat", **filters)[0]["kaikki_hankkeita"] == expected


@pytest.mark.parametrize("filters", FILTER_SETS, ids=ids)
def test_every_chart_counts_the_selected_projects(conn, dashboard, index_rows, flagged, filters):
    projects = selected(index_rows, flagged, filters)
    n, granted, realised = len(projects), total(projects, "eu_state_granted"), total(projects, "eu_state_realised")
    for chart in ("viranomaiset", "vuodet"):
        rows = chart_rows(conn, dashboard, chart, **filters)
        assert sum(r["hankkeita"] for r in rows if r["rahoitus"].startswith("Myönnetty")) == n, chart
        assert abs(sum(r["euroa"] for r in rows if r["rahoitus"].startswith("Myönnetty")) - granted) <= len(rows), chart
        assert abs(sum(r["euroa"] for r in rows if r["rahoitus"].startswith("Toteutunut")) - realised) <= len(rows), chart
    for chart in ("maakunnat", "paikan-peruste"):
        rows = chart_rows(conn, dashboard, chart, **filters)
        assert sum(r["hankkeita"] for r in rows) == n, chart
        assert abs(sum(r["myonnetty"] for r in rows) - granted) <= len(rows), chart
    for chart in MAPS:
        first = chart_rows(conn, dashboard, chart, **filters)[0]
        assert first["kaikki_hankkeita"] == n
        assert first["kaikki_myonnetty"] == pytest.approx(granted)
        assert first["kaikki_toteutunut"] == pytest.approx(realised)


def region_codes(conn) -> dict[str, str]:
    return {name: code for name, code in conn.execute("select distinct region_fi, region_code from municipalities")}


def placed_region(conn, names, row) -> str | None:
    """The one region a project is put in on the map, written again in Python: a described
    region's code, or the code of the proxy region's name; None for anything else."""
    if row["region_kind"] != "region":
        return None
    if row["region_source"] == "description":
        codes = [c for (c,) in conn.execute("select code from project_areas where project_code = ? and level = 'region' and code is not null", [row["code"]])]
        if codes:
            return min(codes)
    return names.get(row["region"])


@pytest.mark.parametrize("filters", FILTER_SETS, ids=ids)
def test_region_money_and_proxy_money_add_up_to_the_national_total(conn, dashboard, index_rows, flagged, filters):
    projects = selected(index_rows, flagged, filters)
    names = region_codes(conn)
    rows = chart_rows(conn, dashboard, "kartta-maakunnat", **filters)
    assert [r["maakuntakoodi"] for r in rows] == sorted({c for c in names.values()})
    assert len(rows) == 19
    first = rows[0]
    for measure, column in (("hankkeita", None), ("myonnetty", "eu_state_granted"), ("toteutunut", "eu_state_realised")):
        national = len(projects) if column is None else total(projects, column)
        on_map = sum(r[measure] for r in rows)
        parts = [first[f"{part}_{measure}"] for part in ("kuvaus", "valitieto", "suuralue", "valtakunnallinen", "muu")]
        assert sum(parts) == pytest.approx(national), measure
        assert first[f"kaikki_{measure}"] == pytest.approx(national)
        assert abs(on_map - (parts[0] + parts[1])) <= len(rows), measure
        assert on_map <= national + len(rows)
        assert abs(sum(r[f"{measure}_kuvaus"] for r in rows) - parts[0]) <= len(rows)
    # Each region's figures, independently: only projects placed in that one region.
    expected: dict[str, list] = {}
    for project in projects:
        code = placed_region(conn, names, project)
        if code is not None:
            figures = expected.setdefault(code, [0, 0.0, 0, 0.0])
            figures[0] += 1
            figures[1] += project["eu_state_granted"] or 0
            if project["region_source"] == "description":
                figures[2] += 1
                figures[3] += project["eu_state_granted"] or 0
    for row in rows:
        n, granted, n_described, described = expected.get(row["maakuntakoodi"], [0, 0, 0, 0])
        assert (row["hankkeita"], row["myonnetty"], row["hankkeita_kuvaus"], row["myonnetty_kuvaus"]) == (
            n, round(granted), n_described, round(described)), row["maakunta"]
    # The chart of funding by place adds up to the same national total, regions first.
    places = chart_rows(conn, dashboard, "maakunnat", **filters)
    assert abs(sum(r["myonnetty"] for r in places) - total(projects, "eu_state_granted")) <= len(places)
    order = [r["jarjestys"] for r in places]
    assert order == sorted(order)
    seen_area = False
    for row in places:
        is_region = row["paikka"] in names
        assert not (seen_area and is_region), "regions come before the areas and the whole country"
        seen_area = seen_area or not is_region
    shares = chart_rows(conn, dashboard, "paikan-peruste", **filters)
    if projects and total(projects, "eu_state_granted"):
        assert sum(r["osuus"] for r in shares) == pytest.approx(1)
        assert sum(r["osuus_hankkeista"] for r in shares) == pytest.approx(1)
    else:
        assert all(r["osuus"] is None for r in shares)


def test_region_map_by_hand(conn, dashboard):
    """Pohjois-Savo: S10962 (2007–2013, 560,897 €) and S20334 (2014–2020, 458,937 €) name it in
    their descriptions; the ESR projects of the regional council (Pohjois-Savon liitto) are
    placed there by a proxy, counted here by a query of their own; the large area Itä-Suomi is
    never counted in it."""
    by_code = {r["maakuntakoodi"]: r for r in chart_rows(conn, dashboard, "kartta-maakunnat")}
    savo = by_code["11"]
    n_proxy, proxy = conn.execute(
        "select count(*), sum(eu_state_granted) from project_index where fund = 'ESR' and authority = 'Pohjois-Savon liitto'"
    ).fetchone()
    assert (n_proxy, proxy) == (12, 2392432)
    assert (savo["maakunta"], savo["hankkeita_kuvaus"], savo["myonnetty_kuvaus"]) == ("Pohjois-Savo", 2, 560897 + 458937)
    assert savo["toteutunut_kuvaus"] == 517750 + 348690
    assert (savo["hankkeita"], savo["myonnetty"]) == (2 + n_proxy, 560897 + 458937 + proxy)
    assert "Itä-Suomi 2007–2013:" in savo["suuralueet"] and "Itä-Suomi 2014–2020:" in savo["suuralueet"]
    assert (by_code["15"]["myonnetty_kuvaus"], by_code["17"]["myonnetty_kuvaus"]) == (170000, 323626)
    # 2007–2013 only: S10962 and S10673.
    by_code = {r["maakuntakoodi"]: r for r in chart_rows(conn, dashboard, "kartta-maakunnat", period="2007-2013")}
    assert (by_code["11"]["myonnetty_kuvaus"], by_code["15"]["myonnetty_kuvaus"], by_code["17"]["myonnetty_kuvaus"]) == (560897, 170000, 0)
    assert "2014–2020" not in json.dumps(list(by_code.values()), ensure_ascii=False)
    # The descriptions are all ESR: EAKR has no described place.
    assert all(r["hankkeita_kuvaus"] == 0 for r in chart_rows(conn, dashboard, "kartta-maakunnat", fund="EAKR"))
    # 2021–2027 has no projects in this archive: every region 0, the shares empty.
    empty = chart_rows(conn, dashboard, "kartta-maakunnat", period="2021-2027")
    assert len(empty) == 19 and all(r["hankkeita"] == 0 and r["kaikki_hankkeita"] == 0 for r in empty)
    assert chart_rows(conn, dashboard, "paikan-peruste", period="2021-2027") == []


def test_funding_by_place_by_hand(conn, dashboard):
    rows = chart_rows(conn, dashboard, "maakunnat", period="2014-2020", fund="ESR")
    savo = {r["peruste"]: r for r in rows if r["paikka"] == "Pohjois-Savo"}
    assert savo == {"Kuvaus – description": {
        "paikka": "Pohjois-Savo", "peruste": "Kuvaus – description", "vari": "#2f855a", "maakuntakoodi": "11",
        "hankkeita": 1, "myonnetty": 458937, "toteutunut": 348690, "maakunnat": "Pohjois-Savo", "jarjestys": savo["Kuvaus – description"]["jarjestys"]}}
    areas = {r["paikka"]: r for r in rows if "suuralue" in r["paikka"]}
    assert set(areas) == {f"{a} (suuralue – large area)" for a in ("Etelä-Suomi", "Itä-Suomi", "Länsi-Suomi", "Pohjois-Suomi")}
    # 2014–2020 Itä-Suomi is Etelä-Savo, Pohjois-Savo and Pohjois-Karjala (Kainuu is Pohjois-Suomi's).
    assert areas["Itä-Suomi (suuralue – large area)"]["maakunnat"] == "Etelä-Savo, Pohjois-Savo, Pohjois-Karjala"
    assert all(r["peruste"] == "Välitieto: vastuuviranomainen – proxy: authority" for r in areas.values())
    assert rows[-1]["paikka"] == "Koko maa – whole country"
    old = {r["paikka"]: r for r in chart_rows(conn, dashboard, "maakunnat", period="2007-2013", fund="ESR") if "suuralue" in r["paikka"]}
    assert old["Itä-Suomi (suuralue – large area)"]["maakunnat"] == "Etelä-Savo, Pohjois-Savo, Pohjois-Karjala, Kainuu"
    assert {r["peruste"] for r in old.values()} == {"Välitieto: ohjelman osio – proxy: programme section"}


def test_share_of_money_with_a_real_place_by_hand(conn, dashboard, index_rows, flagged):
    rows = {r["jarjestys"]: r for r in chart_rows(conn, dashboard, "paikan-peruste", period="2014-2020", fund="ESR")}
    projects = selected(index_rows, flagged, {"period": "2014-2020", "fund": "ESR"})
    described = 458937 + 323626  # S20334 and S21736
    assert (rows[1]["hankkeita"], rows[1]["myonnetty"]) == (2, described)
    assert rows[1]["luokka"] == "Todellinen paikka – real place"
    assert rows[1]["osuus"] == pytest.approx(described / total(projects, "eu_state_granted"))
    assert {r["luokka"] for k, r in rows.items() if k > 2} <= {"Välitieto – proxy", "Ei tietoa – none"}


def test_municipality_map_by_hand(conn, dashboard):
    """S10962 (2007–2013) names Iisalmi, Siilinjärvi, Kuopio, Leppävirta and Suonenjoki, and the
    sub-region Koillis-Savo without any of its municipalities: Koillis-Savo is drawn as its
    municipalities of 2013 (Juankoski, Kaavi, Rautavaara, Tuusniemi). Nilsiä (merged into Kuopio)
    has no code and is not drawn. S20334 (2015) names Kuopio."""
    rows = chart_rows(conn, dashboard, "kartta-kunnat", period="2007-2013")
    assert len(rows) == 320 and {r["rajat"] for r in rows} == {2013}
    reached = {r["kunta"]: (r["hankkeita"], r["nimetty"], r["seutukunnan_kautta"], r["myonnetty"]) for r in rows if r["hankkeita"]}
    for name in ("Iisalmi", "Siilinjärvi", "Kuopio", "Leppävirta", "Suonenjoki"):
        assert reached[name] == (1, 1, 0, 560897), name
    for name in ("Juankoski", "Kaavi", "Rautavaara", "Tuusniemi"):
        assert reached[name] == (1, 0, 1, 560897), name
    assert reached["Vaasa"] == (1, 1, 0, 170000)  # S10673
    assert len(reached) == 9 + 15  # S10673 names 15 municipalities with a code (Vähäkyrö has none)
    assert rows[0]["kunnat_hankkeita"] == 2 and rows[0]["kunnat_myonnetty"] == 560897 + 170000
    # Both periods on the municipalities of 2023: Juankoski is part of Kuopio since 2017.
    rows = chart_rows(conn, dashboard, "kartta-kunnat")
    assert len(rows) == 309 and {r["rajat"] for r in rows} == {2023}
    by_name = {r["kunta"]: r for r in rows}
    assert "Juankoski" not in by_name
    kuopio = by_name["Kuopio"]
    assert (kuopio["hankkeita"], kuopio["nimetty"], kuopio["myonnetty"]) == (2, 2, 560897 + 458937)
    assert by_name["Oulu"]["hankkeita"] == 1 and by_name["Oulu"]["myonnetty"] == 323626
    assert rows[0]["kunnat_hankkeita"] == 4
    for filters in ({"period": "2014-2020"}, {"period": "2021-2027"}, {"fund": "EAKR"}):
        assert {r["rajat"] for r in chart_rows(conn, dashboard, "kartta-kunnat", **filters)} == {2023}
    assert all(r["hankkeita"] == 0 for r in chart_rows(conn, dashboard, "kartta-kunnat", fund="EAKR"))


def test_municipality_map_merges_are_the_keys(conn, dashboard):
    """The municipalities merged by 2023 are drawn on the municipality they became part of: the
    query's list is every code of 2013 missing in 2023, and the successor has the same region."""
    query = dashboard["charts"]["kartta-kunnat"]["query"]
    pairs = dict(re.findall(r"WHEN '(\d{3})' THEN '(\d{3})'", query))
    assert pairs == MERGED_BY_2023
    old = {c for (c,) in conn.execute("select municipality_code from municipalities where year = 2013")}
    new = {c for (c,) in conn.execute("select municipality_code from municipalities where year = 2023")}
    assert old - new == set(MERGED_BY_2023)
    assert set(MERGED_BY_2023.values()) <= new


@pytest.mark.parametrize("filters", FILTER_SETS, ids=ids)
def test_realisation_rate_is_total_realised_over_total_granted(conn, dashboard, index_rows, flagged, filters):
    sums: dict[tuple[str, str], list] = {}
    for project in selected(index_rows, flagged, filters):
        if (project["eu_state_granted"] or 0) > 0 and project["eu_state_realised"] is not None:
            key = (authority(project["authority"]), project["period"])
            s = sums.setdefault(key, [0, 0.0, 0.0, []])
            s[0] += 1
            s[1] += project["eu_state_granted"]
            s[2] += project["eu_state_realised"]
            s[3].append(project["eu_state_realised"] / project["eu_state_granted"])
    rows = chart_rows(conn, dashboard, "toteutuminen", **filters)
    got = {(r["viranomainen"], r["kausi"][:9].replace("–", "-")): r for r in rows}
    assert set(got) == set(sums)
    differs = 0
    for key, (n, granted, realised, rates) in sums.items():
        row = got[key]
        assert row["hankkeita"] == n
        assert row["aste"] == pytest.approx(realised / granted)
        assert (row["myonnetty"], row["toteutunut"]) == (round(granted), round(realised))
        differs += abs(sum(rates) / n - realised / granted) > 1e-6
    if len(sums) > 5:
        assert differs, "the mean of the projects' rates would give other figures"


def test_realisation_rate_by_hand(conn, dashboard):
    rows = chart_rows(conn, dashboard, "toteutuminen", period="2014-2020")
    (granted, realised, n), = conn.execute(
        "select sum(eu_state_granted), sum(eu_state_realised), count(*) from project_index where fund = 'ESR' and period = '2014-2020' "
        "and authority = 'Etelä-Savon elinkeino-, liikenne- ja ympäristökeskus' and eu_state_granted > 0 and eu_state_realised is not null "
        "and code not in (select code from project_list where flag is not null)"
    ).fetchall()
    row = next(r for r in rows if r["viranomainen"] == "Etelä-Savon ELY-keskus")
    assert row["aste"] == pytest.approx(realised / granted) and row["hankkeita"] == n
    assert row["aste"] < 0.5  # the snapshot of about 2016: most realised money still to come


def test_caveats_follow_the_filters(conn, dashboard):
    """The 2014–2020 snapshot's caveat is in the data exactly when its figures are selected."""
    def text(**filters):
        return json.dumps([chart_rows(conn, dashboard, c, **filters) for c in SQL_CHARTS], ensure_ascii=False)
    assert "2016" not in text(period="2007-2013") and "2016" not in text(period="2007-2013", fund="EAKR")
    assert "2016" not in text(period="2021-2027")
    for filters in ({}, {"period": "2014-2020"}, {"fund": "EAKR"}, {"period": "2014-2020", "fund": "EAKR"}):
        labels = {r["rahoitus"] for r in chart_rows(conn, dashboard, "viranomaiset", **filters)}
        assert labels == {"Myönnetty – granted", "Toteutunut – realised (2014–2020: n. 2016 – c. 2016)"}, filters
        periods = {r["kausi"] for r in chart_rows(conn, dashboard, "toteutuminen", **filters)}
        assert "2014–2020 (n. 2016, ei lopullinen – not final)" in periods
        assert {r["kausi"] for r in chart_rows(conn, dashboard, "jakauma", **filters)} == periods
    labels = {r["rahoitus"] for r in chart_rows(conn, dashboard, "vuodet", period="2007-2013")}
    assert labels == {"Myönnetty – granted", "Toteutunut – realised"}
    assert {r["kausi"] for r in chart_rows(conn, dashboard, "toteutuminen", period="2007-2013")} == {"2007–2013"}
    # The chart titles say nothing of one period's snapshot.
    for chart in dashboard["charts"].values():
        assert "2016" not in chart.get("title", "")


def test_funding_2007_2013_adds_up_to_the_official_list(conn, dashboard):
    # README, "Official project lists": the 2007–2013 list adds up to 2,985,951,604 granted and
    # 2,858,282,488 realised (19,940 projects, ESR and EAKR); its rows are never flagged and the
    # two described 2007–2013 projects (S10673, S10962) give the same figures as the list.
    rows = [r for fund in FUNDS for r in chart_rows(conn, dashboard, "viranomaiset", period="2007-2013", fund=fund)]
    granted = [r for r in rows if r["rahoitus"].startswith("Myönnetty")]
    assert sum(r["hankkeita"] for r in granted) == 19940
    assert abs(sum(r["euroa"] for r in granted) - 2_985_951_604) <= len(rows)
    assert abs(sum(r["euroa"] for r in rows if r["rahoitus"].startswith("Toteutunut")) - 2_858_282_488) <= len(rows)
    years = [r for fund in FUNDS for r in chart_rows(conn, dashboard, "vuodet", period="2007-2013", fund=fund)
             if r["rahoitus"].startswith("Myönnetty")]
    assert sum(r["hankkeita"] for r in years) == 19940
    assert abs(sum(r["euroa"] for r in years) - 2_985_951_604) <= len(years)


def test_authority_names_are_read_as_one(conn, dashboard):
    names = [r["viranomainen"] for fund in FUNDS for r in chart_rows(conn, dashboard, "viranomaiset", fund=fund)
             if r["rahoitus"].startswith("Myönnetty")]
    esr = [r["viranomainen"] for r in chart_rows(conn, dashboard, "viranomaiset") if r["rahoitus"].startswith("Myönnetty")]
    assert len(esr) == len(set(esr))
    assert "Etelä-Savon ELY-keskus" in names and "Finnvera" in names
    assert not [name for name in names if "liikenne-" in name]


def test_described_figures_replace_the_snapshot(conn, dashboard):
    """S20334 is in the 2014–2020 snapshot with 296,461 granted (about 2016); its description
    gives the final 458,937. S21736 (2019) is in no list: it comes from its description."""
    granted, realised, _, _ = SAMPLE_FUNDING["S20334"]
    list_row = conn.execute("select * from project_list where code = 'S20334'").fetchone()
    assert list_row["eu_state_granted"] == 296461
    others = conn.execute(
        "select count(*), sum(eu_state_granted), sum(eu_state_realised) from project_list "
        "where period = '2014-2020' and fund = 'ESR' and flag is null "
        "and substr(start_date, 1, 4) = '2015' and code != 'S20334'"
    ).fetchone()
    rows = {(r["vuosi"], r["rahoitus"][:10]): r for r in chart_rows(conn, dashboard, "vuodet", period="2014-2020", fund="ESR")}
    assert rows[("2015", "Myönnetty ")]["hankkeita"] == others[0] + 1
    assert rows[("2015", "Myönnetty ")]["euroa"] == round(others[1] + granted)
    assert rows[("2015", "Toteutunut")]["euroa"] == round(others[2] + realised)
    assert rows[("2019", "Myönnetty ")] == {"vuosi": "2019", "rahoitus": "Myönnetty – granted", "euroa": 323626, "hankkeita": 1}
    assert rows[("2019", "Toteutunut")]["euroa"] == 316345
    assert "2019" not in {r["vuosi"] for r in chart_rows(conn, dashboard, "vuodet", period="2007-2013")}
    assert "2019" not in {r["vuosi"] for r in chart_rows(conn, dashboard, "vuodet", fund="EAKR")}


def test_flagged_list_rows_are_left_out(conn, dashboard):
    for fund in FUNDS:
        indexed = conn.execute("select count(*) from project_index where fund = ?", [fund]).fetchone()[0]
        flagged = conn.execute(
            "select count(*) from project_index where fund = ? and values_from = 'list' "
            "and code in (select code from project_list where flag is not null)", [fund]).fetchone()[0]
        assert flagged > 0
        rows = [r for r in chart_rows(conn, dashboard, "vuodet", fund=fund) if r["rahoitus"].startswith("Myönnetty")]
        assert sum(r["hankkeita"] for r in rows) == indexed - flagged
        assert "(ei tiedossa)" not in {r["vuosi"] for r in rows}, "flagged rows are the ones without a date"


def _rate_class(realised: float, granted: float) -> str:
    rate = realised / granted
    if rate > 1:
        return "yli 100 %"
    low = min(int(rate * 10), 9) * 10
    return f"{low}–{low + 10} %"


@pytest.mark.parametrize("filters", FILTER_SETS, ids=ids)
def test_distribution_of_the_projects_rates(conn, dashboard, index_rows, flagged, filters):
    expected: dict[tuple[str, str], int] = {}
    for project in selected(index_rows, flagged, filters):
        if (project["eu_state_granted"] or 0) > 0 and project["eu_state_realised"] is not None:
            key = (project["period"], _rate_class(project["eu_state_realised"], project["eu_state_granted"]))
            expected[key] = expected.get(key, 0) + 1
    rows = chart_rows(conn, dashboard, "jakauma", **filters)
    assert {(r["kausi"][:9].replace("–", "-"), r["toteutumisaste"]): r["hankkeita"] for r in rows} == expected


def test_distribution_of_the_descriptions_rates_by_hand(conn, dashboard):
    # By hand: 162158/170000 = 95.4 %, 517750/560897 = 92.3 % (2007–2013); 348690/458937 = 76.0 %,
    # 316345/323626 = 97.8 % (2014–2020): every other 2014–2020 project is a list row.
    assert sorted(_rate_class(r, g) for g, r, _, _ in SAMPLE_FUNDING.values()) == ["70–80 %"] + ["90–100 %"] * 3
    rows = chart_rows(conn, dashboard, "toteutuminen", period="2014-2020")
    assert all(r["kausi"].startswith("2014–2020 (n. 2016") for r in rows)


# --- the project page ----------------------------------------------------------------------------


def project_page(datasette, code: str) -> str:
    response = get(datasette, f"/esr/projects/{code}")
    assert response.status_code == 200
    return response.text


def text_of(page: str) -> str:
    """The page's visible text, tags removed and entities decoded, spaces normalised."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    body = html.unescape(re.sub(r"<[^>]+>", " ", body))
    return re.sub(r"\s+", " ", body.replace("\u00a0", " "))


def test_project_page_heading_and_links(datasette):
    page = project_page(datasette, "S20334")
    assert "<title>Osallistavan sosiaalisen tuen kehittämishanke (S20334) – ESR-arkisto</title>" in page
    assert re.search(r'<h1 id="project-name"[^>]*>Osallistavan sosiaalisen tuen kehittämishanke</h1>', page)
    assert '<span id="project-code">S20334</span>' in page
    assert 'href="/esr/documents/S20334~2Etxt"' in page
    assert get(datasette, "/esr/documents/S20334~2Etxt").status_code == 200
    assert 'href="https://www.eura2014.fi/rrtiepa/projekti.php?projektikoodi=S20334"' in page
    other = project_page(datasette, "S10962")
    assert 'href="https://www.eura2007.fi/rrtiepa/projekti.php?projektikoodi=S10962"' in other
    assert "eura2014" not in other


def test_project_page_funding(datasette):
    text = text_of(project_page(datasette, "S20334"))
    assert "Rahoitus – Funding" in text
    assert "EU- ja valtion rahoitus EU and state funding 458 937 € 348 690 € 76,0 %" in text
    assert "Julkinen rahoitus yhteensä Total public funding 655 623 € 498 128 € 76,0 %" in text
    # The snapshot's older figures are shown as such.
    assert "myönnetty 296 461 €, toteutunut 64 798 €" in text
    text = text_of(project_page(datasette, "S10962"))
    assert "517 750 €" in text and "92,3 %" in text and "92,5 %" in text


def test_project_page_texts_are_paragraphs(datasette, conn):
    page = project_page(datasette, "S20334")
    summary = conn.execute("select summary from projects where code = 'S20334'").fetchone()[0]
    section = re.search(r'<section class="text" id="text-summary">(.*?)</section>', page, re.S).group(1)
    paragraphs = re.findall(r"<p>(.*?)</p>", section, re.S)
    items = re.findall(r"<li>(.*?)</li>", section, re.S)
    assert len(paragraphs) >= 5
    lines = [line.strip() for line in summary.split("\n") if line.strip()]
    shown = [html.unescape(p) for p in re.findall(r"<p(?: class=\"subheading\")?>(?:<strong>)?(.*?)(?:</strong>)?</p>", section, re.S)]
    shown += ["- " + html.unescape(i) for i in items]
    assert sorted(shown) == sorted(lines), "every line of the text is shown once, as written"
    assert '<p class="subheading"><strong>Tavoitteet</strong></p>' in section
    assert "<li>vahva osatyökykyisyys</li>" in section
    for section_id in ("text-target_groups_primary", "text-target_groups_indirect", "text-final_report_summary"):
        assert f'id="{section_id}"' in page
    text = text_of(page)
    for heading in ("Suunnitelman mukainen tiivistelmä – Summary of the plan",
                    "Varsinaiset kohderyhmät – Primary target groups",
                    "Loppuraportin tiivistelmä – Summary of the final report"):
        assert heading in text


def test_project_page_places_and_indicators(datasette):
    page = project_page(datasette, "S10962")
    text = text_of(page)
    assert "Maakunnat – Regions Pohjois-Savo" in text
    assert "Seutukunnat – Sub-regions Koillis-Savon Varkauden Sisä-Savon Ylä-Savon Kuopion" in text
    # Nilsiä merged into Kuopio in 2013: its name is shown, without a code.
    assert "Nilsiä (ei tunnistettu – not matched)" in text
    assert 'href="/esr/alueet/kunta/297"' in page
    assert "Osallistuvat henkilöt – Participants 14 12 67 62" in text
    assert "Tasa-arvo – Equality Tasa-arvopainotteinen projekti" in text
    page = project_page(datasette, "S20334")
    assert "Osallistuvat yritykset – Participating enterprises 2 – 5 –" in text_of(page)


def test_project_page_keeps_every_field_and_other_pages_are_unchanged(datasette):
    page = project_page(datasette, "S21736")
    assert "Kaikki kentät" in page and '<table class="all-fields">' in page
    assert '<th scope="row"><code>managing_authority</code></th>' in page
    assert get(datasette, "/esr/projects/S21736.json").status_code == 200
    assert get(datasette, "/esr/projects/NOPE").status_code == 404
    other = get(datasette, "/esr/documents/S21736~2Etxt")
    assert other.status_code == 200 and 'id="project-name"' not in other.text


def test_the_archive_pages_keep_data_autoescaped():
    for name in ("esr-project.html", "esr-organisation.html", "esr-place.html", "_esr_pages.html"):
        template = (ROOT / "templates" / name).read_text(encoding="utf-8")
        code = re.sub(r"\{#.*?#\}", "", template, flags=re.S)
        assert not re.search(r"\|\s*safe\b|Markup|autoescape\s+false", code), f"{name}: data must stay autoescaped"
    assert Path(ROOT / "plugins" / "pages.py").is_file()
