"""Structured records (one JSON object per capture): corpus items with known fields."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from communique.errors import ExtractionError, InputError
from communique.extract import language
from communique.extract.countries import alpha2_from_alpha3, country_name, normalise_alpha2
from communique.extract.dates import Published, date_confidence, parse_partial
from communique.extract.decode import REPLACED, decoding_warnings
from communique.extract.issuers import issuer_for_url
from communique.extract.metadata import doc_type
from communique.extract.textutil import clean, ends_sentence, fold
from communique.model import DatePrecision, DocType, Extraction, RawInput, Source

_TEXT_FIELDS = ("text", "text_raw", "body", "content")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?…»\"”])\s+")
_ELISION = re.compile(r"\s*<…>\s*$")
_LANGUAGE_SAMPLE = 5000
"""Characters of a record's text its language is told from."""


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _field(record: dict[str, Any], *names: str) -> str | None:
    for name in names:
        value = record.get(name)
        if isinstance(value, (str, int, float)) and (text := str(value).strip()):
            return text
    return None


def _strip_leading_echo(text: str, record: dict[str, Any]) -> str:
    """Drop a leading run of the record's own metadata (section label, title, date, place)."""
    title = _field(record, "title")
    if title:
        at = text.find(title, 0, 200 + len(title))
        prefix = text[:at] if at >= 0 else ""
        if at >= 0 and len(prefix.split()) <= 3 and not any(c in prefix for c in ".!?"):
            text = text[at + len(title) :].lstrip()
    summary = _field(record, "summary")
    if summary and text.startswith(summary):
        text = text[len(summary) :].lstrip()
    for name in ("raw_date",):
        value = _field(record, name)
        if value and text.startswith(value):
            text = text[len(value) :].lstrip()
    text = re.sub(r"^\d{1,2}:\d{2}\s+", "", text)
    place = _field(record, "place")
    if place and text.startswith(place):
        text = text[len(place) :].lstrip()
    return text


def _strip_trailing_chrome(text: str) -> str:
    """Drop the run after the last sentence end when it has no sentence punctuation."""
    pieces = _SENTENCE_BREAK.split(text)
    if len(pieces) < 2:
        return text
    tail = pieces[-1]
    if not ends_sentence(tail):
        text = text[: len(text) - len(tail)].rstrip()
    return _ELISION.sub("", text).rstrip()


def _paragraphs(text: str) -> list[str]:
    """The non-empty lines of `text`, cleaned (a run of line breaks is one break).

    Example:
        >>> _paragraphs("We met.\\n\\n\\n  We  agreed.\\n \\n"), _paragraphs("  ")
        (['We met.', 'We agreed.'], [])
    """
    return [p for p in map(clean, text.split("\n")) if p]


def _opening(paragraphs: list[str], size: int) -> str:
    """The first `size` characters of the paragraphs joined by spaces, joining no more of
    them than these need.

    Example:
        >>> _opening(["We met.", "We agreed.", "Done."], 12), _opening(["We met."], 50)
        ('We met. We a', 'We met.')
    """
    length = -1
    for count, paragraph in enumerate(paragraphs, 1):
        length += len(paragraph) + 1
        if length >= size:
            return " ".join(paragraphs[:count])[:size]
    return " ".join(paragraphs)


def _published(record: dict[str, Any]) -> tuple[date, DatePrecision] | None:
    """The record's date, or its `year` alone (the UN General Debate gives only the year)."""
    value = _field(record, "date", "published")
    found = parse_partial(value) if value else None
    if found is None and _field(record, "year"):
        found = parse_partial(str(_field(record, "year")).split(".")[0])
    return found


def extract_record(raw: RawInput, source: Source | None = None) -> Extraction:
    """Map one JSON record (a JSONL line) to an `Extraction`."""
    if not raw.body.strip():
        raise InputError("empty file")
    decoded, codec = _decoded(raw.body)
    try:
        record = json.loads(decoded)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"record is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    if not isinstance(record, dict):
        raise InputError(f"record is not a JSON object but {type(record).__name__}")
    field = next(
        (n for n in _TEXT_FIELDS if isinstance(record.get(n), str) and record[n].strip()), None
    )
    if field is None:
        raise ExtractionError(
            "record has no text: none of the fields " + ", ".join(_TEXT_FIELDS) + " is set"
        )
    text: str = record[field]
    url = _field(record, "url") or raw.url
    known = issuer_for_url(url) if url else None
    if field == "text_raw":
        text = _strip_trailing_chrome(
            _strip_leading_echo(clean(text) if "\n" not in text else text, record)
        )
    paragraphs = _paragraphs(text)
    summary = _field(record, "summary")
    if summary and paragraphs and fold(summary) not in fold(paragraphs[0])[: len(summary) + 10]:
        paragraphs.insert(0, clean(summary))
    if not paragraphs:
        raise ExtractionError(f"record field {field!r} has no text after removing page chrome")

    country = None
    if _field(record, "country"):
        country = normalise_alpha2(str(record["country"]))
    elif _field(record, "country_iso3"):
        country = alpha2_from_alpha3(str(record["country_iso3"]))
    if country is None and source is not None:
        country = source.country
    if country is None and known is not None:
        country = known[1]

    title = _field(record, "title")
    session, year = _field(record, "session"), _field(record, "year")
    kind_hint = _field(record, "doc_type")
    if title is None and session and country:
        label = f" ({year})" if year else ""
        nth = _ordinal(int(float(session)))
        title = f"{country_name(country)} at the UN General Debate, {nth} session{label}"
        kind_hint = kind_hint or DocType.SPEECH.value
    if title is None:
        title = paragraphs[0][:200]

    value, precision = _published(record) or (None, DatePrecision.DAY)
    published = Published(value, "record", date_confidence("record", value, []), precision)
    published = published.or_inferred(
        lambda: _field(record, "text_raw") or text, raw.fetched_at.date()
    )
    issuer = (source.issuer if source is not None else None) or (known[0] if known else None)
    issuer = issuer or _field(record, "issuer")
    if issuer is None and country and session:
        issuer = f"Government of {country_name(country)}"

    expected = source.languages if source is not None else ()
    declared = _field(record, "language")
    lang = language.detect(_opening(paragraphs, _LANGUAGE_SAMPLE), declared, expected)
    kind = _doc_type(kind_hint, title, paragraphs[0], url or "")
    return Extraction(
        url=url or raw.url,
        title=clean(title),
        paragraphs=tuple(paragraphs),
        issuer=issuer,
        country=country,
        language=lang,
        doc_type=kind,
        warnings=decoding_warnings(decoded, codec),
        **published.fields(),
    )


def _decoded(body: bytes) -> tuple[str, str]:
    """The record's text, with any invalid UTF-8 byte replaced where it stands (U+FFFD).

    Example:
        >>> _decoded(b'{"text": "Minsk"}'), _decoded(b'{"text": "Min\\xffsk"}')
        (('{"text": "Minsk"}', 'utf-8'), ('{"text": "Min\ufffdsk"}', 'utf-8-replaced'))
    """
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return body.decode("utf-8", errors="replace"), REPLACED


def _doc_type(hint: str | None, title: str, opening: str, url: str) -> DocType:
    if hint:
        for kind in DocType:
            if kind.value == hint.strip().lower():
                return kind
    return doc_type(title, opening, url)
