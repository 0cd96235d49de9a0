"""The processing pipeline: ordered stages that turn a raw input into a statement.

Ingest, `extract` (no storing) and `reprocess` all run the same `Pipeline`, so what is
printed by `communique extract` is exactly what `communique ingest` stores.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, ClassVar, Protocol, TypeVar, cast

from communique.collect.corpora import CORPORA, read_corpus
from communique.collect.fetch import fetch_url, is_url
from communique.collect.files import Item, expand_paths, read_file
from communique.collect.warc import EXTRACTABLE
from communique.enrich import nlp
from communique.enrich.core import Enricher
from communique.errors import (
    CommuniqueError,
    ExtractionError,
    InputError,
    Interrupted,
    PdfStub,
    Permanent,
    WorkerError,
)
from communique.extract import extract, sitechrome
from communique.extract.language import load_models
from communique.extract.selected import extract_selected
from communique.lang import profile
from communique.link.archive import link_statement, link_statements
from communique.model import (
    ENRICH_VERSION,
    PIPELINE_VERSION,
    RECORD_CONTENT_TYPE,
    Capture,
    Enrichment,
    Extraction,
    ExtractionFailure,
    IngestReport,
    PackedBody,
    Parse,
    RawInput,
    Source,
    Statement,
    capture_id,
)
from communique.settings import Settings, clip
from communique.store.base import Store, links_or_none
from communique.store.site_lines import SitePage
from communique.workers import Job, WorkerPool, shared_pool

T = TypeVar("T")
Progress = Callable[[int, int, str], None]
"""Called as progress(done, total, label) while inputs are read."""


@dataclass(frozen=True)
class Document:
    """A raw input on its way through the stages."""

    raw: RawInput
    source: Source | None
    extraction: Extraction | None = None
    line_keys: sitechrome.LineKeys | None = None
    """The keys site chrome is learned from (None: not worked out yet, or no site)."""
    parse: Parse | None = None
    enrichment: Enrichment | None = None
    fresh: bool = False
    """True when the capture is not stored yet: the writer stores it with its statement."""
    packed: PackedBody | None = None
    """The bytes of a fresh capture packed as the store keeps them (by `PackStage`)."""

    def evolve(self, **changes: Any) -> Document:
        """This document with `changes`, as `dataclasses.replace` makes it but five times
        faster (about 1 µs against 5: a worker's stages and the writer make several a
        document).

        Example:
            >>> from communique.model import RawInput
            >>> doc = Document(RawInput("u", b"", "text/plain", "o", datetime.now(UTC)), None)
            >>> doc.evolve(fresh=True) == replace(doc, fresh=True), doc.fresh
            (True, False)
        """
        if not _DOCUMENT_FIELDS.issuperset(changes):
            raise TypeError(f"Document has no field {sorted(set(changes) - _DOCUMENT_FIELDS)}")
        evolved = object.__new__(type(self))
        evolved.__dict__.update(self.__dict__, **changes)
        return evolved


_DOCUMENT_FIELDS = frozenset(f.name for f in fields(Document))


class Stage(Protocol):
    name: ClassVar[str]
    requires: ClassVar[tuple[str, ...]]
    assigns: ClassVar[tuple[str, ...]]
    portable: ClassVar[bool]
    """True when the stage needs no store, so it can run in a worker process (unless it has
    an `idle` property that is True: it has nothing to do, so it is not sent)."""

    def process(self, doc: Document) -> Document: ...


class Declared:
    """Base of the built-in stages, which declare in their class line what `Stage` asks:
    `class S(Declared, name="s", requires=("raw",), assigns=("extraction",), portable=True)`."""

    name: ClassVar[str]
    requires: ClassVar[tuple[str, ...]]
    assigns: ClassVar[tuple[str, ...]]
    portable: ClassVar[bool]

    def __init_subclass__(
        cls,
        name: str = "",
        requires: tuple[str, ...] = (),
        assigns: tuple[str, ...] = (),
        portable: bool = False,
        **options: Any,
    ) -> None:
        super().__init_subclass__(**options)
        if name:  # a stage, not a base of stages
            cls.name, cls.requires, cls.assigns, cls.portable = name, requires, assigns, portable


class SplitStage(Stage, Protocol):
    """A portable stage whose work on one document can be shared out, part by part, among
    the workers; `process(doc)` is `join(doc, [process_part(p) for p in split(doc)])`."""

    def split(self, doc: Document) -> list[Any]: ...

    def process_part(self, part: Any) -> Any: ...

    def join(self, doc: Document, results: list[Any]) -> Document: ...


class ExtractStage(
    Declared, name="extract", requires=("raw",), assigns=("extraction",), portable=True
):
    """Clean text and metadata from the raw bytes (see `communique.extract`).

    When generic extraction finds no text in an HTML page and the source has its own body
    selector (a crawl source's registry entry), the selectors extract it instead.
    """

    @classmethod
    def from_settings(cls, settings: Settings, store: Store | None = None) -> ExtractStage:
        return cls()

    def process(self, doc: Document) -> Document:
        try:
            return doc.evolve(extraction=extract(doc.raw, doc.source))
        except PdfStub:
            raise
        except ExtractionError:
            selectors = doc.source.selectors if doc.source else None
            if selectors is None or not selectors.body or "html" not in doc.raw.content_type:
                raise
            return doc.evolve(extraction=extract_selected(doc.raw, selectors, doc.source))

    def warm_up(self) -> None:
        """Load what extraction loads on first use (language models, date parsers)."""
        page = f"<html><head><title>Talks</title></head><body><article><p>{WARM_UP}</p>"
        raw = RawInput(
            "https://example.org/warm-up",
            f"{page}<p>{WARM_UP}</p></article></body></html>".encode(),
            "text/html",
            "warm-up",
            datetime.now(UTC),
        )
        with contextlib.suppress(CommuniqueError):  # too short a statement: models loaded
            self.process(Document(raw, None))
        load_models(WARM_UP)  # its stop words name it: lingua has not run yet


class _Switched(Declared):
    """A stage a setting turns on or off; off, it is idle (and not sent to the workers)."""

    def __init__(self, active: bool) -> None:
        self.active = active

    @property
    def idle(self) -> bool:
        return not self.active


class LineKeysStage(
    _Switched, name="line-keys", requires=("extraction",), assigns=("line_keys",), portable=True
):
    """The keys of a capture's lines, which `SiteChromeStage` counts per site: hashing every
    line is the costly part of learning chrome and needs no store, so it runs in a worker."""

    @classmethod
    def from_settings(cls, settings: Settings, store: Store | None = None) -> LineKeysStage:
        return cls(settings.site_chrome_pages >= 1)

    def process(self, doc: Document) -> Document:
        keys = _line_keys(doc) if self.active else None
        return doc if keys is None else doc.evolve(line_keys=keys)


def _line_keys(doc: Document) -> sitechrome.LineKeys | None:
    """The keys of `doc`'s lines on its site (None: nothing to check against a site)."""
    extraction = doc.extraction
    if extraction is None or extraction.is_listing or not extraction.paragraphs:
        return None
    host = sitechrome.site_of(doc.raw.url) or sitechrome.site_of(extraction.url)
    if not host:  # a local file with no web address: its site is unknown
        return None
    return sitechrome.line_keys(extraction, doc.raw.body, doc.raw.content_type, host)


class PackStage(Declared, name="pack", requires=("raw",), assigns=("packed",), portable=True):
    """A fresh capture's bytes compressed as the store keeps them: in a worker, so that the
    writer only stores them (a stored capture is left as it is)."""

    @classmethod
    def from_settings(cls, settings: Settings, store: Store | None = None) -> PackStage:
        return cls()

    def process(self, doc: Document) -> Document:
        if not doc.fresh or doc.packed is not None:
            return doc
        return doc.evolve(packed=PackedBody.of(doc.raw.body))


class SiteChromeStage(
    Declared, name="site-chrome", requires=("extraction",), assigns=("extraction",), portable=False
):
    """Drop lines that recur across the captures of one site (learned, see `extract.sitechrome`).

    Without a store (plain `extract`) it does nothing: the single-page rules of
    `extract.chrome` have already run.
    """

    @classmethod
    def from_settings(cls, settings: Settings, store: Store | None = None) -> SiteChromeStage:
        return cls(store, settings.site_chrome_pages)

    def __init__(self, store: Store | None, min_others: int = 1) -> None:
        self.store = store
        self.min_others = min_others

    def process(self, doc: Document) -> Document:
        return self.process_many([doc])[0]

    def process_many(self, docs: list[Document]) -> list[Document]:
        """`process` of each of `docs` in turn, with one store write for all of them."""
        if self.store is None or self.min_others < 1:
            return docs
        checked = [(i, keys) for i, doc in enumerate(docs) if (keys := _keys(doc)) is not None]
        observed = self.store.observe_many_site_lines(
            [
                SitePage(
                    keys.host,
                    capture_id(docs[i].raw.url, docs[i].raw.sha256),
                    keys.every,
                    keys.judged(),
                    keys.sample,
                )
                for i, keys in checked
            ]
        )
        cleaned = list(docs)
        for (i, keys), others in zip(checked, observed, strict=True):
            extraction = docs[i].extraction
            assert extraction is not None
            kept = sitechrome.apply(extraction, others, keys, self.min_others)
            cleaned[i] = docs[i].evolve(extraction=kept, line_keys=None)
        return cleaned


def _keys(doc: Document) -> sitechrome.LineKeys | None:
    """The line keys `doc` is checked with (None: nothing to check): worked out in a worker
    (the line-keys stage), else here."""
    if doc.extraction is None:
        return None
    return doc.line_keys if doc.line_keys is not None else _line_keys(doc)


@dataclass(frozen=True)
class TextPiece:
    """A piece of a statement's text, parsed on its own (see `enrich.nlp.pieces`)."""

    text: str
    start: int
    language: str


class ParseStage(
    _Switched, name="parse", requires=("extraction",), assigns=("parse",), portable=True
):
    """Entities and sentences from the language model: the costliest part of enrichment.

    A long text is parsed in pieces, which workers share (`SplitStage`).
    """

    @classmethod
    def from_settings(cls, settings: Settings, store: Store | None = None) -> ParseStage:
        return cls(settings.enrich)

    def split(self, doc: Document) -> list[TextPiece]:
        extraction = doc.extraction
        if not self.active or extraction is None or extraction.is_listing:
            return []
        language = profile(extraction.language).code
        if not nlp.parses(language) or not extraction.text.strip():
            return []  # enrichment then runs without entities
        text = extraction.text
        return [TextPiece(text[a:b], a, language) for a, b in nlp.pieces(text)]

    def process_part(self, part: TextPiece) -> Parse | None:
        parsed = nlp.parse_piece(part.text, part.language)
        return parsed.shifted(part.start) if parsed is not None else None

    def join(self, doc: Document, results: list[Parse | None]) -> Document:
        if not results or None in results:  # no model installed for the language
            return doc
        return replace(doc, parse=Parse.joined(r for r in results if r is not None))

    def process(self, doc: Document) -> Document:
        return self.join(doc, [self.process_part(piece) for piece in self.split(doc)])


class EnrichStage(
    Declared,
    name="enrich",
    requires=("extraction",),
    assigns=("enrichment", "parse"),
    portable=True,
):
    """Entities, countries, places, times, events and references (see `communique.enrich`),
    from the parse when there is one (which it then drops: the enrichment holds what it
    found)."""

    def __init__(self, enricher: Enricher | None) -> None:
        self.enricher = enricher

    @property
    def idle(self) -> bool:
        return self.enricher is None

    @classmethod
    def from_settings(cls, settings: Settings, store: Store | None = None) -> EnrichStage:
        if not settings.enrich:
            return cls(None)
        return cls(Enricher(settings.time_tagger))

    def process(self, doc: Document) -> Document:
        extraction = doc.extraction
        if self.enricher is None or extraction is None or extraction.is_listing:
            return doc
        enrichment = self.enricher.enrich(
            extraction.text,
            extraction.published,
            extraction.language,
            extraction.country,
            doc.parse,
        )
        return replace(doc, enrichment=enrichment, parse=None)

    def warm_up(self) -> None:
        """Load the models now (a worker does, before its first statement)."""
        if self.enricher is not None:
            self.enricher.enrich(WARM_UP, date(2020, 5, 1), "en")


WARM_UP = "Talks in Paris on 8 May 2020 and again on Tuesday, two weeks later."
"""Extracted and enriched once by each new worker so that its models load before real work."""

STAGES: tuple[Callable[[Settings, Store | None], Stage], ...] = (
    ExtractStage.from_settings,
    LineKeysStage.from_settings,
    PackStage.from_settings,
    SiteChromeStage.from_settings,
    ParseStage.from_settings,
    EnrichStage.from_settings,
)
"""The built-in stages, in order; each is made from the settings and the store (if any)."""


def portable_stages(settings: Settings) -> dict[str, Stage]:
    """The stages that need no store, by name: what a worker process runs."""
    stages = (make(settings, None) for make in STAGES)
    return {stage.name: stage for stage in stages if stage.portable}


def worker_pool(settings: Settings) -> WorkerPool:
    """The worker processes for `settings` (started once per process, models loaded once)."""
    own = replace(settings, workers=1, db=Settings().db)
    return shared_pool(settings.workers, own, portable_stages, chunk_size(settings))


CHUNK = 128
"""Documents sent to a worker in one task when enrichment is off: extraction alone is quick
enough that sending each document on its own would cost more than running it (a JSONL
record's extraction takes about half a millisecond; 32 of them a task cost the main process
0.08 ms a document to send and take back, 8 of them 0.12-0.15; 128 of them about 0.03 ms less
than 32 a document in all, at 10k records)."""


def chunk_size(settings: Settings) -> int:
    """Documents a worker task carries: one when enrichment is on (the parts of one long text
    then go to every worker), else `CHUNK`.

    Example:
        >>> chunk_size(Settings(enrich=True)), chunk_size(Settings(enrich=False))
        (1, 128)
    """
    return 1 if settings.enrich else CHUNK


Segment = tuple[bool, tuple["Stage", ...]]
"""Consecutive stages that all run in a worker (True) or all in the main process (False)."""


class Pipeline:
    """Runs each stage in order on a document."""

    def __init__(self, stages: Iterable[Stage], pool: Callable[[], WorkerPool] | None = None):
        self.stages = tuple(stages)
        self._check_order()
        self.pool = pool
        """Where portable stages run when `start` is used (None: in this process)."""
        self._workers: WorkerPool | None = None
        self._segments: tuple[Segment, ...] | None = None
        self._held: tuple[Stage, ...] | None = None

    @classmethod
    def from_settings(cls, settings: Settings, store: Store | None = None) -> Pipeline:
        stages = (make(settings, store) for make in STAGES)
        if settings.workers > 1:
            return cls(stages, functools.partial(worker_pool, settings))
        return cls(stages)

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

    def segments(self) -> list[Segment]:
        """The stages grouped by where they run: portable ones in workers when there is a pool."""
        if self._segments is None:
            groups: list[Segment] = []
            for stage in self.stages:
                idle = getattr(stage, "idle", False)  # nothing to do: not worth sending
                remote = self.pool is not None and stage.portable and not idle
                if groups and groups[-1][0] == remote:
                    groups[-1] = (remote, (*groups[-1][1], stage))
                else:
                    groups.append((remote, (stage,)))
            self._segments = tuple(groups)
        return list(self._segments)

    def held(self) -> tuple[Stage, ...]:
        """The stages a writer runs on several finished documents at once (`finish`), as it
        stores them: the last segment, when it runs in this process after workers and each
        of its stages that has work takes several documents (`process_many`)."""
        if self._held is None:  # asked for every document: worked out once, as `segments`
            self._held = self._held_stages()
        return self._held

    def _held_stages(self) -> tuple[Stage, ...]:
        segments = self.segments()
        remote, stages = segments[-1]
        if remote or len(segments) < 2:
            return ()
        working = [stage for stage in stages if not getattr(stage, "idle", False)]
        return stages if all(hasattr(stage, "process_many") for stage in working) else ()

    def batched(self) -> tuple[Stage, ...]:
        """The worker stages a writer sends whole tasks of documents through at once (a bulk
        load, see `_Writer`): those of a run that is one worker segment, none of them split;
        else none."""
        segments = self.segments()[: -1 if self.held() else None]
        if len(segments) != 1 or not segments[0][0]:
            return ()
        stages = segments[0][1]
        return () if any(_as_split(stage) for stage in stages) else stages

    def start(
        self,
        raw: RawInput,
        source: Source | None = None,
        fresh: bool = False,
        on_done: Callable[[], object] | None = None,
    ) -> Run:
        """`raw` on its way through the stages but the held ones (see `Run`, `held`); `fresh`:
        its capture is not stored yet (see `Document.fresh`); `on_done` is called (in any
        thread) whenever a job of it that a worker ran is done."""
        return Run(self, Document(raw, source, fresh=fresh), on_done)

    def finish(self, docs: list[Document]) -> list[Document | Exception]:
        """`docs` (finished runs, in input order) through the held stages; a document that
        fails has its error in its place. Each stage takes them all at once, and only if that
        fails one by one."""
        stages = self.held()
        done = docs
        try:
            for stage in stages:
                many = getattr(stage, "process_many", None)
                done = many(done) if many else [stage.process(doc) for doc in done]
            return [_extracted(doc) for doc in done]
        except Exception:
            return [_finished(stages, doc) for doc in docs]

    def workers(self) -> WorkerPool:
        """The pool portable stages run in (made on first use)."""
        assert self.pool is not None
        if self._workers is None:
            self._workers = self.pool()
        return self._workers

    def flush(self) -> None:
        """Send the jobs the workers' pool holds back (see `WorkerPool.flush`): before waiting."""
        if self._workers is not None:
            self._workers.flush()


class Run:
    """One document going through a pipeline whose portable stages may run in workers.

    `advance` takes what the workers finished and goes on, in this process, until the next
    segment is running in workers; a main-process segment waits until every earlier document
    has passed it (`allowed`), so stages that learn from the store see inputs in order. When a
    segment starts with a split stage (`SplitStage`) that makes several parts of the document,
    that stage runs alone, one job per part, and the rest of the segment after it.
    """

    def __init__(
        self, pipeline: Pipeline, doc: Document, on_done: Callable[[], object] | None = None
    ) -> None:
        self.pipeline = pipeline
        self.doc = doc
        self.on_done = on_done
        self.segments = pipeline.segments()
        if pipeline.held():
            self.segments.pop()  # run by the writer on several documents (`Pipeline.finish`)
        self.passed = 0
        """How many segments have run on `doc`."""
        self.running: list[Job] = []
        self.joining: SplitStage | None = None
        """The split stage whose parts are running, if any."""

    @property
    def finished(self) -> bool:
        return not self.running and self.passed == len(self.segments)

    @property
    def waiting(self) -> bool:
        """True when nothing runs and a main-process segment is next (it waits its turn)."""
        return not self.running and self.passed < len(self.segments)

    def advance(self, allowed: int) -> None:
        """Go as far as possible without waiting; main-process segments only below `allowed`."""
        if self.running:
            if not all(job.done() for job in self.running):
                return
            self._take()
        while self.passed < len(self.segments) and not self.running:
            remote, stages = self.segments[self.passed]
            if remote:
                self._send(stages)
            elif self.passed < allowed:
                self.doc = _through(stages, self.doc)
                self.passed += 1
            else:
                return
        if self.finished:
            _extracted(self.doc)

    def _send(self, stages: tuple[Stage, ...]) -> None:
        pool = self.pipeline.workers()
        split = _as_split(stages[0])
        parts = split.split(self.doc) if split is not None else []
        if split is not None and len(parts) > 1:
            rest = [(True, stages[1:])] if stages[1:] else []
            self.segments[self.passed : self.passed + 1] = [(True, (split,)), *rest]
            self.joining = split
            self._watch([pool.submit_part(split.name, part) for part in parts])
            return
        self._watch([pool.submit(_names(stages), _sent(self.doc, stages))])

    def _watch(self, jobs: list[Job]) -> None:
        """Wait on `jobs`; each calls `on_done` when it is done."""
        self.running = jobs
        on_done = self.on_done
        if on_done is not None:
            for job in jobs:
                job.add_done_callback(lambda _: on_done())

    def _take(self) -> None:
        running, self.running = self.running, []
        joining, self.joining = self.joining, None
        try:
            results = [job.result() for job in running]
        except BrokenProcessPool as exc:
            names = ", ".join(s.name for s in self.segments[self.passed][1])
            raise WorkerError(f"worker process died during {names}: {exc}") from exc
        if joining is not None:
            self.doc = joining.join(self.doc, results)
        else:
            self.doc = self.doc.evolve(**results[0])
        self.passed += 1


def _strips(stages: tuple[Stage, ...]) -> bool:
    """True when a document sent for `stages` goes without its raw bytes or its packed
    capture (see `_sent`)."""
    return not {"raw", "packed"} <= _fields(stages)


def _sent(doc: Document, stages: tuple[Stage, ...]) -> Document:
    """`doc` as sent to a worker for `stages`: without the raw bytes or the packed capture
    when none of them uses these (they stay here; the worker sends back only what the
    stages assign)."""
    uses = _fields(stages)
    changes: dict[str, Any] = {}
    if "raw" not in uses and doc.raw.body:
        changes["raw"] = replace(doc.raw, body=b"")
    if "packed" not in uses and doc.packed is not None:
        changes["packed"] = None
    return doc.evolve(**changes) if changes else doc


@functools.lru_cache(maxsize=16)  # the segments of the pipelines in use, asked per document
def _names(stages: tuple[Stage, ...]) -> tuple[str, ...]:
    """The names of `stages`, in order."""
    return tuple(stage.name for stage in stages)


@functools.lru_cache(maxsize=16)
def _assigned(stages: tuple[Stage, ...]) -> tuple[str, ...]:
    """The document fields `stages` assign, each once, in order."""
    return tuple(dict.fromkeys(field for stage in stages for field in stage.assigns))


@functools.lru_cache(maxsize=16)
def _fields(stages: tuple[Stage, ...]) -> frozenset[str]:
    """The document fields `stages` require or assign."""
    return frozenset(field for stage in stages for field in (*stage.requires, *stage.assigns))


def _as_split(stage: Stage) -> SplitStage | None:
    """`stage` when it is a split stage."""
    return cast(SplitStage, stage) if hasattr(stage, "split") else None


def _through(stages: Iterable[Stage], doc: Document) -> Document:
    """`doc` after each of `stages`, in order."""
    for stage in stages:
        doc = stage.process(doc)
    return doc


def _finished(stages: Iterable[Stage], doc: Document) -> Document | Exception:
    """`doc` after each of `stages`, or the error one of them raised."""
    try:
        return _extracted(_through(stages, doc))
    except Exception as exc:  # a bug in one document must not stop a long ingest
        return exc


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
        yield from read_file(unit, settings)
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
    yield from _each_target(
        targets, settings, lambda item: pipeline.run(item, source_of(item, None))
    )


def enrich_targets(
    targets: Iterable[str], settings: Settings, published: date | None = None
) -> Iterator[tuple[Extraction, Enrichment] | ExtractionFailure]:
    """Extract and enrich every input without storing anything, in input order.

    `published` replaces the publication date found in each input (relative dates are
    resolved against it).
    """
    extract_stage = ExtractStage()
    enrich_stage = EnrichStage.from_settings(replace(settings, enrich=True))

    def enriched(item: RawInput) -> tuple[Extraction, Enrichment]:
        doc = extract_stage.process(Document(item, source_of(item, None)))
        assert doc.extraction is not None
        if published is not None:
            doc = replace(doc, extraction=replace(doc.extraction, published=published))
        doc = enrich_stage.process(doc)
        assert doc.extraction is not None
        return doc.extraction, doc.enrichment or Enrichment()

    yield from _each_target(targets, settings, enriched)


def _each_target(
    targets: Iterable[str], settings: Settings, work: Callable[[RawInput], T]
) -> Iterator[T | ExtractionFailure]:
    """`work` done on every input in input order; an input that cannot be read, or that `work`
    fails on, gives its failure instead."""
    for item in read_targets(targets, settings):
        if isinstance(item, ExtractionFailure):
            yield item
            continue
        try:
            done = work(item)
        except CommuniqueError as exc:
            yield failed(item.to_capture(), item.origin, exc, with_capture=False)
            continue
        yield done


def ingest(
    targets: Iterable[str], store: Store, settings: Settings, progress: Progress | None = None
) -> IngestReport:
    """Store every input as a capture and every statement extracted from it.

    The same bytes at the same URL twice are a no-op; the same URL with other bytes becomes
    a new version of its statement. A failure keeps the capture and records why.
    """
    report = IngestReport()
    pipeline = Pipeline.from_settings(settings, store)
    writer = _Writer(pipeline, store, report, settings)
    with _interrupts(report), _eased_collector(), store.batch(), writer:
        inputs = read_inputs(targets, store, settings, report, progress, writer.unwritten)
        for item, capture, source, fresh in inputs:
            writer.submit(item, capture, source, fresh)
    return report


def stored_inputs(
    targets: Iterable[str],
    store: Store,
    settings: Settings,
    report: IngestReport,
    progress: Progress | None = None,
) -> Iterator[tuple[RawInput, Capture, Source | None]]:
    """Each input stored as a capture, with its source, when this pipeline has still to make
    its statement; counted in `report`. An input that cannot be read is recorded as a failure.

    Inputs are stored a few at a time: one write and one look-up of the processed marks for
    all of them (see `read_inputs`)."""
    for item, capture, source, _ in read_inputs(targets, store, settings, report, progress):
        yield item, capture, source


Input = tuple[RawInput, Capture, Source | None, bool]
"""An input, its capture, its source, and whether the capture is still to be stored (fresh)."""


def read_inputs(
    targets: Iterable[str],
    store: Store,
    settings: Settings,
    report: IngestReport,
    progress: Progress | None = None,
    unwritten: set[str] | None = None,
) -> Iterator[Input]:
    """Each input with its capture and source, when this pipeline has still to make its
    statement; counted in `report`. An input that cannot be read is recorded as a failure.

    The captures are stored here, unless `unwritten` is given: then a new capture is yielded
    as fresh and its id added to `unwritten` until its writer stores it (with what is derived
    from it); a repeat of it meanwhile is not fresh.

    Inputs are taken a few at a time: one write (or look-up of the stored captures) and one
    look-up of the processed marks for all of them. The first chunk is one input, so work
    starts at once, and each next one is twice as long, up to `INPUT_CHUNK` (and at most
    `INPUT_CHUNK_BYTES`)."""
    sources = {s.name: s for s in store.sources()}
    version = processed_version(settings)
    chunk: list[RawInput] = []
    size, limit = 0, 1
    for item in read_targets(targets, settings, progress):
        report.inputs += 1
        if isinstance(item, ExtractionFailure):
            record_failure(store, item, settings.max_error_chars, report)
            continue
        if item.source in CORPORA and item.source not in sources:
            sources[item.source] = CORPORA[item.source]
            store.put_source(CORPORA[item.source])
        chunk.append(item)
        size += len(item.body)
        if len(chunk) >= limit or size >= INPUT_CHUNK_BYTES:
            yield from _taken(chunk, store, version, report, sources, unwritten)
            chunk, size, limit = [], 0, min(limit * 2, INPUT_CHUNK)
    yield from _taken(chunk, store, version, report, sources, unwritten)


PATIENCE = 0.05
"""Seconds the writer waits on its workers before it commits, leaving the archive's write
lock to another writer (a second ingest) while it waits on."""

INPUT_CHUNK = 256
"""Inputs stored as captures in one write."""
INPUT_CHUNK_BYTES = 16 << 20
"""Bytes of input held before they are stored, whatever their number."""


def _taken(
    items: list[RawInput],
    store: Store,
    version: str,
    report: IngestReport,
    sources: dict[str, Source],
    unwritten: set[str] | None,
) -> Iterator[Input]:
    """`items` with their captures (stored here unless `unwritten` is given, see
    `read_inputs`); those `version` has still to process, with their source."""
    captures = [item.to_capture() for item in items]
    if unwritten is None:
        new = store.put_captures([(c, item.body) for c, item in zip(captures, items, strict=True)])
    else:
        new = _unstored(captures, store, unwritten)
    known = [c.id for c, fresh in zip(captures, new, strict=True) if not fresh]
    done = store.processed_among(known, version) if known else set()
    if done:  # an unchanged input that failed before fails again, without being redone
        report.failures.extend(store.failures(done))
    for item, capture, fresh in zip(items, captures, new, strict=True):
        if fresh:
            report.new_captures += 1
        elif capture.id in done:
            report.unchanged += 1
            continue
        else:  # stored by a run cut short before its statement, or by an older pipeline
            report.redone += 1
            store.clear_failure(capture.id)
        yield item, capture, source_of(item, sources), fresh and unwritten is not None


def _unstored(captures: list[Capture], store: Store, unwritten: set[str]) -> list[bool]:
    """For each of `captures`, True where it is new: neither stored nor still to be written
    (in `unwritten`, where the new ones are added)."""
    stored = store.stored_captures([c.id for c in captures])
    new: list[bool] = []
    for capture in captures:
        new.append(capture.id not in stored and capture.id not in unwritten)
        if new[-1]:
            unwritten.add(capture.id)
    return new


def processed_version(settings: Settings) -> str:
    """What a capture's processed mark records: the versions of the stages that ran on it.

    Example:
        >>> processed_version(Settings(enrich=False)) == PIPELINE_VERSION
        True
    """
    return f"{PIPELINE_VERSION}+{ENRICH_VERSION}" if settings.enrich else PIPELINE_VERSION


def reprocess(
    store: Store, settings: Settings, progress: Progress | None = None, stale: bool = False
) -> IngestReport:
    """Rebuild every statement from the stored captures, without fetching anything.

    A reprocess that was cut short (kill -9, disk full) is resumed by the next one: the
    captures it already rebuilt are kept and counted as unchanged. With `stale`, nothing is
    cleared first and only the captures an older version of a stage processed (or none) are
    redone: after an upgrade, or to enrich what was ingested with enrichment off.
    """
    report = IngestReport()
    pipeline = Pipeline.from_settings(settings, store)
    sources = {s.name: s for s in store.sources()}
    version = processed_version(settings)
    resuming = stale or store.start_reprocess()
    with (
        _interrupts(report),
        _eased_collector(),
        _Writer(pipeline, store, report, settings) as writer,
    ):
        for capture in stale_captures(store, version, report, progress, resuming):
            if stale:
                report.redone += 1
                store.clear_failure(capture.id)
            raw = RawInput.from_capture(capture, store.capture_body(capture.id))
            writer.submit(raw, capture, source_of(raw, sources))
    if not stale:
        store.finish_reprocess()
    return report


@contextlib.contextmanager
def _interrupts(report: IngestReport) -> Iterator[None]:
    """A Ctrl-C (or SIGTERM, which the CLI turns into one) raised as `Interrupted`, naming the
    inputs stored; what is left half done is redone by the next run."""
    try:
        yield
    except KeyboardInterrupt:
        raise Interrupted(report.stored) from None


@contextlib.contextmanager
def _eased_collector() -> Iterator[None]:
    """The garbage collector eased while a run goes, then as it was.

    The objects alive when the run starts (modules, the store and its caches) are left out
    of its passes (`gc.freeze`), then given back: each full pass walked them all again (0.034
    ms a statement of a bulk load's main process at 8k, 0.004 frozen); a process frozen
    already (a settled server) is left as it is. A young pass waits for `YOUNG_OBJECTS`
    objects, not 700 (gen0 and gen1 passes 0.016 ms a statement, 0.002)."""
    threshold = gc.get_threshold()
    gc.set_threshold(max(threshold[0], YOUNG_OBJECTS), *threshold[1:])
    frozen = gc.get_freeze_count() == 0
    if frozen:
        gc.freeze()
    try:
        yield
    finally:
        if frozen:
            gc.unfreeze()
        gc.set_threshold(*threshold)


YOUNG_OBJECTS = 20_000
"""Objects made (less those freed) before the garbage collector's young pass, while a run
goes."""


def stale_captures(
    store: Store,
    version: str,
    report: IngestReport,
    progress: Progress | None = None,
    resuming: bool = True,
) -> Iterator[Capture]:
    """The stored captures that hold a statement and that `version` of the pipeline has not
    processed (with `resuming` off: all of them), counted in `report` as inputs or unchanged.
    Feeds and sitemaps a crawl kept are evidence, not statements, and are left out."""
    total = store.count_captures()
    for done, capture in enumerate(store.iter_captures()):
        if progress:
            progress(done, total, capture.url)
        if capture.content_type not in (*EXTRACTABLE, RECORD_CONTENT_TYPE):
            continue
        report.inputs += 1
        if resuming and store.is_processed(capture.id, version):
            report.unchanged += 1
            continue
        yield capture
    if progress:
        progress(total, total, "")


@dataclass
class _Pending:
    """A capture and its document on the way through the stages (or why it failed)."""

    capture: Capture
    run: Run
    error: Exception | None = None
    """What stopped a stage on this document (recorded when its turn to be stored comes)."""


class _Writer:
    """Stores documents in input order while the next few are still in the workers.

    At most a few documents per worker wait at a time, so memory stays flat; a failure in
    any stage (in a worker too) is recorded against its input and the run goes on. In a bulk
    load (`Pipeline.batched`) documents go to the workers a whole task at a time, and come
    back as one answer that is taken in input order; otherwise each goes its own way (`Run`)
    and is moved on when one of its worker jobs is done (its run is then in `ready`), not by
    checking every waiting document in turn.
    """

    def __init__(
        self, pipeline: Pipeline, store: Store, report: IngestReport, settings: Settings
    ) -> None:
        self.pipeline = pipeline
        self.store = store
        self.report = report
        self.window = max(settings.workers, 1) * 3 * chunk_size(settings)
        self.max_error_chars = settings.max_error_chars
        self.link = settings.link
        self.version = processed_version(settings)
        self.pending: deque[_Pending] = deque()
        self.ready: deque[_Pending] = deque()
        """Documents a worker job of which is done, to be moved on (appended by the thread
        that settles the job)."""
        self.woken = threading.Event()
        """Set whenever a document is added to `ready`."""
        self.queued = False
        """True while a document waits for a main-process segment behind an earlier one:
        then a pass in input order (`_advance`) moves every document on."""
        self.done: list[tuple[Document, Capture]] = []
        """Documents through every stage but the held ones (`Pipeline.held`), stored together:
        `STORE_CHUNK` of them, or `link_batch` when linking (fewer when the writer would
        otherwise wait on its workers)."""
        self.store_every = max(settings.link_batch, 1) if self.link else STORE_CHUNK
        self.sources = {s.name: s for s in store.sources()}
        self.unwritten: set[str] = set()
        """Ids of the fresh captures submitted and not yet stored (see `read_inputs`)."""
        self.chunk = chunk_size(settings)
        self.batched = pipeline.batched() if self.chunk > 1 else ()
        """The worker stages whole tasks of documents are sent through (none: one by one)."""
        self.filling: list[tuple[Document, Capture]] = []
        """Documents for the next task."""
        self.tasks: deque[tuple[list[tuple[Document, Capture]], Future[list[Any]]]] = deque()
        """Tasks sent, oldest first, with their documents."""
        self.sending = 0
        """Documents in `tasks`."""

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, error: type[BaseException] | None, *details: object) -> None:
        if error is None:  # after an interrupt, the next run redoes what is left
            if self.filling:
                self._send_task()
            while self.tasks:
                self._take_task()
            while self.pending:
                self._store_first()
            self._store_done()

    def submit(
        self, raw: RawInput, capture: Capture, source: Source | None, fresh: bool = False
    ) -> None:
        """Start the stages on `raw` and store what is done, in input order; a `fresh` capture
        is stored first, with what is derived from it."""
        if self.batched:
            self.filling.append((Document(raw, source, fresh=fresh), capture))
            if len(self.filling) >= self.chunk:
                self._send_task()
            return
        item = _Pending(capture, self.pipeline.start(raw, source, fresh))
        item.run.on_done = functools.partial(self._woke, item)
        self.pending.append(item)
        if self.queued:
            self._advance()
        else:  # every earlier document has passed the main-process segments it reached
            self._step(item, sys.maxsize)
        self._move_ready()
        while len(self.pending) > self.window:
            self._store_first()

    def _send_task(self) -> None:
        """Send the documents gathered as one task; take the oldest tasks' answers while
        more than `window` documents are out."""
        docs, self.filling = self.filling, []
        stages = self.batched
        sent = [_sent(doc, stages) for doc, _ in docs] if _strips(stages) else [d for d, _ in docs]
        task = self.pipeline.workers().run_each(_names(stages), _assigned(stages), sent)
        self.tasks.append((docs, task))
        self.sending += len(docs)
        while self.sending > self.window:
            self._take_task()

    def _take_task(self) -> None:
        """Wait for the oldest task, then take its documents on in input order."""
        docs, task = self.tasks.popleft()
        self.sending -= len(docs)
        if not task.done():
            self._store_while_waiting()
        fields = _assigned(self.batched)
        for (doc, capture), outcome in zip(docs, self._answer(task, len(docs)), strict=True):
            if not isinstance(outcome, Exception):
                try:
                    doc = _extracted(doc.evolve(**dict(zip(fields, outcome, strict=True))))
                except Exception as exc:  # a bug in one document must not stop a long ingest
                    outcome = exc
            if isinstance(outcome, Exception):
                self._store_failed(doc, capture, outcome)
                continue
            self._finished(doc, capture)

    def _answer(self, task: Future[list[Any]], size: int) -> list[Any]:
        """What `task` answered for its `size` documents (each fails when the task does)."""
        if not task.done() and not wait([task], PATIENCE).done:
            self.store.pause()  # waiting long: other writers may go meanwhile
        try:
            return task.result()
        except BrokenProcessPool as exc:
            names = ", ".join(_names(self.batched))
            return [WorkerError(f"worker process died during {names}: {exc}")] * size
        except Exception as exc:
            return [exc] * size

    def _woke(self, item: _Pending) -> None:
        """A worker job of `item` is done (called in the thread that settled it)."""
        self.ready.append(item)
        if not self.woken.is_set():  # cleared before the writer looks at `ready` and waits
            self.woken.set()

    def _move_ready(self) -> None:
        """Move on the documents whose worker jobs are done; a main-process segment runs
        only on the oldest document here, the others wait for the pass in input order."""
        moved = False
        while self.ready:
            item = self.ready.popleft()
            first = bool(self.pending) and item is self.pending[0]
            self._step(item, sys.maxsize if first else 0)
            moved = True
        if moved and self.queued:
            self._advance()

    def _advance(self) -> None:
        """Move every document on as far as it goes without waiting, in input order: a
        main-process segment runs on one once every earlier document has passed it."""
        allowed, queued = sys.maxsize, False
        for item in self.pending:
            self._step(item, allowed)
            if item.error is None:
                allowed = min(allowed, item.run.passed)
                queued = queued or item.run.waiting
        self.queued = queued

    def _step(self, item: _Pending, allowed: int) -> None:
        """Move `item` on as far as it goes (main-process segments only below `allowed`)."""
        if item.error is None:
            try:
                item.run.advance(allowed)
            except Exception as exc:  # a bug in one document must not stop a long ingest
                item.error = exc
        if item.error is None and item.run.waiting:
            self.queued = True

    def _store_first(self) -> None:
        """Wait until the oldest document is through every stage, then store it."""
        first = self.pending[0]
        while first.error is None and not first.run.finished:
            self._step(first, sys.maxsize)  # nothing is before it
            if first.error is not None or first.run.finished:
                break
            first.run.pipeline.flush()
            self._store_while_waiting()
            self.woken.clear()
            if not self.ready and not self.woken.wait(PATIENCE):
                self.store.pause()  # waiting long: other writers may go meanwhile
                self.woken.wait()
            self._move_ready()
        self.pending.popleft()
        if first.error is not None:
            self._store_failed(first.run.doc, first.capture, first.error)
            return
        self._finished(first.run.doc, first.capture)

    def _finished(self, doc: Document, capture: Capture) -> None:
        """`doc` is through every stage: stored with those before it once they are enough."""
        self.done.append((doc, capture))
        if len(self.done) >= self.store_every:
            self._store_done()

    def _store_while_waiting(self) -> None:
        """Store (and link) the finished documents before waiting on the workers: the
        writer would sit idle with them meanwhile (a bulk load waits for its full chunks)."""
        if self.link and self.done:
            self._store_done()

    def _store_done(self) -> None:
        """Store what the finished documents yielded, then mark them processed (last, so a
        cut leaves them to be redone). Linking links them in order (`store_linked`); a
        bulk load (no linking) writes them together."""
        done, self.done = self.done, []
        self._store_captures(done)
        finished = self.pipeline.finish([doc for doc, _ in done])
        stored: list[tuple[Statement, Capture, Enrichment | None]] = []
        marked: list[str] = []
        for (doc, capture), result in zip(done, finished, strict=True):
            if isinstance(result, Exception):
                if self._failed(capture, doc.raw.origin, result):
                    marked.append(capture.id)
                continue
            marked.append(capture.id)
            extraction = result.extraction
            assert extraction is not None
            if extraction.is_listing:
                self.report.listings += 1
                continue
            statement = Statement.from_extraction(extraction, capture)
            stored.append((statement, capture, result.enrichment))
        if self.link:
            store_linked(self.store, [(s, capture) for s, capture, _ in stored], self.sources)
        else:
            self.store.put_statements([(statement, capture) for statement, capture, _ in stored])
        for statement, capture, enrichment in stored:
            if enrichment is not None:
                self.store.put_enrichment(statement, enrichment, capture.fetched_at)
        self.report.statements += len(stored)
        self.store.mark_all_processed(marked, self.version)

    def _store_failed(self, doc: Document, capture: Capture, error: Exception) -> None:
        """Store the capture of `doc`, which `error` stopped, and record why."""
        self._store_captures([(doc, capture)])
        if self._failed(capture, doc.raw.origin, error):
            self.store.mark_processed(capture.id, self.version)

    def _failed(self, capture: Capture, origin: str, error: Exception) -> bool:
        """Record why `capture` yielded no statement; True when it is to be marked processed:
        a `Permanent` error, which a rerun would meet again (a worker that died or an internal
        error may go away, so the capture is left for the next run)."""
        failure = failed(capture, origin, error, with_capture=True)
        record_failure(self.store, failure, self.max_error_chars, self.report)
        return isinstance(error, Permanent)

    def _store_captures(self, docs: list[tuple[Document, Capture]]) -> None:
        """Store the fresh captures of `docs` (packed in the workers where they could be),
        before anything derived from them."""
        fresh = [(capture, doc.packed or doc.raw.body) for doc, capture in docs if doc.fresh]
        if fresh:
            self.store.put_captures(fresh)
            self.unwritten.difference_update(capture.id for capture, _ in fresh)


