"""A crawl killed with kill -9 resumes where it stopped and fetches nothing twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from communique.crawl import crawler, registry
from communique.model import FrontierEntry, RawInput, UrlKind
from communique.query import parse_query
from communique.settings import Settings
from communique.store.sqlite import SqliteStore
from tests.crawl.conftest import ministry
from tests.crawl.site import LISTED, SPECIAL, Site

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
        COMMUNIQUE_ENRICH="off",
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
        assert site.hold.wait(600), "the crawl never reached the slow page"  # a bound, not a speed
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
    finally:
        site.released.set()
        if process.poll() is None:
            process.kill()
    slow = site.statement_path(SPECIAL["slow"])
    done_before = {e.path for e in site.log if e.completed and e.status < 300}
    assert "/robots.txt" in done_before and len(done_before) >= 8 and slow not in done_before
    site.hold = None
    site.log.clear()

    store = SqliteStore(settings.db)
    (run,) = crawler.crawl(store, settings, [ministry(site)])
    again = {e.path for e in site.log}
    assert not again & done_before, f"fetched twice: {sorted(again & done_before)}"
    assert slow in again
    statements = list(store.iter_matches(parse_query("copies:all")))  # every copy
    assert len(statements) == 14
    assert run.finished_at is not None
    assert store.frontier_counts(run.id) == {}
    store.close()


def test_a_capture_stored_before_the_kill_is_processed_without_refetching(
    site: Site, settings: Settings
) -> None:
    """Killed between storing a response and extracting it: the resumed run uses the store."""
    store = SqliteStore(settings.db)
    run = store.start_run("ministry", None)
    page = site.base + site.statement_path(LISTED[0])
    store.enqueue(run.id, [FrontierEntry(site.base + "/press/", UrlKind.LISTING)])
    store.enqueue(run.id, [FrontierEntry(page, UrlKind.PAGE, depth=1)])
    raw = RawInput(page, site.page_body(LISTED[0]), "text/html", page, datetime.now(UTC), 200)
    store.put_fetched_capture(run.id, page, raw.to_capture(), raw.body)

    (resumed,) = crawler.crawl(store, settings, [ministry(site)])
    assert resumed.id == run.id
    assert not site.requests_for(site.statement_path(LISTED[0]))
    (sid,) = store.statements_at_url(page)
    assert store.get_statement(sid).title == site.title(LISTED[0])
    assert site.requests_for("/press/")  # the rest of the frontier was worked through
    store.close()
