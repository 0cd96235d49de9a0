"""PostgreSQL statements of a search stop with it: a real server (tests/pgserver.py), a real
uvicorn on 127.0.0.1, and a statement made slow inside PostgreSQL (`pg_sleep`), watched in
`pg_stat_activity` from a connection of its own."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import psycopg
import pytest

from communique import budget as budgets
from communique.api.app import create_app
from communique.settings import Settings
from communique.store.postgres import PostgresStore
from tests.conftest import add
from tests.live import WAIT, live_server

MARK = "communique-slow-test"
"""A comment in the slow statement, to find it in `pg_stat_activity`."""
_EXECUTE = psycopg.Connection.execute


@pytest.fixture
def archive(pg_url: str) -> Iterator[PostgresStore]:
    store = PostgresStore(pg_url)
    for i in range(30):
        add(store, f"https://mfa.example/s/{i}", f"Statement {i} on peace", "peace talks " * 40)
    yield store
    store.close()


def _slowed(seconds: float, timeout_off: bool, skip: int = 0) -> Callable[..., Any]:
    """`Connection.execute` that, each time a search opens its budgeted transaction (it sets
    `statement_timeout`) after the first `skip`, then runs `pg_sleep(seconds)`; with
    `timeout_off` the server's own timeout is switched off first, so only a cancel from the
    client can stop the sleep."""
    original = _EXECUTE
    opened = iter(range(skip))

    def execute(self: psycopg.Connection[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
        cursor = original(self, query, *args, **kwargs)
        text = query.decode() if isinstance(query, bytes) else str(query)
        budgeted = "current_setting" in text and "statement_timeout" in repr(args[:1])
        if budgeted and next(opened, None) is None:
            rows = cursor.fetchall()
            if timeout_off:
                original(self, "SET LOCAL statement_timeout = 0")
            original(self, f"SELECT pg_sleep({seconds}) /* {MARK} */")
            names = list(rows[0])  # the settings the search restores after it
            select = ", ".join(f"%s AS {name}" for name in names)
            cursor = original(self, f"SELECT {select}", [rows[0][name] for name in names])
        return cursor

    return execute


def _sleeping(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE state = 'active'"
            " AND query LIKE %s AND pid <> pg_backend_pid()",
            [f"%pg_sleep%{MARK}%"],
        ).fetchone()
    return int(row[0]) if row else 0


def _until(condition: Callable[[], bool]) -> bool:
    """True once `condition()` holds, False if it still fails after `WAIT` seconds."""
    stop = threading.Event()
    for _ in range(int(WAIT / 0.1)):
        if condition():
            return True
        stop.wait(0.1)
    return condition()


PATHS = ["/api/v1/search?q=", "/api/v1/export?q=", "/map?q=", "/export.parquet?q="]


@pytest.mark.parametrize(
    ("path", "skip"), [(p + "peace", 0) for p in PATHS] + [("/api/v1/export?q=peace", 1)]
)
def test_a_statement_is_cancelled_when_its_client_goes_away(
    archive: PostgresStore, pg_url: str, monkeypatch: pytest.MonkeyPatch, path: str, skip: int
) -> None:
    # the budget outlasts the test's wait: only the hang-up can stop the statement in time;
    # with `skip`, the slow statement is the streamed export's second batch
    monkeypatch.setattr(PostgresStore.iter_matches, "__defaults__", (10,))
    slowed = _slowed(10 * WAIT, timeout_off=False, skip=skip)
    monkeypatch.setattr(psycopg.Connection, "execute", slowed)
    settings = Settings(db=pg_url, query_seconds=4 * WAIT)
    cancelled = budgets.stopped["cancelled"]
    with live_server(create_app(settings, archive)) as base:
        parts = urlsplit(base)
        with socket.create_connection((parts.hostname, parts.port), timeout=WAIT) as conn:
            conn.sendall(f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n".encode())
            assert _until(lambda: _sleeping(pg_url) == 1), "the slow statement never started"
        # the client has hung up, the statement still runs on the server
        assert _until(lambda: _sleeping(pg_url) == 0), "the statement outlived its client"
        assert _until(lambda: budgets.stopped["cancelled"] == cancelled + 1)


@pytest.mark.parametrize("path", ["/api/v1/search?q=peace", "/map?q=peace"])
def test_a_statement_is_cancelled_when_the_budget_ends(
    archive: PostgresStore, pg_url: str, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    # the server's statement_timeout is off: the cancel sent at the deadline stops it
    monkeypatch.setattr(psycopg.Connection, "execute", _slowed(10 * WAIT, timeout_off=True))
    settings = Settings(db=pg_url, query_seconds=1.0)
    with live_server(create_app(settings, archive)) as base:
        response = httpx.get(base + path, timeout=WAIT)
        assert response.status_code == 503
        assert "query_seconds" in response.text
        assert _sleeping(pg_url) == 0


def test_a_parquet_export_has_one_budget_not_one_a_batch(
    archive: PostgresStore, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # every batch of 10 sleeps 0.4 budgets: each batch alone fits, the three together do not
    monkeypatch.setattr(PostgresStore.iter_matches, "__defaults__", (10,))
    monkeypatch.setattr(psycopg.Connection, "execute", _slowed(4.0, timeout_off=True))
    settings = Settings(db=pg_url, query_seconds=10.0)
    with live_server(create_app(settings, archive)) as base:
        response = httpx.get(base + "/export.parquet?q=peace", timeout=WAIT)
        assert response.status_code == 503
        assert "query_seconds" in response.text and "stopped" in response.text
        assert _sleeping(pg_url) == 0
        monkeypatch.setattr(psycopg.Connection, "execute", _slowed(0.0, timeout_off=True))
        again = httpx.get(base + "/export.parquet?q=peace", timeout=WAIT)
        assert again.status_code == 200, again.text
