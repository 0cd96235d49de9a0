"""German: country names with their genitives ("Russlands"), HeidelTime."""

import re
from collections.abc import Iterable

from communique.lang import Profile

_GENITIVE_S = re.compile(r"[^sxzß]$")


def genitive(name: str) -> Iterable[str]:
    """The genitive of a one-word country name ("Russland" → "Russlands")."""
    return [f"{name}s"] if " " not in name and _GENITIVE_S.search(name) else []


PROFILE = Profile(
    code="de",
    name="German",
    heideltime="german",
    country_names=True,
    country_name_forms=genitive,
    months=(
        "januar jänner",
        "februar",
        "märz maerz",
        "april",
        "mai",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "dezember",
    ),
    date_cues=("veröffentlicht", "datum", "stand"),
    title_cues=("erklärung", "gemeinsame erklärung", "pressemitteilung", "rede"),
    stoplist="German",
    stemmer="german",
)
