"""Test helper: a replica of the official structural-funds service, served on a loopback port.

Not part of the package. ``esr fetch`` harvests www.eura2007.fi and www.eura2014.fi, and no test
may reach the internet, so the harvester's tests start a :class:`Replica` instead::

    with Replica() as replica:
        base = replica.service_url("2014-2020")   # http://127.0.0.1:PORT/eura2014/rrtiepa/
        ...                                        # harvest it
        assert replica.requests[0].path == "/robots.txt"

Both periods are served by one server, under ``/eura2007/rrtiepa/`` and ``/eura2014/rrtiepa/``,
with ``/robots.txt`` at the root:

- ``projekti.php?projektikoodi=CODE``: the project's description inside the site's chrome (a
  header with the logo and the navigation, a footer with the ministry, the copyright line, the
  privacy link and "Sivu päivitetty D.M.YYYY klo HH.MM"). An unknown code answers 200 with the
  chrome and "Hanketta ei löytynyt", as the real site is believed to do.
- ``projektilista.php?rahasto=ALL``: one table of every project of the period (``rahasto=ESR``
  or ``EAKR`` gives that fund's rows), the columns of the service's CSV exports.

The content is the four corpus samples (S10673 and S10962 for 2007–2013, S20334 and S21736 for
2014–2020) and documents written by hand for this replica (made-up codes, made-up organisations,
valid-looking Y-tunnukset). The misbehaviours a polite harvester must survive (503, 429 with
``Retry-After``, a slow answer, a PDF, an oversize answer, robots.txt rules) are attributes of
the instance, each keyed by project code, so a test switches them on or off; see
:class:`Replica`. Harvest rounds (:attr:`Replica.round`) move every page's footer date (so every
ETag and Last-Modified) and, from round 2 on, change one description for real.

The description pages are written the way the service is known to write them (see
/work/shared/reference/README.md): 2014–2020 sections are ``div class="section"`` elements with
an ``h2``, subsections ``h3``, fields ``<p>Label: value</p>``; 2007–2013 descriptions sit in
``div class="description"`` with ``h2`` sections and ``h3`` subsections. Lines of one block of the
plain text (no blank line between them) are one ``p`` with ``<br>`` between the lines, so a
browser-like reading gives back exactly :meth:`Replica.description_text`.
"""

from __future__ import annotations

import datetime
import email.utils
import hashlib
import html
import re
import threading
import time
import traceback
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .render import SUB_HEADING, TOP_HEADING

CORPUS = Path(__file__).resolve().parent.parent / "corpus"

PERIODS = ("2007-2013", "2014-2020")
#: The first folder of each period's site in the replica (the real sites are separate hosts).
SITES = {"2007-2013": "eura2007", "2014-2020": "eura2014"}

#: The list table's columns: the headers of the service's CSV exports, in order.
LIST_HEADERS = {
    "2007-2013": (
        "Koodi", "Rahasto", "Projektin nimi", "Ohjelma / osio", "Tl", "Viranomainen", "Toiminnan tila",
        "Aloituspvm", "Päättymispvm", "Toteuttajan nimi", "Myönnetty EU- ja valtion rahoitus",
        "Toteutunut EU- ja valtion rahoitus", "Suunniteltu julkinen rahoitus yhteensä",
        "Toteutunut julkinen rahoitus yhteensä",
    ),
    "2014-2020": (
        "Koodi", "Rahasto", "Hankkeen nimi", "Tl", "Viranomainen", "Tila", "Aloituspvm", "Päättymispvm",
        "Toteuttajan nimi", "Myönnetty EU- ja valtion rahoitus", "Toteutunut EU- ja valtion rahoitus",
        "Suunniteltu julkinen rahoitus yhteensä", "Toteutunut julkinen rahoitus yhteensä",
    ),
}  # fmt: skip

# --- which code does what by default --------------------------------------------------------

#: 2007–2013 sample, UTF-8.
SAMPLE_2007_UTF8 = "S10673"
#: 2007–2013 sample served in ISO-8859-1.
SAMPLE_2007_LATIN1 = "S10962"
#: 2014–2020 sample, UTF-8.
SAMPLE_2014_UTF8 = "S20334"
#: 2014–2020 sample served in ISO-8859-1 (its one character outside Latin-1, ``”``, is written
#: ``&#8221;``, as a Latin-1 site must).
SAMPLE_2014_LATIN1 = "S21736"
#: Hand-written 2007–2013 description.
HAND_2007 = "S12001"
#: Hand-written 2014–2020 description with two co-implementers (one with an organisation type);
#: also the description that changes from round 2 on (:data:`CHANGING_CODE`).
CO_IMPLEMENTERS_CODE = "S20999"
#: Hand-written 2014–2020 description whose co-implementer list is empty (the heading alone).
EMPTY_CO_IMPLEMENTERS_CODE = "S21002"
#: Answers 503 the first :data:`FLAKY_FAILURES` times, then its (hand-written) description.
FLAKY_CODE = "S20503"
FLAKY_FAILURES = 2
#: Answers 429 with ``Retry-After: 1`` the first time, then its description.
RATE_LIMITED_CODE = "S20429"
#: Sleeps :data:`SLOW_SECONDS` before every answer (its description).
SLOW_CODE = "S20555"
SLOW_SECONDS = 1.0
#: Answers ``Content-Type: application/pdf`` (a small PDF), never a web page.
PDF_CODE = "S20415"
#: Listed, with an ordinary description, until a test asks for an oversize answer with
#: ``Replica(oversize={OVERSIZE_CODE: 25 * 2**20})``.
OVERSIZE_CODE = "S20777"
#: The EAKR project of each period's list: 2014–2020's has a description (EAKR title), the
#: 2007–2013 one answers the unknown-code page.
EAKR_CODES = {"2007-2013": "A32768", "2014-2020": "A70302"}
#: Listed but gone: the page answers 200 "Hanketta ei löytynyt".
GONE_CODES = {"2007-2013": "S10400", "2014-2020": "S20400"}
#: The description that really changes from round 2 on (both realised funding figures rise).
CHANGING_CODE = CO_IMPLEMENTERS_CODE
#: How much both realised funding figures of the changing project rise in round 2.
CHANGE_EUROS = 12_345

#: robots.txt allowing everything (the default).
ALLOW_ALL = "User-agent: *\nDisallow:\n"
#: The unknown-code page's heading (its only text besides the chrome).
NOT_FOUND_TEXT = "Hanketta ei löytynyt"

#: When each period's site was updated in round 1, in Finnish time (EET, UTC+2, in November),
#: and how far apart the rounds are: 2014–2020 is updated nightly, 2007–2013 weekly in the night
#: to Monday (both as the service says). Fixed dates keep the pages the same run after run; they
#: are in the past so that Last-Modified never lies ahead of Date.
FINNISH_TIME = datetime.timezone(datetime.timedelta(hours=2))
UPDATES = {
    "2007-2013": (datetime.datetime(2026, 11, 2, 3, 15, tzinfo=FINNISH_TIME), datetime.timedelta(days=7)),
    "2014-2020": (datetime.datetime(2026, 11, 2, 2, 30, tzinfo=FINNISH_TIME), datetime.timedelta(days=1)),
}

#: A tiny but well-formed-looking PDF, for the code that answers application/pdf.
PDF_BYTES = (
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)


# --- the documents -----------------------------------------------------------------------------


def blocks(text: str) -> list[list[str]]:
    """The blocks of a plain-text description as a browser shows them: runs of non-blank lines
    (white space collapsed), a numbered heading always a block of its own."""
    out: list[list[str]] = []
    current: list[str] = []
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if not line:
            if current:
                out.append(current)
            current = []
        elif TOP_HEADING.match(line) or SUB_HEADING.match(line):
            # A heading is an h2/h3 element: a block whatever the blank lines around it.
            if current:
                out.append(current)
            out.append([line])
            current = []
        else:
            current.append(line)
    if current:
        out.append(current)
    return out


def normalised(text: str) -> str:
    """``text`` as its page reads: blocks separated by one blank line; see :func:`blocks`."""
    return "\n\n".join("\n".join(block) for block in blocks(text))


def euros(amount: int) -> str:
    """Whole euros as the descriptions write them: ``458 937``."""
    return f"{amount:,}".replace(",", " ")


