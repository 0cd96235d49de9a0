"""The state of the search form, and what the search page derives from it.

Filter chips, facet links that keep every current filter, numbered pages, and the hint
that names the filter which emptied a result.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from typing import Any

from communique.model import SearchPage
from communique.query import FILTERS, parse_query
from communique.records import record
from communique.search import search
from communique.semantic import search_mode
from communique.store.base import Store
from communique.web.render import country_label, quoted, search_href

MAX_RESULTS = 1000
"""Numbered pages reach this many results (search's largest page); the export has them all."""
FACET_FILTER = {
    "issuer": "issuer",
    "country": "country",
    "language": "lang",
    "type": "type",
    "mentions": "mentions",
    "place": "place",
}
FACET_TITLES = {
    "year": "Year",
    "country": "Issuer country",
    "issuer": "Issuer",
    "language": "Language",
    "type": "Type",
    "mentions": "Countries named",
    "place": "Places named",
}
_CLAUSE = re.compile(r'[A-Za-z_]+:(?:"[^"]*"|[^\s"]*)|-?"[^"]*"|\S+')
_FILTER = re.compile(r'(?P<name>[A-Za-z_]+):(?:"(?P<quoted>[^"]*)"|(?P<value>[^\s"]*))$')
_UPPER = ("country", "mentions")


@record
class Chip:
    """An active filter and the link that removes it."""

    name: str
    label: str
    remove: str


@record
class FacetLink:
    value: str
    label: str
    count: int
    href: str
    active: bool


@record
class SearchForm:
    """What the user asked: the query text, the form's dates, the order and the page."""

    q: str = ""
    date_from: str = ""
    date_to: str = ""
    order: str = "relevance"
    page: int = 1
    mode: str = "keyword"

    @property
    def full_query(self) -> str:
        """The query text with the form's dates folded in as from:/to: filters."""
        bounds = [f"{n}:{v.strip()}" for n, v in (("from", self.date_from), ("to", self.date_to))]
        return " ".join(
            p for p in (self.q.strip(), *(b for b in bounds if not b.endswith(":"))) if p
        )

    @property
    def all_copies(self) -> bool:
        """Whether the query asks for every copy (`copies:all`): its hits are copies."""
        return parse_query(self.full_query).filters.all_copies

    def href(self, path: str = "/", **changes: Any) -> str:
        """A link to `path` with this form's values, some changed (page 1 unless given)."""
        form = replace(self, **({"page": 1} | changes))
        return search_href(
            path,
            q=form.q,
            **{"from": form.date_from, "to": form.date_to},
            order="" if form.order == "relevance" else form.order,
            page="" if form.page == 1 else form.page,
            mode="" if form.mode == "keyword" else form.mode,
        )

    def clauses(self) -> list[str]:
        return _CLAUSE.findall(self.q)

    def without(self, clause: str) -> SearchForm:
        kept = list(self.clauses())
        kept.remove(clause)
        return replace(self, q=" ".join(kept), page=1)

    def with_clause(self, clause: str) -> SearchForm:
        """This form narrowed by `clause` (a filter already in the query is not repeated)."""
        parsed = filter_clause(clause)
        if parsed is not None and any(_is(c, *parsed) for c in self.clauses()):
            return replace(self, page=1)
        return replace(self, q=f"{self.q.strip()} {clause}".strip(), page=1)


def filter_clause(clause: str) -> tuple[str, str] | None:
    """(`name`, `value`) when `clause` is a filter such as `country:AZ` or `place:"New York"`."""
    match = _FILTER.match(clause)
    if match is None or match["name"].lower() not in FILTERS:
        return None
    return match["name"].lower(), match["quoted"] or match["value"] or ""


def _same(name: str, a: str, b: str) -> bool:
    return a.upper() == b.upper() if name in _UPPER else a.casefold() == b.casefold()


def chips(form: SearchForm) -> list[Chip]:
    """Each filter of the query and each form date, with the link that drops it."""
    found = []
    for clause in form.clauses():
        parsed = filter_clause(clause)
        if parsed is not None:
            name, value = parsed
            label = country_label(value) if name in _UPPER else value
            found.append(Chip(name, f"{name}: {label}", form.without(clause).href()))
    if form.date_from:
        found.append(Chip("from", f"from: {form.date_from}", form.href(date_from="")))
    if form.date_to:
        found.append(Chip("to", f"to: {form.date_to}", form.href(date_to="")))
    return found


def facet_links(
    form: SearchForm, facets: dict[str, list[tuple[str, int]]]
) -> dict[str, list[FacetLink]]:
    """Links that add a facet value to every current filter, or drop it when already active."""
    active = [p for p in (filter_clause(c) for c in form.clauses()) if p is not None]
    links: dict[str, list[FacetLink]] = {}
    for name in FACET_TITLES:
        counts = facets.get(name, [])
        if name == "year":
            links[name] = [_year_link(form, value, n) for value, n in sorted(counts)]
            continue
        key = FACET_FILTER[name]
        links[name] = []
        for value, count in counts:
            clause = f"{key}:{quoted(value)}"
            on = next((c for c in form.clauses() if _is(c, key, value)), None)
            is_on = on is not None or any(n == key and _same(n, v, value) for n, v in active)
            href = form.without(on).href() if on else form.with_clause(clause).href()
            label = country_label(value) if name in ("country", "mentions") else value
            links[name].append(FacetLink(value, label, count, href, is_on))
    return links


def _is(clause: str, key: str, value: str) -> bool:
    parsed = filter_clause(clause)
    return parsed is not None and parsed[0] == key and _same(key, parsed[1], value)


def _year_link(form: SearchForm, year: str, count: int) -> FacetLink:
    first, last = f"{year}-01-01", f"{year}-12-31"
    on = form.date_from == first and form.date_to == last
    href = form.href(date_from="", date_to="") if on else form.href(date_from=first, date_to=last)
    return FacetLink(year, year, count, href, on)


@record
class Pager:
    """Where this page sits: `first`–`last` of the search page's `total`, and links to pages
    around it."""

    first: int
    last: int
    page: int
    pages: int
    previous: str | None
    next: str | None
    numbers: list[tuple[int | None, str]]
    """(page number, link); None marks a gap."""


def run(store: Store, form: SearchForm, page_size: int) -> tuple[SearchPage, Pager]:
    """The hits of the form's page (a page past the last, or beyond the cap, shows the last)."""
    max_page = max(1, MAX_RESULTS // page_size)
    page_no = max(1, min(form.page, max_page))
    if form.mode == "keyword":
        found = search(store, form.full_query, limit=page_no * page_size, order=form.order)
    else:
        found = search_mode(store, form.full_query, form.mode, limit=page_no * page_size)
    pages = min(max_page, max(1, math.ceil(found.total / page_size)))
    page_no = min(page_no, pages)
    hits = found.hits[(page_no - 1) * page_size : page_no * page_size]
    page = SearchPage(
        hits=hits,
        total=found.total,
        facets=found.facets,
        next_cursor=None,
        estimated=found.estimated,
    )
    first = (page_no - 1) * page_size + 1 if hits else 0
    return page, Pager(
        first=first,
        last=first + len(hits) - 1 if hits else 0,
        page=page_no,
        pages=pages,
        previous=form.href(page=page_no - 1) if page_no > 1 else None,
        next=form.href(page=page_no + 1) if page_no < pages else None,
        numbers=_numbers(form, page_no, pages),
    )


def _numbers(form: SearchForm, page: int, pages: int) -> list[tuple[int | None, str]]:
    shown = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    numbers: list[tuple[int | None, str]] = []
    for n in shown:
        if numbers and numbers[-1][0] is not None and n - (numbers[-1][0] or 0) > 1:
            numbers.append((None, ""))
        numbers.append((n, form.href(page=n)))
    return numbers


def empty_hints(store: Store, form: SearchForm) -> list[tuple[str, int, str]]:
    """For an empty result: each filter whose removal alone would give matches, and how many;
    when no single one does, all the filters together (the words alone)."""
    hints = []
    candidates = [(c, form.without(c)) for c in form.clauses() if filter_clause(c) is not None]
    if form.date_from:
        candidates.append((f"from: {form.date_from}", replace(form, date_from="")))
    if form.date_to:
        candidates.append((f"to: {form.date_to}", replace(form, date_to="")))
    for label, relaxed in candidates:
        total = search(store, relaxed.full_query, limit=1, order=form.order).total
        if total:
            hints.append((label, total, relaxed.href()))
    if hints or len(candidates) < 2:
        return hints
    words = [c for c in form.clauses() if filter_clause(c) is None]
    relaxed = replace(form, q=" ".join(words), date_from="", date_to="", page=1)
    total = search(store, relaxed.full_query, limit=1, order=form.order).total
    return [(", ".join(label for label, _ in candidates), total, relaxed.href())] if total else []
