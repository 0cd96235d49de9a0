"""The storage protocol every backend implements; nothing above `store/` writes SQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Protocol

from communique.model import (
    Capture,
    Enrichment,
    ExtractionFailure,
    SearchPage,
    Source,
    Statement,
    Stats,
)
from communique.query import Query


class Store(Protocol):
    """Captures (immutable evidence), statements derived from them, and search over both."""

    def put_capture(self, capture: Capture, body: bytes) -> bool:
        """Store a capture and its bytes; False when this exact capture was already stored."""
        ...

    def has_capture(self, capture_id: str) -> bool: ...

    def get_capture(self, capture_id: str) -> Capture: ...

    def capture_body(self, capture_id: str) -> bytes: ...

    def iter_captures(self) -> Iterator[Capture]:
        """Every capture, oldest first."""
        ...

    def count_captures(self) -> int: ...

    def put_statement(self, statement: Statement, capture: Capture) -> None:
        """Add `capture` as a version of `statement`; the newest capture's content wins."""
        ...

    def get_statement(self, statement_id: str) -> Statement: ...

    def captures_of(self, statement_id: str) -> list[Capture]: ...

    def put_enrichment(
        self,
        statement_id: str,
        enrichment: Enrichment,
        issuer_country: str | None,
        fetched_at: datetime,
    ) -> None:
        """Store what enrichment found in the capture fetched at `fetched_at`.

        Ignored when the statement already holds the enrichment of a newer capture; named
        agreements and resolutions are linked to archived statements whose title names them.
        """
        ...

    def get_enrichment(self, statement_id: str) -> Enrichment:
        """The stored enrichment of a statement (NotFound when there is none)."""
        ...

    def mention_pairs(self) -> list[tuple[str | None, str, int]]:
        """Who mentions whom: (issuer country, mentioned country, statements), most first."""
        ...

    def record_failure(self, failure: ExtractionFailure) -> None: ...

    def clear_failure(self, capture_id: str) -> None: ...

    def failures(self) -> list[ExtractionFailure]: ...

    def put_source(self, source: Source) -> None: ...

    def sources(self) -> list[Source]: ...

    def search(self, query: Query, cursor: str | None = None, limit: int = 20) -> SearchPage: ...

    def iter_matches(self, query: Query, batch: int = 500) -> Iterator[Statement]:
        """Every statement matching `query`, in its order, with no cap."""
        ...

    def stats(self) -> Stats: ...

    def clear_derived(self) -> None:
        """Delete everything derived from captures (statements, versions, failures, enrichment)."""
        ...

    def close(self) -> None: ...


def open_store(location: str) -> Store:
    """Open the store at `location`: a SQLite file path (the embedded default).

    Example:
        >>> store = open_store(":memory:")
        >>> store.stats().statements
        0
    """
    from communique.store.sqlite import SqliteStore

    return SqliteStore(location)
