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
from typing import Any, BinaryIO, cast

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import DecompressingBufferedReader
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import (
    StatusAndHeaders,
    StatusAndHeadersParser,
    StatusAndHeadersParserException,
)
from warcio.utils import BUFF_SIZE
from warcio.warcwriter import WARCWriter

from communique.errors import OverLimit
from communique.model import RECORD_CONTENT_TYPE, Capture, ExtractionFailure, Fetched, RawInput
from communique.settings import Settings, clip, over_limit

_DECODED_AWAY = {"content-encoding", "transfer-encoding", "content-length"}
"""Headers that describe the wire form; the record keeps the decoded body."""
EXTRACTABLE = ("text/html", "application/xhtml+xml", "text/plain", "application/pdf")


def read_warc(path: Path, settings: Settings) -> Iterator[RawInput | ExtractionFailure]:
    """Yield each extractable response or resource record of the WARC at `path`.

    Records of other content types (images, scripts, styles) are passed over. A damaged
    file yields the records before the damage, then one failure that says where it stopped.
    The file is streamed: a record over `max_bytes` is skipped unread, and header lines,
    header blocks and the bytes unpacked are capped (`max_header_bytes`, `max_unpacked_bytes`).
    """
    whole = 0  # records read to their end: the damage is in the next one
    try:
        with path.open("rb") as handle:
            records = _Archive(handle, settings)
            for number, record in enumerate(records, start=1):
                if record.rec_type not in _WARC_TYPES:
                    raise EOFError("its WARC headers are cut short or garbled")
                item = _record_input(record, path, number, settings.max_bytes)
                while record.raw_stream.read(_CHUNK):
                    pass
                if getattr(record.raw_stream, "limit", 0) > 0:
                    raise EOFError("its body is cut short")
                whole = number
                if item is not None:
                    yield item
            if records.offset < path.stat().st_size:
                raise EOFError(
                    f"{path.stat().st_size - records.offset} bytes after the last record"
                )
    except OverLimit as exc:
        yield _damaged(path, whole, clip(str(exc), settings.max_error_chars))
    except (ArchiveLoadFailed, EOFError, zlib.error, OSError, ValueError) as exc:
        reason = f"WARC is truncated or damaged at record {whole + 1}: {exc}"
        yield _damaged(path, whole, clip(reason, settings.max_error_chars))
    except (AttributeError, TypeError, IndexError, KeyError) as exc:  # warcio on bad headers
        reason = f"WARC is damaged at record {whole + 1}: unreadable headers ({exc!r})"
        yield _damaged(path, whole, clip(reason, settings.max_error_chars))


_WARC_TYPES = frozenset(
    ("warcinfo", "response", "resource", "request", "metadata", "revisit", "conversion",
     "continuation")
)  # fmt: skip
"""The record types of WARC 1.1; a record of none has headers cut short or garbled."""
_HTTP_BLOCK = StatusAndHeadersParser(["HTTP/1.0", "HTTP/1.1"], verify=False)
_CHUNK = 1 << 20
"""Bytes read at a time when a record's body is passed over."""


def _damaged(path: Path, whole: int, reason: str) -> ExtractionFailure:
    """The failure that ends the reading of a WARC at the record after the first `whole`."""
    return ExtractionFailure(
        "", path.resolve().as_uri(), f"{path}#record{whole + 1}", reason, datetime.now(UTC)
    )


