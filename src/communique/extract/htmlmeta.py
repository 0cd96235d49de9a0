"""Read metadata from a parsed HTML page: meta tags, JSON-LD, canonical URL, headline, dates."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html

from communique.extract.dates import dateline, find_dates, is_update_line, parse_iso
from communique.extract.metadata import overlap, segments, variants
from communique.extract.pageissuer import home_link_labels
from communique.extract.textutil import clean, fold, word_count
from communique.extract.titles import SiteEvidence, strip_site_name

_PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date.created",
    "dcterms.created",
    "publication_date",
    "publishdate",
    "pubdate",
    "date",
    "dc.date",
    "dcterms.date",
    "available",
    "parsely-pub-date",
    "sailthru.date",
    "citation_date",
)
_HIDDEN = re.compile(
    r"visually-hidden|sr-only|screen-reader|\baural\b|is-aural|element-invisible|hidden-title", re.I
)
_BRAND = re.compile(r"logo|brand|tagline|masthead|site-?name|site-?title|navbar|^header$", re.I)
_NOT_DATE_CONTEXT = re.compile(
    r"teaser|related|footer|sidebar|comment|copyright|nav|menu|list|promo|updated|modified"
    r"|lastmod",
    re.I,
)
_DATE_CLASS = re.compile(r"date|datum|dateline|pubdate|published|posted", re.I)


@dataclass(frozen=True)
class PageMeta:
    """What the page says about itself outside the main text."""

    metas: dict[str, str]
    ld_headline: str | None
    ld_published: str | None
    ld_publisher: str | None
    ld_modified: str | None = None


def read_meta(tree: lxml_html.HtmlElement) -> PageMeta:
    """Collect `<meta>` values (first non-empty per key) and JSON-LD fields."""
    metas: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = (
            (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        )
        value = clean(meta.get("content") or "")
        if key and value and key not in metas:
            metas[key] = value
    headline = published = publisher = modified = None
    for script in tree.iter("script"):
        if script.get("type") != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "")
        except (ValueError, RecursionError):
            continue
        for item in _ld_items(data):
            headline = headline or _str(item.get("headline"))
            published = published or _str(item.get("datePublished"))
            modified = modified or _str(item.get("dateModified"))
            pub = item.get("publisher")
            if isinstance(pub, dict):
                publisher = publisher or _str(pub.get("name"))
    return PageMeta(metas, headline, published, publisher, modified)


def _str(value: object) -> str | None:
    return clean(value) if isinstance(value, str) and value.strip() else None


def _ld_items(data: object) -> list[dict[str, object]]:
    if isinstance(data, list):
        return [i for d in data for i in _ld_items(d)]
    if isinstance(data, dict):
        graph = data.get("@graph")
        return [data, *(_ld_items(graph) if graph is not None else [])]
    return []


def canonical_url(tree: lxml_html.HtmlElement, meta: PageMeta, url: str) -> str:
    """Return the page's canonical or og:url when absolute http(s), else `url`."""
    links = [link.get("href") for link in tree.iter("link") if link.get("rel") == "canonical"]
    for found in [*(h for h in links if h is not None), meta.metas.get("og:url", "")]:
        href = str(found).strip()
        if href.startswith(("http://", "https://")):
            return href
    return url


def _marker(element: lxml_html.HtmlElement) -> str:
    return f"{element.get('class', '')} {element.get('id', '')}".strip()


def is_hidden(element: lxml_html.HtmlElement) -> bool:
    """True for screen-reader-only elements (site names, skip links)."""
    style = (element.get("style") or "").replace(" ", "").lower()
    return bool(_HIDDEN.search(_marker(element))) or "display:none" in style


def _is_brand(element: lxml_html.HtmlElement) -> bool:
    if is_hidden(element) or "homepage" in (element.get("title") or "").lower():
        return True
    for index, node in enumerate(element.iterancestors()):
        if index > 4:
            break
        marker = _marker(node)
        if node.tag == "a" and (node.get("href") or "").rstrip("/") in ("", ".", "/", "index.html"):
            return True
        if marker and any(_BRAND.search(tok) for tok in marker.split()):
            return True
    return False


