"""Saved searches and alerts: only new matches, delivered to stdout, a webhook and SMTP."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from communique import alerts
from communique.cli import app
from communique.errors import Conflict, InputError, NotFound
from communique.model import SavedSearch
from communique.store.sqlite import SqliteStore
from tests.conftest import add


def _seed(store: SqliteStore) -> None:
    add(
        store,
        "https://mfa.am/1",
        "Statement on the peace treaty",
        "Armenia and the peace treaty.",
        published=date(2024, 1, 5),
        country="AM",
    )
    add(
        store,
        "https://mfa.am/2",
        "Statement on trade",
        "Armenia and trade.",
        published=date(2024, 1, 6),
        country="AM",
    )


def _later(store: SqliteStore) -> None:
    add(
        store,
        "https://mfa.am/3",
        "New talks on the peace treaty",
        "The peace treaty talks resume.",
        published=date(2024, 2, 1),
        country="AM",
    )


def test_first_alert_reports_only_what_arrived_after_saving(store: SqliteStore) -> None:
    _seed(store)
    alerts.save_search(store, "treaty", '"peace treaty"')
    assert alerts.run_alerts(store, lambda a: None) == []
    _later(store)
    got: list[alerts.Alert] = []
    alerts.run_alerts(store, got.append)
    assert [s.title for a in got for s in a.statements] == ["New talks on the peace treaty"]
    assert alerts.run_alerts(store, got.append) == [] and len(got) == 1
    assert store.saved_searches()[0].last_run_at is not None


def test_a_search_saved_before_the_language_refused_it_is_skipped_not_fatal(
    store: SqliteStore, caplog: pytest.LogCaptureFixture
) -> None:
    _seed(store)
    store.save_search(SavedSearch(name="short", query="tr*", created_at=datetime.now(UTC)))
    alerts.save_search(store, "treaty", "treaty")
    _later(store)
    got = alerts.run_alerts(store, lambda a: None)
    assert [a.search.name for a in got] == ["treaty"]
    assert "saved search 'short' skipped: prefix tr* is too short" in caplog.text


def test_a_failed_delivery_is_retried_next_run(store: SqliteStore) -> None:
    _seed(store)
    alerts.save_search(store, "treaty", "treaty")
    _later(store)

    def refuse(alert: alerts.Alert) -> None:
        raise alerts.DeliveryError("down")

    with pytest.raises(alerts.DeliveryError):
        alerts.run_alerts(store, refuse)
    assert len(alerts.run_alerts(store, lambda a: None)) == 1


def test_bad_names_and_queries_are_refused(store: SqliteStore) -> None:
    with pytest.raises(InputError):
        alerts.save_search(store, "../etc", "treaty")
    with pytest.raises(Exception, match="unclosed quote"):
        alerts.save_search(store, "bad", '"treaty')
    with pytest.raises(NotFound):
        store.delete_search("nothing")


def test_saving_returns_what_is_stored_and_replaces_only_when_asked(store: SqliteStore) -> None:
    _seed(store)
    first = alerts.save_search(store, "treaty", "treaty")
    assert store.saved_searches() == [first] and alerts.saved_search(store, "treaty") == first
    with pytest.raises(Conflict):
        alerts.save_search(store, "treaty", "war", replace=False)
    assert alerts.saved_search(store, "treaty").query == "treaty"
    assert alerts.save_search(store, "treaty", "war").query == "war"
    with pytest.raises(NotFound):
        alerts.saved_search(store, "nothing")


def test_cli_saves_lists_and_prints_alerts(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.db")
    store = SqliteStore(db)
    _seed(store)
    runner = CliRunner()
    assert runner.invoke(app, ["saved", "add", "treaty", "treaty", "--db", db]).exit_code == 0
    listed = runner.invoke(app, ["saved", "list", "--db", db, "--json"])
    assert json.loads(listed.stdout)["query"] == "treaty"
    _later(store)
    result = runner.invoke(app, ["alerts", "--db", db])
    assert result.exit_code == 0
    assert (
        "1 new for 'treaty'" in result.stdout and "New talks on the peace treaty" in result.stdout
    )
    assert runner.invoke(app, ["alerts", "--db", db]).stdout == ""
    assert runner.invoke(app, ["saved", "remove", "treaty", "--db", db]).exit_code == 0
    assert runner.invoke(app, ["saved", "list", "--db", db]).stdout == ""


@pytest.fixture
def webhook_server() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(json.loads(body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()


def test_webhook_gets_the_new_statements_as_json(
    store: SqliteStore, webhook_server: tuple[str, list[dict[str, Any]]]
) -> None:
    url, received = webhook_server
    _seed(store)
    alerts.save_search(store, "treaty", "treaty")
    _later(store)
    alerts.run_alerts(store, alerts.webhook(url))
    assert received[0]["search"] == "treaty"
    assert [s["title"] for s in received[0]["statements"]] == ["New talks on the peace treaty"]


def test_smtp_delivers_a_mail_to_a_loopback_server(store: SqliteStore) -> None:
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self) -> None:
            self.messages: list[bytes] = []

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            self.messages.append(envelope.content)
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        _seed(store)
        alerts.save_search(store, "treaty", "treaty")
        _later(store)
        alerts.run_alerts(
            store, alerts.smtp("127.0.0.1", port, "archive@localhost", "me@localhost")
        )
    finally:
        controller.stop()
    mail = message_from_bytes(inbox.messages[0])
    assert mail["Subject"] == "communique: 1 new for treaty"
    assert "New talks on the peace treaty" in mail.get_payload()
