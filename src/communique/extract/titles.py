"""Page titles: split `<title>` at its separators and tell the site's name from the headline.

A `<title>` is often the headline with the site's name before or after it ("<headline> —
<ministry>", "外交部 | <headline>", "<headline>_<site>"). A segment is taken for the site's
name by what it is, never by a list of sites: it is the name the page gives itself
elsewhere (og:site_name, the publisher, its home link, its copyright line), or the host
name spelled out (`mofa.go.jp` and "Ministry of Foreign Affairs", `auswaertiges-amt.de` and
"Auswärtiges Amt"), or a section label the page links to ("News"). Without such evidence
only a short segment after a site separator is dropped, as trafilatura does.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from unidecode import unidecode

from communique import lang
from communique.extract.textutil import clean, fold, word_count

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff00-\uffef"
_SITE_SEPARATOR = re.compile(
    r"\s+(?:\||-|–|—|«|»|::|·|•|/|~|›|‹|>|<|｜|_)\s+"
    rf"|\s*[｜丨]\s*|(?<=[{_CJK}])\s*(?:_|\||-|–|—)\s*|\s*(?:_|\||–|—)\s*(?=[{_CJK}])"
    r"|(?<=\.\w\w):\s+(?=[A-ZÄÖÜ])"
)
"""Separators sites put between their name and the headline (unspaced ones next to CJK)."""
_HEAD_SEPARATOR = re.compile(r":\s+|：")
"""A colon also splits headlines themselves ("Venezuela: …"): only a proven name goes."""
_HOST_NOISE = frozenset(
    ("www", "www2", "m", "cn", "jp", "gov", "go", "gob", "gouv", "govt", "gv", "mil", "int",
     "org", "com", "net", "edu", "ac")
)  # fmt: skip
"""Host labels that are no part of a site's name (besides a language code: `_host_noise`)."""


@functools.cache
def _host_noise() -> frozenset[str]:
    return _HOST_NOISE | frozenset(lang.profiles())


@functools.cache
def _small_words() -> frozenset[str]:
    """Words a name's initials leave out, in every language, as `spells_host` compares them."""
    return frozenset(unidecode(w).lower() for w in lang.every_language("name_small_words"))


@functools.cache
def _office_name() -> re.Pattern[str]:
    """The ending or opening of an office's name (a ministry's, an embassy's), any language."""
    endings, openings = lang.any_language("office_endings"), lang.any_language("office_openings")
    return re.compile(rf"(?:{endings})$|^(?:{openings})")


@dataclass(frozen=True)
class SiteEvidence:
    """What a page tells about its own site: names it gives itself, its host, its link labels."""

    names: tuple[str, ...] = ()
    host: str = ""
    labels: frozenset[str] = field(default_factory=frozenset)
    """Folded texts of the page's short links (menu entries, breadcrumbs)."""


def split_title(title: str) -> list[tuple[str, bool]]:
    """Split a title into (segment, whether a site separator precedes it) pairs.

    Example:
        >>> split_title("王毅：中方立场_外交部")
        [('王毅', False), ('中方立场', False), ('外交部', True)]
    """
    found: list[tuple[str, bool]] = []
    for index, piece in enumerate(_SITE_SEPARATOR.split(clean(title))):
        for inner, part in enumerate(_HEAD_SEPARATOR.split(piece)):
            if clean(part):
                found.append((clean(part), index > 0 and inner == 0))
    return found


def _skeleton(text: str) -> str:
    """Consonants of an ASCII transliteration: `Auswärtiges` and `auswaertiges` agree."""
    return re.sub(r"[^b-df-hj-np-tv-z]", "", unidecode(text).lower())


def _host_words(host: str) -> list[str]:
    labels = re.split(r"[.\-]", host.lower())
    return [label for label in labels if label and label not in _host_noise()]


