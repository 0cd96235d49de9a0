"""Which other names of a text have a town or district near a given point or in a given state.

A text about one area names several places in it ("Edmonton", "Enfield" and "Wood Green"
in north London): a candidate near candidates of the text's other names is more likely what a
name means than a bigger namesake far from all of them. Every name's towns and districts go
into a grid of half-degree cells once per text, so a lookup costs nine cell reads.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from communique.enrich.gazetteer import Feature

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
