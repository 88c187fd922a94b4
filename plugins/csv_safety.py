"""Every CSV the server sends is safe to open in a spreadsheet: no cell becomes a formula.

Datasette 0.65 writes CSV in one place (``DataView.as_csv`` in datasette/views/base.py: the
``.csv`` of a table, a view, a row, a canned query or an SQL query, one page or every row with
``_stream=on``, shown or downloaded with ``_dl=on``) with the csv module, straight from the
rows, and has no hook for it: ``render_cell`` is for HTML only, and an output renderer named
``csv`` is never called (``.csv`` is handled before the renderers). So this ``asgi_wrapper``
rewrites the response of every ``.csv`` request as it streams, record by record, through
:class:`parser.spreadsheet.CsvNeutraliser`, the same rule ``esr export --format csv``
applies (:func:`parser.spreadsheet.neutralise_cell`). JSON and the JSON Lines route are
not touched.

Three more things of Datasette's CSV are set right here:

* ``_trace`` on a ``.csv`` makes Datasette wrap the CSV in an HTML page (even with ``_dl=on``,
  as ``<table>.csv``), which would bypass the rewriting; it is a debugging aid, dropped here;
* a stream (``_stream=on``) without a ``_size`` of its own is asked for pages of
  ``max_returned_rows`` (``_size=max``): Datasette 0.65 means to (``as_csv`` sets
  ``_size`` in arguments it then never passes on), but walks every page after the first at
  ``default_page_size``, 50 rows: the full ``project_list`` took 457 table pages and 3.0 s,
  with 1,000 rows a page it takes 23;
* a stream that fails after its first page (the SQL time limit on a later page) has already
  sent its 200; Datasette then ends the file with the Python text of the exception. That text
  is replaced by one last row saying, in Finnish and English, that rows are missing.
"""

from __future__ import annotations

import urllib.parse

from datasette import hookimpl

from parser.publish.errors import download_interrupted
from parser.spreadsheet import CsvNeutraliser, csv_record

#: Content types of Datasette's CSV responses (text/csv with _dl=on).
_CSV_TYPES = (b"text/csv", b"text/plain")
#: Datasette sends a stream one row a message; they are passed on in pieces of about this many
#: bytes, which cost the wrappers and the server a message each (the 22,822 lines of the full
#: project_list: some 185 pieces).
CHUNK_BYTES = 64 * 1024


def _path(scope) -> str:
    raw_path = scope.get("raw_path")
    # Datasette routes on the raw path (datasette/app.py, DatasetteRouter.__call__).
    path = raw_path.decode("latin-1") if raw_path else scope.get("path", "")
    return path.partition("?")[0]


def _csv_query(query_string: bytes) -> bytes:
    """The query string without ``_trace``, and with ``_size=max`` for a stream that has no
    ``_size`` (see the module's docstring)."""
    parts = query_string.split(b"&")
    names = [urllib.parse.unquote_plus(part.partition(b"=")[0].decode("latin-1")) for part in parts]
    kept = [part for part, name in zip(parts, names) if name != "_trace"]
    # Datasette streams when the first _stream is any non-empty text (even "0").
    stream = next((part.partition(b"=")[2] for part, name in zip(parts, names) if name == "_stream"), b"")
    if stream and "_size" not in names:
        kept.append(b"_size=max")
    return b"&".join(kept)


def _header(headers, name: bytes) -> bytes:
    for key, value in headers:
        if key.lower() == name:
            return value
    return b""


@hookimpl
def asgi_wrapper(datasette):
    """Neutralise every cell of every CSV response (and drop ``_trace`` from CSV requests, and
    stream in pages of ``max_returned_rows``)."""

    def wrap(app):
        async def neutralised(scope, receive, send):
            if scope.get("type") != "http" or not _path(scope).endswith(".csv"):
                await app(scope, receive, send)
                return
            query_string = scope.get("query_string") or b""
            if b"_trace" in query_string or b"_stream" in query_string:
                scope = dict(scope, query_string=_csv_query(query_string))
            rewriter: CsvNeutraliser | None = None
            waiting: list[bytes] = []
            waiting_bytes = 0

            async def send_neutralised(message):
                nonlocal rewriter, waiting_bytes
                if message["type"] == "http.response.start":
                    headers = list(message.get("headers") or [])
                    content_type = _header(headers, b"content-type").lower()
                    if message.get("status") == 200 and content_type.startswith(_CSV_TYPES):
                        rewriter = CsvNeutraliser()
                        # The rewritten body has another length.
                        headers = [(key, value) for key, value in headers if key.lower() != b"content-length"]
                        message = dict(message, headers=headers)
                elif message["type"] == "http.response.body" and rewriter is not None:
                    waiting.append(message.get("body") or b"")
                    waiting_bytes += len(waiting[-1])
                    more = message.get("more_body", False)
                    if more and waiting_bytes < CHUNK_BYTES:
                        return
                    body = rewriter.feed(b"".join(waiting))
                    waiting.clear()
                    waiting_bytes = 0
                    if not more:
                        rest = rewriter.finish()
                        if rest.strip():
                            # Datasette writes every row with its line end, so text without one
                            # is what it wrote after a failure (see the module's docstring).
                            body += csv_record([download_interrupted(rest)]).encode("utf-8")
                    message = dict(message, body=body)
                await send(message)

            await app(scope, receive, send_neutralised)

        return neutralised

    return wrap
