"""Fuzz targets: each parser fed arbitrary bytes must answer or refuse with a CommuniqueError.

`TARGETS` maps a parser's name to a function of one input; `SEEDS` gives valid inputs to
mutate; `mutate` makes a hostile variant. Used by tests/test_fuzz.py (hypothesis, a bounded
number of examples in `make test`) and bench/fuzz.py (a long run, memory and time per case).
"""

from __future__ import annotations

import contextlib
import json
import random
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from communique.collect.files import read_file
from communique.collect.warc import write_warc
from communique.crawl.discover import feed_links, sitemap_links
from communique.errors import CommuniqueError
from communique.extract import extract
from communique.model import Capture, RawInput
from communique.query import parse_query
from communique.settings import Settings
from tests.extract.pdfs import Line, write_pdf

_FOLDER = Path(tempfile.mkdtemp(prefix="communique-fuzz-"))
_SETTINGS = Settings(max_bytes=2_000_000)


def _raw(body: bytes, content_type: str) -> RawInput:
    return RawInput("https://mfa.example/s", body, content_type, "fuzz", datetime.now(UTC))


def _extract(body: bytes, content_type: str) -> None:
    with contextlib.suppress(CommuniqueError):
        extract(_raw(body, content_type))


def _read(body: bytes, name: str) -> None:
    """Read `body` as a file called `name`, and extract each input it holds."""
    path = _FOLDER / name
    path.write_bytes(body)
    for item in read_file(path, _SETTINGS):
        if isinstance(item, RawInput):
            _extract(item.body, item.content_type)


def fuzz_html(body: bytes) -> None:
    _extract(body, "text/html")


def fuzz_pdf(body: bytes) -> None:
    _extract(body, "application/pdf")


def fuzz_warc(body: bytes) -> None:
    _read(body, "fuzz.warc")


def fuzz_feed(body: bytes) -> None:
    hosts = frozenset({"mfa.example"})
    with contextlib.suppress(CommuniqueError):
        feed_links(body, "https://mfa.example/feed", hosts)
    with contextlib.suppress(CommuniqueError):
        sitemap_links(body, "https://mfa.example/sitemap.xml", hosts)


def fuzz_jsonl(body: bytes) -> None:
    _read(body, "fuzz.jsonl")


def fuzz_query(body: bytes) -> None:
    with contextlib.suppress(CommuniqueError):
        parse_query(body.decode("utf-8", errors="replace"))


TARGETS: dict[str, Callable[[bytes], None]] = {
    "html": fuzz_html,
    "pdf": fuzz_pdf,
    "warc": fuzz_warc,
    "feed": fuzz_feed,
    "jsonl": fuzz_jsonl,
    "query": fuzz_query,
}

_PAGE = (
    "<html lang='az'><head><meta charset='utf-8'><title>Şuşa bəyanatı</title></head><body>"
    "<nav><a href='/'>Home</a></nav><article><h1>Statement on Shusha</h1>"
    "<p>8 November 2023, Baku. The Ministry of Foreign Affairs welcomes the talks and calls"
    " on all parties to respect the ceasefire.</p><p>Şuşa şəhəri — Azərbaycan.</p>"
    "</article></body></html>"
).encode()


def _warc_seed() -> bytes:
    path = _FOLDER / "seed.warc"
    when = datetime(2024, 1, 1, tzinfo=UTC)
    capture = Capture("https://mfa.example/s", "0" * 64, len(_PAGE), "text/html", when, 200)
    write_warc(path, [(capture, _PAGE)])
    return path.read_bytes()


SEEDS: dict[str, list[bytes]] = {
    "html": [_PAGE, b"<html><body><p>x</p></body></html>"],
    "pdf": [write_pdf([[Line(72, 760, "Statement of the Ministry."), Line(72, 740, "Peace.")]])],
    "warc": [_warc_seed()],
    "feed": [
        b"<?xml version='1.0'?><rss version='2.0'><channel><title>MFA</title><item>"
        b"<title>Statement</title><link>https://mfa.example/s/1</link>"
        b"<pubDate>Wed, 08 Nov 2023 10:00:00 GMT</pubDate></item></channel></rss>",
        b"<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
        b"<url><loc>https://mfa.example/s/2</loc><lastmod>2023-11-08</lastmod></url></urlset>",
    ],
    "jsonl": [
        (
            json.dumps({"title": "Statement", "text": "Peace talks. " * 20, "date": "2023-11"})
            + "\n"
            + json.dumps({"title": "Second", "text": "The ministry said so. " * 10})
            + "\n"
        ).encode()
    ],
    "query": [b'shusha "victory day" -armenia country:az from:2020 OR peace* near:39.7,46.7,25'],
}

_TOKENS = [b"<", b">", b"</p>", b"<div>" * 50, b"\x00", b"\xff", b'"', b"[", b"{", b"\n", b"%PDF"]


def mutate(seed: bytes, rng: random.Random) -> bytes:
    """A variant of `seed`: bytes flipped, cut, repeated, or hostile tokens spliced in."""
    data = bytearray(seed)
    for _ in range(rng.randint(1, 8)):
        if not data:
            data.extend(rng.choice(_TOKENS))
            continue
        at = rng.randrange(len(data))
        choice = rng.randrange(5)
        if choice == 0:
            data[at] = rng.randrange(256)
        elif choice == 1:
            del data[at : at + rng.randint(1, 64)]
        elif choice == 2:
            data[at:at] = rng.choice(_TOKENS) * rng.randint(1, 20)
        elif choice == 3:
            data[at:at] = data[at : at + rng.randint(1, 200)] * rng.randint(1, 10)
        else:
            data = data[:at]
    return bytes(data)
