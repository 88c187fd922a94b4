"""The ``esr`` command."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import __version__
from .read import PDF_ENGINE_NAMES
from .runner import DEFAULT_TIMEOUT, Limits, parse_files


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="esr")
def cli() -> None:
    """ESR-arkisto: an open archive of Finnish European Social Fund project descriptions.

    Reads the descriptions that the structural-funds service publishes (text, PDF or saved web
    pages) into the records of DATA-CONTRACT.md.
    """


def _expand(paths: tuple[str, ...]) -> list[str]:
    """Files as given; a folder stands for the files in it, sorted, so ``esr parse corpus`` works."""
    files: list[str] = []
    for path in paths:
        folder = Path(path)
        if folder.is_dir():
            files.extend(str(p) for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.startswith("."))
        else:
            files.append(path)
    return files


@cli.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option("--format", "output_format", type=click.Choice(["json", "jsonl"]), default="json", show_default=True, help="json: one object for one file, an array for several; jsonl: one object per line.")
@click.option("--pdf-engine", type=click.Choice(PDF_ENGINE_NAMES), default="pdfium", show_default=True, help="PDF text extractor: pdfium is fast; pdfplumber reads character by character.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=DEFAULT_TIMEOUT, show_default=True, help="Seconds one file may take before it is given up on.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="Worker processes (default: all cores).")
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
    paths = _expand(files)
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


def main() -> None:
    """Entry point for ``python -m parser``."""
    cli(prog_name="esr")
