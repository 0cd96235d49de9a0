"""The client's sans-I/O core: requests to make, how to read answers, when to retry.

`Client` and `AsyncClient` only send what this module builds and hand back what it parses,
so both speak the API the same way. To call a new route: add a function here returning a
`Call` (the `Request` and the `parser` of the route's model from `communique.schemas`), then a
one-line method on each client: `return self._call(core.thing(...))` (awaited in the async one).
"""

from __future__ import annotations

import importlib.util
import os
import random
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from enum import Enum
from typing import Any, Generic, TypedDict, TypeVar
from urllib.parse import quote

import httpx
from pydantic import TypeAdapter

from communique import schemas
from communique.errors import CommuniqueError
from communique.query import FILTERS

T = TypeVar("T")
TransportT = TypeVar("TransportT", httpx.BaseTransport, httpx.AsyncBaseTransport)
ResultsT = TypeVar("ResultsT")
DEFAULT_URL = "http://127.0.0.1:8000"
API_PATH = "/api/v1"
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
WRITE_RETRIED_STATUSES = frozenset({429, 503})


class ApiError(CommuniqueError):
    """The server answered with an error; `status`, `code` and `parameter` say which."""

    def __init__(self, status: int, code: str, message: str, parameter: str | None) -> None:
        super().__init__(f"{status} {code}: {message}", parameter=parameter)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Request:
    """One HTTP request to the API, relative to its versioned root."""

    path: str
    params: Mapping[str, str | int] = field(default_factory=dict)
    method: str = "GET"
    json: Any = None
    """The body of a write (sent as JSON), or None."""

    @property
    def idempotent(self) -> bool:
        return self.method in ("GET", "HEAD", "PUT", "DELETE")

    def to_httpx(self, client: httpx.Client | httpx.AsyncClient) -> httpx.Request:
        return client.build_request(
            self.method, API_PATH + self.path, params=dict(self.params), json=self.json
        )


@dataclass(frozen=True)
class Call(Generic[T]):
    """A request and the parser of its answer."""

    request: Request
    parse: Callable[[httpx.Response], T]


@dataclass(frozen=True)
class Retry:
    """Retries of answers 429 and 5xx and of network errors, with exponential backoff.

    A write (POST, PATCH) is retried only when the server cannot have done it: a 429, a 503
    or a connection never made.

    Example:
        >>> Retry(attempts=3, backoff=0.5, jitter=0).delay(2, None)
        1.0
    """

    attempts: int = 4
    backoff: float = 0.5
    cap: float = 30.0
    jitter: float = 0.1

    def delay(
        self,
        attempt: int,
        response: httpx.Response | None,
        idempotent: bool = True,
        error: Exception | None = None,
    ) -> float | None:
        """Seconds to wait before try `attempt + 1` (counting from 1), or None to give up."""
        if attempt >= self.attempts:
            return None
        retried = RETRIED_STATUSES if idempotent else WRITE_RETRIED_STATUSES
        if response is not None and response.status_code not in retried:
            return None
        if not idempotent and error is not None and not isinstance(error, httpx.ConnectError):
            return None
        asked = _retry_after(response) if response is not None else None
        wait = asked if asked is not None else self.backoff * 2 ** (attempt - 1)
        return min(self.cap, wait) + random.uniform(0, self.jitter)

    def after(
        self, attempt: int, request: Request, outcome: httpx.Response | httpx.TransportError
    ) -> float | None:
        """Seconds to wait before sending `request` again after try `attempt` ended in
        `outcome` (an answer or a network error), or None: `answer(outcome)` is final."""
        if isinstance(outcome, httpx.Response):
            return self.delay(attempt, outcome, request.idempotent)
        return self.delay(attempt, None, request.idempotent, outcome)


DEFAULT_RETRY = Retry()


def answer(outcome: httpx.Response | httpx.TransportError) -> httpx.Response:
    """The answer of a request's last try, or its network error raised."""
    if isinstance(outcome, httpx.TransportError):
        raise outcome
    return outcome


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def raise_for_error(response: httpx.Response) -> None:
    """Raise `ApiError` from an error answer (its `Error` body when it has one)."""
    if response.is_success:
        return
    try:
        error = schemas.Error.model_validate_json(response.content)
    except ValueError:
        text = response.text[:200]
        raise ApiError(response.status_code, "http_error", text, None) from None
    raise ApiError(error.status, error.code, error.message, error.parameter)


