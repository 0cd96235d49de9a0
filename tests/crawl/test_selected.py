"""Per-source selectors extract a real page when generic extraction is not enough."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from communique.errors import ExtractionError
from communique.extract.selected import extract_selected
from communique.model import RawInput, Selectors
from tests.conftest import shared_path


def _raw(prefix: str) -> tuple[RawInput, dict[str, str]]:
    gold = json.loads(next(shared_path("pages").glob(f"{prefix}_*.json")).read_text())
    body = shared_path("pages", gold["file"]).read_bytes()
    raw = RawInput(gold["url"], body, "text/html", gold["file"], datetime.now(UTC))
    return raw, gold


def test_registry_selectors_extract_a_real_statement() -> None:
    items = json.loads(shared_path("corpora", "diplomaticpulse_source_registry.json").read_text())
    entry = next(i for i in items if i["url"] == "https://mfa.gov.by/en/press/statements")
    raw, gold = _raw("001")
    chosen = Selectors(title=entry["title"], date=entry["posted_date"], body=entry["statement"])
    found = extract_selected(raw, chosen, None)
    assert found.title.startswith(gold["title"])
    assert any(p.startswith(gold["gold_text_first_sentence"][:60]) for p in found.paragraphs)
    assert any(gold["gold_text_last_sentence"][-60:] in p for p in found.paragraphs)
    assert found.language == "en"


def test_a_body_selector_that_matches_nothing_is_an_extraction_error() -> None:
    raw, _ = _raw("001")
    with pytest.raises(ExtractionError, match="matched no text"):
        extract_selected(raw, Selectors(body="div.no-such-class"), None)
