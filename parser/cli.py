"""The ``esr`` command."""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from . import __version__
from .read import PDF_ENGINE_NAMES
from .corpus import expand_folders, show_path
from .limits import DEFAULT_TIMEOUT, Limits


def error_line(text: str) -> None:
    """``esr: error: …`` on stderr, with every name in it shown escaped (:func:`show_path`)."""
    click.echo(f"esr: error: {show_path(text)}", err=True)


def note_line(text: str) -> None:
    """``esr: note: …`` on stderr, with every name in it shown escaped (:func:`show_path`)."""
    click.echo(f"esr: note: {show_path(text)}", err=True)


def db_option(help: str):
    """``--db``: the archive file a command works on."""
    return click.option("--db", "db_path", default="db/esr.db", show_default=True, type=click.Path(dir_okay=False, path_type=Path), help=help)


def parse_options(timeout_help: str):
    """The options of every command that parses documents: ``--jobs``, ``--pdf-engine``, ``--timeout``."""

    def decorate(command):
        command = click.option("--timeout", type=click.FloatRange(min=0.1), default=DEFAULT_TIMEOUT, show_default=True, help=timeout_help)(command)
        command = click.option("--pdf-engine", type=click.Choice(PDF_ENGINE_NAMES), default="pdfium", show_default=True, help="PDF text extractor: pdfium is fast; pdfplumber reads character by character.")(command)
        return click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="Worker processes (default: all cores).")(command)

    return decorate


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="esr")
def cli() -> None:
    """ESR-arkisto: an open archive of Finnish European Social Fund project descriptions.

    Reads the descriptions that the structural-funds service publishes (text, PDF or saved web
    pages) into the records of docs/DATA-CONTRACT.md.
    """


@cli.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option("--format", "output_format", type=click.Choice(["json", "jsonl"]), default="json", show_default=True, help="json: one object for one file, an array for several; jsonl: one object per line.")
@parse_options(timeout_help="Seconds one file may take before it is given up on.")
def parse(files: tuple[str, ...], output_format: str, pdf_engine: str, timeout: float, jobs: int | None) -> None:
    """Parse description documents and print their records as JSON.

    FILE may be a .txt export (UTF-8 or Windows-1252), a PDF or a saved web page; the format is
    recognised from the content. A folder stands for every file in it. A file that cannot be read
    gets a one-line error on stderr; the others are still printed, and the exit code is 1.

    \b
    Examples:
      esr parse corpus/S10962.txt
      esr parse corpus/* --format jsonl > records.jsonl
    """
    expanded = expand_folders(files)
    paths = expanded.files
    for line in expanded.errors:
        error_line(line)
    for note in expanded.notes:
        note_line(note)
    from .runner import parse_files

    documents = []
    failed = 0
    for outcome in parse_files(paths, jobs=jobs, pdf_engine=pdf_engine, limits=Limits(timeout=timeout)):
        if outcome.error is not None:
            failed += 1
            error_line(f"{outcome.path}: {outcome.error}")
            continue
        record = json.loads(outcome.document.model_dump_json())
        if output_format == "jsonl":
            click.echo(json.dumps(record, ensure_ascii=False))
        else:
            documents.append(record)
    if output_format == "json" and (documents or len(paths) > 1):
        single = len(paths) == 1
        click.echo(json.dumps(documents[0] if single else documents, ensure_ascii=False, indent=2))
    if failed:
        click.echo(f"esr: {failed} of {len(paths)} file(s) could not be read", err=True)
    if expanded.errors:
        click.echo(f"esr: {len(expanded.errors)} folder(s) or file(s) could not be listed: their documents were not read", err=True)
    if failed or expanded.errors:
        sys.exit(1)


