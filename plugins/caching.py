"""The immutable archive's answers computed once: the hooks of ``parser/publish/caching.py``.

* ``asgi_wrapper`` (``tryfirst``: the innermost wrapper, right around Datasette, so the
  read-only, error, size-cap and CSV wrappers still see every request and answer): weak ETag and
  ``Cache-Control`` on every answer the build alone decides, ``304`` to a matching
  ``If-None-Match``, and an in-process LRU cache of complete answers (bounded: 2,000 entries,
  64 MiB, 4 MiB for one answer). The header ``x-esr-cache: hit`` or ``miss`` says which.
* ``startup``: on every immutable file database, the schema answers and the tables' spellings
  (asked at every permission check) remembered and every failed
  query noted (a page during which a facet timed out is never cached); the table permission
  rules remembered; then both filled for every table, every template compiled and the build's
  ETag computed, before the server accepts its first connection.

What is cached and what never is: the docstring of ``parser/publish/caching.py``.
"""

from __future__ import annotations

from datasette import hookimpl

from parser.publish import caching


@hookimpl(tryfirst=True)
def asgi_wrapper(datasette):
    """Validators, 304s and the response cache, innermost."""
    return caching.caching_app(datasette)


@hookimpl
def startup(datasette):
    """Schema and permissions once per server, filled at start with the templates compiled;
    failed queries noted per request."""
    for database in datasette.databases.values():
        if caching.is_served_file(database):
            caching.memoize_schema(database)
            caching.memoize_spellings(database)
            caching.note_failed_queries(database)
    caching.memoize_permissions(datasette)

    async def inner():
        await caching.warm_up(datasette)

    return inner
