"""Copies of one statement: exact copies, and republications with other chrome or edits.

Candidates come from MinHash LSH (datasketch) over word shingles; each candidate is then
verified on the two texts: most of the shorter text must appear in the longer one, and no
number, date or name may have been swapped for another in the words they share (the mark
of two items written from one template about different events).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from datasketch import MinHash, MinHashLSH
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from communique.link.text import exact_key, is_name, is_number, shingle_hashes, words

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
    m = MinHash(num_perm=NUM_PERM, scheme="affine32", hashfunc=_same, permutations=perms)
    if len(hashes):
        m.update_batch(hashes)
    return m


def _same(value: int) -> int:
    return value


@dataclass(frozen=True)
class _Sketch:
    """A MinHash's values as `MinHashLSH` reads them (no MinHash built per look-up)."""

    hashvalues: npt.NDArray[np.uint32]
    scheme: str = "affine32"

    def __len__(self) -> int:
        return len(self.hashvalues)


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
    folded = words(text).folded
    hashes = shingle_hashes(folded)
    values = _minhash(hashes).hashvalues.astype(np.uint32)
    return Signature(exact_key(folded), values, len(folded))


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


class Linker:
    """Links texts one at a time to the statements already linked (deterministic by order).

    Example:
        >>> texts = {"a": "Statement on the talks held in Baku on 8 November 2024 " * 3,
        ...          "b": "Statement on the talks held in Baku on 8 November 2024 " * 3 + "Menu"}
        >>> linker = Linker(texts.__getitem__)
        >>> linker.add("a", signature(texts["a"])) is None
        True
        >>> linker.add("b", signature(texts["b"])).kind
        'republication'
    """

    def __init__(self, text_of: TextOf) -> None:
        self.text_of = text_of
        self.lsh = MinHashLSH(num_perm=NUM_PERM, params=(BANDS, ROWS))
        self.groups: dict[str, str] = {}
        self.by_exact: dict[str, str] = {}
        self.minhashes: dict[str, npt.NDArray[np.uint32]] = {}

    def __len__(self) -> int:
        return len(self.groups)

    def exact(self, key: str) -> str | None:
        return self.by_exact.get(key)

    def candidates(self, sig: Signature) -> list[tuple[str, npt.NDArray[np.uint32]]]:
        found = self.lsh.query(_Sketch(sig.minhash))
        return [(key, self.minhashes[key]) for key in found]

    def group(self, item: str) -> str:
        return self.groups[item]

    def add(self, item: str, sig: Signature) -> Link | None:
        """Link `item` to a statement already seen, or start a new statement with it."""
        link = find_copy(item, sig, self, self.text_of)
        self.groups[item] = link.statement if link else item
        if link is None or link.kind != "exact":
            self.by_exact.setdefault(sig.exact, item)
            if sig.words >= MIN_WORDS:
                self.minhashes[item] = sig.minhash
                self.lsh.insert(item, _Sketch(sig.minhash), check_duplication=False)
        return link


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
