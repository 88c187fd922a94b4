"""HTTP errors of the published archive: a request can be wrong, the server never is.

Every request below is one an anonymous visitor can make. Datasette 0.65 answered each of them
with a 500 (or, for a few, with a misleading 200 or 400); the archive answers a 4xx whose message
is in Finnish and English: an HTML page for a page, JSON for ``.json``, plain text for ``.csv``
(``plugins/errors.py``, rules in ``parser/publish/errors.py``). The fuzz test at the end sends
request URLs built from the archive's real tables, keys and columns with hostile values and
checks that none of them is a 500.

Requests go through Datasette's own test client on the archive built from the real corpus (the
session fixtures ``built_archive`` and ``datasette`` of conftest.py).
"""

from __future__ import annotations

import asyncio
import html
import re
import sqlite3
import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import ROOT


def fetch(datasette, path):
    async def run():
        return await datasette.client.get(path)

    return asyncio.run(run())


def with_format(path: str, extension: str) -> str:
    """``/esr/projects?x=1`` as ``/esr/projects.json?x=1`` (``extension`` "" leaves it as it is)."""
    route, question, query = path.partition("?")
    return route + extension + question + query


def bilingual_error(response, extension: str) -> tuple[str, str]:
    """The Finnish and the English message of an error response, checked for its format."""
    content_type = response.headers["content-type"]
    if extension == ".json":
        assert content_type.startswith("application/json"), content_type
        body = response.json()
        assert body["ok"] is False and body["status"] == response.status_code
        fi, en = body["error_fi"], body["error_en"]
        assert fi in body["error"] and en in body["error"]
    elif extension == ".csv":
        assert content_type.startswith("text/plain"), content_type
        fi, en = re.search(r"^Virhe \d+ / Error \d+\n(.+)\n(.+)\n", response.text).groups()
    else:
        assert content_type.startswith("text/html"), content_type
        fi = html.unescape(re.search(r'<p class="error-fi" lang="fi">(.*?)</p>', response.text, re.DOTALL).group(1))
        en = html.unescape(re.search(r'<p class="error-en" lang="en">(.*?)</p>', response.text, re.DOTALL).group(1))
    assert fi.strip() and en.strip() and fi != en
    return fi, en


# ------------------------------------------------------------------------- the 500s, one by one

