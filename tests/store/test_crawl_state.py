"""Crawl state on every backend: runs, the frontier, validators, robots, changes, versions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from communique.model import (
    Change,
    CrawlCounts,
    ExtractionFailure,
    FrontierEntry,
    Source,
    UrlKind,
    UrlState,
)
from communique.store.base import Store
from tests.conftest import add, make_capture, make_statement

NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)


def test_a_killed_run_is_resumed_and_a_finished_one_drops_its_frontier(store: Store) -> None:
    run = store.start_run("mfa", date(2024, 1, 1))
    assert store.start_run("mfa", None).id == run.id
    feed = FrontierEntry("https://mfa.example/feed", UrlKind.FEED)
    page = FrontierEntry("https://mfa.example/a", UrlKind.PAGE, parent=feed.url)
    assert store.enqueue(run.id, [page, feed]) == 2
    assert store.enqueue(run.id, [page]) == 0
    assert store.next_entry(run.id) == (feed, None), "feeds come before pages"
    body = b"<p>text</p>"
    capture = make_capture(page.url, body)
    assert store.put_fetched_capture(run.id, page.url, capture, body) is True
    entry, capture_id = store.next_entry(run.id) or (None, None)
    assert entry is not None and entry.url == page.url and capture_id == capture.id
    store.finish_entry(run.id, replace(page, state="done", published=date(2024, 2, 1)))
    store.finish_entry(run.id, replace(feed, state="done"))
    assert store.frontier_counts(run.id) == {"done": 2}
    assert store.next_entry(run.id) is None
    run.counts.fetched, run.counts.errors = 1, {"timeout": 2}
    run.finished_at = NOW
    store.save_run(run)
    (saved,) = store.runs("mfa")
    assert (saved.counts, saved.finished_at) == (CrawlCounts(fetched=1, errors={"timeout": 2}), NOW)
    assert store.frontier_counts(run.id) == {}
    assert store.start_run("mfa", None).id != run.id


def test_held_listing_pages_are_released_while_items_are_recent(store: Store) -> None:
    run = store.start_run("mfa", date(2024, 1, 1))
    listing = "https://mfa.example/news"
    item = FrontierEntry("https://mfa.example/1", UrlKind.PAGE, parent=listing)
    held = FrontierEntry(listing + "?page=2", UrlKind.LISTING, parent=listing, state="held")
    store.enqueue(run.id, [held, item])
    assert store.release_held(run.id, date(2024, 1, 1)) == 0, "its items are not done yet"
    store.finish_entry(run.id, replace(item, state="done", published=date(2024, 3, 1)))
    assert store.release_held(run.id, date(2024, 1, 1)) == 1
    assert store.frontier_counts(run.id) == {"pending": 1, "done": 1}


def test_validators_robots_and_known_urls(store: Store) -> None:
    state = UrlState("https://mfa.example/a", "mfa", UrlKind.PAGE, '"e1"', None, 200, NOW)
    store.put_url_state(state)
    store.put_url_state(UrlState("https://mfa.example/b", "mfa", UrlKind.PAGE, None, None, 404,
                                 NOW, removed_at=NOW))  # fmt: skip
    assert store.get_url_state("mfa", state.url) == state
    assert store.get_url_state("other", state.url) is None
    assert store.known_urls("mfa") == [(state.url, UrlKind.PAGE)]
    store.put_robots("https://mfa.example", "User-agent: *\nDisallow: /x", NOW)
    store.put_robots("https://mfa.example", "", NOW)
    assert store.get_robots("https://mfa.example") == ("", NOW)
    assert store.get_robots("https://other.example") is None


def test_changes_versions_and_captures_by_source(store: Store) -> None:
    first = add(store, "https://mfa.example/s", "Title", "First text.", fetched_at=NOW)
    later = datetime(2024, 6, 1, tzinfo=UTC)
    second = add(store, "https://mfa.example/s", "Title", "Second text.", fetched_at=later)
    assert [v.text for v in store.versions(first.id)] == ["First text.", "Second text."]
    assert store.get_statement(first.id).text == "Second text."
    assert store.statements_at_url("https://mfa.example/s") == [first.id]
    edit = Change(first.id, first.url, "edited", later, "mfa", first.capture_ids[0],
                  second.capture_ids[0])  # fmt: skip
    store.record_change(edit)
    assert store.changes() == [edit]
    assert store.changes(since=datetime(2025, 1, 1, tzinfo=UTC)) == []
    assert store.changes(statement_id="other") == []
    bodies = list(store.iter_capture_bodies())
    assert [c.fetched_at for c, _ in bodies] == [NOW, later]
    assert bodies[0][1] == b"TitleFirst text."
    assert list(store.iter_capture_bodies("nobody")) == []


def test_versions_keep_each_text_while_the_first_is_stored_once(store: Store) -> None:
    url = "https://mfa.example/v"
    first = add(store, url, "Title", "First text.", fetched_at=NOW)
    stored = {r["capture_id"]: r["text"] for _, rows in store.export_tables(["versions"])
              for r in rows}  # fmt: skip
    assert stored == {first.capture_ids[0]: ""}, "the first capture's text is the statement's"
    assert [(v.title, v.text) for v in store.versions(first.id)] == [("Title", "First text.")]
    older = add(store, url, "Old title", "Older text.", fetched_at=datetime(2024, 1, 1, tzinfo=UTC))
    page = b"<p>First text.</p>"  # other bytes, the same text
    capture = make_capture(url, page, datetime(2024, 5, 2, tzinfo=UTC))
    store.put_capture(capture, page)
    same = make_statement(url, "Title", ("First text.",), capture)
    store.put_statement(same, capture)
    later = datetime(2024, 6, 1, tzinfo=UTC)
    newest = add(store, url, "New title", "Edited text.", fetched_at=later)
    assert [(v.capture_id, v.title, v.text) for v in store.versions(first.id)] == [
        (older.capture_ids[0], "Old title", "Older text."),
        (first.capture_ids[0], "Title", "First text."),
        (same.capture_ids[0], "Title", "First text."),
        (newest.capture_ids[0], "New title", "Edited text."),
    ]
    assert store.get_statement(first.id).text == "Edited text."


def test_sources_and_no_text(store: Store) -> None:
    source = Source("mfa", "https://mfa.example", "MFA", "AZ", ("en", "az"))
    store.put_source(source)
    store.put_source(source)
    assert store.sources() == [source]
    capture = replace(make_capture("https://mfa.example/empty", b""), source="mfa")
    store.put_capture(capture, b"")
    store.record_failure(ExtractionFailure(capture.id, capture.url, capture.url, "no text", NOW))
    assert store.failures()[0].reason == "no text"
    assert store.no_text("mfa") == [(capture.url, "no text")]
    store.clear_failure(capture.id)
    assert store.failures() == []
