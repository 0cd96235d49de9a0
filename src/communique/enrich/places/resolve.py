"""Toponyms to points: countries at their centroids, towns, states, counties and regions from
the gazetteer.

A name is resolved to a country first ("Armenia", "Turkish"), then to the gazetteer's
features of that name, scored in orders of magnitude of population: plus the countries the
statement is about, the states it names or places other towns in, a national capital, being
called by its own name; minus being a county or district (a kind word such as "County"
decides instead); a state yields its name to the town holding a good share of its people
("New York"). A small town known by the name only as an alternate name, and every
transliteration variant, must lie in the main countries the statement is about (the issuer's,
then the most named); a word NER did not label a place names a town only by the town's own
name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from communique.enrich.gazetteer import (
    Feature,
    Gazetteer,
    country_points,
    name_key,
)
from communique.enrich.places.filters import (
    ABBREVIATION,
    ABBREVIATION_COUNTRIES,
    ACRONYM,
    MAIN_FOCUS,
    country_named,
    features_named,
    is_weak,
    may_be_spelt_otherwise,
    norp_may_name,
    plausible,
    small_namesake,
    state_of_focus,
)
from communique.enrich.places.scoring import Context, score_of, seat_of
from communique.enrich.places.spans import Span, strip_article
from communique.enrich.regions import ACRONYMS
from communique.lang import profile

NO_CONTEXT = Context()
"""The context of a name alone."""


def resolve(
    span: Span, focus: Iterable[str], gazetteer: Gazetteer, context: Context = NO_CONTEXT
) -> Feature | None:
    """The feature `span` most likely names, or None, in the `context` of the text.

    Example:
        >>> resolve(Span("Armenia", 0, 7), (), Gazetteer.load()).feature
        'country'
    """
    focus = tuple(focus)
    name = strip_article(span.text)
    code = country_named(span, gazetteer, context.language)
    if code:
        state = state_of_focus(name, code, focus, gazetteer)
        return state or country_points()[code]
    words = profile(context.language)
    if name_key(name) in words.generic_place_words or (
        (span.strict or span.inner) and name_key(name) in words.facility_words
    ):
        return None
    if ACRONYM.match(name) and name in ACRONYMS:
        name = ACRONYMS[name]
        span = dataclasses.replace(span, strict=False, inner=False)
    if ACRONYM.match(name) and len(name) > 2:
        return None
    if ABBREVIATION.match(name) or ACRONYM.match(name):
        found = gazetteer.by_abbreviation(name, focus) or (
            []  # a bare code is a state only where the text is: "(S&D, DE)" is no Delaware
            if ACRONYM.match(name)
            else gazetteer.by_abbreviation(name, ABBREVIATION_COUNTRIES)
        )
        return found[0] if len(found) == 1 else None
    candidates = [
        c
        for c in features_named(span.text, name, gazetteer)
        if plausible(c, name, focus, span)
        and (span.label != "NORP" or norp_may_name(c, name, focus, context.language))
    ]
    if not candidates and may_be_spelt_otherwise(span, name, gazetteer, context.language):
        candidates = [
            c for country in focus[:MAIN_FOCUS] for c in gazetteer.by_skeleton(name, country)
        ]
    if is_weak(span) and gazetteer.is_common(name, context.language):
        candidates = [
            c
            for c in candidates
            if not small_namesake(c, span) and name_key(c.name) == name_key(name)
        ]  # nor by another name: "the White House" is not Casablanca (Dar el Beida)
    if not candidates:
        return None
    within = context.within
    if within:
        candidates = [c for c in candidates if within in (c.region, c.country)] or candidates
    if span.eponym:
        focus = ()
    best = max(candidates, key=lambda c: score_of(c, name, focus, context))
    return seat_of(best, candidates) if best.feature == "subdivision" else best
