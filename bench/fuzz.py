"""Fuzz the HTML, PDF, WARC, feed, JSONL and query parsers (issue 11: >= 100k cases each).

Run: .venv/bin/python bench/fuzz.py [--cases 100000] [--parsers html,pdf,...] [--seed 0]
Each case is a valid seed mutated (bytes flipped, cut, repeated, hostile tokens spliced in)
or random bytes; a parser must answer or refuse with a CommuniqueError. The table gives, per
parser, the cases run, crashes (any other exception), hangs (a case over 5 s; one over 60 s
is stopped), the slowest case and the peak resident memory. Times depend on the load of
this shared machine; crashes, hangs and memory are what the targets are about.
"""

from __future__ import annotations

import argparse
import random
import resource
import signal
import sys
import time
import traceback
from pathlib import Path
from types import FrameType

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import baselines
from tests.fuzzing import SEEDS, TARGETS, mutate

HANG = 5.0
STOP = 60


class _Stopped(Exception):
    pass


def _stop(signum: int, frame: FrameType | None) -> None:
    raise _Stopped


def case(rng: random.Random, name: str) -> bytes:
    """A mutated seed (9 cases in 10) or random bytes."""
    if rng.random() < 0.1:
        return rng.randbytes(rng.randint(0, 2048))
    return mutate(rng.choice(SEEDS[name]), rng)


def run(name: str, cases: int, seed: int) -> list[str]:
    rng = random.Random(f"{seed}:{name}")
    crashes: list[str] = []
    hangs = 0
    slowest = 0.0
    started = time.monotonic()
    signal.signal(signal.SIGALRM, _stop)
    for _ in range(cases):
        data = case(rng, name)
        begin = time.perf_counter()
        signal.alarm(STOP)
        try:
            TARGETS[name](data)
        except _Stopped:
            hangs += 1
        except Exception:
            crashes.append(traceback.format_exc(limit=-2).strip().splitlines()[-1])
        finally:
            signal.alarm(0)
        spent = time.perf_counter() - begin
        slowest = max(slowest, spent)
        hangs += spent > HANG
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    total = time.monotonic() - started
    return [
        name,
        str(cases),
        str(len(crashes)),
        str(hangs),
        f"{slowest * 1000:.0f}",
        f"{total / cases * 1000:.2f}",
        f"{peak:.0f}",
        (crashes[0][:80] if crashes else ""),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--parsers", default=",".join(TARGETS))
    parser.add_argument("--seed", type=int, default=0)
    baselines.add_argument(parser)
    args = parser.parse_args()
    table = Table(title=f"fuzzing, {args.cases} cases per parser (target: 0 crashes, 0 hangs)")
    columns = ("parser", "cases", "crashes", "hangs > 5 s", "slowest ms", "mean ms")
    for column in (*columns, "peak RSS MB", "first crash"):
        table.add_column(column)
    for name in args.parsers.split(","):
        table.add_row(*run(name, args.cases, args.seed))
    console = Console(width=200)
    console.print(table)
    baselines.report(console, "fuzz", [table], args.save_baseline)


if __name__ == "__main__":
    main()
