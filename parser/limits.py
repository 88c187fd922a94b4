"""How much one file may cost before it is given up on: what ``esr parse`` and ``esr build``
offer as options and the worker pool (:mod:`parser.runner`) enforces.

A module of its own, importing nothing of the parser, so that the ``esr`` command can show its
options' defaults without importing the parser (the layouts, their patterns and the records):
``esr --help``, ``esr fetch``, ``import`` and ``export`` start without them (``esr --help`` in
0.09 s instead of 0.27 s).
"""

from __future__ import annotations

from dataclasses import dataclass

#: Seconds one file may take (``--timeout``).
DEFAULT_TIMEOUT = 60.0
#: Bytes of memory a worker may hold while it parses one file.
DEFAULT_MEMORY_LIMIT = 2 * 1024**3
#: Files larger than this are refused unread: no description comes near it.
DEFAULT_MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """How much one file may cost before it is given up on."""

    timeout: float = DEFAULT_TIMEOUT
    memory: int | None = DEFAULT_MEMORY_LIMIT
    max_bytes: int = DEFAULT_MAX_BYTES
    max_pages: int = 1000
