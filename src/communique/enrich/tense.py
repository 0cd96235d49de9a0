"""The sentence around an expression and the tense it speaks in, for the anchoring rules."""

from __future__ import annotations

import re

SENTENCE_END = re.compile(r"[.!?][\"'”’)]*\s+(?=[\"“'‘(]?[A-Z])|\n")
FUTURE = re.compile(
    r"\b(?:will|shall|'ll|won't|scheduled|upcoming|going to|to be held|set to|due to|"
    r"expected to|expects?|forecasts?|predicts?|(?:plans?|hopes?|aims?|intends?) to|planned|"
    r"is to|are to|would)\b",
    re.I,
)
IRREGULAR_PAST = (
    "said|was|were|had|did|began|came|took|made|went|gave|held|saw|fell|rose|won|lost|left|"
    "sent|spoke|wrote"
)
"""Past forms without -ed that mark a clause as telling of the past."""


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Start and end of the sentence around `text[start:end]`; decimals do not end one."""
    left = 0
    for match in SENTENCE_END.finditer(text, 0, start):
        left = match.end()
    after = SENTENCE_END.search(text, end)
    return left, after.start() + 1 if after else len(text)


def speaks_of_future(text: str, start: int, end: int) -> bool:
    """True when the sentence around `text[start:end]` speaks of the future ("will", "set to")."""
    left, right = sentence_bounds(text, start, end)
    return bool(FUTURE.search(text, left, right))


_PAST_WORDS = re.compile(
    rf"\b(?:{IRREGULAR_PAST}|brought|became|since|ago|"
    r"(?<!\bbe )(?<!\bbeen )(?<!\bis )(?<!\bare )(?!need|feed|seed|speed|proceed)[a-z]{2,}ed"
    r"(?!\s+by\b))\b",
    re.I,
)


def clause_tense(text: str, start: int, end: int) -> str | None:
    """`past` or `future`: the tense marker nearest to `text[start:end]` in its sentence.

    Example:
        >>> text = "He said output fell in March; the plant will reopen in June."
        >>> clause_tense(text, 23, 28), clause_tense(text, 56, 60)
        ('past', 'future')
    """
    left, right = sentence_bounds(text, start, end)
    markers = [(m.start(), "future") for m in FUTURE.finditer(text, left, right)]
    markers += [(m.start(), "past") for m in _PAST_WORDS.finditer(text, left, right)]
    if not markers:
        return None
    return min(markers, key=lambda marker: abs(marker[0] - start))[1]
