"""The immutable archive's answers computed once (issue 12): ``plugins/caching.py`` and
``parser/publish/caching.py``.

ETag and Cache-Control on what the build alone decides, ``If-None-Match`` answered with 304, an
in-process response cache that is bounded, keyed by the whole address and never holds an error,
a POST, a user's page, a stream or a page during which a query failed; the other wrappers (size
cap, CSV neutraliser, search) still apply to cached answers. Requests go through Datasette's own
test client, on a Datasette of this module (``make_datasette`` as ``esr serve`` makes it, through
conftest.py's ``publish``, on the session's archive ``built_archive``), so the bounds can be
changed without touching the session's ``datasette``.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from pathlib import Path

import pytest

from parser.publish import caching, limits

from .conftest import publish

ETAG = re.compile(r'^W/"[0-9a-f]{32}"$')
ROW = "/esr/project_list/S10083.json?_shape=array"


@pytest.fixture(scope="module")
def served(built_archive):
    """A Datasette of this module, started, with its response cache emptied before each test."""
    datasette = publish(built_archive)
    asyncio.run(datasette.invoke_startup())
    return datasette


@pytest.fixture
def cache(served):
    cache = caching.response_cache(served)
    bounds = cache.max_entries, cache.max_bytes, cache.max_entry_bytes
    cache.clear()
    yield cache
    cache.max_entries, cache.max_bytes, cache.max_entry_bytes = bounds
    cache.clear()


def get(datasette, path: str, method: str = "GET", **headers):
    async def run():
        return await datasette.client.request(method, path, headers=headers or None)

    return asyncio.run(run())


def test_etag_is_present_weak_and_the_same_for_every_page_of_the_build(served, cache):
    first = get(served, "/esr/project_list")
    again = get(served, "/esr/project_list")
    front = get(served, "/")
    assert first.status_code == again.status_code == front.status_code == 200
    assert ETAG.match(first.headers["etag"])
    assert first.headers["etag"] == again.headers["etag"] == front.headers["etag"]
    # Five minutes for a client, as make_datasette sets default_cache_ttl; the front page, which
    # Datasette leaves without, gets the same.
    assert first.headers["cache-control"] == front.headers["cache-control"] == "max-age=300"
    assert (first.headers["x-esr-cache"], again.headers["x-esr-cache"]) == ("miss", "hit")


def test_if_none_match_gives_304_with_an_empty_body(served, cache):
    tag = get(served, "/esr").headers["etag"]
    bare = tag.removeprefix("W/")
    for header in (tag, bare, f'"other", {tag}', "*"):
        answer = get(served, "/esr", **{"if-none-match": header})
        assert answer.status_code == 304 and answer.content == b""
        assert answer.headers["etag"] == tag and answer.headers["cache-control"] == "max-age=300"
    # An address not cached yet: computed, stored, and still a 304.
    fresh = get(served, "/esr/project_list/S10083", **{"if-none-match": tag})
    assert fresh.status_code == 304 and fresh.content == b""
    assert get(served, "/esr/project_list/S10083").headers["x-esr-cache"] == "hit"
    # Another build's tag: the whole page.
    other = get(served, "/esr", **{"if-none-match": 'W/"0123456789abcdef0123456789abcdef"'})
    assert other.status_code == 200 and b"project_list" in other.content


def test_a_cached_answer_is_the_answer_computed(served, cache):
    for path in (ROW, "/esr/projects/S10962", "/esr/project_list?fund=ESR", "/esr/project_list.json?_shape=array&_size=3"):
        computed = get(served, path, authorization="Bearer nobody")  # not storable: computed anew
        miss, hit = get(served, path), get(served, path)
        assert (miss.headers["x-esr-cache"], hit.headers["x-esr-cache"]) == ("miss", "hit"), path
        assert "x-esr-cache" not in computed.headers
        assert hit.content == miss.content, path
        assert hit.headers["content-type"] == miss.headers["content-type"] == computed.headers["content-type"]
        # Datasette prints how long the queries took; apart from that, the same page.
        timing = re.compile(rb"Queries took</span> [0-9.,]+(&nbsp;| )?ms")
        assert timing.sub(b"", hit.content) == timing.sub(b"", computed.content), path
    row = get(served, ROW).json()
    assert [(r["code"], r["fund"]) for r in row] == [("S10083", "ESR")]
    assert row[0]["name"] == "VÄLKE - Välityömarkkinoiden kehittämishanke 2008-2010"


def test_a_post_an_error_and_a_users_page_are_never_cached(served, cache):
    assert get(served, "/esr/project_list", method="POST").status_code == 405
    for path, status in (("/esr/no_such_table", 404), ("/esr.json?sql=select+nothing_here", 400), ("/esr/project_list?_sort=no_such_column", 400)):
        for _ in range(2):
            answer = get(served, path)
            assert answer.status_code == status, path
            assert "x-esr-cache" not in answer.headers and "etag" not in answer.headers
    assert len(cache) == 0
    # Datasette 0.65.5 answers any request with a cookie or credentials "private, no-store".
    for headers in ({"authorization": "Basic eDp5"}, {"cookie": "ds_actor=someone"}, {"cookie": "theme=dark"}):
        for _ in range(2):
            answer = get(served, "/esr", **headers)
            assert answer.status_code == 200 and "x-esr-cache" not in answer.headers and "etag" not in answer.headers
            assert answer.headers["cache-control"] == "private, no-store"
    assert len(cache) == 0
    # Datasette's own pages that change or differ per user are passed through.
    assert "x-esr-cache" not in get(served, "/-/threads.json").headers
    assert "x-esr-cache" not in get(served, "/-/actor.json").headers


def test_a_page_during_which_a_query_failed_is_not_cached():
    """A facet or count that hit its time limit leaves a complete 200 that is poorer: a fake
    Datasette whose one page catches its failed query, as Datasette's facets do."""

    class Database:
        is_mutable, is_memory, path, name = False, False, "x.db", "x"

        async def execute_fn(self, fn):
            raise RuntimeError("interrupted")

    class Datasette:
        _esr_build_tag = 'W/"00000000000000000000000000000000"'

        def __init__(self):
            self.databases = {"x": Database()}

        def setting(self, key):
            return 5

    datasette = Datasette()
    assert caching.note_failed_queries(datasette.databases["x"])
    fail = {"now": True}

    async def page(scope, receive, send):
        if fail["now"]:
            try:
                await datasette.databases["x"].execute_fn(lambda conn: None)
            except RuntimeError:
                pass  # the page is shown without that facet
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"poorer" if fail["now"] else b"whole"})

    app = caching.CachingApp(page, datasette)

    async def call():
        sent = []

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": "/x", "raw_path": b"/x", "query_string": b"", "headers": [(b"host", b"h")]}
        await app(scope, None, send)
        return dict(sent[0]["headers"]), sent[1]["body"]

    headers, body = asyncio.run(call())
    assert body == b"poorer" and b"x-esr-cache" not in headers and b"etag" not in headers and len(app.cache) == 0
    fail["now"] = False
    headers, body = asyncio.run(call())
    assert (body, headers[b"x-esr-cache"], len(app.cache)) == (b"whole", b"miss", 1)
    headers, body = asyncio.run(call())
    assert (body, headers[b"x-esr-cache"], headers[b"etag"]) == (b"whole", b"hit", datasette._esr_build_tag.encode())


