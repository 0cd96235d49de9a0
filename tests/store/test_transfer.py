"""Whole archives between backends: copy-store both ways, backup and restore, count checks."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from communique.cli import app
from communique.errors import StoreError
from communique.model import Change, FrontierEntry, UrlKind, statement_id
from communique.query import parse_query
from communique.store import transfer
from communique.store.base import Store, is_postgres, open_store
from communique.store.site_lines import SitePage
from communique.store.sqlite_index import SqliteIndexedSearch
from communique.store.transfer import backup, copy_store, restore
from tests.conftest import add
from tests.pgserver import PgServer
from tests.store.test_enrichment import EARLY, karabakh_enrichment

LATER = datetime(2024, 7, 1, tzinfo=UTC)


def fill(store: Store) -> None:
    """An archive touching every table: statements, versions, enrichment, crawl state."""
    first = add(store, "https://mfa.gov.az/1", "Victory Day", "Shusha was liberated.",
                published=date(2023, 11, 8), fetched_at=EARLY)  # fmt: skip
    add(store, "https://mfa.gov.az/1", "Victory Day", "Shusha was liberated in 2020.",
        published=date(2023, 11, 8), fetched_at=LATER)  # fmt: skip
    add(store, "https://kremlin.ru/2", "Заявление", "Россия призывает к миру.", language="ru")
    store.put_enrichment(first, karabakh_enrichment(), EARLY)
    run = store.start_run("mfa", date(2024, 1, 1))
    pages = [FrontierEntry(f"https://mfa.gov.az/{i}", UrlKind.PAGE) for i in range(3)]
    store.enqueue(run.id, pages)
    store.record_change(Change(first.id, first.url, "edited", LATER, "mfa"))
    store.observe_site_lines(SitePage("mfa.gov.az", "c1", ["Home", "Contact"], ["Home"]))
    store.put_robots("https://mfa.gov.az", "User-agent: *", EARLY)


def summary(store: Store) -> dict[str, object]:
    """What a reader sees: counts, search results, versions, enrichment, crawl state."""
    page = store.search(parse_query("shusha OR россия"))
    first = statement_id("https://mfa.gov.az/1")
    return {
        "stats": store.stats(),
        "hits": [(h.statement, h.snippet) for h in page.hits],
        "facets": page.facets,
        "versions": store.versions(first),
        "enrichment": store.get_enrichment(first),
        "changes": store.changes(),
        "runs": [(r.source, r.since) for r in store.runs()],
        "lines": store.observe_site_lines(SitePage("mfa.gov.az", "c1", ["Home"], ["Home"])),
        "counts": store.table_counts(),
    }


def test_copy_to_the_other_backend_and_back_keeps_everything(tmp_path: Path, pg_url: str) -> None:
    lite = open_store(tmp_path / "a.db")
    pg = open_store(pg_url)
    back = open_store(tmp_path / "b.db")
    try:
        fill(lite)
        copied = copy_store(lite, pg)
        assert copied["statements"] == 2 and copied["versions"] == 3
        assert copy_store(pg, back) == copied
        assert summary(pg)["counts"] == summary(back)["counts"] == summary(lite)["counts"]
        assert summary(back) == summary(lite)
        assert summary(pg)["stats"] == summary(lite)["stats"]
        added = add(pg, "https://mfa.gov.az/9", "After the copy", "New text.", fetched_at=LATER)
        assert pg.get_statement(added.id).title == "After the copy", "ids continue after a copy"
        assert pg.start_run("other", None).id > lite.runs()[0].id
    finally:
        for store in (lite, pg, back):
            store.close()


def test_copy_refuses_a_destination_that_holds_anything(store: Store, tmp_path: Path) -> None:
    source = open_store(tmp_path / "src.db")
    try:
        fill(source)
        add(store, "https://x/1", "Already here", "Text.")
        with pytest.raises(StoreError, match="not empty"):
            copy_store(source, store)
        assert store.stats().statements == 1
    finally:
        source.close()


def test_backup_and_restore_round_trip(
    store: Store, store_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    fill(store)
    before = summary(store)
    file = tmp_path / "backup.db"
    backup(store, file)
    with pytest.raises(StoreError, match="already exists"):
        backup(store, file)
    with pytest.raises(StoreError, match="not empty"):
        restore(file, store)
    if is_postgres(store_url):
        fresh = str(request.getfixturevalue("pg_server").database())
    else:
        fresh = str(tmp_path / "fresh.db")
    target = open_store(fresh)
    try:
        restore(file, target)
        assert summary(target) == before
    finally:
        target.close()


def test_cli_copies_sqlite_to_postgresql_and_backs_up(tmp_path: Path, pg_url: str) -> None:
    source = open_store(tmp_path / "a.db")
    fill(source)
    expected = summary(source)
    source.close()
    runner = CliRunner()
    result = runner.invoke(app, ["copy-store", str(tmp_path / "a.db"), pg_url, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["statements"] == 2
    again = runner.invoke(app, ["copy-store", str(tmp_path / "a.db"), pg_url])
    assert again.exit_code == 1 and "not empty" in again.output
    file = tmp_path / "pg-backup.db"
    assert runner.invoke(app, ["backup", str(file), "--db", pg_url]).exit_code == 0
    restored = tmp_path / "restored.db"
    result = runner.invoke(app, ["restore", str(file), "--db", str(restored)])
    assert result.exit_code == 0, result.output
    copy = open_store(restored)
    try:
        assert summary(copy) == expected
    finally:
        copy.close()


def _indexes(url: str) -> set[tuple[str, str]]:
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
        ).fetchall()
    return {(str(name), str(definition)) for name, definition in rows}


def fill_more(store: Store) -> None:
    """`fill`, and nine statements, long and short (a text longer than its lead ranks on it)."""
    long_text = " ".join(["Shusha was liberated and the negotiations went on."] * 60)
    for i in range(9):
        add(store, f"https://mid.ru/{i}", f"Statement {i}", long_text if i % 2 else "Peace.")
    fill(store)


def test_bulk_copy_into_postgresql_equals_a_direct_load(
    tmp_path: Path, pg_server: PgServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches of 2 rows, written by two connections at once, the indexes built at the end:
    the copy finds what the same statements stored one by one find, ranked alike, with the
    same texts and indexes; the source file is not touched."""
    monkeypatch.setattr(transfer, "BATCH", 2)
    source_path = tmp_path / "a.db"
    source = open_store(source_path)
    fill_more(source)
    source.close()
    before = source_path.read_bytes()
    direct_url, target = pg_server.database(), pg_server.database()
    direct, copy = open_store(direct_url), None
    try:
        fill_more(direct)
        copied = transfer.copy_location(str(source_path), target)
        assert copied["statements"] == 11 and source_path.read_bytes() == before
        assert _indexes(target) == _indexes(direct_url)
        copy = open_store(target)
        for text in ("shusha OR peace", '"negotiations went"', "negotiat*"):
            query = parse_query(text)
            assert copy.search(query).hits == direct.search(query).hits
            assert [s.text for s in copy.iter_matches(query)] == [
                s.text for s in direct.iter_matches(query)
            ]
        assert summary(copy) == summary(direct)
    finally:
        for store in (direct, copy):
            if store is not None:
                store.close()
        pg_server.drop(direct_url)
        pg_server.drop(target)


