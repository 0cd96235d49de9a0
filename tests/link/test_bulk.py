"""Relinking in memory: fact codes rule out translation candidates without their texts, and
never one that the facts themselves would link."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from communique.link.bulk import FactIndex, fact_codes, maybe, prepare
from communique.link.translations import compare, facts

FACTS = st.lists(
    st.sampled_from(["8", "2020", "10", "9", "1945", "arme", "azer", "mosc", "puti", "unit"]),
    max_size=14,
)


@settings(max_examples=300, deadline=None)
@given(FACTS, FACTS)
@example(["8"] * 13 + ["2020"], ["8"] * 5 + ["2020"])  # similarity exactly MIN_CONFIDENCE
def test_codes_never_rule_out_a_pair_the_facts_link(first: list[str], second: list[str]) -> None:
    linked = compare(tuple(first), tuple(second)) is not None
    kept = maybe(fact_codes(tuple(first)), fact_codes(tuple(second)))
    assert kept or not linked
    assert kept == linked  # no hash collision among these few facts


ENGLISH = (
    "On 8 May 2020 the leaders of Armenia and Azerbaijan met Putin in Moscow and signed, on"
    " 10 May 2020, a statement of 9 points."
)
FRENCH = (
    "Le 8 mai 2020, les dirigeants de l'Arménie et de l'Azerbaïdjan ont vu Poutine à Moscou"
    " et ont signé, le 10 mai 2020, une déclaration en 9 points."
)
OTHER = (
    "On 3 June 1999 the ministers of Brazil and Chile met in Santiago and agreed, on 4 June"
    " 1999, a plan of 12 points."
)


def test_fact_index_gives_other_languages_whose_facts_may_match() -> None:
    found = prepare([ENGLISH, OTHER, FRENCH])
    index = FactIndex()
    for key, row in (("en", 0), ("other", 1)):
        index.add(key, "en", found.fact_bands[row], found.fact_codes[row])
    assert facts(FRENCH)[:3] == ("8", "2020", "arme")
    assert index.members(found.fact_bands[2], "fr", found.fact_codes[2]) == [("en", "en")]
    assert index.members(found.fact_bands[2], "en", found.fact_codes[2]) == []
