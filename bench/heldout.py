"""Held-out parts of the gold sets: documents split by a fixed seed, never by hand.

Documents are ranked by the hash of the seed and their name and cut into parts of equal size,
so the split does not depend on the order of the files or on the machine. Rules are written from the
misses of the development part only; the held-out part is only measured. A helper of the
benches, not a bench: it measures nothing.

Example:
    >>> parts = split([f"doc{i}" for i in range(9)], 3)
    >>> sorted(len(p) for p in parts), sorted(sum(parts, []))[:2]
    ([3, 3, 3], ['doc0', 'doc1'])
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import TypeVar

SEED = 18
"""The seed of every split (issue 18)."""
T = TypeVar("T")


def split(items: Sequence[T], parts: int, key: Callable[[T], str] = str) -> list[list[T]]:
    """`items` in `parts` parts of (nearly) equal size, each item by the hash of its key."""
    ranked = sorted(
        items, key=lambda item: hashlib.sha256(f"{SEED}:{key(item)}".encode()).hexdigest()
    )
    size, extra = divmod(len(ranked), parts)
    found, start = [], 0
    for part in range(parts):
        end = start + size + (part < extra)
        found.append(ranked[start:end])
        start = end
    return found


def halves(items: Sequence[T], key: Callable[[T], str] = str) -> tuple[list[T], list[T]]:
    """(tuning half, test half) of `items`."""
    tuning, test = split(items, 2, key)
    return tuning, test


def thirds(items: Sequence[T], key: Callable[[T], str] = str) -> tuple[list[T], list[T]]:
    """(development two-thirds, held-out third) of `items`."""
    first, second, held_out = split(items, 3, key)
    return first + second, held_out
