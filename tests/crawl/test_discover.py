"""Discovery on real listing pages (../shared/pages) with generic scoring and registry selectors."""

from __future__ import annotations

import json
from datetime import date

import pytest

from communique.crawl import discover
from communique.errors import InputError
from communique.model import Selectors
from tests.conftest import shared_path
from tests.crawl.site import FEED_ONLY, Site

# The saved fixtures link to http://localhost/…, so localhost counts as the site's host here.
BELARUS = frozenset({"mfa.gov.by", "localhost"})


def _page(prefix: str) -> bytes:
    return next(shared_path("pages").glob(f"{prefix}_*.html")).read_bytes()


def _registry_entry(url: str) -> dict[str, str]:
    items = json.loads(shared_path("corpora", "diplomaticpulse_source_registry.json").read_text())
    return next(item for item in items if item["url"] == url)


def test_registry_xpath_selectors_with_has_class_find_the_statements() -> None:
    url = "https://mfa.gov.by/en/press/statements"
    entry = _registry_entry(url)
    selectors = Selectors(item=entry["global"], link=entry["link"])
    links = discover.listing_links(_page("006"), url, BELARUS, selectors)
    assert len(links.items) == 5
    assert all(f.url.startswith("http://localhost/") for f in links.items)


def test_generic_scoring_finds_the_same_statements_without_selectors() -> None:
    url = "https://mfa.gov.by/en/press/statements"
    entry = _registry_entry(url)
    chosen = discover.listing_links(
        _page("006"), url, BELARUS, Selectors(item=entry["global"], link=entry["link"])
    )
    generic = discover.listing_links(_page("006"), url, BELARUS)
    assert {f.url for f in chosen.items} <= {f.url for f in generic.items}
    assert not any(f.url.endswith(("/en/press/statements", "/contacts/")) for f in generic.items)


def test_css_selectors_work_too() -> None:
    url = "https://mfa.gov.by/en/press/statements"
    links = discover.listing_links(
        _page("006"), url, BELARUS, Selectors(item="a.tabs-content__item", link="./@href")
    )
    assert len(links.items) == 5


def test_a_bad_selector_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="selector"):
        discover.listing_links(
            _page("006"), "https://mfa.gov.by/", BELARUS, Selectors(link="//a[[")
        )


def test_next_page_from_a_real_listing() -> None:
    url = "http://timor-leste.gov.tl/?cat=27&lang=en"
    links = discover.listing_links(_page("011"), url, frozenset({"timor-leste.gov.tl"}))
    assert links.next_page is not None and links.next_page != url


@pytest.mark.parametrize(
    ("url", "text", "good"),
    [
        ("https://mfa.gov.by/en/press/statements/b7b71aff55bfca76/", "Statement by the Foreign "
         "Ministry on countermeasures", True),
        ("https://mfa.gov.by/en/press/statements/?page=2", "2", False),
        ("https://mfa.gov.by/en/about/", "About the ministry", False),
        ("https://mfa.gov.by/en/press/logo.png", "Logo", False),
        ("https://mfa.gov.by/docs/2021/speech.pdf", "Speech", True),
    ],
)  # fmt: skip
def test_link_score(url: str, text: str, good: bool) -> None:
    assert (discover.link_score(url, text, repeats=10) >= 3) is good


def test_feed_entries_and_dates() -> None:
    site = Site(shared_path("pages"), port=8080)
    found = discover.feed_links(site.feed(), site.base + "/feed.xml", frozenset({"127.0.0.1"}))
    assert found[0].url == site.base + site.statement_path(FEED_ONLY)
    assert all(f.published for f in found)
    assert len(discover.recent(found, date(2022, 10, 1))) == 1  # only the 2022-10-19 one


def test_sitemap_index_and_news_sitemap() -> None:
    site = Site(shared_path("pages"), port=8080)
    hosts = frozenset({"127.0.0.1"})
    pages, children = discover.sitemap_links(site.sitemap("index"), site.base, hosts)
    assert pages == [] and len(children) == 3
    news, _ = discover.sitemap_links(site.sitemap("news"), site.base, hosts)
    assert news[0].published == date(2003, 3, 31)
    assert discover.recent(news, date(2020, 1, 1)) == []


def test_links_to_other_hosts_are_not_followed() -> None:
    site = Site(shared_path("pages"), port=8080)
    found = discover.feed_links(site.feed(), site.base, frozenset({"other.example"}))
    assert found == []


def test_broken_sitemaps_and_feeds_are_input_errors() -> None:
    with pytest.raises(InputError, match="sitemap"):
        discover.sitemap_links(b"<urlset><url>", "https://x.example/s.xml", frozenset())
    with pytest.raises(InputError, match="feed"):
        discover.feed_links(b"\x00\x01 not a feed", "https://x.example/f.xml", frozenset())


def test_a_feed_that_trips_feedparser_is_a_named_input_error() -> None:
    """Found by bench/fuzz.py: a `<link>` left open across a mangled end tag makes
    feedparser itself raise KeyError('links')."""
    broken = b"<rss><channel><item><link>https://a</item></channelx></link></rss>"
    with pytest.raises(InputError, match=r"f\.xml: not a readable RSS or Atom feed"):
        discover.feed_links(broken, "https://x.example/f.xml", frozenset({"x.example"}))
