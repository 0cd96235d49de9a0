"""Compile a `Query` to FTS5 SQL (the SQLite search before its tantivy index; kept for the
benchmarks that compare the two): matching, ranking and snippets; see `search_sql`."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from communique import budget as budgets
from communique.errors import QueryError
from communique.query import Order, Query, Term
from communique.store.base import SNIPPET_CLOSE, SNIPPET_OPEN
from communique.store.dialect import SQLITE, Row
from communique.store.search_sql import Compiled, SqlSearch, best_window, date_sort, filters

_TITLE_WEIGHT = 4.0
_CHECK_EVERY = 10_000
"""SQLite virtual-machine steps between two checks of a search's time budget."""


@contextmanager
def budgeted(conn: sqlite3.Connection) -> Iterator[budgets.Budget]:
    """Stop the statements run on `conn` inside once the search's budget is spent or cancelled
    (SQLite's progress handler, and `Connection.interrupt` the moment the client goes away or
    the deadline passes, which also stops a long step of FTS5 between two progress checks:
    the statement fails with "interrupted", raised here as `QueryTimeout` or
    `QueryCancelled`)."""
    with budgets.active() as budget, budget.stopping(conn.interrupt):
        conn.set_progress_handler(budget.over, _CHECK_EVERY)
        try:
            yield budget
        except sqlite3.OperationalError:
            if budget.over():
                budget.check()
            raise
        finally:
            conn.set_progress_handler(None, 0)


class SqliteSearch(SqlSearch):
    """Runs parsed queries against `statements`, `statement_texts` and `statements_fts`."""

    dialect = SQLITE

    def __init__(self, conn: Callable[[], sqlite3.Connection]) -> None:
        self._conn = conn

    def _guard(self, query: Query) -> AbstractContextManager[Any]:
        return budgeted(self._conn())

    def _compile(self, query: Query) -> Compiled:
        where, params = filters(query.filters, "?")
        match = _match_expression(query)
        if match:
            where.insert(0, "statements_fts MATCH ?")
            params.insert(0, match)
        elif query.excluded:
            where.insert(
                0, "s.rowid NOT IN (SELECT rowid FROM statements_fts WHERE statements_fts MATCH ?)"
            )
            params.insert(0, " OR ".join(_term(t) for t in query.excluded))
        return Compiled(" AND ".join(where) or "1 = 1", params, match, _sort(query, bool(match)))

    def _from(self, compiled: Compiled) -> str:
        if compiled.match:
            return "statements_fts JOIN statements s ON s.rowid = statements_fts.rowid"
        return "statements s"

    def _snippets(self, compiled: Compiled, rowids: list[int]) -> dict[int, str]:
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

    def _run(self, sql: str, params: list[Any]) -> list[Row]:
        try:
            rows: list[Row] = self._conn().execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            budget = budgets.current()
            if budget.over():
                budget.check()
            if "fts5" in str(exc) or "MATCH" in str(exc):
                raise QueryError(f"cannot search for that: {exc}") from exc
            raise
        return rows


def _sort(query: Query, ranked: bool) -> tuple[str, list[Any], str]:
    if query.effective_order is Order.RELEVANCE and ranked:
        return f"bm25(statements_fts, {_TITLE_WEIGHT}, 1.0)", [], "ASC"
    return date_sort(query)


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
