"""English words of time shared by the rule families: months, weekdays, numbers, units.

Also the arithmetic of calendar values: months, ISO weeks and quarters shifted by a count.
"""

from __future__ import annotations

from datetime import date

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
NUMBERS: dict[str, int | str] = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "a": 1,
    "an": 1,
    "a couple of": 2,
    "a few": "X",
    "few": "X",
    "several": "X",
    "many": "X",
}
MONTH_RE = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
"""A month name or abbreviation, in group `month`."""
UNITS = {"day": "D", "week": "W", "month": "M", "year": "Y", "decade": "DE", "hour": "H"}

PARTS_OF_DAY = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI"}
SEASONS = {"spring": "SP", "summer": "SU", "autumn": "FA", "fall": "FA", "winter": "WI"}
FULL_MONTH = (
    r"(?P<month>January|February|March|April|May|June|July|August|September|October|"
    r"November|December)"
)


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
