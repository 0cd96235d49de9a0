"""Who issued an HTML page: a "Source:" field, the site's home link, breadcrumbs, meta tags.

These are read from the page as served, hidden elements included (a "来源" field hidden by
CSS still names the issuer), before the main-text extractor prunes anything.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import urlsplit

from lxml import etree
from lxml import html as lxml_html

from communique import lang
from communique.extract.textutil import clean

_PHOTO = re.compile(r"©|\b(?:photo|foto|bild|image|picture|getty|reuters|afp|dpa|ap)\b", re.I)


@functools.cache
def _source_label() -> re.Pattern[str]:
    """A "Source: name" field, its label in any language (`source_labels` of the profiles)."""
    labels = lang.any_language("source_labels")
    return re.compile(rf"^\s*(?:{labels})\s*[:：]\s*(?P<name>.*)$", re.I)


@functools.cache
def _generic() -> re.Pattern[str]:
    """A link's text that names no issuer: a home page, a menu or search in any language
    (`home_words` of the profiles), or a language code (a language switch)."""
    words = "|".join((lang.any_language("home_words"), *lang.profiles()))
    return re.compile(rf"^(?:{words})$", re.I)


_LINK_NOISE = re.compile(
    r"^(?:logo(?: of| des| der)?|link to|zur startseite(?: von)?|startseite|homepage)\s*[:\-–]?\s*"
    r"|\s*[\-–|:]\s*(?:zur )?(?:startseite|homepage|home|logo)$|\s+logo$",
    re.I,
)
_BREADCRUMB_CLASSES = ("breadcrumb", "Breadcrumb", "BreadCrumb")
_ORG_WORD = re.compile(
    r"\b(?:ministr|ministère|ministerio|министерств|amt\b|ämter|bundes|office|embassy|mission"
    r"|botschaft|ambassade|embajada|посольств|government|regierung|gouvernement|gobierno"
    r"|правительств|parliament|parlament|council|rat\b|president|präsident|présiden|presiden"
    r"|commission|kommission|agency|agentur|behörde|department|secretariat|polizei|police"
    r"|white house|kremlin|élysée|elysée|downing street|casa rosada|chancellery|kanzleramt)",
    re.I,
)


def _name(text: str) -> str | None:
    text = clean(_LINK_NOISE.sub("", clean(text)))
    words = text.split()
    if not 1 <= len(words) <= 12 or _generic().match(text) or "." in text.replace(". ", ""):
        return None
    return text


_LABELLED_TEXT = etree.XPath("//body/descendant::text()[contains(., ':') or contains(., '：')]")


def source_field(tree: lxml_html.HtmlElement) -> str | None:
    """Return the name in a "Source: …" / "来源：…" field of the page, if one is there.

    Example:
        >>> page = lxml_html.fromstring(
        ...     "<div><p>Text.</p><span style='display:none'>来源：外交部</span></div>")
        >>> source_field(page)
        '外交部'
    """
    for text in _LABELLED_TEXT(tree):
        value = str(text)
        if len(value) > 120:
            continue
        match = _source_label().match(value)
        if match is None or _PHOTO.search(value):
            continue
        element = text.getparent()
        if element is None or _in_figure(element):
            continue
        name = match.group("name").strip(" .")
        if not name:
            name = _text_after(text)
        found = _name(name) if name and not _PHOTO.search(name) else None
        if found and not found.startswith(("http", "www")):
            return found
    return None


def _text_after(text: etree._ElementUnicodeResult) -> str:
    """The text that follows a bare label: the rest of its parent, or the next element."""
    element = text.getparent()
    if element is None:
        return ""
    if text.is_tail:
        following = element.getnext()
        return clean(following.text_content()) if following is not None else ""
    rest = clean(element.text_content()).split(":", 1)[-1].split("：", 1)[-1].strip()
    if rest:
        return rest
    following = element.getnext()
    return clean(following.text_content()) if following is not None else ""


def _in_figure(element: lxml_html.HtmlElement) -> bool:
    return any(a.tag in ("figure", "figcaption", "picture") for a in element.iterancestors())


def _is_home_url(href: str, page_host: str) -> bool:
    """True for an absolute (stripped) `href` to the home page of `page_host`."""
    host, _, path = href.split("//", 1)[1].partition("/")
    path = "/" + path.split("?", 1)[0].split("#", 1)[0]
    return host.lower().removeprefix("www.") == page_host and path.rstrip("/") in _HOME_PATHS


_HOME_PATHS = ("", "/index.html", "/index.php", "/en", "/de", "/fr", "/es", "/ru")
_HOME_HREFS = ("/", "./", "index.html", "index.php")
_ABSOLUTE = ("http://", "https://", "//")


def home_link_labels(tree: lxml_html.HtmlElement, url: str) -> list[str]:
    """Return the names the site's home links (logo, brand) carry, most specific first.

    Example:
        >>> page = lxml_html.fromstring('<div><a href="/"><img alt="外交部"></a></div>')
        >>> home_link_labels(page, "https://example.org/news/1")
        ['外交部']
    """
    page_host = (urlsplit(url).hostname or "").removeprefix("www.") if "//" in url else ""
    found: list[str] = []
    for anchor in tree.iter("a"):
        href = (anchor.get("href") or "").strip()
        absolute = href.startswith(_ABSOLUTE) and len(href) <= 80
        if href not in _HOME_HREFS and not (absolute and _is_home_url(href, page_host)):
            continue
        labels = [anchor.get("title") or "", clean(anchor.text_content())]
        labels += [img.get("alt") or "" for img in anchor.iter("img")]
        for label in sorted(labels, key=len, reverse=True):
            name = _name(label)
            if name and name not in found:
                found.append(name)
    return found


def home_link_name(tree: lxml_html.HtmlElement, url: str) -> str | None:
    """Return the site's name as its home link (logo) labels it.

    Example:
        >>> page = lxml_html.fromstring('<div><a href="/"><img alt="Federal Foreign Office"></a>'
        ...                             '<a href="/news">News</a></div>')
        >>> home_link_name(page, "https://example.org/news/1")
        'Federal Foreign Office'
    """
    return next((name for name in home_link_labels(tree, url) if _ORG_WORD.search(name)), None)


def _breadcrumb_trails(tree: lxml_html.HtmlElement, limit: int = 2) -> list[lxml_html.HtmlElement]:
    """The first `limit` elements whose class or id names a breadcrumb, in document order."""
    found = []
    for element in tree.iter(etree.Element):
        marker = element.get("class") or ""
        if any(c in marker for c in _BREADCRUMB_CLASSES) or "breadcrumb" in (
            element.get("id") or ""
        ):
            found.append(element)
            if len(found) == limit:
                break
    return found


def breadcrumb_root(tree: lxml_html.HtmlElement) -> str | None:
    """Return the first breadcrumb step (not the current page) that names an organisation."""
    for trail in _breadcrumb_trails(tree)[:2]:
        steps = [clean(a.text_content()) for a in trail.iter("a")]
        for step in steps[:3]:
            found = _name(step)
            if found and len(found.split()) <= 5 and _ORG_WORD.search(found):
                return found
    return None


def letterhead(lines: list[str]) -> str | None:
    """Return an organisation named on a short heading line at the top of the text.

    Example:
        >>> letterhead(["The White House", "Office of the Press Secretary", "For release."])
        'The White House'
    """
    for line in lines[:8]:
        text = clean(line)
        if not 1 <= len(text.split()) <= 6 or ":" in text or text.endswith((".", "!", "?")):
            continue
        match = _ORG_WORD.search(text)
        if match and text[:1].isupper() and len(text[: match.start()].split()) <= 2:
            return text
    return None


def names_organisation(text: str) -> bool:
    """True when `text` names an institution (a ministry, an office, …) or is an acronym.

    Example:
        >>> names_organisation("BMWI"), names_organisation("Federal Foreign Office")
        (True, True)
    """
    return bool(
        _ORG_WORD.search(text)
        or (
            re.fullmatch(r"[A-ZÄÖÜ][A-Za-zÄÖÜäöü]{1,5}", text)
            and sum(c.isupper() for c in text) >= 2
        )
    )
