"""The processing pipeline: ordered stages that turn a raw input into a statement.

Ingest, `extract` (no storing) and `reprocess` all run the same `Pipeline`, so what is
printed by `communique extract` is exactly what `communique ingest` stores.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import ClassVar, Protocol

from communique.collect.corpora import CORPORA, read_corpus
from communique.collect.fetch import fetch_url, is_url
from communique.collect.files import Item, expand_paths, read_file
from communique.collect.warc import EXTRACTABLE
from communique.enrich.core import Enricher
from communique.enrich.workers import EnrichJob, WorkerPool, shared_pool
from communique.errors import (
    CommuniqueError,
    ExtractionError,
    InputError,
    PdfStub,
    WorkerError,
)
from communique.extract import extract, sitechrome
from communique.extract.selected import extract_selected
from communique.model import (
    PIPELINE_VERSION,
    RECORD_CONTENT_TYPE,
    Capture,
    Enrichment,
    Extraction,
    ExtractionFailure,
    IngestReport,
    RawInput,
    Source,
    Statement,
    capture_id,
)
from communique.settings import Settings
from communique.store.base import Store

Progress = Callable[[int, int, str], None]
"""Called as progress(done, total, label) while inputs are read."""


@dataclass(frozen=True)
class Document:
    """A raw input on its way through the stages."""

    raw: RawInput
    source: Source | None
    extraction: Extraction | None = None
    enrichment: Enrichment | None = None


class Stage(Protocol):
    name: ClassVar[str]
    requires: ClassVar[tuple[str, ...]]
    assigns: ClassVar[tuple[str, ...]]

    def process(self, doc: Document) -> Document: ...


class ExtractStage:
    """Clean text and metadata from the raw bytes (see `communique.extract`).

    When generic extraction finds no text in an HTML page and the source has its own body
    selector (a crawl source's registry entry), the selectors extract it instead.
    """

    name: ClassVar[str] = "extract"
    requires: ClassVar[tuple[str, ...]] = ("raw",)
    assigns: ClassVar[tuple[str, ...]] = ("extraction",)

    @classmethod
    def from_settings(cls, settings: Settings, store: Store | None = None) -> ExtractStage:
        return cls()

    def process(self, doc: Document) -> Document:
        try:
            return replace(doc, extraction=extract(doc.raw, doc.source))
        except PdfStub:
            raise
        except ExtractionError:
            selectors = doc.source.selectors if doc.source else None
            if selectors is None or not selectors.body or "html" not in doc.raw.content_type:
                raise
            return replace(doc, extraction=extract_selected(doc.raw, selectors, doc.source))


class SiteChromeStage:
    """Drop lines that recur across the captures of one site (learned, see `extract.sitechrome`).

    Without a store (plain `extract`) it does nothing: the single-page rules of
    `extract.chrome` have already run.
    """

    name: ClassVar[str] = "site-chrome"
    requires: ClassVar[tuple[str, ...]] = ("extraction",)
    assigns: ClassVar[tuple[str, ...]] = ("extraction",)

    @classmethod
    def from_settings(cls, settings: Settings, store: Store | None = None) -> SiteChromeStage:
        return cls(store, settings.site_chrome_pages)

    def __init__(self, store: Store | None, min_others: int = 1) -> None:
        self.store = store
        self.min_others = min_others

    def process(self, doc: Document) -> Document:
        extraction = doc.extraction
        if self.store is None or self.min_others < 1 or extraction is None:
            return doc
        if extraction.is_listing or not extraction.paragraphs:
            return doc
        host = sitechrome.site_of(doc.raw.url) or sitechrome.site_of(extraction.url)
        if not host:  # a local file with no web address: its site is unknown
            return doc
        keys = {sitechrome.line_key(p) for p in extraction.paragraphs}
        keys |= sitechrome.page_line_keys(doc.raw.body, doc.raw.content_type)
        others = self.store.observe_site_lines(host, capture_id(doc.raw.url, doc.raw.sha256), keys)
        return replace(doc, extraction=sitechrome.apply(extraction, others, self.min_others))


class EnrichStage:
    """Entities, countries, places, times, events and references (see `communique.enrich`).

    With a worker pool (setting `workers` > 1), `submit` enriches in a worker process.
    """

    name: ClassVar[str] = "enrich"
    requires: ClassVar[tuple[str, ...]] = ("extraction",)
    assigns: ClassVar[tuple[str, ...]] = ("enrichment",)

    def __init__(self, enricher: Enricher | None, pool: WorkerPool | None = None) -> None:
        self.enricher = enricher
        self.pool = pool

    @classmethod
    def from_settings(cls, settings: Settings, store: Store | None = None) -> EnrichStage:
        if not settings.enrich:
            return cls(None)
        prefer_heideltime = settings.time_tagger == "heideltime"
        pool = shared_pool(settings.workers, prefer_heideltime) if settings.workers > 1 else None
        return cls(Enricher(prefer_heideltime), pool)

    def job(self, doc: Document) -> EnrichJob | None:
        """What to enrich in `doc` (None: nothing, e.g. a listing page or enrichment off)."""
        extraction = doc.extraction
        if self.enricher is None or extraction is None or extraction.is_listing:
            return None
        return EnrichJob(
            extraction.text, extraction.published, extraction.language, extraction.country
        )

    def process(self, doc: Document) -> Document:
        job = self.job(doc)
        if job is None or self.enricher is None:
            return doc
        return replace(doc, enrichment=job.run(self.enricher))

    def submit(self, doc: Document) -> Future[Document]:
        """`doc` with its enrichment, from a worker when there is a pool."""
        job = self.job(doc)
        if self.pool is None or job is None:
            return _done(self.process, doc)
        document: Future[Document] = Future()

        def finish(enrichment: Future[Enrichment]) -> None:
            error = enrichment.exception()
            if isinstance(error, BrokenProcessPool):
                document.set_exception(WorkerError(f"enrichment worker died: {error}"))
            elif error is not None:
                document.set_exception(error)
            else:
                document.set_result(replace(doc, enrichment=enrichment.result()))

        self.pool.submit(job).add_done_callback(finish)
        return document


def _done(process: Callable[[Document], Document], doc: Document) -> Future[Document]:
    """A future already holding `process(doc)`, or the exception it raised."""
    future: Future[Document] = Future()
    try:
        future.set_result(process(doc))
    except Exception as exc:
        future.set_exception(exc)
    return future


STAGES: tuple[Callable[[Settings, Store | None], Stage], ...] = (
    ExtractStage.from_settings,
    SiteChromeStage.from_settings,
    EnrichStage.from_settings,
)
"""The built-in stages, in order; each is made from the settings and the store (if any)."""


class Pipeline:
    """Runs each stage in order on a document."""

    def __init__(self, stages: Iterable[Stage]) -> None:
        self.stages = tuple(stages)
        self._check_order()

    @classmethod
    def from_settings(cls, settings: Settings, store: Store | None = None) -> Pipeline:
        return cls(make(settings, store) for make in STAGES)

    def _check_order(self) -> None:
        available = {"raw"}
        for stage in self.stages:
            missing = set(stage.requires) - available
            if missing:
                raise ValueError(
                    f"stage {stage.name} needs {sorted(missing)} from an earlier stage"
                )
            available |= set(stage.assigns)

    def run(self, raw: RawInput, source: Source | None = None) -> Extraction:
        """The extraction of `raw` after every stage."""
        doc = self.run_document(raw, source)
        assert doc.extraction is not None
        return doc.extraction

    def run_document(self, raw: RawInput, source: Source | None = None) -> Document:
        """`raw` after every stage, with what each stage assigned."""
        return _extracted(_through(self.stages, Document(raw, source)))

    def submit_document(self, raw: RawInput, source: Source | None = None) -> Future[Document]:
        """`raw` after every stage; the last one runs in a worker when it can (`submit`)."""
        *first, last = self.stages
        doc = _extracted(_through(first, Document(raw, source)))
        submit: Callable[[Document], Future[Document]] | None = getattr(last, "submit", None)
        return submit(doc) if submit is not None else _done(last.process, doc)


def _through(stages: Iterable[Stage], doc: Document) -> Document:
    """`doc` after each of `stages`, in order."""
    for stage in stages:
        doc = stage.process(doc)
    return doc


def _extracted(doc: Document) -> Document:
    """`doc`, checked to hold an extraction."""
    if doc.extraction is None:
        raise InputError(f"{doc.raw.origin}: no stage produced an extraction")
    return doc


def read_targets(
    targets: Iterable[str], settings: Settings, progress: Progress | None = None
) -> Iterator[Item]:
    """Raw inputs from paths, folders, URLs and `corpus:NAME` targets, in the order given."""
    units: list[str | Path | ExtractionFailure] = []
    for target in targets:
        if is_url(target) or target.startswith("corpus:"):
            units.append(target)
        else:
            units.extend(expand_paths([Path(target)]))
    for done, unit in enumerate(units):
        if progress:
            progress(done, len(units), str(unit) if not isinstance(unit, ExtractionFailure) else "")
        yield from _read_unit(unit, settings)
    if progress:
        progress(len(units), len(units), "")


def _read_unit(unit: str | Path | ExtractionFailure, settings: Settings) -> Iterator[Item]:
    if isinstance(unit, ExtractionFailure):
        yield unit
    elif isinstance(unit, Path):
        yield from read_file(unit, settings.max_bytes)
    elif unit.startswith("corpus:"):
        try:
            yield from read_corpus(unit.removeprefix("corpus:"))
        except InputError as exc:
            yield ExtractionFailure("", unit, unit, str(exc), datetime.now(UTC))
    else:
        try:
            yield fetch_url(unit, settings)
        except CommuniqueError as exc:
            yield ExtractionFailure("", unit, unit, str(exc), datetime.now(UTC))


def extract_targets(
    targets: Iterable[str], settings: Settings
) -> Iterator[Extraction | ExtractionFailure]:
    """Extract every input without storing anything, in input order."""
    pipeline = Pipeline.from_settings(replace(settings, enrich=False))
    for item in read_targets(targets, settings):
        if isinstance(item, ExtractionFailure):
            yield item
            continue
        try:
            yield pipeline.run(item, _source_of(item, None))
        except CommuniqueError as exc:
            yield _failed(item.to_capture(), item.origin, exc, with_capture=False)


def enrich_targets(
    targets: Iterable[str], settings: Settings, published: date | None = None
) -> Iterator[tuple[Extraction, Enrichment] | ExtractionFailure]:
    """Extract and enrich every input without storing anything, in input order.

    `published` replaces the publication date found in each input (relative dates are
    resolved against it).
    """
    extract_stage = ExtractStage()
    enrich_stage = EnrichStage.from_settings(replace(settings, enrich=True))
    for item in read_targets(targets, settings):
        if isinstance(item, ExtractionFailure):
            yield item
            continue
        try:
            doc = extract_stage.process(Document(item, _source_of(item, None)))
            assert doc.extraction is not None
            if published is not None:
                doc = replace(doc, extraction=replace(doc.extraction, published=published))
            doc = enrich_stage.process(doc)
        except CommuniqueError as exc:
            yield _failed(item.to_capture(), item.origin, exc, with_capture=False)
            continue
        assert doc.extraction is not None
        yield doc.extraction, doc.enrichment or Enrichment()


def ingest(
    targets: Iterable[str], store: Store, settings: Settings, progress: Progress | None = None
) -> IngestReport:
    """Store every input as a capture and every statement extracted from it.

    The same bytes at the same URL twice are a no-op; the same URL with other bytes becomes
    a new version of its statement. A failure keeps the capture and records why.
    """
    report = IngestReport()
    pipeline = Pipeline.from_settings(settings, store)
    sources = {s.name: s for s in store.sources()}
    with _Writer(store, report, settings.workers) as writer:
        for item in read_targets(targets, settings, progress):
            report.inputs += 1
            if isinstance(item, ExtractionFailure):
                writer.fail(item)
                continue
            if item.source in CORPORA and item.source not in sources:
                sources[item.source] = CORPORA[item.source]
                store.put_source(CORPORA[item.source])
            capture = item.to_capture()
            if not store.put_capture(capture, item.body):
                report.unchanged += 1
                continue
            report.new_captures += 1
            writer.submit(pipeline, item, capture, _source_of(item, sources))
    return report


def reprocess(store: Store, settings: Settings, progress: Progress | None = None) -> IngestReport:
    """Rebuild every statement from the stored captures, without fetching anything."""
    report = IngestReport()
    pipeline = Pipeline.from_settings(settings, store)
    sources = {s.name: s for s in store.sources()}
    total = store.count_captures()
    store.clear_derived()
    with _Writer(store, report, settings.workers) as writer:
        for done, capture in enumerate(store.iter_captures()):
            if progress:
                progress(done, total, capture.url)
            if capture.content_type not in (*EXTRACTABLE, RECORD_CONTENT_TYPE):
                continue  # feeds and sitemaps a crawl kept: evidence, not statements
            report.inputs += 1
            raw = RawInput.from_capture(capture, store.capture_body(capture.id))
            writer.submit(pipeline, raw, capture, _source_of(raw, sources))
    if progress:
        progress(total, total, "")
    return report


_Pending = tuple[RawInput, Capture, Future[Document] | ExtractionFailure]
"""An input, its capture, and its document to come (or why it failed)."""


class _Writer:
    """Stores documents in input order while the next few are still being enriched.

    At most a few documents per worker wait at a time, so memory stays flat; a failure in
    any stage (in a worker too) is recorded against its input and the run goes on.
    """

    def __init__(self, store: Store, report: IngestReport, workers: int) -> None:
        self.store = store
        self.report = report
        self.window = max(workers, 1) * 2
        self.pending: deque[_Pending] = deque()

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, error: type[BaseException] | None, *details: object) -> None:
        while self.pending and error is None:  # after an interrupt, reprocess redoes them
            self._finish(*self.pending.popleft())

    def fail(self, failure: ExtractionFailure) -> None:
        """Record an input that yielded no document, and why."""
        self.store.record_failure(failure)
        self.report.failures.append(failure)

    def submit(
        self, pipeline: Pipeline, raw: RawInput, capture: Capture, source: Source | None
    ) -> None:
        """Run the stages on `raw` (the last maybe in a worker) and store what is done."""
        try:
            pending: Future[Document] | ExtractionFailure = pipeline.submit_document(raw, source)
        except Exception as exc:  # a bug in one document must not stop a long ingest
            pending = _failed(capture, raw.origin, exc, with_capture=True)
        self.pending.append((raw, capture, pending))
        while len(self.pending) > self.window:
            self._finish(*self.pending.popleft())

    def _finish(
        self, raw: RawInput, capture: Capture, pending: Future[Document] | ExtractionFailure
    ) -> None:
        if isinstance(pending, Future):
            try:
                doc = pending.result()
            except Exception as exc:
                pending = _failed(capture, raw.origin, exc, with_capture=True)
            else:
                self._store(doc, capture)
                return
        self.fail(pending)

    def _store(self, doc: Document, capture: Capture) -> None:
        extraction = doc.extraction
        assert extraction is not None
        if extraction.is_listing:
            self.report.listings += 1
            return
        statement = Statement.from_extraction(extraction, capture)
        self.store.put_statement(statement, capture)
        if doc.enrichment is not None:
            self.store.put_enrichment(
                statement.id, doc.enrichment, statement.country, capture.fetched_at
            )
        self.report.statements += 1


def _source_of(raw: RawInput, sources: dict[str, Source] | None) -> Source | None:
    if raw.source is None:
        return None
    if sources and raw.source in sources:
        return sources[raw.source]
    return CORPORA.get(raw.source)


def _failed(capture: Capture, origin: str, exc: Exception, with_capture: bool) -> ExtractionFailure:
    reason = str(exc) if isinstance(exc, CommuniqueError) else f"internal error: {exc!r}"
    return ExtractionFailure(
        capture_id=capture.id if with_capture else "",
        url=capture.url,
        origin=origin,
        reason=reason,
        at=datetime.now(UTC),
        pipeline_version=PIPELINE_VERSION,
    )
