"""The server store: PostgreSQL through psycopg 3, for many users and many machines."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

from communique.errors import QueryError, StoreError
from communique.geo import name_key
from communique.model import (
    Capture,
    Enrichment,
    Reference,
    SearchPage,
    Statement,
)
from communique.query import Query
from communique.store.base import Batch, redacted
from communique.store.core_tables import CoreTables
from communique.store.crawl_tables import CrawlTables
from communique.store.dialect import POSTGRES, Db
from communique.store.explore_tables import ExploreTables
from communique.store.link_tables import LinkTables
from communique.store.postgres_schema import migrate, text_config
from communique.store.postgres_search import PgSearch, title_phrase_query
from communique.store.postgres_transfer import PgTransfer
from communique.store.rows import (
    _META_COLUMNS,
    statement_from_row,
    statement_values,
)
from communique.store.saved import SavedSearchTables
from communique.store.search_index import Interval
from communique.store.sqlite_enrich import ENRICH_TABLES, day_span, timeline_rows
from communique.store.vectors import VectorTables

Conn = psycopg.Connection[dict[str, Any]]
INSERT_STATEMENT = (
    f"INSERT INTO statements (id, {', '.join(_META_COLUMNS)})"
    f" VALUES (%(id)s, {', '.join(f'%({c})s' for c in _META_COLUMNS)}) RETURNING rowid"
)
UPDATE_STATEMENT = (
    f"UPDATE statements SET {', '.join(f'{c} = %({c})s' for c in _META_COLUMNS)} WHERE id = %(id)s"
)
UPSERT_TEXT = (
    "INSERT INTO statement_texts (rowid, title, text, config)"
    " VALUES (%(rowid)s, %(title)s, %(text)s, %(config)s::regconfig)"
    " ON CONFLICT (rowid) DO UPDATE SET title = excluded.title, text = excluded.text,"
    " config = excluded.config WHERE statement_texts.title != excluded.title"
    " OR statement_texts.text != excluded.text OR statement_texts.config != excluded.config"
)
SELECT_STATEMENTS = (
    "SELECT s.*, t.title, t.text FROM statements s JOIN statement_texts t ON t.rowid = s.rowid"
)


class PostgresStore(
    CoreTables,
    CrawlTables,
    PgTransfer,
    SavedSearchTables,
    VectorTables,
    LinkTables,
    ExploreTables,
):
    """`Store` on a PostgreSQL database; each thread gets its own connection.

    Example (needs a server):
        >>> PostgresStore("postgresql://localhost/communique")  # doctest: +SKIP
    """

    _placeholder = "%s"
    dialect = POSTGRES

    def __init__(self, url: str) -> None:
        self.url = url
        self._local = threading.local()
        self._open: list[Conn] = []
        self._lock = threading.Lock()
        try:
            migrate(self._conn())
        except psycopg.Error as exc:
            raise StoreError(f"cannot open database {redacted(url)}: {exc}") from exc
        self._search = PgSearch(self._conn)

    def _conn(self) -> Conn:
        conn: Conn | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            try:
                conn = psycopg.connect(self.url, autocommit=True, row_factory=dict_row)
            except psycopg.Error as exc:
                message = str(exc).replace(self.url, redacted(self.url)).strip()
                raise StoreError(f"cannot open database {redacted(self.url)}: {message}") from None
            self._local.conn = conn
            with self._lock:
                self._open.append(conn)
        return conn

    @contextmanager
    def _write(self) -> Iterator[Conn]:
        conn = self._conn()
        with conn.transaction():  # a savepoint when inside a batch
            yield conn
        batch: Batch | None = getattr(self._local, "batch", None)
        if batch is not None and batch.due():
            conn.execute("COMMIT")
            conn.execute("BEGIN")

    @contextmanager
    def batch(self) -> Iterator[None]:
        if getattr(self._local, "batch", None) is not None:
            yield
            return
        conn = self._conn()
        conn.execute("BEGIN")
        self._local.batch = Batch()
        try:
            yield
        finally:
            self._local.batch = None
            conn.execute("COMMIT")  # each write in it is whole (a savepoint): keep them

    def close(self) -> None:
        with self._lock:
            for conn in self._open:
                conn.close()
            self._open.clear()
        self._local = threading.local()

    def _matched(self, query: Query) -> tuple[Db, str, list[Any]]:
        """The connection, and the WITH clause of the rowids of the matches of `query`."""
        sql, params = self._search.matched(query)
        return self._db(), f"WITH matched AS MATERIALIZED ({sql}) ", params

    # statements

    def put_statement(self, statement: Statement, capture: Capture) -> None:
        fetched = capture.fetched_at.isoformat()
        with self._write() as conn:
            conn.execute(
                "INSERT INTO versions (statement_id, capture_id, fetched_at, title, text,"
                " pipeline_version) VALUES (%s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (statement_id, capture_id) DO UPDATE SET"
                " fetched_at = excluded.fetched_at, title = excluded.title,"
                " text = excluded.text, pipeline_version = excluded.pipeline_version",
                (
                    statement.id,
                    capture.id,
                    fetched,
                    statement.title,
                    statement.text,
                    statement.pipeline_version,
                ),
            )
            row = conn.execute(
                "SELECT rowid, capture_ids, latest_fetched_at FROM statements WHERE id = %s"
                " FOR UPDATE",
                (statement.id,),
            ).fetchone()
            values = statement_values(statement, fetched)
            values["config"] = text_config(statement.language)
            if row is None:
                inserted = conn.execute(INSERT_STATEMENT, values).fetchone()
                values["rowid"] = inserted["rowid"] if inserted else None
                conn.execute(UPSERT_TEXT, values)
                return
            ids = list(dict.fromkeys([*json.loads(row["capture_ids"]), *statement.capture_ids]))
            if fetched >= row["latest_fetched_at"]:
                values["capture_ids"] = json.dumps(ids)
                values["rowid"] = row["rowid"]
                conn.execute(UPDATE_STATEMENT, values)
                conn.execute(UPSERT_TEXT, values)
            else:
                conn.execute(
                    "UPDATE statements SET capture_ids = %s WHERE id = %s",
                    (json.dumps(ids), statement.id),
                )

    # enrichment

    def put_enrichment(
        self,
        statement_id: str,
        enrichment: Enrichment,
        issuer_country: str | None,
        fetched_at: datetime,
    ) -> None:
        stamp = fetched_at.isoformat()
        with self._write() as conn:
            row = conn.execute(
                "SELECT fetched_at FROM enrichments WHERE statement_id = %s FOR UPDATE",
                (statement_id,),
            ).fetchone()
            if row is not None and row["fetched_at"] > stamp:
                return
            write_enrichment(conn, statement_id, enrichment, issuer_country, stamp)

    # search

    def search(self, query: Query, cursor: str | None = None, limit: int = 20) -> SearchPage:
        return self._search.search(query, cursor, limit)

    def iter_matches(self, query: Query, batch: int = 500) -> Iterator[Statement]:
        cursor: str | None = None
        while True:
            rows, cursor = self._search.page_rows(query, cursor, batch)
            yield from (statement_from_row(r) for r in rows)
            if cursor is None:
                return

    def counts_over_time(self, query: Query, interval: Interval = "month") -> list[tuple[str, int]]:
        if interval not in ("month", "year"):
            raise QueryError(f"interval must be month or year, not {interval!r}")
        return self._search.counts_over_time(query, interval)

    def reindex(self, progress: Callable[[int, int, str], None] | None = None) -> int:
        """PostgreSQL keeps its text index in the statements' own transactions: nothing to do."""
        return self.stats().statements