def _sample(code: str) -> str:
    return (CORPUS / f"{code}.txt").read_text(encoding="utf-8")


# The hand-written 2007–2013 description, in the layout of S10673 and S10962.
_S12001 = """Euroopan unioni

Vipuvoimaa EU:lta

Euroopan sosiaalirahaston (ESR) rahoittaman projektin kuvaus

1. Projekti

Projektikoodi: S12001

Projektin nimi: Verstaalta töihin - nuorten työpajapolku Keski-Suomessa

Osio: Länsi-Suomen suuralueosio

Toimintalinja: 2: Työllistymisen ja työmarkkinoilla pysymisen edistäminen sekä syrjäytymisen ehkäiseminen

Projektityyppi: Projekti, jossa on henkilöitä mukana

Suunnitelman mukainen toteutusaika: Alkaa 1.1.2011 ja päättyy 31.12.2013

Toiminnan tila: Toiminta päättynyt

Vastuuviranomainen: Keski-Suomen elinkeino-, liikenne- ja ympäristökeskus

2. Projektin toteuttaja

Toteuttajaorganisaation nimi: Jyväskylän Nuorisoverstas ry

Organisaatiotyyppi: Yhdistys

Y-tunnus: 3069781-4

Osoite: Vapaudenkatu 48

Puhelinnumero: 014-266 1200

Toteuttajaorganisaation Web-osoite: www.nuorisoverstas.fi

Projektin kotisivun osoite: www.nuorisoverstas.fi/tyopajapolku

Vastuuhenkilön nimi: Heikki Räsänen

Asema: projektipäällikkö

Sähköposti: heikki.rasanen(at)nuorisoverstas.fi

Puhelinnumero: 050-412 7788

3. Projektin toteutusalue ja kohderyhmän kuvaus

3.1 Maantieteellinen kohdealue

Maakunnat: Keski-Suomi

Seutukunnat: Jyväskylän, Äänekosken

Kunnat: Jyväskylä, Laukaa, Muurame, Äänekoski

3.2 Varsinaiset kohderyhmät

Projektin kohderyhmänä ovat 17-29-vuotiaat nuoret, jotka ovat jääneet peruskoulun jälkeen ilman opiskelupaikkaa tai keskeyttäneet ammatillisen koulutuksen.

3.3 Välilliset kohderyhmät

Välillisiä kohderyhmiä ovat alueen työpajat, oppilaitokset, työvoimatoimistot & sosiaalitoimet sekä nuoria työllistävät yritykset.

3.4 Aloittaneiden henkilöiden määrä

Suunniteltu: 90, joista naisia 40

Toteutunut seurantatietojen mukaan: 104, joista naisia 47

4. Projektin tavoitteet, tulokset ja vaikutukset

4.1 Uusien työpaikkojen määrä

Suunniteltu: 0, joista naisten työpaikkoja 0

Toteutunut seurantatietojen mukaan: 0, joista naisten työpaikkoja 0

4.2 Uusien yritysten määrä

Suunniteltu: 0, joista naisten perustamia 0

Toteutunut seurantatietojen mukaan: 0, joista naisten perustamia 0

4.3 Suoritettujen tutkintojen määrä

Suunniteltu: 10, joista naisten tutkintoja 4

Toteutunut seurantatietojen mukaan: 12, joista naisten tutkintoja 6

5. Suunnitelman mukainen tiivistelmä toteutuksesta

Projektissa rakennetaan työpajajakson ja ammatillisen koulutuksen välille polku, jota pitkin nuori etenee työpajalta oppisopimukseen, koulutukseen tai työhön.
Jokaiselle nuorelle laaditaan henkilökohtainen suunnitelma, ja valmentaja kulkee nuoren rinnalla vielä puoli vuotta työpajajakson päätyttyä.

Toteutettavat toimenpiteet:
Yksilövalmennus, työpajajaksot, tutustumiset oppilaitoksiin ja työpaikoille sekä yhteistyö työnantajien kanssa.

6. Tiedotus ja hyvien käytäntöjen levittäminen

6.1 Tiedotussuunnitelma

Projektista tiedotetaan alueen lehdissä, toteuttajan verkkosivuilla ja työpajojen yhteisissä tilaisuuksissa.

6.2 Suunnitelma hyvien käytäntöjen levittämisestä

Työpajapolun malli kuvataan käsikirjaksi, joka jaetaan Keski-Suomen työpajoille.

7. Projektin julkinen rahoitus, euroa

Myönnetty EU- ja valtion rahoitus: 352 000

Toteutunut EU- ja valtion rahoitus: 331 480

Suunniteltu julkinen rahoitus yhteensä: 440 000

Toteutunut julkinen rahoitus yhteensä: 414 350

8. Vastuuviranomaisen tekemä projektin luokittelu

8.1 Horisontaalinen luokittelu

Tasa-arvo: Tasa-arvopainotteinen projekti

Kestävä kehitys: Projektilla ei ole erityistä vaikutusta kestävän kehityksen kannalta

Kumppanuus: Kumppanuutta selvästi edistävä projekti

Innovatiivisuus: Selvästi innovatiivisia tuloksia tuottava projekti

9. Loppuraportin tiivistelmä

Projektin aikana työpajapolulle osallistui 104 nuorta, joista 61 siirtyi koulutukseen, oppisopimukseen tai työhön.
Työpajapolun malli on otettu käyttöön Jyväskylän, Laukaan ja Äänekosken työpajoilla.
"""


#: The sustainability table of the hand-written 2014–2020 descriptions, as S20334 writes it
#: (a table on the page, read as lines): each row's direct and indirect scores, then a reason.
_SUSTAINABILITY = "\n".join(
    ["VälitönVälillinen", "Ekologinen kestävyys"]
    + [f"{row} 0 0\nhankkeella ei vaikutusta" for row in (
        "Luonnonvarojen käytön kestävyys", "Ilmastonmuutoksen aiheuttamien riskien vähentäminen",
        "Kasvillisuus, eliöt ja luonnon monimuotoisuus",
        "Pinta- ja pohjavedet, maaperä sekä ilma (ja kasvihuonekaasujen väheneminen)", "Natura 2000 -ohjelman kohteet")]
    + ["Taloudellinen kestävyys"]
    + [f"{row} 0 0\nhankkeella ei vaikutusta" for row in (
        "Materiaalit ja jätteet", "Uusiutuvien energialähteiden käyttö", "Paikallisen elinkeinorakenteen kestävä kehittäminen",
        "Aineettomien tuotteiden ja palvelujen kehittäminen", "Liikkuminen ja logistiikka")]
    + ["Sosiaalinen ja kulttuurinen kestävyys sekä yhdenvertaisuus",
       "Hyvinvoinnin edistäminen 5 5", "Hankkeen toimenpiteet kohdistuvat suoraan tähän tavoitteeseen."]
    + [f"{row} 0 0\nhankkeella ei vaikutusta" for row in (
        "Tasa-arvon edistäminen", "Yhteiskunnallinen ja kulttuurinen yhdenvertaisuus", "Kulttuuriympäristö", "Ympäristöosaaminen")]
)


