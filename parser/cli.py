"""The ``esr`` command."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import __version__
from .read import PDF_ENGINE_NAMES
from .corpus import expand_paths
from .runner import DEFAULT_TIMEOUT, Limits, parse_files


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
    paths = expand_paths(files)
    documents = []
    failed = 0
    for outcome in parse_files(paths, jobs=jobs, pdf_engine=pdf_engine, limits=Limits(timeout=timeout)):
        if outcome.error is not None:
            failed += 1
            click.echo(f"esr: error: {outcome.path}: {outcome.error}", err=True)
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
        sys.exit(1)


@cli.command(name="build")
@click.argument("corpus", default="corpus", type=click.Path(exists=True, file_okay=False, path_type=Path))
@db_option("The database to build or bring up to date.")
@click.option("--full", is_flag=True, help="Parse every document again and rebuild from an empty database.")
@click.option("--strict", is_flag=True, help="Treat warnings as failures: exit 1 if the archive holds any.")
@parse_options(timeout_help="Seconds one file may take before it is recorded as failed.")
@click.option("--no-contacts", is_flag=True, help="Leave the contact person's e-mail and phone out of the archive (for a public build).")
def build_command(corpus: Path, db_path: Path, full: bool, strict: bool, jobs: int | None, pdf_engine: str, timeout: float, no_contacts: bool) -> None:
    """Build the SQLite archive from the documents and reference lists under CORPUS.

    Documents are every file under CORPUS except CORPUS/reference/, which holds the official
    project lists and the municipality key. The database is built beside the old one and moved
    into place when complete; unchanged documents are not parsed again (--full parses all).
    One bad document never stops the build: it is recorded as failed, and the exit code is 1.

    \b
    Examples:
      esr build
      esr build corpus --db db/esr.db --full
    """
    from .archive.build import build

    progress = None

    def plan(count: int) -> None:
        nonlocal progress
        if sys.stderr.isatty() and count:
            progress = click.progressbar(length=count, label="Parsing", file=sys.stderr, show_pos=True, show_eta=True)
            progress.__enter__()

    def parsed(outcome) -> None:
        if progress is not None:
            progress.update(1)

    try:
        report = build(
            corpus, db_path, full=full, jobs=jobs, pdf_engine=pdf_engine, limits=Limits(timeout=timeout),
            include_contacts=not no_contacts, on_plan=plan, on_parsed=parsed,
        )
    finally:
        if progress is not None:
            progress.__exit__(None, None, None)
    for path, error in report.failures:
        click.echo(f"esr: error: {path}: {error}", err=True)
    for note in report.notes:
        click.echo(f"esr: note: {note}", err=True)
    click.echo(report.summary(), err=True)
    if report.failed or (strict and report.warnings):
        sys.exit(1)


class EsrError(click.ClickException):
    """A user-facing error: one line on stderr in the house format, exit code 1."""

    def show(self, file=None) -> None:
        """Print the error in the house format: ``esr: error: …``."""
        click.echo(f"esr: error: {self.format_message()}", err=True)


def _existing_archive(db_path: Path) -> Path:
    if not db_path.is_file():
        raise EsrError(f"no archive at {db_path}: run 'esr build' first")
    return db_path


@cli.command()
@db_option("The archive to serve.")
@click.option("--project", "project_dir", default=".", show_default=True, type=click.Path(file_okay=False, path_type=Path), help="The folder holding metadata.yml, dashboards.yml, plugins/ and templates/ (the repository).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (localhost only by default).")
@click.option("-p", "--port", default=8001, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on (0: any free port).")
def serve(db_path: Path, project_dir: Path, host: str, port: int) -> None:
    """Serve the archive in Datasette, read-only, with the project's metadata and plugins.

    The publication's files (metadata.yml, dashboards.yml, plugins/, templates/) are read from
    the project folder: the current folder unless --project names another. Without them the
    command refuses to start rather than serve a bare Datasette.

    \b
    Examples:
      esr serve
      esr serve --port 8080
      esr serve --db /srv/esr/esr.db --project /srv/esr-arkisto
    """
    import uvicorn

    from .publish import ProjectFolderError, find_project, make_datasette

    archive = _existing_archive(db_path)
    try:
        project = find_project(project_dir)
    except ProjectFolderError as error:
        raise EsrError(str(error)) from None
    datasette = make_datasette(archive, project)
    click.echo(f"esr: serving {db_path} at http://{host}:{port}/esr (Ctrl+C stops)", err=True)
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


def main() -> None:
    """Entry point for ``python -m parser``."""
    cli(prog_name="esr")