def write_enrichment(
    conn: Conn,
    statement_id: str,
    enrichment: Enrichment,
    issuer_country: str | None,
    fetched_at: str,
) -> None:
    """Replace the enrichment rows of one statement."""
    for table in ENRICH_TABLES:
        conn.execute(f"DELETE FROM {table} WHERE statement_id = %s", (statement_id,))
    references = tuple(_linked(conn, statement_id, r) for r in enrichment.references)
    fields = {name: getattr(enrichment, name) for name in enrichment.__dataclass_fields__}
    enrichment = Enrichment(**{**fields, "references": references})
    conn.execute(
        "INSERT INTO enrichments (statement_id, version, fetched_at, data) VALUES (%s, %s, %s, %s)",
        (statement_id, enrichment.version, fetched_at, json.dumps(asdict(enrichment))),
    )
    counts = Counter(p.country for p in enrichment.places if p.feature == "country")
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO statement_countries (statement_id, country, issuer_country, mentions)"
            " VALUES (%s, %s, %s, %s)",
            [(statement_id, c, issuer_country, counts.get(c, 1)) for c in enrichment.countries],
        )
        seen: set[tuple[str, str]] = set()
        places = []
        for place in enrichment.places:
            mention = place.mention or place.name
            if (place.name, mention) in seen:
                continue
            seen.add((place.name, mention))
            places.append(
                (statement_id, place.name, name_key(place.name), name_key(mention),
                 place.geonames_id, place.country, place.feature, place.lat, place.lon)
            )  # fmt: skip
        cur.executemany(
            "INSERT INTO statement_places (statement_id, name, name_key, mention_key,"
            " geonames_id, country, feature, lat, lon)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            places,
        )
        days = {day_span(e.date, e.date_end) for e in enrichment.events}
        cur.executemany(
            "INSERT INTO statement_events (statement_id, first_day, last_day) VALUES (%s, %s, %s)",
            [(statement_id, first, last) for first, last in days if first],
        )
        cur.executemany(
            "INSERT INTO statement_references (statement_id, kind, ref_id, text,"
            " target_statement_id) VALUES (%s, %s, %s, %s, %s)",
            [(statement_id, r.kind, r.id, r.text, r.statement_id) for r in references],
        )
        cur.executemany(
            "INSERT INTO statement_timeline (statement_id, date, date_end, start, sentence)"
            " VALUES (%s, %s, %s, %s, %s)",
            timeline_rows(statement_id, enrichment),
        )


def _linked(conn: Conn, statement_id: str, reference: Reference) -> Reference:
    """The reference, with the id of an archived statement whose title names it."""
    phrase = reference.id if reference.kind == "agreement" else None
    if reference.kind != "agreement" and reference.id:
        phrase = "resolution " + reference.id.split(" ")[0]
    if not phrase:
        return reference
    tsquery = title_phrase_query(conn, phrase)
    if tsquery is None:
        return reference
    row = conn.execute(
        "SELECT s.id FROM statement_texts t JOIN statements s ON s.rowid = t.rowid"
        " WHERE t.tsv @@ %s::tsquery AND to_tsvector('communique_simple', t.title)"
        " @@ %s::tsquery AND s.id != %s ORDER BY s.published NULLS FIRST LIMIT 1",
        (tsquery, tsquery, statement_id),
    ).fetchone()
    if row is None:
        return reference
    return Reference(**{**asdict(reference), "statement_id": row["id"]})
