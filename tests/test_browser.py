"""The published archive in a real browser: Playwright's sync API driving Debian's Chromium
(/usr/bin/chromium) against a Datasette server started here on 127.0.0.1, configured by
``make_datasette`` exactly as ``esr serve`` configures it.

- the funding dashboard draws every chart (vega-embed renders SVG: we wait for the bars of each
  chart's colours and for the maps' shapes), with and without filters, the maps' selects work,
  and nothing is loaded from outside this server (test_map.py has the screenshots);
- the projects table's search box finds a project by a Finnish word;
- a project page shows its paragraphs and funding;
- a ``<script>`` (and an ``<img onerror>``) written into a description does not run on the
  project page and is shown as text.

Without Playwright or Chromium these tests skip, saying why; with ``CI=true`` they fail instead,
so CI cannot pass without having run them. ``ESR_CHROMIUM`` names another Chromium binary.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import CORPUS, publish

IN_CI = os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}

#: Headless Chromium on a machine with a closed network: no background connections, no GPU.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

SLUG = "rahoitus"
SQL_CHARTS = ["kartta-maakunnat", "kartta-kunnat", "maakunnat", "paikan-peruste", "viranomaiset", "toteutuminen", "vuodet", "jakauma"]
MAPS = ["kartta-maakunnat", "kartta-kunnat"]
BAR_CHARTS = [chart for chart in SQL_CHARTS if chart not in MAPS]
S20334_TITLE = "Osallistavan sosiaalisen tuen kehittämishanke (S20334) – ESR-arkisto"
SCRIPT = '<script>document.title = "XSS"; window.__xss = 1; alert("xss")</script>'
IMG = '<img src="/xss.png" onerror="window.__xss = 2">'


def unavailable(reason: str):
    """Skip locally; in CI a missing browser is a failure, not a skip."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the browser tests must run in CI)", pytrace=False)
    pytest.skip(reason)


