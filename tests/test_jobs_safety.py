"""The SSRF guard holds in queue workers, even on one that allows private hosts: a real
`communique worker --once` process refuses a queued crawl of a loopback address whose source
is not allowed it, and a source allowed its private start host reaches no other port.
(tests/test_jobs.py: a worker that does not allow private hosts refuses such sources whole.)"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from communique import jobs
from communique.model import CrawlSource
from communique.settings import Settings
from communique.store.sqlite import SqliteStore
from tests.pgserver import PgServer
from tests.test_interrupt import communique, finish


class _Counted(BaseHTTPRequestHandler):
    hits: list[str]

    def do_GET(self) -> None:
        self.hits.append(self.path)
        body = b'<html><body><a href="/press/1.html">Statement</a></body></html>'
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture()
def servers() -> Iterator[list[tuple[str, list[str]]]]:
    """Two loopback sites (base URL, the paths each was asked for)."""
    started = []
    for _ in range(2):
        hits: list[str] = []
        handler = type("Handler", (_Counted,), {"hits": hits})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started.append((server, hits))
    yield [(f"http://127.0.0.1:{s.server_address[1]}", hits) for s, hits in started]
    for server, _ in started:
        server.shutdown()
        server.server_close()


def test_a_worker_allowing_private_hosts_keeps_each_source_to_its_own(
    pg_server: PgServer, tmp_path: Path, servers: list[tuple[str, list[str]]]
) -> None:
    queue = pg_server.database()
    try:
        settings = Settings(
            db=str(tmp_path / "w.db"), queue=queue, enrich=False, crawl_delay=0.0, workers=1
        )
        settings = replace(settings, worker_heartbeat=2.0, crawl_retries=0)
        (site, site_hits), (other, other_hits) = servers
        rogue = CrawlSource("rogue", (f"{site}/press/",))
        allowed = CrawlSource(
            "allowed", (f"{other}/press/",), feeds=(f"{site}/feed.xml",), allow_private=True
        )
        assert jobs.enqueue_crawl(settings, [rogue, allowed]) == 2
        env = {
            "COMMUNIQUE_DB": settings.db,
            "COMMUNIQUE_QUEUE": queue,
            "COMMUNIQUE_ALLOW_PRIVATE_URLS": "on",  # the worker lets allowed sources run
            "COMMUNIQUE_CRAWL_DELAY": "0",
            "COMMUNIQUE_CRAWL_RETRIES": "0",
        }
        finish(communique("worker", "--once", env=env))
        store = SqliteStore(settings.db)
        (rogue_run,) = store.runs("rogue")
        assert rogue_run.counts.errors == {"private-address": 1} and rogue_run.counts.fetched == 0
        (allowed_run,) = store.runs("allowed")
        assert allowed_run.counts.errors.get("private-address") == 1  # the feed on the other port
        reasons = " ".join(f.reason for f in store.failures())
        assert "127.0.0.1 is a private" in reasons
        store.close()
        assert site_hits == []  # neither source reached the first site
        assert other_hits and all(
            path.startswith(("/press/", "/robots.txt")) for path in other_hits
        )
    finally:
        pg_server.drop(queue)
