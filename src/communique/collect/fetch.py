"""Fetch one URL with httpx: timeout, redirect cap, size limit and content-type check."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx

from communique.collect.warc import EXTRACTABLE
from communique.errors import FetchError, InputError
from communique.model import RawInput
from communique.settings import Settings

MAX_REDIRECTS = 5


def is_url(target: str) -> bool:
    return target.lower().startswith(("http://", "https://"))


def fetch_url(
    url: str, settings: Settings, transport: httpx.BaseTransport | None = None
) -> RawInput:
    """GET `url`; raise `InputError` for what can never work and `FetchError` for what may.

    Example:
        >>> fetch_url("ftp://example.org/", Settings())
        Traceback (most recent call last):
        communique.errors.InputError: ftp://example.org/: only http and https URLs are fetched
    """
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        raise InputError(f"{url}: only http and https URLs are fetched")
    client = httpx.Client(
        timeout=settings.fetch_timeout,
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        headers={"User-Agent": settings.user_agent},
        transport=transport,
    )
    try:
        with client, client.stream("GET", url) as response:
            return _read_response(url, response, settings.max_bytes)
    except httpx.TooManyRedirects as exc:
        raise InputError(f"{url}: more than {MAX_REDIRECTS} redirects") from exc
    except httpx.TimeoutException as exc:
        raise FetchError(f"{url}: timed out after {settings.fetch_timeout:g} s") from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"{url}: {exc}") from exc


def _read_response(url: str, response: httpx.Response, max_bytes: int) -> RawInput:
    if response.status_code >= 400:
        error = (
            FetchError if response.status_code >= 500 or response.status_code == 429 else InputError
        )
        raise error(f"{url}: HTTP {response.status_code}")
    content_type = response.headers.get("content-type", "")
    media_type = content_type.split(";")[0].strip().lower()
    if media_type not in EXTRACTABLE:
        raise InputError(
            f"{url}: content type {media_type or 'missing'} is not one communique reads"
        )
    declared = int(response.headers.get("content-length") or 0)
    if declared > max_bytes:
        raise InputError(f"{url}: response is {declared} bytes, over the {max_bytes} byte limit")
    body = bytearray()
    for chunk in response.iter_bytes():
        body.extend(chunk)
        if len(body) > max_bytes:
            raise InputError(f"{url}: response is over the {max_bytes} byte limit")
    return RawInput(
        url=str(response.url),
        body=bytes(body),
        content_type=media_type,
        origin=url,
        fetched_at=datetime.now(UTC),
        status=response.status_code,
        headers=tuple(response.headers.items()),
    )
