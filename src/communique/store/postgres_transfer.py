"""Whole tables in and out of the PostgreSQL store, for copies and backups between backends."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg.rows import dict_row

from communique.store.base import TABLES
from communique.store.link_tables import LINK_TABLES
from communique.store.postgres_schema import text_config

if TYPE_CHECKING:
    from communique.store.postgres import Conn

_INTERNAL = ("migrations", *LINK_TABLES)
"""Not copied: migration records and the links (rebuilt from the texts by `relink`)."""
_IDENTITIES = (("statements", "rowid"), ("crawl_runs", "id"), ("changes", "id"))


class PgTransfer:
    """Mixed into `PostgresStore`: the `TransferStore` protocol."""

    url: str
    _conn: Callable[[], Conn]
    _write: Callable[[], AbstractContextManager[Conn]]

    def table_counts(self) -> dict[str, int]:
        conn = self._conn()
        names = [
            r["table_name"]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            )
            if r["table_name"] not in _INTERNAL
        ]
        ordered = [t for t in TABLES if t in names] + sorted(set(names) - set(TABLES))
        counts = {}
        for table in ordered:
            row = conn.execute(f'SELECT count(*) AS n FROM "{table}"'.encode()).fetchone()
            counts[table] = int(row["n"]) if row else 0
        return counts

    def export_tables(
        self, tables: Sequence[str], batch: int = 1000
    ) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        with psycopg.connect(self.url, row_factory=dict_row) as conn:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            for table in tables:
                columns = ", ".join(f'"{c}"' for c in _columns(conn, table))
                order = " ORDER BY seq" if table == "frontier" else ""
                with conn.cursor(name=f"export_{table}") as cursor:
                    cursor.execute(f'SELECT {columns} FROM "{table}"{order}'.encode())
                    while rows := cursor.fetchmany(batch):
                        yield table, rows
            conn.rollback()

    def import_rows(self, table: str, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        with self._write() as conn:
            columns = [c for c in _columns(conn, table) if c in rows[0]]
            values = [[row[c] for c in columns] for row in rows]
            marks = ["%s"] * len(columns)
            if table == "statement_texts":
                columns, marks = _with_configs(conn, rows, columns, marks, values)
            names = ", ".join(f'"{c}"' for c in columns)
            sql = f'INSERT INTO "{table}" ({names}) VALUES ({", ".join(marks)})'
            with conn.cursor() as cursor:
                cursor.executemany(sql.encode(), values)

    def finish_import(self) -> None:
        with self._write() as conn:
            for table, column in _IDENTITIES:
                conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                    f" coalesce(max({column}), 0) + 1, false) FROM {table}".encode()
                )


def _columns(conn: Conn, table: str) -> list[str]:
    """The columns of `table` one can write: not generated, not an always-identity."""
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema ="
        " current_schema() AND table_name = %s AND is_generated = 'NEVER'"
        " AND coalesce(identity_generation, '') != 'ALWAYS' ORDER BY ordinal_position",
        (table,),
    )
    return [r["column_name"] for r in rows]


def _with_configs(
    conn: Conn,
    rows: list[dict[str, Any]],
    columns: list[str],
    marks: list[str],
    values: list[list[Any]],
) -> tuple[list[str], list[str]]:
    """Texts get the search configuration of their statement's language, whatever came in."""
    languages = {
        r["rowid"]: r["language"]
        for r in conn.execute(
            "SELECT rowid, language FROM statements WHERE rowid = ANY(%s)",
            ([row["rowid"] for row in rows],),
        )
    }
    if "config" in columns:
        index = columns.index("config")
        columns, marks = columns[:index] + columns[index + 1 :], marks[:index] + marks[index + 1 :]
        for value in values:
            del value[index]
    for row, value in zip(rows, values, strict=True):
        value.append(text_config(languages.get(row["rowid"])))
    return [*columns, "config"], [*marks, "%s::regconfig"]
