"""Statements and their enrichment written once for both backends.

A backend says how it stores a statement's searchable text (`_text_upsert`, `_text_values`)
and how it finds a statement by words of its title (`_titled`); the rest is the same SQL.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from communique.model import Capture, Enrichment, Statement
from communique.store.dialect import Db, SqlTables
from communique.store.enrich_rows import write_enrichment
from communique.store.rows import (
    INSERT_STATEMENT,
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
        fetched = capture.fetched_at.isoformat()
        with self._writing() as db:
            db.execute(
                UPSERT_VERSION,
                (
                    statement.id,
                    capture.id,
                    fetched,
                    statement.title,
                    statement.text,
                    statement.pipeline_version,
                ),
            )
            row = db.one(
                "SELECT rowid, capture_ids, latest_fetched_at FROM statements WHERE id = ?"
                + db.dialect.for_update,
                (statement.id,),
            )
            values = {**statement_values(statement, fetched), **self._text_values(statement)}
            if row is None:
                values["rowid"] = db.all(INSERT_STATEMENT, values)[0]["rowid"]
                db.execute(self._text_upsert, values)
                return
            ids = list(dict.fromkeys([*json.loads(row["capture_ids"]), *statement.capture_ids]))
            if fetched >= row["latest_fetched_at"]:
                values["capture_ids"] = json.dumps(ids)
                values["rowid"] = row["rowid"]
                db.execute(UPDATE_STATEMENT, values)
                db.execute(self._text_upsert, values)
            else:
                db.execute(
                    "UPDATE statements SET capture_ids = ? WHERE id = ?",
                    (json.dumps(ids), statement.id),
                )

    def put_enrichment(
        self,
        statement_id: str,
        enrichment: Enrichment,
        issuer_country: str | None,
        fetched_at: datetime,
    ) -> None:
        stamp = fetched_at.isoformat()
        with self._writing() as db:
            row = db.one(
                "SELECT fetched_at FROM enrichments WHERE statement_id = ?" + db.dialect.for_update,
                (statement_id,),
            )
            if row is not None and row["fetched_at"] > stamp:
                return
            write_enrichment(db, statement_id, enrichment, issuer_country, stamp, self._titled)
