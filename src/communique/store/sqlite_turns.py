"""Turns at SQLite's one write lock for the writers of one archive file.

SQLite keeps no queue of writers: one that finds the write lock taken sleeps in its busy
handler (up to 100 ms at a time) and tries again, while a batch that commits takes the lock
again at its next write, microseconds later. A second ingest into an archive another one
was loading so waited, write after write, until one wait passed the busy timeout and it
failed with "database is locked". Here a writer that has to wait says so (a shared flock on
a file beside the archive, held while it waits) and tries again every few milliseconds; a
batch that commits looks for such a writer and, when there is one, lets it take the lock
before writing again (`WriteTurns.hand_over`).
"""

from __future__ import annotations

import fcntl
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BUSY_TIMEOUT = 30.0
"""Seconds a writer waits for the write lock before it fails with "database is locked"."""
RETRY = 0.005
"""Longest pause, in seconds, between two tries of a writer waiting for the lock."""
HANDOVER = 1.0
"""Longest wait, in seconds, of a batch that committed for a waiting writer to take the lock
(longer: that writer waits behind a third one, and the batch goes on)."""


class WriteTurns:
    """Begins write transactions on one archive file so that no writer waits for ever.

    Example:
        >>> conn = sqlite3.connect(":memory:", isolation_level=None)
        >>> WriteTurns(None).begin(conn); conn.in_transaction
        True
    """

    def __init__(self, path: str | None) -> None:
        self.waiting = None if path is None else Path(f"{path}.writers")
        """The file writers waiting for the lock hold a shared flock on (none in memory)."""

    def begin(self, conn: sqlite3.Connection) -> None:
        """BEGIN IMMEDIATE on `conn`; when another writer holds the lock, wait for it as a
        writer that `hand_over` sees, up to `BUSY_TIMEOUT` seconds."""
        if _try_begin(conn):
            return
        if self.waiting is None:  # in memory: one connection, SQLite's busy handler
            conn.execute("BEGIN IMMEDIATE")
            return
        deadline = time.monotonic() + BUSY_TIMEOUT
        pause = 0.001
        with _flock(self.waiting, fcntl.LOCK_SH):
            while not _try_begin(conn):
                if time.monotonic() >= deadline:
                    raise sqlite3.OperationalError("database is locked")
                time.sleep(pause)
                pause = min(pause * 2, RETRY)

    def hand_over(self) -> None:
        """After a commit of a batch that writes on: when writers wait for the lock, wait
        until they have taken it (at most `HANDOVER` seconds)."""
        if self.waiting is None:
            return
        try:
            file = self.waiting.open("rb")
        except FileNotFoundError:  # made by the first writer that waited: nobody did yet
            return
        with file:
            deadline = None
            while True:
                try:
                    fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return  # nobody waits (closing the file frees the flock)
                except BlockingIOError:
                    pass
                now = time.monotonic()
                deadline = deadline or now + HANDOVER
                if now >= deadline:
                    return
                time.sleep(0.001)


def _try_begin(conn: sqlite3.Connection) -> bool:
    """BEGIN IMMEDIATE without waiting; False when another connection holds the lock."""
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        conn.execute("BEGIN IMMEDIATE")
        return True
    except sqlite3.OperationalError as exc:
        if getattr(exc, "sqlite_errorcode", 0) & 0xFF != sqlite3.SQLITE_BUSY:
            raise
        return False
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")


@contextmanager
def _flock(path: Path, kind: int) -> Iterator[None]:
    """A flock of `kind` on `path`, on a file opened for it alone (two threads' flocks on one
    open file would be one lock)."""
    with path.open("ab") as file:
        fcntl.flock(file, kind)
        yield
