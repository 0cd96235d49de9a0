"""Country names, official names, adjectives and demonyms to ISO codes."""

from __future__ import annotations

import pytest

from communique.enrich.countries import country_code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Azerbaijan", "AZ"),
        ("the Republic of Armenia", "AM"),
        ("Azerbaijani", "AZ"),
        ("Azerbaijanis", "AZ"),
        ("Armenian", "AM"),
        ("Russia's", "RU"),
        ("Russian", "RU"),
        ("Turkish", "TR"),
        ("Chinese", "CN"),
        ("Ukrainian", "UA"),
        ("Nigerian", "NG"),
        ("Austrian", "AT"),
        ("Australian", "AU"),
        ("Kazakh", "KZ"),
        ("French", "FR"),
        ("Dutch", "NL"),
        ("Israeli", "IL"),
        ("Belarusian", "BY"),
    ],
)
def test_names_and_demonyms_resolve_to_iso_codes(text: str, code: str) -> None:
    assert country_code(text) == code


@pytest.mark.parametrize("text", ["Security Council", "Victory Day", "Ministry", "Shusha", ""])
def test_words_that_are_not_countries_resolve_to_nothing(text: str) -> None:
    assert country_code(text) is None


@pytest.mark.parametrize(
    ("text", "code"),
    [("South African", "ZA"), ("Sri Lankans", None), ("New Zealander", "NZ"), ("DPRK", "KP")],
)
def test_demonyms_of_countries_of_several_words(text: str, code: str | None) -> None:
    assert country_code(text.removesuffix("s") if code is None else text) == (code or "LK")


def test_a_region_adjective_of_several_words_is_no_country() -> None:
    assert country_code("Central American") is None
    assert country_code("North American") is None
