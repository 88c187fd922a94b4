"""The extract engine on its own: hand-made lines and small layouts, hand-written expectations.

Nothing here reads a sample or a built-in layout. Each test builds its lines with
:class:`parser.read.lines.Line` and its layout with :func:`parser.extract.layouts.load_layout`, so
what is tested is the engine's own rules: which layout (:mod:`.recognise`), where sections begin
(:mod:`.sections`), which field a written label stands for (:mod:`.labels`), which lines belong to
a label (:mod:`.fields`), what each kind of section does (:mod:`.kinds`) and the whole of
:func:`parser.extract.engine.parse_lines`.
"""

from __future__ import annotations

import pytest

from parser.extract.engine import Extraction, ParsedText, nest, parse_lines
from parser.extract.fields import collect_hits, extract_fields
from parser.extract.kinds import SECTION_KINDS, extract_unknown_section
from parser.extract.labels import LabelIndex, looks_like_label
from parser.extract.layouts import LayoutSpec, load_layout
from parser.extract.recognise import TITLE_WINDOW, recognise
from parser.extract.sections import LONGEST_HEADING, Section, follows, split_sections
from parser.read.lines import Line
from parser.warnings import WarningLog

TINY = load_layout(
    r"""
name: tiny
period: 2021-2027
title: '^Testirahaston \((?P<fund>ESR|EAKR)\) hankkeen kuvaus$'
keywords: [Testikoodi]
defaults: {exemplary: false}
sections:
  - heading: [Hanke, Hankkeen tiedot]
    fields:
      - {label: Testikoodi, key: code}
      - {label: [Hankkeen nimi, Hankkeen virallinen nimi], key: name}
      - {label: Toteutusaika, key: [start_date, end_date], type: date_range, optional: true}
  - heading: Toteuttaja
    fields:
      - {label: Toteuttajan nimi, key: implementer.name}
      - {label: Puhelinnumero, key: implementer.phone}
      - {label: Yhteyshenkilö, key: contact.name}
      - {label: Puhelinnumero, key: contact.phone, after: contact.name}
      - {label: Y-tunnus, key: implementer.business_id, type: business_id, optional: true}
      - {label: Verkkosivut, key: implementer.website, type: url, optional: true}
      - {label: Sähköposti, key: contact.email, type: email, optional: true}
      - label: Osatoteuttajat
        key: co_implementers
        type: co_implementer
        continuation: items
        optional: true
        options: {organisation_types: [Kunta, Yliopisto]}
    expected_lines: [Toteuttajan tiedot lomakkeelta]
  - heading: Tiivistelmä
    text: texts.summary
  - heading: Rahoitus
    fields:
      - {label: Myönnetty EU- ja valtion rahoitus, key: funding.eu_state_granted, type: euros}
  - heading: Seurantatiedot
    optional: true
  - heading: Osallistuvien henkilöiden lukumäärä
    optional: true
    record: {into: indicators, values: {indicator: participants}}
    fields:
      - {label: Suunniteltu, key: [planned, planned_women], type: count_with_women}
  - heading: Uusien työpaikkojen määrä
    optional: true
    record: {into: indicators, values: {indicator: new_jobs}}
    fields:
      - {label: Suunniteltu, key: [planned, planned_women], type: count_with_women}
  - heading: Sukupuolten tasa-arvo
    optional: true
    fields:
      - label: Hankkeen päätavoite on tasa-arvo
        key: gender_equality.main_goal
        type: bool
        followed_by: gender_equality.main_goal_text
  - heading: Kestävä kehitys
    optional: true
    table:
      into: sustainability
      row: '^(?P<criterion>\S.*?)\s+(?P<direct>\S+)\s+(?P<indirect>\d{1,2})$'
      types: {direct: count, indirect: count}
      continuation_key: justification
      header_lines: [Välitön Välillinen]
      groups: [Ekologinen kestävyys, Sosiaalinen kestävyys]
  - heading: Esimerkkihanke
    optional: true
    flag: {key: exemplary, text: Hanke on esimerkkihanke}
"""
)

#: A second layout, for telling layouts apart.
OTHER = load_layout(
    r"""
name: other-tiny
period: 2028-2034
title: '^Toisen rahaston \((?P<fund>ESR|EAKR)\) hankkeen kuvaus$'
keywords: [Toinen koodi]
sections:
  - heading: Perustiedot
    fields:
      - {label: Toinen koodi, key: code}
"""
)

TITLE = "Testirahaston (ESR) hankkeen kuvaus"


def make_lines(*texts: str, start: int = 1) -> list[Line]:
    """Lines numbered from ``start``, as a reader numbers them."""
    return [Line(text, number) for number, text in enumerate(texts, start)]


def spec(name: str, layout: LayoutSpec = TINY):
    [found] = [section for section in layout.sections if section.name == name]
    return found


def field(section: str, key: str):
    [found] = [f for f in spec(section).fields if f.key == key]
    return found


def section_of(name: str, *texts: str, start: int = 2) -> Section:
    """The section ``name`` with its heading on line ``start - 1`` and ``texts`` below it."""
    return Section(spec(name), name, Line(name, start - 1), make_lines(*texts, start=start))


def extraction() -> Extraction:
    return Extraction(TINY, WarningLog())


def codes(warnings) -> list[str]:
    return [w["code"] for w in warnings]


# --------------------------------------------------------------------------------- recognise


def test_recognised_by_the_title_line_with_its_fund():
    lines = make_lines("Tulostettu 1.2.2024", TITLE, "1 Hanke")
    assert recognise(lines, [TINY]) == (TINY, 1, "ESR")
    # The title pattern is matched without case; the fund is written in capitals.
    assert recognise(make_lines("testirahaston (eakr) hankkeen kuvaus"), [TINY]) == (TINY, 0, "EAKR")


def test_a_title_is_looked_for_only_near_the_top():
    near = make_lines(*["Otsake"] * (TITLE_WINDOW - 1), TITLE)
    assert recognise(near, [TINY]) == (TINY, TITLE_WINDOW - 1, "ESR")
    far = make_lines(*["Otsake"] * TITLE_WINDOW, TITLE)
    assert recognise(far, [TINY]) is None


