from __future__ import annotations

import gzip
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

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


def test_export_warc_round_trips_every_kind_of_capture(tmp_path: Path) -> None:
    """file:// pages and texts, and JSONL records: each comes back as the same capture."""
    import json

    from communique.pipeline import ingest
    from communique.store.sqlite import SqliteStore

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "s.html").write_bytes(
        b"<html><head><title>Statement on the talks</title></head><body><h1>Statement on the"
        b" talks</h1><p>The Ministry of Foreign Affairs welcomes the talks held in Geneva and"
        b" calls on all parties to respect the ceasefire agreed last week.</p></body></html>"
    )
    (tmp_path / "in" / "t.txt").write_text(
        "Press release on the visit\n\nThe Minister received the delegation and discussed"
        " cooperation in trade, energy and culture between the two countries.\n"
    )
    record = {"title": "Joint communique", "text": "Both sides agreed to meet again. " * 8}
    (tmp_path / "in" / "r.jsonl").write_text(json.dumps(record) + "\n")
    settings = Settings(workers=1, enrich=False)

    def archived(store: SqliteStore) -> set[tuple[str, str]]:
        return {
            (c.id, sid) for c in store.iter_captures() for sid in store.statements_at_url(c.url)
        }

    first = SqliteStore(tmp_path / "a.db")
    assert ingest([str(tmp_path / "in")], first, settings).statements == 3
    assert write_warc(tmp_path / "out.warc.gz", first.iter_capture_bodies()) == 3
    second = SqliteStore(tmp_path / "b.db")
    report = ingest([str(tmp_path / "out.warc.gz")], second, settings)
    assert (report.statements, report.failures) == (3, [])
    assert archived(second) == archived(first) and len(archived(first)) == 3


def _record(url: str, status: str, headers: list[tuple[str, str]], page: bytes) -> bytes:
    """One response record as warcio writes it, uncompressed."""
    buffer = BytesIO()
    writer = WARCWriter(buffer, gzip=False)
    http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
    writer.write_record(
        writer.create_warc_record(url, "response", payload=BytesIO(page), http_headers=http)
    )
    return buffer.getvalue()


def _warc(path: Path, records: list[bytes]) -> Path:
    """`records` as one WARC file; each its own gzip member when `path` ends in .gz."""
    if path.name.endswith(".gz"):
        records = [gzip.compress(r) for r in records]
    path.write_bytes(b"".join(records))
    return path


PAGE = b"<html><body><h1>Statement</h1><p>The Ministry welcomes the talks.</p></body></html>"
HTML = [("Content-Type", "text/html; charset=utf-8")]


@pytest.mark.parametrize("name", ["garbled.warc", "garbled.warc.gz"])
def test_a_garbled_record_is_an_error_naming_file_and_record(tmp_path: Path, name: str) -> None:
    garbled = _record("https://mfa.example/2", "200 OK", HTML, PAGE).replace(
        b"HTTP/1.1 200 OK\r\nContent-Type:", b"\x00\xffTP/1.1 2\x00 OK\r\nContent-Tipo:"
    )
    path = _warc(
        tmp_path / name,
        [
            _record("https://mfa.example/1", "200 OK", HTML, PAGE),
            garbled,
            _record("https://mfa.example/3", "200 OK", [("Server", "x")], PAGE),
            _record("https://mfa.example/4", "301 Moved", [("Location", "/5")], b""),
            _record("https://mfa.example/5", "200 OK", HTML, PAGE),
        ],
    )
    items = list(read_warc(path, Settings()))
    read = [i.url for i in items if isinstance(i, RawInput)]
    failed = {i.origin: i.reason for i in items if isinstance(i, ExtractionFailure)}
    assert read == ["https://mfa.example/1", "https://mfa.example/5"]  # the redirect passed over
    assert sorted(failed) == [f"{path}#record2", f"{path}#record3"]
    assert all("cannot be read" in r and "Content-Type" in r for r in failed.values())

    from communique.pipeline import ingest
    from communique.store.sqlite import SqliteStore

    report = ingest([str(path)], SqliteStore(tmp_path / "g.db"), Settings(workers=1, enrich=False))
    assert report.inputs == 4 and set(failed) <= {f.origin for f in report.failures}


@pytest.mark.parametrize("name", ["cut.warc", "cut.warc.gz"])
@pytest.mark.parametrize("where", ["body", "headers"])
def test_a_cut_warc_names_the_record_it_is_cut_in(tmp_path: Path, name: str, where: str) -> None:
    records = [
        _record(f"https://mfa.example/{i}", "200 OK", HTML, PAGE + b"<p>x</p>" * 200 * i)
        for i in range(1, 7)
    ]
    members = [gzip.compress(r) for r in records] if name.endswith(".gz") else records
    before = sum(len(m) for m in members[:3])  # records 1-3 whole, the cut falls in record 4
    keep = before + (len(members[3]) // 2 if where == "body" else 20)
    path = tmp_path / name
    path.write_bytes(b"".join(members)[:keep])
    items = list(read_warc(path, Settings()))
    assert [i.url for i in items if isinstance(i, RawInput)] == [
        f"https://mfa.example/{i}" for i in (1, 2, 3)
    ]
    last = items[-1]
    assert isinstance(last, ExtractionFailure) and last.origin == f"{path}#record4"
    assert "at record 4" in last.reason
