"""Every contract member of every sample document, against records written by hand."""

from __future__ import annotations

import hashlib
import json

import pytest

from parser.parse import parse_bytes, parse_path
from parser.records import document_json

from .conftest import DESCRIPTIONS, expected_record, sample_path

PROJECT_MEMBERS = [
    "code", "fund", "period", "name", "section", "priority_axis", "specific_objective", "project_type",
    "start_date", "end_date", "status", "managing_authority", "exemplary", "implementer", "contact",
    "applicants", "co_implementers", "area", "target_groups", "indicators", "funding", "horizontal",
    "gender_equality", "sustainability", "texts", "extra_fields",
]


def parsed(stem: str) -> dict:
    return json.loads(parse_path(sample_path(stem)).model_dump_json())


def test_document_members(sample):
    got = parsed(sample)
    expected = expected_record(sample)
    for member in ("kind", "template", "title", "warnings", "text"):
        assert got[member] == expected[member], member


def test_source_member(sample):
    path = sample_path(sample)
    source = parsed(sample)["source"]
    assert source == {
        "path": str(path),
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "format": "txt",
        "pages": None,
    }


@pytest.mark.parametrize("stem", DESCRIPTIONS)
@pytest.mark.parametrize("member", PROJECT_MEMBERS)
def test_project_member(stem, member):
    assert parsed(stem)["project"][member] == expected_record(stem)["project"][member]


def test_project_has_exactly_the_contract_members(description):
    assert list(parsed(description)["project"]) == PROJECT_MEMBERS


def test_other_document_has_no_project():
    got = parsed("asumisen-tukemisen-toimintamalli")
    assert got["kind"] == "other"
    assert got["project"] is None
    assert got["template"] is None
    assert got["title"] == "ASUMISEN TUKEMISEN TOIMINTAMALLI"


def test_selected_values_read_from_the_source():
    """A few values checked once more by eye against the page, in case the fixture is wrong."""
    s10962 = parsed("S10962")["project"]
    assert s10962["start_date"] == "2009-07-01" and s10962["end_date"] == "2012-08-31"
    assert s10962["implementer"]["phone"] == "017-186 111"
    assert s10962["contact"]["phone"] == "017 183 300"
    assert s10962["contact"]["email"] == "jarmo.rautjarvi@kuopio.fi"
    assert s10962["funding"]["eu_state_granted"] == 560897
    assert s10962["area"]["municipalities"] == ["Iisalmi", "Siilinjärvi", "Nilsiä", "Kuopio", "Leppävirta", "Suonenjoki"]
    s10673 = parsed("S10673")["project"]
    assert s10673["area"]["subregions"] == ["Vaasan", "Sydösterbottens, kustregion", "Kyrönmaan", "Jakobstadsregionen"]
    assert s10673["indicators"][0] == {"indicator": "participants", "planned": 60, "planned_women": 0, "realised": 51, "realised_women": 19}
    s21736 = parsed("S21736")["project"]
    assert s21736["exemplary"] is False
    assert s21736["applicants"] is None
    assert s21736["area"]["site"] == {"street_address": None, "postal_code": None, "post_office": None}
    assert s21736["sustainability"][12] == {
        "group": "Sosiaalinen ja kulttuurinen kestävyys sekä yhdenvertaisuus",
        "criterion": "Yhteiskunnallinen ja kulttuurinen yhdenvertaisuus",
        "direct": 5,
        "indirect": 0,
        "justification": s21736["sustainability"][12]["justification"],
    }
    assert s21736["sustainability"][12]["justification"].startswith("Kts edellinen. Yhdenvertaisuus palveluissa")
    assert parsed("S20334")["project"]["exemplary"] is True


def test_output_is_byte_identical_across_runs(sample):
    data = sample_path(sample).read_bytes()
    first = document_json(parse_bytes(data, "x.txt"))
    second = document_json(parse_bytes(data, "x.txt"))
    assert first == second


def test_every_source_line_is_accounted_for(description):
    """Nothing is lost: every non-blank source line is in the record's text, in order."""
    got = parsed(description)
    source_lines = [" ".join(l.split()) for l in sample_path(description).read_text(encoding="utf-8").splitlines() if l.strip()]
    furniture = {"Euroopan unioni", "Vipuvoimaa EU:lta", "Euroopan unioni Vipuvoimaa EU:lta"}
    assert got["text"].split("\n") == [l for l in source_lines if l not in furniture]
