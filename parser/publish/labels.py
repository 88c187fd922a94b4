"""Display labels and number formats of the published archive, in Finnish first and English.

The Datasette plugins (``plugins/``) show the archive's members with these labels; they are
declared here once so every page that shows a member names it the same way. A label as the
*source* writes it belongs to the layouts (``parser/extract/layouts/``), not here.
"""

from __future__ import annotations

from typing import Any

#: Texts shown as paragraphs, in this order: (column, Finnish label, English label).
TEXTS = (
    ("summary", "Suunnitelman mukainen tiivistelmä", "Summary of the plan"),
    ("target_groups_description", "Toteutusalue ja kohderyhmä", "Area and target group"),
    ("target_groups_primary", "Varsinaiset kohderyhmät", "Primary target groups"),
    ("target_groups_indirect", "Välilliset kohderyhmät", "Indirect target groups"),
    ("final_report_summary", "Loppuraportin tiivistelmä", "Summary of the final report"),
    ("communication_plan", "Tiedotussuunnitelma", "Communication plan"),
    ("dissemination_plan", "Suunnitelma hyvien käytäntöjen levittämisestä", "Dissemination plan"),
)

GENDER_EQUALITY = (
    ("analysis_done", "Toimintaympäristön analyysi sukupuolinäkökulmasta", "Gender analysis of the setting"),
    ("mainstreamed", "Sukupuolinäkökulma huomioitu toiminnassa (valtavirtaistaminen)", "Gender mainstreamed"),
    ("main_goal", "Päätavoite on sukupuolten tasa-arvon edistäminen", "Main goal is gender equality"),
)

INDICATORS = {
    "participants": ("Osallistuvat henkilöt", "Participants"),
    "participating_enterprises": ("Osallistuvat yritykset", "Participating enterprises"),
    "new_jobs": ("Uudet työpaikat", "New jobs"),
    "new_enterprises": ("Uudet yritykset", "New enterprises"),
    "degrees": ("Suoritetut tutkinnot", "Degrees completed"),
}

PRINCIPLES = {
    "equality": ("Tasa-arvo", "Equality"),
    "sustainable_development": ("Kestävä kehitys", "Sustainable development"),
    "partnership": ("Kumppanuus", "Partnership"),
    "innovativeness": ("Innovatiivisuus", "Innovativeness"),
}

AREA_LEVELS = (
    ("region", "Maakunnat", "Regions"),
    ("subregion", "Seutukunnat", "Sub-regions"),
    ("municipality", "Kunnat", "Municipalities"),
)


def euros(value: Any) -> str | None:
    """``458937`` → ``458 937 €`` (no-break spaces), as Finnish writes amounts."""
    if value is None:
        return None
    number = round(float(value))
    return f"{number:,}".replace(",", "\u00a0") + "\u00a0€"


def percent(rate: Any) -> str | None:
    """``0.7598`` → ``76,0 %``."""
    if rate is None:
        return None
    return f"{float(rate) * 100:.1f}".replace(".", ",") + "\u00a0%"


def count(value: Any) -> str:
    """``1234`` → ``1 234``; none → ``–``."""
    return "–" if value is None else f"{int(value):,}".replace(",", "\u00a0")


def yes_no(value: Any) -> str | None:
    """A boolean as the page says it: ``Kyllä – yes`` or ``Ei – no``."""
    if value is None:
        return None
    return "Kyllä – yes" if value else "Ei – no"


# --------------------------------------------------------------------------- the pages of issue 10

#: Each level of place: (level in ``project_areas``, the word of its page's address, Finnish
#: singular, English singular). The addresses are ``/esr/alueet/<word>/<code>``.
PLACE_LEVELS = (
    ("municipality", "kunta", "Kunta", "Municipality"),
    ("subregion", "seutukunta", "Seutukunta", "Sub-region"),
    ("region", "maakunta", "Maakunta", "Region"),
)

#: Where a project's values come from (``project_index.values_from``, ``sources``).
SOURCES = {
    "description": ("Kuvaus", "description"),
    "list": ("Virallinen lista", "official list"),
    "eura2021": ("EURA 2021 -vienti", "EURA 2021 export"),
}

