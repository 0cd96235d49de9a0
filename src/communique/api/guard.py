"""Who may do what: rate limits, API keys on writes, same-origin web forms.

`Guard` wraps the whole app (ASGI middleware), so a write route added later is covered
without opting in:

- every request spends a token of its client address (`read_rate`; 0: no limit), every
  write (POST, PUT, PATCH, DELETE) a token of the `write_rate` bucket of its address;
- a write to the API needs `Authorization: Bearer <token>` of an active key
  (`communique keys add`), and spends a token of that key's bucket too; with
  `keys_for_reads` every API request needs a key;
- a write through a web form must come from a page of this server (its `Origin`, or else its
  `Referer`, names this server), which stops cross-site request forgery; `web_writes` off
  refuses web-form writes altogether.

A refused request gets the app's usual error answer (JSON under /api, the HTML error page
elsewhere): 401 with `WWW-Authenticate: Bearer`, 403, or 429 with `Retry-After`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from communique.api.limits import TokenBuckets
from communique.errors import CommuniqueError, Forbidden, TooManyRequests, Unauthorized
from communique.keys import check_token
from communique.model import ApiKey
from communique.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ErrorAnswer = Callable[[Request, CommuniqueError], Awaitable[Response]]


class Guard:
    """ASGI middleware that admits a request or answers it with the error that refuses it."""

    def __init__(
        self, app: ASGIApp, settings: Settings, answer: ErrorAnswer, is_api: Callable[[str], bool]
    ) -> None:
        self.app, self.settings, self.answer, self.is_api = app, settings, answer, is_api
        burst = settings.rate_burst
        self.requests = TokenBuckets(settings.read_rate, burst, "requests")
        self.writes = TokenBuckets(settings.write_rate, burst, "writes")
        self.key_writes = TokenBuckets(settings.write_rate, burst, "writes")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        try:
            self.admit(request)
        except CommuniqueError as exc:
            response = await self.answer(request, exc)
            if isinstance(exc, TooManyRequests):
                response.headers["Retry-After"] = str(exc.retry_after)
            if isinstance(exc, Unauthorized):
                response.headers["WWW-Authenticate"] = 'Bearer realm="communique"'
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def admit(self, request: Request) -> ApiKey | None:
        """Return (with the key used, if any) when `request` may go ahead; raise when not."""
        address = request.client.host if request.client else "unknown"
        api = self.is_api(request.url.path)
        if request.method in SAFE_METHODS:
            self.requests.take(address)
            return self.key(request) if api and self.settings.keys_for_reads else None
        self.writes.take(address)
        if api:
            key = self.key(request)
            self.key_writes.take(f"key {key.id}")
            return key
        if not self.settings.web_writes:
            raise Forbidden("this server's web forms do not write (web_writes is off)")
        same_origin(request)
        return None

    def key(self, request: Request) -> ApiKey:
        """The active key the request's `Authorization: Bearer` header carries."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized(
                "this request needs an API key: send `Authorization: Bearer <token>`"
                " (create one with `communique keys add NAME`)"
            )
        return check_token(request.app.state.store, token.strip())


def same_origin(request: Request) -> None:
    """Refuse (403) a form post whose `Origin` (or `Referer`) is not this server."""
    claimed = request.headers.get("origin") or request.headers.get("referer") or ""
    origin = urlsplit(claimed) if claimed != "null" else None
    own = urlsplit(str(request.base_url))
    if not origin or (origin.scheme, origin.netloc) != (own.scheme, own.netloc):
        shown = claimed[:100] or "no Origin or Referer header"
        raise Forbidden(f"a form may only be sent from this server's own pages ({shown})")
