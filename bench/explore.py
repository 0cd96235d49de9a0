"""Benchmark the explore pages: server time of search, statement, map, timeline, network and
trends pages, semantic search, and the time to embed statements.

Run: .venv/bin/python bench/explore.py [--statements 5000] [--source-db enriched.db]
     [--db explore.db] [--runs 20] [--shared ../shared] [--save-baseline]

`--source-db` and `--db` are kept: a missing one is built, an existing one is reused (the
archive at `--db` is only built when it does not exist yet).

The archive: the shared seeds and pages are ingested with full enrichment (or read from
`--source-db`), then each statement is copied under new URLs, years and issuer countries,
with its stored enrichment, until there are `--statements` of them (enrichment is copied,
not recomputed: running the models on 100k texts takes hours on 2 cores). Pages are asked
in-process (FastAPI TestClient), so the times are server time without the network.
Vectors: the originals are embedded for real (that time is reported per statement and
extrapolated to 100k on this machine); copies reuse their original's vector. Semantic search
p95 includes embedding the query; the queries are asked in turn. Targets (issue 14): page
p95 < 300 ms and semantic p95 < 100 ms at 100k statements. Map, timeline and network results
are kept until the archive changes: their rows time first views (three queries in turn,
no result or match keys kept) and a query asked again. Numbers on a shared 2-core machine are noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from itertools import cycle, islice
from pathlib import Path

import numpy
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import baselines

from communique import embeddings, explore, semantic
from communique.errors import NotFound
from communique.model import statement_id
from communique.pipeline import ingest
from communique.query import parse_query
from communique.settings import Settings
from communique.store.sqlite import SqliteStore

SEMANTIC_QUERIES = (
    "a truce for humanitarian aid",
    "talks between the foreign ministers on a peace treaty",
    "sanctions in response to the annexation",
    "condolences after the earthquake",
    "election observers found the vote free and fair",
)
"""Asked in turn, so no answer is a repeat of the one before."""
FIRST_VIEWS = ("peace", "security", "cooperation")
"""The map, timeline and network are timed on these in turn with no kept result (a first
view: each asks what the one before did not); "asked again" rows time a kept result."""
COUNTRIES = ("AZ", "AM", "DE", "FR", "BY", "US", "GB", "RU", "TR", "KZ", "JP", "BR")
console = Console()


def build(source: SqliteStore, target: SqliteStore, n: int) -> list[str]:
    """Copy the enriched statements of `source` into `target` until it holds `n`."""
    originals = []
    for s in source.iter_matches(parse_query("")):
        try:
            originals.append((s, source.get_enrichment(s.id), source.captures_of(s.id)[0]))
        except (NotFound, IndexError):
            continue
    vectors = embeddings.embed([embeddings.passage(s) for s, _, _ in originals])
    ids = []
    fetched = datetime(2024, 1, 1, tzinfo=UTC)
    with target.batch():
        for i in range(n):
            s, enrichment, capture = originals[i % len(originals)]
            url = f"{s.url}#copy-{i}"
            copy = replace(
                s,
                id=statement_id(url),
                url=url,
                published=date(1995 + i % 30, 1 + i % 12, 1 + i % 28),
                country=COUNTRIES[i % len(COUNTRIES)],
                capture_ids=(capture.id,),
            )
            target.put_capture(capture, source.capture_body(capture.id))
            target.put_statement(copy, capture)
            target.put_enrichment(copy, enrichment, fetched)
            ids.append(copy.id)
            if (i + 1) % 10_000 == 0:
                console.print(f"built {i + 1} of {n} ({time.strftime('%H:%M:%S')})")
    with target.batch():
        for start in range(0, n, 1000):
            chunk = ids[start : start + 1000]
            target.put_vectors(
                embeddings.MODEL,
                [
                    (sid, embeddings.to_bytes(vectors[(start + j) % len(originals)]))
                    for j, sid in enumerate(chunk)
                ],
            )
    return ids


def paragraphs(corpus: Path, n: int) -> list[str]:
    """`n` distinct paragraphs (>= 200 characters) spread over a JSONL corpus, cut as
    passages are."""
    found = [
        p.strip()[: embeddings.PASSAGE_CHARS]
        for line in corpus.read_text(encoding="utf-8").split("\n")
        if line.strip()
        for p in json.loads(line)["text"].split("\n")
        if len(p.strip()) >= 200
    ]
    return found[:: max(1, len(found) // n)][:n]


def embed_rates(corpus: Path, n: int, processes: tuple[int, ...] = (1, 2)) -> dict[int, float]:
    """Seconds a passage with each number of worker processes (as `communique embed
    --processes`), on `n` corpus paragraphs in batches of 64; workers started beforehand."""
    passages = paragraphs(corpus, n)
    chunks = [passages[i : i + 64] for i in range(0, len(passages), 64)]
    rates = {}
    for count in processes:
        with semantic._embedder(count) as embed:
            list(embed([["warm-up"]] * count))
            start = time.perf_counter()
            list(embed(chunks))
            rates[count] = (time.perf_counter() - start) / len(passages)
    return rates


def passage_vectors(corpus: Path, n: int) -> embeddings.Vectors:
    """Vectors of `n` distinct corpus paragraphs (see `paragraphs`)."""
    chosen = paragraphs(corpus, n)
    return numpy.concatenate(
        [embeddings.embed(chosen[i : i + 64]) for i in range(0, len(chosen), 64)]
    )


def recall(path: Path, held_out: int = 200, k: int = 10) -> dict[str, str]:
    """Recall@k of the HNSW ranking against scoring every vector, on distinct real passage
    vectors (the bench archive's copies share vectors, so its ties say nothing): the last
    `held_out` vectors are the queries, the others the archive."""
    vectors = numpy.load(path)
    archive, queries = vectors[:-held_out], vectors[-held_out:]
    store = SqliteStore(":memory:")
    ids = [f"{n:016x}" for n in range(len(archive))]
    store.put_vectors(
        embeddings.MODEL, [(i, embeddings.to_bytes(v)) for i, v in zip(ids, archive, strict=True)]
    )
    was, semantic.ANN_FROM = semantic.ANN_FROM, 1
    try:
        start = time.perf_counter()
        semantic.ann_ready(store, wait=None)
        built = time.perf_counter() - start
        every = set(ids)
        found = []
        for query in queries:
            exact = {i for i, _ in semantic.nearest(store, query, every, k)}
            approximate = {i for i, _ in semantic.nearest(store, query, None, k)}
            found.append(len(exact & approximate) / k)
    finally:
        semantic.ANN_FROM = was
    return {
        f"recall@{k} HNSW vs exact ({len(archive)} passages, {held_out} queries)": (
            f"{statistics.mean(found):.3f}"
        ),
        f"HNSW index of {len(archive)} passages built s": f"{built:.0f}",
    }


def forget(store: SqliteStore) -> None:
    """Drop what a first view of a query would not find: kept results and match keys."""
    explore.clear_cache()
    store.kept_keys.clear()


def _ids(store: SqliteStore) -> list[str]:
    return [s.id for s in islice(store.iter_matches(parse_query("")), 10)]


def timed(call: object, runs: int, before: object = None) -> tuple[float, float, float]:
    """p50 and p95 in milliseconds of `runs` calls (after one warm-up call), and the p50 of
    the CPU time this process spent on each (what the machine's load does not inflate);
    `before` is called untimed before each."""
    assert callable(call)
    call()
    times, cpu = [], []
    for _ in range(runs):
        if callable(before):
            before()
        start, start_cpu = time.perf_counter(), time.process_time()
        call()
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    return statistics.median(times), p95, statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--statements", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--source-db", help="an enriched archive to copy from (built if missing)")
    parser.add_argument("--db", help="the archive to measure (built if missing, else reused)")
    parser.add_argument("--shared", default=str(Path(__file__).resolve().parents[2] / "shared"))
    parser.add_argument(
        "--recall-vectors",
        help="a .npy of distinct passage vectors (made by --make-recall-vectors N if missing)",
    )
    parser.add_argument("--make-recall-vectors", type=int, default=12_000)
    parser.add_argument(
        "--embed-sample",
        type=int,
        default=0,
        help="time embedding this many corpus paragraphs with 1 and 2 worker processes",
    )
    baselines.add_argument(parser)
    args = parser.parse_args()
    if args.recall_vectors and not Path(args.recall_vectors).exists():
        corpus = Path(args.shared) / "corpora" / "ungdc_2020_2024.jsonl"
        numpy.save(args.recall_vectors, passage_vectors(corpus, args.make_recall_vectors))
    from fastapi.testclient import TestClient

    from communique.api.app import create_app

    with tempfile.TemporaryDirectory() as work:
        source_path = Path(args.source_db or Path(work) / "source.db")
        source = SqliteStore(source_path)
        if not source.stats().statements:
            shared = Path(args.shared)
            settings = Settings(db=str(source_path))
            ingest([str(shared / "seeds"), str(shared / "pages")], source, settings)
        originals = list(source.iter_matches(parse_query("")))
        passages = [embeddings.passage(s) for s in originals]
        embeddings.embed(passages[:2])
        start = time.perf_counter()
        embeddings.embed(passages)
        embed_each = (time.perf_counter() - start) / max(1, len(originals))
        db = Path(args.db or Path(work) / "explore.db")
        fresh = not db.exists()
        target = SqliteStore(db)
        start = time.perf_counter()
        ids = build(source, target, args.statements) if fresh else _ids(target)
        built = time.perf_counter() - start
        console.print(f"{len(ids)} statements, {'built' if fresh else 'reused'} in {built:.0f} s")
        client = TestClient(create_app(Settings(db=str(db)), target), base_url="http://localhost")
        pages = {
            "search": "/?q=peace",
            "search, facet + dates": "/?q=peace+mentions:AM&from=2000-01-01&to=2020-12-31",
            "statement (10 in turn)": [f"/statements/{i}" for i in ids[:10]],
            "map": [f"/map?q={q}" for q in FIRST_VIEWS],
            "map, asked again": "/map?q=peace",
            "timeline": [f"/timeline?q={q}" for q in FIRST_VIEWS],
            "timeline, asked again": "/timeline?q=peace",
            "network": [f"/network?q={q}" for q in FIRST_VIEWS],
            "network, asked again": "/network?q=peace",
            "trends (q + q2)": "/trends?q=peace&q2=war&unit=month",
            "feed": "/feed?q=peace",
        }
        table = Table(title=f"explore pages at {args.statements} statements (server ms)")
        for column in ("page", "p50 ms", "p95 ms", "p50 CPU ms", "target p95 ms"):
            table.add_column(column, justify="left" if column == "page" else "right")
        for name, asked in pages.items():
            paths = [asked] if isinstance(asked, str) else asked
            assert all(client.get(path).status_code == 200 for path in paths), paths
            turn = cycle(paths)
            first = name in ("map", "timeline", "network")
            p50, p95, cpu = timed(
                lambda turn=turn: client.get(next(turn)),
                args.runs,
                (lambda: forget(target)) if first else None,
            )
            table.add_row(name, f"{p50:.0f}", f"{p95:.0f}", f"{cpu:.0f}", "300")
        semantic_table = Table(title=f"semantic search at {args.statements} statements")
        for column in ("measure", "value", "target"):
            semantic_table.add_column(column, justify="left" if column == "measure" else "right")
        start = time.perf_counter()
        semantic.ann_ready(target, wait=None)
        semantic_table.add_row("HNSW index built s", f"{time.perf_counter() - start:.0f}", "")
        queries = cycle(SEMANTIC_QUERIES)
        p50, p95, _ = timed(lambda: embeddings.embed([next(queries)]), args.runs)
        semantic_table.add_row("embed the query p50 ms", f"{p50:.0f}", "")
        semantic_table.add_row("embed the query p95 ms", f"{p95:.0f}", "")
        for mode, text in (("semantic", ""), ("hybrid", ""), ("semantic", " country:AM")):
            p50, p95, cpu = timed(
                lambda mode=mode, text=text: semantic.search_mode(
                    target, next(queries) + text, mode
                ),
                args.runs,
            )
            semantic_table.add_row(f"{mode}{text} p50 ms", f"{p50:.0f}", "")
            semantic_table.add_row(f"{mode}{text} p95 ms", f"{p95:.0f}", "100")
            semantic_table.add_row(f"{mode}{text} p50 CPU ms", f"{cpu:.0f}", "")
        if args.recall_vectors:
            for name, value in recall(Path(args.recall_vectors)).items():
                semantic_table.add_row(name, value, "")
        if args.embed_sample:
            corpus = Path(args.shared) / "corpora" / "ungdc_2020_2024.jsonl"
            for count, each in embed_rates(corpus, args.embed_sample).items():
                semantic_table.add_row(
                    f"embed 100k passages, {count} process(es) (h, extrapolated)",
                    f"{each * 100_000 / 3600:.2f}",
                    "",
                )
        semantic_table.add_row("embed ms per statement", f"{embed_each * 1000:.1f}", "")
        semantic_table.add_row(
            "embed 100k statements (h, extrapolated)", f"{embed_each * 100_000 / 3600:.2f}", ""
        )
        semantic_table.add_row("build s (copies, no models)", f"{built:.0f}", "")
        console.print(table)
        console.print(semantic_table)
        console.print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        baselines.report(console, "explore", [table, semantic_table], args.save_baseline)


if __name__ == "__main__":
    main()
