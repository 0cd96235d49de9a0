"""Do a search's two tantivy passes (page, and total with facets) run at once on two cores?

Run: .venv/bin/python bench/search_threads.py --index ARCHIVE.db.index [--seconds 2]

Opens an archive's search index read-only (a view of its files: nothing in the folder is
written) and, for a phrase and a common word, prints:
- the CPU ms of each pass alone (the page's top 21 by relevance, the facets' aggregation);
- the wall ms of the two passes one after the other and at once in two threads, and the ratio
  (2.0 when both overlap fully, 1.0 when they never do; on a loaded machine the process gets
  less than two cores and the ratio falls for that reason alone, so print `uptime` with it);
- whether each pass releases the GIL: a pure-Python thread spins while another calls the pass
  in a loop, and the spinner's CPU is set against the caller's (each thread's own CPU time, so
  the machine's load does not matter): about 1 or more when the call releases the GIL, near 0
  when it holds it.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import baselines
from rich.console import Console
from rich.table import Table

from communique.query import parse_query
from communique.store import tantivy_index
from communique.store.search_index import Restriction

QUERIES = ('"united nations"', '"security council"', "the", "development")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index", type=Path, required=True, help="an archive's .index folder")
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measure")
    baselines.add_argument(parser)
    args = parser.parse_args()
    stamp = json.loads((args.index / "communique.json").read_text())["store"]
    index = tantivy_index.TantivyIndex(args.index, stamp, read_only=True)
    if index.fresh:
        raise SystemExit(
            f"{args.index}: no index of this schema and analysis version; open the archive"
            " with this code first (communique reindex) or pick another archive"
        )
    searcher, state = index._searcher()
    spec = tantivy_index._facet_spec(index._facet_names(searcher))
    table = Table(title=f"search passes in threads at {searcher.num_docs:,} statements")
    for column in (
        "query", "page CPU ms", "facets CPU ms", "one after other wall ms", "at once wall ms",
        "overlap", "GIL page", "GIL facets",
    ):  # fmt: skip
        table.add_column(column)
    for text in QUERIES:
        compiled = index._compile(searcher, parse_query(text), Restriction(), state)

        def page(compiled: Any = compiled) -> Any:
            return searcher.search(compiled, 21, count=False)

        def facets(compiled: Any = compiled) -> Any:
            return searcher.aggregate(compiled, spec)

        calls = max(3, int(args.seconds / max(_cpu_ms(page, 3) + _cpu_ms(facets, 3), 0.1) * 1e3))
        sequential = _wall_ms([page, facets] * calls) / calls
        together = _wall_ms([page] * calls, [facets] * calls) / calls
        table.add_row(
            text, f"{_cpu_ms(page, calls):.2f}", f"{_cpu_ms(facets, calls):.2f}",
            f"{sequential:.2f}", f"{together:.2f}", f"{sequential / together:.2f}",
            f"{_spinner_share(page, args.seconds):.2f}",
            f"{_spinner_share(facets, args.seconds):.2f}",
        )  # fmt: skip
    console = Console()
    console.print(table)
    with open("/proc/loadavg") as load:
        console.print(f"load average: {' '.join(load.read().split()[:3])}")
    index.close()
    baselines.report(console, "search_threads", [table], args.save_baseline)


def _cpu_ms(call: Callable[[], Any], calls: int) -> float:
    """The calling thread's CPU ms per call."""
    call()
    started = time.thread_time()
    for _ in range(calls):
        call()
    return (time.thread_time() - started) / calls * 1e3


def _wall_ms(*loops: list[Callable[[], Any]]) -> float:
    """The wall ms of running each list of calls in its own thread (its calls one after the
    other), all lists at once."""
    threads = [threading.Thread(target=lambda c=c: [f() for f in c]) for c in loops]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return (time.perf_counter() - started) * 1e3


def _spinner_share(call: Callable[[], Any], seconds: float) -> float:
    """A pure-Python spinner's CPU over the CPU of a thread calling `call` meanwhile."""
    stop = threading.Event()
    used: dict[str, float] = {}

    def spin() -> None:
        started = time.thread_time()
        while not stop.is_set():
            pass
        used["spinner"] = time.thread_time() - started

    def calling() -> None:
        started = time.thread_time()
        while not stop.is_set():
            call()
        used["caller"] = time.thread_time() - started

    threads = [threading.Thread(target=spin), threading.Thread(target=calling)]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return used["spinner"] / max(used["caller"], 1e-9)


if __name__ == "__main__":
    main()
