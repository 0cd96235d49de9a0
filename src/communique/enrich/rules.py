"""A pure-Python English time tagger: the fallback when no Java runtime is installed.

It finds explicit dates ("8 November 2020", "Friday Oct. 13", "2020-11-08", "September 2023",
"in 2020", "fiscal 1990"), relative days ("yesterday", "this morning", "last Monday",
"last week/month/year", "last June", "July last year"), clock times ("5 p.m."), quarters and
reporting periods ("the third quarter", "the year-earlier period"), "two years ago", seasons,
decades, centuries, durations ("44 days", "twenty-four hours", "two and a half years", "a
couple of years", "several months") and references to the present, past and future ("now",
"recently", "soon"); `phrases` adds spelled-out years, parts of years, weekends, sets and
vague spans. Ages ("52 years old"), rates ("$2 million a year"), "as soon as" and programme
titles ("This Week", "USA Today") are left out. `anchors.resolve` then settles weekdays,
quarters and "a year earlier" from the sentence and the narrative.
The rules themselves are data, `enrich/data/times/en.toml` (read by `timedata`): named and
ordered, each with its pattern, gate words and an example; this module computes their values.
Compared with HeidelTime it loses: holidays, the adjective "recent" ("the recent sale"),
frequency adverbs ("annually", "daily"), some ordinal phrases ("the second day of the
offensive"), sentence-level part-of-speech cues (a present-tense "meet Monday" stays in the
past) and every language other than English.
"""

from __future__ import annotations

import bisect
import re
from datetime import date, timedelta

from communique.enrich import phrases
from communique.enrich.lexicon import (
    MONTH_RE,
    MONTHS,
    NUMBERS,
    PARTS_OF_DAY,
    SEASONS,
    UNITS,
    WEEKDAYS,
    YEAR,
    month_value,
    quarter_number,
    shifted_quarter,
    week_value,
)
from communique.enrich.timedata import time_rules
from communique.model import TimeExpr

_EN = time_rules("en")
MONTH_NAME = re.compile(r"\b" + MONTH_RE + r"(?!\w)", re.I)
QUARTER = _EN.fragments["QUARTER"]
"""A named quarter or reporting period: "the third quarter", "the year-earlier period"."""
ORDINALS = _EN.ordinals
REFERENCES = _EN.references
COUNTED = _EN.fragments["COUNTED"]
"""What follows a number that counts things: "2000 troops" is no year."""
NOT_A_YEAR_BEFORE = re.compile(_EN.fragments["NOT_A_YEAR_BEFORE"], re.I)
"""What a number is after when it is a count, a price or a document number, not a year."""


def tag(text: str, published: date | None) -> list[TimeExpr]:
    """Temporal expressions of English `text`, relative ones anchored on `published`.

    Example:
        >>> [(t.text, t.value) for t in tag("On 8 November 2020 and for 44 days.", None)]
        [('8 November 2020', '2020-11-08'), ('44 days', 'P44D')]
    """
    found: list[TimeExpr] = []
    taken = _Taken()
    lowered = text.lower()
    for rule in _EN.rules:
        kind, pattern = rule.kind, rule.pattern
        if rule.gate and not any(
            word in (text if word[0].isupper() else lowered) for word in rule.gate
        ):
            continue
        for match in pattern.finditer(text):
            start, end = match.span("expr") if "expr" in pattern.groupindex else (-1, -1)
            if start < 0:
                start, end = match.span()
            if taken.overlaps(start, end):
                continue
            if not_a_time(kind, text, start, end):
                continue
            typed = _typed_value(kind, match, published)
            if typed is None:
                continue
            taken.add(start, end)
            found.append(TimeExpr(text[start:end], start, end, *typed))
    return sorted(found + phrases.range_firsts(text, found), key=lambda t: t.start)


class _Taken:
    """Extents already taken by a time, which never overlap, so a bisection finds a clash.

    Example:
        >>> taken = _Taken()
        >>> taken.add(10, 20)
        >>> taken.overlaps(5, 11), taken.overlaps(20, 25), taken.overlaps(0, 10)
        (True, False, False)
    """

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def overlaps(self, start: int, end: int) -> bool:
        before = bisect.bisect_left(self.starts, end)  # those that start before `end`
        return before > 0 and self.ends[before - 1] > start

    def add(self, start: int, end: int) -> None:
        at = bisect.bisect_left(self.starts, start)
        self.starts.insert(at, start)
        self.ends.insert(at, end)


