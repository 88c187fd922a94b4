"""The published pages, server-side: the funding dashboard (dashboards.yml) and the project page
(templates/esr-project.html with plugins/pages.py), through Datasette's test client
and, for each chart, its SQL run straight against the archive with and without filters.

Expected figures are the sample documents' own (corpus/*.txt, section "Projektin julkinen
rahoitus") or sums computed here in Python from the rows of ``project_list``, independently of
the charts' SQL. The browser tests are in test_browser.py.
"""

from __future__ import annotations

import html
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
CHARTS = ["lahteet", "viranomaiset", "vuodet", "maakunnat", "toteutuminen-kuvaukset", "toteutuminen-luettelo"]
SQL_CHARTS = [name for name in CHARTS if name != "lahteet"]
FILTER_SETS = [{}, {"period": "2007-2013"}, {"period": "2014-2020"}, {"fund": "ESR"}, {"fund": "EAKR"},
               {"period": "2014-2020", "fund": "ESR"}]

# The four figures of each sample description (granted, realised EU and state; planned, realised public).
SAMPLE_FUNDING = {
    "S10673": (170000, 162158, 204820, 196299),
    "S10962": (560897, 517750, 640962, 593048),
    "S20334": (458937, 348690, 655623, 498128),
    "S21736": (323626, 316345, 374194, 366952),
}


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


def chart_rows(conn, dashboard, chart: str, **filters) -> list[dict]:
    """A chart's rows as the dashboard gets them: optional blocks resolved, filters bound."""
    sql = replace_opts_in_query(dashboard["charts"][chart]["query"], filters)
    return [dict(row) for row in conn.execute(sql, filters)]


def authority(name: str | None) -> str:
    """The chart's reading of an authority's name, written again in Python."""
    name = name or "(ei tiedossa)"
    name = name.replace("elinkeino-  liikenne-", "elinkeino-, liikenne-").replace(
        "elinkeino- liikenne-", "elinkeino-, liikenne-"
    )
    return name.replace("elinkeino-, liikenne- ja ympäristökeskus", "ELY-keskus")


def funding_by_project(conn) -> list[dict]:
    """Every project with the figures the funding charts use, computed without their SQL: the
    list's unflagged rows, a description's figures replacing the list's, and the described
    projects the list lacks."""
    described = {row["code"]: dict(row) for row in conn.execute("select * from projects")}
    projects = []
    for row in conn.execute("select * from project_list"):
        period = "2007-2013" if "2007-2013" in row["source_list"] else "2014-2020"
        source = described.pop(row["code"], None)
        if source is None and row["flag"] is not None:
            continue
        source = source or dict(row)
        projects.append({"code": row["code"], "period": period, **{k: source[k] for k in (
            "fund", "managing_authority", "start_date", "eu_state_granted", "eu_state_realised")}})
    for code, row in described.items():
        projects.append({"code": code, "period": row["period"], **{k: row[k] for k in (
            "fund", "managing_authority", "start_date", "eu_state_granted", "eu_state_realised")}})
    return projects


# --- the configuration ---------------------------------------------------------------------------


def test_dashboard_is_declared_with_its_charts_and_filters(dashboard):
    assert "Rahoitus" in dashboard["title"] or "rahoitus" in dashboard["title"]
    assert "funding" in dashboard["title"].lower()
    assert list(dashboard["charts"]) == CHARTS
    assert set(dashboard["filters"]) == {"period", "fund"}
    for row in dashboard["layout"]:
        assert set(row) <= set(CHARTS)
    assert {name for row in dashboard["layout"] for name in row} == set(CHARTS)


@pytest.mark.parametrize("chart", SQL_CHARTS)
def test_chart_is_vega_lite_on_the_archive_with_both_filters(dashboard, chart):
    spec = dashboard["charts"][chart]
    assert spec["library"] == "vega-lite"
    assert spec["db"] == "esr"
    assert "data" not in spec["display"], "the data comes from the query, never from a URL"
    query = spec["query"]
    for name in ("period", "fund"):
        blocks = re.findall(r"\[\[.*?\]\]", query)
        assert any(f":{name}" in block for block in blocks), f"{chart} has no optional block for {name}"
    # datasette-dashboards finds a block only on one line.
    assert query.count("[[") == len(re.findall(r"\[\[.*?\]\]", query))


