from __future__ import annotations

import gzip
import json
from pathlib import Path

from communique.collect.files import expand_paths, read_file
from communique.extract.record import extract_record
from communique.model import RECORD_CONTENT_TYPE, ExtractionFailure, RawInput
from communique.settings import Settings
from tests.conftest import shared_path


def test_folders_are_read_recursively_in_sorted_order(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.html").write_text("<p>x</p>")
    (tmp_path / "1.txt").write_text("t")
    (tmp_path / "notes.json").write_text("{}")
    found = [p for p in expand_paths([tmp_path]) if isinstance(p, Path)]
    assert [p.name for p in found] == ["1.txt", "2.html"]


def test_missing_and_unsupported_files_are_named_failures(tmp_path: Path) -> None:
    (tmp_path / "x.docx").write_bytes(b"PK")
    results = list(expand_paths([tmp_path / "nope.html", tmp_path / "x.docx"]))
    assert all(isinstance(r, ExtractionFailure) for r in results)
    reasons = [r.reason for r in results if isinstance(r, ExtractionFailure)]
    assert reasons[0] == "no such file or folder"
    assert reasons[1].startswith("unsupported file type")


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.html"
    with big.open("wb") as handle:
        handle.write(b"<html><body>")
        handle.write(b"<p>" + b"a" * 1000 + b"</p>" * 1 + b"\n" * 0)
        handle.seek(50 * 1024 * 1024)
        handle.write(b"</body></html>")
    (item,) = read_file(big, Settings(max_bytes=20_000_000))
    assert isinstance(item, ExtractionFailure)
    assert "52.4 MB, over the 20 MB limit" in item.reason


def test_jsonl_lines_become_records_and_bad_lines_are_named(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text(
        json.dumps({"title": "A", "text": "B", "url": "https://x/a"}) + "\n\n{oops\n[1]\n"
    )
    items = list(read_file(path, Settings(max_bytes=10_000)))
    assert isinstance(items[0], RawInput) and items[0].content_type == RECORD_CONTENT_TYPE
    assert items[0].url == "https://x/a"
    assert isinstance(items[1], ExtractionFailure) and items[1].origin.endswith("s.jsonl:3")
    assert "invalid JSON" in items[1].reason
    assert isinstance(items[2], ExtractionFailure) and "JSON object" in items[2].reason


def test_an_invalid_byte_in_a_jsonl_line_is_replaced_where_it_stands(tmp_path: Path) -> None:
    """A JSONL line holding a byte that is not UTF-8 is kept: the byte becomes U+FFFD, every
    other character stays as written, and the statement carries a warning."""
    source = shared_path("corpora", "kremlin_ru_2025_sample.jsonl")
    with source.open("rb") as lines:
        line = next(lines)
    start, end = line.index(b'"text_raw"'), line.index(b'"supplement_url"')
    middle = (start + end) // 2  # a word in the middle of the speech, far from any chrome
    words = line[middle:end].decode("utf-8", errors="ignore").split()[1:]
    word = next(w for w in words if len(w) > 6 and w.isalpha() and not w.isascii())
    cut = line.index(word.encode(), middle) + len(word[:3].encode())
    path = tmp_path / "bad-byte.jsonl"
    path.write_bytes(line[:cut] + b"\xff" + line[cut:])
    (item,) = read_file(path, Settings())
    assert isinstance(item, RawInput), item
    extraction = extract_record(item)
    body = "\n".join(extraction.paragraphs)
    assert word[:3] + "\ufffd" + word[3:] in body
    assert body.count("\ufffd") == 1
    assert extraction.warnings == ("1 invalid UTF-8 byte sequences replaced by U+FFFD",)


def test_truncated_gzip_keeps_what_came_before(tmp_path: Path) -> None:
    lines = b"".join(
        json.dumps({"text": f"statement {i} " * 50}).encode() + b"\n" for i in range(200)
    )
    data = gzip.compress(lines)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    items = list(read_file(path, Settings(max_bytes=10_000_000)))
    assert isinstance(items[-1], ExtractionFailure)
    assert "ends early or is corrupt" in items[-1].reason
    assert 0 < sum(isinstance(i, RawInput) for i in items) < 200


def test_shared_corpus_lines_map_to_records() -> None:
    path = shared_path("corpora", "ungdc_2020_2024.jsonl")
    items = list(read_file(path, Settings(max_bytes=20_000_000)))
    assert len(items) == 959
    assert all(isinstance(i, RawInput) for i in items)
