"""An outside tester's check of the search page: one hit per statement says its copies."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from communique.api.app import create_app
from tests.link.user_cases import copies_and_translation


def _hits(page: str) -> list[str]:
    return re.findall(r'<li class="hit">(.*?)</li>', page, flags=re.S)


def test_a_hit_names_its_copies_and_translations(tmp_path: Path) -> None:
    """Issue 13, item 5: one hit per statement "with N copies and the translations'
    languages" on the search page too, as the CLI and the API give them (the page said
    neither)."""
    store, settings = copies_and_translation(tmp_path)
    with TestClient(create_app(settings, store), base_url="http://localhost") as client:
        victory = _hits(client.get("/", params={"q": "Shusha"}).text)
        every = _hits(client.get("/", params={"q": "Shusha copies:all"}).text)
        talks = _hits(client.get("/", params={"q": "Moscow"}).text)
    store.close()
    assert len(victory) == 2
    assert sum("3 copies" in hit for hit in victory) == 1
    assert all("copies" not in hit for hit in victory if "3 copies" not in hit)
    assert len(every) == 4
    english = [hit for hit in talks if "Joint statement" in hit]
    assert len(english) == 1
    assert "translations: fr" in english[0]
