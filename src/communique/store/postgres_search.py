"""Compile a `Query` to PostgreSQL full-text search: matching, keyset cursors, snippets, facets.

A word matches a statement when any language's stem of it, or the word itself with accents
folded, is among the statement's words; a prefix (`word*`) and a phrase match words as written
(accents folded), like the SQLite store. A prefix of few words in the archive's vocabulary
(`text_words`) is found as those words, and ranked and marked as the prefix. Ranking is
`ts_rank` with title words weighted above text words, over the title and the lead of the text
(`rank_tsv`, small enough to stay in the row; NULL for a text no longer than its lead, which
ranks on its `tsv`), so a common word neither ranks nor counts by unpacking every match's full
tsvector.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, NamedTuple

import psycopg

from communique import budget as budgets
from communique.errors import QueryError
from communique.query import Filters, Order, Query, Term
from communique.store.base import SNIPPET_CLOSE, SNIPPET_OPEN
from communique.store.dialect import POSTGRES, Row
from communique.store.postgres_sample import (
    Limits,
    Span,
    filter_sample,
    restricted,
    sample_size,
    sampled,
    second_sample,
    window_width,
)
from communique.store.postgres_schema import SIMPLE_CONFIG, text_configs
from communique.store.search_sql import (
    Compiled,
    SqlSearch,
    best_window,
    date_sort,
    decode_cursor,
    encode_cursor,
    narrowing_filters,
    one_copy_each,
)

Conn = psycopg.Connection[dict[str, Any]]
_LANGUAGES = (
    "languages AS (SELECT min(language) AS v FROM statements UNION ALL"
    " SELECT (SELECT min(language) FROM statements WHERE language > v) FROM languages"
    " WHERE v IS NOT NULL)"
)
"""The distinct languages of the archive, one index probe each (a loose index scan)."""
_RANK = "ts_rank('{0.1, 0.2, 0.25, 1.0}', coalesce(t.rank_tsv, t.tsv), %s::tsquery, 1)::float8"
_HEADLINE = f"StartSel={SNIPPET_OPEN}, StopSel={SNIPPET_CLOSE}, HighlightAll=true"
_FROM_TEXT = "statement_texts t JOIN statements s ON s.rowid = t.rowid"
_CANONICAL = (
    "NOT EXISTS (SELECT 1 FROM link_copies c JOIN statement_groups g ON g.id = c.group_id"
    " WHERE c.statement_id = s.id AND g.canonical <> c.statement_id)"
)
"""A statement that is no other statement's copy, as an anti-join: the planner estimates it
from the copies it holds, where `NOT IN (subquery)` is guessed to leave half the statements
(at 1M, a filtered ranking window then read its statements first and tested 19,075 texts for
`debt to:2021-12-31` instead of intersecting the word's index entry with the window: 153,634
buffers instead of 10,089)."""


class PgSearch(SqlSearch):
    """Runs parsed queries against `statements` and `statement_texts`."""

    dialect = POSTGRES

    def __init__(self, conn: Callable[[], Conn], limits: Limits | None = None) -> None:
        self._conn = conn
        self.limits = limits or Limits()

    def matched(self, query: Query, matches: int | None = None) -> tuple[str, list[Any]]:
        """A SELECT of the rowids (as `k`) of the matches of `query` (the first `matches` by
        date, newest first unless `order:oldest`), and its parameters."""
        compiled = self._compile(query)
        sql = f"SELECT s.rowid AS k FROM {self._from(compiled)} WHERE {compiled.where}"
        if matches is None:
            return sql, compiled.params
        key, _, direction = date_sort(query)
        limited = f"{sql} ORDER BY {key} {direction}, s.rowid {direction} LIMIT %s"
        return limited, [*compiled.params, matches]

    def counts_over_time(self, query: Query, interval: str) -> list[tuple[str, int]]:
        """(period, matches) per month or year, from one grouped pass over the matches."""
        compiled = self._compile(query)
        width = 7 if interval == "month" else 4
        rows = self._run(
            f"SELECT substr(s.published, 1, {width}) AS period, count(*) AS n"
            f" FROM {self._from(compiled)} WHERE {compiled.where} AND s.published IS NOT NULL"
            " GROUP BY 1 ORDER BY 1",
            compiled.params,
        )
        return [(str(r["period"]), int(r["n"])) for r in rows]

    @contextmanager
    def _guard(self, query: Query) -> Iterator[None]:
        """The search's statements stop at its time budget (`deadline`). A search for words
        reads the matches through the GIN index, never a scan of every statement's words: a
        scan unpacks each large tsvector, which the planner does not cost (a common word
        matches half the archive). Only the search's own statements are affected."""
        conn = self._conn()
        with deadline(conn):
            if not query.required:
                yield
                return
            with _settings(conn, enable_seqscan="off"):
                yield

    def _from(self, compiled: Compiled) -> str:
        return _FROM_TEXT if compiled.match else "statements s"

    def _counted(self, compiled: Compiled) -> tuple[int, dict[str, list[tuple[str, int]]], bool]:
        """Exact up to `limits.exact` matches, else estimated from a sample (see
        `postgres_sample`); the estimate of the number of matches is noted for paging."""
        found = self._sampled(compiled, self._groups)
        if found is not None:
            sample, groups, scale = found
            return (*self._facets_of(groups, sample, scale), True)
        groups = self._matched_groups(self._exact(compiled))
        matched = sorted(rowid for group in groups for rowid in group["rowids"])
        if len(matched) <= self.limits.known:
            compiled.notes["matched"] = matched
        total, facets = self._facets_of(groups, self._known(compiled), 1.0)
        compiled.notes["estimate"] = total
        return total, facets, False

    def _matched_groups(self, compiled: Compiled) -> list[Row]:
        """`_groups` of every match, each group with the rowids of its matches (`rowids`)."""
        return self._groups(compiled, ", array_agg(s.rowid) AS rowids")

    def _known(self, compiled: Compiled) -> Compiled:
        """`compiled` finding its matches by their rowids when the search has counted them
        all (`_counted`), so that ranking and the enrichment facets read only the matches'
        rows instead of testing the words of every statement the filters pass once more (at
        1M, `climate country:TJ` tested them in the count and again in the page)."""
        matched = compiled.notes.get("matched")
        if matched is None:
            return compiled
        columns = ("t.rowid", "s.rowid") if compiled.match else ("s.rowid",)
        return replace(
            compiled,
            where=" AND ".join(f"{column} = ANY(%s)" for column in columns),
            params=[matched] * len(columns),
        )

    def _total(self, compiled: Compiled) -> int:
        """The number of matches `_counted` gives, counted without facets."""
        found = self._sampled(compiled, self._count)
        if found is not None:
            _, rows, scale = found
            return round(int(rows[0]["n"]) * scale)
        return super()._total(self._exact(compiled))

    def _exact(self, compiled: Compiled) -> Compiled:
        """`compiled` for counting every match: its country and dates stated on the texts'
        copies too, so that the text index gives the word's matches that pass them (at 1M,
        `kyrgyzstan country:FR`: its 314, not the word's 5,760 each joined to its statement)."""
        text = compiled.notes.get("text_filtered")
        if not text:
            return compiled
        where, params = text
        return replace(
            compiled, where=f"({compiled.where}) AND {where}", params=[*compiled.params, *params]
        )

    def _sampled(
        self, compiled: Compiled, read: Callable[[Compiled], list[Row]]
    ) -> tuple[Compiled, list[Row], float] | None:
        """The first sample holding `limits.min_sample` matches: (the sample, what `read`
        gives of it: rows with counts `n`, the scale to the whole archive); None when every
        match is to be counted. Sparse samples first (a common word), then one block in every
        `limits.every`, then a second, wider sample sized from it. A sparse sample that the
        sparser one before it says holds too few (each holds the sparser ones) is not read:
        a filter or a rarer word goes on to the first sample at once."""
        span, limits = self._span(compiled), self.limits
        if span is None or span.size <= limits.exact:
            return None
        costly = self._costly(compiled, span)
        samples = [(1, every) for every in limits.sparse] + [(1, limits.every)]
        rate: float | None = None  # matches per sampled rowid in the last sample read
        while samples:
            blocks, every = samples.pop(0)
            size = max(1, sample_size(span, limits, blocks, every))
            dense = every == limits.every
            if not dense and rate is not None and rate * size < limits.min_sample:
                continue
            sample = sampled(compiled, limits, blocks, every)
            rows = read(sample)
            found = sum(int(row["n"]) for row in rows)
            rate, scale = found / size, span.size / size
            if dense:
                compiled.notes["estimate"] = found * scale
                if found * scale <= limits.exact and not costly:
                    return None
            if found >= limits.min_sample or (
                dense and blocks > 1 and costly and found >= limits.least_sample
            ):
                compiled.notes["estimate"] = found * scale
                return sample, rows, scale
            if dense and blocks == 1:
                wider = second_sample(found, limits)  # None: even the widest would come short
                if wider is None and costly:
                    wider = limits.widest
                wide = span.size if wider is None else sample_size(span, limits, wider, every)
                if found >= limits.least_sample and self._tested(compiled, span, wide) > (
                    limits.filtered_texts
                ):
                    return sample, rows, scale
                samples += [] if wider is None else [(wider, every)]
        return None

    def _costly(self, compiled: Compiled, span: Span) -> bool:
        """Whether counting or ranking every match would test the words of more than
        `limits.counted_texts` statements passing the search's filters."""
        return self._tested(compiled, span, span.size) > self.limits.counted_texts

    def _span(self, compiled: Compiled) -> Span | None:
        """The rowids the statements occupy (None when there are none), read once a search."""
        if "span" not in compiled.notes:
            row = self._run("SELECT min(rowid) AS low, max(rowid) AS high FROM statements", [])[0]
            low, high = row["low"], row["high"]
            compiled.notes["span"] = None if low is None else Span(int(low), int(high))
        span: Span | None = compiled.notes["span"]
        return span

    def _estimate(self, compiled: Compiled, span: Span) -> float:
        """The number of matches, estimated from the smallest sample."""
        if "estimate" not in compiled.notes:
            found = int(self._count(sampled(compiled, self.limits))[0]["n"])
            size = max(1, sample_size(span, self.limits))
            compiled.notes["estimate"] = found * span.size / size
        return float(compiled.notes["estimate"])

    def _page(
        self, compiled: Compiled, cursor: str | None, limit: int
    ) -> tuple[list[Row], list[Any], str | None]:
        """Ranked matches window by window when very many match (see `postgres_sample`)."""
        after = decode_cursor(cursor)
        windowed = after is not None and isinstance(after[0], list)
        span = self._span(compiled) if compiled.notes.get("ranked") and limit >= 1 else None
        if span is None or (after is not None and not windowed):
            return super()._page(self._known(compiled), cursor, limit)
        if after is None and span.size <= self.limits.exact:  # so few statements, so few matches
            return super()._page(self._known(compiled), cursor, limit)
        if after is not None:
            window, top, width, last = _window_cursor(after)
        else:
            estimate = self._estimate(compiled, span)
            counted = "matched" in compiled.notes or not self._costly(compiled, span)
            if estimate <= self.limits.exact and counted:
                return super()._page(self._known(compiled), cursor, limit)
            width = window_width(span, estimate, self.limits.rank_window)
            share = self._tested(compiled, span, span.size) / span.size
            if share > 0:
                width = min(width, math.ceil(self.limits.filtered_texts / share))
            window, top, last = 0, span.high, None
        found: list[tuple[int, Row]] = []
        while len(found) <= limit and top - window * width >= span.low:
            high = top - window * width
            rows = self._window(compiled, (high - width + 1, high), last, limit + 1 - len(found))
            found += [(window, row) for row in rows]
            window, last = window + 1, None
        page = found[:limit]
        next_cursor = None
        if len(found) > limit:
            end_window, end = page[-1]
            next_cursor = encode_cursor([[end_window, end["sortkey"], top, width], end["rowid"]])
        rows = [row for _, row in page]
        return self._statement_rows(rows), [row["sortkey"] for row in rows], next_cursor

    def _tested(self, compiled: Compiled, span: Span, rowids: int) -> float:
        """About how many statements passing the search's filters lie among `rowids` rowids:
        the texts whose words a filtered search reads there (0 without filters), from the
        filters' count in the sparsest sample, read once a search."""
        filtered = compiled.notes.get("filtered")
        if not filtered:
            return 0.0
        if "share" not in compiled.notes:
            where, params = filtered
            every = self.limits.sparse[0] if self.limits.sparse else None
            passing = int(self._run(filter_sample(where, self.limits), params)[0]["n"])
            size = max(1, sample_size(span, self.limits, every=every))
            compiled.notes["share"] = passing / size
        return float(compiled.notes["share"]) * rowids

    def _window(
        self,
        compiled: Compiled,
        bounds: tuple[int, int],
        after: tuple[float, int] | None,
        limit: int,
    ) -> list[Row]:
        """The best-ranked matches with rowids within `bounds`, after the keyset `after`.

        When the statements are filtered too (a country, dates), the window's statements are
        read first and only the texts of those that pass are tested: the planner, which does
        not cost unpacking a text's words, would rather test every text of the window (at 1M,
        `climate from:2022-01-01`: 21,000 texts instead of 3,200, 3x the time)."""
        key, key_params, _ = compiled.sort
        window = restricted(compiled, [bounds])
        where, params = window.where, window.params
        if after is not None:
            where += f" AND ({key}, s.rowid) > (%s, %s)"
            params += [*key_params, *after]
        sql = (
            f"SELECT s.rowid AS rowid, {key} AS sortkey FROM {self._from(compiled)}"
            f" WHERE {where} ORDER BY {key}, s.rowid LIMIT %s"
        )
        if not compiled.notes.get("filtered"):
            return self._run(sql, [*key_params, *params, *key_params, limit])
        with _settings(self._conn(), enable_hashjoin="off", enable_mergejoin="off"):
            return self._run(sql, [*key_params, *params, *key_params, limit])

    def _snippets(self, compiled: Compiled, rowids: list[int]) -> dict[int, str]:
        if not compiled.match or not rowids:
            return {}
        rows = self._run(
            "SELECT rowid, ts_headline(%s::regconfig, text, %s::tsquery, %s) AS marked"
            " FROM statement_texts WHERE rowid = ANY(%s)",
            [SIMPLE_CONFIG, compiled.match, _HEADLINE, rowids],
        )
        return {r["rowid"]: best_window(r["marked"]) for r in rows if SNIPPET_OPEN in r["marked"]}

    def _run(self, sql: str, params: list[Any]) -> list[Row]:
        """Rows of `sql`; the search's budget is checked before each statement."""
        budgets.current().check()
        try:
            rows: list[Row] = self._conn().execute(sql.encode(), params).fetchall()
        except psycopg.errors.SyntaxError as exc:
            raise QueryError(f"cannot search for that: {exc}") from exc
        return rows

    def _compile(self, query: Query) -> Compiled:
        where: list[str] = []
        params: list[Any] = []
        match, found = self._match(query)
        if found:
            where.append("t.tsv @@ %s::tsquery")
            params.append(found)
        elif query.excluded:
            where.append(
                "s.rowid NOT IN (SELECT rowid FROM statement_texts WHERE tsv @@ %s::tsquery)"
            )
            params.append(" | ".join(form.found for form in self._terms(query.excluded)))
        narrowing, more_params = narrowing_filters(query.filters, "%s")
        more = one_copy_each(query.filters, narrowing, _CANONICAL)
        ranked = query.effective_order is Order.RELEVANCE and match is not None
        return Compiled(
            " AND ".join([*where, *more]) or "TRUE",
            [*params, *more_params],
            match,
            _sort(query, match),
            {
                "ranked": ranked,
                "filtered": (" AND ".join(narrowing), more_params) if narrowing else None,
                "text_filtered": _text_filters(query.filters) if found else None,
            },
        )

    def _match(self, query: Query) -> tuple[str | None, str | None]:
        """The tsquery text a match ranks and marks by, and the one it is found by: the same
        but for each prefix of few words, written out as those words (`_expanded`)."""
        if not query.required:
            return None, None
        forms = self._terms([t for group in query.required for t in group])
        excluded = self._terms(query.excluded)
        expressions = []
        for side in ("ranked", "found"):
            position = 0
            groups = []
            for group in query.required:
                words = [getattr(f, side) for f in forms[position : position + len(group)]]
                groups.append("(" + " | ".join(words) + ")")
                position += len(group)
            expression = " & ".join(groups)
            for form in excluded:
                expression = f"({expression}) & !{getattr(form, side)}"
            expressions.append(expression)
        return expressions[0], expressions[1]

    def _terms(self, terms: list[Term] | tuple[Term, ...]) -> list[Form]:
        """Each term as tsquery text: the OR of its forms as written and as stemmed in each
        language the archive holds (a stemmer of a language it lacks only adds noise)."""
        if not terms:
            return []
        rows = self._run(
            f"WITH RECURSIVE {_LANGUAGES}, configs AS (SELECT %s AS c UNION"
            " SELECT 'communique_' || v FROM languages WHERE v = ANY(%s))"
            " SELECT i, c, phraseto_tsquery(c::regconfig, communique_cjk(x))::text AS q,"
            " tsvector_to_array(to_tsvector(c::regconfig, communique_cjk(x))) AS words"
            " FROM unnest(%s::text[]) WITH ORDINALITY AS terms(x, i), configs",
            [SIMPLE_CONFIG, list(text_configs()), [t.text for t in terms]],
        )
        forms: dict[int, dict[str, None]] = {i: {} for i in range(1, len(terms) + 1)}
        prefixes: dict[int, str] = {}
        for row in rows:
            term = terms[row["i"] - 1]
            if not row["q"]:
                continue
            if term.prefix or term.phrase:
                if row["c"] != SIMPLE_CONFIG:
                    continue
                single = term.prefix and "<" not in row["q"]
                form = f"{row['q']}:*" if single else row["q"]
                if single and len(row["words"]) == 1:
                    prefixes[row["i"]] = row["words"][0]
            else:
                form = row["q"]
            forms[row["i"]][f"({form})"] = None
        expanded = self._expanded(prefixes)
        ranked = [
            "(" + " | ".join(forms[i]) + ")" if forms[i] else "('\x01')"
            for i in range(1, len(terms) + 1)
        ]
        return [Form(r, expanded.get(i, r)) for i, r in enumerate(ranked, 1)]

    def _expanded(self, prefixes: dict[int, str]) -> dict[int, str]:
        """For each prefix (by its term's number) with at most `limits.expand` words in the
        archive's vocabulary (`text_words`), the tsquery text of those words: the same
        matches as the prefix, found by one index entry each instead of collecting every
        match of the prefix before the first is read (at 1M, `negotiat*`: 67,026 matches)."""
        if not prefixes or self.limits.expand < 1:
            return {}
        numbers = list(prefixes)
        rows = self._run(
            " UNION ALL ".join(
                f"SELECT {i} AS i, array(SELECT DISTINCT lexeme FROM text_words"
                ' WHERE lexeme ^@ (%s COLLATE "C") ORDER BY 1 LIMIT %s) AS words'
                for i in numbers
            ),
            [p for i in numbers for p in (prefixes[i], self.limits.expand + 1)],
        )
        return {
            row["i"]: "(" + " | ".join(tsquery_word(w) for w in row["words"]) + ")"
            for row in rows
            if 0 < len(row["words"]) <= self.limits.expand
        }