def _document_2014(d: Mapping) -> str:
    """A hand-written 2014–2020 description in the layout of S20334 and S21736, from ``d``.

    ``d["co_implementers"]``: ``None`` writes no ``Osatoteuttajat`` at all (as S20334 does), a
    list writes the line ``Osatoteuttajat`` alone, a blank line, then one line per
    co-implementer (the list may be empty: the heading alone).
    """
    fund_name = {"ESR": "Euroopan sosiaalirahaston (ESR)", "EAKR": "Euroopan aluekehitysrahaston (EAKR)"}[d["fund"]]
    granted, realised, planned, public_realised = d["amounts"]
    lines = [
        "Euroopan unioni Vipuvoimaa EU:lta",
        f"{fund_name} rahoittaman hankkeen kuvaus",
        "1 Hanke",
        f"Hankekoodi: {d['code']}",
        f"Hankkeen nimi: {d['name']}",
        f"Toimintalinja: {d['axis_text']}",
        f"Erityistavoite: {d['objective']}",
        f"Suunnitelman mukainen toteutusaika: Alkaa {d['start']} ja päättyy {d['end']}",
        f"Toiminnan tila: {d['status']}",
        f"Vastuuviranomainen: {d['authority']}",
        "2 Hakijan perustiedot",
        f"Hakijan virallinen nimi: {d['implementer']}",
        f"Organisaatiotyyppi: {d['org_type']}",
        f"Y-tunnus: {d['business_id']}",
        f"Jakeluosoite: {d['street']}",
        f"Puhelinnumero: {d['phone']}",
        f"Postinumero: {d['postal_code']}",
        f"Postitoimipaikka: {d['city']}",
        f"WWW-osoite: {d['www']}",
        f"Hankkeen yhteyshenkilön nimi: {d['contact']}",
        f"Yhteyshenkilön asema hakijaorganisaatiossa: {d['contact_title']}",
        f"Yhteyshenkilön sähköpostisoite: {d['email']}",
        f"Yhteyshenkilön puhelinnumero: {d['contact_phone']}",
        f"Hakijoiden lukumäärä tai tuen siirto -menettely: {d['applicants']}",
    ]
    text = "\n\n".join(lines) + "\n\n"
    if d.get("co_implementers") is not None:
        text += "Osatoteuttajat\n\n"
        if d["co_implementers"]:
            # One co-implementer a line, no blank lines between them: one <p> with <br>s.
            text += "\n".join(d["co_implementers"]) + "\n\n"
    text += "\n\n".join([
        "3 Suunnitelman mukainen tiivistelmä toteutuksesta",
        d["summary"],
        "4 Hankkeen kohderyhmät",
        "4.1 Varsinaiset kohderyhmät",
        d["primary"],
        "4.2 Välilliset kohderyhmät",
        d["indirect"],
        "5 Projektin julkinen rahoitus, euroa",
        f"Myönnetty EU- ja valtion rahoitus: {euros(granted)}",
        f"Toteutunut EU- ja valtion rahoitus: {euros(realised)}",
        f"Suunniteltu julkinen rahoitus yhteensä: {euros(planned)}",
        f"Toteutunut julkinen rahoitus yhteensä: {euros(public_realised)}",
        "6 Maantieteellinen kohdealue",
        f"Maakunnat: {d['regions']}",
        f"Seutukunnat: {d['subregions']}",
        f"Kunnat: {d['municipalities']}",
        "7 Hakemusvaiheessa ilmoitettavat arviot hankekohtaisista seurantiedoista",
        "7.1 Osallistuvien yritysten lukumäärä",
        f"Suunniteltu: {d['companies'][0]}",
        f"Toteutunut seurantatietojen mukaan: {d['companies'][1]}",
        "7.2 Osallistuvien henkilöiden lukumäärä",
        f"Suunniteltu: {d['people']}",
        "8 Horisontaaliset periaatteet",
        "8.1 Sukupuolten tasa-arvo",
        (
            "Hankkeessa on tehty toimintaympäristön analyysi sukupuolinäkökulmasta: Kyllä\n"
            "Sukupuolinäkökulma on huomioitu hankkeen toiminnassa (valtavirtaistaminen): Kyllä\n"
            "Hankkeen päätavoite on sukupuolten tasa-arvon edistäminen: Ei"
        ),
        "8.2 Kestävä kehitys",
        _SUSTAINABILITY,
    ])
    if d.get("final_report"):
        text += "\n\n9 Loppuraportin tiivistelmä\n\n" + d["final_report"]
    return text + "\n"


