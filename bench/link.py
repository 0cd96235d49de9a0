"""Benchmark linking: pair precision/recall of copies, and time and memory to link N statements.

Run: .venv/bin/python bench/link.py [--shared ../shared] [--sizes 10000,100000] [--add 1000]
Quality: the set bench/linkset.py generates from ../shared (dev half: thresholds were tuned
on it; holdout half: never looked at while tuning), each half linked on its own, texts in a
shuffled order. Translations: bench/transset.py's real translations (UN, Bible, books,
the UDHR in 20 languages), by facts, by meaning and both, per source and per language, per
half. Scale: N synthetic statements made by perturbation (each drawn from the
corpora's sentences, one in ten republished with other chrome), signed by --processes
workers and linked in (seen, id) order by this process, then 1k more added to that archive
one at a time (signed here, as on ingest). Targets (issue 13): precision >= 0.99, recall >= 0.95,
no template-alike merge; 1M linked < 10 min on 2 cores in < 4 GB; add 1k to 1M < 5 s.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import hashlib
import itertools
import multiprocessing
import os
import random
import resource
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))

import baselines
import numpy as np
import scale as scale_bench
import transset
from linkset import (
    SHARED,
    Base,
    Text,
    chrome_lines,
    generate,
    half_of,
    series,
    undated_kremlin,
    ungdc,
    ungdc_series,
    variant,
)

from communique import embeddings
from communique.link import Linker, duplicates, signature, signatures
from communique.link.archive import link_statements, relink
from communique.link.text import Words
from communique.link.translations import by_meaning, compare, facts
from communique.model import (
    PIPELINE_VERSION,
    Capture,
    CopyLink,
    DocType,
    RawInput,
    Statement,
    statement_id,
)
from communique.settings import Settings
from communique.store.base import Store, open_store


def pairs(groups: dict[str, str]) -> set[tuple[str, str]]:
    members: dict[str, list[str]] = defaultdict(list)
    for key, group in groups.items():
        members[group].append(key)
    return {
        (a, b) if a < b else (b, a)
        for keys in members.values()
        for a, b in itertools.combinations(sorted(keys), 2)
    }


def family(text: Text) -> str:
    return text.template or text.group


def quality(texts: list[Text], half: str, verbose: bool) -> dict[str, float]:
    chosen = [t for t in texts if t.half == half]
    random.Random(7).shuffle(chosen)
    by_id = {t.id: t for t in chosen}
    linker = Linker(lambda keys: [by_id[key].text for key in keys])
    for text in chosen:
        linker.add(text.id, signature(text.text))
    predicted = pairs(linker.groups)
    truth = pairs({t.id: t.group for t in chosen})
    fams = defaultdict(set)
    for t in chosen:
        fams[family(t)].add(t.id)
    merges = [
        (a, b)
        for a, b in predicted - truth
        if (
            (by_id[a].template or by_id[b].template)
            and family(by_id[a]) in (family(by_id[b]), by_id[b].group)
        )
        or family(by_id[b]) == by_id[a].group
    ]
    if verbose:
        for a, b in sorted(predicted - truth)[:20]:
            print("FALSE MERGE", a, "|", b)
        missed = sorted(truth - predicted)
        for a, b in missed[:20]:
            print("MISSED", a, "|", b)
    tp = len(predicted & truth)
    return {
        "texts": len(chosen),
        "true pairs": len(truth),
        "precision": tp / len(predicted) if predicted else 1.0,
        "recall": tp / len(truth) if truth else 1.0,
        "template merges": len(merges),
    }


def vectors(texts: list[transset.Text]) -> np.ndarray:
    """The texts' sentence vectors, kept in the bench cache (the model is slow on 2 cores)."""
    passages = [t.text[: embeddings.PASSAGE_CHARS] for t in texts]
    key = hashlib.sha256("\0".join([embeddings.MODEL, *passages]).encode()).hexdigest()[:16]
    path = transset.CACHE / f"vectors-{key}.npy"
    if path.exists():
        return np.load(path)
    found = embeddings.embed(passages)
    np.save(path, found)
    return found


def mutual_nearest(texts: list[transset.Text], sims: np.ndarray) -> dict[tuple[int, int], bool]:
    """For each text and other language: its nearest text there, and whether that is mutual."""
    by_language: dict[str, list[int]] = defaultdict(list)
    for index, text in enumerate(texts):
        by_language[text.language].append(index)
    best: dict[tuple[int, str], int] = {}
    for index in range(len(texts)):
        for language, members in by_language.items():
            if language != texts[index].language:
                best[index, language] = max(members, key=lambda j: sims[index, j])
    return {(i, j): best[j, texts[i].language] == i for (i, language), j in best.items()}


