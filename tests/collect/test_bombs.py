"""Small files that unpack to gigabytes, and huge records, are refused in bounded memory.

Each bomb is made at test time and ingested by a real `communique` process whose peak
memory is measured (memory, not time): it stays under 500 MB, the input is refused with a
message naming the limit, and good records next to the bomb are still stored.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests import bombs

LIMIT = 500 * bombs.MB

EXPECTED = {
    bombs.zeros_warc_gz: "max_header_bytes",
    bombs.small_zeros_warc_gz: "max_header_bytes",
    bombs.huge_record_warc: "max_bytes",
    bombs.long_line_jsonl_gz: "max_bytes",
    bombs.big_record_jsonl: "max_bytes",
    bombs.deep_jsonl: "max_depth",
}


@pytest.mark.parametrize("make", list(EXPECTED), ids=lambda make: make.__name__)
def test_a_bomb_is_refused_in_bounded_memory(make: Callable[[Path], Path], tmp_path: Path) -> None:
    target = make(tmp_path)
    status, peak, errors = bombs.peak_memory(target, tmp_path / "b.db")
    assert status == (3 if make is bombs.long_line_jsonl_gz else 1)  # some / all inputs failed
    assert peak < LIMIT, f"peak memory {peak / bombs.MB:.0f} MB"
    limit = EXPECTED[make]
    assert f"{limit} limit" in errors and f"COMMUNIQUE_{limit.upper()}" in errors, errors
    with sqlite3.connect(tmp_path / "b.db") as conn:
        (reason,) = conn.execute("SELECT max(length(reason)) FROM failures").fetchone()
        statements = conn.execute("SELECT count(*) FROM statements").fetchone()[0]
    assert reason <= 400
    assert statements == (1 if make is bombs.long_line_jsonl_gz else 0)
