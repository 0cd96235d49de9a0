"""The embedded default store: one SQLite file, WAL, FTS5."""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import IO, Any

from communique.errors import StoreError
from communique.geo import distance_km
from communique.model import Capture, SearchPage, Statement
from communique.query import Query
from communique.store.base import Batch, Batching
from communique.store.core_tables import CoreTables
from communique.store.crawl_tables import CrawlTables
from communique.store.dialect import SQLITE, Db
from communique.store.explore_tables import ExploreTables
from communique.store.kept import Kept
from communique.store.keys import KeyTables
from communique.store.link_tables import LinkTables
from communique.store.migrations import MIGRATIONS, migrate
from communique.store.saved import SavedSearchTables
from communique.store.search_index import Interval
from communique.store.sqlite_checkpoints import Checkpoints, batch_connection
from communique.store.sqlite_index import INDEX_TITLES, QUEUE_STATEMENTS, SqliteIndexedSearch
from communique.store.sqlite_search import budgeted
from communique.store.sqlite_transfer import SqliteTransfer
from communique.store.sqlite_turns import BUSY_TIMEOUT, WriteTurns
from communique.store.statement_tables import StatementTables
from communique.store.vectors import VectorTables

_MATCHED = "WITH matched(k) AS (SELECT value FROM json_each(?)) "
"""The matches' keys as a relation, from a JSON list (no temporary table to fill)."""


CACHE_KIB = 32_768
"""Pages each connection keeps, in KiB (32 MiB; a batch's more: `sqlite_checkpoints`)."""
KEPT_QUERIES = 32
"""The match keys of this many queries are kept per store (the most recently asked)."""
KEPT_MOST = 200_000
"""Longer key lists are not kept (a query matching most of a large archive)."""


