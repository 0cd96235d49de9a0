from __future__ import annotations

import fcntl
import sqlite3
import threading
import time
import zlib
from contextlib import closing
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest

from communique.errors import NotFound, QueryError, StoreError
from communique.model import Enrichment, Event, ExtractionFailure, statement_id
from communique.query import parse_query
from communique.store.base import Batch, Store, is_postgres
from communique.store.migrations import MIGRATIONS, migrate
from communique.store.sqlite import CACHE_KIB, SqliteStore
from communique.store.sqlite_checkpoints import (
    AUTOCHECKPOINT_PAGES,
    BATCH_CACHE_KIB,
    WAL_MOST_PAGES,
)
from tests.conftest import add, make_capture, make_statement


def raw_rows(store_url: str, sql: str) -> list[tuple[Any, ...]]:
    """Rows read straight from the database behind a store, whichever backend it is."""
    if is_postgres(store_url):
        with psycopg.connect(store_url) as conn:
            return [tuple(r) for r in conn.execute(sql.encode()).fetchall()]
    with closing(sqlite3.connect(store_url)) as lite:
        return [tuple(r) for r in lite.execute(sql).fetchall()]


def test_capture_bytes_are_compressed_and_content_addressed(store: Store, store_url: str) -> None:
    body = b"<html><body>" + b"<p>Official statement text.</p>" * 200 + b"</body></html>"
    capture = make_capture("https://mfa.example/a", body)
    assert store.put_capture(capture, body) is True
    assert store.put_capture(capture, body) is False
    other_url = make_capture("https://embassy.example/a", body)
    assert store.put_capture(other_url, body) is True
    assert store.capture_body(capture.id) == body
    blobs = raw_rows(store_url, "SELECT size, length(zbody), zbody FROM blobs")
    assert len(blobs) == 1, "the same bytes at two URLs are stored once"
    size, stored, zbody = blobs[0]
    assert size == len(body) and stored < len(body) / 5
    assert zlib.decompress(zbody) == body


def test_new_content_at_same_url_is_a_version_and_newest_wins(store: Store) -> None:
    url = "https://mfa.example/statement"
    old = add(
        store, url, "Statement", "First wording.", fetched_at=datetime(2024, 1, 1, tzinfo=UTC)
    )
    new = add(
        store,
        url,
        "Statement",
        "Second wording, silently edited.",
        fetched_at=datetime(2024, 2, 1, tzinfo=UTC),
    )
    assert old.id == new.id
    kept = store.get_statement(new.id)
    assert kept.text == "Second wording, silently edited."
    assert len(kept.capture_ids) == 2
    assert [c.fetched_at.month for c in store.captures_of(new.id)] == [1, 2]
    # an older capture arriving late does not overwrite the newer text
    add(store, url, "Statement", "Zeroth wording.", fetched_at=datetime(2023, 1, 1, tzinfo=UTC))
    assert store.get_statement(new.id).text == "Second wording, silently edited."
    assert len(store.get_statement(new.id).capture_ids) == 3


def test_a_statement_written_again_from_its_capture_keeps_the_rows_of_one_write(
    store: Store, store_url: str
) -> None:
    """A rerun after a kill (or `reprocess`) writes a statement again from the capture it was
    stored from: the version rows are those a single write leaves, and a new extraction's
    text replaces the statement's without being stored twice."""
    first = make_capture("https://mfa.example/once", b"once", datetime(2024, 1, 1, tzinfo=UTC))
    later = make_capture("https://mfa.example/once", b"later", datetime(2024, 3, 1, tzinfo=UTC))
    store.put_captures([(first, b"once"), (later, b"later")])
    once = make_statement(first.url, "Statement", ("Said once.",), first)
    versions = "SELECT capture_id, title, text FROM versions ORDER BY capture_id"
    store.put_statement(once, first)
    written_once = raw_rows(store_url, versions)
    assert written_once == [(first.id, "", "")]
    store.put_statements([(once, first)])
    assert raw_rows(store_url, versions) == written_once
    reextracted = make_statement(first.url, "Statement", ("Said once, read better.",), first)
    store.put_statement(reextracted, first)
    assert raw_rows(store_url, versions) == written_once
    assert [v.text for v in store.versions(once.id)] == ["Said once, read better."]
    edited = make_statement(later.url, "Statement", ("Said twice.",), later)
    store.put_statement(edited, later)
    assert [v.text for v in store.versions(once.id)] == ["Said once, read better.", "Said twice."]
    store.put_statement(reextracted, first)  # the first capture again, now one of two
    assert [v.text for v in store.versions(once.id)] == ["Said once, read better.", "Said twice."]
    assert store.get_statement(once.id).text == "Said twice."


