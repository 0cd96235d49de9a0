"""What only the PostgreSQL store does: per-language stemming, migrations under a lock."""

from __future__ import annotations

import psycopg

from communique.query import parse_query
from communique.store.postgres import PostgresStore
from communique.store.postgres_schema import MIGRATIONS, text_config, text_configs
from tests.conftest import add


def test_words_match_their_stems_in_the_statements_language(pg_url: str) -> None:
    store = PostgresStore(pg_url)
    try:
        add(store, "https://diplomatie.example/1", "Négociations à Genève",
            "Les négociations ont repris entre les délégations.", language="fr")  # fmt: skip
        add(store, "https://mfa.example/2", "Talks", "The negotiators agreed.", language="en")
        found = {h.statement.url for h in store.search(parse_query("négociation")).hits}
        assert found == {"https://diplomatie.example/1"}
        assert store.search(parse_query("negotiator")).total == 1
        assert store.search(parse_query("geneve")).total == 1, "accents are folded"
        assert store.search(parse_query('"ont repris"')).total == 1
        assert store.search(parse_query("délégat*")).total == 1
    finally:
        store.close()


def test_schema_is_migrated_once(pg_url: str) -> None:
    PostgresStore(pg_url).close()
    PostgresStore(pg_url).close()
    with psycopg.connect(pg_url) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM migrations ORDER BY name")]
    assert names == sorted(name for name, _ in MIGRATIONS)


def test_each_profile_with_a_stemmer_has_its_configuration(pg_url: str) -> None:
    PostgresStore(pg_url).close()
    with psycopg.connect(pg_url) as conn:
        conn.execute("DROP TEXT SEARCH CONFIGURATION communique_ca")  # as before ca had one
    PostgresStore(pg_url).close()
    with psycopg.connect(pg_url) as conn:
        made = {r[0] for r in conn.execute("SELECT cfgname FROM pg_ts_config")}
        stems = conn.execute(
            "SELECT to_tsvector(%s::regconfig, 'negociacions')::text", (text_config("ca"),)
        ).fetchone()
    assert {f"communique_{code}" for code in text_configs()} <= made
    assert stems is not None and stems[0] == "'negoc':1", "Catalan stems, made again"