def test_the_cache_is_bounded_in_entries_bytes_and_the_size_of_one_answer(served, cache):
    cache.max_entries = 3
    paths = [f"/esr/project_list.json?_shape=array&_size={size}" for size in range(1, 6)]
    for path in paths:
        assert get(served, path).headers["x-esr-cache"] == "miss"
    assert len(cache) == 3 and cache.evictions == 2
    # The least recently used went first: the last three are there, the first is computed again.
    assert get(served, paths[-1]).headers["x-esr-cache"] == "hit"
    assert get(served, paths[0]).headers["x-esr-cache"] == "miss"

    cache.clear()
    cache.max_entries = 1000
    cache.max_bytes = 60_000
    for size in range(1, 30):
        get(served, f"/esr/project_list.json?_shape=array&_size={size}")
        assert cache.bytes <= 60_000
    assert 1 < len(cache) < 29

    cache.clear()
    cache.max_bytes, cache.max_entry_bytes = caching.MAX_BYTES, 10_000
    big = get(served, "/esr/project_list")  # about 200 kB
    assert big.status_code == 200 and len(big.content) > 10_000
    assert big.headers["x-esr-cache"] == "miss" and len(cache) == 0
    assert get(served, "/esr/project_list").headers["x-esr-cache"] == "miss"


