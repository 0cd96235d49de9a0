"""WARC in and out (warcio): each HTTP response or resource record is one capture."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from communique.model import Capture, ExtractionFailure, RawInput

EXTRACTABLE = ("text/html", "application/xhtml+xml", "text/plain", "application/pdf")


def read_warc(path: Path, max_bytes: int) -> Iterator[RawInput | ExtractionFailure]:
    """Yield each extractable response or resource record of the WARC at `path`.

    Records of other content types (images, scripts, styles) are passed over. A damaged
    file yields the records before the damage, then one failure that says where it stopped.
    """
    number = 0
    try:
        with path.open("rb") as handle:
            records = ArchiveIterator(handle)
            for number, record in enumerate(records, start=1):
                item = _record_input(record, path, number, max_bytes)
                record.raw_stream.read()
                if getattr(record.raw_stream, "limit", 0) > 0:
                    raise EOFError(f"record {number} is cut short")
                if item is not None:
                    yield item
            if records.offset < path.stat().st_size:
                raise EOFError(
                    f"{path.stat().st_size - records.offset} bytes after the last record"
                )
    except (ArchiveLoadFailed, EOFError, zlib.error, OSError, ValueError) as exc:
        yield ExtractionFailure(
            "",
            path.resolve().as_uri(),
            f"{path}#record{number + 1}",
            f"WARC is truncated or damaged after record {number}: {exc}",
            datetime.now(UTC),
        )


def _record_input(
    record: Any, path: Path, number: int, max_bytes: int
) -> RawInput | ExtractionFailure | None:
    if record.rec_type not in ("response", "resource"):
        return None
    url = record.rec_headers.get_header("WARC-Target-URI") or ""
    origin = f"{path}#record{number}"
    http = record.http_headers if record.rec_type == "response" else None
    if record.rec_type == "response" and http is None:
        return None
    content_type = (
        http.get_header("Content-Type") if http else record.rec_headers.get_header("Content-Type")
    ) or ""
    media_type = content_type.split(";")[0].strip().lower()
    if media_type not in EXTRACTABLE:
        return None
    body = record.content_stream().read(max_bytes + 1)
    if len(body) > max_bytes:
        return ExtractionFailure(
            "", url, origin, f"record is over the {max_bytes} byte limit", datetime.now(UTC)
        )
    return RawInput(
        url=url,
        body=body,
        content_type=media_type,
        origin=origin,
        fetched_at=_warc_date(record.rec_headers.get_header("WARC-Date")),
        status=int(http.get_statuscode()) if http else None,
        headers=tuple(http.headers) if http else (("Content-Type", content_type),),
    )


def _warc_date(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def write_warc(path: Path, captures: Iterable[tuple[Capture, bytes]]) -> int:
    """Write each capture as a WARC response record (gzipped per record); returns the count."""
    count = 0
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=path.name.endswith(".gz"))
        for capture, body in captures:
            headers = list(capture.headers) or [("Content-Type", capture.content_type)]
            http = StatusAndHeaders(f"{capture.status or 200} OK", headers, protocol="HTTP/1.1")
            record = writer.create_warc_record(
                capture.url,
                "response",
                payload=BytesIO(body),
                http_headers=http,
                warc_headers_dict={"WARC-Date": capture.fetched_at.strftime("%Y-%m-%dT%H:%M:%SZ")},
            )
            writer.write_record(record)
            count += 1
    return count
