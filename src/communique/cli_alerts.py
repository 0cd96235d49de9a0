"""The saved-search, alert and embedding commands of `communique`."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from communique import alerts
from communique.cli_common import DbOption, JsonOption, cli_settings, cli_store, counted, err, out
from communique.errors import InputError

saved_app = typer.Typer(no_args_is_help=True, help="Searches kept by name, for feeds and alerts.")


@saved_app.command("add")
def saved_add(
    name: Annotated[str, typer.Argument(help="Name: letters, digits, spaces, '.', '_', '-'.")],
    query: Annotated[str, typer.Argument(help="The search query, as for `communique search`.")],
    db: DbOption = None,
) -> None:
    """Save QUERY as NAME; `communique alerts` then reports its new matches."""
    with cli_store(cli_settings(db)) as store:
        alerts.save_search(store, name, query)
    err.print(f"saved {name!r}: {query}")


@saved_app.command("list")
def saved_list(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Every saved search with its query and last alert run."""
    with cli_store(cli_settings(db)) as store:
        for saved in store.saved_searches():
            last = saved.last_run_at.isoformat() if saved.last_run_at else None
            if as_json:
                out.print(
                    json.dumps({"name": saved.name, "query": saved.query, "last_run_at": last})
                )
            else:
                out.print(f"{saved.name}\t{saved.query}\t{last or 'never run'}")


@saved_app.command("remove")
def saved_remove(
    name: Annotated[str, typer.Argument(help="The saved search to forget.")], db: DbOption = None
) -> None:
    """Forget a saved search."""
    with cli_store(cli_settings(db)) as store:
        store.delete_search(name)
    err.print(f"removed {name!r}")


def register(app: typer.Typer) -> None:
    """Add `saved` and `alerts` to `app`."""
    app.add_typer(saved_app, name="saved")

    @app.command("alerts")
    def alerts_command(
        webhook: Annotated[
            str | None, typer.Option(help="POST each alert as JSON to this URL.")
        ] = None,
        smtp: Annotated[
            str | None, typer.Option(help="Mail each alert through this SMTP HOST:PORT.")
        ] = None,
        mail_from: Annotated[
            str, typer.Option("--from", help="Sender address.")
        ] = "communique@localhost",
        mail_to: Annotated[str | None, typer.Option("--to", help="Recipient address.")] = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Report the new matches of every saved search since its last run (stdout by default)."""
        deliver: alerts.Deliver
        if smtp:
            host, _, port = smtp.rpartition(":")
            if not host or not port.isdigit() or not mail_to:
                raise InputError(f"--smtp {smtp}: give HOST:PORT and --to ADDRESS")
            deliver = alerts.smtp(host, int(port), mail_from, mail_to)
        elif webhook:
            deliver = alerts.webhook(webhook)
        elif as_json:
            deliver = lambda alert: out.print(json.dumps(alerts.alert_dict(alert)))  # noqa: E731
        else:
            deliver = lambda alert: out.print(alerts.alert_text(alert))  # noqa: E731
        with cli_store(cli_settings(db)) as store:
            sent = alerts.run_alerts(store, deliver)
        found = sum(len(a.statements) for a in sent)
        err.print(f"{counted(found, 'new statement')} in {counted(len(sent), 'alert')}")


def register_embed(app: typer.Typer) -> None:
    """Add `embed` to `app`."""

    @app.command("embed")
    def embed_command(
        db: DbOption = None,
        processes: Annotated[
            int,
            typer.Option(
                min=1, help="Worker processes embedding at once (one a core; 1: this process)"
            ),
        ] = 1,
    ) -> None:
        """Compute sentence vectors for statements without one (for --mode semantic|hybrid)."""
        from communique import semantic

        with cli_store(cli_settings(db)) as store:
            done = semantic.embed_missing(
                store, progress=lambda n: err.print(f"embedded {n}"), processes=processes
            )
        err.print(f"{counted(done, 'statement')} embedded")
