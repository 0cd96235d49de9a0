"""Shared helpers for extraction tests: the shared material folder and RawInput builders."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from communique.model import RawInput

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"


def shared(*parts: str) -> Path:
    """Return a path under the shared folder, skipping the test when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared material not available: {path}")
    return path


def raw(body: bytes, content_type: str, url: str = "https://example.org/statement") -> RawInput:
    """Build a RawInput as the collectors would."""
    return RawInput(
        url=url,
        body=body,
        content_type=content_type,
        origin="test",
        fetched_at=datetime.now(UTC),
    )
