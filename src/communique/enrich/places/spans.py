"""Spans of text that may name places: NER entities, names inside longer names, unlabelled
capitalised words, datelines and multi-word names the gazetteer knows."""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass

from communique.enrich.lexicon import POSSESSIVE
from communique.model import Entity


@dataclass(frozen=True)
class Span:
    """A stretch of text that may name a place; `strict` spans need a focus-country match."""

    text: str
    start: int
    end: int
    strict: bool = False
    inner: bool = False
    """A part of a longer name: only countries, regions, big towns or focus-country towns."""
    label: str = ""
    """The NER label of the entity the span comes from ("" for unlabelled words)."""
    head: bool = False
    """An inner span that ends its longer name, whose head noun it is ("Council" in "Security
    Council", "Union" in "European Union"): a town only when a big one."""
    eponym: bool = False
    """Part of the name of an agreement, a convention, an event or a work, which takes the
    well-known place of that name ("the Paris Agreement", "the Venice Film Festival")
    whatever country the text is about."""


_KINDS = (
    "region|district|province|city|town|village|rayon|oblast|governorate|county|state|"
    "municipality|area|parish|prefecture"
)


_ARTICLE = re.compile(r"^the\s+", re.I)


KIND = re.compile(rf"\s+({_KINDS})s?$", re.I)


def strip_article(text: str, kind: bool = True) -> str:
    """The name itself: without a leading article, a possessive or (`kind`) a kind of place."""
    name = _ARTICLE.sub("", POSSESSIVE.sub("", text.strip()))
    return KIND.sub("", name) if kind else name


PLACE_LABELS = {"GPE", "LOC", "FAC", "NORP"}
"""Labels whose spans are resolved against the gazetteer without restriction."""


OTHER_LABELS = {"PERSON", "ORG", "PRODUCT", "WORK_OF_ART", "EVENT", "MISC"}
"""Labels spaCy sometimes gives to towns; kept only when they name a town of a focus country."""


CONTAINER_LABELS = {"ORG", "EVENT", "FAC", "LAW", "WORK_OF_ART", "NORP", "GPE", "LOC", "MISC"}
"""Labels of names that often hold a place name ("Texas A&M University", "Turkish-Russian")."""


EPONYM_LABELS = {"LAW", "EVENT", "WORK_OF_ART"}
"""Labels of names that take a place's name after the well-known place (see `Span.eponym`)."""


_EPONYM_WORDS = re.compile(
    r"\b(?:Agreements?|Accords?|Treaty|Conventions?|Charter|Protocol|Declaration|Statute|"
    r"Summit|Conference|Forum|Festival|Games|Process|Format)\b"
)
"""Words naming agreements and events that NER may label as organisations."""


_TRAILING = re.compile(r"(?:['’]s?|[^\w'’]+)$")
"""A possessive or punctuation after a name."""


_CAPITALISED = re.compile(r"\b[A-Z][a-zà-ÿ'’-]{3,}(?:\s+[A-Z][a-zà-ÿ'’-]{3,})?\b")


_INNER = re.compile(r"[A-Z][\w'’.]*(?:[ \t]+[A-Z][\w'’.]*){0,2}")


_LEADING_ARTICLE = re.compile(r"^(?:a|an|the)\s+", re.I)


def place_spans(text: str, entities: list[Entity]) -> list[Span]:
    """Spans to try as places: place entities, other entities and unlabelled proper names."""
    spans = [
        _without_article(
            Span(e.text, e.start, e.end, strict=e.label not in PLACE_LABELS, label=e.label)
        )
        for e in entities
        if e.label in PLACE_LABELS or e.label in OTHER_LABELS
    ]
    spans += [inner for e in entities if e.label in CONTAINER_LABELS for inner in _inner_spans(e)]
    covered = overlap_test([(e.start, e.end) for e in entities])
    for match in _CAPITALISED.finditer(text):
        if _sentence_initial(text, match.start()) or _title_like(text, match.start(), match.end()):
            continue
        if not covered(match.start(), match.end()):
            spans.append(Span(match.group(0), match.start(), match.end(), strict=True))
    return sorted((s for s in spans if not in_address(text, s.start, s.end)), key=lambda s: s.start)


_ADDRESS = re.compile(r"^@|://|\bwww\.|\w\.(?:com|org|net|gov|int|eu)\b", re.I)


