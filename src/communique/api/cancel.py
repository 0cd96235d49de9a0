"""Run a search in a worker thread under the time budget, stopped when the client goes away."""

from __future__ import annotations

from collections.abc import Callable
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
            result = await anyio.to_thread.run_sync(run)
        except Exception as exc:  # raised as itself, not inside the task group's ExceptionGroup
            failed = exc
        finally:
            tasks.cancel_scope.cancel()
    if failed is not None:
        raise failed
    return result
