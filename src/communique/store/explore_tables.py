"""Aggregates over the matches of a query: places named, who names whom, events.

Each backend puts the keys (statement rowids) of a query's matches (all, or the first
`matches` by date) in a relation `matched(k)`:
SQLite in a per-connection temporary table filled from its search index, PostgreSQL in a
WITH clause of the query's own conditions. The place and date counts add up each match's
row of `statement_explore` (written with its enrichment: one row a match instead of one a
place or event, halving the time of a map at 100k statements); who names whom is grouped
from the countries' primary key; the timeline's events are read in date order from their
index.
"""

from __future__ import annotations

from collections import Counter
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Literal

from communique.query import Query
from communique.store.dialect import Db, Row, SqlTables
from communique.store.enrich_rows import explore_place, explore_records

_MATCHED_IDS = "SELECT s.id FROM matched m CROSS JOIN statements s WHERE s.rowid = m.k"
"""The ids of the matches (the matches first: SQLite otherwise scans every statement id).
Aggregates ask `statement_id IN (...)` of it so that the planner looks each match up in
the per-statement index, never scans a whole enrichment table."""
_SUMMARIES = (
    "SELECT s.id, x.{0} AS summary FROM matched m CROSS JOIN statements s"
    " CROSS JOIN statement_explore x WHERE s.rowid = m.k AND x.statement_id = s.id"
)
Summary = Literal["places", "dates"]


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

    def _records(self, query: Query, column: Summary, matches: int | None) -> Counter[str]:
        """The records of every match's `column` of `statement_explore`, counted."""
        records: Counter[str] = Counter()
        for row in self._grouped(query, _SUMMARIES.format(column), [], matches):
            records.update(explore_records(row["summary"]))
        return records

    def place_counts(
        self, query: Query, limit: int = 2000, matches: int | None = None
    ) -> list[tuple[str, float, float, str | None, int]]:
        # one parse a distinct place, not one a mention
        counts: Counter[tuple[str, float, float, str | None]] = Counter()
        for record, n in self._records(query, "places", matches).items():
            counts[explore_place(record)] += n
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][0], *kv[0][1:3]))
        return [(name, lat, lon, country, n) for (name, lat, lon, country), n in ranked[:limit]]

    def mention_pairs_of(
        self, query: Query, matches: int | None = None
    ) -> list[tuple[str, str, int]]:
        rows = self._grouped(
            query,
            "SELECT s.country AS issuer, c.country AS named, count(*) AS n"
            " FROM matched m CROSS JOIN statements s CROSS JOIN statement_countries c"
            " WHERE s.rowid = m.k AND c.statement_id = s.id"
            " AND s.country IS NOT NULL AND s.country != c.country"
            " GROUP BY s.country, c.country ORDER BY n DESC, 1, 2",
            [],
            matches,
        )
        return [(r["issuer"], r["named"], int(r["n"])) for r in rows]

    def match_ids(self, query: Query) -> list[str]:
        return [r["id"] for r in self._grouped(query, _MATCHED_IDS, [])]

    def match_keys(self, query: Query) -> list[int]:
        return [int(r["k"]) for r in self._grouped(query, "SELECT m.k FROM matched m", [])]

    def statement_keys(self) -> list[tuple[int, str]]:
        rows = self._db().all("SELECT rowid AS k, id FROM statements", ())
        return [(int(r["k"]), str(r["id"])) for r in rows]

    def timeline_counts(
        self, query: Query, at: str, width: int, matches: int | None = None
    ) -> list[tuple[str, int]]:
        counts: Counter[str] = Counter()  # one slice a distinct date, not one an event
        for day, n in self._records(query, "dates", matches).items():
            if day.startswith(at):
                counts[day[:width]] += n
        return sorted(counts.items())

    def timeline_events(
        self, query: Query, at: str, limit: int = 300, matches: int | None = None
    ) -> list[tuple[str, str | None, str, str, str, int]]:
        rows = self._grouped(
            query,
            "SELECT t.date, t.date_end, t.sentence, t.statement_id AS id, x.title, t.start"
            " FROM (SELECT DISTINCT t.statement_id AS id, t.date AS day, t.start AS at"
            f" FROM statement_timeline t WHERE t.statement_id IN ({_MATCHED_IDS})"
            " AND substr(t.date, 1, ?) = ? ORDER BY t.date, t.statement_id, t.start LIMIT ?"
            ") e CROSS JOIN statement_timeline t CROSS JOIN statements s"
            " CROSS JOIN statement_texts x WHERE t.statement_id = e.id AND t.date = e.day"
            " AND t.start = e.at AND s.id = e.id AND x.rowid = s.rowid"
            " ORDER BY t.date, t.statement_id, t.start",
            [len(at), at, limit],
            matches,
        )
        return [
            (r["date"], r["date_end"], r["sentence"], r["id"], r["title"], r["start"])
            for r in rows[:limit]
        ]
