"""The synchronous client: sends what `_core` builds, returns what it parses."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar, Unpack

import httpx

from communique import schemas
from communique.client import _core as core

T = TypeVar("T")
DEFAULT_URL = core.DEFAULT_URL


class Client(core.ClientBase[httpx.BaseTransport, "Results"]):
    """A communique server's API, from Python.

    Example:
        >>> with Client("http://127.0.0.1:8000") as archive:  # doctest: +SKIP
        ...     for hit in archive.search("Shusha", country="AZ"):
        ...         print(hit.published, hit.title)
    """

    _http: httpx.Client

    def _open(self, options: dict[str, Any], transport: httpx.BaseTransport | None) -> None:
        self._http = httpx.Client(**options, transport=transport)

    def _results(self, first: core.Call[schemas.SearchResults]) -> Results:
        return Results(self, first)

    def search_page(
        self, q: str = "", **options: Unpack[core.PageOptions]
    ) -> schemas.SearchResults:
        """One page of results with the total and the facet counts over every match."""
        return self._call(core.search_page(q, **options))

    def statement(self, statement_id: str) -> schemas.Statement:
        return self._call(core.statement(statement_id))

    def enrichment(self, statement_id: str) -> schemas.Enrichment:
        return self._call(core.enrichment(statement_id))

    def captures(self, statement_id: str) -> list[schemas.Capture]:
        return self._call(core.captures(statement_id))

    def versions(self, statement_id: str) -> list[schemas.Version]:
        return self._call(core.versions(statement_id))

    def stats(self) -> schemas.Stats:
        return self._call(core.stats())

    def mentions(self) -> list[schemas.Mention]:
        return self._call(core.mentions())

    def failures(self) -> list[schemas.Failure]:
        return self._call(core.failures())

    def changes(self, since: str | date | None = None) -> list[schemas.Change]:
        return self._call(core.changes(since))

    def sources_health(self) -> list[schemas.SourceHealth]:
        return self._call(core.sources_health())

    def saved_searches(self) -> list[schemas.SavedSearch]:
        return self._call(core.saved_searches())

    def saved_search(self, name: str) -> schemas.SavedSearch:
        return self._call(core.saved_search(name))

    def save_search(self, name: str, query: str) -> schemas.SavedSearch:
        """Save `query` as `name` (a write: needs the client's API key where keys are on)."""
        return self._call(core.save_search(name, query))

    def delete_search(self, name: str) -> None:
        """Forget the saved search `name` (a write)."""
        self._call(core.delete_search(name))

    def export(self, q: str, path: str | Path, format: str = "jsonl") -> Path:
        """Stream every statement matching `q` to the file `path` (jsonl or csv).

        The file appears whole or not at all: it is written beside and renamed when done.
        """
        target = Path(path)
        partial = target.with_name(target.name + ".part")
        response = self._send(core.export(q, format), stream=True)
        try:
            if not response.is_success:
                response.read()
                core.raise_for_error(response)
            with partial.open("wb") as out:
                for chunk in response.iter_bytes():
                    out.write(chunk)
        finally:
            response.close()
        partial.replace(target)
        return target

    def _call(self, call: core.Call[T]) -> T:
        return call.parse(self._send(call.request))

    def _send(self, request: core.Request, stream: bool = False) -> httpx.Response:
        attempt, outcome = 1, self._try(request, stream)
        while (wait := self.retry.after(attempt, request, outcome)) is not None:
            if isinstance(outcome, httpx.Response):
                outcome.close()
            time.sleep(wait)
            attempt, outcome = attempt + 1, self._try(request, stream)
        return core.answer(outcome)

    def _try(self, request: core.Request, stream: bool) -> httpx.Response | httpx.TransportError:
        try:
            return self._http.send(request.to_httpx(self._http), stream=stream)
        except httpx.TransportError as error:
            return error

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class Results:
    """Search hits over every page, fetched as they are iterated (no cap)."""

    def __init__(self, client: Client, first: core.Call[schemas.SearchResults]) -> None:
        self._client = client
        self._first = first
        self._first_page: schemas.SearchResults | None = None

    def first_page(self) -> schemas.SearchResults:
        """The first page: `total` matches and the `facets` over all of them (fetched once)."""
        if self._first_page is None:
            self._first_page = self._client._call(self._first)
        return self._first_page

    def pages(self) -> Iterator[schemas.SearchResults]:
        """Each page of results in turn, following the cursors."""
        page = self.first_page()
        while True:
            yield page
            call = core.next_page(self._first, page)
            if call is None:
                return
            page = self._client._call(call)

    def __len__(self) -> int:
        return self.first_page().total

    def __iter__(self) -> Iterator[schemas.SearchHit]:
        for page in self.pages():
            yield from page.hits

    def to_arrow(self) -> Any:
        """Every hit as a `pyarrow.Table`."""
        return core.hits_table(self)

    def to_pandas(self) -> Any:
        """Every hit as a `pandas.DataFrame` (needs the `pandas` extra)."""
        return core.hits_frame(self)
