"""HTML pages: trafilatura for the main text, htmldate and own rules for the date."""

from __future__ import annotations

import functools
import re
import warnings
from configparser import ConfigParser
from dataclasses import replace
from datetime import date

from htmldate import find_date
from lxml import etree
from lxml import html as lxml_html
from trafilatura import bare_extraction
from trafilatura.settings import DEFAULT_CONFIG, use_config

from communique.errors import ExtractionError, PdfStub
from communique.extract import chrome, htmlmeta, language, listing, pageissuer
from communique.extract.blocks import Block, from_trafilatura, page_links
from communique.extract.countries import country_from_host, find_country
from communique.extract.dates import (
    Published,
    date_confidence,
    date_in_opening,
    date_in_title,
    date_in_url,
    dateline,
    is_update_line,
)
from communique.extract.decode import charset_param, decode_checked_named, decoding_warnings
from communique.extract.issuers import issuer_for_url
from communique.extract.metadata import doc_type, issuer_from_opening
from communique.extract.textutil import (
    clean,
    ends_sentence,
    fold,
    is_prose,
    sentence_breaks,
    text_size,
    word_count,
)
from communique.model import Extraction, RawInput, Source

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_NEVER_TEXT = ("script", "style", "noscript", "svg", "template", "iframe", "canvas")
"""Dropped before main-text extraction (JSON-LD and meta tags have been read by then)."""
_GENERIC_AFFIX = re.compile(
    r"^(?:news|home|startseite|aktuelles|presse|press|press room|archive|archiv)$", re.I
)


_ELEMENT_CLASSES = etree.ElementDefaultClassLookup(
    element=lxml_html.HtmlElement,
    comment=lxml_html.HtmlComment,
    pi=lxml_html.HtmlProcessingInstruction,
    entity=lxml_html.HtmlEntity,
)
"""Every element is a plain `HtmlElement`, chosen in C: lxml.html's default lookup calls
Python for each element touched (to pick form-field classes nobody here uses), which costs
the extractors and trafilatura's passes over the same tree about a tenth of their time."""


def _parser(encoding: str | None) -> lxml_html.HTMLParser:
    """Comments go at parse time: trafilatura drops a comment's tail text with the comment."""
    parser = lxml_html.HTMLParser(
        remove_comments=True, remove_pis=True, collect_ids=False, encoding=encoding
    )
    parser.set_element_class_lookup(_ELEMENT_CLASSES)
    return parser


_PARSER = _parser(None)
_UTF8_PARSER = _parser("utf-8")
"""For plain UTF-8 bytes, which libxml2 reads faster than a Python string."""


def parse(text: str, utf8: bytes | None = None) -> lxml_html.HtmlElement:
    """Parse decoded HTML into an lxml tree, or raise `ExtractionError`.

    `utf8`, when given, is the page's own bytes, known to be plain UTF-8 that decodes to
    `text`: they are parsed instead (same tree, less work).
    """
    try:
        if utf8 is not None:
            return lxml_html.document_fromstring(utf8, parser=_UTF8_PARSER)
        return lxml_html.document_fromstring(_XML_DECL.sub("", text, count=1), parser=_PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise ExtractionError(f"unparseable HTML: {exc}") from exc


def _header_charset(raw: RawInput) -> str | None:
    found = charset_param(raw.content_type)
    for name, value in raw.headers:
        if found is None and name.lower() == "content-type":
            found = charset_param(value)
    return found


def _maybe_hidden(tree: lxml_html.HtmlElement) -> list[lxml_html.HtmlElement]:
    """Elements whose class or style may hide them, in document order (one walk, no XPath)."""
    found = []
    for element in tree.iter():  # comments and PIs are gone at parse time
        marker = element.get("class")
        style = element.get("style")
        if (
            marker is not None
            and (
                "hidden" in marker
                or "aural" in marker
                or "sr-only" in marker
                or "screen-reader" in marker
                or "invisible" in marker
            )
        ) or (style is not None and "none" in style):
            found.append(element)
    return found


@functools.cache
def _no_rescue_config() -> ConfigParser:
    """trafilatura's settings without its rescue of short extractions (`MIN_EXTRACTED_SIZE`).

    Under 250 characters of extracted text trafilatura replaces what it found with a dump of
    the whole page in one block, menus and headline included: a statement of a few sentences
    (and in Chinese or Japanese 250 characters are a long paragraph) then loses its paragraphs.
    """
    config = use_config()
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "1")
    return config


