"""Dutch: country names, HeidelTime."""

from communique.lang import Profile

PROFILE = Profile(
    code="nl",
    name="Dutch",
    heideltime="dutch",
    country_names=True,
    months=(
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ),
    date_cues=("gepubliceerd", "datum"),
    title_cues=("verklaring", "persbericht", "toespraak"),
    stoplist="Dutch",
    stemmer="dutch",
)
