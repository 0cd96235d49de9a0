"""The `communique` command: each command calls one library function."""

from __future__ import annotations

import json
import signal
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.table import Table
from typer._click.core import Context
from typer.core import TyperGroup

from communique import jobs, pipeline, semantic
from communique.budget import Budget, limited
from communique.cli_alerts import register as register_alerts
from communique.cli_alerts import register_embed
from communique.cli_common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_SOME_FAILED,
    ConfigOption,
    DbOption,
    JsonOption,
    MaxBytesOption,
    WorkersOption,
    counted,
    err,
    out,
    progress_bars,
    warn_unfinished,
)
from communique.cli_common import cli_settings as _settings
from communique.cli_common import cli_store as _store
from communique.cli_crawl import register
from communique.cli_jobs import register as register_jobs
from communique.cli_keys import register as register_keys
from communique.cli_store import register as register_store
from communique.errors import CommuniqueError, Interrupted
from communique.link.archive import Linked, copy_versions, linked, linked_dict
from communique.link.archive import relink as relink_archive
from communique.model import Enrichment, Extraction, ExtractionFailure, IngestReport, date_label
from communique.query import parse_date_bound, parse_query
from communique.search import (
    EXPORT_FORMATS,
    enrichment_dict,
    export,
    hit_dict,
    reindex,
    search,
    snippet_plain,
    statement_dict,
)

StatementIdArgument = Annotated[str, typer.Argument(help="Statement id, as printed by search.")]
AllowPrivateOption = Annotated[
    bool | None,
    typer.Option("--allow-private", help="URLs given may be on a private or loopback host."),
]
QueueOption = Annotated[
    bool, typer.Option("--queue", help="Store the captures and queue their jobs for workers.")
]


class _Group(TyperGroup):
    """Turns every `CommuniqueError` (and OSError) into a one-line message and exit status 1."""

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except Interrupted as exc:  # Ctrl-C or SIGTERM during an ingest or reprocess
            typer.echo(str(exc), err=True)
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except CommuniqueError as exc:
            _fail(str(exc))
        except OSError as exc:  # a full disk or a read-only folder while writing a file
            where = f"{exc.filename}: " if exc.filename else ""
            _fail(f"{where}{exc.strerror or exc}")


def _fail(message: str) -> NoReturn:
    """Print `message` as one line on stderr (not a panel that wraps it) and exit with status 1."""
    typer.echo(f"Error: {' '.join(message.split())}", err=True)
    raise typer.Exit(1)


app = typer.Typer(
    cls=_Group,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="communique: an archive of official statements. Collect, extract, search, serve.",
)


def at_fault(origin: str, reason: str) -> str:
    """`origin: reason`, naming the origin once (a reason may already start with it).

    Example:
        >>> at_fault("http://a.example/x", "http://a.example/x: refused")
        'http://a.example/x: refused'
        >>> at_fault("k.jsonl", "line 3: not JSON")
        'k.jsonl: line 3: not JSON'
    """
    return reason if reason.startswith(f"{origin}:") else f"{origin}: {reason}"


@contextmanager
def _progress(label: str) -> Iterator[pipeline.Progress]:
    with progress_bars(transient=False) as bar:
        task = bar.add_task(label, total=None, item="")

        def update(done: int, total: int, item: str) -> None:
            bar.update(task, completed=done, total=total, item=item[-60:])

        yield update


