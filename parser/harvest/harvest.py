"""One harvest run: each period's list page, then its project pages, every new version kept.

A list page is kept as a new dated list when its rows changed; a project page is kept as a new
version when its description changed (its normalised text, without the site's chrome, so a new
date in a footer makes no version). A page holding no description (an unknown code, the site's
error page) is logged and not kept. A page asked for less than ``max_age`` ago is not asked for
again; an older one is asked for conditionally. Files are written whole (a temporary name, then
one rename) before the log names them, so a killed run leaves no partial file and the next run
goes on where it stopped.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..corpus import HARVEST_FOLDER, write_atomically, fetch_log_path, harvested_page, list_page_path, list_pages, page_path
from ..parse import parse_bytes
from ..read import UnreadableDocument
from ..reference.list_pages import ListPageError, read_list_page
from .client import Disallowed, Fetched, PoliteClient
from .log import CHANGED, FAILED, NEW, NO_DESCRIPTION, NOT_MODIFIED, RECOVERED, UNCHANGED, Entry, FetchLog
from .service import FUNDS, list_url, project_url

DEFAULT_MAX_AGE_DAYS = 7.0


@dataclass
class PeriodReport:
    """What a run did for one period."""

    period: str
    list_outcome: str | None = None
    list_error: str | None = None
    pages: Counter = field(default_factory=Counter)
    failures: list[tuple[str, str]] = field(default_factory=list)
    #: Codes asked for with --code that the period's list does not hold.
    unknown_codes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the terminal."""
        counts = ", ".join(f"{self.pages[name]} {label}" for name, label in (  # only what happened
            (NEW, "new"), (CHANGED, "changed"), (UNCHANGED, "unchanged"), (NOT_MODIFIED, "not modified"),
            (NO_DESCRIPTION, "without a description"), (FAILED, "failed"), ("skipped", "skipped (fetched recently)"),
            ("limited", "left for the next run (--limit)"),
        ) if self.pages[name]) or "none asked for"
        listed = self.list_outcome or "not fetched"
        if self.list_error:
            listed += f" ({self.list_error})"
        return f"esr: {self.period}: list {listed}; pages: {counts}"


@dataclass(frozen=True)
class Target:
    """A period to harvest and where its service is."""

    period: str
    base: str


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _free_name(corpus: Path, relative: PurePosixPath) -> PurePosixPath:
    """``relative``, or with ``-2``, ``-3`` … before its suffix when a file has that name."""
    candidate, number = relative, 1
    while (corpus / candidate).exists():
        number += 1
        candidate = relative.with_name(f"{relative.stem}-{number}{relative.suffix}")
    return candidate


def description_identity(data: bytes, name: str) -> str | None:
    """The SHA-256 of a page's description as normalised text (no site chrome), or ``None``
    when the page holds no description."""
    try:
        document = parse_bytes(data, name)
    except UnreadableDocument:
        return None
    if document.kind != "description":
        return None
    return _sha256(document.text.encode("utf-8"))


def list_identity(data: bytes, name: str, list_date: str | None):
    """The list read from a list page, and the SHA-256 of its rows (what a new list is)."""
    page = read_list_page(data, name, list_date=list_date)
    rows = [row.model_dump(mode="json", exclude={"source_list", "list_date", "raw"}) for row in page.rows]
    return page, _sha256(json.dumps(rows, ensure_ascii=False, sort_keys=True).encode("utf-8"))


