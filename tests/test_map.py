"""The maps: the boundary files under static/geo/ (National Land Survey of Finland, CC BY 4.0),
their fit to Statistics Finland's key and to the archive's places, the reusable region map
(static/geo/region-map.vl.json), and the dashboard's maps drawn by a real Chromium at 1280 and
400 px (screenshots in /tmp/map/), with no request leaving 127.0.0.1 and no console error.

The charts' figures are tested in test_dashboards.py; the browser fixtures are test_browser.py's
(one server and one Chromium for this module).
"""

from __future__ import annotations

import itertools
import json
import re
import sqlite3
import urllib.parse
from pathlib import Path

import pytest
from datasette_dashboards import replace_opts_in_query

from parser.publish import load_metadata
from tests import test_browser as web
from tests.conftest import ROOT
from tests.test_browser import GREY, MAPS, SLUG, settle, shapes, wait_for_charts
from tests.test_dashboards import MERGED_BY_2023

GEO = ROOT / "static" / "geo"
#: The map files the charts read, and how many shapes each holds.
FILES = {"maakunnat-2023.geo.json": 19, "kunnat-2013.geo.json": 320, "kunnat-2023.geo.json": 309}
#: The year of the municipality key each file is drawn for.
KEY_YEAR = {"maakunnat-2023.geo.json": 2023, "kunnat-2013.geo.json": 2013, "kunnat-2023.geo.json": 2023}
SCREENSHOTS = Path("/tmp/map")
#: Finland with Åland, generously: longitude, latitude.
BOX = (19.0, 59.3, 32.0, 70.2)


@pytest.fixture(scope="module")
def conn(built_archive):
    connection = sqlite3.connect(f"file:{built_archive}?mode=ro", uri=True)
    connection.row_factory = sqlite3.Row
    yield connection
    connection.close()


@pytest.fixture
def page(browser):
    yield from web.guarded_tab(browser)


@pytest.fixture(scope="module")
def geo() -> dict[str, dict[str, dict]]:
    """Each map file's features by code."""
    loaded = {}
    for name in FILES:
        document = json.loads((GEO / name).read_text(encoding="utf-8"))
        assert document["type"] == "FeatureCollection"
        loaded[name] = {feature["properties"]["code"]: feature for feature in document["features"]}
    return loaded


def polygons(geometry: dict) -> list:
    return geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]


def signed_area(ring) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring)) / 2


def in_ring(point, ring) -> bool:
    x, y = point
    inside = False
    for (x0, y0), (x1, y1) in itertools.pairwise(ring):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
    return inside


def in_shape(point, geometry) -> bool:
    return any(in_ring(point, polygon[0]) and not any(in_ring(point, hole) for hole in polygon[1:])
               for polygon in polygons(geometry))


def centroid(ring) -> tuple[float, float]:
    area = signed_area(ring)
    cx = sum((x0 + x1) * (x0 * y1 - x1 * y0) for (x0, y0), (x1, y1) in itertools.pairwise(ring))
    cy = sum((y0 + y1) * (x0 * y1 - x1 * y0) for (x0, y0), (x1, y1) in itertools.pairwise(ring))
    return cx / (6 * area), cy / (6 * area)


# --- the files ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", FILES)
def test_map_file_loads(name, geo):
    features = geo[name]
    assert len(features) == FILES[name]
    document = json.loads((GEO / name).read_text(encoding="utf-8"))
    assert "Maanmittauslaitos, CC BY 4.0" in document["attribution"]
    assert len([f["properties"]["code"] for f in document["features"]]) == len(features), "codes are unique"
    assert (GEO / name).stat().st_size < 200_000, "small enough for a phone"
    for code, feature in features.items():
        assert feature["id"] == code and feature["properties"]["name_fi"]
        assert len(code) == (2 if name.startswith("maakunnat") else 3) and code.isdigit()
        assert feature["geometry"]["type"] in {"Polygon", "MultiPolygon"}
        for polygon in polygons(feature["geometry"]):
            # d3-geo (vega) reads a clockwise exterior ring as the shape, not as the rest of the globe.
            assert signed_area(polygon[0]) < 0, code
            assert all(signed_area(hole) > 0 for hole in polygon[1:]), code
            for x, y in polygon[0]:
                assert BOX[0] < x < BOX[2] and BOX[1] < y < BOX[3], code
            assert all(ring[0] == ring[-1] and len(ring) >= 4 for ring in polygon)


