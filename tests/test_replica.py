"""The replica of the structural-funds service (tests/replica.py) serves what the harvester's
tests rely on: the site's chrome around each description, the list tables, the misbehaviours,
the conditional answers, the harvest rounds and the request log.

Everything is fetched over HTTP from a replica on 127.0.0.1 with the standard library, and
checked against expectations written by hand (not derived from the replica's own data), so a
mistake in the replica cannot hide behind itself.
"""

from __future__ import annotations

import hashlib
import http.client
import itertools
import re
import threading
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser

import pytest

from .replica import Replica

UA = "esr-arkisto-test/1.0 (replica check)"

HEADER_2007 = [
    "Koodi", "Rahasto", "Projektin nimi", "Ohjelma / osio", "Tl", "Viranomainen", "Toiminnan tila", "Aloituspvm",
    "Päättymispvm", "Toteuttajan nimi", "Myönnetty EU- ja valtion rahoitus", "Toteutunut EU- ja valtion rahoitus",
    "Suunniteltu julkinen rahoitus yhteensä", "Toteutunut julkinen rahoitus yhteensä",
]  # fmt: skip
HEADER_2014 = [
    "Koodi", "Rahasto", "Hankkeen nimi", "Tl", "Viranomainen", "Tila", "Aloituspvm", "Päättymispvm",
    "Toteuttajan nimi", "Myönnetty EU- ja valtion rahoitus", "Toteutunut EU- ja valtion rahoitus",
    "Suunniteltu julkinen rahoitus yhteensä", "Toteutunut julkinen rahoitus yhteensä",
]  # fmt: skip
CODES_2007 = ["S10673", "S10962", "S12001", "S10400", "A32768"]
CODES_2014 = ["S20334", "S21736", "S20999", "S21002", "S20503", "S20429", "S20555", "S20415", "S20777", "A70302", "S20400"]


@pytest.fixture
def replica():
    with Replica() as started:
        yield started
        # A bug inside the replica would otherwise only show as a 500 answer.
        assert started.errors == []