class Harvest:
    """A harvest of one corpus with one client; see the module docstring."""

    def __init__(
        self,
        corpus: Path,
        client: PoliteClient,
        *,
        max_age: datetime.timedelta = datetime.timedelta(days=DEFAULT_MAX_AGE_DAYS),
        now: Callable[[], datetime.datetime] = _now,
    ) -> None:
        self.corpus = corpus
        self.client = client
        self.max_age = max_age
        self.now = now
        self.log = FetchLog(fetch_log_path(corpus))
        self._remove_temporaries()

    # ---- resuming

    def _remove_temporaries(self) -> None:
        """Temporary files of a killed run: never documents, never kept."""
        folder = self.corpus / HARVEST_FOLDER
        for stale in folder.rglob(".*.tmp") if folder.is_dir() else []:
            stale.unlink(missing_ok=True)

    def recover_orphans(self, targets: Sequence[Target]) -> int:
        """Log the files a killed run kept but did not log yet (it died between the two)."""
        named = self.log.named_files()
        bases = {target.period: target.base for target in targets}
        recovered = 0
        folder = self.corpus / HARVEST_FOLDER
        lists = list_pages(self.corpus)
        for path in sorted(folder.rglob("*.html")) if folder.is_dir() else []:
            relative = path.relative_to(self.corpus).as_posix()
            if relative in named:
                continue
            data = path.read_bytes()
            page = harvested_page(relative)
            if page is not None and page.period in bases:
                entry = Entry(
                    page.fetched_at.isoformat(), "page", page.period, page.code, project_url(bases[page.period], page.code),
                    RECOVERED, sha256=_sha256(data), bytes=len(data), content_sha256=description_identity(data, relative), file=relative,
                )
            elif relative in lists and lists[relative][0] in bases:
                period, moment, _ = lists[relative]
                try:
                    _, identity = list_identity(data, relative, moment.date().isoformat())
                except ListPageError:
                    identity = None
                entry = Entry(moment.isoformat(), "list", period, None, list_url(bases[period]), RECOVERED,
                              sha256=_sha256(data), bytes=len(data), content_sha256=identity, file=relative)
            else:
                continue
            self.log.append(entry)
            recovered += 1
        return recovered

    # ---- requests

    def _recent(self, url: str) -> Entry | None:
        """The last answer for ``url`` when it is younger than ``max_age``."""
        last = self.log.last(url)
        if last is not None and self.now() - last.moment < self.max_age:
            return last
        return None

    def _conditional(self, url: str) -> tuple[str | None, str | None]:
        """The validators of the last answer for ``url`` that had them."""
        for entry in reversed(self.log.entries):
            if entry.url == url and entry.outcome != FAILED and (entry.etag or entry.last_modified):
                return entry.etag, entry.last_modified
        return None, None

    def _entry(self, fetched: Fetched, kind: str, period: str, code: str | None, outcome: str, **extra) -> Entry:
        headers = fetched.headers
        return Entry(
            time=fetched.fetched_at.replace(microsecond=0).isoformat(),
            kind=kind, period=period, code=code, url=fetched.url, outcome=outcome, status=fetched.status,
            content_type=headers.get("content-type"), etag=headers.get("etag"), last_modified=headers.get("last-modified"),
            sha256=_sha256(fetched.content) if fetched.content else None, bytes=len(fetched.content) if fetched.status == 200 else None,
            attempts=fetched.attempts, error=fetched.error, **extra,
        )

    def _keep(self, relative: PurePosixPath, data: bytes) -> str:
        relative = _free_name(self.corpus, relative)
        write_atomically(self.corpus / relative, data)
        return relative.as_posix()

    # ---- a period's list

    def fetch_list(self, target: Target, report: PeriodReport):
        """The period's list as it is now: fetched (or the newest kept one when it was fetched
        recently, did not change or could not be fetched). ``None`` when there is none at all."""
        url = list_url(target.base)
        recent = self._recent(url)
        if recent is None:
            etag, modified = self._conditional(url)
            fetched = self.client.get(url, etag=etag, last_modified=modified)
            if fetched.not_modified:
                self.log.append(self._entry(fetched, "list", target.period, None, NOT_MODIFIED))
                report.list_outcome = NOT_MODIFIED
            elif not fetched.ok:
                self.log.append(self._entry(fetched, "list", target.period, None, FAILED))
                report.list_outcome, report.list_error = FAILED, fetched.error
            else:
                name = list_page_path(target.period, fetched.fetched_at).as_posix()
                try:
                    page, identity = list_identity(fetched.content, name, fetched.fetched_at.date().isoformat())
                except ListPageError as error:
                    self.log.append(self._entry(fetched, "list", target.period, None, NO_DESCRIPTION, content_sha256=None))
                    report.list_outcome, report.list_error = NO_DESCRIPTION, str(error)
                else:
                    previous = self.log.last_saved("list", target.period, None)
                    if previous is not None and previous.content_sha256 == identity:
                        self.log.append(self._entry(fetched, "list", target.period, None, UNCHANGED, content_sha256=identity))
                        report.list_outcome = UNCHANGED
                    else:
                        file = self._keep(list_page_path(target.period, fetched.fetched_at), fetched.content)
                        outcome = NEW if previous is None else CHANGED
                        self.log.append(self._entry(fetched, "list", target.period, None, outcome, content_sha256=identity, file=file))
                        report.list_outcome = outcome
                        return page
        else:
            report.list_outcome = "skipped"
        saved = self.log.last_saved("list", target.period, None)
        if saved is None or not (self.corpus / saved.file).is_file():
            return None
        try:
            return read_list_page((self.corpus / saved.file).read_bytes(), saved.file, list_date=saved.moment.date().isoformat())
        except ListPageError:
            return None

    # ---- a project's page

    def fetch_page(self, target: Target, code: str) -> str:
        """Ask for one project page; keep it when its description is new. Returns the outcome."""
        url = project_url(target.base, code)
        if self._recent(url) is not None:
            return "skipped"
        etag, modified = self._conditional(url)
        fetched = self.client.get(url, etag=etag, last_modified=modified)
        if fetched.not_modified:
            self.log.append(self._entry(fetched, "page", target.period, code, NOT_MODIFIED))
            return NOT_MODIFIED
        if not fetched.ok:
            self.log.append(self._entry(fetched, "page", target.period, code, FAILED))
            return FAILED
        name = page_path(target.period, code, fetched.fetched_at)
        identity = description_identity(fetched.content, name.as_posix())
        if identity is None:
            self.log.append(self._entry(fetched, "page", target.period, code, NO_DESCRIPTION))
            return NO_DESCRIPTION
        previous = self.log.last_saved("page", target.period, code)
        if previous is not None and previous.content_sha256 == identity:
            self.log.append(self._entry(fetched, "page", target.period, code, UNCHANGED, content_sha256=identity))
            return UNCHANGED
        file = self._keep(name, fetched.content)
        outcome = NEW if previous is None else CHANGED
        self.log.append(self._entry(fetched, "page", target.period, code, outcome, content_sha256=identity, file=file))
        return outcome

    # ---- a run

    def run(
        self,
        targets: Sequence[Target],
        *,
        funds: Iterable[str] = ("ESR",),
        codes: Iterable[str] | None = None,
        limit: int | None = None,
        on_plan: Callable[[str, int], None] | None = None,
        on_page: Callable[[str, str], None] | None = None,
    ) -> list[PeriodReport]:
        """Harvest ``targets``: their lists, then the pages of ``funds`` (or only ``codes``).

        ``limit`` bounds the project pages asked for in this run. Raises :class:`Disallowed`
        when robots.txt forbids what the run needs (the log holds what was done until then).
        """
        letters = tuple(FUNDS[fund] for fund in funds)
        wanted = None if codes is None else list(dict.fromkeys(codes))
        self.recover_orphans(targets)
        reports = []
        asked = 0
        for target in targets:
            report = PeriodReport(target.period)
            reports.append(report)
            page = self.fetch_list(target, report)
            if page is None:
                continue
            listed = [row.code for row in page.rows if row.code]
            if wanted is None:
                todo = [code for code in listed if code.startswith(letters)]
            else:
                known = set(listed)
                todo = [code for code in wanted if code in known]
                report.unknown_codes = [code for code in wanted if code not in known]
            if on_plan is not None:
                on_plan(target.period, len(todo))
            for code in todo:
                if limit is not None and asked >= limit:
                    outcome = "limited"
                else:
                    outcome = self.fetch_page(target, code)
                    if outcome != "skipped":
                        asked += 1
                report.pages[outcome] += 1
                if outcome == FAILED:
                    report.failures.append((code, self.log.entries[-1].error or "failed"))
                if on_page is not None:
                    on_page(code, outcome)
        return reports


__all__ = ["Disallowed", "Harvest", "PeriodReport", "Target", "description_identity"]
