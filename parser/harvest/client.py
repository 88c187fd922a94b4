"""A polite HTTP client: the harvester is a guest of the service.

One request at a time, at least ``delay`` seconds apart (retries included); an honest
User-Agent; robots.txt read once per host and obeyed; conditional requests (``If-None-Match``,
``If-Modified-Since``); 429 and 5xx answers and network errors retried a bounded number of
times with exponential backoff that honours ``Retry-After``; each request bounded in time and
size; an answer that is not a web page refused. Every outcome is a :class:`Fetched`, never an
exception, except :class:`Disallowed` (robots.txt forbids the path: the run must stop).
"""

from __future__ import annotations

import datetime
import email.utils
import time
import urllib.parse
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from .. import __version__

USER_AGENT = f"esr-arkisto/{__version__} (an open archive of Finnish ESF project descriptions; harvester; httpx/{httpx.__version__})"
#: The token robots.txt rules are matched against.
ROBOTS_AGENT = "esr-arkisto"
DEFAULT_DELAY = 1.0
DEFAULT_TIMEOUT = 30.0
#: No project page or list page comes near this; a larger answer is refused.
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
#: Retries of one request after a 429, a 5xx or a network error.
DEFAULT_RETRIES = 4
#: The first backoff; it doubles with each retry.
BACKOFF_SECONDS = 2.0
#: A Retry-After longer than this is not waited for: the request is given up (and retried on
#: the next run).
MAX_WAIT_SECONDS = 600.0
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
HTML_TYPES = ("text/html", "application/xhtml+xml")


class Disallowed(Exception):
    """robots.txt forbids a path the harvest needs; the message says which."""


@dataclass
class Fetched:
    """One request's outcome: the answer as served, or the reason there is none."""

    url: str
    status: int | None
    fetched_at: datetime.datetime
    content: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    attempts: int = 1

    @property
    def ok(self) -> bool:
        """A page came back (200)."""
        return self.error is None and self.status == 200

    @property
    def not_modified(self) -> bool:
        """The server said the page is as it was (304)."""
        return self.error is None and self.status == 304


def retry_after(value: str | None, now: datetime.datetime) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (a number or an HTTP date), or ``None``."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return max(0.0, (moment - now).total_seconds())


