"""The queue commands of `communique`: worker, jobs (see `communique.jobs`)."""

from __future__ import annotations

import json
import logging
from typing import Annotated

import typer
from rich.logging import RichHandler
from rich.table import Table

from communique import jobs
from communique.cli_common import (
    ConfigOption,
    DbOption,
    JsonOption,
    cli_settings,
    counted,
    err,
    out,
)

QueueUrlOption = Annotated[
    str | None,
    typer.Option(
        "--queue-url",
        envvar="COMMUNIQUE_QUEUE",
        help="The job queue's postgresql:// URL [default: the archive, when PostgreSQL].",
    ),
]

jobs_app = typer.Typer(no_args_is_help=True, help="The job queue: counts, jobs, dead letters.")


def worker_command(
    once: Annotated[
        bool, typer.Option("--once", help="Stop when the queue is empty (exit 0).")
    ] = False,
    concurrency: Annotated[
        int, typer.Option(min=1, help="Worker processes on this machine (each loads its models).")
    ] = 1,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log every job (else failures only).")
    ] = False,
    db: DbOption = None,
    queue_url: QueueUrlOption = None,
    config: ConfigOption = None,
) -> None:
    """Run queued jobs (extract, store, enrich, link, crawl); start workers on any number of
    machines."""
    settings = cli_settings(db, config, queue=queue_url)
    _log_jobs(logging.INFO if verbose else logging.WARNING)
    err.print(f"worker on {jobs.describe_queue(settings)}")
    jobs.run_worker(settings, once=once, concurrency=concurrency)


def _log_jobs(level: int) -> None:
    """Show the queue's job log on stderr: each job's end (INFO), a job that failed for good
    with its error (ERROR)."""
    logger = logging.getLogger(jobs.JOB_LOGGER)
    logger.handlers = [RichHandler(console=err, show_path=False)]
    logger.setLevel(level)
    logger.propagate = False


@jobs_app.command("counts")
def counts_command(
    db: DbOption = None, queue_url: QueueUrlOption = None, as_json: JsonOption = False
) -> None:
    """How many jobs wait, run, and failed after their last retry (the dead-letter list),
    and how many workers are alive."""
    settings = cli_settings(db, queue=queue_url)
    counts = jobs.job_counts(settings) | {"workers": jobs.live_workers(settings)}
    if as_json:
        out.print(json.dumps(counts), markup=False)
        return
    for status, count in counts.items():
        out.print(f"{status:>10} {count}", markup=False)


@jobs_app.command("list")
def list_command(
    status: Annotated[
        str | None, typer.Option(help="todo, doing, failed (dead letters), cancelled…")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="Most jobs shown, newest first.")] = 50,
    db: DbOption = None,
    queue_url: QueueUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """The newest jobs, each with its last error."""
    rows = jobs.list_jobs(cli_settings(db, queue=queue_url), status, limit)
    if as_json:
        for row in rows:
            out.print(jobs.job_record(row).model_dump_json(), markup=False)
        return
    table = Table("id", "task", "status", "attempts", "args", "error")
    for row in rows:
        record = jobs.job_dict(row)
        args = ", ".join(f"{k}={v}" for k, v in record["args"].items())
        table.add_row(str(row.id), row.task, row.status, str(row.attempts), args, row.error or "")
    out.print(table)


@jobs_app.command("retry")
def retry_command(
    ids: Annotated[
        list[int] | None, typer.Argument(help="Job ids [default: every failed job].")
    ] = None,
    db: DbOption = None,
    queue_url: QueueUrlOption = None,
) -> None:
    """Queue failed jobs (the dead-letter list) again, with their retries restored."""
    count = jobs.retry_failed(cli_settings(db, queue=queue_url), ids or None)
    err.print(f"{counted(count, 'job')} queued again")


def register(app: typer.Typer) -> None:
    """Add the queue commands to the `communique` app."""
    app.command("worker")(worker_command)
    app.add_typer(jobs_app, name="jobs")
