"""Country names, official names, adjectives and demonyms to ISO codes."""

from __future__ import annotations

from datetime import date

import pytest

from communique.enrich import nlp
from communique.enrich.core import Enricher
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


GERMAN = (
    "Die Bundesregierung begrüßt die Gespräche zwischen Frankreich und Russland.\n\n"
    "Die Außenminister Deutschlands und Polens trafen sich am 3. März 2021 in Warschau, "
    "um über die Lage an der Grenze zu Belarus zu sprechen."
)


def test_a_german_statement_names_its_countries_without_a_ner_model() -> None:
    enrichment = Enricher().enrich(GERMAN, date(2021, 3, 4), "de", "DE")
    assert set(enrichment.countries) == {"FR", "RU", "DE", "PL", "BY"}
    assert {(GERMAN[p.start : p.end], p.country) for p in enrichment.places} >= {
        ("Deutschlands", "DE"),
        ("Polens", "PL"),
    }
    assert all(p.feature == "country" for p in enrichment.places)  # no town without NER
    assert "countries:names" in enrichment.analyses
    assert not any(a.startswith("ner:") for a in enrichment.analyses)
    met = [e for e in enrichment.events if e.date == "2021-03-03"]
    assert met and {"DE", "PL", "BY"} <= set(met[0].actors)


def test_country_names_in_other_languages_are_matched_as_written() -> None:
    text = "A equipa gana confiança antes do jogo no Gana."
    enrichment = Enricher().enrich(text, None, "pt")
    assert [(e.text, e.start) for e in enrichment.entities] == [("Gana", text.rindex("Gana"))]
    assert enrichment.countries == ("GH",)


def test_a_name_is_read_in_its_own_language_only() -> None:
    assert country_code("Island", "de") == "IS"
    assert country_code("Island") is None
    assert country_code("Allemagne", "fr") == "DE"


def test_french_ner_places_a_country_named_in_french() -> None:
    if nlp.model_name("fr") is None:
        pytest.skip("fr_core_news_md is not installed")
    text = "Le ministre a rencontré à Paris son homologue de l'Allemagne et celui du Japon."
    enrichment = Enricher().enrich(text, None, "fr", "FR")
    assert {"DE", "JP"} <= set(enrichment.countries)
    assert {p.country for p in enrichment.places if p.feature == "country"} >= {"DE", "JP"}


def test_lower_case_words_are_no_countries() -> None:
    text = (
        "They told us that the turkey and the china were ready. We polish our proposals. "
        "The US and Turkey agreed with the Polish delegation and the Holy See."
    )
    enrichment = Enricher("rules").enrich(text, None, "en")
    assert sorted(enrichment.countries) == ["PL", "TR", "US", "VA"]
    named = {text[e.start : e.end] for e in enrichment.entities}
    assert not named & {"us", "turkey", "china", "polish"}


def test_a_russian_statement_names_its_countries_in_any_case() -> None:
    text = (
        "Переговоры России и Китая прошли в Москве. Самое главное, что Президент США и "
        "руководство Ирана поддержали диалог с Беларусью и Украиной."
    )
    enrichment = Enricher().enrich(text, None, "ru", "RU")
    assert set(enrichment.countries) == {"RU", "CN", "US", "IR", "BY", "UA"}
    assert "countries:names" in enrichment.analyses
