"""`open_store` picks the backend from the location; store/ stands on neutral modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from communique.errors import StoreError
from communique.store.base import is_postgres, open_store, redacted
from communique.store.sqlite import SqliteStore

STORE_DIR = Path(__file__).resolve().parents[2] / "src" / "communique" / "store"


@pytest.mark.parametrize("spelling", ["{path}", "sqlite://{path}"])
def test_a_path_or_sqlite_url_opens_sqlite(tmp_path: Path, spelling: str) -> None:
    store = open_store(spelling.format(path=tmp_path / "a.db"))
    try:
        assert isinstance(store, SqliteStore)
        assert store.path == str(tmp_path / "a.db")
    finally:
        store.close()


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("postgresql://u@localhost:5432/archive", True),
        ("postgres://localhost/archive", True),
        ("archive.db", False),
        ("/srv/postgresql/archive.db", False),
        (":memory:", False),
    ],
)
def test_postgres_urls_are_told_from_paths(location: str, expected: bool) -> None:
    assert is_postgres(location) is expected


def test_passwords_never_reach_messages() -> None:
    assert redacted("postgresql://me:s3cret@db:5432/a") == "postgresql://me:***@db:5432/a"
    assert redacted("postgresql://db/a") == "postgresql://db/a"


def test_store_package_imports_nothing_above_it() -> None:
    """store/ may use model and records, query (and its time budget), errors, geo and the
    language profiles (data), never a stage."""
    allowed = {"model", "records", "query", "budget", "errors", "geo", "lang", "store", "settings"}
    for path in sorted(STORE_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("communique."):
                top = (node.module or "").split(".")[1]
                assert top in allowed, f"{path.name} imports {node.module}"


def test_an_unreachable_postgres_is_a_store_error_without_the_password() -> None:
    with pytest.raises(StoreError) as caught:
        open_store("postgresql://me:s3cret@127.0.0.1:9/archive?connect_timeout=2")
    assert "s3cret" not in str(caught.value)
    assert "127.0.0.1:9/archive" in str(caught.value)
