"""The embedded default store: one SQLite file, WAL, FTS5."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
import threading
import zlib
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from communique.errors import NotFound, StoreError
from communique.geo import distance_km
from communique.model import (
    Capture,
    Enrichment,
    ExtractionFailure,
    SearchPage,
    Selectors,
    Source,
    Statement,
    Stats,
)
from communique.query import Query
from communique.store.base import Batch
from communique.store.crawl_tables import CrawlTables
from communique.store.dialect import SQLITE, Db
from communique.store.explore_tables import ExploreTables
from communique.store.link_tables import LinkTables, clear_links
from communique.store.migrations import MIGRATIONS, migrate
from communique.store.rows import (
    INSERT_STATEMENT,
    SELECT_STATEMENTS,
    UPDATE_STATEMENT,
    UPSERT_TEXT,
    capture_from_row,
    failure_from_row,
    insert_capture,
    statement_from_row,
    statement_values,
)
from communique.store.saved import SavedSearchTables
from communique.store.search_index import Interval
from communique.store.sqlite_enrich import (
    ENRICH_TABLES,
    read_enrichment,
    write_enrichment,
)
from communique.store.sqlite_index import SqliteIndexedSearch
from communique.store.sqlite_transfer import SqliteTransfer
from communique.store.vectors import VectorTables


class SqliteStore(
    CrawlTables,
    SqliteTransfer,
    SavedSearchTables,
    LinkTables,
    VectorTables,
    ExploreTables,
):
    """`Store` on one SQLite file; each thread gets its own connection.

    Example:
        >>> SqliteStore(":memory:").count_captures()
        0
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._local = threading.local()
        self._memory: sqlite3.Connection | None = None
        self.read_only = False
        """True for an archive on read-only media or without write permission: it is
        opened for reading (searching, exporting) and every write is refused."""
        if self.path != ":memory:":
            parent = Path(self.path).expanduser().resolve().parent
            if not parent.is_dir():
                raise StoreError(
                    f"cannot open database {self.path}: folder {parent} does not exist"
                )
            self.read_only = Path(self.path).exists() and not _writable(Path(self.path))
        try:
            if self.read_only:
                _check_migrated(self._conn(), self.path)
            else:
                migrate(self._conn())
        except sqlite3.DatabaseError as exc:
            raise _store_error(f"cannot open database {self.path}", exc) from exc
        self._index_copy: str | None = None
        """A read-only archive's search index, copied where tantivy can lock it."""
        if self.read_only and Path(self.path + ".index").is_dir():
            self._index_copy = tempfile.mkdtemp(prefix="communique-index-")
            shutil.copytree(self.path + ".index", Path(self._index_copy, "archive.db.index"))
        index_at = str(Path(self._index_copy, "archive.db")) if self._index_copy else self.path
        self._search = SqliteIndexedSearch(self._conn, index_at)

    def _conn(self) -> sqlite3.Connection:
        if self.path == ":memory:":
            if self._memory is None:
                self._memory = _connect(self.path, check_same_thread=False)
            return self._memory
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = _connect(self.path, read_only=self.read_only)
            self._local.conn = conn
        return conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (a savepoint inside a batch); SQLite's errors become one-line
        `StoreError`s (a full disk, a read-only archive) after the rollback."""
        if self.read_only:
            raise StoreError(f"{self.path}: the archive is read-only; it can be searched only")
        try:
            with self._transaction() as conn:
                yield conn
        except sqlite3.OperationalError as exc:
            raise _store_error(self.path, exc) from exc

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn()
        batch: Batch | None = getattr(self._local, "batch", None)
        if batch is not None:  # one savepoint inside the batch's transaction
            conn.execute("SAVEPOINT write")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:  # SQLite rolls back by itself on a full disk
                    conn.execute("ROLLBACK TO write")
                    conn.execute("RELEASE write")
                raise
            conn.execute("RELEASE write")
            if batch.due():
                conn.execute("COMMIT")
                self._begin(conn)
            return
        self._begin(conn)
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def _begin(self, conn: sqlite3.Connection) -> None:
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(f"{self.path}: cannot start a write: {exc}") from exc

    @contextmanager
    def batch(self) -> Iterator[None]:
        if getattr(self._local, "batch", None) is not None:
            yield
            return
        conn = self._conn()
        self._begin(conn)
        self._local.batch = Batch()
        try:
            with self._search.held():  # indexed after the load, in one pass
                yield
        finally:
            self._local.batch = None
            try:
                if conn.in_transaction:  # each write in it is whole (a savepoint): keep them
                    conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                raise _store_error(self.path, exc) from exc
        self._search.try_sync()

    def close(self) -> None:
        conn = getattr(self._local, "conn", None) or self._memory
        if conn is not None:
            self._search.close()
            conn.close()
        self._local = threading.local()
        self._memory = None
        if self._index_copy is not None:
            shutil.rmtree(self._index_copy, ignore_errors=True)

    def _matched(self, query: Query) -> tuple[Db, str, list[Any]]:
        """The connection, with the rowids of the matches of `query` in `temp.matched`."""
        self._search.try_sync()
        conn = self._conn()
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS matched (k INTEGER PRIMARY KEY)")
        conn.execute("DELETE FROM temp.matched")
        restriction = self._search.restriction(query)
        for keys in self._search.index.keys(query, restriction, 5000):
            conn.executemany("INSERT OR IGNORE INTO temp.matched VALUES (?)", [(k,) for k in keys])
        return Db(conn, SQLITE), "", []

    # captures

    def put_capture(self, capture: Capture, body: bytes) -> bool:
        with self._write() as conn:
            return insert_capture(Db(conn, SQLITE), capture, body)

    def has_capture(self, capture_id: str) -> bool:
        row = self._conn().execute("SELECT 1 FROM captures WHERE id = ?", (capture_id,))
        return row.fetchone() is not None

    def get_capture(self, capture_id: str) -> Capture:
        row = self._conn().execute("SELECT * FROM captures WHERE id = ?", (capture_id,)).fetchone()
        if row is None:
            raise NotFound(f"no capture {capture_id}")
        return capture_from_row(row)

    def capture_body(self, capture_id: str) -> bytes:
        row = (
            self._conn()
            .execute(
                "SELECT b.zbody FROM captures c JOIN blobs b ON b.sha256 = c.sha256 WHERE c.id = ?",
                (capture_id,),
            )
            .fetchone()
        )
        if row is None:
            raise NotFound(f"no capture {capture_id}")
        return zlib.decompress(row[0])

    def iter_captures(self) -> Iterator[Capture]:
        after = ("", "")
        while True:
            rows = (
                self._conn()
                .execute(
                    "SELECT * FROM captures WHERE (fetched_at, id) > (?, ?)"
                    " ORDER BY fetched_at, id LIMIT 500",
                    after,
                )
                .fetchall()
            )
            if not rows:
                return
            yield from (capture_from_row(r) for r in rows)
            after = (rows[-1]["fetched_at"], rows[-1]["id"])

    def count_captures(self) -> int:
        return int(self._conn().execute("SELECT count(*) FROM captures").fetchone()[0])

    # statements

    def put_statement(self, statement: Statement, capture: Capture) -> None:
        self._put_statement(statement, capture)
        self._search.touched()

    def _put_statement(self, statement: Statement, capture: Capture) -> None:
        fetched = capture.fetched_at.isoformat()
        with self._write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO versions (statement_id, capture_id, fetched_at, title,"
                " text, pipeline_version) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    statement.id,
                    capture.id,
                    fetched,
                    statement.title,
                    statement.text,
                    statement.pipeline_version,
                ),
            )
            row = conn.execute(
                "SELECT rowid, capture_ids, latest_fetched_at FROM statements WHERE id = ?",
                (statement.id,),
            ).fetchone()
            values = statement_values(statement, fetched)
            if row is None:
                values["rowid"] = conn.execute(INSERT_STATEMENT, values).lastrowid
                conn.execute(UPSERT_TEXT, values)
                return
            ids = list(dict.fromkeys([*json.loads(row["capture_ids"]), *statement.capture_ids]))
            if fetched >= row["latest_fetched_at"]:
                values["capture_ids"] = json.dumps(ids)
                values["rowid"] = row["rowid"]
                conn.execute(UPDATE_STATEMENT, values)
                conn.execute(UPSERT_TEXT, values)
            else:
                conn.execute(
                    "UPDATE statements SET capture_ids = ? WHERE id = ?",
                    (json.dumps(ids), statement.id),
                )

    def get_statement(self, statement_id: str) -> Statement:
        row = (
            self._conn().execute(f"{SELECT_STATEMENTS} WHERE s.id = ?", (statement_id,)).fetchone()
        )
        if row is None:
            raise NotFound(f"no statement {statement_id}")
        return statement_from_row(row)

    def captures_of(self, statement_id: str) -> list[Capture]:
        statement = self.get_statement(statement_id)
        return [self.get_capture(cid) for cid in statement.capture_ids]

    # enrichment

    def put_enrichment(
        self,
        statement_id: str,
        enrichment: Enrichment,
        issuer_country: str | None,
        fetched_at: datetime,
    ) -> None:
        stamp = fetched_at.isoformat()
        with self._write() as conn:
            row = conn.execute(
                "SELECT fetched_at FROM enrichments WHERE statement_id = ?", (statement_id,)
            ).fetchone()
            if row is not None and row["fetched_at"] > stamp:
                return
            write_enrichment(conn, statement_id, enrichment, issuer_country, stamp)

    def get_enrichment(self, statement_id: str) -> Enrichment:
        row = (
            self._conn()
            .execute("SELECT data FROM enrichments WHERE statement_id = ?", (statement_id,))
            .fetchone()
        )
        if row is None:
            raise NotFound(f"no enrichment for statement {statement_id}")
        return read_enrichment(row["data"])

    def mention_pairs(self) -> list[tuple[str | None, str, int]]:
        rows = self._conn().execute(
            "SELECT issuer_country, country, count(*) FROM statement_countries"
            " GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2"
        )
        return [(r[0], r[1], r[2]) for r in rows]

    # failures

    def record_failure(self, failure: ExtractionFailure) -> None:
        key = failure.capture_id or f"origin:{failure.origin}"
        with self._write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO failures (key, capture_id, url, origin, reason, at,"
                " pipeline_version) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    failure.capture_id or None,
                    failure.url,
                    failure.origin,
                    failure.reason,
                    failure.at.isoformat(),
                    failure.pipeline_version,
                ),
            )

    def clear_failure(self, capture_id: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM failures WHERE capture_id = ?", (capture_id,))

    def failures(self) -> list[ExtractionFailure]:
        rows = self._conn().execute("SELECT * FROM failures ORDER BY at, key").fetchall()
        return [failure_from_row(r) for r in rows]

    # sources

    def put_source(self, source: Source) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO sources (name, homepage, issuer, country, languages,"
                " selectors) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    source.name,
                    source.homepage,
                    source.issuer,
                    source.country,
                    json.dumps(source.languages),
                    json.dumps(vars(source.selectors)) if source.selectors else None,
                ),
            )

    def sources(self) -> list[Source]:
        rows = self._conn().execute("SELECT * FROM sources ORDER BY name").fetchall()
        return [
            Source(
                r["name"],
                r["homepage"],
                r["issuer"],
                r["country"],
                tuple(json.loads(r["languages"])),
                Selectors(**json.loads(r["selectors"])) if r["selectors"] else None,
            )
            for r in rows
        ]

    # search

    def search(self, query: Query, cursor: str | None = None, limit: int = 20) -> SearchPage:
        return self._search.search(query, cursor, limit)

    def iter_matches(self, query: Query, batch: int = 500) -> Iterator[Statement]:
        return self._search.iter_matches(query, batch)

    def counts_over_time(self, query: Query, interval: Interval = "month") -> list[tuple[str, int]]:
        return self._search.counts_over_time(query, interval)

    def reindex(self, progress: Callable[[int, int, str], None] | None = None) -> int:
        return self._search.reindex(progress)

    def stats(self) -> Stats:
        conn = self._conn()

        def count(sql: str) -> int:
            return int(conn.execute(sql).fetchone()[0])

        languages = conn.execute(
            "SELECT coalesce(language, '?'), count(*) FROM statements GROUP BY 1 ORDER BY 2 DESC"
        ).fetchall()
        return Stats(
            statements=count(
                "SELECT count(*) FROM statements s WHERE NOT EXISTS (SELECT 1 FROM link_copies c"
                " WHERE c.statement_id = s.id AND c.group_id <> s.id)"
            ),
            copies=count("SELECT count(*) FROM statements"),
            captures=count("SELECT count(*) FROM captures"),
            sources=count(
                "SELECT count(*) FROM (SELECT name FROM sources UNION"
                " SELECT source FROM statements WHERE source IS NOT NULL)"
            ),
            errors=count("SELECT count(*) FROM failures"),
            languages={r[0]: r[1] for r in languages},
        )

    # learned site chrome

    def observe_site_lines(
        self, host: str, capture_id: str, lines: Collection[str]
    ) -> dict[str, int]:
        keys = sorted(set(lines))
        with self._write() as conn:
            seen = conn.execute(
                "SELECT 1 FROM site_pages WHERE host = ? AND capture_id = ?", (host, capture_id)
            ).fetchone()
            if seen is None:
                conn.execute(
                    "INSERT INTO site_pages (host, capture_id) VALUES (?, ?)", (host, capture_id)
                )
                conn.executemany(
                    "INSERT INTO site_lines (host, line, pages) VALUES (?, ?, 1)"
                    " ON CONFLICT (host, line) DO UPDATE SET pages = pages + 1",
                    [(host, key) for key in keys],
                )
            counts: dict[str, int] = {}
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = conn.execute(
                    f"SELECT line, pages FROM site_lines WHERE host = ? AND line IN ({marks})",
                    (host, *chunk),
                )
                counts.update({row[0]: int(row[1]) - 1 for row in rows})
        return {key: counts.get(key, 0) for key in keys}

    def site_page_count(self, host: str) -> int:
        row = (
            self._conn()
            .execute("SELECT count(*) FROM site_pages WHERE host = ?", (host,))
            .fetchone()
        )
        return int(row[0])

    def is_processed(self, capture_id: str, version: str) -> bool:
        row = self._conn().execute(
            "SELECT 1 FROM processed WHERE capture_id = ? AND pipeline_version = ?",
            (capture_id, version),
        )
        return row.fetchone() is not None

    def mark_processed(self, capture_id: str, version: str) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO processed (capture_id, pipeline_version) VALUES (?, ?)",
                (capture_id, version),
            )

    def start_reprocess(self) -> bool:
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM reprocess_pending").fetchone() is not None:
                return True
            _clear_derived(conn)
            conn.execute(
                "INSERT INTO reprocess_pending (started_at) VALUES (?)",
                (datetime.now(UTC).isoformat(),),
            )
        return False

    def finish_reprocess(self) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM reprocess_pending")

    def clear_derived(self) -> None:
        with self._write() as conn:
            _clear_derived(conn)


def _clear_derived(conn: sqlite3.Connection) -> None:
    """Delete everything derived from captures, in the caller's transaction."""
    conn.execute("DELETE FROM processed")
    conn.execute("DELETE FROM versions")
    conn.execute("DELETE FROM failures WHERE capture_id IS NOT NULL")
    conn.execute("DELETE FROM statement_texts")
    conn.execute("DELETE FROM statements")
    clear_links(Db(conn, SQLITE))
    conn.execute("DELETE FROM statement_vectors")
    for table in ENRICH_TABLES:
        conn.execute(f"DELETE FROM {table}")