def find_chromium() -> str | None:
    """The Chromium the browser tests drive: ``ESR_CHROMIUM``, else Debian's headless shell
    (package chromium-headless-shell, which ./test installs: the engine without the browser's
    window code; three of the four browser modules took 48.5 s of CPU in the whole browser's
    headless mode and 33.5 s in the shell, means of two runs, same pages, same assertions), else
    a whole Chromium."""
    for candidate in (
        os.environ.get("ESR_CHROMIUM"),
        "/usr/bin/chromium-headless-shell",
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


class LiveServer:
    """Datasette under uvicorn in a thread, on a free port of 127.0.0.1 (the socket is bound
    before the server starts, so no other process can take the port in between)."""

    def __init__(self, db_path: Path | None = None, *, datasette=None):
        """The archive at ``db_path`` published as ``esr serve`` publishes it (conftest.py's
        ``publish``), or a ``datasette`` already published."""
        import uvicorn

        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        app = (datasette or publish(db_path)).app()
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the Datasette server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        self.socket.close()


@pytest.fixture(scope="module")
def injected_archive(tmp_path_factory) -> Path:
    """A one-document archive: S20334 with a script in its summary and an ``<img onerror>`` in
    its final report."""
    from parser.archive.build import build

    folder = tmp_path_factory.mktemp("injected")
    corpus = folder / "corpus"
    corpus.mkdir()
    text = (CORPUS / "S20334.txt").read_text(encoding="utf-8")
    assert text.count("\nTavoitteet\n") == 1
    text = text.replace("\nTavoitteet\n", f"\nTavoitteet\n{SCRIPT} Hankkeen tavoitteet alkavat tästä.\n", 1)
    heading = "9 Loppuraportin tiivistelmä\n"
    at = text.index(heading) + len(heading)
    text = text[:at] + f"\nLoppuraportti {IMG} kertoo tuloksista.\n" + text[at:]
    (corpus / "S20334.txt").write_text(text, encoding="utf-8")
    db = folder / "esr.db"
    report = build(corpus, db)
    assert report.parsed == 1 and report.failed == 0
    return db


@pytest.fixture(scope="module")
def injected_server(injected_archive):
    """A server of its own on the injected archive, for the two tests that read it."""
    with LiveServer(injected_archive) as server:
        yield server


def track_requests(tab) -> None:
    """Keep ``tab.in_flight``: the tab's requests not yet answered (or failed), for ``settle``."""
    tab.in_flight = set()
    tab.on("request", lambda request: tab.in_flight.add(request))
    tab.on("requestfinished", lambda request: tab.in_flight.discard(request))
    tab.on("requestfailed", lambda request: tab.in_flight.discard(request))


def settle(tab) -> None:
    """Wait for the page's load event, then until none of its requests is in flight: what the
    tests need of Playwright's "networkidle" (every request the page made has its answer),
    without the half second of quiet that "networkidle" waits on top of it."""
    tab.wait_for_load_state("load")
    deadline = time.monotonic() + 30
    while tab.in_flight:
        assert time.monotonic() < deadline, f"requests still unanswered: {[r.url for r in tab.in_flight]}"
        tab.wait_for_timeout(20)  # Playwright delivers the tab's events meanwhile


def guarded_tab(browser):
    """A new tab that records page errors (console errors too), dialogs and every request
    leaving 127.0.0.1 (blocked); a generator for a ``page`` fixture, which fails when a request
    left."""
    tab = browser.new_page()
    tab.errors, tab.dialogs, tab.remote = [], [], []
    track_requests(tab)
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    # A console error (a failed fetch, vega's own errors) is a failure too; warnings are not.
    tab.on("console", lambda message: tab.errors.append(f"console: {message.text}") if message.type == "error" else None)

    def on_dialog(dialog):
        tab.dialogs.append(dialog.message)
        dialog.dismiss()

    tab.on("dialog", on_dialog)

    def guard(route):
        host = urllib.parse.urlsplit(route.request.url).hostname
        if host == "127.0.0.1":
            route.continue_()
        else:
            tab.remote.append(route.request.url)
            route.abort()

    tab.route("**/*", guard)
    yield tab
    tab.close()
    assert tab.remote == [], f"requests left this machine: {tab.remote}"


@pytest.fixture
def page(browser):
    """A new tab that records page errors, dialogs and every request leaving 127.0.0.1 (blocked)."""
    yield from guarded_tab(browser)


#: The bar colours of each chart (dashboards.yml), ESR of both periods: a chart is drawn when it
#: has bars of every colour, not only axes.
BAR_COLOURS = {
    "maakunnat": ["#2f855a", "#dd6b20", "#d69e2e"],
    "paikan-peruste": ["#2f855a", "#dd6b20"],
    "viranomaiset": ["#2b6cb0", "#dd6b20"],
    "toteutuminen": ["#2b6cb0", "#805ad5"],
    "vuodet": ["#2b6cb0", "#dd6b20"],
    "jakauma": ["#2b6cb0", "#805ad5"],
}
#: The shapes of each map: one per row, and the municipality map's region outlines.
EXTRA_SHAPES = {"kartta-maakunnat": 0, "kartta-kunnat": 19}
#: The fill of a place whose value is 0 (dashboards.yml).
GREY = "#e2e8f0"


def wait_for_charts(page, every_colour: bool = False) -> None:
    """Every chart is drawn by vega: bars of its colours (with ``every_colour``, of each of
    them: the unfiltered ESR dashboard has them all), or a map's shapes, as SVG (vega-embed's
    renderer here)."""
    for chart in SQL_CHARTS:
        page.wait_for_selector(f"#chart-{chart} .chart-wrapper svg.marks", state="attached")
    for chart in BAR_CHARTS:
        page.wait_for_function(
            """([id, colours, every]) => {
                const svg = document.querySelector('#chart-' + id + ' svg.marks');
                const drawn = c => svg.querySelectorAll(`.mark-rect path[fill="${c}"]`).length > 0;
                return every ? colours.every(drawn) : colours.some(drawn);
            }""",
            arg=[chart, BAR_COLOURS[chart], every_colour],
        )
    for chart in MAPS:
        page.wait_for_function(
            "id => document.querySelectorAll('#chart-' + id + ' svg.marks .mark-shape path').length >= 19", arg=chart
        )


def bars(page, chart: str) -> list[str]:
    """The accessible labels of a chart's bars (vega writes each bar's fields into aria-label)."""
    return page.locator(f"#chart-{chart} svg.marks .mark-rect path").evaluate_all(
        "paths => paths.map(p => p.getAttribute('aria-label') || '')"
    )


def shapes(page, chart: str) -> list[tuple[str, str]]:
    """A map's shapes: (fill, accessible label) of each."""
    return [tuple(pair) for pair in page.locator(f"#chart-{chart} svg.marks .mark-shape path").evaluate_all(
        "paths => paths.map(p => [p.getAttribute('fill') || '', p.getAttribute('aria-label') || ''])"
    )]


#: A column only one chart's query names.
MARKERS = (("kartta-maakunnat", "AS hankkeita_kuvaus"), ("kartta-kunnat", "AS seutukunnan_kautta"),
           ("maakunnat", "AS paikka"), ("paikan-peruste", "AS osuus_hankkeista"), ("viranomaiset", "myonnetty AS euroa, myonnetty"),
           ("toteutuminen", "AS viranomaisen_myonnetty"), ("vuodet", "'(ei tiedossa)') AS vuosi"), ("jakauma", "AS toteutumisaste"))


def chart_of(response) -> str:
    """Which chart a data request is for, by a column only its query names."""
    sql = urllib.parse.parse_qs(urllib.parse.urlsplit(response.url).query)["sql"][0]
    found = [chart for chart, marker in MARKERS if marker in sql]
    assert len(found) == 1, f"unknown chart query: {sql[:80]}"
    return found[0]


def test_dashboard_draws_every_chart_then_filters(page, live):
    """The ESR dashboard as it opens (every chart drawn), then filtered with its form: one load of
    the page for both (the dashboard's scripts and eight queries of the whole archive take a
    second or two of Chromium each time)."""
    responses = []
    page.on("response", lambda r: responses.append(r) if "/esr.json?sql=" in r.url else None)
    page.goto(live.url(f"/-/dashboards/{SLUG}"))
    assert page.url == live.url(f"/-/dashboards/{SLUG}?fund=ESR")  # ESR by default
    assert page.locator("h1").first.inner_text().startswith("Hankkeiden rahoitus")
    assert "Lähteet." in page.locator("#chart-lahteet").inner_text()
    assert page.locator("select#fund").input_value() == "ESR"
    wait_for_charts(page, every_colour=True)
    settle(page)
    assert sorted(chart_of(r) for r in responses) == sorted(SQL_CHARTS)
    assert all(r.status == 200 for r in responses)
    for response in responses:
        chart = chart_of(response)
        rows = response.json()["rows"]
        assert rows, chart
        if chart in MAPS:
            drawn = shapes(page, chart)
            assert len(drawn) == len(rows) + EXTRA_SHAPES[chart], chart
            coloured = [label for fill, label in drawn if fill not in (GREY, "", "none", "transparent")]
            default = "myonnetty" if chart == "kartta-maakunnat" else "hankkeita"
            assert len(coloured) == sum(1 for row in rows if row[default] > 0), chart
        else:
            # One bar per row of data.
            assert len(bars(page, chart)) == len(rows), chart
    regions = dict(shapes(page, "kartta-maakunnat"))
    assert any("Maakunta – Region: Pohjois-Savo;" in label and "Hankkeita – Projects: 14;" in label for label in regions.values())
    places = bars(page, "maakunnat")
    assert any("Paikka – Place: Pohjois-Savo" in label and "Kuvaus – description" in label for label in places), places
    assert "Kartalla – on the map:" in page.locator("#chart-kartta-maakunnat svg.marks .mark-text").first.inner_html()
    assert page.errors == []
    # The filters, from the page as it opened (fund=ESR).
    filtered = []
    page.on("response", lambda r: filtered.append(r) if "/esr.json?sql=" in r.url else None)
    page.select_option("select#period", "2014-2020")
    page.select_option("select#fund", "ESR")
    with page.expect_navigation():
        page.click(".dashboard-filters input[type=submit]")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)
    assert query == {"period": ["2014-2020"], "fund": ["ESR"]}
    wait_for_charts(page)
    settle(page)
    assert len(filtered) == len(SQL_CHARTS)
    by_year = next(r for r in filtered if chart_of(r) == "vuodet")
    assert "period=2014-2020" in by_year.url and "fund=ESR" in by_year.url
    rows = by_year.json()["rows"]
    years = {(row["vuosi"], row["rahoitus"]): row for row in rows}
    # S21736 (ESR, started 2019) is in no official list: the dashboard has it from its description.
    assert years[("2019", "Myönnetty – granted")] == {"vuosi": "2019", "rahoitus": "Myönnetty – granted", "euroa": 323626, "hankkeita": 1}
    assert years[("2019", "Toteutunut – realised (2014–2020: n. 2016 – c. 2016)")]["euroa"] == 316345
    assert min(year for year, _ in years) >= "2014"
    assert page.locator("select#period").input_value() == "2014-2020"
    assert len(bars(page, "vuodet")) == len(rows)
    # The municipality map: Kuopio (S20334) and Oulu (S21736) on the municipalities of 2023.
    coloured = [label for fill, label in shapes(page, "kartta-kunnat") if fill != GREY and "Kunta – Municipality" in label]
    assert sorted(label.split("Kunta – Municipality: ")[1].split(";")[0] for label in coloured) == ["Kuopio", "Oulu"]
    assert all("Kuntajako – Municipalities of: 2023" in label for label in coloured)
    assert page.errors == []


