"""The typed records that flow through the pipeline, defined once.

Raw input becomes a `Capture` (immutable evidence), extraction turns a capture into an
`Extraction`, and the pipeline binds an extraction to its capture(s) as a `Statement`.
"""

from __future__ import annotations

import functools
import hashlib
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Literal, overload
from urllib.parse import unquote, urlsplit

from communique.records import carried, record

PIPELINE_VERSION = "core-1+extract-11"
"""Recorded on every derived record; bump when extraction output changes."""

ENRICH_VERSION = "enrich-9"
"""Recorded on every enrichment; bump when enrichment output changes."""

LINK_VERSION = "link-1"
"""Recorded with every copy's link; bump when linking's groups, evidence or translations
change (an archive linked before is then told to run `communique relink`)."""

RECORD_CONTENT_TYPE = "application/x-communique-record+json"
"""Content type of a capture holding one structured record (a JSONL line, a corpus item)."""


class DatePrecision(StrEnum):
    """How much of a published date is known: the day, only the month, or only the year."""

    DAY = "day"
    MONTH = "month"
    YEAR = "year"


def date_label(value: date | None, precision: str, inferred: bool = False) -> str | None:
    """Write a date only as precisely as it is known; an inferred one says so.

    Example:
        >>> date_label(date(2020, 1, 1), "year"), date_label(date(2023, 9, 1), "month", True)
        ('2020', '2023-09 (inferred)')
    """
    if value is None:
        return None
    text = {"year": f"{value.year:04d}", "month": f"{value.year:04d}-{value.month:02d}"}.get(
        precision, value.isoformat()
    )
    return f"{text} (inferred)" if inferred else text


