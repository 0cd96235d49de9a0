"""Toponyms to points, in one package: which spans may name places (`spans`), which gazetteer
features each may name (`filters`), how likely each is (`scoring`), the choice for one span
(`resolve`) and for a whole text, each name in the context of the others (`context`)."""

from communique.enrich.places.context import (
    country_places,
    mentioned_countries,
    one_sense,
    outermost,
    place_of,
    resolve_spans,
)
from communique.enrich.places.resolve import resolve
from communique.enrich.places.scoring import Context, Vicinity
from communique.enrich.places.spans import Span, strip_article

__all__ = [
    "Context",
    "Span",
    "Vicinity",
    "country_places",
    "mentioned_countries",
    "one_sense",
    "outermost",
    "place_of",
    "resolve",
    "resolve_spans",
    "strip_article",
]
