"""Named entities from spaCy, and the spans among them that may name places."""

from __future__ import annotations

import re
from typing import Any

from communique.enrich.places import Span
from communique.model import Entity

PLACE_LABELS = {"GPE", "LOC", "FAC", "NORP"}
"""Labels whose spans are resolved against the gazetteer without restriction."""
OTHER_LABELS = {"PERSON", "ORG", "PRODUCT", "WORK_OF_ART", "EVENT", "MISC", "PER"}
"""Labels spaCy sometimes gives to towns; kept only when they name a town of a focus country."""
_CAPITALISED = re.compile(r"\b[A-Z][a-zà-ÿ'’-]{3,}(?:\s+[A-Z][a-zà-ÿ'’-]{3,})?\b")


def entities_of(doc: Any) -> list[Entity]:
    """Entities of a spaCy `doc`, with character offsets."""
    return [Entity(e.text, e.label_, e.start_char, e.end_char) for e in doc.ents]


def place_spans(text: str, entities: list[Entity]) -> list[Span]:
    """Spans to try as places: place entities, other entities and unlabelled proper names."""
    spans = [
        Span(e.text, e.start, e.end, strict=e.label not in PLACE_LABELS)
        for e in entities
        if e.label in PLACE_LABELS or e.label in OTHER_LABELS
    ]
    covered = [(e.start, e.end) for e in entities]
    for match in _CAPITALISED.finditer(text):
        if _sentence_initial(text, match.start()):
            continue
        if not any(s < match.end() and match.start() < e for s, e in covered):
            spans.append(Span(match.group(0), match.start(), match.end(), strict=True))
    return sorted(spans, key=lambda s: s.start)


def _sentence_initial(text: str, start: int) -> bool:
    before = text[max(0, start - 3) : start].strip()
    return not before or before[-1] in ".!?\n\"“"
