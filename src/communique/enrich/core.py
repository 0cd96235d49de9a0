"""The enricher: runs entities, countries, places, times, events and references on a text."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

from communique.enrich import nlp as nlp_models
from communique.enrich.countries import country_code
from communique.enrich.entities import entities_of, place_spans
from communique.enrich.events import find_events
from communique.enrich.gazetteer import Gazetteer
from communique.enrich.places import Span, resolve
from communique.enrich.references import find_references
from communique.enrich.times import tag_times, tagger_name
from communique.model import Enrichment, Entity, Place

_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)")
COUNTRY_LABELS = {"GPE", "NORP", "LOC"}


class Enricher:
    """Enriches texts; spaCy models, the gazetteer and the JVM load on first use.

    Example:
        >>> Enricher(prefer_heideltime=False).enrich("", None, "xx").places
        ()
    """

    def __init__(self, prefer_heideltime: bool = True) -> None:
        self.prefer_heideltime = prefer_heideltime

    def enrich(
        self,
        text: str,
        published: date | None,
        language: str | None,
        issuer_country: str | None = None,
    ) -> Enrichment:
        """Everything found in `text` (offsets into `text`)."""
        language = language or "en"
        pipeline = nlp_models.load_pipeline(language) if text.strip() else None
        doc = pipeline(text) if pipeline is not None else None
        entities = entities_of(doc) if doc is not None else []
        sentences = split_lines(
            text,
            [(s.start_char, s.end_char) for s in doc.sents]
            if doc is not None
            else [m.span() for m in _SENTENCE.finditer(text)],
        )
        countries = mentioned_countries(entities)
        focus = tuple(dict.fromkeys([*([issuer_country] if issuer_country else []), *countries]))
        places = self._places(text, entities, focus) if doc is not None else []
        times = tag_times(text, language, published, self.prefer_heideltime) if text else []
        return Enrichment(
            entities=tuple(entities),
            countries=tuple(countries),
            places=tuple(places),
            times=tuple(times),
            events=tuple(find_events(text, sentences, times, places, entities)),
            references=tuple(find_references(text)),
            language=language,
            analyses=self._analyses(language, doc is not None),
        )

    def locate(
        self, text: str, language: str | None = "en", issuer_country: str | None = None
    ) -> list[Place]:
        """Only the places of `text` (no times, events or references)."""
        pipeline = nlp_models.load_pipeline(language or "en")
        if pipeline is None or not text.strip():
            return []
        entities = entities_of(pipeline(text))
        countries = mentioned_countries(entities)
        focus = tuple(dict.fromkeys([*([issuer_country] if issuer_country else []), *countries]))
        return self._places(text, entities, focus)

    def _places(self, text: str, entities: list[Entity], focus: tuple[str, ...]) -> list[Place]:
        """Resolve every span twice: the second time helped by where the first put the others."""
        gazetteer = Gazetteer.load()
        spans = place_spans(text, entities)
        first = [resolve(span, focus, gazetteer) for span in spans]
        countries = Counter(f.country for f in first if f is not None and f.country)
        wider = tuple(dict.fromkeys([*focus, *(c for c, _ in countries.most_common())]))
        regions = frozenset(
            f.region for f in first if f is not None and f.feature == "subdivision" and f.region
        )
        places = []
        for span in spans:
            feature = resolve(span, wider, gazetteer, regions)
            if feature is not None:
                places.append(place_of(span, feature))
        return places

    def _analyses(self, language: str, parsed: bool) -> tuple[str, ...]:
        done = []
        if parsed:
            done += [f"ner:{nlp_models.model_name(language)}", "countries", "places:geonames"]
        tagger = tagger_name(language, self.prefer_heideltime)
        if tagger:
            done.append(f"time:{tagger}")
        return (*done, "events", "references")


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


def mentioned_countries(entities: list[Entity]) -> list[str]:
    """Countries named or described by entities, most mentioned first."""
    counts: Counter[str] = Counter()
    for entity in entities:
        if entity.label in COUNTRY_LABELS:
            code = country_code(entity.text)
            if code:
                counts[code] += 1
    return [code for code, _ in counts.most_common()]
