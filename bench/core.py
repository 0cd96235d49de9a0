"""Benchmark the archive core: ingest speed (text, HTML) and search latency at 10k statements.

Run: .venv/bin/python bench/core.py [--shared ../shared] [--statements 10000]
Prints one table; baselines: trafilatura alone on the same pages (measured in this run), and
the issue's targets (>= 20 HTML statements/s, search p95 < 50 ms at 10k statements).
Enrichment is off here (it is measured by bench/enrich.py); learned site chrome is on.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import baselines
import trafilatura
from rich.console import Console
from rich.table import Table

from communique.errors import ExtractionError
from communique.extract import extract
from communique.model import RawInput, statement_id
from communique.pipeline import ingest
from communique.search import search
from communique.settings import Settings
from communique.store.sqlite import SqliteStore

QUERIES = (
    "peace",
    "climate change",
    '"security council"',
    "sanctions -russia",
    "nuclear OR atomic",
    "covid* vaccine",
    "sovereignty territorial integrity",
    "country:AZ",
    "lang:en from:2022-01-01",
    "development type:speech",
    "terrorism country:FR",
    '"sustainable development goals"',
    "ukraine",
    "palestine gaza",
    "women girls education",
    "debt relief africa",
    "multilateralism reform",
    "ocean fisheries",
    "the",
    "",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--shared", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared"
    )
    parser.add_argument("--statements", type=int, default=10_000)
    parser.add_argument("--html-rounds", type=int, default=4, help="copies of the 31 pages")
    baselines.add_argument(parser)
    args = parser.parse_args()
    corpus = args.shared / "corpora" / "ungdc_2020_2024.jsonl"
    pages = sorted((args.shared / "pages").glob("*.html"))
    if not corpus.exists() or not pages:
        raise SystemExit(f"needs {corpus} and {args.shared / 'pages'}")

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        store = SqliteStore(work / "bench.db")
        # the archive core: extraction and storage; bench/enrich.py measures enrichment
        settings = Settings(db=str(work / "bench.db"), enrich=False)
        rows: list[tuple[str, str, str]] = []

        started = time.perf_counter()
        report = ingest([str(corpus)], store, settings)
        text_rate = report.statements / (time.perf_counter() - started)
        rows.append(
            (
                "text (UNGDC JSONL) statements/s",
                f"{text_rate:.1f}",
                f"{report.statements} statements",
            )
        )

        html_dir = _copies(pages, work / "html", args.html_rounds)
        started = time.perf_counter()
        report = ingest([str(html_dir)], store, settings)
        elapsed = time.perf_counter() - started
        html_rate = report.inputs / elapsed
        traf_rate = _trafilatura_rate(pages, args.html_rounds)
        rows.append(
            (
                "HTML pages ingested/s (extract + store)",
                f"{html_rate:.1f}",
                f"{report.inputs} pages; {report.statements} statements, "
                f"{report.listings} listings; target >= 20",
            )
        )
        rows.append(
            (
                "trafilatura.extract alone, pages/s",
                f"{traf_rate:.1f}",
                f"ratio communique/trafilatura {html_rate / traf_rate:.2f}",
            )
        )
        extract_ms = _extract_ms(pages)
        rows.append(
            (
                "extract() alone, ms/page",
                f"{extract_ms:.1f}",
                f"{len(pages)} pages; budget 30 on an idle 2-core box "
                f"(ratio {extract_ms / 30:.2f})",
            )
        )

        total = _replicate(store, args.statements)
        latencies = _search_latencies(store)
        p50 = statistics.median(latencies)
        p95 = statistics.quantiles(latencies, n=20)[18]
        rows.append(
            (f"search p50 ms at {total} statements", f"{p50:.1f}", "page + total + 5 facets")
        )
        rows.append(
            (
                f"search p95 ms at {total} statements",
                f"{p95:.1f}",
                f"target < 50 (ratio {p95 / 50:.2f})",
            )
        )
        store.close()

    table = Table(title="communique core benchmark")
    for column in ("measure", "value", "notes"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    console = Console()
    console.print(table)
    baselines.report(console, "core", [table], args.save_baseline)


def _copies(pages: list[Path], folder: Path, rounds: int) -> Path:
    """The shared pages `rounds` times, each copy a different file with different bytes."""
    folder.mkdir()
    for n in range(rounds):
        for page in pages:
            data = page.read_bytes() + f"\n<!-- bench copy {n} -->\n".encode()
            (folder / f"{n}_{page.name}").write_bytes(data)
    return folder


def _trafilatura_rate(pages: list[Path], rounds: int) -> float:
    documents = [p.read_bytes() for p in pages] * rounds
    started = time.perf_counter()
    for document in documents:
        trafilatura.extract(document)
    return len(documents) / (time.perf_counter() - started)


def _extract_ms(pages: list[Path]) -> float:
    """Mean milliseconds of `extract` per page (after one untimed pass that loads the models)."""
    raws = [
        RawInput(
            url=f"https://pages.invalid/{p.name}",
            body=p.read_bytes(),
            content_type="text/html",
            origin="bench",
            fetched_at=datetime.now(UTC),
        )
        for p in pages
    ]
    _extract_all(raws)
    started = time.perf_counter()
    _extract_all(raws)
    return (time.perf_counter() - started) / len(raws) * 1000


def _extract_all(raws: list[RawInput]) -> None:
    for raw in raws:
        with contextlib.suppress(ExtractionError):
            extract(raw)


def _replicate(store: SqliteStore, target: int) -> int:
    """Fill the store up to `target` statements with copies under new ids and URLs."""
    from communique.query import parse_query

    originals = list(store.iter_matches(parse_query("lang:en")))
    count = store.stats().statements
    copy = 0
    while count < target and originals:
        for original in originals:
            if count >= target:
                break
            url = f"{original.url}#copy{copy}"
            clone = replace(original, id=statement_id(url), url=url)
            capture = store.captures_of(original.id)[0]
            store.put_statement(clone, capture)
            count += 1
        copy += 1
    return store.stats().statements


def _search_latencies(store: SqliteStore, repeats: int = 5) -> list[float]:
    latencies = []
    for query in QUERIES:
        search(store, query)  # warm the page cache once
        for _ in range(repeats):
            started = time.perf_counter()
            search(store, query)
            latencies.append((time.perf_counter() - started) * 1000)
    return latencies


if __name__ == "__main__":
    main()
