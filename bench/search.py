"""Benchmark search at scale: the tantivy index against the old FTS5 path, in-process and by API.

Run: .venv/bin/python bench/search.py [--statements 100000] [--shared ../shared] [--api]

Builds an archive of synthetic statements from the shared corpora by perturbation (4–12
paragraphs drawn from UN General Debate speeches and Kremlin texts, random issuers, countries,
types, sources and dates, 5% undated), then prints: the text size, the index size, indexing rate
and CPU per statement (all threads: on a shared machine the rate waits for cores, the CPU does
not) of both engines, and p50/p95/p99 per query kind (common and rare words, phrases, OR, NOT,
prefixes, filters, facets, date orders, deep cursor pages) for both engines side by side. Every
search returns a page of 20, the exact total and every facet. A deep cursor page is reached as a
user reaches it, by following the cursors of the pages before it: it takes their total and
facets, and by relevance its hits from the window of ranked hits they left. With `--api` the
same queries also go through the HTTP API (a `communique serve` on a free loopback port). Each
kind also shows the mean CPU ms a search took of the process that ran it (the server's through
the API): unlike the percentiles, it does not grow while the search waits for a core; and its
slowest search, with that search's CPU ms (near its time: it worked; far below: it waited).
Targets (issue 16): p95 < 50 ms for every kind at 1M through the API, indexing >= 5,000/s,
index <= the size of the texts it indexes. The machine is shared: timings are noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import baselines
import httpx
from rich.console import Console
from rich.table import Table

from communique.model import SearchPage
from communique.query import parse_query
from communique.store.sqlite import SqliteStore
from communique.store.sqlite_index import INDEX_TITLES
from communique.store.sqlite_search import SqliteSearch

KINDS: dict[str, list[tuple[str, str]]] = {
    "common word": [("the", "relevance"), ("development", "relevance"), ("nations", "relevance")],
    "rare word": [("tuvalu", "relevance"), ("cholera", "relevance"), ("glaciers", "relevance")],
    "phrase": [('"security council"', "relevance"), ('"climate change"', "relevance")],
    "OR": [("nuclear OR atomic", "relevance"), ("ukraine OR syria", "relevance")],
    "NOT": [("sanctions -russia", "relevance"), ("peace NOT war", "relevance")],
    "prefix": [("sustain*", "relevance"), ("vaccin*", "relevance"), ("con*", "relevance")],
    "filter": [
        ("peace country:FR", "relevance"),
        ("climate from:2010 to:2015", "relevance"),
        ("lang:ru", "relevance"),
    ],
    "facets (all)": [("", "relevance"), ("type:speech", "relevance")],
    "date order": [("peace", "newest"), ("security", "oldest"), ("", "newest")],
}
ENGINES = ("tantivy", "FTS5")
DEEP_PAGES = 50
"""The deep-cursor kind fetches page 50 (of 20 hits) by following cursors; the last is timed."""
ISSUERS = [f"Ministry of Foreign Affairs {n}" for n in range(150)] + [
    f"Permanent Mission {n} to the UN" for n in range(50)
]
COUNTRIES = ["US", "FR", "RU", "CN", "AZ", "AM", "DE", "GB", "IN", "BR", "ZA", "NG", "EG"] + [
    f"{chr(65 + a)}{chr(65 + b)}" for a in range(6) for b in range(6)
]
TYPES = ["statement", "speech", "press release", "communiqué", "comment", "interview"]
SOURCES = [f"source-{n}" for n in range(20)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--shared", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared"
    )
    parser.add_argument("--statements", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--api", action="store_true", help="also measure through the HTTP API")
    parser.add_argument(
        "--engines",
        default=",".join(ENGINES),
        help="engines to measure, comma-separated (FTS5 at 1M takes seconds a query)",
    )
    parser.add_argument("--keep", type=Path, help="build (or reuse) the archive in this folder")
    parser.add_argument(
        "--reuse-index",
        action="store_true",
        help="search the index a kept archive has (built before, e.g. niced) instead of timing"
        " a rebuild; the indexing rate is then not measured",
    )
    parser.add_argument("--serve", help=argparse.SUPPRESS)  # internal: serve db with an engine
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    baselines.add_argument(parser)
    args = parser.parse_args()
    if args.serve:
        _serve(args.serve, args.port)
        return
    console = Console()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        db = folder / "search.db"  # a kept archive grows to --statements, run after run
        tables = _run(console, args, db)
    baselines.report(console, "search", tables, args.save_baseline)


def _run(console: Console, args: argparse.Namespace, db: Path) -> list[Table]:
    started = time.perf_counter()
    added = _build(db, args.shared, args.statements)
    if added:
        seconds = time.perf_counter() - started
        console.print(f"added {added:,} statements to {db} in {seconds:.0f} s")
    if not args.reuse_index:
        shutil.rmtree(f"{db}.index", ignore_errors=True)
    started, cpu_started = time.perf_counter(), time.process_time()
    store = SqliteStore(db)  # finds no index, so builds it from the statements
    index_seconds = time.perf_counter() - started
    index_cpu = time.process_time() - cpu_started  # every thread's: tantivy indexes in two
    conn = store._conn()
    text_mb = conn.execute(
        "SELECT (sum(length(CAST(title AS BLOB))) + sum(length(CAST(text AS BLOB)))) / 1e6"
        " FROM statement_texts"
    ).fetchone()[0]
    count = store.stats().statements
    index_rate = float("nan") if args.reuse_index else count / index_seconds
    index_us = float("nan") if args.reuse_index else index_cpu / count * 1e6
    index_mb = _folder_mb(Path(f"{db}.index"))
    engines = [e for e in ENGINES if e in args.engines.split(",")]
    fts_rate = fts_mb = float("nan")
    if "FTS5" in engines:
        started = time.perf_counter()
        _full_fts5(conn)
        fts_rate = count / (time.perf_counter() - started)
        fts_mb = _fts5_mb(conn)

    size = Table(title=f"search index at {count:,} statements ({text_mb:,.0f} MB of text)")
    columns = ("engine", "index MB", "index / text", "indexing statements/s", "CPU µs/statement")
    for column in (*columns, "notes"):
        size.add_column(column)
    size.add_row(
        "tantivy", f"{index_mb:,.0f}", f"{index_mb / text_mb:.2f}",
        f"{index_rate:,.0f}" if index_rate == index_rate else "- (index reused)",
        f"{index_us:,.0f}" if index_us == index_us else "-",
        "target: index <= text, >= 5,000/s",
    )  # fmt: skip
    if "FTS5" in engines:
        size.add_row(
            "FTS5 (old)", f"{fts_mb:,.0f}", f"{fts_mb / text_mb:.2f}", f"{fts_rate:,.0f}", "-",
            "rebuild of statements_fts (title, text)",
        )  # fmt: skip
    console.print(size)

    fts = SqliteSearch(store._conn)
    runs: dict[str, Engine] = {
        "tantivy": (lambda q, o, c: store.search(parse_query(q, o), c, 20), time.process_time),
        "FTS5": (lambda q, o, c: fts.search(parse_query(q, o), c, 20), time.process_time),
    }
    latency = Table(title=f"search latency in-process, ms, at {count:,} statements")
    _add_columns(latency, engines)
    for kind, timings in _measure({e: runs[e] for e in engines}, args.repeats).items():
        latency.add_row(kind, *timings)
    console.print(latency)
    tables = [size, latency]
    store.close()
    if args.api:
        api = Table(title=f"search latency through the API, ms, at {count:,} statements")
        _add_columns(api, engines)
        rows: dict[str, list[str]] = {}
        for engine in engines:
            server = _server(db, engine)
            with server as client:
                endpoint = {engine: (_api_search(client), _process_cpu(server.process.pid))}
                for kind, timings in _measure(endpoint, args.repeats).items():
                    rows.setdefault(kind, []).extend(timings)
        for kind, cells in rows.items():
            api.add_row(kind, *cells)
        console.print(api)
        tables.append(api)
    return tables


def _add_columns(table: Table, engines: list[str]) -> None:
    table.add_column("query kind")
    for engine in engines:
        for stat in ("p50", "p95", "p99", "CPU"):
            table.add_column(f"{engine} {stat}")
        table.add_column(f"{engine} slowest: ms, CPU ms, query")


Run = Callable[[str, str, str | None], SearchPage]
Engine = tuple[Run, Callable[[], float]]
"""A search, and the CPU seconds used so far by the process that runs it."""


def _measure(engines: dict[str, Engine], repeats: int) -> dict[str, list[str]]:
    """p50/p95/p99, the mean CPU ms a search and the slowest search, per kind and engine
    (cells in engine order).

    The CPU is the searching process's (the server's through the API): on a shared machine
    the wall-clock percentiles include waiting for a core, the CPU does not. The slowest
    search's own CPU tells work (CPU near its time) from waiting (CPU far below it).
    """
    rows: dict[str, list[str]] = {}
    kinds = [*KINDS, "deep cursor page"]
    for kind in kinds:
        for run, cpu in engines.values():
            samples: list[float] = []
            used: list[float] = []
            slowest = (0.0, 0.0, "")
            for query, order in KINDS.get(kind, [("peace", "relevance"), ("peace", "newest")]):
                run(query, order, None)  # warm the caches once
                for _ in range(repeats):
                    cursor = _deep_cursor(run, query, order) if kind == "deep cursor page" else None
                    if kind == "deep cursor page" and cursor is None:
                        continue
                    started, cpu_started = time.perf_counter(), cpu()
                    run(query, order, cursor)
                    samples.append((time.perf_counter() - started) * 1000)
                    used.append((cpu() - cpu_started) * 1000)
                    slowest = max(slowest, (samples[-1], used[-1], f"{query} ({order})"))
            mean_cpu = f"{statistics.mean(used):.1f}" if used else "-"
            ms, cpu_ms, query = slowest
            shown = f"{ms:.1f}, {cpu_ms:.1f}, {query}" if used else "-"
            rows.setdefault(kind, []).extend([*_percentiles(samples), mean_cpu, shown])
    return rows


def _deep_cursor(run: Run, query: str, order: str) -> str | None:
    """The cursor of page `DEEP_PAGES` (None when there are fewer pages)."""
    cursor: str | None = None
    for _ in range(DEEP_PAGES - 1):
        cursor = run(query, order, cursor).next_cursor
        if cursor is None:
            return None
    return cursor


def _process_cpu(pid: int) -> Callable[[], float]:
    """CPU seconds used so far by the threads of process `pid` (Linux schedstat, in ns)."""

    def used() -> float:
        total = 0
        for stat in Path(f"/proc/{pid}/task").glob("*/schedstat"):
            try:
                total += int(stat.read_text().split()[0])
            except (OSError, ValueError, IndexError):  # a thread that just ended
                continue
        return total / 1e9

    return used


def _percentiles(samples: list[float]) -> list[str]:
    samples = sorted(s for s in samples if s == s)
    if len(samples) < 2:
        return ["-"] * 3
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return [f"{statistics.median(samples):.1f}", f"{cuts[94]:.1f}", f"{cuts[98]:.1f}"]


# building the archive


def _paragraphs(shared: Path) -> tuple[list[str], list[str]]:
    """English paragraphs of UN General Debate speeches, Russian ones of Kremlin texts."""
    english: list[str] = []
    for line in (shared / "corpora" / "ungdc_2020_2024.jsonl").open(encoding="utf-8"):
        english += [p.strip() for p in json.loads(line)["text"].split("\n") if len(p) > 80]
    russian: list[str] = []
    for line in (shared / "corpora" / "kremlin_ru_2025_sample.jsonl").open(encoding="utf-8"):
        record = json.loads(line)
        sentences = (record.get("text_raw") or "").split(". ")
        for start in range(0, len(sentences), 3):  # one line a text: three sentences a paragraph
            paragraph = ". ".join(sentences[start : start + 3]).strip()
            russian += [paragraph] if len(paragraph) > 80 else []
    return english, russian


def _build(db: Path, shared: Path, count: int, seed: int = 16) -> int:
    """Statements made of random paragraphs with random metadata, written in bulk, until the
    archive holds `count` (statement n is drawn from its own seed, so a build cut short and
    topped up later holds what one run would); returns how many were added."""
    # an archive kept from an earlier run is topped up bare: opening the store would index it
    existing = db.exists()
    conn = sqlite3.connect(db, isolation_level=None) if existing else SqliteStore(db)._conn()
    have = conn.execute("SELECT count(*) FROM statements").fetchone()[0]
    if have >= count:
        conn.close()
        return 0
    english, russian = _paragraphs(shared)
    first = date(1990, 1, 1)
    conn.execute("BEGIN")
    for n in range(have, count):
        rng = random.Random(seed * 10_000_019 + n)
        ru = n % 10 == 0 and russian
        pool = russian if ru else english
        paragraphs = [rng.choice(pool) for _ in range(rng.randint(4, 12))]
        words = rng.choice(pool).split()
        title = " ".join(words[: rng.randint(4, 12)]).rstrip(",.;:")
        day = first + timedelta(days=rng.randrange(36 * 365))
        published = None if rng.random() < 0.05 else day.isoformat()
        rowid = conn.execute(
            "INSERT INTO statements (id, url, published, published_end, published_source,"
            " issuer, country, language, doc_type, source, capture_ids, latest_fetched_at,"
            " pipeline_version) VALUES (?, ?, ?, ?, 'bench', ?, ?, ?, ?, ?, '[]', ?, 'bench')",
            (
                f"bench{n:08d}",
                f"https://bench.invalid/{n}",
                published,
                published,
                rng.choice(ISSUERS),
                rng.choice(COUNTRIES),
                "ru" if ru else "en",
                rng.choice(TYPES),
                rng.choice(SOURCES),
                "2024-01-01T00:00:00+00:00",
            ),
        ).lastrowid
        conn.execute(
            "INSERT INTO statement_texts (rowid, title, text) VALUES (?, ?, ?)",
            (rowid, title, "\n\n".join(paragraphs)),
        )
        conn.execute(INDEX_TITLES, (rowid, title))  # as the store indexes a fresh title
        if n % 10_000 == 9_999:
            conn.execute("COMMIT")
            conn.execute("BEGIN")
    conn.execute("DELETE FROM search_queue")  # the bench times the index build on its own
    conn.execute("COMMIT")
    conn.close()
    return int(count - have)


def _full_fts5(conn: sqlite3.Connection) -> None:
    """The old path's FTS5 table over titles and texts (the store now keeps titles only)."""
    conn.executescript(
        """
        DROP TRIGGER IF EXISTS statement_texts_ai;
        DROP TRIGGER IF EXISTS statement_texts_ad;
        DROP TRIGGER IF EXISTS statement_texts_au;
        DROP TABLE IF EXISTS statements_fts;
        CREATE VIRTUAL TABLE statements_fts USING fts5(
            title, text, content='statement_texts', content_rowid='rowid',
            tokenize='unicode61 remove_diacritics 2'
        );
        INSERT INTO statements_fts (statements_fts) VALUES ('rebuild');
        """
    )


