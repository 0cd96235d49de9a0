"""Benchmark main-text extraction: the public article benchmark and the official gold pages.

Run: PYTHONPATH=src .venv/bin/python bench/extraction.py [--shared ../shared] [--only NAME]
Needs the comparison libraries in bench/requirements.txt (not package dependencies).

Table 1 scores communique, trafilatura (default and favor_precision), readability-lxml and
resiliparse on scrapinghub's article-extraction-benchmark with that benchmark's metric:
word tokens (`\\w+`, case kept) as 4-gram shingles (a text under 4 tokens is one shingle);
per page the multiset overlap, surplus and shortfall of shingles give TP, FP, FN (normalised
to sum to 1); precision is averaged over pages with output, recall over pages with gold text,
and F1 is the harmonic mean of the two averages. Pages/s is measured after an untimed warm-up,
the same for every extractor: the first benchmark pages and the official pages
(`--short-warm-up`: the first benchmark pages only). Table 2 scores communique on the official
pages in shared/pages, per site and in total.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import sys
import tempfile
import time
import unicodedata
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import baselines
from rich.console import Console
from rich.table import Table

from communique.errors import CommuniqueError
from communique.extract import extract
from communique.model import Extraction, RawInput
from communique.pipeline import Pipeline
from communique.settings import Settings
from communique.store.sqlite import SqliteStore

ROOT = Path(__file__).resolve().parents[1]
TOKEN = re.compile(r"\w+")
WARM_UP = 5
"""Pages each extractor sees before timing starts (one-time loading is not throughput)."""
WARM_UP_FOLDER = "pages"
"""Also seen untimed by every extractor: the official pages, in other languages and not timed
after, so that per-language models loaded on first need (lingua's, about half a second for
the Latin-script languages) load before the timed loop rather than in it."""
QUOTES = str.maketrans("“”„«»’‘", '"""""' + "''")
Extractor = Callable[[bytes, str, str], str]
"""(html bytes, decoded html, url) -> main text."""


# --- the benchmark's metric ----------------------------------------------------------------


def shingles(text: str, size: int = 4) -> Counter[tuple[str, ...]]:
    """Return the multiset of `size`-token shingles of `text` (one shingle when shorter)."""
    tokens = TOKEN.findall(text)
    if not tokens:
        return Counter()
    if len(tokens) < size:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1))


def page_counts(predicted: str, gold: str) -> tuple[float, float, float]:
    """Return (TP, FP, FN) of one page, normalised to sum to 1 (all 0 when both are empty)."""
    pred, true = shingles(predicted), shingles(gold)
    tp = sum((pred & true).values())
    fp = sum((pred - true).values())
    fn = sum((true - pred).values())
    total = tp + fp + fn
    if total == 0:
        return 0.0, 0.0, 0.0
    return tp / total, fp / total, fn / total


def score(pairs: Iterable[tuple[str, str]]) -> tuple[float, float, float]:
    """Return (precision, recall, F1) over (predicted, gold) pairs as the benchmark defines it."""
    precisions: list[float] = []
    recalls: list[float] = []
    for predicted, gold in pairs:
        tp, fp, fn = page_counts(predicted, gold)
        if shingles(predicted):
            precisions.append(tp / (tp + fp) if tp + fp else 0.0)
        if shingles(gold):
            recalls.append(tp / (tp + fn) if tp + fn else 0.0)
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


# --- extractors ----------------------------------------------------------------------------


def _raw(body: bytes, url: str) -> RawInput:
    return RawInput(
        url=url, body=body, content_type="text/html", origin=url, fetched_at=datetime.now(UTC)
    )


def run_communique(body: bytes, html: str, url: str) -> str:
    """communique's full extraction (text, title, date, language, issuer)."""
    try:
        return extract(_raw(body, url)).text
    except CommuniqueError:
        return ""


def run_trafilatura(body: bytes, html: str, url: str) -> str:
    """trafilatura.extract with its default settings."""
    import trafilatura

    return trafilatura.extract(html, url=url) or ""


def run_trafilatura_precision(body: bytes, html: str, url: str) -> str:
    """trafilatura.extract(favor_precision=True)."""
    import trafilatura

    return trafilatura.extract(html, url=url, favor_precision=True) or ""