#: The hand-written 2014–2020 documents (made-up codes, organisations and people).
_HAND_2014: list[dict] = [
    {
        "code": "S20999", "fund": "ESR", "name": "Osaajapolku Keski-Suomi", "tl": "3",
        "axis_text": "3. Työllisyys ja työvoiman liikkuvuus",
        "objective": "7.1. Nuorten ja pitkäaikaistyöttömien työllistymisen edistäminen",
        "start": "1.9.2020", "end": "31.8.2023", "status": "Toiminnassa",
        "authority": "Keski-Suomen elinkeino-, liikenne- ja ympäristökeskus",
        "implementer": "Jyväskylän Kehitysyhdistys ry", "org_type": "Muu järjestö tai yhdistys",
        "business_id": "2979088-6", "street": "Kauppakatu 12", "phone": "0401234567",
        "postal_code": "40100", "city": "Jyväskylä", "www": "http://www.jyvaskylankehitys.fi",
        "contact": "Maija Meikäläinen", "contact_title": "Projektipäällikkö",
        "email": "maija.meikalainen(at)jyvaskylankehitys.fi", "contact_phone": "0401234568",
        "applicants": "Useampi hakija (yhteishanke)",
        "co_implementers": ["Jyväskylän kaupunki, Kunta, 0208201-1", "Keski-Suomen Työpajayhdistys ry, 2925315-9"],
        "summary": "Tavoitteet\nHanke tukee pitkään työttömänä olleiden jyväskyläläisten siirtymistä työhön tai koulutukseen.\n\n"
                   "Toimenpiteet\nYksilövalmennus, työkokeilut yrityksissä ja yhteistyö työpajojen kanssa.",
        "primary": "Yli vuoden työttömänä olleet, erityisesti yli 50-vuotiaat.",
        "indirect": "Alueen yritykset, työpajat ja TE-toimisto.",
        "amounts": (412_000, 187_650, 515_000, 234_560),
        "regions": "Keski-Suomi", "subregions": "Jyväskylän", "municipalities": "Jyväskylä, Muurame",
        "companies": (12, 7), "people": 150,
    },
    {
        "code": "S21002", "fund": "ESR", "name": "Arjen avaimet Pohjois-Karjalassa", "tl": "5",
        "axis_text": "5. Sosiaalinen osallisuus ja köyhyyden torjunta",
        "objective": "10.1. Työelämän ulkopuolella olevien työ- ja toimintakyvyn parantaminen",
        "start": "1.1.2019", "end": "31.12.2021", "status": "Toiminta päättynyt",
        "authority": "Pohjois-Savon elinkeino-, liikenne- ja ympäristökeskus",
        "implementer": "Pohjois-Karjalan Arkiapu ry", "org_type": "Muu järjestö tai yhdistys",
        "business_id": "2937977-1", "street": "Siltakatu 9", "phone": "0132671100",
        "postal_code": "80100", "city": "Joensuu", "www": "http://www.arkiapu.fi",
        "contact": "Päivi Hyvärinen", "contact_title": "Toiminnanjohtaja",
        "email": "paivi.hyvarinen(at)arkiapu.fi", "contact_phone": "0451237890",
        "applicants": "Vain yksi hakija",
        # The page writes the heading even when the list is empty.
        "co_implementers": [],
        "summary": "Hanke vahvistaa työelämän ulkopuolella olevien joensuulaisten arjenhallintaa ja toimintakykyä ryhmätoiminnan ja yksilöohjauksen avulla.",
        "primary": "Työelämän ulkopuolella olevat työikäiset joensuulaiset.",
        "indirect": "Kunnan sosiaalipalvelut ja alueen järjestöt.",
        "amounts": (198_400, 176_312, 248_000, 220_390),
        "regions": "Pohjois-Karjala", "subregions": "Joensuun", "municipalities": "Joensuu, Kontiolahti",
        "companies": (0, 0), "people": 120,
        "final_report": "Hankkeen ryhmiin ja ohjaukseen osallistui 131 henkilöä. Toimintamalli jatkuu yhdistyksen omana toimintana.",
    },
    {
        "code": "S20503", "fund": "ESR", "name": "Työkykypolku Etelä-Pohjanmaalla", "tl": "5",
        "axis_text": "5. Sosiaalinen osallisuus ja köyhyyden torjunta",
        "objective": "10.1. Työelämän ulkopuolella olevien työ- ja toimintakyvyn parantaminen",
        "start": "1.3.2018", "end": "28.2.2021", "status": "Toiminta päättynyt",
        "authority": "Etelä-Pohjanmaan elinkeino-, liikenne- ja ympäristökeskus",
        "implementer": "Etelä-Pohjanmaan Työkykyverkosto ry", "org_type": "Muu järjestö tai yhdistys",
        "business_id": "3180956-6", "street": "Koulukatu 20", "phone": "0642112233",
        "postal_code": "60100", "city": "Seinäjoki", "www": "http://www.tyokykyverkosto.fi",
        "contact": "Jussi Mäkelä", "contact_title": "Hankepäällikkö",
        "email": "jussi.makela(at)tyokykyverkosto.fi", "contact_phone": "0401112233",
        "applicants": "Vain yksi hakija", "co_implementers": None,
        "summary": "Hanke kokoaa työkyvyn arvioinnin ja tuen palvelut yhdeksi poluksi Seinäjoen seudulla.",
        "primary": "Työttömät, joiden työkyky on heikentynyt.",
        "indirect": "Terveydenhuolto, TE-palvelut ja Kela.",
        "amounts": (240_000, 231_118, 300_000, 288_897),
        "regions": "Etelä-Pohjanmaa", "subregions": "Seinäjoen", "municipalities": "Seinäjoki, Ilmajoki",
        "companies": (0, 0), "people": 180,
        "final_report": "Polulle ohjautui 196 asiakasta; heistä 58 siirtyi kuntoutukseen ja 31 työhön tai koulutukseen.",
    },
    {
        "code": "S20429", "fund": "ESR", "name": "Digiarki Kainuussa", "tl": "5",
        "axis_text": "5. Sosiaalinen osallisuus ja köyhyyden torjunta",
        "objective": "10.1. Työelämän ulkopuolella olevien työ- ja toimintakyvyn parantaminen",
        "start": "1.8.2017", "end": "31.7.2019", "status": "Toiminta päättynyt",
        "authority": "Kainuun elinkeino-, liikenne- ja ympäristökeskus",
        "implementer": "Kainuun Digitukiyhdistys ry", "org_type": "Muu järjestö tai yhdistys",
        "business_id": "2949351-5", "street": "Kauppakatu 3", "phone": "0861554400",
        "postal_code": "87100", "city": "Kajaani", "www": "http://www.digituki-kainuu.fi",
        "contact": "Anni Heikkinen", "contact_title": "Projektikoordinaattori",
        "email": "anni.heikkinen(at)digituki-kainuu.fi", "contact_phone": "0445556677",
        "applicants": "Vain yksi hakija", "co_implementers": None,
        "summary": "Hanke opastaa työelämän ulkopuolella olevia kainuulaisia verkkoasioinnissa ja digitaalisten palvelujen käytössä.",
        "primary": "Työttömät ja muut työelämän ulkopuolella olevat, joilla on vähän digitaitoja.",
        "indirect": "Kuntien palvelupisteet ja kirjastot.",
        "amounts": (150_000, 142_760, 187_500, 178_450),
        "regions": "Kainuu", "subregions": "Kajaanin", "municipalities": "Kajaani, Sotkamo",
        "companies": (0, 0), "people": 220,
        "final_report": "Opastusta sai 264 henkilöä. Opastuspisteet jatkavat kirjastojen yhteydessä.",
    },
    {
        "code": "S20555", "fund": "ESR", "name": "Ohjaamo Lappi", "tl": "3",
        "axis_text": "3. Työllisyys ja työvoiman liikkuvuus",
        "objective": "7.1. Nuorten ja pitkäaikaistyöttömien työllistymisen edistäminen",
        "start": "1.1.2016", "end": "31.12.2018", "status": "Toiminta päättynyt",
        "authority": "Lapin elinkeino-, liikenne- ja ympäristökeskus",
        "implementer": "Lapin Nuorisopalvelut ry", "org_type": "Muu järjestö tai yhdistys",
        "business_id": "3091726-6", "street": "Koskikatu 25", "phone": "0163224455",
        "postal_code": "96200", "city": "Rovaniemi", "www": "http://www.nuorisopalvelut-lappi.fi",
        "contact": "Eetu Hänninen", "contact_title": "Projektipäällikkö",
        "email": "eetu.hanninen(at)nuorisopalvelut-lappi.fi", "contact_phone": "0409988776",
        "applicants": "Vain yksi hakija", "co_implementers": None,
        "summary": "Matalan kynnyksen ohjauspiste alle 30-vuotiaille: neuvontaa opiskeluun, työhön ja arkeen yhdestä paikasta.",
        "primary": "Alle 30-vuotiaat rovaniemeläiset nuoret.",
        "indirect": "Oppilaitokset, TE-toimisto ja nuorisopalvelut.",
        "amounts": (330_000, 318_204, 412_500, 397_755),
        "regions": "Lappi", "subregions": "Rovaniemen", "municipalities": "Rovaniemi",
        "companies": (5, 9), "people": 600,
        "final_report": "Ohjaamossa asioi hankkeen aikana 1 870 nuorta. Toiminta vakinaistettiin kaupungin palveluksi.",
    },
    {
        "code": "S20415", "fund": "ESR", "name": "Kotoutumisen kumppanuudet Pirkanmaalla", "tl": "5",
        "axis_text": "5. Sosiaalinen osallisuus ja köyhyyden torjunta",
        "objective": "10.2. Syrjinnän vastaiset toimet",
        "start": "1.5.2016", "end": "30.4.2018", "status": "Toiminta päättynyt",
        "authority": "Hämeen elinkeino-, liikenne- ja ympäristökeskus",
        "implementer": "Pirkanmaan Kotoutumisverkosto ry", "org_type": "Muu järjestö tai yhdistys",
        "business_id": "2930408-3", "street": "Hämeenkatu 30", "phone": "0332145678",
        "postal_code": "33200", "city": "Tampere", "www": "http://www.kotoutumisverkosto.fi",
        "contact": "Leila Nieminen", "contact_title": "Koordinaattori",
        "email": "leila.nieminen(at)kotoutumisverkosto.fi", "contact_phone": "0504433221",
        "applicants": "Vain yksi hakija", "co_implementers": None,
        "summary": "Hanke kokoaa järjestöt ja viranomaiset tukemaan maahanmuuttajien kotoutumista Tampereen seudulla.",
        "primary": "Maahanmuuttajat, jotka ovat työelämän ulkopuolella.",
        "indirect": "Järjestöt ja kuntien kotoutumispalvelut.",
        "amounts": (180_000, 171_002, 225_000, 213_752),
        "regions": "Pirkanmaa", "subregions": "Tampereen", "municipalities": "Tampere",
        "companies": (0, 0), "people": 140,
        "final_report": "Kumppanuusverkostoon liittyi 23 järjestöä.",
    },
    {
        "code": "S20777", "fund": "ESR", "name": "Osaamisen tulevaisuus Uudellamaalla", "tl": "4",
        "axis_text": "4. Koulutus, ammattitaito ja elinikäinen oppiminen",
        "objective": "9.2. Työvoiman osaamistason parantaminen",
        "start": "1.2.2019", "end": "31.1.2022", "status": "Toiminta päättynyt",
        "authority": "Uudenmaan elinkeino-, liikenne- ja ympäristökeskus",
        "implementer": "Uudenmaan Osaamisverkosto ry", "org_type": "Muu järjestö tai yhdistys",
        "business_id": "3166042-3", "street": "Mannerheimintie 10", "phone": "0912345678",
        "postal_code": "00100", "city": "Helsinki", "www": "http://www.osaamisverkosto.fi",
        "contact": "Sanna Virtanen", "contact_title": "Projektipäällikkö",
        "email": "sanna.virtanen(at)osaamisverkosto.fi", "contact_phone": "0407766554",
        "applicants": "Vain yksi hakija", "co_implementers": None,
        "summary": "Hanke ennakoi pk-yritysten osaamistarpeita ja järjestää työntekijöille lyhytkoulutuksia.",
        "primary": "Pk-yritysten työntekijät, joiden tehtävät muuttuvat.",
        "indirect": "Yritykset ja oppilaitokset.",
        "amounts": (520_000, 498_611, 650_000, 623_264),
        "regions": "Uusimaa", "subregions": "Helsingin", "municipalities": "Helsinki, Vantaa",
        "companies": (40, 46), "people": 400,
        "final_report": "Lyhytkoulutuksiin osallistui 455 työntekijää 46 yrityksestä.",
    },
    {
        "code": "A70302", "fund": "EAKR", "tl": "2",
        "name": "INKA-Uudet tekniikat sähköverkon vikatilanteiden ja hajautetun tuotannon hallinnassa",
        "axis_text": "2. Uusimman tiedon ja osaamisen tuottaminen ja hyödyntäminen",
        "objective": "4.1. Tutkimus-, osaamis- ja innovaatiokeskittymien kehittäminen",
        "start": "1.3.2015", "end": "28.2.2017", "status": "Toiminnassa",
        "authority": "Innovaatiorahoituskeskus Tekes",
        "implementer": "Lappeenrannan teknillinen yliopisto", "org_type": "Yliopisto",
        "business_id": "0245904-2", "street": "PL 20", "phone": "0294462111",
        "postal_code": "53851", "city": "Lappeenranta", "www": "http://www.lut.fi",
        "contact": "Tero Tutkija", "contact_title": "Professori",
        "email": "tero.tutkija(at)lut.fi", "contact_phone": "0401010101",
        "applicants": "Vain yksi hakija", "co_implementers": None,
        "summary": "Hankkeessa kehitetään sähköverkon vikatilanteiden hallinnan menetelmiä hajautetun tuotannon verkoissa.",
        "primary": "Sähköverkkoyhtiöt ja laitevalmistajat.",
        "indirect": "Alueen yritykset.",
        "amounts": (280_000, 57_227, 319_258, 59_451),
        "regions": "Etelä-Karjala", "subregions": "Lappeenrannan", "municipalities": "Lappeenranta",
        "companies": (6, 4), "people": 0,
    },
]  # fmt: skip


