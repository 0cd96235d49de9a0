"""Benchmark queued extraction: captures extracted per second by 1, 2 and 4 workers.

Run: .venv/bin/python bench/workers.py [--workers 1,2,4] [--copies 8] [--shared ../shared]

The shared pages are stored as captures (each page under `--copies` URLs) in a PostgreSQL
archive, which also holds the queue, on a throw-away server started on loopback. For each
worker count, that many `communique worker` processes are started and warmed up (each
extracts a few captures, so models and caches are loaded), then one `extract` job per
capture is queued and timed until the queue is empty. Each worker process is its own
`communique worker`, as on separate machines. Then 2 workers run one `store` job per capture
(statement, site chrome, links: one at a time, in order), the part no worker count speeds up.
After each queued run, as many plain processes extract the same captures with no queue
(each a share, warmed up before the clock): the ratio the machine itself gives that many
processes at that moment, the ceiling of the queued ratio on a shared machine.
Each worker and each plain process runs in a session of its own, as a worker on its own
machine or started as a service does: where the kernel groups processes by session for CPU
time (`/proc/sys/kernel/sched_autogroup_enabled`, on here), workers that shared the bench's
session would share one group's CPU time, and two could never get more than one did.
Reported: captures/s, the ratio to one worker
(issue 12's target: 2 workers >= 1.8x one, on extraction), CPU seconds per capture of the
workers, and the load average around each run. On a machine shared with other work the
ratio says how much more CPU more processes obtained, not only how well they scale: read it
with the load average.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import baselines
from tests.pgserver import PgServer, server_bin

from communique import jobs
from communique.model import RawInput
from communique.pipeline import read_targets
from communique.settings import Settings
from communique.store.base import open_store
from communique.store.queue import QueueTables

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
TARGET = 1.8
"""Issue 12: two workers extract at least 1.8 times as fast as one."""
BASELINE = "1 worker"
EXTRACTION = "queued extraction (PostgreSQL archive and queue, enrichment off)"
DIRECT = "the same extraction in plain processes, no queue (what the machine gives)"
STORING = "queued store jobs (one at a time, in input order: the serial part of an ingest)"
WARM_UP = 4
"""Captures each worker extracts before the timed run."""


@dataclass(frozen=True)
class Run:
    """One timed drain of the queue by `workers` processes."""

    workers: int
    captures: int
    seconds: float
    cpu_seconds: float
    server_seconds: float
    """CPU of the PostgreSQL server (all its processes) over the run."""
    load_before: float
    load_after: float

    @property
    def rate(self) -> float:
        return self.captures / self.seconds


def store_captures(settings: Settings, pages: Path, copies: int) -> list[str]:
    """Store each page under `copies` URLs (plus warm-up copies); the capture ids, warm-up
    ones first."""
    raws = [item for item in read_targets([str(pages)], settings) if isinstance(item, RawInput)]
    store = open_store(settings.db)
    ids: list[str] = []
    try:
        for copy in range(-1, copies):
            for raw in raws:
                capture = replace(raw, url=f"{raw.url}?copy={copy}").to_capture()
                store.put_capture(capture, raw.body)
                ids.append(capture.id)
    finally:
        store.close()
    return ids


def start_workers(settings: Settings, count: int) -> list[subprocess.Popen[bytes]]:
    env = os.environ | {
        "PYTHONPATH": str(ROOT / "src"),
        "COMMUNIQUE_DB": settings.db,
        "COMMUNIQUE_ENRICH": "off",
        "COMMUNIQUE_WORKER_HEARTBEAT": str(settings.worker_heartbeat),
    }
    command = [sys.executable, "-m", "communique", "worker"]
    return [
        subprocess.Popen(
            command,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own scheduling group (see the module docstring)
        )
        for _ in range(count)
    ]


def cpu_seconds(process: subprocess.Popen[bytes]) -> float:
    """User and system CPU time of a live process (Linux /proc)."""
    return process_cpu(process.pid)


def process_cpu(pid: int) -> float:
    """User and system CPU seconds of the live process `pid` (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_cpu(data: Path) -> float:
    """CPU seconds of the PostgreSQL server whose data folder is `data`."""
    return postmaster_cpu(int((data / "postmaster.pid").read_text().split()[0]))


def postmaster_cpu(postmaster: int) -> float:
    """CPU seconds of a PostgreSQL server: the postmaster, the live backends, and (as the
    postmaster's children's time) those that have exited."""
    fields = Path(f"/proc/{postmaster}/stat").read_text().rsplit(")", 1)[1].split()
    total = sum(int(fields[i]) for i in (11, 12, 13, 14)) / os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = entry.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == postmaster:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def queue_jobs(settings: Settings, task: str, captures: list[str]) -> None:
    """One `task` job per capture (store jobs under the archive lock, as `ingest --queue`)."""
    app = jobs.make_app(settings)
    options = {"enrich": False}
    with app.open():
        for capture in captures:
            if task == "store":
                app.tasks[task].configure(lock=jobs.ARCHIVE_LOCK).defer(
                    capture=capture, options=options, extract_job=None
                )
            else:
                app.tasks[task].defer(capture=capture, options=options)


def drain(tables: QueueTables, timeout: float = 3600.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        counts = tables.counts()
        if counts["todo"] + counts["doing"] == 0:
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"queue not drained in {timeout:.0f} s: {counts}")
        time.sleep(0.05)
    if counts["failed"]:
        raise RuntimeError(f"{counts['failed']} extract jobs failed: communique jobs list")


def timed_run(
    settings: Settings,
    count: int,
    warm: list[str],
    timed: list[str],
    data: Path,
    task: str = "extract",
) -> Run:
    """Start `count` workers, warm them up, then time one `task` job per timed capture.
    Store jobs write the outcomes the last extract run kept."""
    tables = QueueTables(settings.db)
    if task == "extract":
        tables.clear_documents()
    processes = start_workers(settings, count)
    try:
        while tables.live_workers(3 * settings.worker_heartbeat) < count:
            if any(p.poll() is not None for p in processes):
                raise RuntimeError("a worker process exited before it started")
            time.sleep(0.1)
        queue_jobs(settings, "extract", warm[: WARM_UP * count])
        drain(tables)
        cpu = sum(cpu_seconds(p) for p in processes)
        server = server_cpu(data)
        load = os.getloadavg()[0]
        start = time.perf_counter()
        queue_jobs(settings, task, timed)
        drain(tables)
        seconds = time.perf_counter() - start
        cpu = sum(cpu_seconds(p) for p in processes) - cpu
        server = server_cpu(data) - server
        return Run(count, len(timed), seconds, cpu, server, load, os.getloadavg()[0])
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=120)
        tables.close()


