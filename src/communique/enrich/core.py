"""The enricher: runs entities, countries, places, times, events and references on a text."""

from __future__ import annotations

import re
from datetime import date

from communique.enrich import nlp as nlp_models
from communique.enrich.events import find_events
from communique.enrich.places import (
    country_places,
    mentioned_countries,
    outermost,
    place_of,
    resolve_spans,
)
from communique.enrich.references import find_references
from communique.enrich.times import tag_times, tagger_name
from communique.lang import profile
from communique.model import Enrichment, Entity, Parse, Place

_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)")


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
        return [place_of(span, feature) for span, feature in outermost(resolved)]

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


def split_lines(text: str, sentences: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentences also end at line breaks (a title or a dateline is its own sentence)."""
    result = []
    for start, end in sentences:
        for match in re.finditer(r"[^\n]+", text[start:end]):
            if match.group(0).strip():
                result.append((start + match.start(), start + match.end()))
    return result
