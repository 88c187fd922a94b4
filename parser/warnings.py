"""Warnings: what a stage noticed about a document and kept, as ``{code, message, line}``."""

from __future__ import annotations

from typing import Any

from .read.lines import Line


class WarningLog(list):
    """The warnings of one document, in the order they arose."""

    def add(self, code: str, message: str, line: Line | int | None = None) -> None:
        """Note a warning; ``line`` is the source line it concerns (a :class:`Line` or its number)."""
        number = line.number if isinstance(line, Line) else line
        self.append({"code": code, "message": message, "line": number})

    def as_dicts(self) -> list[dict[str, Any]]:
        """The warnings as plain dicts, for the record."""
        return list(self)
