"""Time budgets of searches: a deadline, and a flag a server sets when the client went away.

A caller runs a search inside `limited(Budget(seconds))`; the store checks `current()` as it
works (SQLite's progress handler between virtual-machine steps, PostgreSQL's statement timeout,
and between the steps of an index search) and stops with `QueryTimeout` past the deadline or
`QueryCancelled` once `cancel()` was called. Work that another thread can stop registers it
with `stopping`: a PostgreSQL statement is cancelled (`Connection.cancel_safe`) and a SQLite one
interrupted the moment the client goes away or the deadline passes. A call that cannot be
stopped from inside (a tantivy search) runs through `interruptible`: the search stops waiting
for it at the deadline.
Outside `limited`, a search gets the default budget of the settings.
"""

from __future__ import annotations

import contextvars
import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from communique.errors import QueryCancelled, QueryTimeout
from communique.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

stopped: Counter[str] = Counter()
"""Searches stopped in this process, by reason: `timeout` or `cancelled`."""


class Budget:
    """`seconds` from now for one search, or less when `cancel()` is called.

    Example:
        >>> budget = Budget(10.0)
        >>> budget.over()
        False
        >>> budget.cancel()
        >>> budget.over(), budget.cancelled
        (True, True)
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self._cancelled = threading.Event()
        self._stoppers: list[Callable[[], None]] = []
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        """Stops what runs under `stopping` at the deadline: one for the budget, started
        when the first work registers (`stopping`), ended with its `limited` block."""

    def cancel(self) -> None:
        """Stop the search at its next check (its client went away), and what runs under
        `stopping` at once (each in a thread of its own: the caller may be an event loop)."""
        self._cancelled.set()
        self._stop_all()

    def _stop_all(self) -> None:
        """Stop everything running under `stopping` now (from the timer or `cancel`), each in
        a thread of its own: a stop may wait on the network (a PostgreSQL cancel request), and
        one slow stop must not delay the others."""
        with self._lock:
            stoppers = list(self._stoppers)
        for stop in stoppers:
            threading.Thread(target=stop, name="communique-stop", daemon=True).start()

    @contextmanager
    def stopping(self, stop: Callable[[], None]) -> Iterator[None]:
        """Inside, `stop()` is called once, from another thread, when the budget is cancelled
        or its deadline passes; never after the block has ended (its end waits for a running
        `stop()`). For work that can only be stopped from outside, such as a PostgreSQL
        statement (`Connection.cancel_safe`).

        Example:
            >>> budget, stopped = Budget(60.0), threading.Event()
            >>> with budget.stopping(stopped.set):
            ...     budget.cancel()
            ...     stopped.wait(60.0)
            True
        """
        lock, state = threading.Lock(), {"open": True}

        def fire() -> None:
            with lock:
                if not state["open"]:
                    return
                state["open"] = False
                try:
                    stop()
                except Exception:  # a stop that failed leaves the deadline checks to stop it
                    log.warning("could not stop a search from outside", exc_info=True)

        with self._lock:
            self._stoppers.append(fire)
            if self._timer is None:
                self._timer = threading.Timer(self.remaining(), self._stop_all)
                self._timer.daemon = True
                self._timer.start()
        try:
            yield
        finally:
            with self._lock:
                self._stoppers.remove(fire)
            with lock:
                state["open"] = False

    def close(self) -> None:
        """End the deadline's timer, unless work still runs under `stopping` (a later
        `stopping` starts it again)."""
        with self._lock:
            if self._timer is not None and not self._stoppers:
                self._timer.cancel()
                self._timer = None

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def remaining(self) -> float:
        """Seconds left before the deadline (0 once past it)."""
        return max(0.0, self.deadline - time.monotonic())

    def over(self) -> bool:
        """True once the search should stop: cancelled or past its deadline."""
        return self.cancelled or time.monotonic() > self.deadline

    def check(self) -> None:
        """Raise `QueryCancelled` or `QueryTimeout` when the search should stop."""
        if self.cancelled:
            raise self.stopped_error()
        if time.monotonic() > self.deadline:
            raise self.timed_out()

    def stopped_error(self) -> QueryCancelled:
        """The error of a search stopped because its client went away (counted and logged)."""
        stopped["cancelled"] += 1
        log.info("search stopped: its client went away")
        return QueryCancelled("the search was stopped: its client went away")

    def timed_out(self) -> QueryTimeout:
        """The error of a search stopped at this budget's deadline (counted and logged)."""
        stopped["timeout"] += 1
        log.info("search stopped after %g s", self.seconds)
        return QueryTimeout(
            f"the search took longer than {self.seconds:g} s (query_seconds) and was"
            " stopped; narrow it (fewer words, a filter)"
        )


_CURRENT: ContextVar[Budget | None] = ContextVar("communique_budget", default=None)


def current() -> Budget:
    """The budget of the running search (a fresh default one outside `limited`)."""
    return _CURRENT.get() or Budget(Settings.query_seconds)


@contextmanager
def active() -> Iterator[Budget]:
    """The running search's budget; a default one (`query_seconds`) when none runs."""
    budget = _CURRENT.get()
    if budget is not None:
        yield budget
        return
    with limited(Budget(Settings.query_seconds)) as budget:
        yield budget


@contextmanager
def limited(budget: Budget) -> Iterator[Budget]:
    """Run the searches inside under `budget`."""
    token = _CURRENT.set(budget)
    try:
        yield budget
    finally:
        _CURRENT.reset(token)
        budget.close()


_POLL_SECONDS = 0.05
"""How often a search waiting in `interruptible` looks whether its client went away."""
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _search_threads() -> ThreadPoolExecutor:
    """The threads that run uninterruptible search calls, made on first use (not at import,
    not before a fork). A few: calls abandoned at their deadline finish there and new ones
    queue behind them, within their own budget, instead of piling up."""
    global _pool
    with _pool_lock:
        if _pool is None:
            workers = max(4, os.cpu_count() or 1)
            _pool = ThreadPoolExecutor(workers, thread_name_prefix="communique-search")
        return _pool


def interruptible(work: Callable[[], T]) -> T:
    """`work()` run in a search thread; the caller waits for it only while the running
    search's budget lasts.

    For calls the budget cannot stop from inside, such as a tantivy search (which releases
    the GIL while it runs): past the deadline, or once the client went away, the caller gets
    `QueryTimeout` (or `QueryCancelled`) at once, and the abandoned call finishes in its
    thread with its result dropped.

    Example:
        >>> with limited(Budget(5.0)):
        ...     interruptible(lambda: 6 * 7)
        42
    """
    result: T = interruptible_all(work)[0]
    return result


def interruptible_all(*works: Callable[[], Any]) -> list[Any]:
    """Each of `works` run at once in its own search thread, as `interruptible` runs one;
    their results in order. Calls that each keep a core busy (tantivy's) take the longest's
    time instead of their sum where cores are free.

    Example:
        >>> with limited(Budget(5.0)):
        ...     interruptible_all(lambda: 6 * 7, lambda: "page")
        [42, 'page']
    """
    with active() as budget:
        budget.check()
        context = contextvars.copy_context
        futures = [_search_threads().submit(context().run, work) for work in works]
        return [_result(future, budget, futures) for future in futures]


def _result(future: Future[T], budget: Budget, others: list[Future[Any]]) -> T:
    """The result of `future` once it is done, while `budget` lasts (past it, every one of
    `others` not started yet is cancelled)."""
    while True:
        try:
            return future.result(timeout=min(_POLL_SECONDS, budget.remaining()))
        except FutureTimeout:
            if budget.over():
                for other in others:
                    other.cancel()
                budget.check()