def test_no_chart_loads_anything_remote(dashboard):
    text = json.dumps(dashboard)
    urls = re.findall(r"https?://[^\s\"']+", text)
    # The only addresses are the JSON schemas' identifiers, which vega-embed reads, never fetches.
    assert all(url.startswith("https://vega.github.io/schema/vega-lite/") for url in urls), urls
    for chart in dashboard["charts"].values():
        assert chart.get("library") != "map", "a map would load tiles from openstreetmap.org"


# --- the pages ----------------------------------------------------------------------------------


def test_dashboard_list_names_the_dashboard(datasette, dashboard):
    response = get(datasette, "/-/dashboards")
    assert response.status_code == 200
    assert f'/-/dashboards/{SLUG}"' in response.text
    assert html.escape(dashboard["title"]) in response.text


def test_dashboard_page(datasette, dashboard):
    response = get(datasette, f"/-/dashboards/{SLUG}")
    assert response.status_code == 200
    page = response.text
    assert f"<h1>{html.escape(dashboard['title'])}</h1>" in page
    for chart in CHARTS:
        assert f'id="card-{chart}"' in page
        assert f'id="chart-{chart}"' in page
    for chart in SQL_CHARTS:
        assert f"renderChart('{chart}'" in page
    # The filters and their options, the fund's read from the archive.
    assert '<select id="period" name="period">' in page
    assert '<option value="2007-2013"' in page and '<option value="2014-2020"' in page
    assert '<option value="ESR"' in page and '<option value="EAKR"' in page
    # The markdown card is rendered on the server.
    assert "Lähteet." in page and "Sources." in page
    # Without filters, every optional block is gone from the queries given to the browser.
    assert "[[" not in page and ":period" not in page and ":fund" not in page


def test_dashboard_scripts_are_served_from_the_package(datasette):
    page = get(datasette, f"/-/dashboards/{SLUG}").text
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


def test_filtered_dashboard_keeps_its_blocks_and_the_config_is_not_changed(datasette, dashboard):
    filtered = get(datasette, f"/-/dashboards/{SLUG}?period=2014-2020&fund=ESR").text
    assert "period = :period" in filtered and "fund = :fund" in filtered
    assert '<option value="2014-2020" selected>' in filtered
    assert "&amp;period=2014-2020" in filtered or "period=2014-2020&amp;fund=ESR" in filtered or "fund=ESR" in filtered
    # datasette-dashboards rewrites the chart queries in place: a filtered request must not
    # change what the next, unfiltered, request sees.
    again = get(datasette, f"/-/dashboards/{SLUG}").text
    assert ":period" not in again
    only_period = get(datasette, f"/-/dashboards/{SLUG}?period=2007-2013").text
    assert "period = :period" in only_period and ":fund" not in only_period


@pytest.mark.parametrize("chart", SQL_CHARTS)
def test_chart_page(datasette, chart):
    response = get(datasette, f"/-/dashboards/{SLUG}/{chart}?fund=ESR")
    assert response.status_code == 200
    # The one-chart page draws into #chart-<dashboard> with the chart's own query, filtered.
    assert f"renderChart('{SLUG}'" in response.text
    assert "fund = :fund" in response.text and ":period" not in response.text


@pytest.mark.parametrize("filters", FILTER_SETS, ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()) or "none")
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


# --- the charts' figures -------------------------------------------------------------------------


@pytest.mark.parametrize("filters", FILTER_SETS, ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()) or "none")
def test_funding_by_authority_equals_an_independent_sum(conn, dashboard, filters):
    expected: dict[str, list] = {}
    for project in funding_by_project(conn):
        if any(project[key] != value for key, value in filters.items()):
            continue
        total = expected.setdefault(authority(project["managing_authority"]), [0, 0.0, 0.0])
        total[0] += 1
        total[1] += project["eu_state_granted"] or 0
        total[2] += project["eu_state_realised"] or 0
    rows = chart_rows(conn, dashboard, "viranomaiset", **filters)
    got = {row["viranomainen"]: [row["hankkeita"], row["myonnetty"], row["toteutunut"]] for row in rows}
    assert got == {key: [n, round(granted), round(realised)] for key, (n, granted, realised) in expected.items()}
    assert [row["myonnetty"] for row in rows] == sorted((row["myonnetty"] for row in rows), reverse=True)
    if filters.get("fund") == "EAKR":
        assert rows  # the lists' EAKR projects; no description is EAKR