class _Bounded(DecompressingBufferedReader):  # type: ignore[misc]
    """warcio's reader, refusing long header blocks and too many unpacked bytes.

    warcio reads a record's headers (and, between records, what should be blank lines)
    with `readline()`, which would take a whole file of zeros as one line; here a line, and
    the lines read between two reads of a body, stop at `max_header_bytes`.
    """

    def __init__(self, stream: BinaryIO, settings: Settings) -> None:
        super().__init__(stream, block_size=BUFF_SIZE)
        self.settings = settings
        self.unpacked = 0
        self.header_bytes = 0

    def _decompress(self, data: bytes) -> bytes:
        data = cast(bytes, super()._decompress(data))
        if self.decompressor is not None:
            self.unpacked += len(data)
            if self.unpacked > self.settings.max_unpacked_bytes:
                limit = self.settings.max_unpacked_bytes
                raise OverLimit(over_limit("unpacks to more bytes", "max_unpacked_bytes", limit))
        return data

    def readline(self, length: int | None = None) -> bytes:
        limit = self.settings.max_header_bytes
        room = limit - self.header_bytes + 1
        line = cast(bytes, super().readline(room if length is None else min(length, room)))
        self.header_bytes += len(line)
        if self.header_bytes > limit:
            raise OverLimit(over_limit("has a header block larger", "max_header_bytes", limit))
        return line

    def read(self, length: int | None = None) -> bytes:
        self.header_bytes = 0
        return cast(bytes, super().read(length))


class _Archive(ArchiveIterator):  # type: ignore[misc]
    """warcio's record iterator over a `_Bounded` reader."""

    def __init__(self, handle: BinaryIO, settings: Settings) -> None:
        super().__init__(handle)
        self.reader = _Bounded(self.fh, settings)


def _record_input(
    record: Any, path: Path, number: int, max_bytes: int
) -> RawInput | ExtractionFailure | None:
    if record.rec_type not in ("response", "resource"):
        return None
    url = record.rec_headers.get_header("WARC-Target-URI") or ""
    origin = f"{path}#record{number}"
    http = record.http_headers if record.rec_type == "response" else None
    if record.rec_type == "response" and http is None:
        # warcio parses the HTTP block of http(s) URLs only: a file:// capture written by
        # export-warc keeps its own, read here
        try:
            http = _HTTP_BLOCK.parse(record.raw_stream)
        except StatusAndHeadersParserException as exc:
            return _garbled(
                url, origin, number, f"its HTTP headers are unreadable ({exc.statusline!r})"
            )
    content_type = (
        http.get_header("Content-Type") if http else record.rec_headers.get_header("Content-Type")
    ) or ""
    if not content_type.strip() and _is_page(http):
        return _garbled(
            url, origin, number, "it has no Content-Type (its headers are missing or garbled)"
        )
    media_type = content_type.split(";")[0].strip().lower()
    if media_type not in (*EXTRACTABLE, RECORD_CONTENT_TYPE):  # records: from export-warc
        return None
    declared = record.payload_length if record.payload_length >= 0 else record.length
    if declared is not None and declared > max_bytes:  # refused before reading the body
        return _too_large(url, origin, max_bytes)
    body = record.content_stream().read(max_bytes + 1)
    if len(body) > max_bytes:
        return _too_large(url, origin, max_bytes)
    return RawInput(
        url=url,
        body=body,
        content_type=media_type,
        origin=origin,
        fetched_at=_warc_date(record.rec_headers.get_header("WARC-Date")),
        status=int(http.get_statuscode()) if http else None,
        headers=tuple(http.headers) if http else (("Content-Type", content_type),),
    )


def _is_page(http: StatusAndHeaders | None) -> bool:
    """True unless `record` says it holds no document: a response whose status line is
    readable and not a 2xx with content (a redirect or an error page without a Content-Type
    is passed over, as a crawl writes many)."""
    if http is None:
        return True
    status = http.get_statuscode() or ""
    readable = len(status) == 3 and status.isdigit()
    return not readable or (status.startswith("2") and status != "204")


def _garbled(url: str, origin: str, number: int, why: str) -> ExtractionFailure:
    """The failure of response or resource record `number` that cannot be read as a document."""
    reason = f"WARC record {number} cannot be read: {why}"
    return ExtractionFailure("", url, origin, reason, datetime.now(UTC))


def _too_large(url: str, origin: str, max_bytes: int) -> ExtractionFailure:
    reason = over_limit("record is larger", "max_bytes", max_bytes)
    return ExtractionFailure("", url, origin, reason, datetime.now(UTC))


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
