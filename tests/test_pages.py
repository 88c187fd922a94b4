"""The archive's own pages (issue 10): a page for every project, organisation and place.

Expected values are read by hand from the official lists (corpus/reference/) and the sample
descriptions: S10083 is the 2007–2013 list line
``S10083,ESR,VÄLKE - Välityömarkkinoiden kehittämishanke 2008-2010,Itä-Suomen suuralueosio,2,
Etelä-Savon elinkeino-, liikenne- ja ympäristökeskus,Toiminta päättynyt,1.1.2008,30.6.2011,
Kuopion kaupunki / talous- ja strategiapalvelu / seutuyhteistyö,1800000,1410326,2447425,1661975``.
"""

from __future__ import annotations

import html
import json
import re
import shutil

import pytest
import sqlite_utils

from parser.archive.build import build

from .conftest import client_get, copy_corpus, official_list_rows, publish
from .test_eura2021 import A80456, J10012, PROJECTS, S30123, UNUSUAL, write_export


def text_of(page: str) -> str:
    """The page's visible text, tags removed and entities decoded, spaces normalised."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    body = html.unescape(re.sub(r"<[^>]+>", " ", body))
    text = re.sub(r"\s+", " ", body.replace("\u00a0", " ").replace("\u202f", " "))
    # A tag between a word and its colon is no space in the browser.
    return re.sub(r" ([:;,])", r"\1", text)


def page(datasette, path: str, status: int = 200) -> str:
    response = client_get(datasette, path)
    assert response.status_code == status, (path, response.status_code)
    return response.text


def heading(text: str, id: str) -> str:
    found = re.search(rf'<h1 id="{id}"[^>]*>(.*?)</h1>', text, re.S)
    assert found, id
    return html.unescape(found.group(1))


# ------------------------------------------------------------------------------------ projects


def test_a_list_project_has_a_page_of_its_own(datasette):
    text = page(datasette, "/esr/projects/S10083")
    assert heading(text, "project-name") == "VÄLKE - Välityömarkkinoiden kehittämishanke 2008-2010"
    shown = text_of(text)
    assert "Lähteet – Sources: Virallinen lista – official list" in shown
    assert "Toteuttaja – Implementer Kuopion kaupunki / talous- ja strategiapalvelu / seutuyhteistyö" in shown
    assert "Vastuuviranomainen – Managing authority Etelä-Savon elinkeino-, liikenne- ja ympäristökeskus" in shown
    assert "Toteutusaika – Duration 1.1.2008–30.6.2011" in shown
    # 1 410 326 / 1 800 000 = 78,4 %; 1 661 975 / 2 447 425 = 67,9 %.
    assert "EU- ja valtion rahoitus EU and state funding 1 800 000 € 1 410 326 € 78,4 %" in shown
    assert "Julkinen rahoitus yhteensä Total public funding 2 447 425 € 1 661 975 € 67,9 %" in shown
    # No description: its place is the programme section's large area, said to be a proxy.
    assert "Itä-Suomi (suuralue (maakuntien ryhmä)) ohjelman osio (välitieto, ei paikka)" in shown
    assert 'href="https://www.eura2007.fi/rrtiepa/projekti.php?projektikoodi=S10083"' in text
    assert 'href="/esr/project_list/S10083"' in text
    # Its implementer's page: the name before the unit is Kuopion kaupunki's, which has one business ID.
    assert 'href="/esr/organisations/0171450-7"' in text


def test_a_described_project_keeps_its_description_and_shows_its_list_row(datasette):
    text = page(datasette, "/esr/projects/S20334")
    assert heading(text, "project-name") == "Osallistavan sosiaalisen tuen kehittämishanke"
    shown = text_of(text)
    assert "Sivun tiedot: Kuvauksesta – The page's values: from the description" in shown
    assert "EU- ja valtion rahoitus EU and state funding 458 937 € 348 690 € 76,0 %" in shown
    # The 2014-2020 snapshot's older figures, as such.
    assert "tilanne noin 2016, ei lopullinen): myönnetty 296 461 €, toteutunut 64 798 €" in shown
    assert 'href="/esr/alueet/kunta/297"' in text  # Kuopio, code 297 in the key
    assert 'href="/esr/documents/S20334~2Etxt"' in text
    assert 'href="https://www.eura2014.fi/rrtiepa/projekti.php?projektikoodi=S20334"' in text


def test_the_2014_2020_project_page_shows_scores_and_horizontal_texts(datasette, built_archive):
    db = sqlite_utils.Database(built_archive)
    scores = db.execute("select count(*) from sustainability_scores where project_code = 'S20334'").fetchone()[0]
    text = page(datasette, "/esr/projects/S20334")
    if scores:
        assert 'id="sustainability"' in text
        assert text.count("<tr><td>") >= scores
    assert "Horisontaaliset periaatteet – Horizontal principles" in text_of(text)


def test_the_json_of_a_page_is_the_whole_record_nested(datasette):
    record = json.loads(page(datasette, "/esr/projects/S10962.json"))
    assert record["code"] == "S10962"
    described = record["description"]
    assert described["implementer"]["business_id"] == "0171450-7"
    assert described["funding"]["eu_state_realised"] == 517750
    assert {place["name"]: place["code"] for place in described["places"]["municipalities"]}["Kuopio"] == "297"
    assert described["indicators"][0]["indicator"] == "participants"
    assert record["list"]["current"]["source_list"] == "projektilista-2007-2013.csv"
    assert record["organisations"][0]["business_id"] == "0171450-7"
    assert record["links"]["service"] == "https://www.eura2007.fi/rrtiepa/projekti.php?projektikoodi=S10962"
    listed = json.loads(page(datasette, "/esr/projects/S10083.json"))
    assert listed["description"] is None
    assert (listed["list"]["current"]["eu_state_granted"], listed["list"]["current"]["public_realised"]) == (1800000, 1661975)
    assert listed["index"]["regions"] == ["Etelä-Savo", "Pohjois-Savo", "Pohjois-Karjala", "Kainuu"]


def test_a_sample_of_list_codes_have_their_pages_over_http(datasette):
    listed = {row.code: row.name for name in ("projektilista-2007-2013.csv", "projektilista-2014-2020-snapshot.csv") for row in official_list_rows(name)}
    described = {"S10673", "S10962", "S20334", "S21736"}
    sample = [code for index, code in enumerate(sorted(listed)) if index % 1200 == 0 and code not in described]
    assert len(sample) >= 18
    for code in sample:
        assert heading(page(datasette, f"/esr/projects/{code}"), "project-name") == (listed[code] or code)


def test_an_unknown_project_is_a_bilingual_404(datasette):
    text = page(datasette, "/esr/projects/A99999", status=404)
    assert "Arkistossa ei ole hanketta «A99999»" in html.unescape(text)
    assert "No such project: A99999" in text
    answer = client_get(datasette, "/esr/projects/A99999.json")
    assert answer.status_code == 404 and "A99999" in answer.json()["error_fi"]
    # The raw rows stay Datasette's, in every format.
    assert client_get(datasette, "/esr/projects/S10962.csv").status_code == 200
    assert client_get(datasette, "/esr/projects?code=S10962").status_code == 200


# ------------------------------------------------------------------------------- organisations


def test_kuopion_kaupunki_shows_every_project_and_totals(datasette, built_archive):
    text = page(datasette, "/esr/organisations/0171450-7")
    assert heading(text, "organisation-name") == "Kuopion kaupunki"
    codes = set(re.findall(r'<td><a href="/esr/projects/([AS]\d+)">', text))
    assert {"S10962", "S10083", "S20334"} <= codes and len(codes) == 29
    # The totals, summed here independently of the page from the rows of its projects.
    db = sqlite_utils.Database(built_archive)
    marks = ",".join("?" * len(codes))
    granted = db.execute(
        f"select sum(coalesce(p.eu_state_granted, l.eu_state_granted)) from project_list l "
        f"left join projects p on p.code = l.code where l.code in ({marks}) and l.flag is null", sorted(codes)
    ).fetchone()[0]
    total = re.search(r'<tr class="total">(.*?)</tr>', text, re.S).group(1)
    assert f"{round(granted):,} €".replace(",", " ") in text_of(total)
    assert "Rooli – Role" in text_of(text)


def test_an_organisation_known_only_by_name_has_its_page(datasette):
    text = page(datasette, "/esr/organisations/nimi/it%C3%A4-suomen%20yliopisto")
    assert heading(text, "organisation-name") == "Itä-Suomen yliopisto"
    assert "Y-tunnusta ei tiedetä" in text
    record = json.loads(page(datasette, "/esr/organisations/nimi/it%C3%A4-suomen%20yliopisto.json"))
    assert record["business_id"] is None and record["totals"]["all"]["projects"] == len({p["code"] for p in record["projects"]}) > 100
    page(datasette, "/esr/organisations/9999999-9", status=404)
    page(datasette, "/esr/organisations/nimi/ei%20ole%20olemassa", status=404)


# ------------------------------------------------------------------------------------- places


def test_a_municipality_page_lists_the_projects_that_name_it(datasette):
    text = page(datasette, "/esr/alueet/kunta/297")
    assert heading(text, "place-name") == "Kuopio"
    shown = text_of(text)
    assert set(re.findall(r'<td><a href="/esr/projects/([AS]\d+)">', text)) == {"S10962", "S20334"}
    # 560 897 € (S10962) + 458 937 € (S20334).
    assert "Yhteensä – Total 2 1 019 834 €" in shown
    assert 'href="/esr/alueet/seutukunta/112"' in text and 'href="/esr/alueet/maakunta/11"' in text


def test_a_region_page_keeps_proxies_apart(datasette, built_archive):
    record = json.loads(page(datasette, "/esr/alueet/maakunta/11.json"))
    assert record["name"] == "Pohjois-Savo"
    assert {p["code"] for p in record["own"]["projects"]} == {"S10962", "S20334"}
    db = sqlite_utils.Database(built_archive)
    alone = db.execute("select count(*) from project_index where region = 'Pohjois-Savo' and region_kind = 'region' and region_source != 'description'").fetchone()[0]
    shared = db.execute("select count(*) from project_index where region_kind != 'region' and region_source != 'description' and regions like '%\"Pohjois-Savo\"%'").fetchone()[0]
    assert (record["proxy_region"]["count"], record["proxy_area"]["count"]) == (alone, shared)
    assert all(p["region_source"] != "description" for p in record["proxy_area"]["projects"])
    assert all("Pohjois-Savo" not in p["shared_with"] and p["shared_with"] for p in record["proxy_area"]["projects"])
    text = text_of(page(datasette, "/esr/alueet/maakunta/11"))
    assert "Välitieto: suuralue, johon maakunta kuuluu" in text and "sitä ei lasketa tämän maakunnan summiin" in text


def test_an_unknown_place_is_a_404_and_the_key_links_to_places(datasette):
    page(datasette, "/esr/alueet/kunta/999", status=404)
    # No such kind of place: no route, Datasette's 404 (after its redirect of the escaped path).
    assert client_get(datasette, "/esr/alueet/l~C3~A4~C3~A4ni/1").status_code == 404
    text = page(datasette, "/esr/municipalities?year=2026&municipality_code=297")
    for link in ('href="/esr/alueet/kunta/297"', 'href="/esr/alueet/seutukunta/112"', 'href="/esr/alueet/maakunta/11"'):
        assert link in text
    assert 'href="/esr/alueet/kunta/297"' in page(datasette, "/esr/project_areas?project_code=S20334&level=municipality")


# ---------------------------------------------------------------------------- 2021-2027 import


@pytest.fixture(scope="module")
def imported_datasette(tmp_path_factory):
    """A small archive: the five samples, the small lists and a sample EURA 2021 export."""
    folder = tmp_path_factory.mktemp("pages-import")
    corpus = copy_corpus(folder)
    (corpus / "imports" / "eura2021").mkdir(parents=True)
    write_export(corpus / "imports" / "eura2021" / "20261101T000000Z-vienti.xlsx", PROJECTS)
    report = build(corpus, folder / "esr.db")
    assert report.failed == 0
    yield publish(folder / "esr.db")
    shutil.rmtree(folder, ignore_errors=True)


def test_every_2021_2027_code_has_its_page(imported_datasette):
    for project in (S30123, A80456, UNUSUAL, J10012):
        code = project["Hankekoodi "].strip()
        text = page(imported_datasette, f"/esr/projects/{code}")
        assert heading(text, "project-name") == project["Hankkeen nimi"], code
    shown = text_of(page(imported_datasette, "/esr/projects/S30123"))
    assert "Toteuttaja – Implementer Pohjois-Savon Työpajayhdistys ry" in shown
    assert "EU- ja valtion rahoitus EU and state funding 412 000 € 123 457 € 30,0 %" in shown
