"""Link tables of both backends: statements, their copies, LSH buckets, translations."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from communique.model import LINK_VERSION, CopyLink, JoinedKeys, LinkText, Translation
from communique.store.dialect import Db, Dialect, Row, SqlTables, upsert
from communique.store.rows import record_from_row

if TYPE_CHECKING:
    from communique.store.base import CopyRow, FactRow

LINK_TABLES = (
    "statement_groups",
    "link_copies",
    "link_buckets",
    "fact_buckets",
    "fact_keys",
    "translations",
)
LINK_SCHEMA = """
-- a statement carried by one or more copies (statements at one URL); id = its first copy
CREATE TABLE statement_groups (
    id TEXT PRIMARY KEY,
    canonical TEXT NOT NULL,
    copies INTEGER NOT NULL
){without_rowid};
CREATE INDEX statement_groups_canonical ON statement_groups(canonical);
CREATE TABLE link_copies (
    statement_id TEXT PRIMARY KEY,
    group_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    matched TEXT,
    evidence TEXT NOT NULL,
    exact_key TEXT NOT NULL,
    seen TEXT NOT NULL,
    own_site INTEGER NOT NULL,
    words INTEGER NOT NULL,
    minhash {blob} NOT NULL
){without_rowid};
CREATE INDEX link_copies_group ON link_copies(group_id);
CREATE INDEX link_copies_exact ON link_copies(exact_key);
-- MinHash LSH buckets: band number and the band's hash values, as datasketch lays them out
CREATE TABLE link_buckets (
    bucket {blob} NOT NULL,
    statement_id TEXT NOT NULL,
    PRIMARY KEY (bucket, statement_id)
){without_rowid};
CREATE INDEX link_buckets_statement ON link_buckets(statement_id);
CREATE TABLE translations (
    group_id TEXT NOT NULL,
    other_group TEXT NOT NULL,
    language TEXT,
    confidence {real} NOT NULL,
    evidence TEXT NOT NULL,
    PRIMARY KEY (group_id, other_group)
){without_rowid};
"""
"""The link tables; `{blob}`, `{real}` and `{without_rowid}` name each backend's own."""
LINK_FACT_CODES = "ALTER TABLE link_copies ADD COLUMN fact_codes {blob};"
"""A statement's language-independent facts as 32-bit codes (`link.bulk.fact_codes`), so
that a new statement's translation candidates are mostly ruled out without their texts
(NULL: not known, the text is read)."""
LINK_FACT_BUCKETS = """
-- LSH buckets of copies' language-independent facts, under each copy's language, so that a
-- new copy's translation candidates are read without the copies in its own language
CREATE TABLE fact_buckets (
    bucket {blob} NOT NULL,
    language TEXT NOT NULL,
    statement_id TEXT NOT NULL,
    PRIMARY KEY (bucket, language, statement_id)
){without_rowid};
CREATE INDEX fact_buckets_statement ON fact_buckets(statement_id);
"""
"""The fact buckets, apart from those of texts (which `link_buckets` keeps)."""
LINK_VERSIONS = """
ALTER TABLE link_copies ADD COLUMN link_version TEXT;
CREATE INDEX link_copies_version ON link_copies(link_version);
"""
"""The linker version (`LINK_VERSION`) each copy was linked by (NULL: an older one, from
before links had versions), indexed so that the copies of another are counted at once."""
LINK_FACT_KEYS = """
-- each copy's fact buckets (its `fact_buckets` rows) in one row: its language and the keys,
-- each `width` bytes, joined in key order; an edited copy's old ones are deleted by their
-- exact keys, so no index of `fact_buckets` by copy is written for each bucket
CREATE TABLE fact_keys (
    statement_id TEXT PRIMARY KEY,
    language TEXT NOT NULL,
    width INTEGER NOT NULL,
    keys {blob} NOT NULL
){without_rowid};
"""
"""The fact buckets of each copy, in one row (`put_copy` deletes an edited copy's by them)."""
LINK_BUCKETS_BY_BAND = "DROP INDEX IF EXISTS link_buckets_statement;"
"""A copy's LSH buckets are found by band alone: an edited copy's old buckets are those of its
stored MinHash (`put_copy`'s `replaced`), so no index by copy is written for each bucket."""