def date_end(value: date, precision: str) -> date:
    """The last day a date of this precision may stand for (itself for a day).

    Example:
        >>> date_end(date(2020, 2, 1), "month"), date_end(date(2020, 1, 1), "year")
        (datetime.date(2020, 2, 29), datetime.date(2020, 12, 31))
    """
    if precision == DatePrecision.YEAR:
        return date(value.year, 12, 31)
    if precision == DatePrecision.MONTH:
        following = date(value.year + value.month // 12, value.month % 12 + 1, 1)
        return following - timedelta(days=1)
    return value


INFERRED = "inferred"
"""`published_source` of a date read from what the text tells, not given by its source."""


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


@record
class Selectors:
    """Per-source XPath (starting with / or () or CSS selectors for when generic rules fail."""

    item: str | None = None
    """Each entry of a listing page; `link` is looked up inside it (default: the whole page)."""
    link: str | None = None
    """On a listing page: the links to statements (`a` elements or `href` values)."""
    title: str | None = None
    """On a statement's page: its title (default: the page's `<title>`)."""
    date: str | None = None
    """On a statement's page: the text its date is read from."""
    body: str | None = None
    """On a statement's page: its text's paragraphs; without it the generic rules extract."""


@record
class Source:
    """A publisher of statements: a ministry, an embassy, a mission, a corpus."""

    name: str
    homepage: str | None = None
    issuer: str | None = None
    country: str | None = None
    """ISO 3166-1 alpha-2 code of the issuer's country."""
    languages: tuple[str, ...] = ()
    selectors: Selectors | None = None
    """The site's own selectors, for pages where generic extraction finds no text."""


@record
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

    @functools.cached_property
    def id(self) -> str:
        return capture_id(self.url, self.sha256)


def capture_id(url: str, sha256: str) -> str:
    """The id of the capture of blob `sha256` at `url`."""
    return hashlib.sha256(f"{url}\n{sha256}".encode()).hexdigest()[:20]


def statement_id(url: str) -> str:
    """A statement is identified by its canonical URL: later captures are its versions."""
    return hashlib.sha256(url.encode()).hexdigest()[:16]


@record
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

    @functools.cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()

    @classmethod
    def from_capture(cls, capture: Capture, body: bytes) -> RawInput:
        """The raw input a stored capture was made from (for reprocessing)."""
        return carried(capture, cls, body=body)

    def to_capture(self) -> Capture:
        return carried(self, Capture, size=len(self.body))


@dataclass(frozen=True)
class PackedBody:
    """A capture's bytes compressed as the store keeps them, with their length: packed where
    the work is (an ingest worker), so that the writer only stores them."""

    size: int
    zbody: bytes = field(repr=False)

    @classmethod
    def of(cls, body: bytes) -> PackedBody:
        """`body` packed.

        Example:
            >>> PackedBody.of(b"statement " * 100).unpacked() == b"statement " * 100
            True
        """
        return cls(len(body), zlib.compress(body, 6))

    def unpacked(self) -> bytes:
        return zlib.decompress(self.zbody)


@record
class Extraction:
    """What extraction found in one capture: clean text and metadata."""

    url: str
    title: str
    paragraphs: tuple[str, ...]
    published: date | None = None
    published_source: str = "none"
    """Where the date came from: e.g. `record`, `dateline`, `htmldate`, `none`."""
    published_confidence: float = 0.0
    """How far the date can be trusted (0–1), from the kind of evidence it came from."""
    published_precision: DatePrecision = DatePrecision.DAY
    """Whether `published` is known to the day, or only its month or year (then the 1st)."""
    modified: date | None = None
    """The page's own last-update date, when it gives one (never taken for `published`)."""

    @property
    def published_label(self) -> str | None:
        """The published date as precisely as it is known ("2020", "2020-06", "2020-06-15")."""
        inferred = self.published_source == INFERRED
        return date_label(self.published, self.published_precision, inferred)

    issuer: str | None = None
    country: str | None = None
    language: str | None = None
    doc_type: DocType = DocType.OTHER
    is_listing: bool = False
    paragraph_languages: tuple[str | None, ...] = ()
    """Each paragraph's language when the text mixes languages; empty when it has one."""
    warnings: tuple[str, ...] = ()
    """What went wrong but did not stop extraction (e.g. invalid bytes replaced)."""

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


@record
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
    published_confidence: float = 0.0
    paragraph_languages: tuple[str | None, ...] = ()
    """Each paragraph's language when the text mixes languages; empty when it has one."""
    published_precision: DatePrecision = DatePrecision.DAY
    modified: date | None = None
    warnings: tuple[str, ...] = ()
    """What went wrong in extraction but did not stop it (e.g. invalid bytes replaced)."""

    @property
    def published_label(self) -> str | None:
        """The published date as precisely as it is known ("2020", "2020-06", "2020-06-15")."""
        inferred = self.published_source == INFERRED
        return date_label(self.published, self.published_precision, inferred)

    @property
    def published_end(self) -> date | None:
        """The last day the published date may stand for (the date itself when exact)."""
        return date_end(self.published, self.published_precision) if self.published else None

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages of the text, the main one first."""
        others = dict.fromkeys(c for c in self.paragraph_languages if c and c != self.language)
        return tuple([self.language] if self.language else []) + tuple(others)

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    @classmethod
    def from_extraction(
        cls, extraction: Extraction, capture: Capture, earlier_captures: tuple[str, ...] = ()
    ) -> Statement:
        ids = tuple(dict.fromkeys((*earlier_captures, capture.id)))
        return carried(
            extraction,
            cls,
            id=statement_id(extraction.url),
            warnings=extraction.warnings + url_warnings(extraction.url),
            capture_ids=ids,
            source=capture.source,
        )


SUSPECT_SCHEMES = ("javascript", "data", "vbscript")
"""URL schemes that run code or inline content when followed: kept, shown as text, flagged."""


def url_warnings(url: str) -> tuple[str, ...]:
    """The warning a statement gets when its URL has a suspect scheme.

    Example:
        >>> url_warnings("javascript:alert(1)"), url_warnings("https://mfa.gov.az/")
        (('suspect URL scheme: javascript',), ())
    """
    scheme = url.strip().split(":", 1)[0].lower() if ":" in url else ""
    return (f"suspect URL scheme: {scheme}",) if scheme in SUSPECT_SCHEMES else ()


def public_url(url: str) -> str:
    """`url` as the archive shows it: a `file:` URL by its file name (and line or record),
    never the server's folders; any other URL as it is. The stored URL is unchanged.

    Example:
        >>> public_url("file:///srv/data/corpus.jsonl#L12"), public_url("https://a.example/s")
        ('corpus.jsonl#L12', 'https://a.example/s')
    """
    if url[:5].lower() != "file:":
        return url
    parts = urlsplit(url)
    name = unquote(parts.path).replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return name + (f"#{parts.fragment}" if parts.fragment else "")


@record
class ExtractionFailure:
    """A capture that produced no statement, and why."""

    capture_id: str
    url: str
    origin: str
    reason: str
    at: datetime
    pipeline_version: str = PIPELINE_VERSION


@record
class Entity:
    """A named entity found in a statement's text; `start`/`end` are character offsets."""

    text: str
    label: str
    start: int
    end: int


@record
class Parse:
    """What a language model found in a text: its entities and sentences (character offsets)."""

    entities: tuple[Entity, ...] = ()
    sentences: tuple[tuple[int, int], ...] = ()

    def shifted(self, offset: int) -> Parse:
        """The same parse for a text that starts `offset` characters earlier."""
        return Parse(
            tuple(replace(e, start=e.start + offset, end=e.end + offset) for e in self.entities),
            tuple((start + offset, end + offset) for start, end in self.sentences),
        )

    @classmethod
    def joined(cls, parses: Iterable[Parse]) -> Parse:
        """One parse from the parses of consecutive pieces (already shifted)."""
        parses = list(parses)
        return cls(
            tuple(e for p in parses for e in p.entities),
            tuple(s for p in parses for s in p.sentences),
        )


@record
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


@record
class TimeExpr:
    """A temporal expression normalised to a TimeML value (`2020-11-08`, `P44D`, `XXXX-WXX-1`)."""

    text: str
    start: int
    end: int
    type: str
    """`date`, `range`, `duration` or `set`."""
    value: str
    end_value: str | None = None


@record
class Event:
    """A sentence that ties a date or a range to something that happened."""

    sentence: str
    start: int
    end: int
    date: str
    date_end: str | None
    places: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()


@record
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


@record
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


@record
class Hit:
    """One search result."""

    statement: Statement
    snippet: str
    score: float | None
    copies: int = 1
    """Copies of the statement (pages and files carrying it)."""
    translations: tuple[str, ...] = ()
    """Languages the statement is linked to translations in."""


@record
class SearchPage:
    """One page of search results with facet counts over all matches."""

    hits: tuple[Hit, ...]
    total: int
    facets: dict[str, list[tuple[str, int]]]
    next_cursor: str | None
    estimated: bool = False
    """True when `total` and the facet counts are estimates from a sample of the matches
    (a backend does this only when very many statements match)."""


Work = Literal["relink", "reprocess"]
"""A job over the whole archive that leaves it half done when it is cut short (its command
finishes it when run again)."""


@record
class Stats:
    """How much the archive holds."""

    statements: int
    captures: int
    """Raw captures (pages, files, records) kept as evidence."""
    sources: int
    errors: int
    """Captures that yielded no statement (see `communique errors`)."""
    languages: dict[str, int]
    """Statements per main language (`?` when unknown)."""
    copies: int = 0
    """Pages and files carrying a statement; `statements` counts each linked statement once."""
    unfinished: tuple[Work, ...] = ()
    """Whole-archive jobs cut short (`relink`, `reprocess`): until the command named runs to
    its end, the archive is half done (e.g. half linked: `statements` counts too many)."""
    old_links: int = 0
    """Copies linked by an older linker than this one (`LINK_VERSION`), or before links had
    versions: `relink` links them again."""


@dataclass
class IngestReport:
    """What one ingest or reprocess run did."""

    inputs: int = 0
    """Documents read: files, records, WARC responses (reprocess: stored captures)."""
    new_captures: int = 0
    """Inputs whose bytes the archive did not hold yet."""
    unchanged: int = 0
    """Inputs already processed by this pipeline version: skipped, not processed again."""
    redone: int = 0
    """Captures stored before but not fully processed (a run cut short, an older pipeline)."""
    statements: int = 0
    """Statements stored (new, or a new capture of one the archive holds)."""
    listings: int = 0
    """Pages that list other statements (an index page), kept as captures only."""
    failures: list[ExtractionFailure] = field(default_factory=list)

    @property
    def stored(self) -> int:
        """Inputs this run took to the end: a statement or listing stored, a failure recorded,
        or found done by an earlier run."""
        return self.statements + self.listings + len(self.failures) + self.unchanged


@record
class Fetched:
    """One HTTP response as the fetcher received it (a 304 or a 404 too)."""

    url: str
    """The URL asked for, before any redirect."""
    final_url: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes = field(repr=False)
    content_type: str
    fetched_at: datetime
    truncated: bool = False
    """True when the body was cut at the size cap."""
    wire_bytes: int = 0
    """Bytes received: status line, headers and body."""
    warc: str = ""
    """`file#offset` of the WARC record that keeps this response."""

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)

    def to_raw(self, source: str | None) -> RawInput:
        origin = self.warc or self.final_url
        return carried(self, RawInput, url=self.final_url, origin=origin, source=source)


