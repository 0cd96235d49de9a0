"""What the matches of a search add up to: places, dated events, who names whom, counts over time.

The map, timeline, network and trends views (web) and their API twins each call one function
here. They read the matches of the query newest first, at most `limit` of them (the result
says how many it read), with each match's stored enrichment.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections import Counter
from collections.abc import Callable, Hashable, Iterator
from dataclasses import field
from itertools import islice
from typing import Any, Protocol, TypeVar

from communique.errors import NotFound, QueryError
from communique.model import Enrichment, Statement
from communique.query import Order, parse_query
from communique.records import record
from communique.store.base import ExploreStore, Store
from communique.store.kept import Kept
from communique.store.search_index import Interval

EXPLORE_LIMIT = 5000
"""How many matches (newest first) the map, timeline and network read: their cost grows
with the matches times what each names, so a broad query reads its newest 5,000 (the page
says so) instead of every match."""
_DAY = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?$")


class _Explorable(Store, ExploreStore, Protocol):
    """A store that adds up its matches itself."""


CACHED_RESULTS = 64
"""Map, timeline and network results kept per store (the most recently asked), each under
the archive version it was computed at: a write to the archive makes them all stale."""
_T = TypeVar("_T")
_results: weakref.WeakKeyDictionary[Any, Kept[Any]] = weakref.WeakKeyDictionary()
_results_lock = threading.Lock()


def _cached(store: _Explorable, key: Hashable, compute: Callable[[], _T]) -> _T:
    """`compute()`, or what it returned for `key` at the store's current archive version."""
    version = store.archive_version()
    with _results_lock:
        kept = _results.setdefault(store, Kept(CACHED_RESULTS))
    return kept.computed(key, version, compute)  # type: ignore[no-any-return]


def clear_cache() -> None:
    """Forget every kept result (benchmarks time the first view of a query with it)."""
    with _results_lock:
        _results.clear()


@record
class Coverage:
    """How many statements matched and how many of them were read."""

    total: int
    read: int

    @property
    def partial(self) -> bool:
        return self.read < self.total


@record
class PlaceCount:
    name: str
    lat: float
    lon: float
    country: str | None
    statements: int


@record
class TimelineEvent:
    """A dated sentence of a matching statement."""

    date: str
    date_end: str | None
    sentence: str
    statement_id: str
    title: str
    start: int


@record
class Explored:
    """The matches of one query with their enrichment, newest first."""

    coverage: Coverage
    pairs: list[tuple[Statement, Enrichment | None]] = field(default_factory=list)


def explore(store: Store, text: str, limit: int = EXPLORE_LIMIT) -> Explored:
    """Read up to `limit` matches of `text`, newest first, with their enrichment.

    Example:
        >>> from communique.store.base import open_store
        >>> explore(open_store(":memory:"), "shusha").coverage
        Coverage(total=0, read=0)
    """
    query = parse_query(text, Order.NEWEST)
    total = store.search(query, None, 1).total
    pairs = [(s, _enrichment(store, s.id)) for s in islice(store.iter_matches(query), limit)]
    return Explored(Coverage(total, len(pairs)), pairs)


def _read(total: int) -> Coverage:
    """What an aggregate over the newest `EXPLORE_LIMIT` of `total` matches read."""
    return Coverage(total, min(total, EXPLORE_LIMIT))


def _enrichment(store: Store, statement_id: str) -> Enrichment | None:
    try:
        return store.get_enrichment(statement_id)
    except NotFound:
        return None


def place_counts(found: Explored) -> list[PlaceCount]:
    """Towns and regions named by the matches (not whole countries), most named first."""
    counts: Counter[tuple[str, float, float, str | None]] = Counter()
    for _, enrichment in found.pairs:
        if enrichment is None:
            continue
        seen = {
            (p.name, p.lat, p.lon, p.country) for p in enrichment.places if p.feature != "country"
        }
        counts.update(seen)
    return [PlaceCount(n, lat, lon, c, k) for (n, lat, lon, c), k in counts.most_common()]


def timeline_events(found: Explored) -> list[TimelineEvent]:
    """Every dated event of the matches on the calendar, by event date (not publication)."""
    events = [
        TimelineEvent(e.date, e.date_end, e.sentence, s.id, s.title, e.start)
        for s, enrichment in found.pairs
        if enrichment is not None
        for e in enrichment.events
        if _DAY.match(e.date)
    ]
    return sorted(events, key=lambda e: (e.date, e.statement_id, e.start))


