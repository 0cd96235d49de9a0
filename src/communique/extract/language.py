"""Language identification with lingua, loaded lazily in low-accuracy mode."""

from __future__ import annotations

import functools

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

_SAMPLE = 400
"""Characters of text looked at; lingua's cost grows with the input length."""


@functools.cache
def detector() -> LanguageDetector:
    """Return the shared detector, built on first use (all languages, trigram models only).

    The models are loaded up front (about 0.8 s, 90 MB once per process) so that the first
    page in each language does not stall a long ingest.
    """
    return (
        LanguageDetectorBuilder.from_all_languages()
        .with_low_accuracy_mode()
        .with_preloaded_language_models()
        .build()
    )


def _code(language: Language) -> str:
    return language.iso_code_639_1.name.lower()


def _sample(text: str) -> str:
    if len(text) <= _SAMPLE:
        return text
    start = (len(text) - _SAMPLE) // 3
    return text[start : start + _SAMPLE]


def detect(text: str, hint: str | None = None) -> str | None:
    """Return the ISO 639-1 code of `text`'s language, using `hint` for very short text."""
    hint_code = hint.split("-")[0].split("_")[0].lower() if hint else None
    if hint_code is not None and not hint_code.isalpha():
        hint_code = None
    if len(text.strip()) < 20:
        return hint_code
    found = detector().detect_language_of(_sample(text))
    return _code(found) if found is not None else hint_code


def confidence(text: str, code: str) -> float:
    """Return lingua's confidence (0–1) that `text` is in language `code`."""
    for value in detector().compute_language_confidence_values(text):
        if _code(value.language) == code:
            return float(value.value)
    return 0.0
