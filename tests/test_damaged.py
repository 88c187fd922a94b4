"""Damaged and varied versions of the samples: the same record, or the loss reported."""

from __future__ import annotations

import json

import pytest

from parser.parse import parse_bytes

from .conftest import DESCRIPTIONS, expected_record, sample_text


def parse_text(text: str, encoding: str = "utf-8", prefix: bytes = b"") -> dict:
    return json.loads(parse_bytes(prefix + text.encode(encoding), "variant.txt").model_dump_json())


def project_of(stem: str) -> dict:
    return expected_record(stem)["project"]


@pytest.mark.parametrize("stem", DESCRIPTIONS)
def test_crlf_line_endings(stem):
    got = parse_text(sample_text(stem).replace("\n", "\r\n"))
    assert got["project"] == project_of(stem)
    assert got["warnings"] == []


@pytest.mark.parametrize("stem", DESCRIPTIONS)
def test_utf8_byte_order_mark(stem):
    got = parse_text(sample_text(stem), prefix=b"\xef\xbb\xbf")
    assert got["project"] == project_of(stem)
    assert got["title"] == expected_record(stem)["title"]


@pytest.mark.parametrize("stem", DESCRIPTIONS)
def test_windows_1252_export(stem):
    got = parse_text(sample_text(stem), encoding="cp1252")
    assert got["project"] == project_of(stem)
    assert got["text"] == expected_record(stem)["text"]


def test_latin_1_export():
    got = parse_text(sample_text("S10962"), encoding="latin-1")
    assert got["project"]["implementer"]["name"] == "Kuopion Kaupunki"
    assert got["project"]["contact"]["name"] == "Jarmo Rautjärvi"


def test_utf16_export_with_bom():
    got = parse_text(sample_text("S10673"), encoding="utf-16")
    assert got["project"] == project_of("S10673")


@pytest.mark.parametrize("stem", DESCRIPTIONS)
def test_non_breaking_spaces(stem):
    text = sample_text(stem)
    # Thousands separators and the space after a label's colon, as web exports write them.
    for amount in ("560 897", "517 750", "640 962", "593 048", "458 937", "348 690", "170 000", "323 626"):
        text = text.replace(amount, amount.replace(" ", "\u00a0"))
    text = text.replace("Y-tunnus: ", "Y-tunnus:\u00a0").replace("Toiminnan tila: Toiminta", "Toiminnan tila: Toiminta\u00a0\u00a0")
    assert parse_text(text)["project"] == project_of(stem)


FURNITURE = "\n\nSivu 2 / 5\n\n\nEuroopan unioni Vipuvoimaa EU:lta\n\n"


def test_page_furniture_in_the_middle_of_a_paragraph():
    text = sample_text("S10962")
    cut = "Asunnottomaksi joutuminen on este työssäkäynnille tai opiskelulle. Asunnottomaksi päädytään yleensä"
    assert cut in text
    damaged = text.replace(cut, cut + FURNITURE.replace("Sivu 2 / 5", "2 (5)"), 1)
    got = parse_text(damaged)
    assert got["project"] == project_of("S10962")
    assert got["warnings"] == []


def test_page_break_inside_a_label_value_line():
    text = sample_text("S10962")
    damaged = text.replace(
        "Vastuuviranomainen: Etelä-Savon elinkeino-, liikenne- ja ympäristökeskus",
        "Vastuuviranomainen: Etelä-Savon elinkeino-, liikenne- ja" + FURNITURE + "ympäristökeskus",
    ).replace("Toteuttajaorganisaation nimi: Kuopion Kaupunki", "Toteuttajaorganisaation nimi: Kuopion" + FURNITURE + "Kaupunki")
    got = parse_text(damaged)
    assert got["project"]["managing_authority"] == "Etelä-Savon elinkeino-, liikenne- ja ympäristökeskus"
    assert got["project"]["implementer"]["name"] == "Kuopion Kaupunki"
    assert got["project"] == project_of("S10962")


def test_page_break_inside_a_hyphenated_word():
    text = sample_text("S20334")
    damaged = text.replace("Vastuuviranomainen: Etelä-Savon", "Vastuuviranomainen: Etelä-" + FURNITURE + "Savon")
    assert parse_text(damaged)["project"]["managing_authority"] == "Etelä-Savon elinkeino-, liikenne- ja ympäristökeskus"


def test_form_feed_page_breaks():
    text = sample_text("S21736").replace("\n\n4 Hankkeen kohderyhmät", "\n\f\nEuroopan unioni Vipuvoimaa EU:lta\n\n4 Hankkeen kohderyhmät")
    assert parse_text(text)["project"] == project_of("S21736")


