"""Spanish: country names (pycountry's and countryinfo's, plus everyday ones), HeidelTime dates."""

from communique.lang import Profile

PROFILE = Profile(
    code="es",
    name="Spanish",
    heideltime="spanish",
    country_names=True,
    irregular_countries={"EE. UU.": "US", "EEUU": "US", "Estados Unidos": "US"},
    months=(
        "enero ene",
        "febrero feb",
        "marzo mar",
        "abril abr",
        "mayo may",
        "junio jun",
        "julio jul",
        "agosto ago",
        "septiembre setiembre sept",
        "octubre oct",
        "noviembre nov",
        "diciembre dic",
    ),
    date_cues=("publicado", "fecha", "actualizado"),
    title_cues=("comunicado", "declaración", "discurso", "nota de prensa"),
    stoplist="Spanish",
    stemmer="spanish",
)
