"""Publishing: ``metadata.yml``, its canned queries and ``templates/table.html``, through Datasette.

Every request goes through Datasette 0.65's own test client on the archive built from the real
corpus (the session fixtures ``built_archive`` and ``datasette`` of conftest.py), configured by
``parser.publish.make_datasette`` exactly as ``esr serve`` configures it. The expected rows of
the canned queries are worked out by hand from the four sample descriptions; those over the
official lists are checked against sums computed here in Python from the list streamed as CSV,
and against the totals in the README.
"""

from __future__ import annotations

import asyncio
import json
import csv
import io
import re
import sqlite3
import urllib.parse
from html.parser import HTMLParser

import pytest
import yaml
from datasette.utils import validate_sql_select

from parser.publish import load_metadata

from .conftest import ROOT, asgi_body_messages

DOWNLOAD_TEXT = "Lataa kaikki rivit CSV:nä / Download all rows as CSV"
LIST_ROWS = 22_821

#: Every table and view the archive publishes (the README's tables section), FTS indexes aside.
TABLES = [
    "documents",
    "projects",
    "organisations",
    "co_implementers",
    "project_areas",
    "indicators",
    "horizontal_ratings",
    "sustainability_scores",
    "extra_fields",
    "parse_warnings",
    "project_list",
    "municipalities",
    "build_info",
]
VIEWS = ["funding_realisation", "discrepancies"]

#: Row counts fixed by the corpus: 5 files, 4 descriptions (2 of 2007–2013 with 4 horizontal
#: ratings each, 2 of 2014–2020 with 15 sustainability criteria each), 3 business IDs, the two
#: official lists, the municipality key 2013–2026, and 4 values on which S20334's description
#: and the 2014–2020 snapshot disagree. Other tables are compared with SQLite's own count.
KNOWN_COUNTS = {
    "documents": 5,
    "projects": 4,
    "organisations": 3,
    "horizontal_ratings": 8,
    "sustainability_scores": 30,
    "project_list": LIST_ROWS,
    "municipalities": 4365,
    "funding_realisation": 4,
    "discrepancies": 4,
}

ESAVO = "Etelä-Savon elinkeino-, liikenne- ja ympäristökeskus"
KSUOMI = "Keski-Suomen elinkeino-, liikenne- ja ympäristökeskus"
PPOHJANMAA = "Pohjois-Pohjanmaan elinkeino-, liikenne- ja ympäristökeskus"

# The four descriptions' figures: granted, realised (EU and state); planned, realised (public).
S10673 = (170_000, 162_158, 204_820, 196_299)  # 2007-2013, axis 2, Keski-Suomen ELY, Pohjanmaa
S10962 = (560_897, 517_750, 640_962, 593_048)  # 2007-2013, axis 2, Etelä-Savon ELY, Pohjois-Savo
S20334 = (458_937, 348_690, 655_623, 498_128)  # 2014-2020, axis 5, Etelä-Savon ELY, Pohjois-Savo
S21736 = (323_626, 316_345, 374_194, 366_952)  # 2014-2020, axis 5, Pohjois-Pohjanmaan ELY, P-Pohjanmaa
AMOUNTS = ("eu_state_granted", "eu_state_realised", "public_planned", "public_realised")


# ------------------------------------------------------------------------------------ helpers


def fetch(datasette, *paths):
    """The responses of Datasette's test client to ``paths``, fetched in one event loop."""

    async def run():
        await datasette.invoke_startup()
        return [await datasette.client.get(path) for path in paths]

    return asyncio.run(run())


def fetch_one(datasette, path):
    return fetch(datasette, path)[0]


def query_rows(datasette, name, **params):
    """The rows of canned query ``name`` as dicts (``_shape=array``)."""
    qs = urllib.parse.urlencode({**params, "_shape": "array"})
    response = fetch_one(datasette, f"/esr/{name}.json?{qs}")
    assert response.status_code == 200, response.text
    return response.json()


def csv_rows(text):
    return list(csv.reader(io.StringIO(text)))


def funding(*projects):
    """The four summed figures and the two rates of some sample projects."""
    sums = [sum(p[i] for p in projects) for i in range(4)]
    return {
        **dict(zip(AMOUNTS, sums)),
        "eu_state_realisation_rate": round(sums[1] / sums[0], 4),
        "public_realisation_rate": round(sums[3] / sums[2], 4),
    }


def fold(text):
    return (text or "").lower()


