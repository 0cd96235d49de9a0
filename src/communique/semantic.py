"""Semantic and hybrid search: statement vectors ranked by cosine, fused with BM25 by RRF.

`mode=keyword` is the full-text search; `semantic` ranks the statements that pass the
query's filters by the similarity of their vector to the query's words; `hybrid` fuses the
two rankings by reciprocal rank fusion (each list adds 1 / (60 + rank)).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum

import numpy as np

from communique import embeddings
from communique.errors import QueryError
from communique.model import Hit, SearchPage
from communique.query import Order, Query, parse_query
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


def embed_missing(
    store: Store, batch: int = 64, progress: Callable[[int], None] | None = None
) -> int:
    """Embed every statement that has no vector of the current model; returns how many.

    Example:
        >>> from communique.store.base import open_store
        >>> embed_missing(open_store(":memory:"))
        0
    """
    done = 0
    while ids := store.unembedded(embeddings.MODEL, batch):
        statements = [store.get_statement(i) for i in ids]
        vectors = embeddings.embed([embeddings.passage(s) for s in statements])
        store.put_vectors(
            embeddings.MODEL,
            [(s.id, embeddings.to_bytes(v)) for s, v in zip(statements, vectors, strict=True)],
        )
        from communique.link.archive import link_by_meaning

        link_by_meaning(store, ids)
        done += len(ids)
        if progress is not None:
            progress(done)
    return done


@dataclass
class _Matrix:
    count: int
    ids: list[str]
    vectors: embeddings.Vectors
    rows: dict[str, int]
    """Statement id -> its row in `vectors`."""


_cache: dict[int, _Matrix] = {}
_lock = threading.Lock()


def _matrix(store: Store) -> _Matrix:
    """The store's vectors as one matrix, read again only when their number changed."""
    count = store.vector_count(embeddings.MODEL)
    with _lock:
        cached = _cache.get(id(store))
        if cached is None or cached.count != count:
            ids, blobs = store.all_vectors(embeddings.MODEL)
            vectors = embeddings.from_bytes(blobs)
            cached = _Matrix(len(ids), ids, vectors, {i: n for n, i in enumerate(ids)})
            _cache[id(store)] = cached
        return cached


def _words(query: Query) -> str:
    return " ".join(t.text for group in query.required for t in group)


def _filters_only(query: Query) -> Query:
    return replace(query, required=(), excluded=(), order=Order.NEWEST)


def _has_filters(query: Query) -> bool:
    return _filters_only(query) != replace(Query(), order=Order.NEWEST)


def nearest(
    store: Store, vector: embeddings.Vectors, allowed: set[str] | None, k: int
) -> list[tuple[str, float]]:
    """The `k` statements whose vectors are most similar to `vector` (among `allowed`).

    One matrix product over the normalised vectors, then a partial sort of the best `k`.
    """
    matrix = _matrix(store)
    if not matrix.ids:
        return []
    if allowed is None:
        candidates = np.arange(len(matrix.ids))
        scores = matrix.vectors @ vector
    else:
        candidates = np.fromiter(
            sorted(matrix.rows[i] for i in allowed if i in matrix.rows), dtype=np.intp
        )
        scores = matrix.vectors[candidates] @ vector
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
    try:
        index = matrix.ids.index(statement_id)
    except ValueError:
        return []
    found = nearest(store, matrix.vectors[index], None, k + 1)
    return [(other, score) for other, score in found if other != statement_id][:k]


def semantic_ranking(store: Store, query: Query, k: int = CANDIDATES) -> list[tuple[str, float]]:
    """Statements passing the query's filters, most similar to its words first."""
    words = _words(query)
    if not words:
        return []
    allowed = None
    if _has_filters(query) or query.excluded:
        allowed = _filtered_ids(store, replace(query, required=(), order=Order.NEWEST))
    return nearest(store, embeddings.embed([words])[0], allowed, k)


def _filtered_ids(store: Store, query: Query) -> set[str]:
    """The ids of the statements passing the query's filters: ids alone where the store
    can (`ExploreStore.match_ids`), else read from every matching statement."""
    if isinstance(store, ExploreStore):
        return set(store.match_ids(query))
    return {s.id for s in store.iter_matches(query)}


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
    matrix = _matrix(store)
    if statement_id not in matrix.rows:
        return []
    vector = matrix.vectors[matrix.rows[statement_id]]
    return [(i, s) for i, s in nearest(store, vector, None, k + 1) if i != statement_id][:k]
