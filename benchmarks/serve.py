"""How fast ``esr serve`` answers, against a stock Datasette on the same file (issue 12).

Starts our server (``esr serve`` on a free port) and a stock Datasette (``datasette serve -i
FILE``: no metadata, plugins folder or templates of ours) on the same ``esr.db`` (by default a
fresh build of ``corpus/`` in a temporary folder), then measures, for a fixed mix of pages
(:data:`MIX`: front page, database page, ``project_list`` plain, faceted, filtered and sorted, a
list row, a project page, a grouped SQL query):

* **one at a time**: the first request of each page after the server has started (*cold*), the
  median of the next ones (*warm*), and for our server the median of requests the response cache
  cannot answer (*computed*: a unique ``_bench=N`` parameter on each);
* **concurrent**: N clients (default 10 and 50), each on its own keep-alive connection, sending
  the mix one request after another for ``--duration`` seconds: p50, p95, requests per second,
  errors (anything but a 200, a timeout or a broken connection), for both servers, with the ratio
  ours / stock; and for our server the *uncached* mix (every address unique, so every request is
  computed);
* **two processes behind a balancer vs one**: a round-robin TCP balancer (stdlib asyncio, in a
  process of its own) in front of two ``esr serve`` processes on the same file, against one
  process behind the same balancer and one process alone;
* with ``--baseline``, our server without ``plugins/caching.py`` (as it was before issue 12).

Errors are listed under the table by status (or the client's exception) and path.

The client is a small HTTP/1.1 client on asyncio streams (one process, ~0.1 ms per request),
so that the client costs the 2-core machine less than the servers it measures. Every run starts
fresh servers; with ``--runs 3`` each figure is the median of three runs. The machine's speed
(``benchmarks/machine.py``) and the load average before and after are printed with the table.

    .venv/bin/python benchmarks/serve.py                 # a fresh build, 10 and 50 clients, 5 s each
    .venv/bin/python benchmarks/serve.py --runs 3 --duration 10
    .venv/bin/python benchmarks/serve.py --db db/esr.db --clients 10 --no-balancer
    .venv/bin/python benchmarks/serve.py --baseline --no-stock --no-balancer --no-uncached
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
import multiprocessing
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import figures  # noqa: E402 - benchmarks/figures.py
from figures import figure  # noqa: E402
from machine import describe, load_average, loop_seconds

BIN = Path(sys.executable).parent

#: The mix of pages every client sends, in this order (each client starts at its own place).
MIX: tuple[tuple[str, str], ...] = (
    ("front page", "/"),
    ("database page", "/esr"),
    ("project_list", "/esr/project_list"),
    ("  faceted", "/esr/project_list?_facet=authority"),
    ("  filtered", "/esr/project_list?fund=ESR"),
    ("  sorted", "/esr/project_list?_sort_desc=eu_state_granted"),
    ("list row", "/esr/project_list/S10083"),
    ("project page", "/esr/projects/S10962"),
    ("grouped SQL", "/esr?sql=select+authority%2C+count%28%2A%29%2C+sum%28eu_state_granted%29+from+project_list+group+by+authority"),
)
WARM_REPEATS = 15
COMPUTED_REPEATS = 5
REQUEST_TIMEOUT = 60.0
_UNIQUE = itertools.count(1)


# ------------------------------------------------------------------------------ an HTTP client


class Connection:
    """One keep-alive HTTP/1.1 connection: GET a path, read the whole answer."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()
        self.reader = self.writer = None

    async def get(self, path: str) -> tuple[int, int, dict[str, str]]:
        """The status, the body's length and the headers (names in lower case) of ``GET path``."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port, limit=1 << 20)
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nUser-Agent: esr-bench\r\n\r\n".encode("latin-1"))
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        size = 0
        if status in (204, 304):
            pass
        elif "content-length" in headers:
            size = int(headers["content-length"])
            await self.reader.readexactly(size)
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                chunk = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if chunk == 0:
                    await self.reader.readuntil(b"\r\n")
                    break
                await self.reader.readexactly(chunk + 2)
                size += chunk
        else:
            size = len(await self.reader.read())
            await self.close()
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, size, headers


def unique(path: str) -> str:
    """``path`` with a parameter no other request has: the response cache cannot answer it."""
    return f"{path}{'&' if '?' in path else '?'}_bench={next(_UNIQUE)}"


async def timed_get(connection: Connection, path: str) -> tuple[float, int, dict[str, str]]:
    """Milliseconds, status and headers of one request (status 0: it failed, the headers then
    hold ``error``, the exception's name; the connection is closed and reopened by the next
    request)."""
    start = time.perf_counter()
    try:
        status, _, headers = await asyncio.wait_for(connection.get(path), REQUEST_TIMEOUT)
    except (OSError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, IndexError) as error:
        await connection.close()
        status, headers = 0, {"error": type(error).__name__}
    return (time.perf_counter() - start) * 1000, status, headers


@dataclass
class Load:
    """What a concurrent run measured."""

    clients: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    #: What the errors were: a status, or the client's exception, with the path.
    error_kinds: Counter = field(default_factory=Counter)

    @property
    def requests(self) -> int:
        return len(self.latencies)

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


async def _load(host: str, port: int, clients: int, duration: float, fresh: bool, seed: int) -> Load:
    result = Load(clients, duration)
    deadline = time.perf_counter() + duration
    paths = [path for _, path in MIX]

    async def client(number: int) -> None:
        order = paths[:]
        random.Random(seed * 1000 + number).shuffle(order)
        connection = Connection(host, port)
        try:
            for path in itertools.cycle(order):
                if time.perf_counter() >= deadline:
                    break
                elapsed, status, headers = await timed_get(connection, unique(path) if fresh else path)
                result.latencies.append(elapsed)
                if status != 200:
                    result.errors += 1
                    result.error_kinds[f"{status or headers.get('error')} {path.partition('?')[0]}"] += 1
        finally:
            await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(number) for number in range(clients)))
    result.seconds = time.perf_counter() - started
    return result


def load(port: int, clients: int, duration: float, fresh: bool = False, seed: int = 1) -> Load:
    """``clients`` concurrent clients sending the mix for ``duration`` seconds (``fresh``: every
    address made unique, so a response cache cannot answer)."""
    return asyncio.run(_load("127.0.0.1", port, clients, duration, fresh, seed))


async def _one_at_a_time(port: int, computed: bool) -> dict[str, dict[str, float]]:
    connection = Connection("127.0.0.1", port)
    figures: dict[str, dict[str, float]] = {}
    try:
        for label, path in MIX:
            cold, status, _ = await timed_get(connection, path)
            warm = [(await timed_get(connection, path))[0] for _ in range(WARM_REPEATS)]
            row = {"cold": cold, "warm": statistics.median(warm), "status": status}
            if computed:
                row["computed"] = statistics.median([(await timed_get(connection, unique(path)))[0] for _ in range(COMPUTED_REPEATS)])
            figures[label] = row
    finally:
        await connection.close()
    return figures


def one_at_a_time(port: int, computed: bool = False) -> dict[str, dict[str, float]]:
    """Per page of the mix: the first request (cold), the median of the next (warm), and with
    ``computed`` the median of requests with a unique parameter."""
    return asyncio.run(_one_at_a_time(port, computed))


# ------------------------------------------------------------------------------ a balancer


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(1 << 18):
            writer.write(data)
            await writer.drain()
    except (OSError, asyncio.IncompleteReadError, asyncio.CancelledError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


async def _balance(listen: socket.socket, backends: list[int]) -> None:
    turn = itertools.cycle(backends)

    async def relay(client_reader, client_writer):
        # asyncio sets TCP_NODELAY only on sockets made with IPPROTO_TCP, not on accepted ones:
        # without it, Nagle's algorithm and the client's delayed ACK add 40 ms to many answers.
        client_writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            backend_reader, backend_writer = await asyncio.open_connection("127.0.0.1", next(turn))
        except OSError:
            client_writer.close()
            return
        try:
            await asyncio.gather(_pipe(client_reader, backend_writer), _pipe(backend_reader, client_writer), return_exceptions=True)
        except asyncio.CancelledError:
            # The balancer stops. Ended, not cancelled: asyncio's stream server asks a relay's
            # task for its exception when it is done, and a cancelled one printed a traceback.
            pass

    stopping = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)
    server = await asyncio.start_server(relay, sock=listen)
    async with server:
        await stopping.wait()
    # The open relays end here, before asyncio.run's own clean-up.
    relays = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in relays:
        task.cancel()
    await asyncio.gather(*relays, return_exceptions=True)


def _balancer_main(listen: socket.socket, backends: list[int]) -> None:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_balance(listen, backends))


@contextlib.contextmanager
def balancer(backends: list[int]) -> Iterator[int]:
    """A round-robin TCP balancer in a process of its own: each new connection goes to the next
    backend port (a keep-alive client stays on its backend, as with HAProxy in TCP mode). Yields
    its port."""
    listen = socket.socket()
    listen.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listen.bind(("127.0.0.1", 0))
    listen.listen(512)
    process = multiprocessing.get_context("fork").Process(target=_balancer_main, args=(listen, backends), daemon=True)
    process.start()
    try:
        yield listen.getsockname()[1]
    finally:
        process.terminate()
        process.join(10)
        listen.close()


# ------------------------------------------------------------------------------ servers


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    """A server process this script started, its port and how long it took to answer first."""

    name: str
    process: subprocess.Popen
    port: int
    log: Path
    started: float = 0.0


def start(name: str, command: list[str], port: int, log_folder: Path) -> Server:
    """Run ``command`` (a server on ``port``) and wait until it answers ``/-/versions.json``;
    that first request runs Datasette's start-up, so the pages' cold figures do not include it."""
    log = log_folder / f"{name}.log"
    begun = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(name, process, port, log)
    deadline = time.time() + 120
    while time.time() < deadline:
        if process.poll() is not None:
            raise click.ClickException(f"{name} stopped at start (exit {process.returncode}): {log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                probe.sendall(f"GET /-/versions.json HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
                if probe.recv(16).startswith(b"HTTP/1.1 200"):
                    server.started = time.perf_counter() - begun
                    return server
        except OSError:
            time.sleep(0.1)
    stop(server)
    raise click.ClickException(f"{name} did not answer within 120 s: see {log}")


def stop(server: Server) -> None:
    """Stop a server this script started (SIGTERM: esr serve then removes its folder)."""
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(20)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


def ours(db: Path, log_folder: Path, project: Path = ROOT, name: str = "esr-serve") -> Server:
    """``esr serve`` of ``db`` with the metadata, plugins and templates of ``project`` (this
    repository)."""
    port = free_port()
    return start(name, [str(BIN / "esr"), "serve", "--db", str(db), "--project", str(project), "--port", str(port)], port, log_folder)


def project_without_cache(folder: Path) -> Path:
    """A copy of this repository's publication files without ``plugins/caching.py``: our server
    as it was before issue 12 (but for the table counts made at start, which make_datasette does)."""
    project = folder / "project-without-cache"
    (project / "plugins").mkdir(parents=True, exist_ok=True)
    for name in ("metadata.yml", "dashboards.yml"):
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, project / name)
    for plugin in (ROOT / "plugins").glob("*.py"):
        if plugin.name != "caching.py":
            shutil.copy2(plugin, project / "plugins" / plugin.name)
    for name in ("templates", "static"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, project / name, dirs_exist_ok=True)
    return project


def stock(db: Path, log_folder: Path) -> Server:
    """A stock Datasette on the same file: immutable, Datasette's defaults, nothing of ours."""
    port = free_port()
    return start("datasette", [str(BIN / "datasette"), "serve", "-i", str(db), "--port", str(port)], port, log_folder)


