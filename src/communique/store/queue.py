"""The job queue's tables in PostgreSQL: procrastinate's own, and the documents between jobs.

procrastinate (https://procrastinate.readthedocs.io) owns its schema (`procrastinate_jobs`,
`procrastinate_workers`, ...); it is installed once per queue database under an advisory
lock. Beside it, `communique_job_documents` holds what an extract job computed until the
store job that writes it to the archive has run (see `communique.jobs`). Everything the
queue needs in SQL is here, so nothing above `store/` writes SQL.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, LiteralString

import psycopg
from procrastinate.schema import SchemaManager
from psycopg import Cursor
from psycopg.rows import dict_row

from communique.errors import StoreError
from communique.store.base import redacted

_DOCUMENTS = """
CREATE TABLE IF NOT EXISTS communique_job_documents (
    capture_id TEXT PRIMARY KEY,
    document BYTEA NOT NULL,
    at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS communique_job_errors (
    job_id BIGINT PRIMARY KEY,
    error TEXT NOT NULL
)
"""

STATUSES = ("todo", "doing", "succeeded", "failed", "cancelled", "aborting", "aborted")
"""procrastinate's job statuses; `failed` is the dead-letter list (failed after its last retry)."""


@dataclass(frozen=True)
class JobRow:
    """One job as `communique jobs` and the API show it."""

    id: int
    task: str
    status: str
    attempts: int
    args: dict[str, Any]
    scheduled_at: datetime | None
    error: str | None


class QueueTables:
    """One connection to the queue database (thread-safe: each call holds a lock)."""

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            self.conn = psycopg.connect(url, autocommit=True, row_factory=dict_row)
        except psycopg.Error as exc:
            raise StoreError(f"{redacted(url)}: cannot open the job queue: {exc}") from exc
        self._lock = threading.Lock()

    def close(self) -> None:
        self.conn.close()

    def _run(self, sql: LiteralString, params: Sequence[object] = ()) -> Cursor[dict[str, Any]]:
        """`sql` run while holding the connection's lock (its rows are read after)."""
        with self._lock:
            return self.conn.execute(sql, params)

    def install(self) -> None:
        """Create procrastinate's schema and the documents table unless they exist."""
        with self._lock, self.conn.transaction():
            self.conn.execute("SELECT pg_advisory_xact_lock(hashtext('communique-queue'))")
            row = self.conn.execute("SELECT to_regclass('procrastinate_jobs') AS t").fetchone()
            if row is None or row["t"] is None:
                self.conn.execute(SchemaManager.get_schema().encode())
            self.conn.execute(_DOCUMENTS.encode())

    def installed(self) -> bool:
        """Whether the queue's tables are there (a queue nothing was queued on has none)."""
        row = self._run("SELECT to_regclass('communique_job_errors') IS NOT NULL AS t").fetchone()
        return bool(row and row["t"])

    def put_document(self, capture_id: str, document: bytes) -> None:
        """Keep `document` for the capture (replacing what an earlier job kept)."""
        self._run(
            "INSERT INTO communique_job_documents (capture_id, document) VALUES (%s, %s)"
            " ON CONFLICT (capture_id) DO UPDATE SET document = EXCLUDED.document, at = now()",
            (capture_id, document),
        )

    def get_document(self, capture_id: str) -> bytes | None:
        row = self._run(
            "SELECT document FROM communique_job_documents WHERE capture_id = %s",
            (capture_id,),
        ).fetchone()
        return bytes(row["document"]) if row else None

    def delete_document(self, capture_id: str) -> None:
        self._run("DELETE FROM communique_job_documents WHERE capture_id = %s", (capture_id,))

    def clear_documents(self) -> None:
        """Drop every kept document (left by jobs whose work another job did)."""
        self._run("DELETE FROM communique_job_documents")

    def job_status(self, job_id: int) -> str | None:
        """The job's status, or None when it is gone (succeeded jobs are deleted)."""
        row = self._run(
            "SELECT status::text AS status FROM procrastinate_jobs WHERE id = %s", (job_id,)
        ).fetchone()
        return str(row["status"]) if row else None

    def unfinished(self, worker_id: int | None) -> int:
        """Jobs that still need a worker: waiting ones (due or not), ones this worker runs, and
        ones whose worker is gone or silent (see `stalled_seconds`), which will be retried.
        Jobs that other live workers run are theirs to finish."""
        row = self._run(
            """
            SELECT count(*) AS n FROM procrastinate_jobs j
            LEFT JOIN procrastinate_workers w ON w.id = j.worker_id
            WHERE j.status = 'todo'
               OR (j.status = 'doing' AND (j.worker_id IS NULL OR j.worker_id = %s
                   OR w.id IS NULL))
            """,
            (worker_id,),
        ).fetchone()
        return int(row["n"]) if row else 0

    def live_workers(self, seconds: float) -> int:
        """Workers whose last heartbeat is at most `seconds` old."""
        row = self._run(
            "SELECT count(*) AS n FROM procrastinate_workers"
            " WHERE last_heartbeat > now() - make_interval(secs => %s)",
            (seconds,),
        ).fetchone()
        return int(row["n"]) if row else 0

    def counts(self) -> dict[str, int]:
        """How many jobs have each status (every status, zeros included)."""
        rows = self._run(
            "SELECT status::text AS status, count(*) AS n FROM procrastinate_jobs GROUP BY status"
        ).fetchall()
        found = {str(r["status"]): int(r["n"]) for r in rows}
        return {status: found.get(status, 0) for status in STATUSES}

    def counts_by_task(self) -> dict[tuple[str, str], int]:
        """How many jobs of each task have each status."""
        rows = self._run(
            "SELECT task_name, status::text AS status, count(*) AS n"
            " FROM procrastinate_jobs GROUP BY task_name, status ORDER BY task_name, status"
        ).fetchall()
        return {(str(r["task_name"]), str(r["status"])): int(r["n"]) for r in rows}

    def jobs(self, status: str | None = None, limit: int = 50) -> list[JobRow]:
        """The newest jobs (with `status` only, when given), with the last error of each."""
        with self._lock:
            rows = self.conn.execute(
                """
                SELECT j.id, j.task_name, j.status::text AS status, j.attempts, j.args,
                       j.scheduled_at,
                       (SELECT e.type::text FROM procrastinate_events e
                         WHERE e.job_id = j.id ORDER BY e.id DESC LIMIT 1) AS last_event
                FROM procrastinate_jobs j
                WHERE %s::text IS NULL OR j.status::text = %s
                ORDER BY j.id DESC LIMIT %s
                """,
                (status, status, limit),
            ).fetchall()
            errors = self._errors([int(r["id"]) for r in rows])
        return [
            JobRow(
                id=int(r["id"]),
                task=str(r["task_name"]),
                status=str(r["status"]),
                attempts=int(r["attempts"]),
                args=dict(r["args"] or {}),
                scheduled_at=r["scheduled_at"],
                error=errors.get(int(r["id"])),
            )
            for r in rows
        ]

    def _errors(self, job_ids: list[int]) -> dict[int, str]:
        if not job_ids:
            return {}
        rows = self.conn.execute(
            "SELECT job_id, error FROM communique_job_errors WHERE job_id = ANY(%s)", (job_ids,)
        ).fetchall()
        return {int(r["job_id"]): str(r["error"]) for r in rows}

    def record_error(self, job_id: int, error: str) -> None:
        """Keep the last error of a job (procrastinate logs it but does not store it)."""
        self._run(
            "INSERT INTO communique_job_errors (job_id, error) VALUES (%s, %s)"
            " ON CONFLICT (job_id) DO UPDATE SET error = EXCLUDED.error",
            (job_id, error),
        )

    def retry_failed(self, job_ids: list[int] | None = None) -> int:
        """Put failed jobs (all of them, or those given) back in the queue, due now."""
        cur = self._run(
            "UPDATE procrastinate_jobs SET status = 'todo', attempts = 0,"
            " scheduled_at = NULL, worker_id = NULL, queueing_lock = NULL"
            " WHERE status = 'failed' AND (%s::bigint[] IS NULL OR id = ANY(%s))",
            (job_ids, job_ids),
        )
        return cur.rowcount