def get(url: str, headers: dict[str, str] | None = None, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of one request; error statuses (and 304) too, not raised."""
    request = urllib.request.Request(url, headers={"User-Agent": UA, **(headers or {})}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read()


class _Page(HTMLParser):
    """The parts of a page the tests look at: tags in order, the visible text as blocks (the way
    a browser lays it out), table rows, image alts, links."""

    BLOCKS = frozenset({"div", "p", "h1", "h2", "h3", "li", "ul", "tr", "table", "thead", "tbody", "body"})
    HIDDEN = frozenset({"head", "script", "style", "title"})

    def __init__(self, data: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.blocks: list[list[str]] = [[]]
        self.rows: list[list[str]] = []
        self.links: list[tuple[str, str]] = []
        self._line: list[str] = []
        self._hidden = 0
        self._cell: list[str] | None = None
        self._href: str | None = None
        self._link_text: list[str] = []
        self.feed(data)
        self.close()
        self._break(block=True)
        self.blocks = [block for block in self.blocks if block]

    def _break(self, block: bool) -> None:
        line = " ".join("".join(self._line).split())
        self._line = []
        if line:
            self.blocks[-1].append(line)
        if block and self.blocks[-1]:
            self.blocks.append([])

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in self.HIDDEN:
            self._hidden += 1
        elif tag == "br":
            self._break(block=False)
        elif tag in self.BLOCKS:
            self._break(block=True)
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "a":
            self._href, self._link_text = dict(attrs).get("href"), []

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self._hidden -= 1
        elif tag in self.BLOCKS:
            self._break(block=True)
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._link_text).split())))
            self._href = None

    def handle_data(self, data):
        if self._hidden:
            return
        self._line.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self._href is not None:
            self._link_text.append(data)

    @property
    def text(self) -> str:
        return "\n\n".join("\n".join(block) for block in self.blocks)

    def has(self, tag: str, **attrs: str) -> bool:
        return any(t == tag and all(a.get(k) == v for k, v in attrs.items()) for t, a in self.tags)


def page(body: bytes, encoding: str = "utf-8") -> _Page:
    return _Page(body.decode(encoding))


FOOTER_DATE = re.compile(r"Sivu päivitetty (\d{1,2})\.(\d{1,2})\.(\d{4}) klo (\d{2})\.(\d{2})")


def assert_chrome(parsed: _Page) -> None:
    """The site's header, navigation and footer, as the brief describes them."""
    assert parsed.has("img", alt="Rakennerahastot.fi")
    assert parsed.has("div", id="header") and parsed.has("div", id="navigation") and parsed.has("div", id="footer")
    assert [text for _, text in parsed.links[1:5]] == ["Etusivu", "Hankehaku", "Tietoa palvelusta", "In English"]
    assert "Tietosuojaseloste" in [text for _, text in parsed.links]
    text = parsed.text
    assert "Työ- ja elinkeinoministeriö" in text
    assert "© 2026 Rakennerahastot.fi" in text
    assert FOOTER_DATE.search(text)


# --- the pages ---------------------------------------------------------------------------------


def test_service_urls(replica):
    assert replica.service_url("2007-2013") == f"http://127.0.0.1:{replica.port}/eura2007/rrtiepa/"
    assert replica.service_url("2014-2020") == f"http://127.0.0.1:{replica.port}/eura2014/rrtiepa/"
    assert replica.page_url("S20334") == replica.service_url("2014-2020") + "projekti.php?projektikoodi=S20334"
    with pytest.raises(ValueError):
        replica.service_url("2021-2027")


def test_2014_page_has_the_chrome_and_the_section_structure(replica):
    status, headers, body = get(replica.service_url("2014-2020") + "projekti.php?projektikoodi=S20334")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    parsed = page(body)
    assert_chrome(parsed)
    assert FOOTER_DATE.search(parsed.text).groups() == ("2", "11", "2026", "02", "30")
    html = body.decode("utf-8")
    # Each numbered section is a div holding its h2; subsections (section 7's indicators too) are h3.
    assert '<div class="section" id="osio1">\n<h2>1 Hanke</h2>' in html
    assert '<div class="section" id="osio2">\n<h2>2 Hakijan perustiedot</h2>' in html
    assert "<h3>7.1 Osallistuvien yritysten lukumäärä</h3>" in html
    assert "<h3>7.2 Osallistuvien henkilöiden lukumäärä</h3>" in html
    assert "<p>Hankekoodi: S20334</p>" in html
    assert "<p>Yhteyshenkilön sähköpostisoite: tanja.back(at)kuopio.fi</p>" in html
    assert "<h1>Euroopan sosiaalirahaston (ESR) rahoittaman hankkeen kuvaus</h1>" in html
    # Lines of one block are one paragraph with <br> between them.
    assert "<p>Tavoitteet<br>\nHankkeen avulla vastataan" in html
    # The description is read back as served, chrome aside.
    assert replica.description_text("S20334") in parsed.text


def test_2007_page_has_the_description_div_and_h3_subsections(replica):
    status, _, body = get(replica.service_url("2007-2013") + "projekti.php?projektikoodi=S10673")
    assert status == 200
    parsed = page(body)
    assert_chrome(parsed)
    assert FOOTER_DATE.search(parsed.text).groups() == ("2", "11", "2026", "03", "15")
    html = body.decode("utf-8")
    start = html.index('<div class="description">')
    description = html[start:]
    assert "<h2>1. Projekti</h2>" in description
    assert "<h3>3.1 Maantieteellinen kohdealue</h3>" in description
    assert "<p>Sähköposti: pirjo.kekalainen(at)jupiter.fi</p>" in description
    # The sample's "&" is escaped in the page.
    assert "tilaisuuksien &amp; seminaarien" in description
    assert "Projektikoodi: S10673\n\nProjektin nimi: KUNTSARI -ponnahduslauta välityömarkkinoille" in parsed.text


@pytest.mark.parametrize(("period", "code"), [("2007-2013", "S10962"), ("2014-2020", "S21736")])
def test_latin1_pages(replica, period, code):
    status, headers, body = get(replica.service_url(period) + f"projekti.php?projektikoodi={code}")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=iso-8859-1"
    assert b'<meta charset="iso-8859-1">' in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    text = body.decode("latin-1")
    assert "ä" in text and b"\xe4" in body and "ä".encode() not in body
    assert "Työ- ja elinkeinoministeriö" in text and b"\xa9 2026" in body
    assert replica.description_text(code) in page(body, "latin-1").text


def test_character_latin1_lacks_is_a_reference(replica):
    _, _, body = get(replica.page_url("S21736"))
    # S21736 quotes ”pöytä oli puhdas”; Latin-1 has no ”, so the page writes &#8221;.
    assert "&#8221;pöytä oli puhdas&#8221;".encode("latin-1") in body
    assert "”pöytä oli puhdas”" in page(body, "latin-1").text


def test_hand_written_co_implementers(replica):
    _, _, body = get(replica.page_url("S20999"))
    text = page(body).text
    assert (
        "Hakijoiden lukumäärä tai tuen siirto -menettely: Useampi hakija (yhteishanke)\n\n"
        "Osatoteuttajat\n\n"
        "Jyväskylän kaupunki, Kunta, 0208201-1\n"
        "Keski-Suomen Työpajayhdistys ry, 2925315-9\n\n"
        "3 Suunnitelman mukainen tiivistelmä toteutuksesta"
    ) in text
    _, _, body = get(replica.page_url("S21002"))
    assert (
        "Hakijoiden lukumäärä tai tuen siirto -menettely: Vain yksi hakija\n\n"
        "Osatoteuttajat\n\n"
        "3 Suunnitelman mukainen tiivistelmä toteutuksesta"
    ) in page(body).text


def test_hand_written_2007_description(replica):
    _, _, body = get(replica.page_url("S12001"))
    text = page(body).text
    assert "Euroopan sosiaalirahaston (ESR) rahoittaman projektin kuvaus\n\n1. Projekti\n\nProjektikoodi: S12001" in text
    assert "Sähköposti: heikki.rasanen(at)nuorisoverstas.fi" in text


def test_every_description_writes_emails_with_at(replica):
    for period in ("2007-2013", "2014-2020"):
        for code in replica.description_codes(period):
            description = replica.description_text(code)
            assert "(at)" in description, code
            assert "@" not in description, code


def test_description_codes_and_text(replica):
    assert replica.codes("2007-2013") == CODES_2007
    assert replica.codes("2014-2020") == CODES_2014
    assert replica.description_codes("2007-2013") == ["S10673", "S10962", "S12001"]
    # The PDF code and the gone and EAKR-without-page codes have no description.
    assert replica.description_codes("2014-2020") == ["S20334", "S21736", "S20999", "S21002", "S20503", "S20429", "S20555", "S20777", "A70302"]
    assert replica.description_text("S20400") is None
    assert replica.description_text("S20415") is None
    text = replica.description_text("S20334")
    assert text.startswith("Euroopan unioni Vipuvoimaa EU:lta\n\nEuroopan sosiaalirahaston (ESR) rahoittaman hankkeen kuvaus\n\n1 Hanke\n\nHankekoodi: S20334")
    assert text.endswith("10 Esimerkkihanke\n\nViranomainen on merkinnyt hankkeen esimerkkihankkeeksi")
    assert "Sivu päivitetty" not in text and "Rakennerahastot" not in text


def test_eakr_page(replica):
    _, _, body = get(replica.page_url("A70302"))
    assert "Euroopan aluekehitysrahaston (EAKR) rahoittaman hankkeen kuvaus\n\n1 Hanke\n\nHankekoodi: A70302" in page(body).text


# --- the lists ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("period", "header", "codes", "encoding"), [
    ("2007-2013", HEADER_2007, CODES_2007, "iso-8859-1"),
    ("2014-2020", HEADER_2014, CODES_2014, "utf-8"),
])  # fmt: skip
def test_list_table(replica, period, header, codes, encoding):
    status, headers, body = get(replica.service_url(period) + "projektilista.php?rahasto=ALL")
    assert status == 200
    assert headers["Content-Type"] == f"text/html; charset={encoding}"
    parsed = page(body, encoding)
    assert_chrome(parsed)
    assert body.count(b"<table") == 1
    assert parsed.rows[0] == header
    assert parsed.has("th")
    assert [row[0] for row in parsed.rows[1:]] == codes
    assert all(len(row) == len(header) for row in parsed.rows)
    links = [href for href, _ in parsed.links if "projektikoodi" in href]
    assert links == [f"projekti.php?projektikoodi={code}" for code in codes]
    assert {row[1] for row in parsed.rows[1:]} == {"ESR", "EAKR"}
    assert replica.list_rows(period) == [dict(zip(header, row)) for row in parsed.rows[1:]]