def parser(kind: type[T] | Any) -> Callable[[httpx.Response], T]:
    """Read an answer as `kind` (a model, or a list of models)."""
    adapter: TypeAdapter[T] = TypeAdapter(kind)

    def parse(response: httpx.Response) -> T:
        raise_for_error(response)
        return adapter.validate_json(response.content)

    return parse


def query_text(q: str, filters: Mapping[str, Any]) -> str:
    """`q` with keyword filters appended in the search language.

    Example:
        >>> query_text("Shusha", {"country": "AZ", "from_": 2020, "lang": ["en", "ru"]})
        'Shusha country:AZ from:2020 lang:en lang:ru'
    """
    parts = [q] if q.strip() else []
    for name, value in filters.items():
        key = name.rstrip("_")
        if key not in FILTERS:
            known = ", ".join(FILTERS)
            raise TypeError(f"unknown search filter {name!r} (known: {known}; from_ for from:)")
        values = value if isinstance(value, list | tuple | set) else [value]
        parts += [f"{key}:{_filter_value(v)}" for v in values if v is not None]
    return " ".join(parts)


def _filter_value(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = value.isoformat() if isinstance(value, date) else str(value)
    return f'"{text}"' if any(c.isspace() for c in text) else text


def _id(value: str) -> str:
    return quote(value, safe="")


class PageOptions(TypedDict, total=False):
    """How a page of search results is asked for (the keywords of `search_page`)."""

    cursor: str | None
    limit: int
    order: str
    mode: str


def search_page(
    q: str = "",
    *,
    cursor: str | None = None,
    limit: int = 20,
    order: str = "relevance",
    mode: str = "keyword",
) -> Call[schemas.SearchResults]:
    """One page of search results; `mode` semantic or hybrid ranks by meaning (one page).

    Example:
        >>> dict(search_page("Shusha", limit=5, order="newest", mode="hybrid").request.params)
        {'q': 'Shusha', 'limit': 5, 'order': 'newest', 'mode': 'hybrid'}
    """
    params: dict[str, str | int] = {"q": q, "limit": limit, "order": order}
    if mode != "keyword":
        params["mode"] = mode
    if cursor:
        params["cursor"] = cursor
    return Call(Request("/search", params), parser(schemas.SearchResults))


def next_page(
    call: Call[schemas.SearchResults], page: schemas.SearchResults
) -> Call[schemas.SearchResults] | None:
    """The call for the page after `page`, or None when it was the last."""
    if page.next_cursor is None:
        return None
    params = {**call.request.params, "cursor": page.next_cursor}
    return replace(call, request=replace(call.request, params=params))


def statement(statement_id: str) -> Call[schemas.Statement]:
    return Call(Request(f"/statements/{_id(statement_id)}"), parser(schemas.Statement))


def enrichment(statement_id: str) -> Call[schemas.Enrichment]:
    path = f"/statements/{_id(statement_id)}/enrichment"
    return Call(Request(path), parser(schemas.Enrichment))


def captures(statement_id: str) -> Call[list[schemas.Capture]]:
    path = f"/statements/{_id(statement_id)}/captures"
    return Call(Request(path), parser(list[schemas.Capture]))


def versions(statement_id: str) -> Call[list[schemas.Version]]:
    path = f"/statements/{_id(statement_id)}/versions"
    return Call(Request(path), parser(list[schemas.Version]))


def stats() -> Call[schemas.Stats]:
    return Call(Request("/stats"), parser(schemas.Stats))


def mentions() -> Call[list[schemas.Mention]]:
    return Call(Request("/mentions"), parser(list[schemas.Mention]))


def failures() -> Call[list[schemas.Failure]]:
    return Call(Request("/failures"), parser(list[schemas.Failure]))


def changes(since: str | date | None) -> Call[list[schemas.Change]]:
    params = {"since": since.isoformat() if isinstance(since, date) else since} if since else {}
    return Call(Request("/changes", params), parser(list[schemas.Change]))


def sources_health() -> Call[list[schemas.SourceHealth]]:
    return Call(Request("/sources/health"), parser(list[schemas.SourceHealth]))


def saved_searches() -> Call[list[schemas.SavedSearch]]:
    return Call(Request("/saved-searches"), parser(list[schemas.SavedSearch]))


def saved_search(name: str) -> Call[schemas.SavedSearch]:
    return Call(Request(f"/saved-searches/{_id(name)}"), parser(schemas.SavedSearch))


def save_search(name: str, query: str) -> Call[schemas.SavedSearch]:
    body = schemas.NewSavedSearch(name=name, query=query).model_dump()
    request = Request("/saved-searches", method="POST", json=body)
    return Call(request, parser(schemas.SavedSearch))


def delete_search(name: str) -> Call[None]:
    return Call(Request(f"/saved-searches/{_id(name)}", method="DELETE"), _no_content)


def _no_content(response: httpx.Response) -> None:
    raise_for_error(response)


def export(q: str, fmt: str) -> Request:
    if fmt not in ("jsonl", "csv"):
        raise ValueError(f"export format {fmt!r}: the API streams jsonl or csv")
    return Request("/export", {"q": q, "format": fmt})


def hits_table(hits: Iterable[schemas.SearchHit]) -> Any:
    """Search hits as a `pyarrow.Table`, one column per field of `SearchHit`."""
    import pyarrow as pa

    rows = [hit.model_dump() for hit in hits]
    return pa.table(
        {
            name: pa.array(
                [_plain(row[name]) for row in rows], type=_arrow_type(pa, field.annotation)
            )
            for name, field in schemas.SearchHit.model_fields.items()
        }
    )


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _arrow_type(pa: Any, annotation: Any) -> Any:
    """The Arrow type of a field: its annotation without `None`."""
    kind = annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        kinds = [a for a in typing.get_args(annotation) if a is not type(None)]
        kind = kinds[0] if len(kinds) == 1 else str
    if typing.get_origin(kind) is list:
        return pa.list_(_arrow_type(pa, typing.get_args(kind)[0]))
    known = {date: pa.date32(), float: pa.float64(), int: pa.int64(), bool: pa.bool_()}
    return known.get(kind, pa.string())


def hits_frame(hits: Iterable[schemas.SearchHit]) -> Any:
    """Search hits as a `pandas.DataFrame` (pandas is an optional extra)."""
    if importlib.util.find_spec("pandas") is None:
        raise ImportError("to_pandas() needs pandas: pip install 'communique[pandas]'")
    return hits_table(hits).to_pandas()


def headers(api_key: str | None) -> dict[str, str]:
    """The headers sent with every request: the API key, when there is one."""
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}


