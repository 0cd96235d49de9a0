"""Captures, statements, failures, sources, site chrome and processing marks, for both backends.

What the backends do alike is written here once; each backend keeps its connections,
transactions, statement writes (its search index differs) and enrichment writes.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Collection, Iterator, Sequence
from datetime import UTC, datetime

from communique.errors import NotFound
from communique.model import (
    Capture,
    Enrichment,
    ExtractionFailure,
    PackedBody,
    Selectors,
    Source,
    Statement,
    Stats,
    Work,
)
from communique.store.dialect import Db, SqlTables, upsert
from communique.store.enrich_rows import ENRICH_TABLES, read_enrichment
from communique.store.link_tables import clear_links, old_links
from communique.store.rows import (
    SELECT_STATEMENTS,
    capture_from_row,
    failure_from_row,
    insert_captures,
    statement_from_row,
)
from communique.store.site_lines import SiteLines, SitePage, thaw


class CoreTables(SqlTables):
    """Mixed into each store: captures, failures, sources, site chrome, processing marks."""

    _site_lines: SiteLines | None = None
    """The sites whose chrome this store counted last (read again when they changed)."""

    # captures

    def put_capture(self, capture: Capture, body: bytes) -> bool:
        return self.put_captures([(capture, body)])[0]

    def put_captures(self, captures: Sequence[tuple[Capture, bytes | PackedBody]]) -> list[bool]:
        if not captures:
            return []
        with self._writing() as db:
            return insert_captures(db, captures)

    def stored_captures(self, capture_ids: Collection[str]) -> set[str]:
        rows = self._db().all_in("SELECT id FROM captures WHERE id IN ({marks})", list(capture_ids))
        return {row["id"] for row in rows}

    def get_capture(self, capture_id: str) -> Capture:
        row = self._db().one("SELECT * FROM captures WHERE id = ?", (capture_id,))
        if row is None:
            raise NotFound(f"no capture {capture_id}")
        return capture_from_row(row)

    def capture_body(self, capture_id: str) -> bytes:
        row = self._db().one(
            "SELECT b.zbody FROM captures c JOIN blobs b ON b.sha256 = c.sha256 WHERE c.id = ?",
            (capture_id,),
        )
        if row is None:
            raise NotFound(f"no capture {capture_id}")
        return zlib.decompress(row["zbody"])

    def iter_captures(self) -> Iterator[Capture]:
        after = ("", "")
        while True:
            rows = self._db().all(
                "SELECT * FROM captures WHERE (fetched_at, id) > (?, ?)"
                " ORDER BY fetched_at, id LIMIT 500",
                after,
            )
            if not rows:
                return
            yield from (capture_from_row(r) for r in rows)
            after = (rows[-1]["fetched_at"], rows[-1]["id"])

    def count_captures(self) -> int:
        return self._db().count("SELECT count(*) AS n FROM captures")

    # statements

    def get_statement(self, statement_id: str) -> Statement:
        row = self._db().one(f"{SELECT_STATEMENTS} WHERE s.id = ?", (statement_id,))
        if row is None:
            raise NotFound(f"no statement {statement_id}")
        return statement_from_row(row)

    def captures_of(self, statement_id: str) -> list[Capture]:
        statement = self.get_statement(statement_id)
        return [self.get_capture(cid) for cid in statement.capture_ids]

    def stats(self) -> Stats:
        db = self._db()
        languages = db.all(
            "SELECT coalesce(language, '?') AS language, count(*) AS n FROM statements"
            " GROUP BY 1 ORDER BY 2 DESC"
        )
        return Stats(
            statements=db.count(
                "SELECT count(*) AS n FROM statements s WHERE NOT EXISTS (SELECT 1"
                " FROM link_copies c WHERE c.statement_id = s.id AND c.group_id <> s.id)"
            ),
            copies=db.count("SELECT count(*) AS n FROM statements"),
            captures=db.count("SELECT count(*) AS n FROM captures"),
            sources=db.count(
                "SELECT count(*) AS n FROM (SELECT name FROM sources UNION"
                " SELECT source FROM statements WHERE source IS NOT NULL) AS named"
            ),
            errors=db.count("SELECT count(*) AS n FROM failures"),
            languages={r["language"]: int(r["n"]) for r in languages},
            unfinished=tuple(self.unfinished_work()),
            old_links=old_links(db),
        )

    # enrichment

    def get_enrichment(self, statement_id: str) -> Enrichment:
        row = self._db().one("SELECT data FROM enrichments WHERE statement_id = ?", (statement_id,))
        if row is None:
            raise NotFound(f"no enrichment for statement {statement_id}")
        return read_enrichment(row["data"])

    def mention_pairs(self) -> list[tuple[str | None, str, int]]:
        rows = self._db().all(
            "SELECT issuer_country, country, count(*) AS n FROM statement_countries"
            " GROUP BY 1, 2 ORDER BY 3 DESC, 1 NULLS FIRST, 2"
        )
        return [(r["issuer_country"], r["country"], int(r["n"])) for r in rows]

    # failures

    def record_failure(self, failure: ExtractionFailure) -> None:
        key = failure.capture_id or f"origin:{failure.origin}"
        with self._writing() as db:
            db.execute(
                upsert("failures", "key capture_id url origin reason at pipeline_version", "key"),
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
        with self._writing() as db:
            db.execute("DELETE FROM failures WHERE capture_id = ?", (capture_id,))

    def failures(self, capture_ids: Collection[str] | None = None) -> list[ExtractionFailure]:
        if capture_ids is None:
            every = self._db().all("SELECT * FROM failures ORDER BY at, key")
            return [failure_from_row(r) for r in every]
        rows = self._db().all_in(
            "SELECT * FROM failures WHERE capture_id IN ({marks}) ORDER BY at, key",
            list(capture_ids),
        )
        return [failure_from_row(r) for r in rows]

    # sources

    def put_source(self, source: Source) -> None:
        with self._writing() as db:
            db.execute(
                upsert("sources", "name homepage issuer country languages selectors", "name"),
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
        return [
            Source(
                r["name"],
                r["homepage"],
                r["issuer"],
                r["country"],
                tuple(json.loads(r["languages"])),
                Selectors(**json.loads(r["selectors"])) if r["selectors"] else None,
            )
            for r in self._db().all("SELECT * FROM sources ORDER BY name")
        ]

    # learned site chrome

    def observe_site_lines(self, page: SitePage) -> dict[str, int]:
        return self.observe_many_site_lines([page])[0]

    def observe_many_site_lines(self, pages: Sequence[SitePage]) -> list[dict[str, int]]:
        if not pages:
            return []
        if self._site_lines is None:
            self._site_lines = SiteLines()
        with self._writing() as db:
            return self._site_lines.observe_many(db, pages)

    def site_page_count(self, host: str) -> int:
        return self._db().count("SELECT count(*) AS n FROM site_pages WHERE host = ?", (host,))

    # processing marks

    def is_processed(self, capture_id: str, version: str) -> bool:
        row = self._db().one(
            "SELECT 1 AS done FROM processed WHERE capture_id = ? AND pipeline_version = ?",
            (capture_id, version),
        )
        return row is not None

    def processed_among(self, capture_ids: Collection[str], version: str) -> set[str]:
        rows = self._db().all_in(
            "SELECT capture_id FROM processed"
            " WHERE pipeline_version = ? AND capture_id IN ({marks})",
            list(capture_ids),
            (version,),
        )
        return {row["capture_id"] for row in rows}

    def mark_processed(self, capture_id: str, version: str) -> None:
        self.mark_all_processed([capture_id], version)

    def mark_all_processed(self, capture_ids: Sequence[str], version: str) -> None:
        if not capture_ids:
            return
        with self._writing() as db:
            db.executemany(
                upsert("processed", "capture_id pipeline_version", "capture_id"),
                [(capture_id, version) for capture_id in capture_ids],
            )

    def start_reprocess(self) -> bool:
        with self._writing() as db:
            if db.dialect.lock_table:
                db.execute(db.dialect.lock_table.format("reprocess_pending"))
            if db.one("SELECT 1 AS pending FROM reprocess_pending") is not None:
                return True
            clear_derived(db)
            db.execute(
                "INSERT INTO reprocess_pending (started_at) VALUES (?)",
                (datetime.now(UTC).isoformat(),),
            )
        return False

    def finish_reprocess(self) -> None:
        with self._writing() as db:
            db.execute("DELETE FROM reprocess_pending")

    def start_work(self, work: Work) -> None:
        with self._writing() as db:
            db.execute(
                upsert("unfinished_work", "work started_at", "work"),
                (work, datetime.now(UTC).isoformat()),
            )

    def finish_work(self, work: Work) -> None:
        with self._writing() as db:
            db.execute("DELETE FROM unfinished_work WHERE work = ?", (work,))

    def unfinished_work(self) -> list[Work]:
        db = self._db()
        rows = db.all("SELECT work FROM unfinished_work ORDER BY started_at, work")
        found: list[Work] = [row["work"] for row in rows]
        if db.one("SELECT 1 AS pending FROM reprocess_pending") is not None:
            found.append("reprocess")
        return found

    def clear_derived(self) -> None:
        with self._writing() as db:
            clear_derived(db)


def clear_derived(db: Db) -> None:
    """Delete everything derived from captures, in the caller's transaction."""
    db.execute("DELETE FROM processed")
    db.execute("DELETE FROM versions")
    db.execute("DELETE FROM failures WHERE capture_id IS NOT NULL")
    db.execute("DELETE FROM statement_texts")
    db.execute("DELETE FROM statements")
    clear_links(db)
    db.execute("DELETE FROM statement_vectors")
    thaw(db)
    for table in ENRICH_TABLES:
        db.execute(f"DELETE FROM {table}")
