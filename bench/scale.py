"""Benchmark scale-out: store ingest rate, disk size, search latency per query kind and the API
under concurrent clients, on SQLite and on PostgreSQL.

Run: .venv/bin/python bench/scale.py [--statements 20000] [--backends sqlite,postgresql]
     [--clients 8] [--seconds 60] [--shared ../shared]
     .venv/bin/python bench/scale.py --archive PATH_OR_URL  (search latency only)
     .venv/bin/python bench/scale.py --ingest-only [--pipeline-statements 20000]  (bulk load only)
     .venv/bin/python bench/scale.py --copy ARCHIVE --to postgresql://...  (copy-store rate only)

Statements are derived from the shared UN General Debate corpus: each speech is cut into parts
of a few paragraphs, and the parts are copied under new URLs, years and countries until there
are `--statements` of them. They are written through the store protocol (capture, statement,
processed mark) inside `store.batch()`, as ingest does, with no extraction or enrichment; the
pipeline's own JSONL rate (extraction included, enrichment off) is measured on
`--pipeline-statements` of them written as JSONL records, with linking on and off.
PostgreSQL is a throw-away server started on loopback (initdb/pg_ctl, fsync off).
Targets (issue 12): ingest >= 2,000 statements/s (SQLite, enrichment off); search p95 < 50 ms
on SQLite and < 100 ms on PostgreSQL at 1M statements; API 0 errors under 8 clients.
Numbers on a shared 2-core machine are noisy: read them with the load average printed.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import itertools
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

import baselines
import httpx
import pycountry
import uvicorn
from rich.console import Console
from rich.table import Table
from workers import postmaster_cpu, process_cpu

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.pgserver import PgServer, server_bin

from communique.api.app import create_app, settle
from communique.model import PIPELINE_VERSION, Capture, DocType, Statement, statement_id
from communique.pipeline import STORE_CHUNK, ingest, worker_pool
from communique.query import parse_query
from communique.settings import Settings
from communique.store.base import Store, is_postgres, open_store
from communique.store.transfer import copy_location

QUERY_KINDS = {
    "common word": ["peace", "development", "security", "people"],
    "phrase": ['"united nations"', '"climate change"', '"security council"'],
    "OR": ["nuclear OR atomic", "pandemic OR covid"],
    "NOT": ["sanctions -russia", "peace NOT war"],
    "prefix": ["negotiat*", "sustainab*", "con*"],
    "prefix and filter": ["negotiat* country:FR", "sustainab* from:2022-01-01"],
    "filter": [
        "peace country:FR",
        "climate from:2022-01-01",
        "debt to:2021-12-31",
        "refugees country:FR",
    ],
    "filter only": ["country:BR", "from:2023-01-01"],
}
"""Every search also counts the matches and computes the facets (issuer, country, language,
type, year, mentions, place)."""
COUNTRIES = ("FR", "BR", "IN", "NG", "JP", "MX", "EG", "DE", "ID", "KE")
BASELINE_PIPELINE = 170.0
"""Statements/s of JSONL ingest (enrichment off) the issue measured before this work."""
BASELINE_COPY = 83.0
"""Statements/s of `copy-store` into PostgreSQL before COPY (session 14: 300k in about 1 h)."""


def parts(corpus: Path, paragraphs: int = 6) -> list[tuple[str, str, int, str]]:
    """(country, text, year, title) of each part of each speech."""
    found = []
    for line in corpus.open(encoding="utf-8"):
        speech = json.loads(line)
        paras = [p.strip() for p in speech["text"].split("\n") if len(p.strip()) > 40]
        for start in range(0, len(paras), paragraphs):
            chunk = paras[start : start + paragraphs]
            title = f"{speech['country_iso3']} at the {speech['session']}th session, part {start}"
            found.append(
                (_alpha2(speech["country_iso3"]), "\n\n".join(chunk), speech["year"], title)
            )
    return found


def russian_paragraphs(corpus: Path) -> list[str]:
    """Paragraphs of three sentences of the Kremlin sample (its texts are one line each)."""
    found: list[str] = []
    for line in corpus.open(encoding="utf-8"):
        sentences = (json.loads(line).get("text_raw") or "").split(". ")
        for start in range(0, len(sentences), 3):
            paragraph = ". ".join(sentences[start : start + 3]).strip()
            found += [paragraph] if len(paragraph) > 80 else []
    return found


@dataclass(frozen=True)
class Corpus:
    """What statements are derived from: the parts of UN speeches, and Russian paragraphs."""

    base: list[tuple[str, str, int, str]]
    russian: list[str]

    @classmethod
    def read(cls, shared: Path) -> Corpus:
        corpora = shared / "corpora"
        return cls(
            parts(corpora / "ungdc_2020_2024.jsonl"),
            russian_paragraphs(corpora / "kremlin_ru_2025_sample.jsonl"),
        )


def _alpha2(alpha3: str) -> str:
    country = pycountry.countries.get(alpha_3=alpha3)
    return country.alpha_2 if country else "ZZ"


def statements(
    corpus: Corpus, n: int, start: int = 0
) -> Iterator[tuple[Statement, Capture, bytes]]:
    """Statements `start` to `n` with their captures. The first are the speech parts as they
    are; later ones mix 3-8 paragraphs of a few parts (one in ten: Russian paragraphs), and one
    in ten republishes an earlier statement's text under an embassy. Statement i depends on i
    alone, so a load cut short is topped up to the same set."""
    fetched = datetime(2025, 1, 1, tzinfo=UTC)
    for i in range(start, n):
        language, country, text, title, issuer = _content(corpus, i)
        year = corpus.base[i % len(corpus.base)][2]
        if i >= len(corpus.base):
            year = random.Random(i).randint(2005, 2024)
        url = f"https://un.example/{i}"
        body = text.encode()
        capture = Capture(
            url=url,
            sha256=hashlib.sha256(body + url.encode()).hexdigest(),
            size=len(body),
            content_type="text/plain",
            fetched_at=fetched,
            status=200,
            origin="bench",
        )
        yield (
            Statement(
                id=statement_id(url),
                url=url,
                title=title,
                paragraphs=tuple(text.split("\n\n")),
                published=date(year, 1 + i % 12, 1 + i % 28),
                published_source="bench",
                issuer=issuer,
                country=country,
                language=language,
                doc_type=DocType.SPEECH,
                capture_ids=(capture.id,),
            ),
            capture,
            body,
        )


def _content(corpus: Corpus, i: int) -> tuple[str, str, str, str, str]:
    """(language, country, text, title, issuer) of statement i, from its own seed."""
    country, text, _, title = corpus.base[i % len(corpus.base)]
    if i < len(corpus.base):
        return "en", country, text, title, f"Mission of {country}"
    rng = random.Random(i)
    if i > len(corpus.base) + 1 and rng.random() < 0.1:  # republished by an embassy
        language, country, text, title, _ = _content(corpus, rng.randrange(len(corpus.base), i))
        return language, country, text, title, f"Embassy of {country}"
    country = rng.choice(COUNTRIES) if rng.random() < 0.5 else country
    count = rng.randint(3, 8)
    if rng.random() < 0.1 and corpus.russian:
        chosen, language = [rng.choice(corpus.russian) for _ in range(count)], "ru"
    else:
        pool = [rng.choice(corpus.base)[1].split("\n\n") for _ in range(3)]
        chosen, language = [rng.choice(rng.choice(pool)) for _ in range(count)], "en"
    words = rng.choice(chosen).split()
    title = " ".join(words[: rng.randint(5, 12)]).rstrip(",.;:")
    issuer = "Ministry of Foreign Affairs" if rng.random() < 0.5 else "Permanent Mission"
    return language, country, "\n\n".join(chosen), title, f"{issuer} of {country}"


def load(store: Store, corpus: Corpus, n: int, start: int = 0) -> float:
    """Write statements `start` to `n` as a bulk ingest does (captures, statements, then
    processed marks, `STORE_CHUNK` at a time); returns statements/s."""
    started = time.perf_counter()
    made = statements(corpus, n, start)
    with store.batch():
        while chunk := list(itertools.islice(made, STORE_CHUNK)):
            store.put_captures([(capture, body) for _, capture, body in chunk])
            store.put_statements([(statement, capture) for statement, capture, _ in chunk])
            store.mark_all_processed([capture.id for _, capture, _ in chunk], PIPELINE_VERSION)
    return (n - start) / (time.perf_counter() - started)


def latencies(
    store: Store, repeats: int, server: dict[str, float] | None = None
) -> dict[str, list[float]]:
    """Milliseconds of each search (first page, total and facets), by query kind; `server`
    is told the CPU milliseconds of each kind spent by a local PostgreSQL backend."""
    found: dict[str, list[float]] = {}
    backend = _backend_pid(store)
    for kind, queries in QUERY_KINDS.items():
        cpu = _cpu_of(backend)
        for _ in range(repeats):
            for text in queries:
                started = time.perf_counter()
                store.search(parse_query(text))
                found.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
        if server is not None and backend:
            server[kind] = (_cpu_of(backend) - cpu) * 1000
    return found


def _cpu_of(pid: int) -> float:
    """CPU seconds of process `pid` so far (0 when unknown)."""
    try:
        return process_cpu(pid) if pid else 0.0
    except OSError:
        return 0.0


def _backend_pid(store: Store) -> int:
    """The process id of this thread's PostgreSQL backend (0 for another store)."""
    connection = getattr(getattr(store, "_search", None), "_conn", None)
    if not is_postgres(getattr(store, "url", "")) or connection is None:
        return 0
    return int(connection().info.backend_pid)


