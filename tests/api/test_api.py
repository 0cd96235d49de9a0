from __future__ import annotations

import gc
import json
import weakref
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from communique.api.access import open_gate
from communique.api.app import create_app, settle
from communique.keys import add_key
from communique.pipeline import ingest
from communique.settings import Settings
from communique.store.sqlite import SqliteStore
from tests.conftest import shared_path


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    db = tmp_path_factory.mktemp("api") / "api.db"
    settings = Settings(db=str(db))
    store = SqliteStore(db)
    ingest([str(shared_path("seeds")), str(shared_path("pages"))], store, settings)
    token = add_key(store, "api tests")[1]  # writes need a key (api/guard.py)
    return TestClient(
        create_app(settings, store),
        base_url="http://localhost",
        headers={"Authorization": f"Bearer {token}"},
    )


def test_search_returns_hits_facets_and_cursor(client: TestClient) -> None:
    body = client.get("/api/v1/search", params={"q": "Shusha"}).json()
    assert body["total"] == 1
    hit = body["hits"][0]
    assert hit["title"].startswith(
        "Statement of the Ministry of Foreign Affairs of the Republic of Azerbaijan"
    )
    assert "<mark>Shusha</mark>" in hit["snippet"]
    assert {f["value"] for f in body["facets"]["language"]} == {"en"}


def test_cursor_paging_reaches_every_statement(client: TestClient) -> None:
    total = client.get("/api/v1/search").json()["total"]
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 4, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/search", params=params).json()
        seen += [h["id"] for h in page["hits"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert total > 20 and len(seen) == len(set(seen)) == total


def test_page_size_setting_is_the_default_limit(client: TestClient) -> None:
    app = client.app
    assert len(client.get("/api/search").json()["hits"]) == Settings.page_size
    small = TestClient(
        create_app(Settings(page_size=3), app.state.store), base_url="http://localhost"
    )  # type: ignore[attr-defined]
    assert len(small.get("/api/search").json()["hits"]) == 3
    assert len(small.get("/api/search", params={"limit": 5}).json()["hits"]) == 5


def test_app_version_is_the_package_version(client: TestClient) -> None:
    from importlib.metadata import version

    assert client.get("/openapi.json").json()["info"]["version"] == version("communique")


def test_filters_and_facets_agree(client: TestClient) -> None:
    everything = client.get("/api/v1/search").json()
    german = dict((f["value"], f["count"]) for f in everything["facets"]["language"])["de"]
    assert client.get("/api/v1/search", params={"q": "lang:de"}).json()["total"] == german


def test_statement_and_its_captures(client: TestClient) -> None:
    hit = client.get("/api/v1/search", params={"q": "Shusha"}).json()["hits"][0]
    statement = client.get(f"/api/v1/statements/{hit['id']}").json()
    assert "Szukaj w archiwum" not in statement["text"]
    captures = client.get(f"/api/v1/statements/{hit['id']}/captures").json()
    assert len(captures) == 1
    raw = client.get(captures[0]["download"])
    assert raw.status_code == 200
    assert raw.headers["content-type"] == "application/octet-stream"
    assert raw.headers["content-disposition"].startswith("attachment")
    assert raw.headers["x-content-type-options"] == "nosniff"
    assert b"Szukaj w archiwum" in raw.content  # the evidence is kept whole


def test_enrichment_is_served_and_filters_work(client: TestClient) -> None:
    body = client.get("/api/v1/search", params={"q": 'place:"Shusha" mentions:AM'}).json()
    (hit,) = body["hits"]
    assert {"value": "AM", "count": 1} in body["facets"]["mentions"]
    assert any(f["value"] == "Shusha" for f in body["facets"]["place"])
    enrichment = client.get(f"/api/v1/statements/{hit['id']}/enrichment").json()
    assert {"AZ", "AM"} <= set(enrichment["countries"])
    assert any(p["name"] == "Shusha" for p in enrichment["places"])
    pairs = client.get("/api/v1/mentions").json()
    assert any(p["country"] == "AM" for p in pairs)
    missing = client.get("/api/v1/search", params={"q": "near:95,0,10"})
    assert missing.status_code == 400 and "near:" in missing.json()["message"]


def test_export_streams_all_matches(client: TestClient) -> None:
    total = client.get("/api/v1/search", params={"q": "lang:de"}).json()["total"]
    response = client.get("/api/v1/export", params={"q": "lang:de", "format": "jsonl"})
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert len(lines) == total and all(r["language"] == "de" for r in lines)
    csv = client.get("/api/v1/export", params={"q": "lang:de", "format": "csv"})
    assert csv.text.splitlines()[0].startswith("id,url,title")


@pytest.mark.parametrize(
    ("path", "status", "code", "parameter", "message"),
    [
        ("/api/v1/search?q=%22unclosed", 400, "query_error", "q", "unclosed quote"),
        ("/api/v1/search?q=country:Azerbaijan", 400, "query_error", "q", "alpha-2"),
        ("/api/v1/search?q=co*", 400, "query_error", "q", "prefix co* is too short"),
        ("/api/v1/search?cursor=garbage", 400, "query_error", "cursor", "invalid cursor"),
        ("/api/v1/search?limit=0", 422, "invalid_parameter", "limit", "greater than"),
        ("/api/v1/search?order=random", 422, "invalid_parameter", "order", "relevance"),
        ("/api/v1/statements/nope", 404, "not_found", "statement_id", "no statement nope"),
        ("/api/v1/captures/nope/raw", 404, "not_found", "capture_id", "nope"),
        ("/api/v1/export?format=xml", 422, "invalid_parameter", "format", "jsonl"),
        ("/api/v1/changes?since=2020-13", 400, "query_error", "since", "since:2020-13"),
        ("/api/v1/no-such-route", 404, "not_found", None, "no such path"),
    ],
)
def test_errors_have_one_json_shape(
    client: TestClient, path: str, status: int, code: str, parameter: str | None, message: str
) -> None:
    response = client.get(path)
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"status", "code", "message", "parameter"}
    assert (body["status"], body["code"], body["parameter"]) == (status, code, parameter)
    assert message in body["message"]


def test_unversioned_paths_still_answer_and_say_they_are_deprecated(client: TestClient) -> None:
    old = client.get("/api/search", params={"q": "Shusha"})
    assert old.json() == client.get("/api/v1/search", params={"q": "Shusha"}).json()
    assert old.headers["deprecation"] == "true"
    assert old.headers["link"] == '</api/v1/search>; rel="successor-version"'
    assert "deprecation" not in client.get("/api/v1/stats").headers
    error = client.get("/api/search", params={"q": '"unclosed'}).json()
    assert error["error"] == error["message"] and error["kind"] == "QueryError"
    hit = old.json()["hits"][0]
    captures = client.get(f"/api/statements/{hit['id']}/captures").json()
    assert captures[0]["download"].startswith("/api/captures/")


def test_openapi_documents_the_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/search",
        "/api/v1/statements/{statement_id}",
        "/api/v1/statements/{statement_id}/captures",
        "/api/v1/statements/{statement_id}/enrichment",
        "/api/v1/mentions",
        "/api/v1/export",
    ):
        assert path in paths
    assert client.get("/docs").status_code == 200