def test_different_addresses_and_hosts_are_not_mixed_up(served, cache):
    for _ in range(2):  # computed, then from the cache
        esr = get(served, "/esr/project_list.json?_shape=array&_size=4&fund=ESR").json()
        eakr = get(served, "/esr/project_list.json?_shape=array&_size=4&fund=EAKR").json()
        two = get(served, "/esr/project_list.json?_shape=array&_size=2&fund=ESR").json()
        assert [row["fund"] for row in esr] == ["ESR"] * 4
        assert [row["fund"] for row in eakr] == ["EAKR"] * 4
        assert two == esr[:2]
    # Datasette writes the request's host into its Link header: one entry per host.
    for _ in range(2):
        a = get(served, "/esr/project_list", host="a.example")
        b = get(served, "/esr/project_list", host="b.example")
        assert "http://a.example/esr/project_list.json" in a.headers["link"]
        assert "http://b.example/esr/project_list.json" in b.headers["link"]


def test_search_haku_and_downloads_are_still_right(served, cache):
    # The description of S10962 says "asunnottomuudesta" (tests/test_search.py); S21736 only in
    # a sustainability justification, which the projects' index (project_index_fts) holds too.
    for round_ in ("miss", "hit"):
        found = get(served, "/esr/projects.json?_search=asunnottomuudesta&_shape=array&_col=code")
        assert found.headers["x-esr-cache"] == round_ and [row["code"] for row in found.json()] == ["S10962", "S21736"]
        haku = get(served, "/haku?q=asunnottomuudesta")
        assert haku.headers["x-esr-cache"] == round_
        assert "S10962" in haku.text and "S21736" in haku.text
    # Datasette sends every CSV as a stream: never kept, and still neutralised (the list name
    # that begins with "- "), and every row still comes.
    for _ in range(2):
        csv = get(served, "/esr/project_list.csv?code=S11343&_col=name")
        assert "x-esr-cache" not in csv.headers
        assert csv.text.splitlines()[1] == "S11343,'- Nuoret työhön ja kouluun - osaavaa työvoimaa työnantajille"
        stream = get(served, "/esr/projects.csv?_stream=on&_col=code")
        assert "x-esr-cache" not in stream.headers
        assert sorted(line.split(",")[0] for line in stream.text.splitlines()[1:]) == ["S10673", "S10962", "S20334", "S21736"]
        lines = get(served, "/-/jsonl/esr/projects?_col=code").text.splitlines()
        assert len(lines) == 4
    # The file's own download keeps Datasette's ETag (its SHA-256), now from the inspect data.
    sha = served.inspect_data["esr"]["hash"]
    assert get(served, "/esr.db", **{"if-none-match": f'"{sha}"'}).status_code == 304
    # Kept: the search, /haku, and the JSON page the JSON Lines route walked (through Datasette's
    # own client); none of the streams, nor the file.
    kept = sorted((path.decode(), query.decode()) for _, _, _, path, query in cache.stored_keys())
    assert [path for path, _ in kept] == ["/esr/projects.json", "/esr/projects.json", "/haku"]
    assert [query for path, query in kept if path == "/haku"] == ["q=asunnottomuudesta"]