#: What ``project_index.region_kind`` says the place is.
REGION_KINDS = {
    "region": ("maakunta", "region"),
    "regions": ("useampi maakunta", "several regions"),
    "area": ("suuralue (maakuntien ryhmä)", "large area (a group of regions)"),
    "national": ("valtakunnallinen", "national"),
    "unknown": ("tuntematon", "unknown"),
}

#: Where ``project_index.region`` comes from: only the description's own places are places;
#: the other two are proxies, and the pages say so.
REGION_SOURCES = {
    "description": ("kuvauksen paikat", "the description's places"),
    "managing_authority": ("vastuuviranomaisen alue (välitieto, ei paikka)", "the managing authority's area (a proxy, not a place)"),
    "programme_section": ("ohjelman osio (välitieto, ei paikka)", "the programme section (a proxy, not a place)"),
}

#: An organisation's role in a project (``organisation_projects.role``).
ROLES = {
    "implementer": ("toteuttaja", "implementer"),
    "co_implementer": ("osatoteuttaja", "co-implementer"),
}

#: How a project was joined to its organisation (``organisation_projects.matched_by``), in words.
MATCHED_BY = {
    "business_id": ("hankkeen oma Y-tunnus", "the project's own business ID"),
    "name": ("listan nimi, jolla on yksi tunnettu Y-tunnus", "the list's name, which has exactly one known business ID"),
    "name_prefix": ("nimi ennen yksikköä («Kuopion kaupunki, …»), jolla on yksi tunnettu Y-tunnus",
                    "the name before a unit («Kuopion kaupunki, …»), which has exactly one known business ID"),
    "name_only": ("vain nimi: Y-tunnusta ei tiedetä", "the name alone: no business ID is known"),
}

#: The four figures every source has: (column, Finnish, English), granted or planned first.
FIGURES = (
    ("eu_state_granted", "Myönnetty EU- ja valtion rahoitus", "Granted EU and state funding"),
    ("eu_state_realised", "Toteutunut EU- ja valtion rahoitus", "Realised EU and state funding"),
    ("public_planned", "Suunniteltu julkinen rahoitus yhteensä", "Planned public funding"),
    ("public_realised", "Toteutunut julkinen rahoitus yhteensä", "Realised public funding"),
)

#: The pairs a realisation rate is made of: (label Finnish, English, planned column, realised
#: column, the planned figure's word in Finnish and English).
FUNDING_PAIRS = (
    ("EU- ja valtion rahoitus", "EU and state funding", "eu_state_granted", "eu_state_realised", "myönnetty", "granted"),
    ("Julkinen rahoitus yhteensä", "Total public funding", "public_planned", "public_realised", "suunniteltu", "planned"),
)

#: The seven figures of the EURA 2021 export (``eura2021_projects``), as pairs a rate is made
#: of; the EU share has no planned figure in the export.
EURA2021_PAIRS = (
    ("EU- ja valtion rahoitus", "EU and state funding", "eu_state_planned", "eu_state_realised", "suunniteltu", "planned"),
    ("Julkinen rahoitus", "Public funding", "public_planned", "public_realised", "suunniteltu", "planned"),
    ("Rahoitus yhteensä", "Total funding", "total_planned", "total_realised", "suunniteltu", "planned"),
    ("EU-rahoituksen määrä", "EU funding", None, "eu_realised", "", ""),
)

#: The other columns of an EURA 2021 row the project page shows: (column, Finnish, English).
EURA2021_FIELDS = (
    ("group_code", "Ryhmähanketunnus", "Group project code"),
    ("fund_subtype", "EAKR-/JTF-alatyyppi", "ERDF/JTF subtype"),
    ("priority_axis", "Toimintalinja", "Priority"),
    ("specific_objective", "Erityistavoite", "Specific objective"),
    ("field_of_intervention", "Tukitoimen ala", "Field of intervention"),
    ("location", "Sijainti", "Location"),
    ("site_postal_code", "Toteutuspaikan postinumero", "Site postal code"),
    ("site_post_office", "Toteutuspaikan postitoimipaikka", "Site post office"),
    ("beneficiary_postal_code", "Tuensaajan postinumero", "Beneficiary's postal code"),
    ("beneficiary_post_office", "Tuensaajan postitoimipaikka", "Beneficiary's post office"),
    ("form_of_support", "Tukimuoto", "Form of support"),
    ("territorial_delivery", "Alueellinen täytäntöönpanomekanismi", "Territorial delivery mechanism"),
    ("economic_activity", "Taloudellinen toiminta", "Economic activity"),
    ("secondary_theme", "Toissijainen teema (ESR+)", "Secondary theme (ESF+)"),
    ("gender_equality", "Sukupuolten tasa-arvo", "Gender equality"),
    ("baltic_sea_strategy", "Itämeren alueen strategia", "Baltic Sea strategy"),
    ("website", "Hankkeen kotisivu", "Project website"),
    ("description_url", "Hankekuvauksen osoite", "Description's address"),
)


