"""`SearchIndex` on tantivy: BM25 over words, fast fields for filters, facets, dates.

One document a statement: `title` and `text` as words (phrases, prefixes; the title weighted),
`cjk` with one token a Chinese or Japanese character, raw fields for filters and facets, and two
integer keys that order by date with the store's key as tie-break, so that a date-ordered cursor
is one number. A query word also matches the other forms of its stem in each statement's
language: the forms are found in the index's word list when the query is compiled, or, for the
few languages whose forms do not share a beginning, in a `stem_<stemmer>` field of stems.
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import shutil
import tempfile
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cache, partial
from pathlib import Path
from typing import Any

import tantivy

from communique import budget as budgets
from communique.errors import QueryError, StoreError
from communique.query import Filters, Order, Query, Term
from communique.store import analysis
from communique.store.kept import Kept
from communique.store.search_index import (
    FACET_LIMIT,
    IndexDoc,
    IndexHit,
    IndexPage,
    Interval,
    Restriction,
    decode_cursor,
    encode_cursor,
)

SCHEMA_VERSION = "6"
TITLE_WEIGHT = 4.0
FACET_FIELDS = {
    "issuer": "issuer",
    "country": "country",
    "language": "language",
    "type": "doc_type",
    "year": "year",
    "mentions": "mentions",
    "place": "place",
}
"""Facet name (as `SearchPage.facets` names it) -> index field."""
_TOTAL_FACET = "type"
"""The facet whose counts sum to the number of matches: every statement has one value in its
field (`_NONE` when it has no type), so the facet pass counts the matches too, with no column
read for the count alone (a `value_count` of the keys took a quarter of the pass at 1M)."""
_SPARSE_FACETS = ("mentions", "place")
"""Facets over fields a statement may have no value in: an archive without enrichment has
none in any statement, and their aggregations are skipped until a value appears."""
_RAW_FIELDS = (*FACET_FIELDS.values(), "source", "month", "place_key", "copy")
_NONE = "\ue000"
"""The value a single-valued facet field holds when a statement has none (a private-use
character no filter names): tantivy reads a column that every document fills about six times
faster than one with gaps (0.45 against 2.8 ms for 300,000 documents), and facets read one
such column for each match. Left out of every facet and count."""
_OTHER_COPY = "other"
"""The `copy` of a statement that is not its group's canonical copy."""
_UNDATED_LAST = 1 << 30
"""Day number above any date's, so that undated statements sort after dated ones."""
_FACET_SIZE = FACET_LIMIT * 4
_HEAP = 512_000_000
"""The index writer's memory budget (taken only as a large write needs it): a bulk load or
rebuild then makes few large segments, and merging them costs less."""
_SEGMENT_SIZE = 1_000_000
"""Terms counted per segment before merging: above any facet's number of values, so exact."""
_WORD_FIELDS = (("title", TITLE_WEIGHT), ("text", 1.0))
_LONGEST_SUFFIX = 12
"""Letters a Snowball stemmer removes from a word at most (Russian 'ованиями' has 8)."""
_RECENT_QUERIES = 64
"""Queries whose counts and ranking the index keeps for their cursor pages."""
_RECENT_WORDS = 1024
"""Query words whose indexed forms the index keeps while it is unchanged."""
_PREFIX_WORDS = 64
"""A prefix with at most this many words in a field is matched as those words, each ranked as
a word is (BM25); a wider one as the set of every statement with one of its words, all ranked
alike, which costs what its matches do however many words it has: at 300,000 statements,
`co*` (1,687 words) as its words took 2-3 times as long, `comm*` (140) and `sustain*` (14) as
long or less (min of 15, load 10-17)."""
_LONGEST_WINDOW = 5_000
"""Ranked hits kept for a query at most (a page past them is ranked alone, as a first page is
but deeper: the windows of 64 queries hold some 50 MB at most)."""
_FIRST_WINDOW = 200
"""Hits ranked at once for the first cursor page of a query by relevance; a page past the
window ranks twice as many as it needs, so paging to hit n ranks about log2(n / 200) times."""


_BOUNDED_PHRASE = 20_000
"""A search by relevance with a phrase whose rarest word is in more statements than this is
ranked by its phrases' bounds (`_Shape`): tantivy ranks a phrase by scoring every statement
that holds it, reading the positions of its words in each (at 1M, `"united nations"` in
455,944 statements: 47 ms of CPU for a page, 14 from the bounds)."""
_BOUND_BATCH = 64
"""Statements a bounded ranking takes at first from the best bounds down (then twice as many
each time)."""
_BOUND_TRIED = 4096
"""Statements a bounded ranking checks at most before it ranks by the phrases themselves
(a phrase of words that are often apart, such as `"of the"`, has loose bounds)."""
_BOUND_MARGIN = 1.0001
"""A bound's boost raised a little above the ratio of the idfs, for tantivy's 32-bit floats."""
_SAMPLES = 64
"""Each statement is in one of this many samples (`sample`, by a hash of its key)."""
_SAMPLED_PHRASE = 100_000
"""A search with a phrase whose rarest word is in more statements than this counts its
matches and facets in a sample of the archive (`_SAMPLE_TEXTS`): counting checks the
positions of the phrase's words in every statement holding them all (at 1M, `"united
nations"`: 455,944 matches, 47 ms of CPU)."""
_SAMPLE_TEXTS = 30_000
"""Statements holding a sampled phrase's rarest word that its sample is sized to hold."""
_MIN_SAMPLED = 1_000
"""Fewest matches a sample's counts are scaled from (a facet value with a tenth of the
matches to about ±10%); a sample holding fewer (a filter, or a phrase whose words are mostly
apart) is followed by counting every match."""


