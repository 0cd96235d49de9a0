"""API keys: who may write through the API.

A key's token (`cq_<id>_<secret>`, 256 random bits in the secret) is shown once, when the
key is added; the archive keeps only its SHA-256 digest (a slow hash adds nothing to a
token this long) and checks a presented token against it in constant time. A revoked key is
kept, marked with the time it was revoked, so `keys list` shows who could write when.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime

from communique.errors import InputError, NotFound, Unauthorized
from communique.model import ApiKey
from communique.store.base import KeyStore

PREFIX = "cq"
_TOKEN = re.compile(rf"{PREFIX}_([0-9a-f]{{12}})_([A-Za-z0-9_-]{{43}})")
_NAME = re.compile(r"[\w .@-]{1,80}")


def digest(token: str) -> str:
    """The stored form of a token: its SHA-256, in hex.

    Example:
        >>> len(digest("cq_0123456789ab_" + "x" * 43))
        64
    """
    return hashlib.sha256(token.encode()).hexdigest()


def add_key(store: KeyStore, name: str) -> tuple[ApiKey, str]:
    """A new key named `name` and its token (shown once; only its digest is stored).

    Example:
        >>> from communique.store.sqlite import SqliteStore
        >>> key, token = add_key(SqliteStore(":memory:"), "newsroom bot")
        >>> token.startswith(f"cq_{key.id}_")
        True
    """
    if not _NAME.fullmatch(name):
        raise InputError(
            f"key name {name!r}: use 1 to 80 letters, digits, spaces or . _ @ -",
            parameter="name",
        )
    key = ApiKey(id=secrets.token_hex(6), name=name, created_at=datetime.now(UTC))
    token = f"{PREFIX}_{key.id}_{secrets.token_urlsafe(32)}"
    store.put_key(key, digest(token))
    return key, token


def revoke_key(store: KeyStore, key: str) -> ApiKey:
    """Revoke the key with this id (or, when unambiguous, this name); returns it revoked."""
    active = [k for k in store.api_keys() if k.revoked_at is None]
    found = [k for k in active if k.id == key] or [k for k in active if k.name == key]
    if not found:
        raise NotFound(f"no active API key with id or name {key!r} (see `communique keys list`)")
    if len(found) > 1:
        ids = ", ".join(k.id for k in found)
        raise InputError(f"{len(found)} active keys are named {key!r} ({ids}): give the id")
    at = datetime.now(UTC)
    store.revoke_key(found[0].id, at)
    return ApiKey(found[0].id, found[0].name, found[0].created_at, at)


def check_token(store: KeyStore, token: str) -> ApiKey:
    """The active key `token` belongs to; `Unauthorized` for a malformed, unknown or revoked one.

    Example:
        >>> from communique.store.sqlite import SqliteStore
        >>> store = SqliteStore(":memory:")
        >>> key, token = add_key(store, "bot")
        >>> check_token(store, token) == key
        True
    """
    match = _TOKEN.fullmatch(token)
    stored = store.key_digest(match[1]) if match else None
    if stored is None or not hmac.compare_digest(stored[1], digest(token)):
        raise Unauthorized("unknown API key: create one with `communique keys add NAME`")
    if stored[0].revoked_at is not None:
        raise Unauthorized(f"API key {stored[0].id} was revoked on {stored[0].revoked_at:%Y-%m-%d}")
    return stored[0]