def test_web_pages_render_and_escape(client: TestClient) -> None:
    page = client.get("/", params={"q": "Shusha"}).text
    assert "<mark>Shusha</mark>" in page and "1 statement" in page
    hostile = client.get("/", params={"q": "<script>alert(1)</script>"}).text
    assert "<script>alert(1)</script>" not in hostile
    bad = client.get("/", params={"q": '"unclosed'})
    assert bad.status_code == 400 and "unclosed quote" in bad.text


def test_stats(client: TestClient, tmp_path: Path) -> None:
    numbers = client.get("/api/v1/stats").json()
    assert numbers["statements"] > 20 and numbers["captures"] >= numbers["statements"]


def test_no_server_paths_in_responses(client: TestClient) -> None:
    """Files ingested from the server show their names: in the API, exports and web pages."""
    folders = {str(shared_path("seeds").parent), str(shared_path("seeds").resolve().parent)}
    hit = client.get("/api/v1/search", params={"q": "Shusha"}).json()["hits"][0]
    sid = hit["id"]
    captures = client.get(f"/api/v1/statements/{sid}/captures").json()
    failures = client.get("/api/v1/failures").json()
    origins = [c["origin"] for c in captures] + [f["origin"] for f in failures]
    assert origins and not any(o.startswith("/") or "/shared/" in o for o in origins)
    urls = [hit["url"], *(c["url"] for c in captures), *(f["url"] for f in failures)]
    assert urls and not any(u.startswith("file:") or "/shared/" in u for u in urls)
    assert "/" not in hit["url"] and hit["url"].endswith((".html", ".txt"))  # the file name
    answers = [
        client.get(path, params=params).text
        for path, params in [
            ("/api/v1/search", {"q": ""}),
            (f"/api/v1/statements/{sid}", {}),
            (f"/api/v1/statements/{sid}/copies", {}),
            ("/api/v1/export", {"format": "jsonl"}),
            ("/api/v1/export", {"format": "csv"}),
            ("/", {"q": "Shusha"}),
            (f"/statements/{sid}", {}),
        ]
    ]
    assert not [folder for folder in folders for answer in answers if folder in answer]
    store = client.app.state.store  # type: ignore[attr-defined]
    assert store.get_capture(captures[0]["id"]).url.startswith("file:///")  # stored as captured


