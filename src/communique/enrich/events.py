"""Dated events: sentences that tie a date or a range to what happened, with places and actors."""

from __future__ import annotations

import bisect
import re
from typing import Generic, Protocol, TypeVar

from communique.enrich.countries import country_code
from communique.model import Entity, Event, Place, TimeExpr

ACTOR_LABELS = {"ORG", "PERSON", "GPE", "NORP"}
_CALENDAR_VALUE = re.compile(r"^\d{4}(?:-\d\d(?:-\d\d)?)?$")
MIN_WORDS = 5
"""Shorter sentences are headings or salutations, not accounts of what happened."""


def find_events(
    text: str,
    sentences: list[tuple[int, int]],
    times: list[TimeExpr],
    places: list[Place],
    entities: list[Entity],
    language: str | None = None,
) -> list[Event]:
    """One event per calendar date or range in each sentence long enough to tell something.

    Example:
        >>> text = "Talks were held in Baku on 8 November 2020."
        >>> t = TimeExpr("8 November 2020", 27, 42, "date", "2020-11-08")
        >>> [(e.date, e.sentence[:5]) for e in find_events(text, [(0, len(text))], [t], [], [])]
        [('2020-11-08', 'Talks')]
    """
    events = []
    towns = _InText([p for p in places if p.feature != "country"])
    town_starts = {p.start for p in towns.items}
    actors = _InText([e for e in entities if e.start not in town_starts])
    dates = _InText([t for t in times if _is_calendar(t)])
    for start, end in sentences:
        sentence = text[start:end]
        if len(sentence.split()) < MIN_WORDS:
            continue
        unique = {(t.value, t.end_value): t for t in dates.within(start, end)}
        for time in unique.values():
            events.append(
                Event(
                    sentence=sentence.strip(),
                    start=start,
                    end=end,
                    date=time.value,
                    date_end=time.end_value,
                    places=_unique(p.name for p in towns.within(start, end)),
                    actors=_actors(actors.within(start, end), language),
                )
            )
    return events


def _is_calendar(time: TimeExpr) -> bool:
    return time.type in ("date", "range") and bool(_CALENDAR_VALUE.match(time.value))


class _Located(Protocol):
    @property
    def start(self) -> int: ...


Located = TypeVar("Located", bound=_Located)


class _InText(Generic[Located]):
    """Things found in a text, ordered by where they start, to pick those of one sentence."""

    def __init__(self, items: list[Located]) -> None:
        self.items = sorted(items, key=lambda item: item.start)
        self.starts = [item.start for item in self.items]

    def within(self, start: int, end: int) -> list[Located]:
        """Those that start in text[start:end]."""
        first = bisect.bisect_left(self.starts, start)
        return self.items[first : bisect.bisect_left(self.starts, end, first)]


def _actors(entities: list[Entity], language: str | None) -> tuple[str, ...]:
    """Countries (as ISO codes) and organisations or people named in the sentence."""
    names = []
    for entity in entities:
        if entity.label in ACTOR_LABELS:
            code = country_code(entity.text, language)
            if code:
                names.append(code)
            elif entity.label in ("ORG", "PERSON"):
                names.append(entity.text)
    return _unique(names)


def _unique(values: object) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))  # type: ignore[call-overload]
