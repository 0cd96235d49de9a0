"""Learned per-site chrome: lines a site repeats around different content are not the statement.

Every capture's visible lines (the whole page, parsed fast with resiliparse, plus the
extracted paragraphs) are counted per host (in the store, incrementally as captures
arrive; see `store.site_lines`). Captures vote by group: a republication of a statement on
the same site (or a later version, or a page quoting much of it) belongs to the group of the
statement, so a statement's own paragraphs, however often the site republishes it, are never
its chrome. A line that another group's capture carried too is page furniture ("Next steps",
an archive banner, a section label), unless the page shares most of its text with others (a
copy of the same statement), in which case nothing is dropped. Each capture is judged
against the captures counted before it, as in a clean run, also when it is redone after a
killed run.
"""

from __future__ import annotations

import functools
import hashlib
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from resiliparse.extract.html2text import extract_plain_text
from resiliparse.parse.html import HTMLTree

from communique import lang
from communique.extract.decode import charset_param, decode
from communique.extract.textutil import ends_clause, fold
from communique.extract.titles import rejoin, split_title
from communique.model import Extraction

COPY_SHARE = 0.5
"""Above this share of recurring characters the page is a copy, not a page with chrome."""


def site_of(url: str) -> str:
    """Return the host a URL's chrome is learned under (without `www.`).

    Example:
        >>> site_of("https://www.mfa.gov.by/en/press/statements/abc/")
        'mfa.gov.by'
    """
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def line_key(line: str) -> str:
    """Return the stored key of a line: a short hash of its folded text.

    Example:
        >>> line_key("Next steps") == line_key("  next   STEPS ")
        True
    """
    return _hashed(fold(line))


def _hashed(folded: str) -> str:
    return hashlib.sha1(folded.encode()).hexdigest()[:16]


def page_line_keys(body: bytes, content_type: str) -> set[str]:
    """Return the keys of every visible text line of an HTML capture (empty for other types).

    Example:
        >>> len(page_line_keys(b"<p>Home</p><div>Next steps</div>", "text/html"))
        2
    """
    if content_type.split(";", 1)[0].strip().lower() not in ("text/html", "application/xhtml+xml"):
        return set()
    html = decode(body, charset_param(content_type), html=True)
    text = extract_plain_text(HTMLTree.parse(html), main_content=False, alt_texts=False)
    return {line_key(line) for line in str(text).splitlines() if line.strip()}


SAMPLE_SIZE = 8
"""Sentences in the sample that tells which statement a page carries."""
_SENTENCE_ENDS = ".!?;。！？"
_SENTENCE_END = re.compile(rf"(?<=[{_SENTENCE_ENDS}])\s+")


def sentence_keys(paragraphs: Sequence[str]) -> frozenset[str]:
    """Keys of a sample of the text's sentences: which statement a page carries, however its
    lines are broken or its chrome differs.

    The sample is the `SAMPLE_SIZE` sentences with the smallest hashes (a bottom-k sketch, as
    MinHash): two pages carrying mostly one text share most of their samples, and the sample
    is as small for a long speech as for a short note (one hash per sentence, not per word).

    Example:
        >>> one = sentence_keys(["We agreed on a plan. The talks resume in Geneva in May.",
        ...                     "Both delegations will report to their governments."])
        >>> one == sentence_keys(["We agreed on a plan. The talks resume", "in Geneva in May.",
        ...                      "Both delegations will report to their governments."])
        True
        >>> len(one)
        3
    """
    return _sample(" ".join(" ".join(paragraphs).split()).lower())


def _sample(text: str) -> frozenset[str]:
    """`sentence_keys` of a text with its whitespace collapsed and in lower case."""
    hashes = {zlib.crc32(sentence.encode()) for sentence in _sentences(text)}
    return frozenset(f"~{h:08x}" for h in sorted(hashes)[:SAMPLE_SIZE])


