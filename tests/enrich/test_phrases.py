"""The rule tagger's phrase families: spelled years, parts of years, weekends, sets, vague spans."""

from __future__ import annotations

from datetime import date

import pytest

from communique.enrich.rules import tag
from communique.enrich.times import tag_times

MONDAY = date(2023, 11, 6)
THURSDAY = date(1989, 10, 26)


def value_of(text: str, surface: str, published: date | None) -> tuple[str, str]:
    """(type, value) of the rules' expression overlapping `surface` in `text`."""
    start = text.index(surface)
    end = start + len(surface)
    found = [t for t in tag(text, published) if t.start < end and start < t.end]
    assert found, f"nothing found at {surface!r}: {[t.text for t in tag(text, published)]}"
    return found[0].type, found[0].value


def resolved(text: str, surface: str, published: date) -> str:
    """The value after anchoring (rules tagger, whole pipeline of `tag_times`)."""
    start = text.index(surface)
    end = start + len(surface)
    found = tag_times(text, "en", published, "rules")
    overlapping = [t for t in found if t.start < end and start < t.end]
    assert overlapping, f"nothing found at {surface!r}: {[t.text for t in found]}"
    return overlapping[0].value


@pytest.mark.parametrize(
    ("text", "surface", "value"),
    [
        ("The treaty was signed in nineteen ninety-six in Minsk.", "nineteen ninety-six", "1996"),
        ("Talks resumed in January nineteen ninety-seven.", "January", "1997-01"),
        ("Prices last fell that low in the winter of nineteen ninety-four.", "winter", "1994-WI"),
        ("The goal is to halve poverty by the year two thousand.", "two thousand", "2000"),
        ("The plan runs until twenty thirty, the minister said.", "twenty thirty", "2030"),
        ("Elections are due in two thousand and eight.", "thousand", "2008"),
    ],
)
def test_spelled_out_years_as_read_aloud(text: str, surface: str, value: str) -> None:
    assert value_of(text, surface, MONDAY) == ("date", value)


def test_two_thousand_alone_counts_things_not_a_year() -> None:
    text = "Some two thousand troops crossed the border."
    assert all(t.value != "2000" for t in tag(text, MONDAY))


@pytest.mark.parametrize(
    ("text", "surface", "expected"),
    [
        ("The rebel front began to split in mid-1996.", "mid-1996", ("date", "1996")),
        ("Growth slowed in the first half of 2021.", "first half", ("date", "2021-H1")),
        ("Output will fall in the second half of next year.", "second half", ("date", "2024-H2")),
        ("Membership declined through the nineties.", "nineties", ("date", "199")),
        ("It was a common sight in the '80s.", "'80s", ("date", "198")),
        ("The sale should close by year-end.", "year-end", ("date", "2023")),
        ("The index is up 4% since year-end.", "year-end", ("date", "2022")),
        ("Troops will leave by the end of the year.", "end of the year", ("date", "2023")),
        ("Sales for the year ended June 30 rose 4%.", "the year", ("duration", "P1Y")),
        ("For the year, exports grew by a third.", "the year", ("date", "2023")),
        ("Exports grew in the past year.", "the past year", ("date", "2022")),
        (
            "In 2019 the ministry spent more than planned for the year.",
            "the year",
            ("date", "2019"),
        ),
        ("Inflation doubled over the last decade.", "last decade", ("date", "201")),
    ],
)
def test_parts_of_years_and_the_year_told_of(
    text: str, surface: str, expected: tuple[str, str]
) -> None:
    assert value_of(text, surface, MONDAY) == expected


def test_the_weekend_is_the_last_one_in_the_past_and_the_next_one_in_the_future() -> None:
    text = "Officials met over the weekend. The ministers will meet again next weekend."
    assert value_of(text, "the weekend", MONDAY) == ("date", "2023-W44-WE")
    assert value_of(text, "next weekend", MONDAY) == ("date", "2023-W45-WE")
    future = "The delegation will travel to Geneva at the weekend."
    assert value_of(future, "the weekend", MONDAY) == ("date", "2023-W45-WE")


@pytest.mark.parametrize(
    ("text", "surface", "value"),
    [
        ("The council meets every month in New York.", "every month", "P1M"),
        ("Inspectors report each Thursday.", "each Thursday", "XXXX-WXX-4"),
        ("Pilgrims gather each July at the shrine.", "each July", "XXXX-07"),
        ("The ferry sails every two weeks.", "every two weeks", "P2W"),
        ("The embassy is closed on Mondays.", "Mondays", "XXXX-WXX-1"),
        ("Flights leave on Monday and Tuesday nights.", "Tuesday nights", "XXXX-WXX-2TNI"),
    ],
)
def test_sets(text: str, surface: str, value: str) -> None:
    assert value_of(text, surface, MONDAY) == ("set", value)