def _typed_value(kind: str, match: re.Match[str], published: date | None) -> tuple[str, str] | None:
    """(type, value) of `match`, from this module's patterns or the phrase families."""
    if kind in phrases.KINDS:
        return phrases.value(kind, match, published)
    value = _value(kind, match, published)
    if value is None:
        return None
    return ("duration" if kind == "duration" else "date"), value


_RATE_BEFORE = re.compile(
    r"(?:\d[\d,.]*\s*(?:%|million|billion|thousand)?|\b(?:once|twice|times|two|three|four|five|"
    r"six|seven|eight|nine|ten|dozen|hundreds?|thousands?|millions?|billions?))\s+"
    r"(?:(?!(?:for|in|within|after|over|by|of|to|at|than|the|about|nearly|almost)\b)"
    r"[a-z]+\s+){0,2}$",
    re.I,
)
_TITLE_CASE = re.compile(r"^[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+$")


def not_a_time(kind: str, text: str, start: int, end: int) -> bool:
    """True for what looks like a time but is none: an age, a rate, "as soon as", a title.

    Example:
        >>> text = "Aged 52 years old, he earns $1.76 a year, on the show This Week."
        >>> spans = [(k, text.index(s), text.index(s) + len(s)) for k, s in (
        ...     ("duration", "52 years"), ("duration", "a year"), ("relative", "This Week"))]
        >>> [not_a_time(kind, text, start, end) for kind, start, end in spans]
        [True, True, True]
    """
    surface = text[start:end]
    after = text[end : end + 12]
    if kind == "duration" and re.match(r"[-\s]+old\b", after):
        return True
    if kind == "duration" and re.match(r"an?\s", surface, re.I):
        return bool(_RATE_BEFORE.search(text[max(0, start - 40) : start]))
    if kind == "reference" and surface.lower() == "soon":
        return (
            text[max(0, start - 3) : start].lower() == "as "
            and after.startswith(" as")
            and not re.match(
                r" as (?:possible|practicable|feasible)\b", after + text[end + 12 : end + 24]
            )
        )
    if kind in ("relative", "relative_day", "reference") and _TITLE_CASE.match(surface):
        return True
    return kind in ("relative_day", "reference") and bool(
        surface[:1].isupper() and re.search(r"\b[A-Z]\w*\s$", text[max(0, start - 20) : start])
    )


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
    before = match.string[max(0, match.start() - 40) : match.start()]
    if kind == "bare_year" and NOT_A_YEAR_BEFORE.search(before):
        return None
    if kind in ("bare_year", "fiscal"):
        return str(groups["year"])
    if kind == "duration":
        return _duration(groups)
    if kind == "decade":
        return str(groups["decade"])
    if kind == "century":
        return f"{int(groups['century']) - 1:02d}"
    if kind == "reference":
        return REFERENCES[" ".join(groups["reference"].lower().split())]
    if kind == "quarter":
        return _quarter(groups, published)
    return _relative(kind, groups, published)


def _duration(groups: dict[str, str]) -> str:
    """ "44 days" is P44D, "two and a half years" P2Y6M, "a few minutes" PTXM, "a decade" P10Y."""
    number = groups["number"].lower()
    amount = number if number.isdigit() else str(NUMBERS[" ".join(number.split())])
    unit = UNITS[groups["unit"].lower()]
    half = (groups.get("half") or groups.get("half_after")) and amount.isdigit()
    scale = {"DE": 10, "CE": 100}.get(unit)
    if scale:
        if not amount.isdigit():
            return f"PX{unit}"
        return f"P{int(amount) * scale + (scale // 2 if half else 0)}Y"
    if unit in ("H", "MIN"):
        designator = unit[0]
        smaller = {"H": "30M", "MIN": "30S"}[unit] if half else ""
        return f"PT{amount}{designator}{smaller}"
    if half:
        return f"P{amount}{unit}" + {"Y": "6M", "M": "15D", "W": "3DT12H", "D": "T12H"}[unit]
    return f"P{amount}{unit}"


def _quarter(groups: dict[str, str], published: date | None) -> str | None:
    """A first value for a named quarter; `anchors.resolve` settles it from the narrative."""
    mods, det = groups["mods"].lower(), (groups["det"] or "").lower()
    if groups["ordinal"] is None and (det in ("", "a", "an") and not mods.strip()):
        return None
    if groups["unit"].lower() == "period" and not mods.strip():
        return None
    year = groups["of_year"] or next(iter(re.findall(YEAR, mods)), None)
    if groups["ordinal"] is not None:
        number = ORDINALS[groups["ordinal"].lower()]
        return f"{year or (published.year if published else 'XXXX')}-Q{number}"
    if published is None:
        return f"{year}-QX" if year else None
    last_year, last = shifted_quarter(published.year, quarter_number(published), -1)
    return f"{year or last_year}-Q{last}"


