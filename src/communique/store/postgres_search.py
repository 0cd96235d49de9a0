"""Compile a `Query` to PostgreSQL full-text search: matching, keyset cursors, snippets, facets.

A word matches a statement when any language's stem of it, or the word itself with accents
folded, is among the statement's words; a prefix (`word*`) and a phrase match words as written
(accents folded), like the SQLite store. Ranking is `ts_rank` with title words weighted above
text words.
"""

from __future__ import annotations

import base64
import json
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg

from communique import budget as budgets
from communique.errors import QueryError
from communique.geo import name_key
from communique.model import Hit, SearchPage
from communique.query import Order, Query, Term
from communique.store.base import SNIPPET_CLOSE, SNIPPET_OPEN
from communique.store.dialect import POSTGRES, Db
from communique.store.link_tables import OTHER_COPIES, hit_links
from communique.store.postgres_schema import SIMPLE_CONFIG, TEXT_CONFIGS
from communique.store.sqlite_search import ENRICH_FACETS, FACET_LIMIT, FACETS, best_window

Conn = psycopg.Connection[dict[str, Any]]
Row = dict[str, Any]
_LANGUAGES = (
    "languages AS (SELECT min(language) AS v FROM statements UNION ALL"
    " SELECT (SELECT min(language) FROM statements WHERE language > v) FROM languages"
    " WHERE v IS NOT NULL)"
)
"""The distinct languages of the archive, one index probe each (a loose index scan)."""
_RANK = "ts_rank('{0.1, 0.2, 0.25, 1.0}', t.tsv, %s::tsquery, 1)::float8"
_HEADLINE = f"StartSel={SNIPPET_OPEN}, StopSel={SNIPPET_CLOSE}, HighlightAll=true"
_FROM_TEXT = "statement_texts t JOIN statements s ON s.rowid = t.rowid"


@dataclass(frozen=True)
class _Compiled:
    where: str
    params: list[Any]
    match: str | None
    """The tsquery (as text) the statement's words must match, if any."""
    sort: tuple[str, list[Any], str]
    """(sort-key expression, its parameters, direction)"""


