"""Web pages: search with filters and facets, and a page per statement."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from communique.api.routes import since_datetime
from communique.crawl.registry import load_registry, registry_path
from communique.crawl.report import change_dict, list_changes, source_health
from communique.errors import CommuniqueError
from communique.query import FILTERS
from communique.search import search, snippet_html
from communique.store.base import Store

STATIC_DIR = Path(__file__).parent / "static"
_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
)
_templates.filters["snippet"] = lambda s: Markup(snippet_html(s))
FACET_FILTER = {
    "issuer": "issuer",
    "country": "country",
    "language": "lang",
    "type": "type",
    "mentions": "mentions",
    "place": "place",
}

router = APIRouter(include_in_schema=False)


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


@router.get("/", response_class=HTMLResponse)
def search_page(
    request: Request,
    q: str = "",
    cursor: str | None = None,
    order: str = "relevance",
    date_from: Annotated[str, Query(alias="from")] = "",
    date_to: Annotated[str, Query(alias="to")] = "",
) -> str:
    """The search page; the date fields are folded into the query as from:/to: filters."""
    full = " ".join(p for p in (q, _bound("from", date_from), _bound("to", date_to)) if p)
    page = search(_store(request), full, cursor=cursor, limit=20, order=order)
    return _templates.get_template("search.html").render(
        q=q,
        date_from=date_from,
        date_to=date_to,
        order=order,
        page=page,
        facet_links=_facet_links(q, page.facets),
        filters=FILTERS,
        stats=_store(request).stats(),
    )


def _bound(name: str, value: str) -> str:
    return f"{name}:{value.strip()}" if value.strip() else ""


def _facet_links(
    q: str, facets: dict[str, list[tuple[str, int]]]
) -> dict[str, list[tuple[str, int, str]]]:
    links: dict[str, list[tuple[str, int, str]]] = {}
    for name, counts in facets.items():
        links[name] = []
        for value, count in counts:
            if name == "year":
                clause = f"from:{value}-01-01 to:{value}-12-31"
            else:
                quoted = f'"{value}"' if " " in value else value
                clause = f"{FACET_FILTER[name]}:{quoted}"
            links[name].append((value, count, f"{q} {clause}".strip()))
    return links


@router.get("/statements/{statement_id}", response_class=HTMLResponse)
def statement_page(request: Request, statement_id: str) -> str:
    """One statement: title, metadata, clean text and its raw captures as downloads."""
    store = _store(request)
    statement = store.get_statement(statement_id)
    captures = sorted(store.captures_of(statement_id), key=lambda c: c.fetched_at)
    changes = [change_dict(store, c) for c in store.changes(statement_id=statement_id)]
    return _templates.get_template("statement.html").render(
        s=statement, captures=captures, versions=store.versions(statement_id), changes=changes
    )


@router.get("/changes", response_class=HTMLResponse)
def changes_page(request: Request, since: str = "") -> str:
    """Statements edited or removed on their sites, newest first, with diffs."""
    found = list_changes(_store(request), since_datetime(since))
    return _templates.get_template("changes.html").render(changes=found[::-1], since=since)


@router.get("/sources", response_class=HTMLResponse)
def sources_page(request: Request) -> str:
    """Health of each registered source: last success, statements per crawl, errors."""
    sources = list(load_registry(registry_path(request.app.state.settings.db)).values())
    report = source_health(_store(request), sources)
    return _templates.get_template("sources.html").render(report=report)


def render_error(request: Request, exc: CommuniqueError) -> str:
    return _templates.get_template("error.html").render(
        message=str(exc), kind=type(exc).__name__, q=request.query_params.get("q", "")
    )
