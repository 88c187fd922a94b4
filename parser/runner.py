"""Parse many files in worker processes, each file bounded in time and memory.

A PDF library stuck in C code cannot be interrupted from inside its own process, so the bound
is enforced from outside: a worker that overruns its time is killed and replaced, and its file
is reported as failed. Results come back in input order, whatever order the workers finish in,
so the output of a run is deterministic.

Workers end with the run that started them, however it ends: ``parse_files`` stops them when it
finishes or raises (or is closed), and a worker whose parent is gone (killed with SIGKILL, say)
ends by itself: on Linux the kernel kills it at once (``PR_SET_PDEATHSIG``), elsewhere it sees
within half a second that its parent pid changed.
"""

from __future__ import annotations

import ctypes
import faulthandler
import gc
import multiprocessing
import os
import re
import signal
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from multiprocessing.connection import Connection, wait

try:
    import resource
except ImportError:  # not on every platform
    resource = None  # type: ignore[assignment]

from .extract.layouts import compile_patterns
from .limits import Limits
from .parse import parse_path
from .read import UnreadableDocument
from .records import Document

Transform = Callable[[Document], Any]


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
    if limit is None or resource is None:
        return
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):
        pass  # not every platform lets a process cap itself; the time bound still holds


#: How often a worker looks whether its parent is still there (seconds).
_PARENT_CHECK = 0.5
_PR_SET_PDEATHSIG = 1