def test_a_failed_batch_fails_the_copy_with_the_database_error(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transfer, "BATCH", 2)
    source = open_store(tmp_path / "a.db")
    fill(source)
    target = open_store(pg_url)
    try:
        target.begin_import(["statements"])
        target.import_rows("statements", [{"rowid": 1, "id": "x"}])  # NOT NULL columns absent
        with pytest.raises(Exception, match="null value"):
            target.finish_import()
    finally:
        target.close()
        source.close()


def test_a_copy_reads_no_search_index_of_its_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The source is opened read-only: its search index (here missing, as a stale one would
    be) is neither rebuilt nor read, while a search of the same read-only archive builds it."""
    source = tmp_path / "a.db"
    store = open_store(source)
    fill_more(store)
    store.close()
    shutil.rmtree(f"{source}.index")
    rebuilt: list[bool] = []
    reindex = SqliteIndexedSearch.reindex

    def recorded(self: SqliteIndexedSearch, *args: Any) -> int:
        rebuilt.append(self.read_only)
        return reindex(self, *args)

    monkeypatch.setattr(SqliteIndexedSearch, "reindex", recorded)
    copied = transfer.copy_location(str(source), str(tmp_path / "b.db"))
    assert copied["statements"] == 11 and True not in rebuilt
    reader, copy = open_store(source, read_only=True), open_store(tmp_path / "b.db")
    try:
        peace = parse_query("peace")
        assert reader.search(peace).total == copy.search(peace).total > 0
    finally:
        reader.close()
        copy.close()
    assert rebuilt.count(True) == 1 and not Path(f"{source}.index").exists()


def test_a_first_search_cut_short_leaves_no_unsynced_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only archive's index is built at its first search; when that build fails (a
    deadline, a full disk), the next search builds it again instead of reading half of it."""
    source = tmp_path / "a.db"
    store = open_store(source)
    fill_more(store)
    expected = store.search(parse_query("peace")).total
    store.close()
    shutil.rmtree(f"{source}.index")
    reindex = SqliteIndexedSearch.reindex
    failures = [RuntimeError("disk full")]

    def failing_once(self: SqliteIndexedSearch, *args: Any) -> int:
        if failures:
            raise failures.pop()
        return reindex(self, *args)

    monkeypatch.setattr(SqliteIndexedSearch, "reindex", failing_once)
    reader = open_store(source, read_only=True)
    try:
        with pytest.raises(RuntimeError, match="disk full"):
            reader.search(parse_query("peace"))
        assert reader.search(parse_query("peace")).total == expected > 0
    finally:
        reader.close()
