"""Trim page chrome (navigation, contact boxes, share lines, credits) off a text's edges."""

from __future__ import annotations

import re

from communique.extract import language
from communique.extract.blocks import Block
from communique.extract.dates import dateline
from communique.extract.textutil import ends_clause, ends_sentence, fold, is_prose

_TAIL_MARKERS = re.compile(
    r"^(?:contacts?|press contacts?|media contacts?|contact presse|kontakt|pressekontakt"
    r"|ansprechpartner(?:in)?"
    r"|weitere informationen|weiterführende informationen|further information|more information"
    r"|for more information|pour en savoir plus|más información|lesen sie (?:dazu )?auch.*|see"
    r" also|related"
    r"(?: articles| links| news| content)?|mehr zum thema|das könnte sie auch interessieren"
    r"|share(?: this)?"
    r"(?: page| article| on)?|teilen|drucken|seite drucken|print(?: this page)?|tags|schlagworte"
    r"|schlagwörter"
    r"|смотрите также|см\. также|à lire aussi|voir aussi|leer más|ver también|download(?:s)?|links"
    r"|back to top|nach oben|zurück|return to top|top of page|footnotes?|fußnoten)\s*:?$",
    re.I,
)
_META_LINE = re.compile(
    r"^(?:ort|datum|date|stand|published|posted|updated|veröffentlicht|pressemitteilung|press"
    r" release|"
    r"nr\.|no\.|number|nummer|reading time|lesezeit)\b[^.!?]{0,60}$",
    re.I,
)
_LABEL = re.compile(r"^[^\W\d][\w-]*(?: [\w-]+){0,2}\s*:$")
"""A one-to-three-word label ending in a colon ("Summary:") opening the text."""
_CREDIT = re.compile(r"©|\b(?:foto|photo|bild|quelle|credit|picture|image)\s*:", re.I)
_SHARE = re.compile(
    r"^(?:share|teilen|drucken|print|tweet|e-?mail|facebook|twitter|linkedin|whatsapp)\b", re.I
)


def _is_credit(block: Block) -> bool:
    return (
        len(block.text.split()) <= 15
        and bool(_CREDIT.search(block.text))
        and not ends_sentence(block.text)
    )


def _nav_like(block: Block, body_language: str | None) -> bool:
    """A short label with no sentence punctuation that is a link, a share line or foreign."""
    text = block.text
    if len(text.split()) > 12 or ends_clause(text):
        return False
    if block.link_ratio > 0.6 or _SHARE.match(text) or _TAIL_MARKERS.match(text):
        return True
    return bool(
        body_language and len(text) >= 8 and language.confidence(text, body_language) < 0.05
    )


def _title_echo(text: str, title: str) -> bool:
    key, head = fold(text), fold(title)
    if not head:
        return False
    return (
        key == head
        or (key.startswith(head) and len(key) - len(head) < 80)
        or (head.startswith(key) and len(key) > 20)
    )


def _drop_teaser_tail(kept: list[Block]) -> list[Block]:
    """Drop a closing run of three or more 'related story' tiles (with unfinished lines between)."""
    end = len(kept)
    teasers = 0
    cut = end
    while end > 0:
        block = kept[end - 1]
        if block.teaser:
            teasers += 1
            cut = end - 1
        elif ends_sentence(block.text):
            break
        end -= 1
    return kept[:cut] if teasers >= 3 else kept


def _inline_promo(block: Block) -> bool:
    """A line that is all link and no sentence, outside lists: a promo between paragraphs."""
    return (
        block.kind not in ("item", "row")
        and block.link_ratio >= 0.9
        and len(block.text.split()) >= 2
        and not ends_sentence(block.text)
    )


def _drop_repeats(blocks: list[Block]) -> list[Block]:
    """Drop a paragraph that repeats the one before it word for word (a teaser and the lead)."""
    kept: list[Block] = []
    last_key: str | None = None  # fold(kept[-1].text), computed when first needed
    for block in blocks:
        if kept and len(block.text.split()) >= 8:
            key = fold(block.text)
            if last_key is None:
                last_key = fold(kept[-1].text)
            if key == last_key:
                continue
            kept.append(block)
            last_key = key
            continue
        kept.append(block)
        last_key = None
    return kept


def _drop_header_run(blocks: list[Block]) -> list[Block]:
    """Drop a dateline near the top together with the label lines right above it.

    Transcripts often open with "Remarks of … as Delivered / Weekly Address / The White House
    / December 24, 2016" after a summary: labels, not the statement. The dateline must be
    followed by prose, so a closing place-and-date line is left to the tail rules.
    """
    for index, block in enumerate(blocks[:7]):
        if index == 0 or dateline(block.text) is None:
            continue
        if not any(is_prose(b.text) for b in blocks[index + 1 :]):
            return blocks
        start = index
        while start > 0 and start > index - 4:
            above = blocks[start - 1].text
            if ends_clause(above) or len(above.split()) > 14:
                break
            start -= 1
        return blocks[:start] + blocks[index + 1 :]
    return blocks


def _before_headline(block: Block, before: str) -> bool:
    key = fold(block.text)
    return len(key) >= 3 and key in before


def trim(
    blocks: list[Block], title: str, body_language: str | None, before_headline: str = ""
) -> list[Block]:
    """Drop chrome from both ends of `blocks`, credits anywhere, and a repeated headline.

    `before_headline` is the folded page text that precedes the headline: opening blocks
    found there (an archive banner, a kicker, a breadcrumb) are not the statement.
    """
    kept = _drop_repeats([b for b in blocks if not (_is_credit(b) or _inline_promo(b))])
    if kept and _before_headline(kept[-1], before_headline):
        before_headline = ""  # the headline element sits after the text: not a guide
    start = 0
    while start < len(kept):
        block = kept[start]
        if (
            (start < 2 and _before_headline(block, before_headline))
            or _LABEL.match(block.text)
            or _title_echo(block.text, title)
            or dateline(block.text) is not None
            or _META_LINE.match(block.text)
            or (block.kind != "item" and _nav_like(block, body_language))
        ):
            start += 1
            continue
        break
    kept = _drop_header_run(kept[start:])
    prose_total = sum(len(b.text) for b in kept if is_prose(b.text))
    seen_prose = 0
    for index, block in enumerate(kept):
        if is_prose(block.text):
            seen_prose += len(block.text)
        elif (
            index > 0
            and seen_prose > 0
            and _TAIL_MARKERS.match(block.text)
            and prose_total - seen_prose < 0.4 * prose_total
        ):
            kept = kept[:index]
            break
    kept = _drop_teaser_tail(kept)
    while kept:
        block = kept[-1]
        if (
            dateline(block.text) is not None
            or (block.kind == "head" and not ends_sentence(block.text))
            or _nav_like(block, body_language)
        ):
            kept.pop()
            continue
        break
    return kept
