"""Polish: month names for publication dates only."""

from communique.lang import Profile

PROFILE = Profile(
    code="pl",
    name="Polish",
    months=(
        "styczeń stycznia",
        "luty lutego",
        "marzec marca",
        "kwiecień kwietnia",
        "maj maja",
        "czerwiec czerwca",
        "lipiec lipca",
        "sierpień sierpnia",
        "wrzesień września",
        "październik października",
        "listopad listopada",
        "grudzień grudnia",
    ),
)