def _direct_share(
    settings: Settings,
    warm: list[str],
    share: list[str],
    start: Any,
    results: Any,
) -> None:
    """One plain process: warm up, wait for the others at `start`, extract `share` as an
    extract job does (read the capture, extract), no queue; put its CPU seconds in `results`."""
    os.setsid()  # its own scheduling group, as each queued worker
    context = jobs._Context(settings)
    try:
        for capture in warm:
            jobs._extract(context, capture)
        start.wait()
        cpu = time.process_time()
        for capture in share:
            jobs._extract(context, capture)
        results.put(time.process_time() - cpu)
    finally:
        context.close()


def direct_run(
    settings: Settings, count: int, warm: list[str], timed: list[str], data: Path
) -> Run:
    """The same extraction in `count` plain processes, each a share of the captures, with no
    queue: what this machine gives `count` processes at this moment, the ceiling of the
    queued ratio. Started and warmed up before the clock."""
    spawn = multiprocessing.get_context("spawn")
    start = spawn.Barrier(count + 1)
    results = spawn.Queue()
    processes = [
        spawn.Process(
            target=_direct_share,
            args=(settings, warm[i * WARM_UP : (i + 1) * WARM_UP], timed[i::count], start, results),
        )
        for i in range(count)
    ]
    for process in processes:
        process.start()
    start.wait(timeout=600)
    server = server_cpu(data)
    load = os.getloadavg()[0]
    started = time.perf_counter()
    cpu = sum(results.get(timeout=3600) for _ in processes)
    seconds = time.perf_counter() - started
    server = server_cpu(data) - server
    for process in processes:
        process.join(timeout=60)
    return Run(count, len(timed), seconds, cpu, server, load, os.getloadavg()[0])


def table(runs: list[Run], title: str = EXTRACTION) -> Table:
    one = next((r.rate for r in runs if r.workers == 1), None)
    result = Table(title=title)
    for column in ("workers", "captures", "seconds", "captures/s", "vs 1 worker",
                   "CPU s/capture", "server CPU s/capture", "load before",
                   "load after"):  # fmt: skip
        result.add_column(column, justify="right")
    for run in runs:
        result.add_row(
            f"{run.workers} worker" + ("s" if run.workers > 1 else ""),
            str(run.captures),
            f"{run.seconds:.1f}",
            f"{run.rate:.2f}",
            f"{run.rate / one:.2f}" if one else "",
            f"{run.cpu_seconds / run.captures:.3f}",
            f"{run.server_seconds / run.captures:.3f}",
            f"{run.load_before:.1f}",
            f"{run.load_after:.1f}",
        )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--workers", default="1,2,4", help="worker counts, comma-separated")
    parser.add_argument(
        "--copies", type=int, default=8, help="URLs each shared page is stored under"
    )
    parser.add_argument("--no-store", action="store_true", help="skip the store jobs' run")
    parser.add_argument(
        "--no-direct", action="store_true", help="skip the plain processes' runs (no queue)"
    )
    baselines.add_argument(parser)
    args = parser.parse_args()
    console = Console(width=160)
    bin_dir = server_bin()
    if bin_dir is None:
        sys.exit("bench/workers.py needs PostgreSQL (initdb, pg_ctl): apt-get install postgresql")
    server = PgServer(bin_dir)
    server.start()
    try:
        settings = Settings(db=server.database(), enrich=False, worker_heartbeat=2.0)
        jobs.install(settings)
        pages = args.shared / "pages"
        ids = store_captures(settings, pages, args.copies)
        warm, timed = ids[: len(ids) // (args.copies + 1)], ids[len(ids) // (args.copies + 1) :]
        console.print(
            f"{len(timed)} captures ({len(warm)} pages x {args.copies} URLs) from {pages};"
            f" {os.cpu_count()} cores"
        )
        runs: list[Run] = []
        direct: list[Run] = []
        for count in (int(n) for n in args.workers.split(",")):
            runs.append(timed_run(settings, count, warm, timed, server.data))
            console.print(table(runs))
            if not args.no_direct:
                direct.append(direct_run(settings, count, warm, timed, server.data))
                console.print(table(direct, DIRECT))
        console.print(f"target: 2 workers >= {TARGET}x one ({BASELINE}) on extraction")
        tables = [table(runs)] + ([table(direct, DIRECT)] if direct else [])
        if not args.no_store:
            stored = timed_run(settings, 2, warm, timed, server.data, task="store")
            tables.append(table([stored], STORING))
            console.print(tables[-1])
            console.print("CPU s/capture: of the worker processes; server CPU: PostgreSQL's")
        baselines.report(console, "workers", tables, save=args.save_baseline)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