def test_recognised_by_a_keyword_label_when_the_title_is_lost():
    lines = make_lines("1 Hanke", "Testikoodi: S12345", "Hankkeen nimi: Pieni")
    assert recognise(lines, [OTHER, TINY]) == (TINY, None, None)
    # Compared as labels are: without case, with any spacing before the colon, anywhere in the text.
    lines = make_lines(*["Teksti"] * 40, "TESTIKOODI  : S1")
    assert recognise(lines, [TINY]) == (TINY, None, None)


def test_a_title_of_any_layout_wins_over_a_keyword_of_an_earlier_one():
    lines = make_lines("Toisen rahaston (EAKR) hankkeen kuvaus", "Testikoodi: S12345")
    assert recognise(lines, [TINY, OTHER]) == (OTHER, 0, "EAKR")


def test_not_recognised():
    assert recognise([], [TINY]) is None
    # The keyword must be a label ("Testikoodi:"), not a word in a sentence; nor a near title.
    lines = make_lines("Muistio", "Testikoodi puuttuu tästä", "Testirahaston (ESR) hankkeen kuvaus ja liitteet")
    assert recognise(lines, [TINY, OTHER]) is None


# ---------------------------------------------------------------------------------- sections


def test_follows():
    assert follows((1,), None) and not follows((2,), None) and not follows((1, 1), None)
    assert follows((3,), (2,)) and follows((3,), (2, 4)) and not follows((4,), (2,)) and not follows((2,), (2,))
    assert follows((2, 1), (2,)) and follows((2, 2), (2, 1)) and follows((2, 1, 1), (2, 1))
    assert not follows((2, 3), (2, 1)) and not follows((3, 1), (2,)) and not follows((2, 2), (2,))


def test_sections_are_found_by_heading_text_whatever_their_number():
    warnings = WarningLog()
    lines = make_lines("Alkuteksti", "7 Hanke", "Testikoodi: S1", "Tiivistelmä", "Teksti.", "3.2. RAHOITUS", "Rahoitusrivi")
    sections = split_sections(lines, TINY, warnings)
    assert [(s.name, s.heading and s.heading.number, [l.text for l in s.lines]) for s in sections] == [
        ("", None, ["Alkuteksti"]),  # before any heading: no spec, no heading
        ("Hanke", 2, ["Testikoodi: S1"]),
        ("Tiivistelmä", 4, ["Teksti."]),  # unnumbered
        ("Rahoitus", 6, ["Rahoitusrivi"]),  # another case, a number with a full stop
    ]
    assert [s.spec for s in sections] == [None, spec("Hanke"), spec("Tiivistelmä"), spec("Rahoitus")]
    assert warnings == []


def test_a_heading_alias_opens_the_declared_section_under_its_first_name():
    sections = split_sections(make_lines("1 Hankkeen tiedot", "Testikoodi: S1"), TINY, WarningLog())
    assert [(s.spec, s.name) for s in sections[1:]] == [(spec("Hanke"), "Hanke")]


def test_a_label_line_is_not_a_heading():
    # "Tiivistelmä:" is written as a label: it stays a line of its section.
    sections = split_sections(make_lines("1 Hanke", "Tiivistelmä: lyhyt"), TINY, WarningLog())
    assert [(s.name, [l.text for l in s.lines]) for s in sections] == [("", []), ("Hanke", ["Tiivistelmä: lyhyt"])]


def test_an_unknown_numbered_heading_opens_a_section_only_when_its_number_follows():
    warnings = WarningLog()
    lines = make_lines("1 Hanke", "2 Lisätiedot", "Rivi", "2.1 Tarkennus", "5 Väliin pudonnut", "4 Liitteet")
    sections = split_sections(lines, TINY, warnings)
    assert [(s.spec, s.name, [l.text for l in s.lines]) for s in sections] == [
        (None, "", []),
        (spec("Hanke"), "Hanke", []),
        (None, "Lisätiedot", ["Rivi"]),  # 2 follows 1
        (None, "Tarkennus", ["5 Väliin pudonnut", "4 Liitteet"]),  # 2.1 follows 2; 5 and then 4 do not follow 2.1
    ]
    assert warnings == [
        {"code": "unknown_section", "message": "section '2 Lisätiedot' is not in the tiny layout; its lines are kept in extra_fields", "line": 2},
        {"code": "unknown_section", "message": "section '2.1 Tarkennus' is not in the tiny layout; its lines are kept in extra_fields", "line": 4},
    ]


def test_an_unknown_numbered_line_that_reads_as_a_sentence_is_no_heading():
    lines = make_lines("1 Hanke", "2 kohdassa mainittu asia", "2 Lisätiedot.", "2 Huom: tärkeä", "2 " + "Sana " * 22)
    sections = split_sections(lines, TINY, WarningLog())
    assert len(sections) == 2 and [l.number for l in sections[1].lines] == [2, 3, 4, 5]  # lower case, full stop, colon, over 100


def test_a_long_line_is_never_a_heading():
    # Longer than any heading: a paragraph, even when it starts with the next number, or when its
    # words are a declared heading's (spacing does not count in headings).
    paragraph = "2 Hankkeen tavoitteena on " + "kehittää palveluja " * 8
    padded = "Tiivistelmä" + " " * LONGEST_HEADING
    assert len(paragraph) > LONGEST_HEADING
    sections = split_sections(make_lines("1 Hanke", paragraph, padded), TINY, WarningLog())
    assert [(s.name, [l.number for l in s.lines]) for s in sections] == [("", []), ("Hanke", [2, 3])]
    # At the limit the same padded heading is still a heading.
    sections = split_sections(make_lines("1 Hanke", "Tiivistelmä" + " " * (LONGEST_HEADING - len("Tiivistelmä"))), TINY, WarningLog())
    assert [s.name for s in sections] == ["", "Hanke", "Tiivistelmä"]


def test_a_numbered_heading_variant_is_read_as_the_declared_one_with_a_warning():
    warnings = WarningLog()
    lines = make_lines("1 Hanke", "5 Osallistuvien henkilöiden lukumaara", "Suunniteltu: 3")
    sections = split_sections(lines, TINY, warnings)
    assert [(s.spec, s.name) for s in sections][-1] == (spec("Osallistuvien henkilöiden lukumäärä"), "Osallistuvien henkilöiden lukumäärä")
    assert warnings == [
        {"code": "heading_variant", "message": "heading '5 Osallistuvien henkilöiden lukumaara' read as 'Osallistuvien henkilöiden lukumäärä'", "line": 2}
    ]