def api_load(location: str, clients: int, seconds: float) -> dict[str, float]:
    """Requests/s, p50 and p99 ms and errors of `clients` threads searching the HTTP API."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_app(Settings(db=location))
    settle()  # as `communique serve` does (undone below: the bench process goes on)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    queries = [q for kind in QUERY_KINDS.values() for q in kind]
    times: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client(offset: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            i = offset
            while time.perf_counter() < stop:
                started = time.perf_counter()
                try:
                    ok = http.get("/api/v1/search", params={"q": queries[i % len(queries)]})
                    failed = ok.status_code != 200
                except httpx.HTTPError:
                    failed = True
                with lock:
                    times.append((time.perf_counter() - started) * 1000)
                    errors[0] += failed
                i += 1

    started = time.perf_counter()
    workers = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    server.should_exit = True
    thread.join(timeout=10)
    gc.unfreeze()
    return {
        "rps": len(times) / elapsed,
        "p50": statistics.median(times),
        "p99": statistics.quantiles(times, n=100)[98],
        "errors": errors[0],
        "requests": len(times),
    }


def disk_mb(location: str) -> float:
    if is_postgres(location):
        import psycopg

        with psycopg.connect(location) as conn:
            row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        return (row[0] if row else 0) / 1e6
    return (
        sum(
            os.path.getsize(f"{location}{suffix}")
            for suffix in ("", "-wal")
            if os.path.exists(f"{location}{suffix}")
        )
        / 1e6
    )


def records(corpus: Corpus, n: int, path: Path) -> Path:
    """A JSONL file of `n` plain-text statements (url, title, text, date, country)."""
    with path.open("w", encoding="utf-8") as out:
        for statement, _, _ in statements(corpus, n):
            record = {
                "url": statement.url,
                "title": statement.title,
                "text": "\n".join(statement.paragraphs),
                "date": statement.published.isoformat() if statement.published else None,
                "country": statement.country,
            }
            out.write(json.dumps(record) + "\n")
    return path


def build(folder: Path, corpus: Corpus, n: int, chunk: int = 20_000) -> None:
    """The shared archive: `statements.jsonl` (the records) and `archive.db` (written through
    the store, search index included) in `folder`, topped up where an earlier build stopped."""
    jsonl = folder / "statements.jsonl"
    if not jsonl.exists():
        records(corpus, n, folder / "statements.jsonl.part").rename(jsonl)
        print(f"{time.strftime('%H:%M:%S')} wrote {jsonl}", flush=True)
    store = open_store(str(folder / "archive.db"))
    try:
        # captures are written before their statements: redo the last chunk a kill may have cut
        start = max(store.count_captures() - STORE_CHUNK, 0)
        while start < n:
            end = min(start + chunk, n)
            rate = load(store, corpus, end, start)
            print(f"{time.strftime('%H:%M:%S')} {end} statements, {rate:.0f}/s", flush=True)
            start = end
    finally:
        store.close()


@dataclass(frozen=True)
class Rate:
    """A pipeline run: statements/s, and CPU milliseconds a statement in this process (reading,
    site chrome, storing, indexing) and in the worker processes (extraction)."""

    per_s: float
    main_ms: float
    workers_ms: float

    @property
    def idle_bound(self) -> float:
        """Statements/s this CPU allows on 2 idle cores: the main process is one, and all the
        work shares two (what a shared machine's wall clock cannot show)."""
        return min(1000 / self.main_ms, 2000 / (self.main_ms + self.workers_ms))


def pipeline_rate(corpus: Path, location: str, link: bool) -> Rate:
    """`communique ingest` of a JSONL file, enrichment off, linking on or off (a bulk load),
    search index included; the workers are started (and warmed up) before the clock starts."""
    settings = Settings(db=location, enrich=False, link=link)
    with tempfile.TemporaryDirectory() as tmp:
        warm = Path(tmp, "warm.jsonl")
        warm.write_text(corpus.open(encoding="utf-8").readline(), encoding="utf-8")
        scratch = open_store(str(Path(tmp, "warm.db")))
        ingest([str(warm)], scratch, replace(settings, db=str(Path(tmp, "warm.db"))))
        scratch.close()
    if settings.workers > 1:  # one record starts one worker: start them all
        worker_pool(settings).warm_up()
    store = open_store(location)
    try:
        workers = _workers_cpu()
        cpu, started = time.process_time(), time.perf_counter()
        report = ingest([str(corpus)], store, settings)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        done = max(report.statements, 1)
        spent = _workers_cpu()
        workers_ms = sum(spent[p] - workers.get(p, 0.0) for p in spent) * 1000 / done
        return Rate(report.statements / seconds, cpu * 1000 / done, workers_ms)
    finally:
        store.close()


def _workers_cpu() -> dict[int, float]:
    """CPU seconds of each child process (the ingest workers), from /proc (Linux; else none)."""
    found: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = entry.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid():
            found[int(entry.parent.name)] = (int(fields[11]) + int(fields[12])) / tick
    return found


@dataclass
class Result:
    """What one backend measured."""

    pipeline: Rate
    bulk: Rate
    load: float
    disk: float
    latency: dict[str, list[float]]
    api: dict[str, float]


def run_backend(args: argparse.Namespace, work: Path, server: PgServer | None) -> Result:
    def location(name: str) -> str:
        return server.database() if server else str(work / f"{name}.db")

    corpus = Corpus.read(args.shared)
    jsonl = records(corpus, args.pipeline_statements, work / "records.jsonl")
    pipeline = pipeline_rate(jsonl, location("pipeline"), link=True)
    bulk = pipeline_rate(jsonl, location("bulk"), link=False)
    where = location("scale")
    store = open_store(where)
    try:
        rate = load(store, corpus, args.statements)
        disk = disk_mb(where)
        latency = latencies(store, args.repeats)
    finally:
        store.close()
    api = api_load(where, args.clients, args.seconds)
    return Result(pipeline, bulk, rate, disk, latency, api)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared"
    )
    parser.add_argument("--statements", type=int, default=20_000)
    parser.add_argument(
        "--pipeline-statements",
        type=int,
        default=5_000,
        help="JSONL records `communique ingest` loads for the pipeline rates",
    )
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--archive",
        help="only time the searches, on this existing archive (a path or postgresql:// URL)",
    )
    parser.add_argument(
        "--ingest-only",
        action="store_true",
        help="only the bulk load rate (JSONL ingest, enrichment and linking off) of"
        " --pipeline-statements records, on each backend",
    )
    parser.add_argument(
        "--copy", help="only time `copy-store` of this archive into the empty database --to"
    )
    parser.add_argument("--to", help="the postgresql:// URL --copy fills")
    parser.add_argument(
        "--api", action="store_true", help="with --archive: the API under --clients too"
    )
    parser.add_argument(
        "--build",
        type=Path,
        help="only build (or top up) an archive of --statements in this folder and keep it",
    )
    baselines.add_argument(parser)
    args = parser.parse_args()
    if args.archive:
        search_only(args)
        return
    if args.copy:
        copy_only(args)
        return
    if not (args.shared / "corpora" / "ungdc_2020_2024.jsonl").exists():
        raise SystemExit(f"needs {args.shared}/corpora/ungdc_2020_2024.jsonl")
    if args.build:
        build(args.build, Corpus.read(args.shared), args.statements)
        return
    if args.ingest_only:
        ingest_only(args)
        return
    results: dict[str, Result] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends.split(","):
            server = None
            if backend == "postgresql":
                bin_dir = server_bin()
                if bin_dir is None:
                    print("PostgreSQL server binaries absent: skipping postgresql", file=sys.stderr)
                    continue
                server = PgServer(bin_dir)
                server.start()
            try:
                results[backend] = run_backend(args, Path(tmp), server)
            finally:
                if server:
                    server.stop()
    show(results, args)


