"""Route a raw input to the extractor for its content type."""

from __future__ import annotations

from communique.errors import InputError
from communique.model import RECORD_CONTENT_TYPE, Extraction, RawInput, Source

_HTML_TYPES = {"text/html", "application/xhtml+xml"}


def extract(raw: RawInput, source: Source | None = None) -> Extraction:
    """Extract a statement from `raw` (HTML, plain text, PDF or a structured record).

    Example:
        >>> from datetime import UTC, datetime
        >>> raw = RawInput(url="file:a.txt", body=b"Statement on peace\\n\\nWe call for peace.",
        ...                content_type="text/plain", origin="a.txt", fetched_at=datetime.now(UTC))
        >>> extract(raw).title
        'Statement on peace'
    """
    kind = raw.content_type.split(";", 1)[0].strip().lower()
    if kind in _HTML_TYPES:
        from communique.extract.html import extract_html

        return extract_html(raw, source)
    if kind == "text/plain":
        from communique.extract.text import extract_text

        return extract_text(raw, source)
    if kind == "application/pdf":
        from communique.extract.pdf import extract_pdf

        return extract_pdf(raw, source)
    if kind == RECORD_CONTENT_TYPE:
        from communique.extract.record import extract_record

        return extract_record(raw, source)
    raise InputError(f"unsupported content type {raw.content_type}")
