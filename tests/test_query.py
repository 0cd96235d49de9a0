import contextlib
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from communique.cli import app
from communique.client._core import query_text
from communique.errors import QueryError
from communique.model import DocType
from communique.query import DateRange, Filters, Near, Order, Term, parse_query


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
    assert q.filters.issuers == ("Ministry of Foreign Affairs",)
    assert q.filters.countries == ("AZ",)
    assert q.filters.languages == ("en",)
    assert q.filters.doc_types == ("press release",)
    assert q.filters.sources == ("sotu",)
    assert q.filters.published == DateRange(date(2020, 1, 1), date(2021, 2, 28))


def test_enrichment_filters_are_parsed() -> None:
    q = parse_query('mentions:am place:"Nagorno Karabakh" near:39.76,46.75,25 event_from:2020-11')
    assert q.filters.mentions == ("AM",)
    assert q.filters.places == ("Nagorno Karabakh",)
    assert q.filters.near == (Near(39.76, 46.75, 25.0),)
    assert q.filters.event_dates == DateRange(first=date(2020, 11, 1))
    assert parse_query("event_to:2023").filters.event_dates == DateRange(last=date(2023, 12, 31))


def test_prefix_and_order_without_words() -> None:
    q = parse_query("liberat* country:AZ", order="oldest")
    assert q.required == ((Term("liberat", prefix=True),),)
    assert q.order is Order.OLDEST
    assert parse_query("country:AZ").effective_order is Order.NEWEST
    assert parse_query("con*").required == ((Term("con", prefix=True),),)
    assert parse_query('"co*" x*y').required == ((Term("co*", phrase=True),), (Term("x*y"),))


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
        ("s*", "prefix s\\* is too short: write 3 letters"),
        ("peace OR co*", "prefix co\\* is too short"),
        ("treaty -co*", "prefix co\\* is too short"),
        ("대*", "prefix 대\\* is too short"),  # one Korean syllable: two letters
    ],
)
def test_malformed_queries_explain_themselves(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message) as info:
        parse_query(text)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("中国*", Term("中国")),  # Chinese: searched as its characters, each one indexed
        ("王*", Term("王")),
        ("外務*", Term("外務")),  # Japanese
        ("アジア*", Term("アジア")),
        ("G7峰*", Term("G7峰")),  # ending in Chinese
        ("대한*", Term("대한", prefix=True)),  # Korean words are spaced: a prefix still
        ("con*", Term("con", prefix=True)),
    ],
)
def test_a_prefix_ending_in_chinese_or_japanese_is_its_characters(text: str, term: Term) -> None:
    assert parse_query(text).required == ((term,),)


def test_unknown_order_is_a_query_error() -> None:
    with pytest.raises(QueryError, match="unknown order"):
        parse_query("x", order="random")


@given(st.text(max_size=80))
def test_any_text_parses_or_raises_query_error(text: str) -> None:
    with contextlib.suppress(QueryError):
        parse_query(text)


_VALUES = st.text(st.characters(blacklist_categories=("C",), blacklist_characters='"'), min_size=1)
_NAMES = _VALUES.map(str.strip).filter(bool)
_CODES = st.text(
    st.characters(min_codepoint=ord("A"), max_codepoint=ord("Z")), min_size=2, max_size=2
)
_DAYS = st.dates(date(1000, 1, 1), date(9999, 12, 31))
_RANGES = st.builds(DateRange, st.none() | _DAYS, st.none() | _DAYS)
_CIRCLES = st.builds(
    Near,
    st.floats(-90, 90),
    st.floats(-180, 180),
    st.floats(0, 20_000, exclude_min=True),
)


def _few(values: st.SearchStrategy[object]) -> st.SearchStrategy[tuple[object, ...]]:
    return st.lists(values, max_size=2, unique=True).map(tuple)


_FILTERS = st.builds(
    Filters,
    issuers=_few(_NAMES),
    countries=_few(_CODES),
    languages=_few(_NAMES.map(str.lower).filter(lambda v: v == v.lower())),
    doc_types=_few(st.sampled_from([t.value for t in DocType])),
    sources=_few(_NAMES),
    published=_RANGES,
    approximate=st.booleans(),
    edited=st.none() | st.booleans(),
    removed=st.none() | st.booleans(),
    mentions=_few(_CODES),
    places=_few(_NAMES),
    near=_few(_CIRCLES),
    event_dates=_RANGES,
    all_copies=st.booleans(),
)


def _printed(chosen: Filters) -> dict[str, object]:
    """`chosen` as the client's keyword filters (each name of the search language)."""
    names = "issuer country lang type source edited removed mentions place"
    fields = "issuers countries languages doc_types sources edited removed mentions places"
    pairs = zip(names.split(), fields.split(), strict=True)
    printed = {name: getattr(chosen, field) for name, field in pairs}
    for first, last, days in (
        ("from", "to", chosen.published),
        ("event_from", "event_to", chosen.event_dates),
    ):
        printed |= {first: days.first, last: days.last}
    printed["approx"] = chosen.approximate or None
    printed["near"] = [f"{c.lat},{c.lon},{c.km}" for c in chosen.near]
    printed["copies"] = "all" if chosen.all_copies else None
    return printed


@given(_FILTERS)
def test_filters_printed_in_the_search_language_parse_back_the_same(chosen: Filters) -> None:
    query = parse_query(query_text("peace", _printed(chosen)))
    assert query.filters == chosen
    assert query.required == ((Term("peace"),),)
    assert parse_query(query_text("", _printed(chosen))).has_text is False


def test_the_cli_says_why_a_short_prefix_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["search", "--db", str(tmp_path / "a.db"), "co*"])
    assert result.exit_code == 1
    assert "prefix co* is too short: write 3 letters or more" in result.output
    assert "Traceback" not in result.output
