"""Facts of a text: the words skipped before they are looked at never carry a fact."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from unidecode import unidecode

from communique.link.translations import NAME_LETTERS, facts

_SENTENCE_END = re.compile(r"[.!?:;…]\s*$")


def every_word_facts(text: str) -> tuple[str, ...]:
    """The facts of a text as their definition says, each word (run of `\\w`) looked at."""
    found: list[str] = []
    for match in re.finditer(r"\w+", text):
        word = match.group()
        if not word.isalpha() and any(c.isdigit() for c in word):
            found.append("".join(c for c in word if c.isdigit()).lstrip("0") or "0")
        elif word[:1].isupper() and len(word) > 3 and not word.isupper():
            before = text[max(0, match.start() - 3) : match.start()]
            if match.start() and not _SENTENCE_END.search(before):
                found.append(unidecode(word).casefold()[:NAME_LETTERS])
    return tuple(found)


WORDS = st.sampled_from(
    [
        "the", "minister", "Armenia", "NATO", "The", "a320", "km²", "eBay", "İstanbul",
        "Москва", "москва", "١٢٣", "x_1", "2020", "08", "Ärzte", "über", "Union", "cafés",
        "naïve", "O'Neil", "ﬁnal", "Ⅻ", "①", "_", "Baku's", "développement", "цАрмения",
        "йОрдания2020", "éAbcd", "Ёлка", "ѓАбв1", "straßeBerlin", "ÿ²", "×Abcd",
    ]
)  # fmt: skip
SEPARATORS = st.sampled_from([" ", ". ", "\n", ", ", "-", "", "; ", "… ", "’"])


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(WORDS, SEPARATORS), max_size=30), st.text(max_size=40))
def test_facts_are_those_of_every_word(parts: list[tuple[str, str]], noise: str) -> None:
    text = "".join(word + separator for word, separator in parts) + noise
    assert facts(text) == every_word_facts(text)