class IndexBusy(StoreError):
    """Another process is writing the index; it will index what is pending."""


def _schema() -> Any:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("key", indexed=True, fast=True)
    builder.add_text_field("title", tokenizer_name="words")
    builder.add_text_field("text", tokenizer_name="words")
    builder.add_text_field("cjk", tokenizer_name="cjk")
    for stemmer in sorted(analysis.indexed_stemmers()):
        name = analysis.stem_field(stemmer)
        builder.add_text_field(name, tokenizer_name=name, index_option="freq")
    for name in _RAW_FIELDS:
        builder.add_text_field(name, tokenizer_name="raw", fast=name not in ("place_key", "copy"))
    builder.add_text_field("sample", tokenizer_name="raw")
    builder.add_integer_field("day", indexed=True, fast=True)
    builder.add_integer_field("day_end", indexed=True, fast=True)
    builder.add_integer_field("newest", fast=True)
    builder.add_integer_field("oldest", fast=True)
    return builder.build()


class TantivyIndex:
    """A tantivy index in a folder (or in memory when `path` is None).

    Example:
        >>> index = TantivyIndex(None)
        >>> index.write([IndexDoc(1, "Victory Day", "Shusha was liberated.")])
        >>> from communique.query import parse_query
        >>> [h.key for h in index.search(parse_query("liberated"), Restriction(), None, 5).hits]
        [1]
    """

    def __init__(self, path: Path | None, stamp: str = "", read_only: bool = False) -> None:
        self.path = path
        self._schema = _schema()
        self._lock = threading.Lock()
        self.fresh = False
        """True when the index was created (or recreated) empty on opening."""
        self._valued: set[str] = set()
        """The sparse facets' fields seen with a value (values, once seen, are not rechecked)."""
        self.folder = path
        """Where tantivy has the index open: `path`, or a read-only index's view of it."""
        self._remove_view: Callable[[], object] | None = None
        """Removes a read-only index's view, on closing or when the index is collected."""
        self._generation = 0
        """Commits made by this process (another process's show in the index's meta file)."""
        self._state: tuple[int, ...] = (0,)
        self._recent: Kept[Any] = Kept(_RECENT_QUERIES)
        self._forms: Kept[frozenset[str]] = Kept(_RECENT_WORDS)
        self._prefixes: Kept[_Prefixed] = Kept(_RECENT_WORDS)
        meta = {
            "schema": SCHEMA_VERSION,
            "analysis": analysis.ANALYSIS_VERSION,
            "store": stamp,
            "stems": " ".join(sorted(analysis.indexed_stemmers())),
        }
        if path is None:
            self._index = tantivy.Index(self._schema)
            self.fresh = True
        elif read_only:
            self._index = self._open_view(path, meta)
        else:
            self._index = self._open_dir(path, meta)
        for name, analyzer in analysis.analyzers().items():
            self._index.register_tokenizer(name, analyzer)

    def _open_dir(self, path: Path, meta: dict[str, str]) -> Any:
        meta_file = path / "communique.json"
        with _exclusive(path.with_name(path.name + ".lock")):
            same = _holds(path, meta)
            if not same and path.exists():
                shutil.rmtree(path)
            path.mkdir(parents=True, exist_ok=True)
            index = self._open(path, path)
            if not same:
                meta_file.write_text(json.dumps(meta))
                self.fresh = True
        return index

    def _open_view(self, path: Path, meta: dict[str, str]) -> Any:
        """A read-only archive's index, read where it lies.

        tantivy takes a lock file beside an index even to read it, so the index's files are
        linked (not copied) into a temporary folder that holds the locks; what this process
        writes (statements queued but not indexed, or a whole index when the archive's is
        missing or stale) goes there too, and the folder is removed on closing.
        """
        view = self.folder = Path(tempfile.mkdtemp(prefix="communique-index-"))
        self._remove_view = weakref.finalize(self, shutil.rmtree, view, True)
        if _holds(path, meta) and (path / "meta.json").is_file():
            for file in path.iterdir():
                if file.is_file() and not file.name.endswith(".lock"):
                    (view / file.name).symlink_to(file.resolve())
        else:
            self.fresh = True
        return self._open(view, path)

    def _open(self, folder: Path, path: Path) -> Any:
        """The tantivy index in `folder` (`path`'s, as errors name it)."""
        try:
            return tantivy.Index(self._schema, str(folder), reuse=True)
        except (OSError, ValueError) as exc:
            raise StoreError(f"cannot open search index {path}: {exc}") from exc

    # writing

    def write(
        self, docs: Iterable[IndexDoc], deleted: Iterable[int] = (), new_above: int | None = None
    ) -> None:
        """Add or replace `docs`, remove `deleted`; keys above `new_above` are only added."""
        with self._lock:
            writer = self._writer()
            try:
                for key in deleted:
                    writer.delete_documents_by_term("key", key)
                for doc in docs:
                    if new_above is None or doc.key <= new_above:
                        writer.delete_documents_by_term("key", doc.key)
                    writer.add_document(self._document(doc))
                writer.commit()
            except BaseException as exc:
                writer.rollback()
                if isinstance(exc, (OSError, ValueError)):  # tantivy's IO errors
                    raise _write_error(self.path, exc) from exc
                raise
            finally:
                writer.wait_merging_threads()
            self._reload()

    def clear(self) -> None:
        with self._lock:
            writer = self._writer()
            writer.delete_all_documents()
            writer.commit()
            writer.wait_merging_threads()
            self._reload()

    def _reload(self) -> None:
        """Search what was just committed; what was counted or ranked before is stale."""
        self._generation += 1
        self._index.reload()
        self._state = (self._generation, *self._meta_state())

    def _writer(self) -> Any:
        try:
            return self._index.writer(heap_size=_HEAP, num_threads=2)
        except ValueError as exc:
            if "lock" in str(exc).lower():
                raise IndexBusy(
                    f"search index {self.path} is being written by another process"
                ) from exc
            raise

    def _document(self, doc: IndexDoc) -> Any:
        title = analysis.fold(doc.title)
        text = analysis.fold(doc.text)
        out = tantivy.Document()
        out.add_integer("key", doc.key)
        out.add_text("sample", str(_sample_of(doc.key)))
        if analysis.has_cjk(title) or analysis.has_cjk(text):
            title = analysis.segment(title, doc.language)
            text = analysis.segment(text, doc.language)
            out.add_text("cjk", f"{title}\n{text}")
        out.add_text("title", title)
        out.add_text("text", text)
        stemmer = analysis.stemmer_of(doc.language)
        if stemmer in analysis.indexed_stemmers():
            out.add_text(analysis.stem_field(stemmer), f"{title}\n{text}")
        published = doc.published
        year = f"{published.year:04d}" if published else None
        for name, value in (
            ("issuer", doc.issuer),
            ("country", doc.country),
            ("language", doc.language),
            ("doc_type", doc.doc_type),
            ("source", doc.source),
            ("year", year),
            ("month", f"{year}-{published.month:02d}" if published else None),
        ):
            out.add_text(name, value or _NONE)
        for name, values in (
            ("mentions", doc.mentions),
            ("place", doc.places),
            ("place_key", doc.place_keys),
        ):
            for value in dict.fromkeys(values):
                out.add_text(name, value)
        if doc.other_copy:
            out.add_text("copy", _OTHER_COPY)
        day = published.toordinal() if published else None
        if published and day:
            out.add_integer("day", day)
            out.add_integer("day_end", (doc.published_end or published).toordinal())
        out.add_integer("newest", ((day or 0) << 32) | doc.key)
        out.add_integer("oldest", ((day or _UNDATED_LAST) << 32) | doc.key)
        return out

    # reading

    def _searcher(self) -> tuple[Any, tuple[int, ...]]:
        """The searcher of the index's last commit and a stamp of that commit (what is kept
        for cursor pages is valid while the stamp stays the same; a later commit's is greater:
        this process's commits count first, then the meta file's time).

        A commit of another process changes the index's meta file: the reader is reloaded at
        once then (it would otherwise notice only when it next polls the file).
        """
        state = (self._generation, *self._meta_state())
        if state != self._state:
            self._index.reload()
            self._state = state
        return self._index.searcher(), state

    def _meta_state(self) -> tuple[int, ...]:
        """Time, inode and size of the meta file tantivy replaces at each commit (none for an
        index in memory or a read-only view, which only this process writes)."""
        if self.path is None or self._remove_view is not None:
            return ()
        try:
            meta = os.stat(self.path / "meta.json")
        except OSError:
            return ()
        return (meta.st_mtime_ns, meta.st_ino, meta.st_size)

    def count(self) -> int:
        return int(self._searcher()[0].num_docs)

    def max_key(self) -> int:
        spec = {"top": {"max": {"field": "key"}}}
        searcher = self._searcher()[0]
        value = searcher.aggregate(tantivy.Query.all_query(), spec)["top"]["value"]
        return -1 if value is None else int(value)

    def search(
        self, query: Query, restriction: Restriction, cursor: str | None, limit: int
    ) -> IndexPage:
        """One page with the total and facets of every match.

        While the index is unchanged, a cursor page takes the total and facets its first page
        counted, and a page by relevance its hits from a window of them ranked for an earlier
        cursor page: a deep page costs what a first page does, or less.
        """
        if limit < 1:
            raise QueryError("limit must be at least 1", parameter="limit")
        searcher, state = self._searcher()
        order = query.effective_order
        counting = ("counted", replace(query, order=Order.RELEVANCE), restriction)
        counted: _Counted | None = self._recent.get(counting, state) if cursor else None
        compiled = cache(partial(self._compile, searcher, query, restriction, state))
        phrase_texts = cache(partial(self._phrase_texts, searcher, query))
        ranking: _Ranking | None = None
        page: Callable[[], Any] | None = None
        if order is Order.RELEVANCE:
            offset = decode_cursor(cursor, "r") or 0
            ranking_key = ("ranked", query, restriction)
            ranking = self._recent.get(ranking_key, state) if cursor else None
            if ranking and not ranking.covers(offset + limit + 1):
                ranking = None
            if ranking is None:
                # a first page ranks what it shows; a cursor page, a window ahead; a page
                # deeper than a window is kept for, itself alone (tantivy ranks up to it)
                wanted, skip = limit + 1, 0
                if cursor and 2 * (offset + limit) <= _LONGEST_WINDOW:
                    wanted = max(_FIRST_WINDOW, 2 * (offset + limit))
                elif cursor:
                    skip = offset
                page = partial(searcher.search, compiled(), wanted, count=False, offset=skip)
                if not skip and phrase_texts() > _BOUNDED_PHRASE:
                    page = partial(
                        self._bounded_top, searcher, query, restriction, state, wanted, page
                    )
        else:
            page = self._date_search(searcher, compiled(), order, cursor, limit)
        # the pass over every match (total, facets) and the page's search, each on a core
        works = [] if page is None else [page]
        if counted is None:
            spec = _facet_spec(self._facet_names(searcher))
            count = partial(
                self._count, searcher, query, restriction, state, compiled(), spec, phrase_texts()
            )
            works.insert(0, count)
        results = budgets.interruptible_all(*works) if works else []
        if counted is None:
            counted = results.pop(0)
            self._recent.put(counting, state, counted)
        if order is not Order.RELEVANCE:
            hits, next_cursor = self._date_hits(results[0], order, limit)
        else:
            if ranking is None:
                found = results[0].hits
                ranking = _Ranking(searcher, found, complete=len(found) < wanted, start=skip)
                if cursor and not skip:
                    self._recent.put(ranking_key, state, ranking)
            hits, next_cursor = ranking.page(offset, limit)
        budgets.current().check()
        return IndexPage(hits, counted.total, counted.facets, next_cursor, counted.estimated)

    def _count(
        self,
        searcher: Any,
        query: Query,
        restriction: Restriction,
        state: tuple[Any, ...],
        compiled: Any,
        spec: dict[str, Any],
        texts: int,
    ) -> _Counted:
        """The total and facets of `compiled` (`query`'s) matches: exact, or scaled from a
        sample's when a phrase's words are in very many statements (`_SAMPLED_PHRASE`) and the
        sample holds at least `_MIN_SAMPLED` matches. The sample is intersected with each
        phrase (`_Shape.within`): intersected with the union of a phrase's fields, tantivy
        would check the phrase in every statement near each sampled one. `texts`: the query's
        `_phrase_texts`."""
        samples = math.ceil(_SAMPLES * _SAMPLE_TEXTS / max(texts, 1))
        if texts > _SAMPLED_PHRASE and samples < _SAMPLES:
            names = [str(n) for n in range(samples)]
            sample = tantivy.Query.const_score_query(
                _any([tantivy.Query.term_query(self._schema, "sample", n) for n in names]), 0.0
            )
            sampled = self._compile(searcher, query, restriction, state, _Shape(within=sample))
            total, facets = _facet_counts(searcher.aggregate(sampled, spec))
            if total >= _MIN_SAMPLED:
                every = {str(n): int(f) for n, f in searcher.terms_with_prefix("sample", "")}
                scale = sum(every.values()) / max(1, sum(every.get(n, 0) for n in names))
                scaled = {
                    name: [(value, round(n * scale)) for value, n in values]
                    for name, values in facets.items()
                }
                return _Counted(round(total * scale), scaled, estimated=True)
        return _Counted(*_facet_counts(searcher.aggregate(compiled, spec)))

    def _phrase_texts(self, searcher: Any, query: Query) -> int:
        """The most texts holding the rarest word of one of `query`'s phrases (0: none)."""
        most = 0
        for group in query.required:
            for term in group:
                tokens = analysis.words(term.text) if term.phrase and not term.prefix else []
                if len(tokens) > 1:
                    rarest = min(int(searcher.doc_freq("text", token)) for token in tokens)
                    most = max(most, rarest)
        return most

    def _bounded_top(
        self,
        searcher: Any,
        query: Query,
        restriction: Restriction,
        state: tuple[Any, ...],
        wanted: int,
        plain: Callable[[], Any],
    ) -> _Top:
        """The `wanted` best hits of a query with phrases, the same as tantivy's ranking of
        it (`plain`) gives, scoring the phrases in few statements.

        The statements are taken from the best bound down (`_Shape`), a batch at a time, and
        the query itself scores the batch's statements; once the `wanted`-th best score is
        above the last bound taken, no statement left can enter the hits. Ties are in
        address order, as tantivy's. Loose bounds (`_BOUND_TRIED`) fall back to `plain`.
        """
        bounded = self._compile(searcher, query, restriction, state, _Shape(_Bounds(searcher)))
        found: list[tuple[float, Any]] = []
        taken, batch = 0, max(_BOUND_BATCH, wanted)
        while taken < _BOUND_TRIED:
            best = searcher.search(bounded, batch, count=False, offset=taken).hits
            if best:
                keys = searcher.fast_field_values("key", [address for _, address in best])
                within = tantivy.Query.const_score_query(
                    _any([tantivy.Query.term_query(self._schema, "key", int(k)) for k in keys]),
                    0.0,
                )
                exact = self._compile(searcher, query, restriction, state, _Shape(within=within))
                found += searcher.search(exact, len(best), count=False).hits
                found.sort(key=lambda hit: (-hit[0], hit[1].segment_ord, hit[1].doc))
                del found[wanted:]
            taken += len(best)
            if len(best) < batch or (len(found) == wanted and found[-1][0] > best[-1][0]):
                return _Top(found)
            batch *= 2
        return _Top(plain().hits)

    def _date_page(
        self, searcher: Any, compiled: Any, order: Order, cursor: str | None, limit: int
    ) -> tuple[tuple[IndexHit, ...], str | None]:
        """A page in date order; the cursor is the date key of the last hit (keyset paging)."""
        search = self._date_search(searcher, compiled, order, cursor, limit)
        return self._date_hits(budgets.interruptible(search), order, limit)

    def _date_search(
        self, searcher: Any, compiled: Any, order: Order, cursor: str | None, limit: int
    ) -> Callable[[], Any]:
        """The search of a page in date order after `cursor` (to run in a search thread)."""
        field = "newest" if order is Order.NEWEST else "oldest"
        after = decode_cursor(cursor, field[0])
        if after is not None:
            newest = order is Order.NEWEST
            after_query = tantivy.Query.range_query(
                self._schema,
                field,
                tantivy.FieldType.Integer,
                None if newest else after,
                after if newest else None,
                include_lower=newest,
                include_upper=not newest,
            )
            compiled = _all([compiled, after_query])
        direction = tantivy.Order.Desc if order is Order.NEWEST else tantivy.Order.Asc
        return partial(
            searcher.search, compiled, limit + 1, count=False, order_by_field=field, order=direction
        )

    def _date_hits(
        self, found: Any, order: Order, limit: int
    ) -> tuple[tuple[IndexHit, ...], str | None]:
        """The hits of a date-ordered search's result, and the cursor after them."""
        page = found.hits[:limit]
        hits = tuple(IndexHit(int(key) & 0xFFFFFFFF, None) for key, _ in page)
        more = len(found.hits) > limit
        field = "n" if order is Order.NEWEST else "o"
        return hits, encode_cursor(field, int(page[-1][0])) if more else None

    def total(self, query: Query, restriction: Restriction) -> int:
        searcher, state = self._searcher()
        return self._total(searcher, self._compile(searcher, query, restriction, state))

    def _total(self, searcher: Any, compiled: Any) -> int:
        # one facet's counts: cheaper than a counting search, which scores every match
        spec = _facet_spec([_TOTAL_FACET])
        return _facet_counts(budgets.interruptible(lambda: searcher.aggregate(compiled, spec)))[0]

    def _facet_names(self, searcher: Any) -> list[str]:
        """The facets to count: all but the sparse ones whose fields hold no value yet."""
        for name in _SPARSE_FACETS:
            field = FACET_FIELDS[name]
            if field not in self._valued and searcher.terms_with_prefix(field, "", limit=1):
                self._valued.add(field)
        return [
            name
            for name, field in FACET_FIELDS.items()
            if name not in _SPARSE_FACETS or field in self._valued
        ]

    def keys(self, query: Query, restriction: Restriction, batch: int) -> Iterator[list[int]]:
        searcher, state = self._searcher()
        compiled = self._compile(searcher, query, restriction, state)
        order = query.effective_order
        if order is Order.RELEVANCE:
            total = self._total(searcher, compiled)
            found = budgets.interruptible(
                lambda: searcher.search(compiled, max(total, 1), count=False)
            )
            addresses = [address for _, address in found.hits]
            for start in range(0, len(addresses), batch):
                values = searcher.fast_field_values("key", addresses[start : start + batch])
                yield [int(v) for v in values if v is not None]
            return
        cursor: str | None = None
        while True:
            hits, cursor = self._date_page(searcher, compiled, order, cursor, batch)
            yield [hit.key for hit in hits]
            if cursor is None:
                return

    def counts_over_time(
        self, query: Query, restriction: Restriction, interval: Interval
    ) -> list[tuple[str, int]]:
        if interval not in ("month", "year"):
            raise QueryError(f"interval must be month or year, not {interval!r}")
        spec = {"t": {"terms": {"field": interval, "size": 100_000, "segment_size": 100_000}}}
        searcher, state = self._searcher()
        compiled = self._compile(searcher, query, restriction, state)
        result = budgets.interruptible(lambda: searcher.aggregate(compiled, spec))
        return sorted(_buckets(result["t"]))

    def close(self) -> None:
        """Remove a read-only index's view (writers are opened for each write, dropped after)."""
        if self._remove_view is not None:
            self._remove_view()

    # compiling a query

    def _compile(
        self,
        searcher: Any,
        query: Query,
        restriction: Restriction,
        state: tuple[Any, ...],
        shape: _Shape | None = None,
    ) -> Any:
        """The tantivy query of `query`; with `shape`, its phrases bounded or restricted."""
        shape = shape or _Shape()
        must: list[Any] = []
        must_not: list[Any] = []
        forms = _Forms(searcher, self._forms, state, self._prefixes)
        for group in query.required:
            must.append(_any([self._term(term, forms, shape) for term in group]))
        # an excluded phrase stays a phrase: a bound would exclude more than it does
        kept = replace(shape, bounds=None)
        must_not += [self._term(term, forms, kept) for term in query.excluded]
        filters = self._filters(query.filters, restriction)
        if shape.within is not None:
            filters.append(shape.within)
        must += filters
        if restriction.exclude:
            must_not.append(self._keys_query(restriction.exclude))
        if not query.filters.all_copies and searcher.doc_freq("copy", _OTHER_COPY):
            must_not.append(tantivy.Query.term_query(self._schema, "copy", _OTHER_COPY))
        if not query.required and not filters:
            must.append(tantivy.Query.all_query())
        if len(must) == 1 and not must_not:
            return must[0]  # unwrapped: a union of words keeps tantivy's pruned top-k
        clauses = [(tantivy.Occur.Must, q) for q in must]
        clauses += [(tantivy.Occur.MustNot, q) for q in must_not]
        return tantivy.Query.boolean_query(clauses)

    def _filters(self, chosen: Filters, restriction: Restriction) -> list[Any]:
        filters = []
        for field, values in (*chosen.field_filters, ("mentions", chosen.mentions)):
            if values:
                filters.append(tantivy.Query.term_set_query(self._schema, field, list(values)))
        from communique.geo import name_key

        for place in chosen.places:
            filters.append(tantivy.Query.term_query(self._schema, "place_key", name_key(place)))
        # a statement dated only 2020 is not `to:2020-06`, unless `approx:yes` (by overlap)
        if chosen.published.first:
            lower = "day_end" if chosen.approximate else "day"
            filters.append(self._at_least(lower, chosen.published.first.toordinal()))
        if chosen.published.last:
            upper = "day" if chosen.approximate else "day_end"
            filters.append(self._at_most(upper, chosen.published.last.toordinal()))
        if restriction.include is not None:
            filters.append(self._keys_query(restriction.include))
        return [tantivy.Query.const_score_query(f, 0.0) for f in filters]

    def _at_least(self, field: str, value: int) -> Any:
        return tantivy.Query.range_query(self._schema, field, tantivy.FieldType.Integer, value)

    def _at_most(self, field: str, value: int) -> Any:
        return tantivy.Query.range_query(
            self._schema, field, tantivy.FieldType.Integer, None, value
        )

    def _keys_query(self, keys: frozenset[int]) -> Any:
        if not keys:
            return tantivy.Query.empty_query()
        return tantivy.Query.term_set_query(self._schema, "key", sorted(keys))

    def _term(self, term: Term, forms: _Forms, shape: _Shape) -> Any:
        """A word (its forms and the other forms of its stems), a phrase or a prefix, in the
        title or the text."""
        tokens: list[Any] = list(analysis.words(term.text))
        if not tokens:
            return tantivy.Query.empty_query()
        options: list[Any] = []
        for field, weight in _WORD_FIELDS:
            words = self._words(field, tokens, term, forms, shape)
            options += [tantivy.Query.boost_query(q, weight) for q in words]
        if not term.phrase and not term.prefix and len(tokens) == 1:
            options += self._other_forms(tokens[0], forms)
        chars: list[Any] = [str(c) for c in analysis.analyzers()["cjk"].analyze(term.text)]
        if chars and not term.prefix:
            options.append(
                self._phrase(shape, "cjk", chars)
                if len(chars) > 1
                else tantivy.Query.term_query(self._schema, "cjk", chars[0])
            )
        return _any(options) if options else tantivy.Query.empty_query()

    def _other_forms(self, word: str, forms: _Forms) -> list[Any]:
        """For each stemmer of a language the index holds: its statements with a form of
        `word`'s stem other than `word` (scored as the word itself would be), or with the stem
        in its field where the stems are indexed."""
        options = []
        for stemmer, tags in forms.languages().items():
            if stemmer in analysis.indexed_stemmers():
                stem = analysis.stem_words(stemmer, [word])[0]
                field = analysis.stem_field(stemmer)
                options.append(tantivy.Query.term_query(self._schema, field, stem, "freq"))
                continue
            others = forms.sharing_stem(stemmer, word) - {word}
            if not others:
                continue
            words = _any(
                [
                    tantivy.Query.boost_query(
                        tantivy.Query.term_query(self._schema, field, other), weight
                    )
                    for other in sorted(others)
                    for field, weight in _WORD_FIELDS
                ]
            )
            options.append(self._in_languages(words, tags, forms))
        return options

    def _in_languages(self, words: Any, tags: list[str], forms: _Forms) -> Any:
        """`words` in the statements whose language is one of `tags`: the statements of the
        other languages (and of none) left out when they are fewer (at 1M statements, a
        tenth of them Russian: 5.7 against 8.1 ms for the other forms of 'development')."""
        others = [t for t in forms.language_values() if t not in tags]
        # term queries, not a term set: a set of a common language's statements is built
        # whole at each search (at 100,000: 3.1 against 2.4 ms for 'peace')
        if forms.statements(others) < forms.statements(tags):
            return tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, words)]
                + [
                    (tantivy.Occur.MustNot, tantivy.Query.term_query(self._schema, "language", t))
                    for t in others
                ]
            )
        language = _any([tantivy.Query.term_query(self._schema, "language", t) for t in tags])
        return _all([tantivy.Query.const_score_query(language, 0.0), words])

    def _words(
        self, field: str, tokens: list[Any], term: Term, forms: _Forms, shape: _Shape
    ) -> list[Any]:
        if term.prefix and len(tokens) == 1:
            return self._prefix(field, tokens[0], forms)
        if term.prefix:
            return [tantivy.Query.phrase_prefix_query(self._schema, field, tokens)]
        if len(tokens) == 1:
            return [tantivy.Query.term_query(self._schema, field, tokens[0])]
        return [self._phrase(shape, field, tokens)]

    def _phrase(self, shape: _Shape, field: str, tokens: list[Any]) -> Any:
        """A phrase of `tokens` in `field`, shaped (`_Shape`)."""
        if shape.bounds is not None:
            return shape.bounds.phrase(self._schema, field, tokens)
        phrase = tantivy.Query.phrase_query(self._schema, field, tokens)
        if shape.within is not None:
            return _all([phrase, shape.within])
        return phrase

    def _prefix(self, field: str, prefix: str, forms: _Forms) -> list[Any]:
        """The words of `field` that begin with `prefix`, each a query (see `_PREFIX_WORDS`),
        or one query of them all when they are more."""
        found = forms.beginning(field, prefix)
        if not found.complete:
            return [tantivy.Query.regex_query(self._schema, field, _regex_escape(prefix) + ".*")]
        return [tantivy.Query.term_query(self._schema, field, word) for word in found.words]


