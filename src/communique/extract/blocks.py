"""The unit of extracted text: a block (paragraph, heading, list item) with link density."""

from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass

from lxml import etree

from communique.extract.textutil import clean


@dataclass(frozen=True)
class Block:
    """One paragraph-like piece of extracted text."""

    text: str
    kind: str = "p"
    link_ratio: float = 0.0
    teaser: bool = False
    """Starts with a link of three words or more followed by more text (a 'related' tile)."""


def _own_text(item: etree._Element) -> str:
    parts = [item.text or ""]
    for child in item:
        if str(child.tag) != "list":
            parts.append("".join(child.itertext()))
        parts.append(child.tail or "")
    return clean(" ".join(parts))


def page_links(tree: etree._Element) -> tuple[int, frozenset[str]]:
    """Return how many `<a href>` a page has and its link texts (three characters or more).

    Example:
        >>> from lxml import html
        >>> page_links(html.fromstring('<p><a href="/a">Home</a> <a name="x">to</a></p>'))
        (1, frozenset({'Home'}))
    """
    found = set()
    count = 0
    for anchor in tree.iter("a"):
        count += anchor.get("href") is not None
        text = clean((anchor.text or "") if len(anchor) == 0 else anchor.text_content())
        if len(text) >= 3:
            found.add(text)
    return count, frozenset(found)


def from_trafilatura(body: etree._Element, anchors: frozenset[str] = frozenset()) -> list[Block]:
    """Flatten trafilatura's XML body into blocks (list items and table rows become blocks).

    A block's link ratio is the share of its text made of the page's link texts (`anchors`).
    """
    result: list[Block] = []
    for line_break in body.iter("lb"):
        line_break.tail = " " + (line_break.tail or "")

    def _ratio(element: etree._Element, text: str) -> float:
        return link_ratio(text, anchors)

    def _block(text: str, kind: str, element: etree._Element) -> Block:
        return Block(text, kind, _ratio(element, text), is_teaser(text, anchors))

    def loose(text: str | None, element: etree._Element) -> None:
        """Text lying directly in a container (before or between its children) is a block too."""
        text = clean(text or "")
        if text:
            result.append(_block(text, "p", element))

    def visit(element: etree._Element) -> None:
        if str(element.tag) in ("body", "div"):
            loose(element.text, element)
        for child in element:
            tag = str(child.tag)
            if tag in ("list", "table", "div"):
                visit(child)
            elif tag == "row":
                cells = [clean("".join(c.itertext())) for c in child]
                text = " | ".join(c for c in cells if c)
                if text:
                    result.append(_block(text, "row", child))
            elif tag == "item" and any(str(c.tag) in ("list",) for c in child):
                own = _own_text(child)
                if own:
                    result.append(_block(own, "item", child))
                visit(child)
            else:
                text = clean("".join(child.itertext()))
                if text:
                    result.append(_block(text, "head" if tag == "head" else tag, child))
            if str(element.tag) in ("body", "div"):
                loose(child.tail, element)

    visit(body)
    return result


def link_ratio(text: str, anchors: frozenset[str]) -> float:
    """Return the share of `text` covered by link texts.

    Example:
        >>> link_ratio("Home", frozenset({"Home"})), link_ratio("We met today.", frozenset())
        (1.0, 0.0)
    """
    if not text:
        return 0.0
    if text in anchors:
        return 1.0
    if len(text) > 400:
        return 0.0
    index = _by_first_character(anchors)
    linked = 0
    for character in set(text).intersection(index):  # a link text inside starts with one
        group, lengths = index[character]
        fitting = group[: bisect.bisect_right(lengths, len(text))]
        linked += sum(map(len, filter(text.__contains__, fitting)))
    return min(1.0, linked / len(text))


@functools.lru_cache(maxsize=4)
def _by_first_character(
    anchors: frozenset[str],
) -> dict[str, tuple[tuple[str, ...], list[int]]]:
    """The link texts grouped by first character, each group sorted by length with lengths."""
    groups: dict[str, list[str]] = {}
    for anchor in sorted(anchors, key=len):
        groups.setdefault(anchor[0], []).append(anchor)
    return {c: (tuple(group), [len(a) for a in group]) for c, group in groups.items()}


def is_teaser(text: str, anchors: frozenset[str]) -> bool:
    """True when `text` opens with a link of three words or more and goes on after it.

    Example:
        >>> is_teaser("Coach fired by clubThe club lost again", frozenset({"Coach fired by club"}))
        True
    """
    if len(text) > 400 or text in anchors:
        return False
    candidates = _by_opening(anchors).get(text[:12], ())
    return any(len(a) < len(text) and text.startswith(a) for a in candidates)


@functools.lru_cache(maxsize=4)
def _by_opening(anchors: frozenset[str]) -> dict[str, tuple[str, ...]]:
    """Index the link texts of three words or more by their first 12 characters."""
    index: dict[str, list[str]] = {}
    for anchor in anchors:
        if len(anchor) >= 12 and len(anchor.split()) >= 3:
            index.setdefault(anchor[:12], []).append(anchor)
    return {key: tuple(values) for key, values in index.items()}
