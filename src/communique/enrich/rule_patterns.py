"""What every match of a regular expression must contain, and what strings it stands for.

The analysis behind HeidelTime's trigger words and per-rule fast checks (`enrich.heideltime`):
a rule's pattern is read by Python's own `re` parser (HeidelTime's Java patterns read alike once
nested classes are ruled out) and its parts are walked, never run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from re import _constants, _parser  # type: ignore[attr-defined]  # the parser behind `re`
from typing import Any


def alternation(patterns: Iterable[str]) -> str:
    r"""One pattern for any of `patterns`, ignoring case: a tree of their strings when finite.

    Python's `re` tries every alternative at every position; a tree tests one character.

    Example:
        >>> alternation(["[Jj]an\\.?", "[Jj]anuar", "[Jj]uni", "a+"])
        'j(?:an(?:uar|\\.)?|uni)|a+'
    """
    tree: dict[str, Any] = {}
    rest = []
    for pattern in patterns:
        strings = _strings(pattern)
        if strings is None:
            rest.append(pattern)
        for string in strings or ():
            node = tree
            for character in string.lower():
                node = node.setdefault(character, {})
            node[""] = {}
    return "|".join(filter(None, [_tree_pattern(tree), *sorted(rest, key=len, reverse=True)]))


def _tree_pattern(tree: dict[str, Any]) -> str:
    """The pattern of a tree of characters (key "" ends a string); longer strings first."""
    branches = [re.escape(key) + _tree_pattern(child) for key, child in tree.items() if key]
    branches.sort(key=len, reverse=True)
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" not in tree:
        return body
    return f"{body}?" if len(branches) > 1 else f"(?:{body})?"


STRINGS_LIMIT = 256
"""Most strings a trigger pattern may stand for to be put in the tree."""


def _strings(pattern: str) -> set[str] | None:
    """Every string `pattern` matches, when they are few (None: unknown or too many)."""
    try:
        return _sequence_strings(_parse(pattern))
    except (re.error, OverflowError):
        return None


def _sequence_strings(items: Iterable[tuple[Any, Any]]) -> set[str] | None:
    c = _opcodes()
    found = {""}
    for op, argument in items:
        if op is c.LITERAL:
            options: set[str] | None = {chr(argument)}
        elif op is c.IN:
            options = _class_characters(argument, set())
        elif op is c.SUBPATTERN:
            options = _sequence_strings(argument[-1])
        elif op is c.BRANCH:
            branches = [_sequence_strings(branch) for branch in argument[1]]
            options = None if None in branches else set().union(*branches)  # type: ignore[arg-type]
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT) and argument[1] <= 3:
            once = _sequence_strings(argument[2])
            options = None if once is None else _repeated(once, argument[0], argument[1])
        else:
            return None
        if options is None or len(found) * len(options) > STRINGS_LIMIT:
            return None
        found = {before + after for before in found for after in options}
    return found


def _repeated(once: set[str], least: int, most: int) -> set[str]:
    found, layer = ({""} if least == 0 else set()), {""}
    for count in range(1, most + 1):
        layer = {before + after for before in layer for after in once}
        if count >= least:
            found |= layer
    return found


Requirement = frozenset[tuple[str, str]]
"""Atoms every match of a rule holds one of: (`resource`, name), (`word`, w), (`digit`, "")."""
_MARK = 0xE000
"""Private-use code points stand for the resource references of a rule while it is parsed."""
_DIGIT_LIKE = re.compile(r"Number|Digit|Year|Decade|Century")
_COMMON = re.compile(r"^re(?:AndOrTo|Approximate|PartWords|ThisNextLast)$")
WHITESPACE = r"[\s\u2000-\u200A\u202F\u205F\u3000\u00A0\u1680\u180E+]+"
"""What a space of a rule may match once HeidelTime has expanded it (a superset of it)."""


def _parse(pattern: str) -> Any:
    """The `re` parser's tree of `pattern`: a Java pattern without nested classes reads alike."""
    if "[[" in pattern or "&&" in pattern:
        raise re.error("a Java class union or intersection")
    return _parser.parse(pattern)


def _opcodes() -> Any:
    """The `re` parser's opcodes (`re._constants`, what the deprecated `sre_constants` wrapped)."""
    return _constants


def requirement(
    extraction: str, resources: Sequence[str], cost: Callable[[Requirement], Any] | None = None
) -> Requirement | None:
    r"""What every match of a HeidelTime rule contains, or None when nothing is sure.

    Example:
        >>> names = ["reApproximate", "reNumWord1D", "reUnit"]
        >>> sorted(requirement(r"(%reApproximate )?(%reNumWord1D|[\d]+) %reUnit", names))
        [('resource', 'reUnit')]
        >>> sorted(requirement(r"([Tt]he )?(%reNumWord1D|[\d]+) days? later", names))
        [('word', 'later')]
        >>> requirement("(%reUnit|now)?", names) is None
        True

    `cost` ranks the requirements a rule offers (default: how rare a sentence holds one).
    """
    if re.search(r"\(\?(?!:)", extraction):
        return None
    names = sorted(resources, key=len, reverse=True)
    reference = re.compile("%(" + "|".join(map(re.escape, names)) + ")")
    coded = reference.sub(lambda m: chr(_MARK + names.index(m[1])), extraction)
    try:
        return _required(_parse(coded), names, cost or rarity)
    except re.error:
        return None


