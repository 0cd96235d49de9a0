"""PIPELINE_VERSION cannot drift: extraction output on fixed inputs changes only with it.

The outputs are stored with the version that produced them (fixtures/extraction_outputs.json):
inline pages of each kind, and real pages of ../shared where it is present. When a change moves
them, bump `PIPELINE_VERSION` in model.py and store the new outputs:
`COMMUNIQUE_UPDATE_FIXTURES=1 pytest tests/extract/test_version.py`.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from communique.errors import CommuniqueError
from communique.extract import extract
from communique.model import PIPELINE_VERSION, RawInput
from tests.extract.conftest import SHARED
from tests.versioned import check_versioned, stored_outputs

FIXTURE = Path(__file__).with_name("fixtures") / "extraction_outputs.json"
FETCHED = datetime(2023, 11, 9, 12, 0, tzinfo=UTC)
_PROSE = (
    "The Ministers of Foreign Affairs of Armenia and Azerbaijan met in Geneva on 8 November"
    " 2023 to discuss the normalisation of relations between their countries. They agreed to"
    " continue talks in the first quarter of 2024 and to exchange detainees before the end of"
    " the year. The ministers thanked Switzerland for hosting the meeting."
)
INLINE = {
    "html-en": (
        "https://mfa.example.gov/press/statement-geneva",
        "text/html",
        f"<html lang='en'><head><title>Joint Statement on the Geneva Talks | MFA</title>"
        f"<meta property='article:published_time' content='2023-11-08'></head><body>"
        f"<nav><a href='/'>Home</a> <a href='/press'>Press</a></nav><article>"
        f"<h1>Joint Statement on the Geneva Talks</h1><p>{_PROSE}</p><p>{_PROSE}</p></article>"
        f"<footer>© Ministry of Foreign Affairs</footer></body></html>",
    ),
    "html-fr": (
        "https://diplomatie.example.fr/communique",
        "text/html",
        "<html lang='fr'><head><title>Communiqué du ministère</title></head><body><article>"
        "<h1>Communiqué du ministère</h1><p>Paris, le 3 mars 2023. Le ministre de l'Europe et"
        " des Affaires étrangères a reçu son homologue allemand. Les deux ministres ont salué"
        " la coopération entre la France et l'Allemagne et sont convenus de se revoir à Berlin"
        " avant la fin de l'année pour préparer le prochain conseil des ministres.</p>"
        "</article></body></html>",
    ),
    "text": (
        "https://mfa.example.gov/statement.txt",
        "text/plain",
        f"Statement by the Ministry of Foreign Affairs\n\n8 November 2023\n\n{_PROSE}\n",
    ),
}
SHARED_PAGES = (
    "001_by-mfa_statement-countermeasures.html",
    "005_by-mfa_statement-election-reactions.html",
)


def _inputs() -> dict[str, RawInput]:
    inputs = {
        name: RawInput(url, body.encode(), content_type, "test", FETCHED)
        for name, (url, content_type, body) in INLINE.items()
    }
    for page in SHARED_PAGES:
        path = SHARED / "pages" / page
        if path.exists():
            url = f"https://shared.example/{page}"
            inputs[page] = RawInput(url, path.read_bytes(), "text/html", "test", FETCHED)
    return inputs


def _outputs() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, raw in _inputs().items():
        try:
            output: Any = dataclasses.asdict(extract(raw))
        except CommuniqueError as exc:
            output = {"error": type(exc).__name__, "message": str(exc)}
        found[name] = json.loads(json.dumps(output, default=str, ensure_ascii=False))
    return found


def test_extraction_output_changes_only_with_the_pipeline_version() -> None:
    check_versioned(FIXTURE, "PIPELINE_VERSION", PIPELINE_VERSION, _outputs())


def test_every_inline_input_is_in_the_fixture() -> None:
    assert set(INLINE) <= set(stored_outputs(FIXTURE))