class _Forms:
    """What a searcher's word list holds that a query's words are expanded with: the
    languages of the statements (by stemmer) and the indexed forms that share a stem."""

    def __init__(
        self,
        searcher: Any,
        recent: Kept[frozenset[str]],
        state: tuple[Any, ...],
        prefixes: Kept[_Prefixed],
    ) -> None:
        self._searcher = searcher
        self._recent = recent
        self._state = state
        self._prefixes = prefixes
        self._languages: dict[str, list[str]] | None = None
        self._values: dict[str, int] | None = None

    def languages(self) -> dict[str, list[str]]:
        """Stemmer -> the language tags of the indexed statements that it stems."""
        if self._languages is None:
            found: dict[str, list[str]] = {}
            for tag in self.language_values():
                stemmer = analysis.stemmer_of(tag)
                if stemmer:
                    found.setdefault(stemmer, []).append(tag)
            self._languages = found
        return self._languages

    def language_values(self) -> dict[str, int]:
        """Each value of the statements' language field (a tag, or none), with how many
        statements hold it."""
        if self._values is None:
            self._values = {
                str(value): int(count)
                for value, count in self._searcher.terms_with_prefix("language", "")
            }
        return self._values

    def statements(self, values: Iterable[str]) -> int:
        """How many statements hold one of these language values."""
        counts = self.language_values()
        return sum(counts.get(value, 0) for value in values)

    def beginning(self, field: str, prefix: str) -> _Prefixed:
        """The words of `field` that begin with `prefix`, unless they are more than
        `_PREFIX_WORDS` (then `complete` is False). Kept while the index is unchanged."""
        compute = partial(self._beginning, field, prefix)
        return self._prefixes.computed((field, prefix), self._state, compute)

    def _beginning(self, field: str, prefix: str) -> _Prefixed:
        found = self._searcher.terms_with_prefix(field, prefix, limit=_PREFIX_WORDS + 1)
        words = tuple(sorted(str(word) for word, _ in found))
        return _Prefixed(words[:_PREFIX_WORDS], len(words) <= _PREFIX_WORDS)

    def sharing_stem(self, stemmer: str, word: str) -> frozenset[str]:
        """The indexed forms (in titles or texts) whose stem is `word`'s in the language:
        of the words beginning with `analysis.stem_prefix`, those no longer than the stem
        with a suffix are stemmed. Kept while the index is unchanged: a stem of three
        letters has many candidates (at 1M statements, 'con' 781: 3.2 ms)."""
        compute = partial(self._sharing_stem, stemmer, word)
        return self._recent.computed((stemmer, word), self._state, compute)

    def _sharing_stem(self, stemmer: str, word: str) -> frozenset[str]:
        stem = analysis.stem_words(stemmer, [word])[0]
        prefix = analysis.stem_prefix(stem)
        if prefix is None:
            return frozenset()
        longest = len(stem) + _LONGEST_SUFFIX
        candidates = sorted(
            {
                str(form)
                for field, _ in _WORD_FIELDS
                for form, _ in self._searcher.terms_with_prefix(field, prefix)
                if len(form) <= longest
            }
        )
        if not candidates:
            return frozenset()
        stems = analysis.stem_words(stemmer, candidates)
        return frozenset(f for f, found in zip(candidates, stems, strict=True) if found == stem)


