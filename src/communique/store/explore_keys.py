"""The keys of a query's matches, kept per archive version and shared by every thread.

The map, timeline and network of one query (each asked by its own request, often on its own
thread and connection) and a filtered semantic search ask the search index for the same
keys; the first asks it, the others reuse the list until the archive changes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

KEPT_QUERIES = 32
"""Key lists kept per store (the most recently asked)."""
KEPT_MOST = 200_000
"""Longer key lists are not kept (a query matching most of a large archive)."""


class KeptKeys:
    """Key lists under (query, archive version), the most recently asked `size` of them."""

    def __init__(self, size: int = KEPT_QUERIES, most: int = KEPT_MOST) -> None:
        self.size, self.most = size, most
        self._kept: OrderedDict[Hashable, tuple[str, list[int]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: str, compute: Callable[[], list[int]]) -> list[int]:
        """What `compute()` returned for `key` at archive `version`, computed when not kept.

        Example:
            >>> kept = KeptKeys()
            >>> kept.get("q", "1", lambda: [3, 1]), kept.get("q", "1", lambda: [])
            ([3, 1], [3, 1])
        """
        with self._lock:
            hit = self._kept.get(key)
            if hit is not None and hit[0] == version:
                self._kept.move_to_end(key)
                return hit[1]
        keys = compute()
        if len(keys) <= self.most:
            with self._lock:
                self._kept[key] = (version, keys)
                self._kept.move_to_end(key)
                while len(self._kept) > self.size:
                    self._kept.popitem(last=False)
        return keys

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