def _sentences(text: str) -> list[str]:
    """The sentences of a text whose whitespace is single spaces: split after each
    `_SENTENCE_ENDS` character and the space after it (as `_SENTENCE_END` splits, by string
    replacement, which is faster).

    Example:
        >>> _sentences("we met. did we agree? yes; in may.")
        ['we met.', 'did we agree?', 'yes;', 'in may.']
    """
    if "\x00" in text:
        return _SENTENCE_END.split(text)
    for end in _SENTENCE_ENDS:
        if end in text:
            text = text.replace(end + " ", end + "\x00")
    return text.split("\x00")


@dataclass(frozen=True)
class LineKeys:
    """The keys of a capture's lines: of its paragraphs, in order, of its title's segments,
    of every line counted (those and the whole page's lines), and of a sample of its text's
    sentences (which statement it carries)."""

    paragraphs: tuple[str, ...]
    every: frozenset[str]
    host: str = ""
    """The site they are counted under."""
    title: frozenset[str] = frozenset()
    sample: frozenset[str] = frozenset()

    def judged(self) -> frozenset[str]:
        """The keys a capture is judged by: its paragraphs' and its title segments'."""
        return frozenset(self.paragraphs) | self.title


def line_keys(extraction: Extraction, body: bytes, content_type: str, host: str = "") -> LineKeys:
    """The keys of the lines of a capture (`body`) and of what was extracted from it.

    Hashing every line is the costly part of learning chrome and needs no store, so the
    pipeline does it in its worker processes.

    Example:
        >>> from communique.model import Extraction
        >>> found = Extraction(url="", title="Talks", paragraphs=("Next steps", "We agreed."))
        >>> keys = line_keys(found, b"<p>Home</p>", "text/html")
        >>> keys.paragraphs == (line_key("Next steps"), line_key("We agreed.")), len(keys.every)
        (True, 3)
    """
    folded = [fold(p) for p in extraction.paragraphs]
    paragraphs = tuple(_hashed(f) for f in folded)
    title = frozenset(title_keys(extraction.title))
    every = {*paragraphs} | page_line_keys(body, content_type) | title
    if all(p.isascii() for p in extraction.paragraphs):  # folded as `sentence_keys` folds
        sample = _sample(" ".join(f for f in folded if f))
    else:
        sample = sentence_keys(extraction.paragraphs)
    return LineKeys(paragraphs, frozenset(every), host, title, sample)


def drop_recurring(
    paragraphs: tuple[str, ...],
    others: Mapping[str, int],
    min_others: int = 1,
    keys: tuple[str, ...] | None = None,
    language: str | None = None,
) -> tuple[str, ...]:
    """Drop the paragraphs around the statement that other captures of the site carry too
    (`keys`: the paragraphs' `line_key`s, when already known; `language`: the text's).

    Chrome sits around a statement: between two of the statement's own paragraphs, a
    recurring line that is part of a sentence ("Ladies and gentlemen," in a speech) or an
    address ("Mr. President") is kept, as jusText keeps a short block between good ones; a
    recurring label there (a section heading the site gives every page, "Next steps") is
    dropped. At the edges, the recurring lines that touch the statement's own text and open
    or close a speech (an address, "Thank you."; see `speech_edge`) are the speech's, as
    jusText keeps a heading right before good text: other speeches on the site opening
    alike do not make them the site's.

    Example:
        >>> seen = {line_key(line): 3 for line in ("Home", "Ladies and gentlemen,", "Quotes")}
        >>> drop_recurring(("Home", "We agreed on a plan.", "Ladies and gentlemen,", "Quotes",
        ...                 "Talks resume in May."), seen)
        ('We agreed on a plan.', 'Ladies and gentlemen,', 'Talks resume in May.')
        >>> seen = {line_key(line): 3 for line in ("Home", "Mr. President,", "Thank you.")}
        >>> speech = "We call on both sides to return to the talks in Geneva."
        >>> drop_recurring(("Home", "Mr. President,", speech, "Thank you."), seen, language="en")
        ('Mr. President,', 'We call on both sides to return to the talks in Geneva.', 'Thank you.')
    """
    if keys is None:
        keys = tuple(line_key(p) for p in paragraphs)
    recurring = [others.get(key, 0) >= min_others for key in keys]
    own = [i for i, r in enumerate(recurring) if not r]
    if not own:
        return paragraphs
    first, last = own[0], own[-1]
    while first > 0 and speech_edge(paragraphs[first - 1], language, opening=True):
        first -= 1
    while last < len(paragraphs) - 1 and speech_edge(paragraphs[last + 1], language):
        last += 1
    chrome = [
        r and (i < first or i > last or not _in_speech(p, language))
        for i, (p, r) in enumerate(zip(paragraphs, recurring, strict=True))
    ]
    total = sum(len(p) for p in paragraphs)
    shared = sum(len(p) for p, r in zip(paragraphs, recurring, strict=True) if r)
    if not total or shared > COPY_SHARE * total:
        return paragraphs
    return tuple(p for p, c in zip(paragraphs, chrome, strict=True) if not c)


