"""Search for the SQLite store through a `SearchIndex`, kept in step by a queue in the database.

Triggers put the key of every statement written, changed, enriched or deleted into
`search_queue` in the same transaction as the change; `sync` indexes what the queue holds and
then empties it, so a crash at any moment leaves at worst a queue to index on the next open.
The index lives in a folder beside the database file (`<db>.index`); when it is missing, of
another database or of another analysis version, it is rebuilt from the statements.
"""

from __future__ import annotations

import math
import re
import sqlite3
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from communique.budget import Budget
from communique.model import Hit, SearchPage, Statement
from communique.query import Filters, Query
from communique.store import analysis
from communique.store.base import SNIPPET_CLOSE, SNIPPET_OPEN
from communique.store.dialect import SQLITE, Db
from communique.store.link_tables import OTHER_COPIES, hit_links
from communique.store.rows import SELECT_STATEMENTS, statement_from_row
from communique.store.search_index import IndexDoc, Interval, Restriction
from communique.store.search_sql import EDITED, REMOVED, best_window
from communique.store.sqlite_search import budgeted
from communique.store.tantivy_index import IndexBusy, TantivyIndex

INDEX_TITLES = "INSERT INTO statements_fts (rowid, title) VALUES (?, ?)"
"""A fresh statement's title in the FTS5 index (which finds statements by title words)."""
QUEUE_STATEMENTS = "INSERT INTO search_queue (statement) VALUES (?)"
"""A fresh statement queued for the search index (its other writes queue it by trigger)."""

SYNC_EVERY = 2000
"""Statement writes between two syncs during a long ingest (searches sync first anyway)."""
SEARCH_SYNC_LIMIT = 1000
"""A search indexes the queue first when it holds at most this many statements."""
_BATCH = 1000


