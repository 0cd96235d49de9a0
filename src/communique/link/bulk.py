"""Linking a whole archive at once (`relink`): texts prepared in worker processes, copies and
translations found in memory, links written in batches.

Workers sign a batch of texts (exact key, MinHash, LSH bands) and take their facts while
this process links the batch before; the statements already linked are kept in compact
arrays (`Linker`, `FactIndex`), so that linking a text reads the store only for the texts
of candidates it verifies.
"""

from __future__ import annotations

import functools
import itertools
import os
import zlib
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from communique.link.duplicates import Buckets, _ranges
from communique.link.signing import SignedBatch, band_keys, shingle_minhashes, sign_folded
from communique.link.text import distinct, folded_words, word_codes
from communique.link.translations import (
    FACT_SHINGLE,
    MIN_CONFIDENCE,
    MIN_FACTS,
    MIN_NUMBERS,
    agreement,
    facts,
    lengths_may_agree,
)


@dataclass(frozen=True)
class Prepared:
    """What the linker needs of a batch of texts, computed in a worker process."""

    signed: SignedBatch
    facts: list[tuple[str, ...]]
    fact_minhashes: npt.NDArray[np.uint32]
    """The MinHash of each text's facts (as `translations.fact_buckets` makes it)."""
    fact_bands: npt.NDArray[np.uint64]
    """Their LSH band keys (`signing.band_keys`)."""
    fact_codes: list[array[int]]
    """Each text's facts as `fact_codes` numbers (compact, for `FactIndex`)."""
    staged: tuple[str, int] | None = None
    """Where the hashes of the texts' folded words were staged (`stage_words`): a file and
    the byte offset of the first text's, each next text's following (`signed.words` of
    each, 8 bytes a word); None when they were not."""


def prepare(texts: list[str], stage: str | None = None) -> Prepared:
    """Sign texts and take their facts (run in worker processes by `signing.pipelined`),
    and with a folder `stage`, stage their words' hashes there (`stage_words`).

    Example:
        >>> found = prepare(["On 8 May 2020 Armenia and Azerbaijan met in Moscow."])
        >>> found.signed.words, found.facts
        ([10], [('8', '2020', 'arme', 'azer', 'mosc')])
    """
    folded = [folded_words(text) for text in texts]
    crcs, hashes = word_codes(tuple(itertools.chain.from_iterable(folded)))
    found = [facts(text) for text in texts]
    values = shingle_minhashes(found, FACT_SHINGLE)
    codes = [fact_codes(sequence) for sequence in found]
    staged = None if stage is None else stage_words(stage, hashes)
    return Prepared(sign_folded(folded, crcs), found, values, band_keys(values), codes, staged)


_STAGING: dict[str, BinaryIO] = {}
"""The file this process stages words in, by path (opened once, appended to)."""


def stage_words(folder: str, hashes: npt.NDArray[np.uint64]) -> tuple[str, int]:
    """Append the hashes of texts' folded words (`text.word_hashes`, 8 bytes a word, one
    text after another) to this process's file in `folder`, written through before this
    returns; returns the file and where the first text's start (a byte offset).

    A relink's workers verify a text against candidates on these (`StagedWords`) rather
    than reading and splitting the candidates' texts again: a text is read as a candidate
    by several later ones (4.6 times on average before the 600,000th of the 1M bench).
    """
    path = os.path.join(folder, f"{os.getpid()}.words")
    file = _STAGING.get(path)
    if file is None:
        file = _STAGING[path] = open(path, "ab")  # noqa: SIM115 (kept open by the process)
    offset = file.tell()
    file.write(hashes.tobytes())
    file.flush()
    return path, offset