@app.command()
def ingest(
    targets: Annotated[
        list[str], typer.Argument(help="Files, folders, http(s) URLs or corpus:sotu.")
    ],
    db: DbOption = None,
    config: ConfigOption = None,
    max_bytes: MaxBytesOption = None,
    allow_private: AllowPrivateOption = None,
    workers: WorkersOption = None,
    queue: QueueOption = False,
) -> None:
    """Store each input as a capture and the statements extracted from it."""
    settings = _settings(
        db, config, max_bytes=max_bytes, allow_private_urls=allow_private, workers=workers
    )
    if queue:
        with _store(settings) as store, _progress("enqueue") as progress:
            queued = jobs.enqueue_ingest(targets, store, settings, progress)
        _print_report(queued.report)
        err.print(f"{counted(queued.queued, 'job')} queued on {jobs.describe_queue(settings)}")
        raise typer.Exit(exit_status(queued.report))
    with _store(settings) as store, _progress("ingest") as progress:
        report = pipeline.ingest(targets, store, settings, progress)
    _print_report(report)
    raise typer.Exit(exit_status(report))


@app.command()
def extract(
    targets: Annotated[list[str], typer.Argument(help="Files, folders or http(s) URLs.")],
    as_json: JsonOption = False,
    max_bytes: MaxBytesOption = None,
) -> None:
    """Extract statements and print them, storing nothing (one JSON line per input with --json)."""
    settings = _settings(None, max_bytes=max_bytes)
    for result in pipeline.extract_targets(targets, settings):
        if as_json:
            out.print(json.dumps(_extraction_dict(result), ensure_ascii=False), markup=False)
        elif isinstance(result, ExtractionFailure):
            err.print(f"[red]✗[/] {at_fault(result.origin, result.reason)}", markup=True)
        else:
            kind = "listing" if result.is_listing else result.doc_type.value
            day = result.published_label
            out.print(f"[bold]{result.title}[/] ({kind}, {result.language}, {day})")
            out.print(result.text, markup=False)
            out.print()


@app.command("enrich")
def enrich_command(
    targets: Annotated[list[str], typer.Argument(help="Text or HTML files, folders or URLs.")],
    published: Annotated[
        str | None,
        typer.Option("--date", help="Publication date YYYY-MM-DD to resolve relative dates."),
    ] = None,
    as_json: JsonOption = False,
    time_tagger: Annotated[
        str | None,
        typer.Option(help="auto (English by rules, others by HeidelTime), heideltime or rules."),
    ] = None,
) -> None:
    """Enrich statements and print what was found, storing nothing (one JSON line per input)."""
    settings = _settings(None, time_tagger=time_tagger)
    day = parse_date_bound(published, "--date", last=False) if published else None
    for result in pipeline.enrich_targets(targets, settings, day):
        if isinstance(result, ExtractionFailure):
            if as_json:
                out.print(json.dumps(_extraction_dict(result), ensure_ascii=False), markup=False)
            else:
                err.print(f"[red]✗[/] {at_fault(result.origin, result.reason)}", markup=True)
            continue
        extraction, enrichment = result
        record = {
            "url": extraction.url,
            "title": extraction.title,
            "published": extraction.published.isoformat() if extraction.published else None,
            "language": extraction.language,
        } | enrichment_dict(enrichment)
        if as_json:
            out.print(json.dumps(record, ensure_ascii=False), markup=False)
        else:
            _print_enrichment(extraction, enrichment)


def _print_enrichment(extraction: Extraction, enrichment: Enrichment) -> None:
    out.print(f"[bold]{extraction.title}[/] ({extraction.language}, {extraction.published_label})")
    out.print(f"countries: {', '.join(enrichment.countries) or '-'}", markup=False)
    places = dict.fromkeys(f"{p.name} ({p.lat:.2f}, {p.lon:.2f})" for p in enrichment.places)
    out.print(f"places: {'; '.join(places) or '-'}", markup=False)
    for event in enrichment.events:
        when = event.date + (f"/{event.date_end}" if event.date_end else "")
        out.print(f"  {when}: {event.sentence[:100]}", markup=False)
    for reference in enrichment.references:
        out.print(f"  ref {reference.kind}: {reference.text}", markup=False)
    out.print()


