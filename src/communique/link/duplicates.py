"""Copies of one statement: exact copies, and republications with other chrome or edits.

Candidates come from MinHash LSH (datasketch) over word shingles; each candidate is then
verified on the two texts: most of the shorter text must appear in the longer one, and no
number, date or name may have been swapped for another in the words they share (the mark
of two items written from one template about different events).
"""

from __future__ import annotations

import functools
import itertools
import multiprocessing
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.pool import AsyncResult
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from datasketch import MinHash, MinHashLSH
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from communique.link.text import exact_key, folded_words, is_name, is_number, shingle_hashes, words

NUM_PERM = 64
BANDS, ROWS = 20, 3
"""LSH bands: a pair whose shingles overlap by 0.4 is a candidate with odds 0.73, by half
with 0.93, by 0.6 with 0.99; texts sharing a twentieth of their shingles almost never."""

MIN_ESTIMATE = 0.25
"""Candidates whose estimated shingle overlap is below this are not verified."""
MIN_CONTAINMENT = 0.8
"""Share of the shorter text's words found, in order, in the longer one."""
MIN_COVERAGE = 0.5
"""Share of the longer text's words found in the shorter one (a news item quoting a few
lines of a speech is not a copy of the speech)."""
SWAP_WORDS = 12
"""A differing stretch at most this long on both sides, between shared words, is a swap."""
NAME_WORDS = 3
"""A stretch this short whose capitalised words differ is a swapped name."""
ANCHOR = 3
"""Shared words on each side that make a differing stretch a swap rather than an edge edit."""
MIN_WORDS = 8
"""Texts shorter than this are linked only as exact copies."""
MAX_VERIFIED = 8
"""Candidates verified per new text, best estimated first."""


@dataclass(frozen=True)
class Signature:
    """What the linker keeps of a text: its exact key and its MinHash."""

    exact: str
    minhash: npt.NDArray[np.uint32] = field(repr=False, compare=False)
    words: int


@functools.cache
def _permutations() -> npt.NDArray[np.uint32]:
    """The permutations of every MinHash here (datasketch's own for seed 1), made once."""
    perms: npt.NDArray[np.uint32] = MinHash(num_perm=NUM_PERM, scheme="affine32").permutations
    return perms


def _minhash(hashes: npt.NDArray[np.uint32]) -> MinHash:
    perms = _permutations()
    m = MinHash(num_perm=NUM_PERM, scheme="affine32", hashfunc=int, permutations=perms)
    if len(hashes):
        m.update_batch(hashes.tolist())  # Python ints: `int` hashes each as itself, fast
    return m


