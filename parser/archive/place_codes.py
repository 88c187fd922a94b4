"""Give the places of ``project_areas`` their Statistics Finland codes, or say why not.

Matching a name is :mod:`parser.reference.places`'s job; this module applies it to the archive:
each area row gets ``code``, ``key_year`` (the year of the municipality key used) and ``match``
(how the name matched), and a row that cannot be matched with certainty gets a warning on its
project's document instead of a guessed code.
"""

from __future__ import annotations

import collections
import functools
from collections.abc import Iterable
from typing import Any

import sqlite_utils

from ..reference.places import LEVELS, MunicipalityRow, PlaceIndex, PlaceResult
from ..warnings import warning
from .load_documents import WarningWriter

#: Warning codes this module writes; a full re-match removes them first.
PLACE_WARNINGS = tuple(f"{level}_not_matched" for level in LEVELS)

#: A row of the key as loaded in the archive, with :class:`MunicipalityRow`'s fields (what
#: :class:`PlaceIndex` reads): it was validated when it was loaded, so it is not validated or
#: constructed as a model again (pydantic's ``model_construct`` took 0.1 s of every build).
_LoadedRow = collections.namedtuple("_LoadedRow", tuple(MunicipalityRow.model_fields))


@functools.lru_cache(maxsize=2)
def _place_index(rows: tuple[_LoadedRow, ...]) -> PlaceIndex:
    """The index of these key rows, made once per process for the same rows: every build makes
    a matcher, in a process that builds more than once mostly of the same key (the index took a
    fifth of a small build), and matching only reads the index."""
    return PlaceIndex(rows)


class PlaceMatcher:
    """Matches area names of one level and year against the municipality key in the archive."""

    def __init__(self, index: PlaceIndex | None) -> None:
        self.index = index

    @classmethod
    def from_db(cls, db: sqlite_utils.Database) -> PlaceMatcher:
        """The matcher for the key loaded in the archive (none loaded: nothing matches)."""
        columns = ", ".join(f"[{name}]" for name in _LoadedRow._fields)
        rows = tuple(_LoadedRow(*row) for row in db.execute(f"select {columns} from municipalities").fetchall())
        return cls(_place_index(rows) if rows else None)

    def match(self, level: str, name: str, year: int | None) -> PlaceResult | None:
        """What ``name`` at ``level`` (region, subregion, municipality) matches in ``year``."""
        if self.index is None:
            return None
        lookup = {"municipality": self.index.match_municipality, "subregion": self.index.match_subregion, "region": self.index.match_region}
        return lookup[level](name, year)


def match_project_places(db: sqlite_utils.Database, matcher: PlaceMatcher, project_codes: Iterable[str] | None) -> None:
    """Match the area rows of the given projects (all projects when ``None``).

    Without a municipality key in the archive nothing is matched and nothing is warned per row:
    the build reports the missing key once.
    """
    if matcher.index is None:
        return
    if project_codes is None:
        db.execute(f"delete from parse_warnings where code in ({', '.join('?' * len(PLACE_WARNINGS))})", list(PLACE_WARNINGS))
        selected = "select a.project_code, a.level, a.position, a.name, p.start_date, p.document_id from project_areas a join projects p on p.code = a.project_code order by a.project_code, a.level, a.position"
        rows = list(db.execute(selected).fetchall())
    else:
        codes = list(project_codes)
        rows = []
        for start in range(0, len(codes), 500):
            chunk = codes[start : start + 500]
            rows.extend(
                db.execute(
                    "select a.project_code, a.level, a.position, a.name, p.start_date, p.document_id from project_areas a "
                    f"join projects p on p.code = a.project_code where a.project_code in ({', '.join('?' * len(chunk))}) "
                    "order by a.project_code, a.level, a.position",
                    chunk,
                ).fetchall()
            )
    numbering = WarningWriter(db)
    updates: list[tuple[Any, ...]] = []
    warnings: list[dict[str, Any]] = []
    cache: dict[tuple[str, str, int | None], PlaceResult | None] = {}
    for project_code, level, position, name, start_date, document_id in rows:
        year = int(start_date[:4]) if start_date else None
        key = (level, name, year)
        if key not in cache:
            cache[key] = matcher.match(level, name, year)
        found = cache[key]
        if found is not None and found.code is not None:
            updates.append((found.code, found.key_year, found.how, project_code, level, position))
        else:
            updates.append((None, found.key_year if found else None, None, project_code, level, position))
            why = found.message if found else "no municipality key in the archive"
            notice = warning(f"{level}_not_matched", f"{level} {name!r} of project {project_code} has no code: {why}")
            warnings.extend(numbering.rows(document_id, [notice]))
    db.conn.executemany("update project_areas set code = ?, key_year = ?, match = ? where project_code = ? and level = ? and position = ?", updates)
    if warnings:
        db["parse_warnings"].insert_all(warnings, batch_size=1000)
