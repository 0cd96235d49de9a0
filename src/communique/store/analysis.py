"""How text is cut into searchable words; what varies by language comes from its profile.

Every text is indexed three ways: its words (lower case, diacritics folded: the forms that
phrases and prefixes match), the stems of those words in the statement's language (Snowball,
for the languages that have a stemmer), and, for Chinese and Japanese, each character (so that
a name inside a sentence is found whatever the word segmenter made of it). Chinese runs are cut
into words by jieba and Japanese by Janome before the words are indexed. The same functions cut
the words of a query, so a query and a text are always analysed alike.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache
from typing import Any

from communique.lang import profile, profiles, script_languages

ANALYSIS_VERSION = "2"
"""Changes whenever the words indexed for a text would change; the index is then rebuilt."""


@cache
def stemmers() -> dict[str, str]:
    """ISO 639-1 code -> Snowball stemmer, for the languages whose profile names one that
    tantivy has (PostgreSQL has more: `postgres_schema.text_configs`).

    Example:
        >>> stemmers()["ru"], "ca" in stemmers()
        ('russian', False)
    """
    return {
        code: p.stemmer for code, p in profiles().items() if p.stemmer and _in_tantivy(p.stemmer)
    }


def _in_tantivy(stemmer: str) -> bool:
    """Whether tantivy's stemmer filter knows `stemmer` (it says so when an analyzer is built)."""
    import tantivy

    try:
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(
            tantivy.Filter.stemmer(stemmer)
        ).build()
    except ValueError:
        return False
    return True


CJK_CHAR_PATTERN = r"[\p{Han}\p{Hiragana}\p{Katakana}]"
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u31f0-\u31ff]+")
_CJK_LEADS = (*(bytes([lead]) for lead in range(0xE3, 0xEA)), b"\xef")
"""The UTF-8 lead bytes of every character `_CJK_RUN` matches (U+3000-9FFF, U+F000-FFFF):
a text without any has none, found by a byte search far quicker than the pattern."""


def stem_field(language: str) -> str:
    """The index field holding the stems of texts in `language` (one of `stemmers()`)."""
    return f"stem_{stemmers()[language]}"


def stem_fields() -> list[str]:
    return sorted({stem_field(code) for code in stemmers()})


def stem_language(language: str | None) -> str | None:
    """The `stemmers()` key for a statement's language tag ('en', 'pt-BR', 'nb'), or None."""
    if not language:
        return None
    code = language.lower().split("-")[0].split("_")[0]
    return code if code in stemmers() else None


def has_cjk(text: str) -> bool:
    """Whether `text` has Chinese or Japanese characters (cheap for texts in other scripts)."""
    if text.isascii():
        return False
    data = text.encode("utf-8", "surrogatepass")
    return any(lead in data for lead in _CJK_LEADS) and _CJK_RUN.search(text) is not None


def normalize(text: str) -> str:
    """NFC, so that a letter and its accent written apart are one letter, as when composed."""
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return text
    return unicodedata.normalize("NFC", text)


def segment(text: str, language: str | None = None) -> str:
    """`text` with spaces between the words of its Chinese or Japanese runs.

    Runs with kana (or of a Japanese text) go to the Japanese segmenter, others to jieba.

    Example:
        >>> segment("外交部发言人表示") .split()
        ['外交部', '发言人', '表示']
    """
    if not has_cjk(text):
        return text
    code = (language or "").lower().split("-")[0]

    def cut(match: re.Match[str]) -> str:
        words = _SEGMENTERS[_segmenter(match[0], code)](match[0])
        return " " + " ".join(w for w in words if w.strip()) + " "

    return _CJK_RUN.sub(cut, text)


def _segmenter(run: str, language: str) -> str:
    """The segmenter of the language `run` is in: the text's own `language` where the run's
    scripts allow it, else the first language they name that has one (Han with kana:
    Japanese; Han alone: Chinese); a run of no script's letters, the first profile's.

    Example:
        >>> _segmenter("外交部", ""), _segmenter("外交部", "ja"), _segmenter("アジア", "zh")
        ('jieba', 'janome', 'janome')
    """
    candidates = script_languages(run) or ()
    ranked = (language, *candidates) if language in candidates else candidates
    ranked += tuple(profiles())
    return next(str(p.segmenter) for p in map(profile, ranked) if p.segmenter)


def cjk_runs(text: str) -> list[str]:
    """The runs of Chinese or Japanese characters in `text` (for highlighting)."""
    return _CJK_RUN.findall(text)


def _chinese(run: str) -> list[str]:
    return list(_jieba()(run))


def _japanese(run: str) -> list[str]:
    return [str(token) for token in _janome().tokenize(run, wakati=True)]


_SEGMENTERS: dict[str, Callable[[str], list[str]]] = {"jieba": _chinese, "janome": _japanese}
"""The word segmenters a profile may name (`Profile.segmenter`)."""


@cache
def _jieba() -> Callable[[str], Any]:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba.lcut  # type: ignore[no-any-return]


@cache
def _janome() -> Any:
    from janome.tokenizer import Tokenizer

    return Tokenizer()


@cache
def analyzers() -> dict[str, Any]:
    """The tantivy analyzers by name: 'words', 'cjk' and one 'stem_<language>' per stemmer."""
    import tantivy

    def words() -> Any:
        return (
            tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.remove_long(100))
            .filter(tantivy.Filter.lowercase())
        )

    built = {
        "words": words().filter(tantivy.Filter.ascii_fold()).build(),
        "cjk": tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(CJK_CHAR_PATTERN)).build(),
    }
    for name in set(stemmers().values()):
        built[f"stem_{name}"] = (
            words().filter(tantivy.Filter.stemmer(name)).filter(tantivy.Filter.ascii_fold()).build()
        )
    return built


def words(text: str) -> list[str]:
    """The indexed word forms of `text` (what phrases and prefixes are matched against).

    Example:
        >>> words("Şuşa, Россия")
        ['susa', 'россия']
    """
    return [str(t) for t in analyzers()["words"].analyze(segment(normalize(text)))]


def stems(word: str) -> dict[str, str]:
    """Stem field -> the stem of `word` in that field's language (one stem a language)."""
    found: dict[str, str] = {}
    for field in stem_fields():
        tokens = analyzers()[field].analyze(normalize(word))
        if len(tokens) == 1:
            found[field] = str(tokens[0])
    return found