Rows = dict[str, dict[str, float]]
Pair = tuple[int, int]


def translation_quality(half: str) -> tuple[Rows, Rows]:
    """Pair precision and recall of translations by facts, by meaning and by both."""
    every = transset.generate()
    chosen = [index for index, t in enumerate(every) if t.half == half]
    texts = [every[index] for index in chosen]
    found = vectors(every)[chosen]
    sims = found @ found.T
    sequences = [facts(t.text) for t in texts]
    truth = {
        (i, j)
        for i, j in itertools.combinations(range(len(texts)), 2)
        if texts[i].group == texts[j].group
    }
    by_facts = {
        (i, j)
        for i, j in itertools.combinations(range(len(texts)), 2)
        if texts[i].language != texts[j].language and compare(sequences[i], sequences[j])
    }
    by_vectors = {
        (min(i, j), max(i, j))
        for (i, j), mutual in mutual_nearest(texts, sims).items()
        if by_meaning(float(sims[i, j]), mutual, embeddings.MODEL)
    }
    methods = {"facts": by_facts, "meaning": by_vectors, "both": by_facts | by_vectors}
    rows = {}
    for method, predicted in methods.items():
        for source in ("un", "bible", "books", "udhr", "all"):
            inside = {p for p in truth if source in ("all", texts[p[0]].source)}
            found = {p for p in predicted if source in ("all", texts[p[0]].source)}
            rows[f"{half} {method} {source}"] = {
                "texts": sum(1 for t in texts if source in ("all", t.source)),
                "true pairs": len(inside),
                "precision": len(found & inside) / len(found) if found else 1.0,
                "recall": len(found & inside) / len(inside) if inside else 1.0,
            }
    return rows, by_language(texts, truth, methods)


def _in_group(texts: list[transset.Text], wanted: Callable[[str, str], bool], pair: Pair) -> bool:
    """A declaration pair whose two languages are `wanted`."""
    first, second = texts[pair[0]], texts[pair[1]]
    return first.source == "udhr" and wanted(first.language, second.language)


def language_groups() -> dict[str, Callable[[str, str], bool]]:
    """Pairs by language: with each language, both in the model's languages, one outside."""
    model = set(transset.MODEL_LANGUAGES)
    groups: dict[str, Callable[[str, str], bool]] = {
        language: functools.partial(lambda one, a, b: one in (a, b), language)
        for language in transset.UDHR_LANGUAGES
    }
    groups["both in model"] = lambda a, b: a in model and b in model
    groups["one outside"] = lambda a, b: a not in model or b not in model
    return groups


def by_language(
    texts: list[transset.Text], truth: set[Pair], methods: dict[str, set[Pair]]
) -> Rows:
    """Pair precision and recall on the declaration, per language and group of languages."""
    rows = {}
    for name, wanted in language_groups().items():
        mine = functools.partial(_in_group, texts, wanted)
        inside = {p for p in truth if mine(p)}
        row: dict[str, float] = {"true pairs": len(inside)}
        for method, predicted in methods.items():
            found = {p for p in predicted if mine(p)}
            row[f"{method} P"] = len(found & inside) / len(found) if found else 1.0
            row[f"{method} R"] = len(found & inside) / len(inside) if inside else 1.0
        rows[name] = row
    return rows


TRANSLATION_COLUMNS = ("texts", "true pairs", "precision", "recall")
TRANSLATIONS = (
    "linking quality (translations: UN en/fr/ru, Bible en/fr, books en/fr, UDHR in 20 languages)"
)
LANGUAGES = "translations per language (UDHR; pairs with that language)"
SPEED = "linking speed"


class Synthetic:
    """N statements built from the corpora's sentences; texts are rebuilt from their id."""

    def __init__(self, shared: Path) -> None:
        self.sentences = [
            s
            for base in ungdc(shared)
            for p in base.paragraphs
            for s in p.split(". ")
            if len(s) > 40
        ]
        self.chrome = chrome_lines(shared)

    def text(self, key: str) -> str:
        number, _, copy = key.partition("#")
        rng = random.Random(int(number))
        body = [
            ". ".join(rng.choice(self.sentences) for _ in range(3)) + "."
            for _ in range(rng.randint(3, 8))
        ]
        if not copy:
            return "\n\n".join(body)
        return variant(
            Base(number, "x", body[0][:60], tuple(body)), random.Random(key), self.chrome
        )

    def keys(self, start: int, count: int) -> list[str]:
        keys = []
        for number in range(start, start + count):
            keys.append(str(number))
            if number % 10 == 0:
                keys.append(f"{number}#copy")
        return keys


