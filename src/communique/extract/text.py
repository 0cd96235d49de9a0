"""Plain-text statements: first non-empty line is the title, blank lines separate paragraphs."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from communique.errors import ExtractionError
from communique.extract import chrome, language
from communique.extract.blocks import Block
from communique.extract.countries import find_country
from communique.extract.dates import (
    Published,
    date_confidence,
    date_in_url,
    dateline,
    find_dates,
)
from communique.extract.decode import charset_param, decode_checked_named, decoding_warnings
from communique.extract.metadata import doc_type, issuer_from_opening
from communique.extract.textutil import clean, split_paragraphs
from communique.model import Extraction, RawInput, Source


def extract_text(raw: RawInput, source: Source | None = None) -> Extraction:
    """Extract a statement from a `.txt` capture."""
    text, codec = decode_checked_named(raw.body, charset_param(raw.content_type), "text")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if index is None:
        raise ExtractionError("text file has no non-empty line")
    title = clean(lines[index])
    paragraphs = split_paragraphs("\n".join(lines[index + 1 :]))
    extraction = build(raw.url, title, paragraphs, source, hint=None)
    return replace(extraction, warnings=decoding_warnings(text, codec))


def build(
    url: str, title: str, paragraphs: list[str], source: Source | None, hint: str | None
) -> Extraction:
    """Trim chrome, find date/issuer/language and assemble an `Extraction` for a text body."""
    if not paragraphs:
        raise ExtractionError("no statement text after the title")
    body_text = " ".join(paragraphs)
    lang = language.detect(body_text, hint, source.languages if source else ())
    kept = [b.text for b in chrome.trim([Block(p) for p in paragraphs], title, lang)]
    if not kept:
        raise ExtractionError("no statement text after removing page chrome")
    published, how = None, "none"
    for candidate in [*paragraphs[:2], *paragraphs[-2:]]:
        found = dateline(candidate)
        if found is not None:
            published, how = found, "dateline"
            break
    if published is None:
        dates = find_dates(title)
        if len(dates) == 1:
            published, how = dates[0][0], "headline"
    confidence = date_confidence(how, published, [date_in_url(url)])
    dated = Published(published, how, confidence).or_inferred(lambda: " ".join(kept), date.today())
    issuer = (
        source.issuer if source and source.issuer else issuer_from_opening(f"{title} {kept[0]}")
    )
    country = (
        source.country if source and source.country else (find_country(issuer) if issuer else None)
    )
    extraction = Extraction(
        url=url,
        title=title,
        paragraphs=tuple(kept),
        issuer=issuer,
        country=country,
        language=lang,
        doc_type=doc_type(title, kept[0], url),
    )
    return dated.stamped(extraction)
