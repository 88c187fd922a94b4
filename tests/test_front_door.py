"""The Finnish front door at / and the Finnish pages of Datasette (templates/, plugins/front_door.py):

- every page says <html lang="fi">: the front door, the database, a table, a query, a row, the
  search page, the dashboard, an error page;
- every link of the front door answers 200 (fetched in-process through Datasette's client);
- the front door offers what a reader needs: search, dashboard, projects, lists, the canned
  queries by their Finnish titles, the downloads, the API guide, the reference tables;
- Datasette's words are Finnish (Käytä, Suorita SQL, Seuraava sivu, Tämä data, etusivu …);
- in Chromium (as tests/test_browser.py runs it): the front door's search finds a project, no
  page overflows its width at 1280 or 400 px, and the pages of each kind meet WCAG 2.1 AA as
  axe-core checks them; screenshots go to /tmp/fi/ (ESR_SCREENSHOTS names another folder).
"""

from __future__ import annotations

import html
import os
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, client_get, publish
from tests.test_browser import settle, track_requests

SCREENSHOTS = Path(os.environ.get("ESR_SCREENSHOTS", "/tmp/fi"))
#: A page of each kind Datasette shows, and the archive's own.
PAGES = [
    "/",
    "/esr",
    "/esr/project_list",
    "/esr/project_list?fund=ESR&_sort_desc=eu_state_granted",
    "/esr/funding_realisation",
    "/esr/list_funding_by_period",
    "/esr/municipality_projects?municipality=Kuopio",
    "/esr?sql=select+code,+name+from+projects",
    "/esr/project_list/S10962",
    "/esr/municipalities/2013,297",
    "/haku?q=nuoret",
    "/-/dashboards/rahoitus",
]