def _fts5_mb(conn: sqlite3.Connection) -> float:
    try:
        row = conn.execute(
            "SELECT sum(pgsize) / 1e6 FROM dbstat WHERE name LIKE 'statements_fts%'"
        ).fetchone()
        return float(row[0] or 0)
    except sqlite3.OperationalError:
        return float("nan")


def _folder_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6


# through the API


def _api_search(client: httpx.Client) -> Run:
    def run(query: str, order: str, cursor: str | None) -> SearchPage:
        params: dict[str, Any] = {"q": query, "order": order, "limit": 20}
        if cursor:
            params["cursor"] = cursor
        response = client.get("/api/v1/search", params=params)
        if response.status_code != 200:
            raise SystemExit(f"{response.url}: {response.status_code} {response.text[:300]}")
        body = response.json()
        return SearchPage((), body["total"], {}, body.get("next_cursor"))

    return run


class _server:
    """`communique serve` of `db` with one engine, on a free loopback port."""

    def __init__(self, db: Path, engine: str) -> None:
        self.db, self.engine = db, engine

    def __enter__(self) -> httpx.Client:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve", f"{self.engine}:{self.db}", "--port", str(port)],
            env=os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")},
            stdout=subprocess.DEVNULL,
            stderr=(self.db.parent / f"serve-{self.engine}.log").open("w"),
        )
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120)
        for _ in range(600):
            try:
                self.client.get("/api/v1/search", params={"q": "peace", "limit": 1})
                return self.client
            except httpx.TransportError:
                time.sleep(0.2)
        raise SystemExit("the API server did not start")

    def __exit__(self, *_: object) -> None:
        self.client.close()
        self.process.terminate()
        self.process.wait(timeout=30)


def _serve(spec: str, port: int) -> None:
    """Serve the API on `port`; with `fts5:` the store searches through the old FTS5 path."""
    import uvicorn

    from communique.api.app import create_app, settle
    from communique.settings import load_settings

    engine, db = spec.split(":", 1)
    store = SqliteStore(db)
    if engine == "FTS5":
        store.search = SqliteSearch(store._conn).search  # type: ignore[method-assign,assignment]
    settings = load_settings(None, db=db, port=port)
    app = create_app(settings, store)
    settle()  # as `communique serve` does
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
