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
    printed = console.export_text()
    assert "+0.005 (+0.6%)" in printed
    assert "geo: TR-News / acc@161km [value]" in printed  # the column, not taken for markup


DIAGNOSTICS = {"timebank_misses", "transset", "verify_replay"}
"""Scripts that list misses or a data set to read, measuring nothing of their own: no baseline."""


def _scripts() -> dict[str, str]:
    return {
        path.stem: path.read_text()
        for path in BENCH.glob("*.py")
        if 'if __name__ == "__main__":' in path.read_text()
    }


def test_every_bench_reports_against_the_baseline() -> None:
    scripts = _scripts()
    assert scripts.keys() >= DIAGNOSTICS
    assert {"core", "crawl", "extraction", "search", "scale"} <= scripts.keys()
    for name, source in scripts.items():
        if name not in DIAGNOSTICS:
            assert "baselines.report(" in source, f"bench/{name}.py prints no change"
            assert "baselines.add_argument(" in source, f"bench/{name}.py has no --save-baseline"


NOT_YET_MEASURED: dict[str, str] = {}
"""Benches whose first baseline is still to be stored, and why: an entry fails once it has one."""


def test_every_bench_has_a_stored_baseline() -> None:
    stored = json.loads((BENCH / "baselines.json").read_text())
    for name in _scripts().keys() - DIAGNOSTICS:
        entries = [e for key, e in stored.items() if key == name or key.startswith(f"{name}_")]
        has_one = any(e.get("measures") for e in entries)
        if name in NOT_YET_MEASURED:
            assert not has_one, f"bench/{name}.py has its baseline: drop it from NOT_YET_MEASURED"
        else:
            assert has_one, f"bench/{name}.py: no stored baseline (bench/baselines.py)"


def test_every_script_in_bench_is_in_the_readme_and_a_diagnostic_says_so() -> None:
    readme = (BENCH.parent / "README.md").read_text()
    benchmarks = readme[readme.index("## Benchmarks") :]
    for path in BENCH.glob("*.py"):
        assert f"`bench/{path.name}`" in benchmarks, f"bench/{path.name} is not in the README"
    for name in DIAGNOSTICS:
        docstring = (BENCH / f"{name}.py").read_text().split('"""')[1]
        assert "not a bench" in docstring, f"bench/{name}.py does not say it measures nothing"


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
