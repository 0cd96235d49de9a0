"""Search in SQL, shared by SQLite's FTS5 path and PostgreSQL's text search.

A backend compiles a `Query` to a WHERE clause, a match and a sort key (`SqlSearch._compile`)
and says how it reads text snippets; pages by keyset cursor, hits, filters and facets are
built here once, with the backend's placeholder.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, ClassVar

from communique.errors import QueryError
from communique.geo import name_key
from communique.model import Hit, SearchPage
from communique.query import Filters, Order, Query
from communique.store.base import SNIPPET_CLOSE, SNIPPET_OPEN
from communique.store.dialect import Db, Dialect, Row
from communique.store.link_tables import OTHER_COPIES, hit_links
from communique.store.rows import SELECT_STATEMENTS, statement_from_row
from communique.store.search_index import FACET_LIMIT, cursor_text, cursor_value

FACETS = {
    "issuer": "s.issuer",
    "country": "s.country",
    "language": "s.language",
    "type": "s.doc_type",
    "year": "substr(s.published, 1, 4)",
}
ENRICH_FACETS = {
    "mentions": "country AS value, count(*) AS n FROM statement_countries WHERE",
    "place": "name AS value, count(DISTINCT statement_id) AS n FROM statement_places"
    " WHERE feature != 'country' AND",
}
"""Facets over enrichment tables: countries named and places (towns, countries, states)."""
SNIPPET_CHARS = 220
_MARK = re.compile(f"{SNIPPET_OPEN}([^{SNIPPET_CLOSE}]*){SNIPPET_CLOSE}")
EDITED = "SELECT statement_id FROM changes WHERE kind = 'edited'"
REMOVED = (
    "SELECT c.statement_id FROM changes c WHERE c.kind = 'removed' AND NOT EXISTS"
    " (SELECT 1 FROM changes r WHERE r.statement_id = c.statement_id AND r.kind = 'restored'"
    " AND r.id > c.id)"
)
"""Statements removed from their site and not restored since."""


@dataclass(frozen=True)
class Compiled:
    """A query as SQL in one backend's dialect."""

    where: str
    params: list[Any]
    match: str | None
    """What the statement's words must match (the backend's own expression), if anything."""
    sort: tuple[str, list[Any], str]
    """(sort-key expression, its parameters, direction)"""
    notes: dict[str, Any] = field(default_factory=dict, compare=False)
    """What one search learnt about its matches on the way (an estimate of their number)."""