class Page(HTMLParser):
    """The links, forms and the <html> element's attributes of a page."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict] = []
        self.html: dict = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self.html = attributes
        elif tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        elif tag == "form":
            self.forms.append({**attributes, "inputs": []})
        elif tag == "input" and self.forms:
            self.forms[-1]["inputs"].append(attributes)


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    return page


def get(datasette, path: str, redirects: int = 3):
    """A page through Datasette's client, following a redirect within the server (the dashboard
    adds its default filter: /-/dashboards/rahoitus → ?fund=ESR)."""
    response = client_get(datasette, path)
    while response.status_code in (301, 302, 303, 307, 308) and redirects:
        location = response.headers["location"]
        assert not urllib.parse.urlsplit(location).netloc, location
        response, redirects = client_get(datasette, location), redirects - 1
    return response


@pytest.fixture(scope="module")
def front(datasette):
    response = client_get(datasette, "/")
    assert response.status_code == 200
    return response.text


@pytest.fixture(scope="module")
def metadata():
    return yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------- every page Finnish


@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_finnish(datasette, path):
    response = get(datasette, path)
    assert response.status_code == 200, (path, response.text[:300])
    assert parse(response.text).html.get("lang") == "fi", path


def test_an_error_page_is_finnish_too(datasette):
    response = client_get(datasette, "/esr/no_such_table")
    assert response.status_code == 404
    assert parse(response.text).html.get("lang") == "fi"


def test_datasettes_words_are_finnish(datasette):
    table = client_get(datasette, "/esr/project_list").text
    for words in ("Käytä", "Haku", "Tämä data", "Seuraava sivu", "Lisää vientivaihtoehtoja", "etusivu",
                  "- sarake -", "22\u00a0821 riviä", "Sarakkeiden kuvaukset", "Järjestä"):
        assert words in table, words
    for english in ('value="Apply"', ">Next page<", "This data as <a", ">Advanced export<", ">home<", "Suggested facets"):
        assert english not in table, english
    filtered = html.unescape(client_get(datasette, "/esr/project_list?fund=ESR&_sort_desc=eu_state_granted").text)
    assert "3\u00a0561 riviä, joilla Rahasto = ”ESR”; järjestys: Myönnetty EU- ja valtion rahoitus, laskeva" in filtered
    assert 'rows where fund = "ESR" sorted by eu_state_granted descending' in filtered  # the English beside it
    query = client_get(datasette, "/esr/largest_gaps").text
    for words in ("Suorita SQL", "Kyselyn rajaukset", "Ohjelmakausi", "Tämä data", "näytä SQL"):
        assert words in query, words
    database = client_get(datasette, "/esr").text
    for words in ("Oma SQL-kysely", "Suorita SQL", "Valmiit kyselyt", "Taulut", "Näkymät", "riviä"):
        assert words in database, words
    row = client_get(datasette, "/esr/project_list/S10962").text
    assert "Tämä data" in row and "Viralliset hankelistat: S10962" in row and "1.7.2009" in row


def test_the_templates_name_the_datasette_version_they_copy():
    from importlib.metadata import version

    assert version("datasette").startswith("0.65.")
    pin = [line for line in (ROOT / "pyproject.toml").read_text().splitlines() if '"datasette>' in line or '"datasette<' in line or '"datasette=' in line]
    assert pin == ['    "datasette>=0.65.5,<0.66",']
    for name in ("base.html", "index.html", "table.html", "query.html", "row.html", "database.html"):
        assert "Datasette 0.65.5" in (ROOT / "templates" / name).read_text(encoding="utf-8"), name


# ------------------------------------------------------------------------------- the front door


def test_front_door_offers_search_then_the_ways_in(front, metadata):
    page = parse(front)
    search = [form for form in page.forms if form.get("action") == "/haku"]
    assert len(search) == 1 and search[0].get("method") == "get"
    assert any(i.get("name") == "q" and i.get("type") == "search" for i in search[0]["inputs"])
    for href in ("/-/dashboards/rahoitus", "/esr/project_index", "/esr/projects", "/esr/project_list",
                 "/-/xlsx/esr/project_list", "/-/excel-csv/esr/project_list", "/esr.db", "/esr/municipalities",
                 "/esr/fetch_log", "/esr/parse_warnings", "/esr/documents", "/esr/projects.json?_shape=array",
                 "/-/jsonl/esr/projects"):
        assert href in page.links, href
    # The order of the page: search, then dashboard, projects, lists, answers, downloads, API, the rest.
    order = [front.index(marker) for marker in (
        'action="/haku"', 'id="kojelauta"', 'id="hankkeet"', 'id="listat"', 'id="vastaukset"',
        'id="lataukset"', 'id="api"', 'id="viitetiedot"', 'id="tekniset"',
    )]  # fmt: skip
    assert order == sorted(order)
    for name, query in metadata["databases"]["esr"]["queries"].items():
        finnish, english = query["title"].split(" — ")
        assert f'<a href="/esr/{name}">{finnish}</a>' in front.replace("&amp;", "&"), name
        assert english in front
    for words in ("Haku", "Kojelauta", "Valmiit vastaukset", "Lataukset", "Rajapinta", "Kaikki hankkeet",
                  "Viralliset hankelistat", "Viitetiedot", "Tekniset taulut", "_shape=array", ".jsonl", "JSON Lines"):
        assert words in front, words


def test_every_described_table_is_on_the_front_door(front, metadata, datasette):
    index = client_get(datasette, "/esr.json").json()
    shown = {t["name"] for t in index["tables"] if not t["hidden"]} | {v["name"] for v in index["views"]}
    described = set(metadata["databases"]["esr"]["tables"])
    links = set(parse(front).links)
    for name in sorted((shown & described) | {"build_info"}):
        assert f"/esr/{name}" in links, name


@pytest.fixture(scope="module")
def small_datasette(small_archive):
    """The published archive of the five samples and the small official lists (42 rows; the
    session's ``small_archive``): the same front door, whose downloads of whole tables take
    milliseconds instead of seconds."""
    return publish(small_archive)


def test_every_link_on_the_front_door_answers_200(small_datasette):
    datasette = small_datasette
    response = client_get(datasette, "/")
    assert response.status_code == 200
    page = parse(response.text)
    paths = set()
    for href in page.links + [form["action"] + "?q=nuoret" for form in page.forms if form.get("action")]:
        url = urllib.parse.urlsplit(href)
        if url.scheme or url.netloc:
            continue  # the sources' own sites: not this server's to answer
        paths.add(url.path + ("?" + url.query if url.query else ""))
    assert len(paths) > 40
    failed = {}
    for path in sorted(paths):
        response = get(datasette, path)
        if response.status_code != 200:
            failed[path] = (response.status_code, response.text[:200])
    assert failed == {}


def test_the_whole_database_is_offered_only_when_datasette_allows_it(small_archive):
    """The front door of any archive (the small one starts faster) without the download."""
    closed = publish(small_archive, settings={"allow_download": False})
    page = client_get(closed, "/").text
    assert 'href="/esr.db"' not in page and "Lataukset" in page


# ------------------------------------------------------------------------------- in a browser


@pytest.fixture
def chromium(browser):
    """The session's Chromium (tests/conftest.py)."""
    return browser


def _tab(chromium, width: int):
    """A tab of ``width`` px that records page errors and refuses requests leaving 127.0.0.1."""
    tab = chromium.new_page()
    tab.set_viewport_size({"width": width, "height": 900})
    tab.errors, tab.remote = [], []
    track_requests(tab)
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))

    def guard(route):
        if urllib.parse.urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            tab.remote.append(route.request.url)
            route.abort()

    tab.route("**/*", guard)
    return tab


