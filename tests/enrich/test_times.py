"""Time tagging: the rule tagger, ranges, narrative years, and HeidelTime when Java is there."""

from __future__ import annotations

from datetime import date

import pytest

from communique.enrich import heideltime
from communique.enrich.rules import tag
from communique.enrich.times import tag_times, tagger_name
from communique.errors import InputError

PUBLISHED = date(2023, 11, 8)
SEED_LIKE = (
    "After the liberation of Shusha on November 8, 2020, troops withdrew in accordance with"
    " the Trilateral Statement dated November 10. In response, on September 19-20, 2023,"
    " measures were carried out within 24 hours. It ended the 44-day war."
)


def values(found: list) -> list[tuple[str, str, str | None]]:  # type: ignore[type-arg]
    return [(t.text, t.value, t.end_value) for t in found]


def test_rules_tag_explicit_dates_durations_and_relative_days() -> None:
    text = "On 8 November 2020, yesterday and on Monday; for 44 days, almost 30 years; in 1993."
    found = tag(text, PUBLISHED)
    assert values(found) == [
        ("8 November 2020", "2020-11-08", None),
        ("yesterday", "2023-11-07", None),
        ("Monday", "2023-11-06", None),
        ("44 days", "P44D", None),
        ("almost 30 years", "P30Y", None),
        ("1993", "1993", None),
    ]
    assert all(text[t.start : t.end] == t.text for t in found)


@pytest.mark.parametrize("tagger", ["rules", "heideltime"])
def test_bare_month_day_takes_the_narrative_year_and_ranges_merge(tagger: str) -> None:
    if tagger == "heideltime" and not heideltime.available():
        pytest.skip("no Java runtime: HeidelTime cannot run here")
    found = tag_times(SEED_LIKE, "en", PUBLISHED, tagger)
    by_text = {t.text: t for t in found}
    assert by_text["November 8, 2020"].value == "2020-11-08"
    assert by_text["November 10"].value == "2020-11-10"
    assert by_text["September 19-20, 2023"].type == "range"
    assert (by_text["September 19-20, 2023"].value, by_text["September 19-20, 2023"].end_value) == (
        "2023-09-19",
        "2023-09-20",
    )
    assert by_text["44-day"].value == "P44D"


@pytest.mark.parametrize("tagger", ["rules", "heideltime"])
def test_without_a_publication_date_a_bare_month_day_still_takes_the_narrative_year(
    tagger: str,
) -> None:
    if tagger == "heideltime" and not heideltime.available():
        pytest.skip("no Java runtime: HeidelTime cannot run here")
    found = tag_times(SEED_LIKE, "en", None, tagger)
    assert {t.text: t.value for t in found}["November 10"] == "2020-11-10"


def test_bare_month_day_far_from_any_dated_sentence_keeps_the_publication_year() -> None:
    text = (
        "In 2020 the war ended. Many things happened since. Talks resumed. On November 10 a call."
    )
    found = tag_times(text, "en", PUBLISHED, "rules")
    assert ("November 10", "2023-11-10", None) in values(found)


def test_a_bare_month_takes_the_year_of_the_date_just_before_it() -> None:
    text = "On May 22, 1995, Farkas was made a general. In December he was cited by police."
    found = {t.text: t.value for t in tag_times(text, "en", date(1998, 4, 18), "rules")}
    assert found["December"] == "1995-12"


def test_a_relative_year_between_moves_the_story_on_and_drops_the_anchor() -> None:
    text = (
        "On May 22, 1995, Farkas was made a general, and the following year he was appointed"
        " attache. However, cited by police in December, Farkas was ordered home."
    )
    found = {t.text: t.value for t in tag_times(text, "en", date(1998, 4, 18), "rules")}
    assert found["December"] != "1995-12"
    assert (
        found["December"]
        == {
            t.text: t.value
            for t in tag_times(
                "Cited by police in December, Farkas was ordered home.",
                "en",
                date(1998, 4, 18),
                "rules",
            )
        }["December"]
    )


def test_languages_without_a_tagger_get_no_times() -> None:
    assert tag_times("Le 8 novembre 2020.", "ru", PUBLISHED, "rules") == []


def test_auto_tags_english_by_the_rules_and_other_languages_by_heideltime() -> None:
    english = "Talks resumed in Geneva on 8 November 2020."
    assert tag_times(english, "en", PUBLISHED) == tag_times(english, "en", PUBLISHED, "rules")
    assert tagger_name("en") == "rules"
    french = "Les pourparlers ont repris à Genève le 8 novembre 2020."
    assert tag_times(french, "fr", PUBLISHED, "rules") == []
    if not heideltime.available():
        assert tagger_name("fr") is None
        pytest.skip("no Java runtime: HeidelTime cannot run here")
    assert tagger_name("fr") == "heideltime"
    assert [t.value for t in tag_times(french, "fr", PUBLISHED)] == ["2020-11-08"]


def test_an_unknown_tagger_is_named_in_the_error() -> None:
    with pytest.raises(InputError, match="unknown time tagger 'treetagger'"):
        tag_times("On 8 November 2020.", "en", PUBLISHED, "treetagger")