@record
class CrawlSource:
    """A site to crawl: where its listings, feeds and sitemaps are, and how often to look."""

    name: str
    start_urls: tuple[str, ...]
    issuer: str | None = None
    country: str | None = None
    languages: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    recrawl_hours: float = 24.0
    allow_private: bool = False
    """The start hosts may be private or loopback addresses (and only they)."""
    selectors: Selectors = Selectors()

    def to_source(self) -> Source:
        homepage = self.start_urls[0] if self.start_urls else None
        chosen = self.selectors if any(vars(self.selectors).values()) else None
        return carried(self, Source, homepage=homepage, selectors=chosen)


class UrlKind(StrEnum):
    """What a frontier URL is expected to be."""

    LISTING = "listing"
    PAGE = "page"
    FEED = "feed"
    SITEMAP = "sitemap"


EntryState = Literal["pending", "held", "fetched", "done", "failed", "refused", "skipped"]
"""Where a frontier URL stands: waiting (pending; held: a next listing page waits for the
items of the page before it), fetched but not processed, or ended (done, failed, refused by
robots.txt or the address guard, skipped)."""


@record
class FrontierEntry:
    """A URL waiting in (or done with) one crawl run."""

    url: str
    kind: UrlKind
    parent: str | None = None
    """The listing that linked here (pagination waits for its items), or None."""
    state: EntryState = "pending"
    depth: int = 0
    error: str | None = None
    """Why an ended entry failed, was refused or skipped, or gave no text."""
    published: date | None = None
    """The published date of the statement a done entry gave: a held listing page is skipped
    once the items of the page before it are done and all older than the crawl's `since`."""