#: (request, status, a piece of the English message). Each was a 500 of Datasette 0.65 unless
#: its comment says otherwise.
CASES = [
    # An unknown column, a long text (not in sortable_columns), rowid of a table with a key, a view.
    ("/esr/projects?_sort=nope", 400, "Cannot sort table by nope"),
    ("/esr/projects?_sort=summary", 400, "Cannot sort table by summary"),
    ("/esr/projects?_sort_desc=summary", 400, "Cannot sort table by summary"),
    ("/esr/project_areas?_sort=rowid", 400, "Cannot sort table by rowid"),
    ("/esr/funding_realisation?_sort=nope", 400, "Cannot sort table by nope"),
    ("/esr/projects?_sort=code&_sort_desc=name", 400, "_sort and _sort_desc"),
    # __in / __notin: bad JSON, a JSON item SQLite cannot bind, an integer beyond 64 bits.
    ("/esr/projects?code__in=[bad", 400, "code__in"),
    ("/esr/projects?code__notin=[bad", 400, "code__notin"),
    ('/esr/projects?code__in=[{"a":1}]', 400, "code__in"),
    ("/esr/projects?code__in=[[1]]", 400, "code__in"),
    ("/esr/projects?code__in=[99999999999999999999]", 400, "code__in"),
    # JSON can spell a lone surrogate, which SQLite's UTF-8 cannot take (UnicodeEncodeError).
    ('/esr/projects?code__in=["\\ud800"]', 400, "code__in"),
    ('/esr/projects?_through={"table":"indicators","column":"position","value":"\\ud800"}', 400, "_through"),
    ('/esr/projects?_through={"table":"\\ud800","column":"x","value":"1"}', 400, "_through"),
    ('/esr/projects?_facet={"column":"\\ud800"}', 400, "_facet"),
    # ... and a NUL, which SQLite refuses in a column name (the query contains a null character).
    ('/esr/projects?_through={"table":"indicators","column":"posi\\u0000tion","value":"1"}', 400, "_through"),
    ('/esr/projects?_facet={"column":"na\\u0000me"}', 400, "_facet"),
    # The numeric comparisons: beyond 64 bits, or a digit Python's int() refuses.
    ("/esr/projects?eu_state_granted__gt=99999999999999999999", 400, "eu_state_granted__gt"),
    ("/esr/projects?eu_state_granted__lte=%C2%B2", 400, "eu_state_granted__lte"),
    # Too few values of a compound key (project_code, position); too many (was a 200).
    ("/esr/indicators/S10962", 404, "project_code, position"),
    ("/esr/indicators/S10962,1,2", 404, "project_code, position"),
    # A row of a table that does not exist, of a view (both were a 400 "Invalid SQL").
    ("/esr/no_such_table/1", 404, "no_such_table"),
    ("/esr/funding_realisation/1", 404, "funding_realisation"),
    # _timelimit that is not a whole number: on a table, a canned query, an SQL query.
    ("/esr/projects?_timelimit=abc", 400, "_timelimit"),
    ("/esr/funding_by_region?_timelimit=abc", 400, "_timelimit"),
    ("/esr?sql=select+1&_timelimit=abc", 400, "_timelimit"),
    ("/esr/projects?_timelimit=" + "9" * 5000, 400, "_timelimit"),
    # _through: not JSON, not an object, a key missing, a table that is not a string, a value
    # SQLite cannot bind or beyond 64 bits, an unknown table, a table without a foreign key to this one.
    ("/esr/projects?_through=bad", 400, "_through"),
    ("/esr/projects?_through=[1]", 400, "_through"),
    ('/esr/projects?_through={"table":"indicators"}', 400, "_through"),
    ('/esr/projects?_through={"table":1,"column":"x","value":"1"}', 400, "_through"),
    ('/esr/projects?_through={"table":"indicators","column":"position","value":{"a":1}}', 400, "_through"),
    ('/esr/projects?_through={"table":"indicators","column":"position","value":99999999999999999999}', 400, "_through"),
    ('/esr/projects?_through={"table":"nope","column":"x","value":"1"}', 400, "_through"),
    ('/esr/projects?_through={"table":"municipalities","column":"code","value":"1"}', 400, "_through"),
    # Read with int() once str.isdigit() says digits (a superscript two is a digit to isdigit()).
    ("/esr/projects?_facet_size=%C2%B2", 400, "_facet_size"),
    ("/esr/projects?_ttl=%C2%B2", 400, "_ttl"),
    # A facet given as JSON: not JSON, or its column not a string.
    ("/esr/projects?_facet={", 400, "_facet"),
    ('/esr/projects?_facet={"x":1}', 400, "_facet"),
    ('/esr/projects?_facet_array={"column":1}', 400, "_facet_array"),
    ("/esr/projects?_facet_size={", 400, "_facet_size"),
    # _next of a view is a row offset.
    ("/esr/funding_realisation?_next=abc", 400, "_next"),
    # A NUL character in a parameter's name or value (SQLite refuses it in the SQL text).
    ("/esr/projects?_facet=%00", 400, "NUL"),
    ("/esr/projects?na%00me__exact=1", 400, "NUL"),
    ("/esr/projects?%00=1", 400, "NUL"),
]


#: Requests in one format only: (request, status, a piece of the English message).
FORMAT_CASES = [
    # The database page has no rows: its CSV, and the JSON shapes made of rows (KeyError: 'rows').
    ("/esr.csv", 400, "query"),
    ("/esr.csv?_stream=on&_dl=on", 400, "query"),
    ("/esr.json?_shape=array", 400, "_shape=array"),
    ("/esr.json?_shape=arrayfirst", 400, "_shape=arrayfirst"),
    # _json_infinity is read with value_as_boolean, which raises on anything else.
    ("/esr/projects.json?_json_infinity=x", 400, "_json_infinity"),
    # _shape=object of what has no primary key: Datasette's JSON says "ok": false with a 200.
    ("/esr/funding_realisation.json?_shape=object", 400, "_shape=object"),
    ("/esr/funding_by_region.json?_shape=object", 400, "_shape=object"),
    ("/esr.json?sql=select+1&_shape=object", 400, "_shape=object"),
    # An unknown _shape: Datasette's own 400, now in Finnish too.
    ("/esr/projects.json?_shape=", 400, "Invalid _shape"),
]


@pytest.mark.parametrize("path,status,english", FORMAT_CASES, ids=[case[0] for case in FORMAT_CASES])
def test_a_bad_request_in_one_format_is_a_bilingual_4xx(datasette, path, status, english):
    response = fetch(datasette, path)
    assert response.status_code == status, response.text[:300]
    _, en = bilingual_error(response, "." + path.partition("?")[0].rpartition(".")[2])
    assert english in en


