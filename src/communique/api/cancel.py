"""Run a search in a worker thread under the time budget, stopped when the client goes away."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from itertools import islice
from typing import TypeVar

import anyio
from fastapi import Request

from communique.budget import Budget, limited

T = TypeVar("T")


async def cancellable(request: Request, work: Callable[[], T]) -> T:
    """`work()` in a thread under the `query_seconds` budget; cancelled on disconnect."""
    budget = Budget(request.app.state.settings.query_seconds)

    def run() -> T:
        with limited(budget):
            return work()

    async def watch() -> None:
        # waits for the server's disconnect message (polling `is_disconnected` cannot see it
        # through Starlette's BaseHTTPMiddleware); the request has no body to lose
        while (await request.receive())["type"] != "http.disconnect":
            continue
        budget.cancel()

    failed: BaseException | None = None
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(watch)
        try:
            result = await anyio.to_thread.run_sync(run, abandon_on_cancel=True)
        except anyio.get_cancelled_exc_class():  # the server saw the hang-up first
            budget.cancel()
            raise
        except Exception as exc:  # raised as itself, not inside the task group's ExceptionGroup
            failed = exc
        finally:
            tasks.cancel_scope.cancel()
    if failed is not None:
        raise failed
    return result


async def cancellable_stream(
    request: Request, chunks: Iterator[bytes], per_step: int = 500
) -> AsyncIterator[bytes]:
    """`chunks` read in a worker thread, `per_step` at a time (about one batch of matches),
    each step under a time budget of its own and stopped when the client goes away."""

    def step() -> bytes:
        return b"".join(islice(chunks, per_step))

    while data := await cancellable(request, step):
        yield data