def test_statements_carry_their_warnings(tmp_path: Path) -> None:
    page = tmp_path / "bad-byte.html"
    page.write_bytes(
        b"<html><head><meta charset='utf-8'><title>Statement on the talks</title></head>"
        b"<body><h1>Statement on the talks</h1><p>The Ministry of Foreign Affairs welcomes"
        b" the talks in \xffBaku and calls on all parties to respect the ceasefire.</p>"
        b"<p>It reaffirms its commitment to the norms of international law.</p></body></html>"
    )
    settings = Settings(db=str(tmp_path / "w.db"), enrich=False)
    store = SqliteStore(tmp_path / "w.db")
    ingest([str(page)], store, settings)
    api = TestClient(create_app(settings, store), base_url="http://localhost")
    (hit,) = api.get("/api/v1/search").json()["hits"]
    statement = api.get(f"/api/v1/statements/{hit['id']}").json()
    assert statement["warnings"] == ["1 invalid UTF-8 byte sequences replaced by U+FFFD"]
    assert statement["url"] == "bad-byte.html"
    exported = json.loads(api.get("/api/v1/export").text.splitlines()[0])
    assert exported["warnings"] == statement["warnings"] and exported["url"] == "bad-byte.html"


def test_saved_searches_are_created_listed_read_and_deleted(client: TestClient) -> None:
    made = client.post(
        "/api/v1/saved-searches", json={"name": "shusha az", "query": "Shusha country:AZ"}
    )
    assert made.status_code == 201, made.text
    assert made.headers["location"] == "/api/v1/saved-searches/shusha%20az"
    assert made.json()["query"] == "Shusha country:AZ"
    listed = client.get("/api/v1/saved-searches").json()
    assert [(s["name"], s["query"]) for s in listed] == [("shusha az", "Shusha country:AZ")]
    assert client.get(made.headers["location"]).json() == listed[0]
    feed = client.get(listed[0]["feed"])
    assert feed.status_code == 200 and "Shusha" in feed.text
    again = client.post("/api/v1/saved-searches", json={"name": "shusha az", "query": "war"})
    assert (again.status_code, again.json()["code"], again.json()["parameter"]) == (
        409,
        "conflict",
        "name",
    )
    assert client.get(made.headers["location"]).json()["query"] == "Shusha country:AZ"
    assert client.delete(made.headers["location"]).status_code == 204
    assert client.get("/api/v1/saved-searches").json() == []
    gone = client.delete(made.headers["location"])
    assert (gone.status_code, gone.json()["parameter"]) == (404, "name")
    assert client.get(made.headers["location"]).status_code == 404


@pytest.mark.parametrize(
    ("body", "status", "parameter"),
    [
        ({"name": "../etc", "query": "treaty"}, 400, "name"),
        ({"name": "", "query": "treaty"}, 400, "name"),
        ({"name": "open quote", "query": '"treaty'}, 400, "query"),
        ({"name": "no query"}, 422, "query"),
    ],
)
def test_a_bad_saved_search_is_refused_and_nothing_is_stored(
    client: TestClient, body: dict[str, str], status: int, parameter: str
) -> None:
    answer = client.post("/api/v1/saved-searches", json=body)
    assert (answer.status_code, answer.json()["parameter"]) == (status, parameter)
    assert client.get("/api/v1/saved-searches").json() == []


def test_writes_ask_the_apps_write_gate_and_reads_do_not(client: TestClient) -> None:
    from fastapi import Request

    from communique.alerts import save_search
    from communique.errors import CommuniqueError

    class NoKey(CommuniqueError):
        status = 401

    asked: list[str] = []

    def refuse(request: Request) -> None:
        asked.append(f"{request.method} {request.url.path}")
        raise NoKey("a write needs an API key")

    store = client.app.state.store  # type: ignore[attr-defined]
    save_search(store, "kept", "treaty")
    client.app.state.write_gate = refuse  # type: ignore[attr-defined]
    try:
        made = client.post("/api/v1/saved-searches", json={"name": "new", "query": "war"})
        removed = client.delete("/api/v1/saved-searches/kept")
        listed = client.get("/api/v1/saved-searches")
    finally:
        client.app.state.write_gate = open_gate  # type: ignore[attr-defined]
    assert (made.status_code, removed.status_code, listed.status_code) == (401, 401, 200)
    assert made.json()["message"] == "a write needs an API key"
    assert asked == ["POST /api/v1/saved-searches", "DELETE /api/v1/saved-searches/kept"]
    assert [s["name"] for s in listed.json()] == ["kept"]
    store.delete_search("kept")


class _Node:
    """An object that can be in a reference cycle and be watched by a weak reference."""

    other: object = None


def test_settle_freezes_what_lives_and_garbage_made_later_is_still_collected(
    client: TestClient,
) -> None:
    kept = _Node()
    try:
        settle()
        assert gc.isenabled()
        assert gc.get_freeze_count() > 1000  # the modules, the app and its store
        assert kept not in gc.get_objects()  # left out of every generation's pass
        later = _Node()
        later.other = _Node()
        later.other.other = later  # a cycle: only the collector frees it
        alive = weakref.ref(later)
        del later
        assert client.get("/api/v1/search", params={"q": "peace"}).status_code == 200
        gc.collect()
        assert alive() is None
    finally:
        gc.unfreeze()