class Links(HTMLParser):
    """Every ``<a>`` of a page: (attributes, text)."""

    def __init__(self):
        super().__init__()
        self.links = []
        self._open = None

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._open = (dict(attrs), [])

    def handle_data(self, data):
        if self._open:
            self._open[1].append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._open:
            self.links.append((self._open[0], "".join(self._open[1]).strip()))
            self._open = None


def download_links(html):
    parser = Links()
    parser.feed(html)
    csv_links = [a for a, text in parser.links if DOWNLOAD_TEXT in text]
    json_links = [a for a, _ in parser.links if "esr-download-json" in (a.get("class") or "")]
    return csv_links, json_links


def split_url(href):
    url = urllib.parse.urlsplit(href)
    return url.path, urllib.parse.parse_qsl(url.query, keep_blank_values=True)


@pytest.fixture(scope="module")
def metadata():
    return yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def database_columns(built_archive):
    """{table or view: [columns]} of the built archive, FTS indexes and SQLite's own left out."""
    conn = sqlite3.connect(built_archive)
    try:
        names = [
            name
            for name, sql in conn.execute(
                "select name, sql from sqlite_master where type in ('table', 'view') order by name"
            )
            if not name.startswith("sqlite_")
            and "_fts" not in name
            and not re.search(r"VIRTUAL TABLE", sql or "", re.I)
        ]
        return {name: [row[1] for row in conn.execute(f'pragma table_info("{name}")')] for name in names}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def sqlite_counts(built_archive):
    conn = sqlite3.connect(built_archive)
    try:
        return {
            name: conn.execute(f'select count(*) from "{name}"').fetchone()[0] for name in TABLES + VIEWS
        }
    finally:
        conn.close()


@pytest.fixture(scope="module")
def streamed_list(datasette):
    """``project_list`` downloaded as the download link does: every row, as dicts."""
    response = fetch_one(datasette, "/esr/project_list.csv?_stream=on&_labels=on")
    assert response.status_code == 200
    rows = csv_rows(response.text)
    header, body = rows[0], rows[1:]
    return header, [dict(zip(header, row)) for row in body]


def amount(value):
    return float(value) if value not in ("", None) else None


# ------------------------------------------------------------------------------------ metadata


def test_metadata_loads_with_provenance_and_license(metadata):
    for key in ("title", "description", "source", "source_url", "license", "license_url", "about"):
        assert metadata.get(key), key
    # Finnish first, English after.
    description = metadata["description"]
    assert description.index("kuvaukset") < description.index("English")
    assert "CC BY 4.0" in metadata["license"] and "julkisia asiakirjoja" in metadata["license"]
    assert "os-data/eu-structural-funds" in metadata["source"]
    assert "Tilastokeskus" in metadata["source"]
    assert metadata["license_url"] == "https://creativecommons.org/licenses/by/4.0/"
    tables = metadata["databases"]["esr"]["tables"]
    assert tables["municipalities"]["license"].startswith("CC BY 4.0")
    assert "os-data/eu-structural-funds" in tables["project_list"]["source_url"]


def test_metadata_leaves_search_to_the_search_plugin(metadata):
    for name, table in metadata["databases"]["esr"]["tables"].items():
        assert not {"fts_table", "fts_pk", "searchmode"} & set(table), name


def test_the_projects_table_searches_the_project_index():
    """The one ``fts_table`` Datasette is given, by load_metadata: the projects table's search
    box searches project_index_fts (their rows share rowids, parser.search.SEARCHED_THROUGH)."""
    tables = load_metadata(ROOT)["databases"]["esr"]["tables"]
    assert {name: table["fts_table"] for name, table in tables.items() if "fts_table" in table} == {"projects": "project_index_fts"}
    assert tables["projects"]["title"] == "Hankkeet — projects"  # merged into, not replaced


def test_every_canned_query_is_a_described_read_only_select(metadata):
    queries = metadata["databases"]["esr"]["queries"]
    assert len(queries) >= 14
    for name, query in queries.items():
        assert not query.get("write"), name
        assert " — " in query["title"], name  # "Suomeksi — In English"
        assert query["description"].strip(), name
        sql = query["sql"]
        validate_sql_select(sql)  # raises unless the statement is a SELECT (or WITH … SELECT)
        assert not re.search(
            r"\b(insert|update|delete|drop|alter|create|attach|detach|vacuum|reindex|pragma)\b|\breplace\s+into\b",
            sql,
            re.I,
        ), name


