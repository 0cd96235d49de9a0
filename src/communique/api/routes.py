"""REST routes: each calls one library function; errors go to the app's one handler.

The app serves this router under `/api/v1` (and, deprecated, under `/api`). A route is
typed by its return annotation, a model of `communique.schemas`; it lists the errors it can
give with `responses=errors(...)`; its function name is its operation id (what generated
clients call it), its first docstring line its summary, the rest its description.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response, StreamingResponse
from fastapi.routing import APIRoute

from communique import schemas
from communique.alerts import save_search, saved_search
from communique.api.access import write_access
from communique.api.cancel import cancellable, cancellable_stream
from communique.crawl.registry import load_registry, registry_path
from communique.crawl.report import change_records, source_health
from communique.errors import QueryError
from communique.jobs import jobs_view, retry_failed
from communique.link.archive import linked
from communique.query import Order, parse_date_bound
from communique.search import export_chunks, results_record
from communique.search import search as run_search
from communique.semantic import search_mode
from communique.store.base import Store


class DocumentedRoute(APIRoute):
    """A route whose summary is its docstring's first line and description the rest."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        lines = inspect.cleandoc(endpoint.__doc__ or "").split("\n\n", 1)
        kwargs["summary"] = kwargs.get("summary") or lines[0].strip().rstrip(".") or None
        kwargs["description"] = kwargs.get("description") or (lines[1:] or [""])[0] or None
        super().__init__(path, endpoint, **kwargs)
        if self.response_description == "Successful Response" and self.response_model:
            self.response_description = _described(self.response_model)


def _described(response: Any) -> str:
    """What a route answers with, from its model's docstring."""
    if typing.get_origin(response) is list:
        return "A list, each item: " + _described(typing.get_args(response)[0])
    return inspect.cleandoc(response.__doc__ or "").split("\n")[0] or "Successful Response"


TAGS = [
    {"name": "search", "description": "Find statements, count them by facet, export them."},
    {"name": "statements", "description": "One statement: text, enrichment, captures, versions."},
    {"name": "archive", "description": "What the archive holds: counts, mentions, failures."},
    {"name": "crawls", "description": "What recrawls saw: edits, removals, source health."},
    {"name": "saved searches", "description": "Queries kept by name, with feeds and alerts."},
]
"""The groups of routes, in the order the API documentation shows them."""


def _group(tag: str) -> APIRouter:
    """The router of the routes tagged `tag` (one of `TAGS`)."""
    if tag not in {t["name"] for t in TAGS}:
        raise ValueError(f"{tag!r} is not one of the API's TAGS")
    return APIRouter(route_class=DocumentedRoute, tags=[tag])


search_routes = _group("search")
statement_routes = _group("statements")
archive_routes = _group("archive")
crawl_routes = _group("crawls")
saved_search_routes = _group("saved searches")

