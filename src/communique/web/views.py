"""Web pages: search with filters and facets, a page per statement, and the explore views."""

from __future__ import annotations

import io
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from communique import alerts, explore, semantic
from communique.api.cancel import cancellable
from communique.api.routes import since_datetime
from communique.crawl.registry import load_registry, registry_path
from communique.crawl.report import change_dict, list_changes, source_health
from communique.errors import CommuniqueError, NotFound
from communique.link.archive import copy_versions, linked, side_by_side
from communique.model import Enrichment
from communique.search import export, search
from communique.store.base import Store
from communique.web import explorepage, searchpage, statementpage
from communique.web.render import STATIC_DIR, in_words, quoted, render, search_href
from communique.web.searchpage import FACET_TITLES, SearchForm

__all__ = ["STATIC_DIR", "render_error", "render_invalid", "router"]

router = APIRouter(include_in_schema=False)
DateFrom = Annotated[str, Query(alias="from")]
DateTo = Annotated[str, Query(alias="to")]


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _form(
    q: str,
    date_from: str,
    date_to: str,
    order: str = "relevance",
    page: int = 1,
    mode: str = "keyword",
) -> SearchForm:
    return SearchForm(
        q=q.strip(),
        date_from=date_from.strip(),
        date_to=date_to.strip(),
        order=order,
        page=page,
        mode=semantic.parse_mode(mode).value,
    )


@router.get("/", response_class=HTMLResponse)
async def search_page(
    request: Request,
    q: str = "",
    order: str = "relevance",
    page: int = 1,
    mode: str = "keyword",
    date_from: DateFrom = "",
    date_to: DateTo = "",
) -> str:
    """The search page: chips, facets that keep every filter, numbered pages, exports.

    The search runs under the time budget and stops when the browser goes away.
    """
    form = _form(q, date_from, date_to, order, page, mode)
    store = _store(request)

    def work() -> str:
        found, pager = searchpage.run(store, form, request.app.state.settings.page_size)
        return render(
            "search.html",
            view="Search",
            q=form.q,
            form=form,
            page=found,
            pager=pager,
            chips=searchpage.chips(form),
            facets=searchpage.facet_links(form, found.facets),
            facet_titles=FACET_TITLES,
            hints=searchpage.empty_hints(store, form) if not found.total else [],
            back=form.href(page=pager.page),
            stats=store.stats(),
        )

    return await cancellable(request, work)


@router.get("/statements/{statement_id}", response_class=HTMLResponse)
def statement_page(request: Request, statement_id: str, back: str = "") -> str:
    """One statement: marked text, its places, events, references, metadata and versions."""
    store = _store(request)
    statement = store.get_statement(statement_id)
    try:
        enrichment: Enrichment | None = store.get_enrichment(statement_id)
    except NotFound:
        enrichment = None
    found = statementpage.marks(enrichment) if enrichment else []
    captures = sorted(store.captures_of(statement_id), key=lambda c: c.fetched_at)
    changes = [change_dict(store, c) for c in store.changes(statement_id=statement_id)]
    copies = linked(store, statement_id)
    return render(
        "statement.html",
        s=statement,
        paragraphs=statementpage.marked_paragraphs(statement, found),
        enrichment=enrichment,
        places=statementpage.map_places(enrichment) if enrichment else [],
        events=statementpage.events(enrichment) if enrichment else [],
        references=enrichment.references if enrichment else (),
        mentions=enrichment.countries if enrichment else (),
        persons=statementpage.people(enrichment) if enrichment else [],
        similar=statementpage.similar_statements(store, statement_id, copies),
        captures=captures,
        versions=copy_versions(copies, statement_id),
        changes=changes,
        linked=copies,
        back=statementpage.safe_back(back),
    )


@router.get("/statements/{statement_id}/beside/{other_id}", response_class=HTMLResponse)
def beside_page(request: Request, statement_id: str, other_id: str) -> str:
    """A statement and its translation side by side, paragraph by paragraph."""
    return render("beside.html", pair=side_by_side(_store(request), statement_id, other_id))


@router.get("/export.parquet")
async def export_parquet(request: Request, q: str = "") -> Response:
    """Every statement matching `q` as one Parquet file.

    The whole export runs under one time budget (`query_seconds`) and stops when the browser
    goes away: an export past it is stopped and answered with a 503 naming the budget.
    """
    out = io.BytesIO()
    await cancellable(request, lambda: export(_store(request), q, "parquet", out))
    return Response(
        out.getvalue(),
        media_type="application/vnd.apache.parquet",
        headers={"Content-Disposition": 'attachment; filename="communique-export.parquet"'},
    )


@router.get("/docs", response_class=HTMLResponse)
def docs_page() -> str:
    """Swagger UI for the API, served from the app's own files."""
    return render("docs.html", spec_url="/openapi.json")


@router.get("/changes", response_class=HTMLResponse)
def changes_page(request: Request, since: str = "") -> str:
    """Statements edited or removed on their sites, newest first, with diffs."""
    found = list_changes(_store(request), since_datetime(since))
    return render("changes.html", changes=found[::-1], since=since)


@router.get("/sources", response_class=HTMLResponse)
def sources_page(request: Request) -> str:
    """Health of each registered source: last success, statements per crawl, errors."""
    sources = list(load_registry(registry_path(request.app.state.settings.db)).values())
    report = source_health(_store(request), sources)
    return render("sources.html", report=report)


def render_error(request: Request, exc: CommuniqueError) -> str:
    """The HTML error page of a page's error, headed by its kind in words (`Query error`)."""
    return render(
        "error.html",
        message=str(exc),
        kind=in_words(type(exc)),
        q=request.query_params.get("q", ""),
    )


