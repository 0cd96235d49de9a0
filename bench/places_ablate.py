"""Place rules ablated: each rule of `enrich/places` and `enrich/data/places.toml` turned off in
turn, measured on the held-out third of TR-News and GeoWebNews (and the dev two-thirds apart).

Run: PYTHONPATH=src .venv/bin/python bench/places_ablate.py [--shared ../shared] [--part held-out]
     [--only NAME]
Each text is parsed once (spaCy, as `Enricher.locate` does); then for every rule the places are
resolved again with the rule off and scored as `bench/enrich.py` scores them: acc@161 km and
exact GeoNames-id accuracy, and the share of the places given that lie on a gold toponym (a
proxy of precision: a filter that only drops wrong places moves no other score). A weight is off
at 0; a threshold is tried at half and at twice its value; a filter or context step is off when
it lets everything through or changes nothing. A rule whose removal raises the held-out scores
does not help on data it was not written for. Accuracy does not depend on the machine's load:
run it niced; `--save-baseline` stores the scores and each rule's changes (bench/baselines.py).
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import baselines
from enrich import Article, Located, geo_parts, geo_scores, score_places
from rich.console import Console
from rich.table import Table

from communique.enrich import nlp as nlp_models
from communique.enrich.places import context, filters, outermost, place_of, scoring
from communique.enrich.places.context import mentioned_countries, resolve_spans
from communique.model import Entity

Patch = tuple[Any, str, Any]
"""(module or mapping, attribute or key, the value with the rule off)."""


def _none(*args: Any, **kwargs: Any) -> None:
    return None


def _true(*args: Any, **kwargs: Any) -> bool:
    return True


def _false(*args: Any, **kwargs: Any) -> bool:
    return False


def _same_spans(spans: Any, *args: Any) -> Any:
    return spans


def _features_unchanged(spans: Any, features: Any) -> Any:
    return features


def _no_qualifiers(*args: Any) -> dict[int, str]:
    return {}


RESOLVE = importlib.import_module("communique.enrich.places.resolve")
"""The module (the package exports its function of the same name)."""


def ablations() -> dict[str, list[Patch]]:
    """Each rule by name and what turns it off."""
    found: dict[str, list[Patch]] = {
        f"weight {name}": [(scoring, constant, 0.0)]
        for name, constant in (
            ("focus", "FOCUS_BONUS"),
            ("capital", "CAPITAL_BONUS"),
            ("region", "REGION_BONUS"),
            ("nearby", "NEARBY_BONUS"),
            ("vicinity", "VICINITY_BONUS"),
            ("main_name", "MAIN_NAME_BONUS"),
        )
    }
    for kind in scoring.KIND_WEIGHTS:
        found[f"weight {kind}"] = [(scoring.KIND_WEIGHTS, kind, 0.0)]
    for name, places in (
        ("known_population", [(filters, "KNOWN_POPULATION"), (context, "KNOWN_POPULATION")]),
        ("unlabelled_population", [(filters, "UNLABELLED_POPULATION")]),
        ("inner_population", [(filters, "INNER_POPULATION")]),
        ("seat_share", [(scoring, "SEAT_SHARE")]),
        ("main_focus", [(filters, "MAIN_FOCUS"), (RESOLVE, "MAIN_FOCUS")]),
    ):
        value = getattr(*places[0])
        for factor, label in ((0.5, "half"), (2.0, "twice")):
            changed = type(value)(value * factor)
            found[f"threshold {name} {label}"] = [(m, a, changed) for m, a in places]
    found.update(
        {
            "filter state_of_focus": [(RESOLVE, "state_of_focus", _none)],
            "filter norp_may_name": [(RESOLVE, "norp_may_name", _true)],
            "filter may_be_spelt_otherwise": [(RESOLVE, "may_be_spelt_otherwise", _false)],
            "filter small_namesake": [(RESOLVE, "small_namesake", _false)],
            "filter plausible": [(RESOLVE, "plausible", _true)],
            "context one_sense": [(context, "one_sense", _features_unchanged)],
            "context passes": [(context, "CONTEXT_PASSES", 0)],
            "context second pass": [(context, "CONTEXT_PASSES", 1)],
            "context qualifiers": [(context, "_qualifiers", _no_qualifiers)],
            "spans datelines and known names": [(context, "_with_known_names", _same_spans)],
        }
    )
    return found


@contextmanager
def patched(patches: list[Patch]) -> Iterator[None]:
    """The rules with `patches` applied, restored on leaving."""
    with ExitStack() as stack:
        for target, name, value in patches:
            if isinstance(target, dict):
                saved = target[name]
                target[name] = value
                stack.callback(target.__setitem__, name, saved)
            else:
                saved = getattr(target, name)
                setattr(target, name, value)
                stack.callback(setattr, target, name, saved)
        yield


Parsed = list[tuple[Article, list[Entity]]]


def parsed(articles: list[Article]) -> Parsed:
    """Each article with its entities, parsed once."""
    found = []
    for article in articles:
        parse = nlp_models.parse(article.text, "en")
        found.append((article, list(parse.entities) if parse is not None else []))
    return found


def located(article: Article, entities: list[Entity]) -> Located:
    """How `article`'s toponyms are placed with the rules as they now are (as `Enricher`)."""
    focus = tuple(mentioned_countries(entities, "en"))
    spans, features = resolve_spans(article.text, entities, focus, "en")
    pairs = [(s, f) for s, f in zip(spans, features, strict=True) if f is not None]
    return score_places(article, [place_of(s, f) for s, f in outermost(pairs)])


