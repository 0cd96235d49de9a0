"""Linking inside the archive: each new copy on ingest or crawl, and `relink` of everything.

The store keeps each copy's link (its statement, the copy it was verified against and the
evidence), its MinHash and LSH buckets, so that a new copy is linked with a few indexed
look-ups and no batch job. `relink` rebuilds every link from the stored texts in the order
the copies were first captured, so that it always gives the same links.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import gc
import glob
import hashlib
import itertools
import os
import shutil
import tempfile
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import numpy.typing as npt

from communique import embeddings, semantic
from communique.diffs import version_diffs
from communique.errors import NotFound
from communique.link.bulk import (
    FactIndex,
    Prepared,
    StagedWords,
    fact_codes,
    maybe,
    maybe_pairs,
    places,
    prepare,
)
from communique.link.duplicates import (
    MIN_WORDS,
    Candidates,
    Found,
    Link,
    Linker,
    Plan,
    Staged,
    TextsOf,
    _ranges,
    comparable_words,
    find_copy,
    first_copies,
    first_copy,
)
from communique.link.signing import (
    NUM_PERM,
    Signature,
    SignedBatch,
    Workers,
    buckets,
    joined_buckets_of,
    pipelined,
    shingle_minhashes,
    sign_batch,
    signature,
)
from communique.link.text import distinct
from communique.link.translations import (
    FACT_SHINGLE,
    FACT_SPACE,
    MIN_FACTS,
    Match,
    by_meaning,
    compare,
    facts,
)
from communique.model import (
    CopyLink,
    LinkText,
    Source,
    Statement,
    StatementCopy,
    Translation,
    Version,
)
from communique.store.base import (
    CopyRow,
    FactRow,
    LinkStore,
    Store,
    links_of,
    links_or_none,
    open_store,
)


class StoreIndex:
    """The linker's `Index` over a store's link tables."""

    def __init__(self, store: LinkStore) -> None:
        self.store = store

    def exact(self, key: str) -> str | None:
        return self.store.copy_with_key(key)

    def candidates(self, sig: Signature) -> Candidates:
        """Copies sharing a bucket with `sig` whose length a copy of it may have: the store
        reads no others (`plan_copy` uses those `comparable` keeps, the bounds are wider)."""
        found = self.store.link_candidates(buckets(sig.minhash), comparable_words(sig.words))
        values = np.frombuffer(b"".join(blob for _, blob, _ in found), dtype=np.uint32)
        counts = np.array([count for _, _, count in found], dtype=np.uint32)
        return [key for key, _, _ in found], values.reshape(len(found), NUM_PERM), counts

    def group(self, item: str) -> str:
        link = self.store.get_copy(item)
        return link.group_id if link else item


def own_site(statement: Statement | LinkText, sources: dict[str, Source]) -> bool:
    """True when the copy is on its issuer's own site (its source is the issuer's)."""
    source = sources.get(statement.source or "")
    if source is None or not source.issuer or not statement.issuer:
        return False
    if source.homepage and urlsplit(source.homepage).hostname != urlsplit(statement.url).hostname:
        return False
    return source.issuer.casefold() == statement.issuer.casefold()


def link_statement(
    store: Store,
    statement: Statement,
    seen: datetime,
    sources: dict[str, Source],
) -> CopyLink | None:
    """Link a stored statement (a copy) to the statement it carries; None without link tables.

    A copy already linked keeps its statement when its text is edited (the edit is one of
    its versions); its signature follows the newest text, and its kind and evidence are
    verified again on it, as `relink` verifies them.
    """
    links = links_or_none(store)
    if links is None:
        return None
    existing = links.get_copy(statement.id)
    if existing is None:
        return _link_new(links, [(statement, seen)], sources)[0]
    sig = signature(statement.text)
    if existing.exact_key == sig.exact:
        return existing
    link = _edited(existing, statement, links, sig)
    fact_row, translations = (
        _Facts(links, [statement]).found(statement, link.group_id)
        if link.kind == "first"
        else (None, [])
    )
    row = CopyRow(link, sig.minhash.tobytes(), text_buckets(link, sig), fact_row)
    links.put_copy(row, translations, _stored_buckets(links, statement.id))
    return link


def link_statements(
    store: Store, items: Sequence[tuple[Statement, datetime]], sources: dict[str, Source]
) -> list[CopyLink | None]:
    """`link_statement` of stored statements (each with when it was seen) in order, each
    linked as if those before it were linked first, the store read for the batch at once.

    The LSH and fact buckets of all the new copies' texts are read in a few queries, in key
    order (`_BatchIndex`, `_Facts`), and each copy's link written as `link_statement` writes
    it; a copy linked before (an edit) or a statement given twice is linked on its own.
    """
    links = links_or_none(store)
    if links is None:
        return [None] * len(items)
    linked_before = links.linked_facts(sorted({s.id for s, _ in items})).keys()
    found: list[CopyLink | None] = []
    run: list[tuple[Statement, datetime]] = []
    given: set[str] = set()
    for statement, seen in items:
        if statement.id in linked_before or statement.id in given:
            found += _link_new(links, run, sources)
            run = []
            found.append(link_statement(store, statement, seen, sources))
        else:
            run.append((statement, seen))
        given.add(statement.id)
    return found + _link_new(links, run, sources)


def _link_new(
    links: LinkStore, items: Sequence[tuple[Statement, datetime]], sources: dict[str, Source]
) -> list[CopyLink]:
    """Link statements never linked before (each once), in order, and write their links at
    once (linking reads no link the batch writes: `_BatchIndex` and `_Facts` hold them).

    The copies are found first, then the translations of the statements that are no copy
    (`first`, the only ones whose facts are stored): finding a copy reads no facts, so the
    fact buckets of the batch's copies are never read."""
    if not items:
        return []
    with _collector_paused():
        sigs = sign_batch([statement.text for statement, _ in items])
        index = _BatchIndex(links, sigs)
        linked: list[tuple[CopyLink, list[bytes]]] = []
        for (statement, seen), sig in zip(items, sigs, strict=True):
            found = find_copy(statement.id, sig, index, _texts_of(links, statement))
            link = new_link(statement, found, sig, seen.isoformat(), sources)
            stored_in = index.buckets(sig) if has_buckets(link) else []
            index.add(link, sig, stored_in)
            linked.append((link, stored_in))
        firsts = [
            s for (s, _), (link, _) in zip(items, linked, strict=True) if link.kind == "first"
        ]
        facts_of = _Facts(links, firsts)
        made: list[tuple[CopyRow, list[Translation]]] = []
        for (statement, _), sig, (link, stored_in) in zip(items, sigs, linked, strict=True):
            fact_row, translations = (
                facts_of.found(statement, link.group_id) if link.kind == "first" else (None, [])
            )
            made.append((CopyRow(link, sig.minhash.tobytes(), stored_in, fact_row), translations))
            facts_of.add(link, fact_row)
        links.put_new_copies(made)
        return [row.link for row, _ in made]


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a batch is linked (on again after, unless
    it was off before): the batch's tens of thousands of rows, tuples and lists live until it
    ends and die by their counts, but while they live each collection they survive moves them
    a generation up, so that full collections of the whole process's objects came in the
    middle of the batch (about 0.13 of 3 CPU s a 1k added to a linked 1M archive). A batch
    makes no cycles of its own to collect; those of other threads wait until it ends."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class _BatchIndex:
    """The linker's `Index` while a batch of new copies is linked: the copies the store held
    before the batch that share an LSH bucket with any of them (read at once), and the
    batch's copies linked so far, each a row of a few arrays (its MinHash values, its words)."""

    def __init__(self, links: LinkStore, sigs: Sequence[Signature]) -> None:
        self.links = links
        self.first = links.first_with_keys([sig.exact for sig in sigs])
        """The first stored copy with each exact key: (seen, id) by key."""
        minhashes = np.array([sig.minhash for sig in sigs], np.uint32).reshape(len(sigs), NUM_PERM)
        self.keys_of = {
            sig.exact: list(keys)
            for sig, keys in zip(sigs, joined_buckets_of(minhashes), strict=True)
        }
        """The LSH buckets of the batch's texts by exact key (the same words, the same
        MinHash), made at once."""
        members, copies = self._stored_members(links, sigs)
        self.keys = [key for key, _, _, _ in copies]
        """Each copy's id by row: the stored ones', then the batch's in the order linked."""
        self.groups = [group for _, group, _, _ in copies]
        self.row_of = {key: row for row, key in enumerate(self.keys)}
        size = len(copies) + len(sigs)
        self.values = np.empty((size, NUM_PERM), dtype=np.uint32)
        self.values[: len(copies)] = np.frombuffer(
            b"".join(minhash for _, _, minhash, _ in copies), dtype=np.uint32
        ).reshape(len(copies), NUM_PERM)
        self.words = np.empty(size, dtype=np.int64)
        self.words[: len(copies)] = [count for _, _, _, count in copies]
        self.members: dict[bytes, list[int]] = {}
        """The rows of the copies in each bucket."""
        row_of = self.row_of
        for bucket, key in members:
            row = row_of.get(key)
            if row is not None:
                self.members.setdefault(bucket, []).append(row)

    def exact(self, key: str) -> str | None:
        found = self.first.get(key)
        return None if found is None else found[1]

    def candidates(self, sig: Signature) -> Candidates:
        """Copies sharing a bucket with `sig` whose length a copy of it may have (as
        `StoreIndex.candidates` reads them), in the order of their rows."""
        found = [self.members.get(bucket, ()) for bucket in self.buckets(sig)]
        rows = distinct(np.fromiter(itertools.chain.from_iterable(found), dtype=np.intp))
        wanted = comparable_words(sig.words)
        counts = self.words[rows]
        rows = rows[(counts >= wanted.start) & (counts < wanted.stop)]
        keys = [self.keys[row] for row in rows.tolist()]
        return keys, self.values[rows], self.words[rows].astype(np.uint32)

    def group(self, item: str) -> str:
        row = self.row_of.get(item)
        return self.groups[row] if row is not None else StoreIndex(self.links).group(item)

    def add(self, link: CopyLink, sig: Signature, found: Sequence[bytes]) -> None:
        """A copy of the batch just linked (`found`: the LSH buckets it is stored in)."""
        here = (link.seen, link.statement_id)
        self.first[link.exact_key] = min(self.first.get(link.exact_key, here), here)
        row = len(self.keys)
        self.keys.append(link.statement_id)
        self.groups.append(link.group_id)
        self.row_of[link.statement_id] = row
        self.values[row] = sig.minhash
        self.words[row] = link.words
        for bucket in found:
            self.members.setdefault(bucket, []).append(row)

    def buckets(self, sig: Signature) -> list[bytes]:
        """The LSH buckets of a text of the batch (`signing.buckets`)."""
        found = self.keys_of.get(sig.exact)
        return buckets(sig.minhash) if found is None else found

    def _stored_members(
        self, links: LinkStore, sigs: Sequence[Signature]
    ) -> tuple[list[tuple[bytes, str]], list[tuple[str, str, bytes, int]]]:
        """`LinkStore.bucket_rows` of the LSH buckets of texts long enough to be linked but
        exactly, for the numbers of words a copy of any of them may have (none: nothing
        read)."""
        signed = [sig for sig in sigs if sig.words >= MIN_WORDS]
        if not signed:
            return [], []
        ranges = [comparable_words(sig.words) for sig in signed]
        words = range(min(r.start for r in ranges), max(r.stop for r in ranges))
        return links.bucket_rows([bucket for sig in signed for bucket in self.buckets(sig)], words)


