"""Time budgets: a call that cannot be stopped from inside (a tantivy search) is waited for
only while the budget lasts, and each backend stops its own statements at the deadline."""

from __future__ import annotations

import threading
from typing import Any

import psycopg
import pytest

from communique.budget import Budget, interruptible, limited
from communique.errors import QueryCancelled, QueryTimeout
from communique.query import parse_query
from communique.store.base import Store, open_store
from communique.store.search_index import IndexDoc, Restriction
from communique.store.tantivy_index import TantivyIndex

WAIT = 120.0
"""A bound for a loaded machine, so that a regression fails instead of hanging."""


def _blocked(release: threading.Event, finished: threading.Event) -> Any:
    def work() -> str:
        release.wait(WAIT)
        finished.set()
        return "late"

    return work


def test_a_call_past_the_deadline_is_abandoned_not_waited_for() -> None:
    release, finished = threading.Event(), threading.Event()
    with limited(Budget(0.2)), pytest.raises(QueryTimeout, match=r"0\.2 s \(query_seconds\)"):
        interruptible(_blocked(release, finished))
    assert not finished.is_set()  # the caller got its answer while the call still ran
    release.set()
    assert finished.wait(WAIT)  # ... and the abandoned call ends on its own


def test_a_call_is_abandoned_when_its_client_goes_away() -> None:
    release, finished = threading.Event(), threading.Event()
    budget = Budget(WAIT)
    threading.Timer(0.1, budget.cancel).start()
    with limited(budget), pytest.raises(QueryCancelled):
        interruptible(_blocked(release, finished))
    assert not finished.is_set()
    release.set()


class _SlowSearcher:
    """A real tantivy searcher whose searches wait for `release` first (a search too slow
    for its budget)."""

    def __init__(self, searcher: Any, release: threading.Event) -> None:
        self._searcher, self._release = searcher, release

    def search(self, *args: Any, **kwargs: Any) -> Any:
        self._release.wait(WAIT)
        return self._searcher.search(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._searcher, name)


class _SlowIndex:
    def __init__(self, index: Any, release: threading.Event) -> None:
        self._index, self._release = index, release

    def searcher(self) -> _SlowSearcher:
        return _SlowSearcher(self._index.searcher(), self._release)


@pytest.mark.parametrize("order", ["relevance", "newest"])
def test_a_tantivy_search_past_its_budget_answers_with_a_timeout(order: str) -> None:
    index = TantivyIndex(None)
    index.write([IndexDoc(k, f"Statement {k}", "Shusha was liberated.") for k in range(1, 50)])
    query = parse_query("liberated", order)
    release = threading.Event()
    index._index = _SlowIndex(index._index, release)
    with limited(Budget(0.2)), pytest.raises(QueryTimeout):
        index.search(query, Restriction(), None, 5)
    with limited(Budget(0.2)), pytest.raises(QueryTimeout):
        next(index.keys(query, Restriction(), 10))
    release.set()
    assert index.search(query, Restriction(), None, 5).total == 49


_ENDLESS = (
    "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 1000000000)"
    " SELECT count(*) AS n FROM c"
)
"""A statement that runs for minutes (a billion rows), unless stopped."""


def test_each_backend_stops_an_aggregate_statement_at_the_deadline(store: Store) -> None:
    budgeted = store._budgeted  # type: ignore[attr-defined]
    db = store._db()  # type: ignore[attr-defined]
    with limited(Budget(0.3)), pytest.raises(QueryTimeout, match="query_seconds"), budgeted():
        db.native(_ENDLESS)
    with limited(Budget(WAIT)), budgeted():
        assert db.native("SELECT count(*) AS n FROM statements")[0]["n"] == 0


def test_a_search_after_a_rollback_a_late_cancel_stopped_runs(pg_url: str) -> None:
    """The cancel sent at the deadline can land on the rollback after the server's own
    timeout, leaving the connection's transaction aborted; the next search must not fail."""
    store: Any = open_store(pg_url)
    try:
        conn = store._conn()
        conn.execute("BEGIN")
        with pytest.raises(psycopg.errors.DivisionByZero):
            conn.execute("SELECT 1 / 0")
        with limited(Budget(WAIT)), store._budgeted():
            assert store._db().native("SELECT count(*) AS n FROM statements")[0]["n"] == 0
        assert conn.execute("SELECT 1 AS one").fetchone()["one"] == 1
    finally:
        store.close()


@pytest.mark.parametrize("way", ["cancel", "deadline"])
def test_work_registered_with_stopping_is_stopped_once(way: str) -> None:
    budget = Budget(WAIT if way == "cancel" else 0.05)
    stopped = threading.Event()
    calls: list[str] = []

    def stop() -> None:
        calls.append(threading.current_thread().name)
        stopped.set()

    with budget.stopping(stop):
        if way == "cancel":
            budget.cancel()
        assert stopped.wait(WAIT)
        budget.cancel()  # a second cancel does not call it again
    assert len(calls) == 1 and calls[0] != threading.current_thread().name


def test_stopping_never_calls_after_its_block() -> None:
    budget = Budget(WAIT)
    calls: list[int] = []
    with budget.stopping(lambda: calls.append(1)):
        pass
    budget.cancel()
    with budget.stopping(lambda: calls.append(2)):  # stopped on the cancel to come only
        pass
    assert calls == []


def test_a_budget_has_one_deadline_timer_for_all_its_work(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[threading.Timer] = []

    class Counted(threading.Timer):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(threading, "Timer", Counted)
    budget, calls, fired = Budget(WAIT), [], threading.Event()
    with limited(budget):
        for i in range(5):  # a search's statements, one after another
            with budget.stopping(lambda i=i: calls.append(i)):
                pass
        with budget.stopping(fired.set):
            budget.cancel()
            assert fired.wait(WAIT)
    assert calls == [], "only the work running at the cancel is stopped"
    assert len(made) == 1 and made[0].finished.is_set(), "ended with the budget's block"


def test_one_slow_stop_does_not_delay_the_others() -> None:
    """Each stop runs in a thread of its own: a cancel request waiting on the network (here,
    a stop blocked until released) leaves the other work's stop to run at once."""
    budget = Budget(WAIT)
    release, other_stopped = threading.Event(), threading.Event()
    with budget.stopping(lambda: release.wait(WAIT)), budget.stopping(other_stopped.set):
        budget.cancel()
        stopped_while_blocked = other_stopped.wait(WAIT / 4)
        release.set()
    assert stopped_while_blocked, "the second stop waited for the first"
