"""Benchmark the crawler on a 5,000-page local site with delay 0, then recrawl it unchanged.

Run: .venv/bin/python bench/crawl.py [--shared ../shared] [--pages 5000]
The site runs in its own process on 127.0.0.1: 50 statements per listing page, paginated,
each statement a page of real UN General Debate text (../shared/corpora) with a date, an
ETag and a Last-Modified header. The crawl backfills through every listing page
(`--since` before the oldest statement). Prints pages/s, CPU seconds per page (crawler
process only), and the bytes fetched by an unchanged recrawl against the first crawl
(target: < 5 %).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import re
import tempfile
import time
from datetime import date, timedelta
from email.utils import formatdate
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import baselines
from rich.console import Console
from rich.table import Table

from communique.crawl import crawler
from communique.model import CrawlSource
from communique.settings import Settings
from communique.store.sqlite import SqliteStore

PER_LISTING = 50
FIRST_DAY = date(2024, 12, 31)


def build_site(corpus: Path, pages: int) -> dict[str, bytes]:
    """Path -> HTML of every listing and statement page of the benchmark site."""
    speeches = [json.loads(line) for line in corpus.open(encoding="utf-8")]
    site: dict[str, bytes] = {}
    rows: list[str] = []
    menu = "".join(
        f"<li><a href='/section-{n}/'>Section {n} of the ministry</a></li>" for n in range(40)
    )
    for number in range(pages):
        speech = speeches[number % len(speeches)]
        paragraphs = _paragraphs(speech["text"])
        start = (number // len(speeches)) * 3 % max(1, len(paragraphs) - 6)
        body = paragraphs[start : start + 10] or paragraphs[:10]
        day = FIRST_DAY - timedelta(days=number // 3)
        title = f"Statement {number} by {speech['country_iso3']} on {body[0][:60]}"
        path = f"/statements/{day:%Y/%m}/statement-{number}.html"
        site[path] = (
            f"<!doctype html><html lang='en'><head><title>{escape(title)}</title>"
            f"<meta property='article:published_time' content='{day.isoformat()}'></head>"
            f"<body><nav><ul>{menu}</ul></nav>"
            f"<article><h1>{escape(title)}</h1><p class='date'>{day:%d %B %Y}</p>"
            + "".join(f"<p>{escape(p)}</p>" for p in body)
            + "</article><footer>Ministry of Foreign Affairs</footer></body></html>"
        ).encode()
        rows.append(f"<li><a href='{path}'>{escape(title)}</a> <span>{day}</span></li>")
    listings = (len(rows) + PER_LISTING - 1) // PER_LISTING
    for page in range(1, listings + 1):
        chunk = rows[(page - 1) * PER_LISTING : page * PER_LISTING]
        pager = (
            f"<a rel='next' href='/statements/?page={page + 1}'>Next</a>" if page < listings else ""
        )
        html = (
            "<html><head><title>Statements</title></head><body><main><h1>Statements</h1>"
            f"<ul>{''.join(chunk)}</ul>{pager}</main></body></html>"
        )
        site[f"/statements/?page={page}"] = html.encode()
    site["/statements/"] = site["/statements/?page=1"]
    site["/robots.txt"] = b"User-agent: *\nAllow: /\n"
    return site


def _paragraphs(text: str) -> list[str]:
    """Paragraphs of four sentences (the corpus keeps the printed line breaks)."""
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
    return [" ".join(sentences[i : i + 4]) for i in range(0, len(sentences), 4)]


def serve(site: dict[str, bytes], ready: Any) -> None:
    """Serve `site` with ETag / Last-Modified and 304s, until the process is ended."""
    modified = formatdate(time.time() - 86400, usegmt=True)
    tags = {path: '"' + hashlib.sha1(body).hexdigest() + '"' for path, body in site.items()}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in separate writes

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

        def do_GET(self) -> None:
            body = site.get(self.path)
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            etag = tags[self.path]
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            kind = "text/plain" if self.path.endswith(".txt") else "text/html; charset=utf-8"
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", modified)
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ready.put(server.server_address[1])
    server.serve_forever()


def timed_crawl(store: SqliteStore, settings: Settings, source: CrawlSource) -> dict[str, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    (run,) = crawler.crawl(store, settings, [source], since=date(1990, 1, 1))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "urls": run.counts.fetched,
        "statements": run.counts.statements,
        "not_modified": run.counts.not_modified,
        "bytes": run.counts.bytes,
        "wall": wall,
        "cpu": cpu,
        "errors": sum(run.counts.errors.values()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--shared", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared"
    )
    parser.add_argument("--pages", type=int, default=5000)
    baselines.add_argument(parser)
    args = parser.parse_args()
    site = build_site(args.shared / "corpora" / "ungdc_2020_2024.jsonl", args.pages)
    ready: Any = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(site, ready), daemon=True)
    server.start()
    port = ready.get(timeout=30)
    source = CrawlSource(
        "bench", (f"http://127.0.0.1:{port}/statements/",), allow_private=True, issuer="Bench"
    )
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            db=f"{folder}/bench.db", crawl_delay=0.0, crawl_max_pages=10 * args.pages
        )
        store = SqliteStore(settings.db)
        first = timed_crawl(store, settings, source)
        second = timed_crawl(store, settings, source)
        warc_bytes = sum(f.stat().st_size for f in crawler.warc_folder(settings.db).iterdir())
        store.close()
    server.terminate()
    sizes = [len(body) for path, body in site.items() if path.endswith(".html")]
    table = Table(
        title=f"crawl of a {args.pages}-page local site (statement pages"
        f" {sum(sizes) / len(sizes) / 1024:.1f} KB on average), delay 0, 2 shared cores"
    )
    columns = ("run", "URLs", "statements", "304s", "pages/s", "CPU s/page", "bytes", "% of first")
    for column in (*columns, "errors"):
        table.add_column(column, justify="right")
    for name, row in (("first crawl", first), ("unchanged recrawl", second)):
        table.add_row(
            name,
            f"{row['urls']:.0f}",
            f"{row['statements']:.0f}",
            f"{row['not_modified']:.0f}",
            f"{row['urls'] / row['wall']:.1f}",
            f"{row['cpu'] / row['urls']:.4f}",
            f"{row['bytes']:,.0f}",
            f"{row['bytes'] / first['bytes']:.2%}",
            f"{row['errors']:.0f}",
        )
    console = Console(width=120)
    console.print(table)
    ratio = second["bytes"] / first["bytes"]
    verdict = "meets" if ratio < 0.05 else "misses"
    console.print(
        f"recrawl bytes / first crawl bytes = {ratio:.2%} (ratio to the < 5 % target"
        f" {ratio / 0.05:.2f}: {verdict} it);"
        f" WARC files: {warc_bytes:,} bytes"
    )
    baselines.report(console, "crawl", [table], args.save_baseline)


if __name__ == "__main__":
    main()