def mention_network(found: Explored) -> list[tuple[str, str, int]]:
    """(issuer country, named country, statements), most first; self-mentions left out."""
    counts: Counter[tuple[str, str]] = Counter()
    for statement, enrichment in found.pairs:
        if enrichment is None or not statement.country:
            continue
        counts.update(
            (statement.country, c) for c in set(enrichment.countries) if c != statement.country
        )
    return [(a, b, n) for (a, b), n in counts.most_common()]


def counts_over_time(store: Store, text: str, unit: str = "month") -> list[tuple[str, int]]:
    """Matches of `text` per publication month (`YYYY-MM`) or year, oldest first, gaps as 0.

    Example:
        >>> from communique.store.base import open_store
        >>> counts_over_time(open_store(":memory:"), "shusha", "year")
        []
    """
    if unit not in ("month", "year"):
        raise QueryError(f"unit must be month or year, not {unit!r}")
    interval: Interval = "month" if unit == "month" else "year"
    counts = dict(store.counts_over_time(parse_query(text, Order.OLDEST), interval))
    return [(period, counts.get(period, 0)) for period in _periods(sorted(counts), unit)]


def _periods(seen: list[str], unit: str) -> Iterator[str]:
    if not seen:
        return
    year, month = int(seen[0][:4]), int(seen[0][5:7] or 1) if unit == "month" else 1
    last = seen[-1]
    while True:
        period = f"{year:04d}-{month:02d}" if unit == "month" else f"{year:04d}"
        yield period
        if period >= last:
            return
        if unit == "year":
            year += 1
        else:
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def map_places(store: Store, text: str) -> tuple[list[PlaceCount], Coverage]:
    """Places named by the matches of `text`, most named first, and what was read.

    One grouped query on a store with `ExploreStore`; otherwise the newest matches one by one.
    """
    if isinstance(store, ExploreStore):
        explored = store
        return _cached(store, ("map", text), lambda: _map_places(explored, text))
    found = explore(store, text)
    return place_counts(found), found.coverage


def _map_places(store: _Explorable, text: str) -> tuple[list[PlaceCount], Coverage]:
    query = parse_query(text, Order.NEWEST)
    total = store.match_total(query)
    rows = store.place_counts(query, matches=EXPLORE_LIMIT)
    return [PlaceCount(*row) for row in rows], _read(total)


def network(store: Store, text: str) -> tuple[list[tuple[str, str, int]], Coverage]:
    """Who names whom in the matches of `text` (see `mention_network`), and what was read."""
    if isinstance(store, ExploreStore):
        explored = store
        return _cached(store, ("network", text), lambda: _network(explored, text))
    found = explore(store, text)
    return mention_network(found), found.coverage


def _network(store: _Explorable, text: str) -> tuple[list[tuple[str, str, int]], Coverage]:
    query = parse_query(text, Order.NEWEST)
    total = store.match_total(query)
    return store.mention_pairs_of(query, EXPLORE_LIMIT), _read(total)


@record
class TimelineWindow:
    """The dated events of a query's matches inside one window of the calendar."""

    counts: list[tuple[str, int]]
    """Events per first `width` characters of their date (shorter dates under their own key)."""
    events: list[TimelineEvent]
    """The first events of the window by event date."""
    coverage: Coverage

    @property
    def inside(self) -> int:
        """How many events the window holds."""
        return sum(n for _, n in self.counts)


def timeline(
    store: Store, text: str, at: str = "", width: int = 4, limit: int = 300
) -> TimelineWindow:
    """The dated events of the matches of `text` whose date starts with `at` (a year, month
    or day; '' for all), counted per `width` characters of their date, and the first `limit`.

    Example:
        >>> from communique.store.base import open_store
        >>> timeline(open_store(":memory:"), "shusha", "2020", 7).counts
        []
    """
    if isinstance(store, ExploreStore):
        explored = store
        return _cached(
            store,
            ("timeline", text, at, width, limit),
            lambda: _timeline(explored, text, at, width, limit),
        )
    found = explore(store, text)
    inside = [e for e in timeline_events(found) if e.date.startswith(at)]
    per_key = Counter(e.date[:width] for e in inside)
    return TimelineWindow(sorted(per_key.items()), inside[:limit], found.coverage)


def _timeline(store: _Explorable, text: str, at: str, width: int, limit: int) -> TimelineWindow:
    query = parse_query(text, Order.NEWEST)
    total = store.match_total(query)
    counts, rows = store.timeline_window(query, at, width, limit, EXPLORE_LIMIT)
    return TimelineWindow(counts, [TimelineEvent(*row) for row in rows], _read(total))
