"""English words of time shared by the rule families: months, weekdays, numbers, units.

Also the arithmetic of calendar values: months, ISO weeks and quarters shifted by a count.
"""

from __future__ import annotations

import re
from datetime import date

from communique.lang import profile

MONTHS = profile("en").month_numbers
"""English month names and abbreviations → their numbers (the English profile's `months`)."""
WEEKDAYS = tuple(day.split()[0] for day in profile("en").weekdays)
"""English weekday names, Monday first (the English profile's `weekdays`)."""
ONES = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
"""1 to 9."""
TEENS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
         "eighteen", "nineteen")  # fmt: skip
"""10 to 19."""
TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
"""20 to 90."""
YEAR = r"(?:1[89]|20)\d\d"
"""A year written in digits, 1800 to 2099: the one definition every date rule uses."""
POSSESSIVE = re.compile(r"['’]s?$")
"""A possessive ending ("Russia's", "States'")."""
NUMBERS: dict[str, int | str] = {
    **{word: number for number, word in enumerate(ONES, start=1)},
    **{word: number for number, word in enumerate(TEENS, start=10)},
    **{word: 10 * number for number, word in enumerate(TENS, start=2)},
    **{
        f"{tens}{joint}{ones}": 10 * tens_number + ones_number
        for tens_number, tens in enumerate(TENS, start=2)
        for ones_number, ones in enumerate(ONES, start=1)
        for joint in ("-", " ")
    },
    **{f"{ones} hundred": 100 * number for number, ones in enumerate(("a", *ONES[1:]), start=1)},
    **{f"{ones} thousand": 1000 * number for number, ones in enumerate(("a", *ONES[1:]), start=1)},
    "one hundred": 100,
    "one thousand": 1000,
    "a": 1,
    "an": 1,
    "a couple of": 2,
    "couple of": 2,
    "a few": "X",
    "few": "X",
    "several": "X",
    "many": "X",
}
_ONE_TO_NINE = "|".join(ONES)
_TEN_TO_NINETEEN = "|".join(TEENS)
NUMBER_RE = (
    r"(?P<number>(?=[\dacefmnost])(?:\d+|(?:a\s+)?couple\s+of|a\s+few|few|several|many|"
    rf"(?:a|{_ONE_TO_NINE})\s+(?:hundred|thousand)|(?:{'|'.join(TENS)})(?:[\s-](?:{_ONE_TO_NINE}))?|"
    rf"{_ONE_TO_NINE}|{_TEN_TO_NINETEEN}|an?))"
)
"""A count in digits or words ("44", "twenty-four", "a hundred", "several"), in group `number`."""
MONTH_RE = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
"""A month name or abbreviation, in group `month`."""
UNITS = {
    "day": "D",
    "week": "W",
    "month": "M",
    "year": "Y",
    "decade": "DE",
    "century": "CE",
    "centurie": "CE",
    "hour": "H",
    "minute": "MIN",
}
"""TimeML duration units of the singular (or plural without its s) unit words."""

PARTS_OF_DAY = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI"}
SEASONS = {"spring": "SP", "summer": "SU", "autumn": "FA", "fall": "FA", "winter": "WI"}
FULL_MONTH = "(?P<month>" + "|".join(n.split()[0].title() for n in profile("en").months) + ")"
"""A full English month name, capitalised, in group `month`."""


def month_value(year: int, month: int, shift: int = 0) -> str:
    """The `YYYY-MM` value of the month `shift` months after `year`-`month`.

    Example:
        >>> month_value(2020, 1, -1), month_value(2020, 12, 1)
        ('2019-12', '2021-01')
    """
    index = year * 12 + month - 1 + shift
    return f"{index // 12}-{index % 12 + 1:02d}"


def week_value(day: date) -> str:
    """The ISO week value (`YYYY-Www`) of the week holding `day`.

    Example:
        >>> week_value(date(2021, 1, 1))
        '2020-W53'
    """
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def quarter_number(day: date) -> int:
    """The calendar quarter (1-4) `day` falls in."""
    return (day.month - 1) // 3 + 1


def shifted_quarter(year: int, quarter: int, shift: int) -> tuple[int, int]:
    """(year, quarter) `shift` quarters after quarter `quarter` of `year`.

    Example:
        >>> shifted_quarter(2020, 1, -1), shifted_quarter(2020, 4, 1)
        ((2019, 4), (2021, 1))
    """
    index = year * 4 + quarter - 1 + shift
    return index // 4, index % 4 + 1
