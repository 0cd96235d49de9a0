"""Whole tables in and out of the PostgreSQL store, for copies and backups between backends.

An import is a bulk load: the tables' secondary indexes are dropped and their autovacuum is
paused first (what undoes both is kept in `import_deferred`), the indexes are built once at
the end and the tables vacuumed (their visibility map set for index-only scans), each batch of
rows goes in by `COPY` in
a transaction of its own, and two writer connections take turns, so that the server parses the
texts into their search vectors on both cores while this process reads the next batch.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg.rows import dict_row

from communique.store.base import TABLES
from communique.store.link_tables import LINK_TABLES
from communique.store.postgres_schema import TEXT_FILTER_COLUMNS, text_config

if TYPE_CHECKING:
    from communique.store.postgres import Conn

DEFERRED = "import_deferred"
"""What an import put off, as statements `finish_import` runs in the order of their names:
`index <name>` builds a dropped index, `table <name>` resumes a table's autovacuum."""
_INTERNAL = ("migrations", DEFERRED, "text_words", *LINK_TABLES)
"""Not copied: migration records, an import's deferred work, the vocabulary (kept by a trigger
as the texts come in) and the links (rebuilt from the texts by `relink`)."""
_IDENTITIES = (("statements", "rowid"), ("crawl_runs", "id"), ("changes", "id"))
WRITERS = 2
"""Connections writing an import's batches at once (one per core of a small server)."""
INDEX_MEMORY = "512MB"
"""`maintenance_work_mem` of the index builds after an import (a GIN index builds in memory)."""


class PgTransfer:
    """Mixed into `PostgresStore`: the `TransferStore` protocol."""

    url: str
    _conn: Callable[[], Conn]
    _write: Callable[[], AbstractContextManager[Conn]]
    _import: _Import | None = None

    def table_counts(self) -> dict[str, int]:
        conn = self._conn()
        names = [
            r["table_name"]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            )
            if r["table_name"] not in _INTERNAL
        ]
        ordered = [t for t in TABLES if t in names] + sorted(set(names) - set(TABLES))
        counts = {}
        for table in ordered:
            row = conn.execute(f'SELECT count(*) AS n FROM "{table}"'.encode()).fetchone()
            counts[table] = int(row["n"]) if row else 0
        return counts

    def export_tables(
        self, tables: Sequence[str], batch: int = 1000
    ) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        with psycopg.connect(self.url, row_factory=dict_row) as conn:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            for table in tables:
                columns = ", ".join(f'"{c}"' for c in _columns(conn, table))
                order = " ORDER BY seq" if table == "frontier" else ""
                with conn.cursor(name=f"export_{table}") as cursor:
                    cursor.execute(f'SELECT {columns} FROM "{table}"{order}'.encode())
                    while rows := cursor.fetchmany(batch):
                        yield table, rows
            conn.rollback()

    def begin_import(self, tables: Sequence[str]) -> None:
        """Drop the secondary indexes of `tables` (not those of keys and constraints) and
        pause their autovacuum, noting what undoes both in `import_deferred` in the same
        transaction."""
        with self._write() as conn:
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {DEFERRED} (name TEXT PRIMARY KEY,"
                " statement TEXT NOT NULL)".encode()
            )
            deferred = [
                (f"table {table}", f'ALTER TABLE "{table}" RESET (autovacuum_enabled)')
                for table in tables
            ]
            for row in conn.execute(
                "SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition"
                " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                " JOIN pg_class t ON t.oid = i.indrelid"
                " WHERE t.relnamespace = current_schema()::regnamespace AND t.relname = ANY(%s)"
                " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)",
                (list(tables),),
            ).fetchall():
                deferred.append((f"index {row['name']}", row["definition"]))
                conn.execute(f'DROP INDEX "{row["name"]}"'.encode())
            for table in tables:
                conn.execute(f'ALTER TABLE "{table}" SET (autovacuum_enabled = false)'.encode())
            with conn.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {DEFERRED} (name, statement) VALUES (%s, %s)"
                    " ON CONFLICT (name) DO NOTHING".encode(),
                    deferred,
                )
        self._import = _Import(self._write)

    def import_rows(self, table: str, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        if self._import is None:  # not begun: rows go in at once, the indexes kept
            _copy(self._write, table, rows)
            return
        self._import.add(table, rows)

    def finish_import(self) -> None:
        if self._import is not None:
            self._import.close()
            self._import = None
        with self._write() as conn:
            for table, column in _IDENTITIES:
                conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                    f" coalesce(max({column}), 0) + 1, false) FROM {table}".encode()
                )
        finish_deferred(self._conn())


