"""Statement vectors beside the statements, for both backends (one mixin, two schemas).

SQLite's vector extension (sqlite-vec) needs a Python built with extension loading, which
is not a given; vectors are kept as float32 blobs and searched by `communique.semantic`.
"""

from __future__ import annotations

from collections.abc import Sequence

from communique.store.dialect import SqlTables

VECTOR_SCHEMA = """
CREATE TABLE statement_vectors (
    statement_id TEXT NOT NULL,
    model TEXT NOT NULL,
    vector {blob} NOT NULL,
    PRIMARY KEY (statement_id, model)
);
"""


class VectorTables(SqlTables):
    """`VectorStore` over a backend's `Db`."""

    def put_vectors(self, model: str, vectors: Sequence[tuple[str, bytes]]) -> None:
        with self._writing() as db:
            db.executemany(
                "INSERT INTO statement_vectors (statement_id, model, vector)"
                " VALUES (?, ?, ?) ON CONFLICT (statement_id, model)"
                " DO UPDATE SET vector = excluded.vector",
                [(statement_id, model, vector) for statement_id, vector in vectors],
            )

    def unembedded(self, model: str, limit: int = 1000) -> list[str]:
        rows = self._db().all(
            "SELECT s.id FROM statements s WHERE NOT EXISTS (SELECT 1 FROM statement_vectors v"
            " WHERE v.statement_id = s.id AND v.model = ?) ORDER BY s.id LIMIT ?",
            (model, limit),
        )
        return [str(row["id"]) for row in rows]

    def vector_count(self, model: str) -> int:
        return self._db().count(
            "SELECT count(*) AS n FROM statement_vectors WHERE model = ?", (model,)
        )

    def vectors_version(self, model: str) -> str:
        return str(self.vector_count(model))

    def all_vectors(self, model: str) -> tuple[list[str], list[bytes]]:
        rows = self._db().all(
            "SELECT statement_id, vector FROM statement_vectors WHERE model = ?"
            " ORDER BY statement_id",
            (model,),
        )
        return [str(row["statement_id"]) for row in rows], [bytes(row["vector"]) for row in rows]
