"""Benchmark enrichment: geoparsing, temporal tagging and statements/s with enrichment on.

Run: .venv/bin/python bench/enrich.py [--shared ../shared] [--timebank-docs N] [--tagger all]
     [--workers N] [--speed-only | --accuracy-only]
Geoparsing: each gold toponym of TR-News and GeoWebNews is scored against the place the
pipeline gives for an overlapping span (unresolved = wrong, counted at 20,000 km); prints
acc@161 km, the median error and the exact GeoNames-id accuracy (Mordecai 3's "exact match",
over the toponyms the gold set gives an id), for the whole set, its development two-thirds
(rules are written from their misses: `bench/geo_misses.py`) and its held-out third (split by
article, seed `heldout.SEED`; only measured). Time expressions on held-out parts and other
corpora: `bench/timex.py`. Time: TimeBank with each file's creation time; relaxed span
F1 and value accuracy over the gold expressions found. Speed: ingest of the seed, the 31 pages
and, apart, 20 UN General Debate speeches, with full enrichment in N worker processes, in
steady state (each set is ingested once untimed first, so models are loaded before the clock
starts); wall statements/s and chars/s, and CPU seconds per statement of the main process and
the workers together (the cores may be shared: CPU is the steadier).
Seed: how many of the example statement's 9 places land within 25 km (the region within
75 km) of where they are, and whether its dated events carry the expected ISO dates.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import baselines
import heldout
import timex
from rich.console import Console
from rich.table import Table

from communique.enrich.core import Enricher
from communique.enrich.gazetteer import distance_km
from communique.enrich.times import TAGGERS
from communique.model import Place
from communique.pipeline import ingest
from communique.settings import Settings
from communique.store.sqlite import SqliteStore

UNRESOLVED_KM = 20_000.0
TARGETS = {
    "acc@161": "target ≥ 0.80 (held-out thirds)",
    "exact": "target ≥ 0.85 (Mordecai 3: TR-News 0.843 with gold spans);",
    "TimeBank": "≥ 0.90",
}


@dataclass(frozen=True)
class Toponym:
    start: int
    end: int
    lat: float
    lon: float
    geonames_id: int | None = None
    """The gold GeoNames id, when the gold set gives one."""


@dataclass(frozen=True)
class Article:
    """A gold article: its name in the set (for the held-out split), text and toponyms."""

    name: str
    text: str
    gold: list[Toponym]


def aligned(text: str, phrase: str, start: int) -> int:
    """The gold start, moved by up to 3 characters when the file's offsets are off by a few."""
    for shift in (0, -1, 1, -2, 2, -3, 3):
        if phrase and text[start + shift : start + shift + len(phrase)] == phrase:
            return start + shift
    return start


def gold_toponym(
    text: str,
    phrase: str | None,
    start: str | None,
    point: tuple[str | None, str | None],
    geonames_id: str | None,
) -> Toponym:
    """A gold toponym from a file's fields, its start aligned on the text."""
    begin = aligned(text, phrase or "", int(start or 0))
    identity = int(geonames_id) if (geonames_id or "").strip().isdigit() else None
    lat, lon = point
    return Toponym(begin, begin + len(phrase or ""), float(lat or 0), float(lon or 0), identity)


def read_trnews(path: Path) -> list[Article]:
    articles = []
    for article in ET.parse(path).getroot():
        text = article.findtext("text") or ""
        gold = []
        for toponym in article.iter("toponym"):
            tag = toponym.find("gaztag")
            if tag is None or tag.findtext("lat") is None:
                continue
            gold.append(
                gold_toponym(
                    text,
                    toponym.findtext("phrase"),
                    toponym.findtext("start"),
                    (tag.findtext("lat"), tag.findtext("lon")),
                    tag.get("geonameid"),
                )
            )
        articles.append(Article(article.get("docid", str(len(articles))), text, gold))
    return articles


def read_gwn(path: Path) -> list[Article]:
    articles = []
    for article in ET.parse(path).getroot():
        text = article.findtext("text") or ""
        gold = []
        for t in article.iter("toponym"):
            if not (t.findtext("latitude") or "").strip() or t.findtext("nonLocational") == "Yes":
                continue
            gold.append(
                gold_toponym(
                    text,
                    t.findtext("extractedName"),
                    t.findtext("start"),
                    (t.findtext("latitude"), t.findtext("longitude")),
                    t.findtext("geonamesID"),
                )
            )
        articles.append(Article(article.get("file", str(len(articles))), text, gold))
    return articles


GEO_SETS = (("TR-News", read_trnews, "TR-News.xml"), ("GeoWebNews", read_gwn, "GWN.xml"))
"""The geoparsing gold sets: name, reader and file under ../shared/gold/geo."""


def geo_parts(shared: Path) -> dict[str, tuple[list[Article], list[Article]]]:
    """Each geo gold set as (development two-thirds, held-out third), split by article."""
    return {
        name: heldout.thirds(reader(shared / "gold" / "geo" / file), key=_article_name)
        for name, reader, file in GEO_SETS
    }


