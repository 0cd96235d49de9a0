"""The asynchronous client: sends what `_core` builds, returns what it parses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar, Unpack

import anyio
import httpx

from communique import schemas
from communique.client import _core as core

T = TypeVar("T")


class AsyncClient(core.ClientBase[httpx.AsyncBaseTransport, "AsyncResults"]):
    """A communique server's API, from asyncio or trio code; the methods of `Client`.

    Example:
        >>> async def titles() -> list[str]:  # doctest: +SKIP
        ...     async with AsyncClient("http://127.0.0.1:8000") as archive:
        ...         return [hit.title async for hit in archive.search("Shusha")]
    """

    _http: httpx.AsyncClient

    def _open(self, options: dict[str, Any], transport: httpx.AsyncBaseTransport | None) -> None:
        self._http = httpx.AsyncClient(**options, transport=transport)

    def _results(self, first: core.Call[schemas.SearchResults]) -> AsyncResults:
        return AsyncResults(self, first)

    async def search_page(
        self, q: str = "", **options: Unpack[core.PageOptions]
    ) -> schemas.SearchResults:
        return await self._call(core.search_page(q, **options))

    async def statement(self, statement_id: str) -> schemas.Statement:
        return await self._call(core.statement(statement_id))

    async def enrichment(self, statement_id: str) -> schemas.Enrichment:
        return await self._call(core.enrichment(statement_id))

    async def captures(self, statement_id: str) -> list[schemas.Capture]:
        return await self._call(core.captures(statement_id))

    async def versions(self, statement_id: str) -> list[schemas.Version]:
        return await self._call(core.versions(statement_id))

    async def stats(self) -> schemas.Stats:
        return await self._call(core.stats())

    async def mentions(self) -> list[schemas.Mention]:
        return await self._call(core.mentions())

    async def failures(self) -> list[schemas.Failure]:
        return await self._call(core.failures())

    async def changes(self, since: str | date | None = None) -> list[schemas.Change]:
        return await self._call(core.changes(since))

    async def sources_health(self) -> list[schemas.SourceHealth]:
        return await self._call(core.sources_health())

    async def saved_searches(self) -> list[schemas.SavedSearch]:
        return await self._call(core.saved_searches())

    async def saved_search(self, name: str) -> schemas.SavedSearch:
        return await self._call(core.saved_search(name))

    async def save_search(self, name: str, query: str) -> schemas.SavedSearch:
        """Save `query` as `name` (a write: needs the client's API key where keys are on)."""
        return await self._call(core.save_search(name, query))

    async def delete_search(self, name: str) -> None:
        """Forget the saved search `name` (a write)."""
        await self._call(core.delete_search(name))

    async def export(self, q: str, path: str | Path, format: str = "jsonl") -> Path:
        """Stream every statement matching `q` to the file `path` (jsonl or csv)."""
        target = Path(path)
        partial = target.with_name(target.name + ".part")
        response = await self._send(core.export(q, format), stream=True)
        try:
            if not response.is_success:
                await response.aread()
                core.raise_for_error(response)
            with partial.open("wb") as out:
                async for chunk in response.aiter_bytes():
                    out.write(chunk)
        finally:
            await response.aclose()
        partial.replace(target)
        return target

    async def _call(self, call: core.Call[T]) -> T:
        return call.parse(await self._send(call.request))

    async def _send(self, request: core.Request, stream: bool = False) -> httpx.Response:
        attempt, outcome = 1, await self._try(request, stream)
        while (wait := self.retry.after(attempt, request, outcome)) is not None:
            if isinstance(outcome, httpx.Response):
                await outcome.aclose()
            await anyio.sleep(wait)
            attempt, outcome = attempt + 1, await self._try(request, stream)
        return core.answer(outcome)

    async def _try(
        self, request: core.Request, stream: bool
    ) -> httpx.Response | httpx.TransportError:
        try:
            return await self._http.send(request.to_httpx(self._http), stream=stream)
        except httpx.TransportError as error:
            return error

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()


class AsyncResults:
    """Search hits over every page, fetched as they are iterated (no cap)."""

    def __init__(self, client: AsyncClient, first: core.Call[schemas.SearchResults]) -> None:
        self._client = client
        self._first = first
        self._first_page: schemas.SearchResults | None = None

    async def first_page(self) -> schemas.SearchResults:
        """The first page: `total` matches and the `facets` over all of them (fetched once)."""
        if self._first_page is None:
            self._first_page = await self._client._call(self._first)
        return self._first_page

    async def pages(self) -> AsyncIterator[schemas.SearchResults]:
        page = await self.first_page()
        while True:
            yield page
            call = core.next_page(self._first, page)
            if call is None:
                return
            page = await self._client._call(call)

    async def __aiter__(self) -> AsyncIterator[schemas.SearchHit]:
        async for page in self.pages():
            for hit in page.hits:
                yield hit

    async def to_arrow(self) -> Any:
        return core.hits_table([hit async for hit in self])

    async def to_pandas(self) -> Any:
        return core.hits_frame([hit async for hit in self])
