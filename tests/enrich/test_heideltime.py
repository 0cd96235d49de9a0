"""HeidelTime's speed-ups: windows around triggers and per-rule fast checks change nothing."""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from communique.enrich import heideltime, rule_patterns
from communique.lang import profiles
from communique.model import Extraction
from communique.pipeline import extract_targets
from communique.settings import Settings
from tests.conftest import shared_path

needs_java = pytest.mark.skipif(not heideltime.available(), reason="no Java: no HeidelTime")
needs_jar = pytest.mark.skipif(heideltime.trigger("english") is None, reason="no HeidelTime jar")

SPEECH_LIKE = (
    "Mr. President, over the next couple of years our region will need help. For at least the"
    " past 18 months, and no more than sixty days ago, the talks stalled. Earlier this month the"
    " council met again, and the beginning of October saw a ceasefire that held until"
    " 3 November 2020. We thank the Secretary-General for his report.\n\n"
    "Seventy-five years after the Charter was signed, the world faces a pandemic. Yesterday,"
    " ministers spoke of the 2030 Agenda; the Goals remain far away. In the spring of 2021 the"
    " elections take place, every four years, as they did in 2017 and the 1990s.\n"
    "Twenty-five years ago, on the fifth of May, a treaty was signed. The following month it"
    " entered into force. Last week, at 5 p.m., the envoy left; he returns a few days later."
)


def speeches(count: int) -> list[str]:
    path = shared_path("corpora", "ungdc_2020_2024.jsonl")
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line)["text"] for line, _ in zip(lines, range(count), strict=False)]


