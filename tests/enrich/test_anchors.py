"""References resolved against publication and narrative: weekdays, quarters, years, cues."""

from __future__ import annotations

from datetime import date

import pytest

from communique.enrich import heideltime
from communique.enrich.rules import tag
from communique.enrich.times import tag_times

THURSDAY = date(1989, 11, 2)
TAGGERS = [
    "rules",
    pytest.param(
        "heideltime",
        marks=pytest.mark.skipif(not heideltime.available(), reason="no Java: no HeidelTime"),
    ),
]


def value_of(text: str, surface: str, published: date, tagger: str) -> str:
    """The value given to the expression that overlaps `surface` in `text`."""
    start = text.index(surface)
    end = start + len(surface)
    found = tag_times(text, "en", published, tagger)
    overlapping = [t for t in found if t.start < end and start < t.end]
    assert overlapping, f"nothing found at {surface!r} in {[t.text for t in found]}"
    return overlapping[0].value


@pytest.mark.parametrize("tagger", TAGGERS)
def test_a_weekday_is_the_last_one_in_past_sentences_and_the_next_one_in_future_ones(
    tagger: str,
) -> None:
    text = (
        "The foreign minister said Monday that the talks had failed. "
        "The two delegations are scheduled to meet again Tuesday in Geneva. "
        "The envoy will travel to Baku on Saturday."
    )
    assert value_of(text, "Monday", THURSDAY, tagger) == "1989-10-30"
    assert value_of(text, "Tuesday", THURSDAY, tagger) == "1989-11-07"
    assert value_of(text, "Saturday", THURSDAY, tagger) == "1989-11-04"


def test_last_and_next_weekday_never_mean_publication_day() -> None:
    text = "The ceasefire was broken last Thursday and talks resume next Thursday."
    assert value_of(text, "last Thursday", THURSDAY, "rules") == "1989-10-26"
    assert value_of(text, "next Thursday", THURSDAY, "rules") == "1989-11-09"


def test_a_plan_told_in_the_past_keeps_its_weekday_in_the_past() -> None:
    text = "The offer had been scheduled to expire at midnight Friday."
    assert value_of(text, "Friday", THURSDAY, "rules") == "1989-10-27T24:00"


@pytest.mark.parametrize("tagger", TAGGERS)
def test_quarters_follow_the_quarter_a_report_is_about(tagger: str) -> None:
    text = (
        "The state oil company posted a 20% rise in third-quarter net income. "
        "Profit rose to $108 million in the quarter from $90 million a year ago. "
        "In the year-earlier quarter, the company took a charge for its refinery. "
        "It expects output to recover in the first quarter."
    )
    assert value_of(text, "third-quarter", THURSDAY, tagger) == "1989-Q3"
    assert value_of(text, "the quarter from", THURSDAY, tagger) == "1989-Q3"
    assert value_of(text, "a year ago", THURSDAY, tagger) == "1988-Q3"
    assert value_of(text, "the year-earlier quarter", THURSDAY, tagger) == "1988-Q3"
    assert value_of(text, "the first quarter", THURSDAY, tagger) == "1990-Q1"


def test_a_quarter_ending_on_a_named_day_is_the_calendar_quarter_it_mostly_covers() -> None:
    text = "In the quarter ended July 31, exports fell. In the 1988 period they had risen."
    assert value_of(text, "the quarter", THURSDAY, "rules") == "1989-Q2"
    assert value_of(text, "the 1988 period", THURSDAY, "rules") == "1988-Q2"


def test_a_fraction_or_a_district_is_not_a_quarter() -> None:
    text = "A quarter of the voters live in the old quarter of the capital."
    assert [t.value for t in tag(text, THURSDAY)] == []


def test_ago_counts_back_from_publication_when_no_quarter_is_named() -> None:
    text = "Two years ago the border was closed; six months ago it reopened."
    found = {t.text: t.value for t in tag_times(text, "en", THURSDAY, "rules")}
    assert found["Two years ago"] == "1987"
    assert found["six months ago"] == "1989-05"


@pytest.mark.parametrize("tagger", TAGGERS)
def test_a_month_and_day_without_a_year_takes_it_from_the_words_before(
    tagger: str,
) -> None:
    text = (
        "The embassy said the new visa rules take effect Jan. 2. "
        "Trade grew in the fiscal year ended March 31. "
        "The delegation arrived on Oct. 16; the summit opens Nov. 16."
    )
    assert value_of(text, "Jan. 2", THURSDAY, tagger) == "1990-01-02"
    assert value_of(text, "March 31", THURSDAY, tagger) == "1989-03-31"
    assert value_of(text, "Oct. 16", THURSDAY, tagger) == "1989-10-16"
    assert value_of(text, "Nov. 16", THURSDAY, tagger) == "1989-11-16"


def test_a_bare_month_after_since_is_in_the_past_even_in_a_future_sentence() -> None:
    text = "The carrier, on patrol since March, is scheduled to return to port."
    assert value_of(text, "March", date(1990, 8, 13), "rules") == "1990-03"


def test_a_clock_time_joins_the_day_next_to_it() -> None:
    text = "Bids must be submitted by 5 p.m. EST Nov. 9 to the ministry."
    found = tag_times(text, "en", THURSDAY, "rules")
    assert [(t.text, t.value) for t in found] == [("5 p.m. EST Nov. 9", "1989-11-09T17:00")]


def test_rules_tag_present_past_future_seasons_decades_and_fiscal_years() -> None:
    text = (
        "The ministry is now reviewing the accord it recently signed, and will soon publish it. "
        "This summer the fiscal 1990 budget rose, as in the 1980s and the 20th century. "
        "A couple of years of talks ended last June; this morning the envoy left."
    )
    found = {t.text: t.value for t in tag(text, date(1990, 2, 6))}
    assert found["now"] == "PRESENT_REF"
    assert found["recently"] == "PAST_REF"
    assert found["soon"] == "FUTURE_REF"
    assert found["This summer"] == "1990-SU"
    assert found["fiscal 1990"] == "1990"
    assert found["the 1980s"] == "198"
    assert found["the 20th century"] == "19"
    assert found["A couple of years"] == "P2Y"
    assert found["last June"] == "1989-06"
    assert found["this morning"] == "1990-02-06TMO"


def test_may_the_verb_and_the_past_as_a_modifier_are_not_times() -> None:
    text = "Delegations may attend. Over the past three years trade doubled."
    found = [(t.text, t.value) for t in tag(text, THURSDAY)]
    assert found == [("three years", "P3Y")]


@pytest.mark.parametrize("tagger", TAGGERS)
def test_numbers_of_resolutions_and_amounts_are_not_years(tagger: str) -> None:
    text = (
        "Recalling Security Council resolutions 1970 and 1973, and resolution 2016 (2011), "
        "the Council paid $1990 and 2000 troops left in 1999."
    )
    found = tag_times(text, "en", THURSDAY, tagger)
    assert [(t.text, t.value) for t in found] == [("2011", "2011"), ("1999", "1999")]


def test_the_following_year_and_that_month_count_from_the_date_told_before() -> None:
    text = (
        "The embassy opened on 12 March 2015. The following year it moved to a new building, "
        "and in May 2019 a consulate opened; that month the ambassador left."
    )
    found = {t.text: t.value for t in tag_times(text, "en", date(2023, 11, 8), "rules")}
    assert found["The following year"] == "2016"
    assert found["that month"] == "2019-05"
