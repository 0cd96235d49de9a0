"""Tell listing (index) pages from single statements, and find a stub's PDF link."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from lxml import html as lxml_html

_CHROME = re.compile(
    r"(?:main-?)?(?:nav|navigation|navbar|menu|footer|header|breadcrumbs?|sidebar|banner|cookie"
    r"|social|share"
    r"|skip|toolbar)",
    re.I,
)
_CHROME_TAGS = {"nav", "header", "footer", "aside"}


def _in_chrome(element: lxml_html.HtmlElement) -> bool:
    for node in element.iterancestors():
        if node.tag in ("body", "html"):
            return False
        if node.tag in _CHROME_TAGS:
            return True
        marker = f"{node.get('class', '')} {node.get('id', '')}"
        if any(_CHROME.fullmatch(token) for token in marker.split()):
            return True
    return False


def is_listing(link_count: int, prose_chars: int) -> bool:
    """A listing has many links and (almost) no prose of its own in the main text."""
    return link_count >= 10 and prose_chars < 200


def has_long_paragraph(tree: lxml_html.HtmlElement, min_chars: int = 250) -> bool:
    """True when some paragraph of the page holds running text outside links.

    Example:
        >>> page = lxml_html.fromstring("<div><p>" + "We call for peace. " * 20 + "</p></div>")
        >>> has_long_paragraph(page)
        True
    """
    for paragraph in tree.iter("p"):
        text = paragraph.text_content()
        if len(text) < min_chars:
            continue
        linked = sum(len(a.text_content()) for a in paragraph.iter("a"))
        if len(text) - linked >= min_chars:
            return True
    return False


def pdf_link(
    tree: lxml_html.HtmlElement, headline: lxml_html.HtmlElement | None, base_url: str
) -> str | None:
    """Return the PDF linked right under the headline when it is all the body there is."""
    if headline is None:
        return None
    started = False
    pdfs: list[str] = []
    links = 0
    for element in tree.iter():
        if element is headline:
            started = True
            continue
        if not started or not isinstance(element.tag, str):
            continue
        if element.tag in ("h1", "h2", "h3") and element not in headline.iterancestors():
            break
        if element.tag != "a" or not element.get("href"):
            continue
        links += 1
        href = element.get("href") or ""
        if (
            re.search(r"\.pdf(?:$|[?#])", href, re.I)
            or "pdf" in (element.get("type") or "").lower()
        ):
            pdfs.append(href)
    if not 1 <= len(pdfs) <= 3 or links > 12:
        return None
    href = pdfs[0]
    return urljoin(base_url, href) if base_url.startswith(("http://", "https://")) else href