class ClientBase(Generic[TransportT, ResultsT]):
    """What `Client` and `AsyncClient` share: their options and how a search starts."""

    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        *,
        api_key: str | None = None,
        timeout: float = 30.0,
        retry: Retry = DEFAULT_RETRY,
        transport: TransportT | None = None,
    ) -> None:
        """`base_url` is the server's root; `api_key` (or `COMMUNIQUE_API_KEY`) for writes."""
        key = api_key or os.environ.get("COMMUNIQUE_API_KEY")
        options = {"base_url": base_url, "headers": headers(key), "timeout": timeout}
        self._open(options, transport)
        self.retry = retry

    def _open(self, options: dict[str, Any], transport: TransportT | None) -> None:
        """Make the httpx client from `options` (its keyword arguments) and `transport`."""
        raise NotImplementedError

    def search(
        self,
        q: str = "",
        *,
        order: str = "relevance",
        page_size: int = 100,
        mode: str = "keyword",
        **filters: Any,
    ) -> ResultsT:
        """Every statement matching `q` and the filters (`country="AZ"`, `from_=2020`…),
        fetched page by page as the results are iterated."""
        first = search_page(query_text(q, filters), limit=page_size, order=order, mode=mode)
        return self._results(first)

    def _results(self, first: Call[schemas.SearchResults]) -> ResultsT:
        raise NotImplementedError
