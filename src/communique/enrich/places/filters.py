"""Whether a gazetteer feature may be what a span names: the kind word, the plausibility rules,
the words that never name towns, and the thresholds they use."""

from __future__ import annotations

import re

from communique.enrich.countries import IRREGULAR, country_code, localized_keys
from communique.enrich.gazetteer import (
    KNOWN_POPULATION,
    Feature,
    Gazetteer,
    country_points,
    name_key,
)
from communique.enrich.lexicon import POSSESSIVE
from communique.enrich.places.spans import KIND, Span, strip_article
from communique.enrich.ruledata import threshold
from communique.extract.countries import country_names
from communique.extract.textutil import fold
from communique.lang import profile


def country_named(span: Span, gazetteer: Gazetteer, language: str | None = None) -> str | None:
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


def features_named(text: str, name: str, gazetteer: Gazetteer) -> list[Feature]:
    """Features `text` may name; its kind word decides ("X County" an area, "X City" a town)."""
    kind = KIND.search(text.strip())
    if kind is None:
        return gazetteer.by_name(name)
    word = kind.group(1).lower().rstrip("s")
    if word in TOWN_KINDS:  # the town whose own name is the whole name first: "Sioux City"
        whole = strip_article(text, kind=False)
        towns = [
            f
            for f in gazetteer.by_name(whole)
            if f.feature == "city" and name_key(f.name) == name_key(whole)
        ]
        return (
            towns
            or [f for f in gazetteer.by_name(name) if f.feature == "city"]
            or (gazetteer.by_name(name))
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


def state_of_focus(
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


ACRONYM = re.compile(r"^[A-Z]{2,3}$")
"""Capitals alone name no town ("EU", "SAS"): a state's ISO code ("KY") or what `ACRONYMS`
lists."""


ABBREVIATION = re.compile(r"^(?:[A-Z][a-z]{1,4}\.|(?:[A-Z]\.){2,3})$")


ABBREVIATION_COUNTRIES = ("US", "CA", "AU", "GB")
"""Where abbreviated regions ("Ky.", "Ont.") are looked up when the text names no country."""


UNLABELLED_POPULATION = int(threshold("unlabelled_population"))
INNER_POPULATION = int(threshold("inner_population"))
MAIN_FOCUS = int(threshold("main_focus"))
"""The thresholds are data (enrich/data/places.toml), each with what it does and an example."""


def _inner_population(eponym: bool) -> int:
    """How big a town named inside a longer name must be (less for an eponym: "Venice")."""
    return KNOWN_POPULATION if eponym else INNER_POPULATION


FIRST_LEVEL_KINDS = frozenset(["state", "province", "oblast", "governorate", "prefecture"])
"""Kind words of first-level subdivisions: "X State" is no county or town called X."""


SECOND_LEVEL_KINDS = frozenset(["county", "district", "rayon", "parish", "municipality"])
"""Kind words of counties and districts: "X County" is the county, where one is called X."""


TOWN_KINDS = frozenset(["city", "town", "village"])


def plausible(feature: Feature, name: str, focus: tuple[str, ...], span: Span) -> bool:
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


def norp_may_name(
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


def may_be_spelt_otherwise(
    span: Span, name: str, gazetteer: Gazetteer, language: str | None = None
) -> bool:
    """Whether a name no feature bears may be another spelling of one (by its skeleton): a
    name NER called a place, made of no common words only ("Member States" is no Midrakh 'Oz)."""
    if span.strict or span.inner or span.label == "NORP":
        return False
    return not gazetteer.is_common(name, language)


def is_weak(span: Span) -> bool:
    """Whether NER did not call `span` a town or country: not a place, or a location (LOC) or
    a building or road (FAC) that may bear a common name ("the Pacific", "the White House")."""
    return span.strict or span.inner or span.label in ("LOC", "FAC")


def small_namesake(feature: Feature, span: Span) -> bool:
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
    return KIND.search(span.text.strip()) is not None
