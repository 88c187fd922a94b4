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