def test_list_rows_as_written(replica):
    _, _, body = get(replica.list_url("2007-2013"))
    rows = {row[0]: row for row in page(body, "iso-8859-1").rows[1:]}
    assert rows["S10673"] == [
        "S10673", "ESR", "KUNTSARI -ponnahduslauta välityömarkkinoille", "Länsi-Suomen suuralueosio", "2",
        "Keski-Suomen elinkeino-, liikenne- ja ympäristökeskus", "Toiminta päättynyt", "1.9.2008", "31.12.2010",
        "Jupiter-säätiö", "170 000", "162 158", "204 820", "196 299",
    ]  # fmt: skip
    _, _, body = get(replica.list_url("2014-2020"))
    rows = {row[0]: row for row in page(body).rows[1:]}
    assert rows["S20334"] == [
        "S20334", "ESR", "Osallistavan sosiaalisen tuen kehittämishanke", "5",
        "Etelä-Savon elinkeino-, liikenne- ja ympäristökeskus", "Toiminta päättynyt", "1.9.2015", "31.8.2017",
        "Kuopion kaupunki", "458937", "348690", "655623", "498128",
    ]  # fmt: skip
    assert rows["S20999"][5] == "Toiminnassa"


def test_list_by_fund(replica):
    _, _, body = get(replica.service_url("2014-2020") + "projektilista.php?rahasto=EAKR")
    assert [row[0] for row in page(body).rows[1:]] == ["A70302"]