def test_heading_variants_are_not_guessed_unnumbered_or_short():
    warnings = WarningLog()
    # Unnumbered, the variant is a line; a short heading ("Hanke") has no variants ("Hanka").
    lines = make_lines("1 Hanke", "Osallistuvien henkilöiden lukumaara", "1 Hanka")
    sections = split_sections(lines, TINY, warnings)
    assert [(s.name, [l.text for l in s.lines]) for s in sections] == [
        ("", []),
        ("Hanke", ["Osallistuvien henkilöiden lukumaara", "1 Hanka"]),
    ]
    assert warnings == []


# ------------------------------------------------------------------------------------ labels


def lookup(label: str, section: str, filled: set[str] = frozenset(), warnings: WarningLog | None = None):
    warnings = WarningLog() if warnings is None else warnings
    return LabelIndex(TINY).lookup(label, spec(section).fields, set(filled), Line(f"{label}: x", 9), section, warnings)


def test_a_label_in_its_own_section():
    warnings = WarningLog()
    assert lookup("Hankkeen nimi", "Hanke", warnings=warnings) is field("Hanke", "name")
    assert lookup("HANKKEEN   virallinen nimi", "Hanke", warnings=warnings) is field("Hanke", "name")  # an alias, any case and spacing
    assert warnings == []


def test_a_label_variant_is_read_with_a_warning():
    warnings = WarningLog()
    assert lookup("Hankkeen nimu", "Hanke", warnings=warnings) is field("Hanke", "name")
    assert warnings == [{"code": "label_variant", "message": "label 'Hankkeen nimu' read as 'Hankkeen nimi'", "line": 9}]
    # Short labels are too alike to guess at.
    assert lookup("Testikodi", "Hanke", warnings=warnings) is None
    assert len(warnings) == 1


def test_a_label_unique_to_another_section_is_read_there_with_a_warning():
    warnings = WarningLog()
    assert lookup("Myönnetty EU- ja valtion rahoitus", "Toteuttaja", warnings=warnings) is field("Rahoitus", "funding.eu_state_granted")
    assert warnings == [
        {"code": "label_out_of_section", "message": "label 'Myönnetty EU- ja valtion rahoitus' found in section 'Toteuttaja', not in its own", "line": 9}
    ]


def test_labels_of_two_fields_or_of_records_are_not_taken_from_another_section():
    warnings = WarningLog()
    assert lookup("Puhelinnumero", "Hanke", warnings=warnings) is None  # declared twice (in Toteuttaja)
    assert lookup("Suunniteltu", "Hanke", warnings=warnings) is None  # a record's label: every indicator has it
    assert lookup("Tuntematon", "Hanke", warnings=warnings) is None
    assert warnings == []


def test_a_label_declared_twice_is_told_apart_by_its_after_rule():
    organisation, contact = field("Toteuttaja", "implementer.phone"), field("Toteuttaja", "contact.phone")
    assert lookup("Puhelinnumero", "Toteuttaja", {"implementer.name"}) is organisation
    assert lookup("Puhelinnumero", "Toteuttaja", {"implementer.name", "implementer.phone", "contact.name"}) is contact
    # After the contact person it is the contact's number, even when the organisation gave none.
    assert lookup("Puhelinnumero", "Toteuttaja", {"contact.name"}) is contact
    # Both filled (a third phone) or the organisation's given twice before the contact: the first
    # declaration, so that the value goes to extra_fields as a duplicate.
    assert lookup("Puhelinnumero", "Toteuttaja", {"implementer.phone", "contact.name", "contact.phone"}) is organisation
    assert lookup("Puhelinnumero", "Toteuttaja", {"implementer.phone"}) is organisation


def test_looks_like_label():
    assert looks_like_label("Rahoittajan huomio") and looks_like_label("Y-tunnus")
    assert not looks_like_label("kello") and not looks_like_label("Tämä on lause. Toinen")
    assert not looks_like_label("Yksi kaksi kolme neljä viisi kuusi seitsemän kahdeksan yhdeksän")


# ------------------------------------------------------------------------------------ fields


def test_a_wrapped_value_is_joined_to_its_label():
    ex = extraction()
    # Whatever the case of the next line; after a hyphen without a space, unless a conjunction follows.
    section = section_of("Hanke", "Testikoodi: S12345", "Hankkeen nimi: Asumisen tuki Etelä-", "Savon sosiaali-", "ja terveyspalveluissa", "Kuopiossa")
    hits = collect_hits(ex, section, spec("Hanke").fields)
    assert [(h.spec.key, h.label, h.line.number, h.value) for h in hits] == [
        ("code", "Testikoodi", 2, "S12345"),
        ("name", "Hankkeen nimi", 3, "Asumisen tuki Etelä-Savon sosiaali- ja terveyspalveluissa Kuopiossa"),
    ]
    target: dict = {}
    extract_fields(ex, section, spec("Hanke").fields, target)
    assert target == {"code": "S12345", "name": "Asumisen tuki Etelä-Savon sosiaali- ja terveyspalveluissa Kuopiossa"}
    assert ex.warnings == [] and ex.extra_fields == []


def test_a_label_with_its_value_on_the_next_line():
    target: dict = {}
    extract_fields(extraction(), section_of("Hanke", "Testikoodi:", "S12345", "Hankkeen nimi: N"), spec("Hanke").fields, target)
    assert target == {"code": "S12345", "name": "N"}