def ratio(realised: Any, planned: Any) -> float | None:
    """``realised ÷ planned``, or ``None`` when either is missing or the plan is zero."""
    if realised is None or planned is None or not float(planned):
        return None
    return float(realised) / float(planned)


def finnish_date(value: Any) -> str | None:
    """An ISO date (or the date of an ISO moment) as Finnish writes it: ``2009-07-01`` → ``1.7.2009``.
    Text that is no ISO date is returned as it is."""
    if value is None or value == "":
        return None
    text = str(value)
    head = text[:10]
    if len(head) == 10 and head[4] == "-" and head[7] == "-" and (head[:4] + head[5:7] + head[8:]).isdigit():
        return f"{int(head[8:])}.{int(head[5:7])}.{head[:4]}"
    return text


def finnish_moment(value: Any) -> str | None:
    """An ISO moment as Finnish writes it, to the minute: ``2026-11-01T08:05:00+00:00`` →
    ``1.11.2026 klo 8.05 UTC`` (the fetch log's times are UTC)."""
    if value is None or value == "":
        return None
    text = str(value)
    date = finnish_date(text)
    if len(text) >= 16 and text[10] in "T " and text[11:13].isdigit() and text[14:16].isdigit():
        return f"{date} klo {int(text[11:13])}.{text[14:16]} UTC"
    return date


def period_text(start: Any, end: Any) -> str | None:
    """A project's dates as a span: ``1.7.2009–31.8.2012``; ``None`` when both are missing."""
    if not start and not end:
        return None
    return f"{finnish_date(start) or '?'}–{finnish_date(end) or '?'}"


# --------------------------------------------------------------------------- the HTML tables (issue 11)

#: How every HTML table of the archive (table, view, row and query pages: plugins/finnish_formats.py)
#: writes a column's values, decided by the column's name in this one place. JSON and CSV keep the
#: machine values. A name is looked up in this order: the table's own exceptions, the exact names,
#: then the endings; a column none of them names is shown as Datasette shows it, except that any
#: other decimal number is written the Finnish way (:func:`decimal_number`).
CELL_FORMATS_BY_TABLE: dict[str, dict[str, str]] = {
    # An indicator's planned and realised values are people, enterprises, jobs: counts, not euros.
    "indicators": {"planned": "count", "planned_women": "count", "realised": "count", "realised_women": "count"},
    # The fetch log's time of a request (UTC).
    "fetch_log": {"time": "moment"},
}
#: Exact column names: amounts of euros, realisation rates (a fraction, shown as a percentage),
#: ISO dates, ISO moments (or dates: a moment's column shows either) and counts.
CELL_FORMATS: dict[str, str] = {
    **dict.fromkeys((
        "eu_state_granted", "eu_state_realised", "public_planned", "public_realised", "eu_state_planned",
        "total_planned", "total_realised", "eu_realised", "eu_state_gap", "public_gap",
        "myonnetty", "toteutunut", "suunniteltu",
    ), "euros"),
    **dict.fromkeys(("realisation", "rate", "toteutumisaste"), "percent"),
    **dict.fromkeys(("start_date", "end_date", "list_date", "key_date"), "date"),
    # A list's date or a page's fetch time (project_observations, project_changes).
    **dict.fromkeys(("fetched_at", "built_at", "observed_on", "from_date", "to_date"), "moment"),
    **dict.fromkeys((
        "projects", "described_projects", "listed_projects", "implementer_projects", "co_implementer_projects",
        "warnings", "documents", "flagged", "hankkeita", "bytes", "count", "rows",
    ), "count"),
}  # fmt: skip
#: Endings of column names, tried in this order after the exact names.
CELL_FORMAT_ENDINGS: tuple[tuple[str, str], ...] = (
    ("_granted", "euros"), ("_planned", "euros"), ("_realised", "euros"), ("_gap", "euros"),
    ("_rate", "percent"),
    ("_date", "date"),
    ("_at", "moment"),
    ("_projects", "count"), ("_count", "count"),
)  # fmt: skip
#: Columns whose value is of the kind the row's ``field`` names (``discrepancies``,
#: ``project_changes``, the canned query of discrepancies): an amount when ``field`` is an amount.
FIELD_VALUE_COLUMNS = frozenset({"description_value", "list_value", "difference", "old_value", "new_value"})
#: Columns holding a project's code, shown as a link to the project's page.
PROJECT_CODE_COLUMNS = frozenset({"code", "project_code"})
#: Tables whose ``code`` is something else (a place's Statistics Finland code, a warning's code).
NOT_PROJECT_CODE_TABLES = frozenset({"project_areas", "municipalities", "parse_warnings"})
#: Columns holding a business ID (Y-tunnus), shown as a link to the organisation's page.
BUSINESS_ID_COLUMNS = frozenset({"business_id", "implementer_business_id"})

