"""Compile a `Query` to FTS5 SQL: matching, keyset cursors, snippets and facets."""

from __future__ import annotations

import base64
import json
import math
import re
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from communique import budget as budgets
from communique.errors import QueryError
from communique.geo import name_key
from communique.model import Hit, SearchPage
from communique.query import Order, Query, Term
from communique.store.base import SNIPPET_CLOSE, SNIPPET_OPEN
from communique.store.dialect import SQLITE, Db
from communique.store.link_tables import OTHER_COPIES, hit_links
from communique.store.rows import SELECT_STATEMENTS, statement_from_row

FACETS = {
    "issuer": "s.issuer",
    "country": "s.country",
    "language": "s.language",
    "type": "s.doc_type",
    "year": "substr(s.published, 1, 4)",
}
ENRICH_FACETS = {
    "mentions": "country, count(*) FROM statement_countries WHERE",
    "place": "name, count(DISTINCT statement_id) FROM statement_places"
    " WHERE feature != 'country' AND",
}
"""Facets over enrichment tables: countries named and places (towns, countries, states)."""
FACET_LIMIT = 15
SNIPPET_CHARS = 220
_MARK = re.compile(f"{SNIPPET_OPEN}([^{SNIPPET_CLOSE}]*){SNIPPET_CLOSE}")
_TITLE_WEIGHT = 4.0
_CHECK_EVERY = 10_000
"""SQLite virtual-machine steps between two checks of a search's time budget."""


@contextmanager
def budgeted(conn: sqlite3.Connection) -> Iterator[budgets.Budget]:
    """Stop the statements run on `conn` inside once the search's budget is spent or cancelled
    (SQLite's progress handler; the statement fails with "interrupted")."""
    with budgets.active() as budget:
        conn.set_progress_handler(budget.over, _CHECK_EVERY)
        try:
            yield budget
        finally:
            conn.set_progress_handler(None, 0)


@dataclass(frozen=True)
class _Compiled:
    where: str
    params: list[Any]
    match: str | None
    sort: tuple[str, str]
    """(sort-key expression, direction)"""


