"""Refuse every request that could write: the published archive only answers GET and HEAD.

Datasette 0.65 answers a POST to a table page with a 500 error (it looks for a write view);
a clear 405 says what is going on, and no write or plugin endpoint can be reached by POST.
"""

from __future__ import annotations

from datasette import hookimpl

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@hookimpl
def asgi_wrapper(datasette):
    """Wrap Datasette's ASGI app so that only reading methods get through."""

    def wrap(app):
        async def read_only(scope, receive, send):
            if scope["type"] == "http" and scope["method"] not in _READ_METHODS:
                body = "Tämä arkisto on vain luettavissa. This archive is read-only.\n".encode("utf-8")
                await send({"type": "http.response.start", "status": 405, "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"), (b"allow", b"GET, HEAD, OPTIONS"),
                    (b"content-length", str(len(body)).encode()),
                ]})
                await send({"type": "http.response.body", "body": body})
                return
            await app(scope, receive, send)

        return read_only

    return wrap