def test_published_metadata_is_metadata_yml_merged(metadata):
    merged = load_metadata(ROOT)
    assert merged["title"] == metadata["title"]
    assert set(metadata["databases"]["esr"]["queries"]) <= set(merged["databases"]["esr"]["queries"])


def test_every_table_and_view_and_column_is_described(metadata, database_columns):
    """Fails when the archive gains a table, view or column that metadata.yml does not describe."""
    tables = metadata["databases"]["esr"]["tables"]
    assert set(TABLES + VIEWS) <= set(database_columns), "the archive lost a table or view"
    problems = []
    for name, columns in database_columns.items():
        meta = tables.get(name)
        if not meta:
            problems.append(f"{name}: no metadata")
            continue
        if not re.fullmatch(rf".+ — {re.escape(name)}", meta.get("title", "")):
            problems.append(f"{name}: title is not 'Suomeksi — {name}'")
        if " — " not in (meta.get("description") or ""):
            problems.append(f"{name}: description not in Finnish — English")
        described = meta.get("columns") or {}
        for column in columns:
            text = described.get(column)
            if not text or " — " not in text:
                problems.append(f"{name}.{column}: no Finnish — English description")
        for column in set(described) - set(columns):
            problems.append(f"{name}.{column}: described but not in the archive")
    assert not problems, "\n".join(problems)


def test_label_columns_facets_and_hidden_tables(metadata):
    tables = metadata["databases"]["esr"]["tables"]
    assert tables["projects"]["label_column"] == "name"
    assert tables["organisations"]["label_column"] == "name"
    assert tables["documents"]["label_column"] == "path"  # every description has the same title
    assert {"period", "fund", "managing_authority", "implementer_type", "status", "priority_axis_number"} <= set(
        tables["projects"]["facets"]
    )
    assert tables["build_info"]["hidden"] is True


# ------------------------------------------------------------------------------------ pages


@pytest.mark.parametrize("name", TABLES + VIEWS)
def test_table_and_view_pages_in_html_json_and_csv(datasette, sqlite_counts, streamed_list, name):
    expected = KNOWN_COUNTS.get(name, sqlite_counts[name])
    assert sqlite_counts[name] == expected
    html, as_json, first_page = fetch(
        datasette, f"/esr/{name}", f"/esr/{name}.json?_size=1", f"/esr/{name}.csv?_size=max"
    )
    assert html.status_code == 200, html.text[:500]
    assert as_json.status_code == 200
    assert first_page.status_code == 200
    assert as_json.json()["filtered_table_rows_count"] == expected
    # Without _stream, CSV holds one page (at most 1,000 rows); with it, every row.
    assert len(csv_rows(first_page.text)) == min(expected, 1000) + 1
    if name == "project_list":
        streamed = len(streamed_list[1])  # streamed once for the module: 22,821 rows
    else:
        as_csv = fetch_one(datasette, f"/esr/{name}.csv?_stream=on&_labels=on")
        assert as_csv.status_code == 200
        streamed = len(csv_rows(as_csv.text)) - 1  # the header and every row
    assert streamed == expected
    # The Finnish title and the download box are on the page.
    assert " — " + name in html.text
    csv_links, json_links = download_links(html.text)
    assert len(csv_links) == 1 and len(json_links) == 1
    path, params = split_url(csv_links[0]["href"])
    assert path == f"/esr/{name}.csv"
    assert ("_stream", "on") in params and ("_labels", "on") in params
    path, params = split_url(json_links[0]["href"])
    assert path == f"/-/jsonl/esr/{name}"
    if name != "project_list":
        lines = fetch_one(datasette, json_links[0]["href"]).text.splitlines()
        assert len(lines) == expected


@pytest.fixture(scope="module")
def streamed_jsonl(datasette):
    """``project_list`` downloaded once through the JSON Lines link of its page (all 22,821 rows,
    23 pages of Datasette's JSON walked): the link's href and the response."""
    page = fetch_one(datasette, "/esr/project_list")
    _, (json_link,) = download_links(page.text)
    return json_link["href"], fetch_one(datasette, json_link["href"])


