"""Copies of one statement: exact copies, and republications with other chrome or edits.

Candidates come from MinHash LSH (datasketch) over word shingles; each candidate is then
verified on the two texts: most of the shorter text must appear in the longer one, and no
number, date or name may have been swapped for another in the words they share (the mark
of two items written from one template about different events), nor a long stretch between
shared words rewritten on both sides (items of one series: one frame, another topic); and
the words they share must not be only boilerplate: a run of words the new text shares with
texts that are not copies of the candidate (a participant list, a standard closing
paragraph) is no evidence that the two are one statement, so most of the new text's other,
distinctive words must be found in the candidate too.
"""

from __future__ import annotations

import functools
import itertools
import math
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz
from rapidfuzz.distance import LCSseq, Levenshtein

from communique.link.signing import (
    NUM_PERM,
    Signature,
    SignedBatch,
    signatures,
)
from communique.link.text import (
    SHINGLE,
    Words,
    distinct,
    folded_first,
    is_name,
    is_number,
    shingle_keys,
    shingle_starts,
    words,
)

MIN_ESTIMATE = 0.25
"""Candidates whose estimated shingle overlap is below this are not verified."""
ESTIMATE_MARGIN = 0.15
"""How far below the least overlap `verify` can accept a candidate's estimate may be and
the candidate still be verified (MinHash's error over 64 values is about 0.06 at an overlap
of a half; an edit spoils a few shingles more than words)."""
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
APART = 4
"""Neighbours read as evidence of boilerplate: texts sharing an LSH bucket with the new
text, of a length a copy could have, whose estimated overlap is too low for a copy (best
estimated first)."""
BOILERPLATE = 1
"""A run of words the new text shares with this many texts it is not a copy of is
boilerplate."""
MIN_DISTINCTIVE = 0.5
"""Share of the new text's words outside boilerplate that must be found in the copy."""
MIN_REWRITTEN = 0.05
"""Share of the shorter text, in stretches longer than a swap where each text has words of
its own between shared words, that makes two texts items of one series (one frame,
another topic), not copies."""


@dataclass(frozen=True)
class Verdict:
    """Whether two texts are copies of one statement, and the evidence."""

    same: bool
    containment: float
    coverage: float
    swaps: tuple[str, ...] = ()
    """Numbers, dates or names one text has where the other has another."""
    rewritten: int = 0
    """Words of the shorter side of the stretches `rewritten` finds."""

    @property
    def evidence(self) -> str:
        text = f"containment {self.containment:.2f}, coverage {self.coverage:.2f}"
        text += f"; rewritten: {self.rewritten} words" if self.rewritten else ""
        return text + (f"; swapped: {', '.join(self.swaps)}" if self.swaps else "")


def verify(first: str, second: str) -> Verdict:
    """Compare two texts word by word: are they copies of one statement?

    Example:
        >>> one = "The reception for the 30th National Day was held on 3 May 2023 in Warsaw today."
        >>> verify(one, one.replace("30th", "31st").replace("2023", "2024")).swaps
        ('30th→31st', '2023→2024')
    """
    return verify_words(words(first), words(second))


def verify_words(a: Words, b: Words) -> Verdict:
    """`verify` on texts split into words already."""
    if not a.folded or not b.folded:
        return Verdict(a.folded == b.folded, float(a.folded == b.folded), 0.0)
    ops = Levenshtein.opcodes(list(a.folded), list(b.folded))
    return judged(ops, (len(a.folded), len(b.folded)), lambda: (a.written, b.written))


Written = Callable[[], tuple[Sequence[str], Sequence[str]]]
"""The two texts' words as written (asked for only where they differ between shared words
in a stretch that may be a swap: `_may_swap`)."""


def judged(ops: Iterable[Any], sizes: tuple[int, int], written: Written) -> Verdict:
    """`verify`'s verdict on two texts of `sizes` words from their alignment (Levenshtein
    `ops`, on their folded words or on any ids standing one for one for them)."""
    shared = sum(op.src_end - op.src_start for op in ops if op.tag == "equal")
    containment = shared / min(sizes)
    coverage = shared / max(sizes)
    stretches = interior_stretches(ops)
    short = [stretch for stretch in stretches if _may_swap(stretch)]
    swaps = tuple(_swaps(*written(), short)) if short else ()
    own = rewritten(stretches)
    if own < MIN_REWRITTEN * min(sizes):
        own = 0
    same = containment >= MIN_CONTAINMENT and coverage >= MIN_COVERAGE and not swaps and not own
    return Verdict(same, containment, coverage, swaps, own)


Stretch = tuple[int, int, int, int]
"""Where two texts differ: words [i1, i2) of the first and [j1, j2) of the second."""


