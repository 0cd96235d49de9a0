"""`communique copy-store`, `backup` and `restore`: whole archives between stores."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import TaskID

from communique import cli_common
from communique.cli_common import DbOption, JsonOption, cli_settings, cli_store, err, out
from communique.store import transfer
from communique.store.base import Store, redacted

NewBackupFile = Annotated[Path, typer.Argument(help="New SQLite file to write the archive to.")]
BackupFile = Annotated[Path, typer.Argument(help="Backup file written by `communique backup`.")]


@contextmanager
def _progress() -> Iterator[transfer.Progress]:
    """A bar per table (rows copied of rows held), then one while the indexes are built."""
    with cli_common.progress_bars(transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def tell(table: str, rows: int, total: int) -> None:
            if table not in tasks:
                tasks[table] = bar.add_task(table, total=total or None, item="")
            bar.update(tasks[table], completed=rows)

        yield tell


def _report(counts: dict[str, int], as_json: bool) -> None:
    if as_json:
        out.print(json.dumps(counts), markup=False)
        return
    filled = ", ".join(f"{table} {n}" for table, n in counts.items() if n)
    err.print(f"copied {sum(counts.values())} rows, counts checked ({filled or 'empty'})")


def _with_store(
    db: str | None, as_json: bool, run: Callable[[Store, transfer.Progress], dict[str, int]]
) -> None:
    """Run a transfer against the --db archive with a progress line, and report its counts."""
    with cli_store(cli_settings(db)) as store, _progress() as tell:
        counts = run(store, tell)
    _report(counts, as_json)


def register(app: typer.Typer) -> None:
    """Add the archive-transfer commands to `app`."""

    @app.command("copy-store")
    def copy_store(
        source: Annotated[str, typer.Argument(help="SQLite file or postgresql:// URL to read.")],
        destination: Annotated[
            str, typer.Argument(help="Empty SQLite file or postgresql:// URL to fill.")
        ],
        as_json: JsonOption = False,
    ) -> None:
        """Copy a whole archive between stores (SQLite <-> PostgreSQL), checking row counts."""
        err.print(f"{redacted(source)} -> {redacted(destination)}")
        with _progress() as tell:
            counts = transfer.copy_location(source, destination, tell)
        _report(counts, as_json)

    @app.command("backup")
    def backup(file: NewBackupFile, db: DbOption = None, as_json: JsonOption = False) -> None:
        """Write the archive (SQLite or PostgreSQL) to a new SQLite file that --db can open."""
        _with_store(db, as_json, lambda store, tell: transfer.backup(store, file, tell))

    @app.command("restore")
    def restore(file: BackupFile, db: DbOption = None, as_json: JsonOption = False) -> None:
        """Load a backup into an empty archive (SQLite or PostgreSQL)."""
        _with_store(db, as_json, lambda store, tell: transfer.restore(file, store, tell))
