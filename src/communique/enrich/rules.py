"""A pure-Python English time tagger: the fallback when no Java runtime is installed.

It finds explicit dates ("8 November 2020", "November 8", "2020-11-08", "September 2023",
"in 2020"), relative days ("yesterday", "on Monday", "last week/month/year") and durations
("44 days", "44-day", "almost 30 years"). Compared with HeidelTime it loses: times of day,
sets ("every Monday"), seasons, quarters, decades and centuries, fuzzy expressions ("recently",
"the past few years"), holidays, and every language other than English.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from communique.model import TimeExpr

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
NUMBERS = {
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
}
UNITS = {"day": "D", "week": "W", "month": "M", "year": "Y", "decade": "DE", "hour": "H"}

_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:1[89]|20)\d\d)"
_NUMBER = r"(?P<number>\d+|" + "|".join(NUMBERS) + r")"
_UNIT = r"(?P<unit>day|week|month|year|decade|hour)s?"
PATTERNS = (
    ("iso", re.compile(r"\b(?P<year>(?:1[89]|20)\d\d)-(?P<mm>[01]\d)-(?P<dd>[0-3]\d)\b")),
    ("date", re.compile(rf"\b{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?\b", re.I)),
    ("date", re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?\b", re.I)),
    ("month", re.compile(rf"\b{_MONTH}\s+(?:of\s+)?{_YEAR}\b", re.I)),
    (
        "year",
        re.compile(
            "(?:"
            + "|".join(rf"(?<=\b{w} )" for w in ("in", "since", "by", "until", "of", "from", "to"))
            + rf"){_YEAR}\b",
            re.I,
        ),
    ),
    (
        "duration",
        re.compile(
            rf"\b(?:(?P<mod>almost|nearly|about|over|more than)\s+)?{_NUMBER}[-\s]{_UNIT}\b", re.I
        ),
    ),
    ("relative_day", re.compile(r"\b(?P<word>today|yesterday|tomorrow)\b", re.I)),
    ("weekday", re.compile(r"\b(?P<weekday>" + "|".join(WEEKDAYS) + r")\b", re.I)),
    ("relative", re.compile(r"\b(?P<which>last|next|this)\s+(?P<unit>week|month|year)\b", re.I)),
)


def tag(text: str, published: date | None) -> list[TimeExpr]:
    """Temporal expressions of English `text`, relative ones anchored on `published`.

    Example:
        >>> [(t.text, t.value) for t in tag("On 8 November 2020 and for 44 days.", None)]
        [('8 November 2020', '2020-11-08'), ('44 days', 'P44D')]
    """
    found: list[TimeExpr] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in PATTERNS:
        for match in pattern.finditer(text):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            value = _value(kind, match, published)
            if value is None:
                continue
            taken.append(match.span())
            found.append(
                TimeExpr(
                    match.group(0),
                    match.start(),
                    match.end(),
                    "duration" if kind == "duration" else "date",
                    value,
                )
            )
    return sorted(found, key=lambda t: t.start)


def _value(kind: str, match: re.Match[str], published: date | None) -> str | None:
    groups = match.groupdict()
    if kind == "iso":
        return f"{groups['year']}-{groups['mm']}-{groups['dd']}"
    if kind == "date":
        day = int(groups["day"])
        if not 1 <= day <= 31:
            return None
        year = groups.get("year") or (str(published.year) if published else "XXXX")
        return f"{year}-{MONTHS[groups['month'].lower()]:02d}-{day:02d}"
    if kind == "month":
        return f"{groups['year']}-{MONTHS[groups['month'].lower()]:02d}"
    if kind == "year":
        return str(groups["year"])
    if kind == "duration":
        number = groups["number"].lower()
        amount = int(number) if number.isdigit() else NUMBERS[number]
        unit = UNITS[groups["unit"].lower()]
        return (
            f"P{amount * 10}Y"
            if unit == "DE"
            else f"PT{amount}H"
            if unit == "H"
            else f"P{amount}{unit}"
        )
    return _relative(kind, groups, published)


def _relative(kind: str, groups: dict[str, str], published: date | None) -> str | None:
    if published is None:
        return None
    if kind == "relative_day":
        shift = {"today": 0, "yesterday": -1, "tomorrow": 1}[groups["word"].lower()]
        return (published + timedelta(days=shift)).isoformat()
    if kind == "weekday":
        back = (published.weekday() - WEEKDAYS.index(groups["weekday"].lower())) % 7
        return (published - timedelta(days=back)).isoformat()
    shift = {"last": -1, "next": 1, "this": 0}[groups["which"].lower()]
    unit = groups["unit"].lower()
    if unit == "year":
        return str(published.year + shift)
    if unit == "month":
        month_index = published.year * 12 + published.month - 1 + shift
        return f"{month_index // 12}-{month_index % 12 + 1:02d}"
    year, week, _ = (published + timedelta(weeks=shift)).isocalendar()
    return f"{year}-W{week:02d}"
