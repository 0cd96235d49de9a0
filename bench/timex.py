"""Time expressions on three TimeML gold sets, each tagger side by side, held-out parts apart.

Run: PYTHONPATH=src .venv/bin/python bench/timex.py [--shared ../shared] [--tagger all]
     [--sets all] [--ablate] [--save-baseline]
Sets (../shared/gold/temporal): TimeBank split by document (seed `heldout.SEED`) into a tuning
half, the only one whose misses rules are written from (`bench/timebank_misses.py`), and a test
half; TE3-platinum (TempEval-3's test set, news of March 2013: the second corpus, never tuned
on); WikiWars (Wikipedia narratives of wars, dated by their retrieval day: relative expressions
are anchored on the story told, not on that date, so it measures the narrative rules).
Taggers: `auto`/`rules` (the project's English rules), `heideltime` (as the project runs it:
HeidelTime, then the project's general fixes and the rules' finds in its gaps), and
`heideltime-alone` (HeidelTime's own output, a reference).
Measures, as `bench/enrich.py` takes them: relaxed span F1 (any overlap) and value accuracy
(of the gold expressions found, those with an overlapping prediction of the gold value).
`--ablate`: each named rule of the rule tagger (`enrich/data/times/en.toml`) and each general
fix turned off in turn; the change of value F1 (TempEval-3's: F1 × value accuracy) on the test
half and the other corpora (a rule whose removal raises it does not help on data it was not
written for).
"""

from __future__ import annotations

import argparse
import html
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import baselines
import heldout
from rich.console import Console
from rich.table import Table

from communique.enrich import heideltime, rules, times
from communique.enrich.timedata import time_rules
from communique.enrich.times import tag_times
from communique.model import TimeExpr

_TIMEX = re.compile(r"<TIMEX3 ([^>]*)>(.*?)</TIMEX3>", re.S)
_TAG = re.compile(r"<[^>]+>")
_DCT = re.compile(r'<DCT>\s*<TIMEX3[^>]*value="(\d{4}-\d\d-\d\d)')
TARGET = 0.90
"""Value accuracy wanted on the TimeBank test half and on TE3-platinum (issue 18)."""
TARGETED = ("TimeBank test half", "TE3-platinum")
TAGGERS = ("auto", "rules", "heideltime", "heideltime-alone")


@dataclass(frozen=True)
class Document:
    """A TimeML document: its text (tags removed), creation date and gold expressions."""

    name: str
    text: str
    dct: date
    gold: list[tuple[int, int, str]]
    """(start, end, value) of each TIMEX3 of the text."""


def read_timeml(path: Path) -> Document:
    """The text between `<TEXT>` and `</TEXT>`, its TIMEX3 spans and the `<DCT>` date.

    Example:
        >>> import tempfile
        >>> raw = ('<TimeML><DCT><TIMEX3 tid="t0" value="1998-01-08">x</TIMEX3></DCT><TEXT>'
        ...        'On <TIMEX3 tid="t1" value="1998-01-07">Wednesday</TIMEX3> &amp; more'
        ...        '</TEXT></TimeML>')
        >>> with tempfile.NamedTemporaryFile("w", suffix=".tml", delete=False) as f:
        ...     _ = f.write(raw)
        >>> doc = read_timeml(Path(f.name))
        >>> doc.text, doc.dct, doc.gold
        ('On Wednesday & more', datetime.date(1998, 1, 8), [(3, 12, '1998-01-07')])
    """
    raw = path.read_text(encoding="utf-8")
    dct = _DCT.search(raw)
    if dct is None:
        raise ValueError(f"{path}: no <DCT> date")
    body = raw[raw.index("<TEXT>") + 6 : raw.index("</TEXT>")]
    text, gold, position = [], [], 0
    for piece in re.split(r"(<TIMEX3 [^>]*>.*?</TIMEX3>)", body, flags=re.S):
        match = _TIMEX.fullmatch(piece)
        surface = html.unescape(_TAG.sub("", match.group(2) if match else piece))
        if match:
            value = re.search(r'value="([^"]*)"', match.group(1))
            gold.append((position, position + len(surface), value.group(1) if value else ""))
        text.append(surface)
        position += len(surface)
    return Document(path.stem, "".join(text), date.fromisoformat(dct.group(1)), gold)


def gold_sets(shared: Path) -> dict[str, list[Path]]:
    """The sets measured, by name: TimeBank's halves, TE3-platinum, WikiWars."""
    folder = shared / "gold" / "temporal"
    tuning, test = heldout.halves(sorted((folder / "TimeBank").glob("*.tml")), key=_name)
    return {
        "TimeBank tuning half": sorted(tuning),
        "TimeBank test half": sorted(test),
        "TE3-platinum": sorted((folder / "TE3-platinum").glob("*.tml")),
        "WikiWars": sorted((folder / "WikiWars").glob("*.tml")),
    }


def _name(path: Path) -> str:
    return path.name


def predict(doc: Document, tagger: str) -> list[TimeExpr]:
    """The tagger's expressions of `doc`, anchored on its creation date."""
    if tagger == "heideltime-alone":
        return heideltime.tag(doc.text, "en", doc.dct)
    return tag_times(doc.text, "en", doc.dct, tagger)


