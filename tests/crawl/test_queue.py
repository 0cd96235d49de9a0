"""`crawl --queue`: a crawl job per source, run by a worker, stores what a direct crawl stores."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from typer.testing import CliRunner

from communique import jobs
from communique.cli import app
from communique.crawl import registry
from communique.store.base import open_store
from tests.crawl.conftest import crawl_settings, ministry
from tests.crawl.site import Site


def test_a_queued_crawl_is_run_by_a_worker(site: Site, pg_url: str, tmp_path: Path) -> None:
    settings = crawl_settings(tmp_path / "archive.db", queue=pg_url, worker_heartbeat=2.0)
    registry.add_source(registry.registry_path(settings.db), ministry(site))
    env = {"COMMUNIQUE_QUEUE": pg_url, "COMMUNIQUE_ENRICH": "off"}
    result = CliRunner().invoke(app, ["crawl", "--queue", "--db", settings.db], env=env)
    assert result.exit_code == 0, result.output
    assert "1 crawl job queued" in result.stderr
    again = CliRunner().invoke(app, ["crawl", "--queue", "--db", settings.db], env=env)
    assert "0 crawl jobs queued" in again.stderr, "one crawl of a source waits at a time"
    (job,) = jobs.list_jobs(settings)
    assert job.task == "crawl" and job.args["record"]["start_urls"] == [f"{site.base}/press/"]
    jobs.run_worker(replace(settings, allow_private_urls=True), once=True)
    assert jobs.job_counts(settings)["failed"] == 0
    store = open_store(settings.db)
    try:
        (run,) = store.runs("ministry")
        assert run.counts.statements == 14  # as tests/crawl/test_crawl.py finds: 12 pages, 2 PDFs
    finally:
        store.close()


def test_a_worker_keeps_its_guard_against_private_hosts(
    site: Site, pg_url: str, tmp_path: Path
) -> None:
    settings = crawl_settings(tmp_path / "archive.db", queue=pg_url, worker_heartbeat=2.0)
    assert jobs.enqueue_crawl(settings, [ministry(site)]) == 1
    jobs.run_worker(settings, once=True)  # this worker does not allow private hosts
    (dead,) = jobs.list_jobs(settings, "failed")
    assert dead.attempts == 1 and dead.error is not None
    assert "does not allow" in dead.error and "COMMUNIQUE_ALLOW_PRIVATE_URLS" in dead.error
    assert site.log == [], "nothing was fetched from the site"