RELINK_INDEXES = (
    ("link_copies_group", "link_copies(group_id)"),
    ("link_copies_exact", "link_copies(exact_key)"),
    ("link_copies_version", "link_copies(link_version)"),
)
"""Indexes (name, table and columns, as the migrations make them) that `relink` drops while
it writes and makes again, in one pass over each table, at its end: a killed relink leaves
them out while it runs (the archive names it unfinished meanwhile); after a killed relink,
opening the store makes them again (`restore_link_indexes`)."""
INDEX_NAMES = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'index'",
    "postgresql": "SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema()",
}
"""The names of the indexes of the store's tables, by backend."""


def move_fact_buckets(dialect: Dialect) -> str:
    """The statements that move the fact buckets `link_buckets` used to keep (band numbers
    from `translations.FACT_SPACE` on) to `fact_buckets`, under their copy's language."""
    is_fact = (
        "get_byte(b.bucket, 0) >= 128"
        if dialect.name == "postgresql"
        else "substr(b.bucket, 1, 1) >= x'80'"
    )
    return (
        "INSERT INTO fact_buckets (bucket, language, statement_id)"
        " SELECT b.bucket, s.language, b.statement_id FROM link_buckets b"
        " JOIN statements s ON s.id = b.statement_id"
        f" WHERE {is_fact} AND s.language IS NOT NULL AND s.language <> ''"
        " ON CONFLICT DO NOTHING;\n"
        f"DELETE FROM link_buckets AS b WHERE {is_fact};\n"
    )


def fact_keys_of_buckets(dialect: Dialect) -> str:
    """The statements that make `fact_keys` of an archive's `fact_buckets` (each copy's keys
    joined in key order, read through the index by copy) and drop that index."""
    joined = (
        "string_agg(bucket, ''::bytea ORDER BY bucket)"
        if dialect.name == "postgresql"
        else "CAST(group_concat(bucket, x'') AS BLOB)"  # (a blob's bytes kept, zeros too)
    )
    return (
        "INSERT INTO fact_keys (statement_id, language, width, keys)"
        f" SELECT statement_id, language, max(length(bucket)), {joined} FROM (SELECT"
        " statement_id, language, bucket FROM fact_buckets ORDER BY statement_id, language,"
        " bucket) AS b GROUP BY statement_id, language ON CONFLICT DO NOTHING;\n"
        "DROP INDEX IF EXISTS fact_buckets_statement;\n"
    )


OTHER_COPIES = (
    "SELECT c.statement_id FROM link_copies c JOIN statement_groups g ON g.id = c.group_id"
    " WHERE g.canonical <> c.statement_id"
)
"""Copies that are not their statement's canonical copy (left out unless `copies:all`)."""
_UPSERT_COPY_FACTS = upsert(
    "link_copies",
    "statement_id group_id kind matched evidence exact_key seen own_site words minhash fact_codes"
    " link_version",
    "statement_id",
)
_UPSERT_TRANSLATION = upsert(
    "translations", "group_id other_group language confidence evidence", "group_id other_group"
)
CANONICAL_FIRST = "c.own_site DESC, s.published IS NULL, s.published, c.seen, c.statement_id"
"""The order of a group's copies (`c`, with their statements `s`), its canonical one first: on
the issuer's own site, then the first published (a republication is never published before
the original: an embassy's page on its own site, crawled first, is not the ministry's), then
the first seen."""
WITH_STATEMENTS = "link_copies c LEFT JOIN statements s ON s.id = c.statement_id"
"""The copies joined with their statements, for `CANONICAL_FIRST`."""


_ADD_BUCKET = "INSERT INTO link_buckets (bucket, statement_id) VALUES (?, ?) ON CONFLICT DO NOTHING"
_DROP_BUCKET = "DELETE FROM link_buckets WHERE bucket = ? AND statement_id = ?"
_ADD_FACT_BUCKET = (
    "INSERT INTO fact_buckets (bucket, language, statement_id) VALUES (?, ?, ?)"
    " ON CONFLICT DO NOTHING"
)
_DROP_FACT_BUCKET = (
    "DELETE FROM fact_buckets WHERE bucket = ? AND language = ? AND statement_id = ?"
)
_UPSERT_FACT_KEYS = upsert("fact_keys", "statement_id language width keys", "statement_id")


