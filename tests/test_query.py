import contextlib
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from communique.errors import QueryError
from communique.query import DateRange, Near, Order, Term, parse_query


def test_words_phrases_or_and_not() -> None:
    q = parse_query('shusha "victory day" armenia OR russia -war NOT occupation')
    assert q.required == (
        (Term("shusha"),),
        (Term("victory day", phrase=True),),
        (Term("armenia"), Term("russia")),
    )
    assert q.excluded == (Term("war"), Term("occupation"))


def test_filters_are_normalised() -> None:
    q = parse_query(
        'issuer:"Ministry of Foreign Affairs" country:az lang:EN type:press-release '
        "source:sotu from:2020 to:2021-02"
    )
    assert q.issuers == ("Ministry of Foreign Affairs",)
    assert q.countries == ("AZ",)
    assert q.languages == ("en",)
    assert q.doc_types == ("press release",)
    assert q.sources == ("sotu",)
    assert q.published == DateRange(date(2020, 1, 1), date(2021, 2, 28))


def test_enrichment_filters_are_parsed() -> None:
    q = parse_query('mentions:am place:"Nagorno Karabakh" near:39.76,46.75,25 event_from:2020-11')
    assert q.mentions == ("AM",)
    assert q.places == ("Nagorno Karabakh",)
    assert q.near == (Near(39.76, 46.75, 25.0),)
    assert q.event_dates == DateRange(first=date(2020, 11, 1))
    assert parse_query("event_to:2023").event_dates == DateRange(last=date(2023, 12, 31))


def test_prefix_and_order_without_words() -> None:
    q = parse_query("liberat* country:AZ", order="oldest")
    assert q.required == ((Term("liberat", prefix=True),),)
    assert q.order is Order.OLDEST
    assert parse_query("country:AZ").effective_order is Order.NEWEST


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('"unclosed phrase', "unclosed quote"),
        ("OR peace", "OR needs a word"),
        ("peace OR", "OR needs a word"),
        ("peace NOT", "NOT needs a word"),
        ("colour:red", "unknown filter colour:"),
        ("country:Azerbaijan", "ISO 3166-1 alpha-2"),
        ("from:2020-13-01", "not a valid date"),
        ("from:yesterday", "not a date"),
        ("type:poem", "not a document type"),
        ("issuer:", "needs a value"),
    ],
)
def test_malformed_queries_explain_themselves(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message) as info:
        parse_query(text)
    assert "\n" not in str(info.value)


def test_unknown_order_is_a_query_error() -> None:
    with pytest.raises(QueryError, match="unknown order"):
        parse_query("x", order="random")


@given(st.text(max_size=80))
def test_any_text_parses_or_raises_query_error(text: str) -> None:
    with contextlib.suppress(QueryError):
        parse_query(text)
