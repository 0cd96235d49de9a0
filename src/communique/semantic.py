"""Semantic and hybrid search: statement vectors ranked by cosine, fused with BM25 by RRF.

`mode=keyword` is the full-text search; `semantic` ranks the statements that pass the
query's filters by the similarity of their vector to the query's words; `hybrid` fuses the
two rankings by reciprocal rank fusion (each list adds 1 / (60 + rank)).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from enum import StrEnum
from multiprocessing import get_context
from typing import Any

import numpy as np
import numpy.typing as npt

from communique import embeddings
from communique.errors import QueryError
from communique.model import Hit, SearchPage
from communique.query import Filters, Order, Query, parse_query
from communique.store.base import ExploreStore, Store

RRF_K = 60
CANDIDATES = 200
"""How deep each ranking is read before fusing."""


class Mode(StrEnum):
    KEYWORD = "keyword"
    SEMANTIC = "semantic"
    HYBRID = "hybrid"


def parse_mode(value: str) -> Mode:
    try:
        return Mode(value)
    except ValueError:
        raise QueryError(
            f"unknown mode {value!r}; use one of: {', '.join(m.value for m in Mode)}"
        ) from None


LINK_EVERY = 2048
"""Statements embedded between two passes of linking by meaning (each pass reads every
vector: once a batch made embedding 100k statements quadratic)."""


def embed_missing(
    store: Store,
    batch: int = 64,
    progress: Callable[[int], None] | None = None,
    processes: int = 1,
) -> int:
    """Embed every statement that has no vector of the current model; returns how many.

    With `processes` > 1 the batches are embedded by that many worker processes at once
    (one BLAS thread each; see `embeddings.THREADS`), the store read and written here.

    Example:
        >>> from communique.store.base import open_store
        >>> embed_missing(open_store(":memory:"))
        0
    """
    from communique.link.archive import link_by_meaning

    done, unlinked = 0, []
    with _embedder(processes) as embed:
        while ids := store.unembedded(embeddings.MODEL, batch * processes):
            statements = [store.get_statement(i) for i in ids]
            passages = [embeddings.passage(s) for s in statements]
            chunks = [passages[n : n + batch] for n in range(0, len(passages), batch)]
            vectors = [v for chunk in embed(chunks) for v in chunk]
            store.put_vectors(
                embeddings.MODEL,
                [(s.id, embeddings.to_bytes(v)) for s, v in zip(statements, vectors, strict=True)],
            )
            unlinked += ids
            if len(unlinked) >= LINK_EVERY:
                link_by_meaning(store, unlinked)
                unlinked = []
            done += len(ids)
            if progress is not None:
                progress(done)
    link_by_meaning(store, unlinked)
    return done


@contextmanager
def _embedder(
    processes: int,
) -> Iterator[Callable[[list[list[str]]], Iterable[embeddings.Vectors]]]:
    """A function embedding chunks of passages: here, or in `processes` worker processes."""
    if processes <= 1:
        yield lambda chunks: map(embeddings.embed, chunks)
        return
    with ProcessPoolExecutor(processes, mp_context=get_context("spawn")) as pool:
        yield lambda chunks: pool.map(embeddings.embed, chunks)


ANN_FROM = 20_000
"""From this many vectors an unfiltered ranking asks an HNSW index (usearch, vectors
quantised to int8) for candidates instead of scoring every vector; the index is built in a
background thread when the vectors are read, and every vector is scored until it is ready."""
ANN_CANDIDATES = 2
"""Candidates asked of the index per result wanted (at least `ANN_LEAST`), re-scored exactly
in float32. On 11,800 distinct passages (200 held-out queries) the top 10 of 400 candidates
were the exact top 10 at recall 0.998; of 20 candidates, 0.973."""
ANN_LEAST = 100


Rows = npt.NDArray[np.intp]


@dataclass
class _Matrix:
    version: str
    """The store's `vectors_version` when the vectors were read."""
    ids: list[str]
    vectors: embeddings.Vectors
    rows: dict[str, int]
    """Statement id -> its row in `vectors`."""
    ann: Any = None
    """The HNSW index over the rows (keys are row numbers) once built, else None."""
    builder: threading.Thread | None = None
    """The thread building `ann`, once started."""
    key_rows: Rows | None = None
    """Statement key (`ExploreStore.statement_keys`) -> its row (-1: none), read at the
    first filter."""