def test_json_lines_stream_every_row_as_filtered(datasette, streamed_jsonl):
    href, everything = streamed_jsonl
    assert split_url(href) == ("/-/jsonl/esr/project_list", [("_dl", "on")])  # no filter: every row
    filtered, unknown = fetch(
        datasette,
        "/-/jsonl/esr/project_list?fund=ESR&source_list=projektilista-2007-2013.csv",
        "/-/jsonl/esr/no_such_table",
    )
    rows = [json.loads(line) for line in everything.text.splitlines()]
    assert len(rows) == 22821 and len({row["code"] for row in rows}) == 22821
    assert everything.headers["content-type"].startswith("application/x-ndjson")
    esr_2007 = [json.loads(line) for line in filtered.text.splitlines()]
    assert len(esr_2007) == 2775 and {row["fund"] for row in esr_2007} == {"ESR"}
    assert filtered.headers["content-type"].startswith("application/x-ndjson")
    assert "content-disposition" not in filtered.headers  # only the download link (_dl) asks for a file
    assert unknown.status_code == 404


def test_json_lines_are_sent_200_rows_a_piece(datasette):
    """2,775 rows in 14 pieces (13 of 200 and one of 175), not one message a row."""
    bodies = [body for body in asgi_body_messages(datasette, "/-/jsonl/esr/project_list?fund=ESR&source_list=projektilista-2007-2013.csv") if body]
    assert [body.count(b"\n") for body in bodies] == [200] * 13 + [175]
    assert len({json.loads(line)["code"] for body in bodies for line in body.splitlines()}) == 2775


def test_hidden_tables_are_hidden_but_reachable(datasette):
    index, build_info = fetch(datasette, "/esr.json", "/esr/build_info.json?_shape=array")
    hidden = {t["name"]: t["hidden"] for t in index.json()["tables"]}
    assert hidden["build_info"] is True
    assert all(hidden[name] for name in hidden if "_fts" in name)
    assert not any(hidden[name] for name in TABLES if name != "build_info")
    assert {row["key"] for row in build_info.json()} >= {"parser", "contacts"}


def test_database_page_lists_tables_and_queries_by_their_finnish_titles(datasette, metadata):
    page = fetch_one(datasette, "/esr")
    assert page.status_code == 200
    for query in metadata["databases"]["esr"]["queries"].values():
        assert query["title"].replace("&", "&amp;") in page.text
    contents = page.text[page.text.index('id="esr-contents"') :]
    contents = contents[: contents.index("</div>")]
    tables = metadata["databases"]["esr"]["tables"]
    for name in TABLES + VIEWS:
        link = f'<a href="/esr/{name}">{tables[name]["title"]}</a>'
        assert (link in contents) != (name == "build_info"), name  # hidden tables stay out
    assert contents.index("Hankkeet — projects") < contents.index("Asiakirjat — documents")


def test_index_page_shows_the_finnish_title_and_provenance(datasette, metadata):
    page = fetch_one(datasette, "/")
    assert page.status_code == 200
    assert "ESR-arkisto" in page.text
    assert "rakennerahastot.fi" in page.text
    assert "creativecommons.org/licenses/by/4.0" in page.text


def test_configured_facets_and_sortable_columns(datasette):
    projects, view, unsortable = fetch(
        datasette,
        "/esr/projects.json?_size=0",
        "/esr/funding_realisation.json?_size=0",
        "/esr/projects.json?_sort=summary",
    )
    facets = projects.json()["facet_results"]
    assert {"period", "fund", "managing_authority", "implementer_type", "status", "priority_axis_number"} <= set(facets)
    periods = {r["value"]: r["count"] for r in facets["period"]["results"]}
    assert periods == {"2007-2013": 2, "2014-2020": 2}
    authorities = {r["value"]: r["count"] for r in facets["managing_authority"]["results"]}
    assert authorities == {ESAVO: 2, KSUOMI: 1, PPOHJANMAA: 1}
    assert {"period", "managing_authority"} <= set(view.json()["facet_results"])
    # A long text is not sortable. (Datasette 0.65 answers such a request with 500, not 400.)
    assert unsortable.status_code != 200
    assert "Cannot sort table by summary" in unsortable.text


# ------------------------------------------------------------------------------------ CSV


def test_streamed_csv_has_every_row_of_project_list(streamed_list, built_archive):
    header, rows = streamed_list
    assert header[:3] == ["code", "fund", "name"]
    assert len(rows) == LIST_ROWS
    codes = [row["code"] for row in rows]
    assert len(set(codes)) == LIST_ROWS
    conn = sqlite3.connect(built_archive)
    try:
        assert set(codes) == {c for (c,) in conn.execute("select code from project_list")}
    finally:
        conn.close()
    # The 2007–2013 amounts add up to the README's (independently checked) totals.
    old = [row for row in rows if row["source_list"] == "projektilista-2007-2013.csv"]
    assert len(old) == 19_940
    totals = [round(sum(amount(row[a]) or 0 for row in old)) for a in AMOUNTS]
    assert totals == [2_985_951_604, 2_858_282_488, 3_686_557_233, 3_483_740_129]


