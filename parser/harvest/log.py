"""The fetch log: one JSON line per request the harvester made, kept in the corpus.

It is what makes a harvest resumable and incremental (when each page was last asked for, with
which ETag and Last-Modified, which file holds its newest version) and what the archive's table
of versions is made of. A line is appended, flushed and synced after the file it names is in
place, so a killed run leaves at worst a file the log does not name yet, which
:func:`recover_orphans` adds at the next run. The log is never rewritten.
"""

from __future__ import annotations

import datetime
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields
from pathlib import Path

#: Outcomes of a request, as the log and the summary name them.
NEW, CHANGED, UNCHANGED, NOT_MODIFIED, NO_DESCRIPTION, FAILED, RECOVERED = (
    "new", "changed", "unchanged", "not_modified", "no_description", "failed", "recovered",
)
#: Outcomes that saved a file.
SAVED = frozenset({NEW, CHANGED, RECOVERED})


@dataclass
class Entry:
    """One line of the fetch log."""

    time: str
    kind: str  # "list" or "page"
    period: str
    code: str | None
    url: str
    outcome: str
    status: int | None = None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None
    bytes: int | None = None
    #: The text the page describes, normalised (no site chrome): a change here is a new version.
    content_sha256: str | None = None
    #: The file that keeps the answer, inside the corpus (``None``: nothing new was kept).
    file: str | None = None
    attempts: int | None = None
    error: str | None = None

    @property
    def moment(self) -> datetime.datetime:
        """``time`` as a moment."""
        return datetime.datetime.fromisoformat(self.time)


_FIELDS = {field.name for field in fields(Entry)}


def read_log(path: Path) -> Iterator[Entry]:
    """Every entry of the log in order; a line a killed run cut short is passed over."""
    if not path.is_file():
        return
    with open(path, encoding="utf-8") as file:
        for line in file:
            try:
                data = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(data, dict) and {"time", "kind", "period", "url", "outcome"} <= set(data):
                yield Entry(**{key: value for key, value in data.items() if key in _FIELDS})


class FetchLog:
    """The log of one corpus: appended to, and read for what was fetched when."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries = list(read_log(path))

    def append(self, entry: Entry) -> None:
        """Add a line and make it durable before going on."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(asdict(entry), ensure_ascii=False, sort_keys=True) + "\n"
        with open(self.path, "a", encoding="utf-8") as file:
            file.write(line)
            file.flush()
            os.fsync(file.fileno())
        self.entries.append(entry)

    def last(self, url: str) -> Entry | None:
        """The newest entry of a request that got an answer for ``url`` (a failure is no answer)."""
        for entry in reversed(self.entries):
            if entry.url == url and entry.outcome != FAILED:
                return entry
        return None

    def last_attempt(self, url: str) -> Entry | None:
        """The newest entry for ``url``, failed or not."""
        for entry in reversed(self.entries):
            if entry.url == url:
                return entry
        return None

    def last_saved(self, kind: str, period: str, code: str | None) -> Entry | None:
        """The entry of the newest file kept for a project page (or a period's list)."""
        for entry in reversed(self.entries):
            if entry.kind == kind and entry.period == period and entry.code == code and entry.outcome in SAVED and entry.file:
                return entry
        return None

    def named_files(self) -> set[str]:
        """Every file the log names."""
        return {entry.file for entry in self.entries if entry.file}
