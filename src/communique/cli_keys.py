"""The `communique keys` commands: add, list and revoke the API keys that may write."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from communique import keys
from communique.cli_common import DbOption, JsonOption, cli_settings, cli_store, err, out

keys_app = typer.Typer(
    no_args_is_help=True,
    help="API keys: every write through the API (POST, PUT, PATCH, DELETE) needs one, sent as"
    " `Authorization: Bearer <token>`. Only a digest of each token is stored.",
)


@keys_app.command("add")
def keys_add(
    name: Annotated[str, typer.Argument(help="Who or what holds the key (e.g. 'newsroom bot').")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a key named NAME and print its token: the only time it is shown."""
    with cli_store(cli_settings(db)) as store:
        key, token = keys.add_key(store, name)
    if as_json:
        out.print(json.dumps({"id": key.id, "name": key.name, "token": token}))
        return
    out.print(token)
    err.print(f"key {key.id} ({key.name}) added; store the token now, it is not shown again")


@keys_app.command("list")
def keys_list(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Every key: id, name, when it was created and, if it was, revoked (never the token)."""
    with cli_store(cli_settings(db)) as store:
        found = store.api_keys()
    for key in found:
        revoked = key.revoked_at.isoformat() if key.revoked_at else None
        created = key.created_at.isoformat()
        if as_json:
            record = {"id": key.id, "name": key.name, "created_at": created, "revoked_at": revoked}
            out.print(json.dumps(record))
        else:
            out.print(
                f"{key.id}\t{key.name}\t{created}\t{f'revoked {revoked}' if revoked else 'active'}"
            )


@keys_app.command("revoke")
def keys_revoke(
    key: Annotated[str, typer.Argument(help="The key's id (or its name, when no other has it).")],
    db: DbOption = None,
) -> None:
    """Revoke a key: its token is refused from now on (the record stays, marked revoked)."""
    with cli_store(cli_settings(db)) as store:
        revoked = keys.revoke_key(store, key)
    err.print(f"key {revoked.id} ({revoked.name}) revoked")


def register(app: typer.Typer) -> None:
    """Add `keys` to `app`."""
    app.add_typer(keys_app, name="keys")
