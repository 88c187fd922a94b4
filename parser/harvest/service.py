"""The official structural-funds service: where each period's list and project pages are."""

from __future__ import annotations

import urllib.parse

#: The folder of each period's site that holds ``projekti.php`` and ``projektilista.php``.
SERVICES = {
    "2007-2013": "https://www.eura2007.fi/rrtiepa/",
    "2014-2020": "https://www.eura2014.fi/rrtiepa/",
}
#: Funds whose project pages can be harvested, and the letter their codes start with.
FUNDS = {"ESR": "S", "EAKR": "A"}


def service_base(url: str) -> str:
    """A service folder as given on the command line, ending in ``/`` so pages resolve in it."""
    return url if url.endswith("/") else url + "/"


def list_url(base: str) -> str:
    """The period's list of every project: one HTML table."""
    return urllib.parse.urljoin(service_base(base), "projektilista.php?rahasto=ALL")


def project_url(base: str, code: str) -> str:
    """A project's page on the service."""
    return urllib.parse.urljoin(service_base(base), "projekti.php?" + urllib.parse.urlencode({"projektikoodi": code}))


def official_project_url(period: str | None, code: str) -> str | None:
    """The project's page on the official service, for links; ``None`` for a period it lacks."""
    base = SERVICES.get(period or "")
    return project_url(base, code) if base else None