class _Facts:
    """The translations of a batch of new statements (those that are no copy): the statements
    the store held before the batch that share a fact bucket with any of them, in another
    language (read at once, with their fact codes), and the batch's statements linked so far."""

    def __init__(self, links: LinkStore, statements: Sequence[Statement]) -> None:
        self.links = links
        self.sequences: dict[str, tuple[str, ...]] = {}
        self.keys: dict[str, list[bytes]] = {}
        self.codes: dict[str, array[int]] = {}
        kept = [
            (statement, sequence)
            for statement in statements
            if statement.language and len(sequence := facts(statement.text)) >= MIN_FACTS
        ]
        values = shingle_minhashes([sequence for _, sequence in kept], FACT_SHINGLE)
        by_language: dict[str, list[int]] = {}
        for owner, ((statement, sequence), keys) in enumerate(
            zip(kept, joined_buckets_of(values, FACT_SPACE), strict=True)
        ):
            self.sequences[statement.id] = sequence
            self.keys[statement.id] = list(keys)
            self.codes[statement.id] = fact_codes(sequence)
            by_language.setdefault(str(statement.language), []).append(owner)
        self.groups: dict[str, str] = {}
        """The statement of each stored candidate kept (`_stored`) and of the batch's
        statements linked so far."""
        self.stored = self._stored(kept, by_language)
        """Each statement's stored candidates that may be translations, by id."""
        self.batch: dict[bytes, list[tuple[str, str]]] = {}
        """The batch's statements linked so far in each fact bucket, with their language."""

    def _stored(
        self,
        kept: Sequence[tuple[Statement, tuple[str, ...]]],
        by_language: dict[str, list[int]],
    ) -> dict[str, set[str]]:
        """The linked statements sharing a fact bucket with each new one (`kept`, numbered in
        `by_language`) whose fact codes may be those of a translation (`bulk.maybe`, all
        pairs at once: `bulk.maybe_pairs`; those whose codes are not known are kept), read
        with their codes a language at a time; the statements of those kept into `groups`."""
        keys: list[str] = []
        codes: list[bytes | None] = []
        owners: list[npt.NDArray[np.int64]] = [np.zeros(0, np.int64)]
        rows: list[npt.NDArray[np.int64]] = [np.zeros(0, np.int64)]
        for language, numbers in by_language.items():
            wanted = [(owner, self.keys[kept[owner][0].id]) for owner in numbers]
            found = self.links.fact_bucket_copies([b for _, ks in wanted for b in ks], language)
            if found:
                buckets, met, their_codes = zip(*found, strict=True)
                mine, theirs = _sharing(wanted, buckets)
                owners.append(mine)
                rows.append(theirs + len(keys))
                keys += met
                codes += their_codes
        mine, theirs = np.concatenate(owners), np.concatenate(rows)
        unknown = np.fromiter((value is None for value in codes), bool, len(codes))[theirs]
        passed = maybe_pairs(
            [self.codes[statement.id].tobytes() for statement, _ in kept],
            mine[~unknown],
            [value or b"" for value in codes],
            theirs[~unknown],
        )
        pairs = [
            (kept[owner][0].id, keys[row])
            for owner, row in itertools.chain(
                zip(mine[unknown].tolist(), theirs[unknown].tolist(), strict=True),
                zip(
                    mine[~unknown][passed].tolist(), theirs[~unknown][passed].tolist(), strict=True
                ),
            )
        ]
        if pairs:
            kept_ids = sorted({key for _, key in pairs})
            self.groups |= {k: group for k, (group, _) in self.links.linked_facts(kept_ids).items()}
        stored: dict[str, set[str]] = {statement.id: set() for statement, _ in kept}
        for statement_id, key in pairs:
            stored[statement_id].add(key)
        return stored

    def found(
        self, statement: Statement, group_id: str
    ) -> tuple[FactRow | None, list[Translation]]:
        """A new statement's facts (to store) and its translations: the statements in other
        languages carrying the same facts (none without a language or with too few facts).

        Statements that share its facts' buckets are read (a query per `READ` of them) only
        when linked, their language differs and their fact codes may be those of a
        translation (`bulk.maybe`).
        """
        sequence = self.sequences.get(statement.id)
        if sequence is None or not statement.language:
            return None, []
        language, codes = statement.language, self.codes[statement.id]
        keys = self.keys[statement.id]
        batch = {key for b in keys for key, theirs in self.batch.get(b, ()) if theirs != language}
        members = self.stored[statement.id] | {k for k in batch if maybe(codes, self.codes[k])}
        groups = {other_id: self.groups[other_id] for other_id in sorted(members)}
        found: list[Translation] = []
        for other in _read_link_texts(self.links, list(groups)):
            found += translations_of(statement, group_id, sequence, other, groups[other.id])
        return (language, keys, codes.tobytes()), found

    def add(self, link: CopyLink, fact_row: FactRow | None) -> None:
        """A statement of the batch just linked, with the facts stored for it."""
        if fact_row is None:
            return
        language, keys, _ = fact_row
        for bucket in keys:
            self.batch.setdefault(bucket, []).append((link.statement_id, language))
        self.groups[link.statement_id] = link.group_id


