"""Country names, official names, adjectives and demonyms to ISO 3166-1 alpha-2 codes.

Names come from pycountry (and the archive's aliases); adjectives and demonyms are matched by
a general rule (a long shared prefix with one country's name: "Azerbaijani" → Azerbaijan,
"Uzbek" → Uzbekistan) plus a short table of irregular forms ("Dutch", "Swiss"). Names in
other languages (whose profile has `country_names`) come from pycountry's translations and
countryinfo's.
"""

from __future__ import annotations

import functools
import gettext
import unicodedata
from typing import Any

import pycountry

from communique.enrich.lexicon import POSSESSIVE
from communique.extract.countries import country_names
from communique.extract.textutil import fold
from communique.lang import profile, profiles

IRREGULAR = {
    fold(word): code for known in profiles().values() for word, code in known.country_words.items()
}
"""Adjectives, demonyms and short forms no prefix rule reaches: every profile's `country_words`."""

_GENERIC_FIRST_WORDS = {
    "south",
    "north",
    "united",
    "new",
    "central",
    "east",
    "west",
    "equatorial",
    "saint",
    "san",
    "sao",
    "the",
    "republic",
    "dominican",
    "costa",
    "el",
    "sri",
    "sierra",
    "burkina",
    "cabo",
    "cape",
    "papua",
    "trinidad",
    "antigua",
    "american",
    "french",
    "british",
}


@functools.cache
def _single_names() -> dict[str, tuple[str, bool]]:
    """Folded one-word keys a demonym may extend, to (code, whether the key is the whole name)."""
    keys: dict[str, tuple[str, bool]] = {}
    for name, code in country_names().items():
        words = name.replace(",", " ").split()
        if len(words) == 1:
            keys[words[0]] = (code, True)
        elif words[0] not in _GENERIC_FIRST_WORDS and len(words[0]) >= 5:
            keys.setdefault(words[0], (code, False))
    return keys


@functools.lru_cache(maxsize=65_536)
def country_code(text: str, language: str | None = None) -> str | None:
    """The ISO alpha-2 code of a country named, or described by an adjective, in `text`
    (English, or as written in `language` when its profile has `country_names`).

    Example:
        >>> [country_code(w) for w in ("the Republic of Armenia", "Azerbaijani", "Uzbeks")]
        ['AM', 'AZ', 'UZ']
        >>> country_code("Allemagne", "fr"), country_code("Allemagne")
        ('DE', None)
    """
    key = POSSESSIVE.sub("", fold(text)).removeprefix("the ").strip().replace(".", "")
    if not key:
        return None
    names = country_names()
    if key in names:
        return names[key]
    if key in IRREGULAR:
        return IRREGULAR[key]
    if key in localized_keys(language):
        return localized_keys(language)[key]
    if " " in key:
        return _by_last_word(key)
    return _by_prefix(key) or (_by_prefix(key[:-1]) if key.endswith("s") else None)


def _by_prefix(word: str) -> str | None:
    """The country whose one-word name shares the longest fitting prefix with `word`."""
    if word in IRREGULAR:
        return IRREGULAR[word]
    best, best_rank = None, (0, False)
    for name, (code, whole) in _single_names().items():
        shared = _shared_prefix(word, name)
        fits = _extends(word, name)
        stan = name.endswith("stan") and name.startswith(word) and len(word) >= 4
        if (fits or stan) and (shared, whole) > best_rank:
            best, best_rank = code, (shared, whole)
    return best


def _by_last_word(key: str) -> str | None:
    """A demonym of a country of several words: the same first words, and a last word that
    extends the name's ("South African", "Sri Lankan", "New Zealander")."""
    words = key.split()
    for name, code in country_names().items():
        parts = name.split()
        if len(parts) == len(words) and parts[:-1] == words[:-1] and _extends(words[-1], parts[-1]):
            return code
    return None


