"""Saved searches and the matches their alerts reported: the `SavedSearchStore` mixin and
its tables (`SAVED_SEARCH_SCHEMA`, created by each backend's migrations)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from communique.errors import NotFound
from communique.model import SavedSearch
from communique.store.dialect import Row, SqlTables
from communique.store.rows import iso

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


class SavedSearchTables(SqlTables):
    """`SavedSearchStore` over a backend's `Db`."""

    def save_search(self, saved: SavedSearch) -> None:
        with self._writing() as db:
            db.execute(
                "INSERT INTO saved_searches (name, query, created_at, last_run_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET query = excluded.query",
                (saved.name, saved.query, saved.created_at.isoformat(), iso(saved.last_run_at)),
            )

    def saved_searches(self) -> list[SavedSearch]:
        rows = self._db().all(
            "SELECT name, query, created_at, last_run_at FROM saved_searches ORDER BY name"
        )
        return [_saved(row) for row in rows]

    def delete_search(self, name: str) -> None:
        with self._writing() as db:
            gone = db.execute("DELETE FROM saved_searches WHERE name = ?", (name,))
            if not gone.rowcount:
                raise NotFound(f"no saved search named {name!r}")
            db.execute("DELETE FROM saved_search_reported WHERE name = ?", (name,))

    def unreported(self, name: str, statement_ids: Sequence[str]) -> list[str]:
        rows = self._db().all(
            "SELECT statement_id FROM saved_search_reported WHERE name = ?", (name,)
        )
        seen = {row["statement_id"] for row in rows}
        return [s for s in statement_ids if s not in seen]

    def mark_reported(self, name: str, statement_ids: Sequence[str], at: datetime) -> None:
        with self._writing() as db:
            db.executemany(
                "INSERT INTO saved_search_reported (name, statement_id, reported_at)"
                " VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                [(name, statement_id, at.isoformat()) for statement_id in statement_ids],
            )
            db.execute(
                "UPDATE saved_searches SET last_run_at = ? WHERE name = ?", (at.isoformat(), name)
            )


def _saved(row: Row) -> SavedSearch:
    return SavedSearch(
        name=row["name"],
        query=row["query"],
        created_at=datetime.fromisoformat(row["created_at"]),
        last_run_at=datetime.fromisoformat(row["last_run_at"]) if row["last_run_at"] else None,
    )
