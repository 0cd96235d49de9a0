"""HeidelTime's speed-ups: windows around triggers and per-rule fast checks change nothing."""

from __future__ import annotations

import itertools
import json
from datetime import date
from typing import Any

import pytest

from communique.enrich import heideltime
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


@needs_jar
def test_windows_stay_in_their_sentence_and_cover_every_trigger() -> None:
    found = heideltime.windows(SPEECH_LIKE, "en")
    sentences = heideltime.segments(SPEECH_LIKE, "en")
    needed = heideltime.trigger("english")
    assert needed is not None
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


def rule_checks() -> list[tuple[Any, Any]]:
    """Each installed HeidelTime English rule pattern with the fast check it got."""
    import jpype

    heideltime.tag("Warm up on 8 May 2020.", "en", date(2020, 9, 22))
    java = heideltime._classes()
    english = java["language"].getLanguageFromString("english")
    rules = java["rules"].getInstance(english, jpype.JBoolean(False))
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
    needed = heideltime.requirement(rule, names)
    assert needed == {("resource", "reMonthLong"), ("resource", "reMonthShort")}
    assert heideltime.requirement("(%reApproximate )?([Tt]he )?", names) is None
    assert heideltime.requirement("(?i)%reMonthLong", names) is None
    check = heideltime.fast_check(frozenset({("word", "quarter")}), str)
    assert check == "(?:(?=[Qq])(?iu:quarter))"