def _sharing(
    wanted: Sequence[tuple[int, Sequence[bytes]]], buckets: Sequence[bytes]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The distinct pairs (owner, row) that share a bucket, ordered by owner then row: each
    owner with its buckets (`wanted`), and each row met in `buckets[row]` (one of those).

    Example:
        >>> _sharing([(0, [b"a", b"b"]), (1, [b"b"])], [b"b", b"a", b"b"])
        (array([0, 0, 0, 1, 1]), array([0, 1, 2, 0, 2]))
    """
    number: dict[bytes, int] = {}
    owner_of: list[int] = []
    bucket_of: list[int] = []
    for owner, keys in wanted:
        for key in keys:
            owner_of.append(owner)
            bucket_of.append(number.setdefault(key, len(number)))
    found = np.fromiter(map(number.__getitem__, buckets), np.int64, len(buckets))
    counts = np.bincount(found, minlength=len(number))
    at = np.array(bucket_of, dtype=np.int64)
    owners = np.repeat(np.array(owner_of, dtype=np.int64), counts[at])
    members = np.argsort(found, kind="stable")[
        _ranges((np.cumsum(counts) - counts)[at], counts[at])
    ]
    width = max(len(buckets), 1)
    pairs = np.unique(owners * width + members)
    return pairs // width, pairs % width


def _stored_buckets(links: LinkStore, statement_id: str) -> list[bytes]:
    """The LSH buckets a linked copy may be stored in: those of its stored MinHash."""
    stored = links.copy_minhash(statement_id)
    return [] if stored is None else buckets(np.frombuffer(stored, dtype=np.uint32))


def _edited(existing: CopyLink, statement: Statement, links: LinkStore, sig: Signature) -> CopyLink:
    """The link of a copy whose text was edited: verified again against its statement."""
    link = replace(existing, exact_key=sig.exact, words=sig.words)
    if existing.kind == "first":
        return link
    found = find_copy(existing.statement_id, sig, StoreIndex(links), _texts_of(links, statement))
    if found is None or found.statement != existing.group_id:
        return link
    return replace(link, kind=found.kind, matched=found.matched, evidence=found.evidence)


def new_link(
    statement: Statement | LinkText,
    found: Link | None,
    sig: Signature,
    seen: str,
    sources: dict[str, Source],
) -> CopyLink:
    """The link of a copy not linked before: to the statement `found`, or a new statement."""
    return CopyLink(
        statement_id=statement.id,
        group_id=found.statement if found else statement.id,
        kind=found.kind if found else "first",
        matched=found.matched if found else None,
        evidence=found.evidence if found else "",
        exact_key=sig.exact,
        seen=seen,
        own_site=own_site(statement, sources),
        words=sig.words,
    )


def text_buckets(link: CopyLink, sig: Signature) -> list[bytes]:
    """The LSH buckets a copy is found by: none for an exact copy (its first copy is found)
    or a text too short to be linked but exactly (as `Linker` indexes them)."""
    return buckets(sig.minhash) if has_buckets(link) else []


def has_buckets(link: CopyLink) -> bool:
    """Whether a copy is stored in LSH buckets (`text_buckets`)."""
    return link.kind != "exact" and link.words >= MIN_WORDS


def translations_of(
    statement: Statement,
    group_id: str,
    sequence: tuple[str, ...],
    other: Statement | LinkText,
    other_group: str,
) -> list[Translation]:
    """Both directions of the translation link between two statements, if their facts agree."""
    if not other.language or not statement.language or other.language == statement.language:
        return []
    match = compare(sequence, facts(other.text))
    if match is None:
        return []
    return both_ways((group_id, statement.language), (other_group, other.language), match)


def both_ways(mine: tuple[str, str], theirs: tuple[str, str], match: Match) -> list[Translation]:
    """The translation link between two (group, language) statements, each way."""
    return [
        Translation(mine[0], theirs[0], theirs[1], match.confidence, match.evidence),
        Translation(theirs[0], mine[0], mine[1], match.confidence, match.evidence),
    ]


NEIGHBOURS = 10
"""Nearest vectors read for each statement when its translations are sought by meaning."""


def link_by_meaning(store: Store, ids: list[str]) -> int:
    """Link statements to their translations by sentence vectors; returns the pairs linked.

    A statement (its first copy, with a vector from `communique embed`) and a statement in
    another language are translations when each is the other's nearest in its language
    and their vectors are similar enough (`translations.by_meaning`). Pairs already linked
    by their facts keep that evidence.
    """
    links = links_or_none(store)
    if links is None:
        return 0
    found = 0
    for statement_id in ids:
        mine = _first_copy(store, statement_id)
        if mine is None:
            continue
        for other_id, cosine in _best_per_language(store, statement_id, mine):
            theirs = _first_copy(store, other_id)
            if theirs is None or theirs[0] in {t.other_group for t in links.translations(mine[0])}:
                continue
            back = dict(_best_per_language(store, other_id, theirs))
            mutual = any(_group(store, i) == mine[0] for i in back if i == statement_id)
            match = by_meaning(cosine, mutual, embeddings.MODEL)
            if match is None:
                continue
            found += 1
            links.put_translations(both_ways(mine, theirs, match))
    return found


def _first_copy(store: Store, statement_id: str) -> tuple[str, str] | None:
    """(group, language) of a statement's first copy with a language, else None."""
    link = links_of(store).get_copy(statement_id)
    if link is None or link.kind != "first":
        return None
    language = store.get_statement(statement_id).language
    return (link.group_id, language) if language else None


def _group(store: Store, statement_id: str) -> str:
    link = links_of(store).get_copy(statement_id)
    return link.group_id if link else statement_id


def _best_per_language(
    store: Store, statement_id: str, mine: tuple[str, str]
) -> list[tuple[str, float]]:
    """The nearest first copy in each other language (other statements only)."""
    best: dict[str, tuple[str, float]] = {}
    for other_id, cosine in semantic.neighbours(store, statement_id, NEIGHBOURS):
        other = _first_copy(store, other_id)
        if other is None or other[1] == mine[1] or other[0] == mine[0] or other[1] in best:
            continue
        best[other[1]] = (other_id, cosine)
    return list(best.values())


def _texts_of(links: LinkStore, statement: Statement) -> TextsOf:
    """Texts of stored statements read from the store; `statement`'s own from memory."""

    def texts_of(keys: list[str]) -> list[str]:
        found = _read_texts(links, [key for key in keys if key != statement.id])
        return [statement.text if key == statement.id else found[key] for key in keys]

    return texts_of


READ = 500
"""Texts read from the store in one query."""


def _read_texts(links: LinkStore, keys: list[str]) -> dict[str, str]:
    """The texts of these statements by id, a query per `READ` of them."""
    found: dict[str, str] = {}
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), READ):
        found |= links.statement_texts(unique[start : start + READ])
    return found