def test_filtered_csv_has_exactly_the_filtered_rows(datasette, streamed_list):
    _, rows = streamed_list
    esr_old = [r["code"] for r in rows if r["fund"] == "ESR" and r["source_list"] == "projektilista-2007-2013.csv"]
    assert len(esr_old) == 2775
    esavo = [r["code"] for r in rows if "Etelä-Savon" in r["managing_authority"]]
    first, second = fetch(
        datasette,
        "/esr/project_list.csv?_stream=on&fund=ESR&source_list=projektilista-2007-2013.csv",
        "/esr/project_list.csv?_stream=on&managing_authority__contains="
        + urllib.parse.quote("Etelä-Savon"),
    )
    got = [row[0] for row in csv_rows(first.text)[1:]]
    assert sorted(got) == sorted(esr_old)
    got = [row[0] for row in csv_rows(second.text)[1:]]
    assert sorted(got) == sorted(esavo) and len(got) > 1000  # more than one page, all streamed


def test_labels_show_names_instead_of_codes(datasette):
    as_csv, as_json, areas, html = fetch(
        datasette,
        "/esr/projects.csv?_labels=on&_col=implementer_business_id&_col=document_id",
        "/esr/projects.json?_labels=on&_shape=array&_col=implementer_business_id",
        "/esr/project_areas.json?_labels=on&_shape=array&project_code=S21736&level=region",
        "/esr/project_areas?project_code=S21736",
    )
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(as_csv.text))}
    assert rows["S10962"]["implementer_business_id"] == "0171450-7"
    assert rows["S10962"]["implementer_business_id_label"] == "Kuopion kaupunki"
    assert rows["S10673"]["implementer_business_id_label"] == "Jupiter-säätiö"
    assert rows["S20334"]["document_id_label"] == "S20334.txt"
    by_code = {r["code"]: r["implementer_business_id"] for r in as_json.json()}
    assert by_code["S21736"] == {"value": "2555856-1", "label": "KRIS-Oulu ry"}
    assert areas.json()[0]["project_code"] == {"value": "S21736", "label": "Back up!"}
    assert "Back up!" in html.text  # the HTML table shows the project's name by its code


# ------------------------------------------------------------------------------------ the link


def test_download_link_keeps_filters_and_streams_them(datasette):
    page = fetch_one(
        datasette,
        "/esr/project_list?fund=ESR&status=Keskeytynyt&_sort=code&_facet=managing_authority&_next=S10400",
    )
    assert page.status_code == 200
    assert DOWNLOAD_TEXT in page.text
    (csv_link,), (json_link,) = download_links(page.text)
    path, params = split_url(csv_link["href"])
    assert path == "/esr/project_list.csv"
    keys = [k for k, _ in params]
    assert ("fund", "ESR") in params and ("status", "Keskeytynyt") in params and ("_sort", "code") in params
    assert ("_stream", "on") in params and ("_labels", "on") in params
    assert "_next" not in keys and "_size" not in keys and not any(k.startswith("_facet") for k in keys)

    count = fetch_one(datasette, "/esr/project_list.json?fund=ESR&status=Keskeytynyt&_size=0")
    expected = count.json()["filtered_table_rows_count"]
    assert expected > 0
    downloaded, as_json = fetch(datasette, csv_link["href"], json_link["href"])
    assert downloaded.status_code == 200
    assert "attachment" in downloaded.headers.get("content-disposition", "")
    rows = list(csv.DictReader(io.StringIO(downloaded.text)))
    assert len(rows) == expected
    assert all(r["fund"] == "ESR" and r["status"] == "Keskeytynyt" for r in rows)
    assert [r["code"] for r in rows] == sorted(r["code"] for r in rows)
    assert as_json.status_code == 200
    json_rows = [json.loads(line) for line in as_json.text.splitlines()]
    assert len(json_rows) == expected
    assert all(r["fund"] == "ESR" and r["status"] == "Keskeytynyt" for r in json_rows)


def test_json_link_gives_every_row_not_one_page(streamed_jsonl):
    _, everything = streamed_jsonl
    assert len(everything.text.splitlines()) == 22821  # Datasette's own JSON stops at 1,000 a page
    assert everything.headers["content-disposition"] == 'attachment; filename="project_list.jsonl"'