def _unstaged(prefix: str, table: str, columns: str, most: int) -> str:
    """The statement that fills `table` with the buckets `relink_staged` holds (`prefix`: ""
    for texts', "fact_" for facts'), one a row: each `width` bytes of its copy's row, the
    copy's `columns` with it, at most `most` a copy, in key order."""
    return (
        "WITH RECURSIVE place (n) AS"
        f" (SELECT 0 UNION ALL SELECT n + 1 FROM place WHERE n < {most - 1})"
        f" INSERT INTO {table} (bucket, {columns})"
        f" SELECT substr(s.{prefix}buckets, p.n * s.{prefix}width + 1, s.{prefix}width) AS b,"
        f" {', '.join(f's.{c}' for c in columns.split(', '))}"
        f" FROM relink_staged s CROSS JOIN place p"  # (SQLite: the staged rows read once)
        f" WHERE p.n * s.{prefix}width < length(s.{prefix}buckets)"
        f" ORDER BY b, {columns}"
    )


_COPY_COLUMNS = (
    "statement_id, group_id, kind, matched, evidence, exact_key, seen, own_site, words, minhash,"
    " fact_codes"
)
"""The columns of `link_copies` that `relink_staged` holds (all but the linker's version)."""
_STAGED_COLUMNS = f"{_COPY_COLUMNS}, width, buckets, language, fact_width, fact_buckets"


def _staged(buckets: Sequence[bytes], facts: FactRow | None) -> tuple[object, ...]:
    """A copy's buckets as `relink_staged` holds them, and its facts' with their language,
    each joined in one value (every bucket of a copy has one length)."""
    width, joined = _joined(buckets)
    if not facts:
        return (width or 1, joined, None, None, None)
    fact_width, fact_joined = _joined(facts[1])
    return (width or 1, joined, facts[0], fact_width or None, fact_joined)


def _joined(keys: Sequence[bytes]) -> tuple[int, bytes]:
    """(width, keys joined) of a copy's bucket keys (width 0: none)."""
    if isinstance(keys, JoinedKeys):
        return keys.width, keys.joined
    return (len(keys[0]) if keys else 0), b"".join(keys)