class _Bounds:
    """Bounds of phrase scores in one searcher: a phrase's bound is its rarest word as a term
    query, boosted by the ratio of the phrase's idf to the word's.

    tantivy scores a phrase by BM25 with the sum of its words' idfs and the number of times it
    occurs in the field; it occurs no more often than its rarest word, and BM25 grows with
    that number at the same field length. So in every statement holding the phrase, the bound
    scores at least what the phrase does, and a statement without the rarest word holds no
    phrase: the bound's matches hold the phrase's.
    """

    def __init__(self, searcher: Any) -> None:
        self._searcher = searcher
        # BM25's number of documents, as tantivy counts it (deleted ones too): every document
        # has one value in the total facet's field
        self._documents = sum(
            int(n) for _, n in searcher.terms_with_prefix(FACET_FIELDS[_TOTAL_FACET], "")
        )

    def phrase(self, schema: Any, field: str, tokens: list[str]) -> Any:
        freqs = [int(self._searcher.doc_freq(field, token)) for token in tokens]
        rarest = min(range(len(tokens)), key=freqs.__getitem__)
        if not freqs[rarest]:
            return tantivy.Query.empty_query()
        documents = max(self._documents, max(freqs))
        ratio = sum(_idf(f, documents) for f in freqs) / _idf(freqs[rarest], documents)
        term = tantivy.Query.term_query(schema, field, tokens[rarest])
        return tantivy.Query.boost_query(term, ratio * _BOUND_MARGIN)


