"""Write small, realistic PDFs for tests: Helvetica lines placed as a word processor does."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT = 595.0, 842.0


@dataclass(frozen=True)
class Line:
    """One line of text with its baseline origin in PDF points (origin bottom left)."""

    x: float
    y: float
    text: str
    size: float = 11.0


def _escape(text: str) -> bytes:
    encoded = text.encode("cp1252")
    return encoded.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _content(lines: list[Line]) -> bytes:
    show = b"BT /F1 %.2f Tf 1 0 0 1 %.2f %.2f Tm (%s) Tj ET"
    return b"\n".join(show % (ln.size, ln.x, ln.y, _escape(ln.text)) for ln in lines)


def _info(metadata: dict[str, str]) -> bytes:
    entries = [b"/%s (%s)" % (key.encode(), _escape(value)) for key, value in metadata.items()]
    return b"<< " + b" ".join(entries) + b" >>"


def write_pdf(pages: list[list[Line]], metadata: dict[str, str] | None = None) -> bytes:
    """Return a PDF with one page (A4) per list of lines and an optional Info dictionary."""
    page_ids = [4 + 2 * index for index in range(len(pages))]
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % page for page in page_ids), len(pages)),
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    }
    for page_id, lines in zip(page_ids, pages, strict=True):
        stream = _content(lines)
        objects[page_id] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>"
            % (WIDTH, HEIGHT, page_id + 1)
        )
        objects[page_id + 1] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)
    info_id = 4 + 2 * len(pages)
    if metadata:
        objects[info_id] = _info(metadata)
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    xref = len(out)
    size = max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += b"%010d 00000 n \n" % offsets[number]
    info = b" /Info %d 0 R" % info_id if metadata else b""
    trailer = b"<< /Size %d /Root 1 0 R%s >>" % (size, info)
    out += b"trailer\n%s\nstartxref\n%d\n%%%%EOF\n" % (trailer, xref)
    return bytes(out)