#: Finnish headers of columns that only queries make (a table's own columns take theirs from
#: metadata.yml): (Finnish, English).
QUERY_COLUMN_TITLES: dict[str, tuple[str, str]] = {
    "code": ("Hankekoodi", "project code"),
    "name": ("Hankkeen nimi", "project name"),
    "status": ("Toiminnan tila", "status"),
    "managing_authority": ("Vastuuviranomainen", "managing authority"),
    "implementer_name": ("Toteuttaja", "implementer"),
    "business_id": ("Y-tunnus", "business ID"),
    "source_list": ("Lähdelista", "source list"),
    "projects": ("Hankkeita", "projects"),
    "flagged": ("Epävarmoja listarivejä", "flagged list rows"),
    "eu_state_gap": ("Ero: EU- ja valtion rahoitus", "gap, EU and state funding"),
    "public_gap": ("Ero: julkinen rahoitus", "gap, public funding"),
    "eu_state_realisation_rate": ("Toteutumisaste: EU- ja valtion rahoitus", "realisation rate, EU and state funding"),
    "public_realisation_rate": ("Toteutumisaste: julkinen rahoitus", "realisation rate, public funding"),
    "warnings": ("Varoituksia", "warnings"),
    "documents": ("Asiakirjoja", "documents"),
    "example_message": ("Esimerkkiviesti", "example message"),
    "organisation": ("Organisaatio", "organisation"),
    "role": ("Rooli", "role"),
    "source": ("Lähde", "source"),
    "region": ("Maakunta", "region"),
    "region_code": ("Maakuntakoodi", "region code"),
    "municipality": ("Kunta", "municipality"),
    "municipality_code": ("Kuntakoodi", "municipality code"),
    "field": ("Tieto", "field"),
    "description_value": ("Kuvauksen arvo", "the description's value"),
    "list_value": ("Listan arvo", "the list's value"),
    "difference": ("Erotus", "difference"),
    "excerpt": ("Ote", "excerpt"),
    "key": ("Tunnus", "key"),
    "title": ("Otsikko", "title"),
}

import math  # for the helpers of this section only
import re

_ISO_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: An ISO moment in UTC (or without an offset, as the archive writes its UTC times): another
#: offset is shown as written, since :func:`finnish_moment` says UTC.
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]00:?00)?$")
_PROJECT_CODE = re.compile(r"^[A-Z]{1,3}\d{3,10}$")
_BUSINESS_ID = re.compile(r"^\d{7}-\d$")


def cell_format(column: str, table: str | None = None) -> str | None:
    """How a column's values are written: ``euros``, ``percent``, ``date``, ``moment``, ``count``
    or ``None`` (as they are), by the column's name (and its table's exceptions)."""
    own = CELL_FORMATS_BY_TABLE.get(table or "", {}).get(column)
    if own:
        return own
    if column in CELL_FORMATS:
        return CELL_FORMATS[column]
    for ending, kind in CELL_FORMAT_ENDINGS:
        if column.endswith(ending):
            return kind
    return None


