"""Workers on a PostgreSQL job queue: the archive they leave is the one a direct ingest leaves.

Real `communique worker --once` processes drain a queue in a PostgreSQL server the tests start
(tests/pgserver.py); one is killed with SIGKILL mid-run and the rerun is compared with a clean
direct ingest. Enrichment is off: the order-dependent steps (site chrome, links) are the point.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from communique import jobs
from communique.api.app import create_app
from communique.cli import app as cli_app
from communique.errors import InputError
from communique.keys import add_key
from communique.model import Enrichment, RawInput, Statement
from communique.pipeline import ingest, processed_version, read_targets
from communique.settings import Settings
from communique.store.base import links_of, open_store
from tests.conftest import shared_path
from tests.pgserver import PgServer
from tests.test_interrupt import communique, finish


@pytest.fixture(params=["sqlite", "postgresql"])
def archives(
    request: pytest.FixtureRequest, pg_server: PgServer, tmp_path: Path
) -> tuple[Settings, Settings]:
    """Settings for a queued archive and for a direct one, on one backend; the queue in
    PostgreSQL (a database of its own beside a SQLite archive, else the archive itself)."""
    if request.param == "sqlite":
        queue = pg_server.database()
        request.addfinalizer(lambda: pg_server.drop(queue))
        queued = Settings(db=str(tmp_path / "queued.db"), queue=queue)
        direct = Settings(db=str(tmp_path / "direct.db"))
    else:
        urls = [pg_server.database(), pg_server.database()]
        for url in urls:
            request.addfinalizer(lambda url=url: pg_server.drop(url))  # type: ignore[misc]
        queued, direct = Settings(db=urls[0]), Settings(db=urls[1])
    return (
        replace(queued, enrich=False, workers=1, worker_heartbeat=2.0, job_backoff=0.05),
        replace(direct, enrich=False, workers=1),
    )


def worker(settings: Settings) -> subprocess.Popen[bytes]:
    """A `communique worker --once` process of this checkout on the settings' queue."""
    env = {
        "COMMUNIQUE_DB": settings.db,
        "COMMUNIQUE_QUEUE": settings.queue,
        "COMMUNIQUE_WORKER_HEARTBEAT": str(settings.worker_heartbeat),
    }
    return communique("worker", "--once", env=env)


def archive(settings: Settings) -> dict[str, Any]:
    """What must be the same in both archives: statements, their links, failures, marks."""
    store = open_store(settings.db)
    try:
        captures = sorted(store.iter_captures(), key=lambda c: c.id)
        statements: dict[str, Statement] = {}
        for capture in captures:
            for sid in store.statements_at_url(capture.url):
                statements[sid] = store.get_statement(sid)
        get_copy = getattr(store, "get_copy", None)
        links = {sid: get_copy(sid) for sid in statements} if get_copy else {}
        return {
            "captures": [c.id for c in captures],
            "statements": statements,
            "links": {k: (v.group_id, v.kind, v.matched) for k, v in links.items() if v},
            "failures": sorted((f.capture_id, f.reason) for f in store.failures()),
            "processed": [store.is_processed(c.id, processed_version(settings)) for c in captures],
        }
    finally:
        store.close()


def direct_archive(settings: Settings, pages: Path) -> dict[str, Any]:
    store = open_store(settings.db)
    try:
        ingest([str(pages)], store, settings)
    finally:
        store.close()
    return archive(settings)


def enqueue(settings: Settings, pages: Path) -> jobs.QueueReport:
    store = open_store(settings.db)
    try:
        return jobs.enqueue_ingest([str(pages)], store, settings)
    finally:
        store.close()


def test_two_workers_leave_the_archive_a_direct_ingest_leaves(
    archives: tuple[Settings, Settings],
) -> None:
    queued, direct = archives
    pages = shared_path("pages")
    report = enqueue(queued, pages)
    assert report.report.new_captures == 32 and report.queued == 64
    assert enqueue(queued, pages).queued == 0, "the same jobs are not queued twice"
    first, second = worker(queued), worker(queued)
    finish(first)
    finish(second)
    assert jobs.job_counts(queued)["todo"] == 0
    expected = direct_archive(direct, pages)
    got = archive(queued)
    assert len(expected["statements"]) > 20
    assert got == expected
    if queued.db.endswith(".db"):
        assert {kind for _, kind, _ in got["links"].values()} > {"first"}, "copies were linked"


