"""Bounded work for searches that match very many statements, on PostgreSQL.

Counting, faceting and ranking every match costs time in proportion to the matches: a common
word matches half the archive, and each match is a heap row to read. So a search first counts
its matches in a sample of the archive: `STRATA` evenly spaced ranges of rowids (statements
in ingest order), found through the text index and the primary key together (a BitmapAnd), so
only the sampled rows are read. The policy, stated once:

- up to `Limits.exact` matches (as the sample estimates them), the total, the facets and the
  ranking are exact;
- above it, the total and the facet counts are the sample's counts scaled to the whole
  archive, and the page says so (`SearchPage.estimated`); the sample holds at least
  `Limits.min_sample` matches;
- ranking by relevance then goes window by window, newest additions first: the matches in
  the newest rowids holding about `Limits.rank_window` of them are ranked against each other, then
  the next window, and so on. Every match is still reached by paging, each exactly once; a
  window's bounds travel in the cursor so that later pages use the same windows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from communique.store.search_sql import Compiled

STRATA = 64
"""Rowid ranges a sample is spread over."""


@dataclass(frozen=True)
class Limits:
    """Where exact work stops (the module docstring gives the policy)."""

    exact: int = 2_000
    """Up to this many matches are counted, faceted and ranked exactly."""
    first_fraction: float = 1 / 64
    """The first sample's share of the archive's rowids; when it holds too few matches for
    an estimate, the second is made as large as the first's count says it must be."""
    min_sample: int = 300
    """Fewest sampled matches an estimate is made from (a facet share to about ±3%)."""
    rank_window: int = 1_000
    """Matches ranked against each other in one window of a large result."""


@dataclass(frozen=True)
class Span:
    """The rowids the statements occupy."""

    low: int
    high: int

    @property
    def size(self) -> int:
        return self.high - self.low + 1


def strata(span: Span, fraction: float) -> list[tuple[int, int]]:
    """`STRATA` rowid ranges, evenly spaced over `span`, covering about `fraction` of it.

    Example:
        >>> strata(Span(1, 10_000), 1 / 8)[:2]
        [(1, 19), (157, 175)]
    """
    step = span.size / STRATA
    width = max(1, math.floor(span.size * fraction / STRATA))
    ranges = []
    for index in range(STRATA):
        start = span.low + math.floor(index * step)
        ranges.append((start, min(span.high, start + width - 1)))
    return ranges


def next_fraction(fraction: float, found: int, wanted: int) -> float:
    """A sample fraction expected to hold `wanted` matches (a quarter more, for chance), when
    `fraction` held `found`; 1 for the whole archive.

    Example:
        >>> next_fraction(1 / 64, 100, 300)
        0.05859375
    """
    return min(1.0, fraction * wanted * 1.25 / max(found, 1))


def covered(ranges: list[tuple[int, int]]) -> int:
    """How many rowids `ranges` hold."""
    return sum(high - low + 1 for low, high in ranges)


def restricted(compiled: Compiled, ranges: list[tuple[int, int]]) -> Compiled:
    """`compiled` with its matches limited to rowids in `ranges`, stated on each table read
    (the planner carries an equality across a join, not a range), so that each table's
    index reads only the sampled rows."""
    columns = ("t.rowid", "s.rowid") if compiled.match else ("s.rowid",)
    conditions = []
    bounds: list[Any] = []
    for column in columns:
        conditions.append(" OR ".join([f"{column} BETWEEN %s AND %s"] * len(ranges)))
        bounds += [bound for pair in ranges for bound in pair]
    return replace(
        compiled,
        where=f"({compiled.where}) AND " + " AND ".join(f"({c})" for c in conditions),
        params=[*compiled.params, *bounds],
        notes={},
    )


def window_width(span: Span, estimate: float, matches: int) -> int:
    """Rowids of a ranking window holding about `matches` of `estimate` matches in `span`.

    Example:
        >>> window_width(Span(1, 1_000_000), 500_000, 1_000)
        2000
    """
    return max(1, math.ceil(span.size * matches / max(estimate, 1.0)))