def _required(
    items: Iterable[tuple[Any, Any]], names: Sequence[str], cost: Callable[[Requirement], Any]
) -> Requirement | None:
    """The cheapest sure requirement among the parts a parsed sequence cannot do without."""
    candidates: list[Requirement] = []
    word = ""
    for op, argument in [*items, (None, None)]:
        letter = _letter(op, argument)
        if letter:
            word += letter
            continue
        if len(word) >= 3:
            candidates.append(frozenset({("word", word)}))
        word = ""
        found = _part_requirement(op, argument, names, cost)
        if found:
            candidates.append(found)
    return min(candidates, key=cost) if candidates else None


def _letter(op: Any, argument: Any) -> str:
    """The letter or digit a parsed part stands for (`[Tt]` is "t"), else ""."""
    c = _opcodes()

    if op is c.LITERAL and argument < _MARK and chr(argument).isalnum():
        return chr(argument).lower()
    if op is c.IN and len(argument) == 2 and all(o is c.LITERAL for o, _ in argument):
        first, second = (chr(v) for _, v in argument)
        if first.isalpha() and first != second and first.lower() == second.lower():
            return first.lower()
    return ""


def _part_requirement(
    op: Any, argument: Any, names: Sequence[str], cost: Callable[[Requirement], Any]
) -> Requirement | None:
    c = _opcodes()

    if op is c.LITERAL and argument >= _MARK:
        return frozenset({("resource", names[argument - _MARK])})
    if op is c.IN and argument and all(o is c.LITERAL and v >= _MARK for o, v in argument):
        return frozenset(("resource", names[v - _MARK]) for _, v in argument)
    if op is c.IN and argument and all(_is_digit(o, v) for o, v in argument):
        return frozenset({("digit", "")})
    if op is c.SUBPATTERN:
        return _required(argument[-1], names, cost)
    if op is c.BRANCH:
        branches = [_required(branch, names, cost) for branch in argument[1]]
        if all(branches):
            return frozenset().union(*(b for b in branches if b))
        return None
    if op in (c.MAX_REPEAT, c.MIN_REPEAT) and argument[0] >= 1:
        return _required(argument[2], names, cost)
    return None


def _is_digit(op: Any, argument: Any) -> bool:
    c = _opcodes()

    if op is c.CATEGORY:
        return argument is c.CATEGORY_DIGIT
    if op is c.RANGE:
        return bool(argument[0] >= 48 and argument[1] <= 57)
    return op is c.LITERAL and 48 <= argument <= 57


def rarity(needed: Requirement) -> tuple[int, int]:
    """How often a sentence holds some atom of `needed`, roughly: rarer is better."""

    def cost(kind: str, value: str) -> int:
        if kind == "digit" or (kind == "resource" and _DIGIT_LIKE.search(value)):
            return 3
        if kind == "resource":
            return 2 if _COMMON.match(value) else 1
        return 1 if len(value) >= 4 else 2

    return max(cost(kind, value) for kind, value in needed), len(needed)


def fast_check(needed: Requirement, resource: Callable[[str], str]) -> str:
    r"""A Java pattern that finds something in every sentence where the rule can match.

    `resource` gives a HeidelTime resource pattern by name, as the rules read it.

    Example:
        >>> fast_check(frozenset({("word", "later"), ("digit", "")}), str)
        '(?:\\d|(?=[Ll])(?iu:later))'
    """
    parts = []
    for kind, value in sorted(needed):
        if kind == "digit":
            parts.append(r"\d")
        elif kind == "word":
            parts.append(f"(?=[{value[0].upper()}{value[0]}])(?iu:{re.escape(value)})")
        else:
            parts.append(with_first_characters(resource(value)))
    return ("(?:" + "|".join(parts) + ")").replace(" ", WHITESPACE)


def with_first_characters(pattern: str) -> str:
    """`pattern` behind a lookahead for the characters its matches can start with, if known.

    Java tries every alternative of a pattern at every position; one class test first is cheaper.

    Example:
        >>> with_first_characters("([Mm]ay|[Jj]une)")
        '(?=[JMjm])(?:([Mm]ay|[Jj]une))'
    """
    try:
        first = _first_characters(_parse(pattern))
    except re.error:
        return pattern
    if not first:
        return pattern
    characters = "".join("\\" + c if c in "\\]^-[" else c for c in sorted(first))
    return f"(?=[{characters}])(?:{pattern})"


def _first_characters(items: Iterable[tuple[Any, Any]]) -> set[str] | None:
    """The characters a match of a parsed sequence can start with (None: unknown or empty)."""
    c = _opcodes()

    first: set[str] = set()
    for op, argument in items:
        if op is c.AT:
            continue
        if op is c.LITERAL:
            return first | {chr(argument)}
        if op is c.IN:
            return _class_characters(argument, first)
        if op is c.SUBPATTERN:
            inner = _first_characters(argument[-1])
            return None if inner is None else first | inner
        if op is c.BRANCH:
            for branch in argument[1]:
                inner = _first_characters(branch)
                if inner is None:
                    return None
                first |= inner
            return first
        if op in (c.MAX_REPEAT, c.MIN_REPEAT):
            inner = _first_characters(argument[2])
            if inner is None:
                return None
            first |= inner
            if argument[0] >= 1:
                return first
            continue
        return None
    return None


def _class_characters(members: Any, first: set[str]) -> set[str] | None:
    c = _opcodes()

    for op, value in members:
        if op is c.LITERAL:
            first.add(chr(value))
        elif op is c.RANGE and value[1] - value[0] <= 200:
            first |= {chr(code) for code in range(value[0], value[1] + 1)}
        else:
            return None
    return first
