"""Language identification with lingua, loaded lazily in low-accuracy mode."""

from __future__ import annotations

import functools
import importlib
import re
from collections import Counter

from justext import get_stoplist
from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from communique.extract.textutil import has_words
from communique.lang import profile, profiles, script_languages

_SAMPLE = 400
"""Characters of text looked at; lingua's cost grows with the input length."""


@functools.cache
def detector() -> LanguageDetector:
    """Return the shared detector, built on first use (all languages, trigram models only).

    Each language's models load the first time a text may be in it; most texts never reach
    lingua, as their own stop words confirm the language first (see `confirms`, `guess`).
    """
    return LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build()


def load_models(sample: str) -> None:
    """Load the models lingua needs for texts written as `sample` is (their script and
    letters), as its first detection of such a text would: a worker does it before its
    first real text (most texts never reach lingua, so this happens at an unknown point).

    Example:
        >>> load_models("We call on all parties to respect the ceasefire.")
    """
    detector().detect_language_of(sample)


_MIXED_MIN = 800
"""Shorter texts are taken to be in one language (one sample, one detection)."""


def _code(language: Language) -> str:
    return language.iso_code_639_1.name.lower()


def _sample(text: str) -> str:
    if len(text) <= _SAMPLE:
        return text
    start = (len(text) - _SAMPLE) // 3
    return text[start : start + _SAMPLE]


_WORD = re.compile(r"\w+")
_CLEAR_SHARE = 0.3
"""Share of a text's words that must be stop words of its language to name it without lingua."""
_CLEAR_MARGIN = 0.1
"""How far that share must lead every other language's."""


@functools.cache
def _stoplists() -> dict[str, frozenset[str]]:
    """jusText's stop-word lists of the languages whose profiles name one (compact lists only:
    its lists of thousands of words carry much foreign vocabulary)."""
    return {
        code: stop_words(known.stoplist) for code, known in profiles().items() if known.stoplist
    }


def stop_words(name: str) -> frozenset[str]:
    """The stop-word list a profile names: jusText's by its name, or spaCy's (`spacy:CODE`)."""
    if name.startswith("spacy:"):
        module = importlib.import_module(f"spacy.lang.{name.removeprefix('spacy:')}.stop_words")
        return frozenset(module.STOP_WORDS)
    return frozenset(get_stoplist(name))


@functools.cache
def _stop_word_languages() -> dict[str, tuple[str, ...]]:
    """Each stop word of `_stoplists`, with the languages whose list holds it (in list order)."""
    found: dict[str, list[str]] = {}
    for code, stop in _stoplists().items():
        for word in stop:
            found.setdefault(word, []).append(code)
    return {word: tuple(codes) for word, codes in found.items()}


@functools.lru_cache(maxsize=64)
def _shares(sample: str) -> dict[str, float]:
    """Share of each listed language's stop words among the words of `sample` (cached).

    Each distinct word is looked up once, in one table of every list's words.

    Example:
        >>> shares = _shares("We call on all parties to respect the ceasefire and to return"
        ...                  " to the negotiating table without any delay and in good faith.")
        >>> max(shares, key=shares.__getitem__)
        'en'
    """
    found = _WORD.findall(sample.lower() if sample.isascii() else sample)
    words = Counter(found if sample.isascii() else [w.lower() for w in found])
    total = words.total()
    if total < 15:
        return {}
    hits = dict.fromkeys(_stoplists(), 0)
    languages = _stop_word_languages()
    for word in words.keys() & languages.keys():  # most words are no list's stop word
        count = words[word]
        for code in languages[word]:
            hits[code] += count
    return {code: count / total for code, count in hits.items()}


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
    best = max(share, key=share.__getitem__)
    named = profile(best).guess_by_stop_words and _clearly(share, best)
    return best if named and _in_alphabet(sample, best) else None


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
    if hint not in _stoplists():
        return False
    share = _shares(sample)
    if not share:
        return False
    return _clearly(share, hint) and _in_alphabet(sample, hint)


def _in_alphabet(sample: str, code: str) -> bool:
    """Whether every letter of `sample` beyond ASCII is one of the alphabet of `code`'s
    profile (when it names one).

    Example:
        >>> _in_alphabet("Заявление МИД России", "ru"), _in_alphabet("Заява МЗС України", "ru")
        (True, False)
    """
    alphabet = profile(code).alphabet
    if not alphabet or sample.isascii():
        return True
    return all(c in alphabet for c in set(sample.lower()) if c.isalpha() and not c.isascii())


