"""Enrichment in worker processes: one `Enricher` per worker, its models loaded once.

HeidelTime and spaCy hold most of the time of an enriched ingest and run well side by side
in separate processes (each worker has its own JVM). Workers are started with `spawn`, so a
JVM already running in the parent is never forked; a script that ingests with workers must
therefore guard its entry point with `if __name__ == "__main__":`.
"""

from __future__ import annotations

import functools
import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date

from communique.enrich.core import Enricher
from communique.model import Enrichment

WARM_UP = "Talks in Paris on 8 May 2020 and again on Tuesday, two weeks later."
"""Enriched once by each new worker so that its models are loaded before real work."""

_ENRICHER: Enricher | None = None


@dataclass(frozen=True)
class EnrichJob:
    """What a worker needs to enrich one statement."""

    text: str
    published: date | None
    language: str | None
    country: str | None

    def run(self, enricher: Enricher) -> Enrichment:
        """The enrichment of this job's text by `enricher`."""
        return enricher.enrich(self.text, self.published, self.language, self.country)


def _start_worker(prefer_heideltime: bool) -> None:
    global _ENRICHER
    _ENRICHER = Enricher(prefer_heideltime)
    _ENRICHER.enrich(WARM_UP, date(2020, 5, 1), "en")


def _enrich(job: EnrichJob) -> Enrichment:
    assert _ENRICHER is not None, "worker started without an Enricher"
    return job.run(_ENRICHER)


class WorkerPool:
    """A pool of enrichment workers; `submit` returns a future of the `Enrichment`.

    A worker that dies (e.g. out of memory) fails the jobs it held; the next `submit`
    starts a fresh pool.
    """

    def __init__(self, workers: int, prefer_heideltime: bool = True) -> None:
        self.workers = workers
        self.prefer_heideltime = prefer_heideltime
        self._executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(self.prefer_heideltime,),
        )

    def submit(self, job: EnrichJob) -> Future[Enrichment]:
        """Enrich `job` in a worker."""
        try:
            return self._executor.submit(_enrich, job)
        except BrokenProcessPool:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = self._start()
            return self._executor.submit(_enrich, job)

    def warm_up(self) -> None:
        """Start every worker and wait until each has loaded its models."""
        job = EnrichJob(WARM_UP, date(2020, 5, 1), "en", None)
        for future in [self.submit(job) for _ in range(self.workers * 2)]:
            future.result()

    def pids(self) -> list[int]:
        """The process ids of the running workers (none before the first `submit`)."""
        return [pid for pid in self._executor._processes or {}]

    def close(self) -> None:
        """Stop the workers."""
        self._executor.shutdown(wait=True, cancel_futures=True)


def shared_pool(workers: int, prefer_heideltime: bool) -> WorkerPool:
    """The pool kept for this process, so that models load once per worker and process.

    Example:
        >>> shared_pool(2, False) is shared_pool(workers=2, prefer_heideltime=False)
        True
    """
    return _kept_pool(workers, prefer_heideltime)


@functools.cache
def _kept_pool(workers: int, prefer_heideltime: bool) -> WorkerPool:
    return WorkerPool(workers, prefer_heideltime)
