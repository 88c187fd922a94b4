"""What one anonymous request may cost the server, and which SQL it may not run.

Through a real ``esr serve`` started by this module on the session's archive (``built_archive``):
hostile queries (a value of 250 MB, many rows of values just under the length limit, many
columns, cross joins, an aggregate that grows) each answer 4xx within
seconds, the server's peak resident memory (``VmHWM`` of /proc/PID/status) grows by less than
``GROWTH_BOUND``, and every page of the archive still answers afterwards, the full CSV and JSON
Lines downloads of ``project_list`` included. SQL functions and tables an anonymous reader has
no use for are refused, both through the real server and Datasette's test client (the session
``datasette`` fixture, configured as ``esr serve`` configures it).
"""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from datasette_dashboards import replace_opts_in_query

from parser.publish import load_metadata

from .conftest import ROOT, client_get

MB = 1024 * 1024
#: The server's peak resident memory may grow by less than this over all hostile requests.
GROWTH_BOUND = 300 * MB
#: A hostile request is answered within this many seconds (the SQL time limit is 3 s).
QUICKLY = 6.0
#: The test gives up on the server (kills it) when it grows past this: before the fix, one of
#: these requests took 6 GB.
WATCHDOG = 1200 * MB
#: Just under the limit of one value (8 MiB), in characters of ASCII.
NEAR_LIMIT = 8_000_000
LIST_ROWS = 22_821

TOO_LARGE = ("liian suuren", "too large")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in bytes."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) * 1024
    return values


class Server:
    """An ``esr serve`` process of this module."""

    def __init__(self, process: subprocess.Popen, base: str):
        self.process = process
        self.base = base

    @property
    def pid(self) -> int:
        return self.process.pid

    def get(self, path: str, timeout: float = 30) -> tuple[int, bytes, dict[str, str]]:
        try:
            with urllib.request.urlopen(self.base + path, timeout=timeout) as response:
                return response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read(), dict(error.headers)

    def guarded_get(self, path: str) -> tuple[int, bytes, float]:
        """``get``, with a watchdog that kills the server when it grows past ``WATCHDOG``."""
        start_rss = memory(self.pid)["VmRSS"]
        done = threading.Event()
        grew = []

        def watch():
            while not done.wait(0.05):
                try:
                    rss = memory(self.pid)["VmRSS"]
                except (FileNotFoundError, ProcessLookupError):
                    return
                if rss - start_rss > WATCHDOG:
                    grew.append(rss)
                    self.process.kill()
                    return

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        started = time.perf_counter()
        try:
            status, body, _ = self.get(path)
        except OSError as error:
            status, body = 0, str(error).encode()
        finally:
            done.set()
            watcher.join()
        if grew:
            pytest.fail(f"the server grew by {(grew[0] - start_rss) // MB} MB on {path[:120]}: killed")
        return status, body, time.perf_counter() - started


@pytest.fixture(scope="module")
def server(built_archive):
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "parser", "serve", "--db", str(built_archive), "--port", str(port)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    running = Server(process, f"http://127.0.0.1:{port}")
    for _ in range(150):
        try:
            urllib.request.urlopen(running.base + "/-/versions.json", timeout=1)
            break
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.1)
    else:
        process.kill()
    if process.poll() is not None:
        pytest.fail("esr serve did not start: " + process.stderr.read())
    yield running
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def sql_path(sql: str, **params: str) -> str:
    return "/esr.json?" + urllib.parse.urlencode({"sql": sql, **params})


def rows_of(count: int) -> str:
    return f"with recursive r(i) as (select 1 union all select i + 1 from r where i < {count})"


