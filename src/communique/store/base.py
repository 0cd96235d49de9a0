"""The storage protocols every backend implements, and `open_store`, which picks the backend.

Nothing above `store/` writes SQL. `Store` combines the small protocols; a caller that needs
only one part (crawl state, search) may ask for that protocol alone.

A method is stated here, with its documentation, and implemented once: by a mixin both
backends share (`statement_tables`, `crawl_tables`, `core_tables`, ...) or by each backend.
The implementation restates the signature, and mypy checks that the two agree (`open_store`
returns each backend as a `Store`): change both, or mypy fails. The mixins do not subclass
these protocols: a protocol's `...` bodies would then be inherited methods, and one could
shadow a sibling mixin's implementation that comes later in a backend's bases.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple, Protocol, cast, runtime_checkable
from urllib.parse import urlsplit, urlunsplit

from communique.errors import StoreError
from communique.model import (
    ApiKey,
    Capture,
    Change,
    CopyLink,
    CrawlRun,
    Enrichment,
    ExtractionFailure,
    FrontierEntry,
    LinkText,
    PackedBody,
    SavedSearch,
    SearchPage,
    Source,
    Statement,
    Stats,
    Translation,
    UrlKind,
    UrlState,
    Version,
    Work,
)
from communique.query import Query
from communique.store.enrich_rows import ENRICH_TABLES
from communique.store.search_index import Interval
from communique.store.site_lines import SitePage


class CaptureStore(Protocol):
    """Captures: immutable evidence, with their bytes, sources and failures."""

    def put_capture(self, capture: Capture, body: bytes) -> bool:
        """Store a capture and its bytes; False when this exact capture was already stored."""
        ...

    def put_captures(self, captures: Sequence[tuple[Capture, bytes | PackedBody]]) -> list[bool]:
        """`put_capture` of each, in order, in one write (a bulk load); a body may come packed
        already (by an ingest worker)."""
        ...

    def stored_captures(self, capture_ids: Collection[str]) -> set[str]:
        """Those of `capture_ids` that are stored."""
        ...

    def get_capture(self, capture_id: str) -> Capture: ...

    def capture_body(self, capture_id: str) -> bytes: ...

    def iter_captures(self) -> Iterator[Capture]:
        """Every capture, oldest first."""
        ...

    def count_captures(self) -> int: ...

    def iter_capture_bodies(self, source: str | None = None) -> Iterator[tuple[Capture, bytes]]:
        """Every capture with its bytes (of one source when given), oldest first."""
        ...

    def put_source(self, source: Source) -> None: ...

    def sources(self) -> list[Source]: ...

    def record_failure(self, failure: ExtractionFailure) -> None: ...

    def clear_failure(self, capture_id: str) -> None: ...

    def failures(self, capture_ids: Collection[str] | None = None) -> list[ExtractionFailure]:
        """Every recorded failure, or those of `capture_ids`."""
        ...


class StatementStore(Protocol):
    """Statements derived from captures, and their versions."""

    def put_statement(self, statement: Statement, capture: Capture) -> None:
        """Add `capture` as a version of `statement`; the newest capture's content wins."""
        ...

    def put_statements(self, statements: Sequence[tuple[Statement, Capture]]) -> None:
        """`put_statement` of each, in order, in one write (a bulk load)."""
        ...

    def get_statement(self, statement_id: str) -> Statement: ...

    def captures_of(self, statement_id: str) -> list[Capture]: ...

    def versions(self, statement_id: str) -> list[Version]:
        """Every stored text of a statement, oldest first."""
        ...

    def statements_at_url(self, url: str) -> list[str]: ...

    def stats(self) -> Stats: ...

    def clear_derived(self) -> None:
        """Delete everything derived from captures (statements, versions, failures, enrichment)."""
        ...

    def is_processed(self, capture_id: str, version: str) -> bool:
        """Whether everything derived from the capture was stored by pipeline `version`."""
        ...

    def mark_processed(self, capture_id: str, version: str) -> None:
        """Record that everything derived from the capture is stored (written last)."""
        ...

    def processed_among(self, capture_ids: Collection[str], version: str) -> set[str]:
        """Those of `capture_ids` that `is_processed` by `version`."""
        ...

    def mark_all_processed(self, capture_ids: Sequence[str], version: str) -> None:
        """`mark_processed` of each, in one write."""
        ...

    def start_reprocess(self) -> bool:
        """Clear everything derived, or resume an unfinished reprocess (returns True then)."""
        ...

    def finish_reprocess(self) -> None:
        """Record that the running reprocess has rebuilt every capture."""
        ...

    def start_work(self, work: Work) -> None:
        """Record that `work` has begun: it is unfinished until `finish_work`."""
        ...

    def finish_work(self, work: Work) -> None: ...

    def unfinished_work(self) -> list[Work]:
        """The whole-archive jobs begun and not finished (cut short), oldest first; an
        unfinished `start_reprocess` too."""
        ...

    def old_links(self) -> int:
        """How many copies an older linker than `LINK_VERSION` linked (`relink` redoes them)."""
        ...


