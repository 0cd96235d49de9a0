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
With `--country-points`, the gold toponyms that are countries, counted within 161 km of each
way of placing a country: countryinfo's point (the gazetteer's) and the centroid of the
country's largest polygon in countryinfo's outline (its main territory).
The counts do not depend on the machine's load: run it niced; `--save-baseline` stores them
(each mode and part under its own title) and every run prints its change (bench/baselines.py).
"""

from __future__ import annotations

import argparse
import math
from collections import Counter
from pathlib import Path

import baselines
from enrich import Toponym, geo_parts
from rich.console import Console
from rich.table import Table

from communique.enrich.entities import entities_of
from communique.enrich.gazetteer import (
    Feature,
    Gazetteer,
    country_points,
    distance_km,
    name_key,
)
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
                where = f"gold {toponym.lat:.2f},{toponym.lon:.2f}"
                line = f"{name} | {cause} | {phrase!r} {detail} {where}"
                tally(counts, cause, show, line, text, toponym)
        tables[name] = counts
    return tables


def tally(
    counts: Counter[str], cause: str, show: str | None, line: str, text: str, toponym: Toponym
) -> None:
    """Count a miss of `cause`; print `line` and the text around the toponym when `show` is
    part of the cause."""
    counts[cause] += 1
    if show and show in cause:
        context = text[max(0, toponym.start - 60) : toponym.end + 60].replace("\n", " ")
        print(f"{line}\n    …{context}…")


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
                cause, detail = _exact_cause(hits, spans, toponym, phrase, known)
                gold = f"gold {toponym.geonames_id} {toponym.lat:.2f},{toponym.lon:.2f}"
                tally(
                    counts,
                    cause,
                    show,
                    f"{name} | {cause} | {phrase!r} {detail} {gold}",
                    text,
                    toponym,
                )
        tables[name] = counts
    return tables


def _exact_cause(
    hits: list[Feature], spans: list[Span], toponym: Toponym, phrase: str, known: str
) -> tuple[str, str]:
    """The cause of an exact-id miss (`EXACT_CAUSES`) and what was given instead."""
    if not hits:
        tried = any(s.start < toponym.end and toponym.start < s.end for s in spans)
        return (f"unresolved, gold id {known}" if tried else EXACT_CAUSES[-1]), ""
    best = hits[0]
    km = distance_km(best.lat, best.lon, toponym.lat, toponym.lon)
    detail = f"→ {best.name} ({best.feature}, {best.country}, {best.population}) {km:.0f} km"
    if km > 161:
        return f"far, gold id {known}", detail
    same = name_key(best.name) == name_key(strip_article(phrase))
    return (EXACT_CAUSES[0] if same else EXACT_CAUSES[1]), detail


def country_point_sources(shared: Path, part: str = "dev") -> dict[str, Counter[str]]:
    """Country toponyms (by gold GeoNames id) within 161 km of each way of placing a country."""
    points = country_points()
    code_of = {f.geonames_id: code for code, f in points.items() if f.geonames_id}
    main_points = main_territory_points()
    tables: dict[str, Counter[str]] = {}
    for name, (dev, held_out) in geo_parts(shared).items():
        counts: Counter[str] = Counter()
        for article in dev if part == "dev" else held_out:
            for toponym in article.gold:
                code = code_of.get(toponym.geonames_id)
                if code is None:
                    continue
                counts["countries"] += 1
                ways = {
                    "countryinfo point": (points[code].lat, points[code].lon),
                    "main polygon centroid": main_points.get(code),
                }
                for way, point in ways.items():
                    if point is not None:
                        counts[way] += distance_km(*point, toponym.lat, toponym.lon) <= 161
        tables[name] = counts
    return tables


def main_territory_points() -> dict[str, tuple[float, float]]:
    """The centroid of each country's largest polygon in countryinfo's GeoJSON outline."""
    from countryinfo import CountryInfo

    found = {}
    for info in CountryInfo.all().values():
        code = (info.get("ISO") or {}).get("alpha2")
        rings = [
            polygon[0]
            for feature in (info.get("geoJSON") or {}).get("features", [])
            for polygon in (
                feature["geometry"]["coordinates"]
                if feature["geometry"]["type"] == "MultiPolygon"
                else [feature["geometry"]["coordinates"]]
            )
        ]
        if code and rings:
            _area, lat, lon = max(_ring_centroid(ring) for ring in rings)
            found[code] = (lat, lon)
    return found


def _ring_centroid(ring: list[list[float]]) -> tuple[float, float, float]:
    """(area, lat, lon) of a closed ring of (lon, lat) points, on the plane of the degrees."""
    area = x = y = 0.0
    for (x0, y0), (x1, y1) in zip(ring, [*ring[1:], ring[0]], strict=True):
        cross = x0 * y1 - x1 * y0
        area, x, y = area + cross, x + (x0 + x1) * cross, y + (y0 + y1) * cross
    if not area:
        return 0.0, ring[0][1], ring[0][0]
    return abs(area) / 2, y / (3 * area), x / (3 * area)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--shared", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared"
    )
    parser.add_argument("--show", help="print the misses whose cause contains this text")
    parser.add_argument("--part", choices=("dev", "held-out"), default="dev")
    parser.add_argument("--exact", action="store_true", help="misses of the exact GeoNames id")
    parser.add_argument(
        "--country-points", action="store_true", help="country toponyms by way of placing"
    )
    baselines.add_argument(parser)
    args = parser.parse_args()
    if args.country_points:
        tables = country_point_sources(args.shared, args.part)
        rows: tuple[str, ...] = ("countries", "countryinfo point", "main polygon centroid")
        title = "country toponyms within 161 km, by way of placing"
    elif args.exact:
        tables = exact_misses(args.shared, args.show, args.part)
        rows = ("with id", "right", *EXACT_CAUSES)
        title = "misses of the exact GeoNames id, by cause"
    else:
        tables = classify(args.shared, args.show, args.part)
        rows = ("toponyms", "right", *CAUSES)
        title = "misses at 161 km, by cause"
    table = Table(title=f"{title} ({args.part})")
    table.add_column("cause")
    for name in tables:
        table.add_column(name, justify="right")
    for cause in rows:
        table.add_row(cause, *(str(counts[cause]) for counts in tables.values()))
    console = Console(width=160)
    console.print(table)
    baselines.report(console, "geo_misses", [table], args.save_baseline)


if __name__ == "__main__":
    main()
