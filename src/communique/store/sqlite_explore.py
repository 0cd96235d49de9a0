"""Aggregates over the matches of a query, in SQL: places named, who names whom.

The matches come from the search index as statement rowids (no statement is loaded); they
go into a per-connection temporary table that one grouped query joins.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

from communique.query import Query


class SqliteExplore:
    """`ExploreStore` on SQLite: one grouped query over the enrichment tables each."""

    _conn: Callable[[], sqlite3.Connection]
    _search: Any

    def _matched(self, query: Query) -> sqlite3.Connection:
        """The connection, with the rowids of the matches of `query` in `temp.matched`."""
        search = self._search
        search.try_sync()
        conn = self._conn()
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS matched (k INTEGER PRIMARY KEY)")
        conn.execute("DELETE FROM temp.matched")
        for keys in search.index.keys(query, search.restriction(query), 5000):
            conn.executemany("INSERT OR IGNORE INTO temp.matched VALUES (?)", [(k,) for k in keys])
        return conn

    def place_counts(
        self, query: Query, limit: int = 2000
    ) -> list[tuple[str, float, float, str | None, int]]:
        rows = self._matched(query).execute(
            "SELECT p.name, p.lat, p.lon, p.country, count(DISTINCT p.statement_id) AS n"
            " FROM temp.matched m JOIN statements s ON s.rowid = m.k"
            " JOIN statement_places p ON p.statement_id = s.id WHERE p.feature != 'country'"
            " GROUP BY p.name, p.lat, p.lon, p.country ORDER BY n DESC, p.name LIMIT ?",
            [limit],
        )
        return [(r[0], r[1], r[2], r[3], r[4]) for r in rows.fetchall()]

    def mention_pairs_of(self, query: Query) -> list[tuple[str, str, int]]:
        rows = self._matched(query).execute(
            "SELECT s.country, c.country, count(*) AS n"
            " FROM temp.matched m JOIN statements s ON s.rowid = m.k"
            " JOIN statement_countries c ON c.statement_id = s.id"
            " WHERE s.country IS NOT NULL AND s.country != c.country"
            " GROUP BY s.country, c.country ORDER BY n DESC, 1, 2"
        )
        return [(r[0], r[1], r[2]) for r in rows.fetchall()]

    def events_of(
        self, query: Query, limit: int = 20000
    ) -> list[tuple[str, str | None, str, str, str, int]]:
        rows = self._matched(query).execute(
            "SELECT s.id, t.title, json_extract(e.data, '$.events')"
            " FROM temp.matched m JOIN statements s ON s.rowid = m.k"
            " JOIN statement_texts t ON t.rowid = s.rowid"
            " JOIN enrichments e ON e.statement_id = s.id"
            " WHERE s.id IN (SELECT statement_id FROM statement_events)"
            " ORDER BY s.published DESC LIMIT ?",
            [limit],
        )
        return [
            (e["date"], e["date_end"], e["sentence"], r[0], r[1], e["start"])
            for r in rows.fetchall()
            for e in json.loads(r[2] or "[]")
        ]