def _main_text(
    tree: lxml_html.HtmlElement,
    anchors: frozenset[str],
    fast: bool = True,
    recall: bool = False,
    precision: bool = False,
    rescue: bool = True,
) -> list[Block]:
    etree.strip_elements(tree, *_NEVER_TEXT, with_tail=False)
    for element in _maybe_hidden(tree):
        if (
            htmlmeta.is_hidden(element)
            and element.getparent() is not None
            and len(element.text_content()) < 300
        ):
            element.drop_tree()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            document = bare_extraction(
                tree,
                url=None,
                fast=fast,
                favor_recall=recall,
                favor_precision=precision,
                include_comments=False,
                include_links=False,
                include_tables=True,
                output_format="txt",  # only the XML body is read: no text rendering of it
                config=DEFAULT_CONFIG if rescue else _no_rescue_config(),
            )
    except (ValueError, TypeError, etree.LxmlError, RecursionError) as exc:
        raise ExtractionError(f"main-text extraction failed: {type(exc).__name__}") from exc
    body = getattr(document, "body", None) if document is not None else None
    return from_trafilatura(body, anchors) if body is not None else []


def _structured(
    blocks: list[Block], fresh: lxml_html.HtmlElement, anchors: frozenset[str]
) -> list[Block]:
    """The paragraphs trafilatura found when it gave the whole page as one block instead.

    A page whose text is short (a statement of a few sentences, and any short text in a script
    written without spaces) makes trafilatura fall back to a dump of the page: the paragraphs it
    found are kept when they hold running text, each of them part of the dump, from the first
    unlinked sentence to the last. What stands before or after them and ends no sentence (a menu
    heading, the headline, a date line, the site's address) is the page around the text; the
    date is still read from the dump.
    """
    if len(blocks) != 1:
        return blocks
    found = _main_text(fresh, anchors, rescue=False)
    dump = fold(blocks[0].text)
    if _own_prose(found) == 0 or not all(fold(b.text) in dump for b in found):
        return blocks
    said = [
        i
        for i, b in enumerate(found)
        if _running(b) or (b.link_ratio < 0.5 and ends_sentence(b.text))
    ]
    return found[said[0] : said[-1] + 1]


def _swallowed_page(block: Block) -> bool:
    """A huge block with few sentence breaks: the extractor took a whole page region as one."""
    words = word_count(block.text)
    return words >= 300 and words > 60 * (sentence_breaks(block.text) + 1)


def _complete(
    blocks: list[Block], fresh: lxml_html.HtmlElement, anchors: frozenset[str]
) -> list[Block]:
    """Re-extract favouring recall when the text ends on a colon: what it announced was lost."""
    second = _main_text(fresh, anchors, recall=True)
    last = fold(blocks[-1].text)
    ends = [i for i, b in enumerate(second) if fold(b.text) == last]
    if ends and ends[-1] < len(second) - 1:
        return second
    return blocks


def _running(block: Block) -> bool:
    """Unlinked running text: sentences, or a long passage however it ends."""
    return block.link_ratio < 0.5 and (
        is_prose(block.text) or (word_count(block.text) >= 40 and sentence_breaks(block.text) >= 2)
    )


def _own_prose(blocks: list[Block]) -> int:
    """Size (`text_size`) of unlinked running text (`_running` blocks)."""
    return sum(text_size(b.text) for b in blocks if _running(b))


def _published(
    tree: lxml_html.HtmlElement,
    meta: htmlmeta.PageMeta,
    blocks: list[Block],
    title: str,
    raw: RawInput,
) -> tuple[date | None, str, float]:
    """Return (date, where it came from, confidence) for the page's publication date."""
    url = raw.url
    found, how = _first_date(tree, meta, blocks, title, url, raw.headers)
    own = _own_date(blocks)
    if found is not None and own is not None and how != "dateline" and own < found:
        found, how = own, "dateline"  # the statement's own date, not a later page date
    if found is None:
        return None, how, 0.0
    witnesses = [date_in_url(url)]
    declared = htmlmeta.meta_published(meta)
    witnesses.append(declared[0] if declared else None)
    witnesses.extend(_dateline(b.text) for b in [*blocks[:4], *blocks[-3:]])
    return found, how, date_confidence(how, found, witnesses)


