"""One browser test: Playwright drives Debian's chromium against a real uvicorn server."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from communique.api.app import create_app
from communique.pipeline import ingest
from communique.settings import Settings
from communique.store.sqlite import SqliteStore
from tests.conftest import shared_path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("web") / "web.db"
    settings = Settings(db=str(db))
    store = SqliteStore(db)
    ingest([str(shared_path("seeds")), str(shared_path("pages"))], store, settings)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        create_app(settings, store), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_search_click_and_read_a_statement(server: str) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        page = browser.new_page()
        page.goto(server + "/")
        page.fill("input[name=q]", "Shusha")
        page.press("input[name=q]", "Enter")
        page.wait_for_selector(".hit")
        assert page.locator(".hit").count() == 1
        assert page.locator(".hit mark").first.inner_text() == "Shusha"
        page.click(".hit a.title")
        page.wait_for_selector("article.statement h1")
        heading = page.locator("article.statement h1").inner_text()
        assert heading.startswith(
            "Statement of the Ministry of Foreign Affairs of the Republic of Azerbaijan"
        )
        text = page.locator(".text").inner_text()
        assert "Happy Victory Day!" in text and "Szukaj w archiwum" not in text
        assert page.locator(".captures a[download]").count() == 1
        browser.close()