def peak_mb(workers: bool = True) -> float:
    """Peak resident memory of this process (and of its largest ended worker), in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return (own + workers * resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024


def cpu_s() -> tuple[float, float]:
    """CPU seconds used by this process, and by it with its ended workers."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    mine = own.ru_utime + own.ru_stime
    return mine, mine + workers.ru_utime + workers.ru_stime


def scale(shared: Path, size: int, add: int, processes: int) -> dict[str, float]:
    synthetic = Synthetic(shared)
    gc.collect()
    before = peak_mb(workers=False)
    linker = Linker(lambda keys: list(map(synthetic.text, keys)))
    start, cpu = time.perf_counter(), cpu_s()
    keys = synthetic.keys(0, size)
    texts = (synthetic.text(key) for key in keys)
    with counted_verifications() as verified:
        for key, sig in zip(keys, signatures(texts, processes), strict=True):
            linker.add(key, sig)
    took, used = time.perf_counter() - start, cpu_s()
    extra = synthetic.keys(10_000_000, add)
    start = time.perf_counter()
    for key in extra:
        linker.add(key, signature(synthetic.text(key)))
    added = time.perf_counter() - start
    copies = sum(1 for k in keys if "#" in k)
    found = sum(1 for k in keys if "#" in k and linker.groups[k] == k.partition("#")[0])
    return {
        "statements": len(keys),
        "link s": took,
        "per 1k s": took / len(keys) * 1000,
        "cpu s": used[1] - cpu[1],
        "main cpu s": used[0] - cpu[0],
        "add 1k s": added / len(extra) * 1000,
        "peak MB": peak_mb(),
        "MB over start": peak_mb(workers=False) - before,
        "copies found": found / copies if copies else 1.0,
        "verified a statement": verified[0] / len(keys),
    }


@contextlib.contextmanager
def counted_verifications() -> Iterator[list[int]]:
    """Count the texts verified word by word (`duplicates.verify_words`) in this process."""
    count = [0]
    original = duplicates.verify_words

    def counting(first: Words, second: Words) -> duplicates.Verdict:
        count[0] += 1
        return original(first, second)

    duplicates.verify_words = counting
    try:
        yield count
    finally:
        duplicates.verify_words = original


SOURCE_DATE = datetime(2025, 1, 1, tzinfo=UTC)


def put_synthetic(store: Store, key: str, text: str, fetched: datetime) -> Statement:
    """Store one synthetic statement as ingest does (capture, statement), unlinked."""
    statement, capture, body = synthetic_statement(key, text, fetched)
    store.put_capture(capture, body)
    store.put_statement(statement, capture)
    store.mark_processed(capture.id, PIPELINE_VERSION)
    return statement


def synthetic_statement(key: str, text: str, fetched: datetime) -> tuple[Statement, Capture, bytes]:
    """One synthetic statement with its capture (not stored)."""
    url = f"https://link.example/{key}"
    body = text.encode()
    capture = RawInput(url, body, "text/plain", "bench", fetched, 200).to_capture()
    statement = Statement(
        id=statement_id(url),
        url=url,
        title=text[:60],
        paragraphs=tuple(text.split("\n\n")),
        published=None,
        published_source="bench",
        issuer="Ministry",
        country=None,
        language="en",
        doc_type=DocType.STATEMENT,
        capture_ids=(capture.id,),
    )
    return statement, capture, body


def build_archive(shared: Path, path: Path, size: int) -> None:
    """A SQLite archive of `size` synthetic statements (and their copies), not linked."""
    synthetic = Synthetic(shared)
    store = open_store(str(path))
    with store.batch():
        for index, key in enumerate(synthetic.keys(0, size)):
            put_synthetic(store, key, synthetic.text(key), SOURCE_DATE + timedelta(seconds=index))
    store.close()


