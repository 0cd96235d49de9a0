"""What differs between the SQL of the two backends, so that the rest is written once.

Shared SQL is written as SQLite reads it (`?` placeholders, `ON CONFLICT … DO …` upserts,
which PostgreSQL reads too); `Dialect.sql` turns it into PostgreSQL's (`%s`) where needed.
Row values are read by column name, which both `sqlite3.Row` and psycopg's dict rows allow.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar, Protocol

_QUOTED = re.compile(r"('(?:[^']|'')*')")


class Row(Protocol):
    """A database row read by column name: `sqlite3.Row`, or a dict from psycopg."""

    def __getitem__(self, key: str, /) -> Any: ...


@dataclass(frozen=True)
class Dialect:
    """One backend's SQL: its placeholder, column types and row locking."""

    name: str
    placeholder: str
    blob: str
    real: str
    bigint: str
    for_update: str
    """Appended to a SELECT that reads a row the same transaction then rewrites."""
    json_field: str
    """A top-level field of a JSON text column: `{0}` the column, `{1}` the field."""
    frontier_order: str
    """The column that orders a crawl frontier's rows as they were added."""
    lock_table: str
    """A statement locking table `{}` against other writers ('' when a write does)."""

    def sql(self, text: str) -> str:
        """`text` (written with `?` placeholders) in this dialect.

        Example:
            >>> POSTGRES.sql("SELECT '?', x FROM t WHERE a LIKE 'b%' AND c = ?")
            "SELECT '?', x FROM t WHERE a LIKE 'b%%' AND c = %s"
        """
        return text if self.placeholder == "?" else _to_format(text)

    def marks(self, count: int) -> str:
        """`count` placeholders, comma-separated (for `IN (…)`).

        Example:
            >>> SQLITE.marks(3)
            '?, ?, ?'
        """
        return ", ".join(["?"] * count)


SQLITE = Dialect(
    name="sqlite",
    placeholder="?",
    blob="BLOB",
    real="REAL",
    bigint="INTEGER",
    for_update="",
    json_field="json_extract({0}, '$.{1}')",
    frontier_order="rowid",
    lock_table="",
)
POSTGRES = Dialect(
    name="postgresql",
    placeholder="%s",
    blob="BYTEA",
    real="DOUBLE PRECISION",
    bigint="BIGINT",
    for_update=" FOR UPDATE",
    json_field="({0})::json ->> '{1}'",
    frontier_order="seq",
    lock_table="LOCK TABLE {} IN EXCLUSIVE MODE",
)


@lru_cache(maxsize=2048)
def _to_format(text: str) -> str:
    """`?` to `%s` and `%` to `%%`, outside quoted strings."""
    parts = _QUOTED.split(text)
    for index in range(0, len(parts), 2):
        parts[index] = parts[index].replace("%", "%%").replace("?", "%s")
    for index in range(1, len(parts), 2):
        parts[index] = parts[index].replace("%", "%%")
    return "".join(parts)


class Db:
    """A backend's connection seen through its dialect: the same calls on both."""

    def __init__(self, conn: Any, dialect: Dialect) -> None:
        self.conn = conn
        self.dialect = dialect

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        """Run one statement; returns the backend's cursor (fetchone, fetchall, rowcount)."""
        return self.conn.execute(self.dialect.sql(sql), params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.conn.cursor().executemany(self.dialect.sql(sql), rows)

    def one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Row | None:
        row: Row | None = self.execute(sql, params).fetchone()
        return row

    def all(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Row]:
        return list(self.execute(sql, params).fetchall())

    def native(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """The rows of SQL already in this dialect."""
        return list(self.conn.execute(sql, params).fetchall())

    def count(self, sql: str, params: Sequence[Any] = ()) -> int:
        """The value of a query selecting one number as `n`."""
        row = self.one(sql, params)
        return int(row["n"]) if row is not None else 0


class SqlTables:
    """Base of the mixins written once for both backends: reads and writes through `Db`."""

    dialect: ClassVar[Dialect] = SQLITE
    _conn: Callable[[], Any]
    _write: Callable[[], AbstractContextManager[Any]]

    def _db(self) -> Db:
        """This thread's connection, for reads."""
        return Db(self._conn(), self.dialect)

    @contextmanager
    def _writing(self) -> Iterator[Db]:
        """A write transaction (a savepoint inside a batch)."""
        with self._write() as conn:
            yield Db(conn, self.dialect)
