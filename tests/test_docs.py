"""Every setting and every command is documented."""

from dataclasses import fields

import pytest
from typer.testing import CliRunner

from communique.cli import app
from communique.settings import Settings, load_settings, setting_help

COMMANDS = (
    "ingest",
    "extract",
    "search",
    "show",
    "export",
    "stats",
    "errors",
    "reprocess",
    "enrich",
    "serve",
    "crawl",
    "changes",
    "export-warc",
    "sources",
)


def test_every_setting_has_help() -> None:
    helps = setting_help()
    for f in fields(Settings):
        assert len(helps[f.name]) > 10, f.name


def test_settings_layer_in_order(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "c.toml"
    config.write_text('db = "from-toml.db"\nport = 9000\n')
    assert load_settings(config, environ={}).db == "from-toml.db"
    env = {"COMMUNIQUE_DB": "from-env.db"}
    assert load_settings(config, environ=env).db == "from-env.db"
    assert load_settings(config, environ=env).port == 9000
    assert load_settings(config, environ=env, db="from-cli.db").db == "from-cli.db"


def test_unknown_setting_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from communique.errors import InputError

    config = tmp_path / "c.toml"
    config.write_text("colour = 1\n")
    with pytest.raises(InputError, match="unknown setting"):
        load_settings(config, environ={})


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert len(result.stdout) > 200


def test_readme_names_every_command() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert readme.index("make demo") < readme.index("## A short tour")
    for command in COMMANDS:
        assert f"communique {command}" in readme, command
