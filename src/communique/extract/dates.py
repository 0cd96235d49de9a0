"""Find calendar dates written in text: datelines, headline dates, metadata values."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from communique.lang import any_language, every_language, profiles
from communique.model import INFERRED, DatePrecision, Extraction
from communique.records import record

_MONTHS = {
    name: number for known in profiles().values() for name, number in known.month_numbers.items()
}
"""Month names and abbreviations of every language profile → their numbers."""


def _month_pattern(names: Iterable[str]) -> str:
    """A group `month` of `names`, longest first (none: a group that never matches)."""
    spelt = "|".join(sorted(map(re.escape, names), key=len, reverse=True))
    return f"(?P<month>{spelt or '(?!)'})" + r"\.?"


_MONTH = _month_pattern(_MONTHS)
_YEAR_FIRST_MONTH = _month_pattern(
    name for known in profiles().values() if known.year_first for name in known.month_numbers
)
"""Month names of the languages that may write a date year first (`Profile.year_first`)."""
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th|er|º|\.)?"
_YEAR = r"(?P<year>(?:1\d|20)\d\d)"
_PATTERNS = [
    # a span of days ("September 19–20, 2023", "19-20 September 2023"): its first day
    re.compile(rf"(?<!\w){_MONTH}\s+{_DAY}\s*[–-]\s*\d\d?,?\s+{_YEAR}(?!\d)", re.I),
    re.compile(rf"(?<![\w.]){_DAY}\s*[–-]\s*\d\d?\.?\s+{_MONTH},?\s+{_YEAR}(?!\d)", re.I),
    re.compile(r"(?<!\d)(?P<year>(?:1\d|20)\d\d)-(?P<month>[01]?\d)-(?P<day>[0-3]?\d)(?!\d)"),
    re.compile(
        r"(?<![\d.])(?P<day>[0-3]?\d)[.\-](?P<month>[01]?\d)[.\-](?P<year>(?:1\d|20)\d\d)(?!\d)"
    ),
    re.compile(
        r"(?<!\d)(?P<year>(?:1\d|20)\d\d)\s*[年년]\s*(?P<month>[01]?\d)\s*[月월]\s*"
        r"(?P<day>[0-3]?\d)\s*[日일]"
    ),
    re.compile(  # a Japanese era year: 令和6年3月5日 is 2024-03-05
        r"(?P<era>令和|平成|昭和)\s*(?P<year>元|\d\d?)\s*年\s*(?P<month>[01]?\d)\s*月\s*"
        r"(?P<day>[0-3]?\d)\s*日"
    ),
    re.compile(rf"(?<!\w){_MONTH}\s+{_DAY},?\s+{_YEAR}(?!\d)", re.I),
    re.compile(
        rf"(?<![\w.]){_DAY}\s*(?:of\s+|de\s+)?{_MONTH},?\s+(?:de\s+|of\s+)?{_YEAR}(?!\d)", re.I
    ),
    re.compile(rf"(?<![\w.]){_YEAR}\.?\s+{_YEAR_FIRST_MONTH}\s+{_DAY}(?!\d)", re.I),
]
_UPDATE_LABEL = re.compile(any_language("update_cues"), re.I)
"""Every profile's `update_cues`."""


def is_update_line(line: str) -> bool:
    """True for a line that labels a date as the page's last update, not its publication.

    Example:
        >>> is_update_line("Last updated: 15 January 2025"), is_update_line("6 December 2021")
        (True, False)
    """
    return len(line) <= 120 and bool(_UPDATE_LABEL.search(line))


INFERRED_CONFIDENCE = 0.2
"""A year read from what the text tells is a guess: never shown as certain."""


@record
class Published:
    """A publication date as extraction found it: the date, where it came from, how far it can
    be trusted and how much of it is known (an `Extraction`'s `published_*` fields).

    Example:
        >>> found = Published(None).or_inferred(lambda: "Signed on 19 May 2023.", date(2024, 1, 1))
        >>> found.value, found.source, found.precision.value
        (datetime.date(2023, 1, 1), 'inferred', 'year')
    """

    value: date | None
    source: str = "none"
    confidence: float = 0.0
    precision: DatePrecision = DatePrecision.DAY

    def or_inferred(self, text: Callable[[], str], before: date) -> Published:
        """This date when there is one, else the year of the latest date the text mentions up
        to `before` (see `inferred_year`); `text` gives the text, asked only when needed."""
        if self.value is not None:
            return self
        value, how, confidence = inferred_year(text(), before)
        return Published(value, how, confidence, DatePrecision.YEAR if value else DatePrecision.DAY)

    def fields(self) -> dict[str, Any]:
        """This date as an `Extraction`'s `published_*` fields (to build one in one go)."""
        return {
            "published": self.value,
            "published_source": self.source,
            "published_confidence": self.confidence,
            "published_precision": self.precision,
        }

    def stamped(self, extraction: Extraction) -> Extraction:
        """`extraction` published on this date."""
        return replace(extraction, **self.fields())