class PgSearch:
    """Runs parsed queries against `statements` and `statement_texts`."""

    def __init__(self, conn: Callable[[], Conn]) -> None:
        self._conn = conn

    def search(self, query: Query, cursor: str | None, limit: int) -> SearchPage:
        """One page; the search's budget is checked between its statements."""
        budget = budgets.current()
        compiled = self._compile(query)
        rows, sortkeys, next_cursor = self._page(compiled, cursor, limit)
        budget.check()
        snippets = self._snippets(compiled, [r["rowid"] for r in rows])
        budget.check()
        from communique.store.rows import statement_from_row

        linked = hit_links(Db(self._conn(), POSTGRES), [row["id"] for row in rows])
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

    def matched(self, query: Query) -> tuple[str, list[Any]]:
        """A SELECT of the rowids (as `k`) of the matches of `query`, and its parameters."""
        compiled = self._compile(query)
        return f"SELECT s.rowid AS k FROM {_from(compiled)} WHERE {compiled.where}", compiled.params

    def counts_over_time(self, query: Query, interval: str) -> list[tuple[str, int]]:
        """(period, matches) per month or year, from one grouped pass over the matches."""
        compiled = self._compile(query)
        width = 7 if interval == "month" else 4
        rows = self._run(
            f"SELECT substr(s.published, 1, {width}) AS period, count(*) AS n"
            f" FROM {_from(compiled)} WHERE {compiled.where} AND s.published IS NOT NULL"
            " GROUP BY 1 ORDER BY 1",
            compiled.params,
        )
        return [(str(r["period"]), int(r["n"])) for r in rows]

    def page_rows(
        self, query: Query, cursor: str | None, limit: int
    ) -> tuple[list[Row], str | None]:
        """One page of matching statement rows, and the cursor of the next page (or None)."""
        rows, _, next_cursor = self._page(self._compile(query), cursor, limit)
        return rows, next_cursor

    def _page(
        self, compiled: _Compiled, cursor: str | None, limit: int
    ) -> tuple[list[Row], list[Any], str | None]:
        if limit < 1:
            raise QueryError("limit must be at least 1")
        key, key_params, direction = compiled.sort
        where, params = compiled.where, list(compiled.params)
        after = _decode_cursor(cursor)
        if after is not None:
            comparison = ">" if direction == "ASC" else "<"
            where += f" AND ({key}, s.rowid) {comparison} (%s, %s)"
            params += [*key_params, *after]
        keys = self._run(
            f"SELECT s.rowid AS rowid, {key} AS sortkey FROM {_from(compiled)} WHERE {where}"
            f" ORDER BY {key} {direction}, s.rowid {direction} LIMIT %s",
            [*key_params, *params, *key_params, limit + 1],
        )
        page, more = keys[:limit], len(keys) > limit
        rows = self._run(
            "SELECT s.*, t.title, t.text FROM statements s JOIN statement_texts t"
            " ON t.rowid = s.rowid WHERE s.rowid = ANY(%s)",
            [[k["rowid"] for k in page]],
        )
        by_rowid = {r["rowid"]: r for r in rows}
        next_cursor = _encode_cursor([page[-1]["sortkey"], page[-1]["rowid"]]) if more else None
        return [by_rowid[k["rowid"]] for k in page], [k["sortkey"] for k in page], next_cursor

    def _snippets(self, compiled: _Compiled, rowids: list[int]) -> dict[int, str]:
        if not compiled.match or not rowids:
            return {}
        rows = self._run(
            "SELECT rowid, ts_headline(%s::regconfig, text, %s::tsquery, %s) AS marked"
            " FROM statement_texts WHERE rowid = ANY(%s)",
            [SIMPLE_CONFIG, compiled.match, _HEADLINE, rowids],
        )
        return {r["rowid"]: best_window(r["marked"]) for r in rows if SNIPPET_OPEN in r["marked"]}

    def _facets(self, compiled: _Compiled) -> tuple[int, dict[str, list[tuple[str, int]]]]:
        """The number of matches and the top values of each facet, from one grouped pass."""
        columns = ", ".join(f"{sql} AS f{i}" for i, sql in enumerate(FACETS.values()))
        groups = self._run(
            f"SELECT {columns}, count(*) AS n FROM {_from(compiled)} WHERE {compiled.where}"
            f" GROUP BY {', '.join(str(i + 1) for i in range(len(FACETS)))}",
            compiled.params,
        )
        facets: dict[str, list[tuple[str, int]]] = {}
        for index, name in enumerate(FACETS):
            counts: Counter[str] = Counter()
            for group in groups:
                if group[f"f{index}"] is not None:
                    counts[str(group[f"f{index}"])] += group["n"]
            ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
            facets[name] = ranked[:FACET_LIMIT]
        facets.update(self._enrichment_facets(compiled))
        return sum(int(group["n"]) for group in groups), facets

    def _enrichment_facets(self, compiled: _Compiled) -> dict[str, list[tuple[str, int]]]:
        facets: dict[str, list[tuple[str, int]]] = {name: [] for name in ENRICH_FACETS}
        if not self._run("SELECT 1 FROM statement_countries LIMIT 1", []):
            return facets
        parts = [
            f"SELECT * FROM (SELECT '{name}' AS facet, {select} statement_id IN"
            f" (SELECT id FROM matched) GROUP BY 2 ORDER BY 3 DESC, 2 LIMIT {FACET_LIMIT})"
            f" AS f{index}"
            for index, (name, select) in enumerate(ENRICH_FACETS.items())
        ]
        rows = self._run(
            f"WITH matched AS MATERIALIZED (SELECT s.id AS id FROM {_from(compiled)}"
            f" WHERE {compiled.where}) " + " UNION ALL ".join(parts),
            compiled.params,
        )
        for row in rows:
            name, value, count = row.values()
            facets[name].append((str(value), int(count)))
        return facets

    def _run(self, sql: str, params: list[Any]) -> list[Row]:
        try:
            return self._conn().execute(sql.encode(), params).fetchall()
        except psycopg.errors.SyntaxError as exc:
            raise QueryError(f"cannot search for that: {exc}") from exc

    # compiling

    def _compile(self, query: Query) -> _Compiled:
        where: list[str] = []
        params: list[Any] = []
        match = self._match(query)
        if match:
            where.append("t.tsv @@ %s::tsquery")
            params.append(match)
        elif query.excluded:
            where.append(
                "s.rowid NOT IN (SELECT rowid FROM statement_texts WHERE tsv @@ %s::tsquery)"
            )
            params.append(" | ".join(self._terms(query.excluded)))
        _filters(query, where, params)
        if not query.all_copies:
            where.append(f"s.id NOT IN ({OTHER_COPIES})")
        return _Compiled(" AND ".join(where) or "TRUE", params, match, _sort(query, match))

    def _match(self, query: Query) -> str | None:
        if not query.required:
            return None
        terms = self._terms([t for group in query.required for t in group])
        position = 0
        groups = []
        for group in query.required:
            groups.append("(" + " | ".join(terms[position : position + len(group)]) + ")")
            position += len(group)
        expression = " & ".join(groups)
        for term in self._terms(query.excluded):
            expression = f"({expression}) & !{term}"
        return expression

    def _terms(self, terms: list[Term] | tuple[Term, ...]) -> list[str]:
        """Each term as tsquery text: the OR of its forms as written and as stemmed in each
        language the archive holds (a stemmer of a language it lacks only adds noise)."""
        if not terms:
            return []
        rows = self._run(
            f"WITH RECURSIVE {_LANGUAGES}, configs AS (SELECT %s AS c UNION"
            " SELECT 'communique_' || v FROM languages WHERE v = ANY(%s))"
            " SELECT i, c, phraseto_tsquery(c::regconfig, x)::text AS q"
            " FROM unnest(%s::text[]) WITH ORDINALITY AS terms(x, i), configs",
            [SIMPLE_CONFIG, list(TEXT_CONFIGS), [t.text for t in terms]],
        )
        forms: dict[int, dict[str, None]] = {i: {} for i in range(1, len(terms) + 1)}
        for row in rows:
            term = terms[row["i"] - 1]
            if not row["q"]:
                continue
            if term.prefix or term.phrase:
                if row["c"] != SIMPLE_CONFIG:
                    continue
                form = f"{row['q']}:*" if term.prefix and "<" not in row["q"] else row["q"]
            else:
                form = row["q"]
            forms[row["i"]][f"({form})"] = None
        return [
            "(" + " | ".join(forms[i]) + ")" if forms[i] else "('\x01')"
            for i in range(1, len(terms) + 1)
        ]