class SqliteIndexedSearch:
    """Search over a SQLite store's statements through a tantivy index beside it."""

    def __init__(
        self,
        conn: Callable[[], sqlite3.Connection],
        write: Callable[[], AbstractContextManager[sqlite3.Connection]],
        path: str,
        read_only: bool = False,
    ) -> None:
        self._conn = conn
        self._write = write
        """The store's write transaction: the queue is emptied as any other write, taking
        its turn at the write lock (`WriteTurns`)."""
        self._path = path
        self.read_only = read_only
        """A read-only archive's queue cannot be emptied: what is indexed of it is noted."""
        self._indexed_seq = 0
        self._writes = 0
        self._held = False
        self._lock = threading.Lock()
        self._index: TantivyIndex | None = None
        self._ready = False
        self._opening = threading.RLock()
        if not read_only:
            self._open_index()

    @property
    def index(self) -> TantivyIndex:
        """The search index, in step with the store. A read-only archive's is opened at its
        first use (a stale one is rebuilt in a temporary folder then): a copy or a backup of
        it reads no index."""
        if not self._ready:
            self._open_index()
        assert self._index is not None
        return self._index

    def _open_index(self) -> None:
        with self._opening:
            if self._index is not None:
                return  # open, or being synced by this thread (`_open_sync` reads it)
            stamp = (
                self._conn()
                .execute("SELECT value FROM search_meta WHERE key = 'stamp'")
                .fetchone()[0]
            )
            folder = None if self._path == ":memory:" else Path(self._path + ".index")
            self._index = TantivyIndex(folder, stamp, read_only=self.read_only)
            try:
                self._open_sync()
            except BaseException:  # the next use opens and syncs it again, never unsynced
                index, self._index = self._index, None
                index.close()
                raise
            self._ready = True

    def _open_sync(self) -> None:
        """Index what the store has and the index lacks; rebuild when they disagree.

        They are compared only when nothing is queued: another process's load commits as it
        goes, and what it committed but has not indexed yet is no disagreement.
        """
        try:
            self.sync()
            conn = self._conn()
            with _snapshot(conn):
                stored = conn.execute("SELECT count(*) FROM statements").fetchone()[0]
                queued = conn.execute("SELECT 1 FROM search_queue LIMIT 1").fetchone()
            if queued is None and self.index.count() != stored:
                self.reindex()
        except IndexBusy:
            return

    # keeping the index in step

    def touched(self) -> None:
        """Note one statement write; sync once every `SYNC_EVERY`, unless held (`held`)."""
        self._writes += 1
        if self._writes >= SYNC_EVERY and not self._held:
            self.try_sync()

    @contextmanager
    def held(self) -> Iterator[None]:
        """Index what is written inside only at the end (a bulk load: one pass of the index
        writer instead of one commit every `SYNC_EVERY`); the queue keeps it safe meanwhile."""
        if self._held:
            yield
            return
        self._held = True
        try:
            yield
        finally:
            self._held = False

    def try_sync(self) -> None:
        """Sync unless another process is writing the index (it will do it)."""
        try:
            self.sync()
        except IndexBusy:
            return

    def sync_before_search(self) -> None:
        """Index a short queue before searching (what this or another process just wrote);
        a long one is another process's bulk load, indexed by that process when its batch
        ends (or by the next to open the archive), not by a reader on the way to its answer.
        """
        conn = self._conn()
        long_queue = conn.execute(
            "SELECT 1 FROM search_queue ORDER BY seq LIMIT 1 OFFSET ?", (SEARCH_SYNC_LIMIT,)
        ).fetchone()
        if long_queue is None or self._writes:
            self.try_sync()

    def sync(self) -> int:
        """Index the statements queued since the last sync; returns how many.

        The queue is read in key order and streamed to the index writer, so a queue of a
        whole bulk load takes little memory; keys above the index's highest are only added.
        """
        with self._lock:
            self._writes = 0
            conn = self._conn()
            top = conn.execute("SELECT max(seq) FROM search_queue").fetchone()[0]
            if top is None or top <= self._indexed_seq:
                return 0
            span = (self._indexed_seq, top)
            keys = [
                r[0]
                for r in conn.execute(
                    "SELECT DISTINCT statement FROM search_queue WHERE seq > ? AND seq <= ?"
                    " ORDER BY 1",
                    span,
                )
            ]
            gone = [
                r[0]
                for r in conn.execute(
                    "SELECT DISTINCT statement FROM search_queue WHERE seq > ? AND seq <= ?"
                    " AND statement NOT IN (SELECT rowid FROM statements)",
                    span,
                )
            ]

            def docs() -> Iterator[IndexDoc]:
                for start in range(0, len(keys), _BATCH):
                    yield from self._docs(keys[start : start + _BATCH])

            self.index.write(docs(), gone, new_above=self.index.max_key())
            self._indexed(top)
            return len(keys)

    def _indexed(self, top: int) -> None:
        """Empty the queue up to `top`, or (read-only) note that it was indexed."""
        if self.read_only:
            self._indexed_seq = top
        else:
            with self._write() as conn:
                conn.execute("DELETE FROM search_queue WHERE seq <= ?", (top,))

    def reindex(self, progress: Callable[[int, int, str], None] | None = None) -> int:
        """Rebuild the index from every statement; returns how many were indexed."""
        with self._lock:
            conn = self._conn()
            top = conn.execute("SELECT max(seq) FROM search_queue").fetchone()[0]
            total = conn.execute("SELECT count(*) FROM statements").fetchone()[0]
            self.index.clear()
            done = 0

            def every() -> Iterator[IndexDoc]:
                nonlocal done
                after = -1
                while True:
                    keys = [
                        r[0]
                        for r in conn.execute(
                            "SELECT rowid FROM statements WHERE rowid > ? ORDER BY rowid LIMIT ?",
                            (after, _BATCH),
                        )
                    ]
                    if not keys:
                        return
                    yield from self._docs(keys)
                    after = keys[-1]
                    done += len(keys)
                    if progress:
                        progress(done, total, "")

            self.index.write(every(), new_above=-1)
            if top is not None:
                self._indexed(top)
            return done

    def _docs(self, keys: list[int]) -> list[IndexDoc]:
        """What the index holds of the statements with these keys (those still stored)."""
        conn = self._conn()
        marks = ",".join("?" * len(keys))
        read = conn.cursor()
        read.row_factory = None  # plain tuples: named columns cost more than the rest here
        rows = read.execute(
            "SELECT s.rowid, s.id, s.published, s.published_end, s.language, s.issuer,"
            " s.country, s.doc_type, s.source, t.title, t.text FROM statements s"
            f" JOIN statement_texts t ON t.rowid = s.rowid WHERE s.rowid IN ({marks})",
            keys,
        ).fetchall()
        ids = [r[1] for r in rows]
        id_marks = ",".join("?" * len(ids))
        others = (
            {r[0] for r in conn.execute(f"{OTHER_COPIES} AND c.statement_id IN ({id_marks})", ids)}
            if ids
            else set()
        )
        mentions: dict[str, list[str]] = defaultdict(list)
        places: dict[str, list[str]] = defaultdict(list)
        place_keys: dict[str, list[str]] = defaultdict(list)
        if ids and self._enriched():
            for sid, country in conn.execute(
                "SELECT statement_id, country FROM statement_countries"
                f" WHERE statement_id IN ({id_marks})",
                ids,
            ):
                mentions[sid].append(country)
            for sid, name, name_key, mention_key, feature in conn.execute(
                "SELECT statement_id, name, name_key, mention_key, feature FROM statement_places"
                f" WHERE statement_id IN ({id_marks})",
                ids,
            ):
                if feature != "country":
                    places[sid].append(name)
                place_keys[sid] += [name_key, mention_key]
        return [  # the columns of the SELECT above, in its order
            IndexDoc(
                key=row[0],
                title=row[9],
                text=row[10],
                published=_day(row[2]),
                published_end=_day(row[3]),
                language=row[4],
                issuer=row[5],
                country=row[6],
                doc_type=row[7],
                source=row[8],
                mentions=tuple(mentions.get(row[1], ())),
                places=tuple(places.get(row[1], ())),
                place_keys=tuple(place_keys.get(row[1], ())),
                other_copy=row[1] in others,
            )
            for row in rows
        ]

    def _enriched(self) -> bool:
        return bool(self._conn().execute("SELECT 1 FROM statement_countries LIMIT 1").fetchone())

    # searching

    def search(self, query: Query, cursor: str | None, limit: int) -> SearchPage:
        """One page; the budget is checked by SQLite and between the index's steps."""
        self.sync_before_search()
        with budgeted(self._conn()) as budget:
            return self._search(query, cursor, limit, budget)

    def _search(self, query: Query, cursor: str | None, limit: int, budget: Budget) -> SearchPage:
        page = self.index.search(query, self.restriction(query.filters), cursor, limit)
        budget.check()
        rows = self._rows([h.key for h in page.hits])
        highlight = _Highlighter(query)
        linked = hit_links(Db(self._conn(), SQLITE), [row["id"] for row in rows.values()])
        hits = []
        for h in page.hits:
            if h.key not in rows:
                continue
            budget.check()
            row = rows[h.key]
            hits.append(
                Hit(
                    statement=statement_from_row(row),
                    snippet=highlight.snippet(row["text"], row["language"]),
                    score=h.score,
                    copies=linked.get(row["id"], (1, ()))[0],
                    translations=linked.get(row["id"], (1, ()))[1],
                )
            )
        return SearchPage(
            tuple(hits), page.total, page.facets, page.next_cursor, estimated=page.estimated
        )

    def iter_matches(self, query: Query, batch: int) -> Iterator[Statement]:
        self.sync_before_search()
        for keys in self.index.keys(query, self.restriction(query.filters), batch):
            rows = self._rows(keys)
            yield from (statement_from_row(rows[k]) for k in keys if k in rows)

    def counts_over_time(self, query: Query, interval: Interval) -> list[tuple[str, int]]:
        self.sync_before_search()
        return self.index.counts_over_time(query, self.restriction(query.filters), interval)

    def _rows(self, keys: list[int]) -> dict[int, sqlite3.Row]:
        if not keys:
            return {}
        rows = self._conn().execute(
            f"{SELECT_STATEMENTS} WHERE s.rowid IN ({','.join('?' * len(keys))})", keys
        )
        return {r["rowid"]: r for r in rows}

    def restriction(self, chosen: Filters) -> Restriction:
        """Keys for the filters `chosen` on the store's own tables: edits, removals, circles,
        events."""
        include: set[int] | None = None
        exclude: set[int] = set()

        def keys(sql: str, params: list[Any]) -> set[int]:
            return {
                r[0]
                for r in self._conn().execute(
                    f"SELECT rowid FROM statements WHERE id IN ({sql})", params
                )
            }

        def narrow(found: set[int]) -> None:
            nonlocal include
            include = found if include is None else include & found

        for flag, sql in ((chosen.edited, EDITED), (chosen.removed, REMOVED)):
            if flag is True:
                narrow(keys(sql, []))
            elif flag is False:
                exclude |= keys(sql, [])
        for near in chosen.near:
            dlat = near.km / 111.0
            dlon = near.km / max(111.0 * math.cos(math.radians(near.lat)), 1e-6)
            lon_range = "" if dlon >= 180 else " AND lon BETWEEN ? AND ?"
            params: list[Any] = [near.lat - dlat, near.lat + dlat]
            if lon_range:
                params += [near.lon - dlon, near.lon + dlon]
            narrow(
                keys(
                    "SELECT statement_id FROM statement_places WHERE lat BETWEEN ? AND ?"
                    f"{lon_range} AND geo_km(lat, lon, ?, ?) <= ?",
                    [*params, near.lat, near.lon, near.km],
                )
            )
        if chosen.event_dates.bounded:
            narrow(
                keys(
                    "SELECT statement_id FROM statement_events WHERE last_day >= ?"
                    " AND first_day <= ?",
                    list(chosen.event_dates.iso_days()),
                )
            )
        return Restriction(None if include is None else frozenset(include), frozenset(exclude))

    def close(self) -> None:
        if self._index is None:
            return
        self.try_sync()
        self._index.close()