@dataclass(frozen=True)
class _Shape:
    """How a query's phrases are compiled: as they are, as their bounds (`bounds`: an upper
    bound of each statement's score, over a superset of the matches), or restricted to the
    statements of `within` (a query scoring 0), which checks the positions of a phrase's words
    in those statements only."""

    bounds: _Bounds | None = None
    within: Any = None


@dataclass(frozen=True)
class _Top:
    """The best hits of a ranking, (score, address) as a tantivy search result holds them."""

    hits: list[tuple[float, Any]]


def _sample_of(key: int) -> int:
    """The sample of the statement with `key`: the top bits of a multiplicative hash of it, so
    that consecutive keys (statements stored together) spread over every sample."""
    return ((key * 0x9E3779B1) & 0xFFFFFFFF) * _SAMPLES >> 32


def _idf(freq: int, documents: int) -> float:
    """tantivy's BM25 idf of a term in `freq` of `documents`."""
    return math.log(1.0 + (documents - freq + 0.5) / (freq + 0.5))


@dataclass(frozen=True)
class _Prefixed:
    """The words of a field that begin with a prefix: all of them, or (not `complete`) the
    first `_PREFIX_WORDS` found."""

    words: tuple[str, ...]
    complete: bool


@dataclass(frozen=True)
class _Counted:
    """The number of a query's matches and its facets' counts."""

    total: int
    facets: dict[str, list[tuple[str, int]]]
    estimated: bool = False
    """Scaled from a sample's counts."""


