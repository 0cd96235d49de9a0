"""Spanish, added as one profile (`lang/es.py`): its country names and its dates."""

from __future__ import annotations

from datetime import date

import pytest

from communique.enrich import heideltime
from communique.enrich.core import Enricher
from communique.enrich.countries import country_code

TEXT = (
    "El ministro se reunió con su homólogo de Alemania el 8 de noviembre de 2020 en Madrid. "
    "Los EE. UU. y Francia firmaron el acuerdo el martes."
)


@pytest.mark.parametrize(
    ("name", "code"),
    [("Alemania", "DE"), ("Estados Unidos", "US"), ("EE. UU.", "US"), ("Reino Unido", "GB")],
)
def test_spanish_country_names(name: str, code: str) -> None:
    assert country_code(name, "es") == code
    assert country_code(name) in (None, code)  # read as Spanish only in Spanish texts


def test_spanish_statement_names_its_countries() -> None:
    found = Enricher("rules").enrich(TEXT, date(2020, 11, 12), "es")
    assert found.countries == ("DE", "US", "FR")
    assert "countries:names" in found.analyses


@pytest.mark.skipif(not heideltime.available(), reason="HeidelTime needs a Java runtime")
def test_spanish_dates_by_heideltime() -> None:
    found = Enricher("auto").enrich(TEXT, date(2020, 11, 12), "es")
    assert [(t.text, t.value) for t in found.times] == [
        ("el 8 de noviembre de 2020", "2020-11-08"),
        ("el martes", "2020-11-10"),
    ]