@cli.command(name="build")
@click.argument("corpus", default="corpus", type=click.Path(exists=True, file_okay=False, path_type=Path))
@db_option("The database to build or bring up to date.")
@click.option("--full", is_flag=True, help="Parse every document again and rebuild from an empty database.")
@click.option("--strict", is_flag=True, help="Treat warnings as failures: exit 1 if the archive holds any.")
@parse_options(timeout_help="Seconds one file may take before it is recorded as failed.")
@click.option("--no-contacts", is_flag=True, help="Leave the contact person's e-mail and phone out of the archive (for a public build).")
@click.option("--timing", is_flag=True, help="Print the seconds of each step (scan, lists, parse, load, indexes…) after the summary.")
def build_command(corpus: Path, db_path: Path, full: bool, strict: bool, jobs: int | None, pdf_engine: str, timeout: float, no_contacts: bool, timing: bool) -> None:
    """Build the SQLite archive from the documents and reference lists under CORPUS.

    Documents are every file under CORPUS except CORPUS/reference/, which holds the official
    project lists and the municipality key; nothing outside CORPUS is read (a link leading out
    is reported and skipped). The database is built beside the old one and moved into place
    when complete; unchanged documents are not parsed again (--full parses all). One bad
    document never stops the build: it is recorded as failed, and the exit code is 1 as long as
    the archive holds a failed document. A folder or file that cannot be read, a second build
    of the same database, a folder that cannot be written or a full disk stop the build with
    one line, and the archive stays as it was.

    \b
    Examples:
      esr build
      esr build corpus --db db/esr.db --full
      esr build --timing          (where the time went)
    """
    from .archive.build import BuildError, build

    progress = None

    def plan(count: int) -> None:
        nonlocal progress
        if sys.stderr.isatty() and count:
            progress = click.progressbar(length=count, label="Parsing", file=sys.stderr, show_pos=True, show_eta=True)
            progress.__enter__()

    def parsed(outcome) -> None:
        if progress is not None:
            progress.update(1)

    previous = _stop_on_sigterm()
    try:
        report = build(
            corpus, db_path, full=full, jobs=jobs, pdf_engine=pdf_engine, limits=Limits(timeout=timeout),
            include_contacts=not no_contacts, on_plan=plan, on_parsed=parsed,
        )
    except BuildError as error:
        _end_progress(progress)
        progress = None
        for line in error.lines:
            error_line(line)
        sys.exit(1)
    except (KeyboardInterrupt, _Terminated) as stop:
        # The build has stopped its workers and removed its temporary files on the way here.
        _end_progress(progress)
        progress = None
        what = "SIGTERM" if isinstance(stop, _Terminated) else "Ctrl+C"
        click.echo(f"\nesr: build stopped ({what}): nothing was half-written; {show_path(db_path)} is replaced only by a complete build", err=True)
        sys.exit(143 if isinstance(stop, _Terminated) else 130)
    finally:
        _restore_sigterm(previous)
        _end_progress(progress)
        progress = None
    # The state of the archive, not only of this run: every failed document it holds.
    for path, error in report.archive_failures:
        error_line(f"{path}: {error}")
    for note in report.notes:
        note_line(note)
    if not report.nothing_changed:
        from .publish.serving import remove_stale, serving_note

        remove_stale(db_path)
        served = serving_note(db_path)
        if served is not None:
            note_line(served)
    click.echo(report.summary(), err=True)
    if timing:
        click.echo(report.timing(), err=True)
    if report.archive_failures or (strict and report.warnings):
        sys.exit(1)


def _end_progress(progress) -> None:
    if progress is not None:
        progress.__exit__(None, None, None)


class _Terminated(BaseException):
    """SIGTERM, raised where the build is, so that it stops as it does on Ctrl+C: workers
    stopped, temporary files removed (a BaseException, as KeyboardInterrupt is, so that no
    ``except Exception`` on the way swallows it)."""


def _stop_on_sigterm():
    """Turn SIGTERM into :class:`_Terminated` for the build (also as PID 1 in a container, which
    ignores SIGTERM without a handler); the previous handler, to put back."""

    def stop(signum, frame):
        raise _Terminated()

    try:
        return signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread: leave signals alone
        return None


def _restore_sigterm(previous) -> None:
    if previous is not None:
        signal.signal(signal.SIGTERM, previous)


class EsrError(click.ClickException):
    """A user-facing error: one line on stderr in the house format, exit code 1."""

    def show(self, file=None) -> None:
        """Print the error in the house format: ``esr: error: …``."""
        click.echo(f"esr: error: {self.format_message()}", err=True)


