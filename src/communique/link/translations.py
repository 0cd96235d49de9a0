"""Translations: statements in other languages carrying the same text (linked, never merged).

A translation keeps what no language changes: its numbers (dates, amounts, article numbers)
and, mostly, its names. The signature of a text is the sequence of those facts: numbers as
digits, capitalised names as the first letters of their Latin transliteration ('Армения',
'Arménie' and 'Armenia' all give `arme`). Two texts in different languages are translations
when their fact sequences agree in order; the confidence is that agreement.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import Indel
from unidecode import unidecode

from communique.link.signing import buckets, minhashes
from communique.link.text import shingle_hashes

NAME_LETTERS = 4
MIN_FACTS = 6
"""Texts with fewer facts are not linked as translations (too little evidence)."""
MIN_NUMBERS = 2
"""Shared numbers a pair needs: names alone are shared by many texts on one subject."""
MIN_CONFIDENCE = 0.6
MIN_COSINE = 0.5
"""Sentence-embedding similarity two texts' vectors need, besides being mutual nearest."""

_SMALL = "a-zß-öø-ÿа-яѐ-џ"
"""Small letters of the Latin (ASCII, Latin-1) and Cyrillic alphabets: none is a digit or a
capital, so that no fact starts at one (`_FACT_WORD`)."""
_SMALL_LETTERS = frozenset(
    chr(code) for first, last in ((0x61, 0x7A), (0xDF, 0xF6), (0xF8, 0xFF), (0x430, 0x45F))
    for code in range(first, last + 1)
)  # fmt: skip
_FACT_WORD = re.compile(rf"[^\W{_SMALL}]\w*")
"""The words (runs of `\\w`) that may be facts, each from its first character that is not a
small letter of `_SMALL`: words of those alone carry neither a digit nor a capital (most
words of a Latin or Cyrillic text), and a search skips them without a step in Python."""
_SENTENCE_ENDS = ".!?:;…"


def facts(text: str) -> tuple[str, ...]:
    """The language-independent facts of a text, in order: the numbers, and the names that
    start a word (no small letter before them) but neither the text nor a sentence
    (`.!?:;…` and at most two spaces before).

    Example:
        >>> facts("On 8 November 2020, Armenia signed. Azerbaijan welcomed it.")
        ('8', 'nove', '2020', 'arme')
        >>> [facts(t) for t in ("Ab, Cdef", "Ab  Cdef", "Ab. Cdef", "Ab.\\nCdef", "An iPads")]
        [('cdef',), ('cdef',), (), (), ()]
        >>> facts("Вчера Россия и йОрдания2020"), facts("développement de l'Arménie")
        (('ross', '2020'), ('arme',))
    """
    found: list[str] = []
    append = found.append
    for match in _FACT_WORD.finditer(text):
        fact = _fact_of(match.group())
        if fact is None:
            continue
        if fact[1]:  # a name (checked inline: a call a name took a tenth of the time)
            start = match.start()
            if not start or text[start - 1] in _SMALL_LETTERS:  # (a part of a word)
                continue
            tail = text[start - 3 if start > 3 else 0 : start].rstrip()  # (`\s`: `isspace`)
            if tail and tail[-1] in _SENTENCE_ENDS:
                continue
        append(fact[0])  # (a part of a word after small letters has all its digits)
    return tuple(found)


@functools.lru_cache(maxsize=1 << 16)
def _fact_of(word: str) -> tuple[str, bool] | None:
    """The fact a word gives and whether it is a name: its digits (a number), or the first
    letters of its Latin transliteration if it is capitalised (a name), or None.

    Example:
        >>> _fact_of("No2020a"), _fact_of("Arménie"), _fact_of("NATO"), _fact_of("Ali")
        (('2020', False), ('arme', True), None, None)
    """
    if not word.isalpha() and any(c.isdigit() for c in word):  # letters are no digits
        return "".join(c for c in word if c.isdigit()).lstrip("0") or "0", False
    if word[:1].isupper() and len(word) > 3 and not word.isupper():
        return unidecode(word).casefold()[:NAME_LETTERS], True
    return None


FACT_SHINGLE = 1
"""Facts are compared one by one for candidates (a translation reorders some of them)."""
FACT_SPACE = 128
"""LSH bucket keys of fact signatures start at this band number (text buckets below)."""


