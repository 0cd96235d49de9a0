"""Crawl the fake ministry site three times: first crawl, unchanged recrawl, edited recrawl."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from communique.api.app import create_app
from communique.cli import app as cli_app
from communique.collect.warc import read_warc
from communique.crawl import crawler, registry
from communique.crawl.report import export_warc, list_changes, source_health
from communique.model import CrawlRun, CrawlSource, RawInput, Selectors
from communique.pipeline import reprocess
from communique.search import search
from communique.settings import Settings
from communique.store.sqlite import SqliteStore
from tests.conftest import shared_path
from tests.crawl.conftest import crawl_settings, ministry
from tests.crawl.site import (
    FEED_ONLY,
    GZIP_SITEMAP_ONLY,
    LISTED,
    NEWS_SITEMAP_ONLY,
    SITEMAP_ONLY,
    SPECIAL,
    Logged,
    Site,
    start,
)

pytestmark = pytest.mark.allow_hosts(["127.0.0.1"])


@dataclass
class History:
    site: Site
    settings: Settings
    store: SqliteStore
    runs: list[CrawlRun]
    logs: list[list[Logged]]
    connections: list[Any]


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[History]:
    site, server = start(shared_path("pages"))
    folder = tmp_path_factory.mktemp("crawl")
    settings = crawl_settings(folder / "archive.db")
    registry.add_source(registry.registry_path(settings.db), ministry(site))
    store = SqliteStore(settings.db)
    attempts: list[Any] = []
    guarded = socket.socket.connect

    def recording_connect(sock: socket.socket, address: Any) -> None:
        attempts.append(address)
        guarded(sock, address)

    runs, logs = [], []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", recording_connect)
        for crawl_round in range(3):
            if crawl_round == 2:
                site.advance()
            site.log.clear()
            runs += crawler.crawl(store, settings, [ministry(site)])
            logs.append(list(site.log))
    yield History(site, settings, store, runs, logs, attempts)
    store.close()
    server.shutdown()
    server.server_close()


def _everything() -> Any:
    from communique.query import parse_query

    return parse_query("copies:all")  # every copy: two pages are one statement saved twice


def test_listing_feed_and_sitemaps_are_all_discovered(history: History) -> None:
    site, store = history.site, history.store
    found = {s.url for s in store.iter_matches(_everything())}
    fetched = {entry.path for entry in history.logs[0] if entry.status == 200}
    for number in (*LISTED[:3], *SPECIAL.values(), FEED_ONLY, SITEMAP_ONLY, NEWS_SITEMAP_ONLY):
        assert site.statement_path(number) in fetched
    feeds = {"/feed.xml", "/sitemap.xml", "/sitemap-pages.xml", "/sitemap-news.xml"}
    assert feeds | {"/sitemap-archive.xml.gz"} <= fetched
    assert history.runs[0].counts.statements == len(found) == 14  # 12 pages and 2 PDFs
    for number in (LISTED[2], FEED_ONLY, SITEMAP_ONLY, NEWS_SITEMAP_ONLY, GZIP_SITEMAP_ONLY):
        assert store.statements_at_url(site.base + site.statement_path(number))
    assert not any(entry.path.startswith("/press/?page=") for entry in history.logs[0])


def test_pdf_links_and_pdf_stubs_become_statements(history: History) -> None:
    site, store = history.site, history.store
    pdf = store.statements_at_url(f"{site.base}/docs/discours_pmcg_en.pdf")
    assert pdf, "the stub page resolved to its PDF"
    statement = store.get_statement(pdf[0])
    assert "2021" in statement.text and len(statement.text) > 2000
    stub = store.statements_at_url(f"{site.base}/press/pm-programme-2021-speech.html")
    assert stub == []
    assert store.statements_at_url(f"{site.base}/docs/annual-foreign-policy-report.pdf")


def test_refusals_errors_and_retries_of_the_first_crawl(history: History) -> None:
    site, first = history.site, history.runs[0]
    assert first.counts.errors == {"robots": 1, "private-address": 3, "too-large": 1}
    assert not any(entry.path.startswith("/private/") for entry in history.logs[0])
    flaky = [e.status for e in history.logs[0] if e.path == site.statement_path(SPECIAL["flaky"])]
    assert flaky == [500, 200]
    busy = [e for e in history.logs[0] if e.path == site.statement_path(SPECIAL["busy"])]
    assert [e.status for e in busy] == [429, 200]  # the wait asked for: test_safety.py
    assert {address[0] for address in history.connections} == {"127.0.0.1"}
    reasons = " ".join(f.reason for f in history.store.failures())
    for address in ("10.0.0.1", "169.254.169.254", "127.0.0.2"):
        assert f"{address} is a private" in reasons
    assert f"cut at {history.settings.max_bytes} bytes" in reasons


def test_an_unchanged_recrawl_costs_only_conditional_requests(history: History) -> None:
    first, second = history.runs[0], history.runs[1]
    pages = [e for e in history.logs[1] if e.path != "/robots.txt"]
    assert len(pages) >= 15
    assert all("if-none-match" in e.headers and e.status == 304 for e in pages)
    assert second.counts.not_modified == len(pages) and second.counts.new_statements == 0
    assert second.counts.bytes < 0.05 * first.counts.bytes


def test_edits_are_kept_as_versions_with_a_readable_diff(history: History) -> None:
    site, store, third = history.site, history.store, history.runs[2]
    assert third.counts.edited == 1 and third.counts.removed == 1
    changed_url = f"{site.base}{site.statement_path(SPECIAL['changing'])}"
    (sid,) = store.statements_at_url(changed_url)
    versions = store.versions(sid)
    assert len(versions) == 2 and versions[0].fetched_at < versions[1].fetched_at
    assert "immediate boycott" not in versions[0].text and "immediate boycott" in versions[1].text
    (edit,) = [c for c in list_changes(store, None) if c["kind"] == "edited"]
    assert edit["statement_id"] == sid and edit["url"] == changed_url
    minus = [line for line in edit["diff"].splitlines() if line.startswith("-MEPs")]
    plus = [line for line in edit["diff"].splitlines() if line.startswith("+MEPs")]
    assert "join the boycott" in minus[0] and "join the immediate boycott" in plus[0]
    assert "immediate boycott" in store.get_statement(sid).text


def test_removed_pages_are_marked_and_kept(history: History) -> None:
    site, store = history.site, history.store
    gone_url = f"{site.base}{site.statement_path(SPECIAL['vanishing'])}"
    (sid,) = store.statements_at_url(gone_url)
    assert store.get_statement(sid).text
    (removal,) = [c for c in list_changes(store, None) if c["kind"] == "removed"]
    assert removal["statement_id"] == sid and removal["url"] == gone_url
    assert [h.statement.id for h in search(store, "removed:yes").hits] == [sid]
    edited = search(store, "edited:yes").hits
    assert len(edited) == 1 and "immediate boycott" in edited[0].statement.text
    assert search(store, "removed:no").total == search(store, "").total - 1


def test_changes_from_the_cli_the_api_and_the_web(history: History) -> None:
    today = datetime.now(UTC).date().isoformat()
    result = CliRunner().invoke(
        cli_app, ["changes", "--since", today, "--json", "--db", history.settings.db]
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert sorted(c["kind"] for c in lines) == ["edited", "removed"]
    assert all({"statement_id", "url", "kind", "detected_at"} <= set(c) for c in lines)
    client = TestClient(create_app(history.settings, history.store), base_url="http://localhost")
    assert len(client.get("/api/changes", params={"since": today}).json()) == 2
    assert client.get("/api/changes", params={"since": "2999-01-01"}).json() == []
    page = client.get("/changes").text
    assert "join the immediate boycott" in page and "removed" in page
    edited = next(c for c in lines if c["kind"] == "edited")["statement_id"]
    versions = client.get(f"/api/statements/{edited}/versions").json()
    assert len(versions) == 2 and "immediate boycott" in versions[1]["text"]
    statement_page = client.get(f"/statements/{edited}").text
    assert "Versions" in statement_page and "+MEPs call on the international" in statement_page
    health = client.get("/sources").text
    assert "ministry" in health and "private-address" not in health  # last crawl: only 404
    assert client.get("/api/sources/health").json()[0]["statements_per_run"][-1] == 14


def test_source_health(history: History) -> None:
    (health,) = source_health(history.store, [ministry(history.site)])
    assert health.last_success is not None
    assert list(health.statements_per_run) == [r.counts.statements for r in history.runs[::-1]]
    assert health.errors == {"http-404": 1}
    assert [url for url, _ in health.no_text] == [
        f"{history.site.base}/press/photo-gallery-ministers-visit.html"
    ]
    assert history.runs[0].counts.no_text == 1


def test_every_response_is_kept_in_warc_beside_the_database(history: History) -> None:
    folder = crawler.warc_folder(history.settings.db)
    files = sorted(folder.glob("*.warc.gz"))
    assert files and files[0].parent == Path(history.settings.db).parent / "archive-warc"
    records = [
        r
        for f in files
        for r in read_warc(f, Settings(max_bytes=10_000_000))
        if isinstance(r, RawInput)
    ]
    statuses = {r.status for r in records}
    assert {200, 404} <= statuses
    assert len(records) >= sum(len(log) for log in history.logs) - 30  # 302/304/xml not extractable


def test_export_warc_and_reprocess_without_fetching(history: History, tmp_path: Path) -> None:
    store = history.store
    count = export_warc(store, tmp_path / "out.warc.gz")
    exported = [r for r in read_warc(tmp_path / "out.warc.gz", Settings(max_bytes=10_000_000))]
    assert count == store.count_captures() and len(exported) >= count - 6  # minus feeds, sitemaps
    before = {s.id: s.text for s in store.iter_matches(_everything())}
    requests = len(history.site.log)
    report = reprocess(store, history.settings)
    rebuilt = {s.id: s.text for s in store.iter_matches(_everything())}
    # the same statements; texts may lose lines that the site's later pages showed to be chrome
    assert rebuilt.keys() == before.keys()
    assert all(set(rebuilt[i].split("\n\n")) <= set(before[i].split("\n\n")) for i in before)
    reprocess(store, history.settings)
    assert {s.id: s.text for s in store.iter_matches(_everything())} == rebuilt
    assert report.statements >= len(before) and len(history.site.log) == requests
    assert search(store, "edited:yes").total == 1


def test_backfill_follows_pagination_down_to_since(site: Site, settings: Settings) -> None:
    store = SqliteStore(settings.db)
    (run,) = crawler.crawl(store, settings, [ministry(site)], since=date(2022, 1, 1))
    paths = {entry.path for entry in site.log}
    assert {"/press/?page=2", "/press/?page=3"} <= paths
    assert "/press/?page=4" not in paths
    assert site.statement_path(LISTED[8]) in paths  # on page 3, from 2019
    assert not {site.statement_path(n) for n in LISTED[9:]} & paths  # page 4
    assert run.since == date(2022, 1, 1)
    store.close()


def test_watch_recrawls_each_source_on_its_interval(site: Site, settings: Settings) -> None:
    store = SqliteStore(settings.db)
    source = ministry(site, recrawl_hours=0.0003)  # about a second
    crawler.watch(store, settings, lambda: [source], rounds=2)
    runs = store.runs("ministry")
    assert len(runs) == 2 and all(r.finished_at is not None for r in runs)
    assert runs[0].counts.not_modified >= 15 and runs[0].counts.new_statements == 0
    assert runs[0].started_at >= runs[1].finished_at  # type: ignore[operator]
    store.close()


def test_the_crawl_commands_from_a_fresh_database(
    site: Site, settings: Settings, tmp_path: Path
) -> None:
    runner = CliRunner()
    db = ["--db", settings.db]
    env = {"COLUMNS": "200", "COMMUNIQUE_CRAWL_BACKOFF": "0.05", "COMMUNIQUE_MAX_BYTES": "2000000"}
    added = runner.invoke(
        cli_app,
        ["sources", "add", "ministry", "--start", f"{site.base}/press/", "--allow-private", *db],
        env=env,
    )
    assert added.exit_code == 0, added.output
    crawled = runner.invoke(
        cli_app, ["crawl", "--source", "ministry", "--delay", "0", *db], env=env
    )
    # the site's oversized page failed; refusals (robots.txt, private addresses) are not failures
    assert crawled.exit_code == 3, crawled.output
    assert "ministry:" in crawled.stderr and "too-large 1" in crawled.stderr
    assert "private-address 3" in crawled.stderr
    health = runner.invoke(cli_app, ["sources", "health", "--json", *db], env=env)
    (record,) = [json.loads(line) for line in health.stdout.splitlines()]
    assert record["errors"]["robots"] == 1 and record["last_success"]
    exported = runner.invoke(cli_app, ["export-warc", str(tmp_path / "all.warc.gz"), *db])
    assert exported.exit_code == 0 and "records" in exported.stderr
    unknown = runner.invoke(cli_app, ["crawl", "--source", "nope", *db], env=env)
    assert unknown.exit_code == 1 and "no source nope" in unknown.stderr


def test_an_unreachable_site_is_a_network_error_in_source_health(settings: Settings) -> None:
    store = SqliteStore(settings.db)
    with socket.socket() as probe:  # a port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    source = CrawlSource("down", (f"http://127.0.0.1:{closed}/press/",), allow_private=True)
    (run,) = crawler.crawl(store, settings, [source])
    assert run.counts.errors == {"network": 1} and run.counts.fetched == 0
    (health,) = source_health(store, [source])
    assert health.last_success is None and health.errors == {"network": 1}
    store.close()


def test_a_crawl_that_reads_nothing_exits_1_and_says_why(settings: Settings) -> None:
    with socket.socket() as probe:  # a port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    runner, db = CliRunner(), ["--db", settings.db]
    start = f"http://127.0.0.1:{closed}/press/"
    added = runner.invoke(
        cli_app, ["sources", "add", "down", "--start", start, "--allow-private", *db]
    )
    assert added.exit_code == 0, added.output
    crawled = runner.invoke(cli_app, ["crawl", "--delay", "0", *db])
    assert crawled.exit_code == 1, crawled.output
    assert "down: 0 fetched" in crawled.stderr and "network 1" in crawled.stderr
    (run,) = SqliteStore(settings.db).runs("down")
    assert run.counts.failed == 1  # kept with the run's counts


def test_a_body_selector_extracts_what_generic_extraction_cannot(
    site: Site, settings: Settings
) -> None:
    store = SqliteStore(settings.db)
    source = ministry(site, selectors=Selectors(title="//h1", body="//img/@alt"))
    (run,) = crawler.crawl(store, settings, [source])
    gallery = f"{site.base}/press/photo-gallery-ministers-visit.html"
    (sid,) = store.statements_at_url(gallery)
    statement = store.get_statement(sid)
    assert statement.title == "Photo gallery" and len(statement.paragraphs) == 12
    assert run.counts.no_text == 0
    reprocess(store, settings)  # the selectors are kept with the source, so this is rebuilt
    assert store.get_statement(sid).paragraphs == statement.paragraphs
    store.close()


def test_one_request_at_a_time_per_host_across_sources(site: Site, settings: Settings) -> None:
    store = SqliteStore(settings.db)
    sources = [ministry(site), ministry(site, name="ministry-mirror")]  # the same site twice
    runs = crawler.crawl(store, settings.with_overrides(crawl_concurrency=2), sources)
    assert [r.source for r in runs] == ["ministry", "ministry-mirror"]
    assert all(r.counts.fetched > 3 for r in runs), runs
    assert site.max_inflight == 1
    store.close()


@pytest.mark.parametrize("feed_type", ["application/rss+xml", "application/x-rss+xml"])
def test_a_feed_announced_by_the_listing_is_read(
    site: Site, settings: Settings, feed_type: str
) -> None:
    site.feed_type = feed_type  # the second: .rss in Debian's /etc/mime.types
    store = SqliteStore(settings.db)
    crawler.crawl(store, settings, [ministry(site, feeds=(), sitemaps=())])
    assert site.requests_for("/feed.xml")
    assert store.statements_at_url(site.base + site.statement_path(FEED_ONLY))
    assert not site.requests_for("/sitemap.xml")
    store.close()
