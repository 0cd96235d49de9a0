"""Well-known regions that no packaged gazetteer carries: historical, cultural and geopolitical
regions ("Garabagh", "the Middle East", "the Balkans").

No PyPI package ships GeoNames region features (feature class L: RGN, AREA), so this is a small
curated table. It holds names and members only, never coordinates: each region is placed at
the mean of its members' packaged points (towns of cities500, or country points), computed
when the gazetteer loads.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Region:
    """A region: its name, other names, and the towns (`Town, CC`) or countries (`CC`) in it."""

    name: str
    aliases: tuple[str, ...]
    members: tuple[str, ...]
    country: str | None = None
    """The one country the region lies in, if it lies in one."""


REGIONS = (
    Region(
        "Karabakh",
        ("Garabagh", "Qarabağ", "Nagorno-Karabakh", "Nagorny Karabakh", "Artsakh"),
        (
            "Khankendi, AZ",
            "Shusha, AZ",
            "Khojaly, AZ",
            "Khojavend, AZ",
            "Askeran, AZ",
        ),
        "AZ",
    ),
    Region(
        "Donbas",
        ("Donbass", "Donets Basin"),
        ("Donetsk, UA", "Luhansk, UA", "Mariupol, UA", "Kramatorsk, UA", "Alchevsk, UA"),
        "UA",
    ),
    Region("Kashmir", (), ("Srinagar, IN", "Muzaffarabad, PK", "Gilgit, PK", "Leh, IN")),
    Region("Kurdistan", (), ("Erbil, IQ", "Diyarbakır, TR", "Sanandaj, IR", "Al Qamishli, SY")),
    Region("Middle East", ("Mideast",), ("EG", "IL", "JO", "LB", "SY", "IQ", "SA", "IR", "PS")),
    Region("Levant", (), ("IL", "JO", "LB", "SY", "PS")),
    Region("Persian Gulf", ("Gulf region", "Arabian Gulf"), ("KW", "BH", "QA", "AE")),
    Region("Balkans", ("Balkan", "Western Balkans"), ("RS", "BA", "ME", "MK", "AL", "XK")),
    Region("South Caucasus", ("Caucasus", "Transcaucasia"), ("AZ", "AM", "GE")),
    Region("Scandinavia", ("Scandinavian",), ("NO", "SE", "DK")),
    Region("Baltic states", ("Baltics",), ("EE", "LV", "LT")),
    Region("Maghreb", (), ("MA", "DZ", "TN", "LY")),
    Region("Sahel", (), ("ML", "NE", "BF", "TD", "MR")),
    Region("Horn of Africa", (), ("ET", "SO", "ER", "DJ")),
    Region("Central Asia", (), ("KZ", "UZ", "TM", "KG", "TJ")),
    Region("Indochina", (), ("VN", "LA", "KH")),
    Region(
        "Latin America",
        ("Latin American",),
        ("MX", "GT", "HN", "SV", "NI", "CR", "PA", "CO", "VE", "EC", "PE", "BO", "BR", "PY"),
    ),
    Region("Central America", ("Central American",), ("GT", "BZ", "HN", "SV", "NI", "CR", "PA")),
    Region(
        "Caribbean",
        ("Caribbean region",),
        ("CU", "JM", "HT", "DO", "PR", "BS", "TT", "BB", "LC", "VC", "GD", "AG", "DM", "KN"),
    ),
    Region("North Africa", ("North African", "Northern Africa"), ("EG", "LY", "TN", "DZ", "MA")),
    Region(
        "West Africa",
        ("West African", "Western Africa"),
        ("NG", "GH", "CI", "SN", "ML", "BF", "NE", "GN", "BJ", "TG", "SL", "LR", "GM", "GW"),
    ),
    Region(
        "East Africa",
        ("East African", "Eastern Africa"),
        ("KE", "TZ", "UG", "RW", "BI", "ET", "SO", "SS", "DJ", "ER"),
    ),
    Region(
        "Southern Africa",
        ("Southern African",),
        ("ZA", "NA", "BW", "ZW", "MZ", "ZM", "MW", "LS", "SZ", "AO"),
    ),
    Region(
        "Southeast Asia",
        ("South-East Asia", "South East Asia", "Southeast Asian", "South East Asian"),
        ("VN", "TH", "MY", "ID", "PH", "SG", "MM", "KH", "LA", "BN", "TL"),
    ),
    Region("South Asia", ("South Asian",), ("IN", "PK", "BD", "LK", "NP", "BT", "MV", "AF")),
    Region("East Asia", ("East Asian", "Northeast Asia"), ("CN", "JP", "KR", "KP", "MN", "TW")),
    Region(
        "Eastern Europe",
        ("Eastern European", "Central and Eastern Europe"),
        ("PL", "UA", "BY", "RO", "HU", "CZ", "SK", "BG", "MD"),
    ),
    Region(
        "Western Europe",
        ("Western European",),
        ("FR", "DE", "BE", "NL", "LU", "CH", "AT", "GB", "IE"),
    ),
    Region("Southern Europe", ("Southern European",), ("ES", "PT", "IT", "GR", "MT", "CY", "HR")),
)

ACRONYMS = {"EU": "European Union"}
"""Acronyms that name a place and are no country code; the gazetteer indexes no acronyms."""
