"""PostgreSQL schema migrations: named scripts, each applied once and recorded in `migrations`.

The tables mirror the SQLite store's (same names, same columns, dates as ISO 8601 text so
both backends sort and compare them alike). Full-text search uses one text-search
configuration per language (the language's Snowball stemmer after `unaccent`) plus
`communique_simple` (no stemming, accents folded), which keeps words as they are written.
"""

from __future__ import annotations

import functools

import psycopg

from communique.lang import profiles
from communique.store import schema
from communique.store.dialect import POSTGRES
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
from communique.store.postgres_sample import Limits, in_sample
from communique.store.saved import SAVED_SEARCH_SCHEMA
from communique.store.vectors import VECTOR_SCHEMA

SIMPLE_CONFIG = "communique_simple"


@functools.cache
def text_configs() -> dict[str, str]:
    """ISO 639-1 code -> the Snowball stemmer its language profile names: each has a
    text-search configuration `communique_<code>` (made when a database opens, `migrate`).

    Example:
        >>> text_configs()["fr"], "az" in text_configs()
        ('french', False)
    """
    return {code: known.stemmer for code, known in profiles().items() if known.stemmer}


def text_config(language: str | None) -> str:
    """The text-search configuration for a statement in `language`.

    Example:
        >>> text_config("fr"), text_config("az"), text_config(None)
        ('communique_fr', 'communique_simple', 'communique_simple')
    """
    return f"communique_{language}" if language in text_configs() else SIMPLE_CONFIG


SIMPLE_CONFIG_SCRIPT = f"""CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE TEXT SEARCH CONFIGURATION {SIMPLE_CONFIG} (COPY = simple);
ALTER TEXT SEARCH CONFIGURATION {SIMPLE_CONFIG}
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;
"""


def language_configs_script(stemmers: dict[str, str], dictionaries: set[str]) -> str:
    """The SQL making `communique_<code>` for each of `stemmers`: the stemmer after `unaccent`,
    or, where this PostgreSQL has no `<stemmer>_stem` dictionary, a copy of the simple one.

    Example:
        >>> print(language_configs_script({"xx": "klingon"}, set()))
        CREATE TEXT SEARCH CONFIGURATION communique_xx (COPY = communique_simple);
    """
    lines = []
    for code, name in sorted(stemmers.items()):
        if f"{name}_stem" not in dictionaries:
            lines.append(
                f"CREATE TEXT SEARCH CONFIGURATION communique_{code} (COPY = {SIMPLE_CONFIG});"
            )
            continue
        lines.append(f"CREATE TEXT SEARCH CONFIGURATION communique_{code} (COPY = {name});")
        lines.append(
            f"ALTER TEXT SEARCH CONFIGURATION communique_{code}"
            f" ALTER MAPPING FOR hword, hword_part, word WITH unaccent, {name}_stem;"
        )
    return "\n".join(lines)


def _add_language_configs(conn: psycopg.Connection[dict[str, object]]) -> None:
    """Make the configuration of each profile's stemmer that the database does not have yet
    (all of them in a new database; a language whose profile was added since, in an old one)."""
    have = {
        row["cfgname"]
        for row in conn.execute(
            "SELECT cfgname FROM pg_ts_config WHERE cfgnamespace = current_schema()::regnamespace"
        )
    }
    missing = {c: n for c, n in text_configs().items() if f"communique_{c}" not in have}
    if missing:
        dictionaries = {
            str(row["dictname"]) for row in conn.execute("SELECT dictname FROM pg_ts_dict")
        }
        conn.execute(language_configs_script(missing, dictionaries).encode())