# --- no description ----------------------------------------------------------------------------


@pytest.mark.parametrize("url_tail", [
    "eura2014/rrtiepa/projekti.php?projektikoodi=S20400",  # listed but gone
    "eura2014/rrtiepa/projekti.php?projektikoodi=S29999",  # in no list
    "eura2007/rrtiepa/projekti.php?projektikoodi=S20334",  # the other period's code
    "eura2007/rrtiepa/projekti.php?projektikoodi=A32768",  # EAKR, no page in the replica
])  # fmt: skip
def test_unknown_code_answers_200_with_chrome_and_no_description(replica, url_tail):
    status, headers, body = get(f"{replica.base_url}/{url_tail}")
    assert status == 200
    assert "ETag" in headers and "Last-Modified" in headers
    parsed = page(body)
    assert_chrome(parsed)
    assert "Hanketta ei löytynyt" in parsed.text
    assert "rahoittaman" not in parsed.text and "Hankekoodi:" not in parsed.text


def test_unknown_path_is_404(replica):
    assert get(f"{replica.base_url}/eura2014/rrtiepa/haku.php")[0] == 404
    assert get(f"{replica.base_url}/")[0] == 404


# --- misbehaviours -----------------------------------------------------------------------------


def test_flaky_code_answers_503_twice_then_the_page(replica):
    url = replica.page_url("S20503")
    assert [get(url)[0] for _ in range(3)] == [503, 503, 200]
    assert get(url)[0] == 200
    # Set again, it fails again: the count is what is left.
    replica.failures["S20503"] = 1
    assert [get(url)[0] for _ in range(2)] == [503, 200]