class EnrichmentStore(Protocol):
    """What enrichment found in statements: entities, places, events, references."""

    def put_enrichment(
        self, statement: Statement, enrichment: Enrichment, fetched_at: datetime
    ) -> None:
        """Store what enrichment found in `statement` as captured at `fetched_at`; its country
        is the issuer's in who-mentions-whom.

        Ignored when the statement already holds the enrichment of a newer capture; named
        agreements and resolutions are linked to archived statements whose title names them.
        """
        ...

    def get_enrichment(self, statement_id: str) -> Enrichment:
        """The stored enrichment of a statement (NotFound when there is none)."""
        ...

    def mention_pairs(self) -> list[tuple[str | None, str, int]]:
        """Who mentions whom: (issuer country, mentioned country, statements), most first."""
        ...


class SearchStore(Protocol):
    """Search over statements in the query language of `communique.query`."""

    def search(self, query: Query, cursor: str | None = None, limit: int = 20) -> SearchPage: ...

    def iter_matches(self, query: Query, batch: int = 500) -> Iterator[Statement]:
        """Every statement matching `query`, in its order, with no cap."""
        ...

    def counts_over_time(self, query: Query, interval: Interval = "month") -> list[tuple[str, int]]:
        """(period, matches) for each month ('2023-11') or year ('2023') that has any, in order.

        Undated statements are not counted.
        """
        ...

    def reindex(self, progress: Callable[[int, int, str], None] | None = None) -> int:
        """Rebuild the search index from the stored statements; returns how many were indexed."""
        ...


class SiteChromeStore(Protocol):
    """Line counts per host, to tell site chrome from a statement's text."""

    def observe_site_lines(self, page: SitePage) -> dict[str, int]:
        """Count `page`'s lines once for its host, idempotently (see `store.site_lines`).

        Returns, for each of its judged keys, how many captures of OTHER content carried
        it: as when the page was first counted (since the last reprocess).
        """
        ...

    def observe_many_site_lines(self, pages: Sequence[SitePage]) -> list[dict[str, int]]:
        """`observe_site_lines` of each page in turn, in one write: the counts returned for a
        page include the pages before it in `pages`."""
        ...

    def site_page_count(self, host: str) -> int:
        """Return how many captures of `host` have had their lines counted."""
        ...