def test_a_worker_killed_mid_run_then_rerun_leaves_the_same_archive(
    archives: tuple[Settings, Settings],
) -> None:
    queued, direct = archives
    pages = shared_path("pages")
    enqueue(queued, pages)
    with psycopg.connect(jobs.queue_url(queued)) as held:
        # the ninth store job, locked: store jobs run in order, so the worker stops after
        # eight statements (extracting ahead) and waits there, however fast it runs
        held.execute(  # the row alone: FOR UPDATE beside OFFSET locks the rows skipped too
            "SELECT id FROM procrastinate_jobs WHERE id = (SELECT id FROM procrastinate_jobs"
            " WHERE task_name = 'store' ORDER BY id OFFSET 8 LIMIT 1) FOR UPDATE"
        )
        victim = worker(queued)
        deadline = time.monotonic() + 900
        while sum(archive(queued)["processed"]) < 8:
            assert victim.poll() is None and time.monotonic() < deadline, "the worker stopped"
            time.sleep(0.2)
        assert jobs.live_workers(queued) == 1, "the waiting worker's heartbeat is recent"
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=60)
        assert sum(archive(queued)["processed"]) == 8, "killed mid-run"
        held.rollback()
    finish(worker(queued))
    assert archive(queued) == direct_archive(direct, pages)


def test_a_failing_job_goes_to_the_dead_letter_list_after_its_retries(
    pg_server: PgServer, pg_url: str
) -> None:
    unreachable = pg_server.database()
    pg_server.drop(unreachable)  # an archive the worker cannot open: an error that may go away
    settings = Settings(
        db=unreachable, queue=pg_url, enrich=False, workers=1, job_retries=2, job_backoff=0.05
    )
    defer_extract(settings, "c1")
    jobs.run_worker(replace(settings, worker_heartbeat=2.0), once=True)
    assert jobs.job_counts(settings)["failed"] == 1
    (dead,) = jobs.list_jobs(settings, "failed")
    assert dead.task == "extract" and dead.attempts == 3, "the first run and 2 retries"
    assert dead.error is not None and "cannot open database" in dead.error
    api = keyed_client(replace(settings, db=pg_url))
    shown = api.get("/api/v1/jobs", params={"status": "failed"}).json()
    assert shown["queue"] is True and shown["counts"]["failed"] == 1
    assert shown["workers"] == 0, "a worker that stopped is gone from the queue"
    assert shown["jobs"][0]["error"] == dead.error
    assert api.post("/api/v1/jobs/retry", json={"ids": [dead.id + 1]}).json()["retried"] == 0
    anonymous = TestClient(api.app, base_url="http://localhost")
    assert anonymous.post("/api/v1/jobs/retry", json={}).status_code == 401
    assert jobs.job_counts(settings)["failed"] == 1, "a refused write retried nothing"
    assert api.post("/api/v1/jobs/retry", json={}).json() == {"retried": 1}
    assert jobs.job_counts(settings)["todo"] == 1
    assert api.get("/api/v1/jobs").json()["counts"]["todo"] == 1
    (again,) = jobs.list_jobs(settings, "todo")
    assert again.id == dead.id and again.attempts == 0, "its retries restored"


def keyed_client(settings: Settings) -> TestClient:
    """The API of the settings' archive, sending a key of that archive (writes need one)."""
    store = open_store(settings.db)
    try:
        token = add_key(store, "jobs tests")[1]
    finally:
        store.close()
    return TestClient(
        create_app(settings),
        base_url="http://localhost",
        headers={"Authorization": f"Bearer {token}"},
    )


def test_a_job_whose_error_is_final_goes_to_the_dead_letter_list_at_once(pg_url: str) -> None:
    settings = Settings(db=pg_url, enrich=False, workers=1, job_retries=2, job_backoff=0.05)
    defer_extract(settings, "no-such-capture")
    env = {"COMMUNIQUE_DB": pg_url, "COMMUNIQUE_WORKER_HEARTBEAT": "2", "COMMUNIQUE_ENRICH": "off"}
    result = CliRunner().invoke(cli_app, ["worker", "--once"], env=env)
    assert result.exit_code == 0, result.output
    logged = " ".join(result.stderr.split())  # rich wraps the log to the terminal's width
    assert "ERROR" in logged and "no capture no-such-capture" in logged
    (dead,) = jobs.list_jobs(settings, "failed")
    assert dead.attempts == 1, "a rerun would not find the capture either"
    assert dead.error == "no capture no-such-capture"


