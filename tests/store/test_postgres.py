"""What only the PostgreSQL store does: per-language stemming, migrations under a lock."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import psycopg
import pytest

from communique import budget as budgets
from communique.errors import QueryTimeout
from communique.model import SearchPage
from communique.query import FILTERS, parse_query
from communique.store.postgres import PostgresStore
from communique.store.postgres_sample import Limits
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


def test_many_matches_are_counted_from_a_sample_and_paged_window_by_window(
    pg_url: str,
) -> None:
    limits = Limits(exact=40, block=4, every=8, widest=4, min_sample=20, rank_window=30)
    store = PostgresStore(pg_url, search_limits=limits)
    countries = ("FR", "BR", "IN", "NG")
    try:
        with store.batch():
            for i in range(240):
                words = "peace and security" if i % 2 == 0 else "security"
                title = "Peace talks" if i % 14 == 0 else f"Statement {i}"
                extra = " a rare word" if i % 24 == 0 else ""
                add(store, f"https://mfa.example/{i}", title,
                    f"On {words} in the region{extra}.", country=countries[i % 4])  # fmt: skip
        rare = store.search(parse_query("rare"))
        assert (rare.total, rare.estimated) == (10, False), "few matches: exact"
        page = store.search(parse_query("peace"), limit=7)
        assert page.estimated and 90 <= page.total <= 150, page.total
        shares = dict(page.facets["country"])
        assert set(shares) == {"FR", "IN"} and abs(sum(shares.values()) - page.total) <= 2
        assert "Peace" in page.hits[0].statement.title, "title matches rank first"
        seen = [hit.statement.url for hit in page.hits]
        while page.next_cursor:
            page = store.search(parse_query("peace"), cursor=page.next_cursor, limit=7)
            seen += [hit.statement.url for hit in page.hits]
        assert len(seen) == len(set(seen)) == 120, "every match once"
        added = [int(url.rsplit("/", 1)[1]) for url in seen]
        assert min(added[:7]) > 170 and max(added[-7:]) < 70, "newest window first"
        filtered, seen = store.search(parse_query("security country:FR"), limit=7), []
        assert filtered.estimated, "a filtered search pages window by window too"
        while True:
            seen += [hit.statement.url for hit in filtered.hits]
            if not filtered.next_cursor:
                break
            filtered = store.search(
                parse_query("security country:FR"), cursor=filtered.next_cursor, limit=7
            )
        assert sorted(seen) == sorted(f"https://mfa.example/{i}" for i in range(0, 240, 4))
    finally:
        store.close()


NARROWING = {
    "issuer": "issuer:mfa.example",
    "country": "country:FR",
    "lang": "lang:fr",
    "type": "type:speech",
    "source": "source:https://mfa.example/",
    "from": "from:2020",
    "to": "to:2020",
    "edited": "edited:yes",
    "removed": "removed:no",
    "mentions": "mentions:FR",
    "place": "place:Geneva",
    "near": "near:46.2,6.1,50",
    "event_from": "event_from:2020",
    "event_to": "event_to:2020",
}
"""A filter of each kind that narrows the statements by what they are."""
NOT_NARROWING = {"approx": "approx:yes", "copies": "copies:all"}


def test_a_search_is_filtered_by_each_filter_but_copies_and_approx(pg_url: str) -> None:
    """A filtered ranking window reads the statements first (`PgSearch._window`): the flag
    comes from the filters the query names, with or without the one-hit-per-statement rule."""
    assert set(NARROWING) | set(NOT_NARROWING) == set(FILTERS), "a new filter is listed here"
    store = PostgresStore(pg_url)
    try:
        for name, text in [*NARROWING.items(), *NOT_NARROWING.items()]:
            for copies in ("", " copies:all", " copies:one"):
                if name == "copies" and copies.endswith("one"):
                    continue
                compiled = store._search._compile(parse_query(f"peace {text}{copies}"))
                assert bool(compiled.notes["filtered"]) is (name in NARROWING), (text, copies)
        assert not store._search._compile(parse_query("peace")).notes["filtered"]
    finally:
        store.close()


def _recorded(monkeypatch: pytest.MonkeyPatch, search: Any, name: str, note: Any) -> list[Any]:
    """What `note(*args)` says of each call of the search's method `name`, which still runs."""
    calls: list[Any] = []
    method = getattr(search, name)

    def recorded(*args: Any) -> Any:
        calls.append(note(*args))
        return method(*args)

    monkeypatch.setattr(search, name, recorded)
    return calls