_cache: dict[int, _Matrix] = {}
_lock = threading.Lock()


def _matrix(store: Store) -> _Matrix:
    """The store's vectors as one matrix, read again only when they changed."""
    version = store.vectors_version(embeddings.MODEL)
    with _lock:
        cached = _cache.get(id(store))
        if cached is None or cached.version != version:
            ids, blobs = store.all_vectors(embeddings.MODEL)
            vectors = embeddings.from_bytes(blobs)
            cached = _Matrix(version, ids, vectors, {i: n for n, i in enumerate(ids)})
            _cache[id(store)] = cached
        return cached


def _indexed(store: Store) -> _Matrix:
    """The store's matrix, its HNSW index started when it has `ANN_FROM` vectors or more (by
    searches only: linking during `embed_missing` reads a matrix that grows every chunk)."""
    matrix = _matrix(store)
    with _lock:
        if matrix.builder is None and len(matrix.ids) >= ANN_FROM:
            matrix.builder = threading.Thread(target=_index, args=(matrix,), daemon=True)
            matrix.builder.start()
    return matrix


def _index(matrix: _Matrix) -> None:
    """Build the HNSW index of `matrix` (one thread: the searches go on beside it)."""
    from usearch.index import Index

    index = Index(
        ndim=embeddings.DIMENSIONS, metric="ip", dtype="i8", connectivity=16, expansion_add=64
    )
    index.add(np.arange(len(matrix.ids), dtype=np.uint64), matrix.vectors, threads=1)
    matrix.ann = index


def ann_ready(store: Store, wait: float | None = 0.0) -> bool:
    """Whether unfiltered rankings of `store` are served by the HNSW index, after waiting up
    to `wait` seconds (None: until it is built) for it; False below `ANN_FROM` vectors."""
    matrix = _indexed(store)
    if matrix.builder is not None:
        matrix.builder.join(wait)
    return matrix.ann is not None


def _words(query: Query) -> str:
    return " ".join(t.text for group in query.required for t in group)


def _has_filters(query: Query) -> bool:
    return query.filters != Filters()


def nearest(
    store: Store, vector: embeddings.Vectors, allowed: set[str] | None, k: int
) -> list[tuple[str, float]]:
    """The `k` statements whose vectors are most similar to `vector` (among `allowed`).

    One matrix product over the normalised vectors, then a partial sort of the best `k`;
    without `allowed`, once the archive's HNSW index is ready, the product is taken over the
    candidates it finds (`ANN_CANDIDATES` per result) instead of every vector.
    """
    if allowed is None:
        return _nearest(_indexed(store), vector, None, k)
    matrix = _matrix(store)
    return _nearest(matrix, vector, _rows_of(matrix, allowed), k)


def _rows_of(matrix: _Matrix, ids: set[str]) -> Rows:
    return np.fromiter(sorted(matrix.rows[i] for i in ids if i in matrix.rows), dtype=np.intp)


def _nearest(
    matrix: _Matrix, vector: embeddings.Vectors, allowed: Rows | None, k: int
) -> list[tuple[str, float]]:
    """The best `k` rows of `matrix` for `vector` (among the `allowed` rows, in order)."""
    if not matrix.ids:
        return []
    candidates = allowed
    if candidates is None and matrix.ann is not None:
        wanted = min(len(matrix.ids), max(k * ANN_CANDIDATES, ANN_LEAST))
        keys = np.asarray(matrix.ann.search(vector, wanted).keys, dtype=np.intp)
        candidates = np.sort(keys[(keys >= 0) & (keys < len(matrix.ids))])
    vectors = matrix.vectors if candidates is None else matrix.vectors[candidates]
    scores = vectors @ vector  # every row when there are no candidates: no copy of the matrix
    if candidates is None:
        candidates = np.arange(len(matrix.ids))
    if len(candidates) > k:
        best = np.argpartition(-scores, k - 1)[:k]
        candidates, scores = candidates[best], scores[best]
    ranked = sorted(zip(scores.tolist(), candidates.tolist(), strict=True), key=_best_first(matrix))
    return [(matrix.ids[n], score) for score, n in ranked]


def _best_first(matrix: _Matrix) -> Callable[[tuple[float, int]], tuple[float, str]]:
    """Sort key of (score, row): highest score first, ties by statement id."""
    return lambda pair: (-pair[0], matrix.ids[pair[1]])


