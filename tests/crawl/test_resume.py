"""A crawl killed with kill -9 resumes where it stopped and fetches nothing twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from communique.crawl import crawler, registry
from communique.query import parse_query
from communique.settings import Settings
from communique.store.sqlite import SqliteStore
from tests.crawl.conftest import ministry
from tests.crawl.site import SPECIAL, Site

pytestmark = pytest.mark.allow_hosts(["127.0.0.1"])
SRC = Path(__file__).resolve().parents[2] / "src"


def _crawl_process(settings: Settings) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(SRC),
        COMMUNIQUE_DB=settings.db,
        COMMUNIQUE_CRAWL_DELAY="0",
        COMMUNIQUE_CRAWL_BACKOFF="0.05",
        COMMUNIQUE_MAX_BYTES=str(settings.max_bytes),
    )
    return subprocess.Popen(
        [sys.executable, "-m", "communique", "crawl"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_kill_9_then_resume_fetches_nothing_twice(site: Site, settings: Settings) -> None:
    registry.add_source(registry.registry_path(settings.db), ministry(site))
    site.hold = threading.Event()
    process = _crawl_process(settings)
    try:
        assert site.hold.wait(60), "the crawl never reached the slow page"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
    finally:
        site.released.set()
        if process.poll() is None:
            process.kill()
    slow = site.statement_path(SPECIAL["slow"])
    done_before = {e.path for e in site.log if e.completed and e.status < 300}
    done_before.discard("/robots.txt")
    assert len(done_before) >= 8 and slow not in done_before
    site.hold = None
    site.log.clear()

    store = SqliteStore(settings.db)
    (run,) = crawler.crawl(store, settings, [ministry(site)])
    again = {e.path for e in site.log} - {"/robots.txt"}
    assert not again & done_before, f"fetched twice: {sorted(again & done_before)}"
    assert slow in again
    statements = list(store.iter_matches(parse_query("")))
    assert len(statements) == 13
    assert run.finished_at is not None
    assert store.frontier_counts(run.id) == {}
    store.close()
