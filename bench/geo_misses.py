"""Geoparsing misses on TR-News and GeoWebNews, grouped by cause, with counts.

Run: PYTHONPATH=src .venv/bin/python bench/geo_misses.py [--shared ../shared] [--show CAUSE]
     [--part dev|held-out]
Only the development two-thirds of each set by default: write rules from their misses, and
leave the held-out third (`bench/enrich.py` reports it apart) to measure them.
Each gold toponym farther than 161 km from the place given for its span is a miss of one cause:
- `country/state point`: a country or state of the right country, placed at another point;
- `wrong candidate (right one known)`: another feature of the name lies within 161 km;
- `wrong candidate (not known)`: no feature of the name in the gazetteer lies within 161 km;
- `unresolved (known)` / `unresolved (not known)`: a span was tried but resolved to nothing;
- `no span`: no span overlapped the toponym.
With `--exact`, each gold toponym with a GeoNames id that no place on it has is a miss of one
cause (`EXACT_CAUSES`): another feature of the same point (a town for its state, a state for
its capital), another feature of the name the gazetteer knows, an id the gazetteer lacks,
nothing resolved, no span.
"""

from __future__ import annotations

import argparse
import math
from collections import Counter
from pathlib import Path

from enrich import geo_parts

from communique.enrich.entities import entities_of
from communique.enrich.gazetteer import Feature, Gazetteer, distance_km, name_key
from communique.enrich.nlp import load_pipeline
from communique.enrich.places import Span, outermost, resolve_spans, strip_article
from communique.enrich.places import mentioned_countries as countries_of

CAUSES = (
    "country/state point",
    "wrong candidate (right one known)",
    "wrong candidate (not known)",
    "unresolved (known)",
    "unresolved (not known)",
    "no span",
)
EXACT_CAUSES = (
    "near, other id (same name)",
    "near, other id (other name)",
    "far, gold id known",
    "far, gold id not known",
    "unresolved, gold id known",
    "unresolved, gold id not known",
    "no span",
)


