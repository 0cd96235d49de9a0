"""Small string helpers shared by the extractors."""

from __future__ import annotations

import functools
import re
import unicodedata

_TERMINAL = re.compile(r"[.!?…。！？:;]['\"”’»)\]]*$")
_SENTENCE_END = re.compile(r"[.!?…。！？]['\"”’»)\]]*$")
_QUOTES = str.maketrans(
    {"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "‚": "'"}
)


_INVISIBLE_RE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_QUOTES_RE = re.compile("[“”„«»‘’‚]")


def clean(text: str) -> str:
    """Return `text` with invisible characters removed and whitespace collapsed."""
    if not text.isascii():  # isascii: O(1)
        text = _INVISIBLE_RE.sub("", text)  # str.translate: ten times slower past ASCII
    return " ".join(text.split())  # str.split's whitespace is exactly regex `\s`


@functools.lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """Return a comparison key: NFKC, quotes unified, whitespace collapsed, casefolded.

    Example:
        >>> fold("  The  “Talks”\u00a0Resume "), fold("NEXT\tsteps")
        ('the "talks" resume', 'next steps')
    """
    if text.isascii():  # NFKC, the quotes and casefold change nothing else in ASCII
        return " ".join(text.lower().split())
    text = unicodedata.normalize("NFKC", text)
    text = _QUOTES_RE.sub(_unified_quote, text)  # str.translate: ten times slower
    return clean(text).casefold()


def _unified_quote(match: re.Match[str]) -> str:
    return str(_QUOTES[ord(match.group())])


_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u0e00-\u0e7f]")


def words(text: str) -> list[str]:
    """Return the whitespace-separated words of `text`."""
    return text.split()


def word_count(text: str) -> int:
    """Count words, reckoning two characters as a word in scripts written without spaces.

    Example:
        >>> word_count("We call for peace."), word_count("日本政府は平和を求める。")
        (4, 6)
    """
    unspaced = 0 if text.isascii() else len(_UNSPACED.findall(text))
    return len(text.split()) + unspaced // 2


def has_words(text: str, n: int) -> bool:
    """Whether `text` has at least `n` words (as `word_count` counts them), counting no more
    of a long text than that needs.

    Example:
        >>> has_words("We call for peace.", 4), has_words("We call for peace.", 5)
        (True, False)
    """
    if len(text.split(None, n)) >= n:  # n whitespace-separated words: enough whatever the script
        return True
    return word_count(text) >= n


def text_size(text: str) -> int:
    """Length in Latin-script characters: a CJK character carries about three of them.

    Example:
        >>> text_size("peace"), text_size("和平")
        (5, 6)
    """
    unspaced = 0 if text.isascii() else len(_UNSPACED.findall(text))
    return len(text) + 2 * unspaced


def ends_sentence(text: str) -> bool:
    """Return True if `text` ends like a sentence (full stop, question or exclamation mark)."""
    return bool(_SENTENCE_END.search(text.rstrip()))


def ends_clause(text: str) -> bool:
    """Return True if `text` ends with sentence punctuation or a colon/semicolon."""
    return bool(_TERMINAL.search(text.rstrip()))


_BREAK = re.compile(r"[.!?…]['\"”’»)]*\s+[\"“„«(]?[A-ZÀ-ÖØ-ÞА-ЯЁ]|[。！？]")


def sentence_breaks(text: str) -> int:
    """Count the places where one sentence ends and another begins.

    Example:
        >>> sentence_breaks("We met. We agreed. Done"), sentence_breaks("Tel. 123 Fax 456")
        (2, 0)
    """
    return len(_BREAK.findall(text))


@functools.lru_cache(maxsize=4096)
def is_prose(text: str, min_words: int = 8) -> bool:
    """Return True if `text` looks like running prose rather than a label or a link."""
    return word_count(text) >= min_words and ends_sentence(text)


def split_paragraphs(text: str) -> list[str]:
    """Split plain text into paragraphs at blank lines, joining wrapped lines."""
    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    return [p for p in (clean(b) for b in blocks) if p]


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f\ufffd\ud800-\udfff\ue000-\uf8ff]")


def control_ratio(text: str) -> float:
    """Return the share of characters in `text` that are control or replacement characters."""
    if not text:
        return 0.0
    return len(_CONTROL.findall(text)) / len(text)