def ingest_only(args: argparse.Namespace) -> None:
    """The bulk load rows of the full table, alone: wall and CPU rates of `communique ingest`
    of --pipeline-statements JSONL records, enrichment and linking off, per backend."""
    rates: dict[str, Rate] = {}
    with tempfile.TemporaryDirectory() as tmp:
        jsonl = records(Corpus.read(args.shared), args.pipeline_statements, Path(tmp, "r.jsonl"))
        for backend in args.backends.split(","):
            server = PgServer(server_bin()) if backend == "postgresql" and server_bin() else None
            if backend == "postgresql" and server is None:
                print("PostgreSQL server binaries absent: skipping postgresql", file=sys.stderr)
                continue
            if server:
                server.start()
            try:
                where = server.database() if server else str(Path(tmp, f"{backend}.db"))
                rates[backend] = pipeline_rate(jsonl, where, link=False)
            finally:
                if server:
                    server.stop()
    title = f"communique bulk load, {args.pipeline_statements} JSONL records"
    table = Table(title=f"{title} (enrichment and linking off)")
    for column in ("measure", *rates, "target / baseline"):
        table.add_column(column)
    rows = list(rates.values())
    table.add_row("wall clock, statements/s", *(f"{r.per_s:.0f}" for r in rows), "shared machine")
    table.add_row("CPU ms a statement, main", *(f"{r.main_ms:.2f}" for r in rows), "<= 0.5")
    table.add_row("CPU ms a statement, workers", *(f"{r.workers_ms:.2f}" for r in rows), "")
    table.add_row(
        "on 2 idle cores (from CPU), statements/s",
        *(f"{r.idle_bound:.0f}" for r in rows),
        f">= 2000; issue baseline {BASELINE_PIPELINE:.0f}/s",
    )
    console = Console()
    console.print(table)
    console.print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    baselines.report(console, "scale", [table], args.save_baseline)