def test_funding_2007_2013_adds_up_to_the_official_list(conn, dashboard):
    # README, "Official project lists": the 2007–2013 list adds up to 2,985,951,604 granted and
    # 2,858,282,488 realised; its rows are never flagged and the two described 2007–2013
    # projects (S10673, S10962) give the same figures as the list.
    rows = chart_rows(conn, dashboard, "viranomaiset", period="2007-2013")
    assert sum(row["hankkeita"] for row in rows) == 19940
    assert abs(sum(row["myonnetty"] for row in rows) - 2_985_951_604) <= len(rows)
    assert abs(sum(row["toteutunut"] for row in rows) - 2_858_282_488) <= len(rows)
    years = chart_rows(conn, dashboard, "vuodet", period="2007-2013")
    assert sum(row["hankkeita"] for row in years) == 19940
    assert abs(sum(row["myonnetty"] for row in years) - 2_985_951_604) <= len(years)


def test_authority_names_are_read_as_one(conn, dashboard):
    names = [row["viranomainen"] for row in chart_rows(conn, dashboard, "viranomaiset")]
    assert len(names) == len(set(names))
    assert "Etelä-Savon ELY-keskus" in names and "Etelä-Savon ELY-keskus, yritystuet" in names
    assert not [name for name in names if "liikenne-" in name]


def test_described_figures_replace_the_snapshot(conn, dashboard):
    """S20334 is in the 2014–2020 snapshot with 296,461 granted (about 2016); its description
    gives the final 458,937. S21736 (2019) is in no list: it comes from its description."""
    granted, realised, _, _ = SAMPLE_FUNDING["S20334"]
    list_row = conn.execute("select * from project_list where code = 'S20334'").fetchone()
    assert list_row["eu_state_granted"] == 296461
    others = conn.execute(
        "select count(*), sum(eu_state_granted), sum(eu_state_realised) from project_list "
        "where source_list like '%2014-2020%' and fund = 'ESR' and flag is null "
        "and substr(start_date, 1, 4) = '2015' and code != 'S20334'"
    ).fetchone()
    rows = {row["vuosi"]: row for row in chart_rows(conn, dashboard, "vuodet", period="2014-2020", fund="ESR")}
    assert rows["2015"]["hankkeita"] == others[0] + 1
    assert rows["2015"]["myonnetty"] == round(others[1] + granted)
    assert rows["2015"]["toteutunut"] == round(others[2] + realised)
    assert rows["2019"] == {"vuosi": "2019", "hankkeita": 1, "myonnetty": 323626, "toteutunut": 316345}
    assert "2019" not in {row["vuosi"] for row in chart_rows(conn, dashboard, "vuodet", period="2007-2013")}
    assert "2019" not in {row["vuosi"] for row in chart_rows(conn, dashboard, "vuodet", fund="EAKR")}


def test_flagged_list_rows_are_left_out(conn, dashboard):
    flagged = conn.execute("select count(*) from project_list where flag is not null").fetchone()[0]
    listed = conn.execute("select count(*) from project_list").fetchone()[0]
    unlisted = conn.execute("select count(*) from projects where code not in (select code from project_list)").fetchone()[0]
    described_flagged = conn.execute(
        "select count(*) from project_list where flag is not null and code in (select code from projects)"
    ).fetchone()[0]
    rows = chart_rows(conn, dashboard, "vuodet")
    assert sum(row["hankkeita"] for row in rows) == listed - flagged + described_flagged + unlisted
    assert "(ei tiedossa)" not in {row["vuosi"] for row in rows}, "flagged rows are the ones without a date"


