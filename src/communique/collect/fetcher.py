"""The polite, guarded HTTP fetcher the crawler (and `ingest URL`) use.

Each hop of a redirect chain is checked (`collect.safety`) and allowed by robots.txt
(protego) before it is requested; one request at a time per host, spaced by the larger of
the configured delay and the host's Crawl-delay; 5xx, 429 and network errors are retried
with exponential backoff, honouring Retry-After; bodies are cut at the size cap; content
types outside the allowlist are never read; ETag / Last-Modified make recrawls conditional.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Protocol
from urllib.parse import urljoin, urlsplit

import httpx
from protego import Protego

from communique.collect.safety import GuardedTransport, HostPort, check_url, host_port
from communique.collect.warc import EXTRACTABLE
from communique.errors import FetchError, InputError, RateLimited, Refused
from communique.model import Fetched
from communique.settings import Settings

FEED_TYPES = (
    "application/rss+xml",
    "application/x-rss+xml",  # .rss in Debian's /etc/mime.types (Apache, python -m http.server)
    "application/atom+xml",
    "application/xml",
    "text/xml",
    "application/rdf+xml",
)
GZIP_TYPES = ("application/gzip", "application/x-gzip")
"""Gzipped sitemaps (`sitemap.xml.gz`)."""
ALLOWED_TYPES = (*EXTRACTABLE, *FEED_TYPES, *GZIP_TYPES)
"""Content types whose bodies are read; others are refused before the body is downloaded."""
REDIRECTS = (301, 302, 303, 307, 308)
ERROR_BODY_LIMIT = 65_536
Recorder = Callable[[Fetched], str]
"""Keeps a response (in WARC) and returns where: `file#offset`."""
ROBOTS_TTL = timedelta(hours=24)


class RobotsCache(Protocol):
    """Where robots.txt bodies are kept between runs (the store)."""

    def get_robots(self, origin: str) -> tuple[str, datetime] | None: ...

    def put_robots(self, origin: str, body: str, fetched_at: datetime) -> None: ...


class HostGate:
    """One request at a time per host, and when each host may be asked again (shared)."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """`clock` and `sleep` keep time (a test gives its own, to see the waits asked for)."""
        self.clock = clock
        self.sleep = sleep
        self.ready_at: dict[str, float] = {}
        self.closed_until: dict[str, float] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def lock(self, host: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(host, threading.Lock())

    def wait_turn(self, host: str) -> None:
        wait = self.ready_at.get(host, 0.0) - self.clock()
        if wait > 0:
            self.sleep(wait)

    def close_until(self, host: str, seconds: float) -> None:
        """Ask nothing more of `host` for `seconds`: its URLs fail at once meanwhile."""
        with self._guard:
            self.closed_until[host] = self.clock() + seconds

    def check_open(self, url: str) -> None:
        """Raise `RateLimited` when the host of `url` asked for a longer wait than we honour."""
        host = host_port(url)[0]
        left = self.closed_until.get(host, 0.0) - self.clock()
        if left > 0:
            raise RateLimited(f"{url}: {host} asked to wait {left:.0f} s more", retry_after=left)

    def defer(self, host: str, seconds: float) -> None:
        """Ask nothing of `host` for `seconds` (after a 429 or a 5xx)."""
        with self._guard:
            self.ready_at[host] = max(self.ready_at.get(host, 0.0), self.clock() + seconds)


class Fetcher:
    """Fetches URLs one host at a time, politely, never from a private address.

    Example:
        >>> Fetcher(Settings()).fetch("file:///etc/passwd")
        Traceback (most recent call last):
        communique.errors.Refused: file:///etc/passwd: only http and https URLs are fetched
    """

    def __init__(
        self,
        settings: Settings,
        allowed: frozenset[HostPort] = frozenset(),
        recorder: Recorder | None = None,
        obey_robots: bool = True,
        gate: HostGate | None = None,
        robots_cache: RobotsCache | None = None,
    ) -> None:
        self.settings = settings
        self.allowed = allowed
        self.recorder = recorder
        self.obey_robots = obey_robots
        self.client = httpx.Client(
            transport=GuardedTransport(allowed, max_connections=max(4, settings.crawl_concurrency)),
            timeout=settings.fetch_timeout,
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": settings.user_agent_header},
        )
        self.gate = gate or HostGate()
        self.robots_cache = robots_cache
        self._robots: dict[str, Protego | None] = {}
        self._guard = threading.Lock()
        self.requests = 0
        self.wire_bytes = 0

    def close(self) -> None:
        self.client.close()

    def fetch(
        self,
        url: str,
        etag: str | None = None,
        last_modified: str | None = None,
        types: tuple[str, ...] = ALLOWED_TYPES,
    ) -> Fetched:
        """GET `url`, following checked redirects; a 304 or a 4xx is returned, not raised."""
        current = url
        for _ in range(self.settings.max_redirects + 1):
            check_url(current, self.allowed)
            self.gate.check_open(current)
            if self.obey_robots and not self._robots_allow(current):
                raise Refused(f"{current}: disallowed by robots.txt", "robots")
            conditional = _conditional(etag, last_modified) if current == url else {}
            fetched = self._get_with_retries(url, current, conditional, types)
            location = fetched.header("location")
            if fetched.status in REDIRECTS and location:
                current = urljoin(current, location.strip())
                continue
            return fetched
        raise Refused(f"{url}: more than {self.settings.max_redirects} redirects", "redirects")

    def _get_with_retries(
        self, url: str, current: str, headers: dict[str, str], types: tuple[str, ...]
    ) -> Fetched:
        attempts = self.settings.crawl_retries + 1
        for attempt in range(attempts):
            try:
                fetched = self._get(url, current, headers, types)
            except httpx.TimeoutException as exc:
                error: FetchError = FetchError(
                    f"{current}: timed out after {self.settings.fetch_timeout:g} s"
                )
                wait = self.settings.crawl_backoff * 2**attempt
                if attempt + 1 == attempts:
                    raise error from exc
            except httpx.HTTPError as exc:
                error = FetchError(f"{current}: {exc}")
                wait = self.settings.crawl_backoff * 2**attempt
                if attempt + 1 == attempts:
                    raise error from exc
            else:
                if fetched.status != 429 and fetched.status < 500:
                    return fetched
                retry_after = _retry_after(fetched.header("retry-after"))
                wait = retry_after or self.settings.crawl_backoff * 2**attempt
                error = RateLimited(f"{current}: HTTP {fetched.status}", retry_after=retry_after)
                if wait > self.settings.max_retry_after:
                    self.gate.close_until(host_port(current)[0], wait)
                    raise RateLimited(
                        f"{current}: HTTP {fetched.status}, asked to wait {wait:g} s",
                        retry_after=wait,
                    )
                if attempt + 1 == attempts:
                    raise error
            self.gate.defer(host_port(current)[0], wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _get(
        self, url: str, current: str, headers: dict[str, str], types: tuple[str, ...]
    ) -> Fetched:
        host = host_port(current)[0]
        with self.gate.lock(host):
            self.gate.wait_turn(host)
            try:
                with self.client.stream("GET", current, headers=headers) as response:
                    fetched = self._read(url, response, types)
            finally:
                self.gate.defer(host, self._delay(current))
        with self._guard:
            self.requests += 1
            self.wire_bytes += fetched.wire_bytes
        if self.recorder is not None:
            fetched = replace(fetched, warc=self.recorder(fetched))
        return fetched

    def _read(self, url: str, response: httpx.Response, types: tuple[str, ...]) -> Fetched:
        media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        limit = self.settings.max_bytes
        if 200 <= response.status_code < 300 and media_type not in types:
            raise Refused(
                f"{response.url}: content type {media_type or 'missing'} is not one communique"
                " reads",
                "content-type",
            )
        if response.status_code >= 300:
            limit = min(limit, ERROR_BODY_LIMIT)
        body = bytearray()
        truncated = False
        for chunk in response.iter_bytes():
            body.extend(chunk)
            if len(body) > limit:
                del body[limit:]
                truncated = True
                break
        head = sum(len(k) + len(v) + 4 for k, v in response.headers.raw) + 17
        return Fetched(
            url=url,
            final_url=str(response.url),
            status=response.status_code,
            headers=tuple(response.headers.items()),
            body=bytes(body),
            content_type=media_type,
            fetched_at=datetime.now(UTC),
            truncated=truncated,
            wire_bytes=head + response.num_bytes_downloaded,
        )

    def _delay(self, url: str) -> float:
        robots = self._robots.get(_origin(url))
        crawl_delay = robots.crawl_delay(self.settings.user_agent) if robots else None
        return max(self.settings.crawl_delay, float(crawl_delay or 0.0))

    def _robots_allow(self, url: str) -> bool:
        origin = _origin(url)
        if origin not in self._robots:
            self._robots[origin] = self._load_robots(origin)
        robots = self._robots[origin]
        return robots is None or bool(robots.can_fetch(url, self.settings.user_agent))

    def _load_robots(self, origin: str) -> Protego | None:
        """robots.txt of `origin`; None (allow all) when absent; disallow all on 5xx and 429.

        A network error is raised (and nothing cached): the site itself is unreachable.
        A robots.txt read less than a day ago is taken from the cache.
        """
        cached = self.robots_cache.get_robots(origin) if self.robots_cache else None
        if cached is not None and datetime.now(UTC) - cached[1] < ROBOTS_TTL:
            return Protego.parse(cached[0]) if cached[0] else None
        try:
            fetched = self._get_with_retries(
                f"{origin}/robots.txt", f"{origin}/robots.txt", {}, ("text/plain",)
            )
        except Refused:
            return None
        except RateLimited:
            return Protego.parse("User-agent: *\nDisallow: /")
        body = "" if fetched.status >= 400 else fetched.body.decode("utf-8", "replace")
        if self.robots_cache is not None and fetched.status < 500:
            self.robots_cache.put_robots(origin, body, fetched.fetched_at)
        return Protego.parse(body) if body else None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def _conditional(etag: str | None, last_modified: str | None) -> dict[str, str]:
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def _retry_after(value: str | None) -> float | None:
    """Seconds asked by a Retry-After header (delta-seconds or an HTTP date).

    Example:
        >>> _retry_after("7"), _retry_after(None)
        (7.0, None)
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def fetch_once(url: str, settings: Settings) -> Fetched:
    """Fetch one URL with a fresh fetcher (used by `ingest URL`); raise for a 4xx or 5xx."""
    allowed = frozenset({host_port(url)}) if settings.allow_private_urls else frozenset()
    fetcher = Fetcher(settings, allowed, obey_robots=False)
    try:
        fetched = fetcher.fetch(url, types=EXTRACTABLE)
    finally:
        fetcher.close()
    if fetched.status >= 400:
        raise InputError(f"{url}: HTTP {fetched.status}")
    return fetched