def _text_filters(chosen: Filters) -> tuple[str, list[Any]] | None:
    """The country and date filters of a search as conditions on the texts' copies of them
    (`postgres_schema.TEXT_FILTERS`), None without such filters."""
    kept = Filters(
        countries=chosen.countries, published=chosen.published, approximate=chosen.approximate
    )
    where, params = narrowing_filters(kept, "%s")
    if not where:
        return None
    return " AND ".join(c.replace("s.", "t.filter_", 1) for c in where), params


class Form(NamedTuple):
    """A term as tsquery text: as it ranks and marks its matches, and as they are found."""

    ranked: str
    found: str


def tsquery_word(word: str) -> str:
    """`word` as one quoted lexeme of tsquery text.

    Example:
        >>> print(tsquery_word("l'accord"))
        'l''accord'
    """
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def title_phrase_query(conn: Conn, phrase: str) -> str | None:
    """`phrase` as tsquery text matching the words as written, or None when it has none."""
    row = conn.execute(
        "SELECT phraseto_tsquery(%s::regconfig, %s)::text AS q", (SIMPLE_CONFIG, phrase)
    ).fetchone()
    return str(row["q"]) if row and row["q"] else None


def _window_cursor(after: list[Any]) -> tuple[int, int, int, tuple[float, int]]:
    """(window, top rowid, window width, keyset) of a windowed cursor's keyset `after`."""
    key = after[0]
    if len(key) != 4 or not all(isinstance(v, int | float) for v in key):
        raise QueryError("invalid cursor; start again without one", parameter="cursor")
    window, sortkey, top, width = key
    if width < 1:
        raise QueryError("invalid cursor; start again without one", parameter="cursor")
    return int(window), int(top), int(width), (float(sortkey), int(after[1]))


