"""Workers on many machines: ingest and crawl through a PostgreSQL job queue (procrastinate).

`ingest --queue` stores each input's capture first (the evidence), then queues two jobs per
capture. An `extract` job does the costly, order-free part (extraction) on any worker, in
parallel, and keeps its result in the queue database. A `store` job does what learns from
the archive (site chrome, the statement, its links): store jobs run one at a time, in input
order, under one procrastinate lock, exactly as a direct ingest writes them, so a queue drained
by any number of workers gives the archive a direct ingest gives. With enrichment on, each
store job queues an `enrich` job (parse and enrich, in parallel; one statement's enrich jobs
run in order). `reprocess --stale --queue` queues the same two jobs for each stored capture
an older pipeline processed. A `link` job rebuilds every link (`relink --queue`) under the
store jobs' lock. A `crawl` job crawls one source, its registry entry travelling with it.

Every job is idempotent: it checks the capture's processed mark first and rewrites the same
rows when run again, so a worker killed at any moment (kill -9) leaves nothing that a rerun
does not repair; a killed worker's running job is retried once its heartbeat stops. A job
that raises is retried with exponential backoff; after the last retry, or at once when the
error is final (`is_final`), it stays `failed`: the dead-letter list (`communique jobs`,
`GET /api/v1/jobs`). Workers keep their own SSRF guard: a job cannot switch it off, and a
crawl job of a source allowed private hosts runs only on workers that allow them too.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import multiprocessing
import pickle
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import procrastinate
from procrastinate import JobContext, RetryDecision
from procrastinate.exceptions import AlreadyEnqueued, ProcrastinateException
from procrastinate.jobs import Job as QueuedJob
from procrastinate.worker import Worker

from communique.crawl.registry import source_from_record, source_record
from communique.errors import (
    CommuniqueError,
    InputError,
    Permanent,
    Refused,
    StoreError,
)
from communique.model import (
    Capture,
    CrawlSource,
    Extraction,
    ExtractionFailure,
    IngestReport,
    RawInput,
    Source,
    Statement,
)
from communique.pipeline import (
    Document,
    EnrichStage,
    ExtractStage,
    ParseStage,
    Progress,
    SiteChromeStage,
    failed,
    processed_version,
    record_failure,
    source_of,
    stale_captures,
    store_statement,
    stored_inputs,
)
from communique.settings import Settings, clip
from communique.store.base import Store, is_postgres, open_store, redacted
from communique.store.queue import STATUSES, JobRow, QueueTables

if TYPE_CHECKING:
    from communique import schemas

ARCHIVE_LOCK = "communique:store"
"""The procrastinate lock of every store job: they run one at a time, in the order queued."""

CHUNK = 100
"""Captures queued at a time: their extract jobs first, then their store jobs, so that workers
extract ahead of the one store job running."""

JOB_LOGGER = "procrastinate"
"""The logger of each job's start and end, and of a job that failed for good (ERROR)."""

FORGET_WORKER_AFTER = 3600.0
"""Seconds of silence after which a worker is struck off the list of workers (procrastinate
prunes them as each worker starts). Its running jobs are retried much sooner, after three
missed heartbeats; striking off a worker that is only slow (a loaded machine) would make its
next job fail on the dangling worker id, so only long-dead workers are struck off."""

OPTIONS = ("enrich", "time_tagger", "site_chrome_pages", "max_error_chars")
"""The settings that change what a job writes: the enqueuer's travel with each job."""


def queue_url(settings: Settings) -> str:
    """The queue's database: the `queue` setting, else the archive when it is PostgreSQL.

    Example:
        >>> queue_url(Settings(db="postgresql://db/archive"))
        'postgresql://db/archive'
    """
    if settings.queue:
        if not is_postgres(settings.queue):
            raise InputError(f"queue {settings.queue!r}: the job queue needs a postgresql:// URL")
        return settings.queue
    if is_postgres(settings.db):
        return settings.db
    raise InputError(
        "no job queue: set COMMUNIQUE_QUEUE=postgresql://… (or keep the archive in PostgreSQL)"
    )