CORE_SCHEMA = f"""{POSTGRES.ddl(schema.CAPTURE_TABLES)}
CREATE INDEX captures_fetched ON captures(fetched_at, id);
CREATE INDEX captures_source ON captures(source);
{POSTGRES.ddl(schema.STATEMENT_TABLES)}
ALTER TABLE sources ADD COLUMN selectors TEXT;
ALTER TABLE statements ADD COLUMN published_confidence DOUBLE PRECISION NOT NULL DEFAULT 0;
ALTER TABLE statements ADD COLUMN paragraph_languages TEXT NOT NULL DEFAULT '[]';
CREATE INDEX statements_published ON statements(published, rowid);
CREATE INDEX statements_source ON statements(source);
CREATE INDEX statements_url ON statements(url);
-- the searchable words: the statement language's stems and the words as written, title first
CREATE TABLE statement_texts (
    rowid BIGINT PRIMARY KEY REFERENCES statements(rowid) ON DELETE CASCADE,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    config REGCONFIG NOT NULL,
    tsv TSVECTOR GENERATED ALWAYS AS (
        setweight(to_tsvector(config, title), 'A')
        || setweight(to_tsvector('communique_simple'::regconfig, title), 'A')
        || setweight(to_tsvector(config, text), 'B')
        || setweight(to_tsvector('communique_simple'::regconfig, text), 'B')
    ) STORED
);
CREATE INDEX statement_texts_tsv ON statement_texts USING GIN (tsv);
{schema.VERSION_TABLES}
CREATE INDEX versions_capture ON versions(capture_id);
CREATE INDEX failures_capture ON failures(capture_id);
CREATE FUNCTION geo_km(lat1 FLOAT8, lon1 FLOAT8, lat2 FLOAT8, lon2 FLOAT8) RETURNS FLOAT8
LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN
    2 * 6371.0 * asin(least(1.0, sqrt(
        sin(radians(lat2 - lat1) / 2) ^ 2
        + cos(radians(lat1)) * cos(radians(lat2)) * sin(radians(lon2 - lon1) / 2) ^ 2
    )));
"""

CRAWL_SCHEMA = f"""{POSTGRES.ddl(schema.CRAWL_RUNS)}
{POSTGRES.ddl(schema.FRONTIER)}
ALTER TABLE frontier ADD COLUMN seq BIGINT GENERATED ALWAYS AS IDENTITY;
CREATE INDEX frontier_next ON frontier(run_id, state, priority, seq);
{POSTGRES.ddl(schema.URL_CHANGES)}
CREATE TABLE robots (origin TEXT PRIMARY KEY, body TEXT NOT NULL, fetched_at TEXT NOT NULL);
{POSTGRES.ddl(schema.SITE_LINES)}"""

PROCESSED = f"""{POSTGRES.ddl(schema.PROCESSED_TABLE)}
INSERT INTO processed SELECT capture_id, pipeline_version FROM versions ON CONFLICT DO NOTHING;
INSERT INTO processed SELECT capture_id, pipeline_version FROM failures
    WHERE capture_id IS NOT NULL ON CONFLICT DO NOTHING;
{schema.REPROCESS_PENDING}"""

TIMELINE_SCHEMA = (
    schema.TIMELINE_TABLE
    + r"""
INSERT INTO statement_timeline (statement_id, date, date_end, start, sentence)
    SELECT e.statement_id, j ->> 'date', j ->> 'date_end', (j ->> 'start')::integer,
        j ->> 'sentence'
    FROM enrichments e, json_array_elements(e.data::json -> 'events') j
    WHERE j ->> 'date' ~ '^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$';
"""
)

EXPLORE_SUMMARIES = """
INSERT INTO statement_explore (statement_key, issuer, places, dates, countries)
    SELECT s.rowid, s.country,
        coalesce((SELECT string_agg(place, chr(30) ORDER BY place) FROM (
            SELECT DISTINCT replace(replace(name, chr(30), ' '), chr(31), ' ')
                || chr(31) || lat::text || chr(31) || lon::text || chr(31)
                || coalesce(country, '') AS place
            FROM statement_places p
            WHERE p.statement_id = e.statement_id AND p.feature != 'country') x), ''),
        coalesce((SELECT string_agg(date, chr(30) ORDER BY date) FROM statement_timeline t
            WHERE t.statement_id = e.statement_id), ''),
        coalesce((SELECT string_agg(country, chr(30) ORDER BY country) FROM statement_countries c
            WHERE c.statement_id = e.statement_id), '')
    FROM enrichments e JOIN statements s ON s.id = e.statement_id;
"""
"""`statement_explore` rows from the enrichment tables, for an archive enriched before it."""
EXPLORE_ISSUER = """
CREATE FUNCTION communique_explore_issuer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE statement_explore SET issuer = NEW.country WHERE statement_key = NEW.rowid;
    RETURN NULL;
END $$;
CREATE TRIGGER statement_explore_issuer AFTER UPDATE OF country ON statements FOR EACH ROW
    WHEN (OLD.country IS DISTINCT FROM NEW.country) EXECUTE FUNCTION communique_explore_issuer();
"""
"""A statement's country changed is its explore row's issuer too."""