SPEECH_EDGE_WORDS = 12
"""Words at most in a line that opens or closes a speech (an address, thanks)."""


def speech_edge(line: str, language: str | None, opening: bool = False) -> bool:
    """Whether `line` addresses a speech's audience or closes a speech: short, and opening as
    the language's addresses and closings do (`speech_edges` of its profile), or, where it
    opens the text (`opening`), ending with a comma: a sentence the text goes on with.

    Example:
        >>> speech_edge("Excellencies, ladies and gentlemen", "en")
        True
        >>> speech_edge("Secretary-General,", "en", opening=True)
        True
        >>> speech_edge("Szukaj w archiwum", "pl"), speech_edge("Next steps", "en")
        (False, False)
    """
    if len(line.split()) > SPEECH_EDGE_WORDS:
        return False
    if opening and line.rstrip().endswith(","):
        return True
    pattern = _speech_edges(language)
    return pattern is not None and pattern.match(line.strip()) is not None


@functools.cache
def _speech_edges(language: str | None) -> re.Pattern[str] | None:
    openings = lang.profile(language).speech_edges
    return re.compile("|".join(f"(?:{p})" for p in openings), re.I) if openings else None


def _in_speech(line: str, language: str | None) -> bool:
    """Whether `line` ends as a sentence or a clause does (a label, a heading does not), or
    addresses the audience ("Mr. President" between two parts of a speech)."""
    return ends_clause(line) or line.rstrip().endswith(",") or speech_edge(line, language)


def title_keys(title: str) -> set[str]:
    """Keys of a title and of its first and last segments, where a site's name recurs."""
    parts = split_title(title)
    if len(parts) < 2:
        return set()
    return {line_key(title), line_key(parts[0][0]), line_key(parts[-1][0])}


def drop_recurring_affix(title: str, others: Mapping[str, int], min_others: int = 1) -> str:
    """Drop a first or last title segment that other pages of the site show too.

    The same tail after a separator on the site's other pages is its name, not part of a
    headline; a title that recurs whole (a copy of the page) is left as it is.

    Example:
        >>> seen = {line_key("Office of the Envoy"): 2}
        >>> drop_recurring_affix("Talks resume in Geneva — Office of the Envoy", seen)
        'Talks resume in Geneva'
    """
    parts = split_title(title)
    if len(parts) < 2 or others.get(line_key(title), 0) >= min_others:
        return title
    if parts[-1][1] and others.get(line_key(parts[-1][0]), 0) >= min_others:
        parts.pop()
    elif parts[1][1] and others.get(line_key(parts[0][0]), 0) >= min_others:
        parts.pop(0)
    else:
        return title
    return rejoin(title, [p for p, _ in parts])


def apply(
    extraction: Extraction, others: Mapping[str, int], keys: LineKeys, min_others: int = 1
) -> Extraction:
    """Return `extraction` without its site-recurring paragraphs and title affix (`keys`: its
    `line_keys`)."""
    if min_others >= 1 and max(others.values(), default=0) < min_others:
        return extraction  # nothing recurs (most captures): no line to look up
    kept = drop_recurring(
        extraction.paragraphs, others, min_others, keys.paragraphs, extraction.language
    )
    title = drop_recurring_affix(extraction.title, others, min_others)
    if kept == extraction.paragraphs and title == extraction.title:
        return extraction
    return replace(extraction, paragraphs=kept, title=title)
