"""The language profiles: one registry, well-formed entries, and steps that ask it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import regex

from communique.enrich.countries import country_code, localized_names
from communique.enrich.gazetteer import name_key
from communique.enrich.nlp import load_pipeline, parses
from communique.enrich.times import tagger_name
from communique.extract.language import stop_words
from communique.lang import DEFAULT, Profile, profile, profiles

SRC = Path(__file__).resolve().parents[2] / "src" / "communique"


def test_every_data_file_is_a_profile_under_its_own_code() -> None:
    assert set(profiles()) == {p.stem for p in (SRC / "lang").glob("*.toml")}
    assert profile(None) is profile(DEFAULT)
    assert profile("xx") == Profile("xx", "xx")


@pytest.mark.parametrize("known", list(profiles().values()), ids=list(profiles()))
def test_profile_is_well_formed(known: Profile) -> None:
    assert len(known.months) in (0, 12)
    assert len(known.weekdays) in (0, 7)
    assert all(day == day.lower() for day in known.weekdays)
    assert sorted(set(known.month_numbers.values())) == (list(range(1, 13)) if known.months else [])
    assert all(name == name.lower() for name in known.month_numbers)
    assert all(cue == cue.lower() for cue in known.date_cues)
    for cue in known.update_cues:
        regex.compile(cue)  # a malformed pattern raises
    assert all(len(code) == 2 and code.isupper() for code in known.irregular_countries.values())
    words = (*known.generic_place_words, *known.facility_words)
    assert all(word == name_key(word) for word in words), "written as name_key folds names"
    if known.country_names:
        assert len(localized_names(known.code)) > 150, known.code
    if known.stoplist:
        assert len(stop_words(known.stoplist)) > 50, "a jusText or spaCy stop-word list"
    if known.alphabet:  # the language's own stop words are written in its alphabet
        letters = {c for word in stop_words(known.stoplist or "") for c in word if c.isalpha()}
        assert {c for c in letters if not c.isascii()} <= set(known.alphabet), known.code
    assert known.stoplist or not known.guess_by_stop_words, "guessed by a list it has not"


def test_scripts_are_unicode_scripts_each_shared_one_with_a_first_language() -> None:
    writers: dict[str, list[str]] = {}
    for code, known in profiles().items():
        for script in known.scripts:
            regex.compile(rf"\p{{Script={script}}}")  # an unknown script name raises
            writers.setdefault(script, []).append(code)
        assert set(known.first_in_scripts) <= set(known.scripts), code
    for script, codes in writers.items():
        if script != "Latin" and len(codes) > 1:
            first = [c for c in codes if script in profile(c).first_in_scripts]
            assert len(first) == 1, f"{script}: {codes} need one first language, not {first}"


def test_steps_follow_the_profile() -> None:
    assert tagger_name("en") == "rules" and tagger_name("ru") is None
    assert parses("ru") and not parses("xx") and load_pipeline("xx") is None
    assert country_code("Китаем", "ru") == "CN" and country_code("Russlands", "de") == "RU"


def test_a_profile_names_what_is_wrong_with_it() -> None:
    from communique.lang import _from_data

    assert _from_data({"code": "xx", "name": "X", "months": ["a b"]}).months == ("a b",)
    with pytest.raises(TypeError, match="colour"):
        _from_data({"code": "xx", "name": "X", "colour": 1})


def _language_literals(tree: ast.AST) -> list[str]:
    """String constants compared with something (==, !=, in): a language code test."""
    codes = set(profiles())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for part in [node.left, *node.comparators]:
                items = part.elts if isinstance(part, (ast.Tuple, ast.List, ast.Set)) else [part]
                found += [
                    i.value for i in items if isinstance(i, ast.Constant) and i.value in codes
                ]
    return found


_ASKING_THE_PROFILE = [
    *sorted((SRC / "enrich").glob("*.py")),
    SRC / "extract" / "language.py",
    SRC / "store" / "analysis.py",
    SRC / "store" / "postgres_schema.py",
]


@pytest.mark.parametrize("path", _ASKING_THE_PROFILE, ids=lambda p: p.name)
def test_enrichment_never_tests_a_language_code(path: Path) -> None:
    assert _language_literals(ast.parse(path.read_text(encoding="utf-8"))) == []


def test_language_code_check_catches_a_test() -> None:
    assert _language_literals(ast.parse('x = language in (None, "en")')) == ["en"]
