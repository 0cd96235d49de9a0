"""Replay a relink worker's verification (`duplicates.first_copies`) on saved candidates.

Run: .venv/bin/python bench/verify_replay.py dump ARCHIVE OUT.pickle --at 300000 [--at 600000]
         [--batches 1]
     .venv/bin/python bench/verify_replay.py run OUT.pickle [--profile] [--repeat 3]
`dump` plans a relink of a SQLite archive up to statement `--at` (signing and candidates
only: plans do not depend on verdicts) and saves the next `--batches` batches' verification
work (each text with its candidates and neighbours apart) with every text it reads; given
several `--at`, one pass saves each point (OUT-300000.pickle...), and prints how often the
texts read as candidates until then were read (each by several later statements). `run`
times `first_copies` on it in this process (texts read from the pickle, not the store) and
prints the verdicts' digest, so that two versions of the code can be compared: a profiling
aid, not a bench (its input is a local dump, so it keeps no baseline).
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import os
import pickle
import pstats
import sys
import time
from collections import Counter
from pathlib import Path

from communique.link.archive import BATCH, _read_texts
from communique.link.duplicates import Linker, first_copies
from communique.link.signing import SignedBatch, Workers, pipelined, sign_arrays
from communique.store.base import links_of, open_store

Work = list[tuple[str, tuple[str, ...], tuple[str, ...]]]


def dump(archive: str, points: list[int], batches: int, out: Path) -> None:
    store = open_store(archive, read_only=True)
    links = links_of(store)
    order = [key for key, _ in links.link_order()][: max(points) + batches * BATCH]
    linker = Linker(lambda keys: [])
    saved: dict[int, list[Work]] = {at: [] for at in points}
    reads: Counter[str] = Counter()
    chunks = (order[i : i + BATCH] for i in range(0, len(order), BATCH))
    texts = ([(key, t.text) for key, t in zip(c, links.link_texts(c), strict=True)] for c in chunks)
    with Workers(2) as workers:
        for done, (items, signed) in enumerate(pipelined(sign_arrays, texts, _text, workers)):
            plans = linker.plan_batch([key for key, _ in items], SignedBatch.joined(signed))
            for at in points:
                if at <= done * BATCH < at + batches * BATCH:
                    if not saved[at]:
                        _print_reads(at, reads)
                    mine = dict(items)
                    saved[at].append([(mine[p.item], p.chosen, p.apart) for p in plans if p.chosen])
            reads.update(key for plan in plans for key in plan.chosen)
            if done % 25 == 0:
                print(f"{time.strftime('%H:%M:%S')} {done * BATCH}", file=sys.stderr, flush=True)
    for at, work in saved.items():
        wanted = sorted(
            {key for part in work for _, *near in part for keys in near for key in keys}
        )
        path = out if len(points) == 1 else out.with_stem(f"{out.stem}-{at}")
        with path.open("wb") as file:
            pickle.dump({"at": at, "work": work, "texts": _read_texts(links, wanted)}, file)
        print(f"{path}: {sum(map(len, work))} texts with candidates, {len(wanted)} texts read")


def _print_reads(at: int, reads: Counter[str]) -> None:
    """How often the texts read as candidates before statement `at` were read."""
    total = sum(reads.values())
    times = Counter(reads.values())
    spread = ", ".join(f"{n}: {times[n]}" for n in sorted(times)[:8])
    print(
        f"before {at}: {total} candidate reads of {len(reads)} texts"
        f" ({total / max(len(reads), 1):.2f} each; texts by reads {spread}...)",
        flush=True,
    )


def _text(item: tuple[str, str]) -> str:
    return item[1]


def run(saved: Path, profile: bool, repeat: int) -> None:
    data = pickle.loads(saved.read_bytes())
    texts = data["texts"]
    for work in data["work"]:
        jobs = [
            (text, [texts[k] for k in chosen], [texts[k] for k in apart])
            for text, chosen, apart in work
        ]
        times = []
        for _ in range(repeat):
            start = time.process_time()
            found = first_copies(jobs)
            times.append(time.process_time() - start)
        digest = hashlib.sha256(repr(found).encode()).hexdigest()[:16]
        linked = sum(f is not None for f in found)
        best = min(times)
        print(
            f"at {data['at']}: {len(jobs)} texts, {linked} copies, best {best:.3f} CPU s"
            f" ({1000 * best / BATCH:.3f} ms a statement of {BATCH}), all {times},"
            f" digest {digest}, load {os.getloadavg()[0]:.1f}"
        )
        if profile:
            profiler = cProfile.Profile()
            profiler.enable()
            first_copies(jobs)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    one = sub.add_parser("dump")
    one.add_argument("archive")
    one.add_argument("out", type=Path)
    one.add_argument("--at", type=int, action="append", required=True)
    one.add_argument("--batches", type=int, default=1)
    two = sub.add_parser("run")
    two.add_argument("saved", type=Path)
    two.add_argument("--profile", action="store_true")
    two.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.command == "dump":
        dump(args.archive, args.at, args.batches, args.out)
    else:
        run(args.saved, args.profile, args.repeat)


if __name__ == "__main__":
    main()