class CrawlStore(Protocol):
    """Crawl state (see `communique.crawl`): runs, frontier, URL state, robots, changes."""

    def start_run(self, source: str, since: date | None) -> CrawlRun:
        """The unfinished run of `source` (a crawl that was killed), or a new one."""
        ...

    def save_run(self, run: CrawlRun) -> None:
        """Store a run's counts; a finished run's frontier is dropped."""
        ...

    def runs(self, source: str | None = None, limit: int = 50) -> list[CrawlRun]:
        """The latest crawl runs, newest first."""
        ...

    def enqueue(self, run_id: int, entries: Iterable[FrontierEntry]) -> int:
        """Add entries not yet in the run's frontier; returns how many were new."""
        ...

    def next_entry(self, run_id: int) -> tuple[FrontierEntry, str | None] | None:
        """The next URL of a run, and its capture id when it was fetched but not processed."""
        ...

    def frontier_counts(self, run_id: int) -> dict[str, int]: ...

    def put_fetched_capture(self, run_id: int, url: str, capture: Capture, body: bytes) -> bool:
        """Store a fetched capture and mark its frontier entry fetched, atomically."""
        ...

    def finish_entry(self, run_id: int, entry: FrontierEntry) -> None:
        """Store the state an entry of the run ended in, with its error and published date."""
        ...

    def release_held(self, run_id: int, since: date | None) -> int:
        """Release next listing pages whose previous page had items on or after `since`."""
        ...

    def get_url_state(self, source: str, url: str) -> UrlState | None:
        """What the last fetch of `url` for `source` returned (validators, removal)."""
        ...

    def put_url_state(self, state: UrlState) -> None: ...

    def known_urls(self, source: str) -> list[tuple[str, UrlKind]]:
        """Page URLs of `source` fetched before and not removed."""
        ...

    def no_text(self, source: str, limit: int = 100) -> list[tuple[str, str]]:
        """(URL, reason) of captures of `source` that yielded no statement."""
        ...

    def get_robots(self, origin: str) -> tuple[str, datetime] | None:
        """The robots.txt last read for `origin` (empty when it had none), and when."""
        ...

    def put_robots(self, origin: str, body: str, fetched_at: datetime) -> None: ...

    def record_change(self, change: Change) -> None: ...

    def changes(
        self, since: datetime | None = None, statement_id: str | None = None
    ) -> list[Change]:
        """Edits, removals and restorations detected at or after `since`, oldest first."""
        ...


TABLES = (
    "blobs",
    "captures",
    "sources",
    "statements",
    "statement_texts",
    "versions",
    "failures",
    "processed",
    "reprocess_pending",
    "crawl_runs",
    "frontier",
    "url_state",
    "changes",
    "robots",
    "site_pages",
    "site_lines",
    "site_hosts",
    *ENRICH_TABLES,
)
"""The archive's tables in an order that loads references before what refers to them; tables
added later are copied after these."""


FactRow = tuple[str, Sequence[bytes], bytes]
"""A copy's language, the LSH buckets of its facts and their codes (`link.bulk.fact_codes`)."""


class CopyRow(NamedTuple):
    """What linking stores for one copy: its link, MinHash values, LSH buckets and facts."""

    link: CopyLink
    minhash: bytes
    buckets: Sequence[bytes]
    facts: FactRow | None = None