class StagedWords:
    """Texts' words as `stage_words` staged them, read back (each file opened once)."""

    def __init__(self) -> None:
        self.paths: Sequence[str] = ()
        """The staging files, numbered as `places` numbers them."""
        self.files: dict[str, int] = {}

    def __call__(self, place: int, words: int) -> npt.NDArray[np.uint64]:
        """The hashes of the words of the text staged at `place` (`places`), `words` long."""
        path = self.paths[place >> _FILE_SHIFT]
        file = self.files.get(path)
        if file is None:
            file = self.files[path] = os.open(path, os.O_RDONLY)
        data = os.pread(file, 8 * words, 8 * (place & _OFFSET))
        return np.frombuffer(data, dtype=np.uint64)


_FILE_SHIFT = 48
_OFFSET = (1 << _FILE_SHIFT) - 1


def places(file: int, offset: int, words: Sequence[int]) -> npt.NDArray[np.int64]:
    """Where each of a `Prepared` batch's texts was staged, as one number: the file's number
    (among those of a relink) and the text's first word in it (`StagedWords` reads it).

    Example:
        >>> (places(1, 16, [3, 0, 2]) & ((1 << 48) - 1)).tolist()
        [2, 5, 5]
    """
    sizes = np.asarray(words, dtype=np.int64)
    starts = offset // 8 + np.cumsum(sizes) - sizes
    return (np.int64(file) << np.int64(_FILE_SHIFT)) | starts


_NUMBER = 1 << 31


def fact_codes(sequence: tuple[str, ...]) -> array[int]:
    """Facts as 32-bit numbers: a hash of each, its top bit set for a number.

    Equal facts always share a code, so that codes agree at least as much as the facts
    do (`maybe` relies on it); two facts that differ share one only by a hash collision.

    Example:
        >>> codes = fact_codes(("8", "2020", "arme"))
        >>> [code >= 1 << 31 for code in codes]
        [True, True, False]
    """
    return array("I", map(_fact_code, sequence))


@functools.lru_cache(maxsize=1 << 16)
def _fact_code(fact: str) -> int:
    """The code of one fact (facts recur: years, names)."""
    code = zlib.crc32(fact.encode())
    return code | _NUMBER if fact.isdigit() else code & ~_NUMBER


class FactIndex:
    """Statements' fact signatures in memory, in LSH `Buckets` kept apart by language, and
    their facts as codes (`fact_codes`, 4 bytes a fact).

    Example:
        >>> found = prepare(["On 8 May 2020 Armenia and Azerbaijan met in Moscow on 10 May."] * 3)
        >>> index = FactIndex()
        >>> index.extend(["a", "b", "c"], ["en", "fr", "en"], found.fact_bands, found.fact_codes)
        [[], [('a', 'en')], [('b', 'fr')]]
    """

    def __init__(self) -> None:
        self.languages: dict[str, _Language] = {}

    def extend(
        self,
        ids: Sequence[str],
        languages: Sequence[str],
        bands: npt.NDArray[np.uint64],
        codes: Sequence[array[int]],
    ) -> list[list[tuple[str, str]]]:
        """Add statements (their ids, languages, fact band keys and codes) in order, and give
        each the statements added before it (also earlier in this call) in another language
        that share a band key and whose facts may be those of its own in another language
        (`maybe`): (id, language), by id. Candidates of the whole batch are found at once,
        and those whose numbers of facts rule them out (`_may_agree`) are not compared."""
        if len(ids) > _OWNERS:  # (the second part finds those of the first)
            first, rest = slice(_OWNERS), slice(_OWNERS, None)
            return self.extend(
                ids[first], languages[first], bands[first], codes[first]
            ) + self.extend(ids[rest], languages[rest], bands[rest], codes[rest])
        found: list[list[tuple[str, str]]] = [[] for _ in ids]
        spoken = np.array(languages, dtype=object)
        mine = _Flat.of(codes)
        sizes, numbered = mine.counts()
        for language, known in self.languages.items():
            others = np.flatnonzero(spoken != language)
            owners, rows = known.buckets.pairs(bands[others])
            owners = others[owners]
            kept = _may_agree((sizes[owners], numbered[owners]), known.counts_of(rows))
            owners, rows = owners[kept], rows[kept]
            kept = _may_share(mine, owners, known.flat, rows)
            for owner, row in zip(owners[kept].tolist(), rows[kept].tolist(), strict=True):
                if maybe(codes[owner], known.flat.codes_of(row)):
                    found[owner].append((known.ids[row], language))
        batch = Buckets()
        batch.add_run(np.arange(len(ids), dtype=np.uint32), bands)
        owners, rows = batch.pairs(bands)
        kept = (rows < owners) & _may_agree(
            (sizes[owners], numbered[owners]), (sizes[rows], numbered[rows])
        )
        owners, rows = owners[kept], rows[kept]
        kept = _may_share(mine, owners, mine, rows)
        for owner, row in zip(owners[kept].tolist(), rows[kept].tolist(), strict=True):
            if spoken[row] != spoken[owner] and maybe(codes[owner], codes[row]):
                found[owner].append((ids[row], languages[row]))
        for language in dict.fromkeys(languages):
            rows_of = [row for row, lang in enumerate(languages) if lang == language]
            known = self.languages.setdefault(language, _Language())
            known.add(rows_of, ids, bands, mine, numbered)
        return [sorted(members) for members in found]


