"""Crawl tables of both backends: runs, the frontier, URL validators, changes, versions."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import asdict, fields, replace
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

from communique.model import (
    Capture,
    Change,
    CrawlCounts,
    CrawlRun,
    EntryState,
    FrontierEntry,
    UrlKind,
    UrlState,
    Version,
)
from communique.store.dialect import Row, SqlTables, upsert
from communique.store.rows import SELECT_VERSIONS, capture_from_row, insert_captures, iso

PRIORITY = {UrlKind.FEED: 0, UrlKind.SITEMAP: 0, UrlKind.LISTING: 0, UrlKind.PAGE: 1}
"""Lower first: feeds, sitemaps and listings find new statements before known pages are
revisited. A listing's next page is held until the items of the page before it are done."""


class CrawlTables(SqlTables):
    """Mixed into each store: the crawl half of the `Store` protocol."""

    # runs

    def start_run(self, source: str, since: date | None) -> CrawlRun:
        """The unfinished run of `source` (a crawl that was killed), or a new one."""
        with self._writing() as conn:
            row = conn.execute(
                "SELECT * FROM crawl_runs WHERE source = ? AND finished_at IS NULL"
                " ORDER BY id DESC LIMIT 1",
                (source,),
            ).fetchone()
            if row is not None:
                return _run_from_row(row)
            started = datetime.now(UTC)
            inserted = conn.execute(
                "INSERT INTO crawl_runs (source, started_at, since) VALUES (?, ?, ?) RETURNING id",
                (source, started.isoformat(), iso(since)),
            ).fetchone()
            run_id = int(inserted["id"]) if inserted else 0
            return CrawlRun(id=run_id, source=source, started_at=started, since=since)

    def save_run(self, run: CrawlRun) -> None:
        with self._writing() as conn:
            conn.execute(
                "UPDATE crawl_runs SET counts = ?, finished_at = ? WHERE id = ?",
                (json.dumps(asdict(run.counts)), iso(run.finished_at), run.id),
            )
            if run.finished_at is not None:
                conn.execute("DELETE FROM frontier WHERE run_id = ?", (run.id,))

    def runs(self, source: str | None = None, limit: int = 50) -> list[CrawlRun]:
        """The latest crawl runs, newest first."""
        where, params = ("WHERE source = ?", [source]) if source else ("", [])
        rows = (
            self._db()
            .execute(f"SELECT * FROM crawl_runs {where} ORDER BY id DESC LIMIT ?", [*params, limit])
            .fetchall()
        )
        return [_run_from_row(r) for r in rows]

    # frontier

    def enqueue(self, run_id: int, entries: Iterable[FrontierEntry]) -> int:
        """Add entries not yet in the run's frontier; returns how many were new."""
        added = 0
        with self._writing() as conn:
            for entry in entries:
                cursor = conn.execute(
                    "INSERT INTO frontier (run_id, url, host, kind, priority, parent,"
                    " depth, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT DO NOTHING",
                    (
                        run_id,
                        entry.url,
                        (urlsplit(entry.url).hostname or "").lower(),
                        entry.kind.value,
                        PRIORITY[entry.kind],
                        entry.parent,
                        entry.depth,
                        entry.state,
                    ),
                )
                if cursor.rowcount:
                    added += 1
                elif entry.parent is not None:
                    conn.execute(
                        "UPDATE frontier SET parent = ? WHERE run_id = ? AND url = ?"
                        " AND parent IS NULL",
                        (entry.parent, run_id, entry.url),
                    )
        return added

    def next_entry(self, run_id: int) -> tuple[FrontierEntry, str | None] | None:
        """The next URL of a run to work on, and its capture id when it was already fetched."""
        conn = self._db()
        row = None
        for state in ("fetched", "pending"):  # two index range scans, no sort
            row = conn.execute(
                "SELECT * FROM frontier WHERE run_id = ? AND state = ?"
                f" ORDER BY priority, {self.dialect.frontier_order} LIMIT 1",
                (run_id, state),
            ).fetchone()
            if row is not None:
                break
        if row is None:
            return None
        return _entry_from_row(row), row["capture_id"]

    def frontier_counts(self, run_id: int) -> dict[str, int]:
        rows = self._db().execute(
            "SELECT state, count(*) AS n FROM frontier WHERE run_id = ? GROUP BY state",
            (run_id,),
        )
        return {r["state"]: int(r["n"]) for r in rows}

    def put_fetched_capture(self, run_id: int, url: str, capture: Capture, body: bytes) -> bool:
        """Store a fetched capture and mark its frontier entry fetched, in one transaction."""
        with self._writing() as conn:
            new = insert_captures(conn, [(capture, body)])[0]
            conn.execute(
                "UPDATE frontier SET state = 'fetched', capture_id = ?"
                " WHERE run_id = ? AND url = ?",
                (capture.id, run_id, url),
            )
            return new

    def finish_entry(self, run_id: int, entry: FrontierEntry) -> None:
        with self._writing() as conn:
            conn.execute(
                "UPDATE frontier SET state = ?, error = ?, published = ?"
                " WHERE run_id = ? AND url = ?",
                (entry.state, entry.error, iso(entry.published), run_id, entry.url),
            )

    def release_held(self, run_id: int, since: date | None) -> int:
        """Release next listing pages whose previous page still had items on or after `since`.

        A held page whose parent listing's items are all done and all older than `since` is
        skipped: the backfill has gone far enough.
        """
        conn = self._db()
        held = conn.execute(
            "SELECT * FROM frontier WHERE run_id = ? AND state = 'held'", (run_id,)
        ).fetchall()
        released = 0
        for row in held:
            children = conn.execute(
                "SELECT state, published FROM frontier WHERE run_id = ? AND parent = ?"
                " AND kind = 'page'",
                (run_id, row["parent"]),
            ).fetchall()
            if any(c["state"] in ("pending", "fetched") for c in children):
                continue
            dated = [c["published"] for c in children if c["published"]]
            recent = any(since is None or d >= since.isoformat() for d in dated)
            undated = not dated and any(c["state"] == "done" for c in children)
            state: EntryState = "pending" if recent or undated else "skipped"
            self.finish_entry(run_id, replace(_entry_from_row(row), state=state))
            released += state == "pending"
        return released

    # URL validators and removals

    def get_url_state(self, source: str, url: str) -> UrlState | None:
        row = (
            self._db()
            .execute("SELECT * FROM url_state WHERE source = ? AND url = ?", (source, url))
            .fetchone()
        )
        if row is None:
            return None
        return UrlState(
            url=row["url"],
            source=row["source"],
            kind=UrlKind(row["kind"]),
            etag=row["etag"],
            last_modified=row["last_modified"],
            status=row["status"],
            checked_at=datetime.fromisoformat(row["checked_at"]),
            removed_at=datetime.fromisoformat(row["removed_at"]) if row["removed_at"] else None,
        )

    def put_url_state(self, state: UrlState) -> None:
        with self._writing() as conn:
            conn.execute(
                upsert(
                    "url_state",
                    "url source kind etag last_modified status checked_at removed_at",
                    "source url",
                ),
                (
                    state.url,
                    state.source,
                    state.kind.value,
                    state.etag,
                    state.last_modified,
                    state.status,
                    state.checked_at.isoformat(),
                    iso(state.removed_at),
                ),
            )

    def known_urls(self, source: str) -> list[tuple[str, UrlKind]]:
        """Every page URL of `source` fetched before and not removed, to revisit on a recrawl."""
        rows = self._db().execute(
            "SELECT url, kind FROM url_state WHERE source = ? AND removed_at IS NULL"
            " AND kind = 'page' ORDER BY url",
            (source,),
        )
        return [(r["url"], UrlKind(r["kind"])) for r in rows]

    def statements_at_url(self, url: str) -> list[str]:
        """Ids of the statements extracted from captures of `url`."""
        rows = self._db().execute(
            "SELECT DISTINCT v.statement_id FROM versions v JOIN captures c ON c.id = v.capture_id"
            " WHERE c.url = ?",
            (url,),
        )
        return [r["statement_id"] for r in rows]

    # robots.txt

    def get_robots(self, origin: str) -> tuple[str, datetime] | None:
        """The robots.txt last read for `origin` (empty when it had none), and when."""
        row = (
            self._db()
            .execute("SELECT body, fetched_at FROM robots WHERE origin = ?", (origin,))
            .fetchone()
        )
        return (row["body"], datetime.fromisoformat(row["fetched_at"])) if row else None

    def put_robots(self, origin: str, body: str, fetched_at: datetime) -> None:
        with self._writing() as conn:
            conn.execute(
                upsert("robots", "origin body fetched_at", "origin"),
                (origin, body, fetched_at.isoformat()),
            )

    # changes and versions

    def record_change(self, change: Change) -> None:
        with self._writing() as conn:
            conn.execute(
                "INSERT INTO changes (statement_id, url, kind, detected_at, source,"
                " before_capture, after_capture) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    change.statement_id,
                    change.url,
                    change.kind,
                    change.detected_at.isoformat(),
                    change.source,
                    change.before_capture,
                    change.after_capture,
                ),
            )

    def changes(
        self, since: datetime | None = None, statement_id: str | None = None
    ) -> list[Change]:
        """Edits and removals detected at or after `since`, oldest first."""
        where, params = ["1 = 1"], []
        if since is not None:
            where.append("detected_at >= ?")
            params.append(since.isoformat())
        if statement_id is not None:
            where.append("statement_id = ?")
            params.append(statement_id)
        rows = self._db().execute(
            f"SELECT * FROM changes WHERE {' AND '.join(where)} ORDER BY detected_at, id", params
        )
        return [
            Change(
                statement_id=r["statement_id"],
                url=r["url"],
                kind=r["kind"],
                detected_at=datetime.fromisoformat(r["detected_at"]),
                source=r["source"],
                before_capture=r["before_capture"],
                after_capture=r["after_capture"],
            )
            for r in rows
        ]

    def versions(self, statement_id: str) -> list[Version]:
        """Every stored text of a statement, oldest first."""
        rows = self._db().execute(SELECT_VERSIONS, (statement_id,))
        return [
            Version(
                statement_id=r["statement_id"],
                capture_id=r["capture_id"],
                fetched_at=datetime.fromisoformat(r["fetched_at"]),
                title=r["title"],
                text=r["text"],
            )
            for r in rows
        ]

    def no_text(self, source: str, limit: int = 100) -> list[tuple[str, str]]:
        """(URL, reason) of captures of `source` that yielded no statement."""
        rows = self._db().execute(
            "SELECT f.url, f.reason FROM failures f JOIN captures c ON c.id = f.capture_id"
            " WHERE c.source = ? ORDER BY f.at DESC LIMIT ?",
            (source, limit),
        )
        return [(r["url"], r["reason"]) for r in rows]

    def iter_capture_bodies(self, source: str | None = None) -> Iterator[tuple[Capture, bytes]]:
        """Every capture with its bytes (of one source when given), oldest first."""
        where = "AND c.source = ?" if source else ""
        after: tuple[str, str] = ("", "")
        while True:
            rows = (
                self._db()
                .execute(
                    "SELECT c.*, b.zbody FROM captures c JOIN blobs b ON b.sha256 = c.sha256"
                    f" WHERE (c.fetched_at, c.id) > (?, ?) {where}"
                    " ORDER BY c.fetched_at, c.id LIMIT 200",
                    [*after, source] if source else list(after),
                )
                .fetchall()
            )
            if not rows:
                return
            for row in rows:
                yield capture_from_row(row), zlib.decompress(row["zbody"])
            after = (rows[-1]["fetched_at"], rows[-1]["id"])


def _entry_from_row(row: Row) -> FrontierEntry:
    published = row["published"]
    return FrontierEntry(
        url=row["url"],
        kind=UrlKind(row["kind"]),
        parent=row["parent"],
        state=row["state"],
        depth=row["depth"],
        error=row["error"],
        published=date.fromisoformat(published) if published else None,
    )


def _run_from_row(row: Row) -> CrawlRun:
    stored = json.loads(row["counts"])
    known = {f.name for f in fields(CrawlCounts)}
    return CrawlRun(
        id=row["id"],
        source=row["source"],
        started_at=datetime.fromisoformat(row["started_at"]),
        since=date.fromisoformat(row["since"]) if row["since"] else None,
        finished_at=datetime.fromisoformat(row["finished_at"]) if row["finished_at"] else None,
        counts=CrawlCounts(**{k: v for k, v in stored.items() if k in known}),
    )
