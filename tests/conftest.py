"""Shared fixtures: a temporary store on each backend, realistic statements, the shared/ folder."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from communique.model import Capture, DatePrecision, DocType, Statement, statement_id
from communique.store.base import Store, open_store
from tests.pgserver import PgServer, server_bin

SHARED = Path(__file__).resolve().parents[1].parent / "shared"

# No property test has a per-example deadline: on a loaded machine an example may take seconds,
# and a test that measures time is a bench (bench/), not a test.
hypothesis_settings.register_profile(
    "communique", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("communique")


def shared_path(*parts: str) -> Path:
    """A path in ../shared, or skip the test with a message when it is not there."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: shared test material is not on this machine")
    return path


BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One PostgreSQL server for the whole run, started on loopback in a temporary folder."""
    bin_dir = server_bin()
    if bin_dir is None:
        pytest.skip(
            "PostgreSQL server binaries (initdb, pg_ctl) are absent: apt-get install postgresql"
        )
    server = PgServer(bin_dir)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """The URL of a fresh, migrated PostgreSQL database, dropped after the test."""
    url = pg_server.database()
    yield url
    pg_server.drop(url)


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a fresh store lives: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "test.db")
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    yield s
    s.close()


def make_capture(url: str, body: bytes, fetched_at: datetime | None = None) -> Capture:
    return Capture(
        url=url,
        sha256=hashlib.sha256(body).hexdigest(),
        size=len(body),
        content_type="text/html",
        fetched_at=fetched_at or datetime(2024, 1, 1, tzinfo=UTC),
        status=200,
    )


def make_statement(
    url: str,
    title: str,
    paragraphs: tuple[str, ...],
    capture: Capture,
    published: date | None = None,
    issuer: str | None = "Ministry of Foreign Affairs",
    country: str | None = "AZ",
    language: str = "en",
    doc_type: DocType = DocType.STATEMENT,
    published_precision: DatePrecision = DatePrecision.DAY,
) -> Statement:
    return Statement(
        id=statement_id(url),
        url=url,
        title=title,
        paragraphs=paragraphs,
        published=published,
        published_source="test",
        issuer=issuer,
        country=country,
        language=language,
        doc_type=doc_type,
        capture_ids=(capture.id,),
        published_precision=published_precision,
    )


def add(store: Store, url: str, title: str, text: str, **kw: object) -> Statement:
    """Store a statement with one capture whose bytes are its text."""
    fetched = kw.pop("fetched_at", None)
    capture = make_capture(url, (title + text).encode(), fetched)  # type: ignore[arg-type]
    store.put_capture(capture, (title + text).encode())
    statement = make_statement(url, title, tuple(text.split("\n\n")), capture, **kw)  # type: ignore[arg-type]
    store.put_statement(statement, capture)
    return statement


@pytest.fixture(scope="session")
def un_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An enriched archive: Azerbaijan's UN General Debate speeches 2020–2024, and Armenia's of
    2020 and 2021 (from the shared corpus)."""
    import json

    from communique.pipeline import ingest
    from communique.settings import Settings

    corpus = shared_path("corpora", "ungdc_2020_2024.jsonl")
    lines = [
        line
        for line in corpus.read_text(encoding="utf-8").split("\n")
        if line.strip()
        and (
            (record := json.loads(line))["country_iso3"] == "AZE"
            or (record["country_iso3"] == "ARM" and record["year"] <= 2021)
        )
    ]
    folder = tmp_path_factory.mktemp("un-archive")
    (folder / "ungdc-az-am.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = folder / "un.db"
    store = open_store(str(db))
    ingest([str(folder / "ungdc-az-am.jsonl")], store, Settings(db=str(db)))
    store.close()
    return db


@pytest.fixture(scope="session")
def api_token(un_archive: Path) -> str:
    """The token of an API key of `un_archive` (writes through the API need one)."""
    from communique.keys import add_key
    from communique.store.sqlite import SqliteStore

    store = SqliteStore(un_archive)
    try:
        return add_key(store, "tests")[1]
    finally:
        store.close()


@pytest.fixture(scope="session")
def live_api(un_archive: Path) -> Iterator[str]:
    """The base URL of a real communique server (uvicorn, 127.0.0.1, a free port) over
    `un_archive`."""
    from communique.api.app import create_app
    from communique.settings import Settings
    from tests.live import live_server

    with live_server(create_app(Settings(db=str(un_archive)))) as url:
        yield url
