"""The rule data of enrichment (`enrich/data/*.toml`): named, ordered entries with their values,
what they do and an example each, read once; the rules ask them by name.

Example:
    >>> threshold("known_population"), weight("focus").value
    (50000, 3.5)
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class Entry:
    """One rule number: its name, value, what it does, an example, and any extra parameter."""

    name: str
    value: float
    doc: str
    example: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)


@functools.cache
def entries(kind: str, data: str = "places") -> tuple[Entry, ...]:
    """The entries of `kind` ("threshold", "weight") in `data`.toml, in their order."""
    text = resources.files(__package__).joinpath("data", f"{data}.toml").read_text("utf-8")
    found = []
    for raw in tomllib.loads(text).get(kind, []):
        values = dict(raw)
        common = {key: values.pop(key) for key in ("name", "value", "doc", "example")}
        found.append(Entry(**common, extra=values))
    return tuple(found)


@functools.cache
def weight(name: str) -> Entry:
    """The scoring weight called `name`."""
    return _named("weight", name)


@functools.cache
def threshold(name: str) -> float:
    """The value of the threshold called `name`."""
    return _named("threshold", name).value


def _named(kind: str, name: str) -> Entry:
    for entry in entries(kind):
        if entry.name == name:
            return entry
    raise KeyError(f"no {kind} {name!r} in enrich/data/places.toml")