def _read_link_texts(links: LinkStore, keys: list[str]) -> list[LinkText]:
    """What linking reads of these statements, in order, a query per `READ` of them."""
    return [
        text
        for start in range(0, len(keys), READ)
        for text in links.link_texts(keys[start : start + READ])
    ]


BATCH = 2000
"""Statements read, prepared by the workers and written at a time by `relink`."""
ALONE = 4 * BATCH
"""Archives with fewer statements than this are relinked without worker processes."""


def relink(
    store: Store,
    progress: Callable[[int, int, str], None] | None = None,
    processes: int | None = None,
) -> tuple[int, int]:
    """Rebuild every link from the stored texts, first captured first.

    Texts are read a batch at a time. `processes` worker processes (None: one per core, none
    for a small archive) sign them and take their facts, then verify each text against its
    candidates, which this process finds in memory (`Linker`, `FactIndex`); it applies the
    verdicts in order, so that the links are those linking each copy on ingest gives.
    Returns (copies, statements): how many copies were linked into how many statements.
    Until it returns the store holds it unfinished (`Store.unfinished_work`): a relink cut
    short leaves the archive unlinked (the copies' links are written at its end), and the
    next one links it all again.
    """
    links = links_of(store)
    store.start_work("relink")
    links.start_relink()
    sources = {s.name: s for s in store.sources()}
    order = links.link_order()
    if processes is None:
        processes = 0 if len(order) < ALONE else os.cpu_count() or 1
    location = links.location() if processes else None
    with _staging(location) as stage, Workers(processes) as workers:
        relinking = _Relinking(links, sources, workers, location, stage)
        batches = _in_order(links, order)
        work = functools.partial(prepare, stage=stage)
        for done, (items, prepared) in enumerate(pipelined(work, batches, _text, workers)):
            if progress:
                progress(done * BATCH, len(order), items[0][0].id)
            relinking.link_batch(items, prepared)
        relinking.finish()
    links.finish_relink()
    if store.vector_count(embeddings.MODEL):
        link_by_meaning(store, [statement_id for statement_id, _ in order])
    store.finish_work("relink")
    if progress:
        progress(len(order), len(order), "")
    return len(order), len(relinking.groups)