def is_final(error: BaseException) -> bool:
    """Whether a rerun of the job would meet `error` again (a `Permanent` error: bad input,
    a missing capture), so the job goes to the dead-letter list at once. A store that cannot
    be reached (`StoreError`) may come back, so that is retried like any other error.

    Example:
        >>> is_final(InputError("c1: not HTML")), is_final(StoreError("db down"))
        (True, False)
    """
    return isinstance(error, Permanent) and not isinstance(error, StoreError)


class _Retry(procrastinate.BaseRetryStrategy):
    """Retry an error that is not final `retries` times, waiting `backoff` seconds, then twice
    as long each time."""

    def __init__(self, retries: int, backoff: float) -> None:
        self.retries = retries
        self.backoff = backoff

    def get_retry_decision(
        self, *, exception: BaseException, job: QueuedJob
    ) -> RetryDecision | None:
        if is_final(exception) or job.attempts >= self.retries:
            return None
        return RetryDecision(retry_in={"seconds": self.backoff * 2**job.attempts})


def make_app(settings: Settings) -> procrastinate.App:
    """The procrastinate app on the settings' queue, with communique's tasks."""
    url = queue_url(settings)
    connector = procrastinate.PsycopgConnector(conninfo=url, min_size=1, max_size=4)
    app = procrastinate.App(connector=connector)
    retry = _Retry(settings.job_retries, settings.job_backoff)
    for name, task in TASKS.items():
        app.task(name=name, pass_context=True, retry=retry)(task)
    return app


def install(settings: Settings) -> None:
    """Create the queue's tables in its database unless they are there."""
    tables = QueueTables(queue_url(settings))
    try:
        tables.install()
    finally:
        tables.close()


# --- the enqueuing side ----------------------------------------------------------------


@dataclass
class QueueReport:
    """What `ingest --queue` did: the captures stored and the jobs queued."""

    report: IngestReport
    queued: int = 0


def enqueue_ingest(
    targets: Iterable[str], store: Store, settings: Settings, progress: Progress | None = None
) -> QueueReport:
    """Store every input's capture, then queue the jobs that make its statement.

    An input that cannot be read is recorded as a failure at once (as a direct ingest does);
    a capture already processed by this pipeline is left alone.
    """
    report = IngestReport()
    inputs = stored_inputs(targets, store, settings, report, progress)
    return _queue_captures(settings, report, (capture.id for _, capture, _ in inputs))


def enqueue_reprocess(
    store: Store, settings: Settings, progress: Progress | None = None
) -> QueueReport:
    """Queue the jobs that rebuild each stored capture an older version of a stage processed
    (or none did): `reprocess --stale` done by the workers. Nothing is cleared first."""
    report = IngestReport()

    def stale() -> Iterator[str]:
        version = processed_version(settings)
        for capture in stale_captures(store, version, report, progress):
            report.redone += 1
            store.clear_failure(capture.id)
            yield capture.id

    return _queue_captures(settings, report, stale())


def _queue_captures(
    settings: Settings, report: IngestReport, captures: Iterable[str]
) -> QueueReport:
    """Queue the extract and store jobs of `captures`, CHUNK at a time."""
    install(settings)
    app = make_app(settings)
    result = QueueReport(report)
    options = {name: getattr(settings, name) for name in OPTIONS}
    chunk: list[str] = []
    with app.open():
        for capture in captures:
            chunk.append(capture)
            if len(chunk) >= CHUNK:
                result.queued += _defer_chunk(app, chunk, options)
                chunk = []
        result.queued += _defer_chunk(app, chunk, options)
    return result


def enqueue_relink(settings: Settings) -> int:
    """Queue one `link` job: `communique relink` done by a worker, after the store jobs
    queued before it and before those queued after it. 0 when one is already waiting."""
    install(settings)
    app = make_app(settings)
    with app.open():
        return int(_defer(app, "link", "link:archive", ARCHIVE_LOCK) is not None)


