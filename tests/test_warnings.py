"""Warnings: one registry of codes, the code pattern the lists use, one numbering per document."""

from __future__ import annotations

import pytest

from parser.parse import parse_bytes

from .conftest import sample_text


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
