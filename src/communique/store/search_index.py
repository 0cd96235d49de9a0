"""The search index protocol: a derived, rebuildable index beside a record store.

The record store (SQLite) keeps statements; a `SearchIndex` holds what search needs of each
(its words, the fields it is filtered and faceted on, its date keys) under the store's integer
key, answers a parsed `Query` with keys in order, an exact total and exact facet counts, and is
rebuilt from the store whenever it is lost or stale. `TantivyIndex` is the embedded default.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator
from dataclasses import field
from datetime import date
from typing import Any, Literal, Protocol

from communique.errors import QueryError
from communique.query import Query
from communique.records import record

Interval = Literal["month", "year"]
FACET_LIMIT = 15


@record
class IndexDoc:
    """What the index holds of one statement."""

    key: int
    title: str
    text: str
    published: date | None = None
    published_end: date | None = None
    """The last day `published` may stand for (the end of its month or year when only that is
    known): `to:` bounds compare with it."""
    language: str | None = None
    issuer: str | None = None
    country: str | None = None
    doc_type: str | None = None
    source: str | None = None
    mentions: tuple[str, ...] = ()
    """Countries the text names (ISO codes)."""
    places: tuple[str, ...] = ()
    """Names of the places (not countries) the text names, for the place facet."""
    place_keys: tuple[str, ...] = ()
    """Folded names and mentions of every place named, for `place:` filters."""
    other_copy: bool = False
    """Another copy of a statement than its canonical one (searched only with `copies:all`)."""


@record
class Restriction:
    """Keys computed by the record store for filters the index does not hold (near:, edited:…)."""

    include: frozenset[int] | None = None
    exclude: frozenset[int] = frozenset()


@record
class IndexHit:
    key: int
    score: float | None


@record
class IndexPage:
    hits: tuple[IndexHit, ...]
    total: int
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    next_cursor: str | None = None
    estimated: bool = False
    """The total and the facets' counts are scaled from a sample of the archive."""


class SearchIndex(Protocol):
    """A search index over statements, kept in step with the record store."""

    def write(
        self, docs: Iterable[IndexDoc], deleted: Iterable[int] = (), new_above: int | None = None
    ) -> None:
        """Add or replace `docs` and remove the `deleted` keys, in one commit (a doc whose key
        is above `new_above` is not in the index yet, so nothing is replaced)."""
        ...

    def max_key(self) -> int:
        """The highest key the index holds (-1 when empty)."""
        ...

    def clear(self) -> None: ...

    def count(self) -> int:
        """How many statements the index holds."""
        ...

    def search(
        self, query: Query, restriction: Restriction, cursor: str | None, limit: int
    ) -> IndexPage:
        """One page of matches in the query's order, with the total and facets of all matches."""
        ...

    def total(self, query: Query, restriction: Restriction) -> int:
        """How many statements match (no facets or hits computed)."""
        ...

    def keys(self, query: Query, restriction: Restriction, batch: int) -> Iterator[list[int]]:
        """The keys of every match in the query's order, in batches."""
        ...

    def counts_over_time(
        self, query: Query, restriction: Restriction, interval: Interval
    ) -> list[tuple[str, int]]:
        """(period, matches) for each month ('2023-11') or year ('2023') with any, in order."""
        ...

    def close(self) -> None: ...


def encode_cursor(kind: str, value: int) -> str:
    return cursor_text([kind, value])


def decode_cursor(cursor: str | None, kind: str) -> int | None:
    """The position a cursor of `kind` holds; QueryError when it is not such a cursor."""
    value = cursor_value(cursor)
    if value is None:
        return None
    if not (
        isinstance(value, list)
        and len(value) == 2
        and value[0] == kind
        and isinstance(value[1], int)
        and value[1] >= 0
    ):
        raise _bad_cursor()
    return value[1]


def cursor_text(value: Any) -> str:
    """An opaque cursor holding `value` (JSON in URL-safe base64)."""
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def cursor_value(cursor: str | None) -> Any:
    """What `cursor_text` put in `cursor` (None for no cursor); QueryError if it is not one."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return json.loads(base64.urlsafe_b64decode(padded.encode()))
    except ValueError:
        raise _bad_cursor() from None


def _bad_cursor() -> QueryError:
    return QueryError("invalid cursor; start again without one", parameter="cursor")