def interior_stretches(ops: Iterable[Any]) -> list[Stretch]:
    """The stretches where two texts differ, between shared words (Levenshtein `ops`).

    Differing stretches separated by fewer than `ANCHOR` shared words are one stretch; a
    stretch counts only between `ANCHOR` shared words on each side, so that an edge edit
    (another headline, a trimmed paragraph, other chrome) is never among them.
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
    found: list[Stretch] = []
    for index, (i1, i2, j1, j2, before) in enumerate(spans):
        after = run if index == len(spans) - 1 else spans[index + 1][4]
        if before >= ANCHOR and after >= ANCHOR:
            found.append((i1, i2, j1, j2))
    return found


def _may_swap(stretch: Stretch) -> bool:
    """Whether a stretch may be a swap (`_swap`): words on both sides, at most `SWAP_WORDS`
    on either (the words as written are read only for such stretches)."""
    i1, i2, j1, j2 = stretch
    return 0 < i2 - i1 <= SWAP_WORDS and 0 < j2 - j1 <= SWAP_WORDS


def _swaps(a: Sequence[str], b: Sequence[str], stretches: Iterable[Stretch]) -> list[str]:
    """Facts replaced by other facts inside stretches both texts share."""
    return [fact for i1, i2, j1, j2 in stretches for fact in _swap(a[i1:i2], b[j1:j2])]


def rewritten(stretches: Iterable[Stretch]) -> int:
    """Words in stretches where each text has more than `SWAP_WORDS` words of its own, on
    the shorter side: what items of one series have (one frame: an opening, a participant
    list, a closing; another topic between) and copies lack (a republication adds or trims
    at its edges, and edits a few words). `verify` compares them with `MIN_REWRITTEN`.

    Example:
        >>> rewritten([(10, 40, 10, 30), (50, 51, 30, 45)])
        20
    """
    return sum(
        min(i2 - i1, j2 - j1) for i1, i2, j1, j2 in stretches if min(i2 - i1, j2 - j1) > SWAP_WORDS
    )


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


TextsOf = Callable[[list[str]], list[str]]
"""Texts of many linked texts at once, in the order asked (one read of a store)."""


Candidates = tuple[list[str], npt.NDArray[np.uint32], npt.NDArray[np.uint32]]
"""Linked texts, their MinHash values one row each, and their numbers of words."""


class Index(Protocol):
    """Where linked texts are looked up: in memory (`Linker`) or in a store."""

    def exact(self, key: str) -> str | None:
        """The first linked text with this exact key."""
        ...

    def candidates(self, sig: Signature) -> Candidates:
        """Linked texts sharing an LSH bucket with `sig`, their MinHash values and words."""
        ...

    def group(self, item: str) -> str:
        """The statement a linked text belongs to."""
        ...


@dataclass(frozen=True)
class Plan:
    """What linking a text takes: the first text with its words (an exact copy), or the
    candidates to verify on the texts, best estimated first (none: a new statement)."""

    item: str
    exact: str | None
    chosen: tuple[str, ...] = ()
    apart: tuple[str, ...] = ()
    """Neighbours that cannot be copies (`APART`): evidence of boilerplate."""
    staged: tuple[tuple[int, int], ...] = ()
    """Where the words of the chosen, then of the neighbours, were staged, with their
    numbers of words (`Linker.plan_batch` given places: a relink's `bulk.stage_words`)."""


def plan_copy(item: str, sig: Signature, index: Index) -> Plan:
    """The exact copy `item` is, or the candidates it may be a copy of, judged without texts.

    Candidates are those `may_be_copies` keeps on their estimated overlap and lengths, at
    most `MAX_VERIFIED` of them, best estimated overlap first (ties by id); with them, the
    `APART` best neighbours it rejects on the overlap alone. Which candidate `item` copies
    (`first_copy`) depends on the texts alone, not on what others copy.
    """
    same = index.exact(sig.exact)
    if same is not None and same != item:
        return Plan(item, same)
    if sig.words < MIN_WORDS:
        return Plan(item, None)
    keys, values, counts = index.candidates(sig)
    if not keys:
        return Plan(item, None)
    shared = np.count_nonzero(values == sig.minhash, axis=1)
    close = may_be_copies(shared / NUM_PERM, sig.words, counts)
    apart = ~close & comparable(sig.words, counts)
    chosen, neighbours = _chosen_rows(item, keys, shared, close, apart)
    return Plan(item, None, tuple(keys[r] for r in chosen), tuple(keys[r] for r in neighbours))


def _chosen_rows(
    item: str,
    keys: Sequence[str],
    shared: npt.NDArray[np.integer],
    close: npt.NDArray[np.bool_],
    apart: npt.NDArray[np.bool_],
) -> tuple[list[int], list[int]]:
    """The rows of `keys` to verify and of the neighbours apart, best estimated first (ties
    by id)."""

    def best(rows: npt.NDArray[np.bool_], most: int) -> list[int]:
        found = sorted((-int(shared[r]), keys[r], r) for r in np.flatnonzero(rows).tolist())
        return [r for _, key, r in found if key != item][:most]

    chosen = best(close, MAX_VERIFIED)
    return chosen, best(apart, APART) if chosen else []


Found = tuple[int, str] | None
"""The first candidate a text copies (its place among the candidates) and the evidence."""


@dataclass(frozen=True, eq=False)
class Staged:
    """A text as `relink` stages it for verification: the hashes of its folded words
    (`word_hashes`), and a function giving the text itself (asked only for its words as
    written, where two texts differ between shared words in a stretch that may be a swap)."""

    hashes: npt.NDArray[np.uint64]
    text: Callable[[], str]


Readable = str | Staged
"""A text `first_copy` compares: as it is, or staged."""


Apart = Sequence[Readable] | Callable[[], Sequence[Readable]]
"""The neighbours' texts, or a function reading them (called only if they are needed)."""


def first_copy(text: Readable, candidates: Sequence[Readable], apart: Apart = ()) -> Found:
    """The first of the candidates' texts that `text` is a copy of, or None: `verify` says
    so, and most of the words of `text` outside boilerplate are found in it too.

    Boilerplate, for a candidate, is what `text` shares with `BOILERPLATE` texts that are not
    copies of that candidate (`verify`): other candidates and the neighbours `apart`.

    Each text is split into words once, when first needed (the neighbours, read only then
    when `apart` is a function, only when a candidate passes `verify`); `verify` runs only
    on pairs whose shared words may reach its thresholds (`may_verify`), and on another text
    only when it carries a run of words of the two that no other text has shown to be
    boilerplate.

    Example:
        >>> one = "Statement on the talks held in Baku on 8 November 2024 today."
        >>> first_copy(one + " Menu", ["Another text entirely, about other things.", one])
        (1, 'containment 1.00, coverage 0.92')
    """
    read = _Read()
    mine, *theirs = read.all([text, *candidates])
    for row, candidate in enumerate(theirs):
        verdict = read.verdict(candidate, mine)
        if verdict is None or not verdict.same:
            continue
        if callable(apart):
            apart = apart()
        others = [*theirs, *read.all(apart)]
        rest = [other for index, other in enumerate(others) if index != row]
        common = _boilerplate(mine, candidate, rest, read)
        if not common[0].any() and not common[1].any():
            return row, verdict.evidence
        share = _distinctive_share(read.alignment(candidate, mine), common)
        if share >= MIN_DISTINCTIVE:
            return row, f"{verdict.evidence}; distinctive {share:.2f}"
    return None


class _Text:
    """A text as `first_copy` compares it: its number of words, their ids (one `_Read`'s),
    how often each id occurs, and, made when first needed, its `Words`."""

    def __init__(self, ids: npt.NDArray[np.intp], split: Callable[[], Words]) -> None:
        self.size, self.ids, self.split = len(ids), ids, split
        self.counts = np.bincount(ids)
        self._words: Words | None = None
        self._id_list: list[int] | None = None

    def id_list(self) -> list[int]:
        """The word ids as a list (what rapidfuzz compares fastest)."""
        if self._id_list is None:
            self._id_list = self.ids.tolist()
        return self._id_list

    @property
    def words(self) -> Words:
        if self._words is None:
            self._words = self.split()
        return self._words


class _Read:
    """The texts one `first_copy` compares, each split into words once, and the verdicts of
    `verify` on pairs of them.

    Texts are given as they are or staged (`Staged`), not both: a word's id is found by the
    word itself, or by its hash, for the texts staged read together in one array sort."""

    def __init__(self) -> None:
        self.texts: dict[Readable, _Text] = {}
        self.ids: dict[str, int] = {}
        """An id for each word of a text given as it is (ids need not be consecutive: see
        `__call__`)."""
        self.words = 0
        self.hashed = _Vocabulary()
        """The ids of the words of staged texts, by hash."""
        self.verdicts: dict[tuple[int, int], Verdict | None] = {}
        self.alignments: dict[tuple[int, int], list[Any]] = {}
        self.shingled: _Shingles | None = None

    def __call__(self, text: Readable) -> _Text:
        found = self.texts.get(text)
        if found is None:
            if isinstance(text, Staged):
                return self.all([text])[0]
            folded, split = folded_first(text)
            fresh = itertools.count(self.words)  # a new word's id: its place among all read
            ids = np.fromiter(map(self.ids.setdefault, folded, fresh), np.intp, len(folded))
            self.words += len(folded)
            found = self.texts[text] = _Text(ids, split)
        return found

    def all(self, texts: Sequence[Readable]) -> list[_Text]:
        """`__call__` of many texts, those staged read together."""
        staged = [t for t in dict.fromkeys(texts) if isinstance(t, Staged) and t not in self.texts]
        if staged:
            sizes = [len(text.hashes) for text in staged]
            ids = self.hashed.ids(np.concatenate([text.hashes for text in staged]))
            for text, end, size in zip(staged, itertools.accumulate(sizes), sizes, strict=True):
                split = functools.partial(_split, text.text)
                self.texts[text] = _Text(ids[end - size : end], split)
        return [self(text) for text in texts]

    def shingles(self, texts: Sequence[_Text]) -> _Shingles:
        """`_Shingles` of these texts, kept while the next call asks for the same texts
        (`first_copy` asks for the same ones for each candidate)."""
        found = self.shingled
        if found is None or found.row_of.keys() != {id(text) for text in texts}:
            found = self.shingled = _Shingles(texts)
        return found

    def verdict(self, first: _Text, second: _Text) -> Verdict | None:
        """`verify_words` of two texts, or None where `may_verify` says it cannot accept them.

        The texts are aligned on their word ids (the same alignment as on their words: ids
        stand one for one for words, and integers are compared faster), and the written
        words split only where the two differ in a stretch that may be a swap."""
        pair = id(first), id(second)
        if pair not in self.verdicts:
            verdict = None
            if not first.size or not second.size:
                verdict = verify_words(first.words, second.words)
            elif may_verify(first, second):
                verdict = judged(
                    self.alignment(first, second),
                    (first.size, second.size),
                    lambda: (first.words.written, second.words.written),
                )
            self.verdicts[pair] = verdict
        return self.verdicts[pair]

    def no_copy(self, first: _Text, second: _Text) -> bool:
        """True when `verdict` of two texts is known to be no copy without aligning them:
        worked out before, or ruled out on the words they have in common (`_may_share`)."""
        pair = id(first), id(second)
        if pair in self.verdicts:
            verdict = self.verdicts[pair]
            return verdict is None or not verdict.same
        if first.size and second.size and not _may_share(first, second):
            self.verdicts[pair] = None
            return True
        return False

    def alignment(self, first: _Text, second: _Text) -> list[Any]:
        """The Levenshtein opcodes of two texts' word ids, worked out once."""
        pair = id(first), id(second)
        found = self.alignments.get(pair)
        if found is None:
            found = self.alignments[pair] = list(
                Levenshtein.opcodes(first.id_list(), second.id_list())
            )
        return found


def _split(text: Callable[[], str]) -> Words:
    """The words of a staged text, its text read."""
    return words(text())


class _Vocabulary:
    """Ids of words by their hashes (`text.word_hashes`): consecutive from 0, those new to a
    call (`ids`) numbered after those met before."""

    def __init__(self) -> None:
        self.hashes = np.zeros(0, dtype=np.uint64)
        """The hashes met, sorted."""
        self.numbers = np.zeros(0, dtype=np.intp)
        """The id of each."""

    def ids(self, hashes: npt.NDArray[np.uint64]) -> npt.NDArray[np.intp]:
        """The id of each of these hashes, a new one for each hash not met before."""
        order, ordered = _sorted(hashes)
        first = np.empty(len(ordered), dtype=bool)
        first[:1] = True
        np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
        rank = np.cumsum(first) - 1
        distinct = ordered[first]
        if len(self.hashes):
            rank = self._known(distinct)[rank]
        else:
            self.hashes, self.numbers = distinct, np.arange(len(distinct))
        ids = np.empty(len(hashes), dtype=np.intp)
        ids[order] = rank
        return ids

    def _known(self, distinct: npt.NDArray[np.uint64]) -> npt.NDArray[np.intp]:
        """The ids of distinct hashes (sorted), those not met before added."""
        at = np.searchsorted(self.hashes, distinct)
        known = np.zeros(len(distinct), dtype=bool)
        inside = at < len(self.hashes)
        known[inside] = self.hashes[at[inside]] == distinct[inside]
        numbers = np.empty(len(distinct), dtype=np.intp)
        numbers[known] = self.numbers[at[known]]
        fresh = np.flatnonzero(~known)
        numbers[fresh] = np.arange(len(self.hashes), len(self.hashes) + len(fresh))
        self.hashes = np.insert(self.hashes, at[fresh], distinct[fresh])
        self.numbers = np.insert(self.numbers, at[fresh], numbers[fresh])
        return numbers


_PLACE_BITS = 16
_PLACES = np.uint64((1 << _PLACE_BITS) - 1)


def _sorted(
    values: npt.NDArray[np.uint64],
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.uint64]]:
    """An order that sorts 64-bit values (as `np.argsort`'s, equal values in any order), and
    the values in it.

    The values' top 48 bits, each with its place in the low 16, are sorted as numbers (twice
    as fast as an argsort of a few thousand); where two distinct values share their top 48
    bits (they would not be sorted), or there are too many values for 16 bits of places,
    by an argsort.

    Example:
        >>> values = np.array([5 << 20, 3, 5 << 20, 7], dtype=np.uint64)
        >>> _sorted(values)[1].tolist() == sorted(values.tolist())
        True
    """
    if len(values) > 1 << _PLACE_BITS:
        order = np.argsort(values)
        return order, values[order]
    packed = (values & ~_PLACES) | np.arange(len(values), dtype=np.uint64)
    packed.sort()
    order = (packed & _PLACES).astype(np.intp)
    ordered = values[order]
    top = packed >> np.uint64(_PLACE_BITS)
    if ((top[1:] == top[:-1]) & (ordered[1:] != ordered[:-1])).any():
        order = np.argsort(values)
        return order, values[order]
    return order, ordered


