"""Underspecified references resolved the way English news uses them, for any tagger's output.

1. Weekdays: a bare "Monday" is the last one before publication when the sentence tells of
   the past ("said Monday", "met on Monday") and the next one when it speaks of the future
   ("will meet Monday", "is scheduled to close Monday"); "last"/"next" choose explicitly.
2. Quarters: "the third quarter" is this year's when it has begun by publication, last
   year's otherwise (next year's in a future sentence); "the quarter" and "that quarter" are
   the quarter ending on the day named after it, else the one the report first named (its
   subject, or the one reported on after "Separately" or "Meanwhile"), else the last one
   completed, as is "the latest quarter"; "the year-earlier quarter", "the 1988 period" move
   it to another year.
3. "A year ago/earlier", "year-earlier", and "last year" when it compares amounts ("up from
   last year's $2 billion"): a year before the quarter the text is reporting on when it names
   one, else the year before publication ("ago") or before the narrative's
   date ("earlier", the year of the tagger's value).
4. "The following year", "that month", "the previous day": from the date told just before;
   "in the morning" is on the day told in the same or the previous sentence.
5. A month and day without a year: the last one before publication after "ended", "since",
   "set on" or a verb in the past; the next one after "payable", "effective", "due",
   "scheduled for"; else the one nearest to publication.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta

from communique.enrich import lexicon, rules
from communique.enrich.tense import (
    FUTURE,
    IRREGULAR_PAST,
    clause_tense,
    sentence_bounds,
    speaks_of_future,
)
from communique.model import TimeExpr

_PAST_VERB_BEFORE = re.compile(
    rf"\b(?:{IRREGULAR_PAST}|says|told|announced|reported|met|closed|ended|[a-z]+ed)"
    r"(?:\s+(?:on|late|early|in|that|it|he|she|they|them|him|her))*\s+$",
    re.I,
)
FUTURE_VERB_BEFORE = re.compile(
    r"\b(?:(?:scheduled|planned|expected|due|set|slated)\s+(?:to|for)|will|'ll|would)\b"
    r"(?:\s+\w+){0,3}\s+$",
    re.I,
)
_WEEKDAY = re.compile(
    r"^(?:(?P<which>last|next|this coming|this past|coming|past|this|on|late|early|noon|"
    r"midnight)\s+)?(?P<weekday>" + "|".join(lexicon.WEEKDAYS) + r")(?:'s)?"
    r"(?:\s+(?:morning|afternoon|evening|night))?$",
    re.I,
)
_PAST_PLAN = re.compile(r"\b(?:had|was|were|previously|originally)\b", re.I)
_DATE_VALUE = re.compile(r"^\d{4}-\d\d-\d\d")
_QUARTER = re.compile("^" + rules.QUARTER + "$", re.I)
_YEAR_AGO = re.compile(
    r"^(?:(?P<number>a|one|\d+|"
    + "|".join(lexicon.NUMBERS)
    + r")\s+years?\s+(?:ago|earlier|before)"
    r"|year[- ](?:earlier|ago))$",
    re.I,
)
_TOLD_BEFORE = re.compile(
    r"(?:the\s+(?P<which>following|previous|preceding|same)|that)\s+(?P<unit>year|month|day)",
    re.I,
)
_PLURAL_PAST = re.compile(r"(?:the\s+)?(?:past|recent)\s+(?:years|months|weeks|days|decades)", re.I)
_NEW_TOPIC = re.compile(
    r"(?:^|\n|[.!?]\s+)(?:Separately|Meanwhile|Elsewhere|In other news|"
    r"In (?:a|another) separate \w+)\b"
)
"""Words that open a report on another subject, where a quarter reported on is the new subject."""
ANCHOR_WINDOW = 3000
"""How far (characters) the quarter a report first names anchors "the quarter", "a year ago"."""


def resolve(text: str, times: list[TimeExpr], published: date) -> list[TimeExpr]:
    """Weekdays, quarters and "a year earlier" of `times` resolved against `published`.

    Example:
        >>> text = "Profit rose in the third quarter. It was $2 a year earlier."
        >>> found = [TimeExpr("the third quarter", 15, 32, "date", "1989-Q3"),
        ...          TimeExpr("a year earlier", 43, 57, "duration", "P1Y")]
        >>> [t.value for t in resolve(text, found, date(1989, 10, 26))]
        ['1989-Q3', '1988-Q3']
    """
    result: list[TimeExpr] = []
    anchor: tuple[int, int, int] | None = None
    for time in sorted(times, key=lambda t: t.start):
        surface = time.text.strip()
        if anchor is not None and time.start - anchor[2] > ANCHOR_WINDOW:
            anchor = None
        if (weekday := _WEEKDAY.match(surface)) and _DATE_VALUE.match(time.value):
            time = _weekday(text, time, weekday, published)
        elif quarter := _QUARTER.match(surface):
            time, named = _quarter(text, time, quarter, published, anchor)
            if named is not None and (anchor is None or _reports_anew(text, time, anchor)):
                anchor = (*named, time.end)
        elif anchor is not None and _compares_last_year(text, time):
            time = replace(time, value=f"{anchor[0] - 1}-Q{anchor[1]}")
        elif year_ago := _YEAR_AGO.match(_with_suffix(text, time)):
            time = _year_ago(time, year_ago, published, anchor)
        elif (told := _TOLD_BEFORE.match(surface)) and result:
            time = _from_narrative(time, told, result[-1])
        elif _PART_OF_DAY.match(surface) and result:
            time = _day_of_narrative(text, time, result[-1])
        result.append(_vague_amounts(text, time))
    return result


_COMPARED_BEFORE = re.compile(
    r"(?:\b(?:from|with|than|versus|vs\.)|[$#£€]\s?[\d.,]+(?:\s+(?:million|billion))?)\s+$",
    re.I,
)
_COMPARED_AFTER = re.compile(
    r"^['’]s\s+(?:[$#£€\d]|results?|quarter|period|level|figures?|earnings|net|loss|profit)",
    re.I,
)


def _reports_anew(text: str, time: TimeExpr, anchor: tuple[int, int, int]) -> bool:
    """True for a quarter reported on ("reported third-quarter profit") after "Separately"."""
    return bool(_NEW_TOPIC.search(text, anchor[2], time.start)) and (
        clause_tense(text, time.start, time.end) == "past"
    )


def _compares_last_year(text: str, time: TimeExpr) -> bool:
    """True for "last year" in a comparison of amounts ("from last year's $2 billion")."""
    if not re.fullmatch(r"last\s+year", time.text.strip(), re.I):
        return False
    before = text[max(0, time.start - 30) : time.start]
    return bool(_COMPARED_BEFORE.search(before) or _COMPARED_AFTER.match(text[time.end :]))


_PART_OF_DAY = re.compile(
    r"(?:the\s+)?(?:(?:early|late)\s+)?(?:mid[\s-]?)?(?:morning|afternoon|evening)", re.I
)


def _day_of_narrative(text: str, time: TimeExpr, before: TimeExpr) -> TimeExpr:
    """ "In the morning" is on the day told just before in the same or the last sentence."""
    if not _DATE_VALUE.fullmatch(before.value) or not _DATE_VALUE.match(time.value):
        return time
    if len(re.findall(r"[.!?]\s", text[before.end : time.start])) > 1:
        return time
    return replace(time, value=before.value + time.value[10:])


def _from_narrative(time: TimeExpr, match: re.Match[str], before: TimeExpr) -> TimeExpr:
    """ "The following year", "that month": the unit of the date told just before, moved."""
    unit = match["unit"].lower()
    size = {"year": 4, "month": 7, "day": 10}[unit]
    if (
        not re.fullmatch(r"\d{4}(?:-\d\d(?:-\d\d)?)?", before.value[:10])
        or len(before.value[:10]) < size
    ):
        return time
    shift = {"following": 1, "previous": -1, "preceding": -1}.get((match["which"] or "").lower(), 0)
    if unit == "year":
        value = str(int(before.value[:4]) + shift)
    elif unit == "month":
        value = lexicon.month_value(int(before.value[:4]), int(before.value[5:7]), shift)
    else:
        value = (date.fromisoformat(before.value[:10]) + timedelta(days=shift)).isoformat()
    return replace(time, type="date", value=value)


def _vague_amounts(text: str, time: TimeExpr) -> TimeExpr:
    """ "A couple of years" is two (P2Y); "past years" and "the then current" are the past."""
    if time.value == "PRESENT_REF" and re.search(
        r"\bthen[\s-]$", text[max(0, time.start - 5) : time.start], re.I
    ):
        return replace(time, value="PAST_REF")
    if re.search(r"\bcouple of\b", time.text, re.I) and re.fullmatch(r"PX[A-Z]+", time.value):
        return replace(time, value="P2" + time.value[2:])
    if _PLURAL_PAST.fullmatch(time.text.strip()) and time.value[:4].isdigit():
        return replace(time, value="PAST_REF")
    return time


def _with_suffix(text: str, time: TimeExpr) -> str:
    """The surface, with "-earlier"/"-ago" when a tagger kept only "a year" of "year-earlier"."""
    suffix = re.match(r"-(?:earlier|ago)\b", text[time.end : time.end + 8])
    surface = time.text.strip()
    if suffix and re.fullmatch(r"(?:an?\s+)?year", surface, re.I):
        return "year" + suffix.group(0)
    return surface


def _weekday(text: str, time: TimeExpr, match: re.Match[str], published: date) -> TimeExpr:
    which = (match["which"] or "").lower()
    weekday = lexicon.WEEKDAYS.index(match["weekday"].lower())
    back = (published.weekday() - weekday) % 7
    ahead = (weekday - published.weekday()) % 7
    if which in ("last", "this past", "past"):
        day = published - timedelta(days=back or 7)
    elif which in ("next", "this coming", "coming"):
        day = published + timedelta(days=ahead or 7)
    elif _future_weekday(text, time):
        day = published + timedelta(days=ahead)
    else:
        day = published - timedelta(days=back)
    return replace(time, value=day.isoformat() + time.value[10:])


def _future_weekday(text: str, time: TimeExpr) -> bool:
    """True when the clause before the weekday speaks of the future and not of a past plan."""
    left, _ = sentence_bounds(text, time.start, time.end)
    before = text[max(left, time.start - 80) : time.start]
    if _PAST_VERB_BEFORE.search(before) or _PAST_PLAN.search(before):
        return False
    return bool(FUTURE_VERB_BEFORE.search(before) or FUTURE.search(before))


def _quarter(
    text: str,
    time: TimeExpr,
    match: re.Match[str],
    published: date,
    anchor: tuple[int, int, int] | None,
) -> tuple[TimeExpr, tuple[int, int] | None]:
    """The quarter `match` names, and the (year, quarter) it establishes for what follows."""
    mods = match["mods"].lower()
    det = (match["det"] or "").lower()
    current = lexicon.quarter_number(published)
    explicit = re.search(lexicon.YEAR, mods) or None
    year_of = match["of_year"] or (explicit.group(0) if explicit else None)
    back = bool(re.search(r"year-(?:earlier|ago)|last year's", mods) or match["tail"])
    if match["ordinal"]:
        number = rules.ORDINALS[match["ordinal"].lower()]
        if year_of:
            year = int(year_of)
        elif relative := re.search(r"(this|last|next) year's", mods):
            year = published.year + {"this": 0, "last": -1, "next": 1}[relative[1]]
        elif speaks_of_future(text, time.start, time.end):
            year = published.year + (number < current - 1)
        else:
            year = published.year - (number > current)
        year -= back and not year_of and not re.search(r"(this|last|next) year's", mods)
        named = None if back or year_of else (year, number)
        return replace(time, value=f"{year}-Q{number}"), named
    if match["unit"].lower() == "period" and not (mods.strip() or det == "that"):
        return time, None
    if det in ("a", "an") or (match["unit"].lower() == "period" and anchor is None):
        return time, None
    if "current" in mods or det == "this":
        year, number = published.year, current
    elif det in ("last", "next") or "previous" in mods:
        year, number = lexicon.shifted_quarter(published.year, current, 1 if det == "next" else -1)
    else:
        year, number = _reported_quarter(text, time, published, anchor)
    named = (year, number) if _ending_on(text, time, published) else None
    if year_of:
        year = int(year_of)
    elif back:
        year -= 1
    named = None if year_of or back else named
    return replace(time, type="date", value=f"{year}-Q{number}"), named


def _ending_on(text: str, time: TimeExpr, published: date) -> tuple[int, int] | None:
    """The calendar quarter holding most of three months "ended Sept. 30" or "ending July 31"."""
    ended = re.match(
        rf"\s+(?:ended|ending)\s+{lexicon.MONTH_RE}\s+\d", text[time.end : time.end + 30], re.I
    )
    if not ended:
        return None
    month = lexicon.MONTHS[ended["month"].lower()]
    year = published.year - (month > published.month)
    middle = (year * 12 + month - 2) - 1
    return middle // 12, (middle % 12) // 3 + 1


def _reported_quarter(
    text: str, time: TimeExpr, published: date, anchor: tuple[int, int, int] | None
) -> tuple[int, int]:
    """What "the quarter" means: one ending on a named day, the first named, the last past."""
    ended = _ending_on(text, time, published)
    if ended:
        return ended
    if anchor is not None and "latest" not in time.text.lower():
        return anchor[0], anchor[1]
    return lexicon.shifted_quarter(published.year, lexicon.quarter_number(published), -1)


def _year_ago(
    time: TimeExpr, match: re.Match[str], published: date, anchor: tuple[int, int, int] | None
) -> TimeExpr:
    """A year before the quarter being reported on, else "ago" counts back from publication."""
    number = (match["number"] or "a").lower()
    years = int(number) if number.isdigit() else lexicon.NUMBERS.get(number, 1)
    if not isinstance(years, int):
        return time
    if anchor is not None and years == 1:
        return replace(time, type="date", value=f"{anchor[0] - 1}-Q{anchor[1]}")
    ago = "ago" in match.group(0).lower()
    if ago or time.type == "duration" or not time.value[:4].isdigit():
        return replace(time, type="date", value=str(published.year - years))
    return replace(time, value=time.value[:4])


_PAST_CUE = re.compile(
    r"\b(?:since|set on|was|were|had|began|occurred|happened|died|born|"
    r"(?!scheduled|planned|slated|expected|postponed|delayed|moved)[a-z]+ed)"
    r"(?:\s+(?:on|in|at))?\s+$",
    re.I,
)
FUTURE_CUE = re.compile(
    r"\b(?:payable|effective|due|starting|beginning|expires?|expiring|"
    r"(?:scheduled|set|slated|planned|postponed|delayed|moved)\s+(?:for|to|until))(?:\s+on)?\s+$",
    re.I,
)


def month_day_year(text: str, time: TimeExpr, published: date) -> str:
    """The year of a month-day without one, from the words before it or the nearest one.

    Example:
        >>> text = "The dividend is payable Jan. 2; the year ended March 31."
        >>> day = TimeExpr("Jan. 2", 24, 30, "date", "1989-01-02")
        >>> month_day_year(text, day, date(1989, 11, 2))
        '1990-01-02'
        >>> ended = TimeExpr("March 31", 47, 55, "date", "1989-03-31")
        >>> month_day_year(text, ended, date(1989, 11, 2))
        '1989-03-31'
    """
    month, day = int(time.value[5:7]), int(time.value[8:10])
    if (month, day) == (2, 29):
        return time.value
    candidates = [date(published.year + shift, month, day) for shift in (-1, 0, 1)]
    before = text[max(0, time.start - 40) : time.start]
    if _PAST_CUE.search(before):
        chosen = max(d for d in candidates if d <= published)
    elif FUTURE_CUE.search(before):
        chosen = min(d for d in candidates if d >= published)
    else:
        chosen = min(candidates, key=lambda d: abs((d - published).days))
    return chosen.isoformat() + time.value[10:]