STORE_CHUNK = 256
"""Finished documents a bulk load (no linking) stores in one write."""


def store_linked(
    store: Store, statements: list[tuple[Statement, Capture]], sources: dict[str, Source]
) -> None:
    """Store statements and link them in order (`link_statements`), as `store_statement` of
    each in turn: a statement linked before or met again (an edit, whose new text the linking
    of others may read) is stored once those before it are linked."""
    links = links_or_none(store)
    run: list[tuple[Statement, Capture]] = []
    for statement, capture in statements:
        if any(statement.id == other.id for other, _ in run) or (
            links is not None and links.get_copy(statement.id) is not None
        ):
            _link_run(store, run, sources)
            run = []
        store.put_statement(statement, capture)
        run.append((statement, capture))
    _link_run(store, run, sources)


def _link_run(
    store: Store, run: list[tuple[Statement, Capture]], sources: dict[str, Source]
) -> None:
    """Link stored statements, each once, as they were stored."""
    linked = [(store.get_statement(statement.id), capture.fetched_at) for statement, capture in run]
    link_statements(store, linked, sources)


def store_statement(
    store: Store,
    extraction: Extraction,
    capture: Capture,
    sources: dict[str, Source],
) -> str | None:
    """Store and link the statement `extraction` of `capture` is; its id (None: a listing)."""
    if extraction.is_listing:
        return None
    statement = Statement.from_extraction(extraction, capture)
    store.put_statement(statement, capture)
    link_statement(store, store.get_statement(statement.id), capture.fetched_at, sources)
    return statement.id


def source_of(raw: RawInput, sources: dict[str, Source] | None) -> Source | None:
    """The source `raw` came from: the archive's, else a built-in corpus's."""
    if raw.source is None:
        return None
    if sources and raw.source in sources:
        return sources[raw.source]
    return CORPORA.get(raw.source)


def record_failure(
    store: Store, failure: ExtractionFailure, max_chars: int, report: IngestReport | None = None
) -> None:
    """Record an input that yielded no document, and why (the reason cut to `max_chars`);
    counted in `report` when given."""
    failure = replace(failure, reason=clip(failure.reason, max_chars))
    store.record_failure(failure)
    if report is not None:
        report.failures.append(failure)


def failed(capture: Capture, origin: str, exc: Exception, with_capture: bool) -> ExtractionFailure:
    """The failure record of `capture` for `exc` (an unexpected error says so)."""
    reason = str(exc) if isinstance(exc, CommuniqueError) else f"internal error: {exc!r}"
    return ExtractionFailure(
        capture_id=capture.id if with_capture else "",
        url=capture.url,
        origin=origin,
        reason=reason,
        at=datetime.now(UTC),
        pipeline_version=PIPELINE_VERSION,
    )
