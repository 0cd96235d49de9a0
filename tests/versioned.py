"""A stage's output on fixed inputs, stored with the version that produced it, so that the
output cannot change while the version stays the same (tests/*/test_version.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def check_versioned(fixture: Path, constant: str, version: str, outputs: dict[str, Any]) -> None:
    """Fail when `outputs` differ from those `fixture` stores under the same `version`, or when
    the version moved and the outputs were not stored again. `COMMUNIQUE_UPDATE_FIXTURES=1`
    stores them; `constant` names the version's constant in the messages."""
    if os.environ.get("COMMUNIQUE_UPDATE_FIXTURES"):
        stored = {"version": version, "outputs": outputs}
        fixture.write_text(json.dumps(stored, indent=1, ensure_ascii=False) + "\n")
    stored = json.loads(fixture.read_text(encoding="utf-8"))
    changed = sorted(k for k in outputs if outputs[k] != stored["outputs"].get(k))
    if stored["version"] == version:
        assert not changed, f"output changed ({changed}): bump {constant}"
    else:
        raise AssertionError(
            f"{constant} is {version}, the fixture {stored['version']}: store the"
            " outputs again (COMMUNIQUE_UPDATE_FIXTURES=1)"
        )


def stored_outputs(fixture: Path) -> dict[str, Any]:
    """The outputs `fixture` stores, by input name."""
    outputs: dict[str, Any] = json.loads(fixture.read_text(encoding="utf-8"))["outputs"]
    return outputs