class SqliteSearch:
    """Runs parsed queries against `statements`, `statement_texts` and `statements_fts`."""

    def __init__(self, conn: Callable[[], sqlite3.Connection]) -> None:
        self._conn = conn

    def search(self, query: Query, cursor: str | None, limit: int) -> SearchPage:
        with budgeted(self._conn()):
            return self._search(query, cursor, limit)

    def _search(self, query: Query, cursor: str | None, limit: int) -> SearchPage:
        compiled = _compile(query)
        rows, sortkeys, next_cursor = self._page(compiled, cursor, limit)
        snippets = self._snippets(compiled, [r["rowid"] for r in rows])
        linked = hit_links(Db(self._conn(), SQLITE), [row["id"] for row in rows])
        hits = tuple(
            Hit(
                statement=statement_from_row(row),
                snippet=snippets.get(row["rowid"]) or row["text"][:240],
                score=sortkey if compiled.match else None,
                copies=linked.get(row["id"], (1, ()))[0],
                translations=linked.get(row["id"], (1, ()))[1],
            )
            for row, sortkey in zip(rows, sortkeys, strict=True)
        )
        total, facets = self._facets(compiled)
        return SearchPage(hits=hits, total=total, facets=facets, next_cursor=next_cursor)

    def page_rows(
        self, query: Query, cursor: str | None, limit: int
    ) -> tuple[list[sqlite3.Row], str | None]:
        """One page of matching statement rows, and the cursor of the next page (or None)."""
        with budgeted(self._conn()):
            rows, _, next_cursor = self._page(_compile(query), cursor, limit)
        return rows, next_cursor

    def _page(
        self, compiled: _Compiled, cursor: str | None, limit: int
    ) -> tuple[list[sqlite3.Row], list[Any], str | None]:
        """Rows of one page in order, their sort keys, and the next cursor."""
        if limit < 1:
            raise QueryError("limit must be at least 1")
        key, direction = compiled.sort
        where, params = compiled.where, list(compiled.params)
        after = _decode_cursor(cursor)
        if after is not None:
            comparison = ">" if direction == "ASC" else "<"
            where += f" AND ({key}, s.rowid) {comparison} (?, ?)"
            params += after
        keys = self._run(
            f"SELECT s.rowid AS rowid, {key} AS sortkey FROM {_from(compiled)} WHERE {where}"
            f" ORDER BY {key} {direction}, s.rowid {direction} LIMIT ?",
            [*params, limit + 1],
        )
        page, more = keys[:limit], len(keys) > limit
        rows = self._run(
            f"{SELECT_STATEMENTS} WHERE s.rowid IN ({', '.join('?' * len(page))})",
            [k["rowid"] for k in page],
        )
        by_rowid = {r["rowid"]: r for r in rows}
        next_cursor = _encode_cursor([page[-1]["sortkey"], page[-1]["rowid"]]) if more else None
        return [by_rowid[k["rowid"]] for k in page], [k["sortkey"] for k in page], next_cursor

    def _snippets(self, compiled: _Compiled, rowids: list[int]) -> dict[int, str]:
        """The best window of each text, from FTS5's highlight (linear, unlike snippet())."""
        if not compiled.match or not rowids:
            return {}
        rows = self._run(
            f"SELECT rowid, highlight(statements_fts, 1, '{SNIPPET_OPEN}', '{SNIPPET_CLOSE}')"
            f" AS marked FROM statements_fts WHERE statements_fts MATCH ?"
            f" AND rowid IN ({', '.join('?' * len(rowids))})",
            [compiled.match, *rowids],
        )
        return {r["rowid"]: best_window(r["marked"]) for r in rows}

    def _facets(self, compiled: _Compiled) -> tuple[int, dict[str, list[tuple[str, int]]]]:
        """The number of matches and the top values of each facet, from one grouped pass."""
        columns = ", ".join(FACETS.values())
        groups = self._run(
            f"SELECT {columns}, count(*) FROM {_from(compiled)} WHERE {compiled.where}"
            f" GROUP BY {', '.join(str(i + 1) for i in range(len(FACETS)))}",
            compiled.params,
        )
        facets: dict[str, list[tuple[str, int]]] = {}
        for index, name in enumerate(FACETS):
            counts: Counter[str] = Counter()
            for group in groups:
                if group[index] is not None:
                    counts[str(group[index])] += group[-1]
            ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
            facets[name] = ranked[:FACET_LIMIT]
        facets.update(self._enrichment_facets(compiled))
        return sum(group[-1] for group in groups), facets

    def _enrichment_facets(self, compiled: _Compiled) -> dict[str, list[tuple[str, int]]]:
        """Countries named and places, over the matches computed once (none if never enriched)."""
        facets: dict[str, list[tuple[str, int]]] = {name: [] for name in ENRICH_FACETS}
        if not self._run("SELECT 1 FROM statement_countries LIMIT 1", []):
            return facets
        parts = [
            f"SELECT * FROM (SELECT '{name}', {select} statement_id IN (SELECT id FROM matched)"
            f" GROUP BY 2 ORDER BY 3 DESC, 2 LIMIT {FACET_LIMIT})"
            for name, select in ENRICH_FACETS.items()
        ]
        rows = self._run(
            f"WITH matched AS MATERIALIZED (SELECT s.id AS id FROM {_from(compiled)}"
            f" WHERE {compiled.where}) " + " UNION ALL ".join(parts),
            compiled.params,
        )
        for name, value, count in rows:
            facets[name].append((str(value), int(count)))
        return facets

    def _run(self, sql: str, params: list[Any]) -> list[sqlite3.Row]:
        try:
            return self._conn().execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            budget = budgets.current()
            if budget.over():
                budget.check()
            if "fts5" in str(exc) or "MATCH" in str(exc):
                raise QueryError(f"cannot search for that: {exc}") from exc
            raise


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


def _from(compiled: _Compiled) -> str:
    if compiled.match:
        return "statements_fts JOIN statements s ON s.rowid = statements_fts.rowid"
    return "statements s"