@runtime_checkable
class LinkStore(Protocol):
    """Copies of one statement (statements at several URLs) and translations between them."""

    def copy_with_key(self, exact_key: str) -> str | None:
        """The first linked copy whose words are exactly these."""
        ...

    def link_candidates(
        self, buckets: Sequence[bytes], words: range = range(2**31)
    ) -> list[tuple[str, bytes, int]]:
        """Copies sharing one of these LSH buckets whose number of words is in `words`, with
        their MinHash values and words."""
        ...

    def get_copy(self, statement_id: str) -> CopyLink | None: ...

    def first_with_keys(self, exact_keys: Sequence[str]) -> dict[str, tuple[str, str]]:
        """The first linked copy with each of these exact keys: (seen, its id) by key."""
        ...

    def bucket_rows(
        self, buckets: Sequence[bytes], words: range
    ) -> tuple[list[tuple[bytes, str]], list[tuple[str, str, bytes, int]]]:
        """(bucket, copy) of the copies in these LSH buckets, and (copy, statement, MinHash
        values, words) of each of those copies whose number of words is in `words`, once."""
        ...

    def fact_bucket_copies(
        self, buckets: Sequence[bytes], language: str
    ) -> list[tuple[bytes, str, bytes | None]]:
        """(bucket, copy, its fact codes or None) of the linked copies in these fact buckets
        whose language is not `language`."""
        ...

    def linked_facts(self, ids: Sequence[str]) -> dict[str, tuple[str, bytes | None]]:
        """The statement and fact codes (None: not known) of each of these copies linked."""
        ...

    def copy_minhash(self, statement_id: str) -> bytes | None:
        """The MinHash values a linked copy was stored with (None: not linked)."""
        ...

    def put_copy(
        self, row: CopyRow, translations: Sequence[Translation] = (), replaced: Sequence[bytes] = ()
    ) -> None:
        """Store a copy's row and translations, and its statement's canonical copy and
        count, in one transaction; `replaced`: the LSH buckets of its text before, removed."""
        ...

    def put_new_copies(self, rows: Sequence[tuple[CopyRow, Sequence[Translation]]]) -> None:
        """Store the links of copies never linked before, as `put_copy` of each in turn does,
        in one transaction."""
        ...

    def copies(self, group_id: str) -> list[CopyLink]:
        """The copies of a statement, the canonical one first."""
        ...

    def start_relink(self) -> None:
        """Delete every link and make ready for `put_copies`."""
        ...

    def put_copies(self, rows: Sequence[CopyRow]) -> None:
        """Store the links, LSH buckets and facts of many copies not linked yet, in one
        transaction (between `start_relink` and `finish_relink`)."""
        ...

    def finish_relink(self) -> None:
        """Index the buckets `put_copies` stored; rebuild every statement's canonical copy."""
        ...

    def put_translations(self, translations: Sequence[Translation]) -> None: ...

    def link_texts(self, ids: Sequence[str]) -> list[LinkText]:
        """What linking reads of the statements with these ids (their texts and where they
        were published), in that order (those not stored left out)."""
        ...

    def statement_texts(self, ids: Sequence[str]) -> dict[str, str]:
        """The texts alone of the statements with these ids, by id."""
        ...

    def location(self) -> str | None:
        """Where another process opens this store (`open_store`), None where none can: an
        archive in memory."""
        ...

    def translations(self, group_id: str) -> list[Translation]: ...

    def link_order(self) -> list[tuple[str, str]]:
        """(statement id, first captured) of every statement, in the order `relink` links."""
        ...


def links_or_none(store: Store) -> LinkStore | None:
    """The store's link tables, or None when its backend has none.

    Asked once per backend: an `isinstance` of a protocol tests each of its methods.

    Example:
        >>> links_or_none(open_store(":memory:")) is not None
        True
    """
    return cast(LinkStore, store) if _keeps_links(type(store)) else None


def links_of(store: Store) -> LinkStore:
    """The store's link tables (StoreError when its backend has none yet)."""
    links = links_or_none(store)
    if links is None:
        raise StoreError(f"{type(store).__name__} does not keep links between copies yet")
    return links


@functools.cache
def _keeps_links(backend: type) -> bool:
    return issubclass(backend, LinkStore)


class TransferStore(Protocol):
    """Whole tables in and out: `copy-store`, `backup` and `restore` between backends."""

    def table_counts(self) -> dict[str, int]:
        """Rows in each archive table (not search indexes or migration records)."""
        ...

    def export_tables(
        self, tables: Sequence[str], batch: int = 1000
    ) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        """Every row of `tables`, in batches by column name, read from one snapshot."""
        ...

    def begin_import(self, tables: Sequence[str]) -> None:
        """Ready the empty store for a bulk load of `tables` (e.g. defer their indexes)."""
        ...

    def import_rows(self, table: str, rows: list[dict[str, Any]]) -> None:
        """Insert rows of `table` as exported by any backend (unknown columns are dropped)."""
        ...

    def finish_import(self) -> None:
        """Make the store ready after `import_rows` (counters past the imported ids, indexes
        built)."""
        ...


class Batch:
    """When a batch of writes commits: after `writes` writes or `seconds` seconds.

    Each commit writes every page the batch changed (statement, text and index pages) to the
    log; committing every second rather than every quarter second writes shared pages
    (index roots, the site's line counts) a quarter as often. A kill loses at most the
    uncommitted second, which the next run redoes.
    """

    def __init__(self, writes: int = 2000, seconds: float = 1.0) -> None:
        self.writes, self.seconds = writes, seconds
        self._count, self._since = 0, time.monotonic()

    def due(self) -> bool:
        """Count one write; True (and start over) when the batch should commit now."""
        self._count += 1
        if self._count < self.writes and time.monotonic() - self._since < self.seconds:
            return False
        self._count, self._since = 0, time.monotonic()
        return True


