"""esr export: every table and view to files, and the record's JSON Schema beside them."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

from parser.archive.export import record_schema

from .conftest import ROOT, esr_in_process


def esr(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "parser", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_export_jsonl_and_csv(small_archive, tmp_path):
    """The session's small archive (the five samples, the small official lists: every table
    filled, the whole lists' 22,821 rows left to the tests of the downloads)."""
    for output_format in ("jsonl", "csv"):
        result = esr_in_process("export", "--db", str(small_archive), "--format", output_format, "-o", str(tmp_path / output_format))
        assert result.returncode == 0, result.stderr
    lines = (tmp_path / "jsonl" / "projects.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["code"] for line in lines] == ["S10673", "S10962", "S20334", "S21736"]
    with open(tmp_path / "csv" / "project_list.csv", encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == 42  # 23 + 19 data lines of tests/fixtures/reference/
    assert rows[0]["code"] and "eu_state_granted" in rows[0]
    discrepancies = (tmp_path / "jsonl" / "discrepancies.jsonl").read_text(encoding="utf-8").splitlines()
    assert {json.loads(line)["field"] for line in discrepancies} == {"status", "eu_state_granted", "eu_state_realised", "public_realised"}
    assert not list((tmp_path / "csv").glob("*_fts*"))


def test_the_published_schema_is_the_models_schema(tmp_path, small_archive):
    """From the session's small archive (the five samples, the small official lists): the schema
    beside an export does not depend on how many rows the export has."""
    committed = json.loads((ROOT / "schema" / "record.schema.json").read_text(encoding="utf-8"))
    assert committed == record_schema(), "regenerate schema/record.schema.json: the pydantic models changed"
    esr_in_process("export", "--db", str(small_archive), "-o", str(tmp_path))
    assert json.loads((tmp_path / "record.schema.json").read_text(encoding="utf-8")) == committed
    project = committed["$defs"]["Project"]["properties"]
    assert {"code", "eu_state_granted"} <= set(project) | set(committed["$defs"]["Funding"]["properties"])


def test_export_without_an_archive_is_a_clear_error(tmp_path):
    result = esr("export", "--db", str(tmp_path / "esr.db"), "-o", str(tmp_path / "out"))
    assert result.returncode == 1
    assert result.stderr.strip() == f"esr: error: no archive at {tmp_path / 'esr.db'}: run 'esr build' first"
