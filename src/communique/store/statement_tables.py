"""Statements and their enrichment written once for both backends.

A backend says how it stores a statement's searchable text (`_text_upsert`, `_text_values`)
and how it finds a statement by words of its title (`_titled`); the rest is the same SQL.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from communique.model import Capture, Enrichment, Statement
from communique.store.dialect import Db, SqlTables
from communique.store.enrich_rows import write_enrichment
from communique.store.rows import (
    INSERT_STATEMENT,
    KEEP_VERSION_TEXTS,
    UPDATE_STATEMENT,
    UPSERT_TEXT,
    UPSERT_VERSION,
    statement_values,
)


class StatementTables(SqlTables):
    """`put_statement` and `put_enrichment` through a backend's `Db`."""

    _text_upsert: str = UPSERT_TEXT
    """Writes a statement's title and text (named parameters of `statement_values`)."""

    def _text_values(self, statement: Statement) -> dict[str, Any]:
        """Parameters `_text_upsert` needs beyond `statement_values`."""
        return {}

    def _titled(self, db: Db, phrase: str, statement_id: str) -> str | None:
        """The oldest other statement whose title holds `phrase` (see `TitleSearch`)."""
        raise NotImplementedError

    def put_statement(self, statement: Statement, capture: Capture) -> None:
        self.put_statements([(statement, capture)])

    def put_statements(self, statements: Sequence[tuple[Statement, Capture]]) -> None:
        if not statements:
            return
        with self._writing() as db:
            stored = self._captured(db, [s.id for s, _ in statements])
            fresh: dict[str, dict[str, Any]] = {}
            versions = []
            for statement, capture in statements:
                fetched = capture.fetched_at.isoformat()
                first = statement.id not in stored and statement.id not in fresh
                if first:
                    fresh[statement.id] = {
                        **statement_values(statement, fetched),
                        **self._text_values(statement),
                    }
                own = first or stored.get(statement.id) == [capture.id]
                title, text = ("", "") if own else (statement.title, statement.text)
                versions.append(
                    (statement.id, capture.id, fetched, title, text, statement.pipeline_version)
                )
            db.executemany(INSERT_STATEMENT, list(fresh.values()))
            for statement_id, rowid in self._inserted_rowids(db, list(fresh)).items():
                fresh[statement_id]["rowid"] = rowid
            db.executemany(self._text_upsert, list(fresh.values()))
            self._inserted(db, list(fresh.values()))
            db.executemany(UPSERT_VERSION, versions)
            for statement, capture in statements:  # a later capture of a stored statement
                if fresh.pop(statement.id, None) is None:
                    self._add_version(db, statement, capture)

    def _captured(self, db: Db, statement_ids: list[str]) -> dict[str, list[str]]:
        """The capture ids of those of `statement_ids` that are stored.

        A statement stored from one capture only and written from it again (a rerun after a
        kill, or `reprocess`) keeps that capture's version row empty, as its first write left it.
        """
        rows = db.all_in(
            "SELECT id, capture_ids FROM statements WHERE id IN ({marks})", statement_ids
        )
        return {row["id"]: json.loads(row["capture_ids"]) for row in rows}

    def _inserted(self, db: Db, values: list[dict[str, Any]]) -> None:
        """What a backend derives from fresh statements just inserted (`statement_values`
        with their rowids), in the same transaction."""

    def _rowids(self, db: Db, statement_ids: list[str]) -> dict[str, int]:
        """The rowids of those of `statement_ids` that are stored."""
        rows = db.all_in("SELECT id, rowid FROM statements WHERE id IN ({marks})", statement_ids)
        return {row["id"]: int(row["rowid"]) for row in rows}

    def _inserted_rowids(self, db: Db, statement_ids: list[str]) -> dict[str, int]:
        """The rowids of `statement_ids`, inserted just now in this order."""
        return self._rowids(db, statement_ids)

    def _add_version(self, db: Db, statement: Statement, capture: Capture) -> None:
        """Add `capture` to a stored statement; its content wins when it is the newest."""
        fetched = capture.fetched_at.isoformat()
        row = db.one(
            "SELECT rowid, capture_ids, latest_fetched_at FROM statements WHERE id = ?"
            + db.dialect.for_update,
            (statement.id,),
        )
        assert row is not None
        ids = list(dict.fromkeys([*json.loads(row["capture_ids"]), *statement.capture_ids]))
        if fetched >= row["latest_fetched_at"]:
            values = {**statement_values(statement, fetched), **self._text_values(statement)}
            values["capture_ids"] = json.dumps(ids)
            values["rowid"] = row["rowid"]
            values["capture_id"] = capture.id
            db.execute(KEEP_VERSION_TEXTS, values)
            db.execute(UPDATE_STATEMENT, values)
            db.execute(self._text_upsert, values)
        else:
            db.execute(
                "UPDATE statements SET capture_ids = ? WHERE id = ?",
                (json.dumps(ids), statement.id),
            )

    def put_enrichment(
        self, statement: Statement, enrichment: Enrichment, fetched_at: datetime
    ) -> None:
        stamp = fetched_at.isoformat()
        with self._writing() as db:
            row = db.one(
                "SELECT fetched_at FROM enrichments WHERE statement_id = ?" + db.dialect.for_update,
                (statement.id,),
            )
            if row is not None and row["fetched_at"] > stamp:
                return
            write_enrichment(db, statement.id, enrichment, statement.country, stamp, self._titled)