CJK_CLASS = "\\u3040-\\u30ff\\u31f0-\\u31ff\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff"
"""The Chinese and Japanese characters (kana, CJK ideographs), as `analysis` cuts them."""
CJK_WORDS = f"""
-- each Chinese or Japanese character a word of its own, so that a name inside a sentence (a
-- run with no spaces) is found: phrases of characters match it, as in the embedded index
CREATE FUNCTION communique_cjk(t TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN regexp_replace(t, '([{CJK_CLASS}])', ' \\1 ', 'g');
ALTER TABLE statement_texts DROP COLUMN tsv;
ALTER TABLE statement_texts ADD COLUMN tsv TSVECTOR GENERATED ALWAYS AS (
    setweight(to_tsvector(config, communique_cjk(title)), 'A')
    || setweight(to_tsvector('communique_simple'::regconfig, communique_cjk(title)), 'A')
    || setweight(to_tsvector(config, communique_cjk(text)), 'B')
    || setweight(to_tsvector('communique_simple'::regconfig, communique_cjk(text)), 'B')
) STORED;
CREATE INDEX statement_texts_tsv ON statement_texts USING GIN (tsv);
"""
RANK_CHARS = 2000
"""How much of a statement's text ranks it (its lead); all of it matches."""
_LEAD = f"communique_cjk(left(text, {RANK_CHARS}))"
RANK_WORDS = f"""
-- ranking reads a small tsvector (title and lead), kept in the row; matching uses the GIN index
ALTER TABLE statement_texts ADD COLUMN rank_tsv TSVECTOR GENERATED ALWAYS AS (
    setweight(to_tsvector(config, communique_cjk(title)), 'A')
    || setweight(to_tsvector('communique_simple'::regconfig, communique_cjk(title)), 'A')
    || setweight(to_tsvector(config, {_LEAD}), 'B')
    || setweight(to_tsvector('communique_simple'::regconfig, {_LEAD}), 'B')
) STORED;
ALTER TABLE statement_texts ALTER COLUMN rank_tsv SET STORAGE MAIN;
"""

SHORT_RANK = f"""
-- a text no longer than its lead ranks on `tsv`, which holds the same words: its `rank_tsv` is
-- NULL rather than a second parse of it (a bulk load parses each text four times, not six)
ALTER TABLE statement_texts DROP COLUMN rank_tsv;
ALTER TABLE statement_texts ADD COLUMN rank_tsv TSVECTOR GENERATED ALWAYS AS (
    CASE WHEN length(text) > {RANK_CHARS} THEN
        setweight(to_tsvector(config, communique_cjk(title)), 'A')
        || setweight(to_tsvector('communique_simple'::regconfig, communique_cjk(title)), 'A')
        || setweight(to_tsvector(config, {_LEAD}), 'B')
        || setweight(to_tsvector('communique_simple'::regconfig, {_LEAD}), 'B')
    END
) STORED;
ALTER TABLE statement_texts ALTER COLUMN rank_tsv SET STORAGE MAIN;
"""

DATE_ORDER = """
-- the sort keys of a search by date (`search_sql.date_sort`), newest or oldest first: a page
-- of a filter's matches walks one of these instead of sorting every match
CREATE INDEX statements_newest ON statements ((coalesce(published, '')), rowid);
CREATE INDEX statements_oldest ON statements ((coalesce(published, '9999-99-99')), rowid);
"""


def sample_indexes(limits: Limits | None = None) -> str:
    """The partial indexes of the samples a search counts from (`postgres_sample`): the text
    index and the rowids of the first sample (one block in every `limits.every`) and of the
    widest second sample (the first `limits.widest` blocks of every `limits.every`).

    Example:
        >>> print(sample_indexes(Limits(widest=4)))  # doctest: +NORMALIZE_WHITESPACE
        CREATE INDEX statement_texts_sample ON statement_texts USING GIN (tsv)
            WHERE mod(rowid / 64, 64) = 0;
        CREATE INDEX statements_sample ON statements (rowid) WHERE mod(rowid / 64, 64) = 0;
        CREATE INDEX statement_texts_sample_wide ON statement_texts USING GIN (tsv)
            WHERE mod(rowid / 64, 64) < 4;
        CREATE INDEX statements_sample_wide ON statements (rowid) WHERE mod(rowid / 64, 64) < 4;
    """
    limits = limits or Limits()
    lines = []
    for name, blocks in (("sample", 1), ("sample_wide", limits.widest)):
        where = f"WHERE {in_sample('rowid', limits, blocks)}"
        lines.append(
            f"CREATE INDEX statement_texts_{name} ON statement_texts USING GIN (tsv)\n    {where};"
        )
        lines.append(f"CREATE INDEX statements_{name} ON statements (rowid) {where};")
    return "\n".join(lines)


