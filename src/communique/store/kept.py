"""What was computed from one version of something that changes (an archive, an index
commit), kept for the keys asked most recently and shared by every thread.

The map, timeline and network of one query (each asked by its own request, often on its own
thread and connection) and a filtered semantic search ask the search index for the same
keys; the first asks it, the others reuse the list until the archive changes. A cursor page
reuses the counts and ranking its first page made while the index commit is the same.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from _typeshed import SupportsDunderLT

    Ordered = SupportsDunderLT[Any]
    """A version: compared with `<` (a tuple of numbers, a number)."""
else:
    Ordered = Any

V = TypeVar("V")


def _always(value: object) -> bool:
    return True


class Kept(Generic[V]):
    """The values of the `size` keys used most recently, each found only at the version it
    was kept at. Versions are ordered and only move on: keeping a value at a newer version
    forgets those of the older one (whose values may hold on to what they were read from),
    and a value computed at an older version (a slow reader's) is not kept.

    `keeps(value)`: whether a value is worth keeping (a very long list may not be).

    Example:
        >>> kept: Kept[list[int]] = Kept(2)
        >>> kept.computed("q", (1,), lambda: [3, 1]), kept.computed("q", (1,), lambda: [])
        ([3, 1], [3, 1])
        >>> kept.get("q", (2,)) is None
        True
    """

    def __init__(self, size: int, keeps: Callable[[V], bool] = _always) -> None:
        self.size = size
        self.keeps = keeps
        self._version: Ordered | None = None
        self._values: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: Ordered) -> V | None:
        """The value kept for `key` at `version`, or None."""
        with self._lock:
            if version != self._version or key not in self._values:
                return None
            self._values.move_to_end(key)
            return self._values[key]

    def put(self, key: Hashable, version: Ordered, value: V) -> None:
        """Keep `value` for `key` at `version` (unless `keeps` refuses it, or the values kept
        are of a newer version)."""
        if not self.keeps(value):
            return
        with self._lock:
            if self._version is None or self._version < version:
                self._version, self._values = version, OrderedDict()
            elif version != self._version:
                return
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self.size:
                self._values.popitem(last=False)

    def computed(self, key: Hashable, version: Ordered, compute: Callable[[], V]) -> V:
        """The value kept for `key` at `version`, else `compute()`'s (then kept)."""
        found = self.get(key, version)
        if found is None:
            found = compute()
            self.put(key, version, found)
        return found

    def clear(self) -> None:
        with self._lock:
            self._version, self._values = None, OrderedDict()