def _archive_row(archive: Path, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
    """The first row ``sql`` reads from an archive opened read-only (``None``: no row); raises
    ``sqlite3.Error`` for a file that is not an archive."""
    import sqlite3

    connection = sqlite3.connect(f"file:{archive}?mode=ro", uri=True)
    try:
        return connection.execute(sql, params).fetchone()
    finally:
        connection.close()


def _contacts_included(archive: Path) -> bool:
    """Whether an archive was built with the contact persons' e-mails and phones (its build_info
    says; an archive that does not say is taken to hold them)."""
    import sqlite3

    try:
        row = _archive_row(archive, "select value from build_info where key = 'contacts'")
    except sqlite3.Error:
        return True
    return row is None or row[0] != "left out"


#: A table only archives of an older layout have: ``projects`` had a full-text index of its own
#: (``project_index_fts`` is its index now: served with an old archive, whose project index had
#: other rowids, its search box would answer with the wrong projects).
_OLDER_LAYOUT_TABLE = "projects_fts"


def _older_layout(archive: Path) -> bool:
    """Whether an archive was built by an older esr whose tables this publication misreads."""
    import sqlite3

    try:
        return _archive_row(archive, "select 1 from sqlite_master where name = ?", [_OLDER_LAYOUT_TABLE]) is not None
    except sqlite3.Error:
        return False  # not an archive at all: Datasette says so


def _existing_archive(db_path: Path) -> Path:
    if not db_path.is_file():
        raise EsrError(f"no archive at {db_path}: run 'esr build' first")
    return db_path


@cli.command()
@db_option("The archive to serve.")
@click.option("--project", "project_dir", default=".", show_default=True, type=click.Path(file_okay=False, path_type=Path), help="The folder holding metadata.yml, dashboards.yml, plugins/ and templates/ (the repository).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (localhost only by default).")
@click.option("-p", "--port", default=8001, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on (0: any free port).")
@click.option("--public", is_flag=True, help="Serve the public: only an archive built with --no-contacts (arbitrary SQL and the /esr.db download would show the contact persons otherwise).")
def serve(db_path: Path, project_dir: Path, host: str, port: int, public: bool) -> None:
    """Serve the archive in Datasette, read-only, with the project's metadata and plugins.

    The publication's files (metadata.yml, dashboards.yml, plugins/, templates/) are read from
    the project folder: the current folder unless --project names another. Without them the
    command refuses to start rather than serve a bare Datasette.

    \b
    Examples:
      esr serve
      esr serve --port 8080
      esr serve --db /srv/esr/esr.db --project /srv/esr-arkisto
      esr serve --public --host 0.0.0.0   (an archive built with --no-contacts)
    """
    import signal

    import uvicorn

    from .publish import ProjectFolderError, find_project, make_datasette
    from .publish.limits import limit_sqlite_heap
    from .publish.serving import hold_archive

    archive = _existing_archive(db_path)
    if archive.name != "esr.db":
        raise EsrError(f"{show_path(db_path)}: the archive must be named esr.db (its database is 'esr' in the published addresses): rename it")
    if _older_layout(archive):
        raise EsrError(f"{show_path(db_path)} was built by an older version of esr, whose search tables this one misreads: rebuild it (esr build)")
    if public and _contacts_included(archive):
        raise EsrError(
            f"{show_path(db_path)} holds the contact persons' e-mails and phones: a public server serves only an archive "
            "built without them (esr build --no-contacts)"
        )
    try:
        project = find_project(project_dir)
    except ProjectFolderError as error:
        raise EsrError(str(error)) from None

    def stop(signum, frame):
        # uvicorn shuts down gracefully on SIGTERM, then raises it again with the handler it
        # found: this one, so that the process exits through the finally below (which removes
        # the server's folder) instead of dying on the spot. SIGHUP (a closed terminal) too.
        raise SystemExit(128 + signum)

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), stop)
    url = f"http://{host}:{port}/esr"
    # Process-wide, so here and not in make_datasette: it bounds what SQLite may build for one
    # request (parser/publish/limits.py), and this process does nothing but serve.
    limit_sqlite_heap()
    # The archive as it is now, whatever a rebuild later renames over db_path: every SQL thread
    # and the /esr.db download read this one file until the server is restarted.
    with hold_archive(archive, url) as held:
        if not held.linked:
            click.echo(f"esr: note: no hard link possible beside {db_path}: serving a copy of it made now ({held.path})", err=True)
        if not held.marked:
            click.echo(f"esr: note: {archive.parent} is not writable: esr build cannot tell that this server serves {db_path}", err=True)
        datasette = make_datasette(held.path, project)
        click.echo(f"esr: serving {db_path} at {url} (Ctrl+C stops)", err=True)
        uvicorn.run(datasette.app(), host=host, port=port, log_level="warning")


