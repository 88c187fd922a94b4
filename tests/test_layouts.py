"""Layout declarations: well formed, and a new layout needs nothing but a new declaration."""

from __future__ import annotations

import time

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


@pytest.mark.parametrize("layout", builtin_layouts(), ids=lambda l: l.name)
def test_every_declared_key_is_a_contract_member(layout):
    keys = set()
    for section in layout.sections:
        if section.text:
            keys.add(section.text)
        for spec in section.fields:
            if section.record is None:
                keys.update(spec.keys)
            if spec.followed_by:
                keys.add(spec.followed_by)
        if section.record:
            keys.add(section.record.into)
        if section.table:
            keys.add(section.table.into)
        if section.flag:
            keys.add(section.flag.key)
    keys.update(layout.defaults)
    assert {key.split(".")[0] for key in keys} <= CONTRACT_KEYS


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
