"""The unit of extracted text: a block (paragraph, heading, list item) with link density."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from communique.extract.textutil import clean


@dataclass(frozen=True)
class Block:
    """One paragraph-like piece of extracted text."""

    text: str
    kind: str = "p"
    link_ratio: float = 0.0


def _own_text(item: etree._Element) -> str:
    parts = [item.text or ""]
    for child in item:
        if str(child.tag) != "list":
            parts.append("".join(child.itertext()))
        parts.append(child.tail or "")
    return clean(" ".join(parts))


def from_trafilatura(body: etree._Element) -> list[Block]:
    """Flatten trafilatura's XML body into blocks (list items and table rows become blocks)."""
    result: list[Block] = []

    def visit(element: etree._Element) -> None:
        for child in element:
            tag = str(child.tag)
            if tag in ("list", "table", "div"):
                visit(child)
            elif tag == "row":
                cells = [clean("".join(c.itertext())) for c in child]
                text = " | ".join(c for c in cells if c)
                if text:
                    result.append(Block(text, "row", _ratio(child, text)))
            elif tag == "item" and any(str(c.tag) in ("list",) for c in child):
                own = _own_text(child)
                if own:
                    result.append(Block(own, "item", _ratio(child, own)))
                visit(child)
            else:
                text = clean("".join(child.itertext()))
                if text:
                    result.append(
                        Block(text, "head" if tag == "head" else tag, _ratio(child, text))
                    )

    visit(body)
    return result


def _ratio(element: etree._Element, text: str) -> float:
    linked = sum(len(clean("".join(r.itertext()))) for r in element.iter("ref"))
    return min(1.0, linked / max(1, len(text)))