def _article_name(article: Article) -> str:
    return article.name


@dataclass(frozen=True)
class Located:
    """How one article's gold toponyms were placed."""

    errors: list[float]
    """Km from the gold point to the nearest place given on each toponym (unresolved: far)."""
    exact: list[bool]
    """For each toponym with a gold GeoNames id: whether a place on it has that id."""
    identified: list[bool]
    """For each toponym: within 161 km, or the very feature of the gold id (a country or a
    state identified but drawn at another point)."""
    placed: int
    on_toponyms: int


def locate_article(enricher: Enricher, article: Article) -> Located:
    return score_places(article, enricher.locate(article.text))


def score_places(article: Article, places: Sequence[Place]) -> Located:
    """How the `places` given for `article`'s text meet its gold toponyms."""
    errors, exact, identified = [], [], []
    for toponym in article.gold:
        hits = [p for p in places if p.start < toponym.end and toponym.start < p.end]
        km = min(
            (distance_km(p.lat, p.lon, toponym.lat, toponym.lon) for p in hits),
            default=UNRESOLVED_KM,
        )
        same = toponym.geonames_id is not None and any(
            p.geonames_id == toponym.geonames_id for p in hits
        )
        errors.append(km)
        identified.append(km <= 161 or same)
        if toponym.geonames_id is not None:
            exact.append(same)
    on = sum(any(p.start < t.end and t.start < p.end for t in article.gold) for p in places)
    return Located(errors, exact, identified, len(places), on)


def geo_scores(located: list[Located]) -> dict[str, float]:
    errors = [e for a in located for e in a.errors]
    exact = [e for a in located for e in a.exact]
    identified = [e for a in located for e in a.identified]
    placed = sum(a.placed for a in located)
    return {
        "toponyms": len(errors),
        "acc@161": sum(e <= 161 for e in errors) / max(len(errors), 1),
        "exact": sum(exact) / max(len(exact), 1),
        "with_id": len(exact),
        "acc@161_or_id": sum(identified) / max(len(identified), 1),
        "median_km": statistics.median(errors) if errors else 0.0,
        "resolved": sum(e < UNRESOLVED_KM for e in errors) / max(len(errors), 1),
        "on_toponyms": sum(a.on_toponyms for a in located) / placed if placed else 0.0,
        "placed": placed,
    }


@dataclass(frozen=True)
class Speed:
    name: str
    statements: int
    chars: int
    seconds: float
    cpu_seconds: float
    first_seconds: float = 0.0
    """Wall seconds of the untimed first run (workers starting, models loading)."""


