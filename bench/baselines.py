"""Stored bench results (bench/baselines.json): every bench prints its change against them.

A bench hands its rich tables to `report`; each number in them is a measure, named by the
table's title, the row's text cells and the column. `--save-baseline` stores this run's
measures as the new baseline of that bench (commit the file with the change that moved them).
Speeds measured on a shared machine are noisy: read their change with that in mind.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

PATH = Path(__file__).with_name("baselines.json")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_FRACTION = re.compile(r"(\d+)/(\d+)(?:\s*\(.*\))?")


def add_argument(parser: argparse.ArgumentParser) -> None:
    """The `--save-baseline` option every bench takes."""
    parser.add_argument(
        "--save-baseline",
        action="store_true",
        help=f"store this run's measures as the baseline in {PATH.name}",
    )


def number(cell: str) -> float | None:
    """The value a table cell states: a number, a signed change, a percentage or a fraction.

    Example:
        >>> [number(c) for c in ("0.775", "+0.003", "97%", "30/31 (97%)", "1,275", "rules")]
        [0.775, 0.003, 97.0, 0.967741935483871, 1275.0, None]
    """
    text = cell.strip().replace(",", "").removesuffix("%").removeprefix("+")
    if _NUMBER.fullmatch(text):
        return float(text)
    fraction = _FRACTION.fullmatch(text)
    if fraction and int(fraction[2]):
        return int(fraction[1]) / int(fraction[2])
    return None


def measures(tables: Iterable[Table]) -> dict[str, float]:
    """Every number of the tables, by "title: the row's text cells before its first number
    [column]"."""
    found: dict[str, float] = {}
    for table in tables:
        headers = [str(column.header) for column in table.columns]
        for row in zip(*(list(column.cells) for column in table.columns), strict=True):
            cells = [str(cell) for cell in row]
            values = [number(cell) for cell in cells]
            first = next((i for i, v in enumerate(values) if v is not None), len(cells))
            label = " / ".join(cells[:first])
            for header, value in zip(headers[first:], values[first:], strict=True):
                if value is not None:
                    found[f"{table.title}: {label} [{header}]"] = value
    return found


def report(console: Console, bench: str, tables: Iterable[Table], save: bool = False) -> None:
    """Print the change of each measure against the stored baseline; `save` stores this run."""
    now = measures(tables)
    stored = _load()
    entry = stored.get(bench, {})
    before: dict[str, float] = entry.get("measures", {})
    table = Table(title=f"{bench}: change against {PATH.name} ({entry.get('date', 'none yet')})")
    for column in ("measure", "baseline", "now", "change"):
        table.add_column(column, justify="left" if column == "measure" else "right")
    for name, value in now.items():
        old = before.get(name)
        table.add_row(escape(name), _shown(old), _shown(value), _change(old, value))
    console.print(table)
    if save:
        stored[bench] = {
            "date": datetime.now(UTC).date().isoformat(),
            "commit": _commit(),
            "measures": {**before, **now},
        }
        PATH.write_text(json.dumps(stored, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
        console.print(f"saved as the {bench} baseline in {PATH}")


def _load() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(PATH.read_text()) if PATH.exists() else {}
    return data


def _shown(value: float | None) -> str:
    return "—" if value is None else f"{value:.4g}"


def _change(old: float | None, new: float) -> str:
    if old is None:
        return "new"
    if old == new:
        return "="
    relative = f" ({(new - old) / abs(old):+.1%})" if old else ""
    return f"{new - old:+.4g}{relative}"


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=PATH.parent,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""
