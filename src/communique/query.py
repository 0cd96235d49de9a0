"""Parse the search language into a `Query` that any store can compile.

Words are ANDed; ``"a phrase"``; ``a OR b``; ``NOT word`` or ``-word``; ``word*`` for a prefix
(3 letters or more, a Korean syllable counting two; ``中国*``, ending in Chinese or Japanese,
is searched as its characters);
filters ``issuer: country: lang: type: source: from:YYYY[-MM[-DD]] to:YYYY[-MM[-DD]]``,
``approx:yes`` (a date known only to the month or year also matches when it overlaps
``from:``/``to:`` rather than lies inside them),
``edited:yes|no`` (changed on its site since first seen), ``removed:yes|no`` (gone from its site)
(repeat a filter to accept several values); from enrichment ``mentions:AM`` (a country the
text names), ``place:"Shusha"``, ``near:lat,lon,km`` and ``event_from:`` / ``event_to:``
(dates of the events told, not of publication); ``copies:all`` lists every copy of a
statement (by default one hit per statement, its canonical copy).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import field
from datetime import date
from enum import StrEnum

from communique.errors import QueryError
from communique.model import DocType
from communique.records import record
from communique.store.analysis import has_cjk


class Order(StrEnum):
    """How search results are ordered: by relevance, newest or oldest first."""

    RELEVANCE = "relevance"
    NEWEST = "newest"
    OLDEST = "oldest"


@record
class Term:
    """A word or a phrase; `prefix` matches every word that starts with it."""

    text: str
    phrase: bool = False
    prefix: bool = False


@record
class Near:
    """A circle on the map: statements naming a place within `km` of (`lat`, `lon`)."""

    lat: float
    lon: float
    km: float


@record
class DateRange:
    """The days from `first` to `last`, both included; None leaves that end open."""

    first: date | None = None
    last: date | None = None

    @property
    def bounded(self) -> bool:
        """True when either end is set (an open range filters nothing)."""
        return self.first is not None or self.last is not None

    def iso_days(self) -> tuple[str, str]:
        """Both ends as ISO days, an open end as the first or last day there is.

        Example:
            >>> DateRange(last=date(2020, 11, 30)).iso_days()
            ('0000-01-01', '2020-11-30')
        """
        first = self.first.isoformat() if self.first else "0000-01-01"
        return first, self.last.isoformat() if self.last else "9999-12-31"


@record
class Filters:
    """What a statement must be to match, apart from its words: the values of its fields, its
    dates, its changes on its site, what enrichment found in it, and which of its copies."""

    issuers: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    doc_types: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    published: DateRange = DateRange()
    """`from:` / `to:`, on the statement's date of publication."""
    approximate: bool = False
    """Match a month- or year-precision date that overlaps `published` (default: lies inside)."""
    edited: bool | None = None
    removed: bool | None = None
    mentions: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    near: tuple[Near, ...] = ()
    event_dates: DateRange = DateRange()
    """`event_from:` / `event_to:`, on the dates of the events a statement tells."""
    all_copies: bool = False
    """Every copy of each statement (`copies:all`); by default one hit per statement."""

    @property
    def field_filters(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(statement field, the values it may have) of each filter on a field's value: a
        column of the statements and a field of the search index alike."""
        return (
            ("issuer", self.issuers),
            ("country", self.countries),
            ("language", self.languages),
            ("doc_type", self.doc_types),
            ("source", self.sources),
        )


@record
class Query:
    """A parsed query: its words (an AND of OR-groups of terms, and excluded terms), its
    filters, and the order of its hits."""

    required: tuple[tuple[Term, ...], ...] = ()
    excluded: tuple[Term, ...] = ()
    filters: Filters = Filters()
    order: Order = Order.RELEVANCE
    raw: str = field(default="", compare=False)

    @property
    def has_text(self) -> bool:
        return bool(self.required or self.excluded)

    @property
    def effective_order(self) -> Order:
        """Relevance needs words to rank by; without them, newest first."""
        if self.order is Order.RELEVANCE and not self.required:
            return Order.NEWEST
        return self.order


FILTERS = (
    "issuer",
    "country",
    "lang",
    "type",
    "source",
    "from",
    "to",
    "approx",
    "edited",
    "removed",
    "mentions",
    "place",
    "near",
    "event_from",
    "event_to",
    "copies",
)
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<filter>[A-Za-z_]+):(?:"(?P<fquoted>[^"]*)"|(?P<fvalue>[^\s"]*))
      | (?P<neg>-)?"(?P<phrase>[^"]*)"
      | (?P<open>")
      | (?P<word>-?[^\s"]+)
    )""",
    re.VERBOSE,
)
MAX_QUERY_CHARS = 2000
"""Longest query accepted, in characters."""
MIN_PREFIX_CHARS = 3
"""Shortest prefix accepted (letters and digits before the `*`): a shorter one matches nearly
every statement through thousands of words (at 1,000,000 statements, CPU ms of a first page:
`s*` 75, `co*` 49; `con*` 32, `pro*` 27, `com*` 25 — the common word `the` 19)."""
MAX_QUERY_TERMS = 50
"""Most words, phrases and filter values in one query (after repeats are collapsed)."""
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_UNDECODED = "\ufffd"
"""What a URL's or form's bytes that were not UTF-8 are decoded to: their words are lost."""

