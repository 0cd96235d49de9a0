"""Every setting and every command is documented, and the README reads cleanly."""

import re
from collections import Counter
from dataclasses import fields
from pathlib import Path

import pytest
from typer.testing import CliRunner

from communique.cli import app
from communique.settings import Settings, load_settings, setting_help, settings_table

README = Path(__file__).resolve().parents[1] / "README.md"

COMMANDS = (
    "ingest",
    "extract",
    "search",
    "show",
    "export",
    "stats",
    "errors",
    "reprocess",
    "reindex",
    "enrich",
    "serve",
    "crawl",
    "changes",
    "export-warc",
    "sources",
    "copy-store",
    "backup",
    "restore",
    "keys",
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
    readme = README.read_text()
    assert readme.index("make demo") < readme.index("make test") < readme.index("\n## ")
    for command in COMMANDS:
        assert f"communique {command}" in readme, command


def test_readme_settings_table_is_the_dataclass() -> None:
    readme = README.read_text()
    table = readme.split("<!-- settings:begin -->\n")[1].split("<!-- settings:end -->")[0]
    assert table == settings_table(), "paste communique.settings.settings_table() into README"


def _prose_paragraphs(markdown: str) -> list[str]:
    """The README's paragraphs outside fenced code blocks and tables."""
    prose = re.sub(r"^```.*?^```$", "", markdown, flags=re.S | re.M)
    paragraphs = (p.strip() for p in re.split(r"\n\s*\n", prose))
    return [p for p in paragraphs if p and not p.startswith(("|", "<!--"))]


def _sentences(paragraph: str) -> list[str]:
    text = " ".join(paragraph.split())
    return [s for s in re.split(r"(?<=[.;:])\s+", text) if len(s) > 40]


def test_readme_has_no_repeated_paragraph_or_sentence() -> None:
    paragraphs = _prose_paragraphs(README.read_text())
    sentences = Counter(s for p in paragraphs for s in _sentences(p))
    repeated = [s for s, n in sentences.items() if n > 1]
    assert not repeated, repeated


@pytest.mark.parametrize(
    ("markdown", "clean"),
    [
        ("One `span` here.\n\nAnother paragraph.", True),
        ("One `span here.\n\nAnother paragraph.", False),
        ("```sh\nmake `demo\n```\n\nText.", True),
        ("A sentence said twice, as a broken merge leaves it.\n\n" * 2, False),
    ],
)
def test_readme_checks_catch_faults(markdown: str, clean: bool) -> None:
    paragraphs = _prose_paragraphs(markdown)
    spans_ok = all(_balanced(p) for p in paragraphs)
    sentences = Counter(s for p in paragraphs for s in _sentences(p))
    assert (spans_ok and max(sentences.values(), default=0) < 2) is clean


def _balanced(paragraph: str) -> bool:
    return paragraph.replace("``", "").count("`") % 2 == 0


def test_readme_code_spans_and_fences_are_balanced() -> None:
    readme = README.read_text()
    assert len(re.findall(r"^```", readme, flags=re.M)) % 2 == 0
    table_rows = [line for line in readme.splitlines() if line.startswith("|")]
    unbalanced = [p for p in _prose_paragraphs(readme) + table_rows if not _balanced(p)]
    assert not unbalanced, unbalanced