def _defer_chunk(app: procrastinate.App, captures: list[str], options: dict[str, Any]) -> int:
    """Queue the extract jobs of `captures`, then their store jobs, in order."""
    extract_ids: dict[str, int | None] = {}
    for capture in captures:
        extract_ids[capture] = _defer(
            app, "extract", f"extract:{capture}", None, capture=capture, options=options
        )
    queued = sum(1 for job in extract_ids.values() if job is not None)
    for capture, job in extract_ids.items():
        stored = _defer(
            app,
            "store",
            f"store:{capture}",
            ARCHIVE_LOCK,
            capture=capture,
            options=options,
            extract_job=job,
        )
        queued += stored is not None
    return queued


def _defer(
    app: procrastinate.App, task: str, queueing_lock: str, lock: str | None, **kwargs: Any
) -> int | None:
    """Queue one job; None when the same job is already waiting."""
    try:
        return app.tasks[task].configure(lock=lock, queueing_lock=queueing_lock).defer(**kwargs)
    except AlreadyEnqueued:
        return None


def enqueue_crawl(settings: Settings, sources: list[CrawlSource], since: date | None = None) -> int:
    """Queue one crawl job per source (its registry entry travels with it); how many queued."""
    install(settings)
    app = make_app(settings)
    queued = 0
    with app.open():
        for source in sources:
            job = _defer(
                app,
                "crawl",
                f"crawl:{source.name}",
                f"crawl:{source.name}",
                source=source.name,
                record=source_record(source),
                since=since.isoformat() if since else None,
                options={name: getattr(settings, name) for name in OPTIONS},
            )
            queued += job is not None
    return queued


# --- the worker side -------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What an extract job computed for a capture: its extraction, or why there is none."""

    extraction: Extraction | None
    failure: ExtractionFailure | None = None
    final: bool = True
    """False when the failure may go away on a rerun (an internal error)."""


class _Context:
    """What one worker process keeps between jobs: settings, archive, queue tables, stages."""

    def __init__(self, settings: Settings) -> None:
        self.settings = replace(settings, workers=1)
        self.tables = QueueTables(queue_url(settings))
        self._store: Store | None = None
        self._sources: dict[str, Source] = {}
        self.extract_stage = ExtractStage()
        self._enrich: dict[Settings, tuple[ParseStage, EnrichStage]] = {}

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(self.settings.db)
        return self._store

    def with_options(self, options: dict[str, Any]) -> Settings:
        return replace(self.settings, **{k: v for k, v in options.items() if k in OPTIONS})

    def sources(self, name: str | None) -> dict[str, Source]:
        """The archive's sources (read again when `name` is not among them)."""
        if name is not None and name not in self._sources:
            self._sources = {s.name: s for s in self.store.sources()}
        return self._sources

    def enrich_stages(self, settings: Settings) -> tuple[ParseStage, EnrichStage]:
        if settings not in self._enrich:
            self._enrich[settings] = (
                ParseStage.from_settings(settings),
                EnrichStage.from_settings(settings),
            )
        return self._enrich[settings]

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
        self.tables.close()


_CONTEXT: _Context | None = None


def _context() -> _Context:
    if _CONTEXT is None:
        raise RuntimeError("communique jobs run inside `communique worker`")
    return _CONTEXT


def _recorded(task: Callable[..., None]) -> Callable[..., None]:
    """`task`, keeping its error's one-line message in the queue (for the dead-letter list)."""

    @functools.wraps(task)
    def run(context: JobContext, **kwargs: Any) -> None:
        try:
            task(context, **kwargs)
        except Exception as exc:
            if context.job.id is not None:
                message = str(exc) if isinstance(exc, CommuniqueError) else repr(exc)
                _context().tables.record_error(context.job.id, clip(message, 400))
            raise

    return run


@_recorded
def extract_job(context: JobContext, capture: str, options: dict[str, Any]) -> None:
    """Extract a stored capture and keep the outcome for its store job."""
    ctx = _context()
    settings = ctx.with_options(options)
    if ctx.store.is_processed(capture, processed_version(settings)):
        return
    if ctx.tables.get_document(capture) is not None:
        return
    ctx.tables.put_document(capture, pickle.dumps(_extract(ctx, capture)))


