"""Documents a statement invokes: UN resolutions and named agreements or statements."""

from __future__ import annotations

import re

from communique.model import Reference

_BODY = (
    r"(?P<body>(?:UN |United Nations )?(?:Security Council|General Assembly|UNSC|UNGA)"
    r"(?:\s+of the United Nations)?)"
)
_ONE = r"\d{1,4}(?![/\d])(?:\s*\(\d{4}\))?"
_NUMBERS = rf"(?P<numbers>{_ONE}(?:\s*(?:,|and|&)\s*{_ONE})*)"
NUMBERED = (
    re.compile(rf"{_BODY}\s+[Rr]esolutions?\s+(?:No\.?\s*)?{_NUMBERS}"),
    re.compile(
        rf"\b[Rr]esolutions?\s+(?:No\.?\s*)?{_NUMBERS}\s+(?:of|by|adopted by) the\s+{_BODY}"
    ),
    re.compile(r"\b[Rr]esolutions?\s+(?:No\.?\s*)?(?P<unga>\d{1,3}/\d{1,4})\b"),
    re.compile(r"\b[Rr]esolutions?\s+(?:No\.?\s*)?(?P<numbers>\d{1,4}\s*\(\d{4}\))"),
)
COUNTED = re.compile(
    rf"\b(?P<count>\d+|two|three|four|five|six|seven|eight|nine|ten)\s+resolutions\s+"
    rf"(?:of|by|adopted by)\s+the\s+{_BODY}"
)
_CAPITAL = r"[A-Z][\w'’-]+"
AGREEMENT = re.compile(
    rf"\b(?P<name>{_CAPITAL}(?:\s+(?:(?:of|on|for|the)\s+)*{_CAPITAL}){{0,5}}?\s+"
    r"(?:Statement|Declaration|Agreement|Accord|Treaty|Convention|Charter|Protocol|"
    r"Memorandum|Communiqué|Plan|Pact|Principles|Format)s?"
    rf"(?:\s+(?:of|on|for)\s+(?:the\s+)?{_CAPITAL}(?:\s+(?:(?:of|on|for|the)\s+)*{_CAPITAL})*)?)"
)
_NUMBER_IN = re.compile(r"(\d{1,4})(?:\s*\((\d{4})\))?")


def find_references(text: str) -> list[Reference]:
    """UN resolutions (kind, "number (year)" id) and named agreements found in `text`.

    Example:
        >>> text = "Security Council resolutions 822 (1993) and 853 (1993); the Trilateral Accord"
        >>> [r.id for r in find_references(text)]
        ['822 (1993)', '853 (1993)', 'Trilateral Accord']
    """
    found: list[Reference] = []
    for pattern in NUMBERED:
        for match in pattern.finditer(text):
            if not any(r.start < match.end() and match.start() < r.end for r in found):
                found.extend(_numbered(match))
    for match in COUNTED.finditer(text):
        found.append(
            Reference(match.group(0), _kind(match["body"]), None, match.start(), match.end())
        )
    for match in AGREEMENT.finditer(text):
        name = _trim(match["name"])
        if name and not any(r.start <= match.start("name") < r.end for r in found):
            start = match.start("name")
            found.append(Reference(name, "agreement", name, start, start + len(name)))
    return _unique(sorted(found, key=lambda r: r.start))


def _numbered(match: re.Match[str]) -> list[Reference]:
    if match.groupdict().get("unga"):
        return [
            Reference(match.group(0), "unga-resolution", match["unga"], match.start(), match.end())
        ]
    kind = _kind(match.groupdict().get("body") or "Security Council")
    return [
        Reference(match.group(0), kind, f"{n} ({y})" if y else n, match.start(), match.end())
        for n, y in _NUMBER_IN.findall(match["numbers"])
        if not (len(n) == 4 and y == "" and n.startswith(("19", "20")) and int(n) > 1945)
    ]


def _kind(body: str) -> str:
    return "unga-resolution" if "Assembly" in body or "UNGA" in body else "unsc-resolution"


_LEADING = re.compile(r"^(?:(?:The|A|An|This|That|Its|Our|In|On|By|Under|With)\s+)+")


def _trim(name: str) -> str:
    """Drop leading function words the capitalised run picked up at a sentence start."""
    return _LEADING.sub("", name.strip())


def _unique(references: list[Reference]) -> list[Reference]:
    seen: set[tuple[str, str | None, int]] = set()
    result = []
    for reference in references:
        key = (reference.kind, reference.id, reference.start)
        if key not in seen:
            seen.add(key)
            result.append(reference)
    return result