def headings(tree: lxml_html.HtmlElement) -> list[tuple[lxml_html.HtmlElement, str]]:
    """Return visible, non-brand h1–h3 elements with their cleaned text, h1 first."""
    found: list[tuple[lxml_html.HtmlElement, str]] = []
    for element in tree.iter("h1", "h2", "h3"):  # one walk, in document order
        text = clean(element.text_content())
        if text and len(text) < 400 and not _is_brand(element):
            found.append((element, text))
    return sorted(found, key=lambda pair: str(pair[0].tag))  # stable: h1, h2, h3


_SELF_NAMES = (
    "og:site_name",
    "application-name",
    "publisher",
    "dc.publisher",
    "dcterms.publisher",
    "copyright",
    "twitter:site",
)
_COPYRIGHT = re.compile(
    r"(?:©|\(c\)|copyright)\s*(?:\d{4}(?:\s*[-–]\s*\d{4})?)?[\s,.]*([^.|©]{3,80})", re.I
)


def site_evidence(tree: lxml_html.HtmlElement, meta: PageMeta, url: str) -> SiteEvidence:
    """Collect what the page says about its own site: its names, host and link labels."""
    names = [meta.metas.get(key, "") for key in _SELF_NAMES]
    names += [meta.ld_publisher or "", *home_link_labels(tree, url)]
    for footer in tree.iter("footer"):
        match = _COPYRIGHT.search(clean(footer.text_content()))
        if match:
            names.append(match.group(1).strip())
    labels = set()
    for anchor in tree.iter("a"):
        text = clean(anchor.text_content())
        if text and word_count(text) <= 4:
            labels.add(fold(text))
    host = (urlsplit(url).hostname or "") if "//" in url else ""
    return SiteEvidence(tuple(n for n in names if n.strip("@ ")), host, frozenset(labels))


def choose_title(
    tree: lxml_html.HtmlElement, meta: PageMeta, fallback: str | None, url: str = ""
) -> tuple[str, lxml_html.HtmlElement | None, list[str]]:
    """Pick the headline: a heading that the `<title>`/og:title confirm, else the cleaned title.

    Returns (title, headline element or None, site-name parts stripped from the page title).
    """
    title_tag = clean(tree.findtext(".//title") or "")
    refs = [
        r
        for r in (
            title_tag,
            meta.metas.get("og:title"),
            meta.metas.get("twitter:title"),
            meta.ld_headline,
        )
        if r
    ]
    evidence = site_evidence(tree, meta, url)
    stripped = [strip_site_name(r, evidence) for r in refs]
    removed = next((r for _, r in stripped if r), [])
    candidates = headings(tree)
    keys = {fold(v): v for ref in refs for v in variants(ref)}
    cores = [core for core, _ in stripped]
    core_keys = {fold(c) for c in cores}
    site_keys = {fold(n) for n in evidence.names}
    affix_keys = {fold(a) for _, r in stripped for a in r}
    for element, text in candidates:
        if fold(text) in core_keys:
            return text, element, _affixes(refs, text)
    for element, text in candidates:
        if element.tag == "h1" and fold(text) in keys and fold(text) not in site_keys:
            return text, element, _affixes(refs, text)
    for element, text in candidates:
        if fold(text) in keys and fold(text) not in affix_keys:
            return text, element, _affixes(refs, text)
    for element, text in candidates:
        if element.tag != "h1":
            continue
        for core in cores:
            if len(core.split()) >= 3 and fold(core) in fold(text):
                return core, element, _affixes(refs, core)
    for element, text in candidates[:6]:
        if len(text.split()) >= 3 and any(overlap(text, r) >= 0.5 for r in refs):
            return text, element, removed
    for element, text in candidates:
        if fold(text) in keys:
            return text, element, _affixes(refs, text)
    for core in cores:
        if core:
            return core, None, _affixes(refs, core)
    if candidates:
        return candidates[0][1], candidates[0][0], removed
    return clean(fallback or ""), None, removed


def _affixes(refs: list[str], title: str) -> list[str]:
    """Return the page-title segments that are not part of the chosen headline."""
    key = fold(title)
    own = {fold(v) for v in variants(title)}
    return [s for r in refs[:2] for s in segments(r) if fold(s) not in own and key not in fold(s)]


