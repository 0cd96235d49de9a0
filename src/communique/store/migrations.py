"""SQLite schema migrations: named scripts, each applied once and recorded in `migrations`.

Each part of the archive (core, crawl, enrich, …) appends its own named scripts to
`MIGRATIONS`; names never change once released, and order within the tuple is the order
of application on a new database.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from communique.store import schema
from communique.store.dialect import SQLITE
from communique.store.keys import API_KEY_SCHEMA
from communique.store.link_tables import (
    LINK_BUCKETS_BY_BAND,
    LINK_FACT_BUCKETS,
    LINK_FACT_CODES,
    LINK_FACT_KEYS,
    LINK_SCHEMA,
    LINK_VERSIONS,
    fact_keys_of_buckets,
    move_fact_buckets,
)
from communique.store.saved import SAVED_SEARCH_SCHEMA
from communique.store.vectors import VECTOR_SCHEMA

CORE_SCHEMA = f"""{SQLITE.ddl(schema.CAPTURE_TABLES)}
CREATE INDEX captures_fetched ON captures(fetched_at);
{SQLITE.ddl(schema.STATEMENT_TABLES)}
CREATE INDEX statements_published ON statements(published);
-- title and text live apart from the metadata, so that filters and facets scan narrow rows
CREATE TABLE statement_texts (
    rowid INTEGER PRIMARY KEY REFERENCES statements(rowid) ON DELETE CASCADE,
    title TEXT NOT NULL,
    text TEXT NOT NULL
);
{schema.VERSION_TABLES}CREATE VIRTUAL TABLE statements_fts USING fts5(
    title, text,
    content='statement_texts', content_rowid='rowid',
    tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER statement_texts_ai AFTER INSERT ON statement_texts BEGIN
    INSERT INTO statements_fts(rowid, title, text) VALUES (new.rowid, new.title, new.text);
END;
CREATE TRIGGER statement_texts_ad AFTER DELETE ON statement_texts BEGIN
    INSERT INTO statements_fts(statements_fts, rowid, title, text)
    VALUES ('delete', old.rowid, old.title, old.text);
END;
CREATE TRIGGER statement_texts_au AFTER UPDATE ON statement_texts BEGIN
    INSERT INTO statements_fts(statements_fts, rowid, title, text)
    VALUES ('delete', old.rowid, old.title, old.text);
    INSERT INTO statements_fts(rowid, title, text) VALUES (new.rowid, new.title, new.text);
END;
"""

CRAWL_SCHEMA = f"""{SQLITE.ddl(schema.CRAWL_RUNS)}
{SQLITE.ddl(schema.FRONTIER)}CREATE INDEX frontier_next ON frontier(run_id, state, priority);
{SQLITE.ddl(schema.URL_CHANGES)}CREATE INDEX versions_capture ON versions(capture_id);
"""

DATE_CONFIDENCE = """
ALTER TABLE statements ADD COLUMN published_confidence REAL NOT NULL DEFAULT 0;
"""
PARAGRAPH_LANGUAGES = """
ALTER TABLE statements ADD COLUMN paragraph_languages TEXT NOT NULL DEFAULT '[]';
"""
PROCESSED = f"""{SQLITE.ddl(schema.PROCESSED_TABLE)}
INSERT OR IGNORE INTO processed SELECT capture_id, pipeline_version FROM versions;
INSERT OR IGNORE INTO processed SELECT capture_id, pipeline_version FROM failures
    WHERE capture_id IS NOT NULL;
{schema.REPROCESS_PENDING}"""

_QUEUE_IF_OTHER_COPY = """CREATE TRIGGER search_copies_{name} AFTER {event} ON link_copies BEGIN
    INSERT INTO search_queue (statement) SELECT s.rowid FROM statements s
    JOIN statement_groups g ON g.id = {row}.group_id
    WHERE s.id = {row}.statement_id AND g.canonical <> {row}.statement_id;
END;"""
_QUEUE_OTHER_COPIES = """CREATE TRIGGER search_groups_{name} AFTER {event} ON statement_groups BEGIN
    INSERT INTO search_queue (statement) SELECT s.rowid FROM link_copies c
    JOIN statements s ON s.id = c.statement_id
    WHERE c.group_id = {row}.id AND c.statement_id <> {row}.canonical;
END;"""
SEARCH_COPIES = "\n".join(
    [
        "-- the index holds whether a statement is another copy than its group's canonical one"
        " (left out of searches unless copies:all): a change of that standing queues it",
        *(
            template.format(name=name, event=event, row=row)
            for template in (_QUEUE_IF_OTHER_COPY, _QUEUE_OTHER_COPIES)
            for name, event, row in (("ai", "INSERT", "new"), ("ad", "DELETE", "old"))
        ),
        """CREATE TRIGGER search_copies_au AFTER UPDATE OF group_id ON link_copies
WHEN old.group_id IS NOT new.group_id BEGIN
    INSERT INTO search_queue (statement) SELECT rowid FROM statements WHERE id = new.statement_id;
END;
CREATE TRIGGER search_groups_au AFTER UPDATE OF canonical ON statement_groups
WHEN old.canonical IS NOT new.canonical BEGIN
    INSERT INTO search_queue (statement)
    SELECT rowid FROM statements WHERE id IN (old.canonical, new.canonical);
END;""",
    ]
)

WARNINGS = """
ALTER TABLE statements ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]';
"""


def _queue_trigger(name: str, event: str, table: str, statement: str) -> str:
    """A trigger queueing the statement a row of `table` belongs to for the search index."""
    return (
        f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN\n"
        f"    INSERT INTO search_queue (statement) {statement};\nEND;\n"
    )


_BY_ID = "SELECT rowid FROM statements WHERE id = {}.statement_id"
_SEARCH_QUEUE_TRIGGERS = "".join(
    _queue_trigger(name, event, table, statement)
    for name, event, table, statement in (
        ("search_statements_ai", "INSERT", "statements", "VALUES (new.rowid)"),
        ("search_statements_au", "UPDATE", "statements", "VALUES (new.rowid)"),
        ("search_statements_ad", "DELETE", "statements", "VALUES (old.rowid)"),
        ("search_texts_au", "UPDATE", "statement_texts", "VALUES (new.rowid)"),
        ("search_enrichments_ai", "INSERT", "enrichments", _BY_ID.format("new")),
        ("search_enrichments_ad", "DELETE", "enrichments", _BY_ID.format("old")),
    )
)
SEARCH_SCHEMA = f"""
-- statements whose search index entry is missing or stale (see store/sqlite_index.py)
CREATE TABLE search_queue (seq INTEGER PRIMARY KEY AUTOINCREMENT, statement INTEGER NOT NULL);
CREATE TABLE search_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO search_meta (key, value) VALUES ('stamp', lower(hex(randomblob(16))));
{_SEARCH_QUEUE_TRIGGERS}
-- FTS5 now indexes titles only (for linking references to the statements they name)
DROP TRIGGER statement_texts_ai;
DROP TRIGGER statement_texts_ad;
DROP TRIGGER statement_texts_au;
DROP TABLE statements_fts;
CREATE VIRTUAL TABLE statements_fts USING fts5(
    title, content='statement_texts', content_rowid='rowid',
    tokenize='unicode61 remove_diacritics 2'
);
INSERT INTO statements_fts (statements_fts) VALUES ('rebuild');
CREATE TRIGGER statement_texts_ai AFTER INSERT ON statement_texts BEGIN
    INSERT INTO statements_fts (rowid, title) VALUES (new.rowid, new.title);
