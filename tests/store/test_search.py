from __future__ import annotations

from datetime import date

import pytest

from communique.errors import QueryError
from communique.model import DatePrecision, DocType
from communique.query import parse_query
from communique.search import search
from communique.store.base import Store
from tests.conftest import add


@pytest.fixture
def archive(store: Store) -> Store:
    add(
        store,
        "https://mfa.gov.az/1",
        "Statement on Victory Day",
        "Shusha was liberated on November 8, 2020.\n\nArmenia and Azerbaijan signed a statement.",
        published=date(2023, 11, 8),
        country="AZ",
        issuer="MFA Azerbaijan",
    )
    add(
        store,
        "https://mfa.am/2",
        "Comment on the peace process",
        "Armenia is committed to peace with Azerbaijan.",
        published=date(2023, 9, 21),
        country="AM",
        issuer="MFA Armenia",
        doc_type=DocType.COMMENT,
    )
    add(
        store,
        "https://kremlin.ru/3",
        "Заявление о ситуации",
        "Россия призывает Армению и Азербайджан к миру. Şuşa ədalət.",
        published=date(2021, 1, 11),
        country="RU",
        issuer="President of Russia",
        language="ru",
    )
    add(
        store,
        "https://mfa.gov.az/4",
        "Undated note",
        "A note on cooperation with Armenia.",
        published=None,
        country="AZ",
        issuer="MFA Azerbaijan",
    )
    return store


def ids_of(store: Store, text: str, order: str = "relevance") -> list[str]:
    return [h.statement.url.rsplit("/", 1)[1] for h in store.search(parse_query(text, order)).hits]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("shusha", {"1"}),
        ("armenia azerbaijan", {"1", "2"}),
        ('"peace with azerbaijan"', {"2"}),
        ("shusha OR peace", {"1", "2"}),
        ("armenia -peace", {"1", "4"}),
        ("armenia NOT peace", {"1", "4"}),
        ("-armenia", {"3"}),
        ("liberat*", {"1"}),
        ("suSa", {"3"}),
        ("country:AZ", {"1", "4"}),
        ("country:AZ country:AM", {"1", "2", "4"}),
        ("lang:ru", {"3"}),
        ("type:comment", {"2"}),
        ('issuer:"MFA Armenia"', {"2"}),
        ("from:2023-01-01", {"1", "2"}),
        ("from:2021 to:2023-10", {"2", "3"}),
        ("россия", {"3"}),
    ],
)
def test_query_language(archive: Store, query: str, expected: set[str]) -> None:
    assert set(ids_of(archive, query)) == expected


def test_diacritics_are_folded(archive: Store) -> None:
    assert ids_of(archive, "şuşa") == ids_of(archive, "susa") == ["3"]


def test_title_matches_rank_first(archive: Store) -> None:
    add(archive, "https://x/5", "Peace", "A long text about many things and peace once.")
    assert ids_of(archive, "peace")[0] == "5"


def test_date_orders_put_undated_last(archive: Store) -> None:
    assert ids_of(archive, "", "newest") == ["1", "2", "3", "4"]
    assert ids_of(archive, "", "oldest") == ["3", "2", "1", "4"]


@pytest.mark.parametrize(("order", "scored"), [("relevance", True), ("newest", False)])
def test_scores_are_relevance_scores_or_none(archive: Store, order: str, scored: bool) -> None:
    hits = archive.search(parse_query("armenia", order)).hits
    assert len(hits) == 3
    for hit in hits:  # a date order has no score (its sort key is a date, not a score)
        assert isinstance(hit.score, float) if scored else hit.score is None


def test_snippets_mark_the_match(archive: Store) -> None:
    hit = archive.search(parse_query("liberated")).hits[0]
    assert "\x02liberated\x03" in hit.snippet


def test_facets_count_all_matches(archive: Store) -> None:
    page = archive.search(parse_query("armenia OR россия"), limit=1)
    assert page.total == 4
    assert dict(page.facets["country"]) == {"AZ": 2, "AM": 1, "RU": 1}
    assert dict(page.facets["year"]) == {"2023": 2, "2021": 1}
    assert dict(page.facets["language"]) == {"en": 3, "ru": 1}


@pytest.mark.parametrize("order", ["relevance", "newest", "oldest"])
def test_cursor_pages_through_everything_without_repeats(store: Store, order: str) -> None:
    for i in range(53):
        add(
            store,
            f"https://x/{i}",
            f"Statement {i}",
            "peace " * (i % 7 + 1),
            published=date(2000 + i % 20, 1 + i % 12, 1) if i % 5 else None,
        )
    seen: list[str] = []
    cursor = None
    while True:
        page = store.search(parse_query("peace", order), cursor=cursor, limit=10)
        seen += [h.statement.id for h in page.hits]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert len(seen) == len(set(seen)) == 53
    assert len(list(store.iter_matches(parse_query("peace", order), batch=7))) == 53


@pytest.fixture
def partly_dated(store: Store) -> Store:
    add(
        store,
        "https://un.example/year",
        "General Debate speech",
        "We speak for peace.",
        published=date(2020, 1, 1),
        published_precision=DatePrecision.YEAR,
    )
    add(
        store,
        "https://un.example/month",
        "Monthly bulletin",
        "We speak for peace.",
        published=date(2020, 6, 1),
        published_precision=DatePrecision.MONTH,
    )
    add(
        store,
        "https://un.example/day",
        "Statement",
        "We speak for peace.",
        published=date(2020, 6, 15),
    )
    add(
        store,
        "https://sotu.example/1790",
        "Annual Message",
        "We speak for peace.",
        published=date(1790, 1, 8),
    )
    return store  # fmt: skip


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("from:2020", {"year", "month", "day"}),
        ("from:2020 to:2020", {"year", "month", "day"}),
        ("to:2020-06", {"month", "day", "1790"}),
        ("from:2020-06 to:2020-06", {"month", "day"}),
        ("from:2020-06-01 to:2020-06-15", {"day"}),
        ("to:1800", {"1790"}),
        ("to:2020-06 approx:yes", {"year", "month", "day", "1790"}),
        ("from:2020-06-10 to:2020-06-20 approx:yes", {"year", "month", "day"}),
        ("from:2021 approx:yes", set()),
    ],
)
def test_a_date_matches_only_within_its_precision(
    partly_dated: Store, query: str, expected: set[str]
) -> None:
    assert set(ids_of(partly_dated, query)) == expected


def test_partial_dates_round_trip_and_show_as_known(partly_dated: Store) -> None:
    hits = {h.statement.url.rsplit("/", 1)[1]: h.statement for h in partly_dated.search(
        parse_query("peace")).hits}  # fmt: skip
    assert hits["year"].published_precision == DatePrecision.YEAR
    assert hits["year"].published_label == "2020"
    assert hits["month"].published_label == "2020-06"
    assert hits["1790"].published_label == "1790-01-08"


def test_a_short_prefix_is_refused_and_a_three_letter_one_found_by_each_backend(
    store: Store,
) -> None:
    add(store, "https://mfa.example/1", "Concord", "The conference concluded a contract.")
    add(store, "https://mfa.example/2", "Cooperation", "Co-operation goes on.")
    for text in ("c*", "co*", "treaty -co*"):
        with pytest.raises(QueryError, match="too short: write 3 letters"):
            search(store, text)
    assert search(store, "con*").total == 1
    assert search(store, "coo*").total == 1
