"""Full and read-only disks, and exit statuses: one-line errors, nothing lost, and a
read-only archive that can still be searched.

The disks are small tmpfs mounts (this needs root; the tests skip with a message otherwise).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from unittest.mock import patch

import pytest

from communique.cli_common import cli_store
from communique.errors import StoreError
from communique.settings import Settings
from communique.store.search_index import IndexDoc
from communique.store.tantivy_index import TantivyIndex
from tests.conftest import shared_path
from tests.test_interrupt import archive, clean, communique, corpus, finish

__all__ = ["clean", "corpus"]  # fixtures shared with test_interrupt


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs mounted for the test."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path, leave: int) -> None:
    """Fill `disk` but for about `leave` bytes."""
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    (disk / "filler").write_bytes(bytes(max(free - leave, 0)))


def run(*args: str) -> tuple[int, str]:
    process = communique(*args)
    _, errors = process.communicate(timeout=600)
    return process.returncode, errors.decode()


def test_a_full_disk_is_one_line_and_the_rerun_loses_nothing(
    corpus: Path, clean: Path, tmpfs: Path, tmp_path: Path
) -> None:
    fill(tmpfs, 200_000)  # room for a few speeches of the 24
    status, errors = run("ingest", str(corpus), "--db", str(tmpfs / "k.db"))
    assert status == 1 and "the disk is full" in errors and "Traceback" not in errors
    moved = tmp_path / "moved"
    moved.mkdir()
    for part in tmpfs.glob("k.db*"):  # the same archive, given room
        (shutil.copytree if part.is_dir() else shutil.copy)(part, moved / part.name)
    finish(communique("ingest", str(corpus), "--db", str(moved / "k.db")))
    assert archive(moved / "k.db") == archive(clean)


def test_a_search_index_on_a_full_disk_is_a_store_error(tmpfs: Path) -> None:
    """tantivy says a full disk with a ValueError; it used to end ingest with a traceback
    (the statements were stored; the index is written when a batch ends or on closing)."""
    index = TantivyIndex(tmpfs / "k.db.index")
    words = " ".join(f"word{n}" for n in range(60_000))  # an index larger than the disk
    with pytest.raises(StoreError, match="the disk is full"):
        index.write([IndexDoc(key, f"Statement {key}", words) for key in range(1, 40)])


def test_closing_a_store_after_an_error_keeps_that_error(tmp_path: Path) -> None:
    """A command that failed on a full disk closes its archive on the way out, and writing
    the search index then fails too: the user sees the first error, in one line."""

    class FailingClose:
        def close(self) -> None:
            raise ValueError("An IO error occurred: 'No space left on device (os error 28)'")

    with patch("communique.cli_common.open_store", return_value=FailingClose()):
        with pytest.raises(StoreError, match="first"), cli_store(Settings()):
            raise StoreError("first")
        with pytest.raises(ValueError, match="No space left"), cli_store(Settings()):
            pass  # a close that fails after a command that did not is not hidden


def test_a_read_only_archive_is_searched_and_not_written(
    corpus: Path, clean: Path, tmpfs: Path
) -> None:
    db = tmpfs / "ro.db"
    shutil.copy(clean, db)
    finish(communique("stats", "--db", str(db)))  # migrated and checkpointed where writable
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    process = communique("search", "peace", "--db", str(db))
    _, errors = process.communicate(timeout=600)
    assert process.returncode == 0 and "statements match" in errors.decode(), errors.decode()
    before = db.read_bytes()
    status, errors = run("ingest", str(shared_path("seeds")), "--db", str(db))
    assert status == 1 and "read-only" in errors and "Traceback" not in errors
    status, errors = run("ingest", str(corpus), "--db", str(db))  # all unchanged: nothing to write
    assert status == 0 and "unchanged" in errors and "Traceback" not in errors
    assert db.read_bytes() == before


def test_exit_status_tells_all_some_or_none_failed(corpus: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{oops\n[1]\n")
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_bytes(corpus.read_bytes().splitlines(keepends=True)[0] + b"{oops\n")
    assert run("ingest", str(bad), "--db", str(tmp_path / "a.db"))[0] == 1
    assert run("ingest", str(mixed), "--db", str(tmp_path / "b.db"))[0] == 3
    assert run("ingest", str(corpus), "--db", str(tmp_path / "c.db"))[0] == 0


def test_a_rerun_reports_the_inputs_that_failed_before(corpus: Path, tmp_path: Path) -> None:
    """A page kept as evidence but without a statement fails on every run, not just the first."""
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    shutil.copy(corpus, inputs / corpus.name)
    (inputs / "menu-only.html").write_text(
        "<html><head><title>Menu</title></head><body><nav><a href='/'>Home</a></nav></body></html>"
    )
    db = str(tmp_path / "a.db")
    first, _ = run("ingest", str(inputs), "--db", db)
    again, again_errors = run("ingest", str(inputs), "--db", db)
    assert first == again == 3, again_errors
    assert "0 new captures" in again_errors and "1 error" in again_errors
    assert "menu-only.html" in again_errors


def test_each_failure_is_one_line_however_long(corpus: Path, tmp_path: Path) -> None:
    """A failure's message stays on one line when stderr is a pipe (rich would wrap it at 80
    columns), so that `grep` and scripts read it whole."""
    deep = tmp_path / ("a-folder-with-a-long-name-" * 3)
    deep.mkdir()
    speech = corpus.read_bytes().splitlines(keepends=True)[0]
    long_line = deep / "long.jsonl"
    long_line.write_bytes(speech + speech.rstrip(b"\n") * 3 + b"\n")
    status, errors = run(
        "ingest",
        str(long_line),
        "--db",
        str(tmp_path / "a.db"),
        "--max-bytes",
        str(len(speech) * 2),
    )
    failures = [line for line in errors.splitlines() if "✗" in line]
    assert status == 3 and len(failures) == 1, errors
    assert f"{long_line}:2" in failures[0] and "COMMUNIQUE_MAX_BYTES" in failures[0], errors
