"""The rule tagger's families of English phrases that name time without a calendar date.

Each family follows the TimeML (TIMEX3) conventions for what is an expression and how its
value is written:

1. Spelled-out years, as read aloud in speeches and broadcasts: "nineteen ninety-six",
   "January nineteen ninety-seven", "the winter of nineteen ninety-four", "the year two
   thousand", "twenty twenty-three".
2. Parts of a year: "mid-1996", "the first half of 1990" (1990-H1), "the nineties" and "the
   '80s" (decades), "year-end", "the end of the year" (the year, as TimeML writes it with
   mod END), "the year" and "the fiscal year" (the year being told of; a duration P1Y when it
   is "the year ended June 30"), "the past year" (last year), "later in the day".
3. Weekends: "over the weekend" is the last one in a past sentence, the next one in a future
   one ("1990-W32-WE").
4. Sets: "every month" (P1M), "each Thursday" (XXXX-WXX-4), "each July" (XXXX-07), "on
   Mondays", "Monday and Tuesday nights" (XXXX-WXX-1TNI, XXXX-WXX-2TNI).
5. Vague spans: "in recent years" (PAST_REF), "in coming months", "the weeks ahead", "future
   quarters" (FUTURE_REF), "the past two quarters" (P2Q), "several quarters" (PXQ), and bare
   plurals after a preposition: "for years", "within weeks", "for centuries" (PXY, PXW, PXCE);
   the first count of "two to three weeks" (P2W, by `range_firsts`); "after
   months of talks", "heady days of growth" (PXM, PXD); "the first hours", "the early years"
   (PTXH, PXY).
6. The month "May" after a preposition ("by May", "in May"), where it cannot be the verb.
7. A part of the day without a day ("by mid-afternoon", "in the morning", "late morning
   yesterday"): the day of publication, or the day named.
8. "Will one day", "could one day": the future, not a duration of one day.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from communique.enrich.lexicon import (
    MONTHS,
    NUMBER_RE,
    NUMBERS,
    ONES,
    PARTS_OF_DAY,
    SEASONS,
    TEENS,
    TENS,
    WEEKDAYS,
    YEAR,
    month_value,
    week_value,
)
from communique.enrich.tense import clause_tense
from communique.model import TimeExpr

_CENTURIES = {"eighteen": 18, "nineteen": 19, "twenty": 20}
_PLURAL_UNITS = {
    "days": "D",
    "weeks": "W",
    "months": "M",
    "quarters": "Q",
    "years": "Y",
    "decades": "DE",
    "centuries": "CE",
}

_SET_UNITS = {
    "day": "D",
    "week": "W",
    "month": "M",
    "quarter": "Q",
    "year": "Y",
    "hour": "H",
    "minute": "M",
}

_DECADES = {
    "twenties": "2",
    "thirties": "3",
    "forties": "4",
    "fifties": "5",
    "sixties": "6",
    "seventies": "7",
    "eighties": "8",
    "nineties": "9",
}
KINDS = frozenset(
    {
        "spelled_year", "half", "mid_year", "spelled_decade", "year_end", "the_year", "weekend",
        "set", "recent", "quarters", "bare_units", "units_of",
        "first_units", "may", "part_of_day", "one_day",
    }
)  # fmt: skip
"""The families whose values `value` computes; their rules are in `enrich/data/times/`."""


def value(kind: str, match: re.Match[str], published: date | None) -> tuple[str, str] | None:
    """(type, value) of the expression `match` found for family `kind`, or None if it is none."""
    groups = match.groupdict()
    if kind == "spelled_year":
        return _spelled_year(groups)
    if kind == "spelled_decade":
        return "date", "19" + (groups["digit"] or _DECADES[groups["decade"].lower()])
    if kind == "mid_year":
        return "date", groups["year"]
    if kind == "recent":
        return _recent(groups)
    if kind == "quarters":
        return _quarters(groups)
    if kind == "units_of" and _NOT_BEFORE_UNITS.fullmatch(groups["before"]):
        return None
    if kind == "first_units" and groups["unit"].lower() == "hours":
        return "duration", "PTXH"
    if kind in ("bare_units", "units_of", "first_units"):
        return "duration", f"PX{_PLURAL_UNITS[groups['unit'].lower()]}"
    if kind == "set":
        return _set(groups)
    if kind == "one_day":
        return "date", "FUTURE_REF"
    if published is None:
        return None
    if kind == "half":
        return _half(groups, published)
    if kind == "weekend":
        return "date", _weekend(match, published)
    return _of_publication(kind, match, published)


_NOT_BEFORE_UNITS = re.compile(
    r"\d[\d,.]*|the|these|those|some|many|several|few|recent|past|coming|next|last|first|"
    r"early|final|its|their|his|her|our|my|your|of|in|for|over|within|after|" + "|".join(NUMBERS),
    re.I,
)
"""Words before "years of" that make it a count, a set of years or a phrase matched apart."""


def _of_publication(kind: str, match: re.Match[str], published: date) -> tuple[str, str] | None:
    """Families whose value is a unit of the publication date: the year, the day, May."""
    groups = match.groupdict()
    if kind == "year_end":
        return _year_end(match, published)
    if kind == "the_year":
        return _the_year(match, published)
    if kind == "may":
        return "date", f"{published.year}-05"
    day = published + timedelta(
        days={"yesterday": -1, "tomorrow": 1}.get((groups["day"] or "").lower(), 0)
    )
    part = (groups["part"] or groups["part_before"]).lower()
    return "date", f"{day.isoformat()}T{PARTS_OF_DAY[part]}"


def _spelled_year(groups: dict[str, str]) -> tuple[str, str] | None:
    if groups["millennium"]:
        if not groups["after"] and not groups["the_year"]:
            return None
        rest = _number(groups["after"]) if groups["after"] else 0
        year = 2000 + rest
    else:
        century = _CENTURIES[groups["century"].lower()]
        if groups["tens"]:
            rest = (TENS.index(groups["tens"].lower()) + 2) * 10
            rest += _number(groups["ones"]) if groups["ones"] else 0
        else:
            rest = _number(groups["teen"] or groups["oh"])
        year = century * 100 + rest
    if groups["month"]:
        return "date", f"{year}-{MONTHS[groups['month'].lower()]:02d}"
    if groups["season"]:
        return "date", f"{year}-{SEASONS[groups['season'].lower()]}"
    return "date", str(year)


def _number(word: str) -> int:
    word = word.lower()
    return ONES.index(word) + 1 if word in ONES else TEENS.index(word) + 10


def _recent(groups: dict[str, str]) -> tuple[str, str]:
    if groups["ahead"] or groups["future"]:
        return "date", "FUTURE_REF"
    return "date", "PAST_REF"


def _quarters(groups: dict[str, str]) -> tuple[str, str] | None:
    number = groups["number"].lower()
    amount = int(number) if number.isdigit() else NUMBERS.get(" ".join(number.split()), "X")
    if amount == 1 or (groups["of"] and not groups["which"] and amount != "X"):
        return None
    return "duration", f"P{amount}Q"


_RANGE_FIRST = re.compile(rf"\b(?P<expr>{NUMBER_RE})(?:\s+(?:to|or)\s+|\s*[-–]\s*)$", re.I)


def range_firsts(text: str, found: list[TimeExpr]) -> list[TimeExpr]:
    """The first counts of ranges like "two to three weeks": durations of their own (P2W).

    Example:
        >>> text = "It takes two to three weeks."
        >>> [(t.text, t.value) for t in range_firsts(text, [TimeExpr("three weeks", 16, 27,
        ...  "duration", "P3W")])]
        [('two', 'P2W')]
    """
    firsts = []
    for time in found:
        count = re.match(r"(?:\d+|[a-z]+)[-\s]", time.text, re.I)
        unit = re.search(r"[A-Z]+$", time.value)
        before = _RANGE_FIRST.search(text, max(0, time.start - 30), time.start)
        if time.type != "duration" or not (count and unit and before):
            continue
        number = before["number"].lower()
        amount = int(number) if number.isdigit() else NUMBERS.get(" ".join(number.split()))
        if not isinstance(amount, int) or number in ("a", "an"):
            continue
        clock = "T" if time.value.startswith("PT") else ""
        value = f"P{clock}{amount}{unit.group(0)}" if unit.group(0) != "DE" else f"P{amount * 10}Y"
        firsts.append(
            TimeExpr(
                before["expr"],
                before.start(),
                before.start() + len(before["expr"]),
                "duration",
                value,
            )
        )
    return firsts


def _set(groups: dict[str, str]) -> tuple[str, str]:
    number = (groups["number"] or "1").lower()
    count = 2 if number == "other" else int(number) if number.isdigit() else _number(number)
    if groups["weekday"] or groups["weekdays"]:
        weekday = WEEKDAYS.index((groups["weekday"] or groups["weekdays"]).lower()) + 1
        part = PARTS_OF_DAY[groups["parts"].lower()[:-1]] if groups["parts"] else ""
        return "set", f"XXXX-WXX-{weekday}" + (f"T{part}" if part else "")
    if groups["month"]:
        return "set", f"XXXX-{MONTHS[groups['month'].lower()]:02d}"
    unit = groups["unit"].lower()
    clock = "T" if unit in ("hour", "minute") else ""
    return "set", f"P{clock}{count}{_SET_UNITS[unit]}"


def _half(groups: dict[str, str], published: date) -> tuple[str, str]:
    relative = (groups["relative"] or "").lower()
    year = groups["year"] or str(published.year + {"next": 1, "last": -1}.get(relative, 0))
    first = (groups["which"] or groups["quarters"]).lower() == "first"
    return "date", f"{year}-H{1 if first else 2}"


def _weekend(match: re.Match[str], published: date) -> str:
    """The weekend before publication in past sentences and after it in future ones."""
    which = " ".join(match["which"].lower().split())
    saturday = published - timedelta(days=(published.weekday() - 5) % 7)
    weekend_now = published.weekday() >= 5
    if which in ("last", "past", "this past"):
        day = saturday - timedelta(days=7) if weekend_now else saturday
    elif which in ("next", "coming", "this coming"):
        day = saturday + timedelta(days=7)
    elif weekend_now:
        day = saturday
    elif clause_tense(match.string, match.start(), match.end()) == "future" or re.search(
        r"\b(?:ahead of|before|until|by)\s+$",
        match.string[max(0, match.start() - 12) : match.start()],
    ):
        day = saturday + timedelta(days=7)
    else:
        day = saturday
    return week_value(day) + "-WE"


def _year_end(match: re.Match[str], published: date) -> tuple[str, str]:
    """The year (or month) whose end is meant: last year's after "since", else this one's."""
    before = match.string[max(0, match.start() - 8) : match.start()]
    if (match["unit"] or "").lower() == "month":
        return "date", month_value(published.year, published.month)
    since = re.search(r"\bsince\s+$", before, re.I)
    return "date", str(published.year - bool(since))


_STOP = re.compile(r"[.!?]\s")
_SENTENCE_YEAR = re.compile(rf"\b{YEAR}\b(?![-\d]|\s*(?:%|percent))")


def _the_year(match: re.Match[str], published: date) -> tuple[str, str] | None:
    """ "The year ended June 30" lasts a year; "the year" is the one told of; "the past year"."""
    if match["ended"]:
        return "duration", "P1Y"
    which = (match["which"] or "").lower()
    if which:
        return "date", str(published.year - 1)
    left = max((m.end() for m in _STOP.finditer(match.string, 0, match.start())), default=0)
    told = _SENTENCE_YEAR.findall(match.string, left, match.start())
    return "date", told[-1] if told else str(published.year)