def additions(store: Store, synthetic: Synthetic, add: int) -> list[tuple[str, str, str | None]]:
    """`add` new statements (key, text, the archive statement it republishes): one in ten a
    republication of a statement of the archive (other chrome and headline), the rest new."""
    order = [key for key, _ in store.link_order()]
    found: list[tuple[str, str, str | None]] = []
    for index in range(add):
        key = f"added-{index}"
        if index % 10:
            found.append((key, synthetic.text(str(20_000_000 + index)), None))
            continue
        original = store.get_statement(order[(index * 7919) % len(order)])
        base = Base(original.id, "x", original.title, original.paragraphs)
        found.append((key, variant(base, random.Random(key), synthetic.chrome), original.id))
    return found


Addition = tuple[Statement, Capture, bytes, str | None]
"""A statement to add (with its capture) and the archive statement it republishes, if any."""


def synthetic_additions(store: Store, shared: Path, add: int) -> list[Addition]:
    """`additions` stored as `put_synthetic` stores them, seen after the archive."""
    found: list[Addition] = []
    for index, (key, text, original) in enumerate(additions(store, Synthetic(shared), add)):
        fetched = SOURCE_DATE + timedelta(days=10_000, seconds=index)
        statement, capture, body = synthetic_statement(key, text, fetched)
        found.append((statement, capture, body, original))
    return found


def scale_additions(store: Store, shared: Path, add: int) -> list[Addition]:
    """The next `add` statements of bench/scale.py's generator after the archive's own (an
    archive it built: statement i is https://un.example/i), one in ten a republication."""
    corpus = scale_bench.Corpus.read(shared)
    start = store.count_captures()
    found: list[Addition] = []
    for offset, (statement, capture, body) in enumerate(
        scale_bench.statements(corpus, start + add, start)
    ):
        fetched = capture.fetched_at + timedelta(days=10_000, seconds=offset)
        original = _republished(corpus, start + offset)
        source = statement_id(f"https://un.example/{original}") if original is not None else None
        found.append((statement, replace(capture, fetched_at=fetched), body, source))
    return found


def _republished(corpus: scale_bench.Corpus, index: int) -> int | None:
    """The earlier statement bench/scale.py's statement `index` republishes (as its
    `_content` draws it), or None."""
    rng = random.Random(index)
    if index > len(corpus.base) + 1 and rng.random() < 0.1:
        return rng.randrange(len(corpus.base), index)
    return None


def _progress(done: int, total: int, _: str) -> None:
    """A line on stderr every 50,000 statements relinked: CPU so far of this process and of
    its live workers, per statement (does it stay flat as the archive grows?)."""
    if done % 50_000 < 2_000 or done == total:
        main, workers = cpu_s()[0], _workers_cpu_s()
        each = (main + workers) / max(done, 1) * 1000
        print(
            f"{time.strftime('%H:%M:%S')} relinked {done:,} of {total:,}; CPU main {main:.0f} s,"
            f" workers {workers:.0f} s: {each:.2f} ms a statement; load {os.getloadavg()[0]:.1f}",
            file=sys.stderr,
        )


