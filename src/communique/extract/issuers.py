"""Issuers known from a site's host alone: the one table of source knowledge we keep."""

from __future__ import annotations

from urllib.parse import urlsplit

HOST_ISSUERS: dict[str, tuple[str, str]] = {
    "kremlin.ru": ("President of Russia", "RU"),
    "en.kremlin.ru": ("President of Russia", "RU"),
}
"""Host → (issuer, ISO alpha-2 country or "" for international bodies)."""


def issuer_for_url(url: str) -> tuple[str, str | None] | None:
    """Return (issuer, country) for a URL whose host (or parent domain) is in the table.

    Example:
        >>> issuer_for_url("http://en.Kremlin.ru/events/1"), issuer_for_url("https://mfa.example/")
        (('President of Russia', 'RU'), None)
    """
    lowered = url.lower()
    if not any(known in lowered for known in HOST_ISSUERS):  # a host is in its URL as it is
        return None
    host = (urlsplit(url).hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    while host:
        if host in HOST_ISSUERS:
            issuer, country = HOST_ISSUERS[host]
            return issuer, country or None
        if "." not in host:
            break
        host = host.split(".", 1)[1]
    return None
