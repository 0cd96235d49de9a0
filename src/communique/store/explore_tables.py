"""Aggregates over the matches of a query: places named, who names whom, events.

Each backend puts the keys (statement rowids) of a query's matches (all, or the first
`matches` by date) in a relation `matched(k)`: SQLite from a JSON list of the keys its
search index answered (kept per query and archive version), PostgreSQL in a WITH clause of
the query's own conditions. The map, network and timeline add up each match's row of
`statement_explore` (written with its enrichment under the statement's integer key: one
primary-key lookup a match instead of one a place, country or event); the timeline's first
events are then read for the few statements that hold them.
"""

from __future__ import annotations

from collections import Counter
from contextlib import AbstractContextManager, nullcontext
from itertools import chain
from typing import Any, Literal

from communique.query import Query
from communique.store.dialect import Db, Row, SqlTables
from communique.store.enrich_rows import explore_place, explore_records

_MATCHED_IDS = "SELECT s.id FROM matched m CROSS JOIN statements s WHERE s.rowid = m.k"
"""The ids of the matches (the matches first: SQLite otherwise scans every statement id)."""
_SUMMARIES = (
    "SELECT m.k, x.{0} AS summary FROM matched m CROSS JOIN statement_explore x"
    " WHERE x.statement_key = m.k"
)
Summary = Literal["places", "dates"]
TimelineRow = tuple[str, "str | None", str, str, str, int]
"""(date, end date, sentence, statement id, title, start) of one dated event."""


class ExploreTables(SqlTables):
    """`ExploreStore` on both backends: the matches' summaries added up, and their events."""

    def _matched(self, query: Query, matches: int | None) -> tuple[Db, str, list[Any]]:
        """A connection, the WITH clause defining `matched` (or '', in the backend's own
        SQL) and its parameters: the first `matches` matches in the query's date order, or
        every match when None."""
        raise NotImplementedError

    def _grouped(
        self, query: Query, sql: str, params: list[Any], matches: int | None = None
    ) -> list[Row]:
        """The rows of `sql` (in shared SQL) over the (first `matches`) matches of `query`,
        stopped at the search's time budget."""
        with self._budgeted():
            db, with_matched, before = self._matched(query, matches)
            return db.native(with_matched + self.dialect.sql(sql), [*before, *params])

    def _budgeted(self) -> AbstractContextManager[Any]:
        """Held while an aggregate runs: the backend stops its statements once the running
        search's budget is spent (`communique.budget`)."""
        return nullcontext()

    def _summaries(self, query: Query, column: Summary, matches: int | None) -> list[Row]:
        """(k, summary) of each match: its key and its `column` of `statement_explore`."""
        return self._grouped(query, _SUMMARIES.format(column), [], matches)

    def place_counts(
        self, query: Query, limit: int = 2000, matches: int | None = None
    ) -> list[tuple[str, float, float, str | None, int]]:
        records: Counter[str] = Counter()
        for row in self._summaries(query, "places", matches):
            records.update(explore_records(row["summary"]))
        counts: Counter[tuple[str, float, float, str | None]] = Counter()
        for record, n in records.items():  # one parse a distinct place, not one a mention
            counts[explore_place(record)] += n
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][0], *kv[0][1:3]))
        return [(name, lat, lon, country, n) for (name, lat, lon, country), n in ranked[:limit]]

    def mention_pairs_of(
        self, query: Query, matches: int | None = None
    ) -> list[tuple[str, str, int]]:
        rows = self._grouped(
            query,
            "SELECT x.issuer, x.countries AS named FROM matched m"
            " CROSS JOIN statement_explore x WHERE x.statement_key = m.k AND x.issuer IS NOT NULL",
            [],
            matches,
        )
        pairs: Counter[tuple[str, str]] = Counter()
        for row in rows:
            issuer, named = row["issuer"], explore_records(row["named"])
            pairs.update((issuer, country) for country in named if country != issuer)
        ranked = sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))
        return [(issuer, named, n) for (issuer, named), n in ranked]

    def match_ids(self, query: Query) -> list[str]:
        return [r["id"] for r in self._grouped(query, _MATCHED_IDS, [])]

    def match_keys(self, query: Query) -> list[int]:
        return [int(r["k"]) for r in self._grouped(query, "SELECT m.k FROM matched m", [])]

    def statement_keys(self) -> list[tuple[int, str]]:
        rows = self._db().all("SELECT rowid AS k, id FROM statements", ())
        return [(int(r["k"]), str(r["id"])) for r in rows]

    def timeline_window(
        self, query: Query, at: str, width: int, limit: int = 300, matches: int | None = None
    ) -> tuple[list[tuple[str, int]], list[TimelineRow]]:
        held: list[tuple[int, list[str]]] = []  # (key, dates inside the window) of matches
        for row in self._summaries(query, "dates", matches):
            records = explore_records(row["summary"])
            inside = [day for day in records if day.startswith(at)] if at else records
            if inside:
                held.append((row["k"], inside))
        days = Counter(chain.from_iterable(inside for _, inside in held))
        counts: Counter[str] = Counter()
        for day, n in days.items():  # one slice a distinct date, not one an event
            counts[day[:width]] += n
        last = _last_of_first(days, limit)
        keys = [key for key, inside in held if inside[0] <= last]  # each `inside` is sorted
        return sorted(counts.items()), self._events(keys, at, last, limit)

    def _events(self, keys: list[int], at: str, last: str, limit: int) -> list[TimelineRow]:
        """The first `limit` events by date (then statement id, start) of the statements with
        `keys`, dated `at`… up to `last`: chosen from the timeline's index alone, then only
        the chosen are read whole (many statements may share the `limit`-th date)."""
        if not keys or limit < 1:
            return []
        with self._budgeted():
            db = self._db()
            chosen = sorted(
                (r["date"], r["id"], int(r["start"]))
                for r in db.all_in(
                    "SELECT t.date, t.statement_id AS id, t.start"
                    " FROM statements s CROSS JOIN statement_timeline t"
                    " WHERE t.date >= ? AND t.date <= ? AND s.rowid IN ({marks})"
                    " AND t.statement_id = s.id",
                    keys,
                    [at, last],
                )
                if r["date"].startswith(at) and r["date"] <= last
            )[:limit]
            ids = sorted({statement_id for _, statement_id, _ in chosen})
            rows = db.all_in(
                "SELECT t.date, t.date_end, t.sentence, s.id, x.title, t.start"
                " FROM statements s CROSS JOIN statement_timeline t"
                " CROSS JOIN statement_texts x WHERE t.date >= ? AND t.date <= ?"
                " AND s.id IN ({marks}) AND t.statement_id = s.id AND x.rowid = s.rowid",
                ids,
                [at, chosen[-1][0] if chosen else last],
            )
            events = [
                (r["date"], r["date_end"], r["sentence"], r["id"], r["title"], int(r["start"]))
                for r in rows
                if r["date"].startswith(at)
            ]
        return sorted(events, key=lambda e: (e[0], e[3], e[5]))[:limit]


def _last_of_first(days: Counter[str], limit: int) -> str:
    """The date of the `limit`-th event in date order (the last date when there are fewer)."""
    seen = 0
    for day in sorted(days):
        seen += days[day]
        if seen >= limit:
            return day
    return max(days, default="")
