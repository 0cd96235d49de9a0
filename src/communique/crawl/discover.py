"""Find statement URLs: listing pages (scored links, selectors, pagination), feeds, sitemaps."""

from __future__ import annotations

import functools
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import parse_qsl, urldefrag, urljoin, urlsplit

import feedparser
from lxml import etree

from communique import lang
from communique.errors import InputError
from communique.extract.dates import parse_iso
from communique.extract.listing import _in_chrome
from communique.extract.selectors import parse_html, select
from communique.model import Selectors


@functools.cache
def _next_words() -> re.Pattern[str]:
    """A pager's link to the next page: its words in any language (`next_page_words` of the
    language profiles), an arrow, or both."""
    words = lang.any_language("next_page_words")
    return re.compile(rf"^(?:(?:{words})(?:\s*[›»→])?|[›»→]|>>?)$", re.I)


_GOOD_PATH = re.compile(
    r"statement|press|news|speech|communiq|release|article|detail|story|remarks|briefing"
    r"|declaration|interview|/node/|/view/|/content/|\d{4}/\d{1,2}/|\d{5,}|[a-z]+-[a-z]+-[a-z]+",
    re.I,
)
_BAD_PATH = re.compile(
    r"/(?:tag|tags|category|categories|author|login|search|contact|about|sitemap|feed|rss"
    r"|privacy|cookies?|imprint|impressum|accessibility)(?:/|$)|[?&](?:lang|share)="
    r"|\.(?:jpe?g|png|gif|svg|css|js|zip|docx?|xlsx?|mp[34]|ico)$",
    re.I,
)
_PDF = re.compile(r"\.pdf(?:$|[?#])", re.I)
_PAGE_PARAM = re.compile(r"^(?:page|p|pg|paged|start|offset|pagenum|page_no)$", re.I)
_PAGE_PATH = re.compile(r"/page/(\d+)/?$", re.I)
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS_NS = "{http://www.google.com/schemas/sitemap-news/0.9}"


@dataclass(frozen=True)
class Found:
    """A URL found on a page, feed or sitemap, with the date given there if any."""

    url: str
    published: date | None = None


@dataclass(frozen=True)
class ListingLinks:
    """What a listing page points to: statement candidates and its next page."""

    items: tuple[Found, ...]
    next_page: str | None
    feeds: tuple[str, ...] = ()
    """RSS / Atom feeds the page announces (`<link rel="alternate">`)."""


def normalise(url: str, base: str) -> str | None:
    """Absolute http(s) URL without fragment, or None for mailto:, javascript: and the like.

    Example:
        >>> normalise("../b.html#top", "https://x.example/a/c.html"), normalise("mailto:a@b", "")
        ('https://x.example/b.html', None)
    """
    try:
        absolute, _ = urldefrag(urljoin(base, url.strip()))
        if urlsplit(absolute).scheme not in ("http", "https") or not _host(absolute):
            return None
    except ValueError:  # a malformed link, e.g. "http://[" (an unclosed IPv6 address)
        return None
    return absolute


def listing_links(
    body: bytes, url: str, hosts: frozenset[str], selectors: Selectors | None = None
) -> ListingLinks:
    """Statement candidates of a listing page (by selectors when given, else by score)."""
    tree = parse_html(body)
    if selectors is not None and selectors.link:
        items = _selected_links(tree, url, selectors)
    else:
        items = _scored_links(tree, url)
    next_page = _next_page(tree, url, hosts)
    kept = tuple(
        f
        for f in _dedupe(items)
        if _host(f.url) in hosts and f.url != next_page and not _same_listing(f.url, url)
    )
    return ListingLinks(kept, next_page, _announced_feeds(tree, url, hosts))


def _selected_links(tree: Any, url: str, selectors: Selectors) -> list[Found]:
    assert selectors.link is not None
    containers = select(tree, selectors.item) if selectors.item else [tree]
    found = []
    for container in containers:
        for value in select(container, selectors.link):
            href = value if isinstance(value, str) else value.get("href", "")
            absolute = normalise(str(href), url)
            if absolute:
                found.append(Found(absolute))
    return found


def _scored_links(tree: Any, url: str) -> list[Found]:
    """Links that look like statements: by URL pattern, anchor text and position."""
    anchors = [a for a in tree.iter("a") if a.get("href")]
    siblings: dict[str, int] = {}
    for a in anchors:
        siblings[_shape(a)] = siblings.get(_shape(a), 0) + 1
    found = []
    for a in anchors:
        absolute = normalise(a.get("href", ""), url)
        if absolute is None or _in_chrome(a):
            continue
        if link_score(absolute, a.text_content(), siblings[_shape(a)]) >= 3:
            found.append(Found(absolute))
    return found


def link_score(url: str, text: str, repeats: int) -> int:
    """How much a link looks like a link to one statement.

    Example:
        >>> link_score("https://mfa.gov.by/en/press/statements/a1b2c/", "Statement on the "
        ...            "countermeasures of the Republic of Belarus", 12)
        6
        >>> link_score("https://mfa.gov.by/en/tag/about/", "About", 1)
        -2
    """
    path = urlsplit(url).path + ("?" + urlsplit(url).query if urlsplit(url).query else "")
    score = 0
    if _PDF.search(url):
        score += 3
    if _GOOD_PATH.search(path):
        score += 2
    if _BAD_PATH.search(path):
        score -= 3
    if path.strip("/").count("/") >= 1:
        score += 1
    words = len(text.split())
    score += 2 if words >= 5 else 1 if words >= 3 else 0
    if text.strip().isdigit() or _next_words().match(" ".join(text.split())):
        score -= 3  # a pager
    if repeats >= 4:
        score += 1
    return score