def may_verify(first: _Text, second: _Text) -> bool:
    """False when `verify` cannot accept the two texts: the words it finds shared, in order,
    are no more than the longest run of words the two have in the same order (a common
    subsequence), itself no more than the words they have in common counted with repeats;
    either must reach `MIN_CONTAINMENT` of the shorter text and `MIN_COVERAGE` of the longer.
    The count with repeats is checked first (a few array operations), the order only then,
    told the least that may reach (rapidfuzz then stops early on pairs that fall short)."""
    sizes = first.size, second.size
    if not min(sizes):
        return True  # `verify` decides on empty texts
    if not _may_share(first, second):
        return False
    least = _least(sizes)
    return _reaches(LCSseq.similarity(first.id_list(), second.id_list(), score_cutoff=least), sizes)


def _may_share(first: _Text, second: _Text) -> bool:
    """`may_verify`'s first test: whether the words two texts (not empty) have in common,
    counted with repeats, reach `verify`'s thresholds."""
    size = min(len(first.counts), len(second.counts))
    common = int(np.minimum(first.counts[:size], second.counts[:size]).sum())
    return _reaches(common, (first.size, second.size))


def _reaches(shared: int, sizes: tuple[int, int]) -> bool:
    """Whether `shared` words reach `verify`'s thresholds for texts of these sizes."""
    return shared / min(sizes) >= MIN_CONTAINMENT and shared / max(sizes) >= MIN_COVERAGE


