"""The benchmarks' headline figures (benchmarks/figures.py): how they are shown and handed on."""

from __future__ import annotations

import sys
from pathlib import Path

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