Item = tuple[LinkText, str]
"""A statement to link (what linking reads of it) and when it was first captured."""


@contextlib.contextmanager
def _staging(location: str | None) -> Iterator[str | None]:
    """A folder where a relink's workers stage the words of the texts they prepare
    (`bulk.stage_words`: 8 bytes a word, about 2.4 GB for the 1M bench archive), removed
    at its end: beside a SQLite archive (`.NAME.relink-words-*`), else in the temporary
    folder (named by a digest of the store's location); None without workers that read the
    store (`location`). The folders a killed relink left are removed first: the caller
    holds the relink lock, so no other relink of this archive stages in them."""
    if location is None:
        yield None
        return
    archive = Path(location)
    if archive.is_file():
        parent, prefix = archive.parent, f".{archive.name}.relink-words-"
    else:
        digest = hashlib.blake2b(location.encode(), digest_size=6).hexdigest()
        parent, prefix = Path(tempfile.gettempdir()), f"communique-relink-words-{digest}-"
    for left in parent.glob(f"{glob.escape(prefix)}*"):
        shutil.rmtree(left, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix=prefix, dir=parent) as folder:
        yield folder


def _in_order(links: LinkStore, order: list[tuple[str, str]]) -> Iterator[list[Item]]:
    """The statements in `order` with their first capture, a batch (one query) at a time."""
    for start in range(0, len(order), BATCH):
        part = order[start : start + BATCH]
        found = {s.id: s for s in links.link_texts([key for key, _ in part])}
        yield [(found[key], seen) for key, seen in part if key in found]