class NearestTown:
    """The nearest gazetteer town to a point, through a one-degree grid."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.cells: dict[tuple[int, int], list[Feature]] = {}
        for feature in gazetteer.all_features():
            if feature.feature == "city":
                cell = (math.floor(feature.lat), math.floor(feature.lon))
                self.cells.setdefault(cell, []).append(feature)

    def __call__(self, lat: float, lon: float) -> Feature | None:
        for radius in range(0, 6):
            near = [
                f
                for dlat in range(-radius, radius + 1)
                for dlon in range(-radius, radius + 1)
                for f in self.cells.get((math.floor(lat) + dlat, math.floor(lon) + dlon), ())
            ]
            if near:
                return min(near, key=lambda f: distance_km(f.lat, f.lon, lat, lon))
        return None


def located(text: str) -> tuple[list[Span], list[Feature | None]]:
    """Every span tried and the feature each resolved to (as `Enricher._places` does)."""
    entities = entities_of(load_pipeline("en")(text))
    return resolve_spans(text, entities, tuple(countries_of(entities)))


def classify(shared: Path, show: str | None, part: str = "dev") -> dict[str, Counter[str]]:
    gazetteer = Gazetteer.load()
    nearest = NearestTown(gazetteer)
    tables: dict[str, Counter[str]] = {}
    for name, (dev, held_out) in geo_parts(shared).items():
        counts: Counter[str] = Counter()
        for article in dev if part == "dev" else held_out:
            text, gold = article.text, article.gold
            spans, features = located(text)
            resolved = [(s, f) for s, f in zip(spans, features, strict=True) if f is not None]
            places = [(s, f) for s, f in outermost(resolved)]
            for toponym in gold:
                counts["toponyms"] += 1
                phrase = text[toponym.start : toponym.end]
                hits = [f for s, f in places if s.start < toponym.end and toponym.start < s.end]
                best = min(
                    hits,
                    key=lambda p: distance_km(p.lat, p.lon, toponym.lat, toponym.lon),
                    default=None,
                )
                km = (
                    distance_km(best.lat, best.lon, toponym.lat, toponym.lon)
                    if best is not None
                    else math.inf
                )
                if km <= 161:
                    counts["right"] += 1
                    continue
                candidates = gazetteer.by_name(strip_article(phrase))
                known = any(
                    distance_km(c.lat, c.lon, toponym.lat, toponym.lon) <= 161 for c in candidates
                )
                if best is not None:
                    town = nearest(toponym.lat, toponym.lon)
                    same = town is not None and town.country == best.country
                    if best.feature == "subdivision":
                        same = same and town is not None and town.region == best.region
                    if best.feature in ("country", "subdivision") and same:
                        cause = CAUSES[0]
                    else:
                        cause = CAUSES[1] if known else CAUSES[2]
                    detail = f"→ {best.name} ({best.feature}, {best.country}) {km:.0f} km"
                elif any(s.start < toponym.end and toponym.start < s.end for s in spans):
                    cause = CAUSES[3] if known else CAUSES[4]
                    detail = ""
                else:
                    cause = CAUSES[5]
                    detail = ""
                counts[cause] += 1
                if show and show in cause:
                    context = text[max(0, toponym.start - 60) : toponym.end + 60].replace("\n", " ")
                    where = f"gold {toponym.lat:.2f},{toponym.lon:.2f}"
                    print(f"{name} | {cause} | {phrase!r} {detail} {where}")
                    print(f"    …{context}…")
        tables[name] = counts
    return tables


def exact_misses(shared: Path, show: str | None, part: str = "dev") -> dict[str, Counter[str]]:
    """Gold toponyms with a GeoNames id that no place on them has, by cause."""
    gazetteer = Gazetteer.load()
    tables: dict[str, Counter[str]] = {}
    for name, (dev, held_out) in geo_parts(shared).items():
        counts: Counter[str] = Counter()
        for article in dev if part == "dev" else held_out:
            text = article.text
            spans, features = located(text)
            resolved = [(s, f) for s, f in zip(spans, features, strict=True) if f is not None]
            places = list(outermost(resolved))
            for toponym in article.gold:
                if toponym.geonames_id is None:
                    continue
                counts["with id"] += 1
                phrase = text[toponym.start : toponym.end]
                hits = [f for s, f in places if s.start < toponym.end and toponym.start < s.end]
                if any(f.geonames_id == toponym.geonames_id for f in hits):
                    counts["right"] += 1
                    continue
                ids = {c.geonames_id for c in gazetteer.by_name(strip_article(phrase))}
                known = "known" if toponym.geonames_id in ids else "not known"
                best = hits[0] if hits else None
                if best is not None:
                    km = distance_km(best.lat, best.lon, toponym.lat, toponym.lon)
                    if km <= 161:
                        same = name_key(best.name) == name_key(strip_article(phrase))
                        cause = EXACT_CAUSES[0] if same else EXACT_CAUSES[1]
                    else:
                        cause = f"far, gold id {known}"
                    where = f"{best.feature}, {best.country}, {best.population}"
                    detail = f"→ {best.name} ({where}) {km:.0f} km"
                elif any(s.start < toponym.end and toponym.start < s.end for s in spans):
                    cause, detail = f"unresolved, gold id {known}", ""
                else:
                    cause, detail = EXACT_CAUSES[-1], ""
                counts[cause] += 1
                if show and show in cause:
                    context = text[max(0, toponym.start - 60) : toponym.end + 60].replace("\n", " ")
                    gold = f"gold {toponym.geonames_id} {toponym.lat:.2f},{toponym.lon:.2f}"
                    print(f"{name} | {cause} | {phrase!r} {detail} {gold}")
                    print(f"    …{context}…")
        tables[name] = counts
    return tables


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--shared", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared"
    )
    parser.add_argument("--show", help="print the misses whose cause contains this text")
    parser.add_argument("--part", choices=("dev", "held-out"), default="dev")
    parser.add_argument("--exact", action="store_true", help="misses of the exact GeoNames id")
    args = parser.parse_args()
    if args.exact:
        tables = exact_misses(args.shared, args.show, args.part)
        rows: tuple[str, ...] = ("with id", "right", *EXACT_CAUSES)
    else:
        tables = classify(args.shared, args.show, args.part)
        rows = ("toponyms", "right", *CAUSES)
    print(f"{'cause':40}" + "".join(f"{name:>12}" for name in tables))
    for cause in rows:
        print(f"{cause:40}" + "".join(f"{counts[cause]:>12}" for counts in tables.values()))


if __name__ == "__main__":
    main()
