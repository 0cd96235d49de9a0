"""Hostile queries: caps on length and terms, repeats collapsed, control characters refused
with a 400 (search and export alike), a time budget per search, and `serve` ending on SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from communique.api.app import create_app
from communique.budget import Budget, limited
from communique.errors import QueryError, QueryTimeout
from communique.query import MAX_QUERY_CHARS, MAX_QUERY_TERMS, parse_query
from communique.search import search
from communique.settings import Settings
from communique.store import sqlite_search
from communique.store.sqlite import SqliteStore
from tests.conftest import add

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> SqliteStore:
    store = SqliteStore(tmp_path_factory.mktemp("hostile") / "h.db")
    for i in range(60):
        add(store, f"https://mfa.example/s/{i}", f"Statement {i} on peace", "peace talks " * 50)
    return store


@pytest.fixture(scope="module")
def client(archive: SqliteStore) -> TestClient:
    return TestClient(create_app(Settings(db=archive.path), archive), base_url="http://localhost")


def test_repeated_terms_are_collapsed() -> None:
    parsed = parse_query("peace " * 300 + "Peace OR peace -war -war country:AZ country:AZ")
    assert [[t.text for t in group] for group in parsed.required] == [["peace"]]
    assert [t.text for t in parsed.excluded] == ["war"] and parsed.filters.countries == ("AZ",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a" * (MAX_QUERY_CHARS + 1), f"the limit is {MAX_QUERY_CHARS}"),
        (" ".join(f"w{i}" for i in range(MAX_QUERY_TERMS + 1)), f"limit is {MAX_QUERY_TERMS}"),
        ("peace\x00", "control character U+0000 at position 6"),
        ("peace \x1b[31m", "control character U+001B"),
        (b"peace \xff\xfe".decode("utf-8", "replace"), "not UTF-8 at position 7"),
    ],
)
def test_oversized_and_control_queries_are_refused(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=re.escape(message)):
        parse_query(text)


@pytest.mark.parametrize("path", ["/api/v1/search", "/api/v1/export"])
@pytest.mark.parametrize("q", ["peace\x00", "a" * (MAX_QUERY_CHARS + 1), "x\x07"])
def test_bad_queries_are_a_400_on_search_and_export(client: TestClient, path: str, q: str) -> None:
    response = client.get(path, params={"q": q})
    assert response.status_code == 400
    assert response.json()["code"] == "query_error" and response.json()["parameter"] == "q"


@pytest.mark.parametrize("path", ["/api/v1/search", "/api/v1/export", "/"])
def test_a_query_of_bytes_that_are_not_utf8_is_refused(client: TestClient, path: str) -> None:
    """`q=%FF%FE` decodes to replacement characters only: searched, it would match everything."""
    response = client.get(f"{path}?q=%FF%FE")
    assert response.status_code == 400
    if path != "/":
        assert response.json()["parameter"] == "q"
        assert "not UTF-8" in response.json()["message"]


def test_a_search_past_its_budget_is_stopped(
    archive: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_search, "_CHECK_EVERY", 10)
    with limited(Budget(-1.0)), pytest.raises(QueryTimeout, match="longer than -1 s"):
        search(archive, "peace")  # the budget is spent before it starts
    spent = TestClient(
        create_app(Settings(db=archive.path, query_seconds=-1.0), archive),
        base_url="http://localhost",
    )
    response = spent.get("/api/v1/search", params={"q": "peace talks"})
    assert response.status_code == 503 and response.json()["code"] == "query_timeout"
    assert spent.get("/", params={"q": "peace talks"}).status_code == 503
    assert search(archive, "peace").total == 60


@pytest.mark.parametrize(
    "path", ["/map", "/timeline", "/network", "/trends", "/api/v1/export", "/api/export"]
)
def test_explore_views_and_exports_stop_at_the_budget(archive: SqliteStore, path: str) -> None:
    spent = TestClient(
        create_app(Settings(db=archive.path, query_seconds=-1.0), archive),
        base_url="http://localhost",
    )
    response = spent.get(path, params={"q": "peace talks"})
    assert response.status_code == 503
    message = "longer than -1 s (query_seconds) and was stopped"
    if path.startswith("/api/"):
        assert response.json()["code"] == "query_timeout" and message in response.json()["message"]
    else:
        assert message in response.text and "<html" in response.text
    healthy = TestClient(
        create_app(Settings(db=archive.path), archive), base_url="http://localhost"
    )
    assert healthy.get(path, params={"q": "peace talks"}).status_code == 200


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_ends_on_sigterm(archive: SqliteStore) -> None:
    port = _free_port()
    env = os.environ | {"PYTHONPATH": str(ROOT / "src")}
    server = subprocess.Popen(
        [sys.executable, "-m", "communique", "serve", "--db", archive.path, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120  # a bound on start-up, not a speed assertion
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{port}/api/v1/stats", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        server.send_signal(signal.SIGTERM)
        # uvicorn shuts down gracefully, then ends by the signal it caught (status -15)
        assert server.wait(timeout=60) in (0, -signal.SIGTERM)
    finally:
        if server.poll() is None:
            server.kill()