def _relative(kind: str, groups: dict[str, str], published: date | None) -> str | None:
    """Values of words that need the publication date: days, weekdays, months, seasons."""
    if published is None:
        return None
    part = PARTS_OF_DAY.get((groups.get("part") or "").lower(), "")
    suffix = f"T{part}" if part else ""
    if kind == "relative_day":
        word = groups["word"].lower()
        if word in ("this", "last") and not part:
            return None
        days = {"today": 0, "tonight": 0, "this": 0, "yesterday": -1, "last": -1, "tomorrow": 1}
        suffix = "TNI" if word == "tonight" else suffix
        return (published + timedelta(days=days[word])).isoformat() + suffix
    if kind == "weekday":
        back = (published.weekday() - WEEKDAYS.index(groups["weekday"].lower())) % 7
        clock = {"noon": "T12:00", "midnight": "T24:00"}.get((groups["clock"] or "").lower(), "")
        return (published - timedelta(days=back)).isoformat() + (clock or suffix)
    if kind == "clock":
        hour = int(groups["hour"]) % 12 + 12 * groups["ampm"].lower().startswith("p")
        return f"{published.isoformat()}T{hour:02d}:{groups['minute'] or '00'}"
    if kind == "month_year":
        shift = {"last": -1, "this": 0, "next": 1}[groups["which"]]
        return f"{published.year + shift}-{MONTHS[groups['month'].lower()]:02d}"
    if kind == "this_year":
        return str(published.year)
    if kind == "told_before":
        return {"year": "XXXX", "month": "XXXX-XX", "day": "XXXX-XX-XX"}[groups["unit"].lower()]
    if kind == "ago":
        return _ago(groups, published)
    if kind == "month_alone":
        return _month_alone(groups, published)
    if kind == "season":
        return _season(groups, published)
    which = groups["which"].lower()
    shift = {"last": -1, "past": -1, "next": 1, "coming": 1}.get(which, 0)
    unit = groups["unit"].lower()
    if unit == "decade":
        return str(published.year // 10 + shift)
    if unit == "year":
        return str(published.year + shift)
    if unit == "month":
        return month_value(published.year, published.month, shift)
    return week_value(published + timedelta(weeks=shift))


def _ago(groups: dict[str, str], published: date) -> str:
    """ "Two years ago" counted back from publication, to the unit it names."""
    if groups["number"] is None:
        return str(published.year - 1)
    number = groups["number"].lower()
    amount = int(number) if number.isdigit() else NUMBERS[" ".join(number.split())]
    unit = (groups["unit"] or "year").lower()
    if not isinstance(amount, int):
        return "PAST_REF"
    if unit == "year":
        return str(published.year - amount)
    if unit == "decade":
        return str(published.year - 10 * amount)
    if unit == "month":
        return month_value(published.year, published.month, -amount)
    if unit == "week":
        return week_value(published - timedelta(weeks=amount))
    if unit.startswith("centur"):
        return str(published.year - 100 * amount)
    if unit in ("hour", "minute"):
        return published.isoformat()
    return (published - timedelta(days=amount)).isoformat()


def _month_alone(groups: dict[str, str], published: date) -> str | None:
    """ "Last June", "next March", "early September": a month without a day or year."""
    month = MONTHS[str(groups["month"]).lower()]
    which = (groups["which"] or "").lower()
    if month == 5 and not which:
        return None
    if which == "last":
        year = published.year - (month >= published.month)
    elif which == "next":
        year = published.year + (month <= published.month)
    else:
        year = published.year
    return f"{year}-{month:02d}"


def _season(groups: dict[str, str], published: date) -> str:
    """ "This summer", "last spring", "the winter of 1994"."""
    season = SEASONS[str(groups["season"]).lower()]
    if groups["year"]:
        return f"{groups['year']}-{season}"
    which = (groups["which"] or "").lower()
    start = {"SP": 3, "SU": 6, "FA": 9, "WI": 12}[season]
    year = published.year
    if which == "last" or which == "this past":
        year -= start >= published.month
    elif which == "next":
        year += start <= published.month
    return f"{year}-{season}"