def test_items_continue_a_list_label_one_per_line():
    ex = extraction()
    section = section_of(
        "Toteuttaja",
        "Toteuttajan tiedot lomakkeelta",  # an expected line of the print form: skipped
        "Toteuttajan nimi: Kuopion kaupunki",
        "Puhelinnumero: 017 182 111",
        "Yhteyshenkilö: Jarmo Rautjärvi",
        "Puhelinnumero: 044 718 2358",
        "Osatoteuttajat: Kuopion kaupunki, Kunta, 0171450-7",
        "KRIS-Oulu ry, 2555856-1",
        "Jupiter-säätiö, Säätiö, 1724298-9",
    )
    [*_, hit] = collect_hits(ex, section, spec("Toteuttaja").fields)
    assert (hit.value, hit.items) == ("Kuopion kaupunki, Kunta, 0171450-7", ["KRIS-Oulu ry, 2555856-1", "Jupiter-säätiö, Säätiö, 1724298-9"])
    target: dict = {}
    extract_fields(ex, section, spec("Toteuttaja").fields, target)
    assert target == {
        "implementer.name": "Kuopion kaupunki",
        "implementer.phone": "017 182 111",
        "contact.name": "Jarmo Rautjärvi",
        "contact.phone": "044 718 2358",
        "co_implementers": [
            {"name": "Kuopion kaupunki", "type": "Kunta", "business_id": "0171450-7"},
            {"name": "KRIS-Oulu ry", "type": None, "business_id": "2555856-1"},
            # "Säätiö" is not among this layout's organisation types: part of the name.
            {"name": "Jupiter-säätiö, Säätiö", "type": None, "business_id": "1724298-9"},
        ],
    }
    assert ex.warnings == [] and ex.extra_fields == []


def test_followed_by_keeps_the_free_lines_after_the_answer_as_a_text():
    ex = extraction()
    section = section_of("Sukupuolten tasa-arvo", "Hankkeen päätavoite on tasa-arvo: Ei", "Perustelu alkaa.", "Huom: tämäkin on perustelua")
    [hit] = collect_hits(ex, section, spec("Sukupuolten tasa-arvo").fields)
    assert (hit.value, hit.following) == ("Ei", ["Perustelu alkaa.", "Huom: tämäkin on perustelua"])
    target: dict = {}
    extract_fields(ex, section, spec("Sukupuolten tasa-arvo").fields, target)
    assert target == {"gender_equality.main_goal": False, "gender_equality.main_goal_text": "Perustelu alkaa.\nHuom: tämäkin on perustelua"}
    target = {}
    extract_fields(ex, section_of("Sukupuolten tasa-arvo", "Hankkeen päätavoite on tasa-arvo: Kyllä"), spec("Sukupuolten tasa-arvo").fields, target)
    assert target == {"gender_equality.main_goal": True, "gender_equality.main_goal_text": None}
    assert ex.warnings == []


def test_an_unknown_label_goes_to_extra_fields_with_a_warning():
    ex = extraction()
    section = section_of("Hanke", "Hanketta edeltävä vaihe", "Testikoodi: S12345", "Rahoittajan huomio: tarkistettu", "jatkorivi", "Hankkeen nimi: N", "klo 12: alkaa")
    target: dict = {}
    extract_fields(ex, section, spec("Hanke").fields, target)
    assert target == {"code": "S12345", "name": "N klo 12: alkaa"}  # not a label ("klo"): the value goes on
    assert ex.extra_fields == [{"section": "Hanke", "label": "Rahoittajan huomio", "value": "tarkistettu"}]
    assert ex.warnings == [
        {"code": "unrecognised_line", "message": "a line in section 'Hanke' that the layout does not explain: 'Hanketta edeltävä vaihe'", "line": 2},
        {"code": "unknown_label", "message": "'Rahoittajan huomio' in section 'Hanke' is not a label of the tiny layout; kept in extra_fields", "line": 4},
        # The line after an unknown label is not taken for its value, nor for the label before it.
        {"code": "unrecognised_line", "message": "a line in section 'Hanke' that the layout does not explain: 'jatkorivi'", "line": 5},
    ]


def test_a_duplicate_label_keeps_the_first_value_and_the_second_in_extra_fields():
    ex = extraction()
    target: dict = {}
    extract_fields(ex, section_of("Hanke", "Testikoodi: S1", "Hankkeen nimi: Ensimmäinen", "Hankkeen virallinen nimi: Toinen"), spec("Hanke").fields, target)
    assert target == {"code": "S1", "name": "Ensimmäinen"}
    assert ex.extra_fields == [{"section": "Hanke", "label": "Hankkeen virallinen nimi", "value": "Toinen"}]
    assert ex.warnings == [{"code": "duplicate_label", "message": "'Hankkeen virallinen nimi' appears again in the same document; kept in extra_fields", "line": 4}]


def test_a_missing_label_is_reported_at_its_heading_and_an_optional_one_is_not():
    ex = extraction()
    target: dict = {}
    extract_fields(ex, section_of("Hanke", "Hankkeen nimi: N", start=8), spec("Hanke").fields, target)
    assert target == {"name": "N"}
    assert ex.warnings == [{"code": "missing_label", "message": "label 'Testikoodi' not found in section 'Hanke'", "line": 7}]


def test_typed_values_and_their_warnings_name_the_label():
    ex = extraction()
    target: dict = {}
    extract_fields(ex, section_of("Hanke", "Testikoodi: S1", "Hankkeen nimi: N", "Toteutusaika: Alkaa 1.7.2009 ja päättyy 31.8.2012"), spec("Hanke").fields, target)
    assert (target["start_date"].isoformat(), target["end_date"].isoformat()) == ("2009-07-01", "2012-08-31")
    target = {}
    extract_fields(ex, section_of("Rahoitus", "Myönnetty EU- ja valtion rahoitus: paljon"), spec("Rahoitus").fields, target)
    assert target == {"funding.eu_state_granted": None}
    assert ex.warnings == [{"code": "unreadable_euros", "message": "Myönnetty EU- ja valtion rahoitus: not an amount of euros: 'paljon'", "line": 2}]


def test_a_label_of_another_section_fills_the_project_not_the_record():
    ex = extraction()
    section = section_of("Osallistuvien henkilöiden lukumäärä", "Suunniteltu: 14, joista naisia 12", "Hankkeen nimi: Kadonnut otsikko")
    SECTION_KINDS["record"](ex, section)
    assert ex.values == {"indicators": [{"indicator": "participants", "planned": 14, "planned_women": 12}], "name": "Kadonnut otsikko"}
    assert codes(ex.warnings) == ["label_out_of_section"]


# ------------------------------------------------------------------------------------- kinds