def _extraction_dict(result: Extraction | ExtractionFailure) -> dict[str, Any]:
    if isinstance(result, ExtractionFailure):
        return {"origin": result.origin, "url": result.url, "error": result.reason}
    return {
        "url": result.url,
        "title": result.title,
        "published": date_label(result.published, result.published_precision),
        "published_source": result.published_source,
        "published_confidence": result.published_confidence,
        "published_precision": result.published_precision.value,
        "modified": result.modified.isoformat() if result.modified else None,
        "paragraph_languages": list(result.paragraph_languages),
        "issuer": result.issuer,
        "country": result.country,
        "language": result.language,
        "doc_type": result.doc_type.value,
        "is_listing": result.is_listing,
        "text": result.text,
    }


@app.command("search")
def search_command(
    query: Annotated[
        str,
        typer.Argument(
            help='Words, "phrases", OR, -word, issuer: country: lang: type: source: from: to:'
        ),
    ] = "",
    db: DbOption = None,
    as_json: JsonOption = False,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Hits per page [default: setting page_size].")
    ] = None,
    cursor: Annotated[str | None, typer.Option(help="Continue from a previous page.")] = None,
    order: Annotated[str, typer.Option(help="relevance, newest or oldest.")] = "relevance",
    all_copies: Annotated[
        bool, typer.Option("--all-copies", help="Every copy of a statement (copies:all).")
    ] = False,
    mode: Annotated[
        str, typer.Option(help="keyword, semantic or hybrid (needs `communique embed`).")
    ] = "keyword",
) -> None:
    """Search the archive (one hit per statement; --all-copies for every copy)."""
    settings = _settings(db)
    if all_copies:
        query = f"{query} copies:all"
    size = limit or settings.page_size
    with _store(settings) as store, limited(Budget(settings.query_seconds)):
        warn_unfinished(store.unfinished_work(), old_links=store.old_links())
        if mode == "keyword":
            page = search(store, query, cursor=cursor, limit=size, order=order)
        else:
            page = semantic.search_mode(store, query, mode, limit=size)
    if as_json:
        for hit in page.hits:
            out.print(json.dumps(hit_dict(hit), ensure_ascii=False), markup=False)
    else:
        noun = ("copy", "copies") if parse_query(query).filters.all_copies else ("statement",)
        about = "about " if page.estimated else ""
        err.print(f"{about}{counted(page.total, *noun)} match{'es' if page.total == 1 else ''}")
        for hit in page.hits:
            s = hit.statement
            out.print(f"[bold]{s.title}[/]  [dim]{s.id}[/]")
            day = s.published_label or "—"
            linked = f" · {hit.copies} copies" if hit.copies > 1 else ""
            if hit.translations:
                linked += f" · translations: {', '.join(hit.translations)}"
            out.print(f"  {day} · {s.issuer or '?'} · {s.country or '?'} · {s.language}" + linked)
            snippet = snippet_plain(hit.snippet.replace("[", "\\["), "[yellow]", "[/yellow]")
            out.print("  " + " ".join(snippet.split()))
    if page.next_cursor:
        err.print(f"next page: --cursor {page.next_cursor}")


@app.command()
def show(
    statement_id: StatementIdArgument, db: DbOption = None, as_json: JsonOption = False
) -> None:
    """Print one statement with its metadata and captures."""
    settings = _settings(db)
    with _store(settings) as store:
        statement = store.get_statement(statement_id)
        captures = store.captures_of(statement_id)
        copies = linked(store, statement_id)
    if as_json:
        record = (
            statement_dict(statement)
            | linked_dict(copies)
            | {
                "captures": [
                    {
                        "id": c.id,
                        "url": c.url,
                        "fetched_at": c.fetched_at.isoformat(),
                        "content_type": c.content_type,
                        "sha256": c.sha256,
                        "size": c.size,
                    }
                    for c in captures
                ]
            }
        )
        out.print(json.dumps(record, ensure_ascii=False), markup=False)
        return
    out.print(f"[bold]{statement.title}[/]")
    for name, value in statement_dict(statement).items():
        if name not in ("title", "text", "capture_ids"):
            out.print(f"[dim]{name:>17}[/] {value}", markup=True)
    out.print()
    out.print(statement.text, markup=False)
    out.print()
    for c in captures:
        out.print(f"[dim]capture {c.id} {c.fetched_at:%Y-%m-%d %H:%M} {c.content_type} {c.url}[/]")
    _print_linked(copies)


