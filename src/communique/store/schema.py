"""Tables both backends create alike, as templates of `Dialect.ddl`.

Each backend's migrations (`migrations.py`, `postgres_schema.py`) put these pieces in its own
named scripts, beside what only it has (SQLite's FTS5 tables, PostgreSQL's text-search
columns and identity sequences). Dates are ISO 8601 text on both, so they sort alike.
"""

from __future__ import annotations

CAPTURE_TABLES = """
CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    size {bigint} NOT NULL,
    zbody {blob} NOT NULL
);
CREATE TABLE captures (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES blobs(sha256),
    size {bigint} NOT NULL,
    content_type TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    status INTEGER,
    headers TEXT NOT NULL DEFAULT '[]',
    origin TEXT NOT NULL DEFAULT '',
    source TEXT
);
CREATE INDEX captures_url ON captures(url);
"""
STATEMENT_TABLES = """
CREATE TABLE sources (
    name TEXT PRIMARY KEY,
    homepage TEXT,
    issuer TEXT,
    country TEXT,
    languages TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE statements (
    rowid {integer_key},
    id TEXT NOT NULL UNIQUE,
    url TEXT NOT NULL,
    published TEXT,
    published_source TEXT NOT NULL,
    issuer TEXT,
    country TEXT,
    language TEXT,
    doc_type TEXT NOT NULL,
    source TEXT,
    capture_ids TEXT NOT NULL,
    latest_fetched_at TEXT NOT NULL,
    pipeline_version TEXT NOT NULL
);
CREATE INDEX statements_issuer ON statements(issuer);
CREATE INDEX statements_country ON statements(country);
CREATE INDEX statements_language ON statements(language);
"""
"""Sources and statements as first released; later columns come in their own migrations."""
VERSION_TABLES = """
CREATE TABLE versions (
    statement_id TEXT NOT NULL,
    capture_id TEXT NOT NULL REFERENCES captures(id),
    fetched_at TEXT NOT NULL,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    pipeline_version TEXT NOT NULL,
    PRIMARY KEY (statement_id, capture_id)
);
CREATE TABLE failures (
    key TEXT PRIMARY KEY,
    capture_id TEXT,
    url TEXT NOT NULL,
    origin TEXT NOT NULL,
    reason TEXT NOT NULL,
    at TEXT NOT NULL,
    pipeline_version TEXT NOT NULL
);
"""
"""Each capture's statement as extracted, and the captures that gave none."""

CRAWL_RUNS = """
CREATE TABLE crawl_runs (
    id {integer_key},
    source TEXT NOT NULL,
    started_at TEXT NOT NULL,
    since TEXT,
    finished_at TEXT,
    counts TEXT NOT NULL DEFAULT '{{}}'
);
CREATE INDEX crawl_runs_source ON crawl_runs(source, started_at);
"""
FRONTIER = """
CREATE TABLE frontier (
    run_id {bigint} NOT NULL REFERENCES crawl_runs(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    host TEXT NOT NULL,
    kind TEXT NOT NULL,
    priority INTEGER NOT NULL,
    parent TEXT,
    depth INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    capture_id TEXT,
    published TEXT,
    error TEXT,
    PRIMARY KEY (run_id, url)
);
CREATE INDEX frontier_parent ON frontier(run_id, parent);
"""
"""The URLs a crawl run found and their state; each backend adds how the order they were
added in is kept (`Dialect.frontier_order`: SQLite's rowid, PostgreSQL's `seq`)."""
URL_CHANGES = """
CREATE TABLE url_state (
    url TEXT NOT NULL,
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    etag TEXT,
    last_modified TEXT,
    status INTEGER,
    checked_at TEXT NOT NULL,
    removed_at TEXT,
    PRIMARY KEY (source, url)
);
CREATE TABLE changes (
    id {integer_key},
    statement_id TEXT NOT NULL,
    url TEXT NOT NULL,
    kind TEXT NOT NULL,
    detected_at TEXT NOT NULL,
    source TEXT,
    before_capture TEXT,
    after_capture TEXT
);
CREATE INDEX changes_detected ON changes(detected_at);
CREATE INDEX changes_statement ON changes(statement_id, kind);
"""
"""What each URL answered when last checked, and the edits and removals seen."""

SITE_LINES = """
-- per-host counts of extracted lines, to learn a site's recurring chrome incrementally
CREATE TABLE site_pages (
    host TEXT NOT NULL,
    capture_id TEXT NOT NULL,
    PRIMARY KEY (host, capture_id)
){without_rowid};
CREATE TABLE site_lines (
    host TEXT NOT NULL,
    line TEXT NOT NULL,
    pages INTEGER NOT NULL,
    PRIMARY KEY (host, line)
){without_rowid};
"""

SITE_LINE_GROUPS = """
-- the group a capture joined (its own, or an earlier one whose text it carries) and what it
-- saw when first counted; the group of a line's first capture
ALTER TABLE site_pages ADD COLUMN grp {bigint};
ALTER TABLE site_pages ADD COLUMN seen TEXT;
ALTER TABLE site_lines ADD COLUMN grp {bigint};
"""

