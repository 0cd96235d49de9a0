"""Who may write through the API: every write route depends on `write_access`.

API keys and rate limits are checked before any route, by `communique.api.guard.Guard`,
for every write (a route without this dependency too). `write_access` then asks the app's
write gate (`app.state.write_gate`), a function of the request that returns when the write
may go ahead and raises a `CommuniqueError` (its status 401 or 403) when it may not: a
place for a further rule (which key may write what). `create_app` installs `open_gate`,
which adds none.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

WriteGate = Callable[[Request], None]
"""Returns when `request` may write; raises a `CommuniqueError` (401/403) when not."""


def open_gate(request: Request) -> None:
    """Let every write through."""


def write_access(request: Request) -> None:
    """The dependency of every write route: the app's write gate decides."""
    gate: WriteGate = getattr(request.app.state, "write_gate", open_gate)
    gate(request)