def test_the_registry_of_section_kinds():
    assert set(SECTION_KINDS) == {"fields", "record", "text", "table", "flag", "group"}
    assert {s.name: s.kind for s in TINY.sections} == {
        "Hanke": "fields",
        "Toteuttaja": "fields",
        "Tiivistelmä": "text",
        "Rahoitus": "fields",
        "Seurantatiedot": "group",
        "Osallistuvien henkilöiden lukumäärä": "record",
        "Uusien työpaikkojen määrä": "record",
        "Sukupuolten tasa-arvo": "fields",
        "Kestävä kehitys": "table",
        "Esimerkkihanke": "flag",
    }


def test_fields_kind_fills_the_project():
    ex = extraction()
    SECTION_KINDS["fields"](ex, section_of("Rahoitus", "Myönnetty EU- ja valtion rahoitus: 560 897"))
    assert ex.values == {"funding.eu_state_granted": 560897} and ex.warnings == []


def test_record_kind_appends_one_item_per_section():
    ex = extraction()
    SECTION_KINDS["record"](ex, section_of("Osallistuvien henkilöiden lukumäärä", "Suunniteltu: 200"))
    SECTION_KINDS["record"](ex, section_of("Uusien työpaikkojen määrä", "Suunniteltu: 3, joista naisten työpaikkoja 1"))
    SECTION_KINDS["record"](ex, section_of("Uusien työpaikkojen määrä"))
    assert ex.values == {
        "indicators": [
            {"indicator": "participants", "planned": 200, "planned_women": None},
            {"indicator": "new_jobs", "planned": 3, "planned_women": 1},
            {"indicator": "new_jobs"},  # an empty section is still an item, its label reported missing
        ]
    }
    assert ex.warnings == [{"code": "missing_label", "message": "label 'Suunniteltu' not found in section 'Uusien työpaikkojen määrä'", "line": 1}]


def test_text_kind_joins_its_lines_and_keeps_a_second_copy_in_extra_fields():
    ex = extraction()
    SECTION_KINDS["text"](ex, section_of("Tiivistelmä", "Ensimmäinen kappale.", "Toinen: kappale."))
    assert ex.values == {"texts.summary": "Ensimmäinen kappale.\nToinen: kappale."}  # labels too are text here
    SECTION_KINDS["text"](ex, section_of("Tiivistelmä"))  # an empty copy changes nothing
    SECTION_KINDS["text"](ex, section_of("Tiivistelmä", "Kolmas kappale.", start=30))
    assert ex.values == {"texts.summary": "Ensimmäinen kappale.\nToinen: kappale."}
    assert ex.extra_fields == [{"section": "Tiivistelmä", "label": "Tiivistelmä", "value": "Kolmas kappale."}]
    assert ex.warnings == [{"code": "duplicate_section", "message": "'Tiivistelmä' appears again in the same document; kept in extra_fields", "line": 29}]
    # An empty first copy is null, and a later copy with text fills it without a warning.
    ex = extraction()
    SECTION_KINDS["text"](ex, section_of("Tiivistelmä"))
    assert ex.values == {"texts.summary": None}
    SECTION_KINDS["text"](ex, section_of("Tiivistelmä", "Teksti."))
    assert ex.values == {"texts.summary": "Teksti."} and ex.warnings == []


def test_table_kind_reads_groups_rows_and_justifications():
    ex = extraction()
    section = section_of(
        "Kestävä kehitys",
        "Rivi ennen taulukkoa",
        "Välitön Välillinen",
        "Ekologinen kestävyys",
        "Luonnonvarojen käyttö 0 2",
        "Perustelu, ensimmäinen osa",
        "toinen osa",
        "SOSIAALINEN KESTÄVYYS",
        "Yhdenvertaisuus x 1",
    )
    SECTION_KINDS["table"](ex, section)
    assert ex.values == {
        "sustainability": [
            {"group": "Ekologinen kestävyys", "criterion": "Luonnonvarojen käyttö", "direct": 0, "indirect": 2, "justification": "Perustelu, ensimmäinen osa\ntoinen osa"},
            {"group": "Sosiaalinen kestävyys", "criterion": "Yhdenvertaisuus", "direct": None, "indirect": 1, "justification": None},
        ]
    }
    assert ex.warnings == [
        {"code": "unrecognised_line", "message": "a line in section 'Kestävä kehitys' that the layout does not explain: 'Rivi ennen taulukkoa'", "line": 2},
        {"code": "unreadable_number", "message": "Kestävä kehitys: not a whole number: 'x'", "line": 9},
    ]


def test_table_kind_without_rows_warns():
    ex = extraction()
    SECTION_KINDS["table"](ex, section_of("Kestävä kehitys", "Välitön Välillinen", "Ekologinen kestävyys", start=5))
    assert ex.values == {"sustainability": []}
    assert ex.warnings == [{"code": "empty_table", "message": "no rows found in section 'Kestävä kehitys'", "line": 4}]


def test_flag_kind_sets_its_key_on_its_sentence_only():
    ex = extraction()
    SECTION_KINDS["flag"](ex, section_of("Esimerkkihanke", "HANKE ON  esimerkkihanke", "Muu rivi"))
    assert ex.values == {"exemplary": True}
    assert ex.warnings == [{"code": "unrecognised_line", "message": "a line in section 'Esimerkkihanke' that the layout does not explain: 'Muu rivi'", "line": 3}]
    ex = extraction()
    SECTION_KINDS["flag"](ex, section_of("Esimerkkihanke"))
    assert ex.values == {} and ex.warnings == []


def test_group_kind_reports_every_line_of_its_own():
    ex = extraction()
    SECTION_KINDS["group"](ex, section_of("Seurantatiedot", "Arviot hakemusvaiheessa"))
    assert ex.values == {} and ex.extra_fields == []
    assert ex.warnings == [{"code": "unrecognised_line", "message": "a line in section 'Seurantatiedot' that the layout does not explain: 'Arviot hakemusvaiheessa'", "line": 2}]