#: (name, SQL, extra parameters): each must be refused with a 4xx and a message.
HOSTILE = [
    ("many rows of values just under the length limit",
     f"{rows_of(1000)} select printf('%.*c', {NEAR_LIMIT}, 'x') as v from r", {}),
    ("many rows of hex values just under the length limit",
     f"{rows_of(1000)} select hex(zeroblob({NEAR_LIMIT // 2})) as v from r", {}),
    ("one value over the length limit", "select hex(zeroblob(5000000)) as v", {}),
    ("many columns of values just under the length limit",
     "select " + ", ".join(f"printf('%.*c', {NEAR_LIMIT}, 'x') as c{n}" for n in range(40)), {}),
    ("seven columns just under the length limit (a row under the heap limit)",
     "select " + ", ".join(f"printf('%.*c', {NEAR_LIMIT}, 'x') as c{n}" for n in range(7)), {}),
    ("too many columns", "select " + ", ".join(f"{n} as c{n}" for n in range(300)), {}),
    ("a cross join", "select * from documents a, documents b, documents c, documents d, documents e", {}),
    ("a cross join in an aggregate",
     "select group_concat(a.text) from documents a, documents b, documents c, documents d, documents e", {}),
]
HOSTILE_SQL = {name: sql for name, sql, _ in HOSTILE}


def error_of(body: bytes) -> str:
    try:
        return json.loads(body).get("error") or ""
    except ValueError:
        return body.decode("utf-8", "replace")


def test_hostile_queries_are_refused_quickly_and_memory_stays_bounded(server):
    server.get("/esr/projects.json")
    before = memory(server.pid)
    answers = []
    for name, sql, params in HOSTILE:
        status, body, seconds = server.guarded_get(sql_path(sql, **params))
        answers.append((name, status, seconds, error_of(body)[:200]))
    after = memory(server.pid)
    for name, status, seconds, message in answers:
        assert 400 <= status < 500, (name, status, message)
        assert seconds < QUICKLY, (name, seconds)
        assert message, name
    messages = " ".join(message.lower() for *_, message in answers)
    assert all(word in messages for word in TOO_LARGE)
    assert after["VmHWM"] - before["VmHWM"] < GROWTH_BOUND, (before, after)
    assert after["VmRSS"] - before["VmRSS"] < GROWTH_BOUND, (before, after)
    # ... and the server goes on answering everyone else.
    status, body, _ = server.get("/esr/projects.json?_shape=array")
    assert status == 200 and len(json.loads(body)) == 4


def test_the_query_of_the_review_no_longer_builds_gigabytes(server):
    """SQLite 3.40's printf() gives NULL, not an error, for a result past the length limit."""
    before = memory(server.pid)
    sql = "select printf('%.*c',250000000,'x') from (values(1),(2),(3),(4))"
    status, body, seconds = server.guarded_get(sql_path(sql, _shape="array"))
    assert seconds < QUICKLY
    assert (400 <= status < 500) or (status == 200 and all(value is None for row in json.loads(body) for value in row.values()))
    assert memory(server.pid)["VmHWM"] - before["VmHWM"] < GROWTH_BOUND


def test_hostile_queries_do_not_stop_other_readers(server):
    hostile = [sql_path(HOSTILE_SQL["many rows of values just under the length limit"]), sql_path(HOSTILE_SQL["a cross join"])] * 3
    normal = ["/esr/projects.json?_shape=array", "/esr/project_list.json?_size=100", "/esr"] * 4
    with ThreadPoolExecutor(8) as pool:
        bad = [pool.submit(server.get, path) for path in hostile]
        good = [pool.submit(server.get, path) for path in normal]
        assert [future.result()[0] for future in good] == [200] * len(normal)
        assert all(400 <= future.result()[0] < 500 for future in bad)


# ------------------------------------------------------------------------- everything still works

TABLES = ["documents", "projects", "organisations", "co_implementers", "project_areas", "indicators",
          "horizontal_ratings", "sustainability_scores", "extra_fields", "parse_warnings", "project_list",
          "municipalities", "build_info", "funding_realisation", "discrepancies", "project_index_fts_data"]


