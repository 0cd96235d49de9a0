"""A search whose client goes away is stopped: a real uvicorn on 127.0.0.1, a raw socket
client that sends a search and hangs up while the server works on it."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from communique import budget as budgets
from communique.api.app import create_app
from communique.settings import Settings
from communique.store import sqlite_search
from communique.store.sqlite import SqliteStore
from communique.store.sqlite_index import SqliteIndexedSearch
from communique.store.tantivy_index import TantivyIndex
from tests.conftest import add
from tests.live import WAIT, live_server


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> SqliteStore:
    store = SqliteStore(tmp_path_factory.mktemp("cancel") / "c.db")
    for i in range(30):
        add(store, f"https://mfa.example/s/{i}", f"Statement {i} on peace", "peace talks " * 40)
    return store


@pytest.fixture(scope="module")
def server(archive: SqliteStore) -> Iterator[str]:
    # a budget longer than the test waits: the hang-up, however slowly noticed, stops it
    settings = Settings(db=archive.path, query_seconds=2 * WAIT)
    with live_server(create_app(settings, archive)) as url:
        yield url


def _held(original: Callable[..., Any], entered: threading.Event) -> Callable[..., Any]:
    """`original`, run only once the search's client has gone (the server noticed it)."""

    def held(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        budget = budgets.current()
        cancelled = threading.Event()
        while not budget.cancelled and not cancelled.wait(0.05):
            if budget.over():  # the deadline passed first: let the search fail its own way
                break
        return original(*args, **kwargs)

    return held


def _ask_and_hang_up(base: str, path: str, entered: threading.Event) -> None:
    parts = urlsplit(base)
    with socket.create_connection((parts.hostname, parts.port), timeout=WAIT) as conn:
        conn.sendall(f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n".encode())
        assert entered.wait(WAIT), "the server never started the search"
    # the socket is closed here, before any answer


@pytest.mark.parametrize("path", ["/api/v1/search?q=", "/?q="])
@pytest.mark.parametrize("step", ["index", "sql"])
def test_a_search_stops_when_its_client_goes_away(
    server: str, monkeypatch: pytest.MonkeyPatch, path: str, step: str
) -> None:
    entered = threading.Event()
    if step == "index":  # the tantivy search itself runs, then the budget stops the rest
        target: Any = TantivyIndex
        name = "search"
    else:  # SQL run after the hang-up is interrupted by SQLite's progress handler
        target, name = SqliteIndexedSearch, "restriction"
        monkeypatch.setattr(sqlite_search, "_CHECK_EVERY", 1)
    monkeypatch.setattr(target, name, _held(getattr(target, name), entered))
    before = budgets.stopped["cancelled"]
    finished = threading.Event()
    timed_out = budgets.stopped["timeout"]
    _ask_and_hang_up(server, path + quote("peace talks"), entered)
    threading.Thread(target=_wait_for_stop, args=(before, finished), daemon=True).start()
    assert finished.wait(WAIT), "the search was not stopped after its client went away"
    assert budgets.stopped["cancelled"] == before + 1
    assert budgets.stopped["timeout"] == timed_out


def _wait_for_stop(before: int, finished: threading.Event) -> None:
    stop = threading.Event()
    while budgets.stopped["cancelled"] == before and not stop.wait(0.05):
        pass
    finished.set()


def test_a_client_that_stays_gets_its_answer(server: str) -> None:
    import httpx

    response = httpx.get(f"{server}/api/v1/search", params={"q": "peace"}, timeout=WAIT)
    assert response.status_code == 200 and response.json()["total"] == 30