def neighbours(store: Store, statement_id: str, k: int) -> list[tuple[str, float]]:
    """The `k` statements whose vectors are nearest the statement's own (itself left out).

    Example:
        >>> from communique.store.base import open_store
        >>> neighbours(open_store(":memory:"), "0" * 16, 5)
        []
    """
    matrix = _matrix(store)
    if statement_id not in matrix.rows:
        return []
    found = _nearest(matrix, matrix.vectors[matrix.rows[statement_id]], None, k + 1)
    return [(other, score) for other, score in found if other != statement_id][:k]


def semantic_ranking(store: Store, query: Query, k: int = CANDIDATES) -> list[tuple[str, float]]:
    """Statements passing the query's filters, most similar to its words first."""
    words = _words(query)
    if not words:
        return []
    vector = embeddings.embed([words])[0]
    if not (_has_filters(query) or query.excluded):
        return nearest(store, vector, None, k)
    matrix = _matrix(store)
    allowed = _filtered_rows(store, matrix, replace(query, required=(), order=Order.NEWEST))
    return _nearest(matrix, vector, allowed, k)


def _filtered_rows(store: Store, matrix: _Matrix, query: Query) -> Rows:
    """The rows of the statements passing the query's filters: from their keys alone where
    the store can (`ExploreStore.match_keys`: no statement row is read), else read from
    every matching statement."""
    if not isinstance(store, ExploreStore):
        return _rows_of(matrix, {s.id for s in store.iter_matches(query)})
    if matrix.key_rows is None:
        matrix.key_rows = _key_rows(matrix, store.statement_keys())
    key_rows = matrix.key_rows
    keys = np.asarray(store.match_keys(query), dtype=np.intp)
    rows = key_rows[keys[keys < len(key_rows)]]
    return np.sort(rows[rows >= 0])


def _key_rows(matrix: _Matrix, keys: list[tuple[int, str]]) -> Rows:
    """An array from each statement key to its row of `matrix` (-1 when it has none)."""
    table = np.full(max((k for k, _ in keys), default=-1) + 1, -1, dtype=np.intp)
    for key, statement_id in keys:
        table[key] = matrix.rows.get(statement_id, -1)
    return table


def fuse(rankings: list[list[str]], k: int = RRF_K) -> list[tuple[str, float]]:
    """Reciprocal rank fusion of several rankings of ids.

    Example:
        >>> [i for i, _ in fuse([["a", "b", "c"], ["c", "a"]])]
        ['a', 'c', 'b']
    """
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def search_mode(store: Store, text: str, mode: Mode | str, limit: int = 20) -> SearchPage:
    """One page of `text` ranked by `mode` (keyword delegates to the full-text search).

    Example:
        >>> from communique.store.base import open_store
        >>> search_mode(open_store(":memory:"), "peace talks", "hybrid").total
        0
    """
    from communique.search import search

    mode = parse_mode(str(mode))
    query = parse_query(text)
    keyword = search(store, text, limit=min(max(limit, CANDIDATES), 1000))
    if mode is Mode.KEYWORD or not _words(query):
        return replace(keyword, hits=keyword.hits[:limit])
    semantic = semantic_ranking(store, query)
    if mode is Mode.SEMANTIC:
        ranked = semantic
    else:
        ranked = fuse([[h.statement.id for h in keyword.hits], [i for i, _ in semantic]])
    snippets = {h.statement.id: h.snippet for h in keyword.hits}
    hits = tuple(
        Hit(store.get_statement(i), snippets.get(i) or "", score) for i, score in ranked[:limit]
    )
    hits = tuple(replace(h, snippet=h.snippet or h.statement.text[:240]) for h in hits)
    return SearchPage(hits=hits, total=len(ranked), facets=keyword.facets, next_cursor=None)


def similar(store: Store, statement_id: str, k: int = 5) -> list[tuple[str, float]]:
    """The statements most like one statement (by their stored vectors), itself left out."""
    matrix = _indexed(store)
    if statement_id not in matrix.rows:
        return []
    vector = matrix.vectors[matrix.rows[statement_id]]
    return [(i, s) for i, s in _nearest(matrix, vector, None, k + 1) if i != statement_id][:k]
