"""Language of short texts: the declared or expected language unless the text rules it out."""

from __future__ import annotations

import pytest
from lingua import Language

from communique.extract import language
from communique.extract.language import detect
from communique.pipeline import ExtractStage


@pytest.mark.parametrize(
    ("text", "hint", "expected", "language"),
    [
        ("Joint communiqué on the visit", "en", (), "en"),
        ("Message of condolence", None, ("en",), "en"),
        ("Minister receives Ambassador of Portugal", "en", (), "en"),
        ("Statement on Venezuela", None, (), None),
        ("Déclaration de la ministre sur le Sahel", "en", (), "fr"),
        ("Заявление МИД России", "en", (), "ru"),
        ("وزارة الخارجية", None, ("fr",), "ar"),
        ("外務大臣談話：ミャンマー情勢について", None, (), "ja"),
        ("外交部声明", None, ("en",), "zh"),
        ("Erklärung der Bundesregierung zur Lage", None, (), "de"),
        ("Заява МЗС України", "uk", (), "uk"),
        ("Заява МЗС України", None, (), "ru"),
        ("한국 외교부 성명", None, ("en",), "ko"),
        ("הודעת משרד החוץ", None, (), "he"),
        ("Statement on Россия and Україна", None, ("en",), "en"),
    ],
)
def test_short_text(text: str, hint: str | None, expected: tuple[str, ...], language: str) -> None:
    assert detect(text, hint, expected) == language


def test_a_short_text_is_never_given_a_guessed_language() -> None:
    for text in ("Joint communiqué on the visit", "Remarks at the signing ceremony"):
        assert detect(text) in (None, "en")


def test_a_worker_warm_up_runs_lingua_on_a_latin_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """Its stop words name the warm-up text, so extracting it loads no lingua model: the
    warm-up detects it with lingua too, or the first text that needs lingua loads them."""
    asked: list[str] = []
    real = language.detector()

    class Spy:
        def detect_language_of(self, text: str) -> Language | None:
            asked.append(text)
            return real.detect_language_of(text)

    monkeypatch.setattr(language, "detector", Spy)
    ExtractStage().warm_up()
    assert any(text.isascii() and len(text.split()) >= 10 for text in asked)
