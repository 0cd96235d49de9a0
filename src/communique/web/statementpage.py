"""What a statement page shows beside the text: marked names, places, events and versions."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from communique import semantic
from communique.link.archive import Linked
from communique.model import Enrichment, Statement
from communique.store.base import Store, links_or_none
from communique.web.render import country_label, quoted, search_href

ENTITY_LABELS = {"PERSON", "ORG", "NORP", "EVENT", "LAW", "FAC"}
"""Named-entity kinds worth a search link (places and dates are marked from their own tables)."""
_CALENDAR = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
_PRIORITY = {"country": 0, "place": 0, "date": 1, "entity": 2}


@dataclass(frozen=True)
class Mark:
    """A span of the text that links to the statements sharing it."""

    start: int
    end: int
    kind: str
    """`place`, `country`, `date` or `entity`."""
    href: str
    title: str


def calendar_bounds(value: str, end_value: str | None = None) -> tuple[str, str] | None:
    """The `event_from`/`event_to` values of a TimeML date or range, or None when not a day,
    month or year.

    Example:
        >>> calendar_bounds("2020-11"), calendar_bounds("PRESENT_REF")
        (('2020-11', '2020-11'), None)
    """
    end = end_value or value
    if not (_CALENDAR.fullmatch(value) and _CALENDAR.fullmatch(end)):
        return None
    return value, end


def marks(enrichment: Enrichment) -> list[Mark]:
    """Non-overlapping marks: places first, then dates, then named entities."""
    candidates: list[Mark] = []
    for place in enrichment.places:
        if place.feature == "country" and place.country:
            candidates.append(
                Mark(
                    place.start,
                    place.end,
                    "country",
                    search_href(q=f"mentions:{place.country}"),
                    f"statements naming {country_label(place.country)}",
                )
            )
        else:
            candidates.append(
                Mark(
                    place.start,
                    place.end,
                    "place",
                    search_href(q=f"place:{quoted(place.name)}"),
                    f"statements naming {place.name}",
                )
            )
    for time in enrichment.times:
        bounds = calendar_bounds(time.value, time.end_value)
        if bounds and time.type in ("date", "range"):
            href = search_href(q=f"event_from:{bounds[0]} event_to:{bounds[1]}")
            candidates.append(
                Mark(time.start, time.end, "date", href, f"events dated {time.value}")
            )
    for entity in enrichment.entities:
        if entity.label in ENTITY_LABELS:
            href = search_href(q=f'"{entity.text}"')
            candidates.append(Mark(entity.start, entity.end, "entity", href, entity.label.lower()))
    chosen: list[Mark] = []
    taken: list[tuple[int, int]] = []
    for mark in sorted(candidates, key=lambda m: (_PRIORITY[m.kind], m.start, -m.end)):
        if all(mark.end <= s or mark.start >= e for s, e in taken):
            chosen.append(mark)
            taken.append((mark.start, mark.end))
    return sorted(chosen, key=lambda m: m.start)


def marked_paragraphs(statement: Statement, found: list[Mark]) -> list[Markup]:
    """Each paragraph as HTML, escaped, with its marks as links."""
    out: list[Markup] = []
    offset = 0
    pending = iter(found)
    mark = next(pending, None)
    for paragraph in statement.paragraphs:
        end = offset + len(paragraph)
        html = Markup("")
        cursor = offset
        while mark is not None and mark.start < end:
            if mark.start >= cursor and mark.end <= end:
                html += escape(statement.text[cursor : mark.start])
                html += Markup('<a class="mark mark-{}" href="{}" title="{}">{}</a>').format(
                    mark.kind, mark.href, mark.title, statement.text[mark.start : mark.end]
                )
                cursor = mark.end
            mark = next(pending, None)
        html += escape(statement.text[cursor:end])
        out.append(html)
        offset = end + 2
    return out


def map_places(enrichment: Enrichment) -> list[dict[str, Any]]:
    """The places of a text for its small map: name, point, mentions and a search link."""
    counts: Counter[tuple[str, float, float, str]] = Counter()
    for place in enrichment.places:
        counts[(place.name, place.lat, place.lon, place.feature)] += 1
    return [
        {
            "name": name,
            "lat": lat,
            "lon": lon,
            "count": n,
            "href": search_href(q=f"place:{quoted(name)}"),
        }
        for (name, lat, lon, feature), n in counts.most_common()
        if feature != "country"
    ]


def people(enrichment: Enrichment) -> list[tuple[str, int]]:
    """The people a text names, most named first."""
    return Counter(e.text for e in enrichment.entities if e.label == "PERSON").most_common(20)


def events(enrichment: Enrichment) -> list[dict[str, Any]]:
    """Its dated events in date order, each with the search of statements telling that date."""
    ordered = sorted(enrichment.events, key=lambda e: (e.date, e.start))
    result = []
    for event in ordered:
        bounds = calendar_bounds(event.date, event.date_end)
        result.append(
            {
                "id": f"event-{event.start}",
                "date": event.date + (f" – {event.date_end}" if event.date_end else ""),
                "sentence": event.sentence,
                "href": search_href(q=f"event_from:{bounds[0]} event_to:{bounds[1]}")
                if bounds
                else None,
            }
        )
    return result


def safe_back(back: str) -> str | None:
    """A link back to the results, kept only when it is a path on this site.

    Example:
        >>> safe_back("/?q=shusha"), safe_back("//evil.example/"), safe_back("javascript:x")
        ('/?q=shusha', None, None)
    """
    if back.startswith("/") and not back.startswith("//") and "\\" not in back:
        return back
    return None


def similar_statements(
    store: Store, statement_id: str, found: Linked, k: int = 5
) -> list[tuple[Statement, float]]:
    """The `k` statements most like `statement_id` (`found`: its links), one entry per statement.

    Its own copies and translations are left out (the page lists them as such), and the copies
    of another statement count once, by the closest of them.
    """
    links = links_or_none(store)

    def group(statement_id: str) -> str:
        link = links.get_copy(statement_id) if links else None
        return link.group_id if link else statement_id

    seen = {c.id for c in found.copies} | {t.other_group for t in found.translations}
    seen |= {statement_id, found.statement_id}
    picked: list[tuple[str, float]] = []
    for other, score in semantic.similar(store, statement_id, 3 * k + len(seen)):
        if other in seen:
            continue
        its_group = group(other)
        if its_group in seen:
            continue
        seen.add(its_group)
        picked.append((other, score))
        if len(picked) == k:
            break
    return [(store.get_statement(i), score) for i, score in picked]
