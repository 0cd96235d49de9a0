"""Who may write through the API: every write route depends on `write_access`.

`write_access` asks the app's write gate (`app.state.write_gate`), a function of the request
that returns when the write may go ahead and raises a `CommuniqueError` (its status 401 or
403) when it may not. `create_app` installs `open_gate`, which lets every write through:
serve on a loopback address (the default `host`) while that is the gate. A gate that checks
API keys takes its place without touching the routes.
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
