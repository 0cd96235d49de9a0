"""REST routes: each calls one library function; errors go to the app's one handler."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse

from communique.crawl.registry import load_registry, registry_path
from communique.crawl.report import health_dict, list_changes, source_health
from communique.query import parse_date_bound
from communique.search import (
    enrichment_dict,
    export_chunks,
    hit_dict,
    search,
    statement_dict,
)
from communique.store.base import Store

router = APIRouter(tags=["statements"])

EXPORT_MEDIA = {"jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


@router.get("/search")
def api_search(
    request: Request,
    q: Annotated[str, Query(description='Query: words, "phrases", OR, -word, filters.')] = "",
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page.")] = None,
    limit: Annotated[int | None, Query(ge=1, le=1000, description="Default: page_size.")] = None,
    order: Annotated[str, Query(description="relevance, newest or oldest.")] = "relevance",
) -> dict[str, Any]:
    """Full-text search with filters, facet counts and cursor paging (no cap)."""
    limit = limit or request.app.state.settings.page_size
    page = search(_store(request), q, cursor=cursor, limit=limit, order=order)
    return {
        "total": page.total,
        "hits": [hit_dict(h) for h in page.hits],
        "facets": {
            name: [{"value": v, "count": n} for v, n in counts]
            for name, counts in page.facets.items()
        },
        "next_cursor": page.next_cursor,
    }


@router.get("/statements/{statement_id}")
def api_statement(request: Request, statement_id: str) -> dict[str, Any]:
    """One statement: clean text and metadata."""
    return statement_dict(_store(request).get_statement(statement_id))


@router.get("/statements/{statement_id}/enrichment")
def api_enrichment(request: Request, statement_id: str) -> dict[str, Any]:
    """Entities, countries, places, times, dated events and references of one statement."""
    return enrichment_dict(_store(request).get_enrichment(statement_id))


@router.get("/mentions")
def api_mentions(request: Request) -> list[dict[str, Any]]:
    """Who mentions whom: issuer country, mentioned country, number of statements."""
    return [
        {"issuer_country": issuer, "country": country, "statements": count}
        for issuer, country, count in _store(request).mention_pairs()
    ]


@router.get("/statements/{statement_id}/captures")
def api_captures(request: Request, statement_id: str) -> list[dict[str, Any]]:
    """The raw captures a statement was extracted from, oldest first."""
    return [
        {
            "id": c.id,
            "url": c.url,
            "fetched_at": c.fetched_at.isoformat(),
            "status": c.status,
            "content_type": c.content_type,
            "sha256": c.sha256,
            "size": c.size,
            "origin": c.origin,
            "download": f"/api/captures/{c.id}/raw",
        }
        for c in sorted(_store(request).captures_of(statement_id), key=lambda c: c.fetched_at)
    ]


@router.get("/statements/{statement_id}/versions")
def api_versions(request: Request, statement_id: str) -> list[dict[str, Any]]:
    """Every stored text of a statement, oldest first, and the changes seen on its site."""
    store = _store(request)
    store.get_statement(statement_id)
    return [
        {
            "capture_id": v.capture_id,
            "fetched_at": v.fetched_at.isoformat(),
            "title": v.title,
            "text": v.text,
        }
        for v in store.versions(statement_id)
    ]


@router.get("/captures/{capture_id}/raw")
def api_capture_raw(request: Request, capture_id: str) -> Response:
    """The captured bytes as an inert download, never rendered as a live page."""
    store = _store(request)
    capture = store.get_capture(capture_id)
    body = store.capture_body(capture_id)
    return Response(
        body,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="capture-{capture_id}.bin"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "X-Original-Content-Type": capture.content_type,
        },
    )


@router.get("/export")
def api_export(
    request: Request,
    q: Annotated[str, Query(description="Query; empty exports everything.")] = "",
    format: Annotated[str, Query(description="jsonl or csv.")] = "jsonl",
) -> StreamingResponse:
    """Every matching statement, streamed, with no cap."""
    chunks = export_chunks(_store(request), q, format)
    return StreamingResponse(
        chunks,
        media_type=EXPORT_MEDIA[format],
        headers={"Content-Disposition": f'attachment; filename="communique-export.{format}"'},
    )


@router.get("/stats")
def api_stats(request: Request) -> dict[str, Any]:
    """Counts of statements, captures, sources and errors."""
    return dict(_store(request).stats().__dict__)


def since_datetime(value: str) -> datetime | None:
    """`YYYY[-MM[-DD]]` as the start of that day in UTC; empty means no bound."""
    if not value.strip():
        return None
    day = parse_date_bound(value.strip(), "since", last=False)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@router.get("/changes")
def api_changes(
    request: Request,
    since: Annotated[str, Query(description="YYYY-MM-DD; changes detected on or after.")] = "",
) -> list[dict[str, Any]]:
    """Statements edited or removed on their sites, oldest first, with readable diffs."""
    return list_changes(_store(request), since_datetime(since))


@router.get("/sources/health")
def api_sources_health(request: Request) -> list[dict[str, Any]]:
    """Each registered source: last success, statements per crawl, errors by kind."""
    db = request.app.state.settings.db
    sources = list(load_registry(registry_path(db)).values())
    return [health_dict(h) for h in source_health(_store(request), sources)]