def test_fixed_label_typo():
    text = sample_text("S20334").replace("Yhteyshenkilön sähköpostisoite:", "Yhteyshenkilön sähköpostiosoite:")
    got = parse_text(text)
    assert got["project"]["contact"]["email"] == "tanja.back@kuopio.fi"
    assert got["warnings"] == []


def test_unforeseen_label_typo_is_read_and_warned():
    text = sample_text("S20334").replace("Hankkeen yhteyshenkilön nimi:", "Hankkeen yhteyshenkilon nimi:")
    got = parse_text(text)
    assert got["project"]["contact"]["name"] == "Tanja Bäck"
    assert [w["code"] for w in got["warnings"]] == ["label_variant"]
    assert "Hankkeen yhteyshenkilon nimi" in got["warnings"][0]["message"]


def test_unknown_label_goes_to_extra_fields_with_a_warning():
    text = sample_text("S20334").replace("Postinumero: 70101\n", "Postinumero: 70101\n\nLY-tunnus: FI01714507\n", 1)
    got = parse_text(text)
    assert got["project"]["extra_fields"] == [{"section": "Hakijan perustiedot", "label": "LY-tunnus", "value": "FI01714507"}]
    assert got["project"]["implementer"]["postal_code"] == "70101"
    [warning] = got["warnings"]
    assert warning["code"] == "unknown_label"
    line_number = text.split("\n").index("LY-tunnus: FI01714507") + 1
    assert warning["line"] == line_number


def test_unknown_section_is_kept():
    text = sample_text("S20334") + "\n\n11 Jatkotoimet\n\nHanke jatkuu kaupungin omana toimintana.\n\nYhteyshenkilö: Tanja Bäck\n"
    got = parse_text(text)
    assert got["project"]["texts"]["final_report_summary"] == project_of("S20334")["texts"]["final_report_summary"]
    assert got["project"]["exemplary"] is True
    assert got["project"]["extra_fields"] == [
        {"section": "Jatkotoimet", "label": "Yhteyshenkilö", "value": "Tanja Bäck"},
        {"section": "Jatkotoimet", "label": "Jatkotoimet", "value": "Hanke jatkuu kaupungin omana toimintana."},
    ]
    assert [w["code"] for w in got["warnings"]] == ["unknown_section"]


def test_truncated_document_keeps_what_it_has_and_warns():
    text = sample_text("S20334")
    truncated = text[: text.index("5 Projektin julkinen rahoitus")]
    got = parse_text(truncated)
    project = got["project"]
    assert project["code"] == "S20334"
    assert project["implementer"]["business_id"] == "0171450-7"
    assert project["target_groups"] == project_of("S20334")["target_groups"]
    assert project["funding"] == {"eu_state_granted": None, "eu_state_realised": None, "public_planned": None, "public_realised": None}
    assert project["exemplary"] is False  # the layout's default: no "Esimerkkihanke" section seen
    missing = sorted(w["message"] for w in got["warnings"] if w["code"] == "missing_section")
    assert missing == [
        "section 'Kestävä kehitys' not found",
        "section 'Maantieteellinen kohdealue' not found",
        "section 'Projektin julkinen rahoitus, euroa' not found",
        "section 'Sukupuolten tasa-arvo' not found",
    ]


def test_document_cut_in_the_middle_of_a_field_section():
    text = sample_text("S10962")
    cut = text[: text.index("Puhelinnumero: 017-186 111")]
    got = parse_text(cut)
    assert got["project"]["implementer"]["street_address"] == "Minna Canthinkatu 28 / PL 227"
    missing = [w["message"] for w in got["warnings"] if w["code"] == "missing_label"]
    assert missing == [
        f"label {label!r} not found in section 'Projektin toteuttaja'"
        for label in ("Puhelinnumero", "Toteuttajaorganisaation Web-osoite", "Projektin kotisivun osoite", "Vastuuhenkilön nimi", "Asema", "Sähköposti", "Puhelinnumero")
    ]
    assert "missing_section" in [w["code"] for w in got["warnings"]]


def test_missing_title_is_recognised_by_its_labels():
    text = sample_text("S10962").replace("Euroopan sosiaalirahaston (ESR) rahoittaman projektin kuvaus", "")
    got = parse_text(text)
    assert got["template"] == "esr-2007"
    assert got["project"]["code"] == "S10962"
    assert got["project"]["fund"] is None
    assert [w["code"] for w in got["warnings"]] == ["missing_title"]