@pytest.mark.parametrize("extension", ["", ".json", ".csv"])
@pytest.mark.parametrize("path,status,english", CASES, ids=[case[0][:70] for case in CASES])
def test_a_bad_request_is_a_bilingual_4xx(datasette, path, status, english, extension):
    response = fetch(datasette, with_format(path, extension))
    assert response.status_code == status, response.text[:300]
    _, en = bilingual_error(response, extension)
    assert english in en


def test_a_streamed_csv_with_a_bad_sort_is_a_plain_text_400(datasette):
    for path in ("/esr/projects.csv?_sort=summary&_stream=on", "/esr/projects.csv?_sort=name&_sort_desc=name&_stream=on&_dl=on"):
        response = fetch(datasette, path)
        assert response.status_code == 400
        bilingual_error(response, ".csv")
        assert "content-disposition" not in response.headers  # an error is not a download


def test_datasettes_own_4xx_pages_are_bilingual_too(datasette):
    for path, status in [("/esr/nope", 404), ("/esr/projects/nope", 404), ("/esr/projects?_size=abc", 400), ("/nope", 404)]:
        for extension in ("", ".json"):
            response = fetch(datasette, with_format(path, extension))
            assert response.status_code == status
            bilingual_error(response, extension)


@pytest.mark.parametrize("extension", ["", ".json", ".csv"])
@pytest.mark.parametrize(
    "value, english",
    [
        ("abc", "«abc» is not one"),
        ("1%20000%20000%20%E2%82%AC", "write «1 000 000 €» without spaces and with a decimal point, «1000000»"),
        ("296%C2%A0461,37", "write «296\u00a0461,37» without spaces and with a decimal point, «296461.37»"),
        ("", "its value is missing"),
    ],
)
def test_a_comparison_with_no_number_on_a_numeric_column_is_a_400_not_an_empty_page(datasette, value, english, extension):
    """Datasette would bind the value as text, which compares after every number: no row, no
    word. The lists' sums are REAL columns."""
    response = fetch(datasette, with_format(f"/esr/project_list?eu_state_granted__gt={value}", extension))
    assert response.status_code == 400, response.text[:300]
    fi, en = bilingual_error(response, extension)
    assert english in en and "eu_state_granted__gt" in fi


def test_numbers_and_text_comparisons_still_filter(datasette, built_archive):
    """A number SQLite reads (spaces around it, an exponent) filters as before, and a text
    column compares as text: the counts are SQLite's own over the archive's file."""
    with sqlite3.connect(f"file:{built_archive}?mode=ro", uri=True) as connection:
        (over,) = connection.execute("select count(*) from project_list where eu_state_granted > 1000000").fetchone()
        (at_least,) = connection.execute("select count(*) from project_list where eu_state_granted >= 1000000").fetchone()
        (after_abc,) = connection.execute("select count(*) from project_list where name > 'abc'").fetchone()
    plain = fetch(datasette, "/esr/project_list.json?eu_state_granted__gt=1000000&_size=1").json()
    spaced = fetch(datasette, "/esr/project_list.json?eu_state_granted__gte=%201e6%20&_size=1").json()
    named = fetch(datasette, "/esr/project_list.json?name__gt=abc&_size=1").json()
    assert over > 0 and at_least > over and after_abc > 0
    assert (plain["filtered_table_rows_count"], spaced["filtered_table_rows_count"], named["filtered_table_rows_count"]) == (over, at_least, after_abc)
    streamed = fetch(datasette, "/-/jsonl/esr/project_list?eu_state_granted__lt=kymmenen")
    assert streamed.status_code == 400 and "«kymmenen»" in streamed.json()["error_fi"]


def test_the_sort_error_names_the_sortable_columns(datasette):
    response = fetch(datasette, "/esr/projects.json?_sort=summary")
    fi, en = bilingual_error(response, ".json")
    assert "summary" in fi and "eu_state_granted" in fi and "eu_state_granted" in en


def test_a_raw_non_ascii_path_is_not_a_server_error(datasette):
    """A request line with raw bytes over 0x7F (no client sends it, a script can): Datasette's
    router decodes the raw path as ASCII and fails before any error page."""
    app = datasette.app()
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": "/esr/projektit-ä", "raw_path": "/esr/projektit-ä".encode(), "query_string": b"",
        "root_path": "", "headers": [(b"host", b"localhost")], "client": ("127.0.0.1", 1), "server": ("localhost", 80),
    }
    asyncio.run(app(scope, receive, send))
    assert 400 <= sent[0]["status"] < 500


# ------------------------------------------------------------------- the SQL time limit in CSV