def in_address(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is part of a web address or a handle ("Flickr.com/WhiteHouse",
    "@WhiteHouse"), which names no place.

    Example:
        >>> text = "See Flickr.com/WhiteHouse, @WhiteHouse and the Chartres/Franklin corner."
        >>> [in_address(text, text.index(w), text.index(w) + len(w)) for w in (
        ...     "WhiteHouse", "@WhiteHouse", "Franklin")]
        [True, True, False]
    """
    left = max(text.rfind(" ", 0, start), text.rfind("\n", 0, start)) + 1
    right = min(
        (i for i in (text.find(" ", end), text.find("\n", end)) if i >= 0), default=len(text)
    )
    return bool(_ADDRESS.search(text[left:right]))


def overlap_test(extents: list[tuple[int, int]]) -> Callable[[int, int], bool]:
    """A test of whether a span overlaps any of `extents`, in log time.

    Example:
        >>> overlaps = overlap_test([(10, 20), (0, 30), (40, 45)])
        >>> overlaps(31, 39), overlaps(25, 35), overlaps(44, 50)
        (False, True, True)
    """
    ordered = sorted(extents)
    starts = [start for start, _ in ordered]
    furthest = list(itertools.accumulate((end for _, end in ordered), max))

    def overlaps(start: int, end: int) -> bool:
        before = bisect.bisect_left(starts, end)
        return before > 0 and furthest[before - 1] > start

    return overlaps


_RUN = re.compile(r"[A-Z][\w'’.-]*(?:[ \t]+[A-Z][\w'’.-]*)+")


def known_name_spans(text: str, known: Callable[[str], bool]) -> list[Span]:
    """Multi-word names the gazetteer knows ("British Columbia", "New Mexico"), found in runs of
    capitalised words, longest first, where NER may have split them or missed them.

    Example:
        >>> known = {"West Virginia"}.__contains__
        >>> [s.text for s in known_name_spans("in West Virginia today", known)]
        ['West Virginia']
    """
    spans = []
    for run in _RUN.finditer(text):
        words = list(re.finditer(r"\S+", run.group(0)))
        taken = -1
        for first in range(len(words)):
            for last in range(min(len(words), first + MAX_NAME_WORDS) - 1, first, -1):
                start, end = run.start() + words[first].start(), run.start() + words[last].end()
                end = start + len(POSSESSIVE.sub("", text[start:end]))
                if start > taken and known(text[start:end]):
                    spans.append(Span(text[start:end], start, end))
                    taken = end
                    break
    return spans


MAX_NAME_WORDS = 4


_DATELINE = re.compile(
    r"^[ \t]*([A-Z][A-Z'’.-]+(?:[ \t]+[A-Z][A-Z'’.-]+){0,3})"
    r"(?:,[ \t]*([A-Z][\w.]*(?:[ \t]+[A-Z][\w.]*)?))?(?=\s*(?:,|—|–|-|\())",
    re.M,
)


def dateline_spans(text: str) -> list[Span]:
    """The places of a news dateline: capitals opening a line, and the state or country after
    them, before a dash or bracket.

    Example:
        >>> [s.text for s in dateline_spans("GLASGOW, Ky. (WBKO) -- A fire broke out.")]
        ['GLASGOW', 'Ky.']
    """
    return [
        Span(m.group(group), m.start(group), m.end(group))
        for m in _DATELINE.finditer(text)
        for group in (1, 2)
        if m.group(group)
    ]


def _without_article(span: Span) -> Span:
    match = _LEADING_ARTICLE.match(span.text)
    if match is None or match.end() == len(span.text):
        return span
    return dataclasses.replace(span, text=span.text[match.end() :], start=span.start + match.end())


def _inner_spans(entity: Entity) -> list[Span]:
    """Capitalised runs inside a longer name or a hyphenated compound, as `inner` spans."""
    pieces = re.split(r"[-–/]|\s+(?:of|for|and|on|in|at|&)\s+|\s+[A-Z]&[A-Z]\b", entity.text)
    if len(pieces) == 1 and " " not in entity.text:
        return []
    spans = []
    offset = 0
    for piece in pieces:
        at = entity.text.index(piece, offset)
        offset = at + len(piece)
        for match in _INNER.finditer(piece):
            start = entity.start + at + match.start()
            if match.group(0) != entity.text:
                spans.append(Span(match.group(0), start, start + len(match.group(0)), inner=True))
            spans.extend(_words(match, start))
    eponym = entity.label in EPONYM_LABELS or bool(_EPONYM_WORDS.search(entity.text))
    end = entity.start + len(_TRAILING.sub("", entity.text))
    return [dataclasses.replace(span, eponym=eponym, head=span.end >= end) for span in spans]


def _words(match: re.Match[str], start: int) -> list[Span]:
    """Each word of a multi-word run on its own ("CBC Toronto" → "Toronto"), and each pair of
    words in a run of three ("Beverly Hills Police" → "Beverly Hills")."""
    words = list(re.finditer(r"[A-Z][\w'’.]*", match.group(0)))
    if len(words) < 2:
        return []
    text = match.group(0)
    pairs = [
        (a.start(), b.end())
        for a, b in itertools.pairwise(words)
        if len(words) > 2 and not _LEADING_ARTICLE.match(f"{a.group(0)} ")
    ]
    return [
        Span(text[a:b], start + a, start + b, inner=True)
        for a, b in [*((w.start(), w.end()) for w in words), *pairs]
    ]


_THE_BEFORE = re.compile(r"\bthe\s+$", re.I)


_OF_AFTER = re.compile(r"^\s+of\s+(?:the\s+)?[A-Z]")


def _title_like(text: str, start: int, end: int) -> bool:
    """Whether an unlabelled capitalised word reads as a title or an office, not a town: "the
    Secretary of State", "the President of the Republic" (a town seldom takes both)."""
    return bool(
        _THE_BEFORE.search(text[max(0, start - 5) : start])
        and _OF_AFTER.match(text[end : end + 12])
    )


def _sentence_initial(text: str, start: int) -> bool:
    before = text[max(0, start - 3) : start].strip()
    return not before or before[-1] in '.!?\n"“'
