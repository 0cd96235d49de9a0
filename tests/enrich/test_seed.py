"""The example statement, enriched with the real models (loaded once for this module)."""

from __future__ import annotations

from datetime import date

import pytest

from communique.enrich.core import Enricher
from communique.enrich.gazetteer import distance_km
from communique.model import Enrichment
from tests.conftest import shared_path

TOWNS = {
    "Jabrayil": (39.40, 47.03),
    "Fuzuli": (39.60, 47.14),
    "Zangilan": (39.09, 46.65),
    "Gubadli": (39.34, 46.58),
    "Shusha": (39.76, 46.75),
    "Kalbajar": (40.11, 46.04),
    "Aghdam": (39.99, 46.93),
    "Lachin": (39.64, 46.55),
}
"""Where the towns the statement names are (from the map, not from the gazetteer)."""


@pytest.fixture(scope="module")
def seed() -> tuple[str, Enrichment]:
    path = shared_path("seeds", "000_ac6ea3ae84a41b15.txt")
    text = path.read_text(encoding="utf-8")
    return text, Enricher().enrich(text, date(2023, 11, 8), "en", "AZ")


def test_every_town_is_placed_within_25_km(seed: tuple[str, Enrichment]) -> None:
    text, enrichment = seed
    for town, (lat, lon) in TOWNS.items():
        placed = [p for p in enrichment.places if text[p.start : p.end] == town]
        assert placed, f"{town} not found"
        assert all(distance_km(p.lat, p.lon, lat, lon) < 25 for p in placed), town


def test_states_and_bodies(seed: tuple[str, Enrichment]) -> None:
    text, enrichment = seed
    assert set(enrichment.countries) == {"AZ", "AM", "RU"}
    orgs = {e.text for e in enrichment.entities if e.label == "ORG"}
    assert any("Security Council" in name for name in orgs)
    assert all(text[e.start : e.end] == e.text for e in enrichment.entities)


def test_dated_events_carry_the_right_iso_dates(seed: tuple[str, Enrichment]) -> None:
    _, enrichment = seed
    dates = {(e.date, e.date_end) for e in enrichment.events}
    assert {("2020-11-08", None), ("2020-11-10", None), ("2023-09-19", "2023-09-20")} <= dates
    shusha = next(e for e in enrichment.events if e.date == "2020-11-08")
    assert "Shusha" in shusha.places and {"AZ", "AM", "RU"} <= set(shusha.actors)


def test_durations_and_references(seed: tuple[str, Enrichment]) -> None:
    _, enrichment = seed
    durations = {t.value for t in enrichment.times if t.type == "duration"}
    assert {"P44D", "P30Y"} <= durations
    kinds = {(r.kind, r.id) for r in enrichment.references}
    assert ("agreement", "Trilateral Statement") in kinds
    assert ("unsc-resolution", None) in kinds
