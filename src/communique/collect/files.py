"""Read files and folders into `RawInput`s: HTML, text, PDF, WARC and JSONL."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from communique.collect.warc import read_warc
from communique.errors import InputError
from communique.model import RECORD_CONTENT_TYPE, ExtractionFailure, RawInput

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


def read_file(path: Path, max_bytes: int) -> Iterator[Item]:
    """Every raw input in one file; failures name the file (and the line or record)."""
    kind = input_kind(path)
    try:
        size = path.stat().st_size
        fetched_at = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        if kind in (".warc", ".warc.gz"):
            yield from read_warc(path, max_bytes)
        elif kind in (".jsonl", ".jsonl.gz"):
            yield from _read_jsonl(path, fetched_at)
        elif kind in CONTENT_TYPES:
            if size > max_bytes:
                raise InputError(
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
        yield _failure(path, str(exc))
    except OSError as exc:
        yield _failure(path, f"cannot read: {exc.strerror or exc}")


def _read_jsonl(path: Path, fetched_at: datetime) -> Iterator[Item]:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    base = path.resolve().as_uri()
    line_no = 0
    try:
        with opener(path, "rb") as handle:
            for line_no, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                yield _record(line, path, line_no, base, fetched_at)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        yield _failure(
            path, f"compressed data ends early or is corrupt after line {line_no}: {exc}"
        )


def _record(line: bytes, path: Path, line_no: int, base: str, fetched_at: datetime) -> Item:
    origin = f"{path}:{line_no}"
    try:
        record = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return ExtractionFailure(
            "", f"{base}#L{line_no}", origin, f"invalid JSON: {exc}", datetime.now(UTC)
        )
    if not isinstance(record, dict):
        return ExtractionFailure(
            "",
            f"{base}#L{line_no}",
            origin,
            "a JSONL line must be a JSON object",
            datetime.now(UTC),
        )
    url = record.get("url") if isinstance(record.get("url"), str) else None
    return RawInput(
        url=url or f"{base}#L{line_no}",
        body=line.strip(),
        content_type=RECORD_CONTENT_TYPE,
        origin=origin,
        fetched_at=fetched_at,
    )


def _failure(path: Path, reason: str) -> ExtractionFailure:
    uri = path.resolve().as_uri() if path.is_absolute() or path.exists() else str(path)
    return ExtractionFailure("", uri, str(path), reason, datetime.now(UTC))
