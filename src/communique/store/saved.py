"""Saved searches and the matches their alerts reported, for both backends.

The SQL is the same on SQLite and PostgreSQL but for the placeholder, so one mixin serves
both; the tables come from each backend's migrations (`SAVED_SEARCH_SCHEMA`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from communique.errors import NotFound
from communique.model import SavedSearch

SAVED_SEARCH_SCHEMA = """
CREATE TABLE saved_searches (
    name TEXT PRIMARY KEY,
    query TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_run_at TEXT
);
CREATE TABLE saved_search_reported (
    name TEXT NOT NULL,
    statement_id TEXT NOT NULL,
    reported_at TEXT NOT NULL,
    PRIMARY KEY (name, statement_id)
);
"""


class SavedSearchTables:
    """`SavedSearchStore` over the connection and write transaction of a backend."""

    _placeholder = "?"
    _conn: Callable[[], Any]
    _write: Callable[[], AbstractContextManager[Any]]

    def _sql(self, sql: str) -> str:
        return sql.replace("?", self._placeholder)

    def save_search(self, saved: SavedSearch) -> None:
        with self._write() as conn:
            conn.execute(
                self._sql(
                    "INSERT INTO saved_searches (name, query, created_at, last_run_at)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET query = excluded.query"
                ),
                (saved.name, saved.query, saved.created_at.isoformat(), _iso(saved.last_run_at)),
            )

    def saved_searches(self) -> list[SavedSearch]:
        rows = self._conn().execute(
            "SELECT name, query, created_at, last_run_at FROM saved_searches ORDER BY name"
        )
        return [_saved(row) for row in _rows(rows)]

    def delete_search(self, name: str) -> None:
        with self._write() as conn:
            gone = conn.execute(self._sql("DELETE FROM saved_searches WHERE name = ?"), (name,))
            if not gone.rowcount:
                raise NotFound(f"no saved search named {name!r}")
            conn.execute(self._sql("DELETE FROM saved_search_reported WHERE name = ?"), (name,))

    def unreported(self, name: str, statement_ids: Sequence[str]) -> list[str]:
        rows = self._conn().execute(
            self._sql("SELECT statement_id FROM saved_search_reported WHERE name = ?"), (name,)
        )
        seen = {row[0] for row in _rows(rows)}
        return [s for s in statement_ids if s not in seen]

    def mark_reported(self, name: str, statement_ids: Sequence[str], at: datetime) -> None:
        with self._write() as conn:
            for statement_id in statement_ids:
                conn.execute(
                    self._sql(
                        "INSERT INTO saved_search_reported (name, statement_id, reported_at)"
                        " VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
                    ),
                    (name, statement_id, at.isoformat()),
                )
            conn.execute(
                self._sql("UPDATE saved_searches SET last_run_at = ? WHERE name = ?"),
                (at.isoformat(), name),
            )


def _rows(cursor: Any) -> Iterator[tuple[Any, ...]]:
    for row in cursor.fetchall():
        yield tuple(row.values()) if isinstance(row, dict) else tuple(row)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _saved(row: tuple[Any, ...]) -> SavedSearch:
    name, query, created_at, last_run_at = row
    return SavedSearch(
        name=name,
        query=query,
        created_at=datetime.fromisoformat(created_at),
        last_run_at=datetime.fromisoformat(last_run_at) if last_run_at else None,
    )
