"""The crawl commands of `communique`: sources, crawl, changes, export-warc."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    TaskID,
)
from rich.table import Table

from communique import jobs
from communique.cli_common import (
    EXIT_FAILED,
    EXIT_SOME_FAILED,
    DbOption,
    JsonOption,
    cli_settings,
    cli_store,
    counted,
    err,
    out,
    progress_bars,
)
from communique.crawl import crawler, registry
from communique.crawl.report import export_warc, health_dict, list_changes, source_health
from communique.errors import InputError
from communique.model import CrawlRun, CrawlSource
from communique.settings import Settings

sources_app = typer.Typer(no_args_is_help=True, help="The registry of sites to crawl.")


def _registry(settings: Settings) -> Path:
    return registry.registry_path(settings.db)


def _source_dict(source: CrawlSource) -> dict[str, object]:
    record = {k: v for k, v in source.__dict__.items() if k != "selectors"}
    record["selectors"] = {k: v for k, v in source.selectors.__dict__.items() if v}
    return record


@sources_app.command("add")
def sources_add(
    name: Annotated[str, typer.Argument(help="Short name: letters, digits, '.', '_', '-'.")],
    start: Annotated[list[str], typer.Option("--start", help="Listing page URL.")] = [],  # noqa: B006
    feed: Annotated[list[str], typer.Option("--feed", help="RSS or Atom feed URL.")] = [],  # noqa: B006
    sitemap: Annotated[list[str], typer.Option("--sitemap", help="Sitemap URL.")] = [],  # noqa: B006
    issuer: Annotated[str | None, typer.Option(help="Who issues the statements.")] = None,
    country: Annotated[str | None, typer.Option(help="ISO 3166-1 alpha-2 code.")] = None,
    language: Annotated[list[str], typer.Option("--language", help="Language code.")] = [],  # noqa: B006
    recrawl_hours: Annotated[float, typer.Option(help="Hours between crawls.")] = 24.0,
    allow_private: Annotated[
        bool, typer.Option("--allow-private", help="The start hosts are private or loopback.")
    ] = False,
    link_selector: Annotated[str | None, typer.Option(help="XPath or CSS of item links.")] = None,
    item_selector: Annotated[str | None, typer.Option(help="XPath or CSS of items.")] = None,
    title_selector: Annotated[str | None, typer.Option(help="XPath or CSS of a title.")] = None,
    date_selector: Annotated[str | None, typer.Option(help="XPath or CSS of a date.")] = None,
    body_selector: Annotated[
        str | None, typer.Option(help="XPath or CSS of the text, when generic extraction fails.")
    ] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Overwrite a source.")] = False,
    db: DbOption = None,
) -> None:
    """Add a source to the registry (a TOML file beside the database)."""
    from communique.model import Selectors

    settings = cli_settings(db)
    source = CrawlSource(
        name=name,
        start_urls=tuple(start),
        issuer=issuer,
        country=country.upper() if country else None,
        languages=tuple(language),
        feeds=tuple(feed),
        sitemaps=tuple(sitemap),
        recrawl_hours=recrawl_hours,
        allow_private=allow_private,
        selectors=Selectors(
            item=item_selector,
            link=link_selector,
            title=title_selector,
            date=date_selector,
            body=body_selector,
        ),
    )
    registry.add_source(_registry(settings), source, replace_existing=replace)
    err.print(f"added {name} to {_registry(settings)}")


@sources_app.command("list")
def sources_list(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List the sources of the registry."""
    sources = registry.load_registry(_registry(cli_settings(db)))
    for source in sources.values():
        if as_json:
            out.print(json.dumps(_source_dict(source), ensure_ascii=False), markup=False)
        else:
            out.print(f"{source.name}  {source.issuer or '?'}  {', '.join(source.start_urls)}")
    if not as_json:
        err.print(counted(len(sources), "source"))


@sources_app.command("show")
def sources_show(name: str, db: DbOption = None) -> None:
    """Print one source as JSON."""
    source = registry.get_source(_registry(cli_settings(db)), name)
    out.print(json.dumps(_source_dict(source), ensure_ascii=False, indent=2), markup=False)


@sources_app.command("remove")
def sources_remove(name: str, db: DbOption = None) -> None:
    """Remove a source from the registry (its statements stay in the archive)."""
    settings = cli_settings(db)
    registry.remove_source(_registry(settings), name)
    err.print(f"removed {name}")


@sources_app.command("import")
def sources_import(
    path: Annotated[Path, typer.Argument(help="DiplomaticPulse source registry JSON.")],
    db: DbOption = None,
) -> None:
    """Import a DiplomaticPulse registry (name, url, XPath selectors) into the registry."""
    settings = cli_settings(db)
    added = registry.import_diplomaticpulse(path, _registry(settings))
    err.print(f"imported {len(added)} sources into {_registry(settings)}")