def test_statement_round_trip_keeps_every_field(store: Store) -> None:
    capture = make_capture("https://mfa.example/x", b"x")
    store.put_capture(capture, b"x")
    statement = make_statement(
        "https://mfa.example/x", "Title", ("One.", "Two."), capture, published=date(2020, 11, 8)
    )
    statement = replace(statement, published_confidence=0.87)
    store.put_statement(statement, capture)
    assert store.get_statement(statement.id) == statement


def test_missing_records_raise_not_found(store: Store) -> None:
    with pytest.raises(NotFound, match="no statement nope"):
        store.get_statement("nope")
    with pytest.raises(NotFound):
        store.capture_body("nope")


def test_failures_are_listed_once_per_capture(store: Store) -> None:
    failure = ExtractionFailure(
        "c1", "https://x", "file.html", "empty file", datetime(2024, 1, 1, tzinfo=UTC)
    )
    store.record_failure(failure)
    store.record_failure(failure)
    store.record_failure(
        ExtractionFailure("", "file:///y", "y.gz", "truncated", datetime(2024, 1, 2, tzinfo=UTC))
    )
    assert [f.reason for f in store.failures()] == ["empty file", "truncated"]
    assert store.stats().errors == 2


def test_cannot_open_database_in_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        SqliteStore(tmp_path / "no" / "such" / "x.db")


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot open database"):
        SqliteStore(path)