@dataclass(frozen=True)
class Project:
    """One row of a period's list, and the description its page shows (``None``: no page, the
    code answers the unknown-code page).

    ``amounts`` are the list's four figures in column order: EU and state funding granted and
    realised, public funding planned and realised.
    """

    period: str
    code: str
    fund: str
    name: str
    axis: str
    authority: str
    status: str
    start: str
    end: str
    implementer: str
    amounts: tuple[int, int, int, int]
    text: str | None
    #: "Ohjelma / osio" (2007–2013 lists only).
    section: str | None = None


def _projects() -> list[Project]:
    """Every listed project of both periods, in list order."""
    p7, p14 = PERIODS
    projects = [
        Project(p7, "S10673", "ESR", "KUNTSARI -ponnahduslauta välityömarkkinoille", "2",
                "Keski-Suomen elinkeino-, liikenne- ja ympäristökeskus", "Toiminta päättynyt", "1.9.2008",
                "31.12.2010", "Jupiter-säätiö", (170_000, 162_158, 204_820, 196_299), _sample("S10673"),
                "Länsi-Suomen suuralueosio"),
        Project(p7, "S10962", "ESR", "Asumisen tuki työllistymisen edistäjänä (ATTE)", "2",
                "Etelä-Savon elinkeino-, liikenne- ja ympäristökeskus", "Toiminta päättynyt", "1.7.2009",
                "31.8.2012", "Kuopion Kaupunki", (560_897, 517_750, 640_962, 593_048), _sample("S10962"),
                "Itä-Suomen suuralueosio"),
        Project(p7, "S12001", "ESR", "Verstaalta töihin - nuorten työpajapolku Keski-Suomessa", "2",
                "Keski-Suomen elinkeino-, liikenne- ja ympäristökeskus", "Toiminta päättynyt", "1.1.2011",
                "31.12.2013", "Jyväskylän Nuorisoverstas ry", (352_000, 331_480, 440_000, 414_350), _S12001,
                "Länsi-Suomen suuralueosio"),
        # Listed but gone: the list still has it, its page says "Hanketta ei löytynyt".
        Project(p7, "S10400", "ESR", "Nuorten työpajatoiminnan kehittäminen Itä-Uudellamaalla", "2",
                "Uudenmaan elinkeino-, liikenne- ja ympäristökeskus", "Toiminta päättynyt", "1.2.2008",
                "31.1.2010", "Porvoon kaupunki", (120_000, 98_765, 150_000, 123_456), None,
                "Etelä-Suomen suuralueosio"),
        # A real EAKR row of the 2007–2013 list; EAKR pages are not in the replica.
        Project(p7, "A32768", "EAKR", "Tutkimusta tukevat innovaatiopalvelut TUTUIN", "2", "Pirkanmaan liitto",
                "Toiminta päättynyt", "1.1.2014", "31.12.2014", "Tampereen yliopisto",
                (118_800, 118_800, 198_000, 197_999), None, "Länsi-Suomi"),
        Project(p14, "S20334", "ESR", "Osallistavan sosiaalisen tuen kehittämishanke", "5",
                "Etelä-Savon elinkeino-, liikenne- ja ympäristökeskus", "Toiminta päättynyt", "1.9.2015",
                "31.8.2017", "Kuopion kaupunki", (458_937, 348_690, 655_623, 498_128), _sample("S20334")),
        Project(p14, "S21736", "ESR", "Back up!", "5", "Pohjois-Pohjanmaan elinkeino-, liikenne- ja ympäristökeskus",
                "Toiminta päättynyt", "1.7.2019", "30.6.2022", "KRIS-Oulu ry", (323_626, 316_345, 374_194, 366_952),
                _sample("S21736")),
    ]
    for d in _HAND_2014:
        projects.append(Project(p14, d["code"], d["fund"], d["name"], d["tl"], d["authority"], d["status"], d["start"],
                                d["end"], d["implementer"], d["amounts"], _document_2014(d)))
    projects.append(
        Project(p14, "S20400", "ESR", "Hyvinvointia työpaikoille", "4", "Varsinais-Suomen elinkeino-, liikenne- ja ympäristökeskus",
                "Toiminta päättynyt", "1.1.2016", "31.12.2017", "Turun kaupunki", (99_000, 87_654, 123_750, 109_567), None)
    )
    return projects


_REALISED_LINE = re.compile(r"^((?:Toteutunut EU- ja valtion rahoitus|Toteutunut julkinen rahoitus yhteensä): )([\d ]+)$", re.MULTILINE)


def changed_text(text: str) -> str:
    """The round-2 description: both realised funding figures ``CHANGE_EUROS`` higher."""
    def rise(match: re.Match) -> str:
        return match.group(1) + euros(int(match.group(2).replace(" ", "")) + CHANGE_EUROS)

    new, count = _REALISED_LINE.subn(rise, text)
    if count != 2:
        raise ValueError("the changing description must have both realised funding lines")
    return new


# --- the request log ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One request the replica answered."""

    #: ``time.monotonic()`` when the request (line and headers) had arrived.
    time: float
    #: ``time.monotonic()`` just before the last bytes of the answer were written: the client
    #: cannot have the whole answer before it, so a sequential client's next request always
    #: has ``time >= `` this.
    finished: float
    method: str
    #: The path with the query, as sent (``/eura2014/rrtiepa/projekti.php?projektikoodi=S20334``).
    path: str
    #: The request headers as sent (names as the client spelt them); see :meth:`header`.
    headers: dict[str, str]
    #: The status answered (the status is logged even when the client went away mid-answer).
    status: int

    def header(self, name: str) -> str | None:
        """A request header by name, whatever its case; ``None`` when not sent."""
        wanted = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == wanted), None)

    @property
    def conditional(self) -> bool:
        """Whether the request carried ``If-None-Match`` or ``If-Modified-Since``."""
        return self.header("If-None-Match") is not None or self.header("If-Modified-Since") is not None

    @property
    def code(self) -> str | None:
        """The ``projektikoodi`` asked for, or ``None``."""
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        return query.get("projektikoodi", [None])[0]


@dataclass
class _Answer:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    #: Send the body with chunked transfer coding and no Content-Length.
    chunked: bool = False
    delay: float = 0.0


_REASONS = {200: "OK", 304: "Not Modified", 404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error",
            503: "Service Unavailable", 405: "Method Not Allowed"}


# --- the replica -------------------------------------------------------------------------------


def list_key(period: str) -> str:
    """The key that stands for a period's list page in :attr:`Replica.failures`,
    :attr:`Replica.rate_limits` and :attr:`Replica.delays` (``"list:2014-2020"``)."""
    return f"list:{period}"


