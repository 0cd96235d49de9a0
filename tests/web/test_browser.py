"""Playwright drives Debian's chromium against a real uvicorn server on a free loopback port.

Every request to another host fails the test; each view is captured at 1280 and 390 px in
test-artifacts/ (gitignored) and must not scroll sideways at 390 px; axe-core finds no serious
or critical violation; a hostile record runs no script anywhere.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from communique.api.app import create_app
from communique.geo import distance_km
from communique.pipeline import ingest
from communique.settings import Settings
from communique.store.sqlite import SqliteStore
from tests.conftest import shared_path
from tests.live import live_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
WIDTHS = (1280, 390)
WAIT_MS = 120_000
"""How long a page may take to show what a step waits for: a bound for a loaded machine, not a
speed assertion (Playwright's own default is 30 s)."""
pytestmark = pytest.mark.browser
HOSTILE_URL = "javascript:window.__pwned='url'"
HOSTILE_RECORD = {
    "title": "<script>window.__pwned='title'</script><img src=x onerror=\"window.__pwned='img'\">",
    "date": "2022-02-02",
    "url": HOSTILE_URL,
    "text": "Hostile text <script>window.__pwned='text'</script> <b onmouseover=alert(1)>bold</b>"
    " about the peace treaty, long enough to be kept as a statement by the archive.",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("web") / "web.db"
    settings = Settings(db=str(db))
    store = SqliteStore(db)
    ingest([str(shared_path("seeds")), str(shared_path("pages"))], store, settings)
    hostile = tmp_path_factory.mktemp("hostile") / "hostile.jsonl"
    hostile.write_text(json.dumps(HOSTILE_RECORD) + "\n", encoding="utf-8")
    ingest([str(hostile)], store, settings)
    with live_server(create_app(settings, store)) as url:
        yield url


@pytest.fixture(scope="module")
def linked_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    """Copies of one statement (one of them at a long URL, edited once), and a translation pair.

    Yields the server's URL, the copied statement's id and the English statement's id."""
    from tests.link.test_archive import ENGLISH, FRENCH, write_copies

    folder = tmp_path_factory.mktemp("linked")
    paths = write_copies(folder)
    long = folder / ("press-service-statement-on-the-occasion-of-victory-day-" + "x" * 160 + ".txt")
    long.write_text(paths[1].read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "en.txt").write_text(ENGLISH, encoding="utf-8")
    (folder / "fr.txt").write_text(FRENCH, encoding="utf-8")
    db = folder / "linked.db"
    settings = Settings(db=str(db), workers=0, enrich=False)
    store = SqliteStore(db)
    ingest([str(p) for p in (*paths, long, folder / "en.txt", folder / "fr.txt")], store, settings)
    edit = " ".join(["A sentence added later, long enough to run past a phone's width."] * 3)
    long.write_text(long.read_text(encoding="utf-8") + "\n\n" + edit, encoding="utf-8")
    ingest([str(long)], store, settings)
    ids = {store.get_statement(s).url: s for s, _ in store.link_order()}
    with live_server(create_app(settings, store)) as url:
        yield url, ids[paths[0].as_uri()], ids[(folder / "en.txt").as_uri()]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(
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
        yield launched
        launched.close()


class Visit:
    """A browser page that refuses every request to another host and records script runs."""

    def __init__(self, browser: Any, server: str, width: int) -> None:
        self.origin = urlsplit(server).netloc
        self.server = server
        self.width = width
        self.foreign: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.context.route("**/*", self._guard)
        self.context.set_default_timeout(WAIT_MS)
        self.page = self.context.new_page()
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _guard(self, route: Any) -> None:
        url = urlsplit(route.request.url)
        if url.scheme in ("http", "https") and url.netloc != self.origin:
            self.foreign.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def shot(self, name: str) -> None:
        """Screenshot into test-artifacts/ and check the page does not scroll sideways."""
        self.page.wait_for_load_state("networkidle")
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}-{self.width}.png"), full_page=True)
        overflow = self.page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {self.width}px"

    def axe(self, name: str) -> None:
        from axe_playwright_python.sync_playwright import Axe

        results = Axe().run(self.page)
        bad = [
            f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not bad, f"{name}: {bad}"

    def close(self) -> None:
        self.context.close()
        assert not self.foreign, f"requests to other hosts: {self.foreign}"
        assert not self.errors, f"script errors: {self.errors}"


@pytest.mark.parametrize("width", WIDTHS)
def test_search_facet_chip_statement_and_every_view(browser: Any, server: str, width: int) -> None:
    visit = Visit(browser, server, width)
    page = visit.page
    page.goto(server + "/")
    page.fill("input[name=q]", "Shusha")
    page.press("input[name=q]", "Enter")
    page.wait_for_selector(".hit")
    assert page.locator(".hit mark").first.inner_text() == "Shusha"
    visit.shot("search")
    visit.axe("search")

    page.goto(server + "/?q=Belarus")
    language = page.locator("section.facet", has=page.locator("h2", has_text="Language"))
    language.get_by_text("en", exact=True).click()
    page.wait_for_selector(".chip")
    assert "lang: en" in page.locator(".chips").inner_text()
    visit.shot("search-facet")
    page.locator(".chip a").first.click()
    page.wait_for_selector(".hit")
    assert page.locator(".chip").count() == 0

    page.goto(server + "/?q=Shusha")
    page.click(".hit a.title")
    page.wait_for_selector("article.statement h1")
    assert (
        page.locator("article.statement h1")
        .inner_text()
        .startswith("Statement of the Ministry of Foreign Affairs of the Republic of Azerbaijan")
    )
    text = page.locator(".text").inner_text()
    assert "Happy Victory Day!" in text and "Szukaj w archiwum" not in text
    assert page.locator(".text a.mark-place", has_text="Shusha").count() >= 1
    assert page.locator(".text a.mark-date").count() >= 1
    assert page.locator(".captures a[download]").count() == 1
    page.wait_for_selector("#statement-map path.leaflet-interactive", state="attached")
    assert page.locator("#statement-map .leaflet-interactive").count() >= 1
    assert page.locator("a", has_text="Back to results").count() == 1
    visit.shot("statement")
    visit.axe("statement")

    page.click("nav[aria-label=Views] a:text('Map')")
    page.wait_for_selector("#search-map .leaflet-marker-icon, #search-map .leaflet-interactive")
    visit.shot("map")
    visit.axe("map")
    page.goto(server + "/map")
    page.wait_for_selector("#search-map .cluster")
    page.locator("#search-map .cluster").first.click()
    page.wait_for_url("**/?q=*near*")
    assert page.locator("#q").input_value().startswith("near:")
    assert page.locator(".hit").count() >= 1
    page.go_back()
    page.wait_for_selector("#search-map .cluster")
    spread = [(0.0, 10.0), (60.0, 10.0), (60.0, 40.0), (-30.0, 150.0)]
    for points in (spread[:2], spread[:3], spread):
        clause = page.evaluate("window.communiqueNear", [list(p) for p in points])
        lat, lon, km = (float(v) for v in clause.removeprefix("near:").split(","))
        assert all(distance_km(lat, lon, *p) <= km for p in points), (clause, points)
    page.locator("#search-map .cluster").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/?q=*near*")

    for view, ready in (
        ("timeline", ".events li a"),
        ("network", "svg.network line"),
        ("trends", "canvas#trend-chart"),
    ):
        page.goto(f"{server}/{view}?q=Belarus")
        page.wait_for_selector(ready)
        visit.shot(view)
        visit.axe(view)
    page.goto(server + "/timeline")
    page.locator(".bars a").first.click()
    page.wait_for_selector(".trail a")
    page.goto(server + "/network")
    page.click("th button[data-col='0']")
    assert page.locator("th[aria-sort=descending]").count() == 1

    page.goto(server + "/docs")
    page.wait_for_selector(".swagger-ui .opblock")
    visit.shot("docs")
    visit.axe("docs")
    page.locator(".opblock-summary-control").first.click()
    page.locator(".try-out__btn").first.click()
    page.locator(".execute").first.click()
    page.wait_for_selector(".live-responses-table")
    visit.axe("docs after a request")
    page.goto(server + "/no-such-page")
    assert page.locator("h1").inner_text() == "Page not found"
    visit.shot("not-found")
    visit.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_copies_versions_translations_and_the_other_pages(
    browser: Any, linked_server: tuple[str, str, str], width: int
) -> None:
    server, copied, english = linked_server
    visit = Visit(browser, server, width)
    page = visit.page
    page.goto(f"{server}/statements/{copied}")
    assert page.locator("#copies tr").count() >= 5
    page.locator(".versions summary").first.click()
    page.wait_for_selector(".versions pre.diff")
    assert "A sentence added later" in page.locator(".versions pre.diff").first.inner_text()
    visit.shot("statement-copies")
    visit.axe("statement-copies")
    page.goto(f"{server}/statements/{english}")
    page.click(".alsoat a[title='side by side']")
    page.wait_for_selector("h1")
    assert "Déclaration conjointe" in page.content()
    visit.shot("beside")
    visit.axe("beside")
    page.goto(server + "/?q=Moscow")
    page.fill(".save-search input[name=name]", "moscow talks")
    page.click(".save-search button")
    page.wait_for_selector("table.saved")
    assert "moscow talks" in page.locator("table.saved").inner_text()
    for name, path in (
        ("saved", "/saved"),
        ("changes", "/changes"),
        ("sources", "/sources"),
        ("bad-parameter", "/?q=Moscow&page=two"),
        ("no-statement", "/statements/0000000000000000"),
    ):
        page.goto(server + path)
        visit.shot(name)
        visit.axe(name)
    page.goto(server + "/saved")
    page.click("button[aria-label='Remove moscow talks']")
    page.wait_for_selector("text=No saved searches yet")
    visit.close()


def test_atom_feed_of_the_page_reads_back_with_feedparser(browser: Any, server: str) -> None:
    import feedparser

    visit = Visit(browser, server, 1280)
    visit.page.goto(server + "/?q=Belarus")
    href = visit.page.locator('link[rel=alternate][type="application/atom+xml"]').get_attribute(
        "href"
    )
    response = visit.page.request.get(server + str(href))
    feed = feedparser.parse(response.body())
    total = visit.page.request.get(server + "/api/v1/search?q=Belarus").json()["total"]
    assert not feed.bozo and len(feed.entries) == total > 0
    assert all(e.link.startswith(server + "/statements/") for e in feed.entries)
    visit.close()


def test_hostile_record_runs_no_script_on_any_page(browser: Any, server: str) -> None:
    visit = Visit(browser, server, 1280)
    page = visit.page
    page.goto(server + "/?q=hostile")
    page.wait_for_selector(".hit")
    page.hover(".hit a.title")
    page.click(".hit a.title")
    page.wait_for_selector("article.statement h1")
    assert "<script>" in page.locator("article.statement h1").inner_text()
    assert page.locator("a[href^='javascript:']").count() == 0
    assert page.locator(".suspect").inner_text() == HOSTILE_URL
    assert "suspect URL scheme: javascript" in page.locator(".provenance").inner_text()
    visit.shot("hostile-statement")
    for path in (
        "/?q=hostile",
        "/timeline?q=hostile",
        "/network?q=hostile",
        "/map?q=hostile",
        "/trends?q=hostile",
        "/feed?q=hostile",
    ):
        page.goto(server + path)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__pwned === undefined"), path
    assert not visit.dialogs
    visit.close()