def run_readability(body: bytes, html: str, url: str) -> str:
    """readability-lxml's summary, reduced to its text."""
    from lxml import html as lxml_html
    from readability import Document  # type: ignore[import-untyped]

    summary = Document(html).summary(html_partial=True)
    return lxml_html.fromstring(summary).text_content() if summary.strip() else ""


def run_resiliparse(body: bytes, html: str, url: str) -> str:
    """resiliparse's extract_plain_text(main_content=True)."""
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.html import HTMLTree

    return str(extract_plain_text(HTMLTree.parse(html), main_content=True))


EXTRACTORS: dict[str, Extractor] = {
    "communique": run_communique,
    "trafilatura": run_trafilatura,
    "trafilatura precision": run_trafilatura_precision,
    "readability-lxml": run_readability,
    "resiliparse": run_resiliparse,
}


# --- table 1: the article benchmark ---------------------------------------------------------


@dataclass(frozen=True)
class Page:
    name: str
    body: bytes
    html: str
    url: str
    gold: str


def load_benchmark(folder: Path) -> list[Page]:
    """Read the benchmark's pages (gzipped HTML) and gold article bodies."""
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for name in sorted(truth):
        body = gzip.decompress((folder / "html" / f"{name}.html.gz").read_bytes())
        html = body.decode("utf-8", errors="replace")
        pages.append(Page(name, body, html, truth[name].get("url", ""), truth[name]["articleBody"]))
    return pages


def load_warm_up(folder: Path) -> list[Page]:
    """The official pages as untimed warm-up input (no gold text needed)."""
    pages = []
    for path in sorted(folder.glob("*.html")):
        gold = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        body = path.read_bytes()
        html = body.decode("utf-8", errors="replace")
        pages.append(Page(path.name, body, html, str(gold.get("url") or path.name), ""))
    return pages


BASELINE = "trafilatura"
"""The issue's speed baseline: trafilatura with its default settings."""


