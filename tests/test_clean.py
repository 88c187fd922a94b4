"""The clean stage on its own: characters, furniture, and lines cut by breaks."""

from __future__ import annotations

import pytest

from parser.clean import clean, is_furniture, join_broken, normalise_text
from parser.read.lines import Line


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("  Kuopion   kaupunki \t", "Kuopion kaupunki"),
        ("560\u00a0897", "560 897"),
        ("a\u202fb\u2009c", "a b c"),
        ("sosiaali\u00adtyö", "sosiaalityö"),
        ("\ufeffEuroopan", "Euroopan"),
        ("ta\u0308ma\u0308", "tämä"),  # decomposed ä (NFD) becomes one character
        ("zero\u200bwidth", "zerowidth"),
        ("bell\x07", "bell"),
        ("plain line", "plain line"),
    ],
)
def test_normalise_text(raw, expected):
    assert normalise_text(raw) == expected


@pytest.mark.parametrize(
    "line",
    ["Euroopan unioni", "Vipuvoimaa EU:lta", "Euroopan unioni Vipuvoimaa EU:lta", "Sivu 2 / 5", "Sivu 12/12", "2 (5)", "Page 3 of 4",
     "https://www.eura2014.fi/rrtiepa/projekti.php?projektikoodi=S20334", "23.11.2026 12.00"],
)
def test_furniture(line):
    assert is_furniture(line)


@pytest.mark.parametrize("line", ["Euroopan unionin rakennerahastot", "Sivu 2 / 5 kertoo", "2", "Alkaa 1.7.2009 ja päättyy 31.8.2012", "Kunnat: Kuopio"])
def test_not_furniture(line):
    assert not is_furniture(line)


@pytest.mark.parametrize(
    "first, second, joined",
    [
        ("muutaman kerran", "vuodessa suunnittelemaan", "muutaman kerran vuodessa suunnittelemaan"),
        ("Etelä-", "Savon elinkeino-", "Etelä-Savon elinkeino-"),
        ("liikenne-", "ja ympäristökeskus", "liikenne- ja ympäristökeskus"),
        ("päätty-", "essä", "päätty-essä"),  # the hyphen is a character of the text: kept
        ("2010-", "2012", "2010-2012"),
        ("- vahva", "osatyökykyisyys", "- vahva osatyökykyisyys"),
    ],
)
def test_join_broken(first, second, joined):
    assert join_broken(first, second) == joined


def lines(*texts: str) -> list[Line]:
    return [Line(text, number) for number, text in enumerate(texts, 1)]


def test_clean_heals_a_paragraph_cut_by_furniture_and_keeps_line_numbers():
    cleaned = clean(lines("Ryhmät ovat kokoontuneet muutaman kerran", "", "Sivu 2 / 3", "", "vuodessa suunnittelemaan.", "", "Uusi kappale."))
    assert [(l.text, l.number) for l in cleaned] == [("Ryhmät ovat kokoontuneet muutaman kerran vuodessa suunnittelemaan.", 1), ("Uusi kappale.", 7)]


def test_clean_keeps_consecutive_lines_apart():
    """Without a break between them, a lower-case line is a line of its own (a justification)."""
    cleaned = clean(lines("Luonnonvarojen käytön kestävyys 0 0", "hankkeella ei vaikutusta"))
    assert [l.text for l in cleaned] == ["Luonnonvarojen käytön kestävyys 0 0", "hankkeella ei vaikutusta"]


def test_clean_does_not_join_after_a_sentence_or_before_a_capital():
    cleaned = clean(lines("Projekti päättyi.", "", "jatko suunnitellaan", "", "Polutus tulokset XXX", "", "Kokonaisuutena kaikilla"))
    assert [l.text for l in cleaned] == ["Projekti päättyi.", "jatko suunnitellaan", "Polutus tulokset XXX", "Kokonaisuutena kaikilla"]


def test_clean_joins_soft_wrapped_lines_across_a_page_break():
    raw = [
        Line("Hankkeen yhteyshenkilön nimi: Tanja", 1, 1, soft_wrapped=True),
        Line("Sivu 1 / 2", 2, 1),
        Line("Euroopan unioni Vipuvoimaa EU:lta", 3, 2, page_break_before=True),
        Line("Bäck", 4, 2),
    ]
    assert [(l.text, l.number) for l in clean(raw)] == [("Hankkeen yhteyshenkilön nimi: Tanja Bäck", 1)]


def test_a_page_boundary_alone_is_a_break():
    raw = [Line("toiminta jatkuu", 1, 1), Line("edelleen kaupungin varoin.", 2, 2, page_break_before=True)]
    assert [l.text for l in clean(raw)] == ["toiminta jatkuu edelleen kaupungin varoin."]