TEXT_VECTORS = rf"""
-- the search vectors computed by a trigger that parses each text once: the lead (up to
-- {RANK_CHARS} characters, cut at a space) and the rest, joined for `tsv`; the lead alone is
-- the ranking vector of a longer text (generated columns parsed a long text's lead twice more)
ALTER TABLE statement_texts ALTER COLUMN tsv DROP EXPRESSION;
ALTER TABLE statement_texts ALTER COLUMN rank_tsv DROP EXPRESSION;
CREATE FUNCTION communique_text_vectors() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    simple CONSTANT regconfig := 'communique_simple';
    lead TEXT := NEW.text;
    rest TEXT := '';
    title_words TSVECTOR;
    lead_stems TSVECTOR;
    lead_words TSVECTOR;
BEGIN
    IF length(NEW.text) > {RANK_CHARS} THEN
        lead := coalesce(substring(left(NEW.text, {RANK_CHARS + 1}) FROM '^(.*)\s'),
                         left(NEW.text, {RANK_CHARS}));
        rest := substr(NEW.text, length(lead) + 1);
    END IF;
    title_words := setweight(to_tsvector(NEW.config, communique_cjk(NEW.title)), 'A')
        || setweight(to_tsvector(simple, communique_cjk(NEW.title)), 'A');
    lead_stems := to_tsvector(NEW.config, communique_cjk(lead));
    lead_words := to_tsvector(simple, communique_cjk(lead));
    IF rest = '' THEN
        NEW.tsv := title_words || setweight(lead_stems, 'B') || setweight(lead_words, 'B');
        NEW.rank_tsv := NULL;
    ELSE
        NEW.tsv := title_words
            || setweight(lead_stems || to_tsvector(NEW.config, communique_cjk(rest)), 'B')
            || setweight(lead_words || to_tsvector(simple, communique_cjk(rest)), 'B');
        NEW.rank_tsv := title_words || setweight(lead_stems, 'B') || setweight(lead_words, 'B');
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER statement_texts_vectors BEFORE INSERT OR UPDATE OF title, text, config
    ON statement_texts FOR EACH ROW EXECUTE FUNCTION communique_text_vectors();
"""

FACET_COLUMNS = "id, issuer, country, language, doc_type, published"
"""What a sample's facets read of a statement (`search_sql.FACETS`, and the id that tells
a copy): the sample indexes of `statements` include them, for an index-only scan."""


def sparse_sample_indexes(limits: Limits | None = None) -> str:
    """The partial indexes of the sparse samples (`Limits.sparse`) and a covering index of
    the first sample's statements, so that a sample's facets are read from indexes alone.

    Example:
        >>> print(sparse_sample_indexes(Limits(sparse=(256,))))  # doctest: +NORMALIZE_WHITESPACE
        CREATE INDEX statement_texts_sparse_256 ON statement_texts USING GIN (tsv)
            WHERE mod(rowid / 64, 256) = 0;
        CREATE INDEX statements_sparse_256 ON statements (rowid)
            INCLUDE (id, issuer, country, language, doc_type, published)
            WHERE mod(rowid / 64, 256) = 0;
        DROP INDEX statements_sample;
        CREATE INDEX statements_sample ON statements (rowid)
            INCLUDE (id, issuer, country, language, doc_type, published)
            WHERE mod(rowid / 64, 64) = 0;
    """
    limits = limits or Limits()
    lines = []
    for every in limits.sparse:
        where = f"WHERE {in_sample('rowid', limits, every=every)}"
        lines.append(
            f"CREATE INDEX statement_texts_sparse_{every} ON statement_texts USING GIN (tsv)\n"
            f"    {where};"
        )
        lines.append(
            f"CREATE INDEX statements_sparse_{every} ON statements (rowid)\n"
            f"    INCLUDE ({FACET_COLUMNS})\n    {where};"
        )
    lines.append("DROP INDEX statements_sample;")
    lines.append(
        f"CREATE INDEX statements_sample ON statements (rowid)\n    INCLUDE ({FACET_COLUMNS})\n"
        f"    WHERE {in_sample('rowid', limits)};"
    )
    return "\n".join(lines)


