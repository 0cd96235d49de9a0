"""Batch signing gives datasketch's MinHash values; the compact LSH index finds what it holds."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from communique.link.duplicates import Buckets
from communique.link.signing import band_keys, minhash_of, sign_batch, signatures
from communique.link.text import exact_key, folded_words, shingle_hashes

WORDS = st.sampled_from(
    ["the", "Minister", "said", "2024", "İstanbul", "straße", "ǅemal", "ΣΟΦΙΑ", "—", "x_y", ""]
)
TEXTS = st.lists(st.lists(WORDS, max_size=40).map(" ".join), max_size=12)


@settings(max_examples=60, deadline=None)
@given(TEXTS)
def test_batch_signatures_are_those_of_one_text_at_a_time(texts: list[str]) -> None:
    for text, sig in zip(texts, sign_batch(texts), strict=True):
        folded = folded_words(text)
        expected = minhash_of(shingle_hashes(folded))
        assert sig.minhash.tolist() == expected.tolist()
        assert sig.bands.tolist() == band_keys(expected).tolist()
        assert (sig.exact, sig.words) == (exact_key(folded), len(folded))


def test_worker_processes_sign_as_this_process_does() -> None:
    texts = [f"Statement number {n} on the talks held in Baku on {n} May." for n in range(50)]
    here = list(signatures(texts, processes=0, batch=16))
    there = list(signatures(texts, processes=2, batch=16))
    assert [s.exact for s in here] == [s.exact for s in there]
    assert all((a.minhash == b.minhash).all() for a, b in zip(here, there, strict=True))


def test_buckets_find_every_row_across_merged_runs() -> None:
    rng = np.random.default_rng(5)
    minhashes = rng.integers(0, 2**32, size=(500, 64), dtype=np.uint32)
    minhashes[250:] = minhashes[:250]  # each MinHash twice: rows i and i + 250
    index = Buckets()
    index.PENDING = 64  # many runs, merged many times
    for row, values in enumerate(minhashes):
        index.insert(row, band_keys(values))
    assert len(index.runs) > 1
    for row in (0, 17, 249):
        assert index.query(band_keys(minhashes[row])).tolist() == [row, row + 250]
    keys = np.concatenate([run[0] for run in index.runs])
    assert all((np.diff(run[0].astype(np.float64)) >= 0).all() for run in index.runs)
    assert len(keys) + sum(map(len, index.pending.values())) == 500 * 20


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 40), min_size=3, max_size=3), min_size=1, max_size=60),
    st.lists(st.lists(st.integers(0, 40), min_size=3, max_size=3), min_size=1, max_size=20),
    st.integers(1, 12),
)
def test_pairs_are_the_rows_sharing_a_key(
    indexed: list[list[int]], batch: list[list[int]], run: int
) -> None:
    """`Buckets.pairs` over several runs (its filter of the runs' keys grown and rebuilt)
    and pending keys gives each (owner, row) sharing a key once, in order."""
    spread = np.uint64(0x9E3779B97F4A7C15)  # keys spread over 64 bits, as band keys are
    keys = np.array(indexed, dtype=np.uint64) * spread
    index = Buckets()
    for start in range(0, len(indexed) - len(indexed) % 2, run):
        part = np.arange(start, min(start + run, len(indexed) - len(indexed) % 2))
        index.add_run(part.astype(np.uint32), keys[part])
    if len(indexed) % 2:
        index.insert(len(indexed) - 1, keys[-1])
    wanted = np.array(batch, dtype=np.uint64) * spread
    owners, rows = index.pairs(wanted)
    expected = sorted(
        (owner, row)
        for owner, mine in enumerate(batch)
        for row, theirs in enumerate(indexed)
        if set(mine) & set(theirs)
    )
    assert list(zip(owners.tolist(), rows.tolist(), strict=True)) == expected