class _Flat:
    """Statements' fact codes one after another, with each code's occurrence (0 for its
    first in its statement, 1 for the next...), where each statement starts and how many
    codes it has; appended to in place (`extend`)."""

    def __init__(self) -> None:
        self.codes = array("I")
        self.seen = array("H")
        """Each code's occurrence in its statement (at most `_SEEN`)."""
        self.starts = array("q")
        self.sizes = array("I")
        self._keyed: npt.NDArray[np.uint64] | None = None
        self._bins = np.zeros((0, 2 * _BINS), dtype=np.uint8)
        """Each statement's codes counted by bin (`_binned`), in the first `len(sizes)`
        rows (grown by doubling)."""

    @classmethod
    def of(cls, codes: Sequence[array[int]]) -> _Flat:
        """The codes of these statements, in order, counted by bin (`_may_share`)."""
        flat = cls.joined([sequence.tobytes() for sequence in codes])
        flat._bins = _binned(flat.codes, flat.seen, flat.sizes)
        return flat

    @classmethod
    def joined(cls, codes: Sequence[bytes]) -> _Flat:
        """The codes of these statements (each's as bytes), in order, not counted by bin
        (`_may_share` cannot bound them: `_shared` counts what they share)."""
        flat = cls()
        flat.codes.frombytes(b"".join(codes))
        sizes = np.fromiter(map(len, codes), np.int64, len(codes)) // 4
        flat.sizes = array("I", sizes.astype(np.uint32).tobytes())
        flat.starts = array("q", (np.cumsum(sizes) - sizes).tobytes())
        flat.seen = _occurrences(flat.codes, flat.sizes)
        return flat

    def extend(self, other: _Flat, rows: Sequence[int]) -> None:
        """Append these statements of `other`."""
        have, more = len(self.sizes), len(rows)
        if have + more > len(self._bins):
            grown = np.zeros((max(2 * len(self._bins), have + more), 2 * _BINS), np.uint8)
            grown[:have] = self._bins[:have]
            self._bins = grown
        self._bins[have : have + more] = other.bins()[rows]
        for row in rows:
            start, size = other.starts[row], other.sizes[row]
            self.starts.append(len(self.codes))
            self.sizes.append(size)
            self.codes.extend(other.codes[start : start + size])
            self.seen.extend(other.seen[start : start + size])

    def bins(self) -> npt.NDArray[np.uint8]:
        """Each statement's codes counted by bin (`_binned`), a row each."""
        return self._bins[: len(self.sizes)]

    def codes_of(self, row: int) -> array[int]:
        start = self.starts[row]
        return self.codes[start : start + self.sizes[row]]

    def counts(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """How many facts each statement has, and how many distinct numbers (the codes of
        numbers met for the first time in it)."""
        sizes = np.frombuffer(self.sizes, np.uint32)
        codes = np.frombuffer(self.codes, np.uint32)
        first = (np.frombuffer(self.seen, np.uint16) == 0) & ((codes & _NUMBER) != 0)
        owner = np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)
        return sizes.astype(np.int64), np.bincount(owner[first], minlength=len(sizes))

    def keyed(self) -> npt.NDArray[np.uint64]:
        """A key for each code (its statement's number, the code, its occurrence), sorted,
        of at most `_OWNERS` statements; kept until codes are appended."""
        if self._keyed is None or len(self._keyed) != len(self.codes):
            sizes = np.frombuffer(self.sizes, np.uint32)
            owner = np.repeat(np.arange(len(sizes), dtype=np.uint64), sizes)
            codes = np.frombuffer(self.codes, np.uint32).astype(np.uint64)
            seen = np.frombuffer(self.seen, np.uint16)
            self._keyed = np.sort((owner << _OWNER) | (codes << _CODE) | seen)
        return self._keyed


