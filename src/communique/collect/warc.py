"""WARC in and out (warcio): each HTTP response or resource record is one capture."""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterable, Iterator
from contextlib import suppress
from datetime import UTC, datetime
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from communique.model import Capture, ExtractionFailure, Fetched, RawInput

_DECODED_AWAY = {"content-encoding", "transfer-encoding", "content-length"}
"""Headers that describe the wire form; the record keeps the decoded body."""
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


class WarcRotator:
    """Appends each fetched response to `folder/PREFIX-<time>-NNNNN.warc.gz`, rotating by size.

    Each process starts a new file, so a crawl killed mid-write leaves earlier files whole.
    """

    def __init__(self, folder: Path, prefix: str, max_bytes: int) -> None:
        self.folder = folder
        self.prefix = prefix
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
        self._serial = 0
        self._handle: BinaryIO | None = None
        self._writer: WARCWriter | None = None

    def _current(self) -> tuple[BinaryIO, WARCWriter]:
        if self._handle is not None and self._handle.tell() >= self.max_bytes:
            self.close()
        if self._handle is None or self._writer is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._serial += 1
            path = self.folder / f"{self.prefix}-{self._stamp}-{self._serial:05d}.warc.gz"
            self._handle = path.open("ab")
            self._writer = WARCWriter(self._handle, gzip=True)
        return self._handle, self._writer

    def write(self, fetched: Fetched) -> str:
        """Append `fetched` as a response record; return `path#offset` of the record."""
        headers = [(k, v) for k, v in fetched.headers if k.lower() not in _DECODED_AWAY]
        headers.append(("Content-Length", str(len(fetched.body))))
        http = StatusAndHeaders(
            f"{fetched.status} {_reason(fetched.status)}", headers, protocol="HTTP/1.1"
        )
        warc_headers = {"WARC-Date": fetched.fetched_at.strftime("%Y-%m-%dT%H:%M:%SZ")}
        if fetched.truncated:
            warc_headers["WARC-Truncated"] = "length"
        with self._lock:
            handle, writer = self._current()
            offset = handle.tell()
            record = writer.create_warc_record(
                fetched.final_url,
                "response",
                payload=BytesIO(fetched.body),
                length=len(fetched.body),
                http_headers=http,
                warc_headers_dict=warc_headers,
            )
            writer.write_record(record)
            handle.flush()
            return f"{handle.name}#{offset}"

    def close(self) -> None:
        with suppress(OSError):
            if self._handle is not None:
                self._handle.close()
        self._handle = None
        self._writer = None


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