def _least(sizes: tuple[int, int]) -> int:
    """A number of shared words below any that `_reaches` accepts for texts of these sizes
    (by a word, clear of rounding), so that a count cut off below it is never accepted.

    Example:
        >>> sizes = (100, 150)
        >>> _least(sizes), min(n for n in range(200) if _reaches(n, sizes))
        (79, 80)
    """
    return max(math.floor(max(MIN_CONTAINMENT * min(sizes), MIN_COVERAGE * max(sizes))) - 1, 0)


class _Shingles:
    """The shingles of texts one `first_copy` compares (`shingle_keys` of their word ids),
    numbered together in one sort, and which of them each text carries: a text carries
    another's shingle where its row of `carried` is true at that shingle's number."""

    def __init__(self, texts: Sequence[_Text]) -> None:
        texts = list({id(text): text for text in texts}.values())
        self.row_of = {id(text): row for row, text in enumerate(texts)}
        sizes = np.array([text.size for text in texts], dtype=np.intp)
        owner = np.repeat(np.arange(len(texts)), sizes)
        keys = shingle_keys(np.concatenate([text.ids for text in texts]).astype(np.uint64))
        inside = owner[: len(keys)] == owner[SHINGLE - 1 :]  # not across two texts
        keys, owner = keys[inside], owner[: len(keys)][inside]
        order, ordered = _sorted(keys)
        first = np.ones(len(keys), dtype=bool)
        np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
        numbers = np.empty(len(keys), dtype=np.intp)
        numbers[order] = np.cumsum(first) - 1
        self.carried = np.zeros((len(texts), int(first.sum())), dtype=bool)
        self.carried[owner, numbers] = True
        ends = np.cumsum(np.maximum(sizes - (SHINGLE - 1), 0))
        self.numbers = np.split(numbers, ends[:-1])
        """The numbers of each text's shingles, in the order of its words."""

    def of(self, text: _Text) -> npt.NDArray[np.intp]:
        """The numbers of a text's shingles, the shingle starting at each word (none for its
        last `SHINGLE - 1` words)."""
        return self.numbers[self.row_of[id(text)]]


