"""Words, shingles and facts of a statement's text, as the linker compares them.

Everything here depends on the text alone (no language model), so that two copies of a
statement always get the same keys, whichever process computed them.
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
import unicodedata
import zlib
from array import array
from collections.abc import Callable, Collection
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
    encoded = text.encode("utf-8", "surrogatepass")  # (ASCII bytes are ASCII characters)
    spaced, apart = encoded.translate(_ascii_byte_spaces()).decode("utf-8", "surrogatepass"), False
    for char, word, folds_apart in map(_kind, set(_PLAIN.sub("", text))):
        if not word:
            spaced = spaced.replace(char, " ")
        apart = apart or folds_apart
    return text, spaced, apart


_PLAIN = re.compile("[\x00-\x7f\u0400-\u045f]+")
"""ASCII characters (spaced by `_ascii_byte_spaces`) and Cyrillic letters (each a word
character that folds into one): those `_spaced` need not look at one by one. Taking the
others' set, a statement of the bench (English with a few dashes and quotes, or Russian)
is spaced in 17 us, not 32."""


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


@functools.cache
def _ascii_byte_spaces() -> bytes:
    """`bytes.translate`'s table of `_ascii_spaces` (other bytes kept): a text's UTF-8 is
    translated in one pass whatever else it holds."""
    kept = [code if code >= 128 or _kind(chr(code))[1] else 32 for code in range(256)]
    return bytes(kept)


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
"""Words whose codes `word_codes` keeps (a process's vocabulary, cleared when full)."""


WordCodes = tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint64]]
"""Words' CRC-32s and 64-bit hashes (`word_codes`)."""


class _Vocabulary(dict[str, int]):
    """Each folded word's number in this process, made when first asked for, and by number
    the word's CRC-32 (`shingle_starts`' word ids) and 64-bit BLAKE2b hash (`word_hashes`),
    so that a word met again costs one look-up for both. Asked through `codes` alone, which
    holds a lock (numbers must stay those of the arrays from a miss to the look-up)."""

    def __init__(self) -> None:
        super().__init__()
        self.crcs = array("I")
        self.hashes = array("Q")
        self.lock = threading.Lock()

    def __missing__(self, word: str) -> int:
        encoded = word.encode()
        self.crcs.append(zlib.crc32(encoded))
        self.hashes.append(
            int.from_bytes(hashlib.blake2b(encoded, digest_size=8).digest(), "little")
        )
        number = self[word] = len(self)
        return number

    def codes(self, words: Collection[str]) -> WordCodes:
        """The CRC-32 and the hash of each word, in order."""
        with self.lock:
            if len(self) >= WORD_HASHED:  # (only between calls: numbers valid within one)
                self.clear()
                del self.crcs[:], self.hashes[:]
            numbers = np.fromiter(map(self.__getitem__, words), np.intp, len(words))
            crcs = np.frombuffer(self.crcs, np.uint32)[numbers]
            return crcs, np.frombuffer(self.hashes, np.uint64)[numbers]


_VOCABULARY = _Vocabulary()


def word_codes(words: Collection[str]) -> WordCodes:
    """The CRC-32 of each word (`shingle_starts`' word ids) and its 64-bit hash
    (`word_hashes`), in order, both from one look-up of each word in this process's
    vocabulary (words recur: 300 words a statement, a few thousand distinct in a batch).

    Example:
        >>> crcs, hashes = word_codes(("we", "condemn", "we"))
        >>> crcs.tolist() == [zlib.crc32(w.encode()) for w in ("we", "condemn", "we")]
        True
        >>> bool((hashes == word_hashes(("we", "condemn", "we"))).all())
        True
    """
    return _VOCABULARY.codes(words)


def word_hashes(folded: tuple[str, ...]) -> npt.NDArray[np.uint64]:
    """A 64-bit hash (BLAKE2b) of each folded word, in order: equal words share one, and two
    words of an archive share one with odds of about 2^-64 a pair (`duplicates` compares
    texts on these, read from where `relink` staged them, not on their words).

    Example:
        >>> found = word_hashes(("we", "condemn", "we"))
        >>> bool(found[0] == found[2] != found[1]), word_hashes(()).dtype.name
        (True, 'uint64')
        >>> digest = hashlib.blake2b(b"condemn", digest_size=8).digest()
        >>> int(found[1]) == int.from_bytes(digest, "little")
        True
    """
    return word_codes(folded)[1]


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