_DOC_TYPE_ALIASES = (
    {t.value.replace(" ", "-"): t.value for t in DocType}
    | {t.name.lower(): t.value for t in DocType}
    | {"communique": DocType.COMMUNIQUE.value, "press": DocType.PRESS_RELEASE.value}
)


def parse_query(text: str, order: Order | str = Order.RELEVANCE) -> Query:
    """Parse `text`; raise `QueryError` with a one-line reason when it is malformed.

    Example:
        >>> q = parse_query('shusha "victory day" -armenia country:az')
        >>> [t.text for group in q.required for t in group], q.filters.countries
        (['shusha', 'victory day'], ('AZ',))
    """
    try:
        order = Order(order)
    except ValueError:
        raise QueryError(
            f"unknown order {order!r}; use one of: {', '.join(o.value for o in Order)}"
        ) from None
    _check_text(text)
    builder = _QueryBuilder(text)
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            break
        pos = match.end()
        builder.take(match)
    return builder.build(order)


def _check_text(text: str) -> None:
    """Refuse a query that is too long or holds control characters (a NUL, say).

    Example:
        >>> _check_text("peace" + chr(0))
        Traceback (most recent call last):
        ...
        communique.errors.QueryError: query holds control character U+0000 at position 6
    """
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"query is {len(text)} characters long; the limit is {MAX_QUERY_CHARS}")
    bad = _CONTROL.search(text)
    if bad is not None:
        raise QueryError(
            f"query holds control character U+{ord(bad.group()):04X} at position {bad.start() + 1}"
        )
    undecoded = text.find(_UNDECODED)
    if undecoded >= 0:
        raise QueryError(f"query holds bytes that are not UTF-8 at position {undecoded + 1}")


def _collapsed(groups: list[list[Term]]) -> tuple[tuple[Term, ...], ...]:
    """The OR-groups with repeated terms and repeated groups dropped (first kept).

    Example:
        >>> a, b = Term("peace"), Term("Peace")
        >>> [[t.text for t in g] for g in _collapsed([[a], [b, a], [Term("war")] * 2])]
        [['peace'], ['war']]
    """
    seen: dict[frozenset[tuple[str, bool, bool]], tuple[Term, ...]] = {}
    for group in groups:
        unique = _unique(group)
        seen.setdefault(frozenset(map(_key, unique)), unique)
    return tuple(seen.values())


def _unique(terms: list[Term]) -> tuple[Term, ...]:
    """`terms` without repeats (the same text in any case), first kept."""
    first: dict[tuple[str, bool, bool], Term] = {}
    for term in terms:
        first.setdefault(_key(term), term)
    return tuple(first.values())


def _key(term: Term) -> tuple[str, bool, bool]:
    return (term.text.casefold(), term.phrase, term.prefix)