@dataclass(frozen=True)
class _Ranking:
    """The best hits of a query by relevance, (score, address) in `searcher`."""

    searcher: Any
    hits: list[tuple[float, Any]]
    complete: bool
    """Every match from `start` on is among `hits`."""
    start: int = 0
    """The rank of the first of `hits`."""

    def covers(self, end: int) -> bool:
        return self.complete or self.start + len(self.hits) >= end

    def page(self, offset: int, limit: int) -> tuple[tuple[IndexHit, ...], str | None]:
        """The hits from `offset` on (at most `limit`), and the cursor after them."""
        scored = self.hits[offset - self.start : offset - self.start + limit]
        keys = self.searcher.fast_field_values("key", [address for _, address in scored])
        hits = tuple(IndexHit(int(k or 0), s) for k, (s, _) in zip(keys, scored, strict=True))
        more = self.start + len(self.hits) > offset + limit
        return hits, encode_cursor("r", offset + limit) if more else None


def _facet_spec(names: Iterable[str]) -> dict[str, Any]:
    """The aggregations of one pass over every match: the values of each facet in `names`."""
    return {
        name: {
            "terms": {
                "field": FACET_FIELDS[name],
                "size": _FACET_SIZE,
                "segment_size": _SEGMENT_SIZE,
            }
        }
        for name in names
    }


