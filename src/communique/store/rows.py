"""Row <-> record conversion shared by the SQLite store and its search."""

from __future__ import annotations

import dataclasses
import json
import operator
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from communique.model import (
    Capture,
    DatePrecision,
    DocType,
    ExtractionFailure,
    PackedBody,
    Statement,
)
from communique.store.dialect import Db, Row, upsert

_META_COLUMNS = (
    "url",
    "published",
    "published_source",
    "issuer",
    "country",
    "language",
    "doc_type",
    "source",
    "capture_ids",
    "latest_fetched_at",
    "pipeline_version",
    "published_confidence",
    "paragraph_languages",
    "published_precision",
    "published_end",
    "modified",
    "warnings",
)
INSERT_STATEMENT = (
    f"INSERT INTO statements (id, {', '.join(_META_COLUMNS)}) "
    f"VALUES (:id, {', '.join(':' + c for c in _META_COLUMNS)})"
)
UPDATE_STATEMENT = (
    f"UPDATE statements SET {', '.join(f'{c} = :{c}' for c in _META_COLUMNS)} WHERE id = :id"
)
UPSERT_TEXT = (
    "INSERT INTO statement_texts (rowid, title, text) VALUES (:rowid, :title, :text)"
    " ON CONFLICT (rowid) DO UPDATE SET title = excluded.title, text = excluded.text"
    " WHERE statement_texts.title != excluded.title OR statement_texts.text != excluded.text"
)
UPSERT_VERSION = upsert(
    "versions",
    "statement_id capture_id fetched_at title text pipeline_version",
    "statement_id capture_id",
)
"""A capture's version of a statement. The first capture's row holds an empty title and text:
its text is the statement's own (`statement_texts`), not stored twice; a later capture's row
holds its own, and before a newer capture replaces the statement's text, the rows that
referred to it are given it (`KEEP_VERSION_TEXTS`). A statement's text is never empty."""
KEEP_VERSION_TEXTS = (
    "UPDATE versions SET title = (SELECT title FROM statement_texts WHERE rowid = :rowid),"
    " text = (SELECT text FROM statement_texts WHERE rowid = :rowid)"
    " WHERE statement_id = :id AND capture_id != :capture_id AND text = ''"
    " AND EXISTS (SELECT 1 FROM statement_texts"
    " WHERE rowid = :rowid AND (title != :title OR text != :text))"
)
"""Gives a statement's stored title and text to its versions that refer to them, when its
text is about to be replaced by another (named parameters of `statement_values`, rowid and the
capture_id of the capture replacing it, whose own row stays as it is)."""
SELECT_VERSIONS = (
    "SELECT v.statement_id, v.capture_id, v.fetched_at,"
    " CASE WHEN v.text = '' THEN t.title ELSE v.title END AS title,"
    " CASE WHEN v.text = '' THEN t.text ELSE v.text END AS text"
    " FROM versions v LEFT JOIN statements s ON s.id = v.statement_id"
    " LEFT JOIN statement_texts t ON t.rowid = s.rowid"
    " WHERE v.statement_id = ? ORDER BY v.fetched_at, v.capture_id"
)
"""A statement's versions, oldest first, each with its title and text (see `UPSERT_VERSION`)."""

SELECT_STATEMENTS = (
    "SELECT s.*, t.title, t.text FROM statements s JOIN statement_texts t ON t.rowid = s.rowid"
)


def statement_values(statement: Statement, fetched: str) -> dict[str, Any]:
    """Named parameters for INSERT_STATEMENT, UPDATE_STATEMENT and UPSERT_TEXT."""
    return {
        "id": statement.id,
        "url": statement.url,
        "title": statement.title,
        "text": statement.text,
        "published": iso(statement.published),
        "published_source": statement.published_source,
        "issuer": statement.issuer,
        "country": statement.country,
        "language": statement.language,
        "doc_type": statement.doc_type.value,
        "source": statement.source,
        "capture_ids": json.dumps(statement.capture_ids),
        "latest_fetched_at": fetched,
        "pipeline_version": statement.pipeline_version,
        "published_confidence": statement.published_confidence,
        "paragraph_languages": json_list(statement.paragraph_languages),
        "published_precision": statement.published_precision.value,
        "published_end": iso(statement.published_end),
        "modified": iso(statement.modified),
        "warnings": json_list(statement.warnings),
    }


def json_list(values: Sequence[Any]) -> str:
    """`values` as a JSON array, as `json.dumps` writes it ("[]" at once when empty: most
    statements have no warnings nor mixed languages, and a JSONL record no headers).

    Example:
        >>> json_list(()), json_list((("a", "b"),))
        ('[]', '[["a", "b"]]')
    """
    return json.dumps(values) if values else "[]"


