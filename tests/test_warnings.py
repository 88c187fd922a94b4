"""Warnings: one registry of codes, the code pattern the lists use, one numbering per document."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import sqlite_utils

from parser.archive.build import build
from parser.parse import parse_bytes
from parser.warnings import WARNING_CODES, WarningLog

from .conftest import CORPUS, sample_text


def _codes(document) -> list[str]:
    return [warning.code for warning in document.warnings]


@pytest.mark.parametrize("code", ["S10324", "A30316", "A531180", "A601070006"])
def test_codes_of_the_official_lists_are_not_unusual(code):
    """Every shape of code the official lists hold (5, 6 and 9 digits) is a usual code."""
    text = sample_text("S10962").replace("Projektikoodi: S10962", f"Projektikoodi: {code}")
    document = parse_bytes(text.encode(), "x.txt")
    assert document.project.code == code
    assert "unusual_code" not in _codes(document)


@pytest.mark.parametrize("code", ["S1096", "10962", "s10962", "S10962X", "S1234567890"])
def test_a_code_of_another_shape_is_unusual(code):
    text = sample_text("S10962").replace("Projektikoodi: S10962", f"Projektikoodi: {code}")
    document = parse_bytes(text.encode(), "x.txt")
    assert document.project.code == code
    assert _codes(document).count("unusual_code") == 1


README = Path(__file__).resolve().parent.parent / "README.md"


def _readme_warning_rows() -> dict[str, str]:
    """``code -> stage`` from the README's table of warnings (rows ``| `code` | stage | … |``)."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Warnings") : text.index("## `esr build`")]
    rows = {}
    for match in re.finditer(r"^\| `([a-z_]+)` \| (\w+) \|", section, re.M):
        assert match[1] not in rows, f"{match[1]} listed twice"
        rows[match[1]] = match[2]
    return rows


def test_the_readme_lists_every_registered_code_with_its_stage():
    registered = {code: declared.stage for code, declared in WARNING_CODES.items()}
    assert _readme_warning_rows() == registered
    assert {"extract", "archive"} == set(registered.values())


def test_an_unregistered_code_is_refused():
    log = WarningLog()
    log.add("unknown_label", "kept")
    with pytest.raises(ValueError, match="unregistered warning code 'no_such_code'"):
        log.add("no_such_code", "x")
    assert log == [{"code": "unknown_label", "message": "kept", "line": None}]


def test_every_code_the_package_raises_is_registered():
    """Scan the package for warning codes written as literals: each is in the registry."""
    package = Path(__file__).resolve().parent.parent / "parser"
    pattern = re.compile(r"""(?:\.add|\bwarn|\bwarning)\(\s*f?["']([a-z_{}]+)["']""")
    found = set()
    for path in package.rglob("*.py"):
        for code in pattern.findall(path.read_text(encoding="utf-8")):
            if code == "{level}_not_matched":
                found.update(("municipality_not_matched", "subregion_not_matched", "region_not_matched"))
            else:
                found.add(code)
    assert len(found) >= 25
    assert found <= set(WARNING_CODES), sorted(found - set(WARNING_CODES))


def _build_with_key_only(tmp_path: Path, documents: dict[str, str]) -> sqlite_utils.Database:
    corpus = tmp_path / "corpus"
    (corpus / "reference").mkdir(parents=True)
    shutil.copy(CORPUS / "reference" / "municipalities.csv", corpus / "reference" / "municipalities.csv")
    for name, text in documents.items():
        (corpus / name).write_text(text, encoding="utf-8")
    build(corpus, tmp_path / "esr.db")
    return sqlite_utils.Database(tmp_path / "esr.db")


def test_the_build_numbers_every_warning_of_a_document_in_one_sequence_with_its_stage(tmp_path):
    # S10673 names Nilsiä, a municipality merged before the key's first year (2013): the build
    # adds municipality_not_matched after the parser's own warnings.
    text = sample_text("S10673").replace("Toiminnan tila: ", "Tuntematon kenttä: arvo\nToiminnan tila: ", 1)
    db = _build_with_key_only(tmp_path, {"S10673.txt": text})
    rows = list(db.query("select position, stage, code from parse_warnings where document_id = 'S10673.txt' order by position"))
    assert [row["position"] for row in rows] == list(range(1, len(rows) + 1))
    assert [row["code"] for row in rows] == ["unknown_label", "municipality_not_matched"]
    assert [row["stage"] for row in rows] == ["extract", "archive"]


def test_a_duplicate_found_later_is_numbered_after_the_holders_own_warnings(tmp_path):
    """Incremental build: a new document that sorts first takes over a project; the old
    holder's duplicate_project warning follows its own warnings."""
    text = sample_text("S10673")
    db = _build_with_key_only(tmp_path, {"S10673.txt": text})
    before = [row["code"] for row in db.query("select code from parse_warnings where document_id = 'S10673.txt' order by position")]
    db.close()
    (tmp_path / "corpus" / "A-S10673.txt").write_text(text, encoding="utf-8")
    build(tmp_path / "corpus", tmp_path / "esr.db")
    db = sqlite_utils.Database(tmp_path / "esr.db")
    rows = list(db.query("select position, stage, code, message from parse_warnings where document_id = 'S10673.txt' order by position"))
    assert [row["code"] for row in rows] == [*before, "duplicate_project"]
    assert [row["position"] for row in rows] == list(range(1, len(rows) + 1))
    assert rows[-1]["stage"] == "archive" and "loaded from A-S10673.txt" in rows[-1]["message"]
    assert db.execute("select document_id from projects where code = 'S10673'").fetchone() == ("A-S10673.txt",)