class Batching:
    """`batch()` written once for both backends: the outermost call of a thread opens its
    `Batch` (read by each write) and the backend's transaction (`_batched`); calls inside it
    join it. `_after_batch` runs once the batch is over."""

    _local: Any

    @contextmanager
    def batch(self) -> Iterator[None]:
        if getattr(self._local, "batch", None) is not None:
            yield
            return
        self._local.batch = Batch()
        try:
            with self._batched():
                yield
        finally:
            self._local.batch = None
        self._after_batch()

    def pause(self) -> None:
        """Commit what this thread's batch wrote so far, for a caller about to wait: another
        writer may go meanwhile, and the batch takes the write lock again at its next write."""
        if getattr(self._local, "batch", None) is not None:
            self._commit_batch()

    def _batched(self) -> AbstractContextManager[None]:
        raise NotImplementedError

    def _commit_batch(self) -> None:
        """Commit the open batch transaction (nothing unless a backend's writes wait on it)."""

    def _after_batch(self) -> None:
        """What follows a batch (nothing unless a backend says)."""


class SavedSearchStore(Protocol):
    """Named queries and which of their matches alerts have already reported."""

    def save_search(self, saved: SavedSearch) -> None:
        """Add or replace the saved search `saved.name`."""
        ...

    def saved_searches(self) -> list[SavedSearch]:
        """Every saved search, by name."""
        ...

    def delete_search(self, name: str) -> None:
        """Forget a saved search and what was reported for it (NotFound when unknown)."""
        ...

    def unreported(self, name: str, statement_ids: Sequence[str]) -> list[str]:
        """Those of `statement_ids` that no alert of `name` has reported yet, in their order."""
        ...

    def mark_reported(self, name: str, statement_ids: Sequence[str], at: datetime) -> None:
        """Record `statement_ids` as reported for `name`, and `at` as its last run."""
        ...


class KeyStore(Protocol):
    """API keys: who may write through the API (only a digest of each token is stored)."""

    def put_key(self, key: ApiKey, digest: str) -> None: ...

    def api_keys(self) -> list[ApiKey]:
        """Every key, revoked ones included, oldest first."""
        ...

    def key_digest(self, key_id: str) -> tuple[ApiKey, str] | None:
        """The key with this id and its token's digest; None when there is none."""
        ...

    def revoke_key(self, key_id: str, at: datetime) -> None:
        """Mark the key revoked at `at` (NotFound when no active key has this id)."""
        ...


class VectorStore(Protocol):
    """Sentence vectors of statements, one per statement and model."""

    def put_vectors(self, model: str, vectors: Sequence[tuple[str, bytes]]) -> None:
        """Store (statement id, float32 bytes) pairs of `model`, replacing older ones."""
        ...

    def unembedded(self, model: str, limit: int = 1000) -> list[str]:
        """Ids of statements that have no vector of `model` yet."""
        ...

    def vector_count(self, model: str) -> int: ...

    def vectors_version(self, model: str) -> str:
        """A value that changes when vectors of `model` are added or removed (what is read
        from them can be kept under it)."""
        ...

    def all_vectors(self, model: str) -> tuple[list[str], list[bytes]]:
        """Every statement id with a vector of `model`, and the vectors' bytes."""
        ...