# ------------------------------------------------------------------------------------ queries


def test_every_canned_query_runs_without_parameters(datasette, metadata):
    names = list(metadata["databases"]["esr"]["queries"])
    responses = fetch(datasette, *(f"/esr/{name}.json" for name in names))
    for name, response in zip(names, responses):
        assert response.status_code == 200, (name, response.text[:300])
        assert response.json()["ok"] is True, name
    pages = fetch(datasette, *(f"/esr/{name}" for name in names))
    assert all(p.status_code == 200 for p in pages)


def test_funding_by_managing_authority(datasette):
    rows = query_rows(datasette, "funding_by_managing_authority")
    assert rows == [
        {"managing_authority": ESAVO, "projects": 2, **funding(S10962, S20334)},
        {"managing_authority": PPOHJANMAA, "projects": 1, **funding(S21736)},
        {"managing_authority": KSUOMI, "projects": 1, **funding(S10673)},
    ]
    # Worked out by hand: 517,750 + 348,690 = 866,440 of 560,897 + 458,937 = 1,019,834.
    assert rows[0]["eu_state_granted"] == 1_019_834 and rows[0]["eu_state_realised"] == 866_440
    assert rows[0]["eu_state_realisation_rate"] == 0.8496 and rows[0]["public_realisation_rate"] == 0.8416
    rows = query_rows(datasette, "funding_by_managing_authority", period="2014-2020")
    assert rows == [
        {"managing_authority": ESAVO, "projects": 1, **funding(S20334)},
        {"managing_authority": PPOHJANMAA, "projects": 1, **funding(S21736)},
    ]
    assert query_rows(datasette, "funding_by_managing_authority", fund="EAKR") == []


def test_funding_by_region(datasette):
    rows = query_rows(datasette, "funding_by_region")
    assert rows == [
        {"region_code": "11", "region": "Pohjois-Savo", "projects": 2, **funding(S10962, S20334)},
        {"region_code": "15", "region": "Pohjanmaa", "projects": 1, **funding(S10673)},
        {"region_code": "17", "region": "Pohjois-Pohjanmaa", "projects": 1, **funding(S21736)},
    ]


def test_funding_by_priority_axis_and_period(datasette):
    rows = query_rows(datasette, "funding_by_priority_axis")
    assert [(r["period"], r["priority_axis_number"], r["projects"]) for r in rows] == [
        ("2007-2013", "2", 2),
        ("2014-2020", "5", 2),
    ]
    assert rows[0]["priority_axis_name"].startswith("Työllistymisen ja työmarkkinoilla pysymisen")
    assert rows[1]["priority_axis_name"] == "Sosiaalinen osallisuus ja köyhyyden torjunta"
    assert {k: rows[0][k] for k in funding(S10673)} == funding(S10673, S10962)
    assert {k: rows[1][k] for k in funding(S10673)} == funding(S20334, S21736)
    rows = query_rows(datasette, "funding_by_period")
    assert rows == [
        {"period": "2007-2013", "fund": "ESR", "projects": 2, **funding(S10673, S10962)},
        {"period": "2014-2020", "fund": "ESR", "projects": 2, **funding(S20334, S21736)},
    ]
    # 730,897 granted and 679,908 realised in 2007–2013: 93.02 %.
    assert rows[0]["eu_state_granted"] == 730_897 and rows[0]["eu_state_realisation_rate"] == 0.9302


def period_of(row):
    return "2007-2013" if "2007-2013" in row["source_list"] else "2014-2020"


def authority_of(row):
    return (
        row["managing_authority"]
        .replace("elinkeino-  liikenne", "elinkeino-, liikenne")
        .replace("elinkeino- liikenne", "elinkeino-, liikenne")
    )


def python_sums(rows, key):
    """The list's rows grouped by ``key``: [count, flagged, four sums of the unflagged rows].

    A sum is None when the group has no unflagged value, as SQL's sum() of nothing is null.
    """
    groups = {}
    for row in rows:
        group = groups.setdefault(key(row), [0, 0, None, None, None, None])
        group[0] += 1
        if row["flag"]:
            group[1] += 1
            continue
        for i, a in enumerate(AMOUNTS):
            value = amount(row[a])
            if value is not None:
                group[2 + i] = (group[2 + i] or 0.0) + value
    return groups


