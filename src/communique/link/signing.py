"""Signatures of statements' texts: exact key, MinHash (datasketch's) and LSH band keys.

Texts are signed in batches: the words of every text are hashed in one pass, the shingles of
the batch are made and deduplicated in a few array operations, and the MinHash values come
from one matrix of datasketch's affine permutations per slice of the batch. The values are
those `datasketch.MinHash` gives (a test compares them); what batching saves is the work done
per text outside the arrays, which dominates for texts of a few hundred words.
"""

from __future__ import annotations

import functools
import itertools
import multiprocessing
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.pool import AsyncResult, Pool
from typing import TypeVar

import numpy as np
import numpy.typing as npt
from datasketch import MinHash, MinHashLSH

from communique.link.text import SHINGLE, exact_key, folded_words, word_codes
from communique.model import JoinedKeys

NUM_PERM = 64
BANDS, ROWS = 20, 3
"""LSH bands: a pair whose shingles overlap by 0.4 is a candidate with odds 0.73, by half
with 0.93, by 0.6 with 0.99; texts sharing a twentieth of their shingles almost never."""

SLICE = 1 << 11
"""Shingles whose permuted values are computed in one matrix (SLICE × NUM_PERM × 4 bytes,
512 KiB: one of 2 MiB, left the processor's cache, took twice the time)."""

_MIX = np.uint64(0x9E3779B97F4A7C15)
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Signature:
    """What the linker keeps of a text: its exact key, MinHash and LSH band keys."""

    exact: str
    minhash: npt.NDArray[np.uint32] = field(repr=False, compare=False)
    words: int
    bands: npt.NDArray[np.uint64] = field(repr=False, compare=False)


@functools.cache
def _permutations() -> npt.NDArray[np.uint32]:
    """The permutations of every MinHash here (datasketch's own for seed 1), made once."""
    perms: npt.NDArray[np.uint32] = MinHash(num_perm=NUM_PERM, scheme="affine32").permutations
    return perms


def minhash_of(hashes: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """The MinHash values of a set of 32-bit hashes, as datasketch computes them.

    Example:
        >>> values = minhash_of(np.arange(50, dtype=np.uint32))
        >>> values.shape, bool((values == minhashes([np.arange(50)])[0]).all())
        ((64,), True)
    """
    m = MinHash(num_perm=NUM_PERM, scheme="affine32", hashfunc=int, permutations=_permutations())
    if len(hashes):
        m.update_batch(hashes.tolist())  # Python ints: `int` hashes each as itself
    values: npt.NDArray[np.uint32] = m.hashvalues.astype(np.uint32)
    return values


def _fmix32(values: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """MurmurHash3's 32-bit finalizer, which datasketch's affine32 scheme applies first."""
    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))


def minhashes(sets: Sequence[npt.NDArray[np.integer]]) -> npt.NDArray[np.uint32]:
    """The MinHash values of many sets of 32-bit hashes, one row each (see `minhash_of`)."""
    counts = np.fromiter(map(len, sets), np.int64, len(sets))
    flat = np.concatenate([np.asarray(s, dtype=np.uint32) for s in sets]) if sets else None
    return _segment_minhashes(flat, counts)


def _segment_minhashes(
    flat: npt.NDArray[np.uint32] | None, counts: npt.NDArray[np.int64]
) -> npt.NDArray[np.uint32]:
    """One MinHash per run of `counts` hashes in `flat` (an empty run: datasketch's empty)."""
    result = np.full((len(counts), NUM_PERM), np.iinfo(np.uint32).max, dtype=np.uint32)
    if flat is None or not len(flat):
        return result
    a, b = _permutations().astype(np.uint32)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    filled = np.flatnonzero(counts)
    filled_starts = starts[filled]
    begin = 0
    while begin < len(filled):  # slices of whole texts, about SLICE hashes each
        first = filled_starts[begin]
        end = int(np.searchsorted(filled_starts, first + SLICE, side="left"))
        end = max(end, begin + 1)
        rows = filled[begin:end]
        last = starts[rows[-1]] + counts[rows[-1]]
        mixed = _fmix32(flat[first:last])
        permuted = np.multiply.outer(mixed, a)
        permuted += b  # (in place: one matrix, not two)
        result[rows] = np.minimum.reduceat(permuted, starts[rows] - first, axis=0)
        begin = end
    return result


def band_keys(minhash: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint64]:
    """One 64-bit key per LSH band (datasketch's band layout) of one MinHash or of each row.

    Example:
        >>> m = minhash_of(np.arange(50, dtype=np.uint32))
        >>> band_keys(m).shape, bool((band_keys(m[None])[0] == band_keys(m)).all())
        ((20,), True)
    """
    bands = minhash[..., : BANDS * ROWS].reshape(*minhash.shape[:-1], BANDS, ROWS)
    mixed = np.arange(1, BANDS + 1, dtype=np.uint64) * _MIX
    with np.errstate(over="ignore"):
        for column in range(ROWS):
            mixed = (mixed ^ bands[..., column].astype(np.uint64)) * _MIX
            mixed ^= mixed >> np.uint64(31)
    return mixed


