"""Nothing lost: an ingest or reprocess killed at any moment, then run again, leaves exactly
the archive a clean run leaves; its workers die with it.

Real `communique` processes are started and killed (SIGKILL, SIGTERM) once the archive holds
a given number of captures; the counts and ids of the rerun are compared with a clean run.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from communique.model import IngestReport
from communique.pipeline import ingest
from communique.settings import Settings
from communique.store.base import Store, open_store
from tests.conftest import shared_path

ROOT = Path(__file__).resolve().parents[1]
RECORDS = 24
LINK_BATCH = 3
"""Statements a killed run stores and links together: with its default (256) the 24 inputs
would be one batch and every kill would land before or after all of them; with 3, a kill
once some captures are written lands inside a batch (its captures written, its statements,
links or marks not), or between two."""


def communique(
    *args: str, workers: int = 1, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """A `communique` process of this checkout, enrichment off (the kill points are in storing)
    and statements linked `LINK_BATCH` at a time, with `env` added to its environment."""
    environment = os.environ | {
        "PYTHONPATH": str(ROOT / "src"),
        "COMMUNIQUE_ENRICH": "off",
        "COMMUNIQUE_WORKERS": str(workers),
        "COMMUNIQUE_LINK_BATCH": str(LINK_BATCH),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "communique", *args],
        env=environment | (env or {}),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def finish(process: subprocess.Popen[bytes]) -> None:
    _, errors = process.communicate(timeout=600)
    assert process.returncode == 0, errors.decode()


def count(db: Path, table: str) -> int:
    """Rows in `table`, read without disturbing the writer (0 before the table exists)."""
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
            return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def kill_when(
    process: subprocess.Popen[bytes], db: Path, table: str, rows: int, sig: int, running: str = ""
) -> None:
    """Send `sig` once `table` holds `rows` rows (and `running` one, if named), or the
    process ended on its own. `running` is read first: the rows read after it are those of
    the run it names (a reprocess clears `processed` as it marks itself running)."""
    while process.poll() is None and (
        (running and count(db, running) == 0) or count(db, table) < rows
    ):
        time.sleep(0.01)
    process.send_signal(sig)
    process.wait(timeout=600)


def archive(db: Path, linked: bool = True) -> dict[str, object]:
    """What must be the same after a clean run and after an interrupted one and its rerun:
    the links too, unless not `linked` (a bulk load links nothing)."""
    with sqlite3.connect(db) as conn:

        def rows(sql: str) -> list[tuple[object, ...]]:
            return sorted(conn.execute(sql).fetchall())

        links = {
            "links": rows("SELECT statement_id, group_id, kind, exact_key FROM link_copies"),
            "groups": rows("SELECT id, canonical, copies FROM statement_groups"),
            "translations": rows("SELECT group_id, other_group, language FROM translations"),
        }
        return {
            "captures": rows("SELECT id, sha256 FROM captures"),
            "statements": rows("SELECT id, capture_ids, pipeline_version FROM statements"),
            "texts": rows(
                "SELECT s.id, length(t.text), t.title FROM statements s"
                " JOIN statement_texts t ON t.rowid = s.rowid"
            ),
            "versions": rows("SELECT statement_id, capture_id FROM versions"),
            "failures": rows("SELECT key, reason FROM failures"),
            "processed": rows("SELECT capture_id, pipeline_version FROM processed"),
            "reprocess_pending": rows("SELECT count(*) FROM reprocess_pending"),
        } | (links if linked else {})


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first speeches of the UN General Debate corpus, as a JSONL file."""
    source = shared_path("corpora", "ungdc_2020_2024.jsonl")
    path = tmp_path_factory.mktemp("corpus") / "ungdc.jsonl"
    with source.open("rb") as lines:
        path.write_bytes(b"".join(next(lines) for _ in range(RECORDS)))
    return path


