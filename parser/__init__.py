"""ESR-arkisto: Finnish ESF project descriptions into validated records, an archive and a site.

The folders are the pipeline, read top to bottom; data flows one way:

* :mod:`parser.corpus` — which files of a corpus are documents, and the reference files;
* :mod:`parser.read` — bytes → lines (text, PDF behind two engines, saved web pages);
* :mod:`parser.clean` — page furniture out, broken lines joined;
* :mod:`parser.extract` — lines → the project: layout declarations, the engine, typed values;
* :mod:`parser.records` — the public record (pydantic models of docs/DATA-CONTRACT.md);
* :mod:`parser.parse` and :mod:`parser.runner` — one file through those stages; many files in
  bounded worker processes;
* :mod:`parser.reference` — the official project lists and the municipality key;
* :mod:`parser.archive` — records and reference data → the SQLite archive;
* :mod:`parser.search` — the Finnish-aware full-text search;
* :mod:`parser.publish` — the archive in Datasette;
* :mod:`parser.cli` — the ``esr`` command.

Shared by several stages: :mod:`parser.warnings` (the registry of warning codes) and
:mod:`parser.finnish` (letters and consonant gradation).
"""

__version__ = "0.1.0"
