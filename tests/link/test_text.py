"""Words as the linker splits them: the runs of `\\w` characters, folded one to one."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import example, given, settings
from hypothesis import strategies as st

from communique.link.text import folded_words, words

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


WORDS = ["the", "Minister", "2024", "İstanbul", "straße", "ǅemal", "ΣΟΦΙΑ", "Россия", "x_y", "ﬁ"]
SPACES = [" ", "  ", "\n", "\t", "\xa0", "\u2009", "\u3000", ",", ".", "—", "’", "«", "»", "-", "'"]
PIECES = st.sampled_from([*WORDS, *SPACES])


ASCII = st.text(st.characters(max_codepoint=127))
"""ASCII texts, which `words` spaces in one pass (control characters that are spaces too)."""


@settings(max_examples=300, deadline=None)
@given(st.text() | ASCII | st.lists(PIECES, max_size=30).map("".join))
@example("İ. İstanbul’s\u0130 ŉ")
@example("a\x1cb\x85c\u2028d")
@example("a\x1cb\x1fc\x7fd_e\x00f")
def test_words_are_the_runs_of_word_characters(text: str) -> None:
    found = words(text)
    assert (found.written, found.folded) == by_regex(text)
    assert folded_words(text) == found.folded