def _sort(query: Query, match: str | None) -> tuple[str, list[Any], str]:
    if query.effective_order is Order.RELEVANCE and match:
        return f"-{_RANK}", [match], "ASC"
    return date_sort(query)


@contextmanager
def _settings(conn: Conn, **values: str) -> Iterator[None]:
    """Planner settings for the statements run inside, local to the search's transaction and
    restored after them (one round trip each way). Not restored when a statement inside fails:
    its transaction is aborted then, and the rollback undoes local settings."""
    names = list(values)
    was = conn.execute(
        "SELECT "
        + ", ".join(
            f"current_setting(%s) AS s{i}, set_config(%s, %s, true)" for i in range(len(names))
        ),
        [p for name, value in values.items() for p in (name, name, value)],
    ).fetchall()[0]
    yield
    conn.execute(  # inside a caller's transaction the settings would outlive the block
        "SELECT " + ", ".join("set_config(%s, %s, true)" for _ in names),
        [p for i, name in enumerate(names) for p in (name, was[f"s{i}"])],
    )


@contextmanager
def deadline(conn: Conn) -> Iterator[None]:
    """A transaction whose statements stop at the running search's deadline, or the moment
    its client goes away: the server's `statement_timeout` (local to it), and a cancel request
    (`Connection.cancel_safe`) sent when the budget is cancelled or runs out, which also
    stops a statement begun late in the budget. Raised as `QueryCancelled` or `QueryTimeout`.
    JIT compilation is off for it: a search's statements run for milliseconds, and compiling a
    plan that reads many rows costs more than it saves. Each statement is planned for its own
    words (`force_custom_plan`): psycopg prepares a statement run five times, and the generic
    plan the server then chooses cannot tell a common word from a rare one (at 1M it read
    every window's texts: 4x the CPU)."""
    with budgets.active() as budget:
        budget.check()
        milliseconds = max(1, int(budget.remaining() * 1000))
        planned = {"jit": "off", "plan_cache_mode": "force_custom_plan"}
        _end_aborted(conn)
        try:
            with (
                budget.stopping(conn.cancel_safe),
                conn.transaction(),
                _settings(conn, statement_timeout=f"{milliseconds}ms", **planned),
            ):
                yield
        except psycopg.errors.QueryCanceled as exc:
            if budget.cancelled:
                raise budget.stopped_error() from exc
            raise budget.timed_out() from exc
        finally:
            _end_aborted(conn)


def _end_aborted(conn: Conn) -> None:
    """Roll back a transaction left aborted outside any transaction block. The cancel request
    sent at the deadline races the server's own `statement_timeout`: when it lands on the
    rollback that follows the timeout, that rollback fails (psycopg logs and ignores it), and
    every later statement on the connection would fail with `InFailedSqlTransaction`. Once
    `stopping` has ended, the cancel has been delivered and cannot hit this rollback."""
    if conn.info.transaction_status == psycopg.pq.TransactionStatus.INERROR:
        with contextlib.suppress(psycopg.ProgrammingError):  # inside a caller's block: its own
            conn.rollback()