def fresh_build(folder: Path) -> Path:
    """``esr build`` of the repository's corpus into ``folder/esr.db``."""
    db = folder / "esr.db"
    click.echo(f"building {db} from {ROOT / 'corpus'} …", err=True)
    subprocess.run([str(BIN / "esr"), "build", str(ROOT / "corpus"), "--db", str(db)], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return db


# ------------------------------------------------------------------------------ one run


def run_once(db: Path, clients: list[int], duration: float, with_stock: bool, with_balancer: bool, with_uncached: bool,
             with_baseline: bool, log_folder: Path, seed: int) -> dict:
    """Every measurement once, on freshly started servers: a dict of figures by name."""
    figures: dict = {"single": {}, "load": {}, "started": {}}
    if with_baseline:
        before = ours(db, log_folder, project_without_cache(log_folder), "esr-serve-without-cache")
        try:
            figures["started"]["ours without cache"] = before.started
            figures["single"]["ours without cache"] = one_at_a_time(before.port)
            for count in clients:
                figures["load"][("ours without caching.py", count)] = load(before.port, count, duration, seed=seed)
        finally:
            stop(before)
    ours_server = ours(db, log_folder)
    stock_server = stock(db, log_folder) if with_stock else None
    try:
        figures["started"]["ours"] = ours_server.started
        figures["single"]["ours"] = one_at_a_time(ours_server.port, computed=True)
        if stock_server:
            figures["started"]["stock"] = stock_server.started
            figures["single"]["stock"] = one_at_a_time(stock_server.port)
        for count in clients:
            figures["load"][("ours", count)] = load(ours_server.port, count, duration, seed=seed)
            if stock_server:
                figures["load"][("stock", count)] = load(stock_server.port, count, duration, seed=seed)
            if with_uncached:
                figures["load"][("ours uncached", count)] = load(ours_server.port, count, duration, fresh=True, seed=seed)
        if stock_server:
            stop(stock_server)
            stock_server = None
        if with_balancer:
            second = ours(db, log_folder)
            try:
                one_at_a_time(second.port)  # the same warm state as the first process
                for name, backends in (("1 process, balancer", [ours_server.port]), ("2 processes, balancer", [ours_server.port, second.port])):
                    with balancer(backends) as port:
                        for count in clients:
                            figures["load"][(name, count)] = load(port, count, duration, seed=seed)
                            if with_uncached:
                                figures["load"][(f"{name}, uncached", count)] = load(port, count, duration, fresh=True, seed=seed)
            finally:
                stop(second)
    finally:
        stop(ours_server)
        if stock_server:
            stop(stock_server)
    return figures


# ------------------------------------------------------------------------------ the table


def _median(values: list[float]) -> float:
    values = [value for value in values if not math.isnan(value)]
    return statistics.median(values) if values else float("nan")


def report(runs: list[dict], clients: list[int]) -> str:
    """The figures of every run as text tables (medians over the runs)."""
    lines = []
    started = {name: _median([run["started"].get(name, float("nan")) for run in runs]) for name in ("ours", "stock", "ours without cache")}
    lines.append("server start to first answer: " + ", ".join(f"{name} {value:.2f} s" for name, value in started.items() if not math.isnan(value)))
    lines.append("")
    lines.append("one request at a time, ms (cold: first request of the page; warm: median of the next "
                 f"{WARM_REPEATS}; computed: median of {COMPUTED_REPEATS} the cache cannot answer)")
    header = (f"{'page':<16} {'ours cold':>10} {'ours warm':>10} {'computed':>10} {'stock cold':>11} {'stock warm':>11}"
              f" {'no-cache cold':>14} {'no-cache warm':>14}")
    lines += [header, "-" * len(header)]
    for label, _ in MIX:
        def value(server: str, kind: str, label: str = label) -> float:
            return _median([run["single"].get(server, {}).get(label, {}).get(kind, float("nan")) for run in runs])

        lines.append(
            f"{label:<16} {value('ours', 'cold'):>10.1f} {value('ours', 'warm'):>10.1f} {value('ours', 'computed'):>10.1f} "
            f"{value('stock', 'cold'):>11.1f} {value('stock', 'warm'):>11.1f}"
            f" {value('ours without cache', 'cold'):>14.1f} {value('ours without cache', 'warm'):>14.1f}"
        )
    lines.append("")
    lines.append("concurrent clients, the mix in a loop (ms; rps = requests per second; errors: not 200)")
    header = f"{'server':<32} {'clients':>7} {'p50':>8} {'p95':>8} {'p99':>8} {'rps':>8} {'requests':>9} {'errors':>7} {'p95 / stock':>11}"
    lines += [header, "-" * len(header)]
    names = []
    for run in runs:
        for name, _ in run["load"]:
            if name not in names:
                names.append(name)
    for name in names:
        for count in clients:
            loads = [run["load"][(name, count)] for run in runs if (name, count) in run["load"]]
            if not loads:
                continue
            p95 = _median([item.percentile(0.95) for item in loads])
            stock_p95 = _median([run["load"][("stock", count)].percentile(0.95) for run in runs if ("stock", count) in run["load"]])
            ratio = f"{p95 / stock_p95:.3f}" if not math.isnan(stock_p95) and name != "stock" else ""
            lines.append(
                f"{name:<32} {count:>7} {_median([item.percentile(0.5) for item in loads]):>8.1f} {p95:>8.1f} "
                f"{_median([item.percentile(0.99) for item in loads]):>8.1f} {_median([item.rps for item in loads]):>8.1f} "
                f"{int(_median([item.requests for item in loads])):>9} {int(max(item.errors for item in loads)):>7} {ratio:>11}"
            )
    kinds = Counter()
    for run in runs:
        for (name, count), item in run["load"].items():
            for kind, number in item.error_kinds.items():
                kinds[f"{name}, {count} clients: {kind}"] += number
    if kinds:
        lines.append("")
        lines.append("errors, all runs: " + "; ".join(f"{kind} ×{number}" for kind, number in sorted(kinds.items())))
    return "\n".join(lines)


def headline_figures(runs: list[dict], clients: list[int]) -> list[dict]:
    """The serving figures of issue 12 with their targets (medians over the runs), for
    ``benchmarks/all.py``: p95 at 10 and 50 clients against the stock Datasette's, errors, the
    front and database pages one at a time (cold and warm), two processes against one."""

    def p95(name: str, count: int) -> float:
        return _median([run["load"][(name, count)].percentile(0.95) for run in runs if (name, count) in run["load"]])

    def errors(name: str, count: int) -> int:
        return max((run["load"][(name, count)].errors for run in runs if (name, count) in run["load"]), default=0)

    found = []
    for count in clients:
        ours, stock = p95("ours", count), p95("stock", count)
        if count == 10:
            found.append(figure("serving: p95 at 10 clients", ours, "ms", "< 200", ours < 200))
            if not math.isnan(stock):
                found.append(figure("serving: stock Datasette's p95 at 10 clients", stock, "ms"))
                found.append(figure("serving: p95 ours / stock at 10 clients", ours / stock, "×", "≤ 0.5", ours / stock <= 0.5))
        elif count == 50:
            found.append(figure("serving: p95 at 50 clients", ours, "ms", "< 1000", ours < 1000))
            found.append(figure("serving: errors at 50 clients", errors("ours", count), "", "0", errors("ours", count) == 0))
        else:
            found.append(figure(f"serving: p95 at {count} clients", ours, "ms"))
        for name in ("1 process, balancer", "2 processes, balancer"):
            value = p95(name, count)
            if not math.isnan(value):
                found.append(figure(f"serving: p95 at {count} clients, {name}", value, "ms"))
    for label in ("front page", "database page"):
        for kind in ("cold", "warm"):
            value = _median([run["single"].get("ours", {}).get(label, {}).get(kind, float("nan")) for run in runs])
            found.append(figure(f"serving: {label}, {kind}, one at a time", value, "ms", "< 30", value < 30))
    return found


def _shown(load: tuple[float, float, float] | None) -> str:
    return " ".join(f"{value:.2f}" for value in load) if load else "unknown"


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="The esr.db to serve (default: a fresh build of corpus/ in a temporary folder).")
@click.option("--clients", "clients", type=click.IntRange(1), multiple=True, default=(10, 50), show_default=True, help="Concurrent clients of a load run; repeat for several.")
@click.option("--duration", type=click.FloatRange(0.5), default=5.0, show_default=True, help="Seconds of each load run.")
@click.option("--runs", type=click.IntRange(1), default=1, show_default=True, help="Runs on fresh servers; each figure is their median.")
@click.option("--stock/--no-stock", default=True, show_default=True, help="Measure a stock Datasette on the same file too.")
@click.option("--balancer/--no-balancer", default=True, show_default=True, help="Measure two esr serve processes behind a round-robin balancer.")
@click.option("--uncached/--no-uncached", default=True, show_default=True, help="Also load our server with addresses the response cache cannot answer.")
@click.option("--baseline/--no-baseline", default=False, show_default=True, help="Also measure our server without plugins/caching.py (as before issue 12).")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the clients' orders of the mix.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE", help="Write the headline figures here, as JSON (for benchmarks/all.py).")
def main(db_path: Path | None, clients: tuple[int, ...], duration: float, runs: int, stock: bool, balancer: bool, uncached: bool,
         baseline: bool, seed: int, json_path: Path | None) -> None:
    """Benchmark esr serve against a stock Datasette on the same esr.db (issue 12)."""
    loop = loop_seconds()
    click.echo(describe(loop))
    before = load_average()
    with tempfile.TemporaryDirectory(prefix="esr-serve-bench-") as folder:
        folder = Path(folder)
        db = db_path.resolve() if db_path else fresh_build(folder)
        if db.name != "esr.db":
            raise click.ClickException(f"{db}: esr serve serves a file named esr.db")
        click.echo(f"database: {db} ({db.stat().st_size / 1e6:.1f} MB); {runs} run(s), {duration:g} s per load run, clients {', '.join(map(str, clients))}", err=True)
        results = []
        for number in range(runs):
            click.echo(f"run {number + 1} of {runs} …", err=True)
            results.append(run_once(db, list(clients), duration, stock, balancer, uncached, baseline, folder, seed + number))
    after = load_average()
    click.echo(report(results, list(clients)))
    click.echo("")
    click.echo(f"load average before {_shown(before)}, after {_shown(after)}; loop {loop:.3f} s; {os.cpu_count()} cores")
    if json_path is not None:
        figures.write(json_path, describe(loop), headline_figures(results, list(clients)))


if __name__ == "__main__":
    main()
