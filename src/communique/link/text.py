"""Words, shingles and facts of a statement's text, as the linker compares them.

Everything here depends on the text alone (no language model), so that two copies of a
statement always get the same keys, whichever process computed them.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

SHINGLE = 3
"""Words per shingle: short enough that a small wording edit spoils few shingles."""

_WORD = re.compile(r"\w+", re.UNICODE)
_DIGIT = re.compile(r"\d")
_NOT_WORD = re.compile(r"[^\w ]", re.UNICODE)


@dataclass(frozen=True)
class Words:
    """The words of a text: as written (for names) and folded (for comparison)."""

    written: tuple[str, ...]
    folded: tuple[str, ...]


def words(text: str) -> Words:
    """Split `text` into words; line breaks, wrapping and punctuation do not matter.

    Words are the runs of word characters (`\\w+`, as `re` reads them); the text is split
    by replacing each distinct other character with a space and splitting at spaces (a few
    scans in C instead of the regular expression's, 2x faster on a statement), and folded
    with `str.casefold` (one word to one word, unless a letter folds into several words).

    Example:
        >>> words("The  Minister\\nsaid:  'No.'").folded
        ('the', 'minister', 'said', 'no')
    """
    text, spaced, apart = _spaced(text)
    written = tuple(spaced.split())
    if apart:  # a letter whose folded form splits words
        folded = tuple(_WORD.findall(text.casefold()))
        if len(folded) != len(written):
            folded = tuple(w.casefold() for w in written)
        return Words(written, folded)
    return Words(written, tuple(map(str.casefold, written)))


def _spaced(text: str) -> tuple[str, str, bool]:
    """The text (NFKC), the same with each character that is neither part of a word nor a
    space replaced by a space, and whether a letter of it folds into more than one word."""
    if text.isascii():  # NFKC already, and no ASCII letter folds into more than one
        return text, text.translate(_ascii_spaces()), False
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    spaced, apart = text, False
    for char, word, folds_apart in map(_kind, set(text)):
        if not word:
            spaced = spaced.replace(char, " ")
        apart = apart or folds_apart
    return text, spaced, apart


@functools.cache
def _kind(char: str) -> tuple[str, bool, bool]:
    """A character, whether it is part of a word or a space (kept by `words`' split), and
    whether it is a word character whose folded form is not a word of its own.

    Example:
        >>> _kind("İ"), _kind("—")[1]
        (('İ', True, True), False)
    """
    word = char.isalnum() or char == "_"
    apart = word and _NOT_WORD.search(char.casefold()) is not None
    return char, word or char.isspace(), apart


@functools.cache
def _ascii_spaces() -> dict[int, str]:
    """`str.translate`'s table replacing each ASCII character `_kind` does not keep by a
    space (an ASCII text is translated in one pass: several times faster than finding its
    characters and replacing them one by one)."""
    return {code: " " for code in range(128) if not _kind(chr(code))[1]}


def folded_words(text: str) -> tuple[str, ...]:
    """The folded words of `text` alone (`words`' `folded`, without splitting it twice).

    Example:
        >>> folded_words("İstanbul, the  Minister") == words("İstanbul, the  Minister").folded
        True
    """
    _, spaced, apart = _spaced(text)
    return words(text).folded if apart else tuple(spaced.casefold().split())


def folded_first(text: str) -> tuple[tuple[str, ...], Callable[[], Words]]:
    """The folded words of `text`, and a function that makes its `Words` when needed (the
    written words split from the same spaced text, not made again).

    Example:
        >>> texts = ["İstanbul, the  Minister", "The  Minister said: 'No.'"]
        >>> found = [(t, *folded_first(t)) for t in texts]
        >>> [(f == folded_words(t), split() == words(t)) for t, f, split in found]
        [(True, True), (True, True)]
    """
    _, spaced, apart = _spaced(text)
    if apart:
        found = words(text)
        return found.folded, lambda: found
    folded = tuple(spaced.casefold().split())
    return folded, lambda: Words(tuple(spaced.split()), folded)


WORD_HASHED = 1 << 21
"""Words whose hashes `word_hashes` keeps (a process's vocabulary, cleared when full)."""


class _WordHashes(dict[str, int]):
    """Each folded word's hash, made when first asked for (`word_hashes`)."""

    def __missing__(self, word: str) -> int:
        if len(self) >= WORD_HASHED:
            self.clear()
        value = self[word] = int.from_bytes(
            hashlib.blake2b(word.encode(), digest_size=8).digest(), "little"
        )
        return value


_WORD_HASHES = _WordHashes()


def word_hashes(folded: tuple[str, ...]) -> npt.NDArray[np.uint64]:
    """A 64-bit hash (BLAKE2b) of each folded word, in order: equal words share one, and two
    words of an archive share one with odds of about 2^-64 a pair (`duplicates` compares
    texts on these, read from where `relink` staged them, not on their words).

    Example:
        >>> found = word_hashes(("we", "condemn", "we"))
        >>> bool(found[0] == found[2] != found[1]), word_hashes(()).dtype.name
        (True, 'uint64')
    """
    return np.fromiter(map(_WORD_HASHES.__getitem__, folded), np.uint64, len(folded))


def exact_key(folded: tuple[str, ...]) -> str:
    """The key two texts share exactly when their words are the same (an exact copy).

    Example:
        >>> exact_key(words("A  b.").folded) == exact_key(words("a\\nB").folded)
        True
    """
    return hashlib.blake2b(" ".join(folded).encode(), digest_size=16).hexdigest()


def distinct(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """The distinct values of a 1-d array in increasing order, as `np.unique` gives them, by
    a sort: numpy 2's `np.unique` hashes first, 10-25 times slower on integer arrays.

    Example:
        >>> distinct(np.array([3, 1, 3, 2], dtype=np.uint64)).tolist()
        [1, 2, 3]
    """
    ordered = np.sort(values)
    first = np.ones(len(ordered), dtype=bool)
    first[1:] = ordered[1:] != ordered[:-1]
    return ordered[first]


def shingle_hashes(folded: tuple[str, ...], size: int = SHINGLE) -> npt.NDArray[np.uint32]:
    """The distinct 32-bit hashes of the text's runs of `size` words.

    Example:
        >>> len(shingle_hashes(words("one two three four").folded))
        2
    """
    if 0 < len(folded) < size:
        ids = np.array([zlib.crc32(" ".join(folded).encode())], dtype=np.uint64)
        return ids.astype(np.uint32)
    return distinct(shingle_starts(folded, size))


def shingle_starts(folded: tuple[str, ...], size: int = SHINGLE) -> npt.NDArray[np.uint32]:
    """The 32-bit hash of the run of `size` words starting at each word (none for the
    last `size - 1` words, nor for a text shorter than `size`).

    Example:
        >>> a, b = shingle_starts(words("one two three one two three").folded)[[0, 3]]
        >>> bool(a == b)
        True
    """
    if len(folded) < size:
        return np.zeros(0, dtype=np.uint32)
    ids = np.fromiter(map(zlib.crc32, map(str.encode, folded)), np.uint64, len(folded))
    return (shingle_keys(ids, size) >> np.uint64(32)).astype(np.uint32)


def shingle_keys(ids: npt.NDArray[np.uint64], size: int = SHINGLE) -> npt.NDArray[np.uint64]:
    """A 64-bit key of the run of `size` word ids starting at each word (none for the last
    `size - 1` words, nor for fewer than `size` words).

    Example:
        >>> keys = shingle_keys(np.array([7, 8, 9, 7, 8, 9], dtype=np.uint64))
        >>> len(keys), bool(keys[0] == keys[3]), bool(keys[0] == keys[1])
        (4, True, False)
    """
    mixed = np.zeros(max(len(ids) - size + 1, 0), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for offset in range(size if len(mixed) else 0):
            part = ids[offset : offset + len(mixed)]
            mixed = (mixed ^ part) * np.uint64(0x9E3779B97F4A7C15)
            mixed ^= mixed >> np.uint64(29)
    return mixed


def is_number(word: str) -> bool:
    """A word carrying digits: a date, a year, an amount, a reference number."""
    return bool(_DIGIT.search(word))


def is_name(word: str) -> bool:
    """A word written with a capital (a name or place in scripts that have capitals)."""
    return word[:1].isupper()