def test_eakr_description():
    text = sample_text("S20334").replace("Euroopan sosiaalirahaston (ESR)", "Euroopan aluekehitysrahaston (EAKR)")
    got = parse_text(text)
    assert got["project"]["fund"] == "EAKR"
    assert got["title"] == "Euroopan aluekehitysrahaston (EAKR) rahoittaman hankkeen kuvaus"


def test_bad_business_id_check_digit():
    got = parse_text(sample_text("S10673").replace("Y-tunnus: 1724298-9", "Y-tunnus: 1724298-8"))
    assert got["project"]["implementer"]["business_id"] == "1724298-8"
    [warning] = got["warnings"]
    assert warning["code"] == "invalid_business_id" and "1724298-8" in warning["message"]


def test_empty_label_values_are_null():
    text = sample_text("S10673").replace("Osio: Länsi-Suomen suuralueosio", "Osio:").replace("Myönnetty EU- ja valtion rahoitus: 170 000", "Myönnetty EU- ja valtion rahoitus:")
    project = parse_text(text)["project"]
    assert project["section"] is None
    assert project["funding"]["eu_state_granted"] is None


def test_technical_assistance_project_of_2007():
    """No subsections in section 3, funding in section 4: sections are found by heading text."""
    text = "\n\n".join(
        [
            "Euroopan unioni", "Vipuvoimaa EU:lta",
            "Euroopan sosiaalirahaston (ESR) rahoittaman projektin kuvaus",
            "1. Projekti", "Projektikoodi: S12001", "Projektin nimi: Teknisen tuen projekti",
            "Osio: Manner-Suomen ESR-ohjelma", "Toimintalinja: 5: Tekninen tuki", "Projektityyppi: Tekninen tuki",
            "Suunnitelman mukainen toteutusaika: Alkaa 1.1.2008 ja päättyy 31.12.2014",
            "Toiminnan tila: Toiminta päättynyt", "Vastuuviranomainen: Työ- ja elinkeinoministeriö",
            "2. Projektin toteuttaja", "Toteuttajaorganisaation nimi: Työ- ja elinkeinoministeriö",
            "Organisaatiotyyppi: Valtion virasto tai laitos", "Y-tunnus: 1724298-9", "Osoite: PL 32",
            "Puhelinnumero: 029 506 0000", "Toteuttajaorganisaation Web-osoite: www.tem.fi",
            "Projektin kotisivun osoite:", "Vastuuhenkilön nimi: Maija Meikäläinen", "Asema: neuvotteleva virkamies",
            "Sähköposti: maija.meikalainen(at)tem.fi", "Puhelinnumero: 029 506 1234",
            "3. Projektin toteutusalue ja kohderyhmän kuvaus",
            "Tekninen tuki kohdistuu koko ohjelma-alueelle.",
            "Kohderyhmänä ovat ohjelman hallinnoijat.",
            "4. Projektin julkinen rahoitus, euroa",
            "Myönnetty EU- ja valtion rahoitus: 1 000 000", "Toteutunut EU- ja valtion rahoitus: 950 000",
            "Suunniteltu julkinen rahoitus yhteensä: 1 000 000", "Toteutunut julkinen rahoitus yhteensä: 950 000",
            "5. Suunnitelman mukainen tiivistelmä toteutuksesta", "Ohjelman hallinnointi ja seuranta.",
        ]
    )
    got = parse_text(text)
    project = got["project"]
    assert got["warnings"] == []
    assert project["target_groups"] == {"primary": None, "indirect": None, "description": "Tekninen tuki kohdistuu koko ohjelma-alueelle.\nKohderyhmänä ovat ohjelman hallinnoijat."}
    assert project["funding"] == {"eu_state_granted": 1000000, "eu_state_realised": 950000, "public_planned": 1000000, "public_realised": 950000}
    assert project["area"] == {"regions": [], "subregions": [], "municipalities": [], "site": None}
    assert project["indicators"] == []
    assert project["horizontal"] is None
    assert project["contact"]["phone"] == "029 506 1234"
    assert project["implementer"]["phone"] == "029 506 0000"


CO_IMPLEMENTERS = (
    "Hakijoiden lukumäärä tai tuen siirto -menettely: Useampi hakija (yhteishanke)\n\n"
    "Osatoteuttajat:\n"
    "Jupiter-säätiö, Säätiö, 1724298-9\n"
    "KRIS-Oulu ry, 2555856-1\n"
    "Oy Esimerkki Ab, Vaasan toimipiste, Muu, 0171450-7\n"
)


