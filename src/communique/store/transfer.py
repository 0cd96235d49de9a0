"""Copy an archive between stores (SQLite <-> PostgreSQL), back it up and restore it.

A backup is a SQLite file: a complete archive that `--db FILE` opens directly, whichever
backend it came from.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

from communique.errors import StoreError
from communique.store.base import Store, open_store

Progress = Callable[[str, int, int], None]
"""Told (table, rows copied so far in it, rows it holds in the source) after each batch."""
BATCH = 5000
"""Rows read, sent and committed at a time."""


def copy_store(
    source: Store, destination: Store, progress: Progress | None = None
) -> dict[str, int]:
    """Copy every row of `source` into the empty `destination`; returns rows per table.

    Raises StoreError when the destination holds anything, lacks a table the source fills,
    or ends up with other counts than were read.

    Example:
        >>> a, b = open_store(":memory:"), open_store(":memory:")
        >>> sum(copy_store(a, b).values())
        0
    """
    held = {table: n for table, n in destination.table_counts().items() if n}
    if held:
        table, count = next(iter(held.items()))
        raise StoreError(f"the destination is not empty ({count} rows in {table}); use a new one")
    wanted = destination.table_counts()
    counts = source.table_counts()
    missing = [table for table, n in counts.items() if n and table not in wanted]
    if missing:
        raise StoreError(f"the destination has no table {', '.join(missing)}: upgrade it first")
    copied: Counter[str] = Counter({table: 0 for table in counts if table in wanted})
    destination.begin_import([table for table in copied if counts[table]])
    for table, rows in source.export_tables(list(copied), BATCH):
        destination.import_rows(table, rows)
        copied[table] += len(rows)
        if progress is not None:
            progress(table, copied[table], counts[table])
    if progress is not None:
        progress("building indexes", 0, 0)
    destination.finish_import()
    after = destination.table_counts()
    wrong = [
        f"{table}: {n} read, {after.get(table, 0)} stored"
        for table, n in copied.items()
        if after.get(table) != n
    ]
    if wrong:
        raise StoreError("copy check failed: " + "; ".join(wrong))
    return dict(copied)


def copy_location(
    source: str, destination: str, progress: Progress | None = None
) -> dict[str, int]:
    """`copy_store` between two locations (SQLite paths or postgresql:// URLs); the source is
    opened read-only."""
    src = open_store(source, read_only=True)
    try:
        dst = open_store(destination)
        try:
            return copy_store(src, dst, progress)
        finally:
            dst.close()
    finally:
        src.close()


def backup(store: Store, path: str | Path, progress: Progress | None = None) -> dict[str, int]:
    """Write the archive to a new SQLite file at `path` (refused if it exists)."""
    target = Path(path)
    if target.exists():
        raise StoreError(f"{target}: already exists; back up to a new file")
    from communique.store.sqlite import SqliteStore

    copy = SqliteStore(target)
    try:
        return copy_store(store, copy, progress)
    except BaseException:
        copy.close()
        for leftover in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
            leftover.unlink(missing_ok=True)
        raise
    finally:
        copy.close()


def restore(path: str | Path, store: Store, progress: Progress | None = None) -> dict[str, int]:
    """Load the backup at `path` into the empty `store`."""
    source = Path(path)
    if not source.is_file():
        raise StoreError(f"{source}: no such backup file")
    from communique.store.sqlite import SqliteStore

    backup_store = SqliteStore(source, read_only=True)
    try:
        return copy_store(backup_store, store, progress)
    finally:
        backup_store.close()
