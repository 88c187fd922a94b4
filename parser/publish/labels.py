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
