"""Parse many files in worker processes, each file bounded in time and memory.

A PDF library stuck in C code cannot be interrupted from inside its own process, so the bound
is enforced from outside: a worker that overruns its time is killed and replaced, and its file
is reported as failed. Results come back in input order, whatever order the workers finish in,
so the output of a run is deterministic.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from multiprocessing.connection import Connection, wait

from .parse import DEFAULT_MAX_BYTES, parse_path
from .read import UnreadableDocument
from .records import Document

DEFAULT_TIMEOUT = 60.0
Transform = Callable[[Document], Any]
DEFAULT_MEMORY_LIMIT = 2 * 1024**3


@dataclass(frozen=True)
class Limits:
    """How much one file may cost before it is given up on."""

    timeout: float = DEFAULT_TIMEOUT
    memory: int | None = DEFAULT_MEMORY_LIMIT
    max_bytes: int = DEFAULT_MAX_BYTES
    max_pages: int = 1000


@dataclass(frozen=True)
class Outcome:
    """The result for one file: a document, or the one-line reason it could not be read."""

    path: str
    #: The parsed document, or what the caller's ``transform`` made of it in the worker.
    document: Document | Any | None = None
    error: str | None = None
    seconds: float = 0.0


def parse_one(path: str, *, pdf_engine: str = "pdfium", limits: Limits = Limits(), transform: Transform | None = None) -> Outcome:
    """Parse one file in this process; every failure becomes an :class:`Outcome` with an error.

    ``transform`` turns the document into what the caller needs (plain rows, say) while still in
    the worker, so the parent receives cheap data instead of unpickling pydantic models.
    """
    started = time.perf_counter()
    try:
        document = parse_path(path, pdf_engine=pdf_engine, max_pages=limits.max_pages, max_bytes=limits.max_bytes)
        if transform is not None:
            document = transform(document)
        return Outcome(path, document, seconds=time.perf_counter() - started)
    except UnreadableDocument as error:
        return Outcome(path, error=str(error), seconds=time.perf_counter() - started)
    except MemoryError:
        return Outcome(path, error=f"too large: parsing needed more than the memory limit ({limits.memory:,} bytes)")
    except RecursionError:
        return Outcome(path, error="too deeply nested to parse")
    except Exception as error:  # noqa: BLE001 - one bad file must never stop the others
        return Outcome(path, error=f"internal error while parsing ({type(error).__name__}: {error}); please report it")


def _limit_memory(limit: int | None) -> None:
    if limit is None:
        return
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass  # not every platform lets a process cap itself; the time bound still holds


def _worker(connection: Connection, pdf_engine: str, limits: Limits, transform: Transform | None) -> None:
    _limit_memory(limits.memory)
    while True:
        try:
            task = connection.recv()
        except EOFError:
            return
        if task is None:
            return
        index, path = task
        connection.send((index, parse_one(path, pdf_engine=pdf_engine, limits=limits, transform=transform)))


class _Worker:
    def __init__(self, context: multiprocessing.context.BaseContext, pdf_engine: str, limits: Limits, transform: Transform | None) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_worker, args=(child, pdf_engine, limits, transform), daemon=True)
        self.process.start()
        child.close()
        self.task: tuple[int, str] | None = None
        self.deadline = 0.0

    def send(self, index: int, path: str, timeout: float) -> None:
        """Hand the worker a file; it must answer before ``timeout`` seconds."""
        self.task = (index, path)
        self.deadline = time.monotonic() + timeout
        self.connection.send(self.task)

    def stop(self, kill: bool = False) -> None:
        """End the worker: ask it to stop, or kill it when it is busy or does not stop."""
        if kill:
            self.process.kill()
        else:
            try:
                self.connection.send(None)
            except OSError:
                pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.connection.close()


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def parse_files(
    paths: Iterable[str], *, jobs: int | None = None, pdf_engine: str = "pdfium", limits: Limits = Limits(), transform: Transform | None = None
) -> Iterator[Outcome]:
    """Parse files in ``jobs`` worker processes; yield one :class:`Outcome` per path, in order.

    ``transform`` (a module-level function) is applied to each document in its worker.
    """
    paths = list(paths)
    jobs = max(1, min(jobs or default_jobs(), len(paths)))
    if not paths:
        return
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    workers = [_Worker(context, pdf_engine, limits, transform) for _ in range(jobs)]
    finished: dict[int, Outcome] = {}
    queue = iter(enumerate(paths))
    next_to_yield = 0
    try:
        for worker in workers:
            task = next(queue, None)
            if task is not None:
                worker.send(*task, limits.timeout)
        while next_to_yield < len(paths):
            busy = [w for w in workers if w.task is not None]
            timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic())
            ready = wait([w.connection for w in busy], timeout=timeout)
            for worker in busy:
                if worker.connection in ready:
                    try:
                        index, outcome = worker.connection.recv()
                    except (EOFError, OSError):
                        # The worker died (killed by the memory limit or a crash in C code).
                        index, path = worker.task
                        outcome = Outcome(path, error="the parser process died while reading this file (out of memory or a crash in the PDF library)")
                        workers[workers.index(worker)] = worker = _replace(worker, context, pdf_engine, limits, transform)
                elif time.monotonic() >= worker.deadline:
                    index, path = worker.task
                    outcome = Outcome(path, error=f"timed out: reading took more than {limits.timeout:g} s", seconds=limits.timeout)
                    workers[workers.index(worker)] = worker = _replace(worker, context, pdf_engine, limits, transform)
                else:
                    continue
                finished[index] = outcome
                worker.task = None
                task = next(queue, None)
                if task is not None:
                    worker.send(*task, limits.timeout)
            while next_to_yield in finished:
                yield finished.pop(next_to_yield)
                next_to_yield += 1
    finally:
        for worker in workers:
            worker.stop(kill=worker.task is not None)


def _replace(worker: _Worker, context: multiprocessing.context.BaseContext, pdf_engine: str, limits: Limits, transform: Transform | None) -> _Worker:
    worker.stop(kill=True)
    return _Worker(context, pdf_engine, limits, transform)