def test_the_files_are_derived_from_the_shipped_boundaries(geo):
    """Same places and names as the National Land Survey's files they were made from."""
    source = json.loads((GEO / "maakuntarajat.2023.json").read_text(encoding="utf-8"))["features"]
    assert {f["properties"]["NATCODE"]: f["properties"]["NAMEFIN"] for f in source} == {
        code: f["properties"]["name_fi"] for code, f in geo["maakunnat-2023.geo.json"].items()}
    source = json.loads((GEO / "kuntarajat.2013.json").read_text(encoding="utf-8"))["features"]
    assert {f"{f['properties']['natcode']:03d}": f["properties"]["namefin"] for f in source} == {
        code: f["properties"]["name_fi"] for code, f in geo["kunnat-2013.geo.json"].items()}
    source = json.loads((GEO / "kuntarajat.2023.json").read_text(encoding="utf-8"))["features"]
    assert {f["properties"]["NATCODE"]: f["properties"]["NAMEFIN"] for f in source} == {
        code: f["properties"]["name_fi"] for code, f in geo["kunnat-2023.geo.json"].items()}


@pytest.mark.parametrize("name", ["kunnat-2013.geo.json", "kunnat-2023.geo.json"])
def test_municipality_files_carry_the_key_of_their_year(conn, geo, name):
    year = KEY_YEAR[name]
    key = {row["municipality_code"]: (row["subregion_code"], row["region_code"]) for row in
           conn.execute("select * from municipalities where year = ?", [year])}
    assert {code: (f["properties"]["subregion_code"], f["properties"]["region_code"]) for code, f in geo[name].items()} == key


def test_every_region_of_every_year_has_a_shape(conn, geo):
    regions = geo["maakunnat-2023.geo.json"]
    for year, code in conn.execute("select distinct year, region_code from municipalities"):
        assert code in regions, (year, code)


def test_every_municipality_of_every_year_has_a_shape(conn, geo):
    """2013 codes on the municipalities of 2013; every year's codes on those of 2023, except the
    municipalities merged by 2023, listed here, which are drawn on the one they became part of."""
    old, new = geo["kunnat-2013.geo.json"], geo["kunnat-2023.geo.json"]
    missing_in_2023 = set()
    for year, code in conn.execute("select year, municipality_code from municipalities"):
        assert code in old, (year, code)  # the 2013 shapes cover every code since
        if code not in new:
            missing_in_2023.add(code)
            assert year <= 2020 and code in MERGED_BY_2023, (year, code)
    assert missing_in_2023 == set(MERGED_BY_2023)


@pytest.mark.parametrize("old_code", sorted(MERGED_BY_2023))
def test_a_merged_municipality_lies_in_its_successor(geo, old_code):
    old = geo["kunnat-2013.geo.json"][old_code]
    new = geo["kunnat-2023.geo.json"][MERGED_BY_2023[old_code]]
    largest = max(polygons(old["geometry"]), key=lambda p: abs(signed_area(p[0])))
    point = centroid(largest[0])
    assert in_shape(point, old["geometry"])
    assert in_shape(point, new["geometry"]), (old["properties"]["name_fi"], new["properties"]["name_fi"])
    others = [code for code, f in geo["kunnat-2023.geo.json"].items() if in_shape(point, f["geometry"])]
    assert others == [MERGED_BY_2023[old_code]]