def _facet_counts(result: dict[str, Any]) -> tuple[int, dict[str, list[tuple[str, int]]]]:
    """The number of matches and the counts of each facet's top values among them.

    The number is the sum of `_TOTAL_FACET`'s counts, its statements without a value and the
    values beyond its top buckets included (exact: each segment counts all its terms). A facet
    left out of `result` has no value in the archive and counts none.
    """
    counted = result[_TOTAL_FACET]
    total = sum(int(b["doc_count"]) for b in counted["buckets"])
    total += int(counted.get("sum_other_doc_count") or 0)
    facets = {}
    for name in FACET_FIELDS:
        buckets = _buckets(result[name]) if name in result else []
        facets[name] = sorted(buckets, key=lambda item: (-item[1], item[0]))[:FACET_LIMIT]
    return total, facets


def _buckets(aggregation: dict[str, Any]) -> list[tuple[str, int]]:
    """(value, matches) of a terms aggregation, without the statements that have no value."""
    found = ((str(b["key"]), int(b["doc_count"])) for b in aggregation["buckets"])
    return [(key, count) for key, count in found if key != _NONE]


@contextmanager
def _exclusive(lock: Path) -> Iterator[None]:
    """Held by one process at a time while it checks, clears or creates an index folder: two
    ingests opening a new archive at once would otherwise remove each other's files."""
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _holds(path: Path, meta: dict[str, str]) -> bool:
    """Whether the index in `path` was built with this schema and analysis, for this store."""
    try:
        return bool(json.loads((path / "communique.json").read_text()) == meta)
    except (OSError, ValueError):
        return False


def _any(queries: list[Any]) -> Any:
    if len(queries) == 1:
        return queries[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in queries])


def _all(queries: list[Any]) -> Any:
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in queries])


def _regex_escape(token: str) -> str:
    return "".join(f"\\{c}" if not c.isalnum() else c for c in token)


def _write_error(path: Path | None, exc: Exception) -> StoreError:
    """A one-line `StoreError` for a failed index write; the statements stay queued, so the
    same command run again indexes them."""
    said = str(exc)
    if "No space left" in said or "StorageFull" in said:
        return StoreError(
            f"{path}: the disk is full; free some space and run the same command again"
            " (the statements are stored; the search index catches up then)"
        )
    return StoreError(f"cannot write search index {path}: {said}")
