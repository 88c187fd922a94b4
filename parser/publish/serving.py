"""One archive per server: ``esr serve`` serves the archive as it was when it started.

``esr build`` replaces ``db/esr.db`` with one ``os.replace``. Datasette opens a connection by
path in each SQL thread when the thread first needs one, and the ``/esr.db`` download opens the
path again: under a running server a rebuild would be answered from both files at once. So the
server never serves the archive's own path. At start, :func:`hold_archive` makes a private
folder beside the archive, ``.esr.db.served-by.<pid>/`` (mode 0700, on the same file system),
and hard-links the archive into it as ``esr.db``: the link is the same file as the archive was
at that moment, whatever is later renamed over the archive's name, and costs no disk until a
rebuild (then the old archive's blocks stay in use until the server stops). The server serves
the link; the folder is removed when it exits.

Why a hard link and not the open file: SQLite opens by name, and ``/proc/self/fd/N`` is no
way round it (SQLite resolves it to the file's old name, " (deleted)" and all, and creates an
empty database there: checked with SQLite 3.40).

Where the file system has no hard links (FAT, some network and FUSE file systems, or Linux's
``fs.protected_hardlinks`` for another user's file), the archive is copied into the folder
instead: the same guarantee, for a copy's disk and time at start. Where the folder beside the
archive cannot be written, the copy goes to a private temporary folder (``esr-serve-…`` under
the system's temporary folder), and no marker is left: a build cannot know that server.

The folder is also the marker ``esr build`` asks about: :func:`live_servers` lists the servers
whose folder sits beside an archive and whose process is alive (its ``server.json`` holds the
pid, the process's start time, so a reused pid is not taken for the server, and the URL);
:func:`serving_note` is the line the build prints. A dead server's folder is ignored, and
removed by the next ``esr serve`` of that archive (:func:`remove_stale`), which frees the old
archive it still links.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

#: The name of a server's folder beside the archive: ``.esr.db.served-by.<pid>``.
MARKER = ".{name}.served-by."
SERVER_FILE = "server.json"


@dataclass(frozen=True)
class Server:
    """A live ``esr serve`` of an archive: its process, its address and its folder."""

    pid: int
    url: str | None
    folder: Path


@dataclass(frozen=True)
class HeldArchive:
    """What a server serves: ``path``, in its private ``folder``; ``linked`` when it is a hard
    link to the archive (else a copy), ``marked`` when the folder sits beside the archive
    (where :func:`live_servers` finds it)."""

    path: Path
    folder: Path
    linked: bool
    marked: bool


def _prefix(archive: Path) -> str:
    return MARKER.format(name=archive.name)


def _started(pid: int) -> int | None:
    """When the process ``pid`` started (clock ticks since boot, /proc/PID/stat), if it is known."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name, in parentheses, may hold spaces: the fields after it are plain.
    fields = stat.rpartition(")")[2].split()
    try:
        return int(fields[19])
    except (IndexError, ValueError):
        return None


def _alive(pid: int, started: int | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process: alive
    except OSError:
        return False
    now = _started(pid)
    return started is None or now is None or now == started


def _servers(archive: Path) -> Iterator[tuple[Path, int, dict, bool]]:
    """Every server folder beside ``archive``: (folder, pid, its server.json, alive)."""
    archive = Path(archive)
    prefix = _prefix(archive)
    try:
        entries = list(archive.parent.iterdir())
    except OSError:
        return
    for entry in entries:
        pid = entry.name[len(prefix):]
        if not entry.name.startswith(prefix) or not pid.isdigit() or not entry.is_dir():
            continue
        try:
            info = json.loads((entry / SERVER_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            info = {}  # still being written, or damaged: the pid decides
        if not isinstance(info, dict):
            info = {}
        started = info.get("started") if isinstance(info.get("started"), int) else None
        yield entry, int(pid), info, _alive(int(pid), started)


def live_servers(archive: str | os.PathLike[str]) -> list[Server]:
    """The running ``esr serve`` processes that serve ``archive`` (as it was when each started),
    by pid. A marker of a process that is gone is ignored."""
    return sorted(
        (Server(pid, info.get("url") if isinstance(info.get("url"), str) else None, folder)
         for folder, pid, info, alive in _servers(Path(archive)) if alive),
        key=lambda server: server.pid,
    )


def serving_note(archive: str | os.PathLike[str]) -> str | None:
    """The note ``esr build`` prints after replacing ``archive`` under running servers (the
    build prints it as ``esr: note: <note>``), or ``None`` when no live server serves it."""
    servers = live_servers(archive)
    if not servers:
        return None
    who = "; ".join(f"pid {server.pid}" + (f", {server.url}" if server.url else "") for server in servers)
    if len(servers) == 1:
        return f"{archive} is being served by esr serve ({who}), which keeps serving the archive it started with until it is restarted"
    return (
        f"{archive} is being served by {len(servers)} esr serve processes ({who}), which keep serving the archive "
        "they started with until they are restarted"
    )


def remove_stale(archive: str | os.PathLike[str]) -> list[Path]:
    """Remove the folders of servers of ``archive`` that are gone (and the old archives they
    link); the removed folders."""
    removed = []
    for folder, _, _, alive in _servers(Path(archive)):
        if not alive:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


@contextmanager
def hold_archive(archive: str | os.PathLike[str], url: str | None = None) -> Iterator[HeldArchive]:
    """The archive as it is now, in a private folder, for as long as the ``with`` block runs.

    The file keeps the archive's name (Datasette names the database after it). The folder,
    ``.<name>.served-by.<pid>`` beside the archive, is the server's marker; it is removed at
    the end, and the dead servers' folders at the start.
    """
    archive = Path(archive).absolute()
    remove_stale(archive)
    folder = archive.parent / f"{_prefix(archive)}{os.getpid()}"
    marked = True
    try:
        if folder.exists():  # this pid's, from a process long gone: the pid is ours now
            shutil.rmtree(folder)
        folder.mkdir(mode=0o700)
    except OSError:
        folder = Path(tempfile.mkdtemp(prefix=f"esr-serve-{os.getpid()}-"))
        marked = False
    try:
        served = folder / archive.name
        try:
            os.link(archive, served)
            linked = True
        except OSError:
            # No hard links on this file system (or across file systems, for the temporary
            # folder): a copy is as consistent, since the build never writes the archive in place.
            shutil.copyfile(archive, served)
            linked = False
        info = {"pid": os.getpid(), "started": _started(os.getpid()), "url": url, "archive": str(archive), "linked": linked}
        (folder / SERVER_FILE).write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
        yield HeldArchive(served, folder, linked, marked)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