FILL_TEXT_WORDS = (
    "INSERT INTO text_words (lexeme) SELECT word FROM ts_stat('SELECT tsv FROM statement_texts')"
)
"""Every lexeme the texts hold now, into the vocabulary (its migration and `reindex`)."""
TEXT_WORDS = f"""
-- the archive's vocabulary: every lexeme of any statement's `tsv` (each configuration's stems
-- and the words as written), kept in the writing transaction by a statement-level trigger, so
-- that a prefix (`negotiat*`) is expanded to its words (`postgres_search`). Insert-only and
-- without counts: a word no statement holds any more only widens an expansion (it matches
-- nothing), a count per word would make every writer update the rows of common words, and a
-- race of two writers adding one new word leaves it twice (readers take distinct words).
-- `reindex` rebuilds it without the words of removed texts.
CREATE TABLE text_words (lexeme TEXT COLLATE "C" NOT NULL);
CREATE FUNCTION communique_text_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO text_words (lexeme)
        SELECT DISTINCT w COLLATE "C" FROM changed, unnest(tsvector_to_array(changed.tsv)) w
        WHERE NOT EXISTS (SELECT 1 FROM text_words v WHERE v.lexeme = w COLLATE "C");
    RETURN NULL;
END $$;
CREATE TRIGGER statement_texts_words_added AFTER INSERT ON statement_texts
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION communique_text_words();
CREATE TRIGGER statement_texts_words_changed AFTER UPDATE ON statement_texts
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION communique_text_words();
{FILL_TEXT_WORDS};
CREATE INDEX text_words_lexeme ON text_words (lexeme);
"""
REBUILD_TEXT_WORDS = f"TRUNCATE text_words; {FILL_TEXT_WORDS}"
"""The vocabulary again from the texts alone: the words of removed or edited texts go."""


TEXT_FILTER_COLUMNS = ("filter_country", "filter_published", "filter_published_end")
"""The text table's copies of its statement's country and dates (`TEXT_FILTERS`)."""
TEXT_FILTERS = """
-- the country and dates of each text's statement, copied beside its words and indexed
-- (btree_gin): a word with a country or dates is a bitmap of the word's index ANDed with one
-- of the filter's, not the word's every match joined to the statements to test their filters
-- (at 1M, `kyrgyzstan country:FR`: 5,760 matches of the word read to find its 314 in France).
-- The texts' indexes are dropped while their rows are rewritten, the rows put back in rowid
-- order (an update leaves them in its join's order, and a ranking window, which reads
-- consecutive rowids, then reads a page for each text: at 1M, phrases' server CPU 26 -> 80
-- ms a search), then the indexes are built again.
CREATE EXTENSION IF NOT EXISTS btree_gin;
SET LOCAL maintenance_work_mem = '512MB';
ALTER TABLE statement_texts ADD COLUMN filter_country TEXT, ADD COLUMN filter_published TEXT,
    ADD COLUMN filter_published_end TEXT;
CREATE TEMPORARY TABLE text_indexes ON COMMIT DROP AS
    SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
    WHERE i.indrelid = 'statement_texts'::regclass AND NOT i.indisprimary;
DO $$ DECLARE r RECORD; BEGIN
    FOR r IN SELECT name FROM text_indexes LOOP EXECUTE format('DROP INDEX %I', r.name); END LOOP;
END $$;
ALTER TABLE statement_texts DISABLE TRIGGER statement_texts_words_changed;
UPDATE statement_texts t SET filter_country = s.country, filter_published = s.published,
    filter_published_end = s.published_end FROM statements s WHERE s.rowid = t.rowid;
ALTER TABLE statement_texts ENABLE TRIGGER statement_texts_words_changed;
CLUSTER statement_texts USING statement_texts_pkey;
CREATE INDEX statement_texts_filters ON statement_texts
    USING GIN (filter_country, filter_published, filter_published_end);
DO $$ DECLARE r RECORD; BEGIN
    FOR r IN SELECT definition FROM text_indexes LOOP EXECUTE r.definition; END LOOP;
END $$;
ANALYZE statement_texts;
CREATE FUNCTION communique_text_filters() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT country, published, published_end
        INTO NEW.filter_country, NEW.filter_published, NEW.filter_published_end
        FROM statements WHERE rowid = NEW.rowid;
    RETURN NEW;
END $$;
CREATE TRIGGER statement_texts_filters BEFORE INSERT ON statement_texts
    FOR EACH ROW EXECUTE FUNCTION communique_text_filters();
CREATE FUNCTION communique_statement_filters() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE statement_texts SET filter_country = NEW.country, filter_published = NEW.published,
        filter_published_end = NEW.published_end WHERE rowid = NEW.rowid;
    RETURN NULL;
END $$;
CREATE TRIGGER statements_filters AFTER UPDATE OF country, published, published_end
    ON statements FOR EACH ROW WHEN (OLD.country IS DISTINCT FROM NEW.country
        OR OLD.published IS DISTINCT FROM NEW.published
        OR OLD.published_end IS DISTINCT FROM NEW.published_end)
    EXECUTE FUNCTION communique_statement_filters();
"""