def _writable(path: Path) -> bool:
    """Whether the archive file and its folder (for the WAL files) can be written."""
    return os.access(path, os.W_OK) and os.access(path.resolve().parent, os.W_OK)


def _check_migrated(conn: sqlite3.Connection, path: str) -> None:
    """Refuse a read-only archive that needs migrations (they cannot be applied)."""
    done = {row[0] for row in conn.execute("SELECT name FROM migrations")}
    missing = [name for name, _ in MIGRATIONS if name not in done]
    if missing:
        raise StoreError(
            f"{path}: the archive is read-only and needs upgrading ({', '.join(missing)});"
            " open it once where it can be written"
        )


def _store_error(path: str, exc: sqlite3.DatabaseError) -> StoreError:
    """A one-line `StoreError` for what SQLite said (full disk, read-only file, damage)."""
    said = str(exc)
    if "disk is full" in said or getattr(exc, "sqlite_errorname", "") == "SQLITE_FULL":
        return StoreError(
            f"{path}: the disk is full; free some space and run the same command again"
            " (what was stored is kept, the rest is redone)"
        )
    if "readonly" in said or "read-only" in said:
        return StoreError(f"{path}: the archive cannot be written ({said})")
    return StoreError(f"{path}: {said}")


def _connect(
    path: str, check_same_thread: bool = True, read_only: bool = False
) -> sqlite3.Connection:
    target, uri = path, False
    if read_only:  # immutable when even the WAL's shared memory cannot be created beside it
        folder = Path(path).resolve().parent
        mode = "mode=ro" if os.access(folder, os.W_OK) else "immutable=1"
        target, uri = f"{Path(path).resolve().as_uri()}?{mode}", True
    conn = sqlite3.connect(
        target, isolation_level=None, check_same_thread=check_same_thread, timeout=30.0, uri=uri
    )
    conn.row_factory = sqlite3.Row
    conn.create_function("geo_km", 4, distance_km, deterministic=True)
    if not read_only:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA cache_size = -32768")  # 32 MiB of pages per connection
    conn.execute("PRAGMA mmap_size = 268435456")  # read the index through the OS page cache
    return conn