def _day(value: str | None) -> date | None:
    """A stored published date (YYYY-MM-DD, or YYYY-MM / YYYY when only that is known)."""
    if not value:
        return None
    if len(value) == 10 and value[4] == value[7] == "-":  # YYYY-MM-DD, as nearly every one
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass  # read by parts below, as any other
    parts = value[:10].split("-")
    try:
        numbers = [int(p) for p in parts] + [1, 1]
        return date(numbers[0], numbers[1], numbers[2])
    except (ValueError, IndexError):
        return None


class _Highlighter:
    """Marks the words of a query in a text the way the index matched them.

    One scan of the text (diacritics folded) for the query's words, prefixes and what the
    forms of their stems begin with (`analysis.stem_prefix`) as substrings; only the words
    around what it finds are analysed, so long texts stay cheap.
    """

    def __init__(self, query: Query) -> None:
        terms = [t for group in query.required for t in group]
        self.words = {w for t in terms if not t.prefix for w in analysis.words(t.text)}
        self.prefixes = tuple(w[-1] for t in terms if t.prefix and (w := analysis.words(t.text)))
        self.stems: dict[str, set[str]] = {}
        for term in terms:
            if not term.phrase and not term.prefix:
                for stemmer, stem in analysis.stems(term.text).items():
                    if analysis.stem_prefix(stem):  # as the index expands them
                        self.stems.setdefault(stemmer, set()).add(stem)
        self.cjk = {run for t in terms for run in analysis.cjk_runs(analysis.normalize(t.text))}
        stemmed = {analysis.stem_prefix(s) or s for v in self.stems.values() for s in v}
        needles = self.words | set(self.prefixes) | stemmed
        needles = {n for n in needles if not analysis.has_cjk(n)}
        alternatives = "|".join(re.escape(n) for n in sorted(needles, key=len, reverse=True))
        self.pattern = re.compile(alternatives, re.IGNORECASE) if needles else None
        self.active = bool(terms)
        self._stem_of: dict[tuple[str, str], str] = {}

    def snippet(self, text: str, language: str | None) -> str:
        """The best window of `text` with the query's words marked: of its first
        `_SCANNED` characters when they have any (a long speech is not read to its end for
        a snippet: at 200,000 characters, 'the' took 12 ms a text), else of all of it."""
        if not self.active:
            return text[:240]
        text = analysis.normalize(text)
        cut = text.find(" ", _SCANNED)
        if cut > 0:
            head = text[:cut]
            spans = self._spans(head, language)
            if spans:
                window = best_window(_mark(text[: cut + _MARGIN], sorted(spans)))
                return window if window.endswith(" …") else window + " …"
        return best_window(_mark(text, sorted(self._spans(text, language))))

    def _spans(self, text: str, language: str | None) -> set[tuple[int, int]]:
        """Where the query's words (their forms, prefixes, Chinese or Japanese runs) are."""
        spans: set[tuple[int, int]] = set()
        if self.pattern is not None:
            folded = text if text.isascii() else _fold(text)
            stemmer = analysis.stemmer_of(language)
            for match in self.pattern.finditer(folded):
                span = _word_at(folded, match.start(), match.end())
                if span not in spans and self._matches(folded[span[0] : span[1]], stemmer):
                    spans.add(span)
        for run in self.cjk:
            start = text.find(run)
            while start >= 0:
                spans.add((start, start + len(run)))
                start = text.find(run, start + len(run))
        return spans

    def _matches(self, word: str, stemmer: str | None) -> bool:
        word = word.lower()
        if word in self.words or (self.prefixes and word.startswith(self.prefixes)):
            return True
        if stemmer is None or stemmer not in self.stems:
            return False
        key = (stemmer, word)
        if key not in self._stem_of:
            self._stem_of[key] = analysis.stem_words(stemmer, [word])[0]
        return self._stem_of[key] in self.stems[stemmer]


