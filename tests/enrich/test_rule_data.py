"""Every place rule number in enrich/data/places.toml does what its example says."""

from __future__ import annotations

import pytest

from communique.enrich.core import Enricher
from communique.enrich.gazetteer import Gazetteer, distance_km
from communique.enrich.places import Span, resolve
from communique.enrich.ruledata import Entry, entries

ENTRIES = [*entries("threshold"), *entries("weight")]


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.name for e in ENTRIES])
def test_rule_example(entry: Entry) -> None:
    example = entry.example
    assert entry.doc and isinstance(entry.value, (int, float))
    if "text" in example:
        lat, lon, km = example["near"]
        text = example["text"]
        places = Enricher("rules").locate(text)
        found = [p for p in places if text[p.start : p.end] == example["name"]]
        assert found and all(distance_km(p.lat, p.lon, lat, lon) <= km for p in found)
    else:
        name = example["name"]
        feature = resolve(Span(name, 0, len(name)), tuple(example["focus"]), Gazetteer.load())
        assert feature is not None
        for key, value in example["expect"].items():
            assert getattr(feature, key) == value, (key, feature)


def test_names_are_unique() -> None:
    for kind in ("threshold", "weight"):
        names = [e.name for e in entries(kind)]
        assert len(names) == len(set(names)), kind