def test_rate_limited_code_answers_429_with_retry_after_once(replica):
    status, headers, _ = get(replica.page_url("S20429"))
    assert status == 429
    assert headers["Retry-After"] == "1"
    status, _, body = get(replica.page_url("S20429"))
    assert status == 200
    assert "Hankekoodi: S20429" in page(body).text


def test_list_can_fail_too(replica):
    replica.failures["list:2014-2020"] = 1
    assert get(replica.list_url("2014-2020"))[0] == 503
    assert get(replica.list_url("2014-2020"))[0] == 200


def test_slow_code(replica):
    started = time.monotonic()
    status, _, _ = get(replica.page_url("S20555"))
    assert status == 200
    assert time.monotonic() - started >= 1.0
    started = time.monotonic()
    get(replica.page_url("S20334"))
    assert time.monotonic() - started < 0.5


def test_pdf_code(replica):
    status, headers, body = get(replica.page_url("S20415"))
    assert status == 200
    assert headers["Content-Type"] == "application/pdf"
    assert body.startswith(b"%PDF-")
    assert "ETag" in headers


def test_well_behaved_replica():
    with Replica(behaviours=False) as replica:
        started = time.monotonic()
        statuses = [get(replica.page_url(code))[0] for code in ("S20503", "S20429", "S20555")]
        assert statuses == [200, 200, 200]
        assert time.monotonic() - started < 0.5
        assert get(replica.page_url("S20415"))[1]["Content-Type"] == "text/html; charset=utf-8"


@pytest.mark.parametrize("chunked", [False, True])
def test_oversize_answer(chunked):
    size = 5 * 2**20
    with Replica(oversize={"S20777": size}, oversize_chunked=chunked) as replica:
        assert "S20777" not in replica.description_codes("2014-2020")
        status, headers, body = get(replica.page_url("S20777"))
        assert status == 200
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert len(body) >= size
        assert body.rstrip().endswith(b"</html>")
        if chunked:
            assert "Content-Length" not in headers and headers["Transfer-Encoding"] == "chunked"
        else:
            assert headers["Content-Length"] == str(len(body))


def test_client_leaving_an_oversize_answer_is_logged():
    with Replica(oversize={"S20777": 8 * 2**20}) as replica:
        connection = http.client.HTTPConnection("127.0.0.1", replica.port, timeout=5)
        connection.request("GET", "/eura2014/rrtiepa/projekti.php?projektikoodi=S20777")
        answer = connection.getresponse()
        answer.read(1000)
        connection.close()  # a harvester's size limit
        deadline = time.monotonic() + 5
        while not replica.requests and time.monotonic() < deadline:
            time.sleep(0.01)
        assert [r.status for r in replica.requests] == [200]
        assert replica.errors == []


# --- conditional requests ----------------------------------------------------------------------


def test_etag_is_a_hash_of_the_bytes_and_if_none_match_gives_304(replica):
    url = replica.page_url("S20334")
    status, headers, body = get(url)
    etag = headers["ETag"]
    assert etag == '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    assert headers["Last-Modified"] == "Mon, 02 Nov 2026 00:30:00 GMT"
    status, headers, body = get(url, {"If-None-Match": etag})
    assert (status, body) == (304, b"")
    assert headers["ETag"] == etag
    assert get(url, {"If-None-Match": f'"other", W/{etag}'})[0] == 304
    assert get(url, {"If-None-Match": '"other"'})[0] == 200