class SqlSearch:
    """Pages, hits and facets of a compiled query; a backend compiles and reads snippets."""

    dialect: ClassVar[Dialect]
    _conn: Callable[[], Any]

    def search(self, query: Query, cursor: str | None, limit: int) -> SearchPage:
        """One page of hits of `query` after `cursor`, with the total and the facets."""
        with self._guard(query):
            return self._search(query, cursor, limit)

    def total(self, query: Query) -> int:
        """How many statements match `query`, as `search` counts them, without facets."""
        with self._guard(query):
            return self._total(self._compile(query))

    def page_rows(
        self, query: Query, cursor: str | None, limit: int
    ) -> tuple[list[Row], str | None]:
        """One page of matching statement rows, and the cursor of the next page (or None)."""
        with self._guard(query):
            rows, _, next_cursor = self._page(self._compile(query), cursor, limit)
        return rows, next_cursor

    def _guard(self, query: Query) -> AbstractContextManager[Any]:
        """Held while a search of `query` runs (SQLite stops its statements once the budget is
        spent; PostgreSQL finds words through the text index only)."""
        return nullcontext()

    def _compile(self, query: Query) -> Compiled:
        raise NotImplementedError

    def _from(self, compiled: Compiled) -> str:
        """The tables a compiled query reads (`statements s` joined to the text index)."""
        raise NotImplementedError

    def _snippets(self, compiled: Compiled, rowids: list[int]) -> dict[int, str]:
        raise NotImplementedError

    def _run(self, sql: str, params: list[Any]) -> list[Row]:
        """Rows of `sql` (in this dialect), the backend's errors made `QueryError`s."""
        raise NotImplementedError

    def _search(self, query: Query, cursor: str | None, limit: int) -> SearchPage:
        compiled = self._compile(query)
        total, facets, estimated = self._counted(compiled)
        rows, sortkeys, next_cursor = self._page(compiled, cursor, limit)
        ranked = compiled.match is not None and query.effective_order is Order.RELEVANCE
        snippets = self._snippets(compiled, [r["rowid"] for r in rows])
        linked = hit_links(Db(self._conn(), self.dialect), [row["id"] for row in rows])
        hits = tuple(
            Hit(
                statement=statement_from_row(row),
                snippet=snippets.get(row["rowid"]) or row["text"][:240],
                score=float(sortkey) if ranked else None,  # else the key is a date
                copies=linked.get(row["id"], (1, ()))[0],
                translations=linked.get(row["id"], (1, ()))[1],
            )
            for row, sortkey in zip(rows, sortkeys, strict=True)
        )
        return SearchPage(
            hits=hits, total=total, facets=facets, next_cursor=next_cursor, estimated=estimated
        )

    def _counted(self, compiled: Compiled) -> tuple[int, dict[str, list[tuple[str, int]]], bool]:
        """The number of matches, the facets, and whether both are estimated (from a sample)."""
        return (*self._facets(compiled), False)

    def _total(self, compiled: Compiled) -> int:
        """The number of matches of `compiled`."""
        return int(self._count(compiled)[0]["n"])

    def _count(self, compiled: Compiled) -> list[Row]:
        """One row: the number of matches of `compiled` (as `n`)."""
        return self._run(
            f"SELECT count(*) AS n FROM {self._from(compiled)} WHERE {compiled.where}",
            compiled.params,
        )

    def _page(
        self, compiled: Compiled, cursor: str | None, limit: int
    ) -> tuple[list[Row], list[Any], str | None]:
        """Rows of one page in order, their sort keys, and the next cursor."""
        if limit < 1:
            raise QueryError("limit must be at least 1")
        mark = self.dialect.placeholder
        key, key_params, direction = compiled.sort
        where, params = compiled.where, list(compiled.params)
        after = decode_cursor(cursor)
        if after is not None:
            comparison = ">" if direction == "ASC" else "<"
            where += f" AND ({key}, s.rowid) {comparison} ({mark}, {mark})"
            params += [*key_params, *after]
        keys = self._run(
            f"SELECT s.rowid AS rowid, {key} AS sortkey FROM {self._from(compiled)}"
            f" WHERE {where} ORDER BY {key} {direction}, s.rowid {direction} LIMIT {mark}",
            [*key_params, *params, *key_params, limit + 1],
        )
        page, more = keys[:limit], len(keys) > limit
        next_cursor = encode_cursor([page[-1]["sortkey"], page[-1]["rowid"]]) if more else None
        return self._statement_rows(page), [k["sortkey"] for k in page], next_cursor

    def _statement_rows(self, page: list[Row]) -> list[Row]:
        """The statement rows of `page` (rows holding a `rowid`), in its order."""
        if not page:
            return []
        mark = self.dialect.placeholder
        rows = self._run(
            f"{SELECT_STATEMENTS} WHERE s.rowid IN ({', '.join([mark] * len(page))})",
            [k["rowid"] for k in page],
        )
        by_rowid = {r["rowid"]: r for r in rows}
        return [by_rowid[k["rowid"]] for k in page]

    def _facets(self, compiled: Compiled) -> tuple[int, dict[str, list[tuple[str, int]]]]:
        """The number of matches and the top values of each facet, from one grouped pass."""
        return self._facets_of(self._groups(compiled), compiled, 1.0)

    def _groups(self, compiled: Compiled, more: str = "") -> list[Row]:
        """The matches counted by every facet's value at once (`f0`… and `n`), and the
        aggregates `more` (`, sql AS name`…) of each group."""
        columns = ", ".join(f"{sql} AS f{i}" for i, sql in enumerate(FACETS.values()))
        return self._run(
            f"SELECT {columns}, count(*) AS n{more} FROM {self._from(compiled)}"
            f" WHERE {compiled.where} GROUP BY {', '.join(str(i + 1) for i in range(len(FACETS)))}",
            compiled.params,
        )

    def _facets_of(
        self, groups: list[Row], compiled: Compiled, scale: float
    ) -> tuple[int, dict[str, list[tuple[str, int]]]]:
        """The total and facets of `groups` (of the matches of `compiled`), each count times
        `scale` (a sample's counts made estimates of the whole)."""
        facets: dict[str, list[tuple[str, int]]] = {}
        for index, name in enumerate(FACETS):
            counts: Counter[str] = Counter()
            for group in groups:
                if group[f"f{index}"] is not None:
                    counts[str(group[f"f{index}"])] += int(group["n"])
            ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
            facets[name] = [(value, round(n * scale)) for value, n in ranked[:FACET_LIMIT]]
        facets.update(self._enrichment_facets(compiled, scale))
        return round(sum(int(group["n"]) for group in groups) * scale), facets

    def _enrichment_facets(
        self, compiled: Compiled, scale: float
    ) -> dict[str, list[tuple[str, int]]]:
        """Countries named and places, over the matches computed once (none if never enriched),
        each count times `scale`."""
        facets: dict[str, list[tuple[str, int]]] = {name: [] for name in ENRICH_FACETS}
        if not self._run("SELECT 1 AS found FROM statement_countries LIMIT 1", []):
            return facets
        parts = [
            f"SELECT * FROM (SELECT '{name}' AS facet, {select} statement_id IN"
            f" (SELECT id FROM matched) GROUP BY 2 ORDER BY 3 DESC, 2 LIMIT {FACET_LIMIT})"
            f" AS f{index}"
            for index, (name, select) in enumerate(ENRICH_FACETS.items())
        ]
        rows = self._run(
            f"WITH matched AS MATERIALIZED (SELECT s.id AS id FROM {self._from(compiled)}"
            f" WHERE {compiled.where}) " + " UNION ALL ".join(parts),
            compiled.params,
        )
        for row in rows:
            facets[row["facet"]].append((str(row["value"]), round(int(row["n"]) * scale)))
        return facets