class _QueryBuilder:
    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.groups: list[list[Term]] = []
        self.excluded: list[Term] = []
        self.filters: dict[str, list[str]] = {name: [] for name in FILTERS}
        self.pending_or = False
        self.pending_not = False

    def take(self, match: re.Match[str]) -> None:
        if match["open"]:
            raise QueryError(f"unclosed quote at position {match.start('open') + 1}")
        if match["filter"] is not None:
            self._filter(match["filter"].lower(), match["fquoted"] or match["fvalue"] or "")
        elif match["phrase"] is not None:
            self._term(_phrase(match["phrase"]), negated=bool(match["neg"]))
        else:
            self._word(match["word"])

    def _word(self, word: str) -> None:
        if word == "OR":
            if not self.groups or self.pending_or or self.pending_not:
                raise QueryError("OR needs a word on each side")
            self.pending_or = True
        elif word in ("NOT", "AND"):
            if self.pending_not or self.pending_or:
                raise QueryError(f"{word} cannot follow OR or NOT")
            self.pending_not = word == "NOT"
        elif word.startswith("-") and len(word) > 1:
            self._term(_word_term(word[1:]), negated=True)
        else:
            self._term(_word_term(word), negated=False)

    def _term(self, term: Term | None, negated: bool) -> None:
        if term is None:
            return
        negated = negated or self.pending_not
        self.pending_not = False
        if negated:
            if self.pending_or:
                raise QueryError("OR cannot join an excluded term")
            self.excluded.append(term)
        elif self.pending_or:
            self.groups[-1].append(term)
            self.pending_or = False
        else:
            self.groups.append([term])

    def _filter(self, name: str, value: str) -> None:
        if name not in self.filters:
            raise QueryError(
                f"unknown filter {name}: (known: {', '.join(f + ':' for f in FILTERS)})"
            )
        if not value.strip():
            raise QueryError(f"filter {name}: needs a value")
        self.filters[name].append(value.strip())

    def build(self, order: Order) -> Query:
        if self.pending_or:
            raise QueryError("OR needs a word on each side")
        if self.pending_not:
            raise QueryError("NOT needs a word after it")
        f = {name: list(dict.fromkeys(values)) for name, values in self.filters.items()}
        required = _collapsed(self.groups)
        excluded = _unique(self.excluded)
        terms = sum(map(len, required)) + len(excluded) + sum(map(len, f.values()))
        if terms > MAX_QUERY_TERMS:
            raise QueryError(
                f"query has {terms} words, phrases and filters; the limit is {MAX_QUERY_TERMS}"
            )
        return Query(
            required=required,
            excluded=excluded,
            filters=_filters(f),
            order=order,
            raw=self.raw,
        )


def _filters(f: dict[str, list[str]]) -> Filters:
    """The filters of a query from the values given to each filter name (repeats dropped)."""
    return Filters(
        issuers=tuple(f["issuer"]),
        countries=tuple(_country(v) for v in f["country"]),
        languages=tuple(v.lower() for v in f["lang"]),
        doc_types=tuple(_doc_type(v) for v in f["type"]),
        sources=tuple(f["source"]),
        published=_range(f, "from", "to"),
        approximate=bool(_flag(f["approx"], "approx")),
        edited=_flag(f["edited"], "edited"),
        removed=_flag(f["removed"], "removed"),
        mentions=tuple(_country(v, "mentions") for v in f["mentions"]),
        places=tuple(f["place"]),
        near=tuple(_near(v) for v in f["near"]),
        event_dates=_range(f, "event_from", "event_to"),
        all_copies=_copies(f["copies"]),
    )


def _copies(values: list[str]) -> bool:
    """`copies:all` lists every copy of a statement; `copies:one` (the default) one hit each.

    Example:
        >>> _copies(["all"]), _copies([])
        (True, False)
    """
    chosen = {value.lower() for value in values}
    for value in values:
        if value.lower() not in ("all", "one"):
            raise QueryError(f"copies:{value} must be copies:all or copies:one")
    if len(chosen) > 1:
        raise QueryError("copies:one and copies:all contradict each other")
    return chosen == {"all"}


