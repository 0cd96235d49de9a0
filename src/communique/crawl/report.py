"""What crawls found: changes with readable diffs, source health, WARC export."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from communique import schemas
from communique.collect.warc import write_warc
from communique.diffs import readable_diff
from communique.model import Change, CrawlSource, SourceHealth
from communique.store.base import Store

HEALTH_RUNS = 10


def change_dict(store: Store, change: Change, with_diff: bool = True) -> dict[str, Any]:
    """A change as one JSON object: statement_id, url, kind, detected_at, source, diff."""
    return change_record(store, change, with_diff).model_dump(mode="json")


def change_record(store: Store, change: Change, with_diff: bool = True) -> schemas.Change:
    """A change as the API serves it, with a readable diff of an edit."""
    diff = None
    if with_diff and change.kind == "edited":
        versions = {v.capture_id: v for v in store.versions(change.statement_id)}
        before = versions.get(change.before_capture or "")
        after = versions.get(change.after_capture or "")
        diff = readable_diff(before, after) if before and after else None
    return schemas.Change.of(change, diff)


def list_changes(store: Store, since: datetime | None) -> list[dict[str, Any]]:
    """Every edit, removal and restoration detected since `since`, oldest first.

    Example:
        >>> from communique.store.base import open_store
        >>> list_changes(open_store(":memory:"), None)
        []
    """
    return [c.model_dump(mode="json") for c in change_records(store, since)]


def change_records(store: Store, since: datetime | None) -> list[schemas.Change]:
    """Every change detected since `since`, oldest first, as the API serves them."""
    return [change_record(store, c) for c in store.changes(since)]


def source_health(store: Store, sources: list[CrawlSource]) -> list[SourceHealth]:
    """Last success, statements per run, errors by kind and no-text pages of each source."""
    report = []
    for source in sources:
        runs = store.runs(source.name, limit=HEALTH_RUNS)
        finished = [r for r in runs if r.finished_at is not None]
        succeeded = [r for r in finished if r.counts.fetched > r.counts.errors.get("network", 0)]
        report.append(
            SourceHealth(
                source=source.name,
                last_run=runs[0].started_at if runs else None,
                last_success=succeeded[0].finished_at if succeeded else None,
                statements_per_run=tuple(r.counts.statements for r in finished),
                errors=dict(finished[0].counts.errors) if finished else {},
                no_text=tuple(store.no_text(source.name, limit=20)),
            )
        )
    return report


def health_dict(health: SourceHealth) -> dict[str, Any]:
    return schemas.SourceHealth.of(health).model_dump(mode="json")


def export_warc(store: Store, path: Path, source: str | None = None) -> int:
    """Write every capture (of one source when given) to one WARC file; returns the count."""
    return write_warc(path, store.iter_capture_bodies(source))