def _dateline(line: str) -> date | None:
    """A dateline that is not a "last updated" line."""
    return None if is_update_line(line) else dateline(line)


def _own_date(blocks: list[Block]) -> date | None:
    """The date the statement's first lines give it (a dateline, "Delivered on …")."""
    for block in blocks[:4]:
        found = _dateline(block.text)
        if found is not None:
            return found
    return None


def _modified(meta: htmlmeta.PageMeta, blocks: list[Block]) -> date | None:
    """The page's last update: its modified meta tags or a "last updated" line."""
    found = set(htmlmeta.modified_dates(meta))
    found |= {d for b in blocks if is_update_line(b.text) for d in [dateline(b.text)] if d}
    return max(found) if found else None


def _first_date(
    tree: lxml_html.HtmlElement,
    meta: htmlmeta.PageMeta,
    blocks: list[Block],
    title: str,
    url: str,
    headers: tuple[tuple[str, str], ...],
) -> tuple[date | None, str]:
    """The first date found, most trusted evidence first; never a last-modified date."""
    declared = htmlmeta.meta_published(meta)
    if declared is not None:
        return declared
    found = htmlmeta.time_element(tree)
    if found is not None:
        return found, "time-element"
    for block in [*blocks[:4], *blocks[-3:]]:
        found = _dateline(block.text)
        if found is not None:
            return found, "dateline"
    found = htmlmeta.date_element(tree)
    if found is not None:
        return found, "date-element"
    found = date_in_title(title)
    if found is not None:
        return found, "headline"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = find_date(tree, url=url or None, original_date=True, extensive_search=False)
    except (ValueError, TypeError, etree.LxmlError):
        value = None
    if value and date.fromisoformat(value) not in htmlmeta.modified_dates(meta, headers):
        return date.fromisoformat(value), "htmldate"
    found = date_in_opening(" ".join(b.text for b in blocks[:2]))
    return (found, "opening") if found is not None else (None, "none")


def _issuer(
    source: Source | None,
    title: str,
    blocks: list[Block],
    meta: htmlmeta.PageMeta,
    removed: list[str],
    url: str,
    tree: lxml_html.HtmlElement,
    source_field: str | None,
) -> str | None:
    """Registry, "Source:" field, the site's own name, the statement's opening, weaker hints."""
    if source is not None and source.issuer:
        return source.issuer
    if source_field:
        return source_field
    home_link = pageissuer.home_link_name(tree, url)
    if home_link:
        return home_link
    for value in (
        meta.metas.get("og:site_name"),
        meta.ld_publisher,
        meta.metas.get("publisher"),
        meta.metas.get("dcterms.publisher"),
        meta.metas.get("dc.publisher"),
    ):
        if value and "." not in value:
            return value
    opening = " ".join([title, *(b.text for b in blocks[:2])])
    found = issuer_from_opening(opening) or pageissuer.letterhead([b.text for b in blocks])
    if found:
        return found
    breadcrumb = pageissuer.breadcrumb_root(tree)
    if breadcrumb and fold(breadcrumb) not in fold(title):
        return breadcrumb
    affixes = [
        a
        for a in removed
        if not _GENERIC_AFFIX.match(a) and "." not in a and pageissuer.names_organisation(a)
    ]
    if affixes:
        return max(affixes, key=len)
    known = issuer_for_url(url)
    return known[0] if known else None


def _country(source: Source | None, issuer: str | None, url: str) -> str | None:
    if source is not None and source.country:
        return source.country
    if issuer:
        found = find_country(issuer)
        if found:
            return found
    known = issuer_for_url(url)
    if known and known[1]:
        return known[1]
    from urllib.parse import urlsplit

    return country_from_host(urlsplit(url).hostname or "")