def defer_extract(settings: Settings, capture: str) -> None:
    jobs.install(settings)
    app = jobs.make_app(settings)
    with app.open():
        app.tasks["extract"].defer(capture=capture, options={"enrich": False})


def test_an_archive_without_a_queue_says_so(tmp_path: Path) -> None:
    settings = Settings(db=str(tmp_path / "archive.db"))
    api = keyed_client(settings)
    retried = api.post("/api/v1/jobs/retry", json={})
    assert retried.status_code == 400 and "COMMUNIQUE_QUEUE" in retried.json()["message"]
    assert api.get("/api/v1/jobs").json() == {
        "queue": False,
        "workers": 0,
        "counts": {},
        "jobs": [],
    }
    with pytest.raises(InputError, match="COMMUNIQUE_QUEUE"):
        jobs.job_counts(settings)


def test_stale_captures_and_lost_links_are_rebuilt_by_queued_jobs(
    pg_server: PgServer, tmp_path: Path
) -> None:
    queue = pg_server.database()
    queued = Settings(
        db=str(tmp_path / "queued.db"), queue=queue, enrich=False, workers=1,
        worker_heartbeat=2.0, job_backoff=0.05,
    )  # fmt: skip
    pages = shared_path("pages")
    expected = direct_archive(Settings(db=str(tmp_path / "direct.db"), enrich=False), pages)
    store = open_store(queued.db)
    try:  # captures no pipeline processed yet: what an upgrade leaves stale
        for item in read_targets([str(pages)], queued):
            assert isinstance(item, RawInput)
            store.put_capture(item.to_capture(), item.body)
        report = jobs.enqueue_reprocess(store, queued)
    finally:
        store.close()
    assert report.report.redone == 32 and report.queued == 64
    jobs.run_worker(queued, once=True)
    assert archive(queued) == expected
    store = open_store(queued.db)
    try:
        links_of(store).start_relink()  # a relink killed after clearing the links
    finally:
        store.close()
    assert archive(queued)["links"] == {}
    assert jobs.enqueue_relink(queued) == 1
    assert jobs.enqueue_relink(queued) == 0, "one link job waits at a time"
    jobs.run_worker(queued, once=True)
    assert archive(queued) == expected
    pg_server.drop(queue)


def test_a_queued_reprocess_redoes_stale_captures_only(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli_app, ["reprocess", "--queue", "--db", str(tmp_path / "a.db")])
    assert result.exit_code != 0 and "add --stale" in result.output


def test_queued_enrich_jobs_store_what_a_direct_ingest_stores(
    pg_server: PgServer, tmp_path: Path
) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    for page in sorted(shared_path("pages").glob("*.html"))[:4]:  # a copy pair among them
        shutil.copy(page, pages / page.name)
    queue = pg_server.database()
    queued = Settings(
        db=str(tmp_path / "queued.db"), queue=queue, time_tagger="rules", workers=1,
        worker_heartbeat=2.0, job_backoff=0.05,
    )  # fmt: skip
    direct = Settings(db=str(tmp_path / "direct.db"), time_tagger="rules", workers=1)
    assert enqueue(queued, pages).queued == 8
    jobs.run_worker(queued, once=True)
    assert jobs.job_counts(queued)["failed"] == 0
    expected, got = direct_archive(direct, pages), archive(queued)
    assert got == expected and all(got["processed"])
    assert enrichments(queued) == enrichments(direct)
    assert any(e.places or e.entities for e in enrichments(queued).values())
    pg_server.drop(queue)


def enrichments(settings: Settings) -> dict[str, Enrichment]:
    store = open_store(settings.db)
    try:
        ids = {s for c in store.iter_captures() for s in store.statements_at_url(c.url)}
        return {sid: store.get_enrichment(sid) for sid in sorted(ids)}
    finally:
        store.close()