def test_the_size_cap_still_applies_to_a_cached_answer(served, cache, monkeypatch):
    assert get(served, "/esr/project_list.json?_size=100").status_code == 200
    monkeypatch.setattr(limits, "MAX_RESPONSE_BYTES", 10_000)
    capped = get(served, "/esr/project_list.json?_size=100")
    assert capped.status_code == 400 and "too large" in capped.json()["error"]


def test_the_counts_and_hash_come_from_the_start(served, built_archive):
    inspected = served.inspect_data["esr"]
    assert inspected["hash"] == hashlib.sha256(built_archive.read_bytes()).hexdigest()
    assert inspected["size"] == built_archive.stat().st_size
    # 19,940 + 2,881 rows of the two official lists; the four described projects.
    assert inspected["tables"]["project_list"]["count"] == 22821
    assert inspected["tables"]["projects"]["count"] == 4


def test_the_schema_memo_hands_out_copies_and_remembers_only_real_names(served):
    database = served.get_database("esr")

    async def run():
        columns = await database.table_columns("projects")
        columns.append("not a column")
        assert "not a column" not in await database.table_columns("projects")
        assert await database.table_exists("no_such_table_x") is False
        return await database.primary_keys("project_list")

    assert asyncio.run(run()) == ["code"]
    remembered = database.table_exists.answers
    assert (("projects",), ()) in remembered and (("no_such_table_x",), ()) not in remembered


def test_the_database_page_asks_the_file_for_no_spelling_after_the_start(served, cache):
    """Datasette asks for each listed table's own spelling at its permission check (102 trips to
    the file's thread for the database page): from the start on, the memo answers them, with
    SQLite's own answers (``collate nocase``)."""
    database = served.get_database("esr")
    assert database.execute.answers["project_list"][0] == [("project_list",)]
    trips = []
    original = database.execute_fn

    async def counting(fn):
        trips.append(fn)
        return await original(fn)

    database.execute_fn = counting
    try:
        assert get(served, "/esr").status_code == 200
    finally:
        database.execute_fn = original
    assert len(trips) < 10

    async def spelling(name):
        return [tuple(row) for row in (await database.execute(caching.SPELLING_SQL, (name,))).rows]

    assert asyncio.run(spelling("PROJECT_LIST")) == [("project_list",)]
    assert asyncio.run(spelling("no_such_table_x")) == []


_UNITS_SCRIPT = """
import sys
from pathlib import Path

from parser.publish import make_datasette

make_datasette(Path(sys.argv[1]), Path(sys.argv[2]))
import datasette.views.base as views

print("flexparser" in sys.modules, type(views.ureg).__name__)
quantity = views.ureg("5 metre")
print(quantity.magnitude, quantity.units, "flexparser" in sys.modules)
"""


