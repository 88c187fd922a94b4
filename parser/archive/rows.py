"""From a parsed document to the rows of the archive's tables (docs/DATA-CONTRACT.md section 3).

Pure functions: no database here. The project's scalar members are flattened with ``_``
(``implementer.business_id`` → ``implementer_business_id``); the members of ``funding`` and
``texts`` lose their group's name (``eu_state_granted``, ``summary``), as the contract's example
``eu_state_granted`` does, because those names are unambiguous on their own.
"""

from __future__ import annotations

import datetime
import typing
from collections.abc import Callable, Iterator
from typing import Any

from pydantic import BaseModel

from ..records import Document, Project, unwrap_optional
from ..reference.authorities import normalise_authority

#: What a writer of rows tells whoever wants them as they are written (a new archive's full-text
#: index): the rows' columns, then the rows.
RowsWritten = Callable[[tuple[str, ...], list[tuple[Any, ...]]], None]

#: Groups whose members keep their own name as a column.
_UNPREFIXED = frozenset({"funding", "texts"})


def column_name(path: tuple[str, ...]) -> str:
    """The column of a nested project member: ``("implementer", "name")`` → ``implementer_name``."""
    if len(path) > 1 and path[0] in _UNPREFIXED:
        path = path[1:]
    return "_".join(path)


def _scalar_columns(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], type]]:
    for name, field in model.model_fields.items():
        annotation = unwrap_optional(field.annotation)
        path = (*prefix, name)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from _scalar_columns(annotation, path)
        elif typing.get_origin(annotation) is list:
            continue  # lists are tables of their own
        else:
            yield path, annotation


#: Members that have tables of their own rather than columns of ``projects``.
_OWN_TABLES = frozenset({"horizontal"})
_SQL_TYPES = {str: str, int: int, bool: int, datetime.date: str}

#: The ``projects`` columns: (member path, column name, SQLite type), in contract order.
PROJECT_COLUMNS: tuple[tuple[tuple[str, ...], str, type], ...] = tuple(
    (path, column_name(path), _SQL_TYPES[annotation])
    for path, annotation in _scalar_columns(Project)
    if path[0] not in _OWN_TABLES
)


def _get(data: dict[str, Any] | None, path: tuple[str, ...]) -> Any:
    for key in path:
        if data is None:
            return None
        data = data.get(key)
    return data


def _sql_value(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    return value


def project_row(project: dict[str, Any], document_id: str) -> dict[str, Any]:
    """The ``projects`` row of a project (as dumped by pydantic in JSON mode)."""
    row = {column: _sql_value(_get(project, path)) for path, column, _ in PROJECT_COLUMNS}
    row["document_id"] = document_id
    row["authority"] = normalise_authority(project.get("managing_authority"))
    return row


def child_rows(project: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The rows of the project's many-row tables, each keyed by the project code."""
    code = project["code"]
    horizontal = project.get("horizontal") or {}
    area = project.get("area") or {}
    return {
        "co_implementers": [
            {"project_code": code, "position": i, **item} for i, item in enumerate(project.get("co_implementers", []), 1)
        ],
        "project_areas": [
            {"project_code": code, "level": level, "position": i, "name": name}
            for level, member in (("region", "regions"), ("subregion", "subregions"), ("municipality", "municipalities"))
            for i, name in enumerate(area.get(member) or [], 1)
        ],
        "indicators": [{"project_code": code, "position": i, **item} for i, item in enumerate(project.get("indicators", []), 1)],
        "horizontal_ratings": [
            {"project_code": code, "principle": principle, "rating": rating} for principle, rating in horizontal.items() if rating is not None
        ],
        "sustainability_scores": [
            {"project_code": code, "position": i, **item} for i, item in enumerate(project.get("sustainability", []), 1)
        ],
        "extra_fields": [{"project_code": code, "position": i, **item} for i, item in enumerate(project.get("extra_fields", []), 1)],
    }


def document_record(document: Document) -> dict[str, Any]:
    """The document as plain JSON-mode data: what parse workers send to the loader."""
    return document.model_dump(mode="json")


def document_row(document_id: str, record: dict[str, Any] | None, *, path: str, sha256: str, error: str | None) -> dict[str, Any]:
    """The ``documents`` row: a parsed document (see :func:`document_record`), or a failed one."""
    if record is None:
        return {
            "id": document_id, "path": path, "sha256": sha256, "format": None, "pages": None, "kind": None,
            "template": None, "title": None, "project_code": None, "status": "failed", "error": error, "text": None,
        }
    project = record.get("project") or {}
    return {
        "id": document_id,
        "path": path,
        "sha256": sha256,
        "format": record["source"]["format"],
        "pages": record["source"]["pages"],
        "kind": record["kind"],
        "template": record["template"],
        "title": record["title"],
        "project_code": project.get("code"),
        "status": "parsed",
        "error": None,
        "text": record["text"],
    }