def test_co_implementer_list_after_the_applicants_line():
    text = sample_text("S20334").replace("Hakijoiden lukumäärä tai tuen siirto -menettely: Vain yksi hakija\n", CO_IMPLEMENTERS)
    got = parse_text(text)
    project = got["project"]
    assert project["applicants"] == "Useampi hakija (yhteishanke)"
    assert project["co_implementers"] == [
        {"name": "Jupiter-säätiö", "type": "Säätiö", "business_id": "1724298-9"},
        {"name": "KRIS-Oulu ry", "type": None, "business_id": "2555856-1"},
        {"name": "Oy Esimerkki Ab, Vaasan toimipiste", "type": "Muu", "business_id": "0171450-7"},
    ]
    assert got["warnings"] == []


def test_co_implementer_on_the_label_line_and_wrapped_by_a_page_break():
    block = (
        "Hakijoiden lukumäärä tai tuen siirto -menettely: Useampi hakija\n\n"
        "Osatoteuttajat: Itä-Suomen yliopisto, Yliopisto, 0171450-7\n\n"
        "Jupiter-säätiö, Säätiö, 1724298-9\n"
    )
    text = sample_text("S21736").replace("Hakijoiden lukumäärä tai tuen siirto -menettely:\n", block)
    project = parse_text(text)["project"]
    assert project["co_implementers"] == [
        {"name": "Itä-Suomen yliopisto", "type": "Yliopisto", "business_id": "0171450-7"},
        {"name": "Jupiter-säätiö", "type": "Säätiö", "business_id": "1724298-9"},
    ]


def test_empty_co_implementer_list():
    text = sample_text("S21736").replace("Hakijoiden lukumäärä tai tuen siirto -menettely:\n", "Hakijoiden lukumäärä tai tuen siirto -menettely:\n\nOsatoteuttajat:\n")
    got = parse_text(text)
    assert got["project"]["co_implementers"] == []
    assert got["warnings"] == []


def test_duplicate_label_is_kept_in_extra_fields():
    text = sample_text("S20334").replace("Toiminnan tila: Toiminta päättynyt\n", "Toiminnan tila: Toiminta päättynyt\n\nToiminnan tila: Käynnissä\n")
    got = parse_text(text)
    assert got["project"]["status"] == "Toiminta päättynyt"
    assert got["project"]["extra_fields"] == [{"section": "Hanke", "label": "Toiminnan tila", "value": "Käynnissä"}]
    assert [w["code"] for w in got["warnings"]] == ["duplicate_label"]


def test_sustainability_row_joined_with_its_justification_by_a_page_break():
    text = sample_text("S20334").replace("Natura 2000 -ohjelman kohteet 0 0\nhankkeella", "Natura 2000 -ohjelman kohteet 0 0" + FURNITURE + "hankkeella")
    got = parse_text(text)
    assert got["project"]["sustainability"] == project_of("S20334")["sustainability"]
    assert got["warnings"] == []


# ------------------------------------------------ nothing lost or merged without a word


ANALYSIS = "Hankkeessa on tehty toimintaympäristön analyysi sukupuolinäkökulmasta: Kyllä\nAikuissosiaalityön palvelujen asiakkaista tehdään vuosittain kohderyhmäanalyysit\n"


def test_a_yes_no_line_written_twice_keeps_the_second_justification():
    second = "Hankkeessa on tehty toimintaympäristön analyysi sukupuolinäkökulmasta: Kyllä\nAnalyysi päivitetään hankkeen puolivälissä.\nMyös kumppanit osallistuvat.\n"
    text = sample_text("S20334").replace(ANALYSIS, ANALYSIS + second)
    assert text != sample_text("S20334")
    got = parse_text(text)
    assert got["project"]["gender_equality"] == project_of("S20334")["gender_equality"]
    assert got["project"]["extra_fields"] == [
        {
            "section": "Sukupuolten tasa-arvo",
            "label": "Hankkeessa on tehty toimintaympäristön analyysi sukupuolinäkökulmasta",
            "value": "Kyllä\nAnalyysi päivitetään hankkeen puolivälissä.\nMyös kumppanit osallistuvat.",
        }
    ]
    [warning] = got["warnings"]
    assert warning["code"] == "duplicate_label"
    assert warning["line"] == text.split("\n").index(second.split("\n")[0], text.split("\n").index(ANALYSIS.split("\n")[0]) + 1) + 1


