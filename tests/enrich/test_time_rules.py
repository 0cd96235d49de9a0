"""Every time rule in enrich/data/times/ finds what its example says, and the data is sound."""

from __future__ import annotations

from datetime import date

import pytest

from communique.enrich import phrases, rules
from communique.enrich.timedata import TimeRule, expand, time_rules
from communique.lang import profiles

RULES = time_rules("en").rules


@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_time_rule_example(rule: TimeRule) -> None:
    example = rule.example
    text, (surface, value) = example["text"], example["expect"]
    found = rules.tag(text, date.fromisoformat(example["published"]))
    assert (surface, value) in [(t.text, t.value) for t in found], found
    spans = [
        m.group("expr") if "expr" in rule.pattern.groupindex and m["expr"] else m.group(0)
        for m in rule.pattern.finditer(text)
    ]
    assert surface in spans, (rule.name, spans)
    assert rule.doc


def test_rule_names_are_unique_and_kinds_known() -> None:
    names = [r.name for r in RULES]
    assert len(names) == len(set(names))
    own = {"iso", "date", "month", "duration", "relative_day", "weekday", "clock"}
    own |= {"month_year", "this_year", "told_before", "relative", "month_alone", "season"}
    own |= {"decade", "century", "fiscal", "reference", "bare_year", "quarter", "ago"}
    assert {r.kind for r in RULES} == own | phrases.KINDS


def test_languages_with_own_time_rules_have_a_rule_file() -> None:
    for code, known in profiles().items():
        if known.time_rules:
            assert time_rules(code).rules, code


def test_an_unknown_fragment_is_named() -> None:
    with pytest.raises(ValueError, match=r"here: unknown fragment \{NOPE\}"):
        expand("a{NOPE}", {}, "here")