END;
CREATE TRIGGER statement_texts_ad AFTER DELETE ON statement_texts BEGIN
    INSERT INTO statements_fts (statements_fts, rowid, title)
    VALUES ('delete', old.rowid, old.title);
END;
CREATE TRIGGER statement_texts_au AFTER UPDATE ON statement_texts BEGIN
    INSERT INTO statements_fts (statements_fts, rowid, title)
    VALUES ('delete', old.rowid, old.title);
    INSERT INTO statements_fts (rowid, title) VALUES (new.rowid, new.title);
END;
"""

TIMELINE_SCHEMA = f"""{schema.TIMELINE_TABLE}
INSERT INTO statement_timeline (statement_id, date, date_end, start, sentence)
    SELECT e.statement_id, json_extract(j.value, '$.date'), json_extract(j.value, '$.date_end'),
        json_extract(j.value, '$.start'), json_extract(j.value, '$.sentence')
    FROM enrichments e, json_each(e.data, '$.events') j
    WHERE json_extract(j.value, '$.date') GLOB '[0-9][0-9][0-9][0-9]'
        OR json_extract(j.value, '$.date') GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'
        OR json_extract(j.value, '$.date') GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]';
"""

EXPLORE_SUMMARIES = """
INSERT INTO statement_explore (statement_key, issuer, places, dates, countries)
    SELECT s.rowid, s.country,
        coalesce((SELECT group_concat(place, char(30)) FROM (
            SELECT DISTINCT replace(replace(name, char(30), ' '), char(31), ' ')
                || char(31) || lat || char(31) || lon || char(31)
                || coalesce(country, '') AS place
            FROM statement_places p
            WHERE p.statement_id = e.statement_id AND p.feature != 'country' ORDER BY 1)), ''),
        coalesce((SELECT group_concat(date, char(30)) FROM (SELECT date
            FROM statement_timeline t WHERE t.statement_id = e.statement_id ORDER BY 1)), ''),
        coalesce((SELECT group_concat(country, char(30)) FROM (SELECT country
            FROM statement_countries c WHERE c.statement_id = e.statement_id ORDER BY 1)), '')
    FROM enrichments e CROSS JOIN statements s WHERE s.id = e.statement_id;
