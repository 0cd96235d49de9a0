"""List a time tagger's misses on a TimeML set, grouped by kind, to find the largest classes.

Run: .venv/bin/python bench/timebank_misses.py [--shared ../shared] [--tagger rules|heideltime]
     [--set "TimeBank tuning half"] [--kind missed|spurious|wrong] [--json out.json]
Write rules from the misses of the TimeBank tuning half only (the default set): the test half,
TE3-platinum and WikiWars measure whether they generalise (`bench/timex.py`).
Kinds, scored as in `bench/timex.py` (each file's creation time, relaxed spans): `missed`, gold
expressions no prediction overlaps (recall); `spurious`, predictions overlapping no gold
expression (precision); `wrong`, gold expressions found with no overlapping prediction of the
gold value (value accuracy). Each line shows the gold value, the surface, the predictions and
the words around it; `--json` keeps them all to compare two taggers or two versions.
A diagnostic listing, not a bench: its counts are the complements of `bench/timex.py`'s recall,
precision and value accuracy, which that bench compares with its stored baseline.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from timex import gold_sets, read_timeml

from communique.enrich.times import TAGGERS, tag_times


def misses(files: list[Path], tagger: str) -> list[dict[str, object]]:
    """One record per missed, spurious or wrong expression of `files`."""
    found: list[dict[str, object]] = []
    for path in files:
        doc = read_timeml(path)
        text, dct, gold = doc.text, doc.dct, doc.gold
        predicted = tag_times(text, "en", dct, tagger)
        for start, end, value in gold:
            overlapping = [t for t in predicted if t.start < end and start < t.end]
            kind = "missed" if not overlapping else "wrong"
            if overlapping and any(t.value == value for t in overlapping):
                continue
            found.append(
                {
                    "kind": kind,
                    "file": path.name,
                    "dct": dct.isoformat(),
                    "gold": text[start:end],
                    "value": value,
                    "predicted": [(t.text, t.value) for t in overlapping],
                    "context": " ".join(text[max(0, start - 60) : end + 40].split()),
                }
            )
        for time in predicted:
            if not any(time.start < e and s < time.end for s, e, _ in gold):
                found.append(
                    {
                        "kind": "spurious",
                        "file": path.name,
                        "dct": dct.isoformat(),
                        "predicted": [(time.text, time.value)],
                        "context": " ".join(text[max(0, time.start - 60) : time.end + 40].split()),
                    }
                )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--shared", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared"
    )
    parser.add_argument("--tagger", choices=TAGGERS, default="auto")
    parser.add_argument("--set", default="TimeBank tuning half", help="a set of bench/timex.py")
    parser.add_argument("--kind", choices=("missed", "spurious", "wrong"))
    parser.add_argument("--json", type=Path, help="write every record to this file")
    args = parser.parse_args()
    records = misses(gold_sets(args.shared)[args.set], args.tagger)
    if args.json:
        args.json.write_text(json.dumps(records, indent=1), encoding="utf-8")
    print(Counter(str(r["kind"]) for r in records))
    for record in records:
        if args.kind in (None, record["kind"]):
            print(
                record["kind"],
                record["dct"],
                record.get("value", ""),
                repr(record.get("gold", "")),
                record["predicted"],
                "|",
                record["context"],
            )


if __name__ == "__main__":
    main()