def _workers_cpu_s() -> float:
    """CPU seconds of this process's live children (the relink's workers), from /proc."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0.0
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # ended meanwhile
                continue
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def store_scale(
    shared: Path,
    path: Path,
    size: int,
    add: int,
    processes: int,
    from_scale: bool = False,
    relinking: bool = True,
    batch: int = 1,
    warm: bool = False,
) -> dict[str, float]:
    """`relink` of a SQLite archive (unless not `relinking`: linked before), then `add`
    statements linked `batch` at a time as on ingest (new synthetic ones, or with
    `from_scale` the next ones of bench/scale.py's generator): `added`, on the archive file
    read once first when `warm` (in the page cache, as a running ingest finds it)."""
    if not path.exists():  # built in another process, whose memory is not this bench's
        builder = multiprocessing.get_context("spawn").Process(
            target=build_archive, args=(shared, path, size)
        )
        builder.start()
        builder.join()
    store = open_store(str(path))
    gc.collect()
    before = peak_mb(workers=False)
    start, cpu = time.perf_counter(), cpu_s()
    copies, statements = relink(store, _progress, processes) if relinking else (0, 0)
    took, used = time.perf_counter() - start, cpu_s()
    made = (scale_additions if from_scale else synthetic_additions)(store, shared, add)
    if warm:
        read_through(path)
    added = add_statements(store, made, batch) | {"warm": float(warm)}
    store.close()
    if not relinking:
        return added | {"peak MB": peak_mb(workers=False)}
    return {
        "statements": copies,
        "linked into": statements,
        "relink s": took,
        "per 1k s": took / copies * 1000,
        "cpu s": used[1] - cpu[1],
        "main cpu s": used[0] - cpu[0],
        "peak MB": peak_mb(),
        "MB over start": peak_mb(workers=False) - before,
    } | added


def read_through(path: Path) -> None:
    """Read a file once, so that the OS keeps its pages (as far as memory allows)."""
    with path.open("rb", buffering=0) as file:
        while file.read(16 << 20):
            pass


def add_statements(store: Store, made: list[Addition], batch: int) -> dict[str, float]:
    """Store `made` as ingest does, then link them `batch` at a time (`link_statements`, as
    ingest links `Settings.link_batch` statements), timed: wall and CPU of this thread,
    writes and commits included, and CPU of the process (the WAL's checkpoint thread too).
    The statements are stored first, and the search index brought up to date then (by the
    end of that store batch), so that no indexing thread of tantivy's runs while the linking
    is timed (`time.process_time` would count it)."""
    with store.batch():
        for statement, capture, body, _ in made:
            store.put_capture(capture, body)
            store.put_statement(statement, capture)
            store.mark_processed(capture.id, PIPELINE_VERSION)
    gc.collect()
    links: list[CopyLink | None] = []
    wall, cpu, process = time.perf_counter(), time.thread_time(), time.process_time()
    with store.batch():  # as ingest writes: a commit a second, not one per statement
        for start in range(0, len(made), batch):
            chunk = made[start : start + batch]
            stored = [(store.get_statement(s.id), c.fetched_at) for s, c, _, _ in chunk]
            links += link_statements(store, stored, {})
        store.pause()  # the last commit is part of the adding
        wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
        process = time.process_time() - process
    found, republished = 0, 0
    for (_, _, _, original), link in zip(made, links, strict=True):
        if original is not None:
            group = store.get_copy(original)
            republished += 1
            found += link is not None and group is not None and link.group_id == group.group_id
    return {
        "link batch": batch,
        "add 1k s": wall / len(made) * 1000,
        "add 1k cpu s": cpu / len(made) * 1000,
        "add 1k process cpu s": process / len(made) * 1000,
        "added copies found": found / republished if republished else 1.0,
    }


ALONE = "series pairs alone (two kremlin.ru items of one kind, no third text)"


def pairs_alone(shared: Path) -> Rows:
    """Every two undated kremlin.ru items of one kind (the first two words of their
    headline: weekly meetings, phone calls, meetings with ...) linked with no other text,
    by half of the kind: how many pairs became one statement (all should stay apart)."""
    kinds: dict[str, list[str]] = defaultdict(list)
    for base in undated_kremlin(shared):
        kinds[" ".join(base.title.split()[:2])].append("\n\n".join(base.paragraphs))
    rows: Rows = {half: {"pairs": 0, "merged": 0} for half in ("dev", "holdout")}
    for kind, texts in kinds.items():
        row = rows[half_of(kind)]
        for one, other in itertools.combinations(texts, 2):
            row["pairs"] += 1
            row["merged"] += len(set(duplicates.link_all([("a", one), ("b", other)]).values())) == 1
    return rows


UNGDC_ALONE = (
    "series pairs alone (UN General Debate, no rule written on it: one country's speeches,"
    " one year's; one frame around another topic, or with it last)"
)


def ungdc_alone(shared: Path) -> Rows:
    """`ungdc_series` pairs linked with no other text, by kind and half: how many became
    one statement (all should stay apart), and how many `verify` kept apart by the series
    rule alone (`MIN_REWRITTEN`: they pass containment and coverage, with no swap)."""
    rows: Rows = {}
    for pair in ungdc_series(shared):
        row = rows.setdefault(
            f"{pair.kind} {pair.half}", {"pairs": 0, "merged": 0, "series rule": 0}
        )
        row["pairs"] += 1
        linked = duplicates.link_all([("a", pair.first), ("b", pair.second)])
        row["merged"] += len(set(linked.values())) == 1
        verdict = duplicates.verify(pair.first, pair.second)
        row["series rule"] += (
            not verdict.same
            and verdict.rewritten > 0
            and not verdict.swaps
            and verdict.containment >= duplicates.MIN_CONTAINMENT
            and verdict.coverage >= duplicates.MIN_COVERAGE
        )
    return dict(sorted(rows.items()))


STORE = "relink through the store (SQLite)"


SERIES = "linking quality (series: kremlin.ru items without their dated header)"
QUALITY_COLUMNS = ("texts", "true pairs", "precision", "recall", "template merges")
SPEED_COLUMNS = (
    "statements",
    "link s",
    "per 1k s",
    "cpu s",
    "main cpu s",
    "add 1k s",
    "peak MB",
    "MB over start",
    "copies found",
    "verified a statement",
)


def rows_table(title: str, first: str, rows: Rows, columns: Sequence[str] = ()) -> Table:
    """A table of named rows; `columns` (default: those of the first row) in that order."""
    columns = columns or list(next(iter(rows.values())))
    table = Table(title=title)
    for column in (first, *columns):
        table.add_column(column, justify="right")
    for name, row in rows.items():
        table.add_row(name, *(_cell(row[c]) for c in columns))
    return table


def _cell(value: float) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--sizes", default="10000,30000,100000")
    parser.add_argument("--add", type=int, default=1000)
    parser.add_argument("--processes", type=int, default=2, help="signing workers (0: none)")
    parser.add_argument("--no-scale", action="store_true")
    parser.add_argument(
        "--store",
        type=Path,
        help="relink this SQLite archive (built from --sizes' first size when missing)",
    )
    parser.add_argument(
        "--scale-archive",
        action="store_true",
        help="--store was built by bench/scale.py: add the next statements of its generator",
    )
    parser.add_argument(
        "--no-relink", action="store_true", help="--store is linked: only add statements to it"
    )
    parser.add_argument(
        "--link-batch",
        type=int,
        default=Settings().link_batch,
        help="statements added to --store linked together (ingest's link_batch; 1: one by one)",
    )
    parser.add_argument(
        "--warm",
        action="store_true",
        help="read --store's file once before adding (a running ingest's page cache)",
    )
    parser.add_argument("--no-translations", action="store_true")
    parser.add_argument("--no-quality", action="store_true", help="skip the copies' quality")
    parser.add_argument("--verbose", action="store_true")
    baselines.add_argument(parser)
    args = parser.parse_args()
    console = Console(width=160)
    tables: list[Table] = []
    if not args.no_quality:
        texts = generate(args.shared)
        halves = {half: quality(texts, half, args.verbose) for half in ("dev", "holdout")}
        tables.append(rows_table("linking quality (copies)", "half", halves, QUALITY_COLUMNS))
        console.print(tables[0])
        texts = series(args.shared)
        halves = {half: quality(texts, half, args.verbose) for half in ("dev", "holdout")}
        tables.append(rows_table(SERIES, "half", halves, QUALITY_COLUMNS))
        console.print(tables[-1])
        tables.append(rows_table(ALONE, "half", pairs_alone(args.shared)))
        console.print(tables[-1])
        tables.append(rows_table(UNGDC_ALONE, "kind half", ungdc_alone(args.shared)))
        console.print(tables[-1])
        console.print("targets: precision >= 0.99, recall >= 0.95, template merges 0")
    if not args.no_translations:
        rows: Rows = {}
        languages: Rows = {}
        for half in ("dev", "holdout"):
            found, per_language = translation_quality(half)
            rows |= found
            languages |= {f"{half} {language}": row for language, row in per_language.items()}
        tables += [
            rows_table(TRANSLATIONS, "half method source", rows, TRANSLATION_COLUMNS),
            rows_table(LANGUAGES, "half language", languages),
        ]
        console.print(*tables[-2:])
    if args.store:
        size = int(args.sizes.split(",")[0])
        found = store_scale(
            args.shared,
            args.store,
            size,
            args.add,
            args.processes,
            args.scale_archive,
            not args.no_relink,
            args.link_batch,
            args.warm,
        )
        tables.append(rows_table(STORE, "archive", {args.store.name: found}))
        console.print(tables[-1], f"load average {os.getloadavg()}")
        console.print("targets: 1M in < 600 s on 2 cores, < 4096 MB; add 1k to 1M < 5 s")
    if not args.no_scale:
        speeds: dict[str, dict[str, float]] = {}
        for size in (int(s) for s in args.sizes.split(",")):
            speeds[f"{size // 1000}k"] = scale(args.shared, size, args.add, args.processes)
            console.print(rows_table(SPEED, "archive", speeds, SPEED_COLUMNS))
        tables.append(rows_table(SPEED, "archive", speeds, SPEED_COLUMNS))
        console.print("targets: 1M in < 600 s on 2 cores, < 4096 MB; add 1k to 1M < 5 s")
    baselines.report(console, "link", tables, save=args.save_baseline)


if __name__ == "__main__":
    main()
