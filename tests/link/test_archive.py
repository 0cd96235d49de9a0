"""Linking inside the archive: on ingest, `relink`, `show`, `stats`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from communique.cli import app
from communique.link.archive import linked, relink
from communique.pipeline import ingest
from communique.settings import Settings
from communique.store.sqlite import SqliteStore
from tests.conftest import shared_path

SEED = "000_ac6ea3ae84a41b15.txt"


def write_copies(folder: Path) -> list[Path]:
    """The seed statement as an embassy kept it, as the ministry's page, and once more."""
    text = shared_path("seeds", SEED).read_text(encoding="utf-8")
    body = text.rsplit("\n", 1)[0]
    files = {
        "embassy.txt": text,
        "ministry.txt": "Press service\n\n" + body + "\n\nMinistry of Foreign Affairs\nContacts",
        "again.txt": text,
        "other.txt": text.replace("44-day", "45-day").replace("30 years", "31 years"),
    }
    paths = []
    for name, content in files.items():
        path = folder / name
        path.write_text(content, encoding="utf-8")
        paths.append(path)
    return paths


def test_copies_are_linked_on_ingest(tmp_path: Path) -> None:
    paths = write_copies(tmp_path)
    db = tmp_path / "a.db"
    store = SqliteStore(db)
    settings = Settings(db=str(db), workers=0, enrich=False)
    ingest([str(p) for p in paths], store, settings)
    stats = store.stats()
    assert (stats.copies, stats.statements) == (4, 2)
    order = store.link_order()
    first = linked(store, order[0][0])
    assert len(first.copies) == 3
    kinds = sorted(c.kind for c in first.copies)
    assert kinds == ["exact", "first", "republication"]
    assert any("Szukaj w archiwum" in c.differs or "Contacts" in c.differs for c in first.copies)
    other = linked(store, order[-1][0])
    assert len(other.copies) == 1
    before = [store.get_copy(s) for s, _ in order]
    assert relink(store) == (4, 2)
    assert [store.get_copy(s) for s, _ in order] == before
    store.close()


def test_cli_relink_show_and_stats(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMMUNIQUE_ENRICH", "off")
    paths = write_copies(tmp_path)
    db = str(tmp_path / "b.db")
    runner = CliRunner()
    result = runner.invoke(app, ["ingest", *map(str, paths), "--db", db, "--workers", "1"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["stats", "--db", db, "--json"])
    numbers = json.loads(result.stdout)
    assert (numbers["statements"], numbers["copies"]) == (2, 4)
    result = runner.invoke(app, ["relink", "--db", db])
    assert result.exit_code == 0, result.output
    store = SqliteStore(db)
    first = store.link_order()[0][0]
    store.close()
    result = runner.invoke(app, ["show", first, "--db", db, "--json"])
    record = json.loads(result.stdout)
    assert len(record["copies"]) == 3
    assert record["copies"][0]["canonical"] is True


def test_search_gives_one_hit_per_statement_unless_all_copies(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from communique.api.app import create_app
    from communique.search import search

    paths = write_copies(tmp_path)
    db = tmp_path / "c.db"
    store = SqliteStore(db)
    ingest([str(p) for p in paths], store, Settings(db=str(db), workers=0, enrich=False))
    page = search(store, "Victory")
    assert page.total == 2
    assert sorted(hit.copies for hit in page.hits) == [1, 3]
    assert search(store, "Victory copies:all").total == 4
    store.close()
    client = TestClient(create_app(Settings(db=str(db))))
    assert client.get("/api/v1/search", params={"q": "Victory"}).json()["total"] == 2
    assert (
        client.get("/api/v1/search", params={"q": "Victory", "copies": "all"}).json()["total"] == 4
    )
    hit = next(
        h
        for h in client.get("/api/v1/search", params={"q": "Victory"}).json()["hits"]
        if h["copies"] == 3
    )
    copies = client.get(f"/api/v1/statements/{hit['id']}/copies").json()
    assert len(copies["copies"]) == 3 and copies["copies"][0]["canonical"]