def test_dashboard_2007_2013_draws_the_municipalities_of_2013_and_the_map_measure_can_be_chosen(page, live):
    """ESR 2007–2013 (one load of the page for both): the municipality map is drawn on the
    municipalities of 2013 and no card speaks of the 2014–2020 snapshot of 2016; then the map's
    selects: the measure (granted, realised, projects) and the place (description and proxy, or
    the description only). Pohjois-Savo has S10962 from its description and 12 projects of its
    regional council by a proxy; Pohjanmaa has S10673."""
    page.goto(live.url(f"/-/dashboards/{SLUG}?fund=ESR&period=2007-2013"))
    wait_for_charts(page)
    labels = [label for _, label in shapes(page, "kartta-kunnat") if "Kunta – Municipality" in label]
    assert len(labels) == 320
    assert any("Kunta – Municipality: Juankoski;" in label and "Hankkeita – Projects: 1;" in label for label in labels)
    assert "2016" not in page.locator("#card-viranomaiset").inner_text() + page.locator("#card-toteutuminen").inner_text()
    # The selects.
    savo = "() => [...document.querySelectorAll('#chart-kartta-maakunnat .mark-shape path')].map(p => p.getAttribute('aria-label') || '').find(l => l.includes('Region: Pohjois-Savo;'))"
    assert page.evaluate(savo).startswith("Valittu mittari – measure (harmaa – grey: 0): 2\u00a0953\u00a0329;")
    page.select_option("#chart-kartta-maakunnat select[name=mittari]", "hankkeita")
    page.wait_for_function(f"() => ({savo})().startsWith('Valittu mittari – measure (harmaa – grey: 0): 13;')")
    page.select_option("#chart-kartta-maakunnat select[name=peruste]", "kuvaus")
    page.wait_for_function(f"() => ({savo})().startsWith('Valittu mittari – measure (harmaa – grey: 0): 1;')")
    coloured = [label for fill, label in shapes(page, "kartta-maakunnat") if fill != GREY]
    assert sorted(label.split("Region: ")[1].split(";")[0] for label in coloured) == ["Pohjanmaa", "Pohjois-Savo"]
    assert page.errors == []


