"""Bounded work for searches that match very many statements, on PostgreSQL.

Counting, faceting and ranking every match costs time in proportion to the matches: a common
word matches half the archive, and each match is a heap row to read. So a search first counts
its matches in a sample of the archive: the statements whose rowid lies in one block of
`Limits.block` consecutive rowids out of every `Limits.every` (statements in ingest order,
so the sample is spread over the whole archive and each block's rows sit together on disk).
The sample is a fixed set of rows, so it has indexes of its own (partial indexes, migration
`pg-0016-sample-indexes`): the text index of the sampled rows is a 64th of the whole, and a
common word's sampled matches are read without reading its whole entry in the full index.
The policy, stated once:

- up to `Limits.exact` matches (as the sample estimates them), the total, the facets and the
  ranking are exact, unless that would test the words of more than `Limits.counted_texts`
  statements passing the search's filters (then see `Limits.counted_texts`);
- a common word is first counted in sparser samples (`Limits.sparse`: one block in every 1024,
  then one in every 256, each with its partial indexes, migration `pg-0020-sparse-samples`):
  when one holds `Limits.min_sample` matches, its counts are the estimate, and the work is that
  of a few hundred matches however large the archive;
- above it, the total and the facet counts are the sample's counts scaled to the whole
  archive, and the page says so (`SearchPage.estimated`); the sample holds at least
  `Limits.min_sample` matches (a second sample of the first few blocks of every
  `Limits.every`, sized from the first, when that holds too few, up to an eighth of the
  archive; every match counted when that would not do);
- ranking by relevance then goes window by window, newest additions first: the matches in
  the newest rowids holding about `Limits.rank_window` of them are ranked against each other, then
  the next window, and so on. Every match is still reached by paging, each exactly once; a
  window's bounds travel in the cursor so that later pages use the same windows.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from communique.records import record
from communique.store.search_sql import Compiled


@record
class Limits:
    """Where exact work stops (the module docstring gives the policy)."""

    exact: int = 2_000
    """Up to this many matches are counted, faceted and ranked exactly."""
    block: int = 64
    """Consecutive rowids a sample takes together."""
    every: int = 64
    """The first sample is one block in every `every` (a 64th of the archive)."""
    widest: int = 8
    """A second sample takes the first `k` blocks of every `every`, `k` sized from the first
    sample's count, up to `widest` (an 8th); when even that would come short, every match is
    counted. The sample indexes are made for these values; other values work without them."""
    min_sample: int = 300
    """Fewest sampled matches an estimate is made from (a facet share to about ±3%)."""
    least_sample: int = 40
    """A filtered search (a country, dates) whose first sample holds fewer than `min_sample`
    matches is estimated from it when it holds at least this many (the total to about ±16%)
    and the next step (a second sample, or counting every match) would test the words of
    more than `filtered_texts` statements passing the filter (at 1M, `negotiat* country:FR`:
    counting its 3,596 matches tested 52,792 texts, 0.8 s)."""
    rank_window: int = 500
    """Matches ranked against each other in one window of a large result: the first page
    is the best of the newest `rank_window` matches. A window tests every text in its
    rowids (at 1M, 1,000 matches of `"security council"` tested 6,948 texts, 35-55 ms of a
    search's 40-60), so its size is the price of every search with words; 500 ranks 25
    pages' worth and cut the server CPU of common words, phrases, OR and NOT by about 30%."""
    filtered_texts: int = 1_500
    """Statements passing a search's filters that one step of it may test: a filtered
    ranking window holds about this many, however few match (each one's words are read,
    about 10 µs a text, nearly all for fetching its word vector: a window of `rank_window`
    matches of a word rare among the filter's statements would read tens of thousands)."""
    counted_texts: int = 4_000
    """Statements passing a search's filters that counting or ranking every match may test
    (about 10 µs each). Above it, a search is estimated from its widest sample (`widest`)
    when that holds `least_sample` matches, instead of counting every match, and ranked
    window by window however few match: at 1M, `refugees country:FR` (2,185 matches among
    52,792 FR statements, 41,610 in the archive) was counted and ranked exactly in 0.4 s of
    server CPU. A word rarer still among the filter's statements is counted exactly."""
    sparse: tuple[int, ...] = (1024, 256)
    """Sparser samples tried first, sparsest first: one block in every `n` (multiples of
    `every`); a common word's estimate comes from the first holding `min_sample` matches."""
    known: int = 8_000
    """A search that counted every match (up to about `exact`, more when the sample's
    estimate fell short) keeps up to this many of their rowids, and ranks and facets them by
    rowid instead of testing the words of every statement its filters pass again."""
    expand: int = 16
    """A prefix of at most this many words in the archive is found as those words (exact
    index entries), a wider one as the prefix; 0 never expands. At 1M, 32 words made the
    planner test every text of a window instead of reading the index (3x slower), and a text
    tested against many words costs more than against the prefix (see docs/scaling.md)."""


@record
class Span:
    """The rowids the statements occupy."""

    low: int
    high: int

    @property
    def size(self) -> int:
        return self.high - self.low + 1


def in_sample(column: str, limits: Limits, blocks: int = 1, every: int | None = None) -> str:
    """The SQL condition that `column` (a rowid) is in the sample of the first `blocks` blocks
    of every `every` (`limits.every` unless given): constants, not parameters, so that the
    planner can prove that a partial index of the sample holds its rows.

    Example:
        >>> in_sample("t.rowid", Limits()), in_sample("t.rowid", Limits(), 3)
        ('mod(t.rowid / 64, 64) = 0', 'mod(t.rowid / 64, 64) < 3')
        >>> in_sample("t.rowid", Limits(), every=1024)
        'mod(t.rowid / 64, 1024) = 0'
    """
    cycle = f"mod({column} / {int(limits.block)}, {int(every or limits.every)})"
    return f"{cycle} = 0" if blocks <= 1 else f"{cycle} < {int(blocks)}"


def sample_size(span: Span, limits: Limits, blocks: int = 1, every: int | None = None) -> int:
    """How many rowids of `span` the sample of the first `blocks` blocks of every `every`
    (`limits.every` unless given) holds.

    Example:
        >>> sample_size(Span(1, 1_000), Limits(every=8)), sample_size(Span(1, 1_000_000), Limits())
        (127, 15679)
        >>> sample_size(Span(1, 1_000_000), Limits(), every=1024)
        1023
    """
    period, taken = limits.block * (every or limits.every), limits.block * blocks

    def upto(n: int) -> int:  # sampled rowids in 0..n-1
        whole, rest = divmod(n, period)
        return whole * taken + min(rest, taken)

    return upto(span.high + 1) - upto(span.low)


def second_sample(found: int, limits: Limits) -> int | None:
    """Blocks of every `limits.every` a second sample takes to hold `limits.min_sample`
    matches (a quarter more, for chance) when the first held `found`; None when that is more
    than `limits.widest` (count every match instead).

    Example:
        >>> second_sample(100, Limits()), second_sample(10, Limits())
        (4, None)
    """
    blocks = math.ceil(limits.min_sample * 1.25 / max(found, 1))
    return blocks if blocks <= limits.widest else None


def sampled(
    compiled: Compiled, limits: Limits, blocks: int = 1, every: int | None = None
) -> Compiled:
    """`compiled` with its matches limited to the sample of `blocks` blocks of every `every`
    (`limits.every` unless given), stated on each table read (the planner does not carry it
    across the join)."""
    columns = ("t.rowid", "s.rowid") if compiled.match else ("s.rowid",)
    conditions = " AND ".join(in_sample(column, limits, blocks, every) for column in columns)
    return replace(compiled, where=f"({compiled.where}) AND {conditions}", notes={})


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


def filter_sample(where: str, limits: Limits) -> str:
    """The SQL counting the statements of the sparsest sample (`limits.sparse[0]`, else the
    first) that pass the conditions `where` (on `statements s`)."""
    every = limits.sparse[0] if limits.sparse else None
    return f"SELECT count(*) AS n FROM statements s WHERE ({where}) AND " + in_sample(
        "s.rowid", limits, every=every
    )


def window_width(span: Span, estimate: float, matches: int) -> int:
    """Rowids of a ranking window holding about `matches` of `estimate` matches in `span`.

    Example:
        >>> window_width(Span(1, 1_000_000), 500_000, 1_000)
        2000
    """
    return max(1, math.ceil(span.size * matches / max(estimate, 1.0)))
