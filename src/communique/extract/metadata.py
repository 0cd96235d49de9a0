"""Headline, issuer and document-type helpers shared by all extractors."""

from __future__ import annotations

import re

from communique.extract.countries import find_country
from communique.extract.textutil import clean, fold
from communique.extract.titles import rejoin, split_title
from communique.model import DocType

_DOCTYPE_RULES: tuple[tuple[DocType, str], ...] = (
    (
        DocType.JOINT_STATEMENT,
        r"joint (?:statement|declaration)|gemeinsame erklärung|déclaration (?:conjointe|commune)"
        r"|declaración conjunta|совместное заявление|joint-statement",
    ),
    (
        DocType.PRESS_RELEASE,
        r"press[- ]release|media release|pressemitteilung(?:en)?|presseerklärung|presseinformation"
        r"|communiqué de presse|comunicado de prensa|nota de prensa|пресс-релиз|press statement"
        r"|press[- ]?room",
    ),
    (DocType.INTERVIEW, r"interview|интервью|entrevista|entretien"),
    (
        DocType.SPEECH,
        r"speech(?:es)?|remarks|address|rede|reden|ansprache|discours|discurso|выступлени[ея]|речь"
        r"|general debate|toast",
    ),
    (DocType.COMMENT, r"comment|kommentar|commentaire|комментарий"),
    (DocType.COMMUNIQUE, r"communiqu[ée]|kommuniqu[ée]|коммюнике|comunicado"),
    (
        DocType.STATEMENT,
        r"statements?|erklärung|stellungnahme|déclaration|declaración|заявлени[ея]|declaration",
    ),
    (DocType.NEWS, r"news|nachrichten|meldung(?:en)?|aktuelles|actualités|noticias|новости|blog"),
)


def _type_pattern(flags: int = 0) -> re.Pattern[str]:
    """One pattern for every type rule, each alternative a whole word (or words): a match
    is zero-width at the start of a word where some rule matches, and names the first
    such rule (the most trusted type) in its group; the text is scanned once."""
    rules = "|".join(f"(?P<{kind.name}>(?:{rx})(?!\\w))" for kind, rx in _DOCTYPE_RULES)
    return re.compile(rf"(?<!\w)(?=(?:{rules}))", flags)


_DOCTYPE_PATTERN = _type_pattern(re.I)
_DOCTYPE_LOWER = _type_pattern()
"""The same pattern for a lowercased ASCII text, where it matches exactly where the
case-blind one matches in the text itself (the rules are lowercase) and scans much faster."""
_DOCTYPE_RANK = {kind.name: rank for rank, (kind, _) in enumerate(_DOCTYPE_RULES)}


def _first_type(pattern: re.Pattern[str], text: str) -> DocType | None:
    """The first type of `_DOCTYPE_RULES` whose rule matches anywhere in `text`."""
    best: str | None = None
    for match in pattern.finditer(text):
        name = match.lastgroup
        if name is not None and (best is None or _DOCTYPE_RANK[name] < _DOCTYPE_RANK[best]):
            best = name
            if _DOCTYPE_RANK[name] == 0:
                break
    return DocType[best] if best is not None else None


_ORG_HEAD = (
    r"(?:Ministry|Foreign Ministry|Embassy|Permanent Mission|Mission|Consulate(?: General)?|Office"
    r"|Government"
    r"|Department|Presidency|President|Prime Minister|Federal Foreign Office|Cabinet|Council"
    r"|Delegation)"
)
_ISSUER_IN_OPENING = re.compile(
    rf"\b(?:of|by|from)\s+(?:the\s+)?({_ORG_HEAD}(?:\s+(?:of|for|and|the|[A-Z][\w'’-]*))*)"
)


_TRAILING = re.compile(
    r"\s+(?:of|for|and|the|In|On|At|The|This|These|We|It|As|For|To|A|An|Today|Yesterday)$"
)


def segments(title: str) -> list[str]:
    """Split a page title at its separators (`|`, ` - `, `｜`, `_`, `: `, …)."""
    return [segment for segment, _ in split_title(title)]


def variants(title: str) -> list[str]:
    """Return every contiguous run of a title's segments, longest first."""
    parts = segments(title)
    runs = {clean(title)}
    for i in range(len(parts)):
        for j in range(i + 1, len(parts) + 1):
            runs.add(rejoin(title, parts[i:j]))
    return sorted(runs, key=len, reverse=True)


def overlap(a: str, b: str) -> float:
    """Return the Jaccard overlap of the word sets of two strings."""
    wa, wb = set(re.findall(r"\w+", fold(a))), set(re.findall(r"\w+", fold(b)))
    if not wa or not wb:
        return 0.0
    return len(wa & wb) / len(wa | wb)


_SALUTATION = re.compile(
    r"^(?:dear\b|excellenc(?:y|ies)|your (?:excellency|majesty|highness)|ladies and gentlemen"
    r"|distinguished (?:guests|delegates|colleagues)|mr\.? (?:president|chair(?:man)?|speaker)"
    r"|madam (?:president|chair(?:person)?|speaker)|sehr geehrte|meine (?:sehr )?(?:verehrten )?"
    r"damen und herren|liebe |monsieur le|madame la|mesdames(?:,| et) messieurs|señor"
    r"|señora|estimad[oa]s?|уважаем|дамы и господа)",
    re.I,
)


def doc_type(*texts: str) -> DocType:
    """Guess the document type from title, opening and URL, in that order of trust.

    An opening that addresses an audience ("Dear Prime Minister", "Excellencies") makes the
    text a speech whatever its title calls it.

    Example:
        >>> doc_type("Statement by the Minister at the summit", "Dear colleagues,", "")
        <DocType.SPEECH: 'speech'>
    """
    if len(texts) > 1 and _SALUTATION.match(texts[1].strip()):
        return DocType.SPEECH
    for text in texts:
        if not text:
            continue
        probe = text.replace("_", " ").replace("/", " / ")
        pattern = _DOCTYPE_PATTERN
        if probe.isascii():
            probe, pattern = probe.lower(), _DOCTYPE_LOWER
        kind = _first_type(pattern, probe)
        if kind is not None:
            return kind
    return DocType.OTHER


def issuer_from_opening(text: str) -> str | None:
    """Return the issuing body named at a statement's opening, if it names a country."""
    for match in _ISSUER_IN_OPENING.finditer(text[:400]):
        candidate = match.group(1).strip()
        while True:
            trimmed = _TRAILING.sub("", candidate)
            if trimmed == candidate:
                break
            candidate = trimmed
        if " of " in candidate and find_country(candidate):
            return candidate
    return None
