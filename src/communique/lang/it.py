"""Italian: country names, HeidelTime."""

from communique.lang import Profile

PROFILE = Profile(
    code="it",
    name="Italian",
    heideltime="italian",
    country_names=True,
    months=(
        "gennaio",
        "febbraio",
        "marzo",
        "aprile",
        "maggio",
        "giugno",
        "luglio",
        "agosto",
        "settembre",
        "ottobre",
        "novembre",
        "dicembre",
    ),
    date_cues=("pubblicato", "data"),
    title_cues=("comunicato", "dichiarazione", "discorso"),
    stoplist="Italian",
    stemmer="italian",
)
