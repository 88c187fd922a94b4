"""The ``esr`` command as a user runs it: output, errors, exit codes, help. (In a fresh process,
but where a test looks only at the records printed: those run in this process, ``esr_in_process``.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from parser.cli import cli

from .conftest import ROOT, SAMPLES, esr_in_process, expected_record

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"


def esr(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """Run the command in a fresh process, exactly as a user would."""
    return subprocess.run([sys.executable, "-m", "parser", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def assert_clear_error(result: subprocess.CompletedProcess, path: str, words: str) -> None:
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    line = f"esr: error: {path}: "
    errors = [l for l in result.stderr.splitlines() if l.startswith(line)]
    assert len(errors) == 1, result.stderr
    assert words in errors[0]


def test_parse_the_corpus_prints_every_record():
    result = esr("parse", *(f"corpus/{stem}.txt" for stem in SAMPLES))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    records = json.loads(result.stdout)
    assert [r["source"]["path"] for r in records] == [f"corpus/{stem}.txt" for stem in SAMPLES]
    for record, stem in zip(records, SAMPLES):
        record.pop("source")
        assert record == expected_record(stem)


def test_one_file_prints_one_object(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = esr_in_process("parse", "corpus/S10962.txt")
    assert json.loads(result.stdout)["project"]["code"] == "S10962"


def test_jsonl_prints_one_record_per_line(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = esr_in_process("parse", "corpus", "--format", "jsonl")
    lines = result.stdout.splitlines()
    assert len(lines) == 5
    assert sorted(json.loads(line)["source"]["path"] for line in lines) == sorted(f"corpus/{stem}.txt" for stem in SAMPLES)


def test_output_is_byte_identical_between_runs():
    """Two fresh processes whose string hashes differ (so do set order and any hash-keyed
    choice), one with all cores and one with one worker: the same bytes, JSON and JSON Lines."""

    def run(seed: str, *args: str) -> bytes:
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run([sys.executable, "-m", "parser", "parse", "corpus", *args], cwd=ROOT, env=env, capture_output=True, timeout=120)
        assert result.returncode == 0, result.stderr
        return result.stdout

    first = run("1")
    assert len(json.loads(first)) == len(SAMPLES)
    assert run("2", "--jobs", "1") == first
    assert run("1", "--format", "jsonl", "--jobs", "1") == run("2", "--format", "jsonl")


def test_empty_file(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    assert_clear_error(esr("parse", str(tmp_path / "empty.txt")), str(tmp_path / "empty.txt"), "empty file")


def test_whitespace_only_file(tmp_path):
    (tmp_path / "blank.txt").write_bytes(b" \r\n\t\n\n")
    assert_clear_error(esr("parse", str(tmp_path / "blank.txt")), str(tmp_path / "blank.txt"), "empty file")


def test_random_bytes(tmp_path):
    path = tmp_path / "random.txt"
    path.write_bytes(bytes((i * 7919 + 13) % 256 for i in range(5000)))
    assert_clear_error(esr("parse", str(path)), str(path), "binary data")


def test_image_named_pdf(tmp_path):
    path = tmp_path / "S10962.pdf"
    path.write_bytes(PNG)
    assert_clear_error(esr("parse", str(path)), str(path), "not a PDF: the file starts like a PNG image")


def test_missing_file_and_folder_argument(tmp_path):
    result = esr("parse", str(tmp_path / "nothing.txt"))
    assert_clear_error(result, str(tmp_path / "nothing.txt"), "no such file")


def test_file_over_the_size_limit_is_refused_unread(tmp_path):
    path = tmp_path / "huge.txt"
    with open(path, "wb") as file:
        file.truncate(60 * 1024 * 1024)  # sparse: costs no disk
    assert_clear_error(esr("parse", str(path)), str(path), "too large")


def test_hostile_file_is_stopped_at_the_time_limit(tmp_path):
    path = tmp_path / "hostile.txt"
    path.write_text("Projektikoodi: S10001\n" + ("Kunnat: " + "Kuopio, " * 200 + "\n") * 20000, encoding="utf-8")
    result = esr("parse", str(path), "--timeout", "0.2")
    assert_clear_error(result, str(path), "timed out")


def test_text_with_no_layout_is_kind_other_not_an_error(tmp_path):
    path = tmp_path / "memo.txt"
    path.write_text("Muistio\n\nTämä ei ole hankkeen kuvaus.\n", encoding="utf-8")
    result = esr_in_process("parse", str(path))
    assert result.returncode == 0
    record = json.loads(result.stdout)
    assert (record["kind"], record["title"], record["project"], record["text"]) == ("other", "Muistio", None, "Muistio\nTämä ei ole hankkeen kuvaus.")


def test_good_files_are_printed_when_others_fail(tmp_path):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4\n" + b"\x00garbage" * 10)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    result = esr("parse", "corpus/S10962.txt", str(bad), str(empty), "corpus/S20334.txt")
    assert result.returncode == 1
    assert [r["project"]["code"] for r in json.loads(result.stdout)] == ["S10962", "S20334"]
    assert "Traceback" not in result.stderr
    assert f"esr: error: {bad}: " in result.stderr
    assert f"esr: error: {empty}: empty file" in result.stderr
    assert result.stderr.splitlines()[-1] == "esr: 2 of 4 file(s) could not be read"


def test_usage_errors_are_one_line_not_a_traceback():
    result = esr("parse")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "Missing argument" in result.stderr
    result = esr("parse", "corpus/S10962.txt", "--format", "xml")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_every_command_has_help_and_is_in_the_readme():
    runner = CliRunner()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, command in cli.commands.items():
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0
        assert command.help and command.help.split("\n")[0] in " ".join(result.output.split())
        assert f"esr {name}" in readme, f"esr {name} is not documented in README.md"