def _text(item: Item) -> str:
    return item[0].text


@dataclass
class _Planned:
    """A batch whose candidates are found, waiting for the workers' verdicts."""

    items: list[Item]
    prepared: list[Prepared]
    plans: list[Plan]
    verdicts: Callable[[], list[list[Found]]]


class _Relinking:
    """The state of one `relink`: copies and facts in memory, the batch being verified.

    With worker processes and a store they can open (`location`), the workers stage the
    words of the texts they prepare and verify on them (`verify_staged`): this process
    sends each text's candidates by id, with where their words were staged.
    """

    def __init__(
        self,
        links: LinkStore,
        sources: dict[str, Source],
        workers: Workers,
        location: str | None = None,
        stage: str | None = None,
    ) -> None:
        self.links, self.sources, self.workers = links, sources, workers
        self.location, self.stage = location, stage
        self.files: dict[str, int] = {}
        """The files the workers staged words in, numbered (`bulk.places`)."""
        self.linker = Linker(self._texts_of)
        self.facts = FactIndex()
        self.groups: set[str] = set()
        self.pending: _Planned | None = None

    def _texts_of(self, keys: list[str]) -> list[str]:
        """Texts of many statements, read from the store."""
        found = _read_texts(self.links, keys)
        return [found[key] for key in keys]

    def link_batch(self, items: list[Item], prepared: list[Prepared]) -> None:
        """Find the batch's candidates and start verifying them, then link the batch before
        (its verdicts were worked out meanwhile)."""
        signed = SignedBatch.joined([part.signed for part in prepared])
        at = self._places(prepared)
        plans = self.linker.plan_batch([statement.id for statement, _ in items], signed, at)
        verdicts = self._verify(items, plans, at, signed.words)
        self.finish()
        self.pending = _Planned(items, prepared, plans, verdicts)

    def _places(self, prepared: list[Prepared]) -> npt.NDArray[np.int64] | None:
        """Where the words of a batch's texts were staged (`bulk.places`), if they were."""
        if any(part.staged is None for part in prepared):
            return None
        found = []
        for part in prepared:
            path, offset = part.staged or ("", 0)
            number = self.files.setdefault(path, len(self.files))
            found.append(places(number, offset, part.signed.words))
        return np.concatenate(found)

    def _verify(
        self,
        items: list[Item],
        plans: list[Plan],
        at: npt.NDArray[np.int64] | None,
        words: list[int],
    ) -> Callable[[], list[list[Found]]]:
        """Start verifying each text that has candidates against them (`first_copies`): on
        their staged words where the batch's were staged (`at`, `words` each: every batch of
        a relink whose workers read the store), else on texts this process reads."""
        planned = [
            (statement.text, plan) for (statement, _), plan in zip(items, plans, strict=True)
        ]
        if self.location is not None and at is not None:
            staged = [
                (text, plan.chosen, plan.apart, ((int(place), words), *plan.staged))
                for (text, plan), place, words in zip(planned, at.tolist(), words, strict=True)
                if plan.chosen
            ]
            paths = tuple(self.files)
            return self.workers.start(
                functools.partial(verify_staged, self.location, paths), staged
            )
        recent = {statement.id: statement.text for statement, _ in items}
        needed = {key for plan in plans for key in (*plan.chosen, *plan.apart)}
        wanted = sorted(needed - recent.keys())
        recent |= dict(zip(wanted, self._texts_of(wanted), strict=True))
        work = [
            (text, [recent[key] for key in plan.chosen], [recent[key] for key in plan.apart])
            for text, plan in planned
            if plan.chosen
        ]
        return self.workers.start(first_copies, work)

    def finish(self) -> None:
        """Link the batch being verified, if any."""
        if self.pending is not None:
            self._apply(self.pending)
            self.pending = None

    def _apply(self, batch: _Planned) -> None:
        """Link a verified batch in order and write its links in one transaction."""
        verdicts = iter(found for part in batch.verdicts() for found in part)
        signed = (sig for part in batch.prepared for sig in part.signed.signatures())
        made = zip(
            joined_buckets_of(np.concatenate([part.signed.minhashes for part in batch.prepared])),
            joined_buckets_of(
                np.concatenate([part.fact_minhashes for part in batch.prepared]), FACT_SPACE
            ),
            strict=True,
        )
        facts_of = (
            (part.facts[row], part.fact_bands[row], part.fact_codes[row])
            for part in batch.prepared
            for row in range(len(part.facts))
        )
        rows, new = [], []
        for (statement, seen), plan, sig, (sequence, fact_bands, codes), (keys, fact_keys) in zip(
            batch.items, batch.plans, signed, facts_of, made, strict=True
        ):
            found = self.linker.apply(plan, next(verdicts) if plan.chosen else None)
            link = new_link(statement, found, sig, seen, self.sources)
            self.groups.add(link.group_id)
            fact_row: FactRow | None = None
            if link.kind == "first" and statement.language and len(sequence) >= MIN_FACTS:
                new.append(_NewFacts(statement.id, statement.language, sequence, fact_bands, codes))
                fact_row = (statement.language, fact_keys, codes.tobytes())
            rows.append(
                CopyRow(link, sig.minhash.tobytes(), keys if has_buckets(link) else [], fact_row)
            )
        self.links.put_copies(rows)
        self.links.put_translations(self._translations(new))

    def _translations(self, new: list[_NewFacts]) -> list[Translation]:
        """The translations of a batch's new statements (each finds those before it), their
        candidates found at once: texts are read in one query and their facts taken once."""
        if not new:
            return []
        wanted = self.facts.extend(
            [mine.id for mine in new],
            [mine.language for mine in new],
            np.stack([mine.bands for mine in new]),
            [mine.codes for mine in new],
        )
        sequences = {mine.id: mine.sequence for mine in new}
        outside = sorted({key for found in wanted for key, _ in found} - sequences.keys())
        sequences |= {key: facts(text) for key, text in _read_texts(self.links, outside).items()}
        translations = []
        for mine, found in zip(new, wanted, strict=True):
            for key, language in found:
                match = compare(mine.sequence, sequences[key]) if key in sequences else None
                if match is not None:
                    translations += both_ways((mine.id, mine.language), (key, language), match)
        return translations


