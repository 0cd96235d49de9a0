"""Faster ways to the same answers: each is checked against the plain way on generated texts."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from communique.extract import dates, language, metadata, textutil

_WORDS = [
    "Joint",
    "STATEMENT",
    "statements",
    "press-release",
    "Press Room",
    "Remarks",
    "addressed",
    "address",
    "speeches",
    "general debate",
    "remarkable",
    "newsletter",
    "blogs",
    "news",
    "Kommuniqué",
    "communique",
    "Interview",
    "comment",
    "erklärung",
    "Заявление",
    "the",
    "and",
    "der",
    "de",
    "la",
    "и",
    "peace",
    "İstanbul",
    "ſtatement",
    "talks",
    "_",
    "/",
    "-",
    "—",
    ".",
    "“",
]
_TEXTS = st.lists(st.sampled_from(_WORDS), max_size=40).map(" ".join)


_PLAIN_TYPES = tuple(
    (kind, re.compile(rf"(?<!\w)(?:{rx})(?!\w)", re.I)) for kind, rx in metadata._DOCTYPE_RULES
)
"""Each type's rule on its own, every alternative a whole word."""


def _doc_type_plain(*texts: str) -> metadata.DocType:
    """`metadata.doc_type` the plain way: each type's pattern in turn, case-blind, on every
    text."""
    if len(texts) > 1 and metadata._SALUTATION.match(texts[1].strip()):
        return metadata.DocType.SPEECH
    for text in texts:
        probe = text.replace("_", " ").replace("/", " / ")
        for kind, pattern in _PLAIN_TYPES:
            if text and pattern.search(probe):
                return kind
    return metadata.DocType.OTHER


def test_the_type_rules_are_lowercase() -> None:
    """The lowercase-text patterns are exact only while the rules are written in lowercase."""
    assert all(rule == rule.lower() for _, rule in metadata._DOCTYPE_RULES)


@settings(max_examples=400)
@given(_TEXTS, _TEXTS, st.sampled_from(["", "https://mfa.example/press_release/1", "/news/"]))
def test_doc_type_is_the_plain_rules_answer(title: str, opening: str, url: str) -> None:
    assert metadata.doc_type(title, opening, url) == _doc_type_plain(title, opening, url)


def _shares_plain(sample: str) -> dict[str, float]:
    """Stop-word shares as first written: one set intersection per language."""
    words = Counter(w.lower() for w in language._WORD.findall(sample))
    total = words.total()
    if total < 15:
        return {}
    return {
        code: sum(words[w] for w in stop.intersection(words)) / total
        for code, stop in language._stoplists().items()
    }


@settings(max_examples=300)
@given(_TEXTS)
def test_stop_word_shares_are_the_plain_counts(sample: str) -> None:
    found = language._shares(sample)
    assert found == _shares_plain(sample)
    assert list(found) == list(_shares_plain(sample))  # the same order: ties break alike


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("The Minister addressed the conference", metadata.DocType.OTHER),
        ("Address by the Minister", metadata.DocType.SPEECH),
        ("A remarkable agreement: statement of the Ministry", metadata.DocType.STATEMENT),
        ("Newsletter of the Embassy", metadata.DocType.OTHER),
        ("Joint statement and press release", metadata.DocType.JOINT_STATEMENT),
    ],
)
def test_every_alternative_of_a_type_rule_is_a_whole_word(
    title: str, kind: metadata.DocType
) -> None:
    assert metadata.doc_type(title, "", "") == kind


def _fold_plain(text: str) -> str:
    """`textutil.fold` the plain way, for every script."""
    text = unicodedata.normalize("NFKC", text).translate(textutil._QUOTES)
    return textutil.clean(text).casefold()


@settings(max_examples=300)
@given(st.text(alphabet=st.characters(max_codepoint=127)) | _TEXTS)
def test_fold_is_the_plain_key(text: str) -> None:
    assert textutil.fold(text) == _fold_plain(text)


@settings(max_examples=300)
@given(
    st.integers(0, 9999).map("{:04d}".format),
    st.integers(0, 99).map("{:02d}".format),
    st.integers(0, 99).map("{:02d}".format),
)
def test_an_iso_day_reads_as_find_dates_reads_it(year: str, month: str, day: str) -> None:
    value = f"{year}-{month}-{day}"
    found = dates.find_dates(value)
    assert dates.parse_iso(value) == (found[0][0] if found else None)


_SPACED = st.lists(
    st.sampled_from([*_WORDS, "日本政府は", "平和", "\u3000", "\n", "  "]), max_size=40
)


@settings(max_examples=300)
@given(_SPACED.map(" ".join) | _SPACED.map("".join), st.integers(0, 20))
def test_has_words_is_a_word_count_at_least(text: str, n: int) -> None:
    assert textutil.has_words(text, n) == (textutil.word_count(text) >= n)