class LinkTables(SqlTables):
    """Mixed into each store: the `LinkStore` protocol."""

    def copy_with_key(self, exact_key: str) -> str | None:
        """The first linked copy whose words are exactly these."""
        row = self._db().one(
            "SELECT statement_id FROM link_copies WHERE exact_key = ?"
            " ORDER BY seen, statement_id LIMIT 1",
            (exact_key,),
        )
        return None if row is None else str(row["statement_id"])

    def link_candidates(
        self, buckets: Sequence[bytes], words: range = range(2**31)
    ) -> list[tuple[str, bytes, int]]:
        """Copies sharing an LSH bucket whose number of words is in `words`, with their
        MinHash values and words."""
        if not buckets or not words:
            return []
        rows = self._db().all(
            "SELECT DISTINCT c.statement_id, c.minhash, c.words FROM link_buckets b"
            " JOIN link_copies c ON c.statement_id = b.statement_id"
            f" WHERE b.bucket IN ({self.dialect.marks(len(buckets))})"
            " AND c.words >= ? AND c.words < ?",
            (*buckets, words.start, words.stop),
        )
        return [(str(r["statement_id"]), bytes(r["minhash"]), int(r["words"])) for r in rows]

    def first_with_keys(self, exact_keys: Sequence[str]) -> dict[str, tuple[str, str]]:
        """The first linked copy with each of these exact keys (those with none left out):
        (when it was seen, its id) by key, as `copy_with_key` orders them."""
        found: dict[str, tuple[str, str]] = {}
        for row in self._db().all_in(
            "SELECT exact_key, seen, statement_id FROM link_copies WHERE exact_key IN ({marks})",
            sorted(set(exact_keys)),
        ):
            here = (str(row["seen"]), str(row["statement_id"]))
            found[row["exact_key"]] = min(found.get(row["exact_key"], here), here)
        return found

    def bucket_rows(
        self, buckets: Sequence[bytes], words: range
    ) -> tuple[list[tuple[bytes, str]], list[tuple[str, str, bytes, int]]]:
        """(bucket, copy) of the copies in these LSH buckets, and each of those copies whose
        number of words is in `words` once: (copy, its statement, its MinHash values, its
        words). The buckets are read from their index, then each copy once, both in key
        order; the rows are the query's, as they come."""
        db = self._db()
        members = list(
            db.values_in(
                "SELECT bucket, statement_id FROM link_buckets WHERE bucket IN ({marks})",
                sorted(set(buckets)),
            )
        )
        copies = list(
            db.values_in(
                "SELECT statement_id, group_id, minhash, words FROM link_copies"
                " WHERE words >= ? AND words < ? AND statement_id IN ({marks})",
                sorted({key for _, key in members}),
                (words.start, words.stop),
            )
        )
        return members, copies

    def fact_bucket_copies(
        self, buckets: Sequence[bytes], language: str
    ) -> list[tuple[bytes, str, bytes | None]]:
        """(bucket, copy, its fact codes or None) of the linked copies in these fact buckets
        whose language is not `language`: the buckets' index read as two ranges of it, the
        languages before `language` and after it (a bucket's members in `language` itself,
        most of a big bucket's, are never read), in key order, each member's codes joined in
        the same query."""
        db = self._db()
        found: list[tuple[bytes, str, bytes | None]] = []
        for op in ("<", ">"):
            found += db.values_in(
                "SELECT f.bucket, f.statement_id, c.fact_codes FROM fact_buckets f"
                f" JOIN link_copies c ON c.statement_id = f.statement_id WHERE f.language {op} ?"
                " AND f.bucket IN ({marks})",
                sorted(set(buckets)),
                (language,),
            )
        return found

    def linked_facts(self, ids: Sequence[str]) -> dict[str, tuple[str, bytes | None]]:
        """The statement and fact codes (None: not known) of each of these copies that is
        linked, by copy, read in key order."""
        return {
            str(key): (str(group), None if codes is None else bytes(codes))
            for key, group, codes in self._db().values_in(
                "SELECT statement_id, group_id, fact_codes FROM link_copies"
                " WHERE statement_id IN ({marks})",
                sorted(set(ids)),
            )
        }

    def get_copy(self, statement_id: str) -> CopyLink | None:
        row = self._db().one("SELECT * FROM link_copies WHERE statement_id = ?", (statement_id,))
        return None if row is None else _copy(row)

    def copy_minhash(self, statement_id: str) -> bytes | None:
        """The MinHash values a linked copy was stored with (None: not linked)."""
        row = self._db().one(
            "SELECT minhash FROM link_copies WHERE statement_id = ?", (statement_id,)
        )
        return None if row is None else bytes(row["minhash"])

    def put_copy(
        self, row: CopyRow, translations: Sequence[Translation] = (), replaced: Sequence[bytes] = ()
    ) -> None:
        """Store a copy's link, LSH buckets, facts (their buckets under its language, and
        their codes) and translations, and its statement's canonical copy, in one
        transaction. `replaced`: the LSH buckets of the copy's text before (an edit), which
        are removed (they are found by band alone: no index by copy is kept)."""
        link, minhash, buckets, facts = row
        with self._writing() as db:
            old = db.one(
                "SELECT group_id FROM link_copies WHERE statement_id = ?" + self.dialect.for_update,
                (link.statement_id,),
            )
            if old is not None:  # a copy never linked has no buckets
                db.executemany(_DROP_BUCKET, [(bucket, link.statement_id) for bucket in replaced])
                _drop_fact_buckets(db, link.statement_id)
            db.execute(
                _UPSERT_COPY_FACTS,
                (*_copy_values(link, minhash), facts[2] if facts else None, LINK_VERSION),
            )
            db.executemany(_ADD_BUCKET, [(bucket, link.statement_id) for bucket in buckets])
            if facts:
                db.executemany(
                    _ADD_FACT_BUCKET, [(bucket, facts[0], link.statement_id) for bucket in facts[1]]
                )
                db.executemany(_UPSERT_FACT_KEYS, _fact_keys(link.statement_id, facts))
            db.executemany(_UPSERT_TRANSLATION, [_translation_values(t) for t in translations])
            _refresh_group(db, link.group_id)
            if old is not None and old["group_id"] != link.group_id:
                _refresh_group(db, str(old["group_id"]))

    def put_new_copies(self, rows: Sequence[tuple[CopyRow, Sequence[Translation]]]) -> None:
        """Store the links of copies never linked before (each once), with their LSH and fact
        buckets and translations, as `put_copy` of each in turn stores them, in one
        transaction: buckets written in key order, each statement's canonical copy once."""
        with self._writing() as db:
            db.executemany(
                _UPSERT_COPY_FACTS,
                [
                    (*_copy_values(link, minhash), facts[2] if facts else None, LINK_VERSION)
                    for (link, minhash, _, facts), _ in rows
                ],
            )
            db.executemany(
                _ADD_BUCKET,
                sorted(
                    (bucket, row.link.statement_id) for row, _ in rows for bucket in row.buckets
                ),
            )
            db.executemany(
                _ADD_FACT_BUCKET,
                sorted(
                    (bucket, row.facts[0], row.link.statement_id)
                    for row, _ in rows
                    if row.facts
                    for bucket in row.facts[1]
                ),
            )
            db.executemany(
                _UPSERT_FACT_KEYS,
                sorted(
                    keys
                    for row, _ in rows
                    if row.facts
                    for keys in _fact_keys(row.link.statement_id, row.facts)
                ),
            )
            db.executemany(
                _UPSERT_TRANSLATION, [_translation_values(t) for _, found in rows for t in found]
            )
            _refresh_groups(db, list(dict.fromkeys(row.link.group_id for row, _ in rows)))

    def _relink_lock(self, wait: bool) -> bool:
        """Take the lock a relink holds while it runs (each backend its own, freed when the
        process dies); without `wait`, False at once if another process holds it."""
        raise NotImplementedError

    def _relink_unlock(self) -> None:
        """Free the lock `_relink_lock` took."""
        raise NotImplementedError

    def restore_link_indexes(self) -> None:
        """Make `RELINK_INDEXES` again where a killed relink left them out, unless a relink
        runs (it makes them at its end), so that ingest meanwhile reads through them."""
        present = {str(row["name"]) for row in self._db().all(INDEX_NAMES[self.dialect.name])}
        if all(name in present for name, _ in RELINK_INDEXES):
            return
        if not self._relink_lock(wait=False):
            return
        try:
            with self._writing() as db:
                for name, columns in RELINK_INDEXES:
                    db.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {columns}")
        finally:
            self._relink_unlock()

    def start_relink(self) -> None:
        """Delete every link and make ready for `put_copies`: the copies' links and LSH
        buckets are staged, a row a copy, and `RELINK_INDEXES` dropped, all made once by
        `finish_relink` (a killed relink is redone by the next). The relink lock is held
        until `finish_relink`."""
        self._relink_lock(wait=True)
        with self._writing() as db:
            for name, _ in RELINK_INDEXES:
                db.execute(f"DROP INDEX IF EXISTS {name}")
            clear_links(db)
            blob = self.dialect.blob
            db.execute(
                "CREATE TEMP TABLE IF NOT EXISTS relink_staged (statement_id TEXT NOT NULL,"
                " group_id TEXT NOT NULL, kind TEXT NOT NULL, matched TEXT,"
                " evidence TEXT NOT NULL, exact_key TEXT NOT NULL, seen TEXT NOT NULL,"
                f" own_site INTEGER NOT NULL, words INTEGER NOT NULL, minhash {blob} NOT NULL,"
                f" fact_codes {blob}, width INTEGER NOT NULL, buckets {blob} NOT NULL,"
                f" language TEXT, fact_width INTEGER, fact_buckets {blob})"
            )
            db.execute("DELETE FROM relink_staged")

    def put_copies(self, rows: Sequence[CopyRow]) -> None:
        """Stage the links of many copies not linked yet, their LSH buckets and facts'
        buckets (all of a copy in one row), in one transaction (between `start_relink` and
        `finish_relink`): appended, where `link_copies`, kept in id order, would take each
        at a random place."""
        with self._writing() as db:
            db.executemany(
                f"INSERT INTO relink_staged ({_STAGED_COLUMNS}) VALUES"
                f" ({', '.join('?' * len(_STAGED_COLUMNS.split(', ')))})",
                [
                    (
                        *_copy_values(link, minhash),
                        facts[2] if facts else None,
                        *_staged(found, facts),
                    )
                    for link, minhash, found, facts in rows
                ],
            )

    def finish_relink(self) -> None:
        """Write the staged links in id order and index the staged LSH buckets (in key
        order) with each copy's fact keys in one row (in id order), make `RELINK_INDEXES`
        again, and rebuild every statement's canonical copy and copy count from its copies.
        SQLite sorts with helper threads here (`SORT_THREADS`): this step runs alone, with
        the cores the relink's workers used idle."""
        with self._writing() as db, _sort_threads(db):
            with _queued_at_once(db, _COPIES_TRIGGER, _QUEUE_COPIES):
                db.execute(
                    f"INSERT INTO link_copies ({_COPY_COLUMNS}, link_version)"
                    f" SELECT {_COPY_COLUMNS}, ? FROM relink_staged ORDER BY statement_id",
                    (LINK_VERSION,),
                )
            for prefix, table, columns in (
                ("", "link_buckets", "statement_id"),
                ("fact_", "fact_buckets", "language, statement_id"),
            ):
                most = db.count(
                    f"SELECT coalesce(max(length({prefix}buckets) / {prefix}width), 0) AS n"
                    " FROM relink_staged"
                )
                if most:
                    db.execute(_unstaged(prefix, table, columns, most))
            db.execute(
                "INSERT INTO fact_keys (statement_id, language, width, keys)"
                " SELECT statement_id, language, fact_width, fact_buckets FROM relink_staged"
                " WHERE fact_width IS NOT NULL AND language IS NOT NULL ORDER BY statement_id"
            )
            db.execute("DROP TABLE relink_staged")
            for name, columns in RELINK_INDEXES:
                db.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {columns}")
            db.execute("DELETE FROM statement_groups")
            with _queued_at_once(db, _GROUPS_TRIGGER, _QUEUE_OTHER_COPIES):
                db.execute(_ALL_GROUPS)
        self._relink_unlock()

    def old_links(self) -> int:
        """How many copies an older linker than `LINK_VERSION` linked (`relink` redoes them)."""
        return old_links(self._db())

    def put_translations(self, translations: Sequence[Translation]) -> None:
        """Store many translations (pairs of statements) in one transaction."""
        with self._writing() as db:
            db.executemany(_UPSERT_TRANSLATION, [_translation_values(t) for t in translations])

    def link_texts(self, ids: Sequence[str]) -> list[LinkText]:
        """What linking reads of the statements with these ids, in that order (those not
        stored left out): their texts and where they were published, not whole statements."""
        if not ids:
            return []
        rows = self._db().all(
            "SELECT s.id, s.url, s.source, s.issuer, s.language, t.text FROM statements s"
            " JOIN statement_texts t ON t.rowid = s.rowid"
            f" WHERE s.id IN ({self.dialect.marks(len(ids))})",
            tuple(ids),
        )
        found = {
            row["id"]: LinkText(
                row["id"], row["url"], row["source"], row["issuer"], row["language"], row["text"]
            )
            for row in rows
        }
        return [found[key] for key in ids if key in found]

    def statement_texts(self, ids: Sequence[str]) -> dict[str, str]:
        """The texts of the statements with these ids, by id (those not stored left out):
        the text alone, not the whole statement."""
        if not ids:
            return {}
        rows = self._db().all(
            "SELECT s.id, t.text FROM statements s JOIN statement_texts t ON t.rowid = s.rowid"
            f" WHERE s.id IN ({self.dialect.marks(len(ids))})",
            tuple(ids),
        )
        return {str(row["id"]): row["text"] or "" for row in rows}

    def copies(self, group_id: str) -> list[CopyLink]:
        """The copies of a statement, the canonical one first."""
        rows = self._db().all(
            f"SELECT c.* FROM {WITH_STATEMENTS} WHERE c.group_id = ? ORDER BY {CANONICAL_FIRST}",
            (group_id,),
        )
        return [_copy(r) for r in rows]

    def translations(self, group_id: str) -> list[Translation]:
        rows = self._db().all(
            "SELECT * FROM translations WHERE group_id = ? ORDER BY confidence DESC, other_group",
            (group_id,),
        )
        return [record_from_row(Translation, r) for r in rows]

    def link_order(self) -> list[tuple[str, str]]:
        """(statement id, first captured) of every statement, in the order `relink` links:
        first captured first, then in the order they were stored (the statements of one
        capture, a JSONL or WARC file, as ingest linked them)."""
        rows = self._db().all(
            "SELECT v.statement_id, min(v.fetched_at) AS seen FROM versions v"
            " JOIN statements s ON s.id = v.statement_id"
            " GROUP BY v.statement_id, s.rowid ORDER BY seen, s.rowid"
        )
        return [(str(r["statement_id"]), str(r["seen"])) for r in rows]