def _interrupt_call(monkeypatch, number: int):
    """Make the ``number``-th call of Datasette's table query (1 = the first page) hit the SQL
    time limit, as a slow filter on a large table does; the real time limit is not reproducible."""
    from datasette.database import QueryInterrupted
    from datasette.views.table import TableView

    original = TableView.data
    calls = {"n": 0}

    async def data(self, request, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == number:
            raise QueryInterrupted(sqlite3.OperationalError("interrupted"), "select * from project_list", {})
        return await original(self, request, *args, **kwargs)

    monkeypatch.setattr(TableView, "data", data)


def test_a_csv_stream_that_hits_the_time_limit_at_once_is_a_400(datasette, monkeypatch):
    _interrupt_call(monkeypatch, 1)
    response = fetch(datasette, "/esr/project_list.csv?_stream=on&_labels=on&_dl=on")
    assert response.status_code == 400
    fi, en = bilingual_error(response, ".csv")
    assert "aikaraja" in fi and "time limit" in en


def test_a_csv_stream_cut_by_the_time_limit_says_so_in_its_last_row(datasette, monkeypatch):
    """After the first page the status (200) is sent; Datasette ended the file with the Python
    repr of the exception. The last row now says, in both languages, that rows are missing."""
    import csv
    import io

    _interrupt_call(monkeypatch, 3)
    response = fetch(datasette, "/esr/project_list.csv?_stream=on")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.text)))
    assert len(rows) > 50 and "OperationalError" not in response.text
    assert len(rows[-1]) == 1
    assert rows[-1][0].startswith("VIRHE: lataus keskeytyi") and "ERROR: download interrupted" in rows[-1][0]
    assert all(len(row) == len(rows[0]) for row in rows[:-1])


def test_a_real_time_limit_in_a_csv_stream_is_never_a_500(datasette):
    response = fetch(datasette, "/esr/project_list.csv?_stream=on&_timelimit=1&raw__contains=zzz&_sort=name")
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        bilingual_error(response, ".csv")


# ------------------------------------------------------------------------------------ fuzzing

#: Datasette 0.65's filter operators (datasette/filters.py), and two it does not know.
OPERATORS = [
    "exact", "not", "contains", "endswith", "startswith", "gt", "gte", "lt", "lte", "like", "notlike",
    "glob", "in", "notin", "arraycontains", "arraynotcontains", "date", "isnull", "notnull", "isblank",
    "notblank", "nope", "",
]
PARAMETERS = [
    "_sort", "_sort_desc", "_search", "_next", "_size", "_facet", "_through", "_timelimit", "_shape",
    "_labels", "_stream", "_facet_size", "_col", "_nocol", "_search_name", "_searchmode", "_nl", "_dl",
    "_json", "_json_infinity", "_label", "_facet_array", "_facet_date", "_header", "_trace", "_ttl",
]
#: SQL for the database page's ``sql`` (arbitrary SQL is the authorizer's concern, not fuzzed here).
QUERIES = ["select 1", "select * from projects", "select :p", "select code from projects where code = :code", ""]
HOSTILE = [
    "", " ", "'", '"', "''", '""', "[", "]", "[]", "[[", "[bad", '["a"', "{", "}", "{}", "[1,", "[null]",
    "[{}]", '[{"a":1}]', "[[1]]", "[1e999]", "[-1e999]", "[99999999999999999999]", "null", "true",
    '{"table":"indicators","column":"position","value":"1"}', '{"table":"projects"}', '{"table":[],"column":{},"value":[]}',
    '{"table":"indicators","column":"position","value":99999999999999999999}', '{"column":1}', '{"simple":"name"}',
    '["\\ud800"]', '{"column":"\\udfff"}', '{"table":"indicators","column":"position","value":"\\ud83d"}', '"\\u0000"',
    '{"column":"a\\u0000"}', '{"table":"indicators","column":"\\u0000","value":1}',
    "-1", "0", "1", "-0", "1.5", "1e9999", "9" * 30, "9" * 5000, "-" + "9" * 25, "0x10", "²", "١٢", "½",
    "max", "on", "off", "objects", "array", "arrays", "object", "arrayfirst", "nope", "raw", "$null",
    "~", "~zz", "~2C", "a,b", ",,", "a,b,c,d", "%", "%%", "%00", "*", "a OR", "NOT", "NEAR(", "^",
    "\t", "\r\n", "\x01\x02\x1f\x7f", "\u200b", "\ufeff", "ä", "Ö", "😀", "\U0010ffff", "\u202e",
    "<script>alert(1)</script>", "') or 1=1 --", "]; drop table projects; --", "\\", "/", "..",
    "=HYPERLINK(\"http://x\",\"y\")", "+cmd|' /C calc'!A0", "@SUM(1)",
]
#: Tables streamed whole would take seconds per example; streams are fuzzed on the others.
LARGE = 2000


