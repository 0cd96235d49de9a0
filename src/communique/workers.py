"""Pipeline stages in worker processes: each worker builds its stages and loads their models once.

Extraction and enrichment need no store, so they run in workers (HeidelTime, spaCy and
trafilatura then run side by side on every core, each worker with its own JVM); stages that
read or write the store run in the main process, in input order. Workers are started with
`spawn`, so a JVM already running in the parent is never forked; a script that ingests with
workers must therefore guard its entry point with `if __name__ == "__main__":`.
"""

from __future__ import annotations

import ctypes
import functools
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any, Protocol, cast

from communique.settings import Settings

if TYPE_CHECKING:
    from communique.pipeline import Document, SplitStage, Stage

Build = Callable[[Settings], Mapping[str, "Stage"]]
"""Makes a worker's stages, by name, from the settings."""

_STAGES: dict[str, Stage] = {}


def _start_worker(build: Build, settings: Settings, parent: int) -> None:
    _die_with(parent)
    _STAGES.update(build(settings))
    for stage in _STAGES.values():
        warm_up: Callable[[], object] | None = getattr(stage, "warm_up", None)
        if warm_up is not None:
            warm_up()


def _die_with(parent: int) -> None:
    """Have the kernel kill this worker when the process that started it dies (even by
    kill -9), so no worker outlives an interrupted ingest; Linux only, elsewhere a no-op."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)


_PR_SET_PDEATHSIG = 1
"""prctl(2) option: the signal this process gets when its parent dies."""


def _run(names: tuple[str, ...], doc: Document) -> dict[str, Any]:
    """Run the stages `names` on `doc`; only the fields they assign travel back."""
    try:
        for name in names:
            doc = _STAGES[name].process(doc)
    except Exception as exc:
        raise _portable(exc) from None
    return {field: getattr(doc, field) for name in names for field in _STAGES[name].assigns}


def _run_each(names: tuple[str, ...], fields: tuple[str, ...], docs: list[Document]) -> list[Any]:
    """The stages `names` run on each of `docs`: for each, in order, the tuple of its `fields`
    after them, or the error that stopped them (one task, one compact answer for all)."""
    outcomes: list[Any] = []
    for doc in docs:
        try:
            for name in names:
                doc = _STAGES[name].process(doc)
        except Exception as exc:
            outcomes.append(_portable(exc))
            continue
        outcomes.append(tuple([getattr(doc, field) for field in fields]))
    return outcomes


def _run_many(jobs: list[tuple[Callable[..., Any], tuple[Any, ...]]]) -> list[tuple[bool, Any]]:
    """Several jobs sent as one task: (True, result) or (False, error) for each, in order."""
    outcomes: list[tuple[bool, Any]] = []
    for function, args in jobs:
        try:
            outcomes.append((True, function(*args)))
        except Exception as exc:
            outcomes.append((False, exc))
    return outcomes


def _run_part(name: str, part: Any) -> Any:
    """One part of a split stage's work on a document (see `pipeline.SplitStage`)."""
    try:
        return cast("SplitStage", _STAGES[name]).process_part(part)
    except Exception as exc:
        raise _portable(exc) from None