@pytest.mark.parametrize(
    ("text", "surface", "expected"),
    [
        ("Kidnappings have risen in recent years.", "recent years", ("date", "PAST_REF")),
        ("Talks are expected in the coming months.", "coming months", ("date", "FUTURE_REF")),
        ("Funds may sell bonds in the weeks ahead.", "weeks ahead", ("date", "FUTURE_REF")),
        ("Losses narrowed over the past two quarters.", "two quarters", ("duration", "P2Q")),
        ("It returned to profit after several quarters of losses.", "several", ("duration", "PXQ")),
        ("The town was ruled from the capital for centuries.", "centuries", ("duration", "PXCE")),
        ("Troops could be deployed within weeks.", "weeks", ("duration", "PXW")),
        ("The accord follows months of talks.", "months", ("duration", "PXM")),
        (
            "Most damage was done in the first hours of the storm.",
            "first hours",
            ("duration", "PTXH"),
        ),
        ("Details will be announced at a later date.", "later date", ("date", "FUTURE_REF")),
        ("Repairs will take two to three weeks.", "two", ("duration", "P2W")),
        ("Repairs will take two to three weeks.", "three weeks", ("duration", "P3W")),
    ],
)
def test_vague_spans_and_ranges_of_counts(
    text: str, surface: str, expected: tuple[str, str]
) -> None:
    assert value_of(text, surface, MONDAY) == expected


def test_three_quarters_of_something_is_a_fraction_not_a_time() -> None:
    assert tag("Three quarters of the voters backed the plan.", MONDAY) == []


def test_may_is_a_month_after_a_preposition_and_a_verb_elsewhere() -> None:
    text = "Talks should conclude by May. Delegates may meet again. In May, they did."
    found = tag(text, date(1998, 3, 22))
    assert [(t.text, t.value) for t in found] == [("May", "1998-05"), ("May", "1998-05")]
    assert resolved(text, "by May", date(1998, 3, 22)) == "1998-05"


@pytest.mark.parametrize(
    ("text", "surface", "value"),
    [
        ("By mid-afternoon, the border crossing was reopened.", "mid-afternoon", "2023-11-06TAF"),
        ("Shares rose in late morning yesterday.", "morning yesterday", "2023-11-05TMO"),
        ("Officials said the region could one day join the union.", "one day", "FUTURE_REF"),
    ],
)
def test_parts_of_days_and_one_day(text: str, surface: str, value: str) -> None:
    assert value_of(text, surface, MONDAY)[1] == value


def test_a_part_of_the_day_is_on_the_day_the_narrative_tells_of() -> None:
    text = "Trading was heavy on Friday. Dealers placed buy orders in the morning."
    assert resolved(text, "the morning", MONDAY) == "2023-11-03TMO"


@pytest.mark.parametrize(
    ("text", "surface", "value"),
    [
        ("Markets fell in the last twenty-four hours.", "twenty-four hours", "PT24H"),
        ("The base has been leased for almost a hundred years.", "a hundred years", "P100Y"),
        ("Refugees lived in the camps for 2 1/2 years.", "2 1/2 years", "P2Y6M"),
        ("The talks lasted two and a half years.", "two and a half years", "P2Y6M"),
        ("A minute and a half later the pilot called.", "A minute", "PT1M30S"),
        ("The fleet may stay for at least 20 more years.", "20 more years", "P20Y"),
        ("Inspectors may stay for no more than sixty days.", "sixty days", "P60D"),
        ("Eight trading days after the crash, shares recovered.", "Eight trading days", "P8D"),
        ("The answer comes in a few minutes.", "a few minutes", "PTXM"),
    ],
)
def test_durations_with_compound_numbers_halves_and_modifiers(
    text: str, surface: str, value: str
) -> None:
    assert value_of(text, surface, MONDAY) == ("duration", value)


@pytest.mark.parametrize(
    "text",
    [
        "The ambassador, 52 years old, presented his credentials.",
        "A 136-year-old institution closed its doors.",
        "The deal saves $500 million a year in costs.",
        "The route adds nearly 700 seats a week.",
        "They could leave as soon as the threats stop.",
        'The minister spoke on ABC\'s "This Week" programme.',
        "The interview was broadcast on VOA Today.",
    ],
)
def test_ages_rates_conjunctions_and_titles_are_no_times(text: str) -> None:
    assert tag(text, MONDAY) == []


def test_durations_after_a_preposition_and_as_soon_as_possible_stay_times() -> None:
    assert value_of("The mission will stay for a year.", "a year", MONDAY) == ("duration", "P1Y")
    assert value_of("Leave as soon as possible.", "soon", MONDAY) == ("date", "FUTURE_REF")
    assert value_of("Yesterday, shares fell.", "Yesterday", MONDAY) == ("date", "2023-11-05")


def test_last_year_comparing_amounts_is_the_quarter_a_year_before_the_one_reported() -> None:
    text = (
        "The company said third-quarter profit rose to $5 million. "
        "Sales were $80 million, up from last year's $70 million."
    )
    assert resolved(text, "last year", THURSDAY) == "1988-Q3"
    assert resolved("Last year the company moved to Ohio.", "Last year", THURSDAY) == "1988"


def test_a_quarter_reported_on_after_separately_becomes_the_subject() -> None:
    text = (
        "Alpha Airlines said its fiscal first quarter profit rose 10%.\n\n"
        "Separately, Beta Airways reported third-quarter profit fell to $2 million from "
        "$3 million a year earlier."
    )
    assert resolved(text, "a year earlier", THURSDAY) == "1988-Q3"


def test_a_deadline_month_is_the_coming_one() -> None:
    text = "The group plans to repay the loan by February."
    assert resolved(text, "February", date(1989, 10, 30)) == "1990-02"