@pytest.fixture(scope="module")
def clean(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The archive an uninterrupted ingest leaves."""
    db = tmp_path_factory.mktemp("clean") / "clean.db"
    finish(communique("ingest", str(corpus), "--db", str(db)))
    assert count(db, "statements") == RECORDS
    return db


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "term"])
@pytest.mark.parametrize("rows", [1, 9, RECORDS - 2])
def test_an_ingest_killed_then_rerun_gives_the_clean_archive(
    corpus: Path, clean: Path, tmp_path: Path, rows: int, sig: int
) -> None:
    db = tmp_path / "k.db"
    kill_when(communique("ingest", str(corpus), "--db", str(db)), db, "captures", rows, sig)
    assert count(db, "captures") >= rows
    finish(communique("ingest", str(corpus), "--db", str(db)))
    assert archive(db) == archive(clean)


@pytest.mark.parametrize("table", ["captures", "statements", "processed"])
def test_a_bulk_load_killed_then_rerun_gives_the_clean_archive(
    corpus: Path, clean: Path, tmp_path: Path, table: str
) -> None:
    """Without linking, captures, statements and marks are each written a chunk at a time."""
    db = tmp_path / "b.db"
    bulk = {"COMMUNIQUE_LINK": "off"}
    load = communique("ingest", str(corpus), "--db", str(db), env=bulk)
    kill_when(load, db, table, 1, signal.SIGKILL)
    finish(communique("ingest", str(corpus), "--db", str(db), env=bulk))
    assert archive(db, linked=False) == archive(clean, linked=False)


class Cut(Exception):
    """Stands for a crash at one write of a load (what was written before it is kept)."""


def cut_at(store: Store, write: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make `store`'s method `write` fail: the load stops there, with every earlier write
    committed (a batch commits what it holds as it ends)."""

    def fail(*args: object, **kwargs: object) -> None:
        raise Cut(write)

    monkeypatch.setattr(store, write, fail)


def loaded(corpus: Path, db: Path, workers: int = 2, store: Store | None = None) -> IngestReport:
    """A bulk load of `corpus` into `db` (linking and enrichment off), in this process."""
    settings = Settings(db=str(db), enrich=False, link=False, workers=workers)
    opened = store or open_store(str(db))
    try:
        return ingest([str(corpus)], opened, settings)
    finally:
        opened.close()


@pytest.mark.parametrize("write", ["put_captures", "put_statements", "mark_all_processed"])
def test_a_load_cut_at_any_of_its_writes_is_completed_by_the_rerun(
    corpus: Path, clean: Path, tmp_path: Path, write: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The captures (packed by the workers) are written with what is derived from them, and
    the processed marks last: a load cut at any of these writes leaves nothing a rerun skips."""
    db = tmp_path / "cut.db"
    store = open_store(str(db))
    cut_at(store, write, monkeypatch)
    with pytest.raises(Cut):
        loaded(corpus, db, store=store)
    assert count(db, "processed") == 0 and count(db, "statements") <= RECORDS
    loaded(corpus, db)
    assert archive(db, linked=False) == archive(clean, linked=False)
    store = open_store(str(db))
    try:  # the bodies packed in the workers are the bytes read
        for capture in store.iter_captures():
            assert hashlib.sha256(store.capture_body(capture.id)).hexdigest() == capture.sha256
    finally:
        store.close()


def test_a_record_twice_in_one_load_is_one_capture_written_once(
    corpus: Path, tmp_path: Path
) -> None:
    """A repeat of an input read before its capture is written is not new: stored once."""
    record = json.loads(corpus.read_bytes().splitlines()[0])
    first = (json.dumps({**record, "url": "https://un.example/debate/75/afg"}) + "\n").encode()
    twice = tmp_path / "twice.jsonl"
    twice.write_bytes(first + first)
    db = tmp_path / "twice.db"
    report = loaded(twice, db, workers=1)
    assert (report.new_captures, report.redone, report.statements) == (1, 1, 2)
    assert count(db, "captures") == 1 and count(db, "statements") == 1
    store = open_store(str(db))
    try:
        [capture] = list(store.iter_captures())
        assert store.capture_body(capture.id) == first.strip()
    finally:
        store.close()


@pytest.mark.parametrize("rows", [1, RECORDS // 2])
def test_a_killed_reprocess_is_resumed_by_the_next(clean: Path, tmp_path: Path, rows: int) -> None:
    db = tmp_path / "r.db"
    shutil.copy(clean, db)
    reprocess = communique("reprocess", "--db", str(db))
    kill_when(reprocess, db, "processed", rows, signal.SIGKILL, running="reprocess_pending")
    assert count(db, "reprocess_pending") == 1 and count(db, "statements") < RECORDS
    finish(communique("reprocess", "--db", str(db)))
    assert archive(db) == archive(clean)


@pytest.mark.parametrize("command", ["ingest", "reprocess"])
def test_sigterm_says_what_was_stored_and_exits_non_zero(
    corpus: Path, clean: Path, tmp_path: Path, command: str
) -> None:
    db = tmp_path / "t.db"
    args = [command, str(corpus)] if command == "ingest" else [command]
    if command == "reprocess":
        shutil.copy(clean, db)
    process = communique(*args, "--db", str(db), workers=2)
    running = "reprocess_pending" if command == "reprocess" else ""
    kill_when(process, db, "processed", 2, signal.SIGTERM, running=running)
    errors = process.stderr.read().decode() if process.stderr else ""
    assert process.returncode == 130, errors
    last = errors.strip().splitlines()[-1]
    match = re.fullmatch(r"interrupted: (\d+) inputs stored, rerun the same command to \w+", last)
    assert match, errors
    assert 0 < int(match[1]) <= RECORDS  # a signal late in the run may find every input stored
    finish(communique(*args, "--db", str(db)))
    assert archive(db) == archive(clean)


def test_two_ingests_at_once_give_what_one_after_the_other_gives(
    corpus: Path, tmp_path: Path
) -> None:
    lines = corpus.read_bytes().splitlines(keepends=True)
    halves = [tmp_path / "a.jsonl", tmp_path / "b.jsonl"]
    for i, half in enumerate(halves):
        half.write_bytes(b"".join(lines[i::2]))
    one_by_one = tmp_path / "one.db"
    for half in halves:
        finish(communique("ingest", str(half), "--db", str(one_by_one)))
    db = tmp_path / "two.db"
    both = [communique("ingest", str(half), "--db", str(db)) for half in halves]
    for process in both:
        _, errors = process.communicate(timeout=600)
        assert process.returncode == 0 and b"locked" not in errors, errors.decode()
    assert archive(db) == archive(one_by_one)


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "term"])
def test_workers_die_with_their_ingest(corpus: Path, tmp_path: Path, sig: int) -> None:
    db = tmp_path / "w.db"
    process = communique("ingest", str(corpus), "--db", str(db), workers=2)
    while process.poll() is None and count(db, "statements") < 1:
        time.sleep(0.01)
    started = children(process.pid)  # the workers and multiprocessing's resource tracker
    assert len(started) >= 2
    process.send_signal(sig)
    process.wait(timeout=600)
    deadline = time.monotonic() + 120  # a bound on the wait, not a speed assertion
    while any(alive(pid) for pid in started) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [pid for pid in started if alive(pid)] == []