def test_if_modified_since(replica):
    url = replica.list_url("2007-2013")
    last_modified = get(url)[1]["Last-Modified"]
    assert last_modified == "Mon, 02 Nov 2026 01:15:00 GMT"
    assert get(url, {"If-Modified-Since": last_modified})[0] == 304
    assert get(url, {"If-Modified-Since": "Tue, 03 Nov 2026 00:00:00 GMT"})[0] == 304
    assert get(url, {"If-Modified-Since": "Sun, 01 Nov 2026 00:00:00 GMT"})[0] == 200
    # If-None-Match decides when both are sent (RFC 9110).
    assert get(url, {"If-None-Match": '"other"', "If-Modified-Since": last_modified})[0] == 200


def test_failures_come_before_304(replica):
    etag = get(replica.page_url("S20334"))[1]["ETag"]
    replica.failures["S20334"] = 1
    assert get(replica.page_url("S20334"), {"If-None-Match": etag})[0] == 503
    assert get(replica.page_url("S20334"), {"If-None-Match": etag})[0] == 304


# --- robots.txt --------------------------------------------------------------------------------


def test_robots_txt(replica):
    status, headers, body = get(replica.robots_url)
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain")
    assert body == b"User-agent: *\nDisallow:\n"
    replica.robots_txt = "User-agent: *\nDisallow: /eura2014/rrtiepa/projekti.php\n"
    assert get(replica.robots_url)[2] == b"User-agent: *\nDisallow: /eura2014/rrtiepa/projekti.php\n"
    replica.robots_status = 503
    assert get(replica.robots_url)[0] == 503
    replica.robots_txt = None
    replica.robots_status = 200
    assert get(replica.robots_url)[0] == 404


# --- harvest rounds ----------------------------------------------------------------------------


def _all_pages(replica: Replica) -> dict[str, tuple[str, str]]:
    """Every page of both sites (the lists and each listed code): its ETag and its text."""
    urls = {period: replica.list_url(period) for period in ("2007-2013", "2014-2020")}
    urls.update({code: replica.page_url(code) for code in CODES_2007 + CODES_2014 if code != "S20415"})
    pages = {}
    for name, url in urls.items():
        status, headers, body = get(url)
        assert status == 200, name
        encoding = headers["Content-Type"].split("charset=")[1]
        pages[name] = (headers["ETag"], page(body, encoding).text)
    return pages


def test_round_2_changes_one_description_and_every_footer_date():
    # Without the misbehaviours: every page answers at once.
    with Replica(behaviours=False) as replica:
        first = _all_pages(replica)
        replica.round = 2
        second = _all_pages(replica)
    for name in first:
        old_etag, old_text = first[name]
        new_etag, new_text = second[name]
        assert old_etag != new_etag, name
        old_date, new_date = FOOTER_DATE.findall(old_text), FOOTER_DATE.findall(new_text)
        assert len(old_date) == len(new_date) == 1 and old_date != new_date, name
        if name in ("S20999", "2014-2020"):
            continue
        assert FOOTER_DATE.sub("", old_text) == FOOTER_DATE.sub("", new_text), name
    # 2014–2020 is updated nightly, 2007–2013 weekly.
    assert FOOTER_DATE.findall(second["S20334"][1]) == [("3", "11", "2026", "02", "30")]
    assert FOOTER_DATE.findall(second["S10673"][1]) == [("9", "11", "2026", "03", "15")]
    old, new = FOOTER_DATE.sub("", first["S20999"][1]), FOOTER_DATE.sub("", second["S20999"][1])
    assert old.replace("Toteutunut EU- ja valtion rahoitus: 187 650", "Toteutunut EU- ja valtion rahoitus: 199 995").replace(
        "Toteutunut julkinen rahoitus yhteensä: 234 560", "Toteutunut julkinen rahoitus yhteensä: 246 905") == new
    assert old != new
    # The list shows the new figures in the changed project's row, and nothing else changes.
    old, new = FOOTER_DATE.sub("", first["2014-2020"][1]), FOOTER_DATE.sub("", second["2014-2020"][1])
    assert old.replace("187650", "199995").replace("234560", "246905") == new