def filters(
    chosen: Filters, mark: str, canonical: str = f"s.id NOT IN ({OTHER_COPIES})"
) -> tuple[list[str], list[Any]]:
    """WHERE conditions (with `mark` placeholders) for every filter `chosen`; `canonical`
    leaves out the copies that are not their statement's canonical one (unless `copies:all`)."""
    where, params = narrowing_filters(chosen, mark)
    return one_copy_each(chosen, where, canonical), params


def one_copy_each(chosen: Filters, where: list[str], canonical: str) -> list[str]:
    """`where`, and `canonical` (a statement's canonical copy only) unless `copies:all`.

    Example:
        >>> one_copy_each(Filters(), ["a"], "c"), one_copy_each(Filters(all_copies=True), [], "c")
        (['a', 'c'], [])
    """
    return where if chosen.all_copies else [*where, canonical]


def narrowing_filters(chosen: Filters, mark: str) -> tuple[list[str], list[Any]]:
    """The conditions of `filters` that narrow the statements by what they are (a field's
    value, dates, changes, what enrichment found): all but the one-hit-per-statement rule.
    Empty when only words (or nothing) limit the search."""
    where: list[str] = []
    params: list[Any] = []
    for name, values in chosen.field_filters:
        if values:
            where.append(f"s.{name} IN ({', '.join([mark] * len(values))})")
            params.extend(values)
    if chosen.published.first:
        lower = "s.published_end" if chosen.approximate else "s.published"
        where.append(f"{lower} >= {mark}")
        params.append(chosen.published.first.isoformat())
    if chosen.published.last:
        upper = "s.published" if chosen.approximate else "s.published_end"
        where.append(f"{upper} <= {mark}")  # a year-only 2020 is not "to:2020-06"
        params.append(chosen.published.last.isoformat())
    for flag, subquery in ((chosen.edited, EDITED), (chosen.removed, REMOVED)):
        if flag is not None:
            where.append(f"s.id {'IN' if flag else 'NOT IN'} ({subquery})")
    _enrichment_filters(chosen, mark, where, params)
    return where, params