@pytest.fixture(scope="module")
def schema(built_archive):
    """Tables, views and canned queries of the archive, their columns and some real row keys."""
    from datasette.utils import tilde_encode

    from parser.publish import load_metadata

    conn = sqlite3.connect(built_archive)
    try:
        names = [row[0] for row in conn.execute("select name from sqlite_master where type in ('table', 'view') order by name")]
        columns, keys, counts = {}, {}, {}
        for name in names:
            info = list(conn.execute(f'pragma table_info("{name}")'))
            columns[name] = [row[1] for row in info]
            pks = [row[1] for row in sorted(info, key=lambda row: row[5]) if row[5]]
            counts[name] = conn.execute(f'select count(*) from "{name}"').fetchone()[0]
            select = ", ".join(f'"{pk}"' for pk in pks) if pks else "rowid"
            try:
                rows = list(conn.execute(f'select {select} from "{name}" limit 3'))
            except sqlite3.Error:  # a view has no rowid
                rows = []
            keys[name] = [",".join(tilde_encode(str(value)) for value in row) for row in rows]
    finally:
        conn.close()
    canned = list(load_metadata(ROOT)["databases"]["esr"]["queries"])
    return {"names": names, "canned": canned, "columns": columns, "keys": keys, "counts": counts}


@pytest.fixture(scope="module")
def loop():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def hostile_text():
    return st.one_of(
        st.sampled_from(HOSTILE),
        st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12),
        st.integers(min_value=-(2**80), max_value=2**80).map(str),
        st.lists(st.sampled_from(["[", "]", "{", "}", '"', ",", ":", "1", "a", "null", "-", "e9"]), max_size=8).map("".join),
    )


@st.composite
def request_urls(draw, schema):
    names = schema["names"] + schema["canned"] + ["no_such_table", "projects~2Ejson", "~", "-"]
    table = draw(st.sampled_from(names))
    columns = schema["columns"].get(table) or ["code"]
    kind = draw(st.sampled_from(["table", "table", "table", "row", "database", "jsonl"]))
    extension = draw(st.sampled_from(["", ".json", ".csv"]))
    if kind == "jsonl":
        # The JSON Lines download walks every page: fuzzed on the small tables.
        table = draw(st.sampled_from([name for name in schema["names"] if schema["counts"][name] <= LARGE]))
        columns = schema["columns"][table]
        path = f"/-/jsonl/esr/{table}"
    elif kind == "row":
        keys = schema["keys"].get(table) or ["1"]
        key = draw(st.one_of(
            st.sampled_from(keys),
            st.sampled_from(keys).map(lambda key: key.split(",")[0]),
            st.sampled_from(keys).map(lambda key: key + ",1"),
            hostile_text().map(lambda text: urllib.parse.quote(text, safe="") or "x"),
        ))
        path = f"/esr/{table}/{key}{extension}"
    elif kind == "database":
        path = f"/esr{extension}"
    else:
        path = f"/esr/{table}{extension}"
    value = st.one_of(hostile_text(), st.sampled_from(columns), st.sampled_from(schema["keys"].get(table) or ["1"]))
    if kind == "database" and draw(st.booleans()):
        pairs = [("sql", draw(st.sampled_from(QUERIES)))]
    else:
        pairs = []
    name = st.one_of(
        st.sampled_from(PARAMETERS),
        st.tuples(st.one_of(st.sampled_from(columns), hostile_text()), st.sampled_from(OPERATORS)).map(
            lambda pair: f"{pair[0]}__{pair[1]}" if pair[1] else pair[0]
        ),
    )
    pairs += draw(st.lists(st.tuples(name, value), max_size=5))
    if schema["counts"].get(table, 0) > LARGE:
        pairs = [(key, value) for key, value in pairs if key != "_stream"]
    return path + ("?" + urllib.parse.urlencode(pairs) if pairs else "")


@settings(max_examples=120, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_no_request_url_is_a_server_error(datasette, schema, loop, data):
    url = data.draw(request_urls(schema), label="url")
    response = loop.run_until_complete(datasette.client.get(url))
    assert response.status_code < 500, (url, response.text[:500])
    # The JSON Lines route (plugins/json_lines.py) writes its own errors; every other 4xx is ours.
    if response.status_code >= 400 and response.status_code != 405 and not url.startswith("/-/jsonl/"):
        extension = ".json" if url.partition("?")[0].endswith(".json") else ".csv" if url.partition("?")[0].endswith(".csv") else ""
        bilingual_error(response, extension)