def _grouped(digits: str) -> str:
    """``1234567`` → ``1 234 567`` (no-break spaces, as :func:`euros` and :func:`count` write)."""
    return f"{int(digits):,}".replace(",", "\u00a0")


def decimal_number(value: Any) -> str | None:
    """A number as Finnish writes it, every digit kept: ``1234.5`` → ``1 234,5``, ``0.25`` →
    ``0,25``, ``7.0`` → ``7``; ``None`` stays ``None``."""
    if value is None or isinstance(value, bool):
        return None if value is None else str(int(value))
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        return str(number)
    if number.is_integer() and abs(number) < 1e15:
        return ("-" if number < 0 else "") + _grouped(str(abs(int(number))))
    text = repr(abs(number))
    sign = "-" if number < 0 else ""
    if "e" in text or "E" in text:
        return sign + text.replace(".", ",")
    whole, _, fraction = text.partition(".")
    return sign + _grouped(whole) + ("," + fraction if fraction else "")


#: A number as the pages write one and a reader may type or paste it: digits in groups of three
#: parted by a space, a no-break or a narrow no-break space, a decimal comma, a sign (the minus
#: sign too), a euro sign after it.
_FINNISH_NUMBER = re.compile(r"(?P<sign>[-+\u2212]?)(?P<whole>\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:,(?P<decimals>\d+))?(?:\s*€)?")


def plain_number(text: str) -> str | None:
    """A number written as the pages write it, as SQLite reads a number: ``1 000 000 €`` →
    ``1000000``, ``296 461,37`` → ``296461.37``, ``−2,5`` → ``-2.5``; ``None`` when ``text`` is
    no such number (the inverse of :func:`euro_amount` and :func:`decimal_number`)."""
    match = _FINNISH_NUMBER.fullmatch(text.strip())
    if match is None:
        return None
    sign = "-" if match["sign"] == "\u2212" else match["sign"]
    whole = re.sub(r"\D", "", match["whole"])
    return sign + whole + (f".{match['decimals']}" if match["decimals"] else "")


def euro_amount(value: Any) -> str | None:
    """An amount of euros as :func:`euros` writes it, but with its cents when it has any (the
    official lists' snapshot has cents): ``296461.37`` → ``296 461,37 €``, ``355153370.0`` →
    ``355 153 370 €``."""
    if value is None:
        return None
    number = float(value)
    if number.is_integer():
        return euros(number)
    cents = round(abs(number) * 100)
    sign = "-" if number < 0 else ""
    return f"{sign}{_grouped(str(cents // 100))},{cents % 100:02d}\u00a0€"


def cell_text(kind: str | None, value: Any) -> str | None:
    """``value`` written as ``kind`` says (:func:`cell_format`), or ``None`` when the value is not
    of that kind (text in an amount column, a date that is not ISO): then it is shown as it is."""
    if value is None or isinstance(value, bool):
        return None
    if kind in ("euros", "percent", "count"):
        if not isinstance(value, (int, float)):
            return None
        if kind == "euros":
            return euro_amount(value)
        if kind == "percent":
            return percent(value)
        return count(value) if float(value).is_integer() else decimal_number(value)
    if kind == "date":
        return finnish_date(value) if isinstance(value, str) and _ISO_DATE_ONLY.match(value) else None
    if kind == "moment":
        if isinstance(value, str) and _ISO_DATE_ONLY.match(value):
            return finnish_date(value)
        return finnish_moment(value) if isinstance(value, str) and _ISO_MOMENT.match(value) else None
    if kind is None and isinstance(value, float):
        return decimal_number(value)
    return None


def is_project_code(value: Any) -> bool:
    """Whether a value reads as a project code (``S10962``), not a place's or a warning's code."""
    return isinstance(value, str) and bool(_PROJECT_CODE.match(value))


def is_business_id(value: Any) -> bool:
    """Whether a value reads as a business ID (``0171450-7``; the check digit is not checked)."""
    return isinstance(value, str) and bool(_BUSINESS_ID.match(value))
