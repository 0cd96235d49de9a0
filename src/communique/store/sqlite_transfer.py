"""Whole tables in and out of the SQLite store, for copies and backups between backends."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, closing
from typing import Any

from communique.store.base import TABLES
from communique.store.link_tables import LINK_TABLES
from communique.store.sqlite_index import INDEX_TITLES, QUEUE_STATEMENTS, SqliteIndexedSearch

_INTERNAL = ("migrations", *LINK_TABLES, "search_queue", "search_meta")
"""Not copied: migration records, the links (rebuilt from the texts by `relink`) and the
search index's queue and stamp (the index is rebuilt from the statements)."""


class SqliteTransfer:
    """Mixed into `SqliteStore`: the `TransferStore` protocol."""

    path: str
    read_only: bool
    _conn: Callable[[], sqlite3.Connection]
    _write: Callable[[], AbstractContextManager[sqlite3.Connection]]
    _search: SqliteIndexedSearch

    def table_counts(self) -> dict[str, int]:
        conn = self._conn()
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE"
                " 'CREATE VIRTUAL%' AND name NOT LIKE 'sqlite%' AND name NOT LIKE '%fts%'"
            )
            if r[0] not in _INTERNAL
        ]
        ordered = [t for t in TABLES if t in names] + sorted(set(names) - set(TABLES))
        return {t: int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in ordered}

    def export_tables(
        self, tables: Sequence[str], batch: int = 1000
    ) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        if self.path == ":memory:":
            yield from _export(self._conn(), tables, batch)
            return
        from communique.store.sqlite import _connect

        with closing(_connect(self.path, read_only=self.read_only)) as conn:
            conn.execute("BEGIN")  # one read transaction: one snapshot of every table
            try:
                yield from _export(conn, tables, batch)
            finally:
                conn.execute("COMMIT")

    def begin_import(self, tables: Sequence[str]) -> None:
        """Nothing to ready: the search index is built from the queue at the end."""

    def import_rows(self, table: str, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        known = [r[1] for r in self._conn().execute(f'PRAGMA table_info("{table}")')]
        columns = [c for c in known if c in rows[0]]
        sql = (
            f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({", ".join("?" * len(columns))})'
        )
        with self._write() as conn:
            conn.executemany(sql, [[row[c] for c in columns] for row in rows])
            if table == "statements":  # as `SqliteStore._inserted` does for a fresh statement
                conn.executemany(QUEUE_STATEMENTS, [(row["rowid"],) for row in rows])
            elif table == "statement_texts":
                conn.executemany(INDEX_TITLES, [(row["rowid"], row["title"]) for row in rows])

    def finish_import(self) -> None:
        """Index the statements just imported (they were queued as they came in)."""
        self._search.sync()


def _export(
    conn: sqlite3.Connection, tables: Sequence[str], batch: int
) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    for table in tables:
        order = " ORDER BY rowid" if table == "frontier" else ""
        cursor = conn.execute(f'SELECT * FROM "{table}"{order}')
        names = [d[0] for d in cursor.description]
        while rows := cursor.fetchmany(batch):
            yield table, [dict(zip(names, row, strict=True)) for row in rows]