def _portable(error: Exception) -> Exception:
    """`error`, or a plain one telling the same when it cannot be unpickled (that would
    break the whole pool)."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error


def _ready_pid() -> int:
    """This worker's process id, once its stages are built (the initializer has run); it
    takes a moment, so that a worker still starting gets some of these tasks too."""
    time.sleep(0.02)
    return os.getpid()


class Job(Protocol):
    """A job sent to the workers: a `Future`, or a `Held` one sent with others as one task."""

    def done(self) -> bool: ...

    def result(self) -> Any: ...

    def add_done_callback(self, fn: Callable[[Any], object]) -> None: ...


class Held:
    """A job held back and sent with others as one task (`WorkerPool.flush`): what a `Future`
    offers `pipeline.Run`, without a lock and a condition of its own for each job (a pool's
    jobs share one lock, taken only to add a callback or to settle a task's jobs)."""

    __slots__ = ("_callbacks", "_lock", "_outcome")

    def __init__(self, lock: threading.Lock) -> None:
        self._lock = lock
        self._outcome: tuple[bool, Any] | None = None
        self._callbacks: list[Callable[[Held], object]] = []

    def done(self) -> bool:
        return self._outcome is not None

    def result(self) -> Any:
        """What the job returned (it is done); raises what it raised."""
        assert self._outcome is not None, "a held job's result is asked before it is done"
        ok, value = self._outcome
        if not ok:
            raise value
        return value

    def add_done_callback(self, fn: Callable[[Held], object]) -> None:
        """Call `fn(job)` when it is done (at once, in this thread, when it is already)."""
        with self._lock:
            if self._outcome is None:
                self._callbacks.append(fn)
                return
        fn(self)

    @staticmethod
    def settle(lock: threading.Lock, jobs: list[Held], outcomes: list[tuple[bool, Any]]) -> None:
        """Give each of `jobs` its outcome (True and the result, or False and the error),
        then call their callbacks."""
        with lock:
            for job, outcome in zip(jobs, outcomes, strict=True):
                job._outcome = outcome
            callbacks = [(job, job._callbacks) for job in jobs]
            for job in jobs:
                job._callbacks = []
        for job, waiting in callbacks:
            for fn in waiting:
                fn(job)


class WorkerPool:
    """Worker processes running pipeline stages; `submit` returns the fields they assign.

    Jobs are sent `chunk` at a time, as one task, so that short jobs (a JSONL record's
    extraction) do not cost more to send than to run; whoever waits for a job calls `flush`
    first, which sends the jobs held back. A worker that dies (e.g. out of memory) fails the
    jobs it held; the next `submit` starts a fresh pool.
    """

    def __init__(self, workers: int, settings: Settings, build: Build, chunk: int = 1) -> None:
        self.workers = workers
        self.settings = settings
        self.build = build
        self.chunk = chunk
        self._held: list[tuple[Callable[..., Any], tuple[Any, ...], Held]] = []
        self._settling = threading.Lock()
        """Taken while the jobs of a task are settled or a callback is added to one."""
        self._executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(self.build, self.settings, os.getpid()),
        )

    def submit(self, names: tuple[str, ...], doc: Document) -> Job:
        """Run the stages `names` on `doc` in a worker."""
        return self._submit(_run, names, doc)

    def run_each(
        self, names: tuple[str, ...], fields: tuple[str, ...], docs: list[Document]
    ) -> Future[list[Any]]:
        """Run the stages `names` on every one of `docs` as one task: its result holds, for
        each document in order, the tuple of its `fields` after them or the error it met."""
        return self._send(_run_each, names, fields, docs)

    def submit_part(self, name: str, part: Any) -> Job:
        """Run one part of the split stage `name` in a worker."""
        return self._submit(_run_part, name, part)

    def _submit(self, function: Callable[..., Any], *args: Any) -> Job:
        if self.chunk <= 1:
            return self._send(function, *args)
        job = Held(self._settling)
        self._held.append((function, args, job))
        if len(self._held) >= self.chunk:
            self.flush()
        return job

    def flush(self) -> None:
        """Send the jobs held back, as one task."""
        if not self._held:
            return
        held, self._held = self._held, []
        task = self._send(_run_many, [(function, args) for function, args, _ in held])
        jobs = [job for *_, job in held]

        def settle(done: Future[list[tuple[bool, Any]]]) -> None:
            try:
                outcomes = done.result()
            except BaseException as exc:  # the worker died: every job in the task fails
                outcomes = [(False, exc)] * len(jobs)
            Held.settle(self._settling, jobs, outcomes)

        task.add_done_callback(settle)

    def _send(self, function: Callable[..., Any], *args: Any) -> Future[Any]:
        try:
            return self._executor.submit(function, *args)
        except BrokenProcessPool:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = self._start()
            return self._executor.submit(function, *args)

    def warm_up(self) -> None:
        """Start every worker and wait until each has built its stages and loaded its models.

        The executor starts a worker only when none is idle, and counts one idle worker for
        each task ever finished: short tasks are sent until every worker has answered (or a
        minute has passed)."""
        answered: set[int] = set()
        deadline = time.monotonic() + 60
        while len(answered) < self.workers and time.monotonic() < deadline:
            tasks = [self._executor.submit(_ready_pid) for _ in range(self.workers * 4)]
            answered |= {task.result() for task in tasks}

    def pids(self) -> list[int]:
        """The process ids of the running workers (none before the first `submit`)."""
        return [pid for pid in self._executor._processes or {}]

    def close(self) -> None:
        """Stop the workers."""
        self._executor.shutdown(wait=True, cancel_futures=True)


@functools.cache
def shared_pool(workers: int, settings: Settings, build: Build, chunk: int = 1) -> WorkerPool:
    """The pool kept for this process, so that models load once per worker and process."""
    return WorkerPool(workers, settings, build, chunk)
