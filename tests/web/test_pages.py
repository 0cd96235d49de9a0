"""Server-rendered pages: filters kept by facet links, chips, paging, safe links, headers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from communique.api.app import create_app
from communique.model import Enrichment, Event, Place, TimeExpr
from communique.settings import Settings
from communique.store.base import open_store
from communique.store.sqlite import SqliteStore
from tests.conftest import add

SHUSHA_TEXT = (
    "After the liberation of Shusha on November 8, 2020, the armed forces of Armenia withdrew."
    "\n\nAzerbaijan calls on Armenia to sign the peace treaty."
)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.scripts: list[dict[str, str | None]] = []
        self.h1 = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "a" and found.get("href"):
            self.hrefs.append(str(found["href"]))
        if tag == "script":
            self.scripts.append(found)
        self.h1 += tag == "h1"


def parsed(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    yield from _client(str(tmp_path / "web.db"))


@pytest.fixture
def any_client(store_url: str) -> Iterator[TestClient]:
    """The same site on each backend."""
    yield from _client(store_url)


def _client(location: str) -> Iterator[TestClient]:
    store = open_store(location)
    shusha = add(
        store,
        "https://mfa.gov.az/en/news/victory-day",
        "Statement on the occasion of Victory Day",
        SHUSHA_TEXT,
        published=date(2021, 11, 8),
    )
    enrichment = Enrichment(
        countries=("AM",),
        places=(
            Place("Shusha", 24, 30, 39.76, 46.75, 585103, "AZ"),
            Place("Armenia", 70, 77, 40.0, 45.0, 174982, "AM", feature="country"),
        ),
        times=(TimeExpr("November 8, 2020", 34, 50, "date", "2020-11-08"),),
        events=(Event(SHUSHA_TEXT.split("\n\n")[0], 0, 88, "2020-11-08", None, ("Shusha",)),),
    )
    store.put_enrichment(shusha, enrichment, datetime(2024, 1, 1, tzinfo=UTC))
    for year in (2019, 2020, 2021):
        for n in range(9):
            add(
                store,
                f"https://mfa.am/en/press/{year}-{n}",
                f"Press release {year} number {n}",
                "Armenia and Azerbaijan talks on the peace treaty continue.",
                published=date(year, 3, n + 1),
                country="AM",
                issuer="Ministry of Foreign Affairs of Armenia",
            )
    add(
        store,
        "javascript:alert(document.domain)",
        "<script>alert('title')</script> hostile",
        "<img src=x onerror=alert(1)> hostile text",
        published=date(2022, 1, 1),
    )
    with TestClient(
        create_app(Settings(db=location), store), base_url="http://localhost"
    ) as test_client:
        yield test_client
    store.close()


def test_facet_links_keep_every_filter_and_never_repeat_one(client: TestClient) -> None:
    page = client.get("/", params={"q": "peace country:AM", "from": "2020-01-01"}).text
    links = parsed(page).hrefs
    facet = [h for h in links if "lang%3Aen" in h]
    assert facet, "a language facet link"
    assert all("country%3AAM" in h and "from=2020-01-01" in h for h in facet)
    assert not any(h.count("country%3AAM") > 1 for h in links)


def test_chips_remove_one_filter_each(client: TestClient) -> None:
    page = client.get("/", params={"q": "peace country:AM lang:en", "to": "2021-12-31"}).text
    chips = re.findall(r'<li class="chip">(.*?) <a href="([^"]+)"', page)
    labels = [label for label, _ in chips]
    assert labels == ["country: Armenia (AM)", "lang: en", "to: 2021-12-31"]
    removed = dict(chips)["country: Armenia (AM)"].replace("&amp;", "&")
    assert "country" not in removed and "lang%3Aen" in removed and "to=2021-12-31" in removed


def test_year_facet_in_time_order_and_sets_the_form_dates(client: TestClient) -> None:
    page = client.get("/", params={"q": "peace"}).text
    years = re.findall(r'href="[^"]*from=(\d{4})-01-01&amp;to=\1-12-31[^"]*">(\d{4})<', page)
    assert [y for _, y in years] == sorted(y for _, y in years) and len(years) >= 3


def test_pages_are_numbered_with_previous_and_next(client: TestClient) -> None:
    page = client.get("/", params={"q": "peace", "page": 2}).text
    assert "21–28 of 28 statements" in page
    assert 'rel="prev"' in page and 'rel="next"' not in page


def test_empty_result_names_the_filter_that_emptied_it(client: TestClient) -> None:
    page = client.get("/", params={"q": "peace country:FR"}).text
    assert "No statements match" in page
    assert re.search(r"without <strong>country:FR</strong>: <a [^>]+>28 statements", page)


def test_countries_show_names_with_codes(client: TestClient) -> None:
    assert "Armenia (AM)" in client.get("/").text


def test_every_html_page_has_the_csp_and_one_h1(client: TestClient) -> None:
    shusha = client.get("/api/v1/search", params={"q": "Shusha"}).json()["hits"][0]["id"]
    for path in (
        "/",
        "/?q=peace",
        f"/statements/{shusha}",
        "/map",
        "/timeline",
        "/network",
        "/trends?q=peace&q2=treaty",
        "/changes",
        "/no-such-page",
    ):
        response = client.get(path)
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "default-src 'self'" in csp
        assert parsed(response.text).h1 == 1, path
        assert all(
            s.get("src", "").startswith("/static/") or s.get("type") == "application/json"
            for s in parsed(response.text).scripts
        ), path


def test_unknown_page_gets_the_html_error_page(client: TestClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Back to search" in response.text
    assert client.get("/api/no-such-route").headers["content-type"] == "application/json"


def test_errors_on_pages_are_html_pages_that_name_the_error_in_words(client: TestClient) -> None:
    for path, status, heading, says in (
        ("/statements/0000000000000000", 404, "Not found", "no statement 0000000000000000"),
        ("/?q=%FF%FE", 400, "Query error", "UTF-8"),
        ("/?q=peace&page=two", 422, "Invalid parameter", "page"),
        ("/timeline?q=peace&from=x", 400, "Query error", "from"),
        ("/?q=s*", 400, "Query error", "prefix s* is too short"),
    ):
        response = client.get(path)
        assert response.status_code == status, path
        assert response.headers["content-type"].startswith("text/html"), path
        assert f"<h1>{heading}</h1>" in response.text, path
        assert says in response.text and "Back to search" in response.text, path
    api = client.get("/api/v1/search", params={"q": "peace", "limit": "ten"})
    assert api.status_code == 422 and api.json()["parameter"] == "limit"


def test_a_page_past_the_last_shows_the_last(client: TestClient) -> None:
    page = client.get("/", params={"q": "peace", "page": 9}).text
    assert "21–28 of 28 statements" in page and 'rel="next"' not in page
    assert '<span aria-current="page" class="current">2</span>' in page


def test_explore_links_keep_the_dates_and_never_repeat_a_filter(client: TestClient) -> None:
    dates = {"from": "2019-01-01", "to": "2022-12-31"}
    network = parsed(client.get("/network", params={"q": "country:AZ"} | dates).text).hrefs
    searches = [h for h in network if "mentions%3AAM" in h]
    assert searches, "links from the network to its searches"
    for href in searches:
        assert "from=2019-01-01" in href and "to=2022-12-31" in href, href
        assert href.count("country%3AAZ") == 1 and href.count("mentions%3AAM") == 1, href
    map_page = client.get("/map", params={"q": "place:Shusha"} | dates).text
    places = [h for h in parsed(map_page).hrefs if "place%3AShusha" in h]
    assert places and all(h.count("place%3AShusha") == 1 for h in places)
    assert all("from=2019-01-01" in h for h in places)
    views = [h for h in parsed(map_page).hrefs if h.startswith(("/timeline?", "/network?"))]
    assert len(views) == 2 and all("from=2019-01-01&to=2022-12-31" in h for h in views)


def test_empty_result_names_filters_that_empty_it_together(client: TestClient) -> None:
    page = client.get("/", params={"q": "peace country:AZ type:speech", "to": "2019-12-31"}).text
    assert "No statements match" in page
    found = re.search(r'without <strong>([^<]+)</strong>: <a href="([^"]+)">(\d+) statement', page)
    assert found is not None
    assert found.group(1) == "country:AZ, type:speech, to: 2019-12-31"
    assert found.group(2) == "/?q=peace" and found.group(3) == "28"


def test_docs_work_offline(client: TestClient) -> None:
    page = client.get("/docs").text
    found = re.findall(r'(?:src|href)="([^"]+)"', page)
    sources = [s for s in found if s not in ("/", "data:,") and not s.startswith("#")]
    assert sources and all(s.startswith("/static/") for s in sources)
    for path in sources:
        assert client.get(path).status_code == 200


def test_hostile_record_is_text_not_markup_and_its_url_no_link(client: TestClient) -> None:
    hostile = client.get("/api/v1/search", params={"q": "hostile"}).json()["hits"][0]["id"]
    for path in ("/?q=hostile", f"/statements/{hostile}"):
        page = client.get(path).text
        assert "<script>alert" not in page and "<img src=x" not in page
        assert not any(h.lower().startswith("javascript:") for h in parsed(page).hrefs)
    assert "javascript:alert(document.domain)</span>" in client.get(f"/statements/{hostile}").text


def test_statement_marks_places_countries_dates_and_lists_events(client: TestClient) -> None:
    shusha = client.get("/api/v1/search", params={"q": "Shusha"}).json()["hits"][0]["id"]
    page = client.get(f"/statements/{shusha}", params={"back": "/?q=Shusha"}).text
    assert '<a class="mark mark-place" href="/?q=place%3AShusha"' in page
    assert '<a class="mark mark-country" href="/?q=mentions%3AAM"' in page
    assert "event_from%3A2020-11-08+event_to%3A2020-11-08" in page
    assert 'id="event-0"' in page and 'href="/?q=Shusha">← Back to results' in page
    assert "Back to results" not in client.get(f"/statements/{shusha}?back=//evil.example").text


def test_explore_views_show_the_matches(any_client: TestClient) -> None:
    client = any_client
    assert "Shusha" in client.get("/map", params={"q": "Shusha"}).text
    timeline = client.get("/timeline", params={"q": "Shusha", "at": "2020"}).text
    assert "#event-0" in timeline and "2020-11" in timeline
    event = next(h for h in parsed(timeline).hrefs if h.endswith("#event-0"))
    statement = client.get(event.split("#")[0]).text
    assert 'href="/timeline?q=Shusha&amp;at=2020">← Back to results' in statement
    network = client.get("/network").text
    assert "Azerbaijan (AZ)</td><td>Armenia (AM)" in network
    trends = client.get("/trends", params={"q": "peace", "q2": "treaty", "unit": "year"}).text
    assert "<tr><td>2019</td><td>9</td><td>9</td></tr>" in trends


def test_atom_feed_of_a_search_reads_back_with_feedparser(client: TestClient) -> None:
    import feedparser

    page = client.get("/", params={"q": "peace", "from": "2020-01-01"}).text
    link = re.search(
        r'<link rel="alternate" type="application/atom\+xml"[^>]* href="([^"]+)"', page
    )
    assert link is not None
    response = client.get(link.group(1).replace("&amp;", "&"))
    assert response.headers["content-type"].startswith("application/atom+xml")
    parsed_feed = feedparser.parse(response.content)
    assert not parsed_feed.bozo
    total = client.get("/api/v1/search", params={"q": "peace from:2020-01-01"}).json()["total"]
    assert len(parsed_feed.entries) == total == 19
    assert parsed_feed.entries[0].title == "Statement on the occasion of Victory Day"
    assert parsed_feed.entries[0].link.endswith(
        "/statements/" + parsed_feed.entries[0].id.rsplit("/", 1)[1]
    )


def test_every_view_of_a_search_and_every_saved_search_advertises_its_feed(
    client: TestClient,
) -> None:
    feed = re.compile(
        r'<link rel="alternate" type="application/atom\+xml" title="([^"]+)" href="([^"]+)">'
    )
    for path in ("/", "/map", "/timeline", "/network"):
        page = client.get(path, params={"q": "peace", "from": "2020-01-01"}).text
        assert [h for _, h in feed.findall(page)] == ["/feed?q=peace&amp;from=2020-01-01"], path
    own = {"Origin": "http://localhost"}
    client.post("/saved", data={"name": "treaty", "q": "treaty country:AM"}, headers=own)
    client.post("/saved", data={"name": "peace", "q": "peace"}, headers=own)
    saved = feed.findall(client.get("/saved").text)
    assert saved == [
        ("Atom feed of the saved search peace", "/feed?q=peace"),
        ("Atom feed of the saved search treaty", "/feed?q=treaty+country%3AAM"),
    ]


def test_hostile_record_in_the_feed_is_escaped(client: TestClient) -> None:
    import feedparser

    parsed_feed = feedparser.parse(client.get("/feed", params={"q": "hostile"}).content)
    assert parsed_feed.entries[0].title.startswith("<script>")
    assert all(link.href.startswith("http://localhost/") for link in parsed_feed.entries[0].links)


def test_save_a_search_from_the_page_and_remove_it(client: TestClient) -> None:
    page = client.get("/", params={"q": "peace", "from": "2020-01-01"}).text
    assert 'name="q" value="peace from:2020-01-01"' in page
    own = {"Origin": "http://localhost"}  # a form of this server's pages (see api/guard.py)
    form = {"name": "peace", "q": "peace from:2020-01-01"}
    response = client.post("/saved", data=form, headers=own)
    assert response.status_code == 200 and "<code>peace from:2020-01-01</code>" in response.text
    assert "/feed?q=peace+from%3A2020-01-01" in response.text
    assert "never" in response.text
    gone = client.post("/saved/remove", data={"name": "peace"}, headers=own)
    assert "No saved searches yet" in gone.text
    assert client.post("/saved", data={"name": "../x", "q": "q"}, headers=own).status_code == 400


def test_semantic_mode_and_similar_statements(client: TestClient) -> None:
    from communique import semantic

    store = client.app.state.store  # type: ignore[attr-defined]
    assert semantic.embed_missing(store) == 29
    page = client.get("/", params={"q": "liberation of a city", "mode": "hybrid"}).text
    assert '<option value="hybrid" selected>' in page
    assert "1–20 of the 29 statements ranked by words and meaning" in page
    assert "Download all" not in page
    semantic_page = client.get("/", params={"q": "liberation of a city", "mode": "semantic"}).text
    assert "of the 29 statements closest in meaning" in semantic_page
    assert "Statement on the occasion of Victory Day" in page
    shusha = client.get("/api/v1/search", params={"q": "Shusha"}).json()["hits"][0]["id"]
    assert "<h2>Similar statements</h2>" in client.get(f"/statements/{shusha}").text
    assert client.get("/", params={"q": "peace", "mode": "fuzzy"}).status_code == 400
    api = client.get("/api/v1/search", params={"q": "liberation of a city", "mode": "semantic"})
    assert api.json()["hits"][0]["title"] == "Statement on the occasion of Victory Day"


def test_ingest_flags_a_suspect_url_scheme() -> None:
    from communique.model import url_warnings

    assert url_warnings(" JavaScript:alert(1)") == ("suspect URL scheme: javascript",)
    assert url_warnings("data:text/html,<script>x</script>") == ("suspect URL scheme: data",)
    assert url_warnings("file:///srv/statements/1.html") == ()


def test_dates_show_only_as_precisely_as_known(tmp_path: Path) -> None:
    from communique.model import DatePrecision

    store = SqliteStore(tmp_path / "dates.db")
    year = add(store, "https://un.example/fra-75", "France at the General Debate",
               "We speak for peace and for the planet.", published=date(2020, 1, 1),
               published_precision=DatePrecision.YEAR)  # fmt: skip
    with TestClient(
        create_app(Settings(db=str(tmp_path / "dates.db")), store), base_url="http://localhost"
    ) as client:
        listing = client.get("/", params={"q": "peace"}).text
        page = client.get(f"/statements/{year.id}").text
        api = client.get(f"/api/v1/statements/{year.id}").json()
    store.close()
    assert '<div class="meta">2020 ·' in listing
    assert "<td>2020</td>" in page and "<td>2020-01-01</td>" not in page
    assert api["published_precision"] == "year"


def test_similar_statements_leave_out_the_statements_own_copies(tmp_path: Path) -> None:
    from communique import semantic
    from communique.link.archive import linked
    from tests.link.user_cases import copies_and_translation

    store, settings = copies_and_translation(tmp_path)
    semantic.embed_missing(store)
    first = store.link_order()[0][0]
    copies = {c.id for c in linked(store, first).copies}
    assert len(copies) >= 3
    with TestClient(create_app(settings, store), base_url="http://localhost") as client:
        page = client.get(f"/statements/{first}").text
    similar = page.split("<h2>Similar statements</h2>")[1].split("</section>")[0]
    shown = re.findall(r'href="/statements/([0-9a-f]+)"', similar)
    store.close()
    assert shown, "the other statements are listed"
    assert not copies & set(shown), "a copy of the statement itself is not 'similar'"