def hit_links(db: Db, ids: Sequence[str]) -> dict[str, tuple[int, tuple[str, ...]]]:
    """How many copies each statement has, and the languages of its translations."""
    if not ids:
        return {}
    rows = db.all(
        "SELECT c.statement_id, g.copies, t.language FROM link_copies c"
        " JOIN statement_groups g ON g.id = c.group_id"
        " LEFT JOIN translations t ON t.group_id = c.group_id"
        f" WHERE c.statement_id IN ({db.dialect.marks(len(ids))})",
        tuple(ids),
    )
    copies: dict[str, int] = {}
    languages: dict[str, set[str]] = {}
    for row in rows:
        copies[row["statement_id"]] = int(row["copies"])
        found = languages.setdefault(row["statement_id"], set())
        if row["language"]:
            found.add(row["language"])
    return {key: (count, tuple(sorted(languages[key]))) for key, count in copies.items()}


def old_links(db: Db) -> int:
    """How many copies an older linker than `LINK_VERSION` linked, or one from before links
    had versions (NULL): read from the index on versions, so nothing is scanned when none is."""
    return db.count(
        "SELECT count(*) AS n FROM link_copies WHERE link_version IS NULL"
        " OR link_version < ? OR link_version > ?",
        (LINK_VERSION, LINK_VERSION),
    )