def _find_prctl() -> Callable[..., int] | None:
    """libc's ``prctl``, looked up in the parent, before any fork.

    A child forked while another thread of its parent was inside ``dlopen`` (an import of an
    extension module, say) inherits the loader's lock held, and would wait for it for ever if it
    looked a symbol up itself; so the child starts without importing or loading anything (this
    module imports ``resource`` for the same reason).
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None  # no libc prctl: the pid checks of _die_with_parent still end a worker


_PRCTL = _find_prctl()


def _die_with_parent(parent: int) -> None:
    """End this worker when the process that started it ends, however that ends.

    A worker waits for its next file on a pipe, but it never sees the pipe close when its parent
    dies: a forked worker holds the parent's end too (its own and that of the workers forked
    before it). So on Linux the kernel is asked to kill it when its parent goes (the signal
    comes when the parent's *thread* that forked it ends; ``parse_files`` runs in one thread
    from its first worker to the stop of its last, so that is when the run ends). Everywhere, a
    thread checks the parent pid, for the platforms without ``prctl`` and for a worker busy in a
    long file, and the receive loop checks it too.
    """
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)  # the parent died before the kernel was asked

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_PARENT_CHECK)
        os._exit(1)  # orphaned: nobody will read what this worker makes

    threading.Thread(target=watch, name="esr-parent-watch", daemon=True).start()


#: The signals a worker takes its own way: held back from its start until it has its handlers.
_STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})


def _start(process: multiprocessing.process.BaseProcess) -> None:
    """Start a worker with SIGINT and SIGTERM held back until it has its own handlers.

    A forked worker starts with its parent's handlers, and ``esr build``'s SIGTERM handler
    raises an exception: a SIGTERM in the worker's first moments (a build stopped just as it
    replaced a worker, or the interpreter's exit ending daemon processes) printed that
    exception's traceback instead of ending the worker. The forked worker inherits the mask of
    the thread that forks it; it lets the signals in once its handlers are set (``_worker``).

    The objects the worker inherits are frozen out of its garbage collector (``gc.freeze``, as
    Python's documentation advises before a fork): a collection in the worker would otherwise
    finalize the parent's garbage, an SQLite connection among it, whose close waits for an
    SQLite mutex that another thread of the parent held at the fork, and so for ever. In a
    pytest process, whose heap holds many tests' connections, workers hung so at their first
    files (in whatever allocation started the collection: a pattern's compile, a string's join).
    """
    gc.freeze()
    try:
        if not hasattr(signal, "pthread_sigmask"):
            process.start()
            return
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        try:
            process.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
    finally:
        gc.unfreeze()  # in this process they are collected as before


#: The signal that asks a worker where it is (its Python stack, written to its trace file).
_WHERE = getattr(signal, "SIGUSR1", None)


def _worker(
    connection: Connection, parent: int, pdf_engine: str, limits: Limits, transform: Transform | None, trace: Any = None
) -> None:
    # Ctrl+C reaches the whole process group: the parent stops the workers (and says so once);
    # a handler the parent installed for SIGTERM must not run here either.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if trace is not None:
        # Written from the signal handler in C, so even while the worker is stuck in C code.
        faulthandler.register(_WHERE, file=trace, all_threads=False)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)  # held back by _start
    _die_with_parent(parent)
    _limit_memory(limits.memory)
    while True:
        try:
            while not connection.poll(_PARENT_CHECK):
                if os.getppid() != parent:
                    return
            task = connection.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        index, path = task
        connection.send((index, parse_one(path, pdf_engine=pdf_engine, limits=limits, transform=transform)))


#: Files a worker holds at once: the one it reads and the next ones, waiting in its pipe, so that
#: it never waits for the parent between two files (the parent may be busy writing rows).
AHEAD = 3


class _Worker:
    def __init__(self, context: multiprocessing.context.BaseContext, pdf_engine: str, limits: Limits, transform: Transform | None) -> None:
        self.connection, child = context.Pipe()
        #: Where the worker writes its stack when asked (:meth:`where`): a forked worker shares
        #: the open file; a spawned one could not, and is not asked.
        self.trace = tempfile.TemporaryFile() if _WHERE is not None and context.get_start_method() == "fork" else None
        self.process = context.Process(target=_worker, args=(child, os.getpid(), pdf_engine, limits, transform, self.trace), daemon=True)
        _start(self.process)
        child.close()
        #: The files handed to the worker and not answered yet, in the order it reads them.
        self.tasks: deque[tuple[int, str]] = deque()
        #: When the file the worker reads now (the first task) must be answered by.
        self.deadline = 0.0

    @property
    def task(self) -> tuple[int, str] | None:
        """The file the worker is reading now, if any."""
        return self.tasks[0] if self.tasks else None

    def send(self, index: int, path: str, timeout: float) -> None:
        """Hand the worker a file; it must answer within ``timeout`` seconds of starting it
        (of now, when it has nothing else to read first)."""
        if not self.tasks:
            self.deadline = time.monotonic() + timeout
        self.tasks.append((index, path))
        self.connection.send((index, path))

    def answered(self, timeout: float) -> tuple[int, str]:
        """The first task is answered: the worker starts the next one now."""
        task = self.tasks.popleft()
        self.deadline = time.monotonic() + timeout
        return task

    def where(self, wait: float = 0.5) -> str | None:
        """Where the worker's Python code is now: the innermost frame, as ``function, folder/file.py
        line N`` (for a file it overran its time on: which step hung), or ``None`` if it cannot say."""
        if self.trace is None or not self.process.is_alive():
            return None
        self.trace.seek(0)
        self.trace.truncate()
        try:
            os.kill(self.process.pid, _WHERE)
        except OSError:
            return None
        deadline = time.monotonic() + wait
        size = -1
        while time.monotonic() < deadline:
            time.sleep(0.02)
            now = os.fstat(self.trace.fileno()).st_size
            if now and now == size:
                break  # the dump is written in several writes: done once it stops growing
            size = now
        self.trace.seek(0)
        frame = _FRAME.search(self.trace.read(64 * 1024).decode("utf-8", "replace"))
        if frame is None:
            return None
        path, line, function = frame.groups()
        return f"{function}, {'/'.join(path.split(os.sep)[-2:])} line {line}"

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
        if self.trace is not None:
            self.trace.close()


#: A frame of a faulthandler dump: ``  File "path", line 12 in function``.
_FRAME = re.compile(r'^  File "(.*)", line (\d+) in (.+)$', re.MULTILINE)


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

    ``transform`` (a module-level function) is applied to each document in its worker. The
    workers are stopped when the last outcome is yielded, when the caller closes the generator
    or stops iterating with an exception, and when this process dies (see :func:`_die_with_parent`).
    """
    paths = list(paths)
    jobs = max(1, min(jobs or default_jobs(), len(paths)))
    if not paths:
        return
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    if context.get_start_method() == "fork":
        compile_patterns()  # once here, inherited by every worker
    workers: list[_Worker] = []
    finished: dict[int, Outcome] = {}
    queue = iter(enumerate(paths))
    next_to_yield = 0
    # Few files for many workers: one each, so that none waits behind another's file.
    ahead = max(1, min(AHEAD, len(paths) // jobs))

    def top_up(worker: _Worker) -> None:
        while len(worker.tasks) < ahead:
            task = next(queue, None)
            if task is None:
                return
            worker.send(*task, limits.timeout)

    def replace(worker: _Worker) -> _Worker:
        # The files it held after the one it failed on go to its successor, in their order.
        left = list(worker.tasks)[1:]
        successor = _replace(worker, context, pdf_engine, limits, transform)
        workers[workers.index(worker)] = successor
        for task in left:
            successor.send(*task, limits.timeout)
        return successor

    try:
        # Started inside the try: a fork that fails half-way stops the workers already started.
        for _ in range(jobs):
            workers.append(_Worker(context, pdf_engine, limits, transform))
        for worker in workers:
            top_up(worker)
        while next_to_yield < len(paths):
            busy = [w for w in workers if w.tasks]
            timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic())
            ready = wait([w.connection for w in busy], timeout=timeout)
            for worker in busy:
                if worker.connection in ready:
                    try:
                        index, outcome = worker.connection.recv()
                    except (EOFError, OSError):
                        # The worker died (killed by the memory limit or a crash in C code).
                        index, path = worker.tasks[0]
                        outcome = Outcome(path, error="the parser process died while reading this file (out of memory or a crash in the PDF library)")
                        worker = replace(worker)
                    else:
                        worker.answered(limits.timeout)
                elif time.monotonic() >= worker.deadline:
                    index, path = worker.tasks[0]
                    where = worker.where()
                    stuck = f" (stuck in {where})" if where else ""
                    outcome = Outcome(path, error=f"timed out: reading took more than {limits.timeout:g} s{stuck}", seconds=limits.timeout)
                    worker = replace(worker)
                else:
                    continue
                finished[index] = outcome
                top_up(worker)
            while next_to_yield in finished:
                yield finished.pop(next_to_yield)
                next_to_yield += 1
    finally:
        for worker in workers:
            try:
                worker.stop(kill=worker.task is not None)
            except Exception:  # noqa: BLE001 - one worker's broken pipe must not leave the others running
                worker.process.kill()


def _replace(worker: _Worker, context: multiprocessing.context.BaseContext, pdf_engine: str, limits: Limits, transform: Transform | None) -> _Worker:
    worker.stop(kill=True)
    return _Worker(context, pdf_engine, limits, transform)
