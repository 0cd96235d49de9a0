"""Peak memory of `communique ingest` on hostile inputs (issue 11): gzip bombs, huge records.

Run: .venv/bin/python bench/bombs.py
Each bomb is made in a temporary folder and ingested by a fresh process (one worker,
enrichment off); the table gives its peak resident memory, the issue's figure before the fix
and the target (<= 500 MB), and the first line of the refusal. Memory, not time: this machine
is shared, so the seconds are shown only as a rough guide.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import baselines
from tests.bombs import BOMBS, MB, peak_memory

BEFORE = {
    "gzipped zeros as .warc.gz (4 GB unpacked)": "> 4 GB",
    "20 MB of zeros in 20 KB .warc.gz": "84 MB error message",
    "WARC record with a 1.9 GB body": "3.7 GB",
    ".jsonl.gz with a 1 GB line": "> 4.2 GB",
    "30 MB JSONL record": "accepted",
    "JSONL record nested 5M deep": "-",
}
"""The issue's figures for the code before the limits."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    baselines.add_argument(parser)
    args = parser.parse_args()
    table = Table(title="communique ingest on bombs (peak memory; target <= 500 MB)")
    for column in ("bomb", "file", "peak MB", "before", "exit", "s", "refusal"):
        table.add_column(column)
    with tempfile.TemporaryDirectory() as folder:
        for name, make in BOMBS.items():
            target = make(Path(folder))
            started = time.monotonic()
            status, peak, errors = peak_memory(target, Path(folder) / f"{target.stem}.db")
            seconds = time.monotonic() - started
            refusal = next((line for line in errors.splitlines() if "limit" in line), "")
            table.add_row(
                name,
                f"{target.stat().st_blocks * 512 / MB:.1f} MB",
                f"{peak / MB:.0f}",
                BEFORE[name],
                str(status),
                f"{seconds:.1f}",
                refusal.strip()[:110],
            )
            target.unlink()
    console = Console(width=220)
    console.print(table)
    baselines.report(console, "bombs", [table], args.save_baseline)


if __name__ == "__main__":
    main()