def copy_only(args: argparse.Namespace) -> None:
    """`copy-store` of an existing archive into an empty PostgreSQL database: wall time by
    table (a table's time ends when the next one's first batch is sent), statements/s, disk."""
    if not args.to:
        raise SystemExit("--copy needs --to postgresql://...")
    marks: dict[str, float] = {}
    server = _server_cpu(args.to)
    cpu, started = time.process_time(), time.perf_counter()

    def tell(table: str, rows: int, total: int) -> None:
        marks.setdefault(table, time.perf_counter())
        if rows == total or rows % 100_000 < 5000:
            print(f"{time.strftime('%H:%M:%S')} {table} {rows}/{total}", flush=True)

    counts = copy_location(args.copy, args.to, tell)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    server = _server_cpu(args.to) - server
    rate = counts["statements"] / seconds
    table = Table(title=f"communique copy-store into PostgreSQL, {counts['statements']} statements")
    for column in ("measure", "value", "baseline"):
        table.add_column(column)
    names = list(marks)
    ends = [*(marks[n] for n in names[1:]), started + seconds]
    for name, begun, end in zip(names, (marks[n] for n in names), ends, strict=True):
        table.add_row(f"{name}, s", f"{end - begun:.0f}", "")
    table.add_row("whole copy, s", f"{seconds:.0f}", "target: 1M well under 1800")
    table.add_row(
        "statements/s", f"{rate:.0f}", f"{BASELINE_COPY:.0f} (ratio {rate / BASELINE_COPY:.1f})"
    )
    per = 1000 / counts["statements"]
    table.add_row(
        "CPU ms a statement: copy-store / server", f"{cpu * per:.2f} / {server * per:.2f}"
    )
    table.add_row(
        "on 2 idle cores (from CPU), statements/s",
        f"{2000 / ((cpu + server) * per):.0f}",
        "all the work spread on both cores (an index build takes one)",
    )
    table.add_row("disk, MB", f"{disk_mb(args.to):.0f}", "")
    console = Console()
    console.print(table)
    console.print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    baselines.report(console, "scale", [table], args.save_baseline)


