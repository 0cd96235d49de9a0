"""bench/baselines.py: every number of a bench's tables is compared with the stored baseline."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest
from rich.console import Console
from rich.table import Table

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.fixture
def baselines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    spec = importlib.util.spec_from_file_location("baselines", BENCH / "baselines.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "PATH", tmp_path / "baselines.json")
    return module


def _table(accuracy: str) -> Table:
    table = Table(title="geo")
    for column in ("set", "measure", "value", "note"):
        table.add_column(column)
    table.add_row("TR-News", "acc@161km", accuracy, "1275 toponyms")
    table.add_row("seed", "places right", "9/9", "within 25 km")
    return table


def test_a_bench_prints_its_change_against_the_saved_baseline(baselines: ModuleType) -> None:
    console = Console(record=True, width=200)
    baselines.report(console, "enrich", [_table("0.775")], save=True)
    stored = json.loads(baselines.PATH.read_text())["enrich"]["measures"]
    assert stored == {
        "geo: TR-News / acc@161km [value]": 0.775,
        "geo: seed / places right [value]": 1.0,
    }
    baselines.report(console, "enrich", [_table("0.780")])
    assert "+0.005 (+0.6%)" in console.export_text()


DIAGNOSTICS = {"geo_misses", "places_ablate", "timebank_misses", "transset"}
"""Scripts that list misses, ablations or a data set to read: they take no baseline."""


def test_every_bench_reports_against_the_baseline() -> None:
    scripts = {
        path.stem: path.read_text()
        for path in BENCH.glob("*.py")
        if 'if __name__ == "__main__":' in path.read_text()
    }
    assert scripts.keys() >= DIAGNOSTICS
    assert {"core", "crawl", "extraction", "search", "scale"} <= scripts.keys()
    for name, source in scripts.items():
        if name not in DIAGNOSTICS:
            assert "baselines.report(" in source, f"bench/{name}.py prints no change"
            assert "baselines.add_argument(" in source, f"bench/{name}.py has no --save-baseline"


def test_held_out_parts_are_fixed_by_the_seed_not_by_the_order() -> None:
    spec = importlib.util.spec_from_file_location("heldout", BENCH / "heldout.py")
    assert spec is not None and spec.loader is not None
    heldout = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(heldout)
    names = [f"APW19980{i:03d}.tml" for i in range(100)]
    dev, held_out = heldout.thirds(names)
    assert (len(dev), len(held_out)) == (67, 33)
    assert sorted(dev + held_out) == names
    assert heldout.thirds(list(reversed(names)))[1] == held_out
