"""Place-name keys and distances, shared by enrichment and the stores."""

from __future__ import annotations

import functools
import math
import re

from unidecode import unidecode

_NON_WORD = re.compile(r"[^a-z0-9]+")
EARTH_RADIUS_KM = 6371.0


@functools.lru_cache(maxsize=1 << 16)
def name_key(name: str) -> str:
    """An ASCII, lower-case, punctuation-free key for a place name (memoised: a text's
    spans are keyed again in each pass over them).

    Example:
        >>> name_key("Qubadlı"), name_key("Ağdam")
        ('qubadli', 'agdam')
    """
    ascii_name = name if name.isascii() else unidecode(name)
    return _NON_WORD.sub(" ", ascii_name.lower()).strip()


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres.

    Example:
        >>> round(distance_km(0, 0, 0, 1))
        111
    """
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
