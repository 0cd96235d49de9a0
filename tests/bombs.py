"""Hostile inputs made at test time: small files that unpack to gigabytes, huge records.

Each maker writes one file into a folder and returns its path; `peak_memory` runs
`communique ingest` on it in a fresh process and measures that process's peak memory.
Used by tests/collect/test_bombs.py and bench/bombs.py.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GB = 1 << 30
MB = 1 << 20


def _gzip_member(data: bytes, times: int) -> bytes:
    """`data` repeated `times` times as gzip members (a multi-member file is one stream)."""
    return gzip.compress(data, compresslevel=9) * times


def zeros_warc_gz(folder: Path, unpacked: int = 4 * GB) -> Path:
    """Gzipped zeros named `.warc.gz` (about 4 MB on disk that unpacks to `unpacked` bytes)."""
    path = folder / "zeros.warc.gz"
    member = 16 * MB
    path.write_bytes(_gzip_member(bytes(member), max(unpacked // member, 1)))
    return path


def small_zeros_warc_gz(folder: Path) -> Path:
    """20 KB of compressed zeros: once stored an error message of 84 MB (the "first line")."""
    path = folder / "small-zeros.warc.gz"
    path.write_bytes(_gzip_member(bytes(20 * MB), 1))
    return path


def huge_record_warc(folder: Path, body: int = 1_900_000_000) -> Path:
    """A WARC record whose HTML body is `body` bytes (a sparse file: no disk used)."""
    path = folder / "huge-record.warc"
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"
    head = (
        b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://huge.example/\r\n"
        b"WARC-Date: 2024-01-01T00:00:00Z\r\nContent-Type: application/http; msgtype=response\r\n"
        + f"Content-Length: {len(http) + body}\r\n\r\n".encode()
    )
    with path.open("wb") as handle:
        handle.write(head + http + b"<html><body><p>")
        handle.seek(len(head) + len(http) + body - 1)
        handle.write(b"\n\r\n\r\n")
    return path


def long_line_jsonl_gz(folder: Path, line: int = GB) -> Path:
    """A `.jsonl.gz` whose first line is `line` bytes long, then one good record."""
    path = folder / "long-line.jsonl.gz"
    chunk = 16 * MB
    good = json.dumps({"title": "After the long line", "text": "A statement. " * 40})
    path.write_bytes(
        _gzip_member(b"a" * chunk, max(line // chunk, 1))
        + gzip.compress(b"\n" + good.encode() + b"\n")
    )
    return path


def big_record_jsonl(folder: Path, size: int = 30_000_000) -> Path:
    """A JSONL record of `size` bytes, past the default `max_bytes` of 20 MB."""
    path = folder / "big-record.jsonl"
    path.write_text(json.dumps({"title": "Big", "text": "word " * (size // 5)}) + "\n")
    return path


def deep_jsonl(folder: Path, depth: int = 5_000_000) -> Path:
    """A JSONL record nested `depth` brackets deep (Python's parser recurses per bracket)."""
    path = folder / "deep.jsonl"
    path.write_bytes(b'{"text": ' + b"[" * depth + b"]" * depth + b"}\n")
    return path


BOMBS: dict[str, Callable[[Path], Path]] = {
    "gzipped zeros as .warc.gz (4 GB unpacked)": zeros_warc_gz,
    "20 MB of zeros in 20 KB .warc.gz": small_zeros_warc_gz,
    "WARC record with a 1.9 GB body": huge_record_warc,
    ".jsonl.gz with a 1 GB line": long_line_jsonl_gz,
    "30 MB JSONL record": big_record_jsonl,
    "JSONL record nested 5M deep": deep_jsonl,
}

_MEASURE = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
sys.stdout.write(f"{done.returncode} {peak}\\n")
sys.stdout.write(done.stderr.decode(errors="replace"))
"""


def peak_memory(target: Path, db: Path) -> tuple[int, int, str]:
    """Run `communique ingest target` alone; its exit status, peak memory (bytes) and stderr."""
    env = os.environ | {
        "PYTHONPATH": str(ROOT / "src"),
        "COMMUNIQUE_ENRICH": "off",
        "COMMUNIQUE_WORKERS": "1",
        "COLUMNS": "400",
    }
    command = [sys.executable, "-m", "communique", "ingest", str(target), "--db", str(db)]
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command],
        env=env,
        capture_output=True,
        check=True,
        timeout=600,
    )
    first, _, errors = done.stdout.decode().partition("\n")
    status, peak_kb = first.split()
    return int(status), int(peak_kb) * 1024, errors
