"""The Python client against a live server on 127.0.0.1 (never a mock)."""

from __future__ import annotations

import asyncio
import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from communique.api.app import create_app
from communique.client import ApiError, AsyncClient, Client, Retry, SearchHit, Statement
from communique.client._core import query_text
from communique.settings import Settings
from tests.live import live_server

QUICK = Retry(attempts=4, backoff=0.01, jitter=0)


@pytest.fixture
def client(live_api: str, api_token: str) -> Iterator[Client]:
    with Client(live_api, retry=QUICK, api_key=api_token) as archive:
        yield archive


def test_search_follows_cursors_to_every_hit(client: Client) -> None:
    total = client.search_page(limit=1).total
    results = client.search(page_size=2)
    assert len(results) == total == 7 and results.first_page().facets["country"]
    hits = list(results)
    assert len(hits) == total
    assert len({h.id for h in hits}) == total
    assert all(isinstance(h, SearchHit) for h in hits)
    assert len(list(client.search(page_size=2).pages())) == 4


def test_keyword_filters_become_query_filters(client: Client) -> None:
    armenian = list(client.search(country="AM"))
    assert len(armenian) == 2 and {h.country for h in armenian} == {"AM"}
    assert {h.id for h in client.search("Karabakh", country=["AZ", "AM"])} >= {
        h.id for h in client.search("Karabakh", country="AZ")
    }
    with pytest.raises(TypeError, match="unknown search filter 'nation'"):
        client.search(nation="AZ")


def test_query_text_quotes_and_names_filters() -> None:
    assert query_text("", {"place": "Nagorno Karabakh", "edited": True}) == (
        'place:"Nagorno Karabakh" edited:yes'
    )


def test_statement_and_enrichment_are_typed(client: Client) -> None:
    (hit, *_) = client.search("Shusha", country="AZ")
    statement = client.statement(hit.id)
    assert isinstance(statement, Statement)
    assert statement.title == hit.title and "Shusha" in statement.text
    enrichment = client.enrichment(hit.id)
    assert {"AZ", "AM"} <= set(enrichment.countries)
    assert all(statement.text[p.start : p.end] for p in enrichment.places)
    (capture,) = client.captures(hit.id)
    assert capture.id in statement.capture_ids
    assert [v.capture_id for v in client.versions(hit.id)] == [capture.id]


def test_stats_and_mentions(client: Client) -> None:
    stats = client.stats()
    assert stats.statements == 7 and stats.captures == 7
    assert any(m.issuer_country == "AZ" and m.country == "AM" for m in client.mentions())
    assert client.failures() == [] and client.changes(since="2020") == []


def test_export_streams_every_match_to_a_file(client: Client, tmp_path: Path) -> None:
    path = client.export("country:AZ", tmp_path / "az.jsonl")
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 5 and {r["country"] for r in records} == {"AZ"}
    assert Statement.model_validate(records[0]) == client.statement(records[0]["id"])
    rows = list(csv.DictReader(client.export("", tmp_path / "all.csv", "csv").open()))
    assert len(rows) == 7 and not (tmp_path / "all.csv.part").exists()


def test_errors_are_raised_with_their_code_and_parameter(client: Client, tmp_path: Path) -> None:
    with pytest.raises(ApiError) as missing:
        client.statement("no-such-id")
    assert (missing.value.status, missing.value.code) == (404, "not_found")
    assert missing.value.parameter == "statement_id"
    with pytest.raises(ApiError) as malformed:
        list(client.search('"unclosed'))
    assert (malformed.value.status, malformed.value.parameter) == (400, "q")
    with pytest.raises(ApiError, match="query_error"):
        client.export('"unclosed', tmp_path / "never.jsonl")
    assert not (tmp_path / "never.jsonl").exists()