def _server_cpu(url: str) -> float:
    """CPU seconds of the local PostgreSQL server at `url` so far (0 for a server elsewhere)."""
    import psycopg

    with psycopg.connect(url) as conn:  # its backend's parent, read while it lives
        row = conn.execute("SELECT pg_backend_pid()").fetchone()
        try:
            stat = Path(f"/proc/{row[0] if row else 0}/stat").read_text()
        except OSError:
            return 0.0
    return postmaster_cpu(int(stat.rsplit(")", 1)[1].split()[1]))


def search_only(args: argparse.Namespace) -> None:
    """Search p50 / p95 per query kind on an existing archive (one warm-up pass first, then
    the process settled as a server settles), the CPU a search costs a local PostgreSQL
    server, and with `--api` the API under load."""
    store = open_store(args.archive)
    try:
        count = store.stats().statements
        latencies(store, 1)
        settle()  # as `communique serve` does: a full collection walked the bench's heap
        server: dict[str, float] = {}
        latency = latencies(store, args.repeats, server)
    finally:
        gc.unfreeze()
        store.close()
    kind = "postgresql" if is_postgres(args.archive) else "sqlite"
    table = Table(title=f"communique search latency, {count} statements ({kind})")
    for column in ("query kind", "p50 ms", "p95 ms", "server CPU ms a search", "target"):
        table.add_column(column)
    for name, times in latency.items():
        p95 = statistics.quantiles(times, n=20)[18] if len(times) > 1 else times[0]
        target = "p95 < 100 at 1M" if kind == "postgresql" else "p95 < 50 at 1M"
        cpu = f"{server[name] / len(times):.0f}" if name in server else ""
        table.add_row(
            f"search {name}", f"{statistics.median(times):.0f}", f"{p95:.0f}", cpu, target
        )
    tables = [table]
    if args.api:
        api = api_load(args.archive, args.clients, args.seconds)
        load = Table(title=f"communique API under load, {count} statements ({kind})")
        for column in ("clients", "requests/s", "p50 ms", "p99 ms", "errors", "requests"):
            load.add_column(column)
        load.add_row(
            f"{args.clients} clients, {args.seconds:.0f} s",
            *(f"{api[key]:.0f}" for key in ("rps", "p50", "p99", "errors", "requests")),
        )
        tables.append(load)
    console = Console()
    for shown in tables:
        console.print(shown)
    console.print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    baselines.report(console, "scale", tables, args.save_baseline)