def search(page, live, words: str) -> list[str]:
    """Type into the projects table's search box, submit, and read the codes of the results."""
    page.goto(live.url("/esr/projects"))
    box = page.locator("input[name=_search]")
    box.fill(words)
    with page.expect_navigation():
        box.press("Enter")
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)["_search"] == [words]
    links = page.locator("table.rows-and-columns td.col-code a").all_inner_texts()
    if not links:
        links = page.locator("table.rows-and-columns tbody tr td:first-child a").all_inner_texts()
    return [link.strip() for link in links]


def test_search_box_finds_a_project_by_a_finnish_word(page, live):
    # "asunnottomuuden" (genitive of asunnottomuus, homelessness) is written in S10962's texts;
    # S21736 writes "asunnottomuus", which a Finnish-aware search may also find; S10673 and
    # S20334 have no form of the word.
    found = search(page, live, "asunnottomuuden")
    assert "S10962" in found
    assert not {"S10673", "S20334"} & set(found)


def test_search_box_finds_an_inflected_form_not_in_the_text(page, live):
    # "asunnottomuudesta" (elative, "from homelessness") must find S10962, which writes
    # asunnottomuuden, asunnottomuutta, asunnottomuus…
    found = search(page, live, "asunnottomuudesta")
    assert "S10962" in found
    assert not {"S10673", "S20334"} & set(found)