def extract_html(raw: RawInput, source: Source | None = None) -> Extraction:
    """Extract the statement of an HTML page (or flag it as a listing)."""
    text, codec = decode_checked_named(raw.body, _header_charset(raw), "HTML")
    utf8 = raw.body if codec == "utf-8" else None
    tree = parse(text, utf8)
    meta = htmlmeta.read_meta(tree)
    url = htmlmeta.canonical_url(tree, meta, raw.url)
    title, headline, removed = htmlmeta.choose_title(tree, meta, None, url)
    link_count, anchors = page_links(tree)
    expected = source.languages if source is not None else ()
    hint = (
        tree.get("lang") or meta.metas.get("og:locale") or meta.metas.get("content-language") or ""
    ) or None
    pdf = listing.pdf_link(tree, headline, url)
    before = htmlmeta.text_before(headline)
    source_field = pageissuer.source_field(tree)  # before hidden elements are dropped
    whole = _main_text(tree, anchors)
    blocks = _structured(whole, parse(text, utf8), anchors)
    dump = whole if blocks is not whole else []  # trafilatura's dump of a short page: dated too
    raw_prose = _own_prose(blocks)
    if not title and blocks:
        title = blocks[0].text[:300]
    if pdf and raw_prose < 200:
        raise PdfStub(f"page body is only a link to a PDF: {pdf}", pdf)
    if listing.is_listing(link_count, raw_prose):
        fresh = parse(text, utf8)
        if listing.has_long_paragraph(fresh):
            second = _main_text(fresh, anchors, recall=True)
            if not listing.is_listing(link_count, _own_prose(second)):
                blocks, raw_prose = second, _own_prose(second)
    if blocks and blocks[-1].text.endswith(":"):
        blocks = _complete(blocks, parse(text, utf8), anchors)
    if any(_swallowed_page(b) for b in blocks):
        careful = _main_text(parse(text, utf8), anchors, fast=False, precision=True)
        if careful and not any(_swallowed_page(b) for b in careful):
            blocks, raw_prose = careful, _own_prose(careful)
    if listing.is_listing(link_count, raw_prose):
        return Extraction(
            url=url,
            title=title,
            paragraphs=(),
            published=None,
            published_source="none",
            issuer=_issuer(source, title, [], meta, removed, url, tree, source_field),
            country=None,
            language=language.detect(" ".join(b.text for b in blocks) or title, hint, expected),
            doc_type=doc_type(title, "", url),
            is_listing=True,
        )
    prose_text = " ".join(b.text for b in blocks if is_prose(b.text)) or " ".join(
        b.text for b in blocks
    )
    lang, mixed = language.detect_mixed(prose_text, hint, expected)
    published = Published(*_published(tree, meta, [*dump, *blocks], title, replace(raw, url=url)))
    published = published.or_inferred(
        lambda: " ".join(b.text for b in blocks), raw.fetched_at.date()
    )
    kept = chrome.trim(blocks, title, lang, before)
    prose = _own_prose(kept)
    if pdf and prose < 200:
        raise PdfStub(f"page body is only a link to a PDF: {pdf}", pdf)
    if prose == 0 and not any(b.link_ratio < 0.5 and len(b.text.split()) >= 5 for b in kept):
        raise ExtractionError("no statement text found in the page")
    if not kept:
        raise ExtractionError("no statement text found in the page")
    paragraphs = tuple(b.text for b in kept)
    if paragraphs and fold(paragraphs[0]) == fold(title):
        paragraphs = paragraphs[1:]
    issuer = _issuer(source, title, blocks, meta, removed, url, tree, source_field)
    per_paragraph: tuple[str | None, ...] = ()
    if mixed:
        per_paragraph = language.per_paragraph(paragraphs, lang)
        if len({c for c in per_paragraph if c}) > 1:
            lang = language.main_language(paragraphs, per_paragraph) or lang
        else:
            per_paragraph = ()
    extraction = Extraction(
        url=url,
        title=clean(title),
        paragraphs=paragraphs,
        modified=_modified(meta, blocks),
        issuer=issuer,
        country=_country(source, issuer, url),
        language=lang,
        doc_type=doc_type(title, paragraphs[0] if paragraphs else "", url),
        is_listing=False,
        paragraph_languages=per_paragraph,
        warnings=decoding_warnings(text, codec),
    )
    return published.stamped(extraction)
