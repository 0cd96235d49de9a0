"""PDF documents: the text layer via PDFium, paragraphs rebuilt from where each line sits.

PDFium gives the text line by line (no blank lines between paragraphs), so a paragraph starts
where the layout says so: a vertical gap clearly wider than the document's line spacing, a
change of font size, an indented first line, a bullet, or a short line that ends a sentence.
Page numbers and running headers/footers are dropped before lines are joined.
"""

from __future__ import annotations

import ctypes
import itertools
import re
import statistics
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from communique.errors import ExtractionError, InputError
from communique.extract.dates import date_confidence, make_date
from communique.extract.text import build
from communique.extract.textutil import clean, ends_sentence
from communique.model import INFERRED, DatePrecision, Extraction, RawInput, Source

_PDF_DATE = re.compile(r"D:(\d{4})(\d{2})(\d{2})")
_LINE = re.compile(r"[^\r\n\ufffe]+\ufffe?")  # PDFium writes U+FFFE where it took out a hyphen
_PAGE_NUMBER = re.compile(
    r"^[\W_]*(?:page|p\.|seite|página|pagina|стр\.?|страница)?\s*"
    r"(\d{1,4}|(?-i:(?=[ivxlc])c{0,3}(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})))"  # roman: front matter
    r"(?:\s*(?:/|of|sur|de|von|из)\s*\d{1,4})?[\W_]*$",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^(?:[\ue000-\uf8ff•◦▪▫●○■□‣⁃➢➤►✓✔]|[-–—*](?=\s))")
_SYMBOL_BULLET = re.compile(r"^[\ue000-\uf8ff•◦▪▫●○■□‣⁃➢➤►✓✔]\s*")
_DIGITS = re.compile(r"\d+")
_PDFIUM = threading.Lock()  # PDFium is not thread-safe: one document at a time per process

GAP_FACTOR = 1.25  # a gap this many times the usual line spacing separates paragraphs
SHORT_LINE = 0.25  # a sentence-final line ending this share of the column early closes one


@dataclass(frozen=True)
class _Line:
    """One visual line of a page, with its baseline, left/right edges and font size."""

    text: str
    page: int
    x: float
    y: float
    right: float
    size: float
    hyphen: bool = False


def _char_origin(textpage: pdfium.PdfTextPage, char: int) -> tuple[float, float]:
    x, y = ctypes.c_double(), ctypes.c_double()
    pdfium_c.FPDFText_GetCharOrigin(textpage.raw, char, x, y)
    return x.value, y.value


def _char_right(textpage: pdfium.PdfTextPage, char: int) -> float:
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    pdfium_c.FPDFText_GetCharBox(textpage.raw, char, left, right, bottom, top)
    return right.value


def _page_lines(textpage: pdfium.PdfTextPage, page: int) -> Iterator[_Line]:
    """Yield the page's lines in PDFium's reading order, located by their first/last character."""
    text = textpage.get_text_range()
    for match in _LINE.finditer(text):
        segment = match.group(0)
        body = segment.rstrip("\ufffe")
        if not body.strip():
            continue
        start = match.start() + len(body) - len(body.lstrip())
        end = match.start() + len(body.rstrip()) - 1
        first = pdfium_c.FPDFText_GetCharIndexFromTextIndex(textpage.raw, start)
        last = pdfium_c.FPDFText_GetCharIndexFromTextIndex(textpage.raw, end)
        if first < 0 or last < 0:
            continue
        x, y = _char_origin(textpage, first)
        size = pdfium_c.FPDFText_GetFontSize(textpage.raw, first) or 10.0
        hyphen = segment.endswith("\ufffe")
        yield _Line(clean(body), page, x, y, _char_right(textpage, last), size, hyphen)


def _same_row(prev: _Line, line: _Line) -> bool:
    """Return True if `line` continues `prev` on the same row (a superscript, a moved run)."""
    return (
        prev.page == line.page
        and abs(prev.y - line.y) < 0.5 * max(prev.size, line.size)
        and line.x >= prev.right - 1
    )


def _rows(lines: Iterator[_Line]) -> Iterator[_Line]:
    """Merge runs PDFium put on their own line but that sit on the previous line's row."""
    row: _Line | None = None
    for line in lines:
        if row is not None and not row.hyphen and _same_row(row, line):
            glue = "" if line.x - row.right < 0.15 * row.size else " "
            row = replace(
                row, text=row.text + glue + line.text, right=line.right, hyphen=line.hyphen
            )
            continue
        if row is not None:
            yield row
        row = line
    if row is not None:
        yield row


def _read(body: bytes) -> tuple[list[_Line], dict[str, str]]:
    """Return every text line of the PDF and its metadata; InputError if PDFium cannot open it."""
    with _PDFIUM:
        try:
            document = pdfium.PdfDocument(body)
        except (pdfium.PdfiumError, ValueError, OSError) as exc:
            raise InputError(f"not a readable PDF: {exc}") from exc
        try:
            metadata = document.get_metadata_dict(skip_empty=True)
            lines: list[_Line] = []
            for number in range(len(document)):
                page = document[number]
                textpage = page.get_textpage()
                lines.extend(_rows(_page_lines(textpage, number)))
                textpage.close()
                page.close()
        except pdfium.PdfiumError as exc:
            raise ExtractionError(f"PDF text layer unreadable: {exc}") from exc
        finally:
            document.close()
    return lines, metadata


def _extremes(lines: list[_Line], depth: int) -> set[int]:
    """Return the ids of the `depth` highest and lowest lines of each page."""
    by_page: dict[int, list[_Line]] = {}
    for line in lines:
        by_page.setdefault(line.page, []).append(line)
    found: set[int] = set()
    for page_lines in by_page.values():
        ordered = sorted(page_lines, key=lambda line: line.y)
        found.update(id(line) for line in ordered[:depth] + ordered[-depth:])
    return found


def _is_page_number(line: _Line, candidates: list[_Line]) -> bool:
    """Return True if a lone number at a page's edge is its page number, not a line of text."""
    value = line.text.strip(" -–.()[]")
    if not value.isdigit():
        return True  # "Page 3", "3 / 12", "iv"
    same_place = sum(abs(other.y - line.y) < 4 for other in candidates if other.page != line.page)
    return int(value) == line.page + 1 or same_place > 0


def _furniture(lines: list[_Line]) -> set[int]:
    """Return the ids of page numbers and running headers/footers (top or bottom of pages)."""
    edge = _extremes(lines, 1)
    numbers = [ln for ln in lines if id(ln) in edge and _PAGE_NUMBER.match(ln.text)]
    dropped = {id(ln) for ln in numbers if _is_page_number(ln, numbers)}
    pages = len({line.page for line in lines})
    if pages >= 3:
        near_edge = _extremes(lines, 2)
        masked = Counter(
            (_DIGITS.sub("#", ln.text.casefold()), ln.page) for ln in lines if id(ln) in near_edge
        )
        repeats = Counter(key for key, _ in masked)
        running = {key for key, count in repeats.items() if count >= max(3, 0.4 * pages)}
        dropped |= {
            id(ln)
            for ln in lines
            if id(ln) in near_edge and _DIGITS.sub("#", ln.text.casefold()) in running
        }
    return dropped


def _line_spacing(lines: list[_Line]) -> float:
    """Return the usual baseline-to-baseline distance in font sizes (1.2 when unknown)."""
    ratios = [
        (prev.y - line.y) / line.size
        for prev, line in itertools.pairwise(lines)
        if prev.page == line.page
        and abs(prev.size - line.size) <= 0.15 * line.size
        and 0 < prev.y - line.y < 3 * line.size
    ]
    return statistics.median(ratios) if ratios else 1.2


def _follows(prev: _Line, line: _Line, spacing: float) -> bool:
    """Return True if `line` sits right under `prev` at the usual line spacing."""
    gap = prev.y - line.y
    return prev.page == line.page and 0 < gap <= GAP_FACTOR * spacing * line.size


def _indented(line: _Line, after: _Line | None, spacing: float) -> bool:
    """Return True if `line` is a first line indented from the line under it (not centred)."""
    if after is None or not _follows(line, after, spacing) or _BULLET.match(after.text):
        return False
    shift = line.x - after.x
    if shift < max(0.8 * line.size, 6.0):
        return False
    return abs((after.right - line.right) - shift) > 0.25 * shift


def _indent_starts(
    prev: _Line, line: _Line, after: _Line | None, spacing: float, prev_opened: bool
) -> bool:
    """Return True if `line` is an indented first line, not the next line of an indented block."""
    in_block = _follows(prev, line, spacing) and abs(prev.x - line.x) < 2 and not prev_opened
    return not in_block and _indented(line, after, spacing)


def _starts_paragraph(
    prev: _Line,
    line: _Line,
    after: _Line | None,
    spacing: float,
    right_edge: float,
    prev_opened: bool = False,
) -> bool:
    """Decide from the layout whether `line` opens a new paragraph after `prev`."""
    if _BULLET.match(line.text) or _indent_starts(prev, line, after, spacing, prev_opened):
        return True
    width = right_edge - min(prev.x, line.x)
    if prev.hyphen or prev.text.endswith("-"):
        return False
    short = prev.right < right_edge - SHORT_LINE * width
    if not _follows(prev, line, spacing):
        if prev.page == line.page and prev.y - line.y > 0:
            return True  # a wide vertical gap
        return short or ends_sentence(prev.text)  # a new page or column: continue a cut sentence
    if abs(prev.size - line.size) > 0.15 * line.size:
        return True
    return short and ends_sentence(prev.text)


def _join(lines: list[_Line]) -> str:
    """Join a paragraph's lines, mending words hyphenated across a line break."""
    text = _SYMBOL_BULLET.sub("", lines[0].text)
    for prev, line in itertools.pairwise(lines):
        if prev.hyphen or re.search(r"\w-$", prev.text):
            stem = text[:-1] if text.endswith("-") else text
            text = stem + line.text if line.text[:1].islower() else stem + "-" + line.text
        else:
            text = f"{text} {line.text}"
    return clean(text)


def _paragraphs(lines: list[_Line]) -> list[str]:
    """Group body lines into paragraphs at the layout's paragraph boundaries."""
    if not lines:
        return []
    spacing = _line_spacing(lines)
    right_edges: dict[int, float] = {}
    for line in lines:
        right_edges[line.page] = max(right_edges.get(line.page, 0.0), line.right)
    groups: list[list[_Line]] = [[lines[0]]]
    for index in range(1, len(lines)):
        prev, line = lines[index - 1], lines[index]
        after = lines[index + 1] if index + 1 < len(lines) else None
        opened = len(groups[-1]) == 1
        if _starts_paragraph(prev, line, after, spacing, right_edges[prev.page], opened):
            groups.append([line])
        else:
            groups[-1].append(line)
    return [text for text in (_join(group) for group in groups) if text]


def _metadata_date(metadata: dict[str, str]) -> date | None:
    match = _PDF_DATE.match(metadata.get("CreationDate", ""))
    return (
        make_date(int(match.group(1)), int(match.group(2)), int(match.group(3))) if match else None
    )


def extract_pdf(raw: RawInput, source: Source | None = None) -> Extraction:
    """Extract a statement from a PDF's text layer.

    Example:
        >>> from datetime import UTC, datetime
        >>> bad = RawInput(url="file:a.pdf", body=b"%PDF-1.4 cut", content_type="application/pdf",
        ...                origin="a.pdf", fetched_at=datetime.now(UTC))
        >>> try:
        ...     extract_pdf(bad)
        ... except InputError as error:
        ...     print(error)
        not a readable PDF: Failed to load document (PDFium: Data format error).
    """
    if not raw.body.strip():
        raise InputError("empty file")
    if not raw.body.lstrip().startswith(b"%PDF"):
        raise InputError("not PDF: missing %PDF header")
    all_lines, metadata = _read(raw.body)
    if sum(len(line.text) for line in all_lines) < 20:
        raise ExtractionError("PDF has no text layer (scanned image?)")
    furniture = _furniture(all_lines)
    lines = [line for line in all_lines if id(line) not in furniture] or all_lines
    meta_title = clean(metadata.get("Title", ""))
    first = next(
        (line.text for line in lines if len(line.text.split()) >= 3 and not line.text.isdigit()),
        lines[0].text,
    )
    title = meta_title if len(meta_title.split()) >= 3 else first
    paragraphs = _paragraphs(lines)
    if paragraphs and paragraphs[0] == title:
        paragraphs = paragraphs[1:]
    elif paragraphs and paragraphs[0].startswith(title):
        paragraphs[0] = paragraphs[0][len(title) :].strip()
        paragraphs = [p for p in paragraphs if p]
    result = build(raw.url, title, paragraphs, source, hint=None)
    if result.published is None or result.published_source == INFERRED:
        created = _metadata_date(metadata)
        if created is not None:
            result = replace(
                result,
                published=created,
                published_source="pdf-metadata",
                published_confidence=date_confidence("pdf-metadata", created, []),
                published_precision=DatePrecision.DAY,
            )
    return result