def _flag(values: list[str], name: str) -> bool | None:
    """yes/no filters: `edited:yes`, `removed:no`.

    Example:
        >>> _flag(["yes"], "edited"), _flag([], "edited")
        (True, None)
    """
    if not values:
        return None
    if len(values) > 1:
        raise QueryError(f"{name}: given twice")
    value = values[0].lower()
    if value not in ("yes", "no", "true", "false"):
        raise QueryError(f"{name}:{values[0]} must be {name}:yes or {name}:no")
    return value in ("yes", "true")


def _phrase(text: str) -> Term | None:
    words = text.split()
    return Term(" ".join(words), phrase=True) if words else None


def _word_term(word: str) -> Term | None:
    """A word, or a prefix (`word*`) of `MIN_PREFIX_CHARS` letters or more; a prefix ending in
    a Chinese or Japanese character is searched as its characters, without the star.

    Both backends index such text one character a token (besides its words), and where a
    word ends is only the segmenter's guess: the characters find every word that starts
    with them (and the words that hold them further in), whatever their number.

    Example:
        >>> _word_term("中国*"), _word_term("대한*").prefix
        (Term(text='中国', phrase=False, prefix=False), True)
    """
    prefix = word.endswith("*")
    core = word.rstrip("*")
    letters = [ch for ch in core if ch.isalnum()]
    if not letters:
        return None
    if prefix and has_cjk(letters[-1]):
        return Term(core)
    if prefix and sum(map(_letters_in, letters)) < MIN_PREFIX_CHARS:
        raise QueryError(
            f"prefix {word} is too short: write {MIN_PREFIX_CHARS} letters or more before the *"
        )
    return Term(core, prefix=prefix)


def _letters_in(char: str) -> int:
    """Letters a character counts for in a prefix: a Korean syllable block writes two or
    three (its jamo), so `대한*` is as long as `dae*`; any other letter or digit, one."""
    return 2 if "\uac00" <= char <= "\ud7a3" else 1


def _country(value: str, name: str = "country") -> str:
    if not re.fullmatch(r"[A-Za-z]{2}", value):
        raise QueryError(f"{name}:{value} is not an ISO 3166-1 alpha-2 code such as {name}:AZ")
    return value.upper()


def _near(value: str) -> Near:
    """`lat,lon,km` with -90 ≤ lat ≤ 90, -180 ≤ lon ≤ 180 and km > 0."""
    parts = value.split(",")
    try:
        lat, lon, km = (float(p) for p in parts)
    except ValueError:
        raise QueryError(f"near:{value} is not lat,lon,km such as near:39.76,46.75,25") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180 and 0 < km <= 20_000):
        raise QueryError(f"near:{value} is out of range (lat ±90, lon ±180, 0 < km ≤ 20000)")
    return Near(lat, lon, km)


def _doc_type(value: str) -> str:
    key = value.lower().replace("_", "-").replace(" ", "-")
    if key not in _DOC_TYPE_ALIASES:
        known = ", ".join(sorted({t.value.replace(" ", "-") for t in DocType}))
        raise QueryError(f"type:{value} is not a document type (known: {known})")
    return _DOC_TYPE_ALIASES[key]


def _range(filters: dict[str, list[str]], first: str, last: str) -> DateRange:
    """The range the filters named `first` and `last` give (each at most once)."""
    return DateRange(_bound(filters[first], first, False), _bound(filters[last], last, True))


def _bound(values: list[str], name: str, last: bool) -> date | None:
    if not values:
        return None
    if len(values) > 1:
        raise QueryError(f"{name}: given twice")
    return parse_date_bound(values[0], name, last)


def parse_date_bound(value: str, name: str, last: bool) -> date:
    """YYYY, YYYY-MM or YYYY-MM-DD; `last` picks the end of a year or month."""
    match = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", value)
    if match is None:
        raise QueryError(f"{name}:{value} is not a date; use YYYY-MM-DD, YYYY-MM or YYYY")
    year = int(match[1])
    month = int(match[2] or (12 if last else 1))
    try:
        day = int(match[3] or (calendar.monthrange(year, month)[1] if last else 1))
        return date(year, month, day)
    except (ValueError, calendar.IllegalMonthError) as exc:
        raise QueryError(f"{name}:{value} is not a valid date ({exc})") from None