def _enrichment_filters(chosen: Filters, mark: str, where: list[str], params: list[Any]) -> None:
    """Filters on what enrichment found: mentioned countries, places, circles, event dates."""
    if chosen.mentions:
        where.append(
            "s.id IN (SELECT statement_id FROM statement_countries"
            f" WHERE country IN ({', '.join([mark] * len(chosen.mentions))}))"
        )
        params.extend(chosen.mentions)
    for place in chosen.places:
        where.append(
            f"s.id IN (SELECT statement_id FROM statement_places WHERE name_key = {mark}"
            f" UNION SELECT statement_id FROM statement_places WHERE mention_key = {mark})"
        )
        params.extend([name_key(place), name_key(place)])
    for near in chosen.near:
        dlat = near.km / 111.0
        dlon = near.km / max(111.0 * math.cos(math.radians(near.lat)), 1e-6)
        lon_range = "" if dlon >= 180 else f" AND lon BETWEEN {mark} AND {mark}"
        where.append(
            "s.id IN (SELECT statement_id FROM statement_places"
            f" WHERE lat BETWEEN {mark} AND {mark}{lon_range}"
            f" AND geo_km(lat, lon, {mark}, {mark}) <= {mark})"
        )
        params.extend([near.lat - dlat, near.lat + dlat])
        if lon_range:
            params.extend([near.lon - dlon, near.lon + dlon])
        params.extend([near.lat, near.lon, near.km])
    if chosen.event_dates.bounded:
        where.append(
            "s.id IN (SELECT statement_id FROM statement_events"
            f" WHERE last_day >= {mark} AND first_day <= {mark})"
        )
        params.extend(chosen.event_dates.iso_days())


def date_sort(query: Query) -> tuple[str, list[Any], str]:
    """The sort key of a query ordered by date (newest first unless `order:oldest`)."""
    if query.effective_order is Order.OLDEST:
        return "coalesce(s.published, '9999-99-99')", [], "ASC"
    return "coalesce(s.published, '')", [], "DESC"


def best_window(marked: str, width: int = SNIPPET_CHARS) -> str:
    r"""About `width` characters of `marked` holding the most distinct marked terms.

    Example:
        >>> best_window("Opening words. Then \x02peace\x03 talks.", width=12)
        '… Then \x02peace\x03 …'
    """
    hits = [(m.start(), m.group(1).lower()) for m in _MARK.finditer(marked)]
    lead = width // 5
    start = max(0, hits[_densest(hits, width - lead)][0] - lead) if hits else 0
    if start > 0:
        start = marked.rfind(" ", 0, start) + 1
    end = marked.find(" ", start + width)
    end = len(marked) if end < 0 else end
    window = " ".join(marked[start:end].split())
    if window.count(SNIPPET_OPEN) > window.count(SNIPPET_CLOSE):
        window += SNIPPET_CLOSE
    if window.count(SNIPPET_CLOSE) > window.count(SNIPPET_OPEN):
        window = SNIPPET_OPEN + window
    return ("… " if start > 0 else "") + window + (" …" if end < len(marked) else "")


def _densest(hits: list[tuple[int, str]], span: int) -> int:
    """Index of the hit that starts the span holding the most distinct terms (two pointers)."""
    counts: Counter[str] = Counter()
    best, best_score, right = 0, -1, 0
    for left, (position, term) in enumerate(hits):
        while right < len(hits) and hits[right][0] < position + span:
            counts[hits[right][1]] += 1
            right += 1
        if len(counts) > best_score:
            best, best_score = left, len(counts)
        counts[term] -= 1
        if not counts[term]:
            del counts[term]
    return best


def encode_cursor(key: list[Any]) -> str:
    """An opaque cursor for the keyset (sort key, rowid) of the last hit of a page."""
    return cursor_text(key)


def decode_cursor(cursor: str | None) -> list[Any] | None:
    """The keyset of `cursor` (QueryError when it is not one of ours)."""
    key = cursor_value(cursor)
    if key is not None and not (
        isinstance(key, list) and len(key) == 2 and isinstance(key[1], int)
    ):
        raise QueryError("invalid cursor; start again without one", parameter="cursor")
    return key
