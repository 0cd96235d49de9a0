"""The time rules as data (`enrich/data/times/<language>.toml`): named, ordered rules with their
patterns, gate words and an example each, read once per language; `rules.tag` tries them.

Example:
    >>> [rule.name for rule in time_rules("en").rules][:3]
    ['iso', 'spelled_year', 'half']
    >>> time_rules("en").references["soon"], time_rules("en").ordinals["3rd"]
    ('FUTURE_REF', 3)
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from communique.enrich import lexicon

_NAME = re.compile(r"\{([A-Z_]+)\}")
"""A fragment or word list named inside a pattern: `{YEAR}`; a quantifier `{2,4}` is none."""


@dataclass(frozen=True)
class TimeRule:
    """One time rule: its name, the family computing its value, its pattern, gate and example."""

    name: str
    kind: str
    """The family that turns a match into a value (`rules._value` or `phrases.value`)."""
    pattern: re.Pattern[str]
    gate: tuple[str, ...]
    """Words a text must hold for the rule to be tried (lower case unless capitalised)."""
    doc: str
    example: Mapping[str, Any]


@dataclass(frozen=True)
class TimeRules:
    """The time rules of one language, in the order they are tried, and their tables."""

    rules: tuple[TimeRule, ...]
    fragments: Mapping[str, str]
    """Named pieces of pattern, expanded: the word lists of `lexicon` and the file's own."""
    references: Mapping[str, str]
    """Each phrase referring to the present, past or future → its value (`PRESENT_REF`)."""
    ordinals: Mapping[str, int]
    """Each ordinal word of a quarter → its number."""


def _word_lists(references: Mapping[str, str]) -> dict[str, str]:
    """The fragments every language's patterns may use, from `lexicon` and the references."""
    return {
        "YEAR": lexicon.YEAR,
        "MONTH": lexicon.MONTH_RE,
        "FULL_MONTH": lexicon.FULL_MONTH,
        "NUMBER": lexicon.NUMBER_RE,
        "WEEKDAYS": "|".join(lexicon.WEEKDAYS),
        "ONES": "|".join(lexicon.ONES),
        "ONES_FROM_TWO": "|".join(lexicon.ONES[1:]),
        "TEENS": "|".join(lexicon.TEENS),
        "TENS": "|".join(lexicon.TENS),
        "REFERENCES": "|".join(sorted(references, key=len, reverse=True)),
    }


def expand(pattern: str | list[str], fragments: Mapping[str, str], where: str) -> str:
    """`pattern` (a list is joined) with each `{NAME}` replaced by its fragment.

    Example:
        >>> expand(["a{X}", "c{1,2}"], {"X": "b"}, "here")
        'abc{1,2}'
    """
    joined = "".join(pattern) if isinstance(pattern, list) else pattern

    def fragment(match: re.Match[str]) -> str:
        if match[1] not in fragments:
            raise ValueError(f"{where}: unknown fragment {{{match[1]}}}")
        return fragments[match[1]]

    return _NAME.sub(fragment, joined)


@functools.cache
def time_rules(language: str) -> TimeRules:
    """The time rules of `language`, read from `enrich/data/times/<language>.toml`."""
    name = f"data/times/{language}.toml"
    text = resources.files(__package__).joinpath("data", "times", f"{language}.toml")
    data = tomllib.loads(text.read_text("utf-8"))
    references = dict(data.get("references", {}))
    fragments = _word_lists(references)
    for key, piece in data.get("fragments", {}).items():
        fragments[key] = expand(piece, fragments, f"{name} fragment {key}")
    rules = tuple(_rule(raw, fragments, name) for raw in data.get("rule", []))
    return TimeRules(rules, fragments, references, dict(data.get("ordinals", {})))


def _rule(raw: dict[str, Any], fragments: Mapping[str, str], name: str) -> TimeRule:
    where = f"{name} rule {raw.get('name')!r}"
    try:
        pattern = re.compile(
            expand(raw["pattern"], fragments, where), 0 if raw.get("match_case") else re.I
        )
        return TimeRule(
            raw["name"],
            raw.get("kind", raw["name"]),
            pattern,
            tuple(raw.get("gate", ())),
            raw["doc"],
            raw["example"],
        )
    except (KeyError, re.error) as exc:
        raise ValueError(f"{where}: {exc}") from exc