"""
"""`statement_explore` rows from the enrichment tables, for an archive enriched before it."""
EXPLORE_ISSUER = """
CREATE TRIGGER statement_explore_issuer AFTER UPDATE OF country ON statements
WHEN old.country IS NOT new.country BEGIN
    UPDATE statement_explore SET issuer = new.country WHERE statement_key = new.rowid;
END;
"""
"""A statement's country changed is its explore row's issuer too."""

WRITER_INDEXES = """
-- a fresh statement is indexed by title and queued for the search index by its writer, once
-- for a whole batch (`SqliteStore._inserted`): an insert trigger made FTS5 flush its pending
-- terms to a new segment at every row
DROP TRIGGER statement_texts_ai;
DROP TRIGGER search_statements_ai;
"""

MIGRATIONS: tuple[tuple[str, str], ...] = (
    ("core-0001-schema", CORE_SCHEMA),
    ("crawl-0001-frontier", CRAWL_SCHEMA),
    ("crawl-0002-source-selectors", "ALTER TABLE sources ADD COLUMN selectors TEXT;"),
    (
        "crawl-0003-robots",
        "CREATE TABLE robots (origin TEXT PRIMARY KEY, body TEXT NOT NULL,"
        " fetched_at TEXT NOT NULL);",
    ),
    ("extract-0001-site-lines", SQLITE.ddl(schema.SITE_LINES)),
    ("extract-0002-date-confidence", DATE_CONFIDENCE),
    ("extract-0003-paragraph-languages", PARAGRAPH_LANGUAGES),
    ("enrich-0001-tables", SQLITE.ddl(schema.ENRICH_SCHEMA)),
    ("core-0002-processed", PROCESSED),
    ("extract-0004-date-precision", schema.DATE_PRECISION),
    ("extract-0005-warnings", WARNINGS),
    ("web-0001-saved-searches", SAVED_SEARCH_SCHEMA),
    (
        "link-0001-tables",
        SQLITE.ddl(LINK_SCHEMA),
    ),
    ("web-0002-vectors", SQLITE.ddl(VECTOR_SCHEMA)),
    ("search-0001-index-queue", SEARCH_SCHEMA),
    ("web-0003-timeline", TIMELINE_SCHEMA),
    ("harden-0001-api-keys", API_KEY_SCHEMA),
    ("web-0004-explore-summaries", schema.EXPLORE_TABLE),  # filled by web-0005
    ("search-0002-copies", SEARCH_COPIES),
    (
        "web-0005-explore-keys",
        SQLITE.ddl(schema.EXPLORE_KEYED) + EXPLORE_SUMMARIES + EXPLORE_ISSUER,
    ),
    ("link-0002-fact-codes", SQLITE.ddl(LINK_FACT_CODES)),
    (
        "link-0003-fact-buckets",
        SQLITE.ddl(LINK_FACT_BUCKETS) + move_fact_buckets(SQLITE),
    ),
    ("core-0003-unfinished-work", schema.UNFINISHED_WORK),
    ("extract-0006-site-line-groups", SQLITE.ddl(schema.SITE_LINE_GROUPS)),
    ("extract-0007-site-line-stamps", schema.SITE_LINE_STAMPS),
    ("link-0004-buckets-by-band", LINK_BUCKETS_BY_BAND),
    ("link-0005-versions", LINK_VERSIONS),
    ("search-0003-writer-indexes", WRITER_INDEXES),
    ("extract-0008-site-line-bundles", schema.SITE_LINE_BUNDLES),
    ("link-0006-fact-keys", SQLITE.ddl(LINK_FACT_KEYS) + fact_keys_of_buckets(SQLITE)),
)


def migrate(conn: sqlite3.Connection) -> list[str]:
    """Apply every migration not yet applied, each in its own transaction; returns their names."""
    conn.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    done = {row[0] for row in conn.execute("SELECT name FROM migrations")}
    applied = []
    for name, script in MIGRATIONS:
        if name in done:
            continue
        stamp = datetime.now(UTC).isoformat()
        try:
            conn.executescript(
                f"BEGIN IMMEDIATE;\n{script}\n"
                f"INSERT INTO migrations (name, applied_at) VALUES ('{name}', '{stamp}');\nCOMMIT;"
            )
        except sqlite3.DatabaseError:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if _applied(conn, name):  # another process opening the archive applied it first
                continue
            raise
        applied.append(name)
    return applied


def _applied(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM migrations WHERE name = ?", (name,)).fetchone() is not None