def test_every_place_of_the_archive_has_a_shape(conn, geo):
    names = {name: code for name, code in conn.execute("select distinct region_fi, region_code from municipalities")}
    regions = geo["maakunnat-2023.geo.json"]
    for row in conn.execute("select region, region_kind, regions from project_index"):
        if row["region_kind"] == "region":
            assert names[row["region"]] in regions, row["region"]
        for name in json.loads(row["regions"]):
            assert names[name] in regions, name
    for row in conn.execute("select level, code, key_year from project_areas where code is not null"):
        if row["level"] == "region":
            assert row["code"] in regions
        elif row["level"] == "municipality":
            assert row["code"] in geo["kunnat-2013.geo.json"]
            assert MERGED_BY_2023.get(row["code"], row["code"]) in geo["kunnat-2023.geo.json"]


# --- the reusable region map ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def region_spec() -> dict:
    return json.loads((GEO / "region-map.vl.json").read_text(encoding="utf-8"))


def test_region_map_spec_is_self_contained(region_spec):
    text = json.dumps(region_spec)
    assert region_spec["$schema"] == "https://vega.github.io/schema/vega-lite/v6.json"
    assert "Rajat: Maanmittauslaitos, CC BY 4.0" in region_spec["description"] and region_spec["title"] == "Rajat: Maanmittauslaitos, CC BY 4.0"
    assert [p["value"] for p in region_spec["params"] if p["name"] == "maakunta"] == ["__REGION_CODE__"]
    assert text.count(': "__DATA_URL__"') == 1
    meta = region_spec["usermeta"]["esr"]
    assert set(meta["placeholders"]) == {"__REGION_CODE__", "__DATA_URL__"}
    for url in {u for u in re.findall(r'"url": "([^"]+)"', text) if u != "__DATA_URL__"}:
        assert url.startswith("/static/geo/") and (ROOT / url.lstrip("/")).is_file(), url
    assert region_spec["autosize"]["type"] == "fit" and region_spec["config"]["legend"]["orient"] == "bottom"


def test_region_map_data_agrees_with_the_dashboard(conn, region_spec):
    """The region map's query (all funds and periods) gives, in each region, the municipality
    map's figures for ESR (every described project is ESR)."""
    sql = "\n".join(region_spec["usermeta"]["esr"]["data_sql"])
    dashboard = load_metadata(ROOT)["plugins"]["datasette-dashboards"][SLUG]
    municipalities = {r["kuntakoodi"]: r for r in map(dict, conn.execute(replace_opts_in_query(dashboard["charts"]["kartta-kunnat"]["query"], {})))}
    assert {r["kuntakoodi"] for r in municipalities.values() if r["hankkeita"]} == {"140", "152", "204", "231", "280", "287", "288", "297", "399", "420", "440", "475", "499", "545", "564", "598", "599", "687", "749", "778", "857", "893", "905", "946"}
    seen = 0
    for (code,) in conn.execute("select distinct region_code from municipalities where year = 2023"):
        rows = [dict(r) for r in conn.execute(sql, {"maakunta": code})]
        assert rows, code
        for row in rows:
            other = municipalities[row["kuntakoodi"]]
            assert {k: row[k] for k in ("kunta", "hankkeita", "myonnetty", "toteutunut", "nimetty")} == {
                k: other[k] for k in ("kunta", "hankkeita", "myonnetty", "toteutunut", "nimetty")}
            seen += 1
    assert seen == 309


# --- in a browser -------------------------------------------------------------------------------


def check_nothing_is_cut(page) -> list[str]:
    """Every chart's drawing, legends and texts stay inside its card (nothing cut off)."""
    return page.evaluate("""() => {
        const problems = [];
        for (const card of document.querySelectorAll('.dashboard-card')) {
            const box = card.getBoundingClientRect();
            for (const el of card.querySelectorAll('svg.marks, .role-legend, .role-title, .mark-text text, .role-axis')) {
                const r = el.getBoundingClientRect();
                if (r.width === 0) continue;
                if (r.left < box.left - 1 || r.right > box.right + 1) {
                    problems.push(`${card.id}: ${el.getAttribute('class')} ${Math.round(r.left)}–${Math.round(r.right)} outside ${Math.round(box.left)}–${Math.round(box.right)}`);
                }
            }
        }
        return problems;
    }""")


