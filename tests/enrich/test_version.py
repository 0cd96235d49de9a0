"""ENRICH_VERSION cannot drift: enrichment output on fixed texts changes only with the version.

The outputs are stored with the version that produced them (fixtures/enrich_outputs.json).
When a change moves them, bump `ENRICH_VERSION` in model.py and store the new outputs:
`COMMUNIQUE_UPDATE_FIXTURES=1 pytest tests/enrich/test_version.py`.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path
from typing import Any

from communique.enrich.core import Enricher
from communique.model import ENRICH_VERSION
from tests.versioned import check_versioned

FIXTURE = Path(__file__).with_name("fixtures") / "enrich_outputs.json"
TEXTS = {
    "en": (
        "WASHINGTON, Nov. 8 — The Secretary of State met the foreign ministers of Armenia and"
        " Azerbaijan in Paris, Missouri, on Tuesday, two weeks after the ceasefire in Shusha."
        " Talks resume in Geneva in the first quarter of 2024, under Resolution 2334 (2016)."
    ),
    "fr": "Le ministre a reçu à Paris son homologue allemand le 3 mars 2023. M. Dupont a salué"
    " l'accord de Minsk.",
    "de": "Die Bundesregierung verurteilt Russlands Angriff auf die Ukraine vom 24. Februar 2022.",
    "es": "El canciller de España viajó a Alemania y a los EE. UU. el 8 de noviembre de 2020.",
    "ru": "Министр обсудил с коллегой из Китая отношения России и США.",
    "ta": "அமைச்சர் 8 நவம்பர் 2020 அன்று இலங்கைக்கு சென்று ஜப்பானுடன் பேசினார்.",
}


def _outputs() -> dict[str, Any]:
    enricher = Enricher("rules")
    found = {}
    for language, text in TEXTS.items():
        enrichment = dataclasses.asdict(enricher.enrich(text, date(2023, 11, 8), language))
        enrichment.pop("version")
        found[language] = json.loads(json.dumps(enrichment))
    return found


def test_enrichment_output_changes_only_with_its_version() -> None:
    check_versioned(FIXTURE, "ENRICH_VERSION", ENRICH_VERSION, _outputs())