def _print_linked(copies: Linked) -> None:
    out.print(f"[bold]statement {copies.statement_id}[/]: {len(copies.copies)} copies")
    for c in copies.copies:
        mark = "canonical" if c.canonical else c.kind
        out.print(f"  {c.seen[:10]} {c.source or '-'} [{mark}] {c.url}", markup=False)
        if c.differs:
            out.print(f"      differs: {c.differs}", markup=False)
    for t in copies.translations:
        out.print(
            f"  translation [{t.language or '?'}] {t.other_group} {t.title!r}"
            f" ({t.confidence:.2f}: {t.evidence})",
            markup=False,
        )
    if len(copies.versions) > len(copies.copies):
        urls = {c.id: c.url for c in copies.copies}
        out.print(f"  {len(copies.versions)} versions across the copies:")
        for v in copies.versions:
            out.print(
                f"    {v.fetched_at:%Y-%m-%d %H:%M} {urls.get(v.statement_id, v.statement_id)}"
                f" {v.title!r} (capture {v.capture_id})",
                markup=False,
            )
        for copy, edits in copy_versions(copies, copies.statement_id):
            out.print(f"  edits of {copy.url}:")
            for _, diff in edits:
                if diff:
                    out.print(textwrap.indent(diff, "    "), markup=False)


@app.command("export")
def export_command(
    query: Annotated[str, typer.Argument(help="Search query; empty exports everything.")] = "",
    fmt: Annotated[
        str, typer.Option("--format", help=f"One of {', '.join(EXPORT_FORMATS)}.")
    ] = "jsonl",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write [default: stdout].")
    ] = None,
    db: DbOption = None,
) -> None:
    """Write every statement matching QUERY, streaming, with no cap."""
    settings = _settings(db)
    with _store(settings) as store:
        if output is None:
            count = export(store, query, fmt, sys.stdout.buffer)
        else:
            with output.open("wb") as handle:
                count = export(store, query, fmt, handle)
    err.print(f"exported {count} statements")