def render_invalid(request: Request, parameter: str | None, message: str) -> str:
    """The HTML error page of a page's parameter that is not of its type (`page=two`)."""
    return render(
        "error.html",
        message=f"{parameter}: {message}" if parameter else message,
        kind="Invalid parameter",
        q=request.query_params.get("q", ""),
    )


def _coverage_note(c: explore.Coverage) -> str:
    if c.partial:
        return f"From the newest {c.read} of {c.total} matching statements."
    return f"From {c.total} matching statement{'' if c.total == 1 else 's'}."


@router.get("/map", response_class=HTMLResponse)
async def map_page(
    request: Request, q: str = "", date_from: DateFrom = "", date_to: DateTo = ""
) -> str:
    """The places named by the matches, clustered; a cluster opens the search with near:.

    Like every explore view, it reads under the search's time budget and stops when the
    browser goes away.
    """
    form = _form(q, date_from, date_to)
    places, coverage = await cancellable(
        request, lambda: explore.map_places(_store(request), form.full_query)
    )
    data = {
        "places": [
            {
                "name": p.name,
                "lat": p.lat,
                "lon": p.lon,
                "count": p.statements,
                "href": form.with_clause(f"place:{quoted(p.name)}").href(),
            }
            for p in places
        ],
        "clusterSearch": search_href("/", q=form.full_query) + ("" if form.full_query else "?q="),
    }
    return render(
        "map.html",
        view="Map",
        q=q,
        form=form,
        data=data,
        places=places[:30],
        note=_coverage_note(coverage),
        search_action="/map",
    )


@router.get("/timeline", response_class=HTMLResponse)
async def timeline_page(
    request: Request, q: str = "", at: str = "", date_from: DateFrom = "", date_to: DateTo = ""
) -> str:
    """The dated events of the matches by event date, from decades down to days."""
    form = _form(q, date_from, date_to)
    window, width = explorepage.window(at)
    limit = 300 if window else 100
    found = await cancellable(
        request, lambda: explore.timeline(_store(request), form.full_query, window, width, limit)
    )
    buckets, trail = explorepage.zoom(found.counts, window)
    most = max((b.count for b in buckets), default=1)
    return render(
        "timeline.html",
        view="Timeline",
        q=q,
        form=form,
        buckets=buckets,
        most=most,
        events=found.events,
        shown_of=found.inside,
        trail=trail,
        at=window,
        note=_coverage_note(found.coverage),
        search_action="/timeline",
    )


@router.get("/network", response_class=HTMLResponse)
async def network_page(
    request: Request, q: str = "", date_from: DateFrom = "", date_to: DateTo = ""
) -> str:
    """Which issuer countries name which countries in the matches: a graph and a table."""
    form = _form(q, date_from, date_to)
    pairs, coverage = await cancellable(
        request, lambda: explore.network(_store(request), form.full_query)
    )
    nodes, edges = explorepage.network_drawing(pairs)
    return render(
        "network.html",
        view="Network",
        q=q,
        form=form,
        pairs=pairs,
        nodes=nodes,
        edges=edges,
        note=_coverage_note(coverage),
        search_action="/network",
    )


@router.get("/trends", response_class=HTMLResponse)
async def trends_page(request: Request, q: str = "", q2: str = "", unit: str = "year") -> str:
    """Matches per month or year of one query, or two on one chart."""
    store = _store(request)
    unit = unit if unit in ("month", "year") else "year"
    texts = [q, q2] if q2.strip() else [q]
    series = await cancellable(
        request,
        lambda: [(text, dict(explore.counts_over_time(store, text, unit))) for text in texts],
    )
    periods = sorted({p for _, counts in series for p in counts})
    data = {
        "periods": periods,
        "series": [
            {"label": text or "all statements", "counts": [c.get(p, 0) for p in periods]}
            for text, c in series
        ],
    }
    return render(
        "trends.html",
        view="Trends",
        q=q,
        q2=q2,
        unit=unit,
        data=data,
        search_action="/trends",
    )


@router.get("/feed")
def feed(request: Request, q: str = "", date_from: DateFrom = "", date_to: DateTo = "") -> Response:
    """An Atom feed of the newest statements matching a search."""
    form = _form(q, date_from, date_to)
    statements = [
        h.statement for h in search(_store(request), form.full_query, limit=50, order="newest").hits
    ]
    base = str(request.base_url)
    dates = [s.published for s in statements if s.published]
    body = render(
        "feed.xml",
        q=form.full_query,
        statements=statements,
        base=base,
        self_url=base.rstrip("/") + form.href("/feed"),
        page_url=base.rstrip("/") + form.href("/"),
        updated=(max(dates).isoformat() if dates else "1970-01-01") + "T00:00:00Z",
    )
    return Response(body, media_type="application/atom+xml; charset=utf-8")


@router.get("/saved", response_class=HTMLResponse)
def saved_page(request: Request) -> str:
    """The saved searches, each with its results, its feed and a remove button."""
    return render("saved.html", view="Saved", saved=_store(request).saved_searches())


@router.post("/saved")
def save_search_form(
    request: Request, name: Annotated[str, Form()], q: Annotated[str, Form()] = ""
) -> RedirectResponse:
    """Save the query `q` as `name` (its current matches count as already reported)."""
    alerts.save_search(_store(request), name.strip(), q)
    return RedirectResponse("/saved", status_code=303)


@router.post("/saved/remove")
def remove_search_form(request: Request, name: Annotated[str, Form()]) -> RedirectResponse:
    """Forget a saved search."""
    _store(request).delete_search(name)
    return RedirectResponse("/saved", status_code=303)