def _clearly(share: dict[str, float], code: str) -> bool:
    """At least `_CLEAR_SHARE` of the words are `code`'s stop words, `_CLEAR_MARGIN` ahead of
    every other language's."""
    rival = max((value for other, value in share.items() if other != code), default=0.0)
    return share[code] >= _CLEAR_SHARE and share[code] >= rival + _CLEAR_MARGIN


def detect(text: str, hint: str | None = None, expected: tuple[str, ...] = ()) -> str | None:
    """Return the ISO 639-1 code of `text`'s language, or None when it cannot be told.

    `hint` is the page's declared language, `expected` the languages its source publishes
    in. A text too short for statistics (a title, a line) keeps a declared language its
    script and stop words allow, and is otherwise named only when it is unambiguous: a
    short text is never given a guessed language.

    Example:
        >>> detect("Message of condolence", None, ("en",)), detect("Message of condolence")
        ('en', None)
        >>> detect("Заявление МИД", "en")
        'ru'
    """
    hints = tuple(dict.fromkeys(c for c in (_hint_code(hint), *map(_hint_code, expected)) if c))
    if not has_words(text, _SHORT_WORDS):
        return short_text(text, hints)
    hint_code = hints[0] if hints else None
    sample = _sample(text)
    if confirms(sample, hint_code):
        return hint_code
    guessed = guess(sample)
    if guessed is not None:
        return guessed
    found = detector().detect_language_of(sample)
    return _code(found) if found is not None else hint_code


_SHORT_WORDS = 15
"""Below this many words a text is too short for lingua's statistics alone."""


def _telling_hits(text: str) -> dict[str, int]:
    """How many of `text`'s words are each listed language's own stop words.

    A word on four or more of the lists ("the", "of": jusText's lists carry loanwords) tells
    nothing and is not counted.
    """
    lists = _stoplists()
    words = [w.lower() for w in _WORD.findall(text)]
    telling = [w for w in words if sum(w in stop for stop in lists.values()) < 4]
    return {
        code: sum(w in stop for w in telling)
        for code, stop in lists.items()
        if profile(code).short_texts_by_stop_words
    }


def short_text(text: str, hints: tuple[str, ...] = ()) -> str | None:
    """Name the language of a short text (a title, a line), or None when unsure.

    A declared or expected language is kept when the text's script allows it, unless another
    language's stop words lead its own by two; otherwise the script alone or a clear lead
    in stop words decide (lingua's statistics name a language for a few words with high
    confidence, often wrongly).

    Example:
        >>> short_text("Joint communiqué on the visit", ("en",)), short_text("外交部声明", ())
        ('en', 'zh')
    """
    if len(text.strip()) < 3:
        return hints[0] if hints else None
    script = script_languages(text)
    if script is not None:
        allowed = [h for h in hints if h in script]
        return allowed[0] if allowed else script[0]
    latin = [h for h in hints if "Latin" in profile(h).scripts]
    hits = _telling_hits(text)
    ranked = sorted(hits, key=lambda c: hits[c], reverse=True)
    best, rival = ranked[0], ranked[1]
    if latin:  # the declared language, unless another's words clearly lead
        leads = hits[best] >= 2 and hits[best] >= hits.get(latin[0], 0) + 2
        return best if leads and hits[best] > hits[rival] else latin[0]
    return best if hits[best] >= 2 and hits[best] >= hits[rival] + 2 else None


def _hint_code(hint: str | None) -> str | None:
    code = hint.split("-")[0].split("_")[0].lower() if hint else None
    return code if code and code.isalpha() else None


def detect_mixed(
    text: str, hint: str | None = None, expected: tuple[str, ...] = ()
) -> tuple[str | None, bool]:
    """Return (language, whether the text may mix languages) from two samples of `text`.

    A long text is sampled at a quarter and at three quarters of its length (together no
    more than one ordinary sample); when the two disagree, the text may be bilingual.

    Example:
        >>> detect_mixed("We call on all parties to respect the ceasefire. " * 8)
        ('en', False)
    """
    half = _SAMPLE // 2
    if len(text) < _MIXED_MIN:
        return detect(text, hint, expected), False
    first = text[len(text) // 4 - half // 2 :][:half]
    second = text[3 * len(text) // 4 - half // 2 :][:half]
    hint_code = _hint_code(hint) or next(iter(expected), None)
    if confirms(first, hint_code) and confirms(second, hint_code):
        return hint_code, False
    guessed = guess(first)
    if guessed is not None and guessed == guess(second):
        return guessed, False
    a, b = detector().detect_language_of(first), detector().detect_language_of(second)
    if a is None or b is None:
        return detect(text, hint, expected), False
    if a == b:
        return _code(a), False
    return detect(text, hint, expected), True


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
