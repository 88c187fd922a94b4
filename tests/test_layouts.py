"""Layout declarations: well formed, and a new layout needs nothing but a new declaration."""

from __future__ import annotations

import re
import time
import types
import typing

import pytest
from pydantic import ValidationError

from parser.clean import clean
from parser.extract.engine import parse_lines
from parser.extract.layouts import builtin_layouts, load_layout
from parser.read.text import read_text
from parser.records import Project

CONTRACT_KEYS = set(Project.model_fields)


def test_builtin_layouts_load_quickly_and_are_well_formed():
    builtin_layouts.cache_clear()
    started = time.perf_counter()
    layouts = builtin_layouts()
    assert time.perf_counter() - started < 1.0
    assert [layout.name for layout in layouts] == ["esr-2007", "esr-2014"]
    assert [layout.period for layout in layouts] == ["2007-2013", "2014-2020"]


def _resolve(model, key: str):
    """Walk a dotted key through the pydantic models by hand; the member's annotation."""
    annotation = model
    for part in key.split("."):
        assert part in annotation.model_fields, f"{key}: no member {part!r} in {annotation.__name__}"
        annotation = annotation.model_fields[part].annotation
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(members) == 1:
            annotation = members[0]
    return annotation


def _item_model(key: str):
    (item,) = typing.get_args(_resolve(Project, key))
    return item


@pytest.mark.parametrize("layout", builtin_layouts(), ids=lambda l: l.name)
def test_every_declared_key_is_a_contract_member(layout):
    """Whole dotted keys, each against the model it fills: a record section's keys against the
    item model of its list (Indicator), a table's groups against its rows' model."""
    checked = 0
    for key in layout.defaults:
        _resolve(Project, key)
    for section in layout.sections:
        model = _item_model(section.record.into) if section.record else Project
        for key in section.record.values if section.record else ():
            _resolve(model, key)
        for spec in section.fields:
            for key in [*spec.keys, *([spec.followed_by] if spec.followed_by else [])]:
                _resolve(model, key)
                checked += 1
        if section.text:
            _resolve(Project, section.text)
        if section.flag:
            _resolve(Project, section.flag.key)
        if section.table:
            row = _item_model(section.table.into)
            for key in [*re.compile(section.table.row).groupindex, section.table.group_key, section.table.continuation_key]:
                _resolve(row, key)
    assert checked > 20


BASE = "name: x\nperiod: p\ntitle: '(?P<fund>ESR)'\n"


@pytest.mark.parametrize(
    "declaration, message",
    [
        ("sections:\n  - heading: A\n    fields:\n      - {label: B, key: implementer.busines_id}\n", "implementer has no member 'busines_id'"),
        ("sections:\n  - heading: A\n    fields:\n      - {label: B, key: implementr.name}\n", "has no member 'implementr'"),
        ("defaults: {exemplery: false}\nsections: []\n", "has no member 'exemplery'"),
        ("sections:\n  - heading: A\n    record: {into: indicators, values: {indicatr: x}}\n    fields:\n      - {label: B, key: planned, type: count}\n", "has no member 'indicatr'"),
        ("sections:\n  - heading: A\n    record: {into: indicators}\n    fields:\n      - {label: B, key: plannd, type: count}\n", "has no member 'plannd'"),
        ("sections:\n  - heading: A\n    record: {into: name}\n    fields:\n      - {label: B, key: planned, type: count}\n", "not a list of records"),
        ("sections:\n  - heading: A\n    fields:\n      - {label: B, key: gender_equality.main_goal, type: bool, followed_by: gender_equality.main_goal_txt}\n", "has no member 'main_goal_txt'"),
        ("sections:\n  - heading: A\n    text: texts.sumary\n", "has no member 'sumary'"),
        ("sections:\n  - heading: A\n    flag: {key: exemplar, text: T}\n", "has no member 'exemplar'"),
        ("sections:\n  - heading: A\n    table: {into: sustainability, row: '^(?P<criterio>.*) (?P<direct>\\d+)$', continuation_key: justification}\n", "has no member 'criterio'"),
        ("sections:\n  - heading: A\n    fields:\n      - {label: B, key: contact.phone, after: contact.nam}\n", "names no key of the same section"),
    ],
)
def test_a_mistyped_key_fails_when_the_layout_loads(declaration, message):
    with pytest.raises(ValidationError, match=re.escape(message)):
        load_layout(BASE + declaration)