def test_every_page_type_still_answers_through_the_bounded_server(server):
    metadata = load_metadata(ROOT)
    queries = metadata["databases"]["esr"]["queries"]
    dashboard = metadata["plugins"]["datasette-dashboards"]["rahoitus"]
    paths = ["/", "/esr", "/esr.json", "/-/versions.json", "/-/databases.json", "/-/dashboards/rahoitus",
             "/haku?q=nuoret", "/esr/haku.json?q=ty%C3%B6llisyys", "/esr/projects?_search=nuori",
             "/esr/projects/S10962", "/esr/projects/S10962.json", "/esr/documents?_sort=path",
             "/esr/project_list?_facet=status&_sort=eu_state_granted", "/esr/project_list?_size=1000",
             "/esr/projects?_sort_desc=eu_state_granted&_labels=on",
             sql_path("select * from pragma_table_info('projects')"),
             sql_path("select name from pragma_index_list('project_list')")]
    paths += [f"/esr/{table}{suffix}" for table in TABLES for suffix in ("", ".json?_size=max")]
    paths += [f"/esr/{name}" for name in queries] + [f"/esr/{name}.json" for name in queries]
    paths += [f"/esr/{name}.csv" for name in list(queries)[:3]]
    for chart in dashboard["charts"].values():
        if "query" in chart:
            for filters in ({}, {"period": "2014-2020", "fund": "ESR"}):
                paths.append(sql_path(replace_opts_in_query(chart["query"], filters), _shape="objects", **filters))
    with ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(server.get, paths))
    failed = [(path, status, body[:200]) for path, (status, body, _) in zip(paths, answers) if status != 200]
    assert not failed


def test_full_downloads_still_stream_every_row(server):
    """Every row, past the statement budget and the response cap: one statement, one piece a page."""
    status, body, _ = server.get("/esr/project_list.csv?_stream=on&_labels=on")
    assert status == 200 and body.decode("utf-8").count("\r\n") == LIST_ROWS + 1
    status, body, _ = server.get("/-/jsonl/esr/project_list?source_list=projektilista-2007-2013.csv")
    lines = body.decode("utf-8").splitlines()
    assert status == 200 and len(lines) == 19_940 and "_error" not in lines[-1]
    status, body, _ = server.get("/esr/documents.csv?_stream=on")
    assert status == 200 and body.count(b"\r\n") >= 6


# ------------------------------------------------------------------------- functions and pragmas

DENIED_SQL = [
    ("fts3_tokenizer", "select hex(fts3_tokenizer('simple'))"),
    ("fts3_tokenizer", "select fts3_tokenizer('evil', x'0000000000000000')"),
    ("load_extension", "select load_extension('/tmp/no-such-extension')"),
    ("sqlite_stmt", "select sql from sqlite_stmt"),
]
DENIED_WHERE = [
    ("fts3_tokenizer", "fts3_tokenizer('simple') is not null"),
    ("load_extension", "load_extension('/tmp/x') is null"),
    ("cache_size", "exists (select * from pragma_cache_size)"),
    ("sqlite_stmt", "exists (select * from sqlite_stmt)"),
]


def assert_denied(status: int, message: str, what: str) -> None:
    assert 400 <= status < 500, (what, status, message)
    assert what in message and "ei ole käytettävissä" in message and "not available" in message, message


@pytest.mark.parametrize("what, sql", DENIED_SQL)
def test_denied_functions_through_the_sql_page(datasette, what, sql):
    response = client_get(datasette, sql_path(sql))
    assert_denied(response.status_code, response.json().get("error") or "", what)


@pytest.mark.parametrize("what, where", DENIED_WHERE)
def test_denied_functions_through_a_table_page(datasette, what, where):
    """A table page's ``_where`` reaches SQLite without Datasette's check of the SQL."""
    response = client_get(datasette, "/esr/projects.json?" + urllib.parse.urlencode({"_where": where}))
    assert_denied(response.status_code, response.json().get("error") or "", what)


def test_denied_functions_through_the_real_server(server):
    for what, sql in DENIED_SQL:
        status, body, _ = server.get(sql_path(sql))
        assert_denied(status, error_of(body), what)
    status, body, _ = server.get("/esr/projects.json?" + urllib.parse.urlencode({"_where": DENIED_WHERE[0][1]}))
    assert_denied(status, error_of(body), "fts3_tokenizer")


def test_what_datasette_and_a_reader_need_is_allowed(datasette):
    allowed = [
        "select * from pragma_table_info('projects')", "select * from pragma_table_xinfo('projects')",
        "select * from pragma_index_list('project_list')", "select * from pragma_foreign_key_list('projects')",
        "select * from pragma_database_list", "select count(*) from pragma_function_list",
        "select sqlite_version(), sqlite_compileoption_used('ENABLE_FTS5')",
        "select snippet(project_index_fts, -1, '[', ']', '…', 5) from project_index_fts where project_index_fts match 'nuoret'",
        f"{rows_of(10)} select sum(i) from r",
    ]
    for sql in allowed:
        response = client_get(datasette, sql_path(sql))
        assert response.status_code == 200, (sql, response.text[:300])
    canned = client_get(datasette, "/esr/organisation_projects.json?q=kris-oulu&_shape=array")
    assert canned.status_code == 200 and canned.json()[0]["code"] == "S21736"


