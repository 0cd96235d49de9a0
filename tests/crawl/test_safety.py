"""The fetcher never connects to private, loopback, link-local or multicast addresses."""

from __future__ import annotations

import socket
import threading
from typing import Any

import pytest
from pytest_socket import SocketConnectBlockedError

from communique.collect.fetcher import Fetcher, HostGate
from communique.collect.safety import check_url, host_port
from communique.errors import FetchError, RateLimited, Refused
from communique.settings import Settings
from tests.crawl.site import Site

pytestmark = pytest.mark.allow_hosts(["127.0.0.1"])
FORBIDDEN = ("10.0.0.1", "169.254.169.254", "127.0.0.2")


def _guarded(site: Site, settings: Settings, gate: HostGate | None = None) -> Fetcher:
    """A fetcher that may reach the test site's own host:port (as --allow-private allows)."""
    return Fetcher(settings, allowed=frozenset({host_port(site.base)}), gate=gate)


class _Clock:
    """A clock that moves only when slept on, keeping the waits asked for (no wall clock)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(round(seconds, 6))
        self.now += seconds


def _clocked(site: Site, settings: Settings) -> tuple[Fetcher, _Clock]:
    clock = _Clock()
    return _guarded(site, settings, HostGate(clock, clock.sleep)), clock


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_the_test_guard_blocks_other_hosts(connections: list[Any]) -> None:
    with socket.socket() as sock, pytest.raises(SocketConnectBlockedError):
        sock.connect(("10.0.0.1", 80))
    assert connections == [("10.0.0.1", 80)]


@pytest.mark.parametrize(
    ("path", "address"),
    [
        ("/press/redirect-to-internal-network.html", "10.0.0.1"),
        ("/press/redirect-to-cloud-metadata.html", "169.254.169.254"),
        ("/press/redirect-to-other-loopback.html", "127.0.0.2"),
    ],
)
def test_redirects_to_private_addresses_are_refused_before_connecting(
    site: Site, settings: Settings, connections: list[Any], path: str, address: str
) -> None:
    fetcher = _guarded(site, settings)
    with pytest.raises(Refused) as refused:
        fetcher.fetch(site.base + path)
    fetcher.close()
    assert refused.value.kind == "private-address"
    assert address in str(refused.value)
    assert [entry.status for entry in site.requests_for(path)] == [302]
    assert {c[0] for c in connections} == {"127.0.0.1"}


def test_allow_private_covers_only_the_start_host_and_port(
    site: Site, settings: Settings, connections: list[Any]
) -> None:
    with pytest.raises(Refused, match=r"127\.0\.0\.1 is a private"):
        Fetcher(settings).fetch(f"{site.base}/press/")
    other_port = f"http://127.0.0.1:{site.port + 1}/press/"
    with pytest.raises(Refused):
        _guarded(site, settings).fetch(other_port)
    assert connections == []
    assert site.log == []


def test_host_names_are_checked_after_dns_resolution(
    site: Site, settings: Settings, connections: list[Any]
) -> None:
    """`localhost` is not a literal address: it is refused once it resolves to loopback."""
    with pytest.raises(Refused, match=r"localhost resolves to (127\.0\.0\.1|::1)"):
        _guarded(site, settings).fetch(f"http://localhost:{site.port}/press/")
    assert connections == []


@pytest.mark.parametrize(
    "url", ["http://0177.0.0.1/press/", "http://999.0.0.1/press/", "http://127.0.0.01/press/"]
)
def test_a_host_httpx_cannot_parse_is_refused_not_raised(
    settings: Settings, connections: list[Any], url: str
) -> None:
    """An IPv4 spelling that the literal check does not read (octal, out of range, a leading
    zero) used to escape as `httpx.InvalidURL` and end the whole ingest with a traceback."""
    with pytest.raises(Refused) as refused:
        Fetcher(settings).fetch(url)
    assert refused.value.kind == "invalid-url"
    assert url in str(refused.value)
    assert connections == []


@pytest.mark.parametrize(
    "url",
    ["ftp://127.0.0.1/a", "file:///etc/passwd", "http://user:pw@127.0.0.1/", "gopher://x/"],
)
def test_only_plain_http_and_https_urls(url: str) -> None:
    with pytest.raises(Refused):
        check_url(url, frozenset({("127.0.0.1", 80)}))


@pytest.mark.parametrize(
    "url",
    ["http://[::1]/", "http://224.0.0.1/", "http://[::ffff:10.0.0.1]/", "http://192.168.1.1/"],
)
def test_literal_private_and_multicast_addresses_are_refused(url: str) -> None:
    with pytest.raises(Refused):
        check_url(url)


def test_redirect_cap(site: Site, settings: Settings) -> None:
    capped = _guarded(site, settings.with_overrides(max_redirects=0))
    with pytest.raises(Refused, match="more than 0 redirects"):
        capped.fetch(site.base + "/press/redirect-to-internal-network.html")


def test_a_slow_page_times_out_and_is_retried(site: Site, settings: Settings) -> None:
    impatient = settings.with_overrides(fetch_timeout=0.1, crawl_retries=1)
    path = "/press/slow-de-bfn_press-aller-river.html"
    site.hold = threading.Event()  # the page is held until the test ends: it can only time out
    with pytest.raises(FetchError, match="timed out"):
        _guarded(site, impatient).fetch(site.base + path)
    assert len(site.requests_for(path)) == 2


def test_retry_after_is_honoured(site: Site, settings: Settings) -> None:
    path = "/press/busy-us-whitehouse_blog-digital-transition.html"
    fetcher, clock = _clocked(site, settings.with_overrides(crawl_delay=0.25))
    fetched = fetcher.fetch(site.base + path)
    first, second = site.requests_for(path)
    assert (first.status, second.status, fetched.status) == (429, 200, 200)
    assert clock.waits == [0.25, 1.0], "the crawl delay after robots.txt, then Retry-After: 1"


def test_responses_are_cut_at_the_size_cap(site: Site, settings: Settings) -> None:
    path = "/press/huge-annual-statistics-report.html"
    fetched = _guarded(site, settings).fetch(site.base + path)
    assert fetched.truncated
    assert len(fetched.body) == settings.max_bytes
    assert site.huge_sent < 20 * settings.max_bytes


def test_content_types_outside_the_allowlist_are_not_read(site: Site, settings: Settings) -> None:
    with pytest.raises(Refused, match="content type application/pdf"):
        _guarded(site, settings).fetch(
            site.base + "/docs/discours_pmcg_en.pdf", types=("text/html",)
        )


def test_robots_txt_disallows_a_folder(site: Site, settings: Settings) -> None:
    with pytest.raises(Refused, match=r"robots\.txt") as refused:
        _guarded(site, settings).fetch(site.base + "/private/press/internal-briefing-notes.html")
    assert refused.value.kind == "robots"
    assert not site.requests_for("/private/press/internal-briefing-notes.html")


def test_user_agent_names_communique_and_a_contact(site: Site, settings: Settings) -> None:
    _guarded(site, settings.with_overrides(contact_url="https://example.org/crawler")).fetch(
        site.base + "/press/"
    )
    agent = site.requests_for("/press/")[0].headers["user-agent"]
    assert agent.startswith("communique/") and "https://example.org/crawler" in agent


def test_crawl_delay_from_robots_txt_spaces_requests(site: Site, settings: Settings) -> None:
    site.robots = b"User-agent: *\nCrawl-delay: 0.4\nDisallow: /private/\n"
    fetcher, clock = _clocked(site, settings)
    for path in ("/press/", "/feed.xml", "/sitemap.xml"):
        fetcher.fetch(site.base + path)
    assert [entry.path for entry in site.log][1:] == ["/press/", "/feed.xml", "/sitemap.xml"]
    assert clock.waits[-2:] == [0.4, 0.4]


def test_a_retry_after_longer_than_honoured_closes_the_host(site: Site, settings: Settings) -> None:
    fetcher = _guarded(site, settings.with_overrides(max_retry_after=0.5))
    busy = "/press/busy-us-whitehouse_blog-digital-transition.html"
    with pytest.raises(RateLimited, match="asked to wait 1 s"):
        fetcher.fetch(site.base + busy)
    with pytest.raises(RateLimited, match="asked to wait"):
        fetcher.fetch(site.base + "/press/")
    assert [e.path for e in site.log] == ["/robots.txt", busy]  # nothing more was asked
