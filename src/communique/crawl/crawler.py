"""Crawl sources: a frontier in the store, polite fetching, every response kept in WARC.

Each source's run works through its frontier (feeds, sitemaps and listings, then statement
pages; a listing's next page only once the items of the page before it are done, and only
while they reach back to `--since`). The frontier is in the store, so a crawl killed at any
point resumes where it stopped: a URL whose response was stored is processed from the store,
never fetched again in that run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import InitVar, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from communique.collect.fetcher import Fetcher, HostGate
from communique.collect.safety import HostPort, host_port
from communique.collect.warc import EXTRACTABLE, WarcRotator
from communique.crawl import discover
from communique.crawl.registry import beside_db
from communique.errors import (
    CommuniqueError,
    ExtractionError,
    FetchError,
    InputError,
    PdfStub,
    RateLimited,
    Refused,
)
from communique.link.archive import link_statement
from communique.model import (
    Capture,
    Change,
    ChangeKind,
    CrawlRun,
    CrawlSource,
    EntryState,
    ExtractionFailure,
    Fetched,
    FrontierEntry,
    RawInput,
    Statement,
    UrlKind,
    UrlState,
)
from communique.pipeline import Pipeline
from communique.settings import Settings
from communique.store.base import Store

SourceProgress = Callable[[str, int, int, str], None]
"""Called as progress(source, done, total, url) after each URL of a source."""
PROGRESS_EVERY = 0.25
"""Seconds between two progress updates of a source."""
MAX_DEPTH = 3
"""Links followed from a start listing: items, and items of pages that are listings."""


def warc_folder(db: str) -> Path:
    """Where the crawler writes its WARC files: `NAME-warc/` beside the database."""
    return beside_db(db, "-warc")


def crawl(
    store: Store,
    settings: Settings,
    sources: Iterable[CrawlSource],
    since: date | None = None,
    progress: SourceProgress | None = None,
) -> list[CrawlRun]:
    """Crawl each source once (resuming an unfinished run); return the runs, one per source.

    Example:
        >>> from communique.store.base import open_store
        >>> crawl(open_store(":memory:"), Settings(db=":memory:"), [])
        []
    """
    sources = list(sources)
    recorder = WarcRotator(warc_folder(settings.db), "communique", settings.warc_max_bytes)
    gate = HostGate()
    pipeline = Pipeline.from_settings(settings, store)
    try:
        with ThreadPoolExecutor(max(1, settings.crawl_concurrency)) as pool:
            jobs = [
                pool.submit(
                    SourceCrawl(store, settings, source, pipeline, recorder, gate, progress).run,
                    since,
                )
                for source in sources
            ]
            return [job.result() for job in jobs]
    finally:
        recorder.close()


def watch(
    store: Store,
    settings: Settings,
    sources: Callable[[], list[CrawlSource]],
    progress: SourceProgress | None = None,
    rounds: int | None = None,
) -> None:
    """Recrawl each source whenever its interval has passed, until interrupted (or `rounds`).

    Example:
        >>> from communique.store.base import open_store
        >>> watch(open_store(":memory:"), Settings(db=":memory:"), list, rounds=0)
    """
    done = 0
    while rounds is None or done < rounds:
        due = [s for s in sources() if _due(store, s)]
        if due:
            crawl(store, settings, due, None, progress)
            done += 1
        else:
            time.sleep(min(60.0, _seconds_to_next(store, sources())))


def _due(store: Store, source: CrawlSource) -> bool:
    runs = store.runs(source.name, limit=1)
    if not runs or runs[0].finished_at is None:
        return True
    return datetime.now(UTC) - runs[0].finished_at >= timedelta(hours=source.recrawl_hours)


def _seconds_to_next(store: Store, sources: list[CrawlSource]) -> float:
    waits = [60.0]
    for source in sources:
        runs = store.runs(source.name, limit=1)
        if runs and runs[0].finished_at is not None:
            next_at = runs[0].finished_at + timedelta(hours=source.recrawl_hours)
            waits.append(max(1.0, (next_at - datetime.now(UTC)).total_seconds()))
    return min(waits)


@dataclass(eq=False)
class SourceCrawl:
    """One run over one source's frontier."""

    store: Store
    settings: Settings
    source: CrawlSource
    pipeline: Pipeline
    recorder: InitVar[WarcRotator]
    gate: InitVar[HostGate]
    progress: SourceProgress | None = None
    hosts: frozenset[str] = field(init=False)
    fetcher: Fetcher = field(init=False)
    run_record: CrawlRun | None = field(init=False, default=None)

    def __post_init__(self, recorder: WarcRotator, gate: HostGate) -> None:
        source = self.source
        seeds = (*source.start_urls, *source.feeds, *source.sitemaps)
        self.hosts = frozenset(host_port(u)[0] for u in seeds)
        allowed: frozenset[HostPort] = (
            frozenset(host_port(u) for u in source.start_urls)
            if source.allow_private
            else frozenset()  # the start hosts only, as the README says: not feeds elsewhere
        )
        self.fetcher = Fetcher(
            self.settings, allowed, recorder.write, gate=gate, robots_cache=self.store
        )

    @property
    def run_(self) -> CrawlRun:
        assert self.run_record is not None
        return self.run_record

    def run(self, since: date | None) -> CrawlRun:
        """Work through the frontier until nothing is left; return the finished run."""
        self.store.put_source(self.source.to_source())
        run = self.store.start_run(self.source.name, since)
        self.run_record = run
        if not self.store.frontier_counts(run.id):
            self.store.enqueue(run.id, self._seeds())
        done, shown = 0, 0.0
        try:
            while (item := self._next(run)) is not None:
                entry, capture_id = item
                self._work(entry, capture_id)
                done += 1
                if done % 25 == 0:
                    self.store.save_run(run)
                if self.progress and time.monotonic() - shown > PROGRESS_EVERY:
                    shown = time.monotonic()
                    counts = self.store.frontier_counts(run.id)
                    total = sum(counts.values()) - counts.get("held", 0)
                    self.progress(self.source.name, total - _open(counts), total, entry.url)
        finally:
            self.fetcher.close()
        run.finished_at = datetime.now(UTC)
        if self.progress:
            self.progress(self.source.name, done, done, "")
        self.store.save_run(run)
        return run

    def _seeds(self) -> list[FrontierEntry]:
        source = self.source
        entries = [FrontierEntry(u, UrlKind.FEED) for u in source.feeds]
        entries += [FrontierEntry(u, UrlKind.SITEMAP) for u in source.sitemaps]
        entries += [FrontierEntry(u, UrlKind.LISTING) for u in source.start_urls]
        entries += [
            FrontierEntry(u, kind, depth=1) for u, kind in self.store.known_urls(source.name)
        ]
        return entries

    def _next(self, run: CrawlRun) -> tuple[FrontierEntry, str | None] | None:
        while True:
            item = self.store.next_entry(run.id)
            if item is not None:
                if run.counts.fetched >= self.settings.crawl_max_pages and item[1] is None:
                    self._error("page-limit")
                    skipped = replace(item[0], state="skipped", error="page limit reached")
                    self.store.finish_entry(run.id, skipped)
                    continue
                return item
            if not self.store.release_held(run.id, run.since):
                return None

    def _work(self, entry: FrontierEntry, capture_id: str | None) -> None:
        if capture_id is not None:
            capture = self.store.get_capture(capture_id)
            self._process(
                entry, RawInput.from_capture(capture, self.store.capture_body(capture_id)), capture
            )
            return
        previous = self.store.get_url_state(self.source.name, entry.url)
        try:
            fetched = self.fetcher.fetch(
                entry.url,
                previous.etag if previous else None,
                previous.last_modified if previous else None,
            )
        except Refused as exc:
            self._fail(entry, exc.kind, str(exc), "refused")
            return
        except RateLimited as exc:
            self._fail(entry, "rate-limited", str(exc))
            return
        except FetchError as exc:
            self._fail(entry, "network", str(exc))
            return
        except InputError as exc:
            self._fail(entry, "invalid", str(exc))
            return
        self.run_.counts.fetched += 1
        self.run_.counts.bytes += fetched.wire_bytes
        self._handle(entry, fetched, previous)

    def _handle(self, entry: FrontierEntry, fetched: Fetched, previous: UrlState | None) -> None:
        run = self.run_
        if fetched.status == 304:
            run.counts.not_modified += 1
            self._remember(entry, fetched, previous, removed=None)
            published = self._published(entry.url)
            self.store.finish_entry(run.id, replace(entry, state="done", published=published))
        elif fetched.status in (404, 410):
            self._removed(entry, fetched, previous)
        elif fetched.status >= 300:
            self._fail(entry, f"http-{fetched.status}", f"{entry.url}: HTTP {fetched.status}")
        elif fetched.truncated:
            self._fail(entry, "too-large", f"{entry.url}: cut at {self.settings.max_bytes} bytes")
        else:
            if previous is not None and previous.removed_at is not None:
                self._change(entry.url, "restored", None)
            self._remember(entry, fetched, previous, removed=None)
            raw = fetched.to_raw(self.source.name)
            capture = raw.to_capture()
            self.store.put_fetched_capture(run.id, entry.url, capture, raw.body)
            self._process(entry, raw, capture)

    def _remember(
        self,
        entry: FrontierEntry,
        fetched: Fetched,
        previous: UrlState | None,
        removed: datetime | None,
    ) -> None:
        keep = fetched.status == 304 and previous is not None
        self.store.put_url_state(
            UrlState(
                url=entry.url,
                source=self.source.name,
                kind=entry.kind,
                etag=(previous.etag if keep and previous else None) or fetched.header("etag"),
                last_modified=(previous.last_modified if keep and previous else None)
                or fetched.header("last-modified"),
                status=fetched.status,
                checked_at=fetched.fetched_at,
                removed_at=removed,
            )
        )

    def _removed(self, entry: FrontierEntry, fetched: Fetched, previous: UrlState | None) -> None:
        """A 404 or 410: mark the statements of this URL removed; keep them."""
        already = previous.removed_at if previous is not None else None
        if already is None and previous is not None:
            for sid in self.store.statements_at_url(entry.url):
                self._change(entry.url, "removed", sid)
                self.run_.counts.removed += 1
        if previous is not None:
            self._remember(entry, fetched, previous, removed=already or fetched.fetched_at)
        self._fail(entry, f"http-{fetched.status}", f"{entry.url}: HTTP {fetched.status}")

    def _process(self, entry: FrontierEntry, raw: RawInput, capture: Capture) -> None:
        run = self.run_
        try:
            published = self._discover_or_extract(entry, raw, capture)
        except PdfStub as exc:
            self.store.enqueue(
                run.id, [FrontierEntry(exc.pdf_url, UrlKind.PAGE, entry.parent, depth=entry.depth)]
            )
            published = None
        except ExtractionError as exc:
            run.counts.no_text += 1
            self.store.record_failure(_failure(capture, raw, str(exc)))
            self.store.finish_entry(run.id, replace(entry, state="done", error=str(exc)))
            return
        except CommuniqueError as exc:
            self._fail(entry, "unreadable", str(exc))
            return
        self.store.finish_entry(run.id, replace(entry, state="done", published=published))

    def _discover_or_extract(
        self, entry: FrontierEntry, raw: RawInput, capture: Capture
    ) -> date | None:
        if raw.content_type not in EXTRACTABLE or entry.kind in (UrlKind.FEED, UrlKind.SITEMAP):
            self._read_feed_or_sitemap(entry, raw)
            return None
        if entry.kind is UrlKind.LISTING:
            self._read_listing(entry, raw)
            return None
        extraction = self.pipeline.run(raw, self.source.to_source())
        if extraction.is_listing:
            if entry.depth < MAX_DEPTH and raw.content_type != "application/pdf":
                self._read_listing(entry, raw, paginate=False)
            return None
        self._store_statement(Statement.from_extraction(extraction, capture), capture)
        self.store.clear_failure(capture.id)
        return extraction.published

    def _store_statement(self, statement: Statement, capture: Capture) -> None:
        """Store a version; an edit is a version whose text differs from the one before it.

        Judged from the stored versions, so re-processing a capture after a kill -9
        records the edit once, and never misses it.
        """
        run = self.run_
        self.store.put_statement(statement, capture)
        sources = {s.name: s for s in self.store.sources()}
        link_statement(
            self.store, self.store.get_statement(statement.id), capture.fetched_at, sources
        )
        run.counts.statements += 1
        versions = self.store.versions(statement.id)
        index = next(i for i, v in enumerate(versions) if v.capture_id == capture.id)
        if len(versions) == 1:
            run.counts.new_statements += 1
        if index == 0:
            return
        before, after = versions[index - 1], versions[index]
        if (before.title, before.text) == (after.title, after.text):
            return
        known = self.store.changes(statement_id=statement.id)
        if not any(c.kind == "edited" and c.after_capture == capture.id for c in known):
            run.counts.edited += 1
            self._change(capture.url, "edited", statement.id, before.capture_id, capture.id)

    def _read_listing(self, entry: FrontierEntry, raw: RawInput, paginate: bool = True) -> None:
        links = discover.listing_links(raw.body, raw.url, self.hosts, self.source.selectors)
        entries = [
            FrontierEntry(f.url, UrlKind.PAGE, entry.url, depth=entry.depth + 1)
            for f in links.items
        ]
        if entry.depth == 0:
            entries += [FrontierEntry(f, UrlKind.FEED) for f in links.feeds]
        if paginate and links.next_page and self.run_.since is not None:
            entries.append(
                FrontierEntry(links.next_page, UrlKind.LISTING, entry.url, "held", entry.depth)
            )
        self.store.enqueue(self.run_.id, entries)

    def _read_feed_or_sitemap(self, entry: FrontierEntry, raw: RawInput) -> None:
        since = self.run_.since
        body = discover.gunzip(raw.body, raw.url, self.settings.max_bytes)
        head = body[:2048].lower()
        if entry.kind is UrlKind.SITEMAP or b"<urlset" in head or b"<sitemapindex" in head:
            pages, children = discover.sitemap_links(body, raw.url, self.hosts)
            entries = [
                FrontierEntry(f.url, UrlKind.SITEMAP) for f in discover.recent(children, since)
            ]
        else:
            pages = discover.feed_links(body, raw.url, self.hosts)
            entries = []
        entries += [
            FrontierEntry(f.url, UrlKind.PAGE, depth=1) for f in discover.recent(pages, since)
        ]
        self.store.enqueue(self.run_.id, entries)

    def _published(self, url: str) -> date | None:
        for sid in self.store.statements_at_url(url):
            try:
                return self.store.get_statement(sid).published
            except CommuniqueError:
                continue
        return None

    def _change(
        self,
        url: str,
        kind: ChangeKind,
        sid: str | None,
        before: str | None = None,
        after: str | None = None,
    ) -> None:
        ids = [sid] if sid else self.store.statements_at_url(url)
        for one in ids:
            self.store.record_change(
                Change(one, url, kind, datetime.now(UTC), self.source.name, before, after)
            )

    def _fail(
        self, entry: FrontierEntry, kind: str, message: str, state: EntryState = "failed"
    ) -> None:
        self._error(kind)
        if state == "failed":
            self.run_.counts.failed += 1
        self.store.finish_entry(self.run_.id, replace(entry, state=state, error=message))
        if kind not in ("http-404", "http-410"):
            self.store.record_failure(
                ExtractionFailure("", entry.url, entry.url, message, datetime.now(UTC))
            )

    def _error(self, kind: str) -> None:
        errors = self.run_.counts.errors
        errors[kind] = errors.get(kind, 0) + 1


def _open(counts: dict[str, int]) -> int:
    return counts.get("pending", 0) + counts.get("fetched", 0)


def _failure(capture: Capture, raw: RawInput, reason: str) -> ExtractionFailure:
    return ExtractionFailure(capture.id, raw.url, raw.origin, reason, datetime.now(UTC))
