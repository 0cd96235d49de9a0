"""A `communique relink` killed with SIGKILL after some of its batches, then run again, leaves
the link tables a clean relink leaves (SQLite and PostgreSQL).

The relink runs in its own process, with small batches (`archive.BATCH`) so that a small
archive takes many, and says on its output when it has written a batch (its links are
staged until its end, so the store does not show them); the test kills it once some batches
are written, and reruns it.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from communique.pipeline import ingest
from communique.settings import Settings
from communique.store.base import open_store
from communique.store.link_tables import LINK_TABLES, RELINK_INDEXES
from tests.conftest import shared_path
from tests.test_interrupt import alive, children, finish

ROOT = Path(__file__).resolve().parents[2]
BATCH = 10
"""Statements a relink links at a time here (the archive's are 2,000)."""
TEXTS = 120
"""Texts of the evaluation set in the archive: twelve batches, copies among them."""
RELINK = (
    "import sys\n"
    "from communique.link import archive\n"
    "archive.BATCH = int(sys.argv[1])\n"
    "archive.ALONE = int(sys.argv[2])\n"
    "applied = archive._Relinking._apply\n"
    "def _apply(self, batch):\n"
    "    applied(self, batch)\n"
    "    print('written', flush=True)\n"
    "archive._Relinking._apply = _apply\n"
    "from communique.cli import main\n"
    "sys.argv = ['communique', *sys.argv[3:]]\n"
    "main()\n"
)


def relink(url: str, workers: bool = False) -> subprocess.Popen[bytes]:
    """`communique relink` of the store at `url` in its own process, `BATCH` a batch, with
    worker processes (one per core) or none however small the archive; it writes a line
    "written" on its output after each batch."""
    environment = os.environ | {"PYTHONPATH": str(ROOT / "src")}
    alone = 0 if workers else TEXTS + 1
    return subprocess.Popen(
        [sys.executable, "-c", RELINK, str(BATCH), str(alone), "relink", "--db", url],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def rows(url: str, sql: str) -> list[tuple[object, ...]]:
    """The rows `sql` reads from the store at `url`, sorted, without disturbing a writer."""
    if url.startswith("postgresql"):
        with psycopg.connect(url, autocommit=True) as conn:
            return sorted(tuple(row) for row in conn.execute(sql).fetchall())
    with sqlite3.connect(f"file:{url}?mode=ro", uri=True, timeout=30) as db:
        return sorted(db.execute(sql).fetchall())


INDEXES = {
    "sqlite": "SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'index'",
    "postgresql": "SELECT tablename, indexname, indexdef FROM pg_indexes",
}


def links(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the link tables, the indexes on them and the unfinished work."""
    found = {table: rows(url, f"SELECT * FROM {table}") for table in LINK_TABLES}
    backend = "postgresql" if url.startswith("postgresql") else "sqlite"
    found["indexes"] = [row for row in rows(url, INDEXES[backend]) if row[0] in LINK_TABLES]
    found["unfinished"] = rows(url, "SELECT * FROM unfinished_work")
    return found


@pytest.fixture
def linked(store_url: str, tmp_path: Path) -> str:
    """A store of the evaluation set's first texts (kremlin.ru items and their
    republications), linked on ingest."""
    shared_path("corpora", "kremlin_ru_2025_sample.jsonl")
    sys.path.insert(0, str(ROOT / "bench"))
    from linkset import generate

    records = tmp_path / "texts.jsonl"
    texts = generate(corpora=("kremlin",))[:TEXTS]
    records.write_text(
        "".join(
            json.dumps({"url": f"https://example.org/{n}", "title": f"Item {n}", "text": t.text})
            + "\n"
            for n, t in enumerate(texts)
        ),
        encoding="utf-8",
    )
    store = open_store(store_url)
    ingest([str(records)], store, Settings(db=store_url, workers=0, enrich=False))
    assert store.stats().copies == TEXTS
    assert store.stats().statements < TEXTS  # republications are linked
    store.close()
    return store_url


def test_a_relink_killed_after_some_batches_is_finished_by_the_next(linked: str) -> None:
    finish(relink(linked))
    clean = links(linked)
    kill_after_batches(relink(linked), linked, clean)
    open_store(linked).close()  # as the next ingest does: the dropped indexes made again
    assert links(linked)["indexes"] == clean["indexes"]
    finish(relink(linked))
    assert links(linked) == clean


def test_a_store_opened_while_a_relink_runs_leaves_its_indexes_out(linked: str) -> None:
    """A relink holds a lock while it runs: a store opened meanwhile (an ingest) does not
    make the indexes it dropped; once the relink's process is gone, the next open does."""
    clean = links(linked)["indexes"]
    running = open_store(linked)
    running.start_relink()
    open_store(linked).close()
    dropped = links(linked)["indexes"]
    assert len(dropped) == len(clean) - len(RELINK_INDEXES)
    running.close()  # as when its process is killed: the lock is freed
    open_store(linked).close()
    assert links(linked)["indexes"] == clean


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_the_workers_of_a_killed_relink_die_with_it(linked: str) -> None:
    """Its worker processes (verifying candidates) do not outlive a relink killed by
    SIGKILL, and the rerun, with workers too, gives the clean links."""
    finish(relink(linked))
    clean = links(linked)
    process = relink(linked, workers=True)
    started = kill_after_batches(process, linked, clean)
    assert len(started) >= 2  # the workers and multiprocessing's resource tracker
    deadline = time.monotonic() + 120  # a bound on the wait, not a speed assertion
    while any(alive(pid) for pid in started) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [pid for pid in started if alive(pid)] == []
    finish(relink(linked, workers=True))
    assert links(linked) == clean


def kill_after_batches(
    process: subprocess.Popen[bytes], url: str, clean: dict[str, list[tuple[object, ...]]]
) -> list[int]:
    """Kill a relink by SIGKILL once it has written three batches; check it left the store
    unlinked and saying so. Returns the processes it had started."""
    assert clean["unfinished"] == []
    assert len(clean["link_copies"]) == TEXTS
    assert process.stdout is not None
    written = 0
    while written < 3 and process.stdout.readline() == b"written\n":
        written += 1
    started = children(process.pid)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=600)
    assert process.returncode == -signal.SIGKILL, "relink ended before it was killed"
    half = links(url)
    assert half["unfinished"] and half != clean
    assert half["link_copies"] == []  # cleared, and its links staged until its end
    return started