@pytest.mark.parametrize(
    "section",
    [
        "  - heading: A\n    text: texts.summary\n    fields:\n      - {label: B, key: name}\n",
        "  - heading: A\n    text: texts.summary\n    flag: {key: exemplary, text: T}\n",
        "  - heading: A\n    fields:\n      - {label: B, key: name}\n    table: {into: sustainability, row: '^(?P<criterion>.*)$', continuation_key: justification}\n",
    ],
)
def test_a_section_declaring_two_kinds_fails_when_loaded(section):
    with pytest.raises(ValidationError, match="a section has one kind"):
        load_layout(BASE + "sections:\n" + section)


def test_a_malformed_declaration_fails_when_loaded():
    with pytest.raises(ValidationError, match="unknown value type"):
        load_layout("name: x\nperiod: p\ntitle: '(?P<fund>ESR)'\nsections:\n  - heading: A\n    fields:\n      - {label: B, key: code, type: money}\n")
    with pytest.raises(ValidationError, match="named group 'fund'"):
        load_layout("name: x\nperiod: p\ntitle: 'ESR'\nsections: []\n")
    with pytest.raises(ValidationError, match="two keys"):
        load_layout("name: x\nperiod: p\ntitle: '(?P<fund>ESR)'\nsections:\n  - heading: A\n    fields:\n      - {label: B, key: start_date, type: date_range}\n")


LAYOUT_2021 = """
name: esr-2021
period: 2021-2027
title: '^Euroopan sosiaalirahasto plussan \\((?P<fund>ESR\\+)\\) rahoittaman hankkeen kuvaus$'
keywords: [Hanketunnus]
defaults: {exemplary: false}
sections:
  - heading: Hankkeen tiedot
    fields:
      - {label: Hanketunnus, key: code}
      - {label: Hankkeen nimi, key: name}
      - {label: Toimintalinja, key: priority_axis, type: numbered}
      - {label: Toteutusaika, key: [start_date, end_date], type: date_range}
  - heading: Tuensaaja
    fields:
      - {label: Tuensaajan nimi, key: implementer.name}
      - {label: Y-tunnus, key: implementer.business_id, type: business_id}
  - heading: Rahoitus
    fields:
      - {label: Myönnetty tuki, key: funding.eu_state_granted, type: euros}
  - heading: Tiivistelmä
    text: texts.summary
"""

DOCUMENT_2021 = """Euroopan sosiaalirahasto plussan (ESR+) rahoittaman hankkeen kuvaus

1 Hankkeen tiedot

Hanketunnus: S30001

Hankkeen nimi: Uusi alku

Toimintalinja: 4. Osallisuus

Toteutusaika: Alkaa 1.1.2023 ja päättyy 31.12.2025

2 Tuensaaja

Tuensaajan nimi: Jupiter-säätiö

Y-tunnus: 1724298-9

3 Rahoitus

Myönnetty tuki: 250 000

4 Tiivistelmä

Hanke tukee nuoria.
"""


def test_a_new_layout_is_a_new_declaration():
    layouts = (*builtin_layouts(), load_layout(LAYOUT_2021))
    parsed = parse_lines(clean(read_text(DOCUMENT_2021.encode())), layouts)
    assert (parsed.kind, parsed.template, parsed.warnings) == ("description", "esr-2021", [])
    project = Project.model_validate(parsed.project)
    assert project.code == "S30001"
    assert project.fund == "ESR+"
    assert project.period == "2021-2027"
    assert project.priority_axis.number == "4"
    assert str(project.start_date) == "2023-01-01" and str(project.end_date) == "2025-12-31"
    assert project.implementer.name == "Jupiter-säätiö"
    assert project.funding.eu_state_granted == 250000
    assert project.texts.summary == "Hanke tukee nuoria."
    assert project.exemplary is False
