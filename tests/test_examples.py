"""The scripts in examples/ run against a live server and answer their question."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_mentions_by_year_names_armenia_first_every_year(live_api: str) -> None:
    env = os.environ | {"PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "mentions_by_year.py"), "--url", live_api, "--top", "3"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=300,
    )
    years = dict(line.split(": ", 1) for line in done.stdout.splitlines())
    assert years, done.stderr
    assert all(year == "undated" or year.isdigit() for year in years)
    assert all(named.startswith("Armenia (") for named in years.values())  # named most
    assert not any("Azerbaijan" in named for named in years.values())  # not the issuer itself
    counts = [int(n.rsplit("(", 1)[1].rstrip(")")) for v in years.values() for n in v.split(", ")]
    assert all(count >= 1 for count in counts)
