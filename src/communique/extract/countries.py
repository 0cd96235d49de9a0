"""Country names and codes: pycountry lookups, name search in text, host suffixes."""

from __future__ import annotations

import functools
import re

import pycountry

from communique.extract.textutil import fold
from communique.lang import profile, profiles

_NOT_COUNTRY_TLDS = {
    "eu",
    "io",
    "tv",
    "me",
    "co",
    "ly",
    "fm",
    "ai",
    "cc",
    "ws",
    "to",
    "gg",
    "su",
    "int",
}


def country_names() -> dict[str, str]:
    """Every folded country name (pycountry's) and alias (the default language profile's
    `irregular_countries`, every profile's `native_country_names`), to its alpha-2 code."""
    return _names()


@functools.cache
def _names() -> dict[str, str]:
    names: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(country, attr, None)
            if value:
                names[fold(value)] = country.alpha_2
    aliases = dict(profile(None).irregular_countries)
    for known in profiles().values():
        aliases |= known.native_country_names
    names.update({fold(k): v for k, v in aliases.items()})
    return names


@functools.cache
def _pattern() -> re.Pattern[str]:
    alternatives = sorted((re.escape(n) for n in _names()), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(" + "|".join(alternatives) + r")(?![\w-])")


def find_country(text: str) -> str | None:
    """Return the alpha-2 code of the first country named in `text` (longest name wins)."""
    match = _pattern().search(fold(text))
    return _names()[match.group(1)] if match else None


def alpha2_from_alpha3(code: str) -> str | None:
    """Return the alpha-2 code for an ISO 3166-1 alpha-3 code."""
    country = pycountry.countries.get(alpha_3=code.strip().upper())
    return country.alpha_2 if country is not None else None


def normalise_alpha2(code: str) -> str | None:
    """Return `code` upper-cased if it is a known alpha-2 code (or a convertible alpha-3)."""
    code = code.strip().upper()
    if len(code) == 3:
        return alpha2_from_alpha3(code)
    return code if pycountry.countries.get(alpha_2=code) is not None else None


def country_name(alpha2: str) -> str:
    """Return the short common English name of a country."""
    country = pycountry.countries.get(alpha_2=alpha2)
    if country is None:
        return alpha2
    return str(getattr(country, "common_name", None) or country.name)


def country_from_host(host: str) -> str | None:
    """Return the country of a country-code top-level domain (`mfa.gov.by` → BY)."""
    tld = host.rsplit(".", 1)[-1].lower()
    if len(tld) != 2 or tld in _NOT_COUNTRY_TLDS:
        return None
    if tld == "uk":
        return "GB"
    return normalise_alpha2(tld)