def test_an_unknown_section_goes_to_extra_fields():
    ex = extraction()
    section = Section(None, "Lisätiedot", Line("9 Lisätiedot", 20), make_lines("Vastuuhenkilö: Matti", "Vapaata tekstiä", "klo 12: jatkuu", "Liite:", start=21))
    extract_unknown_section(ex, section)
    assert ex.extra_fields == [
        {"section": "Lisätiedot", "label": "Vastuuhenkilö", "value": "Matti"},
        {"section": "Lisätiedot", "label": "Liite", "value": None},
        {"section": "Lisätiedot", "label": "Lisätiedot", "value": "Vapaata tekstiä\nklo 12: jatkuu"},
    ]
    assert ex.warnings == [] and ex.values == {}


def test_the_lines_before_the_first_heading_are_reported_one_by_one():
    ex = extraction()
    extract_unknown_section(ex, Section(None, "", None, make_lines("Tulostettu", "Hankkeen nimi: N", start=2)))
    assert ex.extra_fields == [] and ex.values == {}
    assert ex.warnings == [
        {"code": "unrecognised_line", "message": "a line in the document's opening that the layout does not explain: 'Tulostettu'", "line": 2},
        {"code": "unrecognised_line", "message": "a line in the document's opening that the layout does not explain: 'Hankkeen nimi: N'", "line": 3},
    ]


def test_extract_section_dispatches_by_kind():
    ex = extraction()
    ex.extract_section(section_of("Rahoitus", "Myönnetty EU- ja valtion rahoitus: 5"))
    ex.extract_section(Section(None, "Muuta", Line("9 Muuta", 1), make_lines("Teksti", start=2)))
    assert ex.values == {"funding.eu_state_granted": 5}
    assert ex.extra_fields == [{"section": "Muuta", "label": "Muuta", "value": "Teksti"}]


# ----------------------------------------------------------------------------- parse_lines


DOCUMENT = [
    TITLE,
    "1 Hanke",
    "Testikoodi: S12345",
    "Hankkeen nimi: Pieni hanke",
    "2 Toteuttaja",
    "Toteuttajan nimi: Kuopion kaupunki",
    "Puhelinnumero: 017 182 111",
    "Yhteyshenkilö: Jarmo Rautjärvi",
    "Puhelinnumero: 044 718 2358",
    "3 Tiivistelmä",
    "Ensimmäinen kappale.",
    "Toinen kappale.",
    "4 Rahoitus",
    "Myönnetty EU- ja valtion rahoitus: 12 345",
    "5 Osallistuvien henkilöiden lukumäärä",
    "Suunniteltu: 14, joista naisia 12",
]


def test_nest():
    assert nest({"a.b.c": 1, "a.b.d": 2, "a.e": 3, "f": 4}) == {"a": {"b": {"c": 1, "d": 2}, "e": 3}, "f": 4}


def test_parse_lines_end_to_end():
    parsed = parse_lines(make_lines(*DOCUMENT), [OTHER, TINY])
    assert parsed == ParsedText(
        kind="description",
        template="tiny",
        title=TITLE,
        warnings=[],
        project={
            "fund": "ESR",
            "period": "2021-2027",
            "code": "S12345",
            "name": "Pieni hanke",
            "implementer": {"name": "Kuopion kaupunki", "phone": "017 182 111"},
            "contact": {"name": "Jarmo Rautjärvi", "phone": "044 718 2358"},
            "texts": {"summary": "Ensimmäinen kappale.\nToinen kappale."},
            "funding": {"eu_state_granted": 12345},
            "indicators": [{"indicator": "participants", "planned": 14, "planned_women": 12}],
            "exemplary": False,  # the layout's default
            "extra_fields": [],
        },
        text="\n".join(DOCUMENT),
    )


def test_parse_lines_reports_what_the_layout_does_not_explain():
    lines = make_lines(
        "Tulostettu 1.2.2024",
        *DOCUMENT[:12],
        "6 Rahoitus",  # found by its text: numbers need not follow
        "Myönnetty EU- ja valtion rahoitus: 1,50",
        "7 Esimerkkihanke",
        "Hanke on esimerkkihanke",
    )
    parsed = parse_lines(lines, [TINY])
    assert (parsed.kind, parsed.template, parsed.title) == ("description", "tiny", TITLE)
    assert parsed.project["funding"] == {"eu_state_granted": 2} and parsed.project["exemplary"] is True
    assert [(w["code"], w["line"]) for w in parsed.warnings] == [
        ("unrecognised_line", 1),  # before the title
        ("euros_rounded", 15),
    ]
    # No Tiivistelmä; Rahoitus twice, its label in both copies.
    lines = make_lines(*DOCUMENT[:9], "11 Rahoitus", "Myönnetty EU- ja valtion rahoitus: 1", "12 Rahoitus", "Myönnetty EU- ja valtion rahoitus: 2")
    parsed = parse_lines(lines, [TINY])
    assert parsed.project["funding"] == {"eu_state_granted": 1}
    assert parsed.project["extra_fields"] == [{"section": "Rahoitus", "label": "Myönnetty EU- ja valtion rahoitus", "value": "2"}]
    assert [(w["code"], w["line"]) for w in parsed.warnings] == [
        ("duplicate_section", 12),
        ("duplicate_label", 13),
        ("missing_section", None),
    ]
    assert parsed.warnings[-1]["message"] == "section 'Tiivistelmä' not found"


def test_parse_lines_without_a_title_by_its_keyword():
    parsed = parse_lines(make_lines(*DOCUMENT[1:]), [TINY])
    assert (parsed.kind, parsed.template, parsed.title) == ("description", "tiny", None)
    assert parsed.project["fund"] is None and parsed.project["code"] == "S12345"
    assert parsed.warnings == [{"code": "missing_title", "message": "no title line; recognised as tiny by its labels, so the fund is unknown", "line": None}]
    assert parsed.text == "\n".join(DOCUMENT[1:])


def test_parse_lines_of_an_unusual_code():
    lines = make_lines(*(line.replace("S12345", "X1") for line in DOCUMENT))
    assert [w for w in parse_lines(lines, [TINY]).warnings] == [
        {"code": "unusual_code", "message": "project code 'X1' is not a letter and 5 to 9 digits", "line": None}
    ]


