"""Site-specific selectors: XPath (with parsel's `has-class()`) or CSS, on lxml trees."""

from __future__ import annotations

from typing import Any

from cssselect import GenericTranslator, SelectorError
from lxml import etree
from lxml import html as lxml_html

from communique.errors import InputError


def _has_class(context: Any, *classes: str) -> bool:
    """XPath `has-class("a b")`, as parsel has it: the node's class attribute holds each class."""
    node = context.context_node
    present = set((node.get("class") or "").split()) if hasattr(node, "get") else set()
    return all(c in present for name in classes for c in str(name).split())


etree.FunctionNamespace(None)["has-class"] = _has_class


def select(node: Any, selector: str) -> list[Any]:
    """Elements, attributes or strings matched by an XPath or CSS `selector` under `node`.

    Example:
        >>> tree = parse_html(b"<div class='item new'><a href='/a'>A</a></div>")
        >>> select(tree, "//div[has-class('item')]//a/@href"), len(select(tree, "div.new a"))
        (['/a'], 1)
    """
    selector = selector.strip()
    if selector.startswith(("/", "(", ".")):
        expression = "." + selector if selector.startswith("/") else selector
    else:
        try:
            expression = GenericTranslator().css_to_xpath(selector, prefix="descendant-or-self::")
        except SelectorError as exc:
            raise InputError(f"selector {selector!r} is neither XPath nor CSS: {exc}") from exc
    try:
        found = node.xpath(expression)
    except etree.XPathError as exc:
        raise InputError(f"selector {selector!r}: {exc}") from exc
    return found if isinstance(found, list) else [found]


def parse_html(body: bytes) -> Any:
    """An lxml tree of an HTML page, or `InputError`."""
    try:
        return lxml_html.document_fromstring(body)
    except (etree.ParserError, ValueError) as exc:
        raise InputError(f"unparseable HTML: {exc}") from exc
