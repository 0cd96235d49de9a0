"""PDF documents: the text layer via pypdf; scanned PDFs without text are rejected."""

from __future__ import annotations

import io
import re
import warnings
from datetime import date

from pypdf import PdfReader
from pypdf.errors import PdfReadError, PyPdfError

from communique.errors import ExtractionError, InputError
from communique.extract.dates import date_confidence, make_date
from communique.extract.text import build
from communique.extract.textutil import clean
from communique.model import Extraction, RawInput, Source

_PDF_DATE = re.compile(r"D:(\d{4})(\d{2})(\d{2})")


def _pages_text(reader: PdfReader) -> str:
    parts: list[str] = []
    for page in reader.pages:
        try:
            parts.append(page.extract_text() or "")
        except (PyPdfError, ValueError, KeyError, TypeError) as exc:
            raise ExtractionError(f"PDF text layer unreadable: {type(exc).__name__}") from exc
    return "\n\n".join(parts)


def _paragraphs(text: str) -> list[str]:
    """Join PDF lines into paragraphs: a line ending a sentence or a blank line closes one."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in text.replace("\r", "\n").split("\n"):
        stripped = line.strip()
        if not stripped:
            if current:
                paragraphs.append(clean(" ".join(current)))
                current = []
            continue
        if current and current[-1].endswith("-") and not current[-1].endswith(" -"):
            current[-1] = current[-1][:-1] + stripped
        else:
            current.append(stripped)
        if re.search(r"[.!?:]['\"”’»)]*$", stripped) and len(stripped) < 60:
            paragraphs.append(clean(" ".join(current)))
            current = []
    if current:
        paragraphs.append(clean(" ".join(current)))
    return [p for p in paragraphs if p]


def _metadata_date(reader: PdfReader) -> date | None:
    info = reader.metadata
    raw = str(info.get("/CreationDate", "")) if info else ""
    match = _PDF_DATE.match(raw)
    return (
        make_date(int(match.group(1)), int(match.group(2)), int(match.group(3))) if match else None
    )


def extract_pdf(raw: RawInput, source: Source | None = None) -> Extraction:
    """Extract a statement from a PDF's text layer."""
    if not raw.body.strip():
        raise InputError("empty file")
    if not raw.body.lstrip().startswith(b"%PDF"):
        raise InputError("not PDF: missing %PDF header")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(raw.body))
            text = _pages_text(reader)
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise InputError(f"not a readable PDF: {exc}") from exc
    lines = [clean(line) for line in text.splitlines() if clean(line)]
    if sum(len(line) for line in lines) < 20:
        raise ExtractionError("PDF has no text layer (scanned image?)")
    meta_title = clean(str(reader.metadata.get("/Title", ""))) if reader.metadata else ""
    first = next(
        (line for line in lines if len(line.split()) >= 3 and not line.isdigit()), lines[0]
    )
    title = meta_title if len(meta_title.split()) >= 3 else first
    paragraphs = _paragraphs(text)
    if paragraphs and clean(paragraphs[0]) == title:
        paragraphs = paragraphs[1:]
    elif paragraphs and paragraphs[0].startswith(title):
        paragraphs[0] = paragraphs[0][len(title) :].strip()
        paragraphs = [p for p in paragraphs if p]
    result = build(raw.url, title, paragraphs, source, hint=None)
    if result.published is None:
        created = _metadata_date(reader)
        if created is not None:
            from dataclasses import replace

            result = replace(
                result,
                published=created,
                published_source="pdf-metadata",
                published_confidence=date_confidence("pdf-metadata", created, []),
            )
    return result