@record
class UrlState:
    """What the last fetch of a URL returned, for conditional requests and removals."""

    url: str
    source: str
    kind: UrlKind
    etag: str | None
    last_modified: str | None
    status: int | None
    checked_at: datetime
    removed_at: datetime | None = None


@record
class Version:
    """One stored text of a statement, as extracted from one capture."""

    statement_id: str
    capture_id: str
    fetched_at: datetime
    title: str
    text: str


ChangeKind = Literal["edited", "removed", "restored"]
"""What a recrawl saw happen to a statement's page: its text changed, it answered 404 or
410, or it answered again after that."""


@record
class Change:
    """A statement edited, removed or restored on its site, as seen by a recrawl."""

    statement_id: str
    url: str
    kind: ChangeKind
    detected_at: datetime
    source: str | None = None
    before_capture: str | None = None
    after_capture: str | None = None


@dataclass
class CrawlCounts:
    """What one crawl run found, counted as it goes (the numbers of source health)."""

    fetched: int = 0
    """HTTP responses received, a 304 or a 404 too."""
    not_modified: int = 0
    """304 answers to conditional requests: the page is as it was."""
    bytes: int = 0
    """Bytes received: status lines, headers and bodies (`Fetched.wire_bytes`)."""
    statements: int = 0
    """Statements extracted and stored, new ones and new captures of known ones."""
    new_statements: int = 0
    edited: int = 0
    """Statements whose text or title differs from their previous version."""
    removed: int = 0
    """Statements whose page now answers 404 or 410."""
    no_text: int = 0
    """Pages fetched that yielded no statement (recorded as extraction failures)."""
    failed: int = 0
    """Pages that could not be fetched or read; robots.txt and address-guard refusals are not."""
    errors: dict[str, int] = field(default_factory=dict)
    """Failures and refusals by kind (robots, private-address, http-500, network, …)."""

    @property
    def read(self) -> int:
        """Pages read to an end: a statement, unchanged, without text, or removed."""
        return self.statements + self.not_modified + self.no_text + self.removed


