"""A failed JSON Lines download (``/-/jsonl/…``, plugins/json_lines.py) is an HTTP error.

A request whose first page fails (a bad ``_sort`` column, bad ``_where`` SQL, a time-out) gets
Datasette's 4xx and its message, and a filter on an unknown column a 400, never a 200 attachment; a failure after rows
have gone out ends the stream with one marked line, ``{"_error": "...", "_status": 400}``.
Through Datasette's test client on the session's archive (``datasette`` fixture).
"""

from __future__ import annotations

import json
import urllib.parse

import pytest

from .conftest import client_get

ESR_LIST_ROWS = 3_561


def jsonl(datasette, **params):
    return client_get(datasette, "/-/jsonl/esr/project_list?" + urllib.parse.urlencode(params))


@pytest.mark.parametrize(
    "params, message",
    [
        ({"_sort": "no_such_column"}, "Cannot sort table by no_such_column"),
        ({"_sort_desc": "no_such_column", "_dl": "on"}, "Cannot sort table by no_such_column"),
        ({"no_such_column": "1", "_dl": "on"}, "has no column no_such_column"),
        ({"no_such_column__gt": "1"}, "has no column no_such_column"),
        ({"_where": "no_such_column = 1", "_dl": "on"}, "no such column: no_such_column"),
    ],
)
def test_a_bad_request_is_a_4xx_with_the_message_not_an_attachment(datasette, params, message):
    response = jsonl(datasette, **params)
    assert 400 <= response.status_code < 500, response.text[:300]
    assert "content-disposition" not in response.headers
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["ok"] is False and body["status"] == response.status_code
    assert message in body["error"]


def test_a_time_out_on_the_first_page_is_a_4xx(datasette):
    slow = "(select count(*) from project_list a, project_list b) > 0"
    # A 50 ms limit, which a page may lower but not raise: the same time-out as 3 s, sooner.
    response = jsonl(datasette, _where=slow, _dl="on", _timelimit="50")
    assert response.status_code == 400
    assert "content-disposition" not in response.headers
    assert "too long" in response.json()["error"]


def test_a_failure_later_in_the_stream_ends_it_with_a_marked_line(datasette):
    # The first pages (codes A3…, the first in primary-key order: some 2,900 rows, three pages)
    # pass; json('') fails on the first A5… row.
    where = "case when code < 'A5' then 1 else json('') end"
    response = jsonl(datasette, _where=where, _dl="on")
    assert response.status_code == 200
    lines = response.text.splitlines()
    rows, last = [json.loads(line) for line in lines[:-1]], json.loads(lines[-1])
    assert len(rows) >= 1000 and all(row["code"] < "A5" for row in rows)
    assert set(last) == {"_error", "_status"}
    assert last["_status"] == 400 and "malformed JSON" in last["_error"]


def test_a_complete_stream_has_no_error_line_and_every_row(datasette):
    response = jsonl(datasette, fund="ESR")
    lines = response.text.splitlines()
    assert response.status_code == 200
    assert not any('"_error"' in line for line in lines[-1:])
    assert len(lines) == client_get(datasette, "/esr/project_list.json?fund=ESR&_size=0").json()["filtered_table_rows_count"]


def test_the_stream_asks_for_no_counts_facets_or_suggestions(datasette, monkeypatch):
    asked = []
    original = type(datasette.client).get

    async def spy(self, path, **kwargs):
        asked.append(path)
        return await original(self, path, **kwargs)

    monkeypatch.setattr(type(datasette.client), "get", spy)
    # The ESR rows (3,561 of the list, as its filtered page says: tests/test_front_door.py) are
    # four pages of 1,000: every page is asked for without them, not only the first.
    response = jsonl(datasette, fund="ESR", _facet="status", _nocount="0")
    assert response.status_code == 200 and len(response.text.splitlines()) == ESR_LIST_ROWS
    pages = [urllib.parse.parse_qs(urllib.parse.urlsplit(path).query) for path in asked if "/project_list.json" in path]
    assert len(pages) == 4
    for page in pages:
        assert page["_nocount"] == ["1"] and page["_nofacet"] == ["1"] and page["_nosuggest"] == ["1"]