def buckets(minhash: npt.NDArray[np.uint32], space: int = 0) -> list[bytes]:
    """The LSH bucket keys of a MinHash as the store keeps them: band number and values.

    `space` keeps the buckets of different signatures (texts, facts) apart.

    Example:
        >>> m = minhash_of(np.arange(50, dtype=np.uint32))
        >>> ranges = enumerate(_layout().hashranges)  # datasketch's bands
        >>> buckets(m, 128) == [bytes([128 + b]) + m[i:j].tobytes() for b, (i, j) in ranges]
        True
    """
    return buckets_of(minhash[None], space)[0]


def buckets_of(minhashes: npt.NDArray[np.uint32], space: int = 0) -> list[list[bytes]]:
    """`buckets` of each row of many MinHashes, made in one array operation.

    Example:
        >>> m = minhashes([np.arange(50), np.arange(20, 90)])
        >>> buckets_of(m, 128) == [buckets(m[0], 128), buckets(m[1], 128)]
        True
    """
    return [list(keys) for keys in joined_buckets_of(minhashes, space)]


BUCKET_SIZE = 1 + 4 * ROWS
"""Bytes of an LSH bucket key as the store keeps it: band number and the band's values."""


def joined_buckets_of(minhashes: npt.NDArray[np.uint32], space: int = 0) -> list[JoinedKeys]:
    """`buckets` of each row of many MinHashes, each row's joined in one bytes object, all
    made in one array operation (relink stages them so: no object for each key).

    Example:
        >>> m = minhashes([np.arange(50), np.arange(20, 90)])
        >>> [list(keys) for keys in joined_buckets_of(m)] == [buckets(m[0]), buckets(m[1])]
        True
        >>> joined_buckets_of(m[:0])
        []
    """
    count = len(minhashes)
    if not count:  # (a batch none of whose texts has enough facts: no shape to cut)
        return []
    rows = np.empty((count, BANDS, BUCKET_SIZE), dtype=np.uint8)
    rows[:, :, 0] = np.arange(space, space + BANDS, dtype=np.uint8)
    values = np.ascontiguousarray(minhashes[:, : BANDS * ROWS]).view(np.uint8)
    rows[:, :, 1:] = values.reshape(count, BANDS, -1)
    blob, step = rows.tobytes(), BANDS * BUCKET_SIZE
    return [JoinedKeys(blob[at : at + step], BUCKET_SIZE) for at in range(0, len(blob), step)]


@functools.cache
def _layout() -> MinHashLSH:
    return MinHashLSH(num_perm=NUM_PERM, params=(BANDS, ROWS))


def shingle_minhashes(
    folded: Sequence[tuple[str, ...]],
    size: int = SHINGLE,
    crcs: npt.NDArray[np.uint32] | None = None,
) -> npt.NDArray[np.uint32]:
    """The MinHash of each text's shingles of `size` words, one row each: the values
    `minhash_of(text.shingle_hashes(words, size))` gives, for a whole batch at once
    (`crcs`: the CRC-32 of each word, one text after another, if made already).

    Example:
        >>> from communique.link.text import shingle_hashes
        >>> texts = [("8", "2020", "arme", "8"), (), ("one", "two", "three", "four")]
        >>> rows = shingle_minhashes(texts, 1)
        >>> [bool((row == minhash_of(shingle_hashes(t, 1))).all()) for row, t in zip(rows, texts)]
        [True, True, True]
    """
    return _segment_minhashes(*_shingles(folded, size, crcs))