def _boilerplate(
    mine: _Text, candidate: _Text, others: Sequence[_Text], read: _Read
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """`boilerplate` of `mine` and of `candidate`, the texts apart being those of `others`
    that are not copies of `candidate`. Only a text that carries a shingle of either not yet
    carried by `BOILERPLATE` such texts is verified: the others change nothing.

    The texts known to be no copies without aligning them (`_Read.no_copy`) are counted
    first, so that fewer others are left to verify; the words found are the same in any
    order (a text is passed over only where every shingle it carries is carried
    `BOILERPLATE` times already, and counts only grow). Which of the two texts' shingles
    each other text carries is looked up at once (`_Shingles`, made once for all the texts
    of a `first_copy`)."""
    shingles = read.shingles([mine, candidate, *others])
    own = shingles.of(mine), shingles.of(candidate)
    rows = [shingles.row_of[id(other)] for other in others]
    hits = shingles.carried[rows][:, np.concatenate(own)]
    found = np.flatnonzero(hits.any(axis=1)).tolist()
    known = [index for index in found if read.no_copy(others[index], candidate)]
    carried = hits[known].sum(axis=0, dtype=np.int32)
    for index in sorted(set(found) - set(known)):
        hit = hits[index]
        if not (hit & (carried < BOILERPLATE)).any():
            continue
        verdict = read.verdict(others[index], candidate)
        if verdict is not None and verdict.same:
            continue
        carried += hit
    split = len(own[0])
    return _spread(carried[:split], mine.size), _spread(carried[split:], candidate.size)


def boilerplate(mine: Words, apart: Sequence[Words]) -> npt.NDArray[np.bool_]:
    """Which words of `mine` lie in a run of `SHINGLE` words that `BOILERPLATE` of the texts
    `apart` (texts of other statements) also carry.

    Example:
        >>> closing = "The Ministry avails itself of this opportunity to renew its assurances"
        >>> mine, *apart = [words(f"{topic} {closing}") for topic in ("Visas.", "Trade.", "Oil.")]
        >>> boilerplate(mine, apart).tolist()[:3]
        [False, True, True]
    """
    starts = shingle_starts(mine.folded)
    carried = np.zeros(len(starts), dtype=np.int32)
    for other in apart:
        carried += np.isin(starts, shingle_starts(other.folded))
        if (carried >= BOILERPLATE).all():
            break
    return _spread(carried, len(mine.folded))


def _spread(carried: npt.NDArray[np.int32], size: int) -> npt.NDArray[np.bool_]:
    """The words of a text of `size` words inside a shingle carried `BOILERPLATE` times."""
    common = np.zeros(size, dtype=bool)
    hit = carried >= BOILERPLATE
    for offset in range(min(SHINGLE, size)):
        common[offset : offset + len(hit)] |= hit
    return common


def distinctive_share(
    other: Words, mine: Words, common: tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]
) -> float:
    """The share of the distinctive words (outside boilerplate: `common` of `mine` and of
    `other`) that the two texts share, in order, of the text with fewer of them (0 when one
    has none), as containment takes the shorter text.

    Example:
        >>> mine, other = words("a b c d e"), words("a b c x")
        >>> distinctive_share(other, mine, (np.array([1, 0, 0, 0, 0], bool), np.zeros(4, bool)))
        0.5
    """
    return _distinctive_share(Levenshtein.opcodes(list(other.folded), list(mine.folded)), common)


def _distinctive_share(
    ops: Iterable[Any], common: tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]
) -> float:
    """`distinctive_share` from the alignment (`ops`) of the other text to the new one."""
    distinctive = (np.count_nonzero(~common[0]), np.count_nonzero(~common[1]))
    if not min(distinctive):
        return 0.0
    shared = 0
    for op in ops:
        if op.tag == "equal":
            both = ~common[1][op.src_start : op.src_end] & ~common[0][op.dest_start : op.dest_end]
            shared += int(np.count_nonzero(both))
    return float(shared / min(distinctive))


def first_copies(work: Sequence[tuple[Readable, Sequence[Readable], Apart]]) -> list[Found]:
    """`first_copy` of many texts (run in worker processes by `relink`)."""
    return [first_copy(text, candidates, apart) for text, candidates, apart in work]


def link_of(plan: Plan, found: Found, group: Callable[[str], str]) -> Link | None:
    """The link a plan and its verdict give: `group` is the statement of a linked text."""
    if plan.exact is not None:
        return Link(group(plan.exact), plan.exact, "exact")
    if found is None:
        return None
    key = plan.chosen[found[0]]
    return Link(group(key), key, "republication", found[1])


def find_copy(item: str, sig: Signature, index: Index, texts_of: TextsOf) -> Link | None:
    """The statement `item` is a copy of, verified on the texts, or None.

    Its text and its candidates' (`plan_copy`) are read in one call of `texts_of`.
    """
    plan = plan_copy(item, sig, index)
    if not plan.chosen:
        return link_of(plan, None, index.group)
    return link_of(plan, verdict_of(plan, texts_of), index.group)


def verdict_of(plan: Plan, texts_of: TextsOf) -> Found:
    """`first_copy` of a planned text, its candidates' and neighbours' texts read at once."""
    mine, *theirs = texts_of([plan.item, *plan.chosen, *plan.apart])
    return first_copy(mine, theirs[: len(plan.chosen)], theirs[len(plan.chosen) :])


def may_be_copies(
    estimates: npt.NDArray[np.floating],
    words: int | npt.NDArray[np.integer],
    others: npt.NDArray[np.integer],
) -> npt.NDArray[np.bool_]:
    """Which candidates `verify` may accept, judged on their estimated shingle overlap
    (Jaccard, from MinHash) with a text of `words` words and their own numbers of words.

    `verify` needs shared words of at least `MIN_CONTAINMENT` of the shorter text and
    `MIN_COVERAGE` of the longer: so the shorter must have `MIN_COVERAGE` of the longer's
    words (always rejected otherwise), and the overlap be at least that of texts sharing
    just those words, less `ESTIMATE_MARGIN` for MinHash's error.

    Example:
        >>> may_be_copies(np.array([0.9, 0.9, 0.4, 0.3]), 100, np.array([100, 300, 100, 160]))
        array([ True, False, False,  True])
    """
    shorter = np.minimum(others, words).astype(np.float64)
    longer = np.maximum(others, words).astype(np.float64)
    shared = np.maximum(MIN_CONTAINMENT * shorter, MIN_COVERAGE * longer)
    least = shared / np.maximum(shorter + longer - shared, 1.0)
    wanted = np.maximum(least - ESTIMATE_MARGIN, MIN_ESTIMATE)
    result: npt.NDArray[np.bool_] = comparable(words, others) & (estimates >= wanted)
    return result


