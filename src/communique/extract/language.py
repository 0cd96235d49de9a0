"""Language identification with lingua, loaded lazily in low-accuracy mode."""

from __future__ import annotations

import functools
import re

from justext import get_stoplist
from lingua import Language, LanguageDetector, LanguageDetectorBuilder

_SAMPLE = 400
"""Characters of text looked at; lingua's cost grows with the input length."""


@functools.cache
def detector() -> LanguageDetector:
    """Return the shared detector, built on first use (all languages, trigram models only).

    Each language's models load the first time a text may be in it; most texts never reach
    lingua, as their own stop words confirm the language first (see `confirms`, `guess`).
    """
    return LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build()


_MIXED_MIN = 800
"""Shorter texts are taken to be in one language (one sample, one detection)."""


def _code(language: Language) -> str:
    return language.iso_code_639_1.name.lower()


def _sample(text: str) -> str:
    if len(text) <= _SAMPLE:
        return text
    start = (len(text) - _SAMPLE) // 3
    return text[start : start + _SAMPLE]


_STOPLIST_NAMES = {
    "en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian",
    "pt": "Portuguese", "nl": "Dutch", "sv": "Swedish", "da": "Danish", "ro": "Romanian",
    "id": "Indonesian", "ca": "Catalan", "gl": "Galician", "nb": "Norwegian_Bokmal",
}  # fmt: skip
"""Compact jusText lists only: its lists of thousands of words carry much foreign vocabulary."""
_WORD = re.compile(r"\w+")


@functools.cache
def _stoplists() -> dict[str, frozenset[str]]:
    """jusText's stop-word lists for the languages the quick check can confirm."""
    return {code: frozenset(get_stoplist(name)) for code, name in _STOPLIST_NAMES.items()}


_GUESSABLE = frozenset({"en", "de", "fr", "es", "it", "pt", "nl"})
"""Languages whose stop words alone may name an undeclared text (clear margins, big lists)."""


@functools.lru_cache(maxsize=64)
def _shares(sample: str) -> dict[str, float]:
    """Share of each listed language's stop words among the words of `sample` (cached)."""
    words = [w.lower() for w in _WORD.findall(sample)]
    if len(words) < 15:
        return {}
    return {
        code: len(list(filter(stop.__contains__, words))) / len(words)
        for code, stop in _stoplists().items()
    }


def guess(sample: str) -> str | None:
    """Name the language of an undeclared `sample` from stop words alone, when unambiguous.

    Example:
        >>> guess("Die Bundesregierung hat heute beschlossen, dass die Hilfen für die"
        ...       " betroffenen Regionen bis zum Ende des Jahres verlängert werden.")
        'de'
    """
    share = _shares(sample)
    if not share:
        return None
    ranked = sorted(share, key=lambda code: share[code], reverse=True)
    best, rival = ranked[0], ranked[1]
    if best in _GUESSABLE and share[best] >= 0.3 and share[best] >= share[rival] + 0.1:
        return best
    return None


def confirms(sample: str, hint: str | None) -> bool:
    """True when the stop words of `sample` clearly belong to the declared language `hint`.

    The page's `lang` attribute is only a hint: it is accepted without the full detector when
    at least 30% of the words are its stop words and no other listed language comes within
    ten points; a French text declared English fails this and goes to lingua.

    Example:
        >>> confirms("We call on all parties to respect the ceasefire and to return to the"
        ...          " negotiating table without any delay and in good faith.", "en")
        True
        >>> confirms("Nous appelons toutes les parties à respecter le cessez-le-feu et à"
        ...          " revenir à la table des négociations sans délai et de bonne foi.", "en")
        False
    """
    if hint not in _STOPLIST_NAMES:
        return False
    share = _shares(sample)
    if not share:
        return False
    rival = max(value for code, value in share.items() if code != hint)
    return share[hint] >= 0.3 and share[hint] >= rival + 0.1


def detect(text: str, hint: str | None = None) -> str | None:
    """Return the ISO 639-1 code of `text`'s language, using `hint` for very short text."""
    hint_code = _hint_code(hint)
    if len(text.strip()) < 20:
        return hint_code
    sample = _sample(text)
    if confirms(sample, hint_code):
        return hint_code
    guessed = guess(sample)
    if guessed is not None:
        return guessed
    found = detector().detect_language_of(sample)
    return _code(found) if found is not None else hint_code


def _hint_code(hint: str | None) -> str | None:
    code = hint.split("-")[0].split("_")[0].lower() if hint else None
    return code if code and code.isalpha() else None


def detect_mixed(text: str, hint: str | None = None) -> tuple[str | None, bool]:
    """Return (language, whether the text may mix languages) from two samples of `text`.

    A long text is sampled at a quarter and at three quarters of its length (together no
    more than one ordinary sample); when the two disagree, the text may be bilingual.

    Example:
        >>> detect_mixed("We call on all parties to respect the ceasefire. " * 8)
        ('en', False)
    """
    half = _SAMPLE // 2
    if len(text) < _MIXED_MIN:
        return detect(text, hint), False
    first = text[len(text) // 4 - half // 2 :][:half]
    second = text[3 * len(text) // 4 - half // 2 :][:half]
    hint_code = _hint_code(hint)
    if confirms(first, hint_code) and confirms(second, hint_code):
        return hint_code, False
    guessed = guess(first)
    if guessed is not None and guessed == guess(second):
        return guessed, False
    a, b = detector().detect_language_of(first), detector().detect_language_of(second)
    if a is None or b is None:
        return detect(text, hint), False
    if a == b:
        return _code(a), False
    return detect(text, hint), True


def per_paragraph(paragraphs: tuple[str, ...], main: str | None) -> tuple[str | None, ...]:
    """Return each paragraph's language (short ones take the language of the text).

    Example:
        >>> per_paragraph(("Nous appelons toutes les parties au cessez-le-feu immédiat.",
        ...                "We call on all parties to respect the ceasefire now."), "en")
        ('fr', 'en')
    """
    found: list[str | None] = []
    for paragraph in paragraphs:
        if len(paragraph) < 40:
            found.append(main)
            continue
        language = detector().detect_language_of(paragraph[:_SAMPLE])
        found.append(_code(language) if language is not None else main)
    return tuple(found)


def main_language(paragraphs: tuple[str, ...], codes: tuple[str | None, ...]) -> str | None:
    """Return the language holding most characters among per-paragraph `codes`."""
    share: dict[str, int] = {}
    for paragraph, code in zip(paragraphs, codes, strict=True):
        if code:
            share[code] = share.get(code, 0) + len(paragraph)
    return max(share, key=lambda c: share[c]) if share else None


@functools.lru_cache(maxsize=4096)
def confidence(text: str, code: str) -> float:
    """Return lingua's confidence (0–1) that `text` is in language `code`.

    Cached: the short lines it is asked about (menus, labels) recur across a site's pages.
    """
    for value in detector().compute_language_confidence_values(text):
        if _code(value.language) == code:
            return float(value.value)
    return 0.0
