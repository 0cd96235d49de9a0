"""An outside tester's check of the search page: one hit per statement says its copies."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from communique.api.app import create_app
from communique.pipeline import ingest
from communique.settings import Settings
from communique.store.base import open_store
from tests.link.test_archive import ENGLISH, FRENCH, write_copies


def _hits(page: str) -> list[str]:
    return re.findall(r'<li class="hit">(.*?)</li>', page, flags=re.S)


def test_a_hit_names_its_copies_and_translations(tmp_path: Path) -> None:
    """Issue 13, item 5: one hit per statement "with N copies and the translations'
    languages" on the search page too, as the CLI and the API give them (the page said
    neither)."""
    paths = write_copies(tmp_path)
    (tmp_path / "en.txt").write_text(ENGLISH, encoding="utf-8")
    (tmp_path / "fr.txt").write_text(FRENCH, encoding="utf-8")
    db = str(tmp_path / "copies.db")
    store = open_store(db)
    settings = Settings(db=db, workers=0, enrich=False)
    ingest([str(p) for p in [*paths, tmp_path / "en.txt", tmp_path / "fr.txt"]], store, settings)
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