def _extends(word: str, name: str) -> bool:
    """Whether `word` is `name` with an adjective or demonym ending ("Armenian", "Uzbek")."""
    shared = _shared_prefix(word, name)
    return shared >= 4 and shared >= len(name) - 2 and len(word) <= len(name) + 5


def _shared_prefix(a: str, b: str) -> int:
    length = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        length += 1
    return length


WRITTEN_IN_CAPITALS = frozenset(
    fold(word) for known in profiles().values() for word in known.country_words if word.isupper()
)
"""Irregular forms that name a country only in capitals ("us" is a pronoun)."""


def ruler_patterns() -> list[dict[str, Any]]:
    """EntityRuler phrase patterns (lower case): every country name and alias as GPE, every
    irregular demonym as NORP. A match counts only when written as a name (`written_as_name`).

    Example:
        >>> [p["pattern"] for p in ruler_patterns() if p["id"] == "VA"][-1]
        'vatican'
    """
    names = dict(country_names())
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(country, attr, None)
            if value:
                names.setdefault(value.lower(), country.alpha_2)
    patterns = [
        {"label": "GPE", "pattern": name, "id": code}
        for name, code in names.items()
        if "," not in name and "(" not in name
    ]
    patterns += [{"label": "NORP", "pattern": word, "id": code} for word, code in IRREGULAR.items()]
    return patterns


def written_as_name(text: str) -> bool:
    """Whether `text` is written as a country's name: its first word not in lower case
    ("Turkey", "TURKEY", not the bird; "Polish", not the verb), an abbreviation in capitals
    ("US", not "us").

    Example:
        >>> [written_as_name(w) for w in ("Turkey", "turkey", "US", "us", "Holy See")]
        [True, False, True, False, True]
    """
    if text.lower() in WRITTEN_IN_CAPITALS:
        return text.isupper()
    return not text.split()[0].islower()


@functools.cache
def localized_names(language: str | None) -> dict[str, str]:
    """Country names as written in `language` → ISO alpha-2: pycountry's translations of the
    ISO 3166 names and countryinfo's, and the other forms its profile gives ("Russlands").

    Example:
        >>> names = localized_names("de")
        >>> names["Frankreich"], names["Russland"], names["Russlands"]
        ('FR', 'RU', 'RU')
    """
    from babel import Locale
    from countryinfo import CountryInfo

    known = profile(language)
    if not known.country_names:
        return {}
    names: dict[str, str] = {}
    translation = gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[known.code], fallback=True
    )
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                names.setdefault(translation.gettext(value), country.alpha_2)
    for info in CountryInfo.all().values():
        code = (info.get("ISO") or {}).get("alpha2")
        name = (info.get("translations") or {}).get(known.code)
        if known.code in (info.get("languages") or ()):  # its own name: "Deutschland", "Россия"
            name = name or _without_accents(info.get("nativeName") or "")
        if code and name:
            names.setdefault(name, code)
    if known.cldr_country_names:
        for code, name in Locale(known.code).territories.items():
            if len(code) == 2 and code.isalpha() and pycountry.countries.get(alpha_2=code):
                names.setdefault(name, code)
    names = {name: code for name, code in names.items() if "," not in name and len(name) > 3}
    names |= known.irregular_countries
    forms = known.country_name_forms
    return names | {form: code for name, code in names.items() for form in forms(name)}


def _without_accents(name: str) -> str:
    """`name` without stress marks ("Белару́сь")."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", name).replace("\u0301", ""))


@functools.cache
def localized_keys(language: str | None) -> dict[str, str]:
    """`localized_names` folded as `country_code` folds what it reads."""
    return {fold(name).replace(".", ""): code for name, code in localized_names(language).items()}


def localized_patterns(language: str) -> list[dict[str, Any]]:
    """EntityRuler patterns for the country names of `language`, as GPE, as written."""
    return [
        {"label": "GPE", "pattern": name, "id": code}
        for name, code in localized_names(language).items()
    ]