def test_schema_is_migrated_once(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    SqliteStore(path).close()
    SqliteStore(path).close()
    names = [
        r[0] for r in sqlite3.connect(path).execute("SELECT name FROM migrations ORDER BY rowid")
    ]
    assert names == [name for name, _ in MIGRATIONS]
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_archives_opened_at_once_are_migrated_once(tmp_path: Path) -> None:
    """Two processes opening a new archive together both find it unmigrated; the one that
    waits for the other's migration must take it as done, not fail on "already exists"."""
    paths = [tmp_path / f"race{n}.db" for n in range(4)]
    errors: list[BaseException] = []

    def open_at(path: Path, ready: threading.Barrier) -> None:
        conn = sqlite3.connect(path, timeout=60, isolation_level=None)
        try:
            ready.wait()
            migrate(conn)
        except BaseException as exc:  # collected: an error in a thread must fail the test
            errors.append(exc)
        finally:
            conn.close()

    for path in paths:
        ready = threading.Barrier(3)
        threads = [threading.Thread(target=open_at, args=(path, ready)) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    for path in paths:
        with closing(sqlite3.connect(path)) as conn:
            names = [r[0] for r in conn.execute("SELECT name FROM migrations ORDER BY rowid")]
        assert names == [name for name, _ in MIGRATIONS]


def test_reprocess_clear_keeps_captures(store: Store) -> None:
    add(store, "https://a", "A", "Text a.")
    store.clear_derived()
    assert store.stats().statements == 0
    assert store.stats().captures == 1
    assert store.search(parse_query("text")).total == 0


def test_bad_cursor_is_a_query_error(store: Store) -> None:
    with pytest.raises(QueryError, match="invalid cursor"):
        store.search(parse_query("x"), cursor="not-a-cursor")


def test_processed_marks_and_a_resumed_reprocess(store: Store) -> None:
    statement = add(store, "https://a", "A", "Text a.")
    capture_id = statement.capture_ids[0]
    assert not store.is_processed(capture_id, "v1")
    store.mark_processed(capture_id, "v1")
    store.mark_processed(capture_id, "v1")
    assert store.is_processed(capture_id, "v1") and not store.is_processed(capture_id, "v2")
    assert store.start_reprocess() is False
    assert store.stats().statements == 0 and not store.is_processed(capture_id, "v1")
    assert store.start_reprocess() is True, "an unfinished reprocess is resumed"
    store.finish_reprocess()
    assert store.start_reprocess() is False


def test_bulk_writes_store_what_one_by_one_writes_store(store: Store) -> None:
    def dated(day: int) -> datetime:
        return datetime(2024, 1, day, tzinfo=UTC)

    body = b"Joint statement on the ceasefire."
    first = make_capture("https://mfa.example/1", body, dated(1))
    same_bytes = make_capture("https://embassy.example/1", body, dated(1))
    edited = make_capture("https://mfa.example/1", b"Joint statement, edited.", dated(3))
    older = make_capture("https://mfa.example/1", b"Joint statement, draft.", dated(2))
    known = make_capture("https://mfa.example/2", b"Stored before.", dated(1))
    store.put_capture(known, b"Stored before.")
    store.put_statement(make_statement(known.url, "Before", ("Old text.",), known), known)
    later = make_capture("https://mfa.example/2", b"Stored after.", dated(5))
    captures = [first, first, same_bytes, edited, older, later]
    bodies = [body, body, body, b"Joint statement, edited.", b"Joint statement, draft.", b"x"]
    assert store.put_captures(list(zip(captures, bodies, strict=True))) == [
        True, False, True, True, True, True,
    ]  # fmt: skip
    assert store.put_captures([(first, body)]) == [False] and store.put_captures([]) == []
    store.put_statements(
        [
            (make_statement(first.url, "One", ("First text.",), first), first),
            (make_statement(same_bytes.url, "Copy", ("First text.",), same_bytes), same_bytes),
            (make_statement(edited.url, "One", ("Edited text.",), edited), edited),
            (make_statement(older.url, "One", ("Draft text.",), older), older),
            (make_statement(later.url, "After", ("New text.",), later), later),
        ]
    )
    one = store.get_statement(statement_id(first.url))
    assert one.text == "Edited text.", "the newest capture's content wins"
    assert set(one.capture_ids) == {first.id, edited.id, older.id}
    texts = [version.text for version in store.versions(one.id)]
    assert texts == ["First text.", "Draft text.", "Edited text."]
    assert store.get_statement(statement_id(later.url)).text == "New text."
    assert store.get_statement(statement_id(same_bytes.url)).title == "Copy"
    assert store.stats().statements == 3
    store.mark_all_processed([first.id, edited.id], "v1")
    store.mark_all_processed([], "v1")
    assert store.processed_among([first.id, edited.id, older.id], "v1") == {first.id, edited.id}
    assert store.processed_among([first.id], "v2") == set()
    page = store.search(parse_query("edited"))
    assert [hit.statement.id for hit in page.hits] == [one.id]


def test_a_failed_write_in_a_batch_is_undone_alone(store: Store) -> None:
    unknown = make_capture("https://nowhere", b"never stored")
    orphan = make_statement("https://b", "B", ("b",), unknown)
    with store.batch():
        add(store, "https://a", "A", "Text a.")
        with pytest.raises((sqlite3.IntegrityError, psycopg.errors.ForeignKeyViolation)):
            store.put_statement(orphan, unknown)  # its capture was never stored
        with store.batch():  # nested: the same batch
            add(store, "https://c", "C", "Text c.")
    assert store.stats().statements == 2
    with pytest.raises(NotFound):
        store.get_statement(orphan.id)


def test_a_paused_batch_leaves_the_archive_to_other_writers(tmp_path: Path) -> None:
    """An ingest waiting on its workers between two writes pauses its batch; it must not hold
    SQLite's write lock meanwhile, or a second ingest into the same archive fails with
    "database is locked" after the busy timeout (found: two ingests at load 27, the second
    failed after 33 s while the first waited on slow workers)."""
    path = tmp_path / "two.db"
    first = SqliteStore(path)
    with first.batch():
        add(first, "https://a", "A", "Text a.")
        first.pause()
        with closing(sqlite3.connect(path, timeout=0.5)) as other:
            other.execute("BEGIN IMMEDIATE")  # another ingest starting a write
            other.execute("ROLLBACK")
        add(first, "https://b", "B", "Text b.")  # the batch writes on after the pause
    assert first.stats().statements == 2


def test_a_batch_writing_on_lets_a_waiting_writer_go_at_its_commit(tmp_path: Path) -> None:
    """A bulk load whose workers are ahead never pauses its batch: it commits every second
    and takes the write lock again at its next write. A writer that waits meanwhile (a second
    ingest) must go at that commit; SQLite's busy handler alone retried every 100 ms and
    found the lock free only by chance, so the second ingest waited write after write and
    failed with "database is locked" at load 20 (test_two_ingests_at_once...)."""
    path = tmp_path / "turns.db"
    first, second = SqliteStore(path), SqliteStore(path)
    body = b"<p>A statement.</p>"
    waiting = threading.Thread(
        target=lambda: second.put_capture(make_capture("https://second", body), body)
    )
    with first.batch():
        first.put_capture(make_capture("https://first/1", body), body)  # holds the lock
        waiting.start()
        _until_waiting(tmp_path / "turns.db.writers")
        time.sleep(Batch().seconds)  # the batch is due at its next write
        first.put_capture(make_capture("https://first/2", body), body)  # commits
        first.put_capture(make_capture("https://first/3", body), body)  # writes on
    waiting.join()
    urls = [row[0] for row in raw_rows(str(path), "SELECT url FROM captures ORDER BY rowid")]
    assert urls == ["https://first/1", "https://first/2", "https://second", "https://first/3"]


def _until_waiting(marker: Path, bound: float = 20.0) -> None:
    """Return once a writer waits for the write lock (it holds a shared flock on `marker`),
    or after `bound` seconds (a bound on the wait, not a speed assertion)."""
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        if marker.exists():
            with marker.open("ab") as file:
                try:
                    fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    return
        time.sleep(0.01)


def test_a_batch_takes_the_write_lock_only_when_it_writes(tmp_path: Path) -> None:
    path = tmp_path / "lazy.db"
    first = SqliteStore(path)
    with first.batch():
        with closing(sqlite3.connect(path, timeout=0.5)) as other:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
        add(first, "https://a", "A", "Text a.")
    assert first.stats().statements == 1


def test_a_batch_leaves_its_commits_in_the_archive_file(tmp_path: Path) -> None:
    """While a batch writes, a thread of its own copies each commit from the WAL into the
    archive file (the batch's commits do not wait for that copy): once the batch is over,
    the file alone, without its WAL, holds all the batch wrote, the store still open."""
    path = tmp_path / "wal.db"
    store = SqliteStore(path)
    with store.batch():
        for n in range(3):
            add(store, f"https://a/{n}", "A", f"Text number {n}.")
            store.pause()  # a commit
        add(store, "https://a/last", "A", "The last text.")
    alone = tmp_path / "file-alone.db"
    alone.write_bytes(path.read_bytes())
    assert raw_rows(str(alone), "SELECT count(*) FROM statements") == [(4,)]
    assert store.stats().statements == 4


def test_a_batch_keeps_more_pages_only_while_it_writes(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "cache.db")

    def setting(name: str) -> int:
        return int(store._conn().execute(f"PRAGMA {name}").fetchone()[0])

    with store.batch():
        add(store, "https://a", "A", "Text a.")
        assert setting("cache_size") == -BATCH_CACHE_KIB
        assert setting("wal_autocheckpoint") == WAL_MOST_PAGES
    assert setting("cache_size") == -CACHE_KIB
    assert setting("wal_autocheckpoint") == AUTOCHECKPOINT_PAGES


def test_timeline_migration_fills_rows_from_stored_enrichment(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    store = SqliteStore(path)
    s = add(store, "https://a", "A", "Shusha was liberated on November 8, 2020.")
    events = (
        Event("Shusha was liberated on November 8, 2020.", 0, 40, "2020-11-08", None),
        Event("Talks in spring.", 41, 57, "XXXX-SP", None),
    )
    store.put_enrichment(s, Enrichment(events=events), datetime(2024, 1, 1, tzinfo=UTC))
    store.close()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DROP TABLE statement_timeline")
        conn.execute("DELETE FROM migrations WHERE name = 'web-0003-timeline'")
    SqliteStore(path).close()
    rows = conn.execute(
        "SELECT statement_id, date, date_end, start, sentence FROM statement_timeline"
    )
    assert rows.fetchall() == [(s.id, "2020-11-08", None, 0, events[0].sentence)]


def _in_thread(work: Any) -> Any:
    """`work()` run on a new thread that ends before this returns."""
    import threading

    out: list[Any] = []
    thread = threading.Thread(target=lambda: out.append(work()))
    thread.start()
    thread.join()
    return out[0]


def test_a_new_thread_reuses_the_connection_of_one_that_ended(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "a.db")
    add(store, "https://mfa.example/pooled", "Talks", "Talks on peace.")
    first = _in_thread(lambda: (store._conn(), store.count_captures())[0])
    second = _in_thread(store._conn)
    assert second is first  # warm, not opened again
    assert _in_thread(lambda: store.search(parse_query("peace")).total) == 1
    store.close()
    with pytest.raises(sqlite3.ProgrammingError):  # closed with the store
        first.execute("SELECT 1")
    assert store.count_captures() == 1  # a closed store opens again on use


def test_a_thread_that_ends_inside_a_write_leaves_no_transaction_behind(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "a.db")

    def begin() -> sqlite3.Connection:
        conn = store._conn()
        conn.execute("BEGIN IMMEDIATE")
        return conn

    left = _in_thread(begin)
    with pytest.raises(sqlite3.ProgrammingError):  # closed (rolled back), never reused
        left.execute("SELECT 1")
    add(store, "https://mfa.example/after", "After", "Written after.")
    assert _in_thread(store.count_captures) == 1


def test_the_end_of_a_relink_sorts_with_helper_threads_then_stops() -> None:
    """`finish_relink` runs alone on cores the relink's workers left idle: SQLite's sorter
    gets `SORT_THREADS` helper threads inside the block, and none again after it, even when
    the block fails; PostgreSQL is left as it is."""
    import sqlite3

    from communique.store.dialect import POSTGRES, SQLITE, Db
    from communique.store.link_tables import SORT_THREADS, _sort_threads

    db = Db(sqlite3.connect(":memory:"), SQLITE)
    with _sort_threads(db):
        assert db.execute("PRAGMA threads").fetchone()[0] == SORT_THREADS
    assert db.execute("PRAGMA threads").fetchone()[0] == 0
    with pytest.raises(sqlite3.OperationalError), _sort_threads(db):
        db.execute("SELECT * FROM nowhere")
    assert db.execute("PRAGMA threads").fetchone()[0] == 0

    class Untouched:
        def execute(self, *_: object) -> None:
            raise AssertionError("no SQL on PostgreSQL")

    with _sort_threads(Db(Untouched(), POSTGRES)):
        pass


def test_the_end_of_a_relink_queues_other_copies_as_the_trigger_does(tmp_path: Path) -> None:
    """`finish_relink` inserts every statement without SQLite's trigger that queues its other
    copies for the search index, and queues them in one statement: the rows the trigger
    queues, in its order; the trigger is there again after it."""
    from communique.model import CopyLink
    from communique.store.base import CopyRow

    store = SqliteStore(tmp_path / "a.db")
    made = [add(store, f"https://site{i}/1", "Victory", f"Victory day {i}.") for i in range(6)]
    ids = [s.id for s in made]
    groups = {ids[0]: ids[:4], ids[4]: [ids[4]], ids[5]: [ids[5]]}
    own = ids[2]  # on the issuer's own site: the canonical copy of the first statement

    def top() -> int:
        return int(
            store._conn().execute("SELECT coalesce(max(seq), 0) FROM search_queue").fetchone()[0]
        )

    store.start_relink()
    store.put_copies(
        [
            CopyRow(
                CopyLink(member, group, "exact", None, "", "key", "2024-01-01", member == own),
                b"",
                [bytes([n, 1, 2])],
            )
            for group, members in groups.items()
            for n, member in enumerate(members)
        ]
    )
    before = top()
    store.finish_relink()
    conn = store._conn()

    def queued(after: int) -> list[int]:
        rows = conn.execute(
            "SELECT statement FROM search_queue WHERE seq > ? ORDER BY seq", (after,)
        )
        return [int(r[0]) for r in rows]

    rowid = {r[1]: r[0] for r in conn.execute("SELECT rowid, id FROM statements")}
    others = sorted(member for member in groups[ids[0]] if member != own)
    assert queued(before) == [rowid[member] for member in others]
    rows = conn.execute("SELECT id, canonical, copies FROM statement_groups ORDER BY id").fetchall()
    assert [tuple(r) for r in rows] == sorted(
        (group, own if len(members) > 1 else group, len(members))
        for group, members in groups.items()
    )
    again = top()  # the trigger, row by row, queues the same
    conn.execute("BEGIN")
    conn.execute("DELETE FROM statement_groups")
    after = top()
    conn.executemany("INSERT INTO statement_groups VALUES (?, ?, ?)", [tuple(r) for r in rows])
    assert queued(after) == queued(before)[: again - before] and after > again
    conn.execute("ROLLBACK")
    store.close()


def test_a_relink_empties_the_links_queueing_what_the_delete_triggers_queue(
    tmp_path: Path,
) -> None:
    """`start_relink` empties the link tables of a linked archive with SQLite's delete
    triggers dropped (row by row, without `link_copies_group`, each read the whole
    `link_copies`) and queues in one statement what they queue: each statement's copies other
    than its canonical one, in their order; the triggers are there again after it."""
    from communique.model import CopyLink
    from communique.store.base import CopyRow

    store = SqliteStore(tmp_path / "a.db")
    ids = [add(store, f"https://site{i}/1", "Victory", f"Victory day {i}.").id for i in range(7)]
    groups = {ids[0]: ids[:3], ids[3]: [ids[3]], ids[4]: ids[4:]}
    own = {ids[0]: ids[1], ids[4]: ids[6]}  # the copies on the issuers' own sites
    store.start_relink()
    store.put_copies(
        [
            CopyRow(
                CopyLink(i, group, "exact", None, "", "key", "2024-01-01", i in own.values()),
                b"",
                [bytes([n, 1, 2])],
            )
            for group, members in groups.items()
            for n, i in enumerate(members)
        ]
    )
    store.finish_relink()
    conn = store._conn()

    def queued_by(change: Any) -> list[int]:
        start = int(conn.execute("SELECT coalesce(max(seq), 0) FROM search_queue").fetchone()[0])
        change()
        since = "SELECT statement FROM search_queue WHERE seq > ? ORDER BY seq"
        return [int(r[0]) for r in conn.execute(since, (start,))]

    def by_triggers() -> None:
        for table in ("statement_groups", "link_copies"):
            conn.execute(f"DELETE FROM {table}")

    conn.execute("BEGIN")
    expected = queued_by(by_triggers)
    conn.execute("ROLLBACK")
    rowid = {r[1]: r[0] for r in conn.execute("SELECT rowid, id FROM statements")}
    others = [i for g in sorted(groups) for i in sorted(groups[g]) if i != own.get(g, i)]
    assert expected == [rowid[i] for i in others]  # by statement, then by copy
    assert queued_by(store.start_relink) == expected
    assert conn.execute("SELECT count(*) FROM link_copies").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM statement_groups").fetchone()[0] == 0
    triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert {"search_copies_ad", "search_groups_ad"} <= triggers
    store.finish_relink()
    store.close()


def test_the_end_of_a_relink_queues_copies_of_statements_written_meanwhile(
    tmp_path: Path,
) -> None:
    """A statement row written while a relink ran (none is, as a rule): the copies `finish_relink`
    writes of it that are not its canonical copy are queued for search, as the trigger on
    `link_copies` queues them, in id order, before the statement's rows are made again."""
    from communique.model import CopyLink
    from communique.store.base import CopyRow

    store = SqliteStore(tmp_path / "a.db")
    ids = [add(store, f"https://site{i}/1", "Victory", f"Victory day {i}.").id for i in range(4)]
    group, own = min(ids), max(ids)
    store.start_relink()
    store.put_copies(
        [
            CopyRow(CopyLink(i, group, "exact", None, "", "key", "2024-01-01", i == own), b"", [])
            for i in ids
        ]
    )
    conn = store._conn()
    conn.execute("INSERT INTO statement_groups VALUES (?, ?, 1)", (group, ids[1]))
    before = int(conn.execute("SELECT coalesce(max(seq), 0) FROM search_queue").fetchone()[0])
    store.finish_relink()
    rowid = {r[1]: r[0] for r in conn.execute("SELECT rowid, id FROM statements")}
    queued = [
        int(r[0])
        for r in conn.execute(
            "SELECT statement FROM search_queue WHERE seq > ? ORDER BY seq", (before,)
        )
    ]
    inserted = [rowid[i] for i in sorted(ids) if i != ids[1]]  # each copy as it is inserted
    deleted = [rowid[i] for i in sorted(ids) if i != ids[1]]  # the old row's other copies
    made = [rowid[i] for i in sorted(ids) if i != own]  # the new row's
    assert queued == inserted + deleted + made
    triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert {"search_copies_ai", "search_groups_ai"} <= triggers
    store.close()
