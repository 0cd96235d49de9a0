"""Compile a `Query` to FTS5 SQL: matching, keyset cursors, snippets and facets."""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from communique.errors import QueryError
from communique.model import Hit, SearchPage
from communique.query import Order, Query, Term
from communique.store.rows import statement_from_row

SNIPPET_OPEN = "\x02"
SNIPPET_CLOSE = "\x03"
FACETS = {
    "issuer": "issuer",
    "country": "country",
    "language": "language",
    "type": "doc_type",
    "year": "substr(published, 1, 4)",
}
FACET_LIMIT = 15
_TITLE_WEIGHT = 4.0


@dataclass(frozen=True)
class _Compiled:
    where: str
    params: list[Any]
    match: str | None
    sort: tuple[str, str]
    """(sort-key expression, direction)"""


class SqliteSearch:
    """Runs parsed queries against the `statements` and `statements_fts` tables."""

    def __init__(self, conn: Callable[[], sqlite3.Connection]) -> None:
        self._conn = conn

    def search(self, query: Query, cursor: str | None, limit: int) -> SearchPage:
        rows, next_cursor = self.page_rows(query, cursor, limit, snippets=True)
        compiled = _compile(query)
        hits = tuple(
            Hit(
                statement=statement_from_row(row),
                snippet=row["snippet"],
                score=row["sortkey"] if compiled.match else None,
            )
            for row in rows
        )
        return SearchPage(
            hits=hits,
            total=self._total(compiled),
            facets=self._facets(compiled),
            next_cursor=next_cursor,
        )

    def page_rows(
        self, query: Query, cursor: str | None, limit: int, snippets: bool
    ) -> tuple[list[sqlite3.Row], str | None]:
        """One page of matching statement rows, and the cursor of the next page (or None)."""
        if limit < 1:
            raise QueryError("limit must be at least 1")
        compiled = _compile(query)
        key, direction = compiled.sort
        after = _decode_cursor(cursor)
        where, params = compiled.where, list(compiled.params)
        if after is not None:
            comparison = ">" if direction == "ASC" else "<"
            where += f" AND ({key}, s.rowid) {comparison} (?, ?)"
            params += after
        snippet = (
            f"snippet(statements_fts, 1, '{SNIPPET_OPEN}', '{SNIPPET_CLOSE}', '…', 28)"
            if snippets and compiled.match
            else "substr(s.text, 1, 240)"
        )
        sql = (
            f"SELECT s.*, {key} AS sortkey, {snippet} AS snippet FROM {_from(compiled)}"
            f" WHERE {where} ORDER BY {key} {direction}, s.rowid {direction} LIMIT ?"
        )
        rows = self._run(sql, [*params, limit + 1])
        if len(rows) <= limit:
            return rows, None
        last = rows[limit - 1]
        return rows[:limit], _encode_cursor([last["sortkey"], last["rowid"]])

    def _total(self, compiled: _Compiled) -> int:
        rows = self._run(
            f"SELECT count(*) FROM {_from(compiled)} WHERE {compiled.where}", compiled.params
        )
        return int(rows[0][0])

    def _facets(self, compiled: _Compiled) -> dict[str, list[tuple[str, int]]]:
        facets: dict[str, list[tuple[str, int]]] = {}
        for name, column in FACETS.items():
            rows = self._run(
                f"SELECT {column.replace('published', 's.published')} AS value, count(*) AS n"
                f" FROM {_from(compiled)} WHERE {compiled.where} AND value IS NOT NULL"
                f" GROUP BY value ORDER BY n DESC, value LIMIT {FACET_LIMIT}",
                compiled.params,
            )
            facets[name] = [(str(r["value"]), int(r["n"])) for r in rows]
        return facets

    def _run(self, sql: str, params: list[Any]) -> list[sqlite3.Row]:
        try:
            return self._conn().execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            if "fts5" in str(exc) or "MATCH" in str(exc):
                raise QueryError(f"cannot search for that: {exc}") from exc
            raise


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
        where.append("s.published >= ?")
        params.append(query.date_from.isoformat())
    if query.date_to:
        where.append("s.published <= ?")
        params.append(query.date_to.isoformat())
    return _Compiled(" AND ".join(where) or "1", params, match, _sort(query, bool(match)))


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
        raise QueryError("invalid cursor; start again without one") from None
    if not (isinstance(key, list) and len(key) == 2 and isinstance(key[1], int)):
        raise QueryError("invalid cursor; start again without one")
    return key