def clear_links(db: Db) -> None:
    """Delete every link, in the caller's transaction.

    SQLite's delete triggers (`_DELETE_TRIGGERS`) would queue for search, a statement's row
    at a time, its copies other than the canonical one, each time looking its copies up in
    `link_copies` (without `link_copies_group`, dropped by a relink, a scan of the table per
    statement); those rows are queued in one statement instead, then the tables emptied with
    the triggers dropped (SQLite then empties a table without visiting its rows)."""
    with _triggers_dropped(db, _DELETE_TRIGGERS) as dropped:
        if dropped:
            db.execute(_QUEUE_LINKED_COPIES)
        for table in LINK_TABLES:
            db.execute(f"DELETE FROM {table}")


SORT_THREADS = min(os.cpu_count() or 1, 4)
"""Helper threads of SQLite's sorter in `finish_relink` (`PRAGMA threads`). At 300k staged
copies on 2 idle cores, 2 made the step 22.4 -> 18.9 s wall (its two bucket splits 13.7 ->
9.7 s) for 3 CPU s more."""


@contextmanager
def _sort_threads(db: Db) -> Iterator[None]:
    """SQLite's sorter with `SORT_THREADS` helper threads while the block runs."""
    if db.dialect.name != "sqlite":
        yield
        return
    db.execute(f"PRAGMA threads = {SORT_THREADS}")
    try:
        yield
    finally:
        db.execute("PRAGMA threads = 0")


