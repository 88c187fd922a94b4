"""One rule says which files of a corpus are documents, for esr parse and esr build alike."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from parser.archive.build import build
from parser.corpus import is_document, scan_documents

from .conftest import CORPUS, esr_in_process


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
    result = esr_in_process("parse", str(corpus), "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    parsed = [json.loads(line)["source"]["path"] for line in result.stdout.splitlines()]
    assert parsed == [str(corpus / "S10962.txt"), str(corpus / "sub" / "S20334.txt")]
    report = build(corpus, tmp_path / "esr.db")
    assert (report.documents, report.failed) == (2, 0)


def test_a_file_named_on_the_command_line_is_read_whatever_its_name(tmp_path):
    corpus = _corpus(tmp_path)
    result = esr_in_process("parse", str(corpus / "README.md"))
    assert result.returncode == 0
    assert json.loads(result.stdout)["title"] == "# Our corpus"


def test_an_unreadable_folder_is_an_error_not_an_omission(tmp_path, monkeypatch):
    """The scan says what it could not list; parse prints it and exits 1, build refuses (see
    tests/test_build_reliability.py for the build, run as another user)."""
    import errno
    import os

    from click.testing import CliRunner

    from parser.cli import cli
    from parser.corpus import CorpusError, scan_corpus

    corpus = _corpus(tmp_path)
    scandir = os.scandir

    def failing(path="."):
        if os.fspath(path).endswith("/sub"):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", failing)
    scan = scan_corpus(corpus)
    assert list(scan.documents) == ["S10962.txt"]
    assert scan.errors == [f"{corpus / 'sub'}: cannot read this folder (permission denied)"]
    try:
        scan_documents(corpus)
    except CorpusError as error:
        assert error.lines == scan.errors
    else:
        raise AssertionError("scan_documents took an unreadable folder for an empty one")
    result = CliRunner().invoke(cli, ["parse", str(corpus), "--format", "jsonl"])
    assert result.exit_code == 1
    assert f"esr: error: {corpus / 'sub'}: cannot read this folder (permission denied)" in result.output
    assert len(result.stdout.splitlines()) >= 1  # the readable document is still printed


def test_a_reference_file_linked_from_outside_is_not_loaded(tmp_path):
    corpus = _corpus(tmp_path)
    outside = tmp_path / "municipalities.csv"
    outside.write_bytes((CORPUS / "reference" / "municipalities.csv").read_bytes())
    (corpus / "reference" / "municipalities.csv").symlink_to(outside)
    from parser.corpus import reference_files, scan_corpus

    assert reference_files(corpus) == {}
    assert any(note.startswith("reference/municipalities.csv: a link to ") and "outside the corpus" in note for note in scan_corpus(corpus).notes)
    report = build(corpus, tmp_path / "esr.db")
    assert "reference/municipalities.csv is missing from the corpus: its table stays empty" in report.notes