_SEEN = (1 << 16) - 1
"""The last occurrence of one code in a statement that `_Flat` counts apart."""


_BINS = 64
"""Bins of fact codes (by their low bits) that `_may_share` bounds the codes shared in."""
_BINNED = 255
"""The most codes of a statement that `_binned` counts (one byte a bin)."""


def _binned(codes: array[int], seen: array[int], sizes: array[int]) -> npt.NDArray[np.uint8]:
    """For each statement (codes one statement after another), how many of its codes fall in
    each of `_BINS` bins (with repeats), then how many of its distinct numbers do; capped
    at `_BINNED` (a statement with more codes is not bounded by them: `_may_share`)."""
    flat = np.frombuffer(codes, np.uint32)
    counts = np.frombuffer(sizes, np.uint32)
    at = np.repeat(np.arange(len(counts), dtype=np.int64) * (2 * _BINS), counts) + (
        flat & np.uint32(_BINS - 1)
    )
    numbers = (np.frombuffer(seen, np.uint16) == 0) & ((flat & np.uint32(_NUMBER)) != 0)
    binned = np.bincount(at, minlength=2 * _BINS * len(counts)) + np.bincount(
        at[numbers] + _BINS, minlength=2 * _BINS * len(counts)
    )
    found: npt.NDArray[np.uint8] = np.minimum(binned, _BINNED).astype(np.uint8)
    return found.reshape(len(counts), 2 * _BINS)


def _occurrences(codes: array[int], sizes: array[int]) -> array[int]:
    """Each code's occurrence in its statement (codes one statement after another)."""
    flat = np.frombuffer(codes, np.uint32)
    owner = np.repeat(np.arange(len(sizes), dtype=np.uint64), np.frombuffer(sizes, np.uint32))
    keys = (owner << np.uint64(32)) | flat
    order = np.argsort(keys, kind="stable")
    first = np.ones(len(flat), dtype=bool)
    first[1:] = keys[order][1:] != keys[order][:-1]
    places = np.arange(len(flat))
    seen = np.empty(len(flat), dtype=np.uint16)
    seen[order] = np.minimum(places - np.maximum.accumulate(np.where(first, places, 0)), _SEEN)
    return array("H", seen.tobytes())


_PAIRS = 1 << 16
"""Pairs `_may_share` compares at a time (bounds the arrays of their codes)."""
_OWNERS = 1 << 16
"""Statements `FactIndex.extend` adds at a time (their numbers take 16 bits of a key)."""


