"""Route a raw input to the extractor for its content type."""

from __future__ import annotations

from communique.model import Extraction, RawInput, Source


def extract(raw: RawInput, source: Source | None = None) -> Extraction:
    """Extract a statement from `raw` (HTML, plain text, PDF or a structured record)."""
    raise NotImplementedError