@cli.command()
@db_option("The archive to export.")
@click.option("--format", "output_format", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True, help="jsonl: one JSON object per row; csv: a header and one line per row.")
@click.option("-o", "--output", default="export", show_default=True, type=click.Path(file_okay=False, path_type=Path), help="Folder to write into (created if missing).")
def export(db_path: Path, output_format: str, output: Path) -> None:
    """Export every table and view of the archive, one file each, for offline use.

    Beside the files, record.schema.json is the JSON Schema of the parsed-document record that
    'esr parse' prints (generated from the pydantic models).

    \b
    Examples:
      esr export --format csv -o export/
    """
    from .archive.export import export_archive

    for path, rows in export_archive(_existing_archive(db_path), output, output_format):
        click.echo(f"esr: {path}: {rows} rows", err=True)


PERIODS = ("2007-2013", "2014-2020")


@cli.command()
@click.option("--period", type=click.Choice([*PERIODS, "all"]), default="all", show_default=True, help="Programme period(s) to harvest.")
@click.option("--fund", type=click.Choice(["ESR", "EAKR", "all"]), default="ESR", show_default=True, help="Fund whose project pages are fetched (the list page holds both).")
@click.option("--code", "codes", multiple=True, metavar="CODE", help="Fetch only these projects' pages (repeatable); they must be in their period's list.")
@click.option("--corpus", default="corpus", show_default=True, type=click.Path(file_okay=False, path_type=Path), help="The corpus the pages are kept in (under harvest/).")
@click.option("--service-2007", default=None, metavar="URL", help="The 2007–2013 service folder (holding projekti.php), e.g. a mirror or a local replica.  [default: https://www.eura2007.fi/rrtiepa/]")
@click.option("--service-2014", default=None, metavar="URL", help="The 2014–2020 service folder.  [default: https://www.eura2014.fi/rrtiepa/]")
@click.option("--delay", type=click.FloatRange(min=0), default=1.0, show_default=True, help="Seconds between two requests (one request at a time).")
@click.option("--max-age", "max_age", type=click.FloatRange(min=0), default=7.0, show_default=True, help="Days a fetched page stays fresh: it is not asked for again before.")
@click.option("--limit", type=click.IntRange(min=0), default=None, help="At most this many project pages in this run (the rest on the next).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True, help="Seconds one request may take.")
def fetch(period: str, fund: str, codes: tuple[str, ...], corpus: Path, service_2007: str | None, service_2014: str | None,
          delay: float, max_age: float, limit: int | None, timeout: float) -> None:
    """Harvest the service: each period's list page, then its project pages, into the corpus.

    Every answer is logged in CORPUS/harvest/fetch-log.jsonl. A list whose rows changed is kept
    as a new dated list; a project page whose description changed is kept as a new version
    beside the old ones (never over them); a page without a description is only logged. A run
    can be stopped at any time: the next one goes on where it stopped. One request at a time,
    --delay seconds apart, robots.txt obeyed. Run 'esr build' afterwards.

    \b
    Examples:
      esr fetch --period 2014-2020
      esr fetch --code S20334 --code S21736 --max-age 0
      esr fetch --service-2014 http://127.0.0.1:8080/rrtiepa/ --delay 0.1
    """
    import datetime

    from .harvest.client import Disallowed, PoliteClient
    from .harvest.harvest import Harvest, Target
    from .harvest.service import SERVICES

    bases = {"2007-2013": service_2007 or SERVICES["2007-2013"], "2014-2020": service_2014 or SERVICES["2014-2020"]}
    for name, base in bases.items():
        if not base.startswith(("http://", "https://")):
            raise EsrError(f"the {name} service address must start with http:// or https://: {base!r}")
    targets = [Target(name, bases[name]) for name in PERIODS if period in ("all", name)]
    funds = ["ESR", "EAKR"] if fund == "all" else [fund]
    progress = None

    def plan(name: str, count: int) -> None:
        nonlocal progress
        if progress is not None:
            progress.__exit__(None, None, None)
            progress = None
        if sys.stderr.isatty() and count:
            progress = click.progressbar(length=count, label=f"{name}", file=sys.stderr, show_pos=True, show_eta=True)
            progress.__enter__()

    def waited(seconds: float, why: str) -> None:
        if not sys.stderr.isatty():
            return
        click.echo(f"esr: {why}: waiting {seconds:.0f} s before trying again", err=True)

    try:
        with PoliteClient(delay=delay, timeout=timeout, on_wait=waited) as client:
            harvest = Harvest(corpus, client, max_age=datetime.timedelta(days=max_age))
            reports = harvest.run(targets, funds=funds, codes=list(codes) or None, limit=limit, on_plan=plan,
                                  on_page=lambda code, outcome: progress.update(1) if progress is not None else None)
    except Disallowed as error:
        raise EsrError(str(error)) from None
    except KeyboardInterrupt:
        click.echo("\nesr: stopped; what was fetched is kept and logged: run the same command to go on", err=True)
        sys.exit(130)
    finally:
        if progress is not None:
            progress.__exit__(None, None, None)
    failed = 0
    for report in reports:
        for code, error in report.failures:
            click.echo(f"esr: error: {report.period} {code}: {error}", err=True)
        if report.list_error:
            click.echo(f"esr: error: {report.period} list: {report.list_error}", err=True)
        click.echo(report.summary(), err=True)
        failed += len(report.failures) + (1 if report.list_outcome == "failed" else 0)
    if codes:
        unknown = set(codes)
        for report in reports:
            unknown &= set(report.unknown_codes)
        for code in sorted(unknown):
            click.echo(f"esr: error: {code} is in no list of {', '.join(t.period for t in targets)}", err=True)
        failed += len(unknown)
    click.echo(f"esr: harvest kept in {corpus / 'harvest'}; run 'esr build' to load it", err=True)
    if failed:
        sys.exit(1)


@cli.group(name="import")
def import_group() -> None:
    """Bring a file the user downloaded from a service into the corpus."""


@import_group.command(name="eura2021")
@click.argument("workbook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--corpus", default="corpus", show_default=True, type=click.Path(file_okay=False, path_type=Path), help="The corpus the export is kept in (under imports/eura2021/).")
def import_eura2021(workbook: Path, corpus: Path) -> None:
    """Keep a EURA 2021 project export (the Excel file of its search) in the corpus.

    The workbook is read first: a file that is not the service's export (not a workbook, a
    missing or renamed column) is refused with the reason, and nothing is kept. A later export
    is kept beside the earlier ones, since the period's figures move; 'esr build' then loads
    every 2021-2027 project, each from the newest export that has it.

    \b
    Examples:
      esr import eura2021 ~/Lataukset/hankkeet.xlsx
    """
    import datetime

    from .corpus import eura2021_imports, file_sha256, import_path, write_atomically
    from .reference.eura2021 import WorkbookError, read_eura2021

    try:
        export = read_eura2021(workbook)
    except WorkbookError as error:
        raise EsrError(str(error)) from None
    digest = file_sha256(workbook)
    for id, (_, path) in eura2021_imports(corpus).items():
        if file_sha256(path) == digest:
            click.echo(f"esr: {workbook.name} is already in the corpus as {id}: nothing to do", err=True)
            return
    target = corpus / import_path("eura2021", workbook.name, datetime.datetime.now(datetime.timezone.utc))
    write_atomically(target, workbook.read_bytes())
    counts = export.counts
    extra = f"; extra columns kept: {', '.join(export.extra_columns)}" if export.extra_columns else ""
    click.echo(
        f"esr: {workbook.name}: {counts.rows} projects ({counts.flagged} with a value not read with certainty){extra}; "
        f"kept as {target.relative_to(corpus).as_posix()}; run 'esr build' to load it",
        err=True,
    )


def main() -> None:
    """Entry point for ``python -m parser``."""
    cli(prog_name="esr")