_READERS: dict[str, LinkStore] = {}
"""The stores a worker process has opened to read texts, by location."""


def _reader(location: str) -> LinkStore:
    """The store at `location`, opened once by this process for reading."""
    links = _READERS.get(location)
    if links is None:
        links = _READERS[location] = links_of(open_store(location, read_only=True))
    return links


_STAGED = StagedWords()
"""The staged words this process reads (`verify_staged`)."""


StagedWork = tuple[str, tuple[str, ...], tuple[str, ...], tuple[tuple[int, int], ...]]
"""A text to verify (`verify_staged`): the text, its candidates and neighbours by id, and
where the words of each were staged with their numbers of words (`bulk.places`), the
text's own first, then the candidates', then the neighbours'."""


def verify_staged(location: str, paths: tuple[str, ...], work: list[StagedWork]) -> list[Found]:
    """`first_copies` of texts (each with its candidates and neighbours apart by id) on their
    staged words (`bulk.stage_words`, in the files `paths` numbers): each text is compared
    with its candidates on their words' hashes read where they were staged, not on their
    texts split again; a candidate's text is read from the store at `location` (opened once
    for reading) only where its words as written are needed (where two texts differ between
    shared words in a stretch that may be a swap), and the neighbours' words only for a text
    with a candidate that passes `verify` (run in worker processes by `relink`)."""
    links = _reader(location)
    _STAGED.paths = paths
    found: list[Found] = []
    for text, chosen, apart, staged in work:
        mine = Staged(_STAGED(*staged[0]), functools.partial(_same, text))
        theirs = _staged(links, chosen, staged[1 : 1 + len(chosen)])
        neighbours = functools.partial(_staged, links, apart, staged[1 + len(chosen) :])
        found.append(first_copy(mine, theirs, neighbours))
    return found


def _same(text: str) -> str:
    return text


def _staged(
    links: LinkStore, keys: Sequence[str], places: Sequence[tuple[int, int]]
) -> list[Staged]:
    """Staged texts by id, their words read (`_STAGED`), their texts when asked."""
    return [
        Staged(_STAGED(*place), functools.partial(_stored_text, links, key))
        for key, place in zip(keys, places, strict=True)
    ]


def _stored_text(links: LinkStore, key: str) -> str:
    return links.statement_texts([key])[key]


@dataclass(frozen=True)
class _NewFacts:
    """A new statement's facts, which its translations are found by."""

    id: str
    language: str
    sequence: tuple[str, ...]
    bands: npt.NDArray[np.uint64]
    codes: array[int]


@dataclass(frozen=True)
class TranslationView:
    """A statement in another language linked to this one, as `show` and the page list it."""

    other_group: str
    """The other statement's id."""
    language: str | None
    confidence: float
    evidence: str
    title: str
    """The other statement's title ("" when its text is gone)."""
    url: str


@dataclass(frozen=True)
class Linked:
    """A statement with all its copies, translations and the edits of its copies."""

    statement_id: str
    canonical: str
    copies: tuple[StatementCopy, ...]
    translations: tuple[TranslationView, ...]
    versions: tuple[Version, ...]

    def also_at(self, statement_id: str) -> tuple[str, ...]:
        """The sites (host names) of the copies other than `statement_id`, each once."""
        others = (c.url for c in self.copies if c.id != statement_id)
        return tuple(dict.fromkeys(map(_host, others)))


