"""What one request may cost the server and what SQL it may run: the hooks of ``parser/publish/limits.py``.

* ``prepare_connection``: on every connection to an archive file (not Datasette's in-memory
  ``_internal`` catalogue, nor the throwaway connection of ``/-/versions``), SQLite's limits
  (one value 8 MiB, 100 result columns, no ATTACH), the budget of 32 MiB of result bytes per
  statement counted as rows are fetched (a ``row_factory`` around Datasette's ``sqlite3.Row``),
  and the authorizer that refuses ``fts3_tokenizer``, ``load_extension``, ``sqlite_stmt``,
  ATTACH and every PRAGMA but the schema-reading ones Datasette runs;
* ``startup``: each such database answers a limit's error in Finnish and English (400);
* ``asgi_wrapper``: a response built in one piece over 64 MiB becomes a 400; streamed
  downloads (CSV with ``_stream=on``, JSON Lines, ``/esr.db``) go through.

The limits, why they are what they are and what they do not bound: the docstring of
``parser/publish/limits.py``. ``esr serve`` also bounds SQLite's heap in its process (64 MiB).
"""

from __future__ import annotations

from datasette import hookimpl

from parser.publish import limits


def _is_archive(datasette, name: str | None) -> bool:
    """Whether ``name`` is one of the database files Datasette serves (not ``_internal``, not an
    in-memory database, not the unregistered connection ``/-/versions`` opens)."""
    database = datasette.databases.get(name) if name else None
    return database is not None and name != "_internal" and not database.is_memory and bool(database.path)


@hookimpl
def prepare_connection(conn, database, datasette):
    """Limits, budget and authorizer on every connection to an archive file."""
    if _is_archive(datasette, database):
        limits.bound_connection(conn)


@hookimpl
def startup(datasette):
    """Every archive database translates the limits' errors."""
    for name, database in datasette.databases.items():
        if _is_archive(datasette, name):
            limits.bound_database(database)


@hookimpl
def asgi_wrapper(datasette):
    """Cap a response built in one piece."""
    return limits.cap_responses
