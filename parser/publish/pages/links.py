"""The addresses of the archive's pages and rows, in one place.

A project's code and a business ID are written as Datasette writes a row's key (tilde
encoding, so ``S 30999`` is ``S~2030999``); a name-only organisation's name is URL-encoded
(percent escapes, a dot too, so that a name never looks like a ``.json`` suffix).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from datasette.utils import tilde_decode, tilde_encode

from ..labels import PLACE_LEVELS

#: The word of a place page's address, by level (``municipality`` → ``kunta``), and back.
PLACE_WORDS = {level: word for level, word, _, _ in PLACE_LEVELS}
PLACE_LEVEL_OF = {word: level for level, word in PLACE_WORDS.items()}
#: The prefix of the key of an organisation known only by its name (organisation_index.key).
NAME_KEY = "nimi:"


def quote_name(name: str) -> str:
    """A normalised name as one segment of an address: every reserved character and the dot
    percent-encoded."""
    return urllib.parse.quote(name, safe="").replace(".", "%2E")


def key_candidates(raw: str) -> list[str]:
    """What a key segment of an address can stand for, most likely first: Datasette's tilde
    encoding, then (when it differs) the same after percent escapes were undone, as a browser
    or a hand-written link may write them."""
    first = tilde_decode(raw)
    found = [first]
    if "%" in raw:
        other = tilde_decode(urllib.parse.unquote(raw))
        if other not in found:
            found.append(other)
    return found


@dataclass(frozen=True)
class Links:
    """Paths inside one Datasette (``path`` adds its ``base_url``) for one database."""

    database: str = "esr"
    path: Callable[[str], str] = field(default=lambda path: path)

    def _db(self, rest: str) -> str:
        return str(self.path(f"/{tilde_encode(self.database)}{rest}"))

    def project(self, code: str, extension: str = "") -> str:
        """The project page (``extension`` ``.json``: its record)."""
        return self._db(f"/projects/{tilde_encode(code)}{extension}")

    def organisation(self, key: str, extension: str = "") -> str:
        """The page of an organisation by its ``organisation_index.key``."""
        if key.startswith(NAME_KEY):
            return self._db(f"/organisations/nimi/{quote_name(key[len(NAME_KEY):])}{extension}")
        return self._db(f"/organisations/{tilde_encode(key)}{extension}")

    def place(self, level: str, code: str, extension: str = "") -> str:
        """The page of a municipality, sub-region or region by its Statistics Finland code."""
        return self._db(f"/alueet/{PLACE_WORDS[level]}/{urllib.parse.quote(code, safe='')}{extension}")

    def row(self, table: str, *key: Any) -> str:
        """Datasette's page of one row."""
        return self._db(f"/{tilde_encode(table)}/{','.join(tilde_encode(str(value)) for value in key)}")

    def table(self, table: str, **filters: Any) -> str:
        """Datasette's page of a table, with filters (``regions__contains=…``)."""
        query = urllib.parse.urlencode(filters)
        return self._db(f"/{tilde_encode(table)}") + (f"?{query}" if query else "")

    def query(self, name: str, **params: Any) -> str:
        """A canned query's page."""
        query = urllib.parse.urlencode(params)
        return self._db(f"/{tilde_encode(name)}") + (f"?{query}" if query else "")

    def root(self, path: str) -> str:
        """A path of the instance (``/-/dashboards/rahoitus``)."""
        return str(self.path(path))
