"""Shared fixtures: a temporary SQLite store, realistic statements, the shared/ folder."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from communique.model import Capture, DocType, Statement, statement_id
from communique.store.sqlite import SqliteStore

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def shared_path(*parts: str) -> Path:
    """A path in ../shared, or skip the test with a message when it is not there."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: shared test material is not on this machine")
    return path


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    s = SqliteStore(tmp_path / "test.db")
    yield s
    s.close()


def make_capture(url: str, body: bytes, fetched_at: datetime | None = None) -> Capture:
    return Capture(
        url=url,
        sha256=hashlib.sha256(body).hexdigest(),
        size=len(body),
        content_type="text/html",
        fetched_at=fetched_at or datetime(2024, 1, 1, tzinfo=UTC),
        status=200,
    )


def make_statement(
    url: str,
    title: str,
    paragraphs: tuple[str, ...],
    capture: Capture,
    published: date | None = None,
    issuer: str | None = "Ministry of Foreign Affairs",
    country: str | None = "AZ",
    language: str = "en",
    doc_type: DocType = DocType.STATEMENT,
) -> Statement:
    return Statement(
        id=statement_id(url),
        url=url,
        title=title,
        paragraphs=paragraphs,
        published=published,
        published_source="test",
        issuer=issuer,
        country=country,
        language=language,
        doc_type=doc_type,
        capture_ids=(capture.id,),
    )


def add(store: SqliteStore, url: str, title: str, text: str, **kw: object) -> Statement:
    """Store a statement with one capture whose bytes are its text."""
    fetched = kw.pop("fetched_at", None)
    capture = make_capture(url, (title + text).encode(), fetched)  # type: ignore[arg-type]
    store.put_capture(capture, (title + text).encode())
    statement = make_statement(url, title, tuple(text.split("\n\n")), capture, **kw)  # type: ignore[arg-type]
    store.put_statement(statement, capture)
    return statement
