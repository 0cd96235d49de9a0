"""The WAL's checkpoints while a batch writes, on a thread of their own.

SQLite copies the WAL's committed pages back into the archive file (a checkpoint) in the
thread that commits, once the WAL holds 1,000 pages: a batch committing every second waited
for that copy and its fsync at each commit, about a tenth of the time it took to link 1k
statements into a 1M archive. Here, while a batch writes, a thread of its own checkpoints
after each commit (as PostgreSQL's checkpointer spares its writers), and the batch's
connection keeps the pages of its second of writes in its cache (`BATCH_CACHE_KIB`) instead
of spilling them into the WAL before the commit.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, suppress

BATCH_CACHE_KIB = 262_144
"""Pages a batch's connection keeps, in KiB (256 MiB; 32 MiB otherwise): a second of links
into a 1M archive changes about 40 MiB of pages scattered through its bucket indexes."""
WAL_MOST_PAGES = 32_768
"""A batch's connection checkpoints by itself (as SQLite does at 1,000 pages) only once the
WAL holds this many pages (128 MiB): the checkpoint thread is behind, or a reader holds
pages it has not copied yet."""
AUTOCHECKPOINT_PAGES = 1_000
"""SQLite's own default, restored after the batch."""


@contextmanager
def batch_connection(conn: sqlite3.Connection, cache_kib: int) -> Iterator[None]:
    """`conn` set for a batch's writes while the block runs, then back to `cache_kib`."""
    conn.execute(f"PRAGMA cache_size = -{BATCH_CACHE_KIB}")
    conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_MOST_PAGES}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA wal_autocheckpoint = {AUTOCHECKPOINT_PAGES}")
        conn.execute(f"PRAGMA cache_size = -{cache_kib}")


class Checkpoints:
    """A thread that checkpoints the WAL (PASSIVE: it waits for no reader or writer) after
    each commit it is told of, and once more when it stops.
    """

    def __init__(self, open_: Callable[[], sqlite3.Connection]) -> None:
        self._open = open_
        self._due = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="wal-checkpoints", daemon=True)

    def __enter__(self) -> Checkpoints:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stopping = True
        self._due.set()
        self._thread.join()

    def committed(self) -> None:
        """A commit happened: checkpoint (at once, or after the checkpoint running now)."""
        self._due.set()

    def _run(self) -> None:
        """Checkpoint until told to stop; on an error (a full disk), stop: the batch's own
        checkpoints, past `WAL_MOST_PAGES`, take over."""
        try:
            conn = self._open()
        except sqlite3.Error:
            return
        with closing(conn), suppress(sqlite3.Error):
            while True:
                self._due.wait()
                self._due.clear()
                last = self._stopping  # read before the checkpoint: it covers the last commit
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                if last:
                    return
