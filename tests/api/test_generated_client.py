"""A client generated from the OpenAPI document by a standard generator works against a live
server: it builds, and its typed search, statement and export calls round-trip."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from communique.client import Client
from tests.live import WAIT

GENERATOR = "openapi-python-client"
CONFIG = "package_name_override: communique_generated\npost_hooks: []\n"


def generator() -> str:
    """The generator's command: in `.venv-codegen` beside the venv running the tests (it pins
    an older typer than communique's, so `make test` installs it in its own venv), else PATH."""
    beside = Path(sys.prefix).parent / ".venv-codegen" / "bin" / GENERATOR
    found = os.environ.get("COMMUNIQUE_CODEGEN") or (
        str(beside) if beside.exists() else shutil.which(GENERATOR)
    )
    if found is None:
        pytest.fail(f"{GENERATOR} is not installed: `make test` installs it in .venv-codegen")
    return found


@pytest.fixture(scope="module")
def generated(live_api: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("generated")
    document = httpx.get(f"{live_api}/openapi.json", timeout=WAIT).json()
    (folder / "openapi.json").write_text(json.dumps(document), encoding="utf-8")
    (folder / "config.yml").write_text(CONFIG, encoding="utf-8")
    command = [generator(), "generate", "--meta", "none", "--path", "openapi.json"]
    subprocess.run(
        [*command, "--config", "config.yml"],
        cwd=folder,
        check=True,
        capture_output=True,
        timeout=300,
    )
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module("communique_generated")
    finally:
        sys.path.remove(str(folder))
        for name in [n for n in sys.modules if n.startswith("communique_generated")]:
            del sys.modules[name]


def test_generated_search_is_typed_and_pages(generated: Any, live_api: str) -> None:
    search = importlib.import_module("communique_generated.api.search.search")
    models = importlib.import_module("communique_generated.models")
    client = generated.Client(base_url=live_api, timeout=httpx.Timeout(WAIT))
    ids: list[str] = []
    cursor = None
    while True:
        page = search.sync(client=client, q="country:AZ", limit=2, cursor=cursor)
        assert isinstance(page, models.SearchResults) and page.total == 5
        assert all(isinstance(h, models.SearchHit) for h in page.hits)
        assert all(h.country == "AZ" and isinstance(h.doc_type, models.DocType) for h in page.hits)
        assert all(h.published is None or isinstance(h.published, date) for h in page.hits)
        ids += [h.id for h in page.hits]
        cursor = page.next_cursor
        if cursor is None:
            break
    with Client(live_api, timeout=WAIT) as ours:
        assert ids == [h.id for h in ours.search(country="AZ", page_size=2)]
    facets = page.facets.additional_properties
    assert facets["mentions"][0].value == "AM"  # every speech names Armenia


def test_generated_statement_export_and_errors(generated: Any, live_api: str) -> None:
    statements = importlib.import_module("communique_generated.api.statements.get_statement")
    export = importlib.import_module("communique_generated.api.search.export")
    models = importlib.import_module("communique_generated.models")
    client = generated.Client(base_url=live_api, timeout=httpx.Timeout(WAIT))
    with Client(live_api, timeout=WAIT) as ours:
        (hit, *_) = ours.search(country="AM")
        expected = ours.statement(hit.id)
    statement = statements.sync(client=client, statement_id=hit.id)
    assert isinstance(statement, models.Statement)
    assert (statement.title, statement.text) == (expected.title, expected.text)
    answer = export.sync_detailed(client=client, q="country:AM", format_=models.ExportFormat.JSONL)
    lines = [json.loads(line) for line in answer.content.decode().split("\n") if line]
    assert answer.status_code == 200 and {r["country"] for r in lines} == {"AM"} and len(lines) == 2
    missing = statements.sync_detailed(client=client, statement_id="no-such-id")
    assert missing.status_code == 404 and isinstance(missing.parsed, models.Error)
    assert (missing.parsed.code, missing.parsed.parameter) == ("not_found", "statement_id")
