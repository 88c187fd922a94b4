"""Typed values: each converter on the forms the service writes, and on what it must refuse."""

from __future__ import annotations

import datetime

import pytest

from parser.extract import values


class Collector(list):
    def __call__(self, code: str, message: str) -> None:
        self.append((code, message))


@pytest.fixture
def warn():
    return Collector()


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("560 897", 560897),
        ("560\u00a0897", 560897),  # the clean stage turns these into spaces, the converter copes too
        ("560897", 560897),
        ("1 234 567", 1234567),
        ("0", 0),
        ("", None),
        ("  ", None),
        ("170 000 €", 170000),
        ("170 000 euroa", 170000),
    ],
)
def test_euros(raw, expected, warn):
    assert values.convert_euros(raw, warn) == expected
    assert warn == []


def test_euros_with_cents_are_rounded_and_warned(warn):
    assert values.convert_euros("64798,16", warn) == 64798
    assert values.convert_euros("64798.50", warn) == 64799
    assert [code for code, _ in warn] == ["euros_rounded", "euros_rounded"]


def test_unreadable_euros_keep_the_raw_text_in_the_warning(warn):
    assert values.convert_euros("noin puoli miljoonaa", warn) is None
    assert warn[0][0] == "unreadable_euros" and "noin puoli miljoonaa" in warn[0][1]


def test_date_range(warn):
    assert values.convert_date_range("Alkaa 1.7.2009 ja päättyy 31.8.2012", warn) == (datetime.date(2009, 7, 1), datetime.date(2012, 8, 31))
    assert values.convert_date_range("alkaa 01.09.2015  ja  päättyy 31.08.2017", warn) == (datetime.date(2015, 9, 1), datetime.date(2017, 8, 31))
    assert warn == []


def test_impossible_date_is_a_warning(warn):
    assert values.convert_date_range("Alkaa 31.2.2009 ja päättyy 31.8.2012", warn) == (None, datetime.date(2012, 8, 31))
    assert warn[0][0] == "unreadable_date" and "31.2.2009" in warn[0][1]


def test_reversed_dates_are_kept_and_warned(warn):
    assert values.convert_date_range("Alkaa 1.7.2012 ja päättyy 31.8.2009", warn) == (datetime.date(2012, 7, 1), datetime.date(2009, 8, 31))
    assert warn[0][0] == "dates_reversed"


def test_unreadable_period(warn):
    assert values.convert_date_range("syksyllä 2009", warn) == (None, None)
    assert "syksyllä 2009" in warn[0][1]


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("2: Työllistymisen ja työmarkkinoilla pysymisen edistäminen", {"number": "2", "name": "Työllistymisen ja työmarkkinoilla pysymisen edistäminen"}),
        ("5. Sosiaalinen osallisuus ja köyhyyden torjunta", {"number": "5", "name": "Sosiaalinen osallisuus ja köyhyyden torjunta"}),
        ("10.1. Työelämän ulkopuolella olevien työ- ja toimintakyvyn parantaminen", {"number": "10.1", "name": "Työelämän ulkopuolella olevien työ- ja toimintakyvyn parantaminen"}),
        ("", None),
    ],
)
def test_numbered(raw, expected, warn):
    assert values.convert_numbered(raw, warn) == expected


def test_valid_business_id(warn):
    assert values.convert_business_id("0171450-7", warn) == "0171450-7"
    assert values.convert_business_id("2555856-1", warn) == "2555856-1"
    assert warn == []


def test_bad_check_digit_is_a_warning_and_the_value_is_kept(warn):
    assert values.convert_business_id("0171450-8", warn) == "0171450-8"
    assert warn[0][0] == "invalid_business_id" and "0171450-8" in warn[0][1]


def test_email(warn):
    assert values.convert_email("jarmo.rautjarvi(at)kuopio.fi", warn) == "jarmo.rautjarvi@kuopio.fi"
    assert values.convert_email("tanja.back (at) kuopio.fi", warn) == "tanja.back@kuopio.fi"
    assert values.convert_email("", warn) is None


@pytest.mark.parametrize("raw, expected", [("Kyllä", True), ("Ei", False), ("kyllä", True), ("EI", False), ("", None)])
def test_bool(raw, expected, warn):
    assert values.convert_bool(raw, warn) is expected
    assert warn == []


def test_unknown_answer_is_a_warning(warn):
    assert values.convert_bool("Osittain", warn) is None
    assert "Osittain" in warn[0][1]


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Vaasan, Sydösterbottens, kustregion, Kyrönmaan, Jakobstadsregionen", ["Vaasan", "Sydösterbottens, kustregion", "Kyrönmaan", "Jakobstadsregionen"]),
        ("Koillis-Savon, Varkauden, Sisä-Savon", ["Koillis-Savon", "Varkauden", "Sisä-Savon"]),
        ("Kuopion", ["Kuopion"]),
        ("", []),
        ("Kuopio,, Iisalmi ,", ["Kuopio", "Iisalmi"]),
        ("Koko Suomi", ["Koko Suomi"]),
    ],
)
def test_name_lists(raw, expected, warn):
    assert values.convert_name_list(raw, warn) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("14, joista naisia 12", (14, 12)),
        ("0, joista naisten työpaikkoja 0", (0, 0)),
        ("0, joista naisten perustamia 0", (0, 0)),
        ("0, joista naisten tutkintoja 0", (0, 0)),
        ("200", (200, None)),
        ("", (None, None)),
    ],
)
def test_indicator_values(raw, expected, warn):
    assert values.convert_count_with_women(raw, warn) == expected
    assert warn == []