def spells_host(segment: str, host: str) -> bool:
    """True when `segment` is the host name written out: its letters, initials or words.

    Example:
        >>> spells_host("Ministry of Foreign Affairs of Japan", "www.mofa.go.jp")
        True
        >>> spells_host("Auswärtiges Amt", "www.auswaertiges-amt.de")
        True
        >>> spells_host("Statement on the ceasefire", "www.mofa.go.jp")
        False
    """
    if not host:
        return False
    key = fold(segment)
    if "." in key and " " not in key:
        return key.removeprefix("www.") in host.lower()
    labels = _host_words(host)
    words = re.findall(r"\w+", unidecode(segment).lower())
    if not words or not labels:
        return False
    initials = "".join(w[0] for w in words)
    capitals = "".join(w[0] for w in words if w not in _small_words())
    joined = _skeleton("".join(words))
    for label in labels:
        if len(label) >= 3 and label in (initials, capitals, initials[: len(label)]):
            return True
        if len(label) >= 3 and len(capitals) >= 3 and capitals.startswith(label):
            return True
        skeleton = _skeleton(label)
        if len(skeleton) >= 4 and skeleton == joined:
            return True
    host_skeletons = {_skeleton(label) for label in labels if len(label) >= 5}
    return len(words) <= 4 and any(_skeleton(w) in host_skeletons for w in words if len(w) >= 5)


def is_site_name(segment: str, evidence: SiteEvidence) -> bool:
    """True when `segment` is a name the site gives itself, or its host spelled out."""
    key = fold(segment)
    for name in evidence.names:
        other = fold(name)
        if not other:
            continue
        if key == other:
            return True
        if word_count(min(key, other, key=len)) < 2:
            continue
        if key in other or (other in key and len(key) - len(other) <= len(other) // 2):
            return True
    return spells_host(segment, evidence.host)


def looks_like_institution(segment: str) -> bool:
    """True for a name shaped like an institution's in scripts without capital letters."""
    text = clean(segment)
    return bool(_office_name().search(text))


def _removable(
    segment: str, site_separator: bool, rest: list[str], evidence: SiteEvidence, suffix: bool
) -> bool:
    """Whether an edge segment is the site's: proven, a label, or (a suffix) merely short.

    Without evidence only a suffix goes, as trafilatura keeps the part before the last
    separator: "<headline> — <long name>" must not lose its headline.
    """
    if is_site_name(segment, evidence):
        return True
    if not site_separator:
        return False
    longest = max(word_count(r) for r in rest)
    if fold(segment) in evidence.labels and word_count(segment) <= 4 < longest:
        return True
    if looks_like_institution(segment) and not any(map(looks_like_institution, rest)):
        return True
    return suffix and word_count(segment) <= 5 and word_count(segment) < longest


def strip_site_name(title: str, evidence: SiteEvidence) -> tuple[str, list[str]]:
    """Remove site-name prefixes and suffixes from `title`; return (core, removed parts).

    Example:
        >>> strip_site_name("Talks resume — Ministry of Foreign Affairs of Norland",
        ...                 SiteEvidence(names=("Ministry of Foreign Affairs of Norland",)))
        ('Talks resume', ['Ministry of Foreign Affairs of Norland'])
    """
    parts = split_title(title)
    removed: list[str] = []
    while len(parts) > 1:
        texts = [p for p, _ in parts]
        if _removable(texts[-1], parts[-1][1], texts[:-1], evidence, suffix=True):
            removed.append(parts.pop()[0])
        elif _removable(texts[0], parts[1][1], texts[1:], evidence, suffix=False):
            removed.append(parts.pop(0)[0])
            parts[0] = (parts[0][0], False)
        else:
            break
    if not removed:
        return clean(title), []
    return rejoin(title, [p for p, _ in parts]), removed


def rejoin(title: str, parts: list[str]) -> str:
    """Return the run of `title` from its first kept part to its last, separators as written."""
    text = clean(title)
    start = text.find(parts[0])
    end = text.find(parts[-1], start) + len(parts[-1]) if start >= 0 else -1
    if start < 0 or end < start:
        return " ".join(parts)
    return text[start:end]
