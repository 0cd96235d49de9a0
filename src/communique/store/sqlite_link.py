"""Link tables of the SQLite store: statements, their copies, LSH buckets, translations."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager

from communique.model import CopyLink, Translation

LINK_TABLES = ("statement_groups", "link_copies", "link_buckets", "translations")


class SqliteLinkTables:
    """Mixed into `SqliteStore`: the `LinkStore` protocol."""

    _conn: Callable[[], sqlite3.Connection]
    _write: Callable[[], AbstractContextManager[sqlite3.Connection]]

    def copy_with_key(self, exact_key: str) -> str | None:
        """The first linked copy whose words are exactly these."""
        row = (
            self._conn()
            .execute(
                "SELECT statement_id FROM link_copies WHERE exact_key = ?"
                " ORDER BY seen, statement_id LIMIT 1",
                (exact_key,),
            )
            .fetchone()
        )
        return None if row is None else str(row[0])

    def link_candidates(self, buckets: Sequence[bytes]) -> list[tuple[str, bytes]]:
        """Copies sharing an LSH bucket, with their MinHash values."""
        if not buckets:
            return []
        marks = ",".join("?" * len(buckets))
        rows = self._conn().execute(
            "SELECT DISTINCT c.statement_id, c.minhash FROM link_buckets b"
            f" JOIN link_copies c ON c.statement_id = b.statement_id WHERE b.bucket IN ({marks})",
            tuple(buckets),
        )
        return [(str(r[0]), bytes(r[1])) for r in rows]

    def add_buckets(self, statement_id: str, buckets: Sequence[bytes]) -> None:
        """Add more LSH buckets of a copy (those of its language-independent facts)."""
        with self._write() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO link_buckets (bucket, statement_id) VALUES (?, ?)",
                [(bucket, statement_id) for bucket in buckets],
            )

    def bucket_members(self, buckets: Sequence[bytes]) -> list[str]:
        """Copies in any of these LSH buckets."""
        if not buckets:
            return []
        marks = ",".join("?" * len(buckets))
        rows = self._conn().execute(
            f"SELECT DISTINCT statement_id FROM link_buckets WHERE bucket IN ({marks})"
            " ORDER BY statement_id",
            tuple(buckets),
        )
        return [str(r[0]) for r in rows]

    def get_copy(self, statement_id: str) -> CopyLink | None:
        row = (
            self._conn()
            .execute("SELECT * FROM link_copies WHERE statement_id = ?", (statement_id,))
            .fetchone()
        )
        return None if row is None else _copy(row)

    def put_copy(self, link: CopyLink, minhash: bytes, buckets: Sequence[bytes]) -> None:
        """Store a copy's link and LSH buckets, and its statement's canonical copy."""
        with self._write() as conn:
            old = conn.execute(
                "SELECT group_id FROM link_copies WHERE statement_id = ?", (link.statement_id,)
            ).fetchone()
            conn.execute("DELETE FROM link_buckets WHERE statement_id = ?", (link.statement_id,))
            conn.execute(
                "INSERT OR REPLACE INTO link_copies (statement_id, group_id, kind, matched,"
                " evidence, exact_key, seen, own_site, words, minhash)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    link.statement_id,
                    link.group_id,
                    link.kind,
                    link.matched,
                    link.evidence,
                    link.exact_key,
                    link.seen,
                    int(link.own_site),
                    link.words,
                    minhash,
                ),
            )
            conn.executemany(
                "INSERT OR IGNORE INTO link_buckets (bucket, statement_id) VALUES (?, ?)",
                [(bucket, link.statement_id) for bucket in buckets],
            )
            _refresh_group(conn, link.group_id)
            if old is not None and old[0] != link.group_id:
                _refresh_group(conn, str(old[0]))

    def copies(self, group_id: str) -> list[CopyLink]:
        """The copies of a statement, the canonical one first."""
        rows = self._conn().execute(
            "SELECT * FROM link_copies WHERE group_id = ?"
            " ORDER BY own_site DESC, seen, statement_id",
            (group_id,),
        )
        return [_copy(r) for r in rows]

    def put_translation(self, translation: Translation) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO translations (group_id, other_group, language,"
                " confidence, evidence) VALUES (?, ?, ?, ?, ?)",
                (
                    translation.group_id,
                    translation.other_group,
                    translation.language,
                    translation.confidence,
                    translation.evidence,
                ),
            )

    def translations(self, group_id: str) -> list[Translation]:
        rows = self._conn().execute(
            "SELECT * FROM translations WHERE group_id = ? ORDER BY confidence DESC, other_group",
            (group_id,),
        )
        return [
            Translation(
                r["group_id"], r["other_group"], r["language"], r["confidence"], r["evidence"]
            )
            for r in rows
        ]

    def link_order(self) -> list[tuple[str, str]]:
        """(statement id, first captured) of every statement, in the order `relink` links."""
        rows = self._conn().execute(
            "SELECT statement_id, min(fetched_at) AS seen FROM versions"
            " GROUP BY statement_id ORDER BY seen, statement_id"
        )
        return [(str(r[0]), str(r[1])) for r in rows]

    def clear_links(self) -> None:
        with self._write() as conn:
            clear_links(conn)


def clear_links(conn: sqlite3.Connection) -> None:
    """Delete every link, in the caller's transaction."""
    for table in LINK_TABLES:
        conn.execute(f"DELETE FROM {table}")


def _refresh_group(conn: sqlite3.Connection, group_id: str) -> None:
    row = conn.execute(
        "SELECT statement_id, count(*) OVER () FROM link_copies WHERE group_id = ?"
        " ORDER BY own_site DESC, seen, statement_id LIMIT 1",
        (group_id,),
    ).fetchone()
    if row is None:
        conn.execute("DELETE FROM statement_groups WHERE id = ?", (group_id,))
        return
    conn.execute(
        "INSERT OR REPLACE INTO statement_groups (id, canonical, copies) VALUES (?, ?, ?)",
        (group_id, row[0], row[1]),
    )


def _copy(row: sqlite3.Row) -> CopyLink:
    return CopyLink(
        statement_id=row["statement_id"],
        group_id=row["group_id"],
        kind=row["kind"],
        matched=row["matched"],
        evidence=row["evidence"],
        exact_key=row["exact_key"],
        seen=row["seen"],
        own_site=bool(row["own_site"]),
        words=row["words"],
    )