def minhash_of(hashes: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """The MinHash values (datasketch, the permutations used here) of a set of hashes."""
    values: npt.NDArray[np.uint32] = _minhash(hashes).hashvalues.astype(np.uint32)
    return values


def signature(text: str) -> Signature:
    """The signature of a statement's text.

    Example:
        >>> a, b = signature("We condemn the attack."), signature("We  condemn\\nthe attack")
        >>> a.exact == b.exact
        True
    """
    folded = folded_words(text)
    hashes = shingle_hashes(folded)
    values = _minhash(hashes).hashvalues.astype(np.uint32)
    return Signature(exact_key(folded), values, len(folded))


def signatures(texts: Iterable[str], processes: int = 0, batch: int = 4096) -> Iterator[Signature]:
    """The signatures of many texts in order, made by `processes` worker processes (0: here).

    Workers sign one batch while the caller consumes the one before, so that linking
    (one process) and signing (the other cores) overlap; at most two batches are held.

    Example:
        >>> [s.words for s in signatures(["One two three.", "Four five."])]
        [3, 2]
    """
    if processes < 1:
        yield from map(signature, texts)
        return
    source = iter(texts)
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        pending: AsyncResult[list[Signature]] | None = None
        while chunk := list(itertools.islice(source, batch)):
            job = pool.map_async(signature, chunk, chunksize=max(1, batch // (4 * processes)))
            if pending is not None:
                yield from pending.get()
            pending = job
        if pending is not None:
            yield from pending.get()


@dataclass(frozen=True)
class Verdict:
    """Whether two texts are copies of one statement, and the evidence."""

    same: bool
    containment: float
    coverage: float
    swaps: tuple[str, ...] = ()
    """Numbers, dates or names one text has where the other has another."""

    @property
    def evidence(self) -> str:
        text = f"containment {self.containment:.2f}, coverage {self.coverage:.2f}"
        return text + (f"; swapped: {', '.join(self.swaps)}" if self.swaps else "")


def verify(first: str, second: str) -> Verdict:
    """Compare two texts word by word: are they copies of one statement?

    Example:
        >>> one = "The reception for the 30th National Day was held on 3 May 2023 in Warsaw today."
        >>> verify(one, one.replace("30th", "31st").replace("2023", "2024")).swaps
        ('30th→31st', '2023→2024')
    """
    a, b = words(first), words(second)
    if not a.folded or not b.folded:
        return Verdict(a.folded == b.folded, float(a.folded == b.folded), 0.0)
    ops = Levenshtein.opcodes(list(a.folded), list(b.folded))
    shared = sum(op.src_end - op.src_start for op in ops if op.tag == "equal")
    containment = shared / min(len(a.folded), len(b.folded))
    coverage = shared / max(len(a.folded), len(b.folded))
    swaps = tuple(_swaps(a.written, b.written, ops))
    same = containment >= MIN_CONTAINMENT and coverage >= MIN_COVERAGE and not swaps
    return Verdict(same, containment, coverage, swaps)


def _swaps(a: Sequence[str], b: Sequence[str], ops: Iterable[Any]) -> list[str]:
    """Facts replaced by other facts inside stretches both texts share.

    Differing stretches separated by fewer than `ANCHOR` shared words are one stretch; a
    stretch counts only between `ANCHOR` shared words on each side, so that an edge edit
    (another headline, a trimmed paragraph) is never read as a swap.
    """
    spans: list[list[int]] = []  # [i1, i2, j1, j2, shared words before]
    run = 0
    for op in ops:
        if op.tag == "equal":
            run = op.src_end - op.src_start
            continue
        if spans and run < ANCHOR:
            spans[-1][1], spans[-1][3] = op.src_end, op.dest_end
        else:
            spans.append([op.src_start, op.src_end, op.dest_start, op.dest_end, run])
        run = 0
    found: list[str] = []
    for index, (i1, i2, j1, j2, before) in enumerate(spans):
        after = run if index == len(spans) - 1 else spans[index + 1][4]
        if before >= ANCHOR and after >= ANCHOR:
            found.extend(_swap(a[i1:i2], b[j1:j2]))
    return found


def _swap(left: Sequence[str], right: Sequence[str]) -> list[str]:
    if not left or not right or len(left) > SWAP_WORDS or len(right) > SWAP_WORDS:
        return []
    numbers = ([w for w in left if is_number(w)], [w for w in right if is_number(w)])
    if numbers[0] and numbers[1] and sorted(numbers[0]) != sorted(numbers[1]):
        return [f"{' '.join(numbers[0])}→{' '.join(numbers[1])}"]
    names = ([w for w in left if is_name(w)], [w for w in right if is_name(w)])
    if names[0] and names[1] and max(len(left), len(right)) <= NAME_WORDS:
        one, other = " ".join(names[0]), " ".join(names[1])
        if fuzz.ratio(one.casefold(), other.casefold()) < 80:
            return [f"{one}→{other}"]
    return []


@dataclass(frozen=True)
class Link:
    """How a text joined a statement: the copy it matched and the evidence."""

    statement: str
    """The group's id: the id of the first text of the statement that was linked."""
    matched: str
    kind: str
    """`exact` (same words) or `republication` (verified near-copy)."""
    evidence: str = ""


TextOf = Callable[[str], str]


class Index(Protocol):
    """Where linked texts are looked up: in memory (`Linker`) or in a store."""

    def exact(self, key: str) -> str | None:
        """The first linked text with this exact key."""
        ...

    def candidates(self, sig: Signature) -> list[tuple[str, npt.NDArray[np.uint32]]]:
        """Linked texts sharing an LSH bucket with `sig`, and their MinHash values."""
        ...

    def group(self, item: str) -> str:
        """The statement a linked text belongs to."""
        ...


def buckets(minhash: npt.NDArray[np.uint32], space: int = 0) -> list[bytes]:
    """The LSH bucket keys of a MinHash: band number and band values, datasketch's layout.

    `space` keeps the buckets of different signatures (texts, facts) apart.
    """
    return [
        bytes([space + band]) + minhash[start:end].tobytes()
        for band, (start, end) in enumerate(_layout().hashranges)
    ]


@functools.cache
def _layout() -> MinHashLSH:
    return MinHashLSH(num_perm=NUM_PERM, params=(BANDS, ROWS))


def find_copy(item: str, sig: Signature, index: Index, text_of: TextOf) -> Link | None:
    """The statement `item` is a copy of, verified on the texts, or None."""
    same = index.exact(sig.exact)
    if same is not None and same != item:
        return Link(index.group(same), same, "exact")
    if sig.words < MIN_WORDS:
        return None
    ranked = sorted(
        (-_estimate(sig.minhash, values), key)
        for key, values in index.candidates(sig)
        if key != item
    )
    text: str | None = None
    for negative, key in ranked[:MAX_VERIFIED]:
        if -negative < MIN_ESTIMATE:
            break
        text = text_of(item) if text is None else text
        verdict = verify(text_of(key), text)
        if verdict.same:
            return Link(index.group(key), key, "republication", verdict.evidence)
    return None


class Buckets:
    """The LSH buckets of many MinHashes in compact arrays (datasketch's band layout).

    Each band of a MinHash (`_layout().hashranges`) becomes one 64-bit key; keys live in a
    few sorted runs of arrays with the row of their MinHash (12 bytes a band, no Python
    object per bucket). New keys wait in a small dict, then become a run; runs of similar
    size are merged (a log-structured merge), so that a look-up reads a few runs.

    Example:
        >>> b = Buckets()
        >>> b.insert(0, minhash_of(np.arange(50, dtype=np.uint32)))
        >>> b.query(minhash_of(np.arange(50, dtype=np.uint32))).tolist()
        [0]
    """

    PENDING = 100_000
    """Keys kept in the dict before they become a sorted run."""

    def __init__(self) -> None:
        self.runs: list[tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint32]]] = []
        self.pending: dict[int, list[int]] = {}

    def insert(self, row: int, minhash: npt.NDArray[np.uint32]) -> None:
        """Put the MinHash of `row` in its buckets."""
        for key in band_keys(minhash).tolist():
            self.pending.setdefault(key, []).append(row)
        if len(self.pending) >= self.PENDING:
            self._flush()

    def query(self, minhash: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
        """The rows sharing at least one bucket with `minhash`, in increasing order."""
        keys = band_keys(minhash)
        found: list[npt.NDArray[np.uint32]] = []
        for run_keys, run_rows in self.runs:
            left = np.searchsorted(run_keys, keys, side="left")
            right = np.searchsorted(run_keys, keys, side="right")
            found.extend(
                run_rows[a:b] for a, b in zip(left.tolist(), right.tolist(), strict=True) if b > a
            )
        extra = [row for key in keys.tolist() for row in self.pending.get(key, ())]
        if extra:
            found.append(np.array(extra, dtype=np.uint32))
        if not found:
            return np.zeros(0, dtype=np.uint32)
        return np.unique(np.concatenate(found))

    def _flush(self) -> None:
        count = sum(len(rows) for rows in self.pending.values())
        keys = np.fromiter(
            (key for key, rows in self.pending.items() for _ in rows), np.uint64, count
        )
        rows = np.fromiter(
            (row for found in self.pending.values() for row in found), np.uint32, count
        )
        self.pending = {}
        order = np.argsort(keys, kind="stable")
        self.runs.append((keys[order], rows[order]))
        while len(self.runs) > 1 and 2 * len(self.runs[-1][0]) >= len(self.runs[-2][0]):
            (keys_a, rows_a), (keys_b, rows_b) = self.runs.pop(-2), self.runs.pop()
            keys, rows = np.concatenate((keys_a, keys_b)), np.concatenate((rows_a, rows_b))
            order = np.argsort(keys, kind="stable")
            self.runs.append((keys[order], rows[order]))


_BAND_MIX = np.uint64(0x9E3779B97F4A7C15)


def band_keys(minhash: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint64]:
    """One 64-bit key per LSH band of a MinHash (band number and values mixed)."""
    bands = minhash[: BANDS * ROWS].reshape(BANDS, ROWS).astype(np.uint64)
    mixed = np.arange(1, BANDS + 1, dtype=np.uint64) * _BAND_MIX
    with np.errstate(over="ignore"):
        for column in range(ROWS):
            mixed = (mixed ^ bands[:, column]) * _BAND_MIX
            mixed ^= mixed >> np.uint64(31)
    return mixed


class Linker:
    """Links texts one at a time to the statements already linked (deterministic by order).

    Kept compact for archives of millions: MinHashes in blocks of one array, buckets in
    `Buckets`.

    Example:
        >>> texts = {"a": "Statement on the talks held in Baku on 8 November 2024 " * 3,
        ...          "b": "Statement on the talks held in Baku on 8 November 2024 " * 3 + "Menu"}
        >>> linker = Linker(texts.__getitem__)
        >>> linker.add("a", signature(texts["a"])) is None
        True
        >>> linker.add("b", signature(texts["b"])).kind
        'republication'
    """

    BLOCK = 1 << 16
    """MinHashes a block holds."""

    def __init__(self, text_of: TextOf) -> None:
        self.text_of = text_of
        self.buckets = Buckets()
        self.groups: dict[str, str] = {}
        self.by_exact: dict[str, str] = {}
        self.indexed: list[str] = []
        self.blocks: list[npt.NDArray[np.uint32]] = []

    def __len__(self) -> int:
        return len(self.groups)

    def exact(self, key: str) -> str | None:
        return self.by_exact.get(key)

    def candidates(self, sig: Signature) -> list[tuple[str, npt.NDArray[np.uint32]]]:
        rows = self.buckets.query(sig.minhash).tolist()
        return [(self.indexed[row], self._minhash(row)) for row in rows]

    def _minhash(self, row: int) -> npt.NDArray[np.uint32]:
        values: npt.NDArray[np.uint32] = self.blocks[row // self.BLOCK][row % self.BLOCK]
        return values

    def group(self, item: str) -> str:
        return self.groups[item]

    def add(self, item: str, sig: Signature) -> Link | None:
        """Link `item` to a statement already seen, or start a new statement with it."""
        link = find_copy(item, sig, self, self.text_of)
        self.groups[item] = link.statement if link else item
        if link is None or link.kind != "exact":
            self.by_exact.setdefault(sig.exact, item)
            if sig.words >= MIN_WORDS:
                self._index(item, sig.minhash)
        return link

    def _index(self, item: str, minhash: npt.NDArray[np.uint32]) -> None:
        row = len(self.indexed)
        if row % self.BLOCK == 0:
            self.blocks.append(np.zeros((self.BLOCK, NUM_PERM), dtype=np.uint32))
        self.blocks[-1][row % self.BLOCK] = minhash
        self.indexed.append(item)
        self.buckets.insert(row, minhash)


def _estimate(a: npt.NDArray[np.uint32], b: npt.NDArray[np.uint32]) -> float:
    return float(np.count_nonzero(a == b)) / len(a)


def link_all(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Link (id, text) pairs in the order given; returns each id's statement id.

    Example:
        >>> link_all([("a", "We condemn it."), ("b", "We  condemn it"), ("c", "Other.")])
        {'a': 'a', 'b': 'a', 'c': 'c'}
    """
    texts = dict(items)
    linker = Linker(texts.__getitem__)
    for key, text in texts.items():
        linker.add(key, signature(text))
    return dict(linker.groups)
