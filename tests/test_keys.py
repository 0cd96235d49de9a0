"""API keys on every backend: added with a token shown once, checked, revoked."""

from __future__ import annotations

import pytest

from communique.errors import InputError, NotFound, Unauthorized
from communique.keys import add_key, check_token, digest, revoke_key
from communique.store.base import Store


def test_a_key_is_stored_as_a_digest_checked_and_revoked(store: Store) -> None:
    key, token = add_key(store, "newsroom bot")
    stored = store.key_digest(key.id)
    assert stored is not None and stored[1] == digest(token) and token not in stored[1]
    assert check_token(store, token) == key
    twin, twin_token = add_key(store, "newsroom bot")
    assert twin.id != key.id and twin_token != token
    with pytest.raises(InputError, match="2 active keys"):
        revoke_key(store, "newsroom bot")
    revoked = revoke_key(store, key.id)
    assert revoked.revoked_at is not None
    with pytest.raises(Unauthorized, match="revoked"):
        check_token(store, token)
    assert check_token(store, twin_token) == twin
    assert revoke_key(store, "newsroom bot").id == twin.id  # now the only active one
    assert [(k.id, k.revoked_at is not None) for k in store.api_keys()] == [
        (key.id, True),
        (twin.id, True),
    ]
    with pytest.raises(NotFound):
        revoke_key(store, key.id)


@pytest.mark.parametrize("name", ["", "x" * 81, "bot\nnext line", "<script>"])
def test_a_key_name_must_be_plain(store: Store, name: str) -> None:
    with pytest.raises(InputError, match="key name"):
        add_key(store, name)
    assert store.api_keys() == []


def test_forged_tokens_are_refused(store: Store) -> None:
    key, token = add_key(store, "bot")
    secret = token.rsplit("_", 1)[1]
    for forged in (
        "",
        token + "x",
        f"cq_{key.id}_{secret[::-1]}",
        f"cq_{'0' * 12}_{secret}",
        token.upper(),
        digest(token),
    ):
        with pytest.raises(Unauthorized):
            check_token(store, forged)