def test_front_door_in_chromium_searches(chromium, live):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab = _tab(chromium, 1280)
    try:
        tab.goto(live.url("/"))
        assert tab.title().startswith("ESR-arkisto")
        assert tab.locator("html").get_attribute("lang") == "fi"
        tab.screenshot(path=str(SCREENSHOTS / "front.png"), full_page=True)
        box = tab.locator("form.esr-front-search input[name=q]")
        box.fill("asunnottomuuden")
        with tab.expect_navigation():
            box.press("Enter")
        assert urllib.parse.urlsplit(tab.url).path == "/haku"
        assert urllib.parse.parse_qs(urllib.parse.urlsplit(tab.url).query)["q"] == ["asunnottomuuden"]
        assert tab.locator('a[href="/esr/projects/S10962"]').count() >= 1
        assert tab.errors == [] and tab.remote == []
    finally:
        tab.close()


#: Pages of each kind whose markup is the archive's (templates/, dashboards.yml), at the width
#: where their problems showed: the tables' scroll boxes overflow on a phone, the dashboard's
#: filters and chart menus, the SQL editor, the region map.
ACCESSIBLE_PAGES = [
    (1280, "/"),
    (1280, "/esr"),
    (1280, "/esr/funding_by_period"),
    (1280, "/esr/vastaukset/maakunnat"),
    (1280, "/-/dashboards/rahoitus?fund=ESR"),
    (1280, "/esr/alueet/maakunta/11"),
    (400, "/esr/projects"),
    (400, "/esr/projects/S10962"),
]


def _axe_violations(tab, within: str | None = None) -> list[str]:
    """What axe-core finds against WCAG 2.1 A and AA on the page as drawn (or in the element
    ``within`` selects, and the page's header and footer): one line per rule and element."""
    import importlib.resources

    tab.evaluate((importlib.resources.files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8"))
    # resultTypes: axe still runs every rule on every element, but lists the passes and the
    # inapplicable rules only by one node each, which the test never reads: 12.1 s became 9.4 s,
    # and a page with a contrast, an alt and a label violation gives the same three as before.
    found = tab.evaluate(
        """within => axe.run(within ? {include: [[within], ['header'], ['footer']]} : document,
                              {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})
                      .then(results => results.violations)""",
        within,
    )
    return [f"{rule['id']}: {node['target']} {node['html'][:100]}" for rule in found for node in rule["nodes"]]


def test_pages_meet_wcag_2_1_aa_as_axe_checks_them(chromium, live):
    """The Finnish public sector's accessibility requirement (WCAG 2.1 AA): contrast of 4.5:1,
    a name for every field and menu, scroll boxes reachable by keyboard, links told apart from
    the words around them. Before: the bar's English words 3.9:1, Datasette's blue buttons 4.0:1,
    the dashboard's filters and chart menus nameless, the SQL editor's field nameless."""
    from tests.test_browser import wait_for_charts

    violations = []
    for width in sorted({width for width, _ in ACCESSIBLE_PAGES}):
        tab = _tab(chromium, width)
        try:
            for _, path in [page for page in ACCESSIBLE_PAGES if page[0] == width]:
                tab.goto(live.url(path))
                settle(tab)
                if path.startswith("/-/dashboards/"):
                    wait_for_charts(tab)
                within = None
                if path.startswith("/esr/alueet/"):
                    tab.wait_for_function("() => document.querySelectorAll('#region-map svg .mark-shape path').length > 0")
                    # Its map: the region's 6,000 elements of project tables (the macros of the
                    # project and organisation pages) took axe 12 s.
                    within = "#map"
                violations += [f"{width} px {path}: {found}" for found in _axe_violations(tab, within)]
            assert tab.errors == [] and tab.remote == []
        finally:
            tab.close()
    assert violations == []


@pytest.mark.parametrize("width", [1280, 400])
def test_no_page_is_wider_than_the_screen(chromium, live, width):
    """Wide tables scroll inside their own box (or become cards on a phone): the page never does."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab = _tab(chromium, width)
    try:
        for name, path in (("front", "/"), ("esr", "/esr"), ("project_list", "/esr/project_list"),
                           ("query", "/esr/list_funding_by_period"), ("sql_shown", "/esr/haku?q=nuoret"),
                           ("row", "/esr/project_list/S10962"),
                           # The longest table definition of the archive under its rows.
                           ("project_index", "/esr/project_index")):
            tab.goto(live.url(path))
            settle(tab)
            width_used = tab.evaluate("document.documentElement.scrollWidth")
            assert width_used <= width + 1, (path, width_used)  # a pixel of rounding
            tab.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"))
        assert tab.errors == [] and tab.remote == []
    finally:
        tab.close()


def test_the_dashboard_pages_are_finnish(datasette):
    view = get(datasette, "/-/dashboards/rahoitus").text
    assert 'value="Käytä – Apply"' in view and "Koko näyttö – Fullscreen" in view
    assert "Kojelaudat" in get(datasette, "/-/dashboards").text
    assert "Näytä ja muokkaa SQL:ää" in get(datasette, "/-/dashboards/rahoitus/viranomaiset").text
