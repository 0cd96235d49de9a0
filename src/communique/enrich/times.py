"""Temporal expressions: HeidelTime when Java is there, else the rules; then two general fixes.

1. Ranges: "September 19-20, 2023" or "from 8 to 10 November" become one `range` with a
   start and an end value, whatever pieces the tagger found inside.
2. Narrative years: a bare "November 10" takes its year from the explicitly dated expression
   just before it in the same or the previous sentence, not from the publication year; with
   no such date its year comes from the words before it or its distance to publication
   ("payable Feb. 1" said in October is next February's; see `anchors.month_day_year`).
3. Tense: a bare month is the next one when the tense marker nearest to it is future
   ("will", "scheduled") or it is a deadline ("by February", "until March"), the last one
   after "since", and otherwise the nearest one to publication ("in October" said in January
   is last October; "in January" said in November is next January).
4. A complete written date found by the rules ("Oct. 15, 1999") replaces the pieces HeidelTime
   saw inside it (without a part-of-speech tagger it can split at "Oct."), and the dates it
   misses are added from the rules.
5. Weekdays, quarters, "a year earlier", month-days without a year: `anchors.resolve`.
6. A clock time joins the day next to it ("5 p.m. EST Nov. 9").
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from communique.enrich import anchors, heideltime, lexicon, rules, tense
from communique.enrich.lexicon import YEAR
from communique.errors import InputError
from communique.lang import profile
from communique.model import TimeExpr

_MONTH = lexicon.MONTH_RE
_DAY_RANGE = (
    re.compile(
        rf"\b{_MONTH}\s+(?P<first>[0-3]?\d)\s*(?:-|–|—|to|and)\s*(?P<last>[0-3]?\d)"
        rf"(?:,?\s+(?P<year>{YEAR}))?\b",
        re.I,
    ),
    re.compile(
        rf"\b(?P<first>[0-3]?\d)\s*(?:-|–|—|to|and)\s*(?P<last>[0-3]?\d)\s+{_MONTH}"
        rf"(?:,?\s+(?P<year>{YEAR}))?\b",
        re.I,
    ),
)
_EXPLICIT_YEAR = re.compile(rf"\b{YEAR}\b")
_FILLS_GAPS = re.compile(r"^(?:\d{4}-\d\d(?:-\d\d)?(?:T\w+)?|\w+_REF)$")
"""What the rules add where a tagger found nothing: dates to the month or day, past/now/future."""
_REPLACES_PIECES = re.compile(r"^\d{4}-(?:\d\d-\d\d|Q\d)$")
_FULL_DATE = re.compile(r"^(\d{4}|XXXX)(-\d\d(?:-\d\d)?)$")
"""A calendar date or month; `XXXX` is a year no tagger could tell (no publication date)."""
MAY_HOLD_TIME = re.compile(
    r"\d|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun|"
    r"today|tonight|yesterday|tomorrow|now|current|recent|past|future|next|last|previous|"
    r"ago|since|until|earlier|later|once|year|month|week|day|decade|centur|hour|minute|"
    r"season|spring|summer|autumn|fall|winter|morning|afternoon|evening|night|noon|"
    r"midnight|annual|daily|weekly|monthly|quarter|eve|weekend|christmas|easter|"
    r"one|two|three|four|five|six|seven|eight|nine|ten|several|few|many|dozen|hundred)",
    re.I,
)
"""English text without any of these cannot hold a time expression: the tagger is skipped."""
NEAR_MONTHS = 3
"""A bare month at most this many months ahead of publication is taken as the coming one."""
NARRATIVE_WINDOW = 400
"""How far back (characters) an explicitly dated expression anchors a bare month (and day)."""


TAGGERS = ("auto", "heideltime", "rules")
"""`auto`: English by the rules, other languages by HeidelTime; `heideltime`: HeidelTime for
every language it covers (its English gaps filled by the rules); `rules`: English only."""


def tagger_name(language: str | None, tagger: str = "auto") -> str | None:
    """Which tagger `tag_times` uses for `language`: `heideltime`, `rules` or None.

    Example:
        >>> tagger_name("en"), tagger_name("en", "rules"), tagger_name("xx")
        ('rules', 'rules', None)
    """
    if tagger not in TAGGERS:
        raise InputError(f"unknown time tagger {tagger!r}: use one of {', '.join(TAGGERS)}")
    own_rules = profile(language).time_rules
    if tagger == "rules" or (tagger == "auto" and own_rules):
        return "rules" if own_rules else None
    if heideltime.covers(language):
        return "heideltime"
    return "rules" if own_rules else None


def tag_times(
    text: str, language: str | None, published: date | None, tagger: str = "auto"
) -> list[TimeExpr]:
    """Normalised temporal expressions of `text`, with ranges merged and narrative years.

    Example:
        >>> text = "It fell on November 8, 2020. The accord of November 10 ended it."
        >>> [t.value for t in tag_times(text, "en", date(2023, 11, 8))]
        ['2020-11-08', '2020-11-10']
    """
    name = tagger_name(language, tagger)
    own_rules = profile(language).time_rules
    if own_rules and not MAY_HOLD_TIME.search(text):
        return []
    if name == "heideltime":
        found = heideltime.tag(text, profile(language).code, published)
        if own_rules:
            found = with_rule_finds(without_numbers(text, found), rules.tag(text, published))
    elif name == "rules":
        found = rules.tag(text, published)
    else:
        return []
    found = narrative_years(text, found, published)
    if published is not None:
        found = [by_tense(text, t, published) for t in found]
        if own_rules:
            found = anchors.resolve(text, found, published)
    return merge_ranges(text, join_clock_times(text, found))


_CLOCK = re.compile(r"^(?:XXXX-XX-XX|\d{4}-\d\d-\d\d)(T\d\d(?::\d\d)?)$")
_DAY_VALUE = re.compile(r"^\d{4}-\d\d-\d\d$")
_CLOCK_THEN_DAY = re.compile(r"^\s*(?:[A-Z]{2,4}\b)?\s*,?\s*(?:on\s+)?$")
_DAY_THEN_CLOCK = re.compile(r"^\s*,?\s*(?:at\s+)?$")


def join_clock_times(text: str, times: list[TimeExpr]) -> list[TimeExpr]:
    """Join a clock time to the day next to it: "5 p.m. EST Nov. 9" is 1989-11-09T17:00.

    Example:
        >>> found = [TimeExpr("5 p.m.", 6, 12, "date", "XXXX-XX-XXT17:00"),
        ...          TimeExpr("Nov. 9", 17, 23, "date", "1989-11-09")]
        >>> [t.value for t in join_clock_times("Until 5 p.m. EST Nov. 9.", found)]
        ['1989-11-09T17:00']
    """
    result: list[TimeExpr] = []
    for time in sorted(times, key=lambda t: t.start):
        previous = result[-1] if result else None
        joined = previous and _joined(text, previous, time)
        if joined:
            result[-1] = joined
        else:
            result.append(time)
    return result


def _joined(text: str, first: TimeExpr, second: TimeExpr) -> TimeExpr | None:
    between = text[first.end : second.start]
    clock, day = _CLOCK.match(first.value), _DAY_VALUE.match(second.value)
    if clock and day and _CLOCK_THEN_DAY.match(between):
        value = second.value + clock.group(1)
    elif (clock := _CLOCK.match(second.value)) and _DAY_VALUE.match(first.value):
        if not _DAY_THEN_CLOCK.match(between):
            return None
        value = first.value + clock.group(1)
    else:
        return None
    return TimeExpr(text[first.start : second.end], first.start, second.end, "date", value)


_BARE_MONTH = re.compile(rf"^(?:(?:in|the middle of|early|late|mid-?)\s+)?{_MONTH}$", re.I)


def by_tense(text: str, time: TimeExpr, published: date) -> TimeExpr:
    """Move a bare month to the side of publication its sentence speaks of."""
    month = re.fullmatch(r"(\d{4})-(\d\d)", time.value)
    if month and _BARE_MONTH.match(time.text.strip()) and int(month[1]) == published.year:
        number = int(month[2])
        ahead = (number - published.month) % 12
        before = text[max(0, time.start - 8) : time.start]
        since = re.search(r"\bsince\s+$", before, re.I)
        deadline = re.search(r"\b(?:by|until|till)\s+$", before, re.I)
        told = tense.clause_tense(text, time.start, time.end)
        future = not since and (told == "future" or deadline)
        if future or (not since and ahead and ahead <= NEAR_MONTHS):
            year = published.year + (number < published.month)
        else:
            year = published.year - (number > published.month)
        return replace(time, value=f"{year}-{number:02d}")
    return time


def without_numbers(text: str, found: list[TimeExpr]) -> list[TimeExpr]:
    """Drop "years" that number documents or count things ("resolution 1970", "2000 troops").

    Example:
        >>> text = "Recalling resolution 1970 (2011)."
        >>> found = [TimeExpr("1970", 21, 25, "date", "1970")]
        >>> found += [TimeExpr("2011", 27, 31, "date", "2011")]
        >>> [t.text for t in without_numbers(text, found)]
        ['2011']
    """
    return [
        t
        for t in found
        if not (
            re.fullmatch(r"\d{4}", t.text)
            and (
                rules.NOT_A_YEAR_BEFORE.search(text[max(0, t.start - 40) : t.start])
                or re.match(rules.COUNTED, text[t.end : t.end + 20], re.I)
            )
        )
    ]


def with_rule_finds(found: list[TimeExpr], ruled: list[TimeExpr]) -> list[TimeExpr]:
    """Add the dates and references the rules found where the tagger found nothing.

    A written date ("Friday Oct. 15", "Oct. 15, 1999") or a named quarter ("last year's
    quarter") that the rules saw whole replaces the pieces a tagger saw inside it (without a
    part-of-speech tagger HeidelTime splits at "Oct." and misses most abbreviated dates).
    """
    for time in ruled:
        inside = [t for t in found if t.start < time.end and time.start < t.end]
        if not inside and _FILLS_GAPS.match(time.value):
            found = [*found, time]
        elif _REPLACES_PIECES.search(time.value) and all(
            time.start <= t.start and t.end <= time.end and len(t.text) < len(time.text)
            for t in inside
        ):
            found = [t for t in found if t not in inside] + [time]
    return sorted(found, key=lambda t: t.start)


def narrative_years(text: str, times: list[TimeExpr], published: date | None) -> list[TimeExpr]:
    """Give bare months and month-day dates the year of the explicit date just before them,
    unless another date comes between ("the following year" moves the story on).

    Example:
        >>> text = "On May 22, 1995, he was promoted. In December he moved."
        >>> [t.value for t in tag_times(text, "en", date(1998, 4, 18), "rules")]
        ['1995-05-22', '1995-12']
    """
    result: list[TimeExpr] = []
    anchor: TimeExpr | None = None
    for time in times:
        full = _FULL_DATE.match(time.value)
        has_year = bool(_EXPLICIT_YEAR.search(time.text))
        if full and has_year and time.type == "date":
            anchor = time
        elif time.type == "date" and not full:
            anchor = None
        elif (
            full
            and not has_year
            and anchor is not None
            and time.start - anchor.end <= NARRATIVE_WINDOW
            and _sentences_apart(text, anchor.end, time.start) <= 1
            and (published is None or full.group(1) == str(published.year))
        ):
            time = replace(time, value=anchor.value[:4] + full.group(2))
        elif (
            full
            and not has_year
            and len(full.group(2)) == 6
            and published is not None
            and full.group(1) == str(published.year)
            and rules.MONTH_NAME.search(time.text)
        ):
            time = replace(time, value=anchors.month_day_year(text, time, published))
        result.append(time)
    return result


def _sentences_apart(text: str, start: int, end: int) -> int:
    return len(re.findall(r"[.!?](?:\s|$)", text[start:end])) + text.count("\n\n", start, end) * 2


def merge_ranges(text: str, times: list[TimeExpr]) -> list[TimeExpr]:
    """Replace the pieces of "Month D-D, YYYY" and "D-D Month YYYY" by one range each."""
    ranges: list[TimeExpr] = []
    for pattern in _DAY_RANGE:
        for match in pattern.finditer(text):
            inner = [t for t in times if match.start() <= t.start < match.end()]
            year = match["year"] or next(
                (t.value[:4] for t in inner if t.value[:4].isdigit()), None
            )
            first, last = int(match["first"]), int(match["last"])
            if year is None or not 1 <= first < last <= 31:
                continue
            month = lexicon.MONTHS[match["month"].lower()]
            ranges.append(
                TimeExpr(
                    match.group(0),
                    match.start(),
                    match.end(),
                    "range",
                    f"{year}-{month:02d}-{first:02d}",
                    f"{year}-{month:02d}-{last:02d}",
                )
            )
    kept = [t for t in times if not any(r.start <= t.start < r.end for r in ranges)]
    return sorted(kept + ranges, key=lambda t: t.start)