def test_projects_by_region(conn, dashboard):
    # Section "Maantieteellinen kohdealue" of the samples: S10673 Pohjanmaa, S10962 and S20334
    # Pohjois-Savo, S21736 Pohjois-Pohjanmaa.
    rows = chart_rows(conn, dashboard, "maakunnat")
    assert rows == [
        {"maakunta": "Pohjois-Savo", "maakuntakoodi": "11", "hankkeita": 2, "myonnetty": 560897 + 458937},
        {"maakunta": "Pohjanmaa", "maakuntakoodi": "15", "hankkeita": 1, "myonnetty": 170000},
        {"maakunta": "Pohjois-Pohjanmaa", "maakuntakoodi": "17", "hankkeita": 1, "myonnetty": 323626},
    ]
    assert chart_rows(conn, dashboard, "maakunnat", period="2007-2013") == [
        {"maakunta": "Pohjanmaa", "maakuntakoodi": "15", "hankkeita": 1, "myonnetty": 170000},
        {"maakunta": "Pohjois-Savo", "maakuntakoodi": "11", "hankkeita": 1, "myonnetty": 560897},
    ]
    assert chart_rows(conn, dashboard, "maakunnat", period="2014-2020", fund="ESR") == [
        {"maakunta": "Pohjois-Pohjanmaa", "maakuntakoodi": "17", "hankkeita": 1, "myonnetty": 323626},
        {"maakunta": "Pohjois-Savo", "maakuntakoodi": "11", "hankkeita": 1, "myonnetty": 458937},
    ]
    assert chart_rows(conn, dashboard, "maakunnat", fund="EAKR") == []


def _rate_class(realised: float, granted: float) -> str:
    rate = realised / granted
    if rate > 1:
        return "yli 100 %"
    low = min(int(rate * 10), 9) * 10
    return f"{low}–{low + 10} %"


def test_realisation_rates_of_the_descriptions(conn, dashboard):
    # By hand: EU and state 162158/170000 = 95.4 %, 517750/560897 = 92.3 %, 348690/458937 = 76.0 %,
    # 316345/323626 = 97.8 %; public 95.8 %, 92.5 %, 76.0 %, 98.1 %.
    eu, public = "EU- ja valtion rahoitus – EU and state", "Julkinen rahoitus – public"
    rows = chart_rows(conn, dashboard, "toteutuminen-kuvaukset")
    assert [(r["rahoitus"], r["toteutumisaste"], r["hankkeita"]) for r in rows] == [
        (eu, "70–80 %", 1), (eu, "90–100 %", 3), (public, "70–80 %", 1), (public, "90–100 %", 3),
    ]
    rows = chart_rows(conn, dashboard, "toteutuminen-kuvaukset", period="2007-2013")
    assert [(r["rahoitus"], r["toteutumisaste"], r["hankkeita"]) for r in rows] == [
        (eu, "90–100 %", 2), (public, "90–100 %", 2),
    ]
    rows = chart_rows(conn, dashboard, "toteutuminen-kuvaukset", period="2014-2020", fund="ESR")
    assert [(r["toteutumisaste"], r["hankkeita"]) for r in rows] == [("70–80 %", 1), ("90–100 %", 1)] * 2
    assert chart_rows(conn, dashboard, "toteutuminen-kuvaukset", fund="EAKR") == []
    # The classes agree with the funding_realisation view and with the documents' figures.
    for code, (granted, realised, planned, public_realised) in SAMPLE_FUNDING.items():
        view = conn.execute("select * from funding_realisation where code = ?", [code]).fetchone()
        assert view["eu_state_realisation_rate"] == round(realised / granted, 4)
        assert view["public_realisation_rate"] == round(public_realised / planned, 4)
    assert sorted(_rate_class(r, g) for g, r, _, _ in SAMPLE_FUNDING.values()) == ["70–80 %"] + ["90–100 %"] * 3


@pytest.mark.parametrize("filters", FILTER_SETS, ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()) or "none")
def test_realisation_rates_of_the_official_lists(conn, dashboard, filters):
    expected: dict[tuple[str, str], int] = {}
    for row in conn.execute("select * from project_list where flag is null"):
        period = "2007-2013" if "2007-2013" in row["source_list"] else "2014-2020"
        if filters.get("period", period) != period or filters.get("fund", row["fund"]) != row["fund"]:
            continue
        for label, realised, granted in (
            ("EU- ja valtion rahoitus – EU and state", row["eu_state_realised"], row["eu_state_granted"]),
            ("Julkinen rahoitus – public", row["public_realised"], row["public_planned"]),
        ):
            if realised is not None and granted:
                key = (label, _rate_class(realised, granted))
                expected[key] = expected.get(key, 0) + 1
    rows = chart_rows(conn, dashboard, "toteutuminen-luettelo", **filters)
    assert {(r["rahoitus"], r["toteutumisaste"]): r["hankkeita"] for r in rows} == expected
    if not filters:
        assert sum(n for (label, _), n in expected.items() if label.startswith("EU")) > 22000


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