MIGRATIONS: tuple[tuple[str, str], ...] = (
    ("pg-0001-text-configs", SIMPLE_CONFIG_SCRIPT),
    ("pg-0002-core", CORE_SCHEMA),
    ("pg-0003-crawl", CRAWL_SCHEMA),
    ("pg-0004-enrich", POSTGRES.ddl(schema.ENRICH_SCHEMA)),
    ("pg-0005-processed", PROCESSED),
    ("pg-0006-date-precision", schema.DATE_PRECISION),
    ("pg-0007-warnings", "ALTER TABLE statements ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]';"),
    ("pg-0008-saved-searches", SAVED_SEARCH_SCHEMA),
    ("pg-0009-vectors", POSTGRES.ddl(VECTOR_SCHEMA)),
    ("pg-0010-links", POSTGRES.ddl(LINK_SCHEMA)),
    ("pg-0011-timeline", TIMELINE_SCHEMA),
    ("harden-0001-api-keys", API_KEY_SCHEMA),
    ("pg-0012-cjk-words", CJK_WORDS),
    ("pg-0013-rank-words", RANK_WORDS),
    ("pg-0014-explore-summaries", schema.EXPLORE_TABLE),  # filled by pg-0015
    (
        "pg-0015-explore-keys",
        POSTGRES.ddl(schema.EXPLORE_KEYED) + EXPLORE_SUMMARIES + EXPLORE_ISSUER,
    ),
    ("pg-0016-sample-indexes", sample_indexes()),
    ("pg-0017-date-order", DATE_ORDER),
    ("pg-0018-link-fact-codes", POSTGRES.ddl(LINK_FACT_CODES)),
    ("pg-0019-short-rank", SHORT_RANK),
    ("pg-0020-sparse-samples", sparse_sample_indexes()),
    ("pg-0021-text-vectors-once", TEXT_VECTORS),
    (
        "pg-0022-fact-buckets",
        POSTGRES.ddl(LINK_FACT_BUCKETS) + move_fact_buckets(POSTGRES),
    ),
    ("pg-0023-unfinished-work", schema.UNFINISHED_WORK),
    ("pg-0024-text-words", TEXT_WORDS),
    ("pg-0025-site-line-groups", POSTGRES.ddl(schema.SITE_LINE_GROUPS)),
    ("pg-0026-site-line-stamps", schema.SITE_LINE_STAMPS),
    ("pg-0027-link-buckets-by-band", LINK_BUCKETS_BY_BAND),
    ("pg-0028-link-versions", LINK_VERSIONS),
    ("pg-0029-text-filters", TEXT_FILTERS),
    ("pg-0030-site-line-bundles", schema.SITE_LINE_BUNDLES),
    ("pg-0031-link-fact-keys", POSTGRES.ddl(LINK_FACT_KEYS) + fact_keys_of_buckets(POSTGRES)),
)
_LOCK = 0x636F6D6D  # advisory lock id: two processes opening a new database migrate once


def migrate(conn: psycopg.Connection[dict[str, object]]) -> list[str]:
    """Apply every migration not yet applied, each in its own transaction; returns their names."""
    applied: list[str] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT)"
        )
        done = {str(row["name"]) for row in conn.execute("SELECT name FROM migrations")}
        for name, script in MIGRATIONS:
            if name in done:
                continue
            conn.execute(script.encode())
            conn.execute(
                "INSERT INTO migrations (name, applied_at) VALUES (%s, now()::text)", (name,)
            )
            applied.append(name)
        _add_language_configs(conn)
    return applied
