"""The typed records that flow through the pipeline, defined once.

Raw input becomes a `Capture` (immutable evidence), extraction turns a capture into an
`Extraction`, and the pipeline binds an extraction to its capture(s) as a `Statement`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

PIPELINE_VERSION = "core-1"
"""Recorded on every derived record; bump when extraction output changes."""

ENRICH_VERSION = "enrich-1"
"""Recorded on every enrichment; bump when enrichment output changes."""

RECORD_CONTENT_TYPE = "application/x-communique-record+json"
"""Content type of a capture holding one structured record (a JSONL line, a corpus item)."""


class DocType(StrEnum):
    """What kind of text a statement is."""

    STATEMENT = "statement"
    PRESS_RELEASE = "press release"
    SPEECH = "speech"
    INTERVIEW = "interview"
    JOINT_STATEMENT = "joint statement"
    COMMUNIQUE = "communiqué"
    COMMENT = "comment"
    NEWS = "news"
    OTHER = "other"


@dataclass(frozen=True)
class Source:
    """A publisher of statements: a ministry, an embassy, a mission, a corpus."""

    name: str
    homepage: str | None = None
    issuer: str | None = None
    country: str | None = None
    """ISO 3166-1 alpha-2 code of the issuer's country."""
    languages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Capture:
    """One raw observation of a document; its bytes never change once stored.

    The body is stored compressed and addressed by `sha256`; the capture id also covers
    the URL, so the same bytes seen at two URLs are two captures of one blob.
    """

    url: str
    sha256: str
    size: int
    content_type: str
    fetched_at: datetime
    status: int | None = None
    headers: tuple[tuple[str, str], ...] = ()
    origin: str = ""
    """Where the bytes were read from: a file path, a WARC record, a URL."""
    source: str | None = None

    @property
    def id(self) -> str:
        return capture_id(self.url, self.sha256)


def capture_id(url: str, sha256: str) -> str:
    """The id of the capture of blob `sha256` at `url`."""
    return hashlib.sha256(f"{url}\n{sha256}".encode()).hexdigest()[:20]


def statement_id(url: str) -> str:
    """A statement is identified by its canonical URL: later captures are its versions."""
    return hashlib.sha256(url.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class RawInput:
    """Bytes read from a file, a WARC record or a URL, before they are stored."""

    url: str
    body: bytes = field(repr=False)
    content_type: str
    origin: str
    fetched_at: datetime
    status: int | None = None
    headers: tuple[tuple[str, str], ...] = ()
    source: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()

    def to_capture(self) -> Capture:
        return Capture(
            url=self.url,
            sha256=self.sha256,
            size=len(self.body),
            content_type=self.content_type,
            fetched_at=self.fetched_at,
            status=self.status,
            headers=self.headers,
            origin=self.origin,
            source=self.source,
        )


@dataclass(frozen=True)
class Extraction:
    """What extraction found in one capture: clean text and metadata."""

    url: str
    title: str
    paragraphs: tuple[str, ...]
    published: date | None = None
    published_source: str = "none"
    """Where the date came from: e.g. `record`, `dateline`, `htmldate`, `none`."""
    issuer: str | None = None
    country: str | None = None
    language: str | None = None
    doc_type: DocType = DocType.OTHER
    is_listing: bool = False

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


@dataclass(frozen=True)
class Statement:
    """A statement as the archive keeps it: the latest extraction of its captures."""

    id: str
    url: str
    title: str
    paragraphs: tuple[str, ...]
    published: date | None
    published_source: str
    issuer: str | None
    country: str | None
    language: str | None
    doc_type: DocType
    capture_ids: tuple[str, ...]
    source: str | None = None
    pipeline_version: str = PIPELINE_VERSION

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    @classmethod
    def from_extraction(
        cls, extraction: Extraction, capture: Capture, earlier_captures: tuple[str, ...] = ()
    ) -> Statement:
        ids = tuple(dict.fromkeys((*earlier_captures, capture.id)))
        return cls(
            id=statement_id(extraction.url),
            url=extraction.url,
            title=extraction.title,
            paragraphs=extraction.paragraphs,
            published=extraction.published,
            published_source=extraction.published_source,
            issuer=extraction.issuer,
            country=extraction.country,
            language=extraction.language,
            doc_type=extraction.doc_type,
            capture_ids=ids,
            source=capture.source,
        )


@dataclass(frozen=True)
class ExtractionFailure:
    """A capture that produced no statement, and why."""

    capture_id: str
    url: str
    origin: str
    reason: str
    at: datetime
    pipeline_version: str = PIPELINE_VERSION


@dataclass(frozen=True)
class Entity:
    """A named entity found in a statement's text; `start`/`end` are character offsets."""

    text: str
    label: str
    start: int
    end: int


@dataclass(frozen=True)
class Place:
    """A toponym resolved to a point: a GeoNames feature, a country or a subdivision."""

    name: str
    start: int
    end: int
    lat: float
    lon: float
    geonames_id: int | None
    country: str | None
    feature: str = "city"
    """`city` (a populated place), `country` or `subdivision`."""
    mention: str = ""
    """The words of the text, when they differ from the gazetteer name."""


@dataclass(frozen=True)
class TimeExpr:
    """A temporal expression normalised to a TimeML value (`2020-11-08`, `P44D`, `XXXX-WXX-1`)."""

    text: str
    start: int
    end: int
    type: str
    """`date`, `range`, `duration` or `set`."""
    value: str
    end_value: str | None = None


@dataclass(frozen=True)
class Event:
    """A sentence that ties a date or a range to something that happened."""

    sentence: str
    start: int
    end: int
    date: str
    date_end: str | None
    places: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reference:
    """A document a statement invokes: a UN resolution, a named agreement or statement."""

    text: str
    kind: str
    """`unsc-resolution`, `unga-resolution` or `agreement`."""
    id: str | None
    start: int = 0
    end: int = 0
    statement_id: str | None = None
    """The archived statement it names, when the archive holds it."""


@dataclass(frozen=True)
class Enrichment:
    """Everything the enrichment stage found in one statement's text."""

    entities: tuple[Entity, ...] = ()
    countries: tuple[str, ...] = ()
    places: tuple[Place, ...] = ()
    times: tuple[TimeExpr, ...] = ()
    events: tuple[Event, ...] = ()
    references: tuple[Reference, ...] = ()
    language: str | None = None
    version: str = ENRICH_VERSION
    analyses: tuple[str, ...] = ()
    """Which analyses ran (e.g. `ner:en_core_web_md`, `time:heidelTime`)."""


@dataclass(frozen=True)
class Hit:
    """One search result."""

    statement: Statement
    snippet: str
    score: float | None


@dataclass(frozen=True)
class SearchPage:
    """One page of search results with facet counts over all matches."""

    hits: tuple[Hit, ...]
    total: int
    facets: dict[str, list[tuple[str, int]]]
    next_cursor: str | None


@dataclass(frozen=True)
class Stats:
    statements: int
    captures: int
    sources: int
    errors: int
    languages: dict[str, int]


@dataclass
class IngestReport:
    """What one ingest or reprocess run did."""

    inputs: int = 0
    new_captures: int = 0
    unchanged: int = 0
    statements: int = 0
    listings: int = 0
    failures: list[ExtractionFailure] = field(default_factory=list)