def _may_share(
    first: _Flat,
    owners: npt.NDArray[np.integer],
    second: _Flat,
    rows: npt.NDArray[np.integer],
) -> npt.NDArray[np.bool_]:
    """Which pairs (statement `owners[i]` of `first`, `rows[i]` of `second`) `maybe` may
    accept, judged on the codes they share: at least `MIN_NUMBERS` distinct numbers, and,
    counted with repeats, enough for `MIN_CONFIDENCE` (the facts in order that `agreement`
    measures are at most the facts shared). A pair with a code repeated more than `_SEEN`
    times is kept. `first` is a batch (fewer than `_OWNERS` statements): each code of the
    second statement of a pair is looked up among its first statement's (`_Flat.keyed`),
    a search in a small array, for the pairs their codes counted by bin (`_binned`) may
    keep: two statements share at most, in each bin, the fewer codes (and distinct numbers)
    of the two, so that the sums over the bins bound what they share."""
    kept = np.zeros(len(owners), dtype=bool)
    for begin in range(0, len(owners), _PAIRS):
        mine, theirs = owners[begin : begin + _PAIRS], rows[begin : begin + _PAIRS]
        low = np.minimum(first.bins()[mine], second.bins()[theirs])
        bound = (
            low[:, :_BINS].sum(axis=1, dtype=np.int64),
            low[:, _BINS:].sum(axis=1, dtype=np.int64),
        )
        fit = begin + np.flatnonzero(_enough(*bound, _sizes(first, mine, second, theirs), _BINNED))
        if not len(fit):
            continue
        mine, theirs = owners[fit], rows[fit]
        shared, numbers = _shared(first.keyed(), mine, second, theirs)
        kept[fit] = _enough(shared, numbers, _sizes(first, mine, second, theirs), _SEEN)
    return kept


def _enough(
    shared: npt.NDArray[np.int64],
    numbers: npt.NDArray[np.int64],
    sizes: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]],
    unbounded: int,
) -> npt.NDArray[np.bool_]:
    """Which pairs, sharing at most `shared` codes counted with repeats and `numbers`
    distinct numbers, `maybe` may accept: enough shared for `MIN_CONFIDENCE` of the two
    statements' codes (`sizes`; the facts in order that `agreement` measures are at most the
    facts shared) and `MIN_NUMBERS` numbers. A pair with a statement of more than
    `unbounded` codes is kept (its counts stop there)."""
    mine, theirs = sizes
    total = mine + theirs
    close = 1.0 - (total - 2 * shared) / np.maximum(total, 1) >= MIN_CONFIDENCE - 1e-9
    found: npt.NDArray[np.bool_] = (close & (numbers >= MIN_NUMBERS)) | (
        np.maximum(mine, theirs) > unbounded
    )
    return found


