"""store/kept.py: values kept per key at one version, the most recently used first."""

from __future__ import annotations

import threading
from functools import partial

from communique.store.kept import Kept


def test_the_least_recently_used_key_goes_first() -> None:
    kept: Kept[str] = Kept(2)
    kept.put("a", 1, "A")
    kept.put("b", 1, "B")
    assert kept.get("a", 1) == "A"  # "b" is now the least recently used
    kept.put("c", 1, "C")
    assert kept.get("b", 1) is None
    assert (kept.get("a", 1), kept.get("c", 1)) == ("A", "C")


def test_a_value_holds_only_at_its_version_and_a_new_version_forgets_the_old() -> None:
    kept: Kept[str] = Kept(8)
    kept.put("a", "v1", "old")
    assert kept.get("a", "v2") is None
    kept.put("b", "v2", "new")
    assert kept.get("a", "v1") is None  # forgotten, not just hidden
    assert kept.get("b", "v2") == "new"


def test_a_value_of_an_older_version_is_not_kept_and_the_newer_ones_stay() -> None:
    """A slow reader computed its value at the version before the last write: keeping it
    would forget what the others kept at the newer version."""
    kept: Kept[str] = Kept(8)
    kept.put("a", (2,), "new")
    kept.put("b", (1,), "slow")
    assert kept.get("a", (2,)) == "new"
    assert kept.get("b", (1,)) is None and kept.get("b", (2,)) is None
    assert kept.computed("b", (1,), lambda: "again") == "again"
    assert kept.get("a", (2,)) == "new"
    kept.put("c", (10,), "newest")  # ordered as numbers, not as text ("10" < "2")
    assert kept.get("a", (2,)) is None and kept.get("c", (10,)) == "newest"


def test_computed_computes_once_per_key_and_version() -> None:
    kept: Kept[list[int]] = Kept(8)
    calls: list[str] = []

    def compute(version: str) -> list[int]:
        calls.append(version)
        return [len(calls)]

    assert kept.computed("q", "v1", lambda: compute("v1")) == [1]
    assert kept.computed("q", "v1", lambda: compute("v1")) == [1]
    assert kept.computed("q", "v2", lambda: compute("v2")) == [2]
    assert calls == ["v1", "v2"]


def test_a_value_keeps_refuses_is_computed_every_time() -> None:
    kept: Kept[list[int]] = Kept(8, keeps=lambda keys: len(keys) <= 2)
    assert kept.computed("long", 1, lambda: [1, 2, 3]) == [1, 2, 3]
    assert kept.get("long", 1) is None
    kept.put("short", 1, [1])
    assert kept.get("short", 1) == [1]


def test_clear_forgets_everything() -> None:
    kept: Kept[int] = Kept(8)
    kept.put("a", 1, 10)
    kept.clear()
    assert kept.get("a", 1) is None


def test_threads_share_one_map_and_it_stays_within_its_size() -> None:
    kept: Kept[int] = Kept(16)

    def work(offset: int) -> None:
        for n in range(200):
            key = (offset + n) % 40
            assert kept.computed(key, 1, partial(int, key)) == key

    threads = [threading.Thread(target=work, args=(i * 7,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    held = {k: kept.get(k, 1) for k in range(40) if kept.get(k, 1) is not None}
    assert 0 < len(held) <= 16
    assert all(value == key for key, value in held.items())