def test_parse_lines_of_another_document():
    parsed = parse_lines(make_lines("Muistio", "Tämä ei ole hankkeen kuvaus."), [TINY])
    assert parsed == ParsedText("other", None, "Muistio", [], None, "Muistio\nTämä ei ole hankkeen kuvaus.")
    # A first line too long to be a title gives no title; nothing at all is an empty text.
    assert parse_lines(make_lines("x" * 201), [TINY]).title is None
    assert parse_lines(make_lines("x" * 200), [TINY]).title == "x" * 200
    assert parse_lines([], [TINY]) == ParsedText("other", None, None, [], None, "")


@pytest.mark.parametrize("heading", ["4 Rahoitus", "Rahoitus", "9.9 RAHOITUS"])
def test_parse_lines_finds_a_section_whatever_its_number(heading):
    lines = make_lines(*DOCUMENT[:12], heading, "Myönnetty EU- ja valtion rahoitus: 7")
    assert parse_lines(lines, [TINY]).project["funding"] == {"eu_state_granted": 7}


# ------------------------------------------------------- nothing lost, nothing merged unseen


def test_follows_with_skipped_numbers():
    # After a section found by its text, an unknown heading may skip up to ``skip`` numbers
    # (sections the document leaves out take their numbers with them).
    assert follows((10,), (9,), skip=2) and follows((11,), (9,), skip=2) and follows((12,), (9,), skip=2)
    assert not follows((13,), (9,), skip=2) and not follows((9,), (9,), skip=2) and not follows((8,), (9,), skip=2)
    assert follows((8, 4), (8, 2), skip=1) and not follows((8, 5), (8, 2), skip=1) and not follows((9, 1), (8, 2), skip=2)
    assert follows((1,), None, skip=2) and not follows((2,), None, skip=2)


def test_after_a_declared_section_an_unknown_heading_may_skip_numbers():
    warnings = WarningLog()
    lines = make_lines("9 Tiivistelmä", "Teksti.", "11 Lisätiedot", "Rivi", "12. Liite", "Liiterivi", "15 Kaukana")
    sections = split_sections(lines, TINY, warnings)
    assert [(s.spec, s.name, [l.text for l in s.lines]) for s in sections] == [
        (None, "", []),
        (spec("Tiivistelmä"), "Tiivistelmä", ["Teksti."]),
        (None, "Lisätiedot", ["Rivi"]),  # 10 is left out after the declared 9
        (None, "Liite", ["Liiterivi", "15 Kaukana"]),  # 12 follows 11; after an unknown section no number is skipped
    ]
    assert warnings == [
        {"code": "unknown_section", "message": "section '11 Lisätiedot' is not in the tiny layout; its lines are kept in extra_fields", "line": 3},
        {"code": "unknown_section", "message": "section '12. Liite' is not in the tiny layout; its lines are kept in extra_fields", "line": 5},
    ]
    # Three numbers left out is too many: a line of the text.
    sections = split_sections(make_lines("9 Tiivistelmä", "13 Henkilöä aloitti"), TINY, WarningLog())
    assert [(s.name, [l.text for l in s.lines]) for s in sections] == [("", []), ("Tiivistelmä", ["13 Henkilöä aloitti"])]


@pytest.mark.parametrize(
    "texts",
    [
        ["3 Tiivistelmä", "Vaiheet", "1. Kartoitus", "2. Kokeilu", "selitys kokeilusta", "3. Arviointi", "4. Juurruttaminen", "5. Levittäminen"],
        ["9 Tiivistelmä", *[f"{n}. Kohta numero {n}" for n in range(1, 13)]],
    ],
    ids=["in-section-3", "to-12-in-section-9"],
)
def test_a_numbered_list_in_a_text_opens_no_section(texts):
    """A list numbered from 1 inside a section is a list, even where its next number would
    follow the section's own (``4.`` in section 3, ``10.`` in section 9)."""
    warnings = WarningLog()
    sections = split_sections(make_lines(*texts, "4 Rahoitus", "Myönnetty EU- ja valtion rahoitus: 1"), TINY, warnings)
    assert [(s.name, [l.text for l in s.lines]) for s in sections] == [
        ("", []),
        ("Tiivistelmä", texts[1:]),
        ("Rahoitus", ["Myönnetty EU- ja valtion rahoitus: 1"]),
    ]
    assert warnings == []


def test_a_yes_no_answer_said_twice_keeps_the_second_and_its_justification_in_extra_fields():
    ex = extraction()
    section = section_of(
        "Sukupuolten tasa-arvo",
        "Hankkeen päätavoite on tasa-arvo: Kyllä",
        "Ensimmäinen perustelu.",
        "Hankkeen päätavoite on tasa-arvo: Ei",
        "Toinen perustelu.",
        "jatkuu toisella rivillä",
    )
    target: dict = {}
    extract_fields(ex, section, spec("Sukupuolten tasa-arvo").fields, target)
    assert target == {"gender_equality.main_goal": True, "gender_equality.main_goal_text": "Ensimmäinen perustelu."}
    assert ex.extra_fields == [
        {"section": "Sukupuolten tasa-arvo", "label": "Hankkeen päätavoite on tasa-arvo", "value": "Ei\nToinen perustelu.\njatkuu toisella rivillä"}
    ]
    assert ex.warnings == [
        {"code": "duplicate_label", "message": "'Hankkeen päätavoite on tasa-arvo' appears again in the same document; kept in extra_fields", "line": 4}
    ]


def _unrecognised(section: str, text: str, line: int) -> dict:
    return {"code": "unrecognised_line", "message": f"a line in section {section!r} that the layout does not explain: {text!r}", "line": line}


def _continued(label: str, text: str, line: int) -> dict:
    return {"code": "value_continued", "message": f"{label!r}: the line {text!r} is read as the rest of its value, which a wrap cut", "line": line}