def cpu_seconds() -> float:
    """CPU time of this process and of its live worker processes (Linux /proc)."""
    total = time.process_time()
    tick = os.sysconf("SC_CLK_TCK")
    for child in multiprocessing.active_children():
        try:
            fields = Path(f"/proc/{child.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def stored_chars(store: SqliteStore) -> int:
    ids = {i for c in store.iter_captures() for i in store.statements_at_url(c.url)}
    return sum(len(store.get_statement(i).text) for i in ids)


def speed(shared: Path, tagger: str, workers: int) -> list[Speed]:
    """Ingest with enrichment in steady state: statements as published, long speeches.

    Each set is ingested twice into fresh databases and only the second run is timed, so
    every model a worker needs for these languages (spaCy's, HeidelTime's JVM and language
    resources, lingua's) is loaded before the clock starts, as in a long ingest.
    """
    results = []
    with tempfile.TemporaryDirectory() as folder:
        speeches = Path(folder) / "speeches.jsonl"
        with (shared / "corpora" / "ungdc_2020_2024.jsonl").open(encoding="utf-8") as corpus:
            speeches.write_text("".join(line for _, line in zip(range(20), corpus, strict=False)))
        sets = {
            "seed + 31 pages": [str(shared / "seeds"), str(shared / "pages")],
            "20 UN speeches": [str(speeches)],
        }
        for name, targets in sets.items():
            runs = []
            for run in ("warm-up", "timed"):
                settings = Settings(
                    db=f"{folder}/{name}-{run}.db", time_tagger=tagger, workers=workers
                )
                store = SqliteStore(settings.db)
                started, cpu = time.perf_counter(), cpu_seconds()
                report = ingest(targets, store, settings)
                seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
                runs.append(Speed(name, report.statements, stored_chars(store), seconds, cpu))
            results.append(replace(runs[1], first_seconds=runs[0].seconds))
    return results


SEED_PLACES = {
    "Jabrayil": (39.40, 47.03, 25),
    "Fuzuli": (39.60, 47.14, 25),
    "Zangilan": (39.09, 46.65, 25),
    "Gubadli": (39.34, 46.58, 25),
    "Shusha": (39.76, 46.75, 25),
    "Kalbajar": (40.11, 46.04, 25),
    "Aghdam": (39.99, 46.93, 25),
    "Lachin": (39.64, 46.55, 25),
    "Garabagh": (39.85, 46.75, 75),
}
"""Where the example statement's places are (from the map), and the tolerance in km."""
SEED_EVENTS = {("2020-11-08", None), ("2020-11-10", None), ("2023-09-19", "2023-09-20")}


def seed_scores(shared: Path) -> tuple[int, int]:
    """Places of the example statement placed right, and expected dated events found."""
    text = (shared / "seeds" / "000_ac6ea3ae84a41b15.txt").read_text(encoding="utf-8")
    enrichment = Enricher().enrich(text, date(2023, 11, 8), "en", "AZ")
    placed = 0
    for name, (lat, lon, km) in SEED_PLACES.items():
        spots = [p for p in enrichment.places if text[p.start : p.end].startswith(name)]
        placed += bool(spots) and all(distance_km(p.lat, p.lon, lat, lon) <= km for p in spots)
    events = {(e.date, e.date_end) for e in enrichment.events}
    return placed, len(SEED_EVENTS & events)


def accuracy(table: Table, shared: Path, timebank_docs: int, taggers: tuple[str, ...]) -> None:
    """The seed statement, geoparsing and TimeBank rows."""
    enricher = Enricher()
    placed, events = seed_scores(shared)
    table.add_row(
        "seed statement", "places right", f"{placed}/9", "9/9 (towns 25 km, region 75 km)"
    )
    table.add_row(
        "seed statement", "dated events", f"{events}/3", "2020-11-08, 2020-11-10, 2023-09-19/20"
    )
    for name, (dev, held_out) in geo_parts(shared).items():
        located = {a.name: locate_article(enricher, a) for a in [*dev, *held_out]}
        for part, articles in (
            ("all", [*dev, *held_out]),
            ("dev 2/3", dev),
            ("held-out 1/3", held_out),
        ):
            scores = geo_scores([located[a.name] for a in articles])
            label = name if part == "all" else f"{name} {part}"
            held = part == "held-out 1/3"
            table.add_row(
                label, "acc@161km", f"{scores['acc@161']:.3f}", TARGETS["acc@161"] if held else ""
            )
            table.add_row(
                label,
                "exact GeoNames id",
                f"{scores['exact']:.3f}",
                f"{TARGETS['exact'] if held else ''} of {scores['with_id']:.0f} with a gold id",
            )
            table.add_row(
                label,
                "acc@161km or same id",
                f"{scores['acc@161_or_id']:.3f}",
                "a country or state identified but drawn elsewhere counts",
            )
            table.add_row(
                label,
                "median error km",
                f"{scores['median_km']:.1f}",
                f"{scores['toponyms']:.0f} toponyms, {scores['resolved']:.1%} resolved",
            )
            table.add_row(
                label,
                "places on a toponym",
                f"{scores['on_toponyms']:.3f}",
                f"of {scores['placed']:.0f} places given (the rest: no gold toponym there)",
            )
    files = sorted((shared / "gold" / "temporal" / "TimeBank").glob("*.tml"))
    files = files[:timebank_docs] if timebank_docs else files
    for tagger in taggers:
        scores = timex.scores([timex.read_timeml(path) for path in files], tagger)
        label = f"TimeBank ({tagger})"
        table.add_row(label, "value accuracy", f"{scores['value_acc']:.3f}", TARGETS["TimeBank"])
        table.add_row(
            label,
            "relaxed span F1",
            f"{scores['f1']:.3f}",
            f"{scores['docs']:.0f} docs, {scores['timexes']:.0f} TIMEX3,"
            f" {scores['docs'] / scores['seconds']:.1f} docs/s",
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--shared", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared"
    )
    parser.add_argument("--timebank-docs", type=int, default=0, help="0 = all 183")
    parser.add_argument(
        "--tagger", choices=(*TAGGERS, "all"), default="all", help="time tagger(s) to measure"
    )
    parser.add_argument(
        "--workers", type=int, default=Settings().workers, help="enrichment processes"
    )
    parser.add_argument("--speed-only", action="store_true", help="only the ingest speed")
    parser.add_argument("--accuracy-only", action="store_true", help="no ingest speed")
    baselines.add_argument(parser)
    args = parser.parse_args()
    console = Console()
    taggers = TAGGERS if args.tagger == "all" else (args.tagger,)
    table = Table(title="communique enrichment benchmark")
    for column in ("set", "measure", "value", "target / note"):
        table.add_column(column)
    if not args.speed_only:
        accuracy(table, args.shared, args.timebank_docs, taggers)
    for tagger in () if args.accuracy_only else taggers:
        for run in speed(args.shared, tagger, args.workers):
            table.add_row(
                f"ingest {run.name} ({tagger}, {args.workers} workers)",
                "statements/s",
                f"{run.statements / run.seconds:.1f}",
                f"≥ 10; {run.statements} in {run.seconds:.1f} s wall,"
                f" {run.chars / run.seconds:,.0f} chars/s,"
                f" {run.cpu_seconds / run.statements:.2f} CPU s/statement;"
                f" first run {run.first_seconds:.1f} s (models loading)",
            )
    console.print(table)
    baselines.report(console, "enrich", [table], args.save_baseline)


if __name__ == "__main__":
    main()
