"""One rule says which files of a corpus are documents, for esr parse and esr build alike."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from parser.archive.build import build
from parser.corpus import is_document, scan_documents

from .conftest import CORPUS, ROOT


def _corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / "S10962.txt", corpus / "S10962.txt")
    (corpus / "sub").mkdir()
    shutil.copy(CORPUS / "S20334.txt", corpus / "sub" / "S20334.txt")
    (corpus / "README.md").write_text("# Our corpus\n\nSaved by hand.\n")
    (corpus / "LICENSE").write_text("CC BY 4.0\n")
    (corpus / ".hidden.txt").write_text("hidden\n")
    (corpus / "reference").mkdir()
    (corpus / "reference" / "notes.txt").write_text("not a document\n")
    return corpus


def test_the_rule():
    assert is_document(Path("S10962.txt")) and is_document(Path("sub/S20334.pdf"))
    for name in ("README.md", "readme", "LICENSE", "sub/README.txt", ".git/x", "sub/.x.txt", "reference/projektilista-2007-2013.csv"):
        assert not is_document(Path(name)), name


def test_parse_and_build_take_the_same_files_from_a_folder(tmp_path):
    corpus = _corpus(tmp_path)
    assert list(scan_documents(corpus)) == ["S10962.txt", "sub/S20334.txt"]
    result = subprocess.run([sys.executable, "-m", "parser", "parse", str(corpus), "--format", "jsonl"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    parsed = [json.loads(line)["source"]["path"] for line in result.stdout.splitlines()]
    assert parsed == [str(corpus / "S10962.txt"), str(corpus / "sub" / "S20334.txt")]
    report = build(corpus, tmp_path / "esr.db")
    assert (report.documents, report.failed) == (2, 0)


def test_a_file_named_on_the_command_line_is_read_whatever_its_name(tmp_path):
    corpus = _corpus(tmp_path)
    result = subprocess.run([sys.executable, "-m", "parser", "parse", str(corpus / "README.md")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    assert json.loads(result.stdout)["title"] == "# Our corpus"