def inferred_year(text: str, before: date) -> tuple[date | None, str, float]:
    """A year (as its 1 January) from the latest date `text` mentions, marked inferred.

    Example:
        >>> inferred_year("Victory Day: this year, on September 19–20, 2023, ...", date(2024, 1, 1))
        (datetime.date(2023, 1, 1), 'inferred', 0.2)
    """
    found = infer_from_text(text, before)
    if found is None:
        return None, "none", 0.0
    return date(found.year, 1, 1), INFERRED, INFERRED_CONFIDENCE


def infer_from_text(text: str, before: date) -> date | None:
    """Return the latest date the text mentions up to `before` (a statement is not older).

    Example:
        >>> infer_from_text("This year, on September 19–20, 2023, we...", date(2024, 1, 1))
        datetime.date(2023, 9, 19)
    """
    found = [value for value, _, _ in find_dates(text) if value <= before]
    return max(found) if found else None


_NO_SPACES = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\u0e00-\u0e7f]")
"""Han, kana and Thai: scripts written without spaces between words (Hangul has them)."""


def _words(token: str) -> int:
    """Words in one space-delimited token: two characters a word in a script without spaces."""
    return max(1, len(_NO_SPACES.findall(token)) // 2)


_DATE_CUE_WORDS = "|".join(
    re.escape(word) for cue in every_language("date_cues") for word in cue.split()
)
"""Each word of every profile's `date_cues` ("published", "publié le"): words a dateline may
hold beside its date."""

_WEEKDAY_WORDS = "|".join(
    re.escape(word) for day in every_language("weekdays") for word in day.split()
)
"""Every profile's weekday names: a dateline may name the day beside its date."""

_DATELINE_FILLER = re.compile(
    rf"^(?:{_DATE_CUE_WORDS}|ort|on|le|am|vom|du|den|de|"
    rf"date signature|{_WEEKDAY_WORDS}|года|г|at|um|"
    r"\d{1,2}:\d\d|h|uhr|am|pm|et|cet|cest|[-–—|/,:;()]+)$",
    re.I,
)


FIRST_YEAR = 1000
"""Dates from this year on are taken (State of the Union addresses go back to 1790)."""
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
"""Arabic-Indic and Persian digits, read as the same digits (one character for one)."""


def make_date(year: int, month: int, day: int) -> date | None:
    """Return a `date`, or None when the parts are not a plausible publication date."""
    if not FIRST_YEAR <= year <= datetime.now().year + 1:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


_ERAS = {"令和": 2019, "平成": 1989, "昭和": 1926}
"""The first (Gregorian) year of each Japanese era a date may be written in."""


def _from_match(match: re.Match[str]) -> date | None:
    raw_month = match.group("month").lower().rstrip(".")
    month = int(raw_month) if raw_month.isdigit() else _MONTHS.get(raw_month, 0)
    year = match.group("year")
    era = match.groupdict().get("era")
    number = 1 if year == "元" else int(year)  # 元年: an era's first year
    return make_date(_ERAS[era] + number - 1 if era else number, month, int(match.group("day")))


def find_dates(text: str) -> list[tuple[date, int, int]]:
    """Return (date, start, end) for every date written in `text`, in text order."""
    text = text.translate(_DIGITS)
    found: list[tuple[date, int, int]] = []
    taken: list[tuple[int, int]] = []
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < e and s < end for s, e in taken):
                continue
            value = _from_match(match)
            if value is not None:
                found.append((value, start, end))
                taken.append((start, end))
    return sorted(found, key=lambda item: item[1])


def parse_iso(value: str) -> date | None:
    """Parse the date part of an ISO-8601-ish or `DD-MM-YYYY` metadata value."""
    value = value.strip()
    if value.isdigit() and len(value) >= 9:
        try:
            return datetime.fromtimestamp(int(value)).date()
        except (OverflowError, OSError, ValueError):
            return None
    day = _ISO_DAY.fullmatch(value)
    if day is not None:  # the common metadata value: find_dates would read just this
        return make_date(int(day[1]), int(day[2]), int(day[3]))
    dates = find_dates(value[:40])
    return dates[0][0] if dates else None


_ISO_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