def test_a_guarded_connection_refuses_attach_and_pragmas_that_write_or_reach_files(built_archive, tmp_path):
    from parser.publish.limits import bound_connection

    conn = sqlite3.connect(f"file:{built_archive}?immutable=1", uri=True)
    bound_connection(conn)
    for sql in (f"attach database '{tmp_path / 'other.db'}' as other", "detach database main",
                "pragma cache_size = 1", "pragma temp_store_directory = '/tmp'", "pragma journal_mode = delete",
                "pragma hard_heap_limit = 1", "pragma writable_schema = 1", "select * from pragma_compile_options"):
        with pytest.raises(sqlite3.DatabaseError, match="not authorized"):
            conn.execute(sql).fetchall()
    assert not (tmp_path / "other.db").exists()
    assert conn.execute("pragma table_info(projects)").fetchall()
    assert conn.execute("pragma schema_version").fetchone()[0] > 0
    assert conn.execute("select count(*) from project_index_fts where project_index_fts match 'nuoret'").fetchone()[0] >= 0


# ------------------------------------------------------------------------- the limits themselves

def test_the_limits_fit_the_archive(built_archive):
    """Every table fits the column limit; every stored row and value fits the length limit."""
    from parser.publish import limits

    conn = sqlite3.connect(built_archive)
    names = [name for (name,) in conn.execute("select name from sqlite_master where type in ('table', 'view')")]
    widest = max(len(conn.execute(f"pragma table_info([{name}])").fetchall()) for name in names)
    assert widest + 1 < limits.MAX_COLUMNS  # the rowid beside every column
    (largest,) = conn.execute("select max(length(cast(text as blob))) from documents").fetchone()
    assert largest * 10 < limits.MAX_VALUE_BYTES
    assert limits.MAX_VALUE_BYTES < limits.MAX_STATEMENT_BYTES < limits.MAX_RESPONSE_BYTES
    assert limits.MAX_SQLITE_HEAP_BYTES < GROWTH_BOUND


def test_a_response_over_the_cap_is_refused_but_streams_are_not(datasette, monkeypatch):
    from parser.publish import limits

    monkeypatch.setattr(limits, "MAX_RESPONSE_BYTES", 200_000)
    page = client_get(datasette, "/esr/project_list.json?_size=1000")
    assert page.status_code == 400
    assert all(word in page.json()["error"] for word in ("Vastaus olisi liian suuri", "The response would be too large"))
    html = client_get(datasette, "/esr/project_list?_size=1000")
    assert html.status_code == 400 and "liian suuri" in html.text
    small = client_get(datasette, "/esr/project_list.json?_size=10")
    assert small.status_code == 200
    streamed = client_get(datasette, "/esr/project_list.csv?_stream=on&fund=ESR&source_list=projektilista-2007-2013.csv")
    assert streamed.status_code == 200 and streamed.text.count("\r\n") == 2775 + 1


def test_the_statement_budget_counts_what_a_page_would_render(datasette, monkeypatch):
    from parser.publish import limits

    monkeypatch.setattr(limits, "MAX_STATEMENT_BYTES", 1_000_000)
    # 1,000 values of 400 characters fit as text; as JSON escapes (six bytes for each) they do not.
    plain = client_get(datasette, sql_path(f"{rows_of(1000)} select printf('%.*c', 400, 'x') from r"))
    assert plain.status_code == 200
    escaped = client_get(datasette, sql_path(f"{rows_of(1000)} select printf('%.*c', 400, char(1)) from r"))
    assert escaped.status_code == 400 and "liian suuren vastauksen" in escaped.json()["error"]
    # A CSV stream runs one statement a page: its pages each fit, so every row comes.
    streamed = client_get(datasette, "/esr/municipalities.csv?_stream=on")
    assert streamed.status_code == 200 and streamed.text.count("\r\n") == 4365 + 1