def bench_articles(pages: list[Page], names: list[str], warm_up: list[Page] | None = None) -> Table:
    """Score each extractor on the article benchmark and time it.

    The extractors take turns page by page, so that a machine shared with other work slows
    them all alike; each one's pages/s is its own summed time. Before timing, each extractor
    sees the first benchmark pages and `warm_up`, the same for all.
    """
    table = Table(title=f"article-extraction-benchmark ({len(pages)} pages)")
    for column in ("extractor", "precision", "recall", "F1", "pages/s", "× trafilatura"):
        table.add_column(column, justify="left" if column == "extractor" else "right")
    with warnings.catch_warnings():  # warm-up, untimed: imports, lazy models and stop lists
        warnings.simplefilter("ignore")
        for name in names:
            for page in [*(warm_up or []), *pages[:WARM_UP]]:
                EXTRACTORS[name](page.body, page.html, page.url)
    outputs: dict[str, list[str]] = {name: [] for name in names}
    elapsed = dict.fromkeys(names, 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for page in pages:
            for name in names:
                start = time.perf_counter()
                outputs[name].append(EXTRACTORS[name](page.body, page.html, page.url))
                elapsed[name] += time.perf_counter() - start
    baseline = elapsed.get(BASELINE)
    for name in names:
        pairs = zip(outputs[name], (p.gold for p in pages), strict=True)
        precision, recall, f1 = score(pairs)
        ratio = f"{baseline / elapsed[name]:.2f}" if baseline else "—"
        rate = f"{len(pages) / elapsed[name]:.1f}"
        table.add_row(name, f"{precision:.3f}", f"{recall:.3f}", f"{f1:.3f}", rate, ratio)
    return table


# --- table 2: official pages ----------------------------------------------------------------


def norm(text: str) -> str:
    """Normalise Unicode form, quotes, whitespace and case for comparison only."""
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(QUOTES)
    return " ".join(text.split()).casefold()


def page_lines(html: str) -> set[str]:
    """Return the normalised visible text lines of a whole page (chrome included)."""
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.html import HTMLTree

    text = str(extract_plain_text(HTMLTree.parse(html), main_content=False, alt_texts=False))
    return {norm(line) for line in text.splitlines() if TOKEN.search(line)}


def issuer_matches(found: str | None, gold: str) -> bool:
    """True when `found` names the gold issuer (its main name or a bracketed alternative)."""
    if not found:
        return False
    main, _, rest = gold.partition(" (")
    names = [main, *re.split(r"[;,]\s*", rest.rstrip(")"))]
    names = [norm(n.split(":")[-1]) for n in names if n.strip()]
    key = norm(found)
    for name in names:
        shorter = min(key, name, key=len)
        if key == name or ((key in name or name in key) and len(shorter.split()) >= 2):
            return True
    return False


class SiteScore(Counter[str]):
    """What one site's pages (or all of them) scored: `pages`, `statements`, `first`, `last`,
    `chrome`, `title`, `date`, `language`, `issuer`, `typed`, `doc_type`, `listings`,
    `listings_found` (an absent count is 0), and the misses to show."""

    def __init__(self, **counts: int) -> None:
        super().__init__(counts)
        self.misses: list[str] = []

    def add(self, other: SiteScore) -> None:
        self.update(other)
        self.misses.extend(other.misses)


def _groups(folder: Path) -> dict[str, str]:
    path = folder / "groups.json"
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {f: g["id"] for g in data.get("groups", []) for f in g["files"]}


GOLD_TYPES = {
    "statement": "statement",
    "speech": "speech",
    "speech_transcript": "speech",
    "press_release": "press release",
    "blog_post": "news",
    "news": "news",
}
"""Gold page types that name one of communique's document types (others are not scored)."""


def score_page(
    name: str, gold: dict[str, object], result: Extraction | None, others: set[str]
) -> SiteScore:
    """Score one official page against its gold sidecar; `others` are its site's other lines."""
    s = SiteScore(pages=1)
    kind = gold["page_type"]
    if kind == "listing":
        s["listings"] = 1
        s["listings_found"] = int(result is not None and result.is_listing)
        return s
    if kind == "pdf_stub":
        return s
    s["statements"] = 1
    if result is None or result.is_listing:
        s.misses.append(f"{name}: no statement")
        return s
    text = norm(result.text)
    s["first"] = int(norm(str(gold["gold_text_first_sentence"])) in text)
    s["last"] = int(norm(str(gold["gold_text_last_sentence"])) in text)
    chrome = [p for p in result.paragraphs if norm(p) in others]
    s["chrome"] = len(chrome)
    s["title"] = int(result.title == gold["title"])
    published = result.published.isoformat() if result.published else None
    s["date"] = int(published == gold["date"])
    s["language"] = int(result.language == gold["language"])
    s["issuer"] = int(issuer_matches(result.issuer, str(gold["issuer"])))
    expected = GOLD_TYPES.get(str(kind))
    s["typed"] = int(expected is not None)
    s["doc_type"] = int(expected is not None and result.doc_type.value == expected)
    for flag, label in ((s["first"], "first"), (s["last"], "last"), (s["title"], "title")):
        if not flag:
            s.misses.append(f"{name}: {label}")
    if not s["date"]:
        s.misses.append(f"{name}: date {published} ≠ {gold['date']}")
    s.misses.extend(f"{name}: chrome {line[:60]!r}" for line in chrome)
    return s


def _run_pages(
    folder: Path, names: list[str], pipeline: Pipeline | None
) -> dict[str, Extraction | None]:
    """Extract every page, alone (`pipeline` None) or through a pipeline with a store."""
    results: dict[str, Extraction | None] = {}
    for name in names:
        gold = json.loads((folder / name).with_suffix(".json").read_text(encoding="utf-8"))
        raw = _raw((folder / name).read_bytes(), str(gold.get("url") or name))
        try:
            results[name] = pipeline.run(raw) if pipeline else extract(raw)
        except CommuniqueError:
            results[name] = None
    return results


def learned_runs(folder: Path, names: list[str]) -> dict[str, dict[str, Extraction | None]]:
    """Single-page extraction, an incremental ingest in file order, then a reprocess pass."""
    runs = {"single page": _run_pages(folder, names, None)}
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(Path(tmp) / "bench.db")
        pipeline = Pipeline.from_settings(Settings(), store)
        runs["incremental ingest"] = _run_pages(folder, names, pipeline)
        store.clear_derived()  # as `reprocess` does: every page is judged against all others
        runs["after reprocess"] = _run_pages(folder, names, pipeline)
        store.close()
    return runs


def bench_pages(folder: Path) -> tuple[Table, list[str], dict[str, int]]:
    """Score communique on the official pages, per site and in total (after reprocess)."""
    names = sorted(p.name for p in folder.glob("*.html"))
    groups = _groups(folder)
    lines = {n: page_lines((folder / n).read_text("utf-8", errors="replace")) for n in names}
    runs = learned_runs(folder, names)
    chrome_by_run: dict[str, int] = {}
    for label, results in runs.items():
        sites: dict[str, SiteScore] = defaultdict(SiteScore)
        for name in names:
            gold = json.loads((folder / name).with_suffix(".json").read_text(encoding="utf-8"))
            site = name.split("_")[1]
            others: set[str] = set()
            for other in names:
                same_group = groups.get(other, other) == groups.get(name, name)
                if other != name and other.split("_")[1] == site and not same_group:
                    others |= lines[other]
            sites[site].add(score_page(name, gold, results[name], others))
        chrome_by_run[label] = sum(s["chrome"] for s in sites.values())
    table = Table(title=f"official pages ({len(names)}), after reprocess with learned site chrome")
    for column in (
        "site",
        "pages",
        "first kept",
        "last kept",
        "chrome lines",
        "title exact",
        "date exact",
        "language",
        "issuer",
        "doc type",
        "listings",
    ):
        table.add_column(column, justify="left" if column == "site" else "right")
    total = SiteScore()
    for site, s in sorted(sites.items()):
        total.add(s)
        table.add_row(site, *_cells(s))
    table.add_row("TOTAL", *_cells(total), style="bold")
    return table, total.misses, chrome_by_run


def _cells(s: SiteScore) -> list[str]:
    n = s["statements"]
    return [
        str(s["pages"]),
        f"{s['first']}/{n}",
        f"{s['last']}/{n}",
        str(s["chrome"]),
        f"{s['title']}/{n}",
        f"{s['date']}/{n}",
        f"{s['language']}/{n}",
        f"{s['issuer']}/{n}",
        f"{s['doc_type']}/{s['typed']}",
        f"{s['listings_found']}/{s['listings']}",
    ]


# --- table 3: titles and dates, dev and held-out halves ------------------------------------


def held_out_page(name: str) -> bool:
    """A fixed half of the shared pages, kept out of rule writing (by a hash of the file name)."""
    return hashlib.sha1(name.encode()).digest()[0] % 2 == 1


def _traf_title(html: bytes, url: str) -> str | None:
    from trafilatura import bare_extraction

    document = bare_extraction(
        html.decode("utf-8", errors="replace"), url=url, fast=True, with_metadata=True
    )
    return getattr(document, "title", None) if document is not None else None


def _tally(
    tally: Counter[str],
    result: Extraction | None,
    title: str,
    day: str | None,
    lang: str,
    traf: str | None,
) -> None:
    tally["pages"] += 1
    tally["title_trafilatura"] += int(traf == title)
    if result is None:
        return
    tally["title"] += int(result.title == title)
    tally["date"] += int((result.published.isoformat() if result.published else None) == day)
    tally["language"] += int(result.language == lang)


def bench_titles_dates(folder: Path) -> tuple[Table, list[str]]:
    """Exact title, date and language on the shared pages and the generated page set."""
    sys.path.insert(0, str(ROOT))
    from tests.extract.sitepages import pages

    rows: dict[str, Counter[str]] = defaultdict(Counter)
    misses: list[str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in sorted(folder.glob("*.html")):
            gold = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
            if gold["page_type"] in ("listing", "pdf_stub"):
                continue
            body, url = path.read_bytes(), str(gold.get("url") or path.name)
            half = "held-out" if held_out_page(path.name) else "dev"
            result = _extract_or_none(body, url)
            _tally(rows[f"shared pages, {half}"], result, str(gold["title"]), gold["date"],
                   str(gold["language"]), _traf_title(body, url))  # fmt: skip
            misses += _misses(path.name, result, str(gold["title"]), gold["date"])
        for page in pages():
            half = (
                "written after the rules" if page.late else "held-out" if page.held_out else "dev"
            )
            result = _extract_or_none(page.html, page.url)
            traf = _traf_title(page.html, page.url)
            day = page.date.isoformat()
            _tally(rows[f"generated pages, {half}"], result, page.title, day, page.language, traf)
            misses += _misses(page.name, result, page.title, day)
    table = Table(title="titles and dates (exact), dev and held-out halves")
    for column in ("set", "pages", "title", "title (trafilatura)", "date", "language"):
        table.add_column(column, justify="left" if column == "set" else "right")
    for name, t in sorted(rows.items()):
        n = t["pages"]
        cells = [t["title"], t["title_trafilatura"], t["date"], t["language"]]
        table.add_row(name, str(n), *(f"{c}/{n} ({c / n:.0%})" for c in cells))
    return table, misses


def bench_short_languages(folder: Path) -> Table:
    """Language of the titles alone (short texts): right, unknown and wrong answers."""
    from tests.extract.sitepages import pages

    from communique.extract.language import _code, detect, detector

    items = [(p.title, p.language) for p in pages()]
    for path in sorted(folder.glob("*.json")):
        gold = json.loads(path.read_text(encoding="utf-8"))
        if gold.get("page_type") not in (None, "listing", "pdf_stub"):
            items.append((str(gold["title"]), str(gold["language"])))
    items = list(dict.fromkeys(items))

    def lingua(text: str) -> str | None:
        found = detector().detect_language_of(text)
        return _code(found) if found is not None else None

    ways: dict[str, Callable[[str, str], str | None]] = {
        "no hint": lambda text, _: detect(text),
        "source's language given": lambda text, lang: detect(text, None, (lang,)),
        "lingua alone": lambda text, _: lingua(text),
    }
    table = Table(title=f"language of {len(items)} titles alone (short texts)")
    for column in ("way", "right", "unknown", "wrong"):
        table.add_column(column, justify="left" if column == "way" else "right")
    for name, way in ways.items():
        found = [way(text, lang) for text, lang in items]
        right = sum(f == lang for f, (_, lang) in zip(found, items, strict=True))
        unknown = sum(f is None for f in found)
        table.add_row(name, str(right), str(unknown), str(len(items) - right - unknown))
    return table


def _extract_or_none(body: bytes, url: str) -> Extraction | None:
    try:
        return extract(_raw(body, url))
    except CommuniqueError:
        return None


def _misses(name: str, result: Extraction | None, title: str, day: str | None) -> list[str]:
    if result is None:
        return [f"{name}: no statement"]
    found = []
    if result.title != title:
        found.append(f"{name}: title {result.title!r} ≠ {title!r}")
    published = result.published.isoformat() if result.published else None
    if published != day:
        found.append(f"{name}: date {published} ≠ {day}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT / ".." / "shared")
    parser.add_argument("--only", action="append", choices=sorted(EXTRACTORS), default=None)
    parser.add_argument("--skip-articles", action="store_true")
    parser.add_argument("--titles-only", action="store_true", help="only the titles/dates table")
    parser.add_argument(
        "--short-warm-up",
        action="store_true",
        help=f"warm up on the first {WARM_UP} benchmark pages only (lazy models load while timed)",
    )
    baselines.add_argument(parser)
    args = parser.parse_args()
    console = Console(width=200)
    titles, title_misses = bench_titles_dates(args.shared / "pages")
    console.print(titles)
    for miss in title_misses:
        console.print(f"  miss: {miss}")
    languages = bench_short_languages(args.shared / "pages")
    console.print(languages)
    measured = [titles, languages]
    if not args.titles_only:
        measured += _extraction_tables(args, console)
    baselines.report(console, "extraction", measured, args.save_baseline)


def _extraction_tables(args: argparse.Namespace, console: Console) -> list[Table]:
    """The article benchmark (unless skipped) and the official pages, printed and returned."""
    tables = []
    if not args.skip_articles:
        pages = load_benchmark(args.shared / "bench" / "article-extraction-benchmark")
        warm_up = [] if args.short_warm_up else load_warm_up(args.shared / WARM_UP_FOLDER)
        tables.append(bench_articles(pages, args.only or list(EXTRACTORS), warm_up))
        console.print(tables[-1])
    table, misses, chrome = bench_pages(args.shared / "pages")
    console.print(table)
    console.print("chrome lines: " + ", ".join(f"{k} {v}" for k, v in chrome.items()))
    for miss in misses:
        console.print(f"  miss: {miss}")
    return [*tables, table]


if __name__ == "__main__":
    main()
