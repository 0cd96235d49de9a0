"""Statement vectors beside the statements, for both backends (one mixin, two schemas).

SQLite's vector extension (sqlite-vec) needs a Python built with extension loading, which
is not a given; vectors are kept as float32 blobs and searched by `communique.semantic`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

VECTOR_SCHEMA = """
CREATE TABLE statement_vectors (
    statement_id TEXT NOT NULL,
    model TEXT NOT NULL,
    vector {blob} NOT NULL,
    PRIMARY KEY (statement_id, model)
);
"""


class VectorTables:
    """`VectorStore` over the connection and write transaction of a backend."""

    _placeholder = "?"
    _conn: Callable[[], Any]
    _write: Callable[[], AbstractContextManager[Any]]

    def _vsql(self, sql: str) -> str:
        return sql.replace("?", self._placeholder)

    def put_vectors(self, model: str, vectors: Sequence[tuple[str, bytes]]) -> None:
        with self._write() as conn:
            for statement_id, vector in vectors:
                conn.execute(
                    self._vsql(
                        "INSERT INTO statement_vectors (statement_id, model, vector)"
                        " VALUES (?, ?, ?) ON CONFLICT (statement_id, model)"
                        " DO UPDATE SET vector = excluded.vector"
                    ),
                    (statement_id, model, vector),
                )

    def unembedded(self, model: str, limit: int = 1000) -> list[str]:
        rows = self._conn().execute(
            self._vsql(
                "SELECT s.id FROM statements s WHERE NOT EXISTS (SELECT 1 FROM statement_vectors v"
                " WHERE v.statement_id = s.id AND v.model = ?) ORDER BY s.id LIMIT ?"
            ),
            (model, limit),
        )
        return [_first(row) for row in rows.fetchall()]

    def vector_count(self, model: str) -> int:
        rows = self._conn().execute(
            self._vsql("SELECT count(*) FROM statement_vectors WHERE model = ?"), (model,)
        )
        return int(_first(rows.fetchone()))

    def all_vectors(self, model: str) -> tuple[list[str], list[bytes]]:
        rows = self._conn().execute(
            self._vsql(
                "SELECT statement_id, vector FROM statement_vectors WHERE model = ?"
                " ORDER BY statement_id"
            ),
            (model,),
        )
        ids, blobs = [], []
        for row in rows.fetchall():
            values = tuple(row.values()) if isinstance(row, dict) else tuple(row)
            ids.append(str(values[0]))
            blobs.append(bytes(values[1]))
        return ids, blobs


def _first(row: Any) -> Any:
    return next(iter(row.values())) if isinstance(row, dict) else row[0]