_NEAR_HEADLINE = 3000
"""Characters of text before the headline looked at (banners and kickers sit close to it)."""
_NO_TEXT = frozenset({"script", "style", "noscript", "title", "head"})


def text_before(headline: lxml_html.HtmlElement | None) -> str:
    """Return the folded visible text just before the headline element (up to 3,000 chars)."""
    if headline is None:
        return ""
    parts: list[str] = []
    size = 0
    node: lxml_html.HtmlElement | None = headline
    while node is not None and size <= _NEAR_HEADLINE:
        for sibling in node.itersiblings(preceding=True):
            if not isinstance(sibling.tag, str) or sibling.tag in _NO_TEXT:
                continue
            text = " ".join(t for t in sibling.itertext() if t.strip())
            if sibling.tail and sibling.tail.strip():
                text = f"{text} {sibling.tail}"
            if text:
                parts.append(text)
                size += len(text)
                if size > _NEAR_HEADLINE:
                    break
        node = node.getparent()
        if node is not None and node.text and node.text.strip():
            parts.append(node.text)
    return fold(" ".join(reversed(parts)))


_MODIFIED_META = (
    "article:modified_time",
    "og:updated_time",
    "datemodified",
    "dcterms.modified",
    "last-modified",
    "lastmod",
    "revised",
)


def modified_dates(meta: PageMeta, headers: tuple[tuple[str, str], ...] = ()) -> set[date]:
    """Return the dates the page or server give as last modification (never publication)."""
    values = [meta.metas.get(key) for key in _MODIFIED_META]
    values += [meta.ld_modified, *(v for k, v in headers if k.lower() == "last-modified")]
    found = {parse_iso(v) for v in values if v}
    return {d for d in found if d is not None}


def meta_published(meta: PageMeta) -> tuple[date, str] | None:
    """Return the publication date declared in meta tags or JSON-LD."""
    for key in _PUBLISHED_META:
        value = meta.metas.get(key)
        if value:
            found = parse_iso(value)
            if found is not None:
                return found, f"meta:{key}"
    if meta.ld_published:
        found = parse_iso(meta.ld_published)
        if found is not None:
            return found, "json-ld"
    return None


def _bad_context(element: lxml_html.HtmlElement) -> bool:
    for node in [element, *element.iterancestors()]:
        if node.tag in ("body", "html"):
            return False
        if node.tag in ("footer", "nav", "aside") or node.get("itemprop") == "dateModified":
            return True
        marker = _marker(node)
        if marker and _NOT_DATE_CONTEXT.search(marker):
            return True
    return False


def time_element(tree: lxml_html.HtmlElement) -> date | None:
    """Return the date of the first `<time datetime>` outside footers, teasers and lists."""
    for element in tree.iter("time"):
        value = element.get("datetime") or clean(element.text_content())
        found = parse_iso(value) if value else None
        if found is not None and not _bad_context(element):
            return found
    return None


def _marked(tree: lxml_html.HtmlElement) -> Iterator[lxml_html.HtmlElement]:
    """The elements inside `<body>` that have a class or an id, in document order."""
    for body in tree.iter("body"):
        for element in body.iterdescendants(etree.Element):
            if element.get("class") is not None or element.get("id") is not None:
                yield element


def date_element(tree: lxml_html.HtmlElement) -> date | None:
    """Return the date in the first element whose class/id says it holds a date."""
    for element in _marked(tree):
        marker = _marker(element)
        if not _DATE_CLASS.search(marker) or element.tag in ("meta", "script", "style"):
            continue
        if _bad_context(element):
            continue
        text = clean(element.text_content())
        if not text or len(text) > 90 or is_update_line(text):
            continue
        found = dateline(text, max_other_words=4)
        if found is None:
            dates = find_dates(text)
            found = dates[0][0] if len(dates) == 1 else None
        if found is not None:
            return found
    return None


def absolute(url: str, href: str) -> str:
    """Resolve `href` against `url` when `url` is absolute."""
    return urljoin(url, href) if url.startswith(("http://", "https://")) else href