def _raw(ctx: _Context, capture_id: str) -> tuple[Capture, RawInput]:
    capture = ctx.store.get_capture(capture_id)
    return capture, RawInput.from_capture(capture, ctx.store.capture_body(capture_id))


def _extract(ctx: _Context, capture_id: str) -> Outcome:
    capture, raw = _raw(ctx, capture_id)
    doc = Document(raw, source_of(raw, ctx.sources(raw.source)))
    try:
        doc = ctx.extract_stage.process(doc)
    except Exception as exc:  # recorded against the capture, as a direct ingest does
        final = isinstance(exc, Permanent)
        return Outcome(None, failed(capture, raw.origin, exc, with_capture=True), final)
    return Outcome(doc.extraction)


WAIT_FOR_EXTRACT = 120.0
"""Longest wait, in seconds, of a store job for its extract job running on another worker;
after it (or when that job is not running) the store job extracts the capture itself."""


def _outcome(ctx: _Context, capture: str, extract_job: int | None) -> Outcome:
    """The extract job's outcome, waiting while another worker is running that job."""
    deadline = time.monotonic() + WAIT_FOR_EXTRACT
    while True:
        kept = ctx.tables.get_document(capture)
        if kept is not None:
            outcome = pickle.loads(kept)
            assert isinstance(outcome, Outcome)
            return outcome
        running = extract_job is not None and ctx.tables.job_status(extract_job) == "doing"
        if not running or time.monotonic() > deadline:
            return _extract(ctx, capture)
        time.sleep(0.05)


@_recorded
def store_job(
    context: JobContext, capture: str, options: dict[str, Any], extract_job: int | None = None
) -> None:
    """Write a capture's statement and links, in input order (see the module docstring)."""
    begun = _begin(capture, options)
    if begun is None:
        return
    ctx, settings, version = begun
    store = ctx.store
    outcome = _outcome(ctx, capture, extract_job)
    if outcome.failure is not None or outcome.extraction is None:
        assert outcome.failure is not None
        record_failure(store, outcome.failure, settings.max_error_chars)
        if outcome.final:
            _processed(ctx, capture, version)
        else:
            ctx.tables.delete_document(capture)
        return
    record, raw = _raw(ctx, capture)
    doc = Document(raw, source_of(raw, ctx.sources(raw.source)), extraction=outcome.extraction)
    doc = SiteChromeStage(store, settings.site_chrome_pages).process(doc)
    assert doc.extraction is not None
    statement = store_statement(store, doc.extraction, record, ctx.sources(None))
    if statement is None or not settings.enrich:
        _processed(ctx, capture, version)
        return
    ctx.tables.put_document(capture, pickle.dumps(Outcome(doc.extraction)))
    app = context.app
    assert app is not None
    _defer(
        app,
        "enrich",
        f"enrich:{capture}",
        f"statement:{statement}",
        capture=capture,
        options=options,
    )


@_recorded
def enrich_job(context: JobContext, capture: str, options: dict[str, Any]) -> None:
    """Parse and enrich a stored statement's text (its store job kept it), then mark it done.
    The statement is the one `capture`'s text gives; the job's lock (`statement:<id>`) names
    it, so that one statement's enrich jobs run in order."""
    begun = _begin(capture, options)
    if begun is None:
        return
    ctx, settings, version = begun
    store = ctx.store
    kept = ctx.tables.get_document(capture)
    if kept is None:
        raise InputError(f"capture {capture}: its store job kept no text to enrich")
    outcome = pickle.loads(kept)
    assert isinstance(outcome, Outcome) and outcome.extraction is not None
    record = store.get_capture(capture)
    parse, enrich = ctx.enrich_stages(settings)
    raw = RawInput(record.url, b"", record.content_type, record.origin, record.fetched_at)
    doc = enrich.process(parse.process(Document(raw, None, extraction=outcome.extraction)))
    if doc.enrichment is not None:
        enriched = Statement.from_extraction(outcome.extraction, record)
        store.put_enrichment(enriched, doc.enrichment, record.fetched_at)
    _processed(ctx, capture, version)


