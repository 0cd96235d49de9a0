"""The stages below the crawler import nothing above them: collect/, extract/, enrich/, link/,
store/ and lang/ never import the crawler, the pipeline runner, the jobs, the CLI, the API or
the web app (a helper they share goes in a neutral module, e.g. `communique.diffs`)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import communique

PACKAGE = Path(communique.__file__).parent
LOWER = ("collect", "extract", "enrich", "link", "store", "lang")
HIGHER = ("crawl", "pipeline", "jobs", "workers", "cli", "api", "web")


def imported(path: Path) -> set[str]:
    """The communique modules a file imports, anywhere in it (functions too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {n for n in names if n.split(".")[0] == "communique"}


def test_imported_sees_function_level_imports(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from communique.crawl.report import x\n    import os\n")
    assert imported(module) == {"communique.crawl.report"}


@pytest.mark.parametrize("layer", LOWER)
def test_lower_layers_import_nothing_above_them(layer: str) -> None:
    wrong = sorted(
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in (PACKAGE / layer).rglob("*.py")
        for name in imported(path)
        if name.partition(".")[2].split(".")[0] in HIGHER
    )
    assert wrong == []
