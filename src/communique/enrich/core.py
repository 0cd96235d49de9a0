"""The enricher: runs entities, countries, places, times, events and references on a text."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterator
from datetime import date

from communique.enrich import nlp as nlp_models
from communique.enrich.countries import country_code
from communique.enrich.entities import dateline_spans, known_name_spans, place_spans
from communique.enrich.events import find_events
from communique.enrich.gazetteer import (
    KNOWN_POPULATION,
    Feature,
    Gazetteer,
    country_points,
    name_key,
)
from communique.enrich.places import Context, Span, resolve, strip_article
from communique.enrich.references import find_references
from communique.enrich.times import tag_times, tagger_name
from communique.enrich.vicinity import Vicinity
from communique.lang import profile
from communique.model import Enrichment, Entity, Parse, Place

_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)")
COUNTRY_LABELS = {"GPE", "NORP", "LOC"}


class Enricher:
    """Enriches texts; spaCy models, the gazetteer and the JVM load on first use.

    Example:
        >>> Enricher("rules").enrich("", None, "xx").places
        ()
    """

    def __init__(self, time_tagger: str = "auto") -> None:
        tagger_name(None, time_tagger)  # an unknown tagger fails here, not on the first text
        self.time_tagger = time_tagger

    def enrich(
        self,
        text: str,
        published: date | None,
        language: str | None,
        issuer_country: str | None = None,
        parsed: Parse | None = None,
    ) -> Enrichment:
        """Everything found in `text` (offsets into `text`); `parsed` is its `nlp.parse` when
        that was done already (in workers)."""
        language = profile(language).code
        if parsed is None:
            parsed = nlp_models.parse(text, language)
        entities = list(parsed.entities) if parsed is not None else []
        sentences = split_lines(
            text,
            list(parsed.sentences)
            if parsed is not None
            else [m.span() for m in _SENTENCE.finditer(text)],
        )
        countries = mentioned_countries(entities, language)
        places = self._located(text, entities, countries, language, issuer_country)
        times = tag_times(text, language, published, self.time_tagger) if text else []
        return Enrichment(
            entities=tuple(entities),
            countries=tuple(countries),
            places=tuple(places),
            times=tuple(times),
            events=tuple(find_events(text, sentences, times, places, entities, language)),
            references=tuple(find_references(text)),
            language=language,
            analyses=self._analyses(language, parsed is not None),
        )

    def locate(
        self, text: str, language: str | None = "en", issuer_country: str | None = None
    ) -> list[Place]:
        """Only the places of `text` (no times, events or references)."""
        language = profile(language).code
        parsed = nlp_models.parse(text, language)
        if parsed is None:
            return []
        entities = list(parsed.entities)
        countries = mentioned_countries(entities, language)
        return self._located(text, entities, countries, language, issuer_country)

    def _located(
        self,
        text: str,
        entities: list[Entity],
        countries: list[str],
        language: str,
        issuer_country: str | None,
    ) -> list[Place]:
        """The places of `text`: with NER, every span resolved, then again `CONTEXT_PASSES`
        times, each time helped by where the pass before put the others (their countries
        widen the focus, their states and towns' regions draw namesakes, a state right after a
        town picks it); with country names only, the countries."""
        if not nlp_models.has_ner(language):
            return country_places(entities, language)
        focus = tuple(dict.fromkeys([*([issuer_country] if issuer_country else []), *countries]))
        spans, features = resolve_spans(text, entities, focus, language)
        resolved = [(s, f) for s, f in zip(spans, features, strict=True) if f is not None]
        return [place_of(span, feature) for span, feature in _outermost(resolved)]

    def _analyses(self, language: str, parsed: bool) -> tuple[str, ...]:
        done = []
        if parsed and nlp_models.has_ner(language):
            done += [f"ner:{nlp_models.model_name(language)}", "countries", "places:geonames"]
        elif parsed:
            done += ["countries:names", "places:countries"]
        tagger = tagger_name(language, self.time_tagger)
        if tagger:
            done.append(f"time:{tagger}")
        return (*done, "events", "references")


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
    return spans, _one_sense(spans, features)


def _one_sense(spans: list[Span], features: list[Feature | None]) -> list[Feature | None]:
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
    for span, feature in _outermost(resolved):
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


def _outermost(resolved: list[tuple[Span, Feature]]) -> list[tuple[Span, Feature]]:
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


def split_lines(text: str, sentences: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentences also end at line breaks (a title or a dateline is its own sentence)."""
    result = []
    for start, end in sentences:
        for match in re.finditer(r"[^\n]+", text[start:end]):
            if match.group(0).strip():
                result.append((start + match.start(), start + match.end()))
    return result


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
