from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from communique.collect.warc import read_warc, write_warc
from communique.model import ExtractionFailure, RawInput
from communique.settings import Settings
from tests.conftest import make_capture

PAGES = {
    "https://mfa.example/en/statement-1": b"<html><body><h1>One</h1><p>First.</p></body></html>",
    "https://mfa.example/en/statement-2": "<html><p>Заявление МИД.</p></html>".encode(),
}


@pytest.mark.parametrize("name", ["crawl.warc", "crawl.warc.gz"])
def test_warc_written_and_read_back(tmp_path: Path, name: str) -> None:
    when = datetime(2025, 3, 1, 12, 30, tzinfo=UTC)
    captures = [(make_capture(url, body, when), body) for url, body in PAGES.items()]
    path = tmp_path / name
    assert write_warc(path, captures) == 2
    items = list(read_warc(path, Settings(max_bytes=1_000_000)))
    assert all(isinstance(i, RawInput) for i in items)
    assert {i.url: i.body for i in items if isinstance(i, RawInput)} == PAGES
    first = items[0]
    assert isinstance(first, RawInput)
    assert first.fetched_at == when and first.status == 200
    assert first.content_type == "text/html"
    assert first.sha256 == captures[0][0].sha256


def test_truncated_warc_gz_yields_records_before_the_damage(tmp_path: Path) -> None:
    body = b"<html><body>" + b"<p>text</p>" * 3000 + b"</body></html>"
    captures = [
        (make_capture(f"https://x/{i}", body + bytes([i])), body + bytes([i])) for i in range(6)
    ]
    path = tmp_path / "cut.warc.gz"
    write_warc(path, captures)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * 0.6)])
    items = list(read_warc(path, Settings(max_bytes=10_000_000)))
    assert isinstance(items[-1], ExtractionFailure)
    assert "truncated or damaged" in items[-1].reason
    assert 1 <= sum(isinstance(i, RawInput) for i in items) < 6