@pytest.mark.parametrize("width", [1280, 400])
def test_dashboard_maps_in_a_browser(page, live, width):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live.url(f"/-/dashboards/{SLUG}"))
    wait_for_charts(page, every_colour=True)
    settle(page)
    for chart in MAPS:
        coloured = [fill for fill, _ in shapes(page, chart) if fill not in (GREY, "", "none")]
        assert coloured, chart
        assert "Rajat: Maanmittauslaitos, CC BY 4.0" in page.locator(f"#chart-{chart} svg.marks").inner_html()
        page.locator(f"#card-{chart}").screenshot(path=str(SCREENSHOTS / f"{chart}-{width}.png"))
    assert check_nothing_is_cut(page) == []
    # The page itself is no wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(SCREENSHOTS / f"dashboard-{width}.png"), full_page=True)
    assert page.errors == []


def test_dashboard_maps_filtered_in_a_browser(page, live):
    page.set_viewport_size({"width": 400, "height": 900})
    page.goto(live.url(f"/-/dashboards/{SLUG}?fund=ESR&period=2007-2013"))
    wait_for_charts(page)
    settle(page)
    assert len(shapes(page, "kartta-kunnat")) == 320 + 19
    assert check_nothing_is_cut(page) == []
    page.locator("#card-kartta-kunnat").screenshot(path=str(SCREENSHOTS / "kartta-kunnat-2007-2013-400.png"))
    # Nothing selected: every place grey, the map still drawn.
    page.goto(live.url(f"/-/dashboards/{SLUG}?fund=ESR&period=2021-2027"))
    page.wait_for_function("() => document.querySelectorAll('#chart-kartta-maakunnat .mark-shape path').length === 19")
    assert {fill for fill, _ in shapes(page, "kartta-maakunnat")} == {GREY}
    assert "Ei hankkeita" in page.locator("#chart-kartta-maakunnat svg.marks").inner_html()
    assert page.errors == []


def test_region_map_example_page(page, live):
    """static/geo/region-map-example.html embeds region-map.vl.json as a region page would."""
    responses = []
    page.on("response", lambda r: responses.append(r.url))
    page.set_viewport_size({"width": 400, "height": 800})
    page.goto(live.url("/static/geo/region-map-example.html?maakunta=11"))
    page.wait_for_function("() => window.regionMapReady === true")
    page.wait_for_function("() => document.querySelectorAll('#region-map svg .mark-shape path').length > 0")
    drawn = page.locator("#region-map svg .mark-shape path").evaluate_all(
        "paths => paths.map(p => [p.getAttribute('fill') || '', p.getAttribute('aria-label') || ''])")
    municipalities = [label for _, label in drawn if "Kunta – Municipality" in label]
    assert len(municipalities) == 19  # Pohjois-Savo's municipalities of 2023
    # S10962 reaches Iisalmi, Siilinjärvi, Kuopio, Leppävirta, Suonenjoki and Koillis-Savo (Kaavi,
    # Rautavaara, Tuusniemi; Juankoski is part of Kuopio by 2023); S20334 reaches Kuopio.
    kuopio = next(label for label in municipalities if "Kunta – Municipality: Kuopio;" in label)
    assert "Kuvattuja hankkeita – Described projects: 2;" in kuopio
    assert sum(1 for fill, label in drawn if "Kunta – Municipality" in label and fill != GREY) == 8
    data = [url for url in responses if "/esr.json?" in url]
    assert len(data) == 1 and urllib.parse.parse_qs(urllib.parse.urlsplit(data[0]).query)["maakunta"] == ["11"]
    page.locator("#region-map").screenshot(path=str(SCREENSHOTS / "region-map-11-400.png"))
    assert page.errors == []