def measure(sets: dict[str, Parsed]) -> dict[str, tuple[float, float, float]]:
    """(acc@161, exact, places on a toponym) of each set."""
    found = {}
    for name, articles in sets.items():
        scores = geo_scores([located(a, e) for a, e in articles])
        found[name] = (scores["acc@161"], scores["exact"], scores["on_toponyms"])
    return found


NOISE = 0.002


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--shared", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared"
    )
    parser.add_argument("--part", choices=("held-out", "dev", "both"), default="held-out")
    parser.add_argument("--only", help="only the rules whose name contains this")
    baselines.add_argument(parser)
    args = parser.parse_args()
    console = Console(width=250)
    sets: dict[str, Parsed] = {}
    for name, (dev, held_out) in geo_parts(args.shared).items():
        if args.part in ("dev", "both"):
            sets[f"{name} dev"] = parsed(dev)
        if args.part in ("held-out", "both"):
            sets[f"{name} held-out"] = parsed(held_out)
    console.log("parsed")
    full = measure(sets)
    scores = Table(title="place rules all on")
    for column in ("set", "acc@161", "exact", "on a toponym"):
        scores.add_column(column, justify="left" if column == "set" else "right")
    for name, values in full.items():
        scores.add_row(name, *(f"{v:.3f}" for v in values))
    console.print(scores)
    table = Table(title="place rules off: change against all on")
    table.add_column("rule off")
    for name in full:
        for measure_name in ("acc@161", "exact", "on a toponym"):
            table.add_column(f"{name} {measure_name}", justify="right")
    table.add_column("verdict")
    for rule, patches in ablations().items():
        if args.only and args.only not in rule:
            continue
        with patched(patches):
            now = measure(sets)
        changes = [[v - w for v, w in zip(now[n], full[n], strict=True)] for n in sets]
        hurts = any(c > NOISE for change in changes for c in change)
        helps = any(c < -NOISE for change in changes for c in change)
        verdict = "mixed" if hurts and helps else "hurts" if hurts else "helps" if helps else "-"
        table.add_row(rule, *(f"{c:+.3f}" for change in changes for c in change), verdict)
        console.log(rule, verdict, changes)
    console.print(table)
    baselines.report(console, "places_ablate", [scores, table], args.save_baseline)


if __name__ == "__main__":
    main()
