"""Never connect to private, loopback, link-local or multicast addresses.

Every host is resolved and every address checked before a connection is made, and the
connection goes to the address that was checked (no second DNS lookup that could answer
differently). The check runs inside the HTTP transport, so it also covers each redirect.
Only hosts named in `allowed` (a source's own start host, marked `--allow-private`) may be
private; any other private, loopback or link-local host is still refused.
"""

from __future__ import annotations

import ipaddress
import socket
import typing
from collections.abc import Iterable
from urllib.parse import urlsplit

import httpcore
import httpx

from communique.errors import Refused

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
HostPort = tuple[str, int]


def host_port(url: str) -> HostPort:
    """The lower-cased host and the port (default by scheme) of `url`.

    Example:
        >>> host_port("https://Example.org/a")
        ('example.org', 443)
    """
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError as exc:
        raise Refused(f"{url}: invalid port", "invalid-url") from exc
    default = 443 if parts.scheme.lower() == "https" else 80
    return (parts.hostname or "").lower(), port or default


def is_public(address: Address) -> bool:
    """True for a globally routable unicast address.

    Example:
        >>> [is_public(ipaddress.ip_address(a)) for a in ("93.184.216.34", "10.0.0.1", "::1")]
        [True, False, False]
    """
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return is_public(address.ipv4_mapped)
    return address.is_global and not address.is_multicast


def check_url(url: str, allowed: frozenset[HostPort] = frozenset()) -> None:
    """Refuse a URL that is not http(s), carries credentials or names a private literal address.

    Example:
        >>> check_url("http://10.0.0.1/")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        communique.errors.Refused: http://10.0.0.1/: 10.0.0.1 is a private, loopback, ...
    """
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise Refused(f"{url}: only http and https URLs are fetched", "scheme")
    if parts.username or parts.password:
        raise Refused(f"{url}: URLs with credentials are not fetched", "invalid-url")
    host, port = host_port(url)
    if not host:
        raise Refused(f"{url}: no host", "invalid-url")
    try:
        httpx.URL(url)
    except httpx.InvalidURL as exc:  # "0177.0.0.1", "999.0.0.1": not a host httpx will fetch
        raise Refused(f"{url}: {exc}", "invalid-url") from exc
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return
    if (host, port) not in allowed and not is_public(literal):
        raise Refused(
            f"{url}: {literal} is a private, loopback, link-local or multicast address",
            "private-address",
        )


def resolve_checked(host: str, port: int, allowed: frozenset[HostPort]) -> list[str]:
    """Resolve `host` and return its addresses, or refuse it when any of them is not public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if (host.lower(), port) in allowed:
        return addresses
    for text in addresses:
        if not is_public(ipaddress.ip_address(text.split("%")[0])):
            raise Refused(
                f"{host} resolves to {text}, a private, loopback, link-local or multicast address",
                "private-address",
            )
    return addresses


class GuardedBackend(httpcore.NetworkBackend):
    """An httpcore network backend that connects only to checked addresses."""

    def __init__(self, allowed: Iterable[HostPort] = ()) -> None:
        self.allowed = frozenset(allowed)
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        """Resolve, check every address, then connect to the first one that answers."""
        last: Exception | None = None
        for address in resolve_checked(host, port, self.allowed):
            try:
                return self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        raise last or httpcore.ConnectError(f"cannot connect to {host}:{port}")

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are never used")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport with its connection pool on a `GuardedBackend` and no proxies."""

    def __init__(self, allowed: Iterable[HostPort] = (), max_connections: int = 20) -> None:
        super().__init__(retries=0)
        # httpx.HTTPTransport takes no network backend, so its pool is rebuilt with one.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=5.0,
            network_backend=GuardedBackend(allowed),
        )
