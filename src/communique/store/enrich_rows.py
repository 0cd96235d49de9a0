"""Rows of the enrichment tables, for both backends: writing, reading and linking references."""

from __future__ import annotations

import calendar
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from communique.geo import name_key
from communique.model import Enrichment, Entity, Event, Place, Reference, TimeExpr
from communique.store.dialect import Db

ENRICH_TABLES = (
    "enrichments",
    "statement_countries",
    "statement_places",
    "statement_events",
    "statement_references",
    "statement_timeline",
    "statement_explore",
)
_DAY = re.compile(r"^(\d{4})(?:-(\d\d)(?:-(\d\d))?)?$")

TitleSearch = Callable[[Db, str, str], "str | None"]
"""(db, phrase, statement id) -> the id of another archived statement whose title holds the
phrase (the oldest), or None: each backend's own text search."""


_BY_KEY = {"statement_explore": "statement_key IN (SELECT rowid FROM statements WHERE id = ?)"}
"""Enrichment tables under the statement's integer key instead of its id."""


def delete_enrichment(db: Db, statement_id: str) -> None:
    for table in ENRICH_TABLES:
        where = _BY_KEY.get(table, "statement_id = ?")
        db.execute(f"DELETE FROM {table} WHERE {where}", (statement_id,))


def write_enrichment(
    db: Db,
    statement_id: str,
    enrichment: Enrichment,
    issuer_country: str | None,
    fetched_at: str,
    titled: TitleSearch,
) -> None:
    """Replace the enrichment rows of one statement; `titled` links its references."""
    delete_enrichment(db, statement_id)
    references = tuple(_linked(db, statement_id, r, titled) for r in enrichment.references)
    enrichment = Enrichment(**{**_shallow(enrichment), "references": references})
    db.execute(
        "INSERT INTO enrichments (statement_id, version, fetched_at, data) VALUES (?, ?, ?, ?)",
        (statement_id, enrichment.version, fetched_at, json.dumps(asdict(enrichment))),
    )
    counts = Counter(p.country for p in enrichment.places if p.feature == "country")
    db.executemany(
        "INSERT INTO statement_countries (statement_id, country, issuer_country, mentions)"
        " VALUES (?, ?, ?, ?)",
        [(statement_id, c, issuer_country, counts.get(c, 1)) for c in enrichment.countries],
    )
    db.executemany(
        "INSERT INTO statement_places (statement_id, name, name_key, mention_key,"
        " geonames_id, country, feature, lat, lon) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        _place_rows(statement_id, enrichment),
    )
    days = {day_span(e.date, e.date_end) for e in enrichment.events}
    db.executemany(
        "INSERT INTO statement_events (statement_id, first_day, last_day) VALUES (?, ?, ?)",
        [(statement_id, first, last) for first, last in days if first],
    )
    db.executemany(
        "INSERT INTO statement_references (statement_id, kind, ref_id, text,"
        " target_statement_id) VALUES (?, ?, ?, ?, ?)",
        [(statement_id, r.kind, r.id, r.text, r.statement_id) for r in references],
    )
    timeline = timeline_rows(statement_id, enrichment)
    db.executemany(
        "INSERT INTO statement_timeline (statement_id, date, date_end, start, sentence)"
        " VALUES (?, ?, ?, ?, ?)",
        timeline,
    )
    db.execute(
        "INSERT INTO statement_explore (statement_key, issuer, places, dates, countries)"
        " SELECT rowid, country, ?, ?, ? FROM statements WHERE id = ?",
        (*explore_summary(enrichment, [row[1] for row in timeline]), statement_id),
    )


RECORD = "\x1e"
"""Joins the records of a `statement_explore` column (ASCII record separator)."""
FIELD = "\x1f"
"""Joins the fields of a place in `statement_explore.places` (ASCII unit separator)."""
_SEPARATORS = str.maketrans({RECORD: " ", FIELD: " "})


