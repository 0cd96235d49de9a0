"""Portuguese: country names, HeidelTime."""

from communique.lang import Profile

PROFILE = Profile(
    code="pt",
    name="Portuguese",
    heideltime="portuguese",
    country_names=True,
    months=(
        "janeiro",
        "fevereiro",
        "março",
        "abril",
        "maio",
        "junho",
        "julho",
        "agosto",
        "setembro",
        "outubro",
        "novembro",
        "dezembro",
    ),
    date_cues=("publicado", "atualizado", "data"),
    title_cues=("nota", "comunicado", "declaração", "discurso"),
    stoplist="Portuguese",
    stemmer="portuguese",
)
