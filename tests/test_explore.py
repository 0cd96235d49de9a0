"""The explore aggregates: the SQL fast path agrees with reading the matches one by one."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from communique import explore
from communique.model import Enrichment, Event, Place
from communique.query import parse_query
from communique.store import migrations, postgres_schema
from communique.store.base import ExploreStore, Store
from communique.store.dialect import POSTGRES
from tests.conftest import add


def _archive(store: Store) -> None:
    places = (
        Place("Shusha", 0, 6, 39.76, 46.75, 585103, "AZ"),
        Place("Yerevan", 10, 17, 40.18, 44.51, 616052, "AM"),
        Place("Armenia", 20, 27, 40.0, 45.0, 174982, "AM", feature="country"),
    )
    for n, (country, named) in enumerate(
        (("AZ", ("AM",)), ("AZ", ("AM", "RU")), ("AM", ("AZ", "AM")))
    ):
        s = add(
            store,
            f"https://example.gov/{n}",
            f"Statement {n}",
            "Shusha and Yerevan talks.",
            published=date(2021, 1, 1 + n),
            country=country,
        )
        enrichment = Enrichment(
            countries=named,
            places=places[: 1 + n % 2] + places[2:],
            events=(Event("Shusha and Yerevan talks.", 0, 25, f"2020-11-0{n + 1}", None),),
        )
        store.put_enrichment(s, enrichment, datetime(2024, 1, 1, tzinfo=UTC))


def test_fast_and_generic_paths_agree(store: Store) -> None:
    _archive(store)
    generic = explore.explore(store, "talks")
    assert explore.mention_network(generic) == [("AZ", "AM", 2), ("AM", "AZ", 1), ("AZ", "RU", 1)]
    assert [(p.name, p.statements) for p in explore.place_counts(generic)] == [
        ("Shusha", 3),
        ("Yerevan", 1),
    ]
    pairs, coverage = explore.network(store, "talks")
    places, _ = explore.map_places(store, "talks")
    assert sorted(pairs) == sorted(explore.mention_network(generic))
    assert [(p.name, p.statements) for p in places] == [("Shusha", 3), ("Yerevan", 1)]
    assert coverage == explore.Coverage(3, 3)
    found = explore.timeline(store, "talks")
    assert found.events == explore.timeline_events(generic)
    assert found.counts == [("2020", 3)]
    month = explore.timeline(store, "talks", "2020-11", 10, limit=2)
    assert month.counts == [("2020-11-01", 1), ("2020-11-02", 1), ("2020-11-03", 1)]
    assert month.events == explore.timeline_events(generic)[:2] and month.inside == 3
    assert [e.date for e in explore.timeline_events(generic)] == [
        "2020-11-01",
        "2020-11-02",
        "2020-11-03",
    ]
    assert isinstance(store, ExploreStore)
    for text in ("talks", "talks country:AZ", "-talks", "mentions:RU"):
        query = parse_query(text)
        assert sorted(store.match_ids(query)) == sorted(s.id for s in store.iter_matches(query))
        keys = dict(store.statement_keys())
        assert sorted(keys[k] for k in store.match_keys(query)) == sorted(store.match_ids(query))
        assert store.match_total(query) == len(store.match_ids(query))


def test_network_follows_an_issuer_changed_after_enrichment(store: Store) -> None:
    _archive(store)
    assert ("AZ", "AM", 2) in explore.network(store, "talks")[0]
    add(  # a later capture of statement 0 gives its country as Russia; no new enrichment
        store,
        "https://example.gov/0",
        "Statement 0",
        "Shusha and Yerevan talks.",
        published=date(2021, 1, 1),
        country="RU",
        fetched_at=datetime(2024, 2, 1, tzinfo=UTC),
    )
    pairs, _ = explore.network(store, "talks")
    assert sorted(pairs) == sorted(explore.mention_network(explore.explore(store, "talks")))
    assert ("RU", "AM", 1) in pairs and ("AZ", "AM", 1) in pairs


def test_first_events_agree_where_many_statements_share_a_date(store: Store) -> None:
    days = ("1945", "1945-05", "1945-05-08", "2020-11-10", "2020-11-10", "2021-01")
    for n in range(14):  # every statement names a few of the same dates, some twice
        s = add(store, f"https://example.gov/d{n}", f"Dated {n}", "Talks on the past.")
        named = [days[(n * k + k) % len(days)] for k in range(1, 4)]
        events = tuple(
            Event(f"Event {k} of {n}.", k * 10, k * 10 + 8, d, None) for k, d in enumerate(named)
        )
        store.put_enrichment(s, Enrichment(events=events), datetime(2024, 1, 1, tzinfo=UTC))
    generic = explore.timeline_events(explore.explore(store, "talks"))
    assert len(generic) == 42
    for at, width, limit in (
        ("", 4, 5),
        ("", 4, 100),
        ("1945", 7, 3),
        ("2020-11", 10, 4),
        ("19", 4, 1),
    ):
        found = explore.timeline(store, "talks", at, width, limit)
        inside = [e for e in generic if e.date.startswith(at)]
        assert found.events == inside[:limit], (at, limit)
        assert found.inside == len(inside)


def test_counts_over_time_fill_gaps(store: Store) -> None:
    _archive(store)
    add(store, "https://example.gov/late", "Late talks", "Talks again.", published=date(2021, 4, 2))
    assert explore.counts_over_time(store, "talks", "month") == [
        ("2021-01", 3),
        ("2021-02", 0),
        ("2021-03", 0),
        ("2021-04", 1),
    ]


def test_aggregates_read_the_newest_matches_up_to_the_limit(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _archive(store)
    monkeypatch.setattr(explore, "EXPLORE_LIMIT", 2)
    newest = explore.explore(store, "talks", limit=2)
    assert [s.title for s, _ in newest.pairs] == ["Statement 2", "Statement 1"]
    places, coverage = explore.map_places(store, "talks")
    pairs, _ = explore.network(store, "talks")
    found = explore.timeline(store, "talks", "2020-11", 10)
    assert coverage == explore.Coverage(3, 2) == found.coverage and coverage.partial
    assert places == explore.place_counts(newest)
    assert [(p.name, p.statements) for p in places] == [("Shusha", 2), ("Yerevan", 1)]
    assert sorted(pairs) == sorted(explore.mention_network(newest))
    assert found.events == explore.timeline_events(newest)
    assert found.counts == [("2020-11-02", 1), ("2020-11-03", 1)]


def _views(store: Store) -> tuple[object, ...]:
    return (
        explore.map_places(store, "talks"),
        explore.network(store, "talks"),
        explore.timeline(store, "talks"),
        explore.timeline(store, "talks", "2020-11", 10, limit=2),
    )


def test_summaries_rebuilt_by_the_migration_give_the_same_views(store: Store) -> None:
    _archive(store)
    written = _views(store)
    backfill = (
        postgres_schema.EXPLORE_SUMMARIES
        if store.dialect is POSTGRES  # type: ignore[attr-defined]
        else migrations.EXPLORE_SUMMARIES
    )
    with store._writing() as db:  # type: ignore[attr-defined]
        db.execute("DELETE FROM statement_explore")
        db.conn.execute(backfill)
    explore.clear_cache()
    assert _views(store) == written


def test_kept_results_follow_every_write(store: Store) -> None:
    _archive(store)
    places, coverage = explore.map_places(store, "talks")
    assert explore.map_places(store, "talks") == (places, coverage)
    assert [(p.name, p.statements) for p in places] == [("Shusha", 3), ("Yerevan", 1)]
    s = add(store, "https://example.gov/later", "Later", "More talks.", country="AZ")
    fetched = datetime(2024, 1, 1, tzinfo=UTC)
    shusha = Place("Shusha", 0, 6, 39.76, 46.75, 585103, "AZ")
    store.put_enrichment(s, Enrichment(countries=("AM",), places=(shusha,)), fetched)
    places, coverage = explore.map_places(store, "talks")
    assert coverage.total == 4
    assert [(p.name, p.statements) for p in places] == [("Shusha", 4), ("Yerevan", 1)]
    assert ("AZ", "AM", 3) in explore.network(store, "talks")[0]
    store.put_enrichment(s, Enrichment(), fetched.replace(year=2025))
    places, _ = explore.map_places(store, "talks")
    assert [(p.name, p.statements) for p in places] == [("Shusha", 3), ("Yerevan", 1)]
    assert ("AZ", "AM", 2) in explore.network(store, "talks")[0]