@sources_app.command("health")
def sources_health(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Last success, statements per crawl, errors by kind and no-text pages of each source."""
    settings = cli_settings(db)
    sources = list(registry.load_registry(_registry(settings)).values())
    with cli_store(settings) as store:
        report = source_health(store, sources)
    if as_json:
        for health in report:
            out.print(json.dumps(health_dict(health), ensure_ascii=False), markup=False)
        return
    table = Table("source", "last success", "statements/run", "errors", "no text")
    for h in report:
        table.add_row(
            h.source,
            f"{h.last_success:%Y-%m-%d %H:%M}" if h.last_success else "never",
            " ".join(str(n) for n in h.statements_per_run[:5]) or "—",
            ", ".join(f"{k} {v}" for k, v in sorted(h.errors.items())) or "—",
            str(len(h.no_text)),
        )
    out.print(table)


@contextmanager
def _source_progress() -> Iterator[crawler.SourceProgress]:
    with progress_bars() as bar:
        tasks: dict[str, TaskID] = {}

        def update(source: str, done: int, total: int, url: str) -> None:
            if source not in tasks:
                tasks[source] = bar.add_task(source, total=None, item="")
            bar.update(tasks[source], completed=done, total=total, item=url[-60:])

        yield update


def crawl_command(
    source: Annotated[
        list[str], typer.Option("--source", help="Crawl only this source (repeatable).")
    ] = [],  # noqa: B006
    since: Annotated[
        str | None, typer.Option(help="Backfill: follow listing pages back to YYYY-MM-DD.")
    ] = None,
    watch: Annotated[
        bool, typer.Option("--watch", help="Keep recrawling each source on its interval.")
    ] = False,
    delay: Annotated[float | None, typer.Option(help="Seconds between requests to a host.")] = None,
    db: DbOption = None,
    queue: Annotated[
        bool, typer.Option("--queue", help="Queue one crawl job per source for the workers.")
    ] = False,
) -> None:
    """Crawl the registry's sources once (or forever with --watch), resuming a killed crawl."""
    settings = cli_settings(db, crawl_delay=delay)
    path = _registry(settings)

    def chosen() -> list[CrawlSource]:
        sources = registry.load_registry(path)
        unknown = sorted(set(source) - set(sources))
        if unknown:
            raise InputError(f"no source {', '.join(unknown)} in {path}")
        return [s for n, s in sources.items() if not source or n in source]

    start = _since(since)
    if queue:
        queued = jobs.enqueue_crawl(settings, chosen(), start)
        err.print(f"{counted(queued, 'crawl job')} queued on {jobs.describe_queue(settings)}")
        return
    with cli_store(settings) as store, _source_progress() as progress:
        if watch:
            crawler.watch(store, settings, chosen, progress)
            return
        runs = crawler.crawl(store, settings, chosen(), start, progress)
    for run in runs:
        _print_run(run)
    raise typer.Exit(crawl_exit_status(runs))


def crawl_exit_status(runs: list[CrawlRun]) -> int:
    """0 when no fetch failed, 1 when pages failed and none was read, 3 when some failed.

    Example:
        >>> now = datetime(2026, 1, 1, tzinfo=UTC)
        >>> from communique.model import CrawlCounts
        >>> def run(**counts: int) -> CrawlRun:
        ...     return CrawlRun(1, "a", now, counts=CrawlCounts(**counts))
        >>> crawl_exit_status([run(fetched=5, statements=4)])
        0
        >>> crawl_exit_status([run(fetched=5, statements=4, failed=1)])
        3
        >>> crawl_exit_status([run(failed=2)])
        1
    """
    if not any(run.counts.failed for run in runs):
        return 0
    return EXIT_SOME_FAILED if any(run.counts.read for run in runs) else EXIT_FAILED


def _since(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"--since {value}: use YYYY-MM-DD") from None


def _print_run(run: CrawlRun) -> None:
    n = run.counts
    errors = ", ".join(f"{k} {v}" for k, v in sorted(n.errors.items())) or "no errors"
    err.print(
        f"{run.source}: {n.fetched} fetched ({n.not_modified} unchanged, {n.bytes} bytes),"
        f" {n.statements} statements ({n.new_statements} new, {n.edited} edited),"
        f" {n.removed} removed, {n.no_text} without text; {errors}"
    )


ChangesSinceOption = Annotated[str, typer.Option(help="Changes detected on or after YYYY-MM-DD.")]


def changes_command(
    since: ChangesSinceOption, db: DbOption = None, as_json: JsonOption = False
) -> None:
    """List statements edited or removed on their sites (with readable diffs)."""
    start = _since(since)
    assert start is not None
    settings = cli_settings(db)
    with cli_store(settings) as store:
        found = list_changes(store, datetime(start.year, start.month, start.day, tzinfo=UTC))
    for change in found:
        if as_json:
            out.print(json.dumps(change, ensure_ascii=False), markup=False)
            continue
        out.print(f"[bold]{change['kind']}[/] {change['detected_at'][:19]} {change['url']}")
        if change.get("diff"):
            out.print(change["diff"], markup=False)
    if not as_json:
        err.print(counted(len(found), "change"))


def export_warc_command(
    output: Annotated[Path, typer.Argument(help="WARC file to write (.warc or .warc.gz).")],
    source: Annotated[str | None, typer.Option(help="Only captures of this source.")] = None,
    db: DbOption = None,
) -> None:
    """Write every stored capture as a WARC response record."""
    settings = cli_settings(db)
    with cli_store(settings) as store:
        count = export_warc(store, output, source)
    err.print(f"wrote {count} records to {output}")


def register(app: typer.Typer) -> None:
    """Add the crawl commands to the `communique` app."""
    app.add_typer(sources_app, name="sources")
    app.command("crawl")(crawl_command)
    app.command("changes")(changes_command)
    app.command("export-warc")(export_warc_command)