class PoliteClient:
    """Fetches pages one at a time, politely; see the module docstring.

    ``backoff`` is the first wait before a retry (it doubles each time; a longer Retry-After
    wins). ``sleep`` and ``clock`` are the waiting and the monotonic clock (replaceable in tests);
    ``on_wait(seconds, why)`` is told of every wait longer than the delay (a backoff).
    """

    def __init__(
        self,
        *,
        delay: float = DEFAULT_DELAY,
        timeout: float = DEFAULT_TIMEOUT,
        max_bytes: int = DEFAULT_MAX_BYTES,
        retries: int = DEFAULT_RETRIES,
        backoff: float = BACKOFF_SECONDS,
        user_agent: str = USER_AGENT,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        on_wait: Callable[[float, str], None] | None = None,
    ) -> None:
        self.delay = delay
        self.max_bytes = max_bytes
        self.retries = retries
        self.backoff = backoff
        self.user_agent = user_agent
        self._sleep = sleep
        self._clock = clock
        self._on_wait = on_wait
        self._last_request: float | None = None
        self._robots: dict[str, urllib.robotparser.RobotFileParser] = {}
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout),
            follow_redirects=True,
            max_redirects=5,
            headers={"User-Agent": user_agent, "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"},
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- politeness

    def _wait_turn(self) -> None:
        """Keep requests at least ``delay`` apart, counted from the end of the previous one."""
        if self._last_request is not None:
            remaining = self._last_request + self.delay - self._clock()
            if remaining > 0:
                self._sleep(remaining)

    def check_allowed(self, url: str) -> None:
        """Raise :class:`Disallowed` when the host's robots.txt forbids ``url`` to us.

        robots.txt is fetched once per host, politely like any page. A missing one (4xx) allows
        everything; one the server cannot give (5xx, after retries, or no answer) forbids
        everything, as RFC 9309 asks, since the server may be in trouble.
        """
        parts = urllib.parse.urlsplit(url)
        host = f"{parts.scheme}://{parts.netloc}"
        if host not in self._robots:
            robots_url = f"{host}/robots.txt"
            fetched = self._request(robots_url, {}, want_html=False)
            parser = urllib.robotparser.RobotFileParser(robots_url)
            if fetched.status is not None and fetched.status < 500 and fetched.error is None:
                if fetched.status == 200:
                    parser.parse(fetched.content.decode("utf-8", "replace").splitlines())
                else:
                    parser.allow_all = True
            else:
                raise Disallowed(f"{robots_url} could not be read ({fetched.error or fetched.status}): stopping, as robots.txt asks when a server cannot answer")
            self._robots[host] = parser
        if not self._robots[host].can_fetch(ROBOTS_AGENT, url):
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            raise Disallowed(f"robots.txt of {parts.netloc} disallows {path} for {ROBOTS_AGENT}: stopping")

    # ---- requests

    def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        """GET a web page, conditionally when ``etag`` or ``last_modified`` is given."""
        self.check_allowed(url)
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return self._request(url, headers, want_html=True)

    def _request(self, url: str, headers: dict[str, str], *, want_html: bool) -> Fetched:
        attempt = 0
        while True:
            attempt += 1
            self._wait_turn()
            fetched = self._once(url, headers, want_html)
            self._last_request = self._clock()
            fetched.attempts = attempt
            retryable = fetched.status in RETRIED_STATUSES or (fetched.status is None and fetched.error is not None)
            if not retryable or attempt > self.retries:
                return fetched
            wait = self.backoff * 2 ** (attempt - 1)
            asked = retry_after(fetched.headers.get("retry-after"), fetched.fetched_at)
            if asked is not None:
                if asked > MAX_WAIT_SECONDS:
                    fetched.error = f"HTTP {fetched.status}: the server asks to wait {asked:.0f} s; given up for this run"
                    return fetched
                wait = max(wait, asked)
            if self._on_wait is not None:
                self._on_wait(wait, fetched.error or f"HTTP {fetched.status}")
            # Waited from the end of the answer; the delay is within it when the wait is longer.
            self._sleep(wait)

    def _once(self, url: str, headers: dict[str, str], want_html: bool) -> Fetched:
        now = datetime.datetime.now(datetime.timezone.utc)
        try:
            with self._http.stream("GET", url, headers=headers) as response:
                answer = {key.lower(): value for key, value in response.headers.items()}
                status = response.status_code
                length = answer.get("content-length", "")
                if length.isdigit() and int(length) > self.max_bytes:
                    return Fetched(url, status, now, headers=answer, error=f"too large: {int(length):,} bytes (the limit is {self.max_bytes:,})")
                content = bytearray()
                for chunk in response.iter_bytes():
                    content += chunk
                    if len(content) > self.max_bytes:
                        return Fetched(url, status, now, headers=answer, error=f"too large: more than {self.max_bytes:,} bytes")
        except httpx.TimeoutException:
            return Fetched(url, None, now, error="timed out")
        except httpx.HTTPError as error:
            return Fetched(url, None, now, error=f"no answer: {type(error).__name__}: {error}"[:300])
        fetched = Fetched(url, status, now, bytes(content), answer)
        if status >= 400 and status not in RETRIED_STATUSES:
            fetched.error = f"HTTP {status}"
        elif status in RETRIED_STATUSES:
            fetched.error = f"HTTP {status}"
        elif status == 200 and want_html:
            content_type = answer.get("content-type", "").split(";")[0].strip().lower()
            if content_type not in HTML_TYPES:
                fetched.error = f"not a web page: the server answered {content_type or 'no content type'}"
        return fetched
