"""Tamil, added as one profile (`lang/ta.toml`, `lang/ta.py`): country names in their case
forms, CLDR's month names, the script telling the language."""

from datetime import date

import pytest
from babel import Locale

from communique.enrich.core import Enricher
from communique.enrich.countries import country_code
from communique.extract.dates import find_dates
from communique.extract.language import detect
from communique.lang import profile

TEXT = (
    "இந்தியாவின் வெளியுறவு அமைச்சர் 8 நவம்பர் 2020 அன்று இலங்கைக்கு சென்றார்."
    " அவர் ஜப்பான் மற்றும் சீனாவுடன் பேச்சுவார்த்தை நடத்தினார்."
)
# CLDR's spelling, pycountry's purist one, a dative, a genitive in -ம், a sociative
NAMES = {"ஜெர்மனி": "DE", "செர்மனி": "DE", "இலங்கைக்கு": "LK", "நேபாளத்தின்": "NP", "பாகிஸ்தானுடன்": "PK"}


@pytest.mark.parametrize(("name", "code"), NAMES.items())
def test_tamil_country_names_and_their_cases(name: str, code: str) -> None:
    assert country_code(name, "ta") == code
    assert country_code(name) is None  # read as Tamil only in Tamil texts


def test_tamil_statement_names_its_countries_and_its_date() -> None:
    assert Enricher("rules").enrich(TEXT, date(2020, 11, 12), "ta").countries == (
        ("IN", "LK", "JP", "CN")
    )
    assert [d for d, _, _ in find_dates(TEXT)] == [date(2020, 11, 8)]


def test_tamil_months_are_cldrs_and_the_script_tells_the_language() -> None:
    cldr = Locale("ta").months["format"]
    for number, names in enumerate(profile("ta").months, 1):
        wide, *short = names.split()
        assert (wide, [s + "." for s in short]) == (
            cldr["wide"][number],
            [cldr["abbreviated"][number]] if short else [],
        )
    assert detect("வெளியுறவு அமைச்சகத்தின் அறிக்கை") == detect(TEXT, "en") == "ta"


YEAR_FIRST = {  # a dateline, a sentence, an abbreviated month
    "கொழும்பு, 2021 மே 19: வெளியுறவு அமைச்சின் அறிக்கை": date(2021, 5, 19),
    "அமைச்சர் 2020 நவம்பர் 8 அன்று இலங்கைக்கு சென்றார்.": date(2020, 11, 8),
    "வெளியிடப்பட்டது: 2019 டிச. 3": date(2019, 12, 3),
}


def test_tamil_dates_written_year_first() -> None:
    found = {text: [d for d, _, _ in find_dates(text)] for text in YEAR_FIRST}
    assert found == {text: [day] for text, day in YEAR_FIRST.items()}


def test_dates_are_read_year_first_only_where_the_profile_says_so() -> None:
    assert profile("ta").year_first and not profile("en").year_first
    assert find_dates("the 2020 November 8 session") == []
    assert find_dates("le 2020 novembre 8") == []