def test_unknown_sections_after_the_last_text_section_are_kept():
    """S21736 ends with "9 Loppuraportin tiivistelmä" (no "10 Esimerkkihanke"): an 11 and a 12
    after it are sections of their own, not more of the summary."""
    text = sample_text("S21736") + "\n\n11 Lisätiedot\n\nHanke jatkuu kaupungin omana toimintana.\n\n12. Liite\n\nLiite: loppuraportti.pdf\n"
    got = parse_text(text)
    assert got["project"]["texts"] == project_of("S21736")["texts"]
    assert got["project"]["extra_fields"] == [
        {"section": "Lisätiedot", "label": "Lisätiedot", "value": "Hanke jatkuu kaupungin omana toimintana."},
        {"section": "Liite", "label": "Liite", "value": "loppuraportti.pdf"},
    ]
    lines = text.split("\n")
    assert [(w["code"], w["line"]) for w in got["warnings"]] == [
        ("unknown_section", lines.index("11 Lisätiedot") + 1),
        ("unknown_section", lines.index("12. Liite") + 1),
    ]


def test_a_numbered_list_in_the_summary_stays_in_the_summary():
    steps = "Hankkeen vaiheet\n1. Kartoitus\n2. Kokeilu\n3. Arviointi\n4. Juurruttaminen\n5. Levittäminen"
    text = sample_text("S20334").replace("\n\n4 Hankkeen kohderyhmät", f"\n\n{steps}\n\n4 Hankkeen kohderyhmät", 1)
    got = parse_text(text)
    assert got["project"]["texts"]["summary"] == project_of("S20334")["texts"]["summary"] + "\n" + steps
    assert got["warnings"] == []


def test_a_line_after_an_email_address_is_not_glued_to_it():
    line = "Yhteyshenkilön sähköpostisoite: tanja.back(at)kuopio.fi\n"
    text = sample_text("S20334").replace(line, line + "Toinen rivi tekstiä\n")
    got = parse_text(text)
    assert got["project"] == project_of("S20334")
    assert got["warnings"] == [
        {
            "code": "unrecognised_line",
            "message": "a line in section 'Hakijan perustiedot' that the layout does not explain: 'Toinen rivi tekstiä'",
            "line": text.split("\n").index("Toinen rivi tekstiä") + 1,
        }
    ]


def test_a_label_in_its_own_section_wins_over_the_same_label_outside_it():
    applicants = "Hakijoiden lukumäärä tai tuen siirto -menettely: Vain yksi hakija\n"
    text = sample_text("S20334").replace(applicants, applicants + "Myönnetty EU- ja valtion rahoitus: 1 000\n")
    got = parse_text(text)
    project = got["project"]
    assert project["funding"] == project_of("S20334")["funding"]
    assert project["extra_fields"] == [{"section": "Hakijan perustiedot", "label": "Myönnetty EU- ja valtion rahoitus", "value": "1 000"}]
    line = text.split("\n").index("Myönnetty EU- ja valtion rahoitus: 1 000") + 1
    assert [(w["code"], w["line"]) for w in got["warnings"]] == [("label_out_of_section", line), ("duplicate_label", line)]
    assert {**project, "extra_fields": []} == project_of("S20334")


PARAGRAPH = "Hankkeen aikana syntyi sosiaalisen tuen ja kuntoutuksen yhteistyöverkosto"


def test_a_windows_1252_paragraph_in_a_utf8_export():
    text = sample_text("S20334")
    lines = text.split("\n")
    [number] = [n for n, line in enumerate(lines, 1) if line.startswith(PARAGRAPH)]
    data = b"\n".join(line.encode("cp1252" if n == number else "utf-8") for n, line in enumerate(lines, 1))
    got = json.loads(parse_bytes(data, "variant.txt").model_dump_json())
    assert got["project"] == project_of("S20334")
    assert got["text"] == expected_record("S20334")["text"]
    assert got["warnings"] == [
        {"code": "mixed_encoding", "message": f"line {number} is not UTF-8 like the rest of the file: read as Windows-1252", "line": number}
    ]


def test_a_windows_1252_paragraph_in_an_undeclared_utf8_page():
    from .render import render_html

    page = render_html(expected_record("S20334")["text"]).replace(b'<meta charset="utf-8">', b"")
    lines = page.split(b"\n")
    [number] = [n for n, line in enumerate(lines, 1) if line.startswith(f"<p>{PARAGRAPH}".encode())]
    lines[number - 1] = lines[number - 1].decode("utf-8").encode("cp1252")
    got = json.loads(parse_bytes(b"\n".join(lines), "variant.html").model_dump_json())
    assert got["source"]["format"] == "html"
    assert got["project"] == project_of("S20334")
    assert got["warnings"] == [
        {"code": "mixed_encoding", "message": f"line {number} is not UTF-8 like the rest of the page: read as Windows-1252", "line": None}
    ]