def iso(value: date | None) -> str | None:
    """A date or a moment as ISO 8601 text, None for None (how both backends store them)."""
    return value.isoformat() if value else None


R = TypeVar("R")


def record_from_row(record: type[R], row: Row, **converted: Any) -> R:
    """A `record` (a dataclass) with each field from the row's column of its name, but those
    `converted` gives (parsed, computed or from another column).

    Example:
        >>> from communique.model import Translation
        >>> row = {"group_id": "a", "other_group": "b", "language": "fr", "evidence": "facts"}
        >>> record_from_row(Translation, row, confidence=0.9).other_group
        'b'
    """
    key = (record, tuple(converted))
    reader = _READERS.get(key)
    if reader is None:
        fields = dataclasses.fields(record)  # type: ignore[arg-type]
        names = tuple(f.name for f in fields if f.init and f.name not in converted)
        reader = _READERS[key] = (names, _columns(names))
    names, columns = reader
    return record(**dict(zip(names, columns(row), strict=True)), **converted)


def _columns(names: tuple[str, ...]) -> Callable[[Row], tuple[Any, ...]]:
    """The values of the columns `names` of a row, in that order."""
    if len(names) == 1:
        return lambda row: (row[names[0]],)
    return operator.itemgetter(*names) if names else lambda row: ()


_READERS: dict[tuple[type, tuple[str, ...]], tuple[tuple[str, ...], Callable[[Row], Any]]] = {}
"""The fields of each record type read from columns, by the fields a caller converts itself."""


def statement_from_row(row: Row) -> Statement:
    """Rebuild a `Statement` from a row of SELECT_STATEMENTS (field by field: the hot path of
    search, export and reprocessing, where `record_from_row` costs about a fifth more)."""
    return Statement(
        id=row["id"],
        url=row["url"],
        title=row["title"],
        paragraphs=tuple(row["text"].split("\n\n")) if row["text"] else (),
        published=date.fromisoformat(row["published"]) if row["published"] else None,
        published_source=row["published_source"],
        issuer=row["issuer"],
        country=row["country"],
        language=row["language"],
        doc_type=DocType(row["doc_type"]),
        capture_ids=tuple(json.loads(row["capture_ids"])),
        source=row["source"],
        pipeline_version=row["pipeline_version"],
        published_confidence=row["published_confidence"],
        paragraph_languages=tuple(json.loads(row["paragraph_languages"])),
        published_precision=DatePrecision(row["published_precision"]),
        modified=date.fromisoformat(row["modified"]) if row["modified"] else None,
        warnings=tuple(json.loads(row["warnings"])),
    )


def capture_from_row(row: Row) -> Capture:
    return record_from_row(
        Capture,
        row,
        fetched_at=datetime.fromisoformat(row["fetched_at"]),
        headers=tuple(tuple(h) for h in json.loads(row["headers"])),
    )


def capture_values(capture: Capture) -> tuple[Any, ...]:
    """The captures row of `capture`, in the column order both backends insert."""
    return (
        capture.id,
        capture.url,
        capture.sha256,
        capture.size,
        capture.content_type,
        capture.fetched_at.isoformat(),
        capture.status,
        json_list(capture.headers),
        capture.origin,
        capture.source,
    )


def failure_from_row(row: Row) -> ExtractionFailure:
    return record_from_row(
        ExtractionFailure,
        row,
        capture_id=row["capture_id"] or "",
        at=datetime.fromisoformat(row["at"]),
    )


INSERT_BLOB = "INSERT INTO blobs (sha256, size, zbody) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
INSERT_CAPTURE = (
    "INSERT INTO captures (id, url, sha256, size, content_type, fetched_at, status,"
    " headers, origin, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (id) DO NOTHING"
)


def insert_captures(db: Db, captures: Sequence[tuple[Capture, bytes | PackedBody]]) -> list[bool]:
    """Insert captures and their compressed blobs (packed here unless packed already) inside
    the caller's transaction, with one statement per table; True where new (not yet stored,
    nor earlier in `captures`)."""
    ids = list(dict.fromkeys(capture.id for capture, _ in captures))
    known = {row["id"] for row in db.all_in("SELECT id FROM captures WHERE id IN ({marks})", ids)}
    new: list[bool] = []
    blobs: dict[str, tuple[Any, ...]] = {}
    rows: list[tuple[Any, ...]] = []
    for capture, body in captures:
        new.append(capture.id not in known)
        if new[-1]:
            known.add(capture.id)
            if capture.sha256 not in blobs:
                packed = body if isinstance(body, PackedBody) else PackedBody.of(body)
                blobs[capture.sha256] = (capture.sha256, packed.size, packed.zbody)
            rows.append(capture_values(capture))
    db.executemany(INSERT_BLOB, list(blobs.values()))
    db.executemany(INSERT_CAPTURE, rows)
    return new
