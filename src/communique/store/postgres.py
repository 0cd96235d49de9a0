"""The server store: PostgreSQL through psycopg 3, for many users and many machines."""

from __future__ import annotations

import json
import threading
import zlib
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

from communique.errors import NotFound, QueryError, StoreError
from communique.geo import name_key
from communique.model import (
    Capture,
    Enrichment,
    ExtractionFailure,
    Reference,
    SearchPage,
    Selectors,
    Source,
    Statement,
    Stats,
)
from communique.query import Query
from communique.store.base import Batch, redacted
from communique.store.crawl_tables import CrawlTables
from communique.store.dialect import POSTGRES, Db
from communique.store.explore_tables import ExploreTables
from communique.store.link_tables import LinkTables, clear_links
from communique.store.postgres_schema import migrate, text_config
from communique.store.postgres_search import PgSearch, title_phrase_query
from communique.store.postgres_transfer import PgTransfer
from communique.store.rows import (
    _META_COLUMNS,
    capture_from_row,
    failure_from_row,
    insert_capture,
    statement_from_row,
    statement_values,
)
from communique.store.saved import SavedSearchTables
from communique.store.search_index import Interval
from communique.store.sqlite_enrich import (
    ENRICH_TABLES,
    day_span,
    read_enrichment,
    timeline_rows,
)
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
    CrawlTables, PgTransfer, SavedSearchTables, VectorTables, LinkTables, ExploreTables
):
    _placeholder = "%s"
    dialect = POSTGRES

    """`Store` on a PostgreSQL database; each thread gets its own connection.

    Example (needs a server):
        >>> PostgresStore("postgresql://localhost/communique")  # doctest: +SKIP
    """

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

    # captures

    def put_capture(self, capture: Capture, body: bytes) -> bool:
        with self._write() as conn:
            return insert_capture(Db(conn, POSTGRES), capture, body)

    def has_capture(self, capture_id: str) -> bool:
        row = self._conn().execute("SELECT 1 FROM captures WHERE id = %s", (capture_id,))
        return row.fetchone() is not None

    def get_capture(self, capture_id: str) -> Capture:
        row = self._one("SELECT * FROM captures WHERE id = %s", (capture_id,))
        if row is None:
            raise NotFound(f"no capture {capture_id}")
        return capture_from_row(row)

    def capture_body(self, capture_id: str) -> bytes:
        row = self._one(
            "SELECT b.zbody FROM captures c JOIN blobs b ON b.sha256 = c.sha256 WHERE c.id = %s",
            (capture_id,),
        )
        if row is None:
            raise NotFound(f"no capture {capture_id}")
        return zlib.decompress(row["zbody"])

    def iter_captures(self) -> Iterator[Capture]:
        after = ("", "")
        while True:
            rows = (
                self._conn()
                .execute(
                    "SELECT * FROM captures WHERE (fetched_at, id) > (%s, %s)"
                    " ORDER BY fetched_at, id LIMIT 500",
                    after,
                )
                .fetchall()
            )
            if not rows:
                return
            yield from (capture_from_row(r) for r in rows)
            after = (rows[-1]["fetched_at"], rows[-1]["id"])

    def count_captures(self) -> int:
        return self._count("SELECT count(*) AS n FROM captures")

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

    def get_statement(self, statement_id: str) -> Statement:
        row = self._one(f"{SELECT_STATEMENTS} WHERE s.id = %s", (statement_id,))
        if row is None:
            raise NotFound(f"no statement {statement_id}")
        return statement_from_row(row)

    def captures_of(self, statement_id: str) -> list[Capture]:
        statement = self.get_statement(statement_id)
        return [self.get_capture(cid) for cid in statement.capture_ids]

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

    def get_enrichment(self, statement_id: str) -> Enrichment:
        row = self._one("SELECT data FROM enrichments WHERE statement_id = %s", (statement_id,))
        if row is None:
            raise NotFound(f"no enrichment for statement {statement_id}")
        return read_enrichment(row["data"])

    def mention_pairs(self) -> list[tuple[str | None, str, int]]:
        rows = self._conn().execute(
            "SELECT issuer_country, country, count(*) AS n FROM statement_countries"
            " GROUP BY 1, 2 ORDER BY 3 DESC, 1 NULLS FIRST, 2"
        )
        return [(r["issuer_country"], r["country"], int(r["n"])) for r in rows]

    # failures

    def record_failure(self, failure: ExtractionFailure) -> None:
        key = failure.capture_id or f"origin:{failure.origin}"
        with self._write() as conn:
            conn.execute(
                "INSERT INTO failures (key, capture_id, url, origin, reason, at,"
                " pipeline_version) VALUES (%s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (key) DO UPDATE SET capture_id = excluded.capture_id,"
                " url = excluded.url, origin = excluded.origin, reason = excluded.reason,"
                " at = excluded.at, pipeline_version = excluded.pipeline_version",
                (
                    key,
                    failure.capture_id or None,
                    failure.url,
                    failure.origin,
                    failure.reason,
                    failure.at.isoformat(),
                    failure.pipeline_version,
                ),
            )

    def clear_failure(self, capture_id: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM failures WHERE capture_id = %s", (capture_id,))

    def failures(self) -> list[ExtractionFailure]:
        rows = self._conn().execute("SELECT * FROM failures ORDER BY at, key").fetchall()
        return [failure_from_row(r) for r in rows]

    # sources

    def put_source(self, source: Source) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO sources (name, homepage, issuer, country, languages, selectors)"
                " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (name) DO UPDATE SET"
                " homepage = excluded.homepage, issuer = excluded.issuer,"
                " country = excluded.country, languages = excluded.languages,"
                " selectors = excluded.selectors",
                (
                    source.name,
                    source.homepage,
                    source.issuer,
                    source.country,
                    json.dumps(source.languages),
                    json.dumps(vars(source.selectors)) if source.selectors else None,
                ),
            )

    def sources(self) -> list[Source]:
        rows = self._conn().execute("SELECT * FROM sources ORDER BY name").fetchall()
        return [
            Source(
                r["name"],
                r["homepage"],
                r["issuer"],
                r["country"],
                tuple(json.loads(r["languages"])),
                Selectors(**json.loads(r["selectors"])) if r["selectors"] else None,
            )
            for r in rows
        ]

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

    def stats(self) -> Stats:
        languages = self._conn().execute(
            "SELECT coalesce(language, '?') AS language, count(*) AS n FROM statements"
            " GROUP BY 1 ORDER BY 2 DESC"
        )
        return Stats(
            statements=self._count(
                "SELECT count(*) AS n FROM statements s WHERE NOT EXISTS (SELECT 1"
                " FROM link_copies c WHERE c.statement_id = s.id AND c.group_id <> s.id)"
            ),
            captures=self._count("SELECT count(*) AS n FROM captures"),
            sources=self._count(
                "SELECT count(*) AS n FROM (SELECT name FROM sources UNION"
                " SELECT source FROM statements WHERE source IS NOT NULL) AS named"
            ),
            errors=self._count("SELECT count(*) AS n FROM failures"),
            languages={r["language"]: int(r["n"]) for r in languages},
            copies=self._count("SELECT count(*) AS n FROM statements"),
        )

    # learned site chrome

    def observe_site_lines(
        self, host: str, capture_id: str, lines: Collection[str]
    ) -> dict[str, int]:
        keys = sorted(set(lines))
        with self._write() as conn:
            new = conn.execute(
                "INSERT INTO site_pages (host, capture_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                (host, capture_id),
            ).rowcount
            if new and keys:
                conn.execute(
                    "INSERT INTO site_lines (host, line, pages)"
                    " SELECT %s, line, 1 FROM unnest(%s::text[]) AS line"
                    " ON CONFLICT (host, line) DO UPDATE SET pages = site_lines.pages + 1",
                    (host, keys),
                )
            rows = conn.execute(
                "SELECT line, pages FROM site_lines WHERE host = %s AND line = ANY(%s)",
                (host, keys),
            )
            counts = {row["line"]: int(row["pages"]) - 1 for row in rows}
        return {key: counts.get(key, 0) for key in keys}

    def site_page_count(self, host: str) -> int:
        return self._count("SELECT count(*) AS n FROM site_pages WHERE host = %s", (host,))

    def is_processed(self, capture_id: str, version: str) -> bool:
        row = self._one(
            "SELECT 1 FROM processed WHERE capture_id = %s AND pipeline_version = %s",
            (capture_id, version),
        )
        return row is not None

    def mark_processed(self, capture_id: str, version: str) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO processed (capture_id, pipeline_version) VALUES (%s, %s)"
                " ON CONFLICT (capture_id)"
                " DO UPDATE SET pipeline_version = excluded.pipeline_version",
                (capture_id, version),
            )

    def start_reprocess(self) -> bool:
        with self._write() as conn:
            conn.execute("LOCK TABLE reprocess_pending IN EXCLUSIVE MODE")
            if conn.execute("SELECT 1 FROM reprocess_pending").fetchone() is not None:
                return True
            _clear_derived(conn)
            conn.execute(
                "INSERT INTO reprocess_pending (started_at) VALUES (%s)",
                (datetime.now(UTC).isoformat(),),
            )
        return False

    def finish_reprocess(self) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM reprocess_pending")

    def clear_derived(self) -> None:
        with self._write() as conn:
            _clear_derived(conn)

    # helpers

    def _one(self, sql: str, params: tuple[Any, ...]) -> dict[str, Any] | None:
        return self._conn().execute(sql, params).fetchone()

    def _count(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        row = self._one(sql, params)
        return int(row["n"]) if row else 0


def _clear_derived(conn: Conn) -> None:
    """Delete everything derived from captures, in the caller's transaction."""
    conn.execute("DELETE FROM processed")
    conn.execute("DELETE FROM versions")
    conn.execute("DELETE FROM failures WHERE capture_id IS NOT NULL")
    conn.execute("DELETE FROM statement_texts")
    conn.execute("DELETE FROM statements")
    clear_links(Db(conn, POSTGRES))
    conn.execute("DELETE FROM statement_vectors")
    for table in ENRICH_TABLES:
        conn.execute(f"DELETE FROM {table}")


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
