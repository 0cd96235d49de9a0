"""How text is cut into searchable words; what varies by language comes from its profile.

Every text is indexed two ways: its words (lower case, diacritics and the letters of the
profiles' `search_folds` folded: the forms that words, phrases and prefixes match) and, for
Chinese and Japanese, each character (so that a name inside a sentence is found whatever the
word segmenter made of it). Chinese runs are cut into words by jieba and Japanese by Janome
before the words are indexed. The same functions cut the words of a query, so a query and a text
are always analysed alike. Stems (Snowball, for the languages that have a stemmer) are mostly
not indexed: a query word is expanded to the indexed forms that share its stem in a statement's
language (`stems`, `stem_words`), which costs a search a few lookups in the index's word list
instead of costing every statement a second pass of its text. Languages whose forms do not share
a beginning (their profile's `stems_indexed`) keep their stems indexed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache
from typing import Any

from communique.lang import profile, profiles, script_languages

ANALYSIS_VERSION = "4"
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


@cache
def indexed_stemmers() -> frozenset[str]:
    """The stemmers whose stems the index keeps (a profile's `stems_indexed`), in a field each.

    Example:
        >>> sorted(indexed_stemmers())[:2], "english" in indexed_stemmers()
        (['arabic', 'dutch'], False)
    """
    known = set(stemmers().values())
    return frozenset(str(p.stemmer) for p in profiles().values() if p.stems_indexed) & known


def stem_field(stemmer: str) -> str:
    """The index field holding the stems of the texts of one of `indexed_stemmers()`."""
    return f"stem_{stemmer}"


@cache  # a few language tags, asked once for every statement indexed
def stemmer_of(language: str | None) -> str | None:
    """The stemmer (one of `stemmers()`'s values) for a statement's language tag ('en',
    'pt-BR', 'nb'), or None.

    Example:
        >>> stemmer_of("pt-BR"), stemmer_of("nb"), stemmer_of("zh"), stemmer_of(None)
        ('portuguese', 'norwegian', None, None)
    """
    if not language:
        return None
    code = language.lower().split("-")[0].split("_")[0]
    return stemmers().get(code)


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


def fold(text: str) -> str:
    """`text` (NFC) with the letters the language profiles' `search_folds` name replaced, one
    character for one, as the index holds it and a query is looked up.

    Example:
        >>> fold("Её приём")
        'Ее прием'
    """
    text = normalize(text)
    if text.isascii():
        return text
    for letter, base in letter_folds().items():
        if letter in text:  # a search in C, where `str.translate` looks up every character
            text = text.replace(letter, base)
    return text


@cache
def letter_folds() -> dict[str, str]:
    """Every profile's `search_folds`: letter -> the letter it is searched as."""
    return {k: v for p in profiles().values() for k, v in p.search_folds.items()}


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
    """The tantivy analyzers by name: 'words', 'cjk' and one 'stem_<stemmer>' per stemmer
    (the analyzer of the stem field of an indexed stemmer too)."""
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
    for name in set(stemmers().values()):  # folded first, as the forms in the index are
        stemmer = tantivy.Filter.stemmer(name)
        built[f"stem_{name}"] = words().filter(tantivy.Filter.ascii_fold()).filter(stemmer).build()
    return built


def words(text: str) -> list[str]:
    """The indexed word forms of `text` (what phrases and prefixes are matched against).

    Example:
        >>> words("Şuşa, Россия")
        ['susa', 'россия']
    """
    return [str(t) for t in analyzers()["words"].analyze(segment(fold(text)))]


def stems(word: str) -> dict[str, str]:
    """Stemmer -> the stem of `word` (as indexed: one word form) in that stemmer's language.

    Stems are taken of the folded form, as `stem_words` takes them of the forms in the index,
    so that a word and the forms it is expanded to are stemmed alike.

    Example:
        >>> stems("Negotiations")["english"], stems("переговорах")["russian"]
        ('negoti', 'переговор')
    """
    forms = words(word)
    if len(forms) != 1:
        return {}
    return {name: stem_words(name, forms)[0] for name in sorted(set(stemmers().values()))}


def stem_prefix(stem: str) -> str | None:
    """What every form of a stem begins with: the stem save its last letter (English
    'countri': country, countries; French 'different': différence), but three letters at
    least; None for a stem of one or two letters ('a', 'un', Russian 'мо'), whose forms are
    not looked for: the words beginning with it would be too many to stem at each search.

    Example:
        >>> stem_prefix("countri"), stem_prefix("die"), stem_prefix("un")
        ('countr', 'die', None)
    """
    if len(stem) < _SHORTEST_PREFIX:
        return None
    return stem[: max(len(stem) - 1, _SHORTEST_PREFIX)]


_SHORTEST_PREFIX = 3


def stem_words(stemmer: str, forms: list[str]) -> list[str]:
    """The stem of each indexed word form (lower case, folded) in `stemmer`'s language.

    Example:
        >>> stem_words("english", ["negotiated", "negotiations", "country", "countries"])
        ['negoti', 'negoti', 'countri', 'countri']
    """
    analyzer = analyzers()[f"stem_{stemmer}"]
    tokens = analyzer.analyze(" ".join(forms))  # one call for all: each form is one token
    if len(tokens) == len(forms):
        return [str(t) for t in tokens]
    return ["".join(str(t) for t in analyzer.analyze(form)) for form in forms]