def show(results: dict[str, Result], args: argparse.Namespace) -> None:
    table = Table(title=f"communique scale benchmark, {args.statements} statements")
    for column in ("measure", *results, "target / baseline"):
        table.add_column(column)
    rows = list(results.values())
    ratios = ", ".join(f"{r.pipeline.per_s / BASELINE_PIPELINE:.2f}" for r in rows)
    bulk_ratios = ", ".join(f"{r.bulk.idle_bound / BASELINE_PIPELINE:.2f}" for r in rows)
    table.add_row(
        f"pipeline JSONL ingest ({args.pipeline_statements}), statements/s",
        *(f"{r.pipeline.per_s:.0f}" for r in rows),
        f"issue baseline {BASELINE_PIPELINE:.0f}/s (ratio {ratios})",
    )
    table.add_row(
        "same, linking off (bulk load), statements/s",
        *(f"{r.bulk.per_s:.0f}" for r in rows),
        "wall clock: shared machine",
    )
    table.add_row(
        "bulk load CPU ms a statement: main / workers",
        *(f"{r.bulk.main_ms:.2f} / {r.bulk.workers_ms:.2f}" for r in rows),
        "",
    )
    table.add_row(
        "bulk load on 2 idle cores (from CPU), statements/s",
        *(f"{r.bulk.idle_bound:.0f}" for r in rows),
        f">= 2000; ratio to {BASELINE_PIPELINE:.0f}/s: {bulk_ratios}",
    )
    table.add_row("store write, statements/s", *(f"{r.load:.0f}" for r in rows), ">= 2000")
    table.add_row("disk, MB", *(f"{r.disk:.0f}" for r in rows), "")
    for kind in QUERY_KINDS:
        cells = []
        for r in rows:
            times = r.latency[kind]
            p95 = statistics.quantiles(times, n=20)[18] if len(times) > 1 else times[0]
            cells.append(f"{statistics.median(times):.0f} / {p95:.0f}")
        table.add_row(f"search {kind}, p50 / p95 ms", *cells, "p95 < 50 SQLite, < 100 PG at 1M")
    for key, label in (("rps", "requests/s"), ("p50", "p50 ms"), ("p99", "p99 ms")):
        cells = [f"{r.api[key]:.0f}" for r in rows]
        table.add_row(f"API {args.clients} clients, {label}", *cells, "")
    cells = [f"{r.api['errors']:.0f} of {r.api['requests']:.0f}" for r in rows]
    table.add_row(f"API errors in {args.seconds:.0f} s", *cells, "0")
    console = Console()
    console.print(table)
    load_average = os.getloadavg()[0]
    console.print(
        f"load average {load_average:.1f} on {os.cpu_count()} cores: the figures are noisy"
    )
    baselines.report(console, "scale", [table], args.save_baseline)


if __name__ == "__main__":
    main()
