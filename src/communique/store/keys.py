"""API keys, their hashes kept and never their tokens: the `KeyStore` mixin and its table
(`API_KEY_SCHEMA`, created by each backend's migrations)."""

from __future__ import annotations

from datetime import datetime

from communique.errors import NotFound
from communique.model import ApiKey
from communique.store.dialect import Row, SqlTables

API_KEY_SCHEMA = """
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    digest TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
"""

_COLUMNS = "id, name, created_at, revoked_at"


class KeyTables(SqlTables):
    """`KeyStore` over a backend's `Db`."""

    def put_key(self, key: ApiKey, digest: str) -> None:
        with self._writing() as db:
            db.execute(
                "INSERT INTO api_keys (id, name, digest, created_at) VALUES (?, ?, ?, ?)",
                (key.id, key.name, digest, key.created_at.isoformat()),
            )

    def api_keys(self) -> list[ApiKey]:
        rows = self._db().all(f"SELECT {_COLUMNS} FROM api_keys ORDER BY created_at, id")
        return [_key(row) for row in rows]

    def key_digest(self, key_id: str) -> tuple[ApiKey, str] | None:
        row = self._db().one(f"SELECT {_COLUMNS}, digest FROM api_keys WHERE id = ?", (key_id,))
        return None if row is None else (_key(row), str(row["digest"]))

    def revoke_key(self, key_id: str, at: datetime) -> None:
        with self._writing() as db:
            done = db.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (at.isoformat(), key_id),
            )
            if not done.rowcount:
                raise NotFound(f"no active API key with id {key_id!r}")


def _key(row: Row) -> ApiKey:
    revoked_at = row["revoked_at"]
    return ApiKey(
        id=row["id"],
        name=row["name"],
        created_at=datetime.fromisoformat(row["created_at"]),
        revoked_at=datetime.fromisoformat(revoked_at) if revoked_at else None,
    )