@dataclass
class CrawlRun:
    """One crawl of one source, and what it found."""

    id: int
    source: str
    started_at: datetime
    since: date | None = None
    """How far back the crawl reaches (`--since`): listing pages and sitemaps whose entries
    are all older are not followed."""
    finished_at: datetime | None = None
    counts: CrawlCounts = field(default_factory=CrawlCounts)


@record
class SourceHealth:
    """How a source's crawls have gone: the numbers `communique sources health` shows."""

    source: str
    last_run: datetime | None
    last_success: datetime | None
    """End of the last run that fetched something without every URL failing."""
    statements_per_run: tuple[int, ...]
    """Statements found by each of the latest runs, newest first."""
    errors: dict[str, int]
    """Errors of the latest run by kind (robots, private-address, http-500, network, …)."""
    no_text: tuple[tuple[str, str], ...]
    """(URL, reason) of fetched pages that yielded no statement text."""


@record
class SavedSearch:
    """A query kept under a name, for its feed and its alerts."""

    name: str
    query: str
    created_at: datetime
    last_run_at: datetime | None = None


@record
class ApiKey:
    """A key that lets its holder write through the API; only a hash of its token is kept."""

    id: str
    name: str
    created_at: datetime
    revoked_at: datetime | None = None


@record
class CopyLink:
    """A copy (a statement at one URL) linked to the statement it carries.

    The statement (`group_id`) is the id of its first linked copy; its canonical copy is
    the one on the issuer's own site where known, else the earliest seen.
    """

    statement_id: str
    group_id: str
    kind: str
    """`first` (the copy that started the statement), `exact` or `republication`."""
    matched: str | None
    """The copy it was verified against."""
    evidence: str
    exact_key: str
    seen: str
    """When the copy was first captured (ISO 8601)."""
    own_site: bool = False
    words: int = 0


class JoinedKeys(Sequence[bytes]):
    """A copy's LSH bucket keys, each `width` bytes, held joined in one bytes object (as
    relink stages them: no object made for each key).

    Example:
        >>> keys = JoinedKeys(b"\\x00ab\\x01cd", 3)
        >>> len(keys), keys[1], list(keys)
        (2, b'\\x01cd', [b'\\x00ab', b'\\x01cd'])
    """

    __slots__ = ("joined", "width")

    def __init__(self, joined: bytes, width: int) -> None:
        self.joined, self.width = joined, width

    def __len__(self) -> int:
        return len(self.joined) // self.width

    def __iter__(self) -> Iterator[bytes]:
        width = self.width
        return (self.joined[at : at + width] for at in range(0, len(self.joined), width))

    @overload
    def __getitem__(self, index: int) -> bytes: ...

    @overload
    def __getitem__(self, index: slice) -> list[bytes]: ...

    def __getitem__(self, index: int | slice) -> bytes | list[bytes]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        start = (index % len(self)) * self.width
        return self.joined[start : start + self.width]


@record
class LinkText:
    """What linking reads of a stored statement: its text and what says where it was
    published (a `Statement` without the fields linking never uses)."""

    id: str
    url: str
    source: str | None
    issuer: str | None
    language: str | None
    text: str


@record
class StatementCopy:
    """One page or file carrying a statement."""

    id: str
    """The copy's own id (as a statement at one URL)."""
    url: str
    source: str | None
    seen: str
    """When the copy was first captured (ISO 8601)."""
    kind: str
    """first, exact (same words) or republication (verified near-copy)."""
    canonical: bool
    """The issuer's own copy where known, else the earliest."""
    own_site: bool
    differs: str
    """What differs from the canonical copy."""
    versions: int


@record
class Translation:
    """Two statements in different languages that carry the same text (linked, not merged)."""

    group_id: str
    other_group: str
    language: str | None
    """The other statement's language."""
    confidence: float
    evidence: str