def scores(docs: list[Document], tagger: str) -> dict[str, float]:
    """Relaxed span F1 and value accuracy of `tagger` on `docs`."""
    found = correct = gold_total = predicted_total = matched_predicted = 0
    started = time.perf_counter()
    for doc in docs:
        predicted = predict(doc, tagger)
        gold_total += len(doc.gold)
        predicted_total += len(predicted)
        matched_predicted += sum(
            any(t.start < e and s < t.end for s, e, _ in doc.gold) for t in predicted
        )
        for start, end, value in doc.gold:
            overlapping = [t for t in predicted if t.start < end and start < t.end]
            if overlapping:
                found += 1
                correct += any(t.value == value for t in overlapping)
    precision = matched_predicted / max(predicted_total, 1)
    recall = found / max(gold_total, 1)
    return {
        "docs": len(docs),
        "timexes": gold_total,
        "f1": 2 * precision * recall / max(precision + recall, 1e-9),
        "value_acc": correct / max(found, 1),
        "seconds": time.perf_counter() - started,
    }


def _unchanged(text: str, found: list[TimeExpr], *rest: Any) -> list[TimeExpr]:
    return found


def _kept(text: str, time: TimeExpr, published: date) -> TimeExpr:
    return time


STEPS: dict[str, tuple[Any, str, Callable[..., Any]]] = {
    "fix: narrative years": (times, "narrative_years", _unchanged),
    "fix: bare month by tense": (times, "by_tense", _kept),
    "fix: anchors (weekdays, quarters, year ago)": (times.anchors, "resolve", _unchanged),
    "fix: clock joins day": (times, "join_clock_times", _unchanged),
    "fix: ranges merged": (times, "merge_ranges", _unchanged),
    "fix: phrase range firsts": (rules.phrases, "range_firsts", lambda text, found: []),
}
"""The general fixes `--ablate` turns off, each by its module attribute and a no-op."""


def rule_names() -> list[str]:
    """The named rules of the English rule tagger (`enrich/data/times/en.toml`), in order."""
    return [rule.name for rule in time_rules("en").rules]


@contextmanager
def without(name: str) -> Iterator[None]:
    """The rule tagger with the rule or general fix `name` turned off."""
    if name in STEPS:
        module, attribute, noop = STEPS[name]
        saved = getattr(module, attribute)
        setattr(module, attribute, noop)
        try:
            yield
        finally:
            setattr(module, attribute, saved)
        return
    saved_rules = rules._EN
    kept = tuple(rule for rule in saved_rules.rules if rule.name != name)
    rules._EN = replace(saved_rules, rules=kept)
    try:
        yield
    finally:
        rules._EN = saved_rules


NOISE = 0.001
"""A change of value F1 smaller than this is no effect."""


def value_f1(found: dict[str, float]) -> float:
    """TempEval-3's value F1: relaxed span F1 times value accuracy."""
    return found["f1"] * found["value_acc"]


def ablation(console: Console, sets: dict[str, list[Document]]) -> Table:
    """The change of value F1 when each rule or fix is off, on every set but the tuning half.

    A rule helps when turning it off lowers value F1 on some set and raises it on none, hurts
    in the opposite case; "mixed" rules are judged by hand from the table.
    """
    measured = [name for name in sets if name != "TimeBank tuning half"]
    table = Table(title="time rules ablated: change of value F1 (= F1 × value accuracy) when off")
    table.add_column("rule off")
    for name in measured:
        table.add_column(name, justify="right")
    table.add_column("verdict")
    full = {name: value_f1(scores(sets[name], "rules")) for name in measured}
    for rule in [*rule_names(), *STEPS]:
        with without(rule):
            changes = [value_f1(scores(sets[name], "rules")) - full[name] for name in measured]
        hurts = any(c > NOISE for c in changes)
        helps = any(c < -NOISE for c in changes)
        verdict = "mixed" if hurts and helps else "hurts" if hurts else "helps" if helps else "-"
        table.add_row(rule, *(f"{c:+.3f}" for c in changes), verdict)
        console.log(rule, verdict)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--shared", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared"
    )
    parser.add_argument("--tagger", choices=(*TAGGERS, "all"), default="all")
    parser.add_argument("--ablate", action="store_true", help="turn each rule off in turn")
    baselines.add_argument(parser)
    args = parser.parse_args()
    console = Console()
    taggers = TAGGERS if args.tagger == "all" else (args.tagger,)
    if not heideltime.available():
        taggers = tuple(t for t in taggers if not t.startswith("heideltime"))
        console.print("no Java runtime: HeidelTime not measured")
    sets = {
        name: [read_timeml(path) for path in paths]
        for name, paths in gold_sets(args.shared).items()
    }
    table = Table(title="time expressions (TimeML gold, relaxed spans)")
    for column in ("set", "tagger", "value accuracy", "relaxed span F1", "note"):
        table.add_column(column)
    for name, docs in sets.items():
        for tagger in taggers:
            found = scores(docs, tagger)
            target = f"target ≥ {TARGET:.2f}; " if name in TARGETED else ""
            table.add_row(
                name,
                tagger,
                f"{found['value_acc']:.3f}",
                f"{found['f1']:.3f}",
                f"{target}{found['docs']:.0f} docs, {found['timexes']:.0f} TIMEX3,"
                f" {found['seconds']:.1f} s",
            )
    console.print(table)
    baselines.report(console, "timex", [table], args.save_baseline)
    if args.ablate:
        console.print(ablation(console, sets))


if __name__ == "__main__":
    main()