@app.command()
def stats(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Count statements, captures, sources and errors."""
    settings = _settings(db)
    with _store(settings) as store:
        numbers = store.stats()
    warn_unfinished(numbers.unfinished, old_links=numbers.old_links)
    if as_json:
        out.print(json.dumps(numbers.__dict__), markup=False)
        return
    table = Table(show_header=False)
    for name in ("statements", "copies", "captures", "sources", "errors"):
        table.add_row(name, str(getattr(numbers, name)))
    table.add_row("languages", ", ".join(f"{k} {v}" for k, v in numbers.languages.items()))
    out.print(table)


@app.command()
def errors(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List the inputs and captures that yielded no statement, and why."""
    settings = _settings(db)
    with _store(settings) as store:
        failures = store.failures()
    for f in failures:
        if as_json:
            record = {
                "capture_id": f.capture_id or None,
                "url": f.url,
                "origin": f.origin,
                "reason": f.reason,
                "at": f.at.isoformat(),
            }
            out.print(json.dumps(record, ensure_ascii=False), markup=False)
        else:
            out.print(at_fault(f.origin, f.reason), markup=False)
    if not as_json:
        err.print(counted(len(failures), "error"))


@app.command()
def reprocess(
    db: DbOption = None,
    config: ConfigOption = None,
    workers: WorkersOption = None,
    stale: Annotated[
        bool,
        typer.Option(help="Redo only what an older version of a stage produced; clear nothing."),
    ] = False,
    queue: Annotated[
        bool, typer.Option("--queue", help="With --stale: queue the jobs for workers instead.")
    ] = False,
) -> None:
    """Rebuild every statement from the stored captures, fetching nothing."""
    settings = _settings(db, config, workers=workers)
    if queue and not stale:
        _fail("reprocess --queue redoes stale captures only: add --stale")
    if queue:
        with _store(settings) as store, _progress("enqueue") as progress:
            queued = jobs.enqueue_reprocess(store, settings, progress)
        _print_report(queued.report)
        err.print(f"{counted(queued.queued, 'job')} queued on {jobs.describe_queue(settings)}")
        raise typer.Exit(exit_status(queued.report))
    with _store(settings) as store, _progress("reprocess") as progress:
        report = pipeline.reprocess(store, settings, progress, stale=stale)
    _print_report(report)
    raise typer.Exit(exit_status(report))


@app.command("reindex")
def reindex_command(db: DbOption = None) -> None:
    """Rebuild the search index from the stored statements (it is derived data)."""
    settings = _settings(db)
    with _store(settings) as store, _progress("reindex") as progress:
        indexed = reindex(store, progress)
    err.print(f"{counted(indexed, 'statement')} indexed")


@app.command()
def relink(
    db: DbOption = None,
    queue: Annotated[bool, typer.Option("--queue", help="Queue a link job for a worker.")] = False,
) -> None:
    """Rebuild every link between copies of one statement from the stored texts."""
    settings = _settings(db)
    if queue:
        queued = jobs.enqueue_relink(settings)
        err.print(f"{counted(queued, 'link job')} queued on {jobs.describe_queue(settings)}")
        return
    with _store(settings) as store:
        warn_unfinished(store.unfinished_work(), running="relink")
        with _progress("relink") as progress:
            copies, statements = relink_archive(store, progress)
    linked_copies = counted(copies, "copy", "copies")
    err.print(f"{linked_copies} linked into {counted(statements, 'statement')}")


@app.command()
def serve(
    db: DbOption = None,
    host: Annotated[str | None, typer.Option(help="Address to bind [default: 127.0.0.1].")] = None,
    port: Annotated[int | None, typer.Option(help="Port [default: 8000].")] = None,
) -> None:
    """Serve the web UI and the REST API (OpenAPI at /docs)."""
    from communique.api.app import serve as run_server

    settings = _settings(db, host=host, port=port)
    err.print(f"communique: http://{settings.host}:{settings.port}/ (database {settings.db})")
    run_server(settings)


def exit_status(report: IngestReport) -> int:
    """0 when nothing failed, 1 when every input failed, 3 when some did.

    Example:
        >>> exit_status(IngestReport(inputs=2)), exit_status(IngestReport(inputs=0))
        (0, 0)
    """
    if not report.failures:
        return 0
    return EXIT_FAILED if len(report.failures) >= report.inputs else EXIT_SOME_FAILED


def _print_report(report: IngestReport) -> None:
    err.print(
        f"{counted(report.inputs, 'input')}: {counted(report.new_captures, 'new capture')},"
        f" {report.unchanged} unchanged,"
        + (f" {report.redone} redone," if report.redone else "")
        + f" {counted(report.statements, 'statement')},"
        f" {counted(report.listings, 'listing page')}, {counted(len(report.failures), 'error')}"
    )
    for failure in report.failures[:20]:
        err.print(f"  [red]✗[/] {at_fault(failure.origin, failure.reason)}", markup=True)
    if len(report.failures) > 20:
        err.print(f"  … and {len(report.failures) - 20} more: communique errors")


register(app)
register_store(app)
register_alerts(app)
register_embed(app)
register_jobs(app)
register_keys(app)


def main() -> None:
    signal.signal(signal.SIGTERM, _terminated)
    app()


def _terminated(signum: int, frame: object) -> None:
    """SIGTERM stops a command as Ctrl-C does (an ingest says what it stored, a server that
    installs its own handler shuts down); without this, Python would end at once."""
    raise KeyboardInterrupt