def _sample_reads(
    monkeypatch: pytest.MonkeyPatch, store: PostgresStore
) -> tuple[list[str], list[Any]]:
    """The conditions of each facet count (`_groups`) and the rowid bounds of each ranking
    window (`_window`) the store's searches run from now on."""
    search = store._search
    counted = _recorded(monkeypatch, search, "_groups", lambda compiled, *_: compiled.where)
    return counted, _recorded(monkeypatch, search, "_window", lambda _, bounds, *rest: bounds)


def _paged_urls(store: PostgresStore, text: str, limit: int) -> tuple[SearchPage, list[str]]:
    """The first page of `text`, and the URLs of every hit on it and on the pages after it."""
    first = page = store.search(parse_query(text), limit=limit)
    seen = [hit.statement.url for hit in page.hits]
    while page.next_cursor:
        page = store.search(parse_query(text), cursor=page.next_cursor, limit=limit)
        seen += [hit.statement.url for hit in page.hits]
    return first, seen


def _add_alternating(store: PostgresStore, count: int, text: Any) -> None:
    """`count` statements, `text(i)` the i-th one's text, FR and BR by turns."""
    with store.batch():
        for i in range(count):
            add(store, f"https://mfa.example/{i}", f"Statement {i}", text(i),
                country=("FR", "BR")[i % 2])  # fmt: skip


