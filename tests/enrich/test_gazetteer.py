"""Place keys, transliteration skeletons and resolution against GeoNames."""

from __future__ import annotations

import pytest

from communique.enrich.gazetteer import Gazetteer, distance_km, name_key, skeleton
from communique.enrich.places import Span, resolve


def test_transliteration_variants_share_a_skeleton() -> None:
    assert skeleton("Gubadli") == skeleton("Qubadlı")
    assert skeleton("Jabrayil") == skeleton("Cəbrayıl")
    assert skeleton("Garabagh") == skeleton("Karabakh")
    assert skeleton("Shusha") != skeleton("Fuzuli")
    assert name_key("Şuşa") == "susa"


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.load()


def test_focus_country_beats_a_bigger_namesake(gazetteer: Gazetteer) -> None:
    # Fuzuli: a town in Azerbaijan, and a smaller village of the same name elsewhere.
    place = resolve(Span("Fuzuli", 0, 6), ("AZ",), gazetteer)
    assert place is not None and place.country == "AZ"
    assert distance_km(place.lat, place.lon, 39.60, 47.14) < 25


def test_variant_spelling_resolves_only_inside_the_focus_countries(gazetteer: Gazetteer) -> None:
    place = resolve(Span("Gubadli", 0, 7), ("AZ", "AM"), gazetteer)
    assert place is not None and place.country == "AZ"
    assert distance_km(place.lat, place.lon, 39.34, 46.58) < 25
    assert resolve(Span("Gubadli", 0, 7), ("FR",), gazetteer) is None


def test_countries_and_demonyms_resolve_to_country_points(gazetteer: Gazetteer) -> None:
    place = resolve(Span("Turkish", 0, 7), (), gazetteer)
    assert place is not None and (place.feature, place.country) == ("country", "TR")
    assert distance_km(place.lat, place.lon, 39.0, 35.0) < 161


def test_a_strict_span_needs_a_town_of_a_focus_country(gazetteer: Gazetteer) -> None:
    assert resolve(Span("Paris", 0, 5, strict=True), ("AZ",), gazetteer) is None
    paris = resolve(Span("Paris", 0, 5, strict=True), ("FR",), gazetteer)
    assert paris is not None and distance_km(paris.lat, paris.lon, 48.86, 2.35) < 25
