"""Benchmark the API and the explore views under a mixed read load, on SQLite and PostgreSQL.

Run: .venv/bin/python bench/load.py [--statements 5000] [--clients 8] [--seconds 60]
     [--backends sqlite,postgresql] [--source-db enriched.db] [--shared ../shared]
     [--save-baseline]

The archive: the shared seeds and pages ingested with full enrichment (or `--source-db`),
copied under new URLs, years and countries with their enrichment until there are
`--statements` (bench/explore.py's `build`); the PostgreSQL archive is `copy-store` of the
SQLite one, so both serve the same statements. Each backend is served by `communique serve`
in its own process on 127.0.0.1 (PostgreSQL: a throw-away server, tests/pgserver.py), and
`--clients` threads each send one request after another for `--seconds`, cycling through a
mix of API searches (words, phrases, OR, NOT, prefixes, filters), statement pages and JSON,
archive stats, the web search page and the explore views (map, timeline, network, trends).
An error is any answer but 200 or a failed request. Target (issue 12): 0 errors with 8
clients for 60 s on both backends. The machine is shared: the table shows its load average.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import baselines
from bench.explore import build
from tests.pgserver import PgServer, server_bin

from communique.pipeline import ingest
from communique.settings import Settings
from communique.store.base import open_store
from communique.store.sqlite import SqliteStore
from communique.store.transfer import copy_store

SEARCHES = (
    "peace",
    '"united nations"',
    "nuclear OR atomic",
    "sanctions -russia",
    "negotiat*",
    "peace country:FR",
    "security from:2010-01-01 to:2019-12-31",
    "mentions:UA",
    "",
)
"""API searches; each also counts the matches and computes the facets."""
VIEWS = {
    "web search": "/?q=peace",
    "map": "/map?q=peace",
    "timeline": "/timeline?q=security",
    "network": "/network?q=peace",
    "trends": "/trends?q=peace&q2=war&unit=month",
    "stats": "/api/v1/stats",
}
"""The explore views and other pages in the mix, beside searches and statements."""
console = Console()


@dataclass
class Load:
    """What one backend answered: milliseconds by kind of request, and the failures."""

    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    first_error: str = ""
    seconds: float = 0.0

    @property
    def requests(self) -> int:
        return sum(len(t) for t in self.times.values())

    def all_times(self) -> list[float]:
        return [t for times in self.times.values() for t in times]


def request_mix(ids: list[str]) -> list[tuple[str, str]]:
    """(kind, path) of one round of the mix: searches, statements, explore views."""
    mix = [("API search", "/api/v1/search?" + str(httpx.QueryParams({"q": q}))) for q in SEARCHES]
    for sid in ids[:4]:
        mix.append(("API statement", f"/api/v1/statements/{sid}"))
        mix.append(("statement page", f"/statements/{sid}"))
    mix.extend(VIEWS.items())
    return mix


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(location: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    """`communique serve` in its own process; returns once it answers."""
    command = [sys.executable, "-m", "communique", "serve", "--db", location, "--port", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"communique serve exited: see {log}\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/stats", timeout=5).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"communique serve did not answer in 120 s: see {log}")


def run_load(port: int, mix: list[tuple[str, str]], clients: int, seconds: float) -> Load:
    """`clients` threads, each sending the mix round after round until `seconds` have passed."""
    load = Load()
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client(offset: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            i = offset * 7
            while time.perf_counter() < stop:
                kind, path = mix[i % len(mix)]
                i += 1
                started = time.perf_counter()
                try:
                    status = http.get(path).status_code
                    problem = "" if status == 200 else f"{path}: HTTP {status}"
                except httpx.HTTPError as exc:
                    problem = f"{path}: {type(exc).__name__} {exc}"
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    load.times[kind].append(elapsed)
                    if problem:
                        load.errors[kind] += 1
                        load.first_error = load.first_error or problem

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    load.seconds = time.perf_counter() - started
    return load


def percentile(times: list[float], q: int) -> float:
    """The `q`th percentile (nearest rank) of `times`."""
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, max(0, round(len(ordered) * q / 100) - 1))]


def source_archive(args: argparse.Namespace, work: Path) -> SqliteStore:
    """The enriched archive the copies are made from (built from the shared files if needed)."""
    path = Path(args.source_db or work / "source.db")
    source = SqliteStore(path)
    if not source.stats().statements:
        console.print(f"ingesting {args.shared}/seeds and pages with enrichment into {path}")
        ingest(
            [str(args.shared / "seeds"), str(args.shared / "pages")], source, Settings(db=str(path))
        )
    return source


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--statements", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--source-db", help="an enriched archive to copy from (built if missing)")
    parser.add_argument(
        "--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared"
    )
    baselines.add_argument(parser)
    args = parser.parse_args()
    loads: dict[str, Load] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        source = source_archive(args, work)
        sqlite_path = str(work / "load.db")
        target = SqliteStore(sqlite_path)
        ids = build(source, target, args.statements)
        target.close()
        source.close()
        mix = request_mix(ids)
        for backend in args.backends.split(","):
            server: PgServer | None = None
            location = sqlite_path
            if backend == "postgresql":
                bin_dir = server_bin()
                if bin_dir is None:
                    console.print("PostgreSQL server binaries absent: skipping postgresql")
                    continue
                server = PgServer(bin_dir)
                server.start()
                location = server.database()
                src, dst = open_store(sqlite_path), open_store(location)
                try:
                    copy_store(src, dst)
                finally:
                    src.close()
                    dst.close()
            port = free_port()
            process = serve(location, port, work / f"serve-{backend}.log")
            try:
                for _, path in mix:  # warm caches once, outside the measure
                    httpx.get(f"http://127.0.0.1:{port}{path}", timeout=120)
                loads[backend] = run_load(port, mix, args.clients, args.seconds)
            finally:
                process.terminate()
                process.wait(timeout=30)
                if server:
                    server.stop()
    show(loads, args)


def show(loads: dict[str, Load], args: argparse.Namespace) -> None:
    load_average = os.getloadavg()
    table = Table(
        title=f"mixed read load, {args.clients} clients for {args.seconds:.0f} s,"
        f" {args.statements} statements"
    )
    for column in ("measure", *loads, "target"):
        table.add_column(column, justify="left" if column == "measure" else "right")
    rows = list(loads.values())
    table.add_row("requests/s", *(f"{r.requests / r.seconds:.1f}" for r in rows), "")
    table.add_row("requests", *(str(r.requests) for r in rows), "")
    table.add_row("errors", *(str(sum(r.errors.values())) for r in rows), "0")
    table.add_row("p50 ms", *(f"{percentile(r.all_times(), 50):.0f}" for r in rows), "")
    table.add_row("p99 ms", *(f"{percentile(r.all_times(), 99):.0f}" for r in rows), "")
    kinds = sorted({kind for r in rows for kind in r.times})
    for kind in kinds:
        for q in (50, 99):
            cells = [
                f"{percentile(r.times[kind], q):.0f}" if r.times.get(kind) else "-" for r in rows
            ]
            table.add_row(f"{kind}, p{q} ms", *cells, "")
    console.print(table)
    for backend, r in loads.items():
        if r.first_error:
            console.print(f"{backend}: first error {r.first_error}")
    console.print(
        f"load average {load_average[0]:.1f} / {load_average[1]:.1f} / {load_average[2]:.1f}"
        f" on {os.cpu_count()} cores (shared machine: noisy)"
    )
    baselines.report(console, "load", [table], args.save_baseline)


if __name__ == "__main__":
    main()