def _compile(query: Query) -> _Compiled:
    where: list[str] = []
    params: list[Any] = []
    match = _match_expression(query)
    if match:
        where.append("statements_fts MATCH ?")
        params.append(match)
    elif query.excluded:
        where.append(
            "s.rowid NOT IN (SELECT rowid FROM statements_fts WHERE statements_fts MATCH ?)"
        )
        params.append(" OR ".join(_term(t) for t in query.excluded))
    for column, values in (
        ("s.issuer", query.issuers),
        ("s.country", query.countries),
        ("s.language", query.languages),
        ("s.doc_type", query.doc_types),
        ("s.source", query.sources),
    ):
        if values:
            where.append(f"{column} IN ({', '.join('?' * len(values))})")
            params.extend(values)
    if query.date_from:
        lower = "s.published_end" if query.approximate else "s.published"
        where.append(f"{lower} >= ?")
        params.append(query.date_from.isoformat())
    if query.date_to:
        upper = "s.published" if query.approximate else "s.published_end"
        where.append(f"{upper} <= ?")  # a year-only 2020 is not "to:2020-06"
        params.append(query.date_to.isoformat())
    for flag, subquery in ((query.edited, _EDITED), (query.removed, _REMOVED)):
        if flag is not None:
            where.append(f"s.id {'IN' if flag else 'NOT IN'} ({subquery})")
    _enrichment_filters(query, where, params)
    if not query.all_copies:
        where.append(f"s.id NOT IN ({OTHER_COPIES})")
    return _Compiled(" AND ".join(where) or "1", params, match, _sort(query, bool(match)))


_EDITED = "SELECT statement_id FROM changes WHERE kind = 'edited'"
_REMOVED = (
    "SELECT c.statement_id FROM changes c WHERE c.kind = 'removed' AND NOT EXISTS"
    " (SELECT 1 FROM changes r WHERE r.statement_id = c.statement_id AND r.kind = 'restored'"
    " AND r.id > c.id)"
)


def _enrichment_filters(query: Query, where: list[str], params: list[Any]) -> None:
    """Filters on what enrichment found: mentioned countries, places, circles, event dates."""
    if query.mentions:
        where.append(
            "s.id IN (SELECT statement_id FROM statement_countries"
            f" WHERE country IN ({', '.join('?' * len(query.mentions))}))"
        )
        params.extend(query.mentions)
    for place in query.places:
        where.append(
            "s.id IN (SELECT statement_id FROM statement_places WHERE name_key = ?"
            " UNION SELECT statement_id FROM statement_places WHERE mention_key = ?)"
        )
        params.extend([name_key(place), name_key(place)])
    for near in query.near:
        dlat = near.km / 111.0
        dlon = near.km / max(111.0 * math.cos(math.radians(near.lat)), 1e-6)
        lon_range = "" if dlon >= 180 else " AND lon BETWEEN ? AND ?"
        where.append(
            "s.id IN (SELECT statement_id FROM statement_places WHERE lat BETWEEN ? AND ?"
            f"{lon_range} AND geo_km(lat, lon, ?, ?) <= ?)"
        )
        params.extend([near.lat - dlat, near.lat + dlat])
        if lon_range:
            params.extend([near.lon - dlon, near.lon + dlon])
        params.extend([near.lat, near.lon, near.km])
    if query.event_from or query.event_to:
        where.append(
            "s.id IN (SELECT statement_id FROM statement_events"
            " WHERE last_day >= ? AND first_day <= ?)"
        )
        params.append(query.event_from.isoformat() if query.event_from else "0000-01-01")
        params.append(query.event_to.isoformat() if query.event_to else "9999-12-31")


def _sort(query: Query, ranked: bool) -> tuple[str, str]:
    order = query.effective_order
    if order is Order.RELEVANCE and ranked:
        return f"bm25(statements_fts, {_TITLE_WEIGHT}, 1.0)", "ASC"
    if order is Order.OLDEST:
        return "coalesce(s.published, '9999-99-99')", "ASC"
    return "coalesce(s.published, '')", "DESC"


def _match_expression(query: Query) -> str | None:
    if not query.required:
        return None
    groups = [
        "(" + " OR ".join(_term(t) for t in group) + ")" if len(group) > 1 else _term(group[0])
        for group in query.required
    ]
    expression = " AND ".join(groups)
    for term in query.excluded:
        expression = f"({expression}) NOT {_term(term)}"
    return expression


def _term(term: Term) -> str:
    quoted = '"' + term.text.replace('"', '""') + '"'
    return quoted + "*" if term.prefix else quoted


def _encode_cursor(key: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> list[Any] | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except ValueError:
        raise QueryError("invalid cursor; start again without one", parameter="cursor") from None
    if not (isinstance(key, list) and len(key) == 2 and isinstance(key[1], int)):
        raise QueryError("invalid cursor; start again without one", parameter="cursor")
    return key
