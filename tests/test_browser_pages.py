"""The archive's own pages in a real browser (Chromium, fixtures of tests/test_browser.py):
the project page at a phone's width, and an analyst's answer sorted and totalled by clicking."""

from __future__ import annotations

from pathlib import Path

from .test_browser import page  # noqa: F401 - the tab fixture (browser and live: conftest.py)

SCREENSHOTS = Path("/tmp/esr-screenshots")


def scroll_width(tab) -> int:
    return tab.evaluate("document.documentElement.scrollWidth")


def test_project_pages_fit_a_phone_screen(page, live):  # noqa: F811
    page.set_viewport_size({"width": 400, "height": 800})
    SCREENSHOTS.mkdir(exist_ok=True)
    for code in ("S20334", "S10962", "S10083"):
        page.goto(live.url(f"/esr/projects/{code}"))
        assert scroll_width(page) <= 400, f"{code}: the page scrolls sideways"
        # The funding table is whole on the screen: its last column ends inside it.
        right = page.evaluate("document.querySelector('#funding table').getBoundingClientRect().right")
        assert right <= 400, f"{code}: the funding table is cut off at {right}px"
        page.screenshot(path=str(SCREENSHOTS / f"project-{code}-400.png"), full_page=True)
    for path in ("/esr/organisations/0171450-7", "/esr/alueet/maakunta/11", "/esr/vastaukset/viranomaiset"):
        page.goto(live.url(path))
        assert scroll_width(page) <= 400, f"{path}: the page scrolls sideways"
    assert page.errors == []


def test_an_answer_sorts_by_a_click_and_ends_with_its_totals(page, live):  # noqa: F811
    page.goto(live.url("/esr/vastaukset/viranomaiset"))
    page.select_option("select[name=period]", "2007-2013")
    page.select_option("select[name=fund]", "ESR")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.locator("h1#answer-title").inner_text() == "Myönnetty ja toteutunut rahoitus vastuuviranomaisittain: 2007-2013, ESR"
    with page.expect_navigation():
        page.click("#answer thead th:nth-child(6) a")  # Toteutumisaste
    rates = page.locator("#answer tbody tr td:nth-child(6)").all_inner_texts()
    values = [float(rate.replace("\u00a0%", "").replace(",", ".")) for rate in rates if rate != "–"]
    assert values == sorted(values, reverse=True) and len(values) > 5
    with page.expect_navigation():
        page.click("#answer thead th:nth-child(6) a")
    again = [float(rate.replace("\u00a0%", "").replace(",", ".")) for rate in page.locator("#answer tbody tr td:nth-child(6)").all_inner_texts() if rate != "–"]
    assert again == sorted(values)
    total = page.locator("#answer tfoot tr.total td").all_inner_texts()
    assert total[0].startswith("Yhteensä") and total[1].replace("\u00a0", " ") == "2 775"
    page.screenshot(path=str(SCREENSHOTS / "answer-1400.png"), full_page=False)
    assert page.errors == []


def test_a_region_page_draws_its_map_from_local_files(page, live):  # noqa: F811
    page.goto(live.url("/esr/alueet/maakunta/11"))
    page.wait_for_selector("#region-map svg path")
    # Pohjois-Savo's municipalities of 2023, drawn one path each, and the outline.
    assert page.locator("#region-map svg path").count() >= 19
    assert "Maanmittauslaitos, CC BY 4.0" in page.locator("#map").inner_text()
    page.locator("#map").screenshot(path=str(SCREENSHOTS / "region-map-11.png"))
    assert page.errors == []
