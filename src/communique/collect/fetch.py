"""Fetch one URL for `ingest`: the guarded fetcher (no private addresses), no robots.txt."""

from __future__ import annotations

from dataclasses import replace

from communique.collect.fetcher import fetch_once
from communique.errors import InputError
from communique.model import RawInput
from communique.settings import Settings


def is_url(target: str) -> bool:
    return target.lower().startswith(("http://", "https://"))


def fetch_url(url: str, settings: Settings) -> RawInput:
    """GET `url`; raise `InputError` for what can never work and `FetchError` for what may.

    Example:
        >>> fetch_url("ftp://example.org/", Settings())
        Traceback (most recent call last):
        communique.errors.Refused: ftp://example.org/: only http and https URLs are fetched
    """
    fetched = fetch_once(url, settings)
    if fetched.truncated:
        raise InputError(f"{url}: response is over the {settings.max_bytes} byte limit")
    return replace(fetched.to_raw(None), origin=url)
