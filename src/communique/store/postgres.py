"""The server store: PostgreSQL through psycopg 3, for many users and many machines."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import psycopg
from psycopg.rows import dict_row

from communique.errors import QueryError, StoreError
from communique.model import (
    SearchPage,
    Statement,
)
from communique.query import Query
from communique.store.base import Batch, Batching, redacted
from communique.store.core_tables import CoreTables
from communique.store.crawl_tables import CrawlTables
from communique.store.dialect import POSTGRES, Db
from communique.store.explore_tables import ExploreTables
from communique.store.keys import KeyTables
from communique.store.link_tables import LinkTables
from communique.store.postgres_sample import Limits
from communique.store.postgres_schema import REBUILD_TEXT_WORDS, migrate, text_config
from communique.store.postgres_search import PgSearch, deadline, title_phrase_query
from communique.store.postgres_transfer import PgTransfer
from communique.store.rows import statement_from_row
from communique.store.saved import SavedSearchTables
from communique.store.search_index import Interval
from communique.store.statement_tables import StatementTables
from communique.store.vectors import VectorTables

Conn = psycopg.Connection[dict[str, Any]]
UPSERT_TEXT = (
    "INSERT INTO statement_texts (rowid, title, text, config)"
    " VALUES (:rowid, :title, :text, :config::regconfig)"
    " ON CONFLICT (rowid) DO UPDATE SET title = excluded.title, text = excluded.text,"
    " config = excluded.config WHERE statement_texts.title != excluded.title"
    " OR statement_texts.text != excluded.text OR statement_texts.config != excluded.config"
)
"""The statement's words with its language's text-search configuration (see `tsv`)."""

_RELINK_LOCK = "hashtext('communique relink ' || current_schema())"
"""The advisory lock a relink holds while it runs (`PostgresStore._relink_lock`)."""


class PostgresStore(
    StatementTables,
    CoreTables,
    CrawlTables,
    PgTransfer,
    SavedSearchTables,
    KeyTables,
    VectorTables,
    LinkTables,
    ExploreTables,
    Batching,
):
    """`Store` on a PostgreSQL database; each thread gets its own connection.

    Example (needs a server):
        >>> PostgresStore("postgresql://localhost/communique")  # doctest: +SKIP
    """

    dialect = POSTGRES

    def __init__(self, url: str, search_limits: Limits | None = None) -> None:
        """`search_limits`: where searches stop counting, faceting and ranking every match
        (`postgres_sample`; the defaults suit an archive of any size)."""
        self.url = url
        self._local = threading.local()
        self._open: list[Conn] = []
        self._lock = threading.Lock()
        try:
            migrate(self._conn())
        except psycopg.Error as exc:
            raise StoreError(f"cannot open database {redacted(url)}: {exc}") from exc
        self._relinking = False
        """Whether this store holds the relink lock (`_relink_lock`)."""
        self.restore_link_indexes()
        self._search = PgSearch(self._conn, search_limits)

    def location(self) -> str | None:
        """This archive's URL."""
        return self.url

    def _conn(self) -> Conn:
        conn: Conn | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            try:
                conn = psycopg.connect(self.url, autocommit=True, row_factory=dict_row)
            except psycopg.Error as exc:
                message = str(exc).replace(self.url, redacted(self.url)).strip()
                raise StoreError(f"cannot open database {redacted(self.url)}: {message}") from None
            self._local.conn = conn
            with self._lock:
                self._open.append(conn)
        return conn

    def _relink_lock(self, wait: bool) -> bool:
        """A session advisory lock of this thread's connection, one for each schema
        (PostgreSQL frees it when the connection ends)."""
        if self._relinking:
            return True
        if wait:
            self._conn().execute(f"SELECT pg_advisory_lock({_RELINK_LOCK})")
            self._relinking = True
            return True
        row = self._conn().execute(f"SELECT pg_try_advisory_lock({_RELINK_LOCK}) AS got").fetchone()
        self._relinking = bool(row and row["got"])
        return self._relinking

    def _relink_unlock(self) -> None:
        if self._relinking:
            self._conn().execute(f"SELECT pg_advisory_unlock({_RELINK_LOCK})")
            self._relinking = False

    @contextmanager
    def _write(self) -> Iterator[Conn]:
        conn = self._conn()
        with conn.transaction():  # a savepoint when inside a batch
            yield conn
        batch: Batch | None = getattr(self._local, "batch", None)
        if batch is not None and batch.due():
            conn.execute("COMMIT")
            conn.execute("BEGIN")

    @contextmanager
    def _batched(self) -> Iterator[None]:
        conn = self._conn()
        conn.execute("BEGIN")
        try:
            yield
        finally:
            conn.execute("COMMIT")  # each write in it is whole (a savepoint): keep them

    def close(self) -> None:
        with self._lock:
            for conn in self._open:
                conn.close()
            self._open.clear()
        self._local = threading.local()

    def archive_version(self) -> tuple[int, ...]:
        """The database's snapshot (the transactions it sees as done) in `snapshot_order`:
        it grows with every write anywhere in the database, and two reads under one snapshot
        agree."""
        return snapshot_order(
            self._db().native("SELECT pg_current_snapshot()::text AS v", [])[0]["v"]
        )

    def _budgeted(self) -> AbstractContextManager[Any]:
        return deadline(self._conn())

    def _matched(self, query: Query, matches: int | None) -> tuple[Db, str, list[Any]]:
        """The connection, and the WITH clause of the rowids of the (first `matches`)
        matches of `query`."""
        sql, params = self._search.matched(query, matches)
        return self._db(), f"WITH matched AS MATERIALIZED ({sql}) ", params

    def match_total(self, query: Query) -> int:
        return self._search.total(query)  # exact, or estimated as the search page does

    # statements

    _text_upsert = UPSERT_TEXT

    def _text_values(self, statement: Statement) -> dict[str, Any]:
        return {"config": text_config(statement.language)}

    def _titled(self, db: Db, phrase: str, statement_id: str) -> str | None:
        tsquery = title_phrase_query(db.conn, phrase)
        if tsquery is None:
            return None
        row = db.native(
            "SELECT s.id FROM statement_texts t JOIN statements s ON s.rowid = t.rowid"
            " WHERE t.tsv @@ %s::tsquery AND to_tsvector('communique_simple', t.title)"
            " @@ %s::tsquery AND s.id != %s ORDER BY s.published NULLS FIRST LIMIT 1",
            (tsquery, tsquery, statement_id),
        )
        return str(row[0]["id"]) if row else None

    # search

    def search(self, query: Query, cursor: str | None = None, limit: int = 20) -> SearchPage:
        return self._search.search(query, cursor, limit)

    def iter_matches(self, query: Query, batch: int = 500) -> Iterator[Statement]:
        cursor: str | None = None
        while True:
            rows, cursor = self._search.page_rows(query, cursor, batch)
            yield from (statement_from_row(r) for r in rows)
            if cursor is None:
                return

    def counts_over_time(self, query: Query, interval: Interval = "month") -> list[tuple[str, int]]:
        if interval not in ("month", "year"):
            raise QueryError(f"interval must be month or year, not {interval!r}")
        return self._search.counts_over_time(query, interval)

    def reindex(self, progress: Callable[[int, int, str], None] | None = None) -> int:
        """PostgreSQL keeps its text index in the statements' own transactions; the
        vocabulary of prefix searches is rebuilt, without the words no text holds any more."""
        with self._write() as conn:
            conn.execute(REBUILD_TEXT_WORDS.encode())
        return self.stats().statements


def snapshot_order(snapshot: str) -> tuple[int, int, int]:
    """A snapshot (`xmin:xmax:in-progress,...`) as a value that grows with time: a later
    snapshot has a greater or equal `xmax`, then `xmin`, and with both equal fewer
    transactions in progress (those still running were running before).

    Example:
        >>> snapshot_order("740:742:740,741") < snapshot_order("740:742:741")
        True
        >>> snapshot_order("741:745:") > snapshot_order("740:742:")
        True
    """
    first, following, running = snapshot.split(":")
    return int(following), int(first), -len([t for t in running.split(",") if t])