def test_project_page_shows_paragraphs_and_funding(page, live):
    page.goto(live.url("/esr/projects/S20334"))
    assert page.title() == S20334_TITLE
    assert page.locator("h1#project-name").inner_text() == "Osallistavan sosiaalisen tuen kehittämishanke"
    assert page.locator("#project-code").inner_text() == "S20334"
    paragraphs = page.locator("#text-summary p")
    assert paragraphs.count() >= 5
    assert paragraphs.nth(1).inner_text().startswith("Hankkeen avulla vastataan sosiaalisen osallisuuden")
    assert page.locator("#text-final_report_summary p").count() >= 3
    funding = page.locator("#funding table.funding").inner_text().replace("\u00a0", " ")
    for figure in ("458 937 €", "348 690 €", "655 623 €", "498 128 €", "76,0 %"):
        assert figure in funding
    assert page.locator("ul.places-municipality").inner_text() == "Kuopio"
    assert page.locator("#service-link").get_attribute("href") == (
        "https://www.eura2014.fi/rrtiepa/projekti.php?projektikoodi=S20334"
    )
    with page.expect_navigation():
        page.click("#document-link")
    assert page.url == live.url("/esr/documents/S20334~2Etxt")
    assert page.errors == []


def test_script_in_a_description_does_not_run(page, injected_server):
    page.goto(injected_server.url("/esr/projects/S20334"))
    settle(page)
    assert page.title() == S20334_TITLE
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.dialogs == []
    summary = page.locator("#text-summary").inner_text()
    assert f"{SCRIPT} Hankkeen tavoitteet alkavat tästä." in summary
    assert page.locator("#text-summary script").count() == 0
    report = page.locator("#text-final_report_summary")
    assert f"Loppuraportti {IMG} kertoo tuloksista." in report.inner_text()
    assert report.locator("img").count() == 0
    assert page.errors == []


def test_script_in_a_description_is_escaped_in_the_html(injected_server):
    """The same without a browser: the page's HTML carries the text escaped."""
    with urllib.request.urlopen(injected_server.url("/esr/projects/S20334"), timeout=30) as response:
        assert response.status == 200
        text = response.read().decode("utf-8")
    assert SCRIPT not in text and IMG not in text
    assert "&lt;script&gt;document.title = &#34;XSS&#34;" in text
    assert "&lt;img src=&#34;/xss.png&#34; onerror=&#34;window.__xss = 2&#34;&gt;" in text