_ALL_GROUPS = (
    "INSERT INTO statement_groups (id, canonical, copies)"
    " SELECT g.group_id, CASE WHEN count(*) = 1 THEN min(g.statement_id) ELSE"
    f" (SELECT c.statement_id FROM {WITH_STATEMENTS} WHERE c.group_id = g.group_id"
    f" ORDER BY {CANONICAL_FIRST} LIMIT 1) END, count(*) FROM link_copies g"
    " GROUP BY g.group_id ORDER BY g.group_id"
)
"""Every statement's canonical copy and copy count, in id order, from `link_copies` (read
through its index by statement, in order): a statement of one copy (most) has that copy
without its statement row read; the copies of the others are ranked by `CANONICAL_FIRST`."""
_QUEUE_OTHER_COPIES = (
    "INSERT INTO search_queue (statement) SELECT s.rowid FROM statement_groups g"
    " CROSS JOIN link_copies c CROSS JOIN statements s"  # (SQLite: in this order)
    " WHERE g.copies > 1 AND c.group_id = g.id AND c.statement_id <> g.canonical"
    " AND s.id = c.statement_id ORDER BY g.id, c.statement_id"
)
"""What SQLite's trigger `search_groups_ai` queues for the search index when every
statement's row is inserted in id order: each other copy than the canonical one, by
statement, then by copy."""
_QUEUE_COPIES = (
    "INSERT INTO search_queue (statement) SELECT s.rowid FROM relink_staged r"
    " JOIN statement_groups g ON g.id = r.group_id JOIN statements s ON s.id = r.statement_id"
    " WHERE g.canonical <> r.statement_id ORDER BY r.statement_id"
)
"""What SQLite's trigger `search_copies_ai` queues when every staged copy is inserted in id
order: those whose statement has another canonical copy."""
_QUEUE_LINKED_COPIES = (
    "INSERT INTO search_queue (statement) SELECT s.rowid FROM link_copies c"
    " JOIN statement_groups g ON g.id = c.group_id JOIN statements s ON s.id = c.statement_id"
    " WHERE c.statement_id <> g.canonical ORDER BY g.id, c.statement_id"
)
"""What SQLite's triggers on delete queue when every statement's row is deleted in id order,
then every copy: each copy other than its statement's canonical one (the copies' trigger
then finds no statement), by statement, then by copy."""
_DELETE_TRIGGERS = ("search_groups_ad", "search_copies_ad")
_GROUPS_TRIGGER = "search_groups_ai"
_COPIES_TRIGGER = "search_copies_ai"
"""SQLite's triggers queueing for search a new statement's other copies, a new copy that is
not its statement's canonical one (`migrations.SEARCH_COPIES`)."""


