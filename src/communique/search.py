"""Search and export: the one entry point that the CLI, the API and the web UI share."""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import asdict
from itertools import chain
from typing import Any

from communique import schemas
from communique.errors import QueryError
from communique.model import Enrichment, Hit, SearchPage, Statement
from communique.query import Order, parse_query
from communique.settings import Settings
from communique.store.base import SNIPPET_CLOSE, SNIPPET_OPEN, Store, links_or_none
from communique.store.search_index import Interval

EXPORT_FORMATS = ("jsonl", "csv", "parquet")
EXPORT_FIELDS = (
    "id",
    "url",
    "title",
    "published",
    "published_source",
    "published_confidence",
    "published_precision",
    "modified",
    "issuer",
    "country",
    "language",
    "doc_type",
    "source",
    "pipeline_version",
    "capture_ids",
    "text",
    "statement_id",
)


def search(
    store: Store,
    text: str,
    cursor: str | None = None,
    limit: int = Settings.page_size,
    order: Order | str = Order.RELEVANCE,
) -> SearchPage:
    """Run the query `text` (see `communique.query`) and return one page of hits.

    Example:
        >>> from communique.store.base import open_store
        >>> search(open_store(":memory:"), "shusha country:AZ").total
        0
    """
    if limit > 1000:
        raise QueryError(
            "limit is at most 1000 a page; follow next_cursor for more", parameter="limit"
        )
    return store.search(parse_query(text, order), cursor, limit)


def counts_over_time(
    store: Store, text: str, interval: Interval = "month"
) -> list[tuple[str, int]]:
    """How many statements match `text` in each month ('2023-11') or year ('2023'), in order.

    Example:
        >>> from communique.store.base import open_store
        >>> counts_over_time(open_store(":memory:"), "sanctions", "year")
        []
    """
    return store.counts_over_time(parse_query(text), interval)


def reindex(store: Store, progress: Callable[[int, int, str], None] | None = None) -> int:
    """Rebuild the search index from the stored statements; returns how many were indexed."""
    return store.reindex(progress)


def snippet_html(snippet: str) -> str:
    """The snippet escaped for HTML, with the matched words in `<mark>`."""
    escaped = html.escape(snippet)
    return escaped.replace(SNIPPET_OPEN, "<mark>").replace(SNIPPET_CLOSE, "</mark>")


def snippet_plain(snippet: str, open_mark: str = "", close_mark: str = "") -> str:
    return snippet.replace(SNIPPET_OPEN, open_mark).replace(SNIPPET_CLOSE, close_mark)


def statement_dict(statement: Statement) -> dict[str, Any]:
    """A statement as plain JSON-ready values (the API's `Statement`)."""
    return schemas.Statement.of(statement).model_dump(mode="json")


def enrichment_dict(enrichment: Enrichment) -> dict[str, Any]:
    """An enrichment as JSON-ready values (offsets are into the statement text)."""
    return asdict(enrichment)


def hit_record(hit: Hit) -> schemas.SearchHit:
    """A search hit as the API serves it: metadata, its snippet (HTML) and score."""
    return schemas.SearchHit.of(
        hit.statement, snippet_html(hit.snippet), hit.score, hit.copies, hit.translations
    )


def hit_dict(hit: Hit) -> dict[str, Any]:
    """A search hit as JSON: the statement's metadata, its snippet (HTML) and score."""
    return hit_record(hit).model_dump(mode="json")


def results_record(page: SearchPage) -> schemas.SearchResults:
    """A page of results as the API serves it: hits, facet counts and the next cursor."""
    return schemas.SearchResults(
        total=page.total,
        estimated=page.estimated,
        hits=[hit_record(h) for h in page.hits],
        facets={
            name: [schemas.FacetCount(value=v, count=n) for v, n in counts]
            for name, counts in page.facets.items()
        },
        next_cursor=page.next_cursor,
    )


def export(
    store: Store, text: str, fmt: str, out: io.BufferedIOBase | Any, order: str = "oldest"
) -> int:
    """Write every copy matching `text` to the binary stream `out`; returns the count.

    Streams in batches, with no cap. Each copy carries the id of the statement it is a copy
    of (`statement_id`); `copies:one` in `text` writes one copy per statement instead.
    """
    if fmt not in EXPORT_FORMATS:
        raise QueryError(
            f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}",
            parameter="format",
        )
    counted = _Counted(_records(store, text, order))
    if fmt == "parquet":
        _write_parquet(counted, out)
    else:
        for chunk in _encode(counted, fmt):
            out.write(chunk)
    return counted.count


def export_chunks(store: Store, text: str, fmt: str, order: str = "oldest") -> Iterator[bytes]:
    """The export as a stream of byte chunks (for HTTP responses); jsonl and csv only.

    The first match is read here, so that a query that fails (past its time budget) fails
    before a response starts.
    """
    if fmt not in ("jsonl", "csv"):
        raise QueryError(f"streamed export supports jsonl and csv, not {fmt!r}", parameter="format")
    records = _records(store, text, order)
    first = next(records, None)
    return _encode(records if first is None else chain([first], records), fmt)


def _records(store: Store, text: str, order: str) -> Iterator[dict[str, Any]]:
    """Every matching copy as JSON-ready values, with the id of the statement it carries.

    The query is parsed here, before the first record, so that a bad one fails at once.
    """
    if "copies:" not in text:
        text = f"{text} copies:all"
    return _with_statement_ids(store, store.iter_matches(parse_query(text, order)))


def _with_statement_ids(store: Store, statements: Iterator[Statement]) -> Iterator[dict[str, Any]]:
    links = links_or_none(store)
    for statement in statements:
        link = links.get_copy(statement.id) if links else None
        record = statement_dict(statement)
        record["statement_id"] = link.group_id if link else statement.id
        yield record


class _Counted(Iterator[dict[str, Any]]):
    def __init__(self, records: Iterator[dict[str, Any]]) -> None:
        self._records = records
        self.count = 0

    def __next__(self) -> dict[str, Any]:
        record = next(self._records)
        self.count += 1
        return record


def _encode(records: Iterator[dict[str, Any]], fmt: str) -> Iterator[bytes]:
    if fmt == "csv":
        yield _csv_line(EXPORT_FIELDS)
    for record in records:
        if fmt == "csv":
            yield _csv_line(_csv_row(record))
        else:
            yield (json.dumps(record, ensure_ascii=False) + "\n").encode()


def _csv_row(record: dict[str, Any]) -> list[Any]:
    record = dict(record)
    record["capture_ids"] = " ".join(record["capture_ids"])
    return [record[f] for f in EXPORT_FIELDS]


def _csv_line(values: Any) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(values)
    return buffer.getvalue().encode()


def _parquet_type(pa: Any, name: str) -> Any:
    if name == "capture_ids":
        return pa.list_(pa.string())
    return pa.float64() if name == "published_confidence" else pa.string()


def _write_parquet(records: Iterator[dict[str, Any]], out: Any, batch: int = 1000) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([(f, _parquet_type(pa, f)) for f in EXPORT_FIELDS])
    with pq.ParquetWriter(out, schema) as writer:
        rows: list[dict[str, Any]] = []
        for record in records:
            rows.append(record)
            if len(rows) == batch:
                writer.write_table(pa.Table.from_pylist(rows, schema=schema))
                rows = []
        writer.write_table(pa.Table.from_pylist(rows, schema=schema))
