"""Code the German profile (`de.toml`) names: genitives of country names ("Russlands")."""

import re
from collections.abc import Iterable

_GENITIVE_S = re.compile(r"[^sxzß]$")


def genitive(name: str) -> Iterable[str]:
    """The genitive of a one-word country name ("Russland" → "Russlands")."""
    return [f"{name}s"] if " " not in name and _GENITIVE_S.search(name) else []