def test_pdf_blank_lines_are_paragraph_gaps_not_page_breaks():
    raw = [Line("Luonnonvarojen käytön kestävyys 0 0", 1, 1), Line("", 2, 1), Line("hankkeella ei vaikutusta", 3, 1)]
    assert [l.text for l in clean(raw, page_breaks_known=True)] == ["Luonnonvarojen käytön kestävyys 0 0", "hankkeella ei vaikutusta"]
    assert [l.text for l in clean(raw)] == ["Luonnonvarojen käytön kestävyys 0 0 hankkeella ei vaikutusta"]


def test_pdf_page_break_without_a_wrap_is_not_joined():
    raw = [Line("toiminta jatkuu", 1, 1), Line("Sivu 1 / 2", 2, 1), Line("edelleen kaupungin varoin.", 3, 2, page_break_before=True)]
    assert [l.text for l in clean(raw, page_breaks_known=True)] == ["toiminta jatkuu", "edelleen kaupungin varoin."]


@pytest.mark.parametrize("following", ["7. Projektin julkinen rahoitus, euroa", "Yhteyshenkilön sähköpostisoite: a@b.fi", "- Palveluntuottajayhteistyö"])
def test_a_wrap_flag_across_a_page_never_swallows_a_heading_label_or_list_item(following):
    raw = [
        Line("kehittämiseksi ja toteuttamiseksi.", 1, 1, soft_wrapped=True),
        Line("Sivu 1 / 2", 2, 1),
        Line("Euroopan unioni Vipuvoimaa EU:lta", 3, 2, page_break_before=True),
        Line(following, 4, 2),
    ]
    assert [l.text for l in clean(raw, page_breaks_known=True)] == ["kehittämiseksi ja toteuttamiseksi.", following]


def test_a_line_the_reader_flags_as_furniture_is_dropped_like_known_furniture():
    """A running header that no pattern knows, recognised by the PDF geometry: it is dropped, and
    it counts as a page crossing, so a label line after it is not swallowed by the wrap above."""
    raw = [
        Line("Hankkeen tavoitteena on kehittää", 1, 1, soft_wrapped=True),
        Line("Sivu 1 / 2", 2, 1, furniture=True),
        Line("Hankerekisterin tuloste – ESR", 3, 2, page_break_before=True, furniture=True),
        Line("palveluja.", 4, 2),
        Line("Kohderyhmä: nuoret", 5, 2, soft_wrapped=True),
        Line("Hankerekisterin tuloste – ESR", 6, 3, page_break_before=True, furniture=True),
        Line("Kunnat: Kuopio", 7, 3),
    ]
    assert [(l.text, l.number) for l in clean(raw, page_breaks_known=True)] == [
        ("Hankkeen tavoitteena on kehittää palveluja.", 1),
        ("Kohderyhmä: nuoret", 5),
        ("Kunnat: Kuopio", 7),
    ]
    # Unflagged, the same text is content: the flag, not the words, makes it furniture.
    assert not is_furniture("Hankerekisterin tuloste – ESR")


@pytest.mark.parametrize(
    "heading, following",
    [("3 Suunnitelman mukainen tiivistelmä toteutuksesta", "Tavoitteet"), ("5. Suunnitelman mukainen tiivistelmä toteutuksesta", "Savon malli ( Kuopio, Iisalmi)")],
)
def test_a_wrap_flag_across_a_page_never_makes_a_heading_swallow_the_next_line(heading, following):
    """A heading on a page's last line with no room below it, and the next page's first word too
    long to have fitted after it: the geometry flags a possible wrap, but a heading is a line of
    its own, so the next page starts a new line."""
    raw = [
        Line(heading, 1, 1, soft_wrapped=True),
        Line("Sivu 1 / 2", 2, 1, furniture=True),
        Line("Euroopan unioni Vipuvoimaa EU:lta", 3, 2, page_break_before=True, furniture=True),
        Line(following, 4, 2),
    ]
    assert [l.text for l in clean(raw, page_breaks_known=True)] == [heading, following]


def test_a_heading_cut_by_a_page_is_continued_by_its_lower_case_rest():
    raw = [
        Line("7 Toteutuneet ja ennakoitavat arviot hankekohtaisista", 1, 1, soft_wrapped=True),
        Line("Hankerekisterin tuloste", 2, 2, page_break_before=True, furniture=True),
        Line("seurantiedoista", 3, 2),
    ]
    assert [l.text for l in clean(raw, page_breaks_known=True)] == ["7 Toteutuneet ja ennakoitavat arviot hankekohtaisista seurantiedoista"]