class Replica:
    """The service's replica on ``127.0.0.1``, a context manager (or :meth:`start` / :meth:`close`).

    Every behaviour is a constructor argument and an attribute of the same name, which a test
    may change at any time (the next request sees it). Keys of the per-code mappings are
    project codes, or :func:`list_key` for a period's list page.

    - ``round`` (1): the harvest round; see the :attr:`round` property.
    - ``failures`` ({``S20503``: 2}): code -> how many more requests answer 503; each such
      answer takes one off (set it again to re-arm).
    - ``rate_limits`` ({``S20429``: 1}): code -> how many more requests answer 429 with a
      ``Retry-After: <retry_after>`` header; each takes one off. A code in both mappings
      answers 503 first.
    - ``retry_after`` ("1"): the ``Retry-After`` value of a 429 (seconds, or an HTTP date).
    - ``delays`` ({``S20555``: 1.0}): code -> seconds slept before every answer.
    - ``pdf_codes`` ({``S20415``}): codes whose page answers ``application/pdf`` (a small PDF).
    - ``oversize`` ({}): code -> size in bytes of a ``text/html`` answer made of the page and
      filler paragraphs (e.g. ``{"S20777": 25 * 2**20}``).
    - ``oversize_chunked`` (False): send oversize answers chunked, with no Content-Length, so
      only counting the bytes read can find them too large.
    - ``robots_txt`` (:data:`ALLOW_ALL`): the text of ``/robots.txt``; ``None`` answers 404.
      E.g. ``"User-agent: *\\nDisallow: /eura2014/rrtiepa/projekti.php\\n"``.
    - ``robots_status`` (200): the status of ``/robots.txt`` (e.g. 503: the server in trouble).
    - ``encodings`` ({``S10962``: iso-8859-1, ``S21736``: iso-8859-1}): code -> the encoding
      its page is served in (declared in ``<meta charset>`` and in the Content-Type); the
      other pages are UTF-8.
    - ``list_encodings`` ({"2007-2013": "iso-8859-1"}): the same for the list pages.
    - ``changing_code`` (``S20999``): the description that changes from round 2 on.
    - ``change_in_list`` (True): from round 2 on the changing project's list row shows the new
      realised figures too (the list then really changes); False keeps the row as in round 1.
    - ``behaviours`` (True): False leaves the defaults of ``failures``, ``rate_limits``,
      ``delays`` and ``pdf_codes`` empty, for tests that want a well-behaved service (explicit
      arguments still count).

    Every 200 answer of a project or list page (the PDF and oversize ones too) carries an
    ``ETag`` (a hash of its bytes) and ``Last-Modified`` (the period's update time of the
    round), and a request whose ``If-None-Match`` matches, or (without ``If-None-Match``) whose
    ``If-Modified-Since`` is not older than Last-Modified, answers 304 without a body. 503 and 429
    answers come before the conditional check, as a server in trouble gives no 304.

    :attr:`requests` is the log of every request answered (robots.txt included); :attr:`errors`
    holds the tracebacks of any exception in the replica itself (a test should find it empty).
    """

    def __init__(
        self,
        *,
        round: int = 1,
        failures: Mapping[str, int] | None = None,
        rate_limits: Mapping[str, int] | None = None,
        retry_after: str = "1",
        delays: Mapping[str, float] | None = None,
        pdf_codes: Iterable[str] | None = None,
        oversize: Mapping[str, int] | None = None,
        oversize_chunked: bool = False,
        robots_txt: str | None = ALLOW_ALL,
        robots_status: int = 200,
        encodings: Mapping[str, str] | None = None,
        list_encodings: Mapping[str, str] | None = None,
        changing_code: str = CHANGING_CODE,
        change_in_list: bool = True,
        behaviours: bool = True,
    ) -> None:
        def default(given, value):
            if given is not None:
                return given
            return value if behaviours else type(value)()

        self.failures: dict[str, int] = dict(default(failures, {FLAKY_CODE: FLAKY_FAILURES}))
        self.rate_limits: dict[str, int] = dict(default(rate_limits, {RATE_LIMITED_CODE: 1}))
        self.retry_after = retry_after
        self.delays: dict[str, float] = dict(default(delays, {SLOW_CODE: SLOW_SECONDS}))
        self.pdf_codes: set[str] = set(default(pdf_codes, {PDF_CODE}))
        self.oversize: dict[str, int] = dict(oversize or {})
        self.oversize_chunked = oversize_chunked
        self.robots_txt = robots_txt
        self.robots_status = robots_status
        self.encodings: dict[str, str] = dict(encodings if encodings is not None else {SAMPLE_2007_LATIN1: "iso-8859-1", SAMPLE_2014_LATIN1: "iso-8859-1"})
        self.list_encodings: dict[str, str] = dict(list_encodings if list_encodings is not None else {"2007-2013": "iso-8859-1"})
        self.change_in_list = change_in_list
        self._projects = {p.code: p for p in _projects()}
        if changing_code not in self._projects or self._projects[changing_code].text is None:
            raise ValueError(f"{changing_code!r} has no description to change")
        changed_text(self._projects[changing_code].text)  # fails now, not in a request, if it cannot change
        self.changing_code = changing_code
        self.round = round
        self._lock = threading.Lock()
        self._requests: list[Request] = []
        self.errors: list[str] = []
        self._oversize_cache: dict[tuple[str, int, int], bytes] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- the server

    def start(self) -> Replica:
        """Start serving on 127.0.0.1 (a free port) in a daemon thread; returns ``self``."""
        if self._server is not None:
            return self
        handler = type("ReplicaHandler", (_Handler,), {"replica": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="replica", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving and free the port (requests still sleeping are abandoned)."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Replica:  # noqa: PYI034 - a plain class, never subclassed
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def port(self) -> int:
        """The port the replica listens on (it must be started)."""
        if self._server is None:
            raise RuntimeError("the replica is not started")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        return f"http://127.0.0.1:{self.port}"

    def service_url(self, period: str) -> str:
        """The period's service folder, as ``esr fetch --service-2007/--service-2014`` wants it:
        ``http://127.0.0.1:PORT/eura2014/rrtiepa/`` (with the trailing slash)."""
        return f"{self.base_url}/{SITES[self._period(period)]}/rrtiepa/"

    def page_url(self, code: str) -> str:
        """The project page of a listed code (its period is the one whose list holds it)."""
        return self.service_url(self.project(code).period) + "projekti.php?projektikoodi=" + urllib.parse.quote(code)

    def list_url(self, period: str) -> str:
        """The period's list page, ``.../projektilista.php?rahasto=ALL``."""
        return self.service_url(period) + "projektilista.php?rahasto=ALL"

    @property
    def robots_url(self) -> str:
        """``http://127.0.0.1:PORT/robots.txt``."""
        return f"{self.base_url}/robots.txt"

    # ---- rounds

    @property
    def round(self) -> int:
        """The harvest round (1 at first). Every round moves each site's update time (round 1:
        2.11.2026; 2014–2020 one day a round, 2007–2013 one week), so every page's footer date,
        bytes, ETag and Last-Modified change; from round 2 on the description of
        ``changing_code`` has both realised funding figures :data:`CHANGE_EUROS` higher (and its
        list row too, when ``change_in_list``). Nothing else changes."""
        return self._round

    @round.setter
    def round(self, value: int) -> None:
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"a round is a whole number from 1 on, not {value!r}")
        self._round = value

    def updated(self, period: str, round: int | None = None) -> datetime.datetime:
        """When the period's site was updated in ``round`` (the current one by default): the
        footer's "Sivu päivitetty" time, in Finnish time, and the pages' Last-Modified."""
        first, step = UPDATES[self._period(period)]
        return first + step * ((round or self.round) - 1)

    def footer_date(self, period: str, round: int | None = None) -> str:
        """The footer's date line: ``Sivu päivitetty 2.11.2026 klo 02.30``."""
        moment = self.updated(period, round)
        return f"Sivu päivitetty {moment.day}.{moment.month}.{moment.year} klo {moment:%H.%M}"

    # ---- what is served

    def codes(self, period: str) -> list[str]:
        """Every code of the period's list, in list order."""
        period = self._period(period)
        return [p.code for p in self._projects.values() if p.period == period]

    def description_codes(self, period: str) -> list[str]:
        """The codes whose page currently serves a description as a web page: listed, with a
        text, and neither a PDF code nor an oversize one. (A failing, rate-limited or slow code
        is in it: its description comes in the end.)"""
        return [code for code in self.codes(period) if self.description_text(code) is not None]

    def project(self, code: str) -> Project:
        """The listed project of ``code`` (``KeyError`` for a code in no list)."""
        return self._projects[code]

    def description_text(self, code: str, round: int | None = None) -> str | None:
        """The description the page of ``code`` serves in ``round`` (the current one by default),
        as plain text the way a browser shows it: blocks separated by one blank line, the lines
        of a block (``<br>`` in the page) by a newline, white space collapsed; no site chrome.
        ``None`` when the page serves no description (an unlisted, gone or EAKR-without-page
        code, a PDF code, an oversize code)."""
        project = self._projects.get(code)
        if project is None or project.text is None or code in self.pdf_codes or code in self.oversize:
            return None
        return normalised(self._text(project, round or self.round))

    def list_rows(self, period: str, round: int | None = None) -> list[dict[str, str]]:
        """The rows of the period's list page as shown (cells as text, by column name)."""
        period = self._period(period)
        return [dict(zip(LIST_HEADERS[period], self._cells(p, round or self.round)))
                for p in self._projects.values() if p.period == period]

    @property
    def requests(self) -> list[Request]:
        """A copy of the request log, in the order the answers were finished."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        """Forget the logged requests (e.g. between two harvest rounds)."""
        with self._lock:
            self._requests.clear()

    # ---- building pages

    @staticmethod
    def _period(period: str) -> str:
        if period not in SITES:
            raise ValueError(f"unknown period {period!r}; the replica serves {', '.join(PERIODS)}")
        return period

    def _text(self, project: Project, round: int) -> str:
        if project.code == self.changing_code and round >= 2:
            return changed_text(project.text)
        return project.text

    def _amounts(self, project: Project, round: int) -> tuple[int, int, int, int]:
        granted, realised, planned, public_realised = project.amounts
        if project.code == self.changing_code and round >= 2 and self.change_in_list:
            return granted, realised + CHANGE_EUROS, planned, public_realised + CHANGE_EUROS
        return project.amounts

    def _cells(self, project: Project, round: int) -> list[str]:
        # The 2007–2013 list groups thousands with a space ("308 999"), the 2014–2020 one writes
        # bare digits ("308999"): both as the site might, so a reader must take either.
        if project.period == "2007-2013":
            amounts = [euros(a) for a in self._amounts(project, round)]
            return [project.code, project.fund, project.name, project.section or "", project.axis, project.authority,
                    project.status, project.start, project.end, project.implementer, *amounts]
        amounts = [str(a) for a in self._amounts(project, round)]
        return [project.code, project.fund, project.name, project.axis, project.authority, project.status,
                project.start, project.end, project.implementer, *amounts]

    def _page(self, period: str, title: str, content: str, encoding: str) -> bytes:
        """A page of the site: ``content`` inside the header, the navigation and the footer."""
        site = SITES[period]
        page = f"""<!DOCTYPE html>
<html lang="fi">
<head>
<meta charset="{encoding}">
<title>{html.escape(title)}</title>
<link rel="stylesheet" href="/{site}/css/tyyli.css">
<style>#sisalto p {{ margin: 0 0 1em 0; }}</style>
<script>var sivusto = "{site}";</script>
</head>
<body>
<div id="sivu">
<div id="header" class="ylapalkki">
<div id="logo"><a href="/{site}/index.php"><img src="/{site}/kuvat/rakennerahastot-logo.png" alt="Rakennerahastot.fi" width="220" height="60"></a></div>
<div id="navigation" class="navi">
<ul class="valikko">
<li><a href="/{site}/index.php">Etusivu</a></li>
<li class="valittu"><a href="/{site}/rrtiepa/projektilista.php?rahasto=ALL">Hankehaku</a></li>
<li><a href="/{site}/tietoa.php">Tietoa palvelusta</a></li>
<li><a href="/{site}/en/index.php" lang="en">In English</a></li>
</ul>
</div>
</div>
<div id="sisalto">
{content}
</div>
<div id="footer" class="alapalkki">
<p>Työ- ja elinkeinoministeriö</p>
<p>© 2026 Rakennerahastot.fi</p>
<p><a href="/{site}/tietosuoja.php">Tietosuojaseloste</a></p>
<p class="paivitetty">{html.escape(self.footer_date(period))}</p>
</div>
</div>
<script>document.documentElement.className += " js";</script>
</body>
</html>
"""
        # A Latin-1 site writes what Latin-1 lacks as character references, as browsers do.
        return page.encode(encoding, "xmlcharrefreplace")

    def _description_html(self, project: Project, text: str) -> str:
        """The description as the period's page structure."""
        parts = blocks(text)
        first = next((i for i, b in enumerate(parts) if len(b) == 1 and TOP_HEADING.match(b[0])), None)
        out: list[str] = []
        in_section = False

        def para(block: list[str]) -> str:
            return "<p>" + "<br>\n".join(html.escape(line) for line in block) + "</p>"

        for i, block in enumerate(parts):
            line = block[0]
            heading = len(block) == 1
            if first is not None and i == first - 1 and heading:
                # The line just above the first section is the title ("... rahoittaman ... kuvaus").
                out.append(f"<h1>{html.escape(line)}</h1>")
            elif first is not None and i >= first and heading and TOP_HEADING.match(line):
                if project.period == "2014-2020":
                    if in_section:
                        out.append("</div>")
                    number = line.split()[0].rstrip(".")
                    out.append(f'<div class="section" id="osio{number}">\n<h2>{html.escape(line)}</h2>')
                    in_section = True
                else:
                    out.append(f"<h2>{html.escape(line)}</h2>")
            elif first is not None and i >= first and heading and SUB_HEADING.match(line):
                out.append(f"<h3>{html.escape(line)}</h3>")
            else:
                out.append(para(block))
        if in_section:
            out.append("</div>")
        body = "\n".join(out)
        if project.period == "2007-2013":
            return f'<div class="description">\n{body}\n</div>'
        return f'<div class="hanke">\n{body}\n</div>'

    def project_page(self, code: str, period: str | None = None, round: int | None = None) -> tuple[bytes, str]:
        """The bytes and the encoding of ``projekti.php?projektikoodi=code`` on the period's site
        (by default the period whose list holds the code), as an HTML page: the PDF and oversize
        behaviours are not applied here. A code the site's list lacks, or without a
        description, gives the unknown-code page."""
        round = round or self.round
        project = self._projects.get(code)
        period = self._period(period or (project.period if project else "2014-2020"))
        if project is None or project.text is None or project.period != period:
            return self._not_found_page(period, code)
        encoding = self.encodings.get(code, "utf-8")
        label = "Projektin" if project.period == "2007-2013" else "Hankkeen"
        content = self._description_html(project, self._text(project, round))
        return self._page(project.period, f"{label} tiedot: {code} | Rakennerahastot.fi", content, encoding), encoding

    def _not_found_page(self, period: str, code: str) -> tuple[bytes, str]:
        message = (f"<p>Hankekoodilla {html.escape(code)} ei löytynyt hanketta. Tarkista hankekoodi.</p>" if code
                   else "<p>Hankekoodi puuttuu.</p>")
        content = f'<div class="ilmoitus">\n<h1>{NOT_FOUND_TEXT}</h1>\n{message}\n</div>'
        return self._page(period, f"{NOT_FOUND_TEXT} | Rakennerahastot.fi", content, "utf-8"), "utf-8"

    def list_page(self, period: str, fund: str = "ALL", round: int | None = None) -> tuple[bytes, str]:
        """The bytes and the encoding of ``projektilista.php?rahasto=fund``."""
        period = self._period(period)
        round = round or self.round
        rows = []
        for project in self._projects.values():
            if project.period != period or fund not in ("ALL", project.fund):
                continue
            cells = self._cells(project, round)
            code = html.escape(project.code)
            first = f'<td class="koodi"><a href="projekti.php?projektikoodi={code}">{code}</a></td>'
            rows.append("<tr>" + first + "".join(f"<td>{html.escape(c)}</td>" for c in cells[1:]) + "</tr>")
        head = "".join(f"<th>{html.escape(name)}</th>" for name in LIST_HEADERS[period])
        content = (
            f"<h1>Hankkeet {period.replace('-', '–')}</h1>\n"
            f'<table class="lista" id="projektilista">\n<thead>\n<tr>{head}</tr>\n</thead>\n<tbody>\n'
            + "\n".join(rows)
            + "\n</tbody>\n</table>"
        )
        encoding = self.list_encodings.get(period, "utf-8")
        return self._page(period, "Hankehaku | Rakennerahastot.fi", content, encoding), encoding

    def _oversize_page(self, code: str, size: int) -> bytes:
        key = (code, size, self.round)
        with self._lock:
            cached = self._oversize_cache.get(key)
        if cached is not None:
            return cached
        page, _ = self.project_page(code)
        head, _, tail = page.rpartition(b"</body>")
        filler = b"<p>" + b"Lorem ipsum dolor sit amet. " * 36 + b"</p>\n"
        # At least ``size`` bytes: the page, then filler paragraphs before </body>.
        missing = max(0, size - len(page))
        body = head + filler * -(-missing // len(filler)) + b"</body>" + tail
        with self._lock:
            self._oversize_cache = {key: body}  # one at a time: they are many MB
        return body

    # ---- answering

    def _consume(self, counters: dict[str, int], key: str) -> bool:
        with self._lock:
            left = counters.get(key, 0)
            if left > 0:
                counters[key] = left - 1
                return True
        return False

    def _answer(self, method: str, path: str, headers: Mapping[str, str]) -> _Answer:
        """What to answer to ``method path``; the handler writes it."""
        if method not in ("GET", "HEAD"):
            return _Answer(405, [("Allow", "GET, HEAD"), ("Content-Type", "text/plain; charset=utf-8")], b"GET or HEAD only\n")
        parts = urllib.parse.urlsplit(path)
        query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
        if parts.path == "/robots.txt":
            if self.robots_txt is None:
                return _Answer(404, [("Content-Type", "text/plain; charset=utf-8")], b"Not found\n")
            return _Answer(self.robots_status, [("Content-Type", "text/plain; charset=utf-8")], self.robots_txt.encode("utf-8"))
        period = next((p for p, site in SITES.items() if parts.path.startswith(f"/{site}/rrtiepa/")), None)
        page = parts.path.rsplit("/", 1)[-1]
        if period is None or page not in ("projekti.php", "projektilista.php") or parts.path.count("/") != 3:
            return _Answer(404, [("Content-Type", "text/html; charset=utf-8")], b"<!DOCTYPE html><title>404</title><h1>404 Not Found</h1>\n")
        if page == "projektilista.php":
            if query.get("type", [""])[0]:
                # The 2007–2013 site's XML list is not in the replica.
                return _Answer(404, [("Content-Type", "text/plain; charset=utf-8")], b"XML list not in the replica\n")
            key = list_key(period)
            fund = query.get("rahasto", ["ALL"])[0].upper() or "ALL"
        else:
            key = query.get("projektikoodi", [""])[0]
        delay = float(self.delays.get(key, 0.0))
        if self._consume(self.failures, key):
            body = "<!DOCTYPE html><title>503</title><h1>Palvelu ei ole käytettävissä</h1>\n".encode()
            return _Answer(503, [("Content-Type", "text/html; charset=utf-8")], body, delay=delay)
        if self._consume(self.rate_limits, key):
            body = "<!DOCTYPE html><title>429</title><h1>Liian monta pyyntöä</h1>\n".encode()
            return _Answer(429, [("Retry-After", self.retry_after), ("Content-Type", "text/html; charset=utf-8")], body, delay=delay)
        chunked = False
        if page == "projektilista.php":
            body, encoding = self.list_page(period, fund)
            content_type = f"text/html; charset={encoding}"
        elif key in self.pdf_codes:
            body, content_type = PDF_BYTES, "application/pdf"
        elif key in self.oversize:
            body, content_type = self._oversize_page(key, int(self.oversize[key])), "text/html; charset=utf-8"
            chunked = self.oversize_chunked
        else:
            # A code of the other period's list is unknown on this site.
            body, encoding = self.project_page(key, period)
            content_type = f"text/html; charset={encoding}"
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        modified = self.updated(period).astimezone(datetime.UTC)
        validators = [("ETag", etag), ("Last-Modified", email.utils.format_datetime(modified, usegmt=True))]
        if _not_modified(headers, etag, modified):
            return _Answer(304, validators, delay=delay)
        return _Answer(200, [("Content-Type", content_type), *validators], body, chunked=chunked, delay=delay)

    def _log(self, record: Request) -> None:
        with self._lock:
            self._requests.append(record)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


def _not_modified(headers: Mapping[str, str], etag: str, modified: datetime.datetime) -> bool:
    """RFC 9110: If-None-Match decides when sent; otherwise If-Modified-Since not older than
    Last-Modified means not modified."""
    if_none_match = _header(headers, "If-None-Match")
    if if_none_match is not None:
        tags = [tag.strip() for tag in if_none_match.split(",")]
        # Weak comparison, as RFC 9110 asks for If-None-Match.
        return any(tag == "*" or tag.removeprefix("W/") == etag for tag in tags)
    if_modified_since = _header(headers, "If-Modified-Since")
    if if_modified_since is None:
        return False
    try:
        since = email.utils.parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=datetime.UTC)
    return since >= modified


class _Handler(BaseHTTPRequestHandler):
    """Answers one connection's requests from the :class:`Replica` it is bound to."""

    replica: Replica
    protocol_version = "HTTP/1.1"
    server_version = "Apache"
    sys_version = ""
    #: An idle keep-alive connection is dropped after this, so no thread waits forever.
    timeout = 10

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args) -> None:
        # Quiet: the request log is replica.requests.
        pass

    def _serve(self) -> None:
        arrived = time.monotonic()
        headers = dict(self.headers.items())
        try:
            answer = self.replica._answer(self.command, self.path, headers)
        except Exception:  # noqa: BLE001 - a bug in the replica must show, not hang the client
            self.replica.errors.append(traceback.format_exc())
            answer = _Answer(500, [("Content-Type", "text/plain; charset=utf-8")], b"replica error\n")
        if answer.status == 405:
            # A request body we did not read would garble the next request on this connection.
            self.close_connection = True
        if answer.delay:
            time.sleep(answer.delay)
        head = [f"HTTP/1.1 {answer.status} {_REASONS.get(answer.status, 'Unknown')}",
                f"Date: {self.date_time_string()}", f"Server: {self.server_version}", *(f"{k}: {v}" for k, v in answer.headers)]
        body = b"" if answer.status == 304 or self.command == "HEAD" else answer.body
        if answer.chunked:
            head.append("Transfer-Encoding: chunked")
        elif answer.status != 304:
            head.append(f"Content-Length: {len(answer.body)}")
        if self.close_connection:
            head.append("Connection: close")
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        pieces = [data]
        step = 1 << 20
        if answer.chunked and body:
            pieces += [b"%x\r\n%s\r\n" % (len(body[i:i + step]), body[i:i + step]) for i in range(0, len(body), step)]
            pieces.append(b"0\r\n\r\n")
        elif body:
            pieces += [body[i:i + step] for i in range(0, len(body), step)]
        if len(pieces) == 2 and not answer.chunked:
            pieces = [data + body]  # an ordinary page: one write
        try:
            for piece in pieces[:-1]:
                self.wfile.write(piece)
        except OSError:
            # The client went away (a size limit, a timeout): log what was being answered.
            self.close_connection = True
            self.replica._log(Request(arrived, time.monotonic(), self.command, self.path, headers, answer.status))
            return
        # Logged before the last write, so a client that has the whole answer finds it logged.
        self.replica._log(Request(arrived, time.monotonic(), self.command, self.path, headers, answer.status))
        try:
            self.wfile.write(pieces[-1])
        except OSError:
            self.close_connection = True


__all__ = [
    "ALLOW_ALL",
    "CHANGE_EUROS",
    "CHANGING_CODE",
    "CO_IMPLEMENTERS_CODE",
    "EAKR_CODES",
    "EMPTY_CO_IMPLEMENTERS_CODE",
    "FLAKY_CODE",
    "FLAKY_FAILURES",
    "GONE_CODES",
    "HAND_2007",
    "LIST_HEADERS",
    "NOT_FOUND_TEXT",
    "OVERSIZE_CODE",
    "PDF_CODE",
    "PERIODS",
    "RATE_LIMITED_CODE",
    "SAMPLE_2007_LATIN1",
    "SAMPLE_2007_UTF8",
    "SAMPLE_2014_LATIN1",
    "SAMPLE_2014_UTF8",
    "SITES",
    "SLOW_CODE",
    "SLOW_SECONDS",
    "Project",
    "Replica",
    "Request",
    "blocks",
    "changed_text",
    "euros",
    "list_key",
    "normalised",
]  # fmt: skip
