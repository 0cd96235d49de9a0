"""Enrichment rows: stored, read back, linked, filtered and counted in facets."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from communique.errors import NotFound, QueryError
from communique.model import Enrichment, Event, Place, Reference
from communique.query import parse_query
from communique.store.base import Store
from tests.conftest import add

EARLY = datetime(2024, 1, 1, tzinfo=UTC)
LATE = datetime(2024, 6, 1, tzinfo=UTC)


def karabakh_enrichment() -> Enrichment:
    return Enrichment(
        countries=("AZ", "AM"),
        places=(
            Place("Shusha", 10, 16, 39.76, 46.75, 147105, "AZ"),
            Place("Qubadlı", 20, 27, 39.34, 46.58, 147305, "AZ", mention="Gubadli"),
            Place("Armenia", 30, 37, 40.0, 45.0, 174982, "AM", feature="country"),
        ),
        events=(
            Event("Shusha was liberated on November 8, 2020.", 0, 40, "2020-11-08", None),
            Event("Measures on September 19-20, 2023.", 41, 80, "2023-09-19", "2023-09-20"),
        ),
        references=(Reference("Trilateral Statement", "agreement", "Trilateral Statement"),),
    )


def paris_enrichment() -> Enrichment:
    return Enrichment(
        countries=("FR",),
        places=(Place("Paris", 0, 5, 48.85, 2.35, 2988507, "FR"),),
        events=(Event("Signed in Paris in December 2015.", 0, 30, "2015-12", None),),
    )


@pytest.fixture
def enriched(store: Store) -> Store:
    baku = add(store, "https://mfa.gov.az/1", "Victory Day", "Shusha text", fetched_at=EARLY)
    store.put_enrichment(baku, karabakh_enrichment(), EARLY)
    paris = add(store, "https://diplomatie.gouv.fr/1", "Climate", "Paris text", country="FR")
    store.put_enrichment(paris, paris_enrichment(), EARLY)
    return store


def titles(store: Store, query: str) -> list[str]:
    return sorted(h.statement.title for h in store.search(parse_query(query)).hits)


def test_enrichment_round_trips(enriched: Store) -> None:
    hit = enriched.search(parse_query("place:Shusha")).hits[0]
    assert enriched.get_enrichment(hit.statement.id) == karabakh_enrichment()
    with pytest.raises(NotFound):
        enriched.get_enrichment("nope")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("mentions:AM", ["Victory Day"]),
        ("mentions:am", ["Victory Day"]),
        ("mentions:AM mentions:FR", ["Climate", "Victory Day"]),
        ('place:"Shusha"', ["Victory Day"]),
        ("place:Qubadli", ["Victory Day"]),
        ("place:gubadli", ["Victory Day"]),
        ("place:Baku", []),
        ("near:39.70,46.70,25", ["Victory Day"]),
        ("near:39.70,46.70,1", []),
        ("near:48.8,2.3,50", ["Climate"]),
        ("event_from:2020-11-09 event_to:2020-11-30", []),
        ("event_from:2020-11 event_to:2020-11", ["Victory Day"]),
        ("event_from:2023-09-20", ["Victory Day"]),
        ("event_to:2015-12-01", ["Climate"]),
        ("text mentions:FR", ["Climate"]),
    ],
)
def test_enrichment_filters(enriched: Store, query: str, expected: list[str]) -> None:
    assert titles(enriched, query) == expected


def test_facets_count_mentioned_countries_and_places(enriched: Store) -> None:
    facets = enriched.search(parse_query("")).facets
    assert dict(facets["mentions"]) == {"AZ": 1, "AM": 1, "FR": 1}
    assert dict(facets["place"]) == {"Shusha": 1, "Qubadlı": 1, "Paris": 1}
    narrowed = enriched.search(parse_query("mentions:FR")).facets
    assert dict(narrowed["place"]) == {"Paris": 1}


def test_who_mentions_whom(enriched: Store) -> None:
    assert sorted(enriched.mention_pairs()) == [("AZ", "AM", 1), ("AZ", "AZ", 1), ("FR", "FR", 1)]


def test_an_older_capture_does_not_replace_a_newer_enrichment(enriched: Store) -> None:
    statement = enriched.search(parse_query("place:Shusha")).hits[0].statement
    enriched.put_enrichment(statement, paris_enrichment(), datetime(2023, 1, 1, tzinfo=UTC))
    assert enriched.get_enrichment(statement.id) == karabakh_enrichment()
    enriched.put_enrichment(statement, paris_enrichment(), LATE)
    assert titles(enriched, "place:Shusha") == []


def test_references_link_to_the_archived_statement_they_name(store: Store) -> None:
    target = add(store, "https://kremlin.ru/1", "Trilateral Statement of the leaders", "Text")
    citing = add(store, "https://mfa.gov.az/2", "Anniversary", "We recall the statement")
    store.put_enrichment(citing, karabakh_enrichment(), EARLY)
    (reference,) = store.get_enrichment(citing.id).references
    assert reference.statement_id == target.id


def test_clear_derived_drops_enrichment(enriched: Store) -> None:
    enriched.clear_derived()
    assert enriched.mention_pairs() == []
    assert titles(enriched, "mentions:AM") == []


@pytest.mark.parametrize("query", ["near:1,2", "near:a,b,c", "near:95,0,10", "mentions:ARM"])
def test_bad_enrichment_filters_are_one_line_errors(query: str) -> None:
    with pytest.raises(QueryError, match=query.split(":")[0]):
        parse_query(query)
