"""Benchmark how search latency grows with the archive: p50/p95 per query kind at growing sizes.

Run: .venv/bin/python bench/search_curve.py [--backend postgresql] [--sizes 5000,20000,50000]
     [--repeats 3] [--minutes 30] [--shared ../shared] [--save-baseline]

One archive grows through the sizes (statements derived from the UN General Debate corpus as
bench/scale.py makes them, written as ingest does, enrichment off); at each size every query of
bench/scale.py's mix (words, phrases, OR, NOT, prefixes, filters, filters alone; each with its
total and facets) runs `--repeats` times. The next size is skipped once `--minutes` have
passed. PostgreSQL is a throw-away server on loopback (tests/pgserver.py). Targets (issue 12):
p95 < 50 ms on SQLite and < 100 ms on PostgreSQL at 1M statements. The machine is shared: the
table shows its load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import baselines
from bench.scale import QUERY_KINDS, Corpus, latencies, statements
from tests.pgserver import PgServer, server_bin

from communique.model import PIPELINE_VERSION
from communique.store.base import Store, open_store

console = Console()


def grow(store: Store, corpus: Corpus, start: int, end: int) -> float:
    """Add statements `start` to `end` of the derived set; returns statements/s."""
    started = time.perf_counter()
    with store.batch():
        for statement, capture, body in statements(corpus, end, start):
            store.put_capture(capture, body)
            store.put_statement(statement, capture)
            store.mark_processed(capture.id, PIPELINE_VERSION)
    return (end - start) / (time.perf_counter() - started)


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[18] if len(times) > 1 else times[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", default="postgresql", choices=("sqlite", "postgresql"))
    parser.add_argument("--sizes", default="5000,20000,50000")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument(
        "--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared"
    )
    baselines.add_argument(parser)
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))
    corpus = Corpus.read(args.shared)
    stop = time.monotonic() + args.minutes * 60
    measured: dict[int, tuple[float, dict[str, list[float]]]] = {}
    server: PgServer | None = None
    with tempfile.TemporaryDirectory() as tmp:
        if args.backend == "postgresql":
            bin_dir = server_bin()
            if bin_dir is None:
                raise SystemExit("PostgreSQL server binaries absent")
            server = PgServer(bin_dir)
            server.start()
        try:
            store = open_store(server.database() if server else str(Path(tmp) / "curve.db"))
            try:
                done = 0
                for size in sizes:
                    if time.monotonic() > stop:
                        console.print(f"time is up: {size} statements not built")
                        break
                    rate = grow(store, corpus, done, size)
                    done = size
                    measured[size] = (rate, latencies(store, args.repeats))
                    console.print(f"{size} statements measured ({time.strftime('%H:%M:%S')})")
            finally:
                store.close()
        finally:
            if server:
                server.stop()
    show(measured, args)


def show(
    measured: dict[int, tuple[float, dict[str, list[float]]]], args: argparse.Namespace
) -> None:
    target = 100 if args.backend == "postgresql" else 50
    table = Table(title=f"search latency by archive size, {args.backend} (p50 / p95 ms)")
    table.add_column("query kind")
    for size in measured:
        table.add_column(f"{size} p50", justify="right")
        table.add_column(f"{size} p95", justify="right")
    table.add_column("target p95 at 1M", justify="right")
    for kind in QUERY_KINDS:
        cells = []
        for _, found in measured.values():
            cells += [f"{statistics.median(found[kind]):.0f}", f"{p95(found[kind]):.0f}"]
        table.add_row(kind, *cells, f"< {target}")
    rates: list[str] = []
    for rate, _ in measured.values():
        rates += [f"{rate:.0f}", ""]
    table.add_row("store writes/s while growing", *rates, "")
    console.print(table)
    load = os.getloadavg()
    console.print(
        f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on {os.cpu_count()} cores"
    )
    baselines.report(console, f"search_curve_{args.backend}", [table], args.save_baseline)


if __name__ == "__main__":
    main()
