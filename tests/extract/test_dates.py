"""Dates: precision, years before 1900, update dates kept apart, years inferred from the text."""

from __future__ import annotations

import json
from datetime import date

import pytest

from communique.extract import extract
from communique.extract.dates import dateline, find_dates, is_update_line, parse_partial
from communique.lang import every_language
from communique.model import INFERRED, RECORD_CONTENT_TYPE, DatePrecision
from tests.extract.conftest import raw, shared


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("January 8, 1790", date(1790, 1, 8)),
        ("1790-01-08", date(1790, 1, 8)),
        ("2023年2月18日", date(2023, 2, 18)),
        ("2024년 3월 5일", date(2024, 3, 5)),
        ("令和6年3月5日", date(2024, 3, 5)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("平成31年4月30日", date(2019, 4, 30)),
        ("16 أبريل 2023", date(2023, 4, 16)),
        ("٢٥ سبتمبر ٢٠٢١", date(2021, 9, 25)),
        ("6 декабря 2021 года", date(2021, 12, 6)),
        ("September 19–20, 2023", date(2023, 9, 19)),
        ("19-20 September 2023", date(2023, 9, 19)),
    ],
)
def test_dates_in_many_scripts_and_centuries(text: str, expected: date) -> None:
    assert [d for d, _, _ in find_dates(text)] == [expected]


def test_partial_dates_keep_their_precision() -> None:
    assert parse_partial("2020") == (date(2020, 1, 1), DatePrecision.YEAR)
    assert parse_partial("2020-06") == (date(2020, 6, 1), DatePrecision.MONTH)
    assert parse_partial("999") is None


@pytest.mark.parametrize(
    ("line", "update"),
    [
        ("Last updated: 15 January 2025", True),
        ("Aktualisiert am 3. März 2024", True),
        ("更新时间：2024年3月3日", True),
        ("Mis à jour le 5 mai 2020", True),
        ("Обновлена 5 мая 2020", True),
        ("آخر تحديث: 5 مايو 2020", True),
        ("Published 5 May 2020, with updates to follow", False),  # a whole word only
        ("Unrevised transcript, 5 May 2020", False),
    ],
)
def test_update_lines(line: str, update: bool) -> None:
    assert is_update_line(line) is update


def test_a_year_only_record_is_dated_to_its_year() -> None:
    line = json.dumps({"country_iso3": "FRA", "session": 75, "year": 2020, "text": "We speak."})
    result = extract(raw(line.encode(), RECORD_CONTENT_TYPE, url="ungdc:FRA-75"))
    assert (result.published, result.published_precision) == (date(2020, 1, 1), "year")
    assert result.published_label == "2020"


def test_an_update_date_is_kept_apart_from_the_statement_date() -> None:
    paragraphs = "".join(
        f"<p>{s}</p>"
        for s in (
            "Delivered on 23 February 2021 in New York.",
            "Thank you, Madam President, for convening this debate on climate and security.",
            "Rising seas are already driving conflict and displacement in many regions.",
            "We urge the Council to integrate climate risk into every mandate it renews.",
        )
    )
    page = (
        "<html lang='en'><head><title>Remarks at the Security Council</title>"
        "<meta property='article:modified_time' content='2024-01-15'></head><body><article>"
        f"<h1>Remarks at the Security Council</h1>{paragraphs}</article></body></html>"
    )
    result = extract(raw(page.encode(), "text/html"))
    assert result.published == date(2021, 2, 23)
    assert result.modified == date(2024, 1, 15)


def test_an_undated_statement_gets_an_inferred_year_never_shown_as_certain() -> None:
    seed = shared("seeds", "000_ac6ea3ae84a41b15.txt")
    result = extract(raw(seed.read_bytes(), "text/plain", url="file:///seed.txt"))
    assert result.published_source == INFERRED
    assert result.published_precision == DatePrecision.YEAR
    assert result.published_confidence <= 0.2
    assert result.published_label == "2023 (inferred)"


def test_the_statements_own_date_wins_over_a_later_page_date() -> None:
    body = "".join(
        f"<p>{s}</p>"
        for s in (
            "12 March 2019",
            "Mr. President, distinguished delegates, thank you for this opportunity to speak.",
            "Our country has always supported the peaceful settlement of disputes by dialogue.",
            "We call on all parties to return to the negotiating table without delay.",
        )
    )
    page = (
        "<html lang='en'><head><title>Speech at the Conference on Disarmament</title>"
        "<meta property='article:published_time' content='2023-06-30T08:00:00Z'></head><body>"
        f"<article><h1>Speech at the Conference on Disarmament</h1>{body}</article></body></html>"
    )
    result = extract(raw(page.encode(), "text/html"))
    assert result.published == date(2019, 3, 12)
    assert result.published_source == "dateline"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("掲載日：2023年7月13日", date(2023, 7, 13)),
        ("2024년 3월 5일", date(2024, 3, 5)),
        ("기사입력 :[ 2018-08-25 15:24 ]", date(2018, 8, 25)),  # Hangul is written with spaces
        ("Geneva, 5 March 2024", date(2024, 3, 5)),
        ("应法兰西共和国总统邀请，国家主席于2023年4月5日对法国进行国事访问。", None),
        ("The talks held on 5 March 2024 ended without an agreement on the text.", None),
    ],
)
def test_a_dateline_is_a_date_with_few_other_words_in_any_script(
    line: str, expected: date | None
) -> None:
    assert dateline(line) == expected


@pytest.mark.parametrize("cue", every_language("date_cues"))
def test_a_profiles_date_cue_is_read_beside_a_dateline(cue: str) -> None:
    assert dateline(f"{cue} Geneva Vienna Rome Paris, 8 November 2020") == date(2020, 11, 8)
    assert dateline(f"{cue} Geneva Vienna Rome Paris Bern, 8 November 2020") is None
