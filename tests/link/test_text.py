"""Words as the linker splits them: the runs of `\\w` characters, folded one to one."""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from communique.link import text as text_module
from communique.link.text import folded_words, word_codes, words

WORD = re.compile(r"\w+")
NOT_WORD = re.compile(r"[^\w ]")


def by_regex(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The words as `re` finds them, each folded with `str.casefold` (the whole text
    folded and split again when a letter folds into more than one word)."""
    text = unicodedata.normalize("NFKC", text)
    written = tuple(WORD.findall(text))
    folded = tuple(word.casefold() for word in written)
    if any(NOT_WORD.search(word) for word in folded):
        again = tuple(WORD.findall(text.casefold()))
        folded = again if len(again) == len(written) else folded
    return written, folded


WORDS = [
    "the", "Minister", "2024", "İstanbul", "straße", "ǅemal", "ΣΟΦΙΑ", "Россия", "x_y", "ﬁ",
    "Ѐёџ", "café", "Ω",
]  # fmt: skip
SPACES = [" ", "  ", "\n", "\t", "\xa0", "\u2009", "\u3000", ",", ".", "—", "’", "«", "»", "-", "'"]
PIECES = st.sampled_from([*WORDS, *SPACES])


ASCII = st.text(st.characters(max_codepoint=127))
"""ASCII texts, which `words` spaces in one pass (control characters that are spaces too)."""


@settings(max_examples=300, deadline=None)
@given(st.text() | ASCII | st.lists(PIECES, max_size=30).map("".join))
@example("İ. İstanbul’s\u0130 ŉ")
@example("a\x1cb\x85c\u2028d")
@example("a\x1cb\x1fc\x7fd_e\x00f")
@example("Россия — «мир»\u2028ё÷×é\ud800x")
def test_words_are_the_runs_of_word_characters(text: str) -> None:
    found = words(text)
    assert (found.written, found.folded) == by_regex(text)
    assert folded_words(text) == found.folded


def test_word_codes_stay_right_when_the_vocabulary_is_cleared(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each word's CRC-32 and BLAKE2b hash, whether it was met before or the vocabulary was
    cleared (full) before the call."""
    monkeypatch.setattr(text_module, "WORD_HASHED", 2)
    for batch in [("we", "condemn", "we"), ("the", "attack", "we"), (), ("condemn",)]:
        crcs, hashes = word_codes(batch)
        assert crcs.tolist() == [zlib.crc32(word.encode()) for word in batch]
        assert hashes.tolist() == [
            int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
            for word in batch
        ]