class SqliteStore(
    StatementTables,
    CoreTables,
    CrawlTables,
    SqliteTransfer,
    SavedSearchTables,
    KeyTables,
    LinkTables,
    VectorTables,
    ExploreTables,
    Batching,
):
    """`Store` on one SQLite file; each thread gets its own connection (`_Connections`).

    Example:
        >>> SqliteStore(":memory:").count_captures()
        0
    """

    def __init__(self, path: str | Path, read_only: bool = False) -> None:
        self.path = str(path)
        self._local = threading.local()
        self._memory: sqlite3.Connection | None = None
        self._connections = _Connections(self._open)
        self._turns = WriteTurns(None if self.path == ":memory:" else self.path)
        """Who writes next when writers wait for SQLite's write lock."""
        self.kept_keys: Kept[list[int]] = Kept(KEPT_QUERIES, lambda keys: len(keys) <= KEPT_MOST)
        """The keys of recent queries' matches (`_matched`)."""
        self.read_only = False
        """True for an archive on read-only media or without write permission: it is
        opened for reading (searching, exporting) and every write is refused; or when the
        caller asks (a copy's source)."""
        if self.path != ":memory:":
            parent = Path(self.path).expanduser().resolve().parent
            if not parent.is_dir():
                raise StoreError(
                    f"cannot open database {self.path}: folder {parent} does not exist"
                )
            self.read_only = Path(self.path).exists() and (
                read_only or not _writable(Path(self.path))
            )
        try:
            if self.read_only:
                _check_migrated(self._conn(), self.path)
            else:
                migrate(self._conn())
        except sqlite3.DatabaseError as exc:
            raise _store_error(f"cannot open database {self.path}", exc) from exc
        self._relinking: IO[bytes] | None = None
        """The lock file a relink holds while it runs (`_relink_lock`)."""
        if not self.read_only:
            self.restore_link_indexes()
        self._search = SqliteIndexedSearch(
            self._conn, self._write, self.path, read_only=self.read_only
        )

    def location(self) -> str | None:
        """This archive's file (None: an archive in memory)."""
        return None if self.path == ":memory:" else self.path

    def _conn(self) -> sqlite3.Connection:
        if self.path == ":memory:":
            if self._memory is None:
                self._memory = _connect(self.path, check_same_thread=False)
            return self._memory
        return self._connections.get()

    def _relink_lock(self, wait: bool) -> bool:
        """A lock (flock) on a file beside the archive (none in memory: one process)."""
        if self.path == ":memory:" or self._relinking is not None:
            return True
        file = open(f"{self.path}.relink.lock", "ab")  # noqa: SIM115 (held until unlocked)
        try:
            fcntl.flock(file, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.close()
            return False
        self._relinking = file
        return True

    def _relink_unlock(self) -> None:
        if self._relinking is not None:
            self._relinking.close()  # which frees the flock
            self._relinking = None

    def _open(self) -> sqlite3.Connection:
        return _connect(self.path, check_same_thread=False, read_only=self.read_only)

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
            if not conn.in_transaction:  # begun at its first write, not while it waits
                self._begin(conn)
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
                self._commit(conn)
                self._turns.hand_over()  # it writes on at once: a waiting writer goes first
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
            self._turns.begin(conn)
        except sqlite3.OperationalError as exc:
            raise StoreError(f"{self.path}: cannot start a write: {exc}") from exc

    @contextmanager
    def _batched(self) -> Iterator[None]:
        """The batch's transaction begins at its first write (`_transaction`), so a batch
        holds SQLite's one write lock only between a write and the next commit. Its
        connection keeps more pages meanwhile, and a thread of its own checkpoints the WAL
        after each commit (`sqlite_checkpoints`)."""
        if self.path == ":memory:" or self.read_only:
            with self._held_batch():
                yield
            return
        with batch_connection(self._conn(), CACHE_KIB), Checkpoints(self._open) as checkpoints:
            self._local.checkpoints = checkpoints
            try:
                with self._held_batch():
                    yield
            finally:
                self._local.checkpoints = None

    @contextmanager
    def _held_batch(self) -> Iterator[None]:
        try:
            with self._search.held():  # indexed after the load, in one pass
                yield
        finally:
            self._commit_batch()

    def _commit(self, conn: sqlite3.Connection) -> None:
        """COMMIT, and the batch's checkpoints told."""
        conn.execute("COMMIT")
        checkpoints: Checkpoints | None = getattr(self._local, "checkpoints", None)
        if checkpoints is not None:
            checkpoints.committed()

    def _commit_batch(self) -> None:
        conn = self._conn()
        try:
            if conn.in_transaction:  # each write in it is whole (a savepoint): keep them
                self._commit(conn)
        except sqlite3.OperationalError as exc:
            raise _store_error(self.path, exc) from exc

    def _after_batch(self) -> None:
        self._search.try_sync()

    def close(self) -> None:
        self._relink_unlock()
        if self._memory is not None or self._connections.opened():
            self._search.close()
        if self._memory is not None:
            self._memory.close()
        self._connections.close()
        self._local = threading.local()
        self._memory = None
        self.kept_keys.clear()

    def archive_version(self) -> tuple[int, ...]:
        """The last number of the search queue, which a trigger takes on every write of a
        statement, its text or its enrichment (the queue's numbers are never reused)."""
        row = (
            self._conn()
            .execute("SELECT seq FROM sqlite_sequence WHERE name = 'search_queue'")
            .fetchone()
        )
        return (int(row[0]) if row else 0,)

    def vectors_version(self, model: str) -> str:
        """The last vector row: a vector added takes a new one (counting the vectors, as
        PostgreSQL does, reads all of them). Vectors are removed only with every statement
        (`clear_derived`), and embedding the same statements again gives the same vectors."""
        row = self._conn().execute("SELECT max(rowid) FROM statement_vectors").fetchone()
        return str(row[0] if row else None)

    def _budgeted(self) -> AbstractContextManager[Any]:
        self._search.sync_before_search()  # indexing what was just written is not the search
        return budgeted(self._conn())

    def _matched(self, query: Query, matches: int | None) -> tuple[Db, str, list[Any]]:
        """The connection and a WITH clause reading the keys of the (first `matches`)
        matches of `query` from one JSON parameter (`json_each`): asked of the search index
        once per query and archive version for every thread (`kept_keys`).
        Called inside `_budgeted`, which has already brought the index up to date."""
        keys = self._match_keys(query, matches)
        return Db(self._conn(), SQLITE), _MATCHED, [json.dumps(keys)]

    def _match_keys(self, query: Query, matches: int | None) -> list[int]:
        def ask() -> list[int]:
            restriction = self._search.restriction(query.filters)
            taken: list[int] = []
            for keys in self._search.index.keys(query, restriction, min(5000, matches or 5000)):
                taken += keys
                if matches is not None and len(taken) >= matches:
                    return taken[:matches]
            return taken

        return self.kept_keys.computed((query, matches), self.archive_version(), ask)

    def match_total(self, query: Query) -> int:
        with self._budgeted():
            return self._search.index.total(query, self._search.restriction(query.filters))

    def match_keys(self, query: Query) -> list[int]:
        with self._budgeted():
            return list(self._match_keys(query, None))

    # statements

    def put_statement(self, statement: Statement, capture: Capture) -> None:
        super().put_statement(statement, capture)
        self._search.touched()

    def _inserted(self, db: Db, values: list[dict[str, Any]]) -> None:
        # one statement a batch: a per-row trigger made FTS5 write a segment at every row
        db.executemany(INDEX_TITLES, [(v["rowid"], v["title"]) for v in values])
        db.executemany(QUEUE_STATEMENTS, [(v["rowid"],) for v in values])

    def _inserted_rowids(self, db: Db, statement_ids: list[str]) -> dict[str, int]:
        # rowid INTEGER PRIMARY KEY without AUTOINCREMENT: each insert takes max(rowid) + 1,
        # so the rows just inserted in this transaction hold the last len(statement_ids)
        if not statement_ids:
            return {}
        row = db.one("SELECT max(rowid) AS last FROM statements")
        assert row is not None
        first = int(row["last"]) - len(statement_ids) + 1
        return dict(zip(statement_ids, range(first, first + len(statement_ids)), strict=True))

    def _titled(self, db: Db, phrase: str, statement_id: str) -> str | None:
        row = db.one(
            "SELECT s.id FROM statements_fts f JOIN statements s ON s.rowid = f.rowid"
            " WHERE statements_fts MATCH ? AND s.id != ? ORDER BY s.published LIMIT 1",
            ('title : "' + phrase.replace('"', '""') + '"', statement_id),
        )
        return str(row["id"]) if row else None

    # search

    def search(self, query: Query, cursor: str | None = None, limit: int = 20) -> SearchPage:
        return self._search.search(query, cursor, limit)

    def iter_matches(self, query: Query, batch: int = 500) -> Iterator[Statement]:
        return self._search.iter_matches(query, batch)

    def counts_over_time(self, query: Query, interval: Interval = "month") -> list[tuple[str, int]]:
        return self._search.counts_over_time(query, interval)

    def reindex(self, progress: Callable[[int, int, str], None] | None = None) -> int:
        return self._search.reindex(progress)


class _Connections:
    """A file's connections. A thread keeps one while it lives (its write transactions and
    batch stay on it); when the thread ends, its connection waits, up to `keep` of them, for
    the next thread. A web server's worker threads come and go (one per request in tests,
    idle ones retire after seconds), and a new connection starts with a cold page cache:
    a reused one does not pay that again on every request."""

    def __init__(self, open_: Callable[[], sqlite3.Connection], keep: int = 8) -> None:
        self._open = open_
        self._keep = keep
        self._lock = threading.Lock()
        self._idle: list[sqlite3.Connection] = []
        self._current: set[sqlite3.Connection] = set()
        """Opened since the last `close` and not closed: kept idle or used by a live thread."""
        self._local = threading.local()

    def get(self) -> sqlite3.Connection:
        """The calling thread's connection: its own, an idle one, or a new one."""
        lease: _Lease | None = getattr(self._local, "lease", None)
        if lease is None:
            with self._lock:
                conn = self._idle.pop() if self._idle else None
            if conn is None:
                conn = self._open()
                with self._lock:
                    self._current.add(conn)
            lease = self._local.lease = _Lease(self, conn)
        return lease.conn

    def opened(self) -> bool:
        return bool(self._current)

    def give_back(self, conn: sqlite3.Connection) -> None:
        """The connection of a thread that ended: kept idle, or closed when `keep` are idle
        already, when the store was closed meanwhile or the thread left a transaction open."""
        with self._lock:
            if conn in self._current and not conn.in_transaction and len(self._idle) < self._keep:
                self._idle.append(conn)
                return
            self._current.discard(conn)
        conn.close()

    def close(self) -> None:
        """Close the idle connections and the calling thread's; another live thread's is
        closed when that thread ends (closing it under a running statement is not safe)."""
        with self._lock:
            idle, self._idle, self._current = self._idle, [], set()
        for conn in idle:
            conn.close()
        if getattr(self._local, "lease", None) is not None:
            del self._local.lease  # given back, and closed (`_current` no longer has it)


class _Lease:
    """A thread's connection, given back when the thread ends (its thread-local goes).
    It holds its `_Connections` weakly: a thread that outlives a store does not keep the
    store alive, and the connection then goes with the store, as any unreferenced one."""

    def __init__(self, connections: _Connections, conn: sqlite3.Connection) -> None:
        self.connections = weakref.ref(connections)
        self.conn = conn

    def __del__(self) -> None:
        connections = self.connections()
        if connections is not None:
            connections.give_back(self.conn)


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
        target,
        isolation_level=None,
        check_same_thread=check_same_thread,
        timeout=BUSY_TIMEOUT,
        uri=uri,
    )
    conn.row_factory = sqlite3.Row
    conn.create_function("geo_km", 4, distance_km, deterministic=True)
    if not read_only:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    conn.execute("PRAGMA mmap_size = 268435456")  # read the index through the OS page cache
    return conn