def assert_matches(query, groups, key):
    assert len(query) == len(groups)
    for row in query:
        count, flagged, *sums = groups[key(row)]
        assert (row["projects"], row["flagged"]) == (count, flagged)
        for a, total in zip(AMOUNTS, sums):
            if total is None:
                assert row[a] is None, (key(row), a)
            else:
                assert row[a] == pytest.approx(total, abs=0.01), (key(row), a)


def test_list_funding_by_period(datasette, streamed_list):
    _, rows = streamed_list
    query = query_rows(datasette, "list_funding_by_period")
    key = lambda r: (r["period"], r["fund"])  # noqa: E731
    assert_matches(query, python_sums(rows, lambda r: (period_of(r), r["fund"])), key)
    assert sum(r["projects"] for r in query) == LIST_ROWS
    old = [r for r in query if r["period"] == "2007-2013"]
    assert round(sum(r["eu_state_granted"] for r in old)) == 2_985_951_604
    assert round(sum(r["public_realised"] for r in old)) == 3_483_740_129
    assert {r["list_date"] for r in old} == {"2015-12-31"}
    esr_old = next(r for r in old if r["fund"] == "ESR")
    assert esr_old["projects"] == 2775
    assert esr_old["eu_state_realisation_rate"] == round(esr_old["eu_state_realised"] / esr_old["eu_state_granted"], 4)
    assert sum(r["flagged"] for r in query) == 24


def test_list_funding_by_managing_authority(datasette, streamed_list):
    _, rows = streamed_list
    query = query_rows(datasette, "list_funding_by_managing_authority")
    key = lambda r: (r["period"], r["fund"], r["managing_authority"])  # noqa: E731
    assert_matches(query, python_sums(rows, lambda r: (period_of(r), r["fund"], authority_of(r))), key)
    assert not any("elinkeino-  liikenne" in (r["managing_authority"] or "") for r in query)
    esr = query_rows(datasette, "list_funding_by_managing_authority", period="2007-2013", fund="ESR")
    assert sum(r["projects"] for r in esr) == 2775
    assert esr == sorted(esr, key=lambda r: -r["eu_state_granted"])


def test_list_funding_by_priority_axis_and_programme_section(datasette, streamed_list):
    _, rows = streamed_list
    query = query_rows(datasette, "list_funding_by_priority_axis")
    key = lambda r: (r["period"], r["fund"], r["priority_axis_number"])  # noqa: E731
    assert_matches(query, python_sums(rows, lambda r: (period_of(r), r["fund"], r["priority_axis_number"])), key)
    sections = query_rows(datasette, "list_funding_by_programme_section", fund="ESR")
    key = lambda r: (r["period"], r["fund"], r["programme_section"] or "")  # noqa: E731
    esr_rows = [r for r in rows if r["fund"] == "ESR"]
    assert_matches(sections, python_sums(esr_rows, lambda r: (period_of(r), r["fund"], r["programme_section"])), key)
    assert [r["programme_section"] for r in sections if r["period"] == "2014-2020"] == [None]


def test_largest_gaps(datasette, streamed_list):
    rows = query_rows(datasette, "largest_gaps")
    assert [(r["code"], r["eu_state_gap"]) for r in rows] == [
        ("S20334", 458_937 - 348_690),
        ("S10962", 560_897 - 517_750),
        ("S10673", 170_000 - 162_158),
        ("S21736", 323_626 - 316_345),
    ]
    assert rows[0]["eu_state_realisation_rate"] == 0.7598
    assert rows[0]["public_gap"] == 655_623 - 498_128

    _, listed = streamed_list
    candidates = [
        r
        for r in listed
        if not r["flag"] and r["status"] != "Toiminnassa" and r["eu_state_granted"] and r["eu_state_realised"]
    ]
    gaps = sorted(amount(r["eu_state_granted"]) - amount(r["eu_state_realised"]) for r in candidates)[::-1]
    query = query_rows(datasette, "list_largest_gaps")
    assert len(query) == 100
    assert [r["eu_state_gap"] for r in query] == pytest.approx(gaps[:100], abs=0.01)
    assert all(r["status"] != "Toiminnassa" for r in query)
    interrupted = query_rows(datasette, "list_largest_gaps", fund="ESR", status="Keskeytynyt")
    assert interrupted and all(r["fund"] == "ESR" and r["status"] == "Keskeytynyt" for r in interrupted)