def linked(store: Store, statement_id: str) -> Linked:
    """The statement carried by the copy `statement_id`, with its copies and translations.

    Example:
        >>> from communique.store.base import open_store
        >>> linked(open_store(":memory:"), "0" * 16).copies
        Traceback (most recent call last):
        ...
        communique.errors.NotFound: no statement 0000000000000000
    """
    statement = store.get_statement(statement_id)
    links = links_or_none(store)
    link = links.get_copy(statement_id) if links else None
    if links is None or link is None:
        versions = tuple(store.versions(statement_id))
        view = StatementCopy(
            statement.id,
            statement.url,
            statement.source,
            "",
            "first",
            True,
            False,
            "",
            len(versions),
        )
        return Linked(statement.id, statement.id, (view,), (), versions)
    copies = links.copies(link.group_id)
    canonical = store.get_statement(copies[0].statement_id)
    views: list[StatementCopy] = []
    edits: list[Version] = []
    for copy in copies:
        text = (
            canonical
            if copy.statement_id == canonical.id
            else store.get_statement(copy.statement_id)
        )
        own = tuple(store.versions(copy.statement_id))
        edits.extend(own)
        views.append(
            StatementCopy(
                copy.statement_id,
                text.url,
                text.source,
                copy.seen,
                copy.kind,
                copy.statement_id == canonical.id,
                copy.own_site,
                "" if text is canonical else differs(canonical.text, text.text),
                len(own),
            )
        )
    edits.sort(key=lambda v: (v.fetched_at, v.statement_id))
    return Linked(
        link.group_id,
        canonical.id,
        tuple(views),
        tuple(_translation_view(store, t) for t in links.translations(link.group_id)),
        tuple(edits),
    )


def _translation_view(store: Store, translation: Translation) -> TranslationView:
    try:
        other = store.get_statement(translation.other_group)
    except NotFound:
        title, url = "", ""
    else:
        title, url = other.title, other.url
    return TranslationView(
        translation.other_group,
        translation.language,
        translation.confidence,
        translation.evidence,
        title,
        url,
    )


def _host(url: str) -> str:
    """The host of a copy's URL, or the URL itself (a file ingested from disk)."""
    return urlsplit(url).hostname or url


@dataclass(frozen=True)
class SideBySide:
    """Two statements (a statement and its translation) to read side by side."""

    left: Statement
    right: Statement
    link: TranslationView | None
    """How they are linked as translations, if they are."""
    rows: tuple[tuple[str, str], ...]
    """Their paragraphs in order, row by row ("" where one text has fewer)."""


def side_by_side(store: Store, statement_id: str, other_id: str) -> SideBySide:
    """A statement and another (its translation) with their paragraphs row by row.

    Translations keep their paragraphs, so that the n-th of one faces the n-th of the other.

    Example:
        >>> from communique.store.base import open_store
        >>> side_by_side(open_store(":memory:"), "0" * 16, "1" * 16)
        Traceback (most recent call last):
        ...
        communique.errors.NotFound: no statement 0000000000000000
    """
    left, right = store.get_statement(statement_id), store.get_statement(other_id)
    other_group = _group(store, other_id) if links_or_none(store) else other_id
    link = next(
        (t for t in linked(store, statement_id).translations if t.other_group == other_group),
        None,
    )
    rows = itertools.zip_longest(left.paragraphs, right.paragraphs, fillvalue="")
    return SideBySide(left, right, link, tuple(rows))


def copy_versions(
    found: Linked, viewed: str
) -> list[tuple[StatementCopy, list[tuple[Version, str | None]]]]:
    """Every copy of the statement that was edited, the viewed one first, with its diffs.

    Each copy's versions are compared with that copy's version before (never with
    another copy's, whose chrome differs).
    """
    edited = []
    for copy in sorted(found.copies, key=lambda c: c.id != viewed):
        own = [v for v in found.versions if v.statement_id == copy.id]
        if len(own) > 1:
            edited.append((copy, version_diffs(own)))
    return edited


def linked_dict(found: Linked) -> dict[str, object]:
    """The JSON form of a statement's links (as `show --json` and the API give them)."""
    return {
        "statement_id": found.statement_id,
        "canonical": found.canonical,
        "copies": [vars(c) for c in found.copies],
        "translations": [vars(t) for t in found.translations],
        "versions": [
            {
                "statement_id": v.statement_id,
                "capture_id": v.capture_id,
                "fetched_at": v.fetched_at.isoformat(),
                "title": v.title,
            }
            for v in found.versions
        ],
    }


def differs(canonical: str, copy: str, shown: int = 2) -> str:
    """What a copy has that the canonical copy lacks, and the reverse, in a line.

    Example:
        >>> differs("Text of it.\\n\\nEnd.", "Home | News\\n\\nText of it.\\n\\nEnd.")
        "+1 line ('Home | News')"
    """
    ours = [line.strip() for line in canonical.splitlines() if line.strip()]
    theirs = [line.strip() for line in copy.splitlines() if line.strip()]
    if " ".join(ours).split() == " ".join(theirs).split():
        return "same words"
    matcher = difflib.SequenceMatcher(None, ours, theirs, autojunk=False)
    added = [
        line
        for tag, _, _, j1, j2 in matcher.get_opcodes()
        if tag in ("insert", "replace")
        for line in theirs[j1:j2]
    ]
    missing = [
        line
        for tag, i1, i2, _, _ in matcher.get_opcodes()
        if tag in ("delete", "replace")
        for line in ours[i1:i2]
    ]
    parts = []
    for sign, lines in (("+", added), ("−", missing)):
        if lines:
            sample = ", ".join(repr(_clip(line)) for line in lines[:shown])
            noun = "line" if len(lines) == 1 else "lines"
            parts.append(f"{sign}{len(lines)} {noun} ({sample})")
    return "; ".join(parts) or "wrapped differently"


def _clip(line: str, size: int = 40) -> str:
    return line if len(line) <= size else line[: size - 1] + "…"