def sentences_with(needed: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    """The sentences and lines of `text` that hold a trigger: what HeidelTime got before windows."""
    return [m.span() for m in heideltime._SEGMENT.finditer(text) if needed.search(m.group(0))]


@needs_jar
def test_windows_stay_in_their_sentence_and_cover_every_trigger() -> None:
    found = heideltime.windows(SPEECH_LIKE, "en")
    needed = heideltime.trigger("english")
    assert needed is not None
    sentences = sentences_with(needed, SPEECH_LIKE)
    assert sum(e - s for s, e in found) < 0.9 * sum(e - s for s, e in sentences)
    thanks = SPEECH_LIKE.index("his report")
    assert not any(start <= thanks < end for start, end in found)
    for (_, end), (next_start, _) in itertools.pairwise(found):
        assert end < next_start
    for start, end in found:
        assert any(first <= start < end <= last for first, last in sentences)
        assert start in {s for s, _ in sentences} or SPEECH_LIKE[start - 1].isspace()
        assert end in {e for _, e in sentences} or SPEECH_LIKE[end].isspace()
    for match in needed.finditer(SPEECH_LIKE):
        inside = any(s <= match.start() and match.end() <= e for s, e in found)
        in_a_sentence = any(s <= match.start() < e for s, e in sentences)
        assert inside or not in_a_sentence, match.group(0)


@needs_java
def test_windows_find_what_whole_sentences_find_at_the_same_offsets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    windowed = heideltime.tag(SPEECH_LIKE, "en", date(2020, 9, 22))
    monkeypatch.setattr(heideltime, "MARGIN", len(SPEECH_LIKE))
    whole = heideltime.tag(SPEECH_LIKE, "en", date(2020, 9, 22))
    assert windowed == whole
    texts = [t.text for t in windowed]
    assert "over the next couple of years" in [t.lower() for t in texts]
    assert "at least the past 18 months" in texts
    assert all(SPEECH_LIKE[t.start : t.end] == t.text for t in windowed)


@needs_java
def test_windows_change_nothing_on_real_speeches(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = speeches(2)
    windowed = [heideltime.tag(text, "en", date(2020, 9, 22)) for text in texts]
    monkeypatch.setattr(heideltime, "MARGIN", max(map(len, texts)))
    assert windowed == [heideltime.tag(text, "en", date(2020, 9, 22)) for text in texts]
    assert sum(map(len, windowed)) > 10
    for text, found in zip(texts, windowed, strict=True):
        assert all(text[t.start : t.end] == t.text for t in found)


def rule_checks(language: str = "english") -> list[tuple[Any, Any]]:
    """Each installed HeidelTime rule pattern of `language` with the fast check it got."""
    import jpype

    code = next(p.code for p in profiles().values() if p.heideltime == language)
    heideltime.tag("Warm up on 8 May 2020.", code, date(2020, 9, 22))
    java = heideltime._classes()
    which = java["language"].getLanguageFromString(language)
    rules = java["rules"].getInstance(which, jpype.JBoolean(False))
    pairs = []
    for patterns, checks in (
        (rules.getHmDatePattern(), rules.getHmDateFastCheck()),
        (rules.getHmDurationPattern(), rules.getHmDurationFastCheck()),
        (rules.getHmTimePattern(), rules.getHmTimeFastCheck()),
        (rules.getHmSetPattern(), rules.getHmSetFastCheck()),
    ):
        for pattern in patterns.keySet():
            check = checks.get(patterns.get(pattern))
            if check is not None:
                pairs.append((pattern, check))
    return pairs


@needs_java
def test_every_rule_match_holds_what_its_fast_check_looks_for() -> None:
    pairs = rule_checks()
    assert len(pairs) > 200
    texts = [SPEECH_LIKE, *speeches(2)]
    checked = 0
    for pattern, check in pairs:
        for text in texts:
            matcher = pattern.matcher(text)
            while matcher.find():
                checked += 1
                assert check.matcher(matcher.group()).find(), (str(pattern), matcher.group())
    assert checked > 100


def test_fast_checks_are_derived_from_what_a_rule_cannot_do_without() -> None:
    names = ["reMonthLong", "reMonthShort", "reYear4Digit", "reApproximate"]
    rule = "(%reApproximate )?(%reMonthLong|%reMonthShort) %reYear4Digit"
    needed = rule_patterns.requirement(rule, names)
    assert needed == {("resource", "reMonthLong"), ("resource", "reMonthShort")}
    assert rule_patterns.requirement("(%reApproximate )?([Tt]he )?", names) is None
    assert rule_patterns.requirement("(?i)%reMonthLong", names) is None
    check = rule_patterns.fast_check(frozenset({("word", "quarter")}), str)
    assert check == "(?:(?=[Qq])(?iu:quarter))"


@functools.cache
def statements(language: str) -> list[tuple[str, date | None]]:
    """Text and publication date of each real statement in `language` of the shared pages."""
    pages = shared_path("pages")
    files = []
    for sidecar in sorted(pages.glob("*.json")):
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        if isinstance(meta, dict) and meta.get("language") == language:
            files.append(str(sidecar.with_suffix(".html")))
    found = extract_targets(files, Settings(enrich=False, workers=1))
    return [(e.text, e.published) for e in found if isinstance(e, Extraction) and e.text]


@contextlib.contextmanager
def without_fast_checks(language: str) -> Iterator[None]:
    """HeidelTime's rules of `language` without the fast checks this module installs."""
    import jpype

    rule_checks(language)
    java = heideltime._classes()
    rules = java["rules"].getInstance(
        java["language"].getLanguageFromString(language), jpype.JBoolean(False)
    )
    maps = {
        "date": rules.getHmDateFastCheck(),
        "duration": rules.getHmDurationFastCheck(),
        "time": rules.getHmTimeFastCheck(),
        "set": rules.getHmSetFastCheck(),
    }
    removed = [(maps[kind], rule) for kind, rule in heideltime.rule_requirements(language)]
    checks = [(found, rule, found.remove(rule)) for found, rule in removed]
    assert sum(check is not None for _, _, check in checks) > 150
    try:
        yield
    finally:
        for found, rule, check in checks:
            found.put(rule, check)


@needs_java
def test_german_windows_and_fast_checks_change_nothing_on_real_statements() -> None:
    texts = statements("de")
    assert len(texts) >= 10
    windowed = [heideltime.raw(t, "de", day, heideltime.windows(t, "de")) for t, day in texts]
    assert sum(e - s for t, _ in texts for s, e in heideltime.windows(t, "de")) < 0.3 * sum(
        len(t) for t, _ in texts
    )
    with without_fast_checks("german"):
        whole = [heideltime.raw(t, "de", day, [(0, len(t))]) for t, day in texts]
    assert windowed == whole
    assert sum(map(len, whole)) > 50
    assert {kind for found in whole for _, _, kind, _ in found} >= {"DATE", "DURATION"}


@needs_java
def test_every_german_rule_match_holds_what_its_fast_check_looks_for() -> None:
    pairs = rule_checks("german")
    assert len(pairs) > 150
    checked = 0
    for pattern, check in pairs:
        for text, _ in statements("de"):
            matcher = pattern.matcher(text)
            while matcher.find():
                checked += 1
                assert check.matcher(matcher.group()).find(), (str(pattern), matcher.group())
    assert checked > 100


@needs_jar
@pytest.mark.parametrize("language", sorted(heideltime.WINDOWED))
def test_the_trigger_holds_something_every_rule_needs(language: str) -> None:
    needed = heideltime.trigger(language)
    assert needed is not None
    assert heideltime._uncovered(language, needed) == set()


@needs_jar
def test_german_triggers_come_from_the_rules_and_sit_inside_compounds() -> None:
    needed = heideltime.trigger("german")
    assert needed is not None
    assert needed.search("eine Stunde")
    assert needed.search("zum Jahresende")
    assert needed.search("Wochenende")
    assert not needed.search("Die Regierung begrüßt den Beschluss.")
    assert heideltime.trigger("french") is None


@needs_jar
@pytest.mark.parametrize("language", sorted(heideltime.WINDOWED))
def test_the_trigger_tree_matches_where_its_patterns_do(language: str) -> None:
    resources = heideltime._resources(language)
    patterns = {p for name in heideltime.TRIGGER_PATTERNS for p in resources.get(name, ())}
    tree = re.compile(rule_patterns.alternation(patterns), re.I)
    plain = re.compile("|".join(sorted(patterns, key=len, reverse=True)), re.I)
    for pattern in patterns:
        for string in rule_patterns._strings(pattern) or ():
            assert tree.fullmatch(string), (pattern, string)
    text = statements("de")[1][0] if language == "german" else SPEECH_LIKE
    for position in range(len(text)):
        assert bool(tree.match(text, position)) == bool(plain.match(text, position)), position
