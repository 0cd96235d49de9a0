"""Time budgets of searches: a deadline, and a flag a server sets when the client went away.

A caller runs a search inside `limited(Budget(seconds))`; the store checks `current()` as it
works (SQLite's progress handler between virtual-machine steps, and between the steps of an
index search) and stops with `QueryTimeout` past the deadline or `QueryCancelled` once
`cancel()` was called. Outside `limited`, a search gets the default budget of the settings.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from communique.errors import QueryCancelled, QueryTimeout
from communique.settings import Settings

log = logging.getLogger(__name__)

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

    def cancel(self) -> None:
        """Stop the search at its next check (its client went away)."""
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def over(self) -> bool:
        """True once the search should stop: cancelled or past its deadline."""
        return self.cancelled or time.monotonic() > self.deadline

    def check(self) -> None:
        """Raise `QueryCancelled` or `QueryTimeout` when the search should stop."""
        if self.cancelled:
            stopped["cancelled"] += 1
            log.info("search stopped: its client went away")
            raise QueryCancelled("the search was stopped: its client went away")
        if time.monotonic() > self.deadline:
            stopped["timeout"] += 1
            log.info("search stopped after %g s", self.seconds)
            raise QueryTimeout(
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
