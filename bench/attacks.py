"""Issue 11's attacks and interruptions, run on this checkout with real `communique` processes.

Run (as root for the tmpfs rows): .venv/bin/python bench/attacks.py [--records 24] [--only A,B]
Each row runs one attack and compares what it left with what a clean run leaves (ids and
counts, `tests.test_interrupt.archive`), or checks the one-line error and exit status. The
table is docs/hardening.md's; the bombs have their own script (bench/bombs.py). Seconds are
a rough guide only: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import baselines
from tests.conftest import shared_path
from tests.test_interrupt import alive, archive, children, communique, count, kill_when

Attack = Callable[[Path], tuple[bool, str]]


def run(*args: str, env: dict[str, str] | None = None, workers: int = 1) -> tuple[int, str]:
    """Exit status and stderr of one `communique` process."""
    process = communique(*args, env=env, workers=workers)
    _, errors = process.communicate(timeout=3600)
    return process.returncode, errors.decode(errors="replace")


def one_line(errors: str) -> str:
    """The last non-empty line of stderr, cut for the table."""
    lines = [line for line in errors.splitlines() if line.strip()]
    return lines[-1].strip()[:90] if lines else ""


class Corpus:
    """The first `records` speeches of the UN General Debate corpus, and their clean archive."""

    def __init__(self, folder: Path, records: int) -> None:
        self.folder = folder
        self.path = folder / "ungdc.jsonl"
        with shared_path("corpora", "ungdc_2020_2024.jsonl").open("rb") as lines:
            self.path.write_bytes(b"".join(next(lines) for _ in range(records)))
        self.records = records
        self.clean = folder / "clean.db"
        status, errors = run("ingest", str(self.path), "--db", str(self.clean))
        assert status == 0, errors
        self.expected = archive(self.clean)

    def same(self, db: Path) -> tuple[bool, str]:
        got = archive(db)
        lost = size(self.expected, "statements") - size(got, "statements")
        same = got == self.expected
        ids = "=" if same else "≠ (" + ", ".join(k for k in got if got[k] != self.expected[k]) + ")"
        return same, f"{size(got, 'statements')} statements, {lost} lost, ids {ids} clean"


def size(found: dict[str, object], key: str) -> int:
    """The number of rows under `key` of an `archive()`."""
    rows = found[key]
    return len(rows) if isinstance(rows, list) else 0


def killed_ingest(corpus: Corpus, sig: int, table: str, at: int) -> Attack:
    def attack(folder: Path) -> tuple[bool, str]:
        db = folder / "k.db"
        process = communique("ingest", str(corpus.path), "--db", str(db), workers=2)
        kill_when(process, db, table, at, sig)
        status_after = process.returncode
        stored = count(db, "statements")
        status, _ = run("ingest", str(corpus.path), "--db", str(db))
        same, detail = corpus.same(db)
        return same and status == 0, f"exit {status_after} at {stored} stored; rerun: {detail}"

    return attack


def killed_reprocess(corpus: Corpus, sig: int, at: int) -> Attack:
    def attack(folder: Path) -> tuple[bool, str]:
        db = folder / "r.db"
        shutil.copy(corpus.clean, db)
        process = communique("reprocess", "--db", str(db), workers=2)
        kill_when(process, db, "processed", at, sig, running="reprocess_pending")
        left = count(db, "statements")
        status, _ = run("reprocess", "--db", str(db))
        same, detail = corpus.same(db)
        return same and status == 0, f"{left} statements left; rerun: {detail}"

    return attack


def sigterm_message(corpus: Corpus) -> Attack:
    def attack(folder: Path) -> tuple[bool, str]:
        db = folder / "t.db"
        process = communique("ingest", str(corpus.path), "--db", str(db), workers=2)
        kill_when(process, db, "processed", corpus.records // 3, signal.SIGTERM)
        errors = process.stderr.read().decode() if process.stderr else ""
        line = one_line(errors)
        ok = process.returncode == 130 and bool(re.fullmatch(r"interrupted: \d+ inputs .*", line))
        return ok, f"exit {process.returncode}: {line}"

    return attack


def orphans(corpus: Corpus, sig: int) -> Attack:
    def attack(folder: Path) -> tuple[bool, str]:
        db = folder / "w.db"
        process = communique("ingest", str(corpus.path), "--db", str(db), workers=2)
        while process.poll() is None and count(db, "statements") < 1:
            time.sleep(0.01)
        started = children(process.pid)
        process.send_signal(sig)
        process.wait(timeout=600)
        waited = time.monotonic()
        while any(alive(pid) for pid in started) and time.monotonic() - waited < 120:
            time.sleep(0.1)
        left = [pid for pid in started if alive(pid)]
        return not left, f"{len(started)} children; {len(left)} alive after the parent died"

    return attack


def mounted(folder: Path, size: str) -> Path:
    disk = folder / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(disk)], check=True)
    return disk


def full_disk(corpus: Corpus) -> Attack:
    def attack(folder: Path) -> tuple[bool, str]:
        disk = mounted(folder, "64m")
        try:
            run("stats", "--db", str(disk / "k.db"))  # an empty archive, then the disk fills
            free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
            files = [p for p in corpus.folder.rglob("clean.db*") if p.is_file()]
            room = sum(p.stat().st_size for p in files) // 2
            (disk / "filler").write_bytes(bytes(max(free - room, 0)))  # room for half of it
            status, errors = run("ingest", str(corpus.path), "--db", str(disk / "k.db"))
            stored = count(disk / "k.db", "statements")
            moved = folder / "moved"
            moved.mkdir()
            for part in disk.glob("k.db*"):  # the same archive, given room
                if part.is_dir():
                    shutil.copytree(part, moved / part.name)
                else:
                    shutil.copy(part, moved / part.name)
        finally:
            subprocess.run(["umount", "-l", str(disk)], check=False)
        run("ingest", str(corpus.path), "--db", str(moved / "k.db"))
        same, detail = corpus.same(moved / "k.db")
        clear = status == 1 and "Traceback" not in errors
        said = one_line(errors).split(": ", 2)[-1]
        return clear and same, f"exit {status} at {stored} stored: {said}; rerun: {detail}"

    return attack


def read_only(corpus: Corpus) -> Attack:
    def attack(folder: Path) -> tuple[bool, str]:
        disk = mounted(folder, "64m")
        try:
            db = disk / "ro.db"
            shutil.copy(corpus.clean, db)
            run("stats", "--db", str(db))
            subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
            searched, found = run("search", "peace", "--db", str(db))
            status, errors = run("ingest", str(corpus.path), "--db", str(db))
        finally:
            subprocess.run(["umount", "-l", str(disk)], check=False)
        ok = searched == 0 and status == 1 and "Traceback" not in errors
        return (
            ok,
            f"search exit {searched} ({one_line(found)}); ingest exit {status}: {one_line(errors)}",
        )

    return attack


def queries(folder: Path) -> tuple[bool, str]:
    from fastapi.testclient import TestClient

    from communique.api.app import create_app
    from communique.settings import Settings

    db = folder / "q.db"
    shutil.copy(CORPUS.clean, db)
    client = TestClient(create_app(Settings(db=str(db))), base_url="http://localhost")
    results = []
    for label, q in [
        ("'peace' ×300 (1.8 KB)", " ".join(["peace"] * 300)),
        ("'peace' ×2000 (12 KB)", " ".join(["peace"] * 2000)),
        ("300 distinct words", " ".join(f"w{i}" for i in range(300))),
        ("NUL byte", "peace\x00talks"),
    ]:
        started = time.monotonic()
        search = client.get("/api/v1/search", params={"q": q})
        export = client.get("/api/v1/export", params={"q": q})
        seconds = time.monotonic() - started
        said = search.json().get("message", "") if search.status_code == 400 else ""
        results.append((label, search.status_code, export.status_code, seconds, said[:40]))
    ok = results[0][1] == results[0][2] == 200 and all(r[1] == r[2] == 400 for r in results[1:])
    return ok, "; ".join(f"{label}: {s}/{e} {m} {t:.1f} s" for label, s, e, t, m in results)


def round_trip(folder: Path) -> tuple[bool, str]:
    inputs = folder / "in"
    inputs.mkdir()
    (inputs / "s.html").write_bytes(
        b"<html><head><title>Statement on the talks</title></head><body><h1>Statement on the"
        b" talks</h1><p>The Ministry of Foreign Affairs welcomes the talks held in Geneva and"
        b" calls on all parties to respect the ceasefire agreed last week.</p></body></html>"
    )
    (inputs / "t.txt").write_text(
        "Press release on the visit\n\nThe Minister received the delegation and discussed"
        " cooperation in trade, energy and culture between the two countries.\n"
    )
    record = {"title": "Joint communique", "text": "Both sides agreed to meet again. " * 8}
    (inputs / "r.jsonl").write_text(json.dumps(record) + "\n")
    shutil.copy(CORPUS.path, inputs / "ungdc.jsonl")
    first, second = folder / "a.db", folder / "b.db"
    run("ingest", str(inputs), "--db", str(first))
    run("export-warc", str(folder / "out.warc.gz"), "--db", str(first))
    status, _ = run("ingest", str(folder / "out.warc.gz"), "--db", str(second))
    a, b = archive(first), archive(second)
    same = a["captures"] == b["captures"] and a["statements"] == b["statements"]
    out, back = size(a, "captures"), size(b, "captures")
    ids = "=" if same else "≠"
    return same and status == 0, f"{out} captures out, {back} back, captures and statements {ids}"


def exit_codes(folder: Path) -> tuple[bool, str]:
    bad = folder / "bad.jsonl"
    bad.write_text("{oops\n[1]\n")
    mixed = folder / "mixed.jsonl"
    mixed.write_bytes(CORPUS.path.read_bytes().splitlines(keepends=True)[0] + b"{oops\n")
    codes = [
        run("ingest", str(p), "--db", str(folder / f"{i}.db"))[0]
        for i, p in enumerate([bad, mixed, CORPUS.path])
    ]
    private, _ = run("ingest", "http://127.0.0.1:9/x", "--db", str(folder / "p.db"))
    ok = codes == [1, 3, 0] and private == 1
    return ok, f"all/some/none failed: {codes}; SSRF-refused URL: exit {private}"


def bad_byte(folder: Path) -> tuple[bool, str]:
    page = (
        "<html><head><meta charset='utf-8'><title>Statement on Şuşa</title></head><body>"
        "<h1>Statement on Şuşa</h1><p>The Ministry condemns the shelling of Şuşa and Ağdam"
        " and calls for restraint from all sides.</p></body></html>"
    ).encode()
    cut = page.index(b"condemns")
    path = folder / "bad.html"
    path.write_bytes(page[:cut] + b"\xff" + page[cut:])
    from datetime import UTC, datetime

    from communique.extract import extract
    from communique.model import RawInput

    raw = RawInput(path.as_uri(), path.read_bytes(), "text/html", str(path), datetime.now(UTC))
    result = extract(raw)
    text = getattr(result, "text", "")
    ok = "Şuşa" in text and "Ağdam" in text and "┼" not in text
    warnings = getattr(result, "warnings", ())
    return ok, f"'Şuşa', 'Ağdam' kept: {ok}; {text.count(chr(0xFFFD))} U+FFFD; warnings {warnings}"


def serve_sigterm(folder: Path) -> tuple[bool, str]:
    port = 8700 + os.getpid() % 200
    process = communique("serve", "--db", str(CORPUS.clean), "--port", str(port))
    while process.poll() is None and not answers(f"http://127.0.0.1:{port}/api/v1/stats"):
        time.sleep(0.5)  # until it answers: a signal before would find no handler yet
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=120)
    seconds = time.monotonic() - started
    return (
        process.returncode is not None,
        f"exit {process.returncode} {seconds:.1f} s after SIGTERM",
    )


def answers(url: str) -> bool:
    import httpx

    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def two_ingests(folder: Path) -> tuple[bool, str]:
    """Two halves of the corpus ingested at once into one archive, against the same two
    ingested one after the other (a capture's id names its file)."""
    lines = CORPUS.path.read_bytes().splitlines(keepends=True)
    a, b = folder / "a.jsonl", folder / "b.jsonl"
    a.write_bytes(b"".join(lines[::2]))
    b.write_bytes(b"".join(lines[1::2]))
    one_by_one = folder / "one.db"
    for half in (a, b):
        run("ingest", str(half), "--db", str(one_by_one))
    db = folder / "two.db"
    first = communique("ingest", str(a), "--db", str(db))
    second = communique("ingest", str(b), "--db", str(db))
    errors = [p.communicate(timeout=3600)[1].decode() for p in (first, second)]
    got, expected = archive(db), archive(one_by_one)
    same = got == expected
    locked = any("locked" in e for e in errors)
    ids = "=" if same else "≠ (" + ", ".join(k for k in got if got[k] != expected[k]) + ")"
    return same and not locked, (
        f"exits {first.returncode}/{second.returncode}; {size(got, 'statements')} statements,"
        f" ids {ids} one after the other; 'locked' in stderr: {locked}"
    )


CORPUS: Corpus


def main() -> None:
    global CORPUS
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=24, help="Speeches in the corpus.")
    baselines.add_argument(parser)
    parser.add_argument(
        "--only",
        default="",
        help="Only the rows whose name has one of these comma-separated texts.",
    )
    args = parser.parse_args()
    table = Table(title=f"issue 11 attacks on {args.records} UN General Debate speeches")
    for column in ("attack", "held", "result", "s"):
        table.add_column(column)
    with tempfile.TemporaryDirectory() as folder:
        CORPUS = Corpus(Path(folder), args.records)
        third, k, t = args.records // 3, signal.SIGKILL, signal.SIGTERM
        attacks: dict[str, Attack] = {
            "kill -9 ingest, first capture": killed_ingest(CORPUS, k, "captures", 1),
            "kill -9 ingest, 1/3 stored": killed_ingest(CORPUS, k, "statements", third),
            "kill -9 ingest, 2/3 stored": killed_ingest(CORPUS, k, "statements", 2 * third),
            "SIGTERM ingest, first capture": killed_ingest(CORPUS, t, "captures", 1),
            "SIGTERM ingest, 2/3 stored": killed_ingest(CORPUS, t, "statements", 2 * third),
            "SIGTERM ingest message": sigterm_message(CORPUS),
            "kill -9 reprocess, 1 redone": killed_reprocess(CORPUS, k, 1),
            "kill -9 reprocess, 1/2 redone": killed_reprocess(CORPUS, k, args.records // 2),
            "SIGTERM reprocess, 1/3 redone": killed_reprocess(CORPUS, t, third),
            "workers after kill -9": orphans(CORPUS, k),
            "workers after SIGTERM": orphans(CORPUS, t),
            "full disk (tmpfs, room for half)": full_disk(CORPUS),
            "read-only archive (ro tmpfs)": read_only(CORPUS),
            "two ingests into one archive": two_ingests,
            "huge and NUL queries (API)": queries,
            "export-warc round trip": round_trip,
            "exit statuses": exit_codes,
            "one bad byte in a UTF-8 page": bad_byte,
            "serve on SIGTERM": serve_sigterm,
        }  # fmt: skip
        for name, attack in attacks.items():
            if args.only and not any(part in name for part in args.only.split(",")):
                continue
            started = time.monotonic()
            with tempfile.TemporaryDirectory(dir=folder) as own:
                try:
                    held, result = attack(Path(own))
                except Exception as exc:  # a broken row is reported, the others still run
                    held, result = False, f"error: {exc!r}"[:200]
            seconds = time.monotonic() - started
            table.add_row(name, "1/1" if held else "0/1", result, f"{seconds:.0f}")
            print(f"{name} | {'yes' if held else 'NO'} | {result} | {seconds:.0f}", flush=True)
    console = Console(width=220)
    console.print(table)
    baselines.report(console, "attacks", [table], args.save_baseline)
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