def fact_buckets(sequence: tuple[str, ...]) -> list[bytes]:
    """The LSH buckets of a fact sequence, apart from those of texts (its MinHash computed
    as a batch of one: `minhash_of`'s values without a datasketch object)."""
    return buckets(minhashes([shingle_hashes(sequence, FACT_SHINGLE)])[0], FACT_SPACE)


@dataclass(frozen=True)
class Match:
    """Two texts in different languages judged translations, and why."""

    confidence: float
    evidence: str


def compare(first: tuple[str, ...], second: tuple[str, ...]) -> Match | None:
    """Whether two fact sequences are those of one text in two languages.

    Example:
        >>> a = facts("On 8 May 2020 the leaders of Armenia and Azerbaijan met Putin in Moscow"
        ...           " and signed, on 10 May 2020, a statement of 9 points.")
        >>> b = facts("Le 8 mai 2020, les dirigeants de l'Arménie et de l'Azerbaïdjan ont vu"
        ...           " Poutine à Moscou et ont signé, le 10 mai 2020, une déclaration"
        ...           " en 9 points.")
        >>> compare(a, b).confidence > 0.8
        True
    """
    found = agreement(first, second, number_facts)
    if found is None:
        return None
    confidence, numbers = found
    shared = sorted(numbers, key=lambda n: (len(n), n))[-5:]
    evidence = f"facts in the same order {confidence:.2f}; shared numbers {', '.join(shared)}"
    return Match(confidence, evidence)


F = TypeVar("F", bound=Hashable)


def number_facts(sequence: Sequence[str]) -> set[str]:
    """The numbers among facts."""
    return {fact for fact in sequence if fact.isdigit()}


def agreement(
    first: Sequence[F], second: Sequence[F], numbers_of: Callable[[Sequence[F]], set[F]]
) -> tuple[float, set[F]] | None:
    """How much two sequences of facts (strings, or their codes) agree in order, and the
    numbers they share; None when they cannot be translations: too few facts, too few
    numbers shared, or an agreement below `MIN_CONFIDENCE`.

    Example:
        >>> agreement(list("12ab34"), list("12ab34"), number_facts)[0]
        1.0
        >>> agreement(list("12ab34"), list("56ab78"), number_facts) is None
        True
    """
    shorter, longer = sorted((len(first), len(second)))
    if shorter < MIN_FACTS or not lengths_may_agree(shorter, longer):
        return None
    numbers = numbers_of(first) & numbers_of(second)
    if len(numbers) < MIN_NUMBERS:
        return None
    # no score_cutoff: rapidfuzz's cutoff drops a similarity of exactly MIN_CONFIDENCE
    confidence = float(Indel.normalized_similarity(first, second))
    return (confidence, numbers) if confidence >= MIN_CONFIDENCE else None


N = TypeVar("N", int, "npt.NDArray[np.int64]")


def lengths_may_agree(shorter: N, longer: N) -> Any:
    """Whether sequences of these lengths (the longer not empty) may reach `MIN_CONFIDENCE`:
    their agreement is at best that of the shorter inside the longer, computed as rapidfuzz
    computes it, so that a pair exactly at `MIN_CONFIDENCE` is kept. For numbers or arrays.

    Example:
        >>> lengths_may_agree(6, 14), lengths_may_agree(6, 15)
        (True, False)
    """
    return 1.0 - (longer - shorter) / (shorter + longer) >= MIN_CONFIDENCE


def by_meaning(cosine: float, mutual: bool, model: str) -> Match | None:
    """Whether two texts in different languages whose vectors are `cosine` apart are one text.

    They are when each is the other's nearest text in its language (mutual nearest
    neighbours, as in bitext mining) and their similarity reaches `MIN_COSINE`.

    Example:
        >>> by_meaning(0.78, True, "use-multilingual-v3").evidence
        'meaning: cosine 0.78, mutual nearest (use-multilingual-v3)'
        >>> by_meaning(0.78, False, "use-multilingual-v3") is None
        True
    """
    if not mutual or cosine < MIN_COSINE:
        return None
    return Match(cosine, f"meaning: cosine {cosine:.2f}, mutual nearest ({model})")