@runtime_checkable
class ExploreStore(Protocol):
    """Aggregates over a query's matches; optional (explore reads the matches one by one
    on a backend without it)."""

    def place_counts(
        self, query: Query, limit: int = 2000, matches: int | None = None
    ) -> list[tuple[str, float, float, str | None, int]]:
        """(name, lat, lon, country, statements) of places (not countries) the matches name.

        Each aggregate reads every match, or with `matches` the first that many in the
        query's date order (newest first unless `order:oldest`)."""
        ...

    def mention_pairs_of(
        self, query: Query, matches: int | None = None
    ) -> list[tuple[str, str, int]]:
        """(issuer country, named country, statements) over the matches, self-mentions left out."""
        ...

    def match_total(self, query: Query) -> int:
        """How many statements match `query` (what a search page says), without facets."""
        ...

    def match_ids(self, query: Query) -> list[str]:
        """The ids of every match of `query`, in no set order (no statement is read)."""
        ...

    def match_keys(self, query: Query) -> list[int]:
        """The keys (see `statement_keys`) of every match of `query`, in no set order: no
        statement row is read."""
        ...

    def statement_keys(self) -> list[tuple[int, str]]:
        """(key, id) of every statement: the store's own number of each statement."""
        ...

    def archive_version(self) -> tuple[int, ...]:
        """A value that grows with every write of a statement, its text or its enrichment
        (what is computed from the archive can be kept under it until it changes, and what
        was computed under an older one is stale)."""
        ...

    def timeline_window(
        self, query: Query, at: str, width: int, limit: int = 300, matches: int | None = None
    ) -> tuple[list[tuple[str, int]], list[tuple[str, str | None, str, str, str, int]]]:
        """The dated events of the matches whose date starts with `at`: their counts per
        first `width` characters of their date (shorter dates under their own key), in key
        order, and (date, end date, sentence, statement id, title, start) of the first
        `limit` of them by event date (then statement id and start)."""
        ...


class Store(
    CaptureStore,
    StatementStore,
    EnrichmentStore,
    SearchStore,
    SiteChromeStore,
    CrawlStore,
    TransferStore,
    SavedSearchStore,
    KeyStore,
    VectorStore,
    Protocol,
):
    """Every storage protocol together: what a backend implements and most callers take."""

    def batch(self) -> AbstractContextManager[None]:
        """Group this thread's writes into few transactions (committed every quarter second).

        Each write stays whole; a crash loses at most the writes not yet committed, which a
        rerun redoes (captures not marked processed are processed again). The search index may
        catch up only when the batch ends (a search, or the next open, indexes what is queued).
        """
        ...

    def pause(self) -> None:
        """Commit what this thread's batch wrote so far: its caller is about to wait."""
        ...

    def close(self) -> None: ...


POSTGRES_SCHEMES = ("postgresql://", "postgres://")
SNIPPET_OPEN = "\x02"
"""Marks the start of a matched span in `Hit.snippet` (every backend uses the same marks)."""
SNIPPET_CLOSE = "\x03"
"""Marks the end of a matched span in `Hit.snippet`."""


def is_postgres(location: str) -> bool:
    """Whether `location` names a PostgreSQL database rather than a SQLite file.

    Example:
        >>> is_postgres("postgresql://localhost/communique"), is_postgres("archive.db")
        (True, False)
    """
    return location.startswith(POSTGRES_SCHEMES)


def open_store(location: str | Path, read_only: bool = False) -> Store:
    """Open the store at `location`: a `postgresql://` URL, or a SQLite file path (the default).
    `read_only`: a SQLite file is opened for reading only (never migrated, never written).

    This is the one place that chooses a backend; `sqlite:///path` names a SQLite file too.

    Example:
        >>> store = open_store(":memory:")
        >>> store.stats().statements
        0
    """
    location = str(location)
    if is_postgres(location):
        return _open_postgres(location)
    if location.startswith("sqlite://"):
        location = location.removeprefix("sqlite://") or ":memory:"
    from communique.store.sqlite import SqliteStore

    return SqliteStore(location, read_only=read_only)


def _open_postgres(url: str) -> Store:
    try:
        from communique.store.postgres import PostgresStore
    except ImportError as exc:
        raise StoreError(f"{redacted(url)}: the PostgreSQL backend needs psycopg ({exc})") from exc
    return PostgresStore(url)


def redacted(url: str) -> str:
    """`url` without its password, for messages and logs.

    Example:
        >>> redacted("postgresql://me:secret@db/archive")
        'postgresql://me:***@db/archive'
    """
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))
