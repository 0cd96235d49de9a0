"""The source registry: a TOML file beside the database, edited by `communique sources`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from communique.cli import app
from communique.crawl import registry
from communique.errors import InputError
from communique.model import CrawlSource, Selectors
from tests.conftest import shared_path


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "250"})
    return result.exit_code, result.stdout, result.stderr


def test_add_list_show_remove(tmp_path: Path) -> None:
    db = str(tmp_path / "archive.db")
    code, _, err = _run(
        "sources", "add", "by-mfa", "--start", "https://mfa.gov.by/en/press/statements",
        "--feed", "https://mfa.gov.by/en/rss/",
        "--issuer", "Ministry of Foreign Affairs of Belarus",
        "--country", "by", "--link-selector", "//a[has-class('tabs-content__item')]/@href",
        "--body-selector", "section.content-page p",
        "--db", db,
    )  # fmt: skip
    assert code == 0, err
    assert (tmp_path / "archive.sources.toml").exists()
    code, out, _ = _run("sources", "list", "--json", "--db", db)
    (listed,) = [json.loads(line) for line in out.splitlines()]
    assert listed["country"] == "BY" and listed["feeds"] == ["https://mfa.gov.by/en/rss/"]
    assert listed["selectors"] == {
        "link": "//a[has-class('tabs-content__item')]/@href",
        "body": "section.content-page p",
    }
    code, out, _ = _run("sources", "show", "by-mfa", "--db", db)
    assert json.loads(out)["issuer"] == "Ministry of Foreign Affairs of Belarus"
    code, _, err = _run("sources", "add", "by-mfa", "--start", "https://x.example/", "--db", db)
    assert code == 1 and "already exists" in err
    assert _run("sources", "remove", "by-mfa", "--db", db)[0] == 0
    code, _, err = _run("sources", "show", "by-mfa", "--db", db)
    assert code == 1 and "no source by-mfa" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bad name!", "--start", "https://x.example/"], "source name"),
        (["ok"], "at least one --start"),
        (["ok", "--start", "ftp://x.example/"], "not an http(s) URL"),
        (["ok", "--start", "https://x.example/", "--country", "Belarus"], "ISO alpha-2"),
    ],
)
def test_bad_sources_get_one_line_errors(tmp_path: Path, args: list[str], message: str) -> None:
    code, _, err = _run("sources", "add", *args, "--db", str(tmp_path / "a.db"))
    assert code == 1 and message in err and "Traceback" not in err


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    path = tmp_path / "a.sources.toml"
    source = CrawlSource(
        name="un-mission",
        start_urls=("https://un.example/statements", "https://un.example/speeches"),
        issuer='Permanent Mission "of" X',
        country="XK",
        languages=("en", "fr"),
        sitemaps=("https://un.example/sitemap.xml",),
        recrawl_hours=6.5,
        allow_private=True,
        selectors=Selectors(item="div.item", link="a::attr(href)", body="//article"),
    )
    registry.add_source(path, source)
    assert registry.load_registry(path) == {"un-mission": source}


def test_a_damaged_registry_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "a.sources.toml"
    path.write_text("[sources.x]\nstart_urls = [\n")
    with pytest.raises(InputError, match=r"a\.sources\.toml"):
        registry.load_registry(path)
    path.write_text('[sources.x]\nstart_urls = ["https://x.example/"]\ncolour = "red"\n')
    with pytest.raises(InputError, match="unknown field"):
        registry.load_registry(path)


def test_import_the_diplomaticpulse_registry(tmp_path: Path) -> None:
    source_file = shared_path("corpora", "diplomaticpulse_source_registry.json")
    db = str(tmp_path / "archive.db")
    code, _, err = _run("sources", "import", str(source_file), "--db", db)
    assert code == 0, err
    sources = registry.load_registry(tmp_path / "archive.sources.toml")
    urls = {item["url"].strip() for item in json.loads(source_file.read_text())}
    assert len(sources) == len(urls) > 250
    belarus = next(
        s for s in sources.values() if s.start_urls == ("https://mfa.gov.by/en/press/statements",)
    )
    assert belarus.country == "BY" and belarus.selectors.item and belarus.selectors.body
    again = registry.import_diplomaticpulse(source_file, tmp_path / "archive.sources.toml")
    assert again == []
