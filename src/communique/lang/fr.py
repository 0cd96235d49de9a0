"""French: spaCy's French NER (its PER is communique's PERSON), country names, HeidelTime."""

from communique.lang import NerModel, Profile

PROFILE = Profile(
    code="fr",
    name="French",
    ner=NerModel("fr_core_news_md", "fr_core_news_md"),
    label_map={"PER": "PERSON"},
    heideltime="french",
    country_names=True,
    months=(
        "janvier janv",
        "février fevrier févr",
        "mars",
        "avril avr",
        "mai",
        "juin",
        "juillet juil",
        "août aout",
        "septembre sept",
        "octobre oct",
        "novembre nov",
        "décembre decembre déc",
    ),
    date_cues=("publié le", "mis à jour le", "date"),
    title_cues=("communiqué", "déclaration", "discours", "allocution", "conférence de presse"),
    stoplist="French",
    stemmer="french",
)