def title_phrase_query(conn: Conn, phrase: str) -> str | None:
    """`phrase` as tsquery text matching the words as written, or None when it has none."""
    row = conn.execute(
        "SELECT phraseto_tsquery(%s::regconfig, %s)::text AS q", (SIMPLE_CONFIG, phrase)
    ).fetchone()
    return str(row["q"]) if row and row["q"] else None


def _from(compiled: _Compiled) -> str:
    return _FROM_TEXT if compiled.match else "statements s"


def _filters(query: Query, where: list[str], params: list[Any]) -> None:
    for column, values in (
        ("s.issuer", query.issuers),
        ("s.country", query.countries),
        ("s.language", query.languages),
        ("s.doc_type", query.doc_types),
        ("s.source", query.sources),
    ):
        if values:
            where.append(f"{column} = ANY(%s)")
            params.append(list(values))
    if query.date_from:
        lower = "s.published_end" if query.approximate else "s.published"
        where.append(f"{lower} >= %s")
        params.append(query.date_from.isoformat())
    if query.date_to:
        upper = "s.published" if query.approximate else "s.published_end"
        where.append(f"{upper} <= %s")  # a year-only 2020 is not "to:2020-06"
        params.append(query.date_to.isoformat())
    for flag, subquery in ((query.edited, _EDITED), (query.removed, _REMOVED)):
        if flag is not None:
            where.append(f"s.id {'IN' if flag else 'NOT IN'} ({subquery})")
    _enrichment_filters(query, where, params)


_EDITED = "SELECT statement_id FROM changes WHERE kind = 'edited'"
_REMOVED = (
    "SELECT c.statement_id FROM changes c WHERE c.kind = 'removed' AND NOT EXISTS"
    " (SELECT 1 FROM changes r WHERE r.statement_id = c.statement_id AND r.kind = 'restored'"
    " AND r.id > c.id)"
)


def _enrichment_filters(query: Query, where: list[str], params: list[Any]) -> None:
    if query.mentions:
        where.append(
            "s.id IN (SELECT statement_id FROM statement_countries WHERE country = ANY(%s))"
        )
        params.append(list(query.mentions))
    for place in query.places:
        where.append(
            "s.id IN (SELECT statement_id FROM statement_places WHERE name_key = %s"
            " UNION SELECT statement_id FROM statement_places WHERE mention_key = %s)"
        )
        params.extend([name_key(place), name_key(place)])
    for near in query.near:
        dlat = near.km / 111.0
        dlon = near.km / max(111.0 * math.cos(math.radians(near.lat)), 1e-6)
        lon_range = "" if dlon >= 180 else " AND lon BETWEEN %s AND %s"
        where.append(
            "s.id IN (SELECT statement_id FROM statement_places WHERE lat BETWEEN %s AND %s"
            f"{lon_range} AND geo_km(lat, lon, %s, %s) <= %s)"
        )
        params.extend([near.lat - dlat, near.lat + dlat])
        if lon_range:
            params.extend([near.lon - dlon, near.lon + dlon])
        params.extend([near.lat, near.lon, near.km])
    if query.event_from or query.event_to:
        where.append(
            "s.id IN (SELECT statement_id FROM statement_events"
            " WHERE last_day >= %s AND first_day <= %s)"
        )
        params.append(query.event_from.isoformat() if query.event_from else "0000-01-01")
        params.append(query.event_to.isoformat() if query.event_to else "9999-12-31")


def _sort(query: Query, match: str | None) -> tuple[str, list[Any], str]:
    order = query.effective_order
    if order is Order.RELEVANCE and match:
        return f"-{_RANK}", [match], "ASC"
    if order is Order.OLDEST:
        return "coalesce(s.published, '9999-99-99')", [], "ASC"
    return "coalesce(s.published, '')", [], "DESC"


def _encode_cursor(key: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> list[Any] | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except ValueError:
        raise QueryError("invalid cursor; start again without one") from None
    if not (isinstance(key, list) and len(key) == 2 and isinstance(key[1], int)):
        raise QueryError("invalid cursor; start again without one")
    return key
