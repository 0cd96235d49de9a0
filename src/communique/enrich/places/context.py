"""A whole text's places: every span resolved, then again in the context of where the others
went (their countries, states and towns), one sense per name, the outermost of nested names;
and places made of countries alone for texts with no NER model."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterator

from communique.enrich.countries import country_code
from communique.enrich.gazetteer import (
    KNOWN_POPULATION,
    Feature,
    Gazetteer,
    country_points,
    name_key,
)
from communique.enrich.places.resolve import resolve
from communique.enrich.places.scoring import Context, Vicinity
from communique.enrich.places.spans import (
    Span,
    dateline_spans,
    known_name_spans,
    place_spans,
    strip_article,
)
from communique.model import Entity, Place

COUNTRY_LABELS = {"GPE", "NORP", "LOC"}


def resolve_spans(
    text: str, entities: list[Entity], focus: tuple[str, ...], language: str | None = None
) -> tuple[list[Span], list[Feature | None]]:
    """Every span that may name a place, and the feature each names (None: no place)."""
    gazetteer = Gazetteer.load()
    spans = _with_known_names(place_spans(text, entities), text, gazetteer)
    vicinity = vicinity_of(spans, gazetteer)
    first = Context(vicinity=vicinity, language=language)
    features = [resolve(span, focus, gazetteer, first) for span in spans]
    for _ in range(CONTEXT_PASSES):
        features = _in_context(text, spans, features, focus, gazetteer, vicinity, language)
    return spans, one_sense(spans, features)


def one_sense(spans: list[Span], features: list[Feature | None]) -> list[Feature | None]:
    """A name left unresolved where NER gave it another label takes the place the same name
    has where NER called it a place and it resolved by its own name ("Afrin" a place in one
    sentence, a group in the next)."""
    placed: dict[str, Feature] = {}
    for span, feature in zip(spans, features, strict=True):
        key = name_key(strip_article(span.text))
        if feature is not None and span.label in ("GPE", "LOC") and name_key(feature.name) == key:
            placed.setdefault(key, feature)
    return [
        feature
        if feature is not None or span.inner or span.label in ("EVENT", "LAW", "WORK_OF_ART")
        else placed.get(name_key(strip_article(span.text)))
        for span, feature in zip(spans, features, strict=True)
    ]


CONTEXT_PASSES = 2
"""Passes in context: the second settles names the first moved ("Holliday, Mo." then "Paris")."""


def _in_context(
    text: str,
    spans: list[Span],
    before: list[Feature | None],
    focus: tuple[str, ...],
    gazetteer: Gazetteer,
    vicinity: Vicinity | None = None,
    language: str | None = None,
) -> list[Feature | None]:
    """Resolve `spans` again, helped by where the pass `before` put the others (a name
    inside a longer one tells nothing: "Dallas" in "Dallas County" puts no town in Texas)."""
    named = frozenset(
        f.region for f in before if f is not None and f.feature == "subdivision" and f.region
    )
    countries: dict[str, Counter[str]] = {}
    towns_in: dict[str, set[str]] = {}
    resolved = [(s, f) for s, f in zip(spans, before, strict=True) if f is not None]
    for span, feature in outermost(resolved):
        if feature.country and not (span.inner or span.strict):
            countries.setdefault(feature.country, Counter())[name_key(span.text)] += 1
        if feature.region and feature.feature == "city":
            towns_in.setdefault(feature.region, set()).add(name_key(span.text))
    qualifiers = _qualifiers(text, spans, before)
    after = []
    for index, span in enumerate(spans):
        key = name_key(span.text)
        others = Counter({c: n.total() - n[key] for c, n in countries.items()})
        wider = tuple(dict.fromkeys([*focus, *(c for c, n in others.most_common() if n)]))
        nearby = frozenset(r for r, names in towns_in.items() if names - {key})
        context = Context(named, nearby, qualifiers.get(index), vicinity, language)
        after.append(resolve(span, wider, gazetteer, context))
    return after


def vicinity_of(spans: list[Span], gazetteer: Gazetteer) -> Vicinity:
    """Where the towns and districts lie that the names NER labelled may mean: towns called by
    their own name (or big ones), for names that are no country or state ("Iowa" places no
    town in Washington County, Iowa)."""
    points: dict[str, list[Feature]] = {}
    for span in spans:
        name = strip_article(span.text)
        key = name_key(name)
        if span.inner or (span.strict and not span.label) or span.label == "NORP" or key in points:
            continue
        named = gazetteer.by_name(name)
        if country_code(name) or any(
            f.feature not in ("city", "district") and name_key(f.name) == key for f in named
        ):
            points[key] = []
            continue
        points[key] = [
            f for f in named if name_key(f.name) == key or f.population >= KNOWN_POPULATION
        ]
    return Vicinity(points)


def _qualifiers(text: str, spans: list[Span], first: list[Feature | None]) -> dict[int, str]:
    """Span index → the state or country named right after it ("Paris, Missouri", "Glasgow,
    Ky.", "Paris, France"): its GeoNames region code or ISO country code."""
    found = {}
    for index, (span, following) in enumerate(itertools.pairwise(spans)):
        feature = first[index + 1]
        if feature is None or not _COMMA.fullmatch(text[span.end : following.start]):
            continue
        if feature.feature == "subdivision" and feature.region:
            found[index] = feature.region
        elif feature.feature == "country" and feature.country:
            found[index] = feature.country
    return found


_COMMA = re.compile(r",[ \t]*")


def _with_known_names(spans: list[Span], text: str, gazetteer: Gazetteer) -> list[Span]:
    """`spans` plus datelines and the multi-word names of regions, states and big towns the
    gazetteer knows; these replace a span of the same extent that NER did not call a place."""
    found = [*dateline_spans(text), *known_name_spans(text, gazetteer.is_known_name)]
    known = list({(s.start, s.end): s for s in found}.values())
    extents = {(s.start, s.end) for s in known}
    kept = [s for s in spans if (s.start, s.end) not in extents or not (s.strict or s.inner)]
    taken = {(s.start, s.end) for s in kept}
    return sorted(
        [*kept, *(s for s in known if (s.start, s.end) not in taken)], key=lambda s: s.start
    )


def outermost(resolved: list[tuple[Span, Feature]]) -> list[tuple[Span, Feature]]:
    """Drop a place whose span lies inside a longer place's ("Columbia" in "British Columbia").

    One sweep by start (longest first among equal starts), so a long report's thousands of
    places take no quadratic time.
    """
    order = sorted(range(len(resolved)), key=lambda i: (resolved[i][0].start, -resolved[i][0].end))
    inside = set()
    reach = -1  # the furthest end of the spans that start before the current one
    start, longest = -1, -1  # the current start, and the end of its longest span
    for i in order:
        span = resolved[i][0]
        if span.start != start:
            reach, start, longest = max(reach, longest), span.start, span.end
        if reach >= span.end or span.end < longest:
            inside.add(i)
    return [place for i, place in enumerate(resolved) if i not in inside]


def place_of(span: Span, feature: object) -> Place:
    """A `Place` for `span` resolved to a gazetteer feature."""
    from communique.enrich.gazetteer import Feature

    assert isinstance(feature, Feature)
    return Place(
        name=feature.name,
        start=span.start,
        end=span.end,
        lat=round(feature.lat, 5),
        lon=round(feature.lon, 5),
        geonames_id=feature.geonames_id,
        country=feature.country,
        feature=feature.feature,
        mention=span.text if span.text != feature.name else "",
    )


def country_places(entities: list[Entity], language: str | None) -> list[Place]:
    """A place for each entity that names a country (at the country's point)."""
    points = country_points()
    return [
        place_of(Span(entity.text, entity.start, entity.end), points[code])
        for entity, code in _country_mentions(entities, language)
        if code in points
    ]


def mentioned_countries(entities: list[Entity], language: str | None = None) -> list[str]:
    """Countries named or described by entities (in English or `language`), most mentioned
    first."""
    counts = Counter(code for _, code in _country_mentions(entities, language))
    return [code for code, _ in counts.most_common()]


def _country_mentions(entities: list[Entity], language: str | None) -> Iterator[tuple[Entity, str]]:
    """Each entity that names or describes a country, with the country's code."""
    for entity in entities:
        if entity.label in COUNTRY_LABELS:
            code = country_code(entity.text, language)
            if code:
                yield entity, code