def test_saved_searches_round_trip(live_api: str, client: Client) -> None:
    saved = client.save_search("armenia peace", "peace country:AM")
    assert (saved.name, saved.query) == ("armenia peace", "peace country:AM")
    with pytest.raises(ApiError) as taken:
        client.save_search("armenia peace", "war")
    assert (taken.value.status, taken.value.parameter) == (409, "name")

    async def read() -> list[str]:
        async with AsyncClient(live_api, retry=QUICK) as archive:
            return [s.query for s in await archive.saved_searches()]

    assert asyncio.run(read()) == ["peace country:AM"]
    assert client.saved_search("armenia peace") == saved
    client.delete_search("armenia peace")
    with pytest.raises(ApiError) as gone:
        client.delete_search("armenia peace")
    assert (gone.value.status, client.saved_searches()) == (404, [])


def test_results_as_arrow_and_pandas(client: Client) -> None:
    import pyarrow as pa

    table = client.search(country="AZ").to_arrow()
    assert table.num_rows == 5 and table.column_names == list(SearchHit.model_fields)
    assert table.schema.field("published").type == pa.date32()
    assert table.schema.field("capture_ids").type == pa.list_(pa.string())
    assert table.schema.field("doc_type").type == pa.string()
    frame = client.search(country="AZ", page_size=2).to_pandas()
    assert len(frame) == 5 and set(frame["country"]) == {"AZ"}
    assert frame["score"].isna().all()  # no words, so no relevance


def test_async_client_gives_the_same_answers(live_api: str, client: Client, tmp_path: Path) -> None:
    async def run() -> tuple[list[str], Statement, int]:
        async with AsyncClient(live_api, retry=QUICK) as archive:
            ids = [hit.id async for hit in archive.search(page_size=3)]
            statement = await archive.statement(ids[0])
            path = await archive.export("country:AM", tmp_path / "am.jsonl")
            frame = await archive.search(country="AM").to_pandas()
            assert len(frame) == 2
            return ids, statement, len(path.read_text(encoding="utf-8").splitlines())

    ids, statement, exported = asyncio.run(run())
    assert ids == [h.id for h in client.search(page_size=3)]
    assert statement == client.statement(ids[0]) and exported == 2


def _flaky(un_archive: Path, failures: int, seen: list[Request]) -> FastAPI:
    """The real app behind a front that answers 503, then 429, for the first `failures` calls."""
    app = create_app(Settings(db=str(un_archive)))

    @app.middleware("http")
    async def fail_first(request: Request, call_next):  # type: ignore[no-untyped-def]
        seen.append(request)
        if len(seen) <= failures:
            status = 503 if len(seen) % 2 else 429
            return JSONResponse(
                {"status": status, "code": "busy", "message": "try later", "parameter": None},
                status_code=status,
                headers={"Retry-After": "0"},
            )
        response: Response = await call_next(request)
        return response

    return app


def test_retries_429_and_5xx_then_succeeds(un_archive: Path) -> None:
    seen: list[Request] = []
    with (
        live_server(_flaky(un_archive, failures=2, seen=seen)) as url,
        Client(url, retry=QUICK, api_key="k-123") as archive,
    ):
        assert archive.stats().statements == 7
    assert len(seen) == 3
    assert {r.headers["authorization"] for r in seen} == {"Bearer k-123"}


def test_gives_up_after_its_attempts(un_archive: Path) -> None:
    seen: list[Request] = []
    with (
        live_server(_flaky(un_archive, failures=10, seen=seen)) as url,
        Client(url, retry=Retry(attempts=3, backoff=0.01, jitter=0)) as archive,
        pytest.raises(ApiError) as busy,
    ):
        archive.stats()
    assert busy.value.status == 503 and busy.value.code == "busy" and len(seen) == 3


@pytest.mark.parametrize(
    ("status", "idempotent", "retried"),
    [
        (503, True, True),
        (500, True, True),
        (404, True, False),
        (500, False, False),
        (503, False, True),
        (429, False, True),
    ],
)
def test_writes_are_retried_only_when_the_server_cannot_have_done_them(
    status: int, idempotent: bool, retried: bool
) -> None:
    import httpx

    answer = httpx.Response(status, headers={"Retry-After": "2"})
    delay = Retry(jitter=0).delay(1, answer, idempotent)
    assert (delay == 2.0) if retried else delay is None
    assert Retry(jitter=0).delay(1, None, False, httpx.ReadTimeout("slow")) is None
    assert Retry(jitter=0).delay(1, None, False, httpx.ConnectError("refused")) == 0.5
