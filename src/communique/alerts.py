"""Saved searches and their alerts: new matches since the last run, to stdout, a webhook or SMTP.

Saving a search marks its current matches as reported, so its first alert brings only what
the archive gains afterwards. An alert is marked reported only after it was delivered: a
failed delivery is retried by the next run.
"""

from __future__ import annotations

import json
import logging
import re
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import httpx

from communique.errors import Conflict, InputError, NotFound, QueryError, Retryable
from communique.model import SavedSearch, Statement, public_url
from communique.query import Order, parse_query
from communique.search import statement_dict
from communique.store.base import Store

_NAME = re.compile(r"[\w][\w .-]{0,79}")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Alert:
    """The new matches of one saved search."""

    search: SavedSearch
    statements: tuple[Statement, ...]


Deliver = Callable[[Alert], None]


class DeliveryError(Retryable):
    """An alert could not be delivered (the webhook or mail server refused or was down)."""


def save_search(
    store: Store, name: str, query: str, now: datetime | None = None, replace: bool = True
) -> SavedSearch:
    """Save `query` as `name`; its current matches count as already reported.

    A search already saved under `name` is replaced, or with `replace=False` kept (`Conflict`).

    Example:
        >>> from communique.store.base import open_store
        >>> save_search(open_store(":memory:"), "shusha", "shusha country:AZ").query
        'shusha country:AZ'
    """
    if not _NAME.fullmatch(name):
        raise InputError(
            f"saved search name {name!r}: use 1-80 letters, digits, spaces, . - _",
            parameter="name",
        )
    try:
        parse_query(query)
    except QueryError as error:
        raise QueryError(str(error), parameter="query") from error
    if not replace and name in {s.name for s in store.saved_searches()}:
        raise Conflict(f"a search is already saved as {name!r}", parameter="name")
    now = now or datetime.now(UTC)
    store.save_search(SavedSearch(name=name, query=query, created_at=now))
    store.mark_reported(name, _match_ids(store, query), now)
    return SavedSearch(name=name, query=query, created_at=now, last_run_at=now)


def saved_search(store: Store, name: str) -> SavedSearch:
    """The search saved as `name` (`NotFound` when there is none).

    Example:
        >>> from communique.store.base import open_store
        >>> saved_search(open_store(":memory:"), "shusha")
        Traceback (most recent call last):
        ...
        communique.errors.NotFound: no saved search named 'shusha'
    """
    for saved in store.saved_searches():
        if saved.name == name:
            return saved
    raise NotFound(f"no saved search named {name!r}", parameter="name")


def _match_ids(store: Store, query: str) -> list[str]:
    return [s.id for s in store.iter_matches(parse_query(query, Order.NEWEST))]


def run_alerts(store: Store, deliver: Deliver, now: datetime | None = None) -> list[Alert]:
    """Deliver the new matches of every saved search (none when nothing is new); a search
    saved before the language refused it (a prefix of one letter) is skipped with a warning."""
    now = now or datetime.now(UTC)
    sent = []
    for saved in store.saved_searches():
        try:
            matched = _match_ids(store, saved.query)
        except QueryError as error:
            log.warning("saved search %r skipped: %s", saved.name, error)
            continue
        new_ids = store.unreported(saved.name, matched)
        if new_ids:
            alert = Alert(saved, tuple(store.get_statement(i) for i in new_ids))
            deliver(alert)
            sent.append(alert)
        store.mark_reported(saved.name, new_ids, now)
    return sent


def alert_dict(alert: Alert, base_url: str = "") -> dict[str, Any]:
    """An alert as JSON: the saved search and each new statement (without its text)."""
    return {
        "search": alert.search.name,
        "query": alert.search.query,
        "statements": [
            {k: v for k, v in statement_dict(s).items() if k != "text"}
            | ({"page": f"{base_url.rstrip('/')}/statements/{s.id}"} if base_url else {})
            for s in alert.statements
        ],
    }


def alert_text(alert: Alert) -> str:
    """An alert as plain text, one line per statement."""
    lines = [f"{len(alert.statements)} new for {alert.search.name!r} ({alert.search.query}):"]
    for s in alert.statements:
        lines.append(f"  {s.published or 'undated'}  {s.issuer or 'unknown issuer'}: {s.title}")
        lines.append(f"      {public_url(s.url)}")
    return "\n".join(lines)


def webhook(url: str, transport: httpx.BaseTransport | None = None) -> Deliver:
    """Deliver each alert as a JSON POST to `url`."""

    def post(alert: Alert) -> None:
        try:
            with httpx.Client(transport=transport, timeout=20) as client:
                response = client.post(
                    url,
                    content=json.dumps(alert_dict(alert)).encode(),
                    headers={"Content-Type": "application/json"},
                )
        except httpx.HTTPError as exc:
            raise DeliveryError(f"webhook {url}: {exc}") from exc
        if response.status_code >= 400:
            raise DeliveryError(f"webhook {url}: HTTP {response.status_code}")

    return post


def smtp(host: str, port: int, sender: str, recipient: str) -> Deliver:
    """Deliver each alert as a plain-text mail through the SMTP server at `host`:`port`."""

    def send(alert: Alert) -> None:
        message = EmailMessage()
        message["Subject"] = f"communique: {len(alert.statements)} new for {alert.search.name}"
        message["From"] = sender
        message["To"] = recipient
        message.set_content(alert_text(alert))
        try:
            with smtplib.SMTP(host, port, timeout=20) as server:
                server.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"SMTP {host}:{port}: {exc}") from exc

    return send