def comparable(
    words: int | npt.NDArray[np.integer], others: npt.NDArray[np.integer]
) -> npt.NDArray[np.bool_]:
    """Which texts of `others` words are long enough, or short enough, to be copies of a text
    of `words` words (the shorter has `MIN_COVERAGE` of the longer's words).

    Example:
        >>> comparable(100, np.array([40, 60, 200, 250])).tolist()
        [False, True, True, False]
    """
    shorter = np.minimum(others, words)
    result: npt.NDArray[np.bool_] = shorter >= MIN_COVERAGE * np.maximum(others, words)
    return result


def comparable_words(words: int) -> range:
    """The numbers of words a text may have to be `comparable` with one of `words` words,
    widened by one at either end (a store reads candidates in this range, then `comparable`
    decides).

    Example:
        >>> comparable_words(100)
        range(49, 202)
        >>> kept = comparable(100, np.arange(400))
        >>> all(n in comparable_words(100) for n in np.flatnonzero(kept).tolist())
        True
    """
    least = math.floor(MIN_COVERAGE * words) - 1
    most = math.ceil(words / MIN_COVERAGE) + 1
    return range(max(least, 0), most + 1)


class Buckets:
    """The LSH buckets of many MinHashes in compact arrays (datasketch's band layout).

    Each band of a MinHash becomes one 64-bit key (`signing.band_keys`); keys live in a
    few sorted runs of arrays with the row of their MinHash (12 bytes a band, no Python
    object per bucket). New keys wait in a small dict, then become a run; runs of similar
    size are merged (a log-structured merge), so that a look-up reads a few runs.

    Example:
        >>> from communique.link.signing import band_keys, minhash_of
        >>> b = Buckets()
        >>> b.insert(0, band_keys(minhash_of(np.arange(50, dtype=np.uint32))))
        >>> b.query(band_keys(minhash_of(np.arange(50, dtype=np.uint32)))).tolist()
        [0]
    """

    PENDING = 100_000
    """Keys kept in the dict before they become a sorted run."""

    def __init__(self) -> None:
        self.runs: list[tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint32]]] = []
        self.pending: dict[int, list[int]] = {}
        self.held = 0
        """Keys in the runs."""
        self.bits = 6
        self.seen = np.zeros(1 << (self.bits - 3), dtype=np.uint8)
        """A bit for each key of the runs, by its first `bits` bits (a Bloom filter of one
        hash: band keys are hashes), at least 8 bits a key: `pairs` searches the runs only
        for the keys whose bit is set (about a sixth of a batch's at 300k)."""

    def insert(self, row: int, keys: npt.NDArray[np.uint64]) -> None:
        """Put `row` in the buckets of its band keys."""
        for key in keys.tolist():
            self.pending.setdefault(key, []).append(row)
        if len(self.pending) >= self.PENDING:
            self._flush()

    def query(self, keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint32]:
        """The rows sharing at least one bucket with these band keys, in increasing order."""
        found: list[npt.NDArray[np.uint32]] = []
        for run_keys, run_rows in self.runs:
            left = run_keys.searchsorted(keys, side="left").tolist()
            right = run_keys.searchsorted(keys, side="right").tolist()
            found.extend(run_rows[a:b] for a, b in zip(left, right, strict=True) if b > a)
        extra = [row for key in keys.tolist() for row in self.pending.get(key, ())]
        if extra:
            found.append(np.array(extra, dtype=np.uint32))
        if not found:
            return np.zeros(0, dtype=np.uint32)
        return distinct(np.concatenate(found))

    def add_run(self, rows: npt.NDArray[np.uint32], keys: npt.NDArray[np.uint64]) -> None:
        """Put each of `rows` in the buckets of its row of band keys, as one run."""
        flat = keys.ravel()
        order = np.argsort(flat, kind="stable")
        self._add((flat[order], np.repeat(rows, keys.shape[1])[order]))

    def pairs(
        self, keys: npt.NDArray[np.uint64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint32]]:
        """(owner, row) of the rows sharing a bucket with each row `owner` of `keys` (band
        keys of many MinHashes), each pair once, in increasing order. The keys are looked up
        in key order (a sorted search moves forward through each run: several times faster
        on runs of millions than keys in random order); a bucket's end is sought only for
        the keys found in the run."""
        order = np.argsort(keys.ravel())
        flat = keys.ravel()[order]
        owner_of = np.repeat(np.arange(len(keys), dtype=np.int64), keys.shape[1])[order]
        owners: list[npt.NDArray[np.int64]] = []
        found: list[npt.NDArray[np.uint32]] = []
        at = self._maybe(flat)
        for run_keys, run_rows in self.runs:
            if not len(run_keys):
                continue
            wanted = flat[at]
            left = run_keys.searchsorted(wanted, side="left")
            inside = run_keys[np.minimum(left, len(run_keys) - 1)] == wanted
            hit, left = at[inside], left[inside]
            counts = run_keys.searchsorted(flat[hit], side="right") - left
            owners.append(np.repeat(owner_of[hit], counts))
            found.append(run_rows[_ranges(left, counts)])
        if self.pending:
            extra = [
                (owner, row)
                for owner, key in zip(owner_of.tolist(), flat.tolist(), strict=True)
                for row in self.pending.get(key, ())
            ]
            owners.append(np.array([o for o, _ in extra], dtype=np.int64))
            found.append(np.array([r for _, r in extra], dtype=np.uint32))
        if not owners:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint32)
        both = distinct(
            (np.concatenate(owners).astype(np.uint64) << np.uint64(32))
            | np.concatenate(found).astype(np.uint64)
        )
        return (both >> np.uint64(32)).astype(np.int64), (both & np.uint64(0xFFFFFFFF)).astype(
            np.uint32
        )

    def _maybe(self, keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.intp]:
        """Where in `keys` are those that may be in a run (their bit in `seen` set)."""
        slot = keys >> np.uint64(64 - self.bits)
        bit = (self.seen[slot >> np.uint64(3)] >> (slot & np.uint64(7)).astype(np.uint8)) & 1
        return np.flatnonzero(bit)

    def _mark(self, keys: npt.NDArray[np.uint64]) -> None:
        """Set the bits of these keys (sorted) in `seen`."""
        if not len(keys):
            return
        slot = keys >> np.uint64(64 - self.bits)
        byte = slot >> np.uint64(3)
        bit = np.left_shift(np.uint8(1), (slot & np.uint64(7)).astype(np.uint8))
        starts = np.flatnonzero(np.concatenate([[True], byte[1:] != byte[:-1]]))
        self.seen[byte[starts]] |= np.bitwise_or.reduceat(bit, starts)

    def _add(self, run: Run) -> None:
        self.held += len(run[0])
        if 8 * self.held > 1 << self.bits:
            self.bits = min((16 * self.held).bit_length(), 40)
            self.seen = np.zeros(1 << (self.bits - 3), dtype=np.uint8)
            for keys, _ in self.runs:
                self._mark(keys)
        self._mark(run[0])
        self.runs.append(run)
        while len(self.runs) > 1 and 2 * len(self.runs[-1][0]) >= len(self.runs[-2][0]):
            newer = self.runs.pop()
            self.runs.append(_merge(self.runs.pop(), newer))

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
        self._add((keys[order], rows[order]))


