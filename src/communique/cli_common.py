"""What every `communique` command module shares: consoles, common options, settings, store."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from communique.model import Work
from communique.settings import Settings, load_settings
from communique.store.base import Store, open_store

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)  # one message, one line

EXIT_FAILED = 1
"""Exit status of a command that failed, or in which every input or fetch failed."""
EXIT_INTERRUPTED = 130
"""Exit status of an ingest or reprocess stopped by Ctrl-C or SIGTERM (128 + SIGINT)."""
EXIT_SOME_FAILED = 3
"""Exit status of an ingest, reprocess or crawl in which some inputs or fetches failed."""

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="COMMUNIQUE_DB",
        help="SQLite file or postgresql:// URL [default: ./communique.db].",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON lines.")]
ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="TOML settings file.", exists=True, dir_okay=False)
]
MaxBytesOption = Annotated[int | None, typer.Option(help="Largest input accepted, in bytes.")]
WorkersOption = Annotated[
    int | None,
    typer.Option(min=1, help="Processes that extract and enrich [default: one per CPU core]."),
]


def cli_settings(db: str | None, config: Path | None = None, **cli: Any) -> Settings:
    """The settings layered under the command's own options."""
    return load_settings(config, db=db, **cli)


@contextmanager
def cli_store(settings: Settings) -> Iterator[Store]:
    """The store named by the settings, closed when the command ends."""
    store = open_store(settings.db)
    try:
        yield store
    except BaseException:
        with suppress(Exception):  # closing a full disk fails again: keep the first error
            store.close()
        raise
    store.close()


def counted(number: int, noun: str, nouns: str | None = None) -> str:
    """`number` with `noun` in the number's form (`nouns`, by default the noun and an s).

    Example:
        >>> counted(1, "statement"), counted(3, "copy", "copies"), counted(0, "error")
        ('1 statement', '3 copies', '0 errors')
    """
    return f"{number} {noun if number == 1 else nouns or noun + 's'}"


def warn_unfinished(
    unfinished: Sequence[Work], running: Work | None = None, old_links: int = 0
) -> None:
    """Say on stderr which whole-archive jobs were cut short (`Store.unfinished_work`) and
    the command that finishes each (`running`: the command now running, which does), and
    how many copies an older linker linked (`Store.old_links`: `relink` links them again)."""
    for work in unfinished:
        if work == running:
            err.print(f"warning: the last {work} was interrupted; this one redoes it all")
        else:
            err.print(f"warning: {work} was interrupted; run `communique {work}`", markup=False)
    if old_links:
        were = "was" if old_links == 1 else "were"
        err.print(
            f"warning: {counted(old_links, 'copy', 'copies')} {were} linked by an older linker;"
            " run `communique relink`",
            markup=False,
        )


def progress_bars(**options: Any) -> Progress:
    """Progress bars on stderr: what is being done, how far, for how long, and the item at hand
    (each task's `item` field)."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[item]}", style="dim"),
    )
    return Progress(*columns, console=err, **options)