def _begin(capture: str, options: dict[str, Any]) -> tuple[_Context, Settings, str] | None:
    """The job's context, settings and version; None when an earlier run did the work.

    The document the jobs kept for each other is dropped then.
    """
    ctx = _context()
    settings = ctx.with_options(options)
    version = processed_version(settings)
    if not ctx.store.is_processed(capture, version):
        return ctx, settings, version
    ctx.tables.delete_document(capture)
    return None


def _processed(ctx: _Context, capture: str, version: str) -> None:
    """Mark `capture` done at `version` and drop the document its jobs kept for each other."""
    ctx.store.mark_processed(capture, version)
    ctx.tables.delete_document(capture)


@_recorded
def crawl_job(
    context: JobContext,
    source: str,
    record: dict[str, Any],
    since: str | None,
    options: dict[str, Any],
) -> None:
    """Crawl one source (resuming an unfinished run of it), storing as a direct crawl does."""
    from communique.crawl import crawler

    ctx = _context()
    settings = ctx.with_options(options)
    crawl_source = source_from_record(f"crawl job of {source}", source, record)
    if crawl_source.allow_private and not ctx.settings.allow_private_urls:
        raise Refused(
            f"crawl job of {source}: the source may fetch private hosts, and this worker does"
            " not allow that (set COMMUNIQUE_ALLOW_PRIVATE_URLS=1 on the worker to let it)",
            "private-address",
        )
    start = date.fromisoformat(since) if since else None
    crawler.crawl(ctx.store, settings, [crawl_source], start)


@_recorded
def link_job(context: JobContext) -> None:
    """Rebuild every link between copies from the stored texts (what `communique relink` does:
    the same links every time, so a rerun after a kill repairs a half-done one)."""
    from communique.link.archive import relink

    relink(_context().store)


TASKS: dict[str, Callable[..., None]] = {
    "extract": extract_job,
    "store": store_job,
    "enrich": enrich_job,
    "link": link_job,
    "crawl": crawl_job,
}
"""The queue's tasks by name (the names stored with each job)."""


def run_worker(settings: Settings, once: bool = False, concurrency: int = 1) -> None:
    """Work through the queue: forever, or with `once` until no job is left for this worker.

    `concurrency` worker processes run side by side (each loads its own models); any number
    of machines may run workers on the same queue.
    """
    install(settings)
    if concurrency <= 1:
        _work(settings, once)
        return
    context = multiprocessing.get_context("spawn")
    level = logging.getLogger(JOB_LOGGER).getEffectiveLevel()
    processes = [
        context.Process(target=_work, args=(settings, once, level)) for _ in range(concurrency)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    bad = [p.exitcode for p in processes if p.exitcode]
    if bad:
        raise CommuniqueError(f"{len(bad)} of {concurrency} worker processes failed")


def _work(settings: Settings, once: bool, log_level: int | None = None) -> None:
    """One worker process; `log_level`: that of the process that spawned it, whose logging
    configuration a spawned process does not inherit."""
    global _CONTEXT
    if log_level is not None:
        logging.basicConfig(format="%(asctime)s worker %(process)d %(levelname)s %(message)s")
        logging.getLogger(JOB_LOGGER).setLevel(log_level)
    _CONTEXT = _Context(settings)
    try:
        asyncio.run(_serve(settings, once))
    finally:
        _CONTEXT.close()
        _CONTEXT = None


async def _serve(settings: Settings, once: bool) -> None:
    app = make_app(settings)
    beat = settings.worker_heartbeat
    async with app.open_async():
        worker = Worker(
            app=app,
            concurrency=1,
            wait=True,
            fetch_job_polling_interval=min(1.0, beat),
            delete_jobs="successful",
            update_heartbeat_interval=beat,
            stalled_worker_timeout=max(3 * beat, FORGET_WORKER_AFTER),
            install_signal_handlers=True,
        )
        running = asyncio.create_task(worker.run())  # type: ignore[no-untyped-call]
        monitor = QueueTables(queue_url(settings))
        try:
            await _watch(worker, running, monitor, app, once, beat)
        finally:
            worker.stop()  # type: ignore[no-untyped-call]
            with contextlib.suppress(Exception):
                await running
            monitor.close()


async def _watch(
    worker: Worker,
    running: asyncio.Task[None],
    monitor: QueueTables,
    app: procrastinate.App,
    once: bool,
    beat: float,
) -> None:
    """Retry the jobs of dead workers now and then; with `once`, stop the worker when no job
    is left for it (other live workers finish theirs)."""
    next_check = 0.0
    while not running.done():
        if time.monotonic() >= next_check:
            await _retry_stalled(app, 3 * beat)
            next_check = time.monotonic() + beat
        mine = worker.worker_id
        if once and mine is not None and monitor.unfinished(mine) == 0:
            worker.stop()  # type: ignore[no-untyped-call]
            await running
            if sum(monitor.counts()[status] for status in ("todo", "doing")) == 0:
                monitor.clear_documents()
            return
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.shield(running), timeout=0.25)
    await running


