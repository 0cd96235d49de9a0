"""Extraction by a source's own selectors, for pages where generic extraction finds no text."""

from __future__ import annotations

from typing import Any

from communique.errors import ExtractionError
from communique.extract import language
from communique.extract.dates import find_dates, parse_iso
from communique.extract.metadata import doc_type
from communique.extract.selectors import parse_html, select
from communique.extract.textutil import clean
from communique.model import Extraction, RawInput, Selectors, Source


def extract_selected(raw: RawInput, selectors: Selectors, source: Source | None) -> Extraction:
    """Title, date and body paragraphs picked by `selectors` (XPath or CSS).

    Example:
        >>> from datetime import UTC, datetime
        >>> page = (b"<html><body><h2 class='t'>On peace</h2><div class='d'>Posted 3 May 2024"
        ...         b"</div><div class='b'><p>We call for a ceasefire now.</p></div></body></html>")
        >>> raw = RawInput(url="https://x.example/a", body=page, content_type="text/html",
        ...                origin="x", fetched_at=datetime.now(UTC))
        >>> chosen = Selectors(title="h2.t", date="div.d", body="div.b p")
        >>> found = extract_selected(raw, chosen, None)
        >>> found.title, found.published.isoformat(), found.paragraphs
        ('On peace', '2024-05-03', ('We call for a ceasefire now.',))
    """
    if not selectors.body:
        raise ExtractionError("no body selector for this source")
    tree = parse_html(raw.body)
    paragraphs = tuple(p for n in select(tree, selectors.body) for p in _paragraphs(n) if p)
    if not paragraphs:
        raise ExtractionError(f"body selector {selectors.body!r} matched no text")
    titles = [_text(n) for n in select(tree, selectors.title)] if selectors.title else []
    title = (
        next((t for t in titles if t), "") or _text(tree.find(".//title")) or paragraphs[0][:200]
    )
    dates = " ".join(_text(n) for n in select(tree, selectors.date)) if selectors.date else ""
    published = parse_iso(dates.strip()[:10]) or next((d for d, _, _ in find_dates(dates)), None)
    text = " ".join(paragraphs)
    return Extraction(
        url=raw.url,
        title=title,
        paragraphs=paragraphs,
        published=published,
        published_source="selector" if published else "none",
        issuer=source.issuer if source else None,
        country=source.country if source else None,
        language=language.detect(text, tree.get("lang")),
        doc_type=doc_type(title, paragraphs[0], raw.url),
    )


def _paragraphs(node: Any) -> list[str]:
    """The paragraphs inside a selected element (its own text when it has none)."""
    if isinstance(node, str) or not hasattr(node, "iter"):
        return [_text(node)]
    blocks = [b for b in node.iter("p", "li", "blockquote", "h2", "h3") if b is not node]
    return [_text(b) for b in blocks] if blocks else [_text(node)]


def _text(node: Any) -> str:
    if node is None:
        return ""
    if isinstance(node, str):
        return clean(node)
    return clean(node.text_content())
