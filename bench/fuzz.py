"""Fuzz the HTML, PDF, WARC, feed, JSONL and query parsers (issue 11: >= 100k cases each).

Run: .venv/bin/python bench/fuzz.py [--cases 100000] [--seconds S] [--parsers html,pdf,...]
        [--seed 0] [--jobs 2] [--log cases.csv] [--crashes DIR] [--from-logs]
Each case is a small valid seed mutated (bytes flipped, cut, repeated, hostile tokens spliced
in) or up to 2 KB of random bytes; a parser must answer or refuse with a CommuniqueError.
Each parser runs in its own process (`--jobs` at a time), so its peak memory is its own. The
table gives, per parser, the cases run (fewer than `--cases` when `--seconds` ran out), crashes
(any other exception; the input is saved under `--crashes`), hangs (a case over 5 s; one over
60 s is stopped), the time per case (median, 99th percentile, slowest, mean), the largest rise
of the peak resident memory during one case and the peak itself. `--log` writes one CSV line
per case (parser, case, bytes, ms, resident MB after it, peak rise KB, the crash if any);
each parser's row is recorded (`--save-baseline`) as soon as it ends, and `--from-logs`
makes the rows of a run stopped before its end from its logs. Times depend on the load of
this shared machine; crashes, hangs and memory are what the targets are about.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import random
import resource
import signal
import statistics
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path
from types import FrameType

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import baselines
from tests.fuzzing import SEEDS, TARGETS, mutate

HANG = 5.0
STOP = 60
_PAGE_MB = resource.getpagesize() / 2**20


class _Stopped(Exception):
    pass


def _stop(signum: int, frame: FrameType | None) -> None:
    raise _Stopped


def case(rng: random.Random, name: str) -> bytes:
    """A mutated seed (9 cases in 10) or random bytes."""
    if rng.random() < 0.1:
        return rng.randbytes(rng.randint(0, 2048))
    return mutate(rng.choice(SEEDS[name]), rng)


def _resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * _PAGE_MB


def _peak_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _warm_up(name: str) -> None:
    """Parse each seed once, untimed: what a parser loads on first use (a language model)
    is not charged to whichever case happens to need it first."""
    with contextlib.redirect_stderr(io.StringIO()):
        for seed in SEEDS[name]:
            with contextlib.suppress(Exception):
                TARGETS[name](seed)


def run(
    name: str, cases: int, seconds: float, seed: int, log: str | None, crashes_dir: str | None
) -> list[str]:
    """Fuzz one parser `cases` times, or for `seconds` (0: no limit); the table row."""
    rng = random.Random(f"{seed}:{name}")
    _warm_up(name)
    crashes: list[str] = []
    hangs = 0
    spent_ms: list[float] = []
    largest_rise = 0
    started = time.monotonic()
    signal.signal(signal.SIGALRM, _stop)
    out = open(f"{log}.{name}", "w", newline="") if log else None  # noqa: SIM115
    writer = csv.writer(out) if out else None
    quiet = io.StringIO()  # warcio writes its warnings to sys.stderr
    for number in range(cases):
        if seconds and time.monotonic() - started > seconds:
            break
        data = case(rng, name)
        crashed = ""
        peak_before = _peak_kb()
        begin = time.perf_counter()
        signal.alarm(STOP)
        try:
            with contextlib.redirect_stderr(quiet):
                TARGETS[name](data)
        except _Stopped:
            hangs += 1
        except Exception:
            crashes.append(traceback.format_exc(limit=-2).strip().splitlines()[-1])
            crashed = crashes[-1]
            if crashes_dir:
                Path(crashes_dir, f"{name}-{number}.bin").write_bytes(data)
        finally:
            signal.alarm(0)
        spent = time.perf_counter() - begin
        quiet.seek(0)
        quiet.truncate()
        rise = _peak_kb() - peak_before
        largest_rise = max(largest_rise, rise)
        spent_ms.append(spent * 1000)
        hangs += spent > HANG
        if writer:
            resident = f"{_resident_mb():.0f}"
            row = [name, number, len(data), f"{spent * 1000:.2f}", resident, rise, crashed]
            writer.writerow(row)
    if out:
        out.close()
    total = time.monotonic() - started
    return _row(name, spent_ms, crashes, hangs, total, largest_rise, _peak_kb() / 1024)


def _row(
    name: str,
    spent_ms: list[float],
    crashes: list[str],
    hangs: int,
    total: float,
    largest_rise_kb: float,
    peak_mb: float,
) -> list[str]:
    """One parser's row of the table."""
    cases = len(spent_ms)
    centiles = statistics.quantiles(spent_ms, n=100) if len(spent_ms) > 1 else spent_ms * 99
    return [
        name,
        str(cases),
        str(len(crashes)),
        str(hangs),
        f"{centiles[49]:.2f}",
        f"{centiles[98]:.1f}",
        f"{max(spent_ms):.0f}",
        f"{total / cases * 1000:.2f}",
        f"{largest_rise_kb / 1024:.1f}",
        f"{peak_mb:.0f}",
        (crashes[0][:80] if crashes else ""),
    ]


def from_log(name: str, log: str) -> list[str]:
    """The row of a run that was stopped before its end, from its `--log` lines: the mean is
    of the parse times (without making the cases) and the peak is the largest resident size
    after a case."""
    with Path(f"{log}.{name}").open(newline="") as lines:
        rows = list(csv.reader(lines))
    spent = [float(row[3]) for row in rows]
    return _row(
        name,
        spent,
        [row[6] for row in rows if len(row) > 6 and row[6]],
        sum(ms > HANG * 1000 for ms in spent),
        sum(spent) / 1000,
        max(float(row[5]) for row in rows),
        max(float(row[4]) for row in rows),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--parsers", default=",".join(TARGETS))
    parser.add_argument(
        "--seconds", type=float, default=0, help="stop each parser after this long (0: never)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=1, help="parsers fuzzed at the same time")
    parser.add_argument("--log", help="write one CSV line per case to LOG.<parser>")
    parser.add_argument("--crashes", help="save each crashing input in this folder")
    parser.add_argument(
        "--from-logs",
        action="store_true",
        help="no fuzzing: the table of an interrupted run, from its --log files",
    )
    baselines.add_argument(parser)
    args = parser.parse_args()
    if args.crashes:
        Path(args.crashes).mkdir(parents=True, exist_ok=True)
    names = args.parsers.split(",")
    console = Console(width=200)
    if args.from_logs:
        rows = [from_log(name, args.log) for name in names]
        _report(console, rows, args.save_baseline)
        return
    with ProcessPoolExecutor(args.jobs, mp_context=get_context("spawn")) as pool:
        started = [
            pool.submit(run, name, args.cases, args.seconds, args.seed, args.log, args.crashes)
            for name in names
        ]
        for done in as_completed(started):  # each parser is recorded as soon as it ends
            _report(console, [done.result()], args.save_baseline)


def _report(console: Console, rows: list[list[str]], save: bool) -> None:
    table = Table(title="fuzzing (target: 0 crashes, 0 hangs)")
    columns = ("parser", "cases", "crashes", "hangs > 5 s", "p50 ms", "p99 ms", "slowest ms")
    for column in (*columns, "mean ms", "largest rise MB", "peak RSS MB", "first crash"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    console.print(table)
    baselines.report(console, "fuzz", [table], save)


if __name__ == "__main__":
    main()
