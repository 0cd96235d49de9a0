"""Fixtures of the crawl tests: the fake ministry site on 127.0.0.1 and a connection log.

Every test here runs under pytest-socket's `allow_hosts(["127.0.0.1"])`: a connection to any
other address (10.0.0.1, 169.254.169.254, 127.0.0.2, the internet) raises in the test, so a
broken guard fails the test without sending a packet. `connections` records each attempt.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from communique.model import CrawlSource
from communique.settings import Settings
from tests.conftest import shared_path
from tests.crawl.site import Site, start
from tests.live import WAIT


@pytest.fixture
def site() -> Iterator[Site]:
    fake, server = start(shared_path("pages"))
    yield fake
    fake.released.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every address a socket tried to connect to during the test (allowed or not)."""
    attempts: list[Any] = []
    guarded = socket.socket.connect

    def recording_connect(sock: socket.socket, address: Any) -> None:
        attempts.append(address)
        guarded(sock, address)

    monkeypatch.setattr(socket.socket, "connect", recording_connect)
    return attempts


def crawl_settings(db: Path, **changes: Any) -> Settings:
    """Fast, bounded crawl settings for the tests' local site."""
    values: dict[str, Any] = {
        "db": str(db),
        "crawl_delay": 0.0,
        "crawl_backoff": 0.05,
        "crawl_retries": 2,
        "max_bytes": 2_000_000,
        "max_retry_after": 5.0,
        "enrich": False,  # crawling is under test here; enrichment has its own tests
    }
    values.update(changes)
    return Settings(**values)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # a fetch from the local site may wait long on a loaded machine: a bound, not a speed test
    return crawl_settings(tmp_path / "crawl.db", fetch_timeout=WAIT)


def ministry(site: Site, **changes: Any) -> CrawlSource:
    values: dict[str, Any] = {
        "name": "ministry",
        "start_urls": (f"{site.base}/press/",),
        "feeds": (f"{site.base}/feed.xml",),
        "sitemaps": (f"{site.base}/sitemap.xml",),
        "issuer": "Ministry of Foreign Affairs",
        "allow_private": True,
    }
    values.update(changes)
    return CrawlSource(**values)