EXPORT_MEDIA = {"jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}

_ERRORS = {
    400: "The query cannot be parsed, or a value in it is malformed.",
    401: "A write without an API key, or with an unknown one.",
    403: "The API key may not do this.",
    404: "No record with that id.",
    409: "Conflicts with what the archive holds.",
    422: "A parameter has the wrong type or is out of range.",
    429: "Too many requests: wait the seconds of `Retry-After`.",
    503: "The search took longer than its time budget and was stopped: narrow it.",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route that can answer with these error statuses.

    Example:
        >>> sorted(errors(400, 422))
        [400, 422]
    """
    return {s: {"model": schemas.Error, "description": _ERRORS[s]} for s in statuses}


class ExportFormat(StrEnum):
    """Formats the export streams."""

    JSONL = "jsonl"
    CSV = "csv"


StatementId = Annotated[str, Path(description="The statement's id.", examples=["5d7e3f0a9c1b2e44"])]


def archive(request: Request) -> Store:
    """The app's store: the dependency of every route that reads or writes the archive."""
    store: Store = request.app.state.store
    return store


Archive = Annotated[Store, Depends(archive)]


def _download(request: Request, capture_id: str) -> str:
    """The path of a capture's raw bytes under the prefix the request came in by."""
    prefix = request.url.path.split("/statements/")[0]
    return f"{prefix}/captures/{capture_id}/raw"


@search_routes.get("/search", responses=errors(400, 422, 503))
async def search(
    request: Request,
    store: Archive,
    q: Annotated[
        str,
        Query(
            description='Words, "phrases", OR, -word, prefix* (3 letters or more), and filters'
            " such as country:AZ, lang:en, type:statement, from:2020 to:2021-06, mentions:AM,"
            " place:Shusha; empty matches everything.",
            examples=["Shusha country:AZ"],
        ),
    ] = "",
    cursor: Annotated[
        str | None, Query(description="The `next_cursor` of the previous page.")
    ] = None,
    limit: Annotated[
        int | None, Query(ge=1, le=1000, description="Hits per page (default: page_size).")
    ] = None,
    order: Annotated[
        Order, Query(description="relevance (newest without words), newest or oldest.")
    ] = Order.RELEVANCE,
    copies: Annotated[
        Literal["one", "all"],
        Query(description="one hit per statement (its canonical copy), or every copy."),
    ] = "one",
    mode: Annotated[
        Literal["keyword", "semantic", "hybrid"],
        Query(
            description="keyword (BM25), semantic (sentence vectors, after `communique embed`)"
            " or hybrid (both rankings fused); semantic and hybrid give one page, no cursor."
        ),
    ] = "keyword",
) -> schemas.SearchResults:
    """Search statements.

    Full-text search with filters. Every page carries the number of matches, the top values
    of each facet over all of them, and a cursor to the next page: follow cursors to reach
    every match, there is no cap. A search past the time budget (`query_seconds`) is stopped
    with a 503; one whose client went away is stopped too.
    """
    limit = limit or request.app.state.settings.page_size
    q = f"{q} copies:all" if copies == "all" else q

    def work() -> schemas.SearchResults:
        if mode != "keyword":
            return results_record(search_mode(store, q, mode, limit=limit))
        return results_record(run_search(store, q, cursor=cursor, limit=limit, order=order))

    return await cancellable(request, work)


@statement_routes.get("/statements/{statement_id}", responses=errors(404))
def get_statement(store: Archive, statement_id: StatementId) -> schemas.Statement:
    """Read a statement: its clean text and metadata."""
    return schemas.Statement.of(store.get_statement(statement_id))


@statement_routes.get("/statements/{statement_id}/enrichment", responses=errors(404))
def get_enrichment(store: Archive, statement_id: StatementId) -> schemas.Enrichment:
    """What the text names: entities, countries, places, times, dated events and references.

    Character offsets (`start`, `end`) are into the statement's `text`.
    """
    return store.get_enrichment(statement_id)


@statement_routes.get("/statements/{statement_id}/captures")
def list_captures(
    request: Request, store: Archive, statement_id: StatementId
) -> list[schemas.Capture]:
    """List the raw captures a statement was extracted from, oldest first."""
    captures = sorted(store.captures_of(statement_id), key=lambda c: c.fetched_at)
    return [schemas.Capture.of(c, _download(request, c.id)) for c in captures]


@statement_routes.get("/statements/{statement_id}/versions", responses=errors(404))
def list_versions(store: Archive, statement_id: StatementId) -> list[schemas.Version]:
    """List every stored text of a statement, oldest first."""
    store.get_statement(statement_id)
    return [schemas.Version.of(v) for v in store.versions(statement_id)]


@statement_routes.get("/statements/{statement_id}/copies", responses=errors(404))
def list_copies(store: Archive, statement_id: StatementId) -> schemas.StatementCopies:
    """The statement this copy carries: every copy, the translations, the versions of all."""
    return schemas.StatementCopies.of(linked(store, statement_id))


@statement_routes.get(
    "/captures/{capture_id}/raw",
    responses={
        200: {
            "content": {"application/octet-stream": {"schema": {"type": "string"}}},
            "description": "The captured bytes, unchanged.",
        },
        **errors(404),
    },
    response_class=Response,
)
def download_capture(
    store: Archive,
    capture_id: Annotated[str, Path(description="The capture's id.")],
) -> Response:
    """Download the captured bytes.

    Served as an inert attachment, never rendered as a live page; the original content type
    is in `X-Original-Content-Type`.
    """
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


@search_routes.get(
    "/export",
    responses={
        200: {
            "content": {
                "application/x-ndjson": {"schema": {"type": "string"}},
                "text/csv": {"schema": {"type": "string"}},
            },
            "description": "One statement per line (JSON Lines: a `Statement` each) or CSV.",
        },
        **errors(400, 422, 503),
    },
    response_class=StreamingResponse,
)
async def export(
    request: Request,
    store: Archive,
    q: Annotated[str, Query(description="The search query; empty exports everything.")] = "",
    format: Annotated[ExportFormat, Query(description="jsonl or csv.")] = ExportFormat.JSONL,
) -> StreamingResponse:
    """Export every matching statement.

    Streamed oldest first, with no cap; each JSON line has the fields of a `Statement`. The
    first batch of matches is read under the time budget (`query_seconds`) before the
    response starts, so a query past it gets a 503; each later batch has a budget of its own,
    and the export stops when the client goes away.
    """
    chunks = await cancellable(request, lambda: export_chunks(store, q, format.value))
    return StreamingResponse(
        cancellable_stream(request, chunks),
        media_type=EXPORT_MEDIA[format.value],
        headers={"Content-Disposition": f'attachment; filename="communique-export.{format}"'},
    )


@archive_routes.get("/stats")
def get_stats(store: Archive) -> schemas.Stats:
    """Count statements, captures, sources and extraction failures."""
    return store.stats()


@archive_routes.get("/failures")
def list_failures(store: Archive) -> list[schemas.Failure]:
    """List the captures that yielded no statement, and why."""
    return [schemas.Failure.of(f) for f in store.failures()]


@archive_routes.get("/mentions")
def list_mentions(store: Archive) -> list[schemas.Mention]:
    """Who mentions whom: statements by issuer country and country named, most first."""
    return [
        schemas.Mention(issuer_country=issuer, country=country, statements=count)
        for issuer, country, count in store.mention_pairs()
    ]


@saved_search_routes.get("/saved-searches")
def list_saved_searches(store: Archive) -> list[schemas.SavedSearch]:
    """List the saved searches by name, each with its feed."""
    return [schemas.SavedSearch.of(s) for s in store.saved_searches()]


SearchName = Annotated[str, Path(description="The saved search's name.", examples=["shusha"])]


@saved_search_routes.post(
    "/saved-searches",
    status_code=201,
    dependencies=[Depends(write_access)],
    responses=errors(400, 401, 403, 409, 422),
)
def create_saved_search(
    request: Request, store: Archive, response: Response, search: schemas.NewSavedSearch
) -> schemas.SavedSearch:
    """Save a query under a name, for its feed and `communique alerts`.

    Its current matches count as already reported: its first alert brings only statements
    the archive gains afterwards. A name already in use is a conflict (409); delete it first.
    """
    saved = save_search(store, search.name, search.query, replace=False)
    location = request.url_for("get_saved_search", name=quote(saved.name, safe=""))
    response.headers["Location"] = location.path
    return schemas.SavedSearch.of(saved)


@saved_search_routes.get("/saved-searches/{name}", responses=errors(404))
def get_saved_search(store: Archive, name: SearchName) -> schemas.SavedSearch:
    """One saved search, with its feed."""
    return schemas.SavedSearch.of(saved_search(store, name))


@saved_search_routes.delete(
    "/saved-searches/{name}",
    status_code=204,
    dependencies=[Depends(write_access)],
    responses=errors(401, 403, 404),
)
def delete_saved_search(store: Archive, name: SearchName) -> Response:
    """Forget a saved search and which matches its alerts reported."""
    store.delete_search(name)
    return Response(status_code=204)


def since_datetime(value: str) -> datetime | None:
    """`YYYY[-MM[-DD]]` as the start of that day in UTC; empty means no bound."""
    if not value.strip():
        return None
    try:
        day = parse_date_bound(value.strip(), "since", last=False)
    except QueryError as exc:
        raise QueryError(str(exc), parameter="since") from exc
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@crawl_routes.get("/changes", responses=errors(400))
def list_changes(
    store: Archive,
    since: Annotated[
        str,
        Query(description="YYYY[-MM[-DD]]: changes detected on or after.", examples=["2025-01"]),
    ] = "",
) -> list[schemas.Change]:
    """List statements edited or removed on their sites, oldest first, with readable diffs."""
    return change_records(store, since_datetime(since))


@crawl_routes.get("/sources/health")
def sources_health(request: Request, store: Archive) -> list[schemas.SourceHealth]:
    """How each registered source's crawls went: last success, statements, errors by kind."""
    db = request.app.state.settings.db
    sources = list(load_registry(registry_path(db)).values())
    return [schemas.SourceHealth.of(h) for h in source_health(store, sources)]


@archive_routes.get("/jobs", responses=errors(422))
def list_jobs(
    request: Request,
    status: Annotated[
        str | None,
        Query(
            description="Only jobs with this status (failed: the dead-letter list).",
            examples=["failed"],
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Most jobs listed.")] = 50,
) -> schemas.JobQueue:
    """The job queue: jobs by status and the newest jobs, each with its last error."""
    return jobs_view(request.app.state.settings, status, limit)


@archive_routes.post(
    "/jobs/retry",
    dependencies=[Depends(write_access)],
    responses=errors(400, 401, 403, 422),
)
def retry_jobs(request: Request, retry: schemas.RetryJobs) -> schemas.RetriedJobs:
    """Queue failed jobs (the dead-letter list, or the ids given) again.

    Each gets its retries back; an id that is not a failed job is left alone. An archive
    with no job queue answers 400.
    """
    return schemas.RetriedJobs(retried=retry_failed(request.app.state.settings, retry.ids))


router = APIRouter()
"""Every route above, each under its group's tag."""
for group in (search_routes, statement_routes, archive_routes, crawl_routes, saved_search_routes):
    router.include_router(group)
