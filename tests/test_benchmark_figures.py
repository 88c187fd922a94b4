"""The benchmarks' headline figures (benchmarks/figures.py): how they are shown and handed on."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import figures  # noqa: E402


def test_values_are_shown_with_separators_or_three_digits():
    assert figures.shown(2059.4) == "2,059"
    assert figures.shown(13.54) == "13.5"
    assert figures.shown(0.3441) == "0.344"
    assert figures.shown(0) == "0"
    assert figures.shown(float("nan")) == "–"


def test_a_line_and_a_table_say_the_target_and_whether_it_is_met():
    met = figures.figure("lists", 1.42, "s", "< 1.5", True)
    missed = figures.figure("PDF end to end / raw", 0.344, "×", "≥ 0.6", False)
    plain = figures.figure("full build", 11.7, "s")
    assert figures.line(met) == "- lists: 1.42 s (target < 1.5): met"
    assert figures.line(missed) == "- PDF end to end / raw: 0.344 × (target ≥ 0.6): MISSED"
    assert figures.line(plain) == "- full build: 11.7 s"
    assert figures.markdown([met, missed]).splitlines()[2:] == [
        "| lists | 1.42 s | < 1.5 | met |",
        "| PDF end to end / raw | 0.344 × | ≥ 0.6 | **missed** |",
    ]


def test_figures_written_are_read_back_and_a_missing_file_gives_none(tmp_path):
    items = [figures.figure("p95 at 10 clients", 2.6, "ms", "< 200", True)]
    figures.write(tmp_path / "serve.json", "machine: 2 cores", items)
    assert figures.read(tmp_path / "serve.json") == items
    assert figures.read(tmp_path / "absent.json") == []


def test_a_ratio_is_taken_within_each_round():
    """benchmarks/build.py sets each round's build (imports and build, end to end) against the
    parse (or the raw extraction) of the same round, so that the machine's drift between rounds
    does not enter the ratio."""
    import build

    builds = [{"import_seconds": 0.5, "total": 5.5}, {"import_seconds": 0.25, "total": 8.75}]
    assert build._round_ratios(builds, [4.0, 6.0]) == [1.5, 1.5]


def test_bad_sizes_and_counts_are_refused_in_one_line():
    from click.testing import CliRunner

    import build

    for arguments, words in ((["--sizes", "0"], "each size must be at least 1"), (["--sizes", "4000,x"], "whole numbers"), (["--pdfs", "-1"], "-1 is not in the range")):
        result = CliRunner().invoke(build.main, arguments)
        assert result.exit_code == 2 and words in result.output, (arguments, result.output)
        assert "Traceback" not in result.output


def test_a_baseline_commit_that_is_not_there_is_said_so(tmp_path):
    import build

    tree, why_not = build.baseline_tree("no-such-commit", tmp_path)
    assert tree is None and "git archive no-such-commit failed" in why_not
    assert not (tmp_path / "baseline-no-such-commit" / "parser").exists()


def test_the_rebuild_benchmark_refuses_bad_options_before_writing_anything(tmp_path):
    from click.testing import CliRunner

    import rebuild

    result = CliRunner().invoke(rebuild.main, ["--descriptions", "0"])
    assert result.exit_code == 2 and "0 is not in the range x>=1" in result.output
    result = CliRunner().invoke(rebuild.main, ["--against", "no-such-commit", "--descriptions", "1", "--keep", str(tmp_path)])
    assert result.exit_code == 1 and "Error: no tree of no-such-commit: " in result.output
    assert "Traceback" not in result.output and not (tmp_path / "lists-1").exists()
    (tmp_path / "lists-1").mkdir()
    (tmp_path / "lists-1" / ".synthetic-corpus.json").write_text('{"seed": 0, "descriptions": 2, "pdfs": 0, "reference": true}')
    result = CliRunner().invoke(rebuild.main, ["--against", "none", "--descriptions", "1", "--keep", str(tmp_path)])
    assert result.exit_code == 1 and "holds a corpus of other settings" in result.output and "Traceback" not in result.output


def test_the_suite_benchmark_reads_the_machines_cpu_and_pytests_summary():
    """benchmarks/suite.py: /proc/stat's cpu line (user nice system idle iowait irq softirq steal
    guest guest_nice, in ticks) and pytest's last line, as written by hand from their formats."""
    import suite
    import suite_cpu

    assert suite_cpu.cpu_seconds("cpu  1000 20 300 5000 100 7 3 50 40 0", ticks=100) == (13.8, 51.0)
    with pytest.raises(ValueError, match="not the cpu line"):
        suite_cpu.cpu_seconds("cpu0 1 2 3 4 5 6 7 8")  # one core's line, not the machine's
    assert suite.pytest_summary("....\n=== 1840 passed, 2 skipped, 2 warnings in 97.69s (0:01:37) ===\n") == (
        {"passed": 1840, "skipped": 2, "warnings": 2}, 97.69)
    assert suite.pytest_summary("F.\nFAILED tests/test_x.py::test_y - assert 1 == 2\n1 failed, 3 passed in 2.50s\n") == ({"failed": 1, "passed": 3}, 2.5)
    assert suite.pytest_summary("ERROR: file or directory not found: tests/nothing.py\n") is None


def test_the_suite_profile_sums_modules_and_finds_the_tests_that_wait():
    import suite

    rows = [
        {"id": "tests/test_a.py::test_one", "wall": 1.0, "busy": 0.9, "idle": 1.1},
        {"id": "tests/test_a.py::test_two[x]", "wall": 2.0, "busy": 0.5, "idle": 3.5},
        {"id": "tests/test_b.py::test_three", "wall": 0.5, "busy": 0.45, "idle": 0.55},
    ]
    modules = suite.by_module(rows)
    assert modules["tests/test_a.py"] == {"tests": 2, "wall": 3.0, "busy": 1.4, "idle": 4.6}
    assert modules["tests/test_b.py"] == {"tests": 1, "wall": 0.5, "busy": 0.45, "idle": 0.55}
    assert [(wait, row["id"]) for wait, row in suite.waits(rows)] == [(1.5, "tests/test_a.py::test_two[x]")]
    passed = {"exit": 0, "seconds": 95.0, "busy": 180.0, "idle": 17.0}
    failed = {"exit": 1, "seconds": 50.0, "busy": 90.0, "idle": 9.0}
    whole = suite.headline([passed, dict(passed, seconds=85.0, busy=170.0), failed])
    assert [(item["value"], item["met"]) for item in whole] == [(90.0, False), (175.0, None), (17.0, None)]
    assert suite.headline([failed]) == []
    assert suite.headline([passed], ("tests/test_a.py",))[0]["target"] == ""


def test_the_suite_benchmark_refuses_bad_options_in_one_line():
    from click.testing import CliRunner

    import suite

    for arguments, words in ((["--runs", "0"], "0 is not in the range x>=1"), (["--top", "x"], "'x' is not a valid integer")):
        result = CliRunner().invoke(suite.main, arguments)
        assert result.exit_code == 2 and words in result.output, (arguments, result.output)
        assert "Traceback" not in result.output