Run = tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint32]]


def _ranges(starts: npt.NDArray[np.intp], counts: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    """The positions start, start + 1, ... of each (start, count), one after another.

    Example:
        >>> _ranges(np.array([5, 0]), np.array([2, 3])).tolist()
        [5, 6, 0, 1, 2]
    """
    ends = np.cumsum(counts)
    return np.arange(int(ends[-1]) if len(ends) else 0) + np.repeat(starts - ends + counts, counts)


def _earlier(keys: npt.NDArray[np.uint64]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(later, earlier): each pair of rows of `keys` that share a key, the earlier row first.

    Example:
        >>> _earlier(np.array([[1, 2], [3, 4], [2, 5]], dtype=np.uint64))
        (array([2]), array([0]))
    """
    flat = keys.ravel()
    owner = np.repeat(np.arange(len(keys), dtype=np.int64), keys.shape[1])
    order = np.lexsort((owner, flat))
    flat, owner = flat[order], owner[order]
    first = np.ones(len(flat), dtype=bool)
    first[1:] = flat[1:] != flat[:-1]
    start = np.maximum.accumulate(np.where(first, np.arange(len(flat)), 0))
    before = np.arange(len(flat)) - start
    later = np.repeat(owner, before)
    earlier = owner[_ranges(start, before)]
    both = distinct((later << 32) | earlier)
    later, earlier = both >> 32, both & 0xFFFFFFFF
    keep = later > earlier
    return later[keep], earlier[keep]


def _merge(older: Run, newer: Run) -> Run:
    """One sorted run of two (the older run's rows first among equal keys), in linear time."""
    at = np.searchsorted(older[0], newer[0], side="right") + np.arange(len(newer[0]))
    from_newer = np.zeros(len(older[0]) + len(newer[0]), dtype=bool)
    from_newer[at] = True
    keys = np.empty(len(from_newer), dtype=np.uint64)
    rows = np.empty(len(from_newer), dtype=np.uint32)
    keys[at], rows[at] = newer
    keys[~from_newer], rows[~from_newer] = older
    return keys, rows


class Linker:
    """Links texts one at a time to the statements already linked (deterministic by order).

    Kept compact for archives of millions: MinHashes in blocks of one array, buckets in
    `Buckets`.

    Example:
        >>> texts = {"a": "Statement on the talks held in Baku on 8 November 2024 " * 3,
        ...          "b": "Statement on the talks held in Baku on 8 November 2024 " * 3 + "Menu"}
        >>> from communique.link.signing import signature
        >>> linker = Linker(lambda keys: [texts[key] for key in keys])
        >>> linker.add("a", signature(texts["a"])) is None
        True
        >>> linker.add("b", signature(texts["b"])).kind
        'republication'
    """

    SHIFT = 16
    BLOCK = 1 << SHIFT
    """MinHashes a block holds."""

    def __init__(self, texts_of: TextsOf) -> None:
        self.texts_of = texts_of
        self.buckets = Buckets()
        self.groups: dict[str, str] = {}
        self.by_exact: dict[str, str] = {}
        self.indexed: list[str] = []
        self.blocks: list[npt.NDArray[np.uint32]] = []
        self.counts = array("I")
        """Words of each indexed text, by row."""
        self.places = array("q")
        """Where each indexed text's words were staged (`plan_batch`), -1 where unknown."""

    def __len__(self) -> int:
        return len(self.groups)

    def exact(self, key: str) -> str | None:
        return self.by_exact.get(key)

    def candidates(self, sig: Signature) -> Candidates:
        rows = self.buckets.query(sig.bands)
        counts = np.frombuffer(self.counts, dtype=np.uint32)[rows]
        return [self.indexed[row] for row in rows.tolist()], self._values(rows), counts

    def group(self, item: str) -> str:
        return self.groups[item]

    def add(self, item: str, sig: Signature) -> Link | None:
        """Link `item` to a statement already seen, or start a new statement with it."""
        plan = self.plan(item, sig)
        return self.apply(plan, verdict_of(plan, self.texts_of) if plan.chosen else None)

    def plan(self, item: str, sig: Signature) -> Plan:
        """`plan_copy` of `item`, which later texts then find (whatever its verdict)."""
        plan = plan_copy(item, sig, self)
        if plan.exact is None:
            self.by_exact.setdefault(sig.exact, item)
            if sig.words >= MIN_WORDS:
                self._index(item, sig)
        return plan

    def plan_batch(
        self,
        items: Sequence[str],
        signed: SignedBatch,
        places: npt.NDArray[np.int64] | None = None,
    ) -> list[Plan]:
        """`plan` of many texts in order (the same plans), their candidates found together.

        A text is found by the texts of the batch after it, as one at a time: candidates
        are the texts indexed before the batch sharing a bucket with it, and those of the
        batch before it sharing one (`_earlier`). With `places` (where each text's words
        were staged), each plan tells where its candidates' and neighbours' were
        (`Plan.staged`).
        """
        plans: list[Plan | None] = [None] * len(items)
        indexed: list[int] = []
        for position, (item, key, count) in enumerate(
            zip(items, signed.exact, signed.words, strict=True)
        ):
            same = self.by_exact.get(key)
            if same is not None and same != item:
                plans[position] = Plan(item, same)
                continue
            self.by_exact.setdefault(key, item)
            if count < MIN_WORDS:
                plans[position] = Plan(item, None)
            else:
                indexed.append(position)
        positions = np.array(indexed, dtype=np.intp)
        at = np.full(len(positions), -1, np.int64) if places is None else places[positions]
        chosen = self._chosen_batch([items[p] for p in indexed], signed, positions, at)
        for position, (keys, apart, staged) in zip(indexed, chosen, strict=True):
            plans[position] = Plan(items[position], None, keys, apart, staged)
        return [plan for plan in plans if plan is not None]

    def _chosen_batch(
        self,
        items: list[str],
        signed: SignedBatch,
        positions: npt.NDArray[np.intp],
        places: npt.NDArray[np.int64],
    ) -> list[tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[int, int], ...]]]:
        """Index texts of a batch (`positions` of `signed`, staged at `places`) and choose
        their candidates and neighbours apart (as `plan_copy`), with where they were staged
        (none where a text was not)."""
        if not items:
            return []
        bands = signed.bands[positions]
        owner, rows = self.buckets.pairs(bands)
        base = len(self.indexed)
        later, earlier = _earlier(bands)
        owner = np.concatenate([owner, later])
        rows = np.concatenate([rows.astype(np.int64), base + earlier])
        numbers = np.arange(base, base + len(items), dtype=np.uint32)
        for item, row, place in zip(items, positions.tolist(), places.tolist(), strict=True):
            self._index_values(item, signed.minhashes[row], signed.words[row], place)
        self.buckets.add_run(numbers, bands)
        minhashes = signed.minhashes[positions]
        shared = np.count_nonzero(self._values(rows) == minhashes[owner], axis=1)
        words = np.asarray(signed.words, dtype=np.int64)[positions]
        counts = np.frombuffer(self.counts, dtype=np.uint32)[rows]
        close = may_be_copies(shared / NUM_PERM, words[owner], counts)
        apart = ~close & comparable(words[owner], counts)
        near = np.zeros(len(items), dtype=bool)
        near[owner[close]] = True  # (a text without a candidate has no neighbours either)
        wanted = np.flatnonzero(close | (apart & near[owner]))
        wanted = wanted[np.argsort(owner[wanted], kind="stable")]
        starts = np.searchsorted(owner[wanted], np.arange(len(items) + 1)).tolist()
        found: list[tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[int, int], ...]]]
        found = [((), (), ())] * len(items)
        for mine in np.flatnonzero(near).tolist():
            these = wanted[starts[mine] : starts[mine + 1]]
            them = rows[these].tolist()
            keys = list(map(self.indexed.__getitem__, them))
            chosen, neighbours = _chosen_rows(
                items[mine], keys, shared[these], close[these], apart[these]
            )
            picked = [them[r] for r in (*chosen, *neighbours)]
            staged = tuple((self.places[row], self.counts[row]) for row in picked)
            found[mine] = (
                tuple(keys[r] for r in chosen),
                tuple(keys[r] for r in neighbours),
                staged if all(place >= 0 for place, _ in staged) else (),
            )
        return found

    def _values(self, rows: npt.NDArray[np.integer]) -> npt.NDArray[np.uint32]:
        """The MinHash values of indexed rows, one row each."""
        values = np.empty((len(rows), NUM_PERM), dtype=np.uint32)
        block = rows >> self.SHIFT
        for number in np.unique(block).tolist():
            inside = block == number
            values[inside] = self.blocks[number][rows[inside] & (self.BLOCK - 1)]
        return values

    def apply(self, plan: Plan, found: Found) -> Link | None:
        """Link a planned text by its verdict (texts planned before it applied first)."""
        link = link_of(plan, found, self.group)
        self.groups[plan.item] = link.statement if link else plan.item
        return link

    def _index(self, item: str, sig: Signature) -> None:
        self.buckets.insert(len(self.indexed), sig.bands)
        self._index_values(item, sig.minhash, sig.words)

    def _index_values(
        self, item: str, minhash: npt.NDArray[np.uint32], words: int, place: int = -1
    ) -> None:
        row = len(self.indexed)
        if row % self.BLOCK == 0:
            self.blocks.append(np.zeros((self.BLOCK, NUM_PERM), dtype=np.uint32))
        self.blocks[-1][row % self.BLOCK] = minhash
        self.indexed.append(item)
        self.counts.append(words)
        self.places.append(place)


def link_all(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Link (id, text) pairs in the order given; returns each id's statement id.

    Example:
        >>> link_all([("a", "We condemn it."), ("b", "We  condemn it"), ("c", "Other.")])
        {'a': 'a', 'b': 'a', 'c': 'c'}
    """
    texts = dict(items)
    linker = Linker(lambda keys: [texts[key] for key in keys])
    for key, sig in zip(texts, signatures(texts.values()), strict=True):
        linker.add(key, sig)
    return dict(linker.groups)