def test_organisation_projects_by_business_id(datasette, streamed_list):
    rows = query_rows(datasette, "organisation_projects", q="0171450-7")
    described = [r for r in rows if r["source"] == "description"]
    assert [(r["code"], r["role"], r["business_id"], r["matched_by"]) for r in described] == [
        ("S10962", "implementer", "0171450-7", "business_id"),
        ("S20334", "implementer", "0171450-7", "business_id"),
    ]
    assert described[1]["eu_state_granted"] == 458_937  # the description's figure, not the snapshot's
    # The list has no business IDs: its rows whose implementer is exactly one of the names the
    # descriptions write for 0171450-7 ("Kuopion Kaupunki", "Kuopion kaupunki").
    _, listed = streamed_list
    expected = sorted(
        r["code"] for r in listed if fold(r["implementer_name"]) == "kuopion kaupunki" and r["code"] not in ("S10962", "S20334")
    )
    others = [r for r in rows if r["source"] != "description"]
    assert sorted(r["code"] for r in others) == expected and len(expected) == 14
    assert all(r["matched_by"] == "name_of_business_id" for r in others)
    assert len(rows) == 16


def test_organisation_projects_by_name(datasette, streamed_list):
    _, listed = streamed_list
    rows = query_rows(datasette, "organisation_projects", q="kris-oulu")
    assert [(r["code"], r["name"], r["business_id"], r["matched_by"]) for r in rows] == [
        ("S21736", "Back up!", "2555856-1", "name")
    ]
    rows = query_rows(datasette, "organisation_projects", q="JUPITER")
    assert [r["code"] for r in rows] == ["S10346", "S10673", "S11899", "S20300"]
    assert [r["source"] for r in rows if r["code"] == "S10673"] == ["description"]
    # Upper-case Ä and Ö fold too: SQLite's lower() alone would miss "Äänekosken kaupunki".
    rows = query_rows(datasette, "organisation_projects", q="ÄÄNEKOSKEN")
    expected = sorted(r["code"] for r in listed if "äänekosken" in fold(r["implementer_name"]))
    assert sorted(r["code"] for r in rows) == expected and len(expected) > 10
    assert query_rows(datasette, "organisation_projects", q="") == []
    assert query_rows(datasette, "organisation_projects", q="   ") == []


@pytest.mark.parametrize(
    "municipality, expected",
    [
        ("297", [("S10962", "Kuopio", "297"), ("S20334", "Kuopio", "297")]),
        ("Kuopio", [("S10962", "Kuopio", "297"), ("S20334", "Kuopio", "297")]),
        ("kuopio", [("S10962", "Kuopio", "297"), ("S20334", "Kuopio", "297")]),
        ("Nilsiä", [("S10962", "Nilsiä", None)]),  # merged into Kuopio in 2013: no code
        ("Jakobstad", [("S10673", "Pietarsaari", "598")]),  # the Swedish name
        ("Pedersöre", [("S10673", "Pedersöre", "599")]),
        ("564", [("S21736", "Oulu", "564")]),
        ("91", []),  # 091 Helsinki: no sample project
        ("", []),
    ],
)
def test_municipality_projects(datasette, municipality, expected):
    rows = query_rows(datasette, "municipality_projects", municipality=municipality)
    assert [(r["code"], r["municipality"], r["municipality_code"]) for r in rows] == expected


def test_description_list_discrepancies(datasette):
    rows = query_rows(datasette, "description_list_discrepancies")
    assert [(r["project_code"], r["field"], r["description_value"], r["list_value"], r["difference"]) for r in rows] == [
        ("S20334", "eu_state_granted", 458_937, 296_461, 162_476),
        ("S20334", "eu_state_realised", 348_690, 64_798.16, 283_891.84),
        ("S20334", "public_realised", 498_128, 92_568.62, 405_559.38),
        ("S20334", "status", "Toiminta päättynyt", "Toiminnassa", None),
    ]
    assert {r["name"] for r in rows} == {"Osallistavan sosiaalisen tuen kehittämishanke"}
    assert {r["source_list"] for r in rows} == {"projektilista-2014-2020-snapshot.csv"}
    assert [r["field"] for r in query_rows(datasette, "description_list_discrepancies", field="status")] == ["status"]
    assert query_rows(datasette, "description_list_discrepancies", code="S10962") == []


def test_warnings_by_kind(datasette):
    rows = query_rows(datasette, "warnings_by_kind")
    assert [(r["code"], r["warnings"], r["documents"]) for r in rows] == [("municipality_not_matched", 2, 2)]
    assert "Nilsiä" in rows[0]["example_message"]