_SCANNED = 30_000
"""Characters of a text (to the end of a word) searched for a snippet when they hold a match."""
_MARGIN = 1000
"""Characters after them marked too, so that a window near their end is whole."""


def _word_at(text: str, start: int, end: int) -> tuple[int, int]:
    """The whole word (run of letters and digits) around text[start:end]."""
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    return start, end


def _fold(text: str) -> str:
    """`text` with the letters of `_fold_table` folded, found by one regex: a text holds few
    (`str.translate` looks up every character: 0.16 against 0.01 ms for 3,100 characters,
    about 3 ms of the 20 snippets of a page)."""
    table, letters = _folding()
    return letters.sub(lambda found: table[ord(found[0])], text)


@cache
def _folding() -> tuple[dict[int, str], re.Pattern[str]]:
    table = _fold_table()
    return table, re.compile("[" + "".join(re.escape(chr(code)) for code in table) + "]")


def _fold_table() -> dict[int, str]:
    """Latin letters with diacritics -> the base letter, and the profiles' `search_folds` (one
    character for one: offsets hold)."""
    table = {}
    for code in range(0xC0, 0x250):
        base = unicodedata.normalize("NFKD", chr(code))[0]
        if base.isascii() and base.isalpha() and base != chr(code):
            table[code] = base
    return table | {ord(k): v for k, v in analysis.letter_folds().items()}


def _mark(text: str, spans: list[tuple[int, int]]) -> str:
    out: list[str] = []
    at = 0
    for start, end in spans:
        if start < at:
            continue
        out += [text[at:start], SNIPPET_OPEN, text[start:end], SNIPPET_CLOSE]
        at = end
    out.append(text[at:])
    return "".join(out)


@contextmanager
def _snapshot(conn: sqlite3.Connection) -> Iterator[None]:
    """Reads inside see one state of the database (a read transaction, unless one is open)."""
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")
    try:
        yield
    finally:
        conn.execute("COMMIT")