_PARTIAL = re.compile(r"^\s*(?P<year>\d{4})(?:-(?P<month>[01]?\d))?\s*$")


def parse_partial(value: str) -> tuple[date, DatePrecision] | None:
    """Parse a full date, or a year-month (`2020-06`) or a year (`2020`) with its precision.

    Example:
        >>> parse_partial("1790")
        (datetime.date(1790, 1, 1), <DatePrecision.YEAR: 'year'>)
        >>> parse_partial("2020-06")[1], parse_partial("2020-06-15")[1]
        (<DatePrecision.MONTH: 'month'>, <DatePrecision.DAY: 'day'>)
    """
    match = _PARTIAL.match(value)
    if match is None:
        found = parse_iso(value)
        return (found, DatePrecision.DAY) if found is not None else None
    month = int(match["month"]) if match["month"] else 1
    first = make_date(int(match["year"]), month, 1)
    if first is None:
        return None
    return first, DatePrecision.MONTH if match["month"] else DatePrecision.YEAR


@functools.lru_cache(maxsize=4096)
def dateline(line: str, max_other_words: int = 4) -> date | None:
    """Return the date if `line` is a dateline: a date plus at most a place or a label."""
    if len(line) > 90:
        return None
    dates = find_dates(line)
    if len(dates) != 1:
        return None
    value, start, end = dates[0]
    rest = (line[:start] + " " + line[end:]).replace(",", " , ")
    others = [w for w in rest.split() if not _DATELINE_FILLER.match(w.strip(".:"))]
    # words as scripts without spaces have them too: a Chinese sentence is no dateline
    if sum(map(_words, others)) > max_other_words or any(ch in rest for ch in "!?"):
        return None
    if any(w.rstrip(".").isdigit() for w in others):
        return None
    return value


def date_in_title(title: str) -> date | None:
    """Return a date written inside a headline, e.g. `… (May 15, 2020)`."""
    dates = find_dates(title)
    return dates[-1][0] if len(dates) == 1 else None


_URL_DATE = re.compile(
    r"(?<!\d)(?P<year>(?:19|20)\d\d)[/_-]?(?P<month>[01]\d)[/_-]?(?P<day>[0-3]\d)(?!\d)"
)
_BASE_CONFIDENCE = {
    "record": 0.95,
    "json-ld": 0.9,
    "dateline": 0.85,
    "time-element": 0.8,
    "headline": 0.75,
    "date-element": 0.7,
    "htmldate": 0.5,
    "pdf-metadata": 0.4,
    "opening": 0.45,
}
_OPENING = 100
"""Characters at the start of a text where a date is taken for the statement's own."""


def date_in_opening(text: str) -> date | None:
    """Return the first date written in the first characters of a text, unless an update.

    Example:
        >>> date_in_opening("外相会議の開催 掲載日：2023年7月13日 7月13日、外務大臣が出席。")
        datetime.date(2023, 7, 13)
    """
    head = text[:_OPENING]
    dates = [(d, start) for d, start, _ in find_dates(head)]
    if not dates or is_update_line(head[: dates[0][1]]):
        return None
    return dates[0][0]


def date_in_url(url: str) -> date | None:
    """Return a date written in a URL's path (`/2011/09/10/`, `-20190712-`), if any.

    Example:
        >>> date_in_url("https://example.org/blog/2011/09/10/serve-and-remember")
        datetime.date(2011, 9, 10)
    """
    path = url.split("?", 1)[0].split("://", 1)[-1].partition("/")[2]
    match = _URL_DATE.search(path)
    if match is None:
        return None
    return make_date(int(match["year"]), int(match["month"]), int(match["day"]))


def date_confidence(how: str, found: date | None, witnesses: list[date | None]) -> float:
    """Return a 0–1 confidence for a date from source `how`, raised by agreeing witnesses.

    A witness is a date found independently (in the URL, a dateline, the meta tags); each one
    that agrees adds to the confidence, each one that disagrees takes from it.

    Example:
        >>> date_confidence("time-element", date(2020, 5, 15), [date(2020, 5, 15), None])
        0.9
    """
    if found is None:
        return 0.0
    base = 0.85 if how.startswith("meta:") else _BASE_CONFIDENCE.get(how, 0.5)
    agree = sum(1 for w in witnesses if w == found)
    disagree = sum(1 for w in witnesses if w is not None and w != found)
    if agree:
        agree -= 1 if how in ("dateline", "json-ld") or how.startswith("meta:") else 0
    value = base + 0.1 * agree - 0.15 * disagree
    return round(min(0.99, max(0.05, value)), 2)
