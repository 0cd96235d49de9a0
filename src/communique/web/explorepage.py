"""Shapes for the explore views: timeline zoom levels, the network drawing, chart series."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

ZOOM_NAMES = {0: "decades", 3: "years", 4: "months", 7: "days", 10: "day"}
"""Length of the window key -> what its buckets are."""
_BUCKET_WIDTH = {0: 3, 3: 4, 4: 7, 7: 10, 10: 10}
_WINDOW = re.compile(r"\d{3}(\d(-\d\d(-\d\d)?)?)?$")


@dataclass(frozen=True)
class Bucket:
    key: str
    label: str
    count: int


def bucket_label(key: str) -> str:
    """`199` -> `1990s`, other keys as they are."""
    return f"{key}0s" if len(key) == 3 else key


def window(at: str) -> tuple[str, int]:
    """The window asked for (a decade `199`, a year, a month, a day; '' for all time) and the
    length of the date prefix its buckets group by (years for all time, regrouped by `zoom`)."""
    at = at.strip()
    if len(at) not in _BUCKET_WIDTH or not _WINDOW.match(at):
        at = ""
    return at, _BUCKET_WIDTH[len(at)] if at else 4


def zoom(counts: list[tuple[str, int]], at: str) -> tuple[list[Bucket], list[tuple[str, str]]]:
    """The buckets inside window `at` from the event counts per date prefix (see `window`),
    and the trail of enclosing windows (key, label) from the widest.

    Without a window, decades are shown when the events span more than thirty years.
    """
    at, width = window(at)
    keyed = [(k, n) for k, n in counts if len(k) >= width]
    if not at and keyed and int(keyed[-1][0][:4]) - int(keyed[0][0][:4]) > 30:
        decades: Counter[str] = Counter()
        for key, n in keyed:
            decades[key[:3]] += n
        keyed = sorted(decades.items())
    buckets = [Bucket(k, bucket_label(k), n) for k, n in keyed]
    trail = [("", "all time")] + [
        (at[:n], bucket_label(at[:n])) for n in (3, 4, 7, 10) if len(at) >= n
    ]
    return buckets, trail


@dataclass(frozen=True)
class Node:
    code: str
    x: float
    y: float
    issues: int
    named: int


@dataclass(frozen=True)
class Edge:
    source: Node
    target: Node
    count: int
    width: float


def network_drawing(
    pairs: list[tuple[str, str, int]], max_edges: int = 60, size: float = 600
) -> tuple[list[Node], list[Edge]]:
    """Countries on a circle and arrows from issuer to named country, thicker for more."""
    top = pairs[:max_edges]
    issues: Counter[str] = Counter()
    named: Counter[str] = Counter()
    for a, b, n in top:
        issues[a] += n
        named[b] += n
    codes = sorted(set(issues) | set(named), key=lambda c: (-(issues[c] + named[c]), c))
    centre, radius = size / 2, size / 2 - 60
    nodes = {}
    for i, code in enumerate(codes):
        angle = 2 * math.pi * i / max(1, len(codes)) - math.pi / 2
        nodes[code] = Node(
            code,
            round(centre + radius * math.cos(angle), 1),
            round(centre + radius * math.sin(angle), 1),
            issues[code],
            named[code],
        )
    most = max((n for _, _, n in top), default=1)
    edges = [Edge(nodes[a], nodes[b], n, round(1 + 7 * n / most, 1)) for a, b, n in top]
    return list(nodes.values()), edges