def _sizes(
    first: _Flat, owners: npt.NDArray[np.integer], second: _Flat, rows: npt.NDArray[np.integer]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The number of codes of each pair's two statements."""
    return _sizes_of(first, owners), _sizes_of(second, rows)


def _sizes_of(flat: _Flat, rows: npt.NDArray[np.integer]) -> npt.NDArray[np.int64]:
    sizes: npt.NDArray[np.int64] = np.frombuffer(flat.sizes, np.uint32)[rows].astype(np.int64)
    return sizes


_CODE = np.uint64(16)
"""Where a code starts in a key (`_Flat.keyed`): after its occurrence's 16 bits."""
_OWNER = np.uint64(48)
"""Where a statement's number starts in a key, after its code's 32 bits."""


def _shared(
    keyed: npt.NDArray[np.uint64],
    owners: npt.NDArray[np.integer],
    second: _Flat,
    rows: npt.NDArray[np.integer],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Of each pair (statement `owners[i]` of the batch `keyed`, `rows[i]` of `second`):
    the codes both have, counted with repeats, and the distinct numbers both have."""
    sizes = _sizes_of(second, rows)
    places = _ranges(np.frombuffer(second.starts, np.int64)[rows], sizes)
    pair = np.repeat(np.arange(len(rows), dtype=np.int64), sizes)
    codes = np.frombuffer(second.codes, np.uint32)[places]
    first_seen = np.frombuffer(second.seen, np.uint16)[places]
    wanted = (
        (np.repeat(np.asarray(owners, dtype=np.uint64), sizes) << _OWNER)
        | (codes.astype(np.uint64) << _CODE)
        | first_seen
    )
    found = np.zeros(len(wanted), dtype=bool)
    if len(keyed):
        found = keyed[np.minimum(keyed.searchsorted(wanted), len(keyed) - 1)] == wanted
    numbers = found & ((codes & _NUMBER) != 0) & (first_seen == 0)
    return np.bincount(pair[found], minlength=len(rows)), np.bincount(
        pair[numbers], minlength=len(rows)
    )


class _Language:
    """`FactIndex`'s statements of one language: their buckets, ids, their codes (`_Flat`),
    and how many distinct numbers each has."""

    def __init__(self) -> None:
        self.buckets = Buckets()
        self.ids: list[str] = []
        self.flat = _Flat()
        self.numbered = array("I")

    def counts_of(self, rows: npt.NDArray[np.integer]) -> Counts:
        """The numbers of facts and of distinct numbers of these statements (`_may_agree`)."""
        return (
            np.frombuffer(self.flat.sizes, np.uint32)[rows],
            np.frombuffer(self.numbered, np.uint32)[rows],
        )

    def add(
        self,
        rows: list[int],
        ids: Sequence[str],
        bands: npt.NDArray[np.uint64],
        codes: _Flat,
        numbered: npt.NDArray[np.int64],
    ) -> None:
        """Index these rows of a batch (all in this language)."""
        numbers = np.arange(len(self.ids), len(self.ids) + len(rows), dtype=np.uint32)
        self.buckets.add_run(numbers, bands[rows])
        self.ids.extend(ids[row] for row in rows)
        self.numbered.extend(int(numbered[row]) for row in rows)
        self.flat.extend(codes, rows)


Counts = tuple[npt.NDArray[np.integer], npt.NDArray[np.integer]]
"""Statements' numbers of facts, and of distinct numbers among them."""
Rows = npt.NDArray[np.int64]
"""Row numbers into a sequence of statements (a pair's side)."""


def _may_agree(first: Counts, second: Counts) -> npt.NDArray[np.bool_]:
    """Which pairs `translations.agreement` may accept, judged on their numbers of facts and
    of distinct numbers alone (its first two tests: enough facts, lengths close enough,
    each with the numbers they must share), so that `maybe` is asked only of those.

    Example:
        >>> counts = np.array([6, 20, 7]), np.array([2, 5, 1])
        >>> _may_agree(counts, (np.array([7, 7, 7]), np.array([3, 3, 3]))).tolist()
        [True, False, False]
    """
    shorter = np.minimum(first[0], second[0]).astype(np.int64)
    longer = np.maximum(first[0], second[0]).astype(np.int64)
    close = lengths_may_agree(shorter, np.maximum(longer, 1))  # (both empty: not close)
    numbers = np.minimum(first[1], second[1]) >= MIN_NUMBERS
    result: npt.NDArray[np.bool_] = (shorter >= MIN_FACTS) & close & numbers
    return result


def maybe_pairs(
    first: Sequence[bytes], owners: Rows, second: Sequence[bytes], rows: Rows
) -> npt.NDArray[np.bool_]:
    """`maybe` of each pair of statements' fact codes (as bytes: `first[owners[i]]` and
    `second[rows[i]]`). `agreement`'s first two tests (enough facts, lengths close enough,
    `MIN_NUMBERS` distinct numbers shared) are made on all pairs at once, then, on those
    that pass, the bound of its agreement by the codes they share (`_shares_enough`), so
    that `maybe` is asked only of the pairs that pass all three.

    Example:
        >>> one = fact_codes(("8", "2020", "arme", "azer", "mosc", "10", "9")).tobytes()
        >>> other = fact_codes(("7", "2021", "arme", "azer", "mosc", "1")).tobytes()
        >>> maybe_pairs([one], np.array([0, 0]), [one, other], np.array([0, 1])).tolist()
        [True, False]
    """
    result = np.zeros(len(owners), dtype=bool)
    if not len(owners):
        return result
    mine, theirs = _Numbered(first), _Numbered(second)
    shorter = np.minimum(mine.sizes[owners], theirs.sizes[rows])
    longer = np.maximum(mine.sizes[owners], theirs.sizes[rows])
    at = np.flatnonzero((shorter >= MIN_FACTS) & lengths_may_agree(shorter, np.maximum(longer, 1)))
    at = at[mine.shared(owners[at], theirs, rows[at]) >= MIN_NUMBERS]
    at = at[_shares_enough(first, owners[at], second, rows[at])]
    for place, owner, row in zip(at.tolist(), owners[at].tolist(), rows[at].tolist(), strict=True):
        result[place] = maybe(array("I", first[owner]), array("I", second[row]))
    return result


def _shares_enough(
    first: Sequence[bytes], owners: Rows, second: Sequence[bytes], rows: Rows
) -> npt.NDArray[np.bool_]:
    """Which pairs (`maybe_pairs`'s) share enough codes, counted with repeats, for
    `MIN_CONFIDENCE`, and `MIN_NUMBERS` distinct numbers (`_enough`): each code of a pair's
    second statement is looked up among its first statement's (`_shared`; all kept when
    `first` has `_OWNERS` statements or more)."""
    if not len(owners) or len(first) >= _OWNERS:
        return np.ones(len(owners), dtype=bool)
    mine = _Flat.joined(first)
    met = np.unique(rows)
    theirs = _Flat.joined([second[row] for row in met.tolist()])
    places = np.searchsorted(met, rows)
    shared, numbers = _shared(mine.keyed(), owners, theirs, places)
    return _enough(shared, numbers, _sizes(mine, owners, theirs, places), _SEEN)


class _Numbered:
    """Statements' fact codes (each statement's as bytes) seen as arrays: how many facts each
    has, and its distinct numbers (the codes of numbers) as sorted keys, statement first."""

    def __init__(self, codes: Sequence[bytes]) -> None:
        self.sizes = np.fromiter(map(len, codes), np.int64, len(codes)) // 4
        flat = np.frombuffer(b"".join(codes), np.uint32)
        owner = np.repeat(np.arange(len(codes), dtype=np.uint64), self.sizes)
        number = flat >= np.uint32(_NUMBER)
        self.keys = distinct((owner[number] << np.uint64(32)) | flat[number])
        """(statement << 32) | code of each statement's distinct numbers, in order."""
        counts = np.bincount((self.keys >> np.uint64(32)).astype(np.int64), minlength=len(codes))
        self.starts = np.cumsum(counts) - counts
        self.counts = counts

    def shared(
        self, owners: npt.NDArray[np.int64], other: _Numbered, rows: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.int64]:
        """How many distinct numbers each pair (`owners[i]` here, `rows[i]` of `other`)
        shares: the other side's numbers looked up among this side's keys."""
        counts = other.counts[rows]
        places = _ranges(other.starts[rows], counts)
        pair = np.repeat(np.arange(len(rows)), counts)
        codes = other.keys[places] & np.uint64(0xFFFFFFFF)
        wanted = (owners[pair].astype(np.uint64) << np.uint64(32)) | codes
        at = np.minimum(np.searchsorted(self.keys, wanted), max(len(self.keys) - 1, 0))
        found = self.keys[at] == wanted if len(self.keys) else np.zeros(len(wanted), bool)
        shared: npt.NDArray[np.int64] = np.bincount(pair[found], minlength=len(rows))
        return shared


def maybe(first: array[int], second: array[int]) -> bool:
    """False when the facts these codes stand for cannot be translations (`compare`'s own
    `agreement`). Codes agree at least as much as the facts, so that no pair `compare`
    links is left out.

    Example:
        >>> one = fact_codes(("8", "2020", "arme", "azer", "mosc", "10", "9"))
        >>> maybe(one, one), maybe(one, fact_codes(("7", "2021", "arme", "azer", "mosc", "1")))
        (True, False)
    """
    return agreement(first, second, _numbers) is not None


def _numbers(codes: Sequence[int]) -> set[int]:
    """The codes of numbers among fact codes."""
    return {code for code in codes if code & _NUMBER}