def test_the_unit_registry_is_made_only_when_a_unit_is_asked_for(small_archive):
    """Datasette's pint registry (0.7 s of a server's start) is not made with the server: in a
    fresh process, pint (which imports flexparser) is not loaded once the archive is published;
    a unit asked of Datasette's registry then is pint's own."""
    import subprocess
    import sys

    from .conftest import ROOT

    result = subprocess.run([sys.executable, "-c", _UNITS_SCRIPT, str(small_archive), str(ROOT)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["False DeferredRegistry", "5 meter True"]


def test_static_files_get_the_builds_validators_and_a_304(served, cache):
    """The dashboard's scripts (Datasette serves them with no validators: a browser fetched and
    compiled 1.1 MB again on every page) come with the build's ETag and max-age, and a 304 to a
    conditional request; streamed from disk, never stored; a missing file stays a 404."""
    import datasette_dashboards

    tag = get(served, "/esr").headers["etag"]
    cache.clear()
    vega = Path(datasette_dashboards.__file__).parent / "static" / "vega.min.js"
    for path, file in (("/-/static-plugins/datasette_dashboards/vega.min.js", vega), ("/-/static/app.css", None)):
        first = get(served, path)
        assert first.status_code == 200 and first.headers["etag"] == tag and first.headers["cache-control"] == "max-age=300"
        assert int(first.headers["content-length"]) == len(first.content) > 10_000
        if file is not None:
            assert first.content == file.read_bytes()
        again = get(served, path, **{"if-none-match": tag})
        assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", tag)
        assert get(served, path, **{"if-none-match": 'W/"0123456789abcdef0123456789abcdef"'}).content == first.content
    assert len(cache) == 0
    missing = get(served, "/-/static-plugins/datasette_dashboards/no-such.js", **{"if-none-match": tag})
    assert missing.status_code == 404 and "etag" not in missing.headers


def _compiles(datasette) -> list[str]:
    """The names of the templates the server's start (``warm_up``, after the plugins' filters are
    in) compiles from source, not from the bytecode cache."""
    environment = datasette.jinja_env
    compiled = []
    compile_source = environment.compile

    def counting(source, name=None, filename=None, raw=False, defer_init=False):
        compiled.append(name)
        return compile_source(source, name, filename, raw, defer_init)

    environment.compile = counting
    asyncio.run(datasette.invoke_startup())
    return compiled


def test_a_servers_templates_are_compiled_once_and_read_back_at_the_next_start(small_archive, tmp_path, monkeypatch):
    """``esr serve`` keeps the compiled templates in the user's own temporary folder (Jinja's
    ``_jinja2-cache-UID``): the next server compiles none of them, and a changed template is
    compiled again, alone; the pages are the same either way."""
    import os
    import shutil
    import tempfile

    from parser.publish import make_datasette

    from .conftest import ROOT

    # The publication's files in a folder of the test's own, so that one template can change.
    project = tmp_path / "project"
    project.mkdir()
    for name in ("metadata.yml", "dashboards.yml"):
        shutil.copy(ROOT / name, project / name)
    for name in ("plugins", "templates", "static"):
        shutil.copytree(ROOT / name, project / name, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    first = make_datasette(small_archive, project)
    compiled = _compiles(first)
    assert "row.html" in compiled and "_footer.html" in compiled and len(compiled) > 40
    folder = tmp_path / f"_jinja2-cache-{os.getuid()}"
    assert len(list(folder.glob("__jinja2_*.cache"))) == len(compiled)
    second = make_datasette(small_archive, project)
    assert _compiles(second) == []
    assert get(second, "/esr/projects/S10962").text == get(first, "/esr/projects/S10962").text

    footer = project / "templates" / "_footer.html"
    footer.write_text(footer.read_text(encoding="utf-8") + "<!-- changed -->\n", encoding="utf-8")
    changed = make_datasette(small_archive, project)
    assert _compiles(changed) == ["_footer.html"]
    assert "<!-- changed -->" in get(changed, "/esr/projects/S10962").text


def test_a_template_cache_that_cannot_be_used_costs_a_compile_not_a_page(small_archive, tmp_path, monkeypatch):
    """A cache folder that is not this user's own plain folder (here a link another user of
    the temporary folder could have planted) is not used (Jinja refuses it), and one that goes
    away under a running server (here: a file where the folder was) is passed by: every page
    is still answered."""
    import os
    import tempfile

    from parser.publish import make_datasette

    from .conftest import ROOT

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    folder = tmp_path / f"_jinja2-cache-{os.getuid()}"
    datasette = make_datasette(small_archive, ROOT)
    folder.rmdir()
    folder.write_text("not a folder", encoding="utf-8")
    assert _compiles(datasette)  # every template compiled, none stored
    assert get(datasette, "/esr/projects/S10962").status_code == 200
    folder.unlink()
    (tmp_path / "elsewhere").mkdir(mode=0o700)
    folder.symlink_to(tmp_path / "elsewhere")
    assert caching.compiled_template_files() is None
    refused = make_datasette(small_archive, ROOT)
    assert refused.jinja_env.bytecode_cache is None
    assert get(refused, "/esr").status_code == 200