def test_a_line_after_a_typed_value_is_not_glued_to_it():
    ex = extraction()
    section = section_of(
        "Toteuttaja",
        "Toteuttajan nimi: Kuopion kaupunki",
        "Puhelinnumero: 017 182 111",
        "Y-tunnus: 0171450-7",
        "Hallinto",
        "Verkkosivut: http://www.kuopio.fi",
        "Toinen sivu on tulossa",
        "Yhteyshenkilö: Jarmo Rautjärvi",
        "Puhelinnumero: 044 718 2358",
        "Sähköposti: jarmo.rautjarvi@kuopio.fi",
        "Toinen rivi tekstiä",
        "b@kuopio.fi",  # a second address on a line of its own is no piece of the first
    )
    target: dict = {}
    extract_fields(ex, section, spec("Toteuttaja").fields, target)
    assert target == {
        "implementer.name": "Kuopion kaupunki",
        "implementer.phone": "017 182 111",
        "implementer.business_id": "0171450-7",
        "implementer.website": "http://www.kuopio.fi",
        "contact.name": "Jarmo Rautjärvi",
        "contact.phone": "044 718 2358",
        "contact.email": "jarmo.rautjarvi@kuopio.fi",
    }
    assert ex.warnings == [
        _unrecognised("Toteuttaja", "Hallinto", 5),
        _unrecognised("Toteuttaja", "Toinen sivu on tulossa", 7),
        _unrecognised("Toteuttaja", "Toinen rivi tekstiä", 11),
        _unrecognised("Toteuttaja", "b@kuopio.fi", 12),
    ]
    ex = extraction()
    target = {}
    extract_fields(ex, section_of("Rahoitus", "Myönnetty EU- ja valtion rahoitus: 458 937", "Lisätieto rahoituksesta"), spec("Rahoitus").fields, target)
    assert target == {"funding.eu_state_granted": 458937}
    assert ex.warnings == [_unrecognised("Rahoitus", "Lisätieto rahoituksesta", 3)]


def test_the_pieces_of_a_typed_value_cut_by_a_wrap_are_joined_with_a_warning():
    ex = extraction()
    section = section_of(
        "Toteuttaja",
        "Toteuttajan nimi: Kuopion",
        "Kaupunki",  # a text goes on whatever the case, without a warning
        "Puhelinnumero: 017 182 111",
        "Y-tunnus: 0171450-",
        "7",
        "Verkkosivut: http://www.esr.fi/hankkeet/",
        "valityomarkkinoille.html",
        "Yhteyshenkilö: Jarmo Rautjärvi",
        "Puhelinnumero: 044 718 2358",
        "Sähköposti: jarmo.rautjarvi(at)kuo",
        "pio.fi",
    )
    target: dict = {}
    extract_fields(ex, section, spec("Toteuttaja").fields, target)
    assert target == {
        "implementer.name": "Kuopion Kaupunki",
        "implementer.phone": "017 182 111",
        "implementer.business_id": "0171450-7",
        "implementer.website": "http://www.esr.fi/hankkeet/valityomarkkinoille.html",
        "contact.name": "Jarmo Rautjärvi",
        "contact.phone": "044 718 2358",
        "contact.email": "jarmo.rautjarvi@kuopio.fi",
    }
    assert ex.warnings == [
        _continued("Y-tunnus", "7", 6),
        _continued("Verkkosivut", "valityomarkkinoille.html", 8),
        _continued("Sähköposti", "pio.fi", 12),
    ]
    ex = extraction()
    target = {}
    extract_fields(ex, section_of("Rahoitus", "Myönnetty EU- ja valtion rahoitus: 458", "937"), spec("Rahoitus").fields, target)
    assert target == {"funding.eu_state_granted": 458937}
    assert ex.warnings == [_continued("Myönnetty EU- ja valtion rahoitus", "937", 3)]
    ex = extraction()
    target = {}
    section = section_of("Hanke", "Testikoodi: S1", "Hankkeen nimi: N", "Toteutusaika: Alkaa 1.7.2009 ja päättyy", "31.8.2012")
    extract_fields(ex, section, spec("Hanke").fields, target)
    assert (target["start_date"].isoformat(), target["end_date"].isoformat()) == ("2009-07-01", "2012-08-31")
    assert ex.warnings == [_continued("Toteutusaika", "31.8.2012", 5)]


def test_a_label_in_its_own_section_wins_over_one_found_outside_it():
    out_of_place = "Myönnetty EU- ja valtion rahoitus: 1"
    label = "Myönnetty EU- ja valtion rahoitus"
    expected_warnings = [
        {"code": "label_out_of_section", "message": f"label {label!r} found in section 'Toteuttaja', not in its own", "line": 8},
        {"code": "duplicate_label", "message": f"{label!r} is also in its own section 'Rahoitus', which is used; kept in extra_fields", "line": 8},
    ]
    # Before its own section (its heading lost, say, in a copy the section was pasted into) …
    parsed = parse_lines(make_lines(*DOCUMENT[:7], out_of_place, *DOCUMENT[7:]), [TINY])
    assert parsed.project["funding"] == {"eu_state_granted": 12345}
    assert parsed.project["extra_fields"] == [{"section": "Toteuttaja", "label": label, "value": "1"}]
    assert parsed.warnings == expected_warnings
    # … or after it (in the last section): its own still wins, with the same warnings.
    parsed = parse_lines(make_lines(*DOCUMENT, out_of_place), [TINY])
    assert parsed.project["funding"] == {"eu_state_granted": 12345}
    section = "Osallistuvien henkilöiden lukumäärä"
    assert parsed.project["extra_fields"] == [{"section": section, "label": label, "value": "1"}]
    assert parsed.warnings == [
        {"code": "label_out_of_section", "message": f"label {label!r} found in section {section!r}, not in its own", "line": 17},
        {"code": "duplicate_label", "message": f"{label!r} is also in its own section 'Rahoitus', which is used; kept in extra_fields", "line": 17},
    ]


def test_a_heading_written_otherwise_than_the_list_before_it_is_a_heading():
    # "4 Lisätiedot" follows section 3 and is not the list's "4." (its items have a full stop).
    warnings = WarningLog()
    lines = make_lines("3 Tiivistelmä", "1. Kartoitus", "2. Kokeilu", "3. Arviointi", "4 Lisätiedot", "Rivi")
    sections = split_sections(lines, TINY, warnings)
    assert [(s.name, [l.text for l in s.lines]) for s in sections] == [
        ("", []),
        ("Tiivistelmä", ["1. Kartoitus", "2. Kokeilu", "3. Arviointi"]),
        ("Lisätiedot", ["Rivi"]),
    ]
    assert [w["code"] for w in warnings] == ["unknown_section"]