def test_a_common_word_is_counted_in_the_sparsest_sample_that_holds_enough(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    limits = Limits(exact=40, block=4, every=8, min_sample=20, rank_window=30, sparse=(32, 16))
    store = PostgresStore(pg_url, search_limits=limits)
    read = _recorded(monkeypatch, store._search, "_groups", lambda compiled, *_: compiled.where)
    try:
        _add_alternating(
            store,
            480,
            lambda i: f"On {'peace and security' if i % 2 == 0 else 'security'} in the region.",
        )
        page = store.search(parse_query("security"))
        assert page.estimated and page.total == 480, "every statement matches, so does each sampled"
        shares = dict(page.facets["country"])
        assert sum(shares.values()) == 480 and abs(shares["FR"] - 240) <= 30, shares
        assert ["mod(t.rowid / 4, 32) = 0" in w for w in read] == [True, False]
        assert "mod(t.rowid / 4, 16) = 0" in read[1], "the 32-sample held too few: the 16 one"
        read.clear()
        peace = store.search(parse_query("peace"))
        assert peace.estimated and 180 <= peace.total <= 300, peace.total
        assert len(read) == 2 and "mod(t.rowid / 4, 8) = 0" in read[1], (
            "the 32-sample held too few, and so few that the 16 one would too: not read"
        )
        newest = [int(h.statement.url.rsplit("/", 1)[1]) for h in peace.hits]
        assert min(newest) > 400, "ranked in the newest window first"
    finally:
        store.close()


def test_a_word_rare_among_a_filters_statements_reads_a_bounded_share_of_them(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A filtered search tests the words of the statements its filter passes: with too few
    sampled matches for `min_sample`, it is estimated from its first sample rather than
    counted over every statement of the filter, and its ranking windows hold about
    `filtered_texts` of them, however few match; paging still reaches every match once."""
    limits = Limits(exact=40, block=4, every=8, widest=2, min_sample=60, least_sample=10,
                    filtered_texts=20, rank_window=30, sparse=(16,))  # fmt: skip
    store = PostgresStore(pg_url, search_limits=limits)
    counted, windows = _sample_reads(monkeypatch, store)
    try:
        _add_alternating(
            store,
            480,
            lambda i: "Peace in the region" + (" on negotiations." if i % 4 == 0 else "."),
        )
        page, seen = _paged_urls(store, "negotiat* country:FR", 7)
        assert page.estimated and 40 <= page.total <= 300, page.total
        assert counted and all("mod(" in where for where in counted), "no exact count"
        assert dict(page.facets["country"]).keys() == {"FR"}
        assert all(high - low + 1 <= 60 for low, high in windows), windows
        assert sorted(seen) == sorted(f"https://mfa.example/{i}" for i in range(0, 480, 4))
        counted.clear()
        assert store.search(parse_query("negotiat*")).total == 120, "unfiltered: counted"
    finally:
        store.close()


def test_a_word_common_overall_but_rare_in_a_large_filter_is_estimated_not_counted(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counting every match of a filtered search tests the words of every statement its
    filter passes, or of every statement holding the word: above `Limits.counted_texts`
    such statements the total comes from the widest sample, and ranking goes window by
    window even when the estimate is small; paging still reaches every match once. Within
    the limit, the same search is counted exactly."""
    bounded = Limits(exact=80, block=4, every=8, widest=4, min_sample=60, least_sample=15,
                     filtered_texts=20, counted_texts=100, rank_window=30,
                     sparse=(16,))  # fmt: skip
    store = PostgresStore(pg_url, search_limits=bounded)
    exact = PostgresStore(pg_url, search_limits=replace(bounded, counted_texts=10_000))
    counted, windows = _sample_reads(monkeypatch, store)
    matches = {f"https://mfa.example/{i}" for i in range(0, 960, 2) if (i * 7919) % 97 < 12}
    try:
        _add_alternating(
            store,
            960,
            lambda i: "On refugees." if i % 2 or (i * 7919) % 97 < 12 else "On trade.",
        )
        page, seen = _paged_urls(store, "refugees country:FR", 7)
        assert page.estimated and 0.6 * len(matches) <= page.total <= 1.4 * len(matches)
        assert counted and all("mod(" in where for where in counted), "no exact count"
        assert windows and all(high - low + 1 <= 60 for low, high in windows), windows
        assert sorted(seen) == sorted(matches)
        counted_exactly = exact.search(parse_query("refugees country:FR"))
        assert not counted_exactly.estimated and counted_exactly.total == len(matches)
    finally:
        store.close()
        exact.close()


def _matching_statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The SQL of every statement run from now on that tests statements' words (`@@`)."""
    execute = psycopg.Connection.execute
    tested: list[str] = []

    def recorded(self: psycopg.Connection[Any], query: Any, *args: Any, **kw: Any) -> Any:
        text = query.decode() if isinstance(query, bytes) else str(query)
        if "@@" in text:
            tested.append(text)
        return execute(self, query, *args, **kw)

    monkeypatch.setattr(psycopg.Connection, "execute", recorded)
    return tested


def test_a_counted_search_tests_its_filters_statements_once(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A search whose matches are all counted keeps their rowids: its page and the pages
    after it rank those rows, and do not test the words of every statement the filter passes
    again. Above `Limits.known` matches it ranks by testing them, with the same hits."""
    store = PostgresStore(pg_url)
    few = PostgresStore(pg_url, search_limits=Limits(known=10))
    try:
        _add_alternating(
            store,
            120,
            lambda i: "On trade." if i % 3 else f"On peace talks, round {i} of the peace process.",
        )
        for query in ("peace country:FR", "peace talks", "country:BR"):
            expected = []
            page = few.search(parse_query(query), limit=7)
            while True:
                expected.append([(h.statement.id, h.score) for h in page.hits])
                if not page.next_cursor:
                    break
                page = few.search(parse_query(query), cursor=page.next_cursor, limit=7)
            tested = _matching_statements(monkeypatch)
            cursor, pages = None, []
            while True:
                before = len(tested)
                page = store.search(parse_query(query), cursor=cursor, limit=7)
                assert not page.estimated
                assert len(tested) - before == (1 if "peace" in query else 0), tested[before:]
                pages.append([(h.statement.id, h.score) for h in page.hits])
                if not (cursor := page.next_cursor):
                    break
            monkeypatch.undo()
            assert pages == expected and len(pages) > 1, query
        assert sum(len(p) for p in pages) == 60
    finally:
        store.close()
        few.close()


_OUT_OF_STEP = (
    "SELECT count(*) FROM statement_texts t JOIN statements s ON s.rowid = t.rowid"
    " WHERE t.filter_country IS DISTINCT FROM s.country"
    " OR t.filter_published IS DISTINCT FROM s.published"
    " OR t.filter_published_end IS DISTINCT FROM s.published_end"
)
"""Texts whose copies of their statement's country and dates differ from it (`pg-0029`)."""


def _out_of_step(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(_OUT_OF_STEP).fetchone()
    return int(row[0]) if row else -1


def test_a_counted_filtered_search_reads_the_texts_copies_of_its_filters(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each text keeps its statement's country and dates beside its words, in step when the
    statement changes (`pg-0029`): an exact count finds the word's matches that pass them
    from the text index, with the same total and hits as the statements' own filters give."""
    store = PostgresStore(pg_url)
    try:
        with store.batch():
            for i in range(60):
                add(store, f"https://mfa.example/{i}", f"Statement {i}",
                    "On refugees." if i % 3 == 0 else "On trade.",
                    country=("FR", "BR", "IN")[i % 3 if i % 5 else 1],
                    published=date(2020 + i % 4, 1 + i % 12, 1))  # fmt: skip
        moved = add(store, "https://mfa.example/0", "Statement 0", "On refugees.",
                    country="DE", published=date(2019, 5, 4))  # fmt: skip
        assert moved.country == "DE" and _out_of_step(pg_url) == 0
        tested = _matching_statements(monkeypatch)
        for query, expected in (
            ("refugees country:FR", {i for i in range(3, 60, 3) if i % 5}),
            ("refugees country:DE", {0}),
            ("refugees from:2022-01-01", {i for i in range(3, 60, 3) if i % 4 >= 2}),
            ("refugees to:2019-12-31", {0}),
        ):
            page = store.search(parse_query(query), limit=100)
            assert not page.estimated and page.total == len(expected), query
            assert {h.statement.url for h in page.hits} == {
                f"https://mfa.example/{i}" for i in expected
            }, query
        assert sum("t.filter_country IN" in sql for sql in tested) == 2, tested
        assert sum("t.filter_published" in sql for sql in tested) == 2, tested
    finally:
        store.close()


def _text_indexes(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'statement_texts'")
        return {row[0] for row in rows}


def test_the_migration_copies_the_filters_of_texts_stored_before_it(pg_url: str) -> None:
    store = PostgresStore(pg_url)
    for i in range(200):
        add(store, f"https://mfa.example/{i}", f"Statement {i}", "On refugees.",
            country=("FR", "BR")[i % 2], published=date(2021, 1 + i % 6, 1))  # fmt: skip
    store.close()
    indexes = _text_indexes(pg_url)
    with psycopg.connect(pg_url) as conn:  # the layout before `pg-0029-text-filters`
        conn.execute(
            "DROP TRIGGER statements_filters ON statements;"
            " DROP TRIGGER statement_texts_filters ON statement_texts;"
            " DROP FUNCTION communique_statement_filters, communique_text_filters;"
            " ALTER TABLE statement_texts DROP COLUMN filter_country,"
            " DROP COLUMN filter_published, DROP COLUMN filter_published_end;"
            " DELETE FROM migrations WHERE name = 'pg-0029-text-filters'"
        )
    store = PostgresStore(pg_url)
    try:
        assert _out_of_step(pg_url) == 0
        assert _text_indexes(pg_url) == indexes, "dropped while rewritten, then built again"
        with psycopg.connect(pg_url) as conn:
            stored = [r[0] for r in conn.execute("SELECT rowid FROM statement_texts ORDER BY ctid")]
        assert stored == sorted(stored), "the texts stay in rowid order, as ranking windows read"
        assert store.search(parse_query("refugees country:BR from:2021-03-01")).total == 66
    finally:
        store.close()


def test_a_long_text_is_found_by_every_word_around_its_lead(pg_url: str) -> None:
    """The words of a text are parsed once, its lead and the rest apart (`pg-0021`): a word or
    a phrase across the lead's end is found, and only a text longer than its lead has a
    ranking vector of its own."""
    store = PostgresStore(pg_url)
    filler = "Delegations met in Geneva. " * 80  # 2,160 characters
    cut = len(filler[:2000].rsplit(" ", 1)[0])
    text = filler[:cut] + " extraordinary plenipotentiaries" + filler[cut:]
    word = "talks " * 332 + "and negotiations resumed at dawn"  # across character 2,000
    try:
        add(store, "https://mfa.example/1", "Long", text)
        add(store, "https://mfa.example/2", "Straddling", word)
        add(store, "https://mfa.example/3", "Short", "Negotiations resumed.")
        for query, urls in (
            ('"extraordinary plenipotentiaries"', {"https://mfa.example/1"}),
            ("plenipotentiary", {"https://mfa.example/1"}),
            ('"negotiations resumed at dawn"', {"https://mfa.example/2"}),
            ("negotiation", {"https://mfa.example/2", "https://mfa.example/3"}),
        ):
            assert {h.statement.url for h in store.search(parse_query(query)).hits} == urls
        with psycopg.connect(pg_url) as conn:
            ranked = conn.execute(
                "SELECT title, rank_tsv IS NOT NULL FROM statement_texts ORDER BY rowid"
            ).fetchall()
        assert [(title, has) for title, has in ranked] == [
            ("Long", True),
            ("Straddling", True),
            ("Short", False),
        ]
    finally:
        store.close()


def test_a_filtered_ranking_window_stopped_at_the_deadline_is_a_timeout(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The filtered window's statement runs under planner settings of its own (`_settings`):
    stopped by the server's statement timeout, the search says it timed out (the API's 503),
    not that its transaction was aborted, and the next search on the connection works."""
    limits = Limits(exact=40, block=4, every=8, widest=4, min_sample=20, rank_window=30)
    store = PostgresStore(pg_url, search_limits=limits)
    execute = psycopg.Connection.execute
    slowed: list[str] = []

    def slow_window(self: psycopg.Connection[Any], query: Any, *args: Any, **kw: Any) -> Any:
        text = query.decode() if isinstance(query, bytes) else str(query)
        if text.startswith("SELECT s.rowid AS rowid") and " BETWEEN " in text:
            slowed.append(text)
            execute(self, "SELECT pg_sleep(60)")  # past the budget: the server cancels it
        return execute(self, query, *args, **kw)

    try:
        with store.batch():
            for i in range(240):
                text, country = "On peace and security in the region.", ("FR", "BR")[i % 2]
                add(store, f"https://mfa.example/{i}", f"Statement {i}", text, country=country)
        monkeypatch.setattr(psycopg.Connection, "execute", slow_window)
        with budgets.limited(budgets.Budget(2.0)), pytest.raises(QueryTimeout):
            store.search(parse_query("security country:FR"))
        assert slowed, "the filtered search ranked window by window"
        monkeypatch.setattr(psycopg.Connection, "execute", execute)
        assert store.search(parse_query("security country:FR")).total > 40
    finally:
        store.close()


def test_match_total_is_the_search_pages_total_counted_alone(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The map, timeline and network views ask for the total alone: the same number as the
    search page (exact, or estimated from the same sample), without facets, a page or
    snippets."""
    limits = Limits(exact=40, block=4, every=8, widest=4, min_sample=20, rank_window=30)
    store = PostgresStore(pg_url, search_limits=limits)
    try:
        with store.batch():
            for i in range(480):
                words = "peace and security" if i % 3 == 0 else "security"
                extra = " a rare word" if i % 40 == 0 else ""
                text, country = f"On {words} in the region{extra}.", ("FR", "BR")[i % 2]
                add(store, f"https://mfa.example/{i}", f"Statement {i}", text, country=country)
        queries = ["security", "peace", "rare", "peace country:FR", "security NOT peace", "war"]
        pages = {text: store.search(parse_query(text)) for text in queries}
        assert [pages[text].estimated for text in queries] == [True, True, False, True, True, False]
        assert [pages[text].total for text in ("rare", "war")] == [12, 0]
        read: list[str] = []
        for name in ("_groups", "_page", "_snippets", "_enrichment_facets"):
            monkeypatch.setattr(store._search, name, lambda *a, name=name: read.append(name))
        assert {text: store.match_total(parse_query(text)) for text in queries} == {
            text: page.total for text, page in pages.items()
        }
        assert read == [], "counted without facets, rows or snippets"
    finally:
        store.close()


_PREFIXES = ("negotiat*", "nego*", "délégat*", "talk*", "genev*", "accord*", "zzz*", "neg*")


def _hits(store: PostgresStore, text: str) -> list[tuple[str, float | None]]:
    page = store.search(parse_query(text), limit=100)
    return [(hit.statement.id, hit.score) for hit in page.hits]


def test_a_prefix_of_few_words_finds_and_ranks_what_the_prefix_does(pg_url: str) -> None:
    expanding, literal = PostgresStore(pg_url), PostgresStore(pg_url, Limits(expand=0))
    try:
        add(expanding, "https://mfa.example/1", "Negotiations resume",
            "The negotiators met in Geneva. Negotiating continues.", language="en")  # fmt: skip
        add(expanding, "https://diplomatie.example/2", "Négociations à Genève",
            "Les délégations négocient un accord.", language="fr")  # fmt: skip
        expanding.reindex()  # the vocabulary as a migration of this archive builds it
        add(expanding, "https://mfa.example/3", "Talks on the accords",
            "Negotiability of the accordance was negotiated, talked through.")  # fmt: skip
        edited = add(expanding, "https://mfa.example/4", "Negotiate", "Talkative negotiant.")
        again = add(expanding, "https://mfa.example/4", "Statement", "Nothing of the kind.")
        assert again.id == edited.id, "an edit of the same page"
        gone = add(expanding, "https://mfa.example/5", "Negotiatory", "Negotiatress accords.")
        with psycopg.connect(pg_url) as conn:
            conn.execute("DELETE FROM statements WHERE id = %s", (gone.id,))
            words = {r[0] for r in conn.execute("SELECT lexeme FROM text_words")}
        assert {"negotiability", "talkative", "negotiatress"} <= words, "added words kept"
        for text in [*_PREFIXES, "nego* -accord*", "talk* OR genev*", "accords nego*"]:
            assert _hits(expanding, text) == _hits(literal, text), text
        assert len(_hits(expanding, "negotiat*")) == 2, "the first and the third"
        expanding.reindex()
        with psycopg.connect(pg_url) as conn:
            words = {r[0] for r in conn.execute("SELECT lexeme FROM text_words")}
        assert "negotiatress" not in words and "talkative" not in words
        assert "negotiability" in words
        assert _hits(expanding, "nego*") == _hits(literal, "nego*")
    finally:
        expanding.close()
        literal.close()


def test_a_prefix_is_written_out_only_up_to_the_bound(pg_url: str) -> None:
    store = PostgresStore(pg_url, Limits(expand=2))
    try:
        add(store, "https://mfa.example/1", "Talks", "Talking of talkers who talked.")
        add(store, "https://mfa.example/2", "O'Neill's accord", "Accords ratified.")

        def found(text: str) -> str:
            compiled = store._search._compile(parse_query(text))
            assert compiled.match is not None and ":*" in compiled.match, "ranked as a prefix"
            return str(compiled.params[0])

        assert ":*" in found("talk*"), "talks, talking, talkers, talked: four words"
        assert ":*" not in found("accord*") and "'accords'" in found("accord*")
        assert store.search(parse_query("o'neill*")).total == 1
    finally:
        store.close()