def explore_summary(enrichment: Enrichment, dates: list[str]) -> tuple[str, str, str]:
    """The `statement_explore` columns of a statement: what the explore views add up (its
    places but countries, each once; its timeline's `dates`; the countries it names).

    Plain joined text, not JSON: counting splits it and counts the records as they are
    (in C), and only the distinct places are parsed (`explore_place`).
    """
    places = {
        FIELD.join((p.name.translate(_SEPARATORS), repr(p.lat), repr(p.lon), p.country or ""))
        for p in enrichment.places
        if p.feature != "country"
    }
    countries = RECORD.join(sorted(set(enrichment.countries)))
    return RECORD.join(sorted(places)), RECORD.join(sorted(dates)), countries


def explore_records(column: str) -> list[str]:
    """The records of one `statement_explore` column."""
    return column.split(RECORD) if column else []


def explore_place(record: str) -> tuple[str, float, float, str | None]:
    """(name, lat, lon, country) of one record of `statement_explore.places`."""
    name, lat, lon, country = record.rsplit(FIELD, 3)
    return name, float(lat), float(lon), country or None


def _place_rows(statement_id: str, enrichment: Enrichment) -> list[tuple[Any, ...]]:
    """One `statement_places` row per place and the words naming it (the first of each)."""
    seen: set[tuple[str, str]] = set()
    rows = []
    for place in enrichment.places:
        mention = place.mention or place.name
        if (place.name, mention) in seen:
            continue
        seen.add((place.name, mention))
        rows.append(
            (statement_id, place.name, name_key(place.name), name_key(mention),
             place.geonames_id, place.country, place.feature, place.lat, place.lon)
        )  # fmt: skip
    return rows


def timeline_rows(
    statement_id: str, enrichment: Enrichment
) -> list[tuple[str, str, str | None, int, str]]:
    """The `statement_timeline` rows of a statement: its events dated to a day, month or year."""
    return [
        (statement_id, e.date, e.date_end, e.start, e.sentence)
        for e in enrichment.events
        if _DAY.match(e.date)
    ]


def day_span(value: str, end_value: str | None = None) -> tuple[str, str]:
    """The first and last day an ISO value (or a range of two) covers; ('', '') if none.

    Example:
        >>> day_span("2023-09"), day_span("2023-09-19", "2023-09-20")
        (('2023-09-01', '2023-09-30'), ('2023-09-19', '2023-09-20'))
    """
    first = _day(value, last=False)
    last = _day(end_value or value, last=True)
    return (first, last) if first and last else ("", "")


def _day(value: str, last: bool) -> str:
    match = _DAY.match(value)
    if match is None:
        return ""
    year = int(match[1])
    month = int(match[2] or (12 if last else 1))
    if not 1 <= month <= 12:
        return ""
    day = int(match[3] or (calendar.monthrange(year, month)[1] if last else 1))
    return f"{year:04d}-{month:02d}-{day:02d}"


def _shallow(enrichment: Enrichment) -> dict[str, Any]:
    return {name: getattr(enrichment, name) for name in enrichment.__dataclass_fields__}


def _linked(db: Db, statement_id: str, reference: Reference, titled: TitleSearch) -> Reference:
    """The reference, with the id of an archived statement whose title names it."""
    phrase = reference.id if reference.kind == "agreement" else None
    if reference.kind != "agreement" and reference.id:
        phrase = "resolution " + reference.id.split(" ")[0]
    if not phrase:
        return reference
    target = titled(db, phrase, statement_id)
    if target is None:
        return reference
    return Reference(**{**asdict(reference), "statement_id": target})


def read_enrichment(data: str) -> Enrichment:
    """An `Enrichment` from its stored JSON."""
    raw = json.loads(data)
    return Enrichment(
        entities=tuple(Entity(**e) for e in raw["entities"]),
        countries=tuple(raw["countries"]),
        places=tuple(Place(**p) for p in raw["places"]),
        times=tuple(TimeExpr(**t) for t in raw["times"]),
        events=tuple(
            Event(**{**e, "places": tuple(e["places"]), "actors": tuple(e["actors"])})
            for e in raw["events"]
        ),
        references=tuple(Reference(**r) for r in raw["references"]),
        language=raw["language"],
        version=raw["version"],
        analyses=tuple(raw["analyses"]),
    )
