"""How likely each plausible feature is, in orders of magnitude of population: the weights of the
focus countries, the regions named, the vicinity, capitals and kinds of place; the `Context`
the rest of the text gives, and where the text's other names have towns (`Vicinity`)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from communique.enrich.gazetteer import (
    Feature,
    name_key,
)
from communique.enrich.ruledata import threshold, weight

# The weights are data (enrich/data/places.toml), each with what it does and an example.
FOCUS_BONUS = weight("focus").value
FOCUS_DECAY = float(weight("focus").extra["decay"])
REGION_BONUS = weight("region").value
NEARBY_BONUS = weight("nearby").value
VICINITY_BONUS = weight("vicinity").value
VICINITY_CAP = int(weight("vicinity").extra["cap"])
CAPITAL_BONUS = weight("capital").value
MAIN_NAME_BONUS = weight("main_name").value
KIND_WEIGHTS = {"district": weight("district").value}
SEAT_SHARE = threshold("seat_share")


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


def seat_of(region: Feature, candidates: list[Feature]) -> Feature:
    """The town of the region's name inside it when it holds a good share of its people
    ("New York", "São Paulo"), else the region itself ("Quebec", "Washington" the state)."""
    towns = [c for c in candidates if c.feature == "city" and c.region == region.region]
    seat = max(towns, key=lambda t: t.population, default=None)
    if seat is not None and seat.population >= SEAT_SHARE * region.population:
        return seat
    return region


def score_of(feature: Feature, name: str, focus: tuple[str, ...], context: Context) -> float:
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


CELL_DEGREES = 0.5
"""Cell size: a point's own and the eight cells around it reach 50–100 km."""


MAX_POINTS = 20
"""A name with more towns than this ("Washington", "Springfield") places nothing near anything."""


POINT_KINDS = frozenset(["city", "district"])


class Vicinity:
    """The cells where each name of a text has a town or district.

    Example:
        >>> london = Feature(None, "Edmonton", 51.62, -0.06, "GB", 82_000)
        >>> near = Vicinity({"edmonton": [london], "enfield": [london]})
        >>> near.support(london, "edmonton")
        1
    """

    def __init__(self, points: Mapping[str, Iterable[Feature]]) -> None:
        self._keys: dict[tuple[int, int], set[str]] = {}
        self._regions: dict[str, set[str]] = {}
        for key, features in points.items():
            found = [f for f in features if f.feature in POINT_KINDS]
            if len(found) > MAX_POINTS:
                continue
            for feature in found:
                self._keys.setdefault(_cell(feature.lat, feature.lon), set()).add(key)
                if feature.region:
                    self._regions.setdefault(feature.region, set()).add(key)

    def support(self, feature: Feature, key: str) -> int:
        """How many names other than `key` have a town or district around `feature`, or in it
        when it is a state or province."""
        if feature.feature == "subdivision" and feature.region:
            return len(self._regions.get(feature.region, set()) - {key})
        if feature.feature not in POINT_KINDS or not self._keys:
            return 0
        row, column = _cell(feature.lat, feature.lon)
        found: set[str] = set()
        for d_row in (-1, 0, 1):
            for d_column in (-1, 0, 1):
                found.update(self._keys.get((row + d_row, column + d_column), ()))
        found.discard(key)
        return len(found)


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / CELL_DEGREES), math.floor(lon / CELL_DEGREES)