def _shingles(
    folded: Sequence[tuple[str, ...]],
    size: int = SHINGLE,
    crcs: npt.NDArray[np.uint32] | None = None,
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]]:
    """The shingle hashes of each text, concatenated, and how many each text has: a text's
    repeated shingles are left in (a MinHash is the same, and sorting the batch's to drop
    them took half of this).

    A shingle is a run of `size` words; a shorter text is one shingle of all its words.
    """
    lengths = np.fromiter(map(len, folded), np.int64, len(folded))
    if crcs is None:
        crcs = word_codes(tuple(itertools.chain.from_iterable(folded)))[0]
    ids = crcs.astype(np.uint64)
    mixed = np.zeros(max(len(ids) - size + 1, 0), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for offset in range(size):
            mixed = (mixed ^ ids[offset : offset + len(mixed)]) * _MIX
            mixed ^= mixed >> np.uint64(29)
    ends = np.cumsum(lengths)
    inside = np.ones(len(mixed), dtype=bool)  # shingles that do not cross into the next text
    for back in range(1, size):
        cut = ends[(ends - back >= 0) & (ends - back < len(mixed))] - back
        inside[cut] = False
    hashes = (mixed >> np.uint64(32))[inside].astype(np.uint32)
    counts = np.maximum(lengths - (size - 1), 0)
    short = np.flatnonzero((lengths > 0) & (lengths < size))
    if len(short):  # (no shingle inside: one of all their words, where their run starts)
        whole = [zlib.crc32(" ".join(folded[i]).encode()) for i in short.tolist()]
        starts = np.cumsum(counts) - counts
        hashes = np.insert(hashes, starts[short], np.array(whole, np.uint32))
        counts[short] = 1
    return hashes, counts


@dataclass(frozen=True)
class SignedBatch:
    """The signatures of a batch of texts as a few arrays (cheap to send between processes)."""

    exact: list[str]
    words: list[int]
    minhashes: npt.NDArray[np.uint32]
    bands: npt.NDArray[np.uint64]

    @staticmethod
    def joined(parts: Sequence[SignedBatch]) -> SignedBatch:
        """The signatures of several batches as one batch, in order."""
        return SignedBatch(
            [key for part in parts for key in part.exact],
            [count for part in parts for count in part.words],
            np.concatenate([part.minhashes for part in parts]),
            np.concatenate([part.bands for part in parts]),
        )

    def signatures(self) -> list[Signature]:
        return [
            Signature(key, self.minhashes[row], count, self.bands[row])
            for row, (key, count) in enumerate(zip(self.exact, self.words, strict=True))
        ]


def sign_arrays(texts: Sequence[str]) -> SignedBatch:
    """The signatures of many texts, computed together (same values as one at a time)."""
    return sign_folded([folded_words(text) for text in texts])


def sign_folded(
    folded: Sequence[tuple[str, ...]], crcs: npt.NDArray[np.uint32] | None = None
) -> SignedBatch:
    """`sign_arrays` of texts split into folded words already (`text.folded_words`; `crcs`:
    their CRC-32s, `text.word_codes`, if made already)."""
    values = shingle_minhashes(folded, SHINGLE, crcs)
    return SignedBatch(
        [exact_key(words) for words in folded], list(map(len, folded)), values, band_keys(values)
    )


def sign_batch(texts: Sequence[str]) -> list[Signature]:
    """The signatures of many texts, computed together (same values as one at a time).

    Example:
        >>> a, b = sign_batch(["We condemn the attack.", "We  condemn\\nthe attack"])
        >>> a.exact == b.exact, a.words
        (True, 4)
    """
    return sign_arrays(texts).signatures()


def signature(text: str) -> Signature:
    """The signature of a statement's text.

    Example:
        >>> a, b = signature("We condemn the attack."), signature("We  condemn\\nthe attack")
        >>> a.exact == b.exact
        True
    """
    return sign_batch([text])[0]


def signatures(texts: Iterable[str], processes: int = 0, batch: int = 4096) -> Iterator[Signature]:
    """The signatures of many texts in order, made by `processes` worker processes (0: here).

    Workers sign one batch while the caller consumes the one before, so that linking
    (one process) and signing (the other cores) overlap; at most two batches are held.

    Example:
        >>> [s.words for s in signatures(["One two three.", "Four five."])]
        [3, 2]
    """
    source = iter(texts)
    chunks = iter(lambda: list(itertools.islice(source, batch)), [])
    with Workers(processes) as workers:
        for _, signed in pipelined(sign_arrays, chunks, str, workers):
            yield from (s for part in signed for s in part.signatures())


class Workers:
    """Spawned worker processes that run a module-level function on the parts of a batch,
    or this process itself (`processes` 0: each batch is worked on when it is given).

    Example:
        >>> with Workers(0) as workers:
        ...     workers.start(sorted, [3, 1, 2])()
        [[1, 2, 3]]
    """

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self.pool: Pool | None = None

    def __enter__(self) -> Workers:
        if self.processes > 0:
            self.pool = multiprocessing.get_context("spawn").Pool(self.processes)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None

    def start(self, work: Callable[[list[T]], R], items: list[T]) -> Callable[[], list[R]]:
        """Start `work` on `items` cut in parts (two per worker); the function returned
        waits for each part's result, in order."""
        if self.pool is None:
            done = [work(items)]
            return lambda: done
        step = max(1, -(-len(items) // (2 * self.processes)))
        parts = [items[i : i + step] for i in range(0, len(items), step)]
        job: AsyncResult[list[R]] = self.pool.map_async(work, parts, chunksize=1)
        return job.get


def pipelined(
    work: Callable[[list[str]], R],
    batches: Iterable[list[T]],
    text_of: Callable[[T], str],
    workers: Workers,
) -> Iterator[tuple[list[T], list[R]]]:
    """Each batch with `work` done on its texts (in parts) by `workers`; the next batch is
    worked on while the caller reads this one (`work` is a module-level function)."""
    pending: tuple[list[T], Callable[[], list[R]]] | None = None
    for items in batches:
        job = workers.start(work, [text_of(item) for item in items])
        if pending is not None:
            yield pending[0], pending[1]()
        pending = items, job
    if pending is not None:
        yield pending[0], pending[1]()
