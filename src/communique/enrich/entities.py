"""Named entities from spaCy, with character offsets and the profile's labels."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from communique.enrich.places.spans import CONTAINER_LABELS, OTHER_LABELS, PLACE_LABELS
from communique.model import Entity

NAME_LABELS = {*PLACE_LABELS, *OTHER_LABELS, *CONTAINER_LABELS, "LANGUAGE"}
"""Labels of proper names, which are never written all in lower case."""


def entities_of(doc: Any, labels: Mapping[str, str] | None = None) -> list[Entity]:
    """Entities of a spaCy `doc`, with character offsets and their labels mapped by `labels`
    (the language profile's), but no name written all in lower case ("the china was ready"
    names no country).

    Example:
        >>> from communique.enrich.nlp import load_pipeline
        >>> [e.text for e in entities_of(load_pipeline("en")("Fine china from China."))]
        ['China']
    """
    labels = labels or {}
    found = (
        Entity(e.text, labels.get(e.label_, e.label_), e.start_char, e.end_char) for e in doc.ents
    )
    return [e for e in found if not (e.label in NAME_LABELS and e.text.islower())]