async def _retry_stalled(app: procrastinate.App, seconds: float) -> None:
    """Put back in the queue the jobs of workers that died (no heartbeat for `seconds`)."""
    for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=seconds):
        if job.id is None:
            continue
        with contextlib.suppress(ProcrastinateException):
            await app.job_manager.retry_job_by_id_async(  # another worker may be retrying it
                job.id, retry_at=datetime.now(UTC), priority=job.priority, queue=job.queue,
                lock=job.lock,
            )  # fmt: skip


# --- what `communique jobs` and the API show -------------------------------------------


def job_counts(settings: Settings) -> dict[str, int]:
    """How many jobs have each status (`failed`: the dead-letter list)."""
    with _tables(settings) as tables:
        return tables.counts() if tables.installed() else dict.fromkeys(STATUSES, 0)


def live_workers(settings: Settings) -> int:
    """Workers (on any machine) whose heartbeat is recent: silent for less than three beats."""
    with _tables(settings) as tables:
        return tables.live_workers(3 * settings.worker_heartbeat) if tables.installed() else 0


def list_jobs(settings: Settings, status: str | None = None, limit: int = 50) -> list[JobRow]:
    """The newest jobs, with `status` only when given, each with its last error."""
    with _tables(settings) as tables:
        return tables.jobs(status, limit) if tables.installed() else []


def retry_failed(settings: Settings, job_ids: list[int] | None = None) -> int:
    """Queue the dead-letter list's jobs (or those given) again; returns how many."""
    with _tables(settings) as tables:
        return tables.retry_failed(job_ids) if tables.installed() else 0


@contextlib.contextmanager
def _tables(settings: Settings) -> Iterator[QueueTables]:
    tables = QueueTables(queue_url(settings))
    try:
        yield tables
    finally:
        tables.close()


def jobs_view(settings: Settings, status: str | None = None, limit: int = 50) -> schemas.JobQueue:
    """What the API shows of the queue (nothing when the archive has none)."""
    from communique import schemas

    try:
        queue_url(settings)
    except InputError:
        return schemas.JobQueue(queue=False, workers=0, counts={}, jobs=[])
    records = [job_record(row) for row in list_jobs(settings, status, limit)]
    return schemas.JobQueue(
        queue=True, workers=live_workers(settings), counts=job_counts(settings), jobs=records
    )


def job_record(job: JobRow) -> schemas.Job:
    """A job as the API and `communique jobs list --json` show it."""
    from communique import schemas

    return schemas.Job(**job_dict(job))


def job_dict(job: JobRow) -> dict[str, Any]:
    """A job as JSON (CLI and API)."""
    return {
        "id": job.id,
        "task": job.task,
        "status": job.status,
        "attempts": job.attempts,
        "args": {k: v for k, v in job.args.items() if k != "options"},
        "scheduled_at": job.scheduled_at,
        "error": job.error,
    }


def describe_queue(settings: Settings) -> str:
    """The queue's database, password hidden."""
    return redacted(queue_url(settings))
