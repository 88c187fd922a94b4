"""esr import eura2021 and the 2021–2027 projects in the archive."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from parser.archive.build import build

from .conftest import ROOT, esr_in_process
from .test_eura2021 import A80456, HEADERS, J10012, PROJECTS, S30123, UNUSUAL, write_export

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"


def esr(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "parser", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def imported(corpus: Path) -> list[Path]:
    return sorted((corpus / "imports" / "eura2021").glob("*.xlsx"))


def test_an_export_is_kept_once_and_a_later_one_beside_it(tmp_path):
    corpus = tmp_path / "corpus"
    first = write_export(tmp_path / "hakutulos.xlsx")
    result = esr_in_process("import", "eura2021", str(first), "--corpus", str(corpus))
    assert result.returncode == 0, result.stderr
    (kept,) = imported(corpus)
    assert kept.name.endswith("-hakutulos.xlsx") and kept.read_bytes() == first.read_bytes()
    assert "hakutulos.xlsx: 4 projects (3 with a value not read with certainty); extra columns kept: Kumppanit, Päivitetty" in result.stderr
    again = esr_in_process("import", "eura2021", str(first), "--corpus", str(corpus))
    assert again.returncode == 0 and "is already in the corpus" in again.stderr
    assert len(imported(corpus)) == 1
    later = write_export(tmp_path / "hakutulos-2.xlsx", [S30123 | {"Toteutunut julkinen rahoitus": 200000}])
    assert esr_in_process("import", "eura2021", str(later), "--corpus", str(corpus)).returncode == 0
    assert len(imported(corpus)) == 2


def test_a_bad_file_is_refused_in_one_line_and_nothing_is_kept(tmp_path):
    corpus = tmp_path / "corpus"
    picture = tmp_path / "hankkeet.xlsx"
    picture.write_bytes(PNG)
    headers = [header if header != "Toteuttajan Y-tunnus" else "Toteuttajan Y-tunnus (uusi)" for header in HEADERS]
    renamed = write_export(tmp_path / "uusi.xlsx", headers=headers)
    for path in (picture, renamed):
        result = esr("import", "eura2021", str(path), "--corpus", str(corpus))
        assert result.returncode == 1
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith(f"esr: error: {path.name}: ")
    assert "Toteuttajan Y-tunnus" in line and "(uusi)" in line
    assert not (corpus / "imports").exists()
    missing = esr("import", "eura2021", str(tmp_path / "ei-ole.xlsx"), "--corpus", str(corpus))
    assert missing.returncode == 2 and "does not exist" in missing.stderr


def test_the_build_loads_every_2021_2027_project_from_the_newest_export(tmp_path):
    corpus = tmp_path / "corpus"
    folder = corpus / "imports" / "eura2021"
    folder.mkdir(parents=True)
    write_export(folder / "20260101T000000Z-vanha.xlsx", PROJECTS)
    write_export(folder / "20261101T000000Z-uusi.xlsx", [S30123 | {"Toteutunut julkinen rahoitus": 200000, "Toiminnan tila": "Päättynyt"}])
    report = build(corpus, tmp_path / "esr.db")
    assert report.failed == 0
    db = sqlite3.connect(tmp_path / "esr.db")
    db.row_factory = sqlite3.Row
    rows = {row["code"]: row for row in db.execute("select * from eura2021_projects")}
    # S30123 from the newer export, the others from the older one that has them.
    assert sorted(rows) == sorted([S30123["Hankekoodi "], A80456["Hankekoodi "], UNUSUAL["Hankekoodi "], J10012["Hankekoodi "]])
    s30123 = rows["S30123"]
    assert (s30123["status"], s30123["public_realised"], s30123["source"]) == ("Päättynyt", 200000, "imports/eura2021/20261101T000000Z-uusi.xlsx")
    assert (s30123["fund"], s30123["period"], s30123["start_date"], s30123["eu_state_realised"]) == ("ESR+", "2021-2027", "2023-01-01", 123456.78)
    assert json.loads(s30123["extra"]) == {"Kumppanit": "Kuopion kaupunki, Savon ammattiopisto", "Päivitetty": "2024-05-10T08:30:00"}
    assert rows["A80456"]["source"] == "imports/eura2021/20260101T000000Z-vanha.xlsx"
    # The comparable figures: the plan's EU and state figure stands for "granted".
    listed = db.execute("select * from project_list where code = 'A80456'").fetchone()
    assert (listed["period"], listed["fund"], listed["eu_state_granted"], listed["public_planned"]) == ("2021-2027", "EAKR", 1234567.89, 1543209.86)
    history = db.execute("select status, public_realised from project_list_history where code = 'S30123'").fetchall()
    assert [tuple(row) for row in history] == [("Käynnissä", 154321)]
    changes = db.execute("select field, old_value, new_value from project_changes where code = 'S30123' order by field").fetchall()
    assert [tuple(row) for row in changes] == [("public_realised", 154321, 200000), ("status", "Käynnissä", "Päättynyt")]
    # The summary is searchable.
    found = db.execute(
        "select code from project_index_fts join project_index t on t.rowid = project_index_fts.rowid "
        "where project_index_fts match 'puun'"
    ).fetchall()
    assert [tuple(row) for row in found] == [("A80456",)]
