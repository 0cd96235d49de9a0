"""Aggregates over the matches of a query, in SQL: places named, who names whom, events.

Each backend puts the keys (statement rowids) of a query's matches (all, or the first
`matches` by date) in a relation `matched(k)`:
SQLite in a per-connection temporary table filled from its search index, PostgreSQL in a
WITH clause of the query's own conditions. One grouped query over it serves both.
"""

from __future__ import annotations

from typing import Any

from communique.query import Query
from communique.store.dialect import Db, Row, SqlTables

_MATCHED_IDS = "SELECT s.id FROM matched m JOIN statements s ON s.rowid = m.k"
"""The ids of the matches. Aggregates ask `statement_id IN (...)` of it so that the planner
looks each match up in the per-statement index, never scans a whole enrichment table."""


class ExploreTables(SqlTables):
    """`ExploreStore` on both backends: one grouped query over the enrichment tables each."""

    def _matched(self, query: Query, matches: int | None) -> tuple[Db, str, list[Any]]:
        """A connection, the WITH clause defining `matched` (or '', in the backend's own
        SQL) and its parameters: the first `matches` matches in the query's date order, or
        every match when None."""
        raise NotImplementedError

    def _grouped(
        self, query: Query, sql: str, params: list[Any], matches: int | None = None
    ) -> list[Row]:
        """The rows of `sql` (in shared SQL) over the (first `matches`) matches of `query`."""
        db, with_matched, before = self._matched(query, matches)
        return db.native(with_matched + self.dialect.sql(sql), [*before, *params])

    def place_counts(
        self, query: Query, limit: int = 2000, matches: int | None = None
    ) -> list[tuple[str, float, float, str | None, int]]:
        rows = self._grouped(
            query,
            "SELECT p.name, p.lat, p.lon, p.country,"
            " count(DISTINCT p.statement_id) AS n FROM statement_places p"
            f" WHERE p.statement_id IN ({_MATCHED_IDS}) AND p.feature != 'country'"
            " GROUP BY p.name, p.lat, p.lon, p.country ORDER BY n DESC, p.name LIMIT ?",
            [limit],
            matches,
        )
        return [(r["name"], r["lat"], r["lon"], r["country"], int(r["n"])) for r in rows]

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
        rows = self._grouped(
            query, "SELECT s.id FROM matched m JOIN statements s ON s.rowid = m.k", []
        )
        return [r["id"] for r in rows]

    def timeline_counts(
        self, query: Query, at: str, width: int, matches: int | None = None
    ) -> list[tuple[str, int]]:
        rows = self._grouped(
            query,
            "SELECT substr(t.date, 1, ?) AS bucket, count(*) AS n"
            f" FROM statement_timeline t WHERE t.statement_id IN ({_MATCHED_IDS})"
            " AND substr(t.date, 1, ?) = ? GROUP BY bucket ORDER BY bucket",
            [width, len(at), at],
            matches,
        )
        return [(r["bucket"], int(r["n"])) for r in rows]

    def timeline_events(
        self, query: Query, at: str, limit: int = 300, matches: int | None = None
    ) -> list[tuple[str, str | None, str, str, str, int]]:
        rows = self._grouped(
            query,
            "SELECT e.date, e.date_end, e.sentence, e.id, x.title, e.start FROM ("
            "SELECT t.date, t.date_end, t.sentence, t.statement_id AS id, t.start"
            f" FROM statement_timeline t WHERE t.statement_id IN ({_MATCHED_IDS})"
            " AND substr(t.date, 1, ?) = ? ORDER BY t.date, t.statement_id, t.start LIMIT ?"
            ") e JOIN statements s ON s.id = e.id JOIN statement_texts x ON x.rowid = s.rowid"
            " ORDER BY e.date, e.id, e.start",
            [len(at), at, limit],
            matches,
        )
        return [
            (r["date"], r["date_end"], r["sentence"], r["id"], r["title"], r["start"]) for r in rows
        ]