@contextmanager
def _queued_at_once(db: Db, trigger: str, queue: str) -> Iterator[None]:
    """SQLite: the block inserts many rows in key order with `trigger` (a search-queue
    trigger on insert) dropped; `queue` then queues in one statement the rows the trigger
    would have queued row by row, in its order (it read each row's copies or statement,
    most of them for nothing); nothing while `statement_groups` is empty, as after the
    copies of a relink. The trigger is made again in the same transaction (a failure rolls
    both back)."""
    with _triggers_dropped(db, (trigger,)) as dropped:
        yield
        if dropped and db.one("SELECT 1 AS x FROM statement_groups LIMIT 1"):
            db.execute(queue)


@contextmanager
def _triggers_dropped(db: Db, names: Sequence[str]) -> Iterator[bool]:
    """SQLite: these triggers dropped for the block and made again after it, in the
    caller's transaction (a failure rolls both back); gives whether any was there."""
    found: list[Row] = []
    if db.dialect.name == "sqlite":
        marks = ", ".join("?" * len(names))
        found = db.all(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({marks})",
            tuple(names),
        )
    for row in found:
        db.execute(f"DROP TRIGGER {row['name']}")
    yield bool(found)
    for row in found:
        db.execute(str(row["sql"]))


def _fact_keys(statement_id: str, facts: FactRow) -> list[tuple[object, ...]]:
    """The `fact_keys` row of a copy's facts (none without buckets): its keys joined."""
    width, joined = _joined(facts[1])
    return [(statement_id, facts[0], width, joined)] if joined else []


def _drop_fact_buckets(db: Db, statement_id: str) -> None:
    """Delete a copy's fact buckets by their exact keys (`fact_keys`) and its keys' row."""
    row = db.one(
        "SELECT language, width, keys FROM fact_keys WHERE statement_id = ?", (statement_id,)
    )
    if row is None:
        return
    width, joined = int(row["width"]), bytes(row["keys"])
    db.executemany(
        _DROP_FACT_BUCKET,
        [
            (joined[at : at + width], row["language"], statement_id)
            for at in range(0, len(joined), width)
        ],
    )
    db.execute("DELETE FROM fact_keys WHERE statement_id = ?", (statement_id,))


def _refresh_group(db: Db, group_id: str) -> None:
    row = db.one(
        f"SELECT c.statement_id, count(*) OVER () AS n FROM {WITH_STATEMENTS}"
        f" WHERE c.group_id = ? ORDER BY {CANONICAL_FIRST} LIMIT 1",
        (group_id,),
    )
    if row is None:
        db.execute("DELETE FROM statement_groups WHERE id = ?", (group_id,))
        return
    db.execute(
        upsert("statement_groups", "id canonical copies", "id"),
        (group_id, row["statement_id"], row["n"]),
    )


def _refresh_groups(db: Db, group_ids: Sequence[str]) -> None:
    """`_refresh_group` of statements that each have a copy, their copies read a query per
    `IN_LIST` of them (as `finish_relink` ranks them all)."""
    found = [
        (str(group), str(canonical), int(copies))
        for group, canonical, copies in db.values_in(
            "SELECT group_id, statement_id, n FROM (SELECT c.group_id, c.statement_id,"
            " count(*) OVER (PARTITION BY c.group_id) AS n, row_number() OVER"
            f" (PARTITION BY c.group_id ORDER BY {CANONICAL_FIRST}) AS r FROM {WITH_STATEMENTS}"
            " WHERE c.group_id IN ({marks})) AS ranked WHERE r = 1",
            group_ids,
        )
    ]
    db.executemany(upsert("statement_groups", "id canonical copies", "id"), found)


def _copy_values(link: CopyLink, minhash: bytes) -> tuple[object, ...]:
    return (
        link.statement_id, link.group_id, link.kind, link.matched, link.evidence,
        link.exact_key, link.seen, int(link.own_site), link.words, minhash,
    )  # fmt: skip


def _translation_values(t: Translation) -> tuple[object, ...]:
    return (t.group_id, t.other_group, t.language, t.confidence, t.evidence)


def _copy(row: Row) -> CopyLink:
    return record_from_row(CopyLink, row, own_site=bool(row["own_site"]))
