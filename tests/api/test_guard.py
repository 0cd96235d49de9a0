"""Who may write, against a real uvicorn on 127.0.0.1: API keys on every write, rate limits
with 429 and Retry-After, web forms only from the server's own pages."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from typer.testing import CliRunner

from communique.api.app import create_app
from communique.api.guard import SAFE_METHODS
from communique.api.limits import TokenBuckets
from communique.cli import app as cli
from communique.errors import TooManyRequests
from communique.settings import Settings
from communique.store.sqlite import SqliteStore
from tests.conftest import add
from tests.live import live_server

WRITE = "/api/v1/saved-searches"
"""A path the API writes through (POST); the guard answers before any route does."""

WAIT = 120.0
"""A bound on waiting for an answer on a loaded machine (not a speed assertion)."""


def _cli(db: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "--db", str(db)])
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


@pytest.fixture()
def archive(tmp_path: Path) -> SqliteStore:
    store = SqliteStore(tmp_path / "g.db")
    add(store, "https://mfa.example/s/1", "Statement on peace", "The ministry welcomes the talks.")
    return store


Serve = Callable[..., AbstractContextManager[str]]


@pytest.fixture()
def serve(archive: SqliteStore) -> Serve:
    """Start a real server over the archive with these settings (a context manager)."""

    def start(**settings: Any) -> AbstractContextManager[str]:
        return live_server(create_app(Settings(db=archive.path, **settings), archive))

    return start


def test_writes_need_an_active_key(archive: SqliteStore, serve: Serve) -> None:
    db = Path(archive.path)
    token = _cli(db, "keys", "add", "newsroom bot")
    other = _cli(db, "keys", "add", "old script")
    listed = _cli(db, "keys", "list", "--json")
    assert "newsroom bot" in listed and token not in listed and other not in listed
    old_id = other.split("_")[1]
    _cli(db, "keys", "revoke", old_id)
    rows = [line.split() for line in _cli(db, "keys", "list").splitlines()]
    assert [(r[0], "revoked" in r) for r in rows] == [(token.split("_")[1], False), (old_id, True)]
    with serve() as url, httpx.Client(base_url=url, timeout=WAIT) as http:
        bare = http.post(WRITE, json={"name": "peace", "query": "peace"})
        assert bare.status_code == 401 and bare.headers["WWW-Authenticate"].startswith("Bearer")
        assert bare.json()["code"] == "unauthorized" and "communique keys add" in bare.text
        for wrong in (other, token[:-1] + ("A" if token[-1] != "A" else "B"), "cq_x", "null"):
            answer = http.post(WRITE, headers={"Authorization": f"Bearer {wrong}"})
            assert answer.status_code == 401, wrong
        assert "revoked" in http.delete(WRITE, headers={"Authorization": f"Bearer {other}"}).text
        admitted = http.post(
            WRITE,
            json={"name": "peace", "query": "peace"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert admitted.status_code == 201 and [s.name for s in archive.saved_searches()] == [
            "peace"
        ]
        assert http.get("/api/v1/stats").status_code == 200  # reads stay open
        assert http.get("/").status_code == 200
    with serve(keys_for_reads=True) as url, httpx.Client(base_url=url, timeout=WAIT) as http:
        assert http.get("/api/v1/stats").status_code == 401
        good = http.get("/api/v1/stats", headers={"Authorization": f"Bearer {token}"})
        assert good.status_code == 200 and good.json()["statements"] == 1


def test_every_write_route_is_guarded(archive: SqliteStore, serve: Serve) -> None:
    app = create_app(Settings(db=archive.path), archive)
    writes = [
        (method, route.path)
        for route in app.routes
        if isinstance(route, APIRoute) and route.path.startswith("/api/")
        for method in route.methods - SAFE_METHODS
    ]
    with serve() as url, httpx.Client(base_url=url, timeout=WAIT) as http:
        for method, path in [*writes, ("POST", WRITE), ("DELETE", "/api/v1/statements/x")]:
            answer = http.request(method, path.replace("{", "").replace("}", ""))
            assert answer.status_code == 401, (method, path)
    document = app.openapi()
    assert document["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    for operations in document["paths"].values():
        for method, operation in operations.items():
            assert ("security" in operation) == (method.upper() not in SAFE_METHODS)


def test_rate_limits_answer_429_with_retry_after(archive: SqliteStore, serve: Serve) -> None:
    token = _cli(Path(archive.path), "keys", "add", "eager bot")
    key = {"Authorization": f"Bearer {token}"}
    with (
        serve(read_rate=0.01, write_rate=0.01, rate_burst=3) as url,
        httpx.Client(base_url=url, timeout=WAIT) as http,
    ):
        reads = [http.get("/api/v1/stats").status_code for _ in range(4)]
        assert reads == [200, 200, 200, 429]
        refused = http.get("/api/v1/stats")
        assert refused.json()["code"] == "too_many_requests"
        assert int(refused.headers["Retry-After"]) >= 1
        assert http.get("/").status_code == 429  # the web pages share the address's bucket
        writes = [http.post(WRITE, headers=key).status_code for _ in range(4)]
        assert 429 not in writes[:3] and writes[3] == 429
        # failed key guesses spend the address's write tokens too
        assert http.post(WRITE, headers={"Authorization": "Bearer cq_guess"}).status_code == 429


def test_buckets_refill_and_are_kept_per_client() -> None:
    now = [0.0]
    buckets = TokenBuckets(rate=2.0, burst=2, clock=lambda: now[0], max_clients=2)
    buckets.take("key a")
    buckets.take("key a")
    with pytest.raises(TooManyRequests) as refused:
        buckets.take("key a")
    assert refused.value.retry_after == 1
    buckets.take("key b")  # another client has its own bucket
    now[0] = 0.5  # a second's half at 2 a second: one token back
    buckets.take("key a")
    with pytest.raises(TooManyRequests):
        buckets.take("key a")
    buckets.take("key c")  # a third client: the least recently seen (b) is forgotten
    assert len(buckets._buckets) == 2 and "key b" not in buckets._buckets


def test_web_forms_write_only_from_the_servers_own_pages(
    archive: SqliteStore, serve: Serve
) -> None:
    form = {"name": "peace", "q": "peace"}
    with serve() as url, httpx.Client(base_url=url, timeout=WAIT) as http:
        for headers in (
            {},
            {"Origin": "http://evil.example"},
            {"Origin": "null"},
            {"Referer": "http://evil.example/page"},
            {"Origin": url.replace("127.0.0.1", "localhost")},
        ):
            forged = http.post("/saved", data=form, headers=headers)
            assert forged.status_code == 403 and "own pages" in forged.text, headers
        assert archive.saved_searches() == []
        own = http.post("/saved", data=form, headers={"Origin": url})
        assert own.status_code == 303 and [s.name for s in archive.saved_searches()] == ["peace"]
        by_referer = http.post(
            "/saved/remove", data={"name": "peace"}, headers={"Referer": f"{url}/saved"}
        )
        assert by_referer.status_code == 303 and archive.saved_searches() == []
    with serve(web_writes=False) as url, httpx.Client(base_url=url, timeout=WAIT) as http:
        off = http.post("/saved", data=form, headers={"Origin": url})
        assert off.status_code == 403 and "web_writes" in off.text


REBOUND = "rebind.attacker.example"
"""A name an attacker's DNS points at 127.0.0.1 after the victim's browser loaded its page."""


@pytest.mark.parametrize("path", ["/api/v1/stats", "/", "/map", "/static/style.css"])
def test_a_foreign_host_header_is_refused(serve: Serve, path: str) -> None:
    with serve() as url, httpx.Client(base_url=url, timeout=WAIT) as http:
        rebound = http.get(path, headers={"Host": f"{REBOUND}:{url.rsplit(':', 1)[1]}"})
        assert rebound.status_code == 400 and REBOUND in rebound.text
        if path.startswith("/api/"):
            assert rebound.json()["code"] == "unknown_host"
        for host in ("localhost", "LOCALHOST:8000", "127.0.0.1", "[::1]:8000", "10.1.2.3"):
            assert http.get(path, headers={"Host": host}).status_code == 200, host
        assert http.get(path, headers={"Host": "bad host:x"}).status_code == 400


def test_allowed_hosts_and_public_url_add_names(archive: SqliteStore, serve: Serve) -> None:
    settings = {
        "public_url": "https://archive.example.org",
        "allowed_hosts": "*.gov.example, b.test",
    }
    with serve(**settings) as url, httpx.Client(base_url=url, timeout=WAIT) as http:
        for host in ("archive.example.org", "mfa.gov.example", "B.test:443"):
            assert http.get("/api/v1/stats", headers={"Host": host}).status_code == 200, host
        for host in ("gov.example", REBOUND, "archive.example.org.attacker.example"):
            assert http.get("/api/v1/stats", headers={"Host": host}).status_code == 400, host
        # a form sent from public_url's pages through a proxy that passes another Host on
        form = {"name": "peace", "q": "peace"}
        proxied = http.post("/saved", data=form, headers={"Origin": "https://archive.example.org"})
        assert proxied.status_code == 303 and [s.name for s in archive.saved_searches()] == [
            "peace"
        ]
        foreign = http.post("/saved", data=form, headers={"Origin": "https://mfa.gov.example"})
        assert foreign.status_code == 403
    with serve(allowed_hosts="*") as url, httpx.Client(base_url=url, timeout=WAIT) as http:
        assert http.get("/api/v1/stats", headers={"Host": REBOUND}).status_code == 200