SITE_LINE_STAMPS = """
-- how many captures of a site were counted, and for each line the count when it last got a
-- vote (or appeared): a line with no vote for a while is forgotten (see store.site_lines)
CREATE TABLE site_hosts (
    host TEXT PRIMARY KEY,
    counted INTEGER NOT NULL
);
INSERT INTO site_hosts (host, counted) SELECT host, count(*) FROM site_pages GROUP BY host;
ALTER TABLE site_lines ADD COLUMN stamp INTEGER;
UPDATE site_lines SET stamp = (
    SELECT counted FROM site_hosts WHERE site_hosts.host = site_lines.host
);
"""

SITE_LINE_BUNDLES = """
-- the lines a capture brought that the site had not stored, as one row of site_lines
-- (see store.site_lines): `line` names it, `pages` is 0, `bundled` holds their keys
ALTER TABLE site_lines ADD COLUMN bundled TEXT;
"""

DATE_PRECISION = """
ALTER TABLE statements ADD COLUMN published_precision TEXT NOT NULL DEFAULT 'day';
-- the last day `published` may stand for: itself, or the end of its month or year
ALTER TABLE statements ADD COLUMN published_end TEXT;
ALTER TABLE statements ADD COLUMN modified TEXT;
UPDATE statements SET published_end = published;
CREATE INDEX statements_published_end ON statements(published_end);
"""

ENRICH_SCHEMA = """
CREATE TABLE enrichments (
    statement_id TEXT PRIMARY KEY,
    version TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    data TEXT NOT NULL
);
-- who mentions whom: the issuer's country and each country the statement names
CREATE TABLE statement_countries (
    statement_id TEXT NOT NULL,
    country TEXT NOT NULL,
    issuer_country TEXT,
    mentions INTEGER NOT NULL,
    PRIMARY KEY (statement_id, country)
);
CREATE INDEX statement_countries_country ON statement_countries(country);
CREATE TABLE statement_places (
    statement_id TEXT NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    mention_key TEXT NOT NULL,
    geonames_id {bigint},
    country TEXT,
    feature TEXT NOT NULL,
    lat {real} NOT NULL,
    lon {real} NOT NULL
);
CREATE INDEX statement_places_statement ON statement_places(statement_id);
CREATE INDEX statement_places_name ON statement_places(name_key);
CREATE INDEX statement_places_mention ON statement_places(mention_key);
CREATE INDEX statement_places_lat ON statement_places(lat, lon);
CREATE TABLE statement_events (
    statement_id TEXT NOT NULL,
    first_day TEXT NOT NULL,
    last_day TEXT NOT NULL
);
CREATE INDEX statement_events_statement ON statement_events(statement_id);
CREATE INDEX statement_events_days ON statement_events(first_day, last_day);
CREATE TABLE statement_references (
    statement_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    ref_id TEXT,
    text TEXT NOT NULL,
    target_statement_id TEXT
);
CREATE INDEX statement_references_statement ON statement_references(statement_id);
CREATE INDEX statement_references_target ON statement_references(target_statement_id);
"""

PROCESSED_TABLE = """
-- captures whose statement, enrichment or permanent failure is fully stored, and by which
-- pipeline version: a capture missing here was cut short (kill -9, disk full) and is redone
CREATE TABLE processed (
    capture_id TEXT PRIMARY KEY,
    pipeline_version TEXT NOT NULL
){without_rowid};
"""
REPROCESS_PENDING = """
-- a row while a `reprocess` is unfinished: the next one resumes it instead of starting over
CREATE TABLE reprocess_pending (started_at TEXT NOT NULL);
"""
UNFINISHED_WORK = """
-- a row per whole-archive job begun and not finished (a `relink` killed half way leaves the
-- archive half linked): the CLI says so until the job is run again to its end
CREATE TABLE unfinished_work (work TEXT PRIMARY KEY, started_at TEXT NOT NULL);
"""

TIMELINE_TABLE = """
-- each dated event of a statement (its date a day, month or year), for the timeline view
CREATE TABLE statement_timeline (
    statement_id TEXT NOT NULL,
    date TEXT NOT NULL,
    date_end TEXT,
    start INTEGER NOT NULL,
    sentence TEXT NOT NULL
);
CREATE INDEX statement_timeline_statement ON statement_timeline(statement_id, date);
"""

EXPLORE_TABLE = """
-- what the explore views add up, one row a statement written with its enrichment: the
-- places it names but countries (each once: name, lat, lon and country joined by char 31)
-- and the date of each of its timeline events; records joined by char 30 (enrich_rows.py)
CREATE TABLE statement_explore (
    statement_id TEXT PRIMARY KEY,
    places TEXT NOT NULL,
    dates TEXT NOT NULL
);
-- the timeline's events in date order are read from the index alone
DROP INDEX statement_timeline_statement;
CREATE INDEX statement_timeline_statement ON statement_timeline(statement_id, date, start);
"""

EXPLORE_KEYED = """
-- statement_explore under the statement's own integer key (statements.rowid, which the search
-- index answers with), not its id: a match's row is one lookup, no statement row or id index
-- read; with the statement's country (kept in step by a trigger on statements) and the
-- countries it names (records joined by char 30) for who-names-whom
DROP TABLE statement_explore;
CREATE TABLE statement_explore (
    statement_key {bigint} PRIMARY KEY REFERENCES statements(rowid) ON DELETE CASCADE,
    issuer TEXT,
    places TEXT NOT NULL,
    dates TEXT NOT NULL,
    countries TEXT NOT NULL
);
"""