TYPES = frozenset({"Kunta", "Säätiö", "Muu järjestö tai yhdistys"})


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Kuopion kaupunki, 0171450-7", {"name": "Kuopion kaupunki", "type": None, "business_id": "0171450-7"}),
        ("Jupiter-säätiö, Säätiö, 1724298-9", {"name": "Jupiter-säätiö", "type": "Säätiö", "business_id": "1724298-9"}),
        # The name holds a comma and a full stop; it stays whole.
        ("Oy Esimerkki Ab, Vaasan toimipiste, 2555856-1", {"name": "Oy Esimerkki Ab, Vaasan toimipiste", "type": None, "business_id": "2555856-1"}),
        ("KRIS-Oulu ry., Muu järjestö tai yhdistys, 2555856-1", {"name": "KRIS-Oulu ry.", "type": "Muu järjestö tai yhdistys", "business_id": "2555856-1"}),
    ],
)
def test_co_implementer_lines(raw, expected, warn):
    assert values.convert_co_implementer(raw, warn, organisation_types=TYPES) == expected
    assert warn == []


def test_co_implementer_without_business_id_is_kept(warn):
    assert values.convert_co_implementer("Stiftelsen Foo", warn, organisation_types=TYPES) == {"name": "Stiftelsen Foo", "type": None, "business_id": None}
    assert warn[0][0] == "co_implementer_without_id"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("www.jupiter.fi", "www.jupiter.fi"),
        ("http://www.kris.fi/oulu", "http://www.kris.fi/oulu"),
        # A wrap of the page width cut the address: the space is no part of it.
        ("www.jupiter.fi/www/kuntsari-ponnahduslauta-valityomarkkinoi lle.html", "www.jupiter.fi/www/kuntsari-ponnahduslauta-valityomarkkinoille.html"),
        ("https://www.example.fi/palvelut/ tyollisyys", "https://www.example.fi/palvelut/tyollisyys"),
        ("http://www.kris.fi/ oulu", "http://www.kris.fi/oulu"),
        # Two addresses one after the other stay two: a new one starts with a scheme or www.
        ("www.a.fi www.b.fi", "www.a.fi www.b.fi"),
        ("http://www.a.fi https://b.fi/x", "http://www.a.fi https://b.fi/x"),
        ("www.a.fi/ala sivu www.b.fi", "www.a.fi/alasivu www.b.fi"),
        # ... and so do addresses in a list or joined by a conjunction.
        ("kuopio.fi, oulu.fi", "kuopio.fi, oulu.fi"),
        ("www.a.fi ja www.b.fi", "www.a.fi ja www.b.fi"),
        # What is no address is kept as written.
        ("Ei ole", "Ei ole"),
        ("", None),
        ("  ", None),
    ],
)
def test_url(raw, expected, warn):
    assert values.convert_url(raw, warn) == expected
    assert warn == []
    assert values.CONVERTERS["url"] is values.convert_url


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("jarmo.rautjarvi(at)kuo pio.fi", "jarmo.rautjarvi@kuopio.fi"),
        ("jarmo.rautja rvi(at)kuopio.fi", "jarmo.rautjarvi@kuopio.fi"),
        ("tanja.back@kuopio.f i", "tanja.back@kuopio.fi"),
        # Two addresses stay two: each has its own @.
        ("a.b(at)kuopio.fi c.d(at)kuopio.fi", "a.b@kuopio.fi c.d@kuopio.fi"),
        ("a.b@kuopio.fi, c.d@kuo pio.fi", "a.b@kuopio.fi, c.d@kuopio.fi"),
        ("a.b@kuopio.fi tai c.d@kuopio.fi", "a.b@kuopio.fi tai c.d@kuopio.fi"),
        ("ei sähköpostia", "ei sähköpostia"),
    ],
)
def test_email_wrapped_inside_gains_no_space(raw, expected, warn):
    assert values.convert_email(raw, warn) == expected


def test_business_id_wrapped_inside_gains_no_space(warn):
    assert values.convert_business_id("0171450- 7", warn) == "0171450-7"
    assert values.convert_business_id("01714 50-7", warn) == "0171450-7"
    assert warn == []
    # Two IDs one after the other are not one: kept apart, and the value is no business ID.
    assert values.convert_business_id("0171450-7 2555856-1", warn) == "0171450-7 2555856-1"
    assert warn[0][0] == "invalid_business_id"