def finish_deferred(conn: Conn) -> list[str]:
    """Do what an import put off (one statement at a time, each committed with its removal
    from `import_deferred`), then vacuum and analyze the imported tables; returns what was
    done."""
    found = conn.execute("SELECT to_regclass(%s) IS NOT NULL AS found", (DEFERRED,)).fetchone()
    if not found or not found["found"]:
        return []
    done = []
    conn.execute(f"SET maintenance_work_mem = '{INDEX_MEMORY}'".encode())
    for row in conn.execute(f"SELECT name, statement FROM {DEFERRED} ORDER BY name".encode()):
        with conn.transaction():
            conn.execute(row["statement"].encode())
            conn.execute(f"DELETE FROM {DEFERRED} WHERE name = %s".encode(), (row["name"],))
        done.append(str(row["name"]))
    conn.execute(f"DROP TABLE {DEFERRED}".encode())
    tables = [f'"{name.removeprefix("table ")}"' for name in done if name.startswith("table ")]
    if tables:
        conn.execute(f"VACUUM (ANALYZE) {', '.join(tables)}".encode())
    conn.execute("RESET maintenance_work_mem")
    return done


class _Import:
    """The batches of an import, written by `WRITERS` threads (each with its own connection,
    each batch its own transaction). A table's batches all commit before the next table's
    first, so that rows referring to another table's rows find them."""

    def __init__(self, write: Callable[[], AbstractContextManager[Conn]]) -> None:
        self._write = write
        self._pool = ThreadPoolExecutor(WRITERS, thread_name_prefix="import")
        self._pending: list[Future[None]] = []
        self._table = ""
        self._slots = threading.BoundedSemaphore(WRITERS * 2)

    def add(self, table: str, rows: list[dict[str, Any]]) -> None:
        if table != self._table:
            self.wait()
            self._table = table
        self._slots.acquire()  # at most two batches queued per writer: memory stays bounded
        future = self._pool.submit(_copy, self._write, table, rows)
        future.add_done_callback(lambda _: self._slots.release())
        pending, self._pending = [*self._pending, future], []
        for queued in pending:
            if queued.done():
                queued.result()  # a failed batch fails the import now
            else:
                self._pending.append(queued)

    def wait(self) -> None:
        pending, self._pending = self._pending, []
        for future in pending:
            future.result()

    def close(self) -> None:
        try:
            self.wait()
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)


def _copy(
    write: Callable[[], AbstractContextManager[Conn]], table: str, rows: list[dict[str, Any]]
) -> None:
    """`rows` of `table` by one `COPY`, in one transaction."""
    with write() as conn:
        columns = [c for c in _columns(conn, table) if c in rows[0]]
        values = [[row[c] for c in columns] for row in rows]
        if table == "statement_texts":
            columns = _with_configs(conn, rows, columns, values)
        names = ", ".join(f'"{c}"' for c in columns)
        with conn.cursor().copy(f'COPY "{table}" ({names}) FROM STDIN'.encode()) as copy:
            for value in values:
                copy.write_row(value)


_DERIVED = ("tsv", "rank_tsv", *TEXT_FILTER_COLUMNS)
"""Columns a trigger computes (the search vectors, the texts' copies of their statements'
filters): neither read nor written."""


def _columns(conn: Conn, table: str) -> list[str]:
    """The columns of `table` one can write: not generated or derived, not an always-identity."""
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema ="
        " current_schema() AND table_name = %s AND is_generated = 'NEVER'"
        " AND coalesce(identity_generation, '') != 'ALWAYS' ORDER BY ordinal_position",
        (table,),
    )
    return [r["column_name"] for r in rows if r["column_name"] not in _DERIVED]


def _with_configs(
    conn: Conn, rows: list[dict[str, Any]], columns: list[str], values: list[list[Any]]
) -> list[str]:
    """Texts get the search configuration of their statement's language, whatever came in."""
    languages = {
        r["rowid"]: r["language"]
        for r in conn.execute(
            "SELECT rowid, language FROM statements WHERE rowid = ANY(%s)",
            ([row["rowid"] for row in rows],),
        )
    }
    if "config" in columns:
        index = columns.index("config")
        columns = columns[:index] + columns[index + 1 :]
        for value in values:
            del value[index]
    for row, value in zip(rows, values, strict=True):
        value.append(text_config(languages.get(row["rowid"])))
    return [*columns, "config"]
