"""Read files and folders into `RawInput`s: HTML, text, PDF, WARC and JSONL."""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from communique.collect.warc import read_warc
from communique.errors import InputError, OverLimit
from communique.model import RECORD_CONTENT_TYPE, ExtractionFailure, RawInput
from communique.settings import Settings, clip, over_limit

CONTENT_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".xhtml": "application/xhtml+xml",
    ".txt": "text/plain",
    ".pdf": "application/pdf",
}
CONTAINERS = (".warc", ".warc.gz", ".jsonl", ".jsonl.gz")

Item = RawInput | ExtractionFailure
"""What reading an input yields: raw bytes to store, or why a piece could not be read."""


def input_kind(path: Path) -> str | None:
    """The suffix that decides how `path` is read, or None when communique does not read it."""
    name = path.name.lower()
    for suffix in CONTAINERS:
        if name.endswith(suffix):
            return suffix
    return path.suffix.lower() if path.suffix.lower() in CONTENT_TYPES else None


def expand_paths(paths: list[Path]) -> Iterator[Path | ExtractionFailure]:
    """Files named directly, and every readable file below named folders, in sorted order."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and input_kind(p))
        elif path.is_file():
            if input_kind(path):
                yield path
            else:
                yield _failure(
                    path,
                    "unsupported file type; communique reads "
                    + ", ".join([*CONTENT_TYPES, *CONTAINERS]),
                )
        else:
            yield _failure(path, "no such file or folder")


def read_file(path: Path, settings: Settings) -> Iterator[Item]:
    """Every raw input in one file; failures name the file (and the line or record).

    Files are streamed within the limits of `settings` (`max_bytes` per input,
    `max_unpacked_bytes` per compressed file, `max_depth` for JSON records).
    """
    kind = input_kind(path)
    max_bytes = settings.max_bytes
    try:
        size = path.stat().st_size
        fetched_at = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        if kind in (".warc", ".warc.gz"):
            yield from read_warc(path, settings)
        elif kind in (".jsonl", ".jsonl.gz"):
            yield from _read_jsonl(path, fetched_at, settings)
        elif kind in CONTENT_TYPES:
            if size > max_bytes:
                raise OverLimit(
                    f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit"
                    " (setting max_bytes, COMMUNIQUE_MAX_BYTES)"
                )
            yield RawInput(
                url=path.resolve().as_uri(),
                body=path.read_bytes(),
                content_type=CONTENT_TYPES[kind],
                origin=str(path),
                fetched_at=fetched_at,
            )
        else:
            raise InputError("unsupported file type")
    except InputError as exc:
        yield _failure(path, clip(str(exc), settings.max_error_chars))
    except OSError as exc:
        yield _failure(path, clip(f"cannot read: {exc.strerror or exc}", settings.max_error_chars))


def _read_jsonl(path: Path, fetched_at: datetime, settings: Settings) -> Iterator[Item]:
    """Each line of a JSONL file as a record, read at most `max_bytes` at a time."""
    gzipped = path.name.lower().endswith(".gz")
    base = path.resolve().as_uri()
    line_no = 0
    try:
        with gzip.open(path, "rb") if gzipped else path.open("rb") as handle:
            for line_no, line in enumerate(_lines(handle, settings, gzipped), start=1):
                if line is None:
                    reason = over_limit("line is longer", "max_bytes", settings.max_bytes)
                    yield _line_failure(base, path, line_no, reason)
                elif line.strip():
                    yield _record(line, path, line_no, base, fetched_at, settings.max_depth)
    except OverLimit as exc:
        yield _failure(path, f"stopped after line {line_no}: {exc}")
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        reason = f"compressed data ends early or is corrupt after line {line_no}: {exc}"
        yield _failure(path, clip(reason, settings.max_error_chars))


class _Readable(Protocol):
    def readline(self, size: int = -1, /) -> bytes: ...

    def tell(self) -> int: ...


def _lines(handle: _Readable, settings: Settings, gzipped: bool) -> Iterator[bytes | None]:
    """The lines of `handle`; None for a line over `max_bytes`, which is passed over unread."""
    limit = settings.max_bytes
    while True:
        line = handle.readline(limit + 2)  # the newline and one byte more
        if not line:
            return
        if len(line.rstrip(b"\r\n")) > limit:
            while line and not line.endswith(b"\n"):
                line = handle.readline(_CHUNK)
                _check_unpacked(handle, settings, gzipped)
            yield None
        else:
            yield line
        _check_unpacked(handle, settings, gzipped)


_CHUNK = 1 << 20
"""Bytes read at a time when a long line is passed over."""


def _check_unpacked(handle: _Readable, settings: Settings, gzipped: bool) -> None:
    if gzipped and handle.tell() > settings.max_unpacked_bytes:
        limit = settings.max_unpacked_bytes
        raise OverLimit(over_limit("unpacks to more bytes", "max_unpacked_bytes", limit))


def _record(
    line: bytes, path: Path, line_no: int, base: str, fetched_at: datetime, max_depth: int
) -> Item:
    try:
        check_depth(line, max_depth)
        record = json.loads(line.decode("utf-8", errors="replace"))  # bad bytes: see extract
    except OverLimit as exc:
        return _line_failure(base, path, line_no, str(exc))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return _line_failure(base, path, line_no, clip(f"invalid JSON: {exc}"))
    if not isinstance(record, dict):
        return _line_failure(base, path, line_no, "a JSONL line must be a JSON object")
    url = record.get("url") if isinstance(record.get("url"), str) else None
    return RawInput(
        url=url or f"{base}#L{line_no}",
        body=line.strip(),
        content_type=RECORD_CONTENT_TYPE,
        origin=f"{path}:{line_no}",
        fetched_at=fetched_at,
    )


def _line_failure(base: str, path: Path, line_no: int, reason: str) -> ExtractionFailure:
    origin = f"{path}:{line_no}"
    return ExtractionFailure("", f"{base}#L{line_no}", origin, reason, datetime.now(UTC))


_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def check_depth(document: bytes, max_depth: int) -> None:
    """Refuse JSON nested deeper than `max_depth` (Python's parser would recurse that deep).

    Example:
        >>> check_depth(b'{"a": [[1]], "b": "[[[["}', 3)
        >>> check_depth(b"[[[[1]]]]", 3)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        communique.errors.OverLimit: record is nested deeper than the max_depth limit of 3 ...
    """
    opening = document.count(b"[") + document.count(b"{")
    if opening <= max_depth:
        return
    brackets = _STRING.sub(b"", document).translate(None, _NOT_BRACKETS)
    depth = 0
    for byte in brackets:
        depth += 1 if byte in b"[{" else -1
        if depth > max_depth:
            raise OverLimit(over_limit("record is nested deeper", "max_depth", max_depth))


def _failure(path: Path, reason: str) -> ExtractionFailure:
    uri = path.resolve().as_uri() if path.is_absolute() or path.exists() else str(path)
    return ExtractionFailure("", uri, str(path), reason, datetime.now(UTC))