def _shape(a: Any) -> str:
    """The tag/class path of a link's ancestors: repeated shapes are listing rows."""
    parts = []
    for node in list(a.iterancestors())[:4]:
        parts.append(f"{node.tag}.{node.get('class', '')}")
    return "/".join(parts)


def _announced_feeds(tree: Any, url: str, hosts: frozenset[str]) -> tuple[str, ...]:
    hrefs = tree.xpath(
        "//link[contains(concat(' ', normalize-space(@rel), ' '), ' alternate ')]"
        "[contains(@type, 'rss') or contains(@type, 'atom')]/@href"
    )
    found = (normalise(str(href), url) for href in hrefs)
    return tuple(dict.fromkeys(f for f in found if f and _host(f) in hosts))


def _next_page(tree: Any, url: str, hosts: frozenset[str]) -> str | None:
    candidates = [
        *tree.xpath("//link[@rel='next']/@href"),
        *tree.xpath("//a[contains(concat(' ', normalize-space(@rel), ' '), ' next ')]/@href"),
    ]
    for a in tree.iter("a"):
        label = " ".join((a.text_content() or a.get("aria-label") or a.get("title") or "").split())
        if a.get("href") and _next_words().match(label):
            candidates.append(a.get("href"))
    candidates.extend(_numbered_next(tree, url))
    for href in candidates:
        absolute = normalise(str(href), url)
        if absolute and absolute != url and _host(absolute) in hosts:
            return absolute
    return None


def _numbered_next(tree: Any, url: str) -> list[str]:
    """A link to this listing's page number + 1 (`?page=N`, `/page/N/`)."""
    current = _page_number(url)
    found = []
    for href in tree.xpath("//a/@href"):
        absolute = normalise(str(href), url)
        if absolute and _same_listing(absolute, url) and _page_number(absolute) == current + 1:
            found.append(absolute)
    return found


def _page_number(url: str) -> int:
    parts = urlsplit(url)
    for key, value in parse_qsl(parts.query):
        if _PAGE_PARAM.match(key) and value.isdigit():
            return int(value)
    match = _PAGE_PATH.search(parts.path)
    return int(match.group(1)) if match else 1


def _same_listing(a: str, b: str) -> bool:
    """Two pages of one listing: same path (less `/page/N`), query differing in paging only."""
    pa, pb = urlsplit(a), urlsplit(b)
    if _PAGE_PATH.sub("", pa.path).rstrip("/") != _PAGE_PATH.sub("", pb.path).rstrip("/"):
        return False
    return _unpaged_query(pa.query) == _unpaged_query(pb.query)


def _unpaged_query(query: str) -> list[tuple[str, str]]:
    return sorted((k, v) for k, v in parse_qsl(query) if not _PAGE_PARAM.match(k))


def feed_links(body: bytes, url: str, hosts: frozenset[str]) -> list[Found]:
    """Entries of an RSS or Atom feed, with their published dates."""
    try:
        parsed = feedparser.parse(body, response_headers={"content-location": url})
    except Exception as exc:  # feedparser's own slips on broken markup (KeyError 'links')
        raise InputError(f"{url}: not a readable RSS or Atom feed: {exc!r}") from exc
    if parsed.bozo and not parsed.entries:
        raise InputError(f"{url}: not a readable RSS or Atom feed: {parsed.get('bozo_exception')}")
    found = []
    for entry in parsed.entries:
        link = normalise(str(entry.get("link") or ""), url)
        if link is None or _host(link) not in hosts:
            continue
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        published = date(stamp.tm_year, stamp.tm_mon, stamp.tm_mday) if stamp else None
        found.append(Found(link, published))
    return found


def gunzip(body: bytes, url: str, limit: int) -> bytes:
    """`body` decompressed when it is gzip (a `sitemap.xml.gz`), refusing more than `limit`.

    Example:
        >>> import gzip
        >>> gunzip(gzip.compress(b"<urlset/>"), "s.xml.gz", 100)
        b'<urlset/>'
    """
    if not body.startswith(b"\x1f\x8b"):
        return body
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(body, limit)
    except zlib.error as exc:
        raise InputError(f"{url}: damaged gzip: {exc}") from exc
    if inflater.unconsumed_tail:
        raise InputError(f"{url}: decompresses to more than {limit} bytes")
    return data


def sitemap_links(body: bytes, url: str, hosts: frozenset[str]) -> tuple[list[Found], list[Found]]:
    """(pages, child sitemaps) of a sitemap or sitemap index, with lastmod / news dates."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise InputError(f"{url}: not a readable sitemap: {exc}") from exc
    pages: list[Found] = []
    children: list[Found] = []
    is_index = etree.QName(root).localname == "sitemapindex"
    for entry in root:
        if not isinstance(entry.tag, str):
            continue
        loc = entry.findtext(f"{SITEMAP_NS}loc") or entry.findtext("loc") or ""
        link = normalise(loc, url)
        if link is None or _host(link) not in hosts:
            continue
        stamp = (
            entry.findtext(f"{NEWS_NS}news/{NEWS_NS}publication_date")
            or entry.findtext(f"{SITEMAP_NS}lastmod")
            or entry.findtext("lastmod")
            or ""
        )
        (children if is_index else pages).append(Found(link, parse_iso(stamp.strip()[:10])))
    return pages, children


def recent(found: Iterable[Found], since: date | None) -> list[Found]:
    """Drop what is dated before `since` (undated entries are kept).

    Example:
        >>> [f.url for f in recent([Found("a", date(2020, 1, 1)), Found("b")], date(2024, 1, 1))]
        ['b']
    """
    return [f for f in found if since is None or f.published is None or f.published >= since]


def _dedupe(found: Iterable[Found]) -> list[Found]:
    seen: dict[str, Found] = {}
    for f in found:
        seen.setdefault(f.url, f)
    return list(seen.values())


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
