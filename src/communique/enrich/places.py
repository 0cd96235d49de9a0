"""Toponyms to points: countries at their centroids, towns, states, counties and regions from
the gazetteer.

A name is resolved to a country first ("Armenia", "Turkish"), then to the gazetteer's
features of that name, scored in orders of magnitude of population: plus the countries the
statement is about, the states it names or places other towns in, a national capital, being
called by its own name; minus being a state, county or continent (a kind word such as
"County" or "City" decides instead). A small town known by the name only as an alternate name,
and every transliteration variant, must lie in the main countries the statement is about (the
issuer's, then the most named); a word NER did not label a place names a town only by the
town's own name.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from communique.enrich.countries import IRREGULAR, country_code, localized_keys
from communique.enrich.gazetteer import (
    KNOWN_POPULATION,
    Feature,
    Gazetteer,
    country_points,
    name_key,
)
from communique.enrich.lexicon import POSSESSIVE
from communique.enrich.regions import ACRONYMS
from communique.enrich.vicinity import Vicinity
from communique.extract.countries import country_names
from communique.extract.textutil import fold
from communique.lang import profile

FOCUS_BONUS = 3.5
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
    label: str = ""
    """The NER label of the entity the span comes from ("" for unlabelled words)."""
    head: bool = False
    """An inner span that ends its longer name, whose head noun it is ("Council" in "Security
    Council", "Union" in "European Union"): a town only when a big one."""
    eponym: bool = False
    """Part of the name of an agreement, a convention, an event or a work, which takes the
    well-known place of that name ("the Paris Agreement", "the Venice Film Festival")
    whatever country the text is about."""


@dataclass(frozen=True)
class Context:
    """What the rest of the text says about where a name lies."""

    regions: frozenset[str] = frozenset()
    """First-level regions the text names: their towns are more likely."""
    nearby: frozenset[str] = frozenset()
    """First-level regions where the text places other towns."""
    within: str | None = None
    """The state or country named right after the name ("Paris, Missouri"): its places are
    the only ones considered."""
    vicinity: Vicinity | None = None
    """Where the text's other names have towns: a candidate near them is more likely."""
    language: str | None = None
    """The text's language, for country names written in it ("Allemagne")."""


def resolve(
    span: Span, focus: Iterable[str], gazetteer: Gazetteer, context: Context = Context()
) -> Feature | None:
    """The feature `span` most likely names, or None, in the `context` of the text.

    Example:
        >>> resolve(Span("Armenia", 0, 7), (), Gazetteer.load()).feature
        'country'
    """
    focus = tuple(focus)
    name = strip_article(span.text)
    code = _country_named(span, gazetteer, context.language)
    if code:
        state = _state_of_focus(name, code, focus, gazetteer)
        return state or country_points()[code]
    if name_key(name) in GENERIC_WORDS or (
        (span.strict or span.inner) and name_key(name) in FACILITY_WORDS
    ):
        return None
    if _ACRONYM.match(name) and name in ACRONYMS:
        name = ACRONYMS[name]
        span = dataclasses.replace(span, strict=False, inner=False)
    if _ACRONYM.match(name) and len(name) > 2:
        return None
    if _ABBREVIATION.match(name) or _ACRONYM.match(name):
        found = gazetteer.by_abbreviation(name, focus) or (
            []  # a bare code is a state only where the text is: "(S&D, DE)" is no Delaware
            if _ACRONYM.match(name)
            else gazetteer.by_abbreviation(name, ABBREVIATION_COUNTRIES)
        )
        return found[0] if len(found) == 1 else None
    candidates = [
        c
        for c in _named(span.text, name, gazetteer)
        if _plausible(c, name, focus, span)
        and (span.label != "NORP" or _norp_may_name(c, name, focus, context.language))
    ]
    if not candidates and _may_be_spelt_otherwise(span, name, gazetteer, context.language):
        candidates = [
            c for country in focus[:MAIN_FOCUS] for c in gazetteer.by_skeleton(name, country)
        ]
    if _weak(span) and gazetteer.is_common(name, context.language):
        candidates = [
            c
            for c in candidates
            if not _small_namesake(c, span) and name_key(c.name) == name_key(name)
        ]  # nor by another name: "the White House" is not Casablanca (Dar el Beida)
    if not candidates:
        return None
    within = context.within
    if within:
        candidates = [c for c in candidates if within in (c.region, c.country)] or candidates
    if span.eponym:
        focus = ()
    best = max(candidates, key=lambda c: _score(c, name, focus, context))
    return _seat_of(best, candidates) if best.feature == "subdivision" else best


def _seat_of(region: Feature, candidates: list[Feature]) -> Feature:
    """The town of the region's name inside it when it holds a good share of its people
    ("New York", "São Paulo"), else the region itself ("Quebec", "Washington" the state)."""
    towns = [c for c in candidates if c.feature == "city" and c.region == region.region]
    seat = max(towns, key=lambda t: t.population, default=None)
    if seat is not None and seat.population >= SEAT_SHARE * region.population:
        return seat
    return region


def _country_named(span: Span, gazetteer: Gazetteer, language: str | None = None) -> str | None:
    """The country `span` names or describes. A word that only starts like a country's name
    must start like its common name ("Canadian", not "Statement" for the State of Israel) when
    it is unlabelled or part of a longer name, and is no country when a state or region bears
    it and it is no demonym ("Indiana", "Samos", "Franklin")."""
    code = country_code(span.text, language)
    if code is None or code not in country_points():
        return None
    key = POSSESSIVE.sub("", fold(span.text)).removeprefix("the ").strip().replace(".", "")
    if key in country_names() or key in IRREGULAR or key in localized_keys(language):
        return code
    if _COMPOUND.search(span.text):
        return None
    if span.strict and not span.label:
        return None  # "Indignant" and "Liberals" only start like India and Liberia
    if (span.inner or span.strict) and not key.startswith(
        name_key(country_points()[code].name)[:4]
    ):
        return None
    if not _is_demonym(key, language) and any(
        name_key(f.name) == name_key(span.text) for f in gazetteer.by_name(span.text)
    ):
        return None
    return code


_COMPOUND = re.compile(r"\w[-–/][A-Z]")
"""Two names joined ("German-Iraqi", "Turkish-Russian"): each part is its own place."""


def _is_demonym(key: str, language: str | None) -> bool:
    """Whether `key` ends as the language's nationality words do ("kurdish", "chinese")."""
    pattern = profile(language).demonym
    return pattern is not None and pattern.search(key) is not None


def _named(text: str, name: str, gazetteer: Gazetteer) -> list[Feature]:
    """Features `text` may name; its kind word decides ("X County" an area, "X City" a town)."""
    kind = _KIND.search(text.strip())
    if kind is None:
        return gazetteer.by_name(name)
    word = kind.group(1).lower().rstrip("s")
    if word in TOWN_KINDS:
        return [f for f in gazetteer.by_name(name) if f.feature == "city"] or gazetteer.by_name(
            name
        )
    kinds = (
        ("subdivision", "region")
        if word in FIRST_LEVEL_KINDS
        else ("subdivision", "region", "district")
    )
    areas = [
        f
        for f in [*gazetteer.by_name(strip_article(text, kind=False)), *gazetteer.by_name(name)]
        if f.feature in kinds
    ]
    if word in FIRST_LEVEL_KINDS:  # "the Union State" names no county called Union
        return areas
    districts = [f for f in areas if f.feature == "district"]
    if word in SECOND_LEVEL_KINDS and districts:  # "Ohio County" is not Ohio
        return districts
    return areas or gazetteer.by_name(name)


def _state_of_focus(
    name: str, code: str, focus: tuple[str, ...], gazetteer: Gazetteer
) -> Feature | None:
    """A first-level region of a focus country named like a country ("Georgia" in a US text),
    when that country comes before the homonymous one among the countries the text is about."""
    rank = focus.index(code) if code in focus else len(focus)
    states = [
        f
        for f in gazetteer.by_name(name)
        if f.feature == "subdivision"
        and name_key(f.name) == name_key(name)
        and f.country in focus[:rank]
    ]
    return states[0] if len(states) == 1 else None


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
FACILITY_WORDS = frozenset(
    [
        "university",
        "college",
        "school",
        "hospital",
        "center",
        "centre",
        "institute",
        "academy",
        "museum",
        "library",
        "church",
        "cathedral",
        "chapel",
        "court",
        "hall",
        "hotel",
        "club",
        "park",
        "golf",
        "stadium",
        "arena",
        "airport",
        "station",
        "street",
        "avenue",
        "road",
        "square",
        "bridge",
        "tower",
        "mall",
        "market",
        "hills",
        "valley",
        "point",
        "peninsula",
        "harbor",
        "harbour",
        "summit",
        "congress",
        "republic",
        "state",
        "trial",
    ]
)
"""Words that, inside a longer name or unlabelled, are the kind of a facility or feature
("Xavier University", "Beverly Hills Hotel"), not the towns that bear them."""
_ACRONYM = re.compile(r"^[A-Z]{2,3}$")
"""Capitals alone name no town ("EU", "SAS"): a state's ISO code ("KY") or what `ACRONYMS`
lists."""
_ABBREVIATION = re.compile(r"^(?:[A-Z][a-z]{1,4}\.|(?:[A-Z]\.){2,3})$")
ABBREVIATION_COUNTRIES = ("US", "CA", "AU", "GB")
"""Where abbreviated regions ("Ky.", "Ont.") are looked up when the text names no country."""
REGION_BONUS = 2.0
"""Weight of lying in a region (state, province) the text names or places other towns in."""
MAIN_NAME_BONUS = 1.5
"""A place called by its own name, not by one of its alternate names."""
NEARBY_BONUS = 1.0
"""Weight of lying in a region where the text places other towns."""
VICINITY_BONUS = 0.6
"""Weight of each other name of the text with a town near the candidate (up to VICINITY_CAP)."""
VICINITY_CAP = 3
CAPITAL_BONUS = 2.0
"""A national capital outweighs a namesake a hundred times as populous ("Ottawa", "Washington"),
and a namesake in a focus country less than a thirtieth of its size ("Vienna" in a US
statement).
With FOCUS_BONUS, calibrated on TR-News and GeoWebNews (3.5 and 2 instead of 4 and 1: 9 more
toponyms right)."""
KIND_WEIGHTS = {"subdivision": -0.6, "district": -2.0, "continent": -1.0, "region": 0.0}
"""By kind of feature, in orders of magnitude of population: a state beats a namesake town
unless the town is a quarter as populous ("New York" is the city, "Wyoming" the state);
a county or district needs its kind word ("Laurel County") or a hundredfold population."""
SEAT_SHARE = 0.25
"""A town holding this share of its same-named region's people is what the name means."""
UNLABELLED_POPULATION = 20_000
"""A capitalised word no NER labelled names a town only when the town is this big."""
INNER_POPULATION = 100_000
"""A town named inside a longer name ("CBC Toronto") must be this big, or in a focus country."""


def _inner_population(eponym: bool) -> int:
    """How big a town named inside a longer name must be (less for an eponym: "Venice")."""
    return KNOWN_POPULATION if eponym else INNER_POPULATION


FIRST_LEVEL_KINDS = frozenset(["state", "province", "oblast", "governorate", "prefecture"])
"""Kind words of first-level subdivisions: "X State" is no county or town called X."""
SECOND_LEVEL_KINDS = frozenset(["county", "district", "rayon", "parish", "municipality"])
"""Kind words of counties and districts: "X County" is the county, where one is called X."""
TOWN_KINDS = frozenset(["city", "town", "village"])


MAIN_FOCUS = 2
"""How many focus countries (the issuer's first, then the most named) the statement is about."""


def _plausible(feature: Feature, name: str, focus: tuple[str, ...], span: Span) -> bool:
    """Whether `feature` may be what `name` means here (see the module docstring).

    A word that is not labelled a place names a town only by the town's own name, not by one
    of its many alternate names ("Regiment", "Defence"), and only a town of some size or a
    county it calls a county: capitalised words are mostly titles and common nouns ("the
    Alliance", "Justice"). The head noun of a longer name is a town only when a big one; the
    place of an eponym (`Span.eponym`) may be a smaller town ("Venice").
    """
    main_name = name_key(feature.name) == name_key(name)
    if (span.strict or span.inner) and feature.feature == "city" and not main_name:
        return False
    if span.strict and not span.label:
        return feature.country in focus and _named_strongly(feature, span)
    if span.strict:
        return feature.country in focus
    if span.inner:
        return (
            feature.feature != "city"
            or (feature.country in focus and not span.head and not span.eponym)
            or (main_name and feature.population >= _inner_population(span.eponym))
        )
    if main_name or feature.population >= KNOWN_POPULATION or feature.feature != "city":
        return True
    return feature.country in focus[:MAIN_FOCUS]


def _norp_may_name(
    feature: Feature, name: str, focus: tuple[str, ...], language: str | None = None
) -> bool:
    """Whether a name NER called a nationality or group may name `feature`: a region, or a
    town of some size in a focus country, by its own name, when the name does not read as a
    nationality ("Nitra" may be the Slovak town; "Kurdish", "Argentine", "Christian" are no
    towns or counties)."""
    if feature.feature not in ("city", "district"):
        return True
    key = name_key(name)
    return (
        feature.country in focus
        and name_key(feature.name) == key
        and feature.population >= UNLABELLED_POPULATION
        and not _is_demonym(key, language)
        and country_code(name) is None
    )


def _may_be_spelt_otherwise(
    span: Span, name: str, gazetteer: Gazetteer, language: str | None = None
) -> bool:
    """Whether a name no feature bears may be another spelling of one (by its skeleton): a
    name NER called a place, made of no common words only ("Member States" is no Midrakh 'Oz)."""
    if span.strict or span.inner or span.label == "NORP":
        return False
    return not gazetteer.is_common(name, language)


def _weak(span: Span) -> bool:
    """Whether NER did not call `span` a town or country: not a place, or a location (LOC) or
    a building or road (FAC) that may bear a common name ("the Pacific", "the White House")."""
    return span.strict or span.inner or span.label in ("LOC", "FAC")


def _small_namesake(feature: Feature, span: Span) -> bool:
    """Whether `feature` is a town or county too small to be what a common word means when
    NER did not call it a place ("the Council" is no Council, Idaho; "Earth" no Earth, Texas)."""
    if feature.feature == "city":
        return feature.population < INNER_POPULATION
    return feature.feature == "district" and not _says_its_kind(span)


def _named_strongly(feature: Feature, span: Span) -> bool:
    """Whether an unlabelled capitalised word can name `feature`: a town of some size, a
    county or district it calls one ("Cavan County"), or a region."""
    if feature.feature == "city":
        return feature.population >= UNLABELLED_POPULATION
    if feature.feature == "district":
        return _says_its_kind(span)
    return True


def _says_its_kind(span: Span) -> bool:
    """Whether `span` ends with a kind of place ("Cavan County", "Rakhine State")."""
    return _KIND.search(span.text.strip()) is not None


def _score(feature: Feature, name: str, focus: tuple[str, ...], context: Context) -> float:
    score = math.log10(feature.population + 1)
    if feature.region in context.regions:
        score += REGION_BONUS
    elif feature.region in context.nearby:
        score += NEARBY_BONUS
    if context.vicinity is not None:
        near = context.vicinity.support(feature, name_key(name))
        score += VICINITY_BONUS * min(near, VICINITY_CAP)
    if feature.country in focus:
        score += FOCUS_BONUS / (1 + FOCUS_DECAY * focus.index(feature.country))
    if feature.capital:
        score += CAPITAL_BONUS
    score += KIND_WEIGHTS.get(feature.feature, 0.0)
    if name_key(feature.name) == name_key(name):
        score += MAIN_NAME_BONUS
    return score


_KINDS = (
    "region|district|province|city|town|village|rayon|oblast|governorate|county|state|"
    "municipality|area|parish|prefecture"
)
_ARTICLE = re.compile(r"^the\s+", re.I)
_KIND = re.compile(rf"\s+({_KINDS})s?$", re.I)


def strip_article(text: str, kind: bool = True) -> str:
    """The name itself: without a leading article, a possessive or (`kind`) a kind of place."""
    name = _ARTICLE.sub("", POSSESSIVE.sub("", text.strip()))
    return _KIND.sub("", name) if kind else name
