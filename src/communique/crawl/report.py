"""What crawls found: changes with readable diffs, source health, WARC export."""

from __future__ import annotations

import difflib
from datetime import datetime
from pathlib import Path
from typing import Any

from communique.collect.warc import write_warc
from communique.model import Change, CrawlSource, SourceHealth, Version
from communique.store.base import Store

HEALTH_RUNS = 10


def readable_diff(before: Version, after: Version) -> str:
    """A unified diff of two versions, one paragraph per line.

    Example:
        >>> from datetime import UTC, datetime
        >>> a = Version("s", "c1", datetime(2025, 1, 1, tzinfo=UTC), "T", "We call for talks.")
        >>> b = Version("s", "c2", datetime(2025, 1, 2, tzinfo=UTC), "T", "We call for peace.")
        >>> print(readable_diff(a, b).splitlines()[-2:])
        ['-We call for talks.', '+We call for peace.']
    """
    lines_before = [f"# {before.title}", *before.text.split("\n\n")]
    lines_after = [f"# {after.title}", *after.text.split("\n\n")]
    return "\n".join(
        difflib.unified_diff(
            lines_before,
            lines_after,
            f"{before.capture_id} {before.fetched_at:%Y-%m-%d %H:%M:%S}",
            f"{after.capture_id} {after.fetched_at:%Y-%m-%d %H:%M:%S}",
            lineterm="",
            n=1,
        )
    )


def change_dict(store: Store, change: Change, with_diff: bool = True) -> dict[str, Any]:
    """A change as one JSON object: statement_id, url, kind, detected_at, source, diff."""
    record: dict[str, Any] = {
        "statement_id": change.statement_id,
        "url": change.url,
        "kind": change.kind,
        "detected_at": change.detected_at.isoformat(),
        "source": change.source,
        "before_capture": change.before_capture,
        "after_capture": change.after_capture,
    }
    if with_diff and change.kind == "edited":
        versions = {v.capture_id: v for v in store.versions(change.statement_id)}
        before = versions.get(change.before_capture or "")
        after = versions.get(change.after_capture or "")
        record["diff"] = readable_diff(before, after) if before and after else None
    return record


def list_changes(store: Store, since: datetime | None) -> list[dict[str, Any]]:
    """Every edit, removal and restoration detected since `since`, oldest first.

    Example:
        >>> from communique.store.base import open_store
        >>> list_changes(open_store(":memory:"), None)
        []
    """
    return [change_dict(store, c) for c in store.changes(since)]


def source_health(store: Store, sources: list[CrawlSource]) -> list[SourceHealth]:
    """Last success, statements per run, errors by kind and no-text pages of each source."""
    report = []
    for source in sources:
        runs = store.runs(source.name, limit=HEALTH_RUNS)
        finished = [r for r in runs if r.finished_at is not None]
        succeeded = [r for r in finished if r.fetched > r.errors.get("network", 0)]
        report.append(
            SourceHealth(
                source=source.name,
                last_run=runs[0].started_at if runs else None,
                last_success=succeeded[0].finished_at if succeeded else None,
                statements_per_run=tuple(r.statements for r in finished),
                errors=dict(finished[0].errors) if finished else {},
                no_text=tuple(store.no_text(source.name, limit=20)),
            )
        )
    return report


def health_dict(health: SourceHealth) -> dict[str, Any]:
    return {
        "source": health.source,
        "last_run": health.last_run.isoformat() if health.last_run else None,
        "last_success": health.last_success.isoformat() if health.last_success else None,
        "statements_per_run": list(health.statements_per_run),
        "errors": health.errors,
        "no_text": [{"url": u, "reason": r} for u, r in health.no_text],
    }


def export_warc(store: Store, path: Path, source: str | None = None) -> int:
    """Write every capture (of one source when given) to one WARC file; returns the count."""
    return write_warc(path, store.iter_capture_bodies(source))