def test_round_2_description_text(replica):
    round1 = replica.description_text("S20999")
    replica.round = 2
    assert replica.description_text("S20999") != round1
    assert replica.description_text("S20999", round=1) == round1
    assert "Toteutunut EU- ja valtion rahoitus: 199 995" in replica.description_text("S20999")
    assert replica.description_text("S20334") == replica.description_text("S20334", round=1)
    with pytest.raises(ValueError):
        replica.round = 0


def test_round_2_without_the_list_change():
    with Replica(behaviours=False, change_in_list=False) as replica:
        rows = replica.list_rows("2014-2020")
        replica.round = 2
        assert replica.list_rows("2014-2020") == rows
        assert "199 995" in replica.description_text("S20999")


# --- the request log ---------------------------------------------------------------------------


def test_request_log_records_headers_status_and_times(replica):
    before = time.monotonic()
    get(replica.robots_url)
    _, headers, _ = get(replica.page_url("S20334"))
    get(replica.page_url("S20334"), {"If-None-Match": headers["ETag"]})
    get(replica.page_url("S20503"))
    after = time.monotonic()
    log = replica.requests
    assert [(r.method, r.path, r.status) for r in log] == [
        ("GET", "/robots.txt", 200),
        ("GET", "/eura2014/rrtiepa/projekti.php?projektikoodi=S20334", 200),
        ("GET", "/eura2014/rrtiepa/projekti.php?projektikoodi=S20334", 304),
        ("GET", "/eura2014/rrtiepa/projekti.php?projektikoodi=S20503", 503),
    ]
    assert all(r.header("user-agent") == UA and r.headers["User-Agent"] == UA for r in log)
    assert [r.conditional for r in log] == [False, False, True, False]
    assert log[2].header("If-None-Match") == headers["ETag"]
    assert [r.code for r in log] == [None, "S20334", "S20334", "S20503"]
    # Monotonic times, one request after the other: none overlapped.
    assert before <= log[0].time and log[-1].finished <= after
    assert all(r.time <= r.finished for r in log)
    assert all(b.time >= a.finished for a, b in itertools.pairwise(log))
    replica.clear_requests()
    assert replica.requests == []


def test_request_log_shows_overlap_and_spacing():
    with Replica(delays={"S20555": 0.3}) as replica:
        threads = [threading.Thread(target=get, args=(replica.page_url("S20555"),)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        first, second = sorted(replica.requests, key=lambda r: r.time)
        # Two requests at once: the second arrived before the first was answered.
        assert second.time < first.finished
        replica.clear_requests()
        get(replica.page_url("S20334"))
        time.sleep(0.2)
        get(replica.page_url("S20334"))
        first, second = replica.requests
        assert second.time - first.finished >= 0.2


def test_keep_alive_connection_and_head(replica):
    # httpx keeps connections open: several requests on one connection must work.
    connection = http.client.HTTPConnection("127.0.0.1", replica.port, timeout=5)
    try:
        for code in ("S20334", "S21736"):
            connection.request("GET", f"/eura2014/rrtiepa/projekti.php?projektikoodi={code}", headers={"User-Agent": UA})
            answer = connection.getresponse()
            body = answer.read()
            assert answer.status == 200 and len(body) == int(answer.getheader("Content-Length"))
        connection.request("HEAD", "/eura2014/rrtiepa/projekti.php?projektikoodi=S20334")
        answer = connection.getresponse()
        assert answer.status == 200 and answer.read() == b""
    finally:
        connection.close()
    assert [r.method for r in replica.requests] == ["GET", "GET", "HEAD"]
