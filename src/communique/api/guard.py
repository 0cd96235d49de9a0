"""Who may do what: known hosts, rate limits, API keys on writes, same-origin web forms.

`Guard` wraps the whole app (ASGI middleware), so a write route added later is covered
without opting in:

- a request must name a host the server answers to (`Host` header): loopback names, an IP
  address, `host`, the host of `public_url`, or one of `allowed_hosts`; another name is a
  page of another site that reached this server through DNS rebinding, refused with 400;
- every request spends a token of its client address (`read_rate`; 0: no limit), every
  write (POST, PUT, PATCH, DELETE) a token of the `write_rate` bucket of its address;
- a write to the API needs `Authorization: Bearer <token>` of an active key
  (`communique keys add`), and spends a token of that key's bucket too; with
  `keys_for_reads` every API request needs a key;
- a write through a web form must come from a page of this server (its `Origin`, or else its
  `Referer`, names the host and port the request was sent to, or `public_url`), which stops
  cross-site request forgery; `web_writes` off refuses web-form writes altogether.

A refused request gets the app's usual error answer (JSON under /api, the HTML error page
elsewhere): 401 with `WWW-Authenticate: Bearer`, 403, or 429 with `Retry-After`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable
from fnmatch import fnmatchcase
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from communique.api.limits import TokenBuckets
from communique.errors import (
    CommuniqueError,
    Forbidden,
    TooManyRequests,
    Unauthorized,
    UnknownHost,
)
from communique.keys import check_token
from communique.model import ApiKey
from communique.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost")
"""Names of this machine itself, answered by every server (IP addresses always are)."""
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
        """Buckets of client addresses and of API keys (named `key <id>`) alike."""
        self.hosts = allowed_hosts(settings)

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

    def admit(self, request: Request) -> None:
        """Return when `request` may go ahead; raise when not."""
        check_host(request.headers.get("host", ""), self.hosts)
        address = request.client.host if request.client else "unknown"
        api = self.is_api(request.url.path)
        if request.method in SAFE_METHODS:
            self.requests.take(address)
            if api and self.settings.keys_for_reads:
                self.key(request)
            return
        self.writes.take(address)
        if api:
            self.writes.take(f"key {self.key(request).id}")
            return
        if not self.settings.web_writes:
            raise Forbidden("this server's web forms do not write (web_writes is off)")
        same_origin(request, self.settings.public_url)

    def key(self, request: Request) -> ApiKey:
        """The active key the request's `Authorization: Bearer` header carries."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized(
                "this request needs an API key: send `Authorization: Bearer <token>`"
                " (create one with `communique keys add NAME`)"
            )
        return check_token(request.app.state.store, token.strip())


def allowed_hosts(settings: Settings) -> tuple[str, ...]:
    """The host names (or `*` patterns) a server with `settings` answers to, lower case.

    Example:
        >>> settings = Settings(public_url="https://Archive.example.org/", allowed_hosts="*.gov")
        >>> allowed_hosts(settings)[3:]
        ('127.0.0.1', 'archive.example.org', '*.gov')
    """
    public = urlsplit(settings.public_url).hostname if settings.public_url else None
    extra = [name.strip().lower() for name in settings.allowed_hosts.split(",")]
    names = [*LOOPBACK_NAMES, settings.host.lower(), public or "", *extra]
    return tuple(dict.fromkeys(name for name in names if name))


def check_host(header: str, allowed: tuple[str, ...]) -> None:
    """Refuse (400) a `Host` header that names none of the `allowed` hosts (or no IP address).

    Example:
        >>> check_host("127.0.0.1:8000", ("localhost",))
        >>> check_host("rebind.attacker.example", ("localhost",))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        communique.errors.UnknownHost: this server does not answer to the host 'rebind...
    """
    name = host_name(header)
    if name is not None and (_is_address(name) or any(fnmatchcase(name, a) for a in allowed)):
        return
    raise UnknownHost(
        f"this server does not answer to the host {header[:100]!r}: add it to allowed_hosts"
        " (COMMUNIQUE_ALLOWED_HOSTS) or set public_url"
    )


def host_name(header: str) -> str | None:
    """The host of a `Host` header without its port, lower case (None when malformed)."""
    try:
        name = urlsplit(f"//{header.strip()}").hostname
    except ValueError:
        return None
    return name or None


def _is_address(name: str) -> bool:
    """An IP address cannot be rebound: a page sending it comes from that address itself."""
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def same_origin(request: Request, public_url: str = "") -> None:
    """Refuse (403) a form post whose `Origin` (or `Referer`) is neither the server it was
    sent to nor `public_url`."""
    claimed = request.headers.get("origin") or request.headers.get("referer") or ""
    origin = urlsplit(claimed) if claimed != "null" else None
    own = [urlsplit(str(request.base_url)), *([urlsplit(public_url)] if public_url else [])]
    if not origin or (origin.scheme, origin.netloc) not in {(o.scheme, o.netloc) for o in own}:
        shown = claimed[:100] or "no Origin or Referer header"
        raise Forbidden(f"a form may only be sent from this server's own pages ({shown})")
