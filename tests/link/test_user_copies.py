"""An outside tester's cases: real statements republished by hand the way embassies do it."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from communique.cli import app
from communique.errors import QueryError
from communique.link.archive import link_statement, linked, relink
from communique.model import CopyLink, Source, statement_id
from communique.pipeline import ingest
from communique.query import parse_query
from communique.settings import Settings
from communique.store.base import Store, links_of, open_store
from tests.conftest import add, shared_path
from tests.link.user_cases import issuer_statement, write_cases, write_meetings


def _ingest(store: Store, paths: list[Path]) -> None:
    ingest([str(p) for p in paths], store, Settings(db="", workers=0, enrich=False))


def _links(store: Store) -> list[CopyLink | None]:
    links = links_of(store)
    return [links.get_copy(statement_id) for statement_id, _ in links.link_order()]


@pytest.fixture
def cases(tmp_path: Path) -> dict[str, Path]:
    return write_cases(tmp_path / "cases")


def test_embassy_text_and_pdf_copies_are_one_statement(
    cases: dict[str, Path], store_url: str
) -> None:
    store = open_store(store_url)
    _ingest(store, list(cases.values()))
    links = links_of(store)
    ids = [statement_id for statement_id, _ in links.link_order()]
    by_name = {Path(s.url).name: s.id for s in links.link_texts(ids)}
    found = linked(store, by_name["by-mfa.html"])
    kinds = {Path(c.url).name: c.kind for c in found.copies}
    assert kinds == {
        "by-mfa.html": "first",
        "embassy-pl.html": "republication",
        "statement.txt": "exact",
        "statement.pdf": "exact",
    }
    alone = [name for name in by_name if name.startswith(("reception", "kremlin"))]
    assert len(alone) == 6
    assert all(len(linked(store, by_name[name]).copies) == 1 for name in alone)
    assert (store.stats().statements, store.stats().copies) == (7, 10)
    store.close()


def test_an_edited_copy_is_linked_as_relink_links_it(
    cases: dict[str, Path], tmp_path: Path, store_url: str
) -> None:
    """The same file ingested again with one sentence edited: on ingest its link is what
    `relink` gives (a republication with evidence, findable by its buckets), not the
    stale "exact" of its first version."""
    store = open_store(store_url)
    again = tmp_path / "again.html"
    shutil.copy(cases["by-mfa.html"], again)
    _ingest(store, [cases["by-mfa.html"], again])
    page = again.read_bytes()
    edited = page.replace(b"will be signed as soon as possible", b"was signed on 6 December")
    assert edited != page
    again.write_bytes(edited)
    _ingest(store, [again])
    on_ingest = _links(store)
    assert [link.kind if link else None for link in on_ingest] == ["first", "republication"]
    relink(store)
    assert _links(store) == on_ingest
    store.close()


def test_show_gives_the_diff_of_an_edited_copy(
    cases: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`communique show` lists the versions of every copy with what each edit changed, as
    the statement page does (issue 13, item 4: versions stay, with diffs)."""
    monkeypatch.setenv("COMMUNIQUE_ENRICH", "off")
    db = str(tmp_path / "archive.db")
    page = tmp_path / "statement.html"
    shutil.copy(cases["by-mfa.html"], page)
    runner = CliRunner()
    for edit in (b"", b"was signed on 6 December"):
        if edit:
            page.write_bytes(page.read_bytes().replace(b"will be signed as soon as possible", edit))
        result = runner.invoke(app, ["ingest", str(page), "--db", db, "--workers", "1"])
        assert result.exit_code == 0, result.output
    store = open_store(db)
    statement_id = links_of(store).link_order()[0][0]
    store.close()
    result = runner.invoke(app, ["show", statement_id, "--db", db])
    assert result.exit_code == 0, result.output
    removed = "-The corresponding decree will be signed as soon as possible."
    assert removed in result.output
    assert "+The corresponding decree was signed on 6 December." in result.output
    assert result.output.index("2 versions") < result.output.index(removed)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("peace copies:one copies:all", "copies:one and copies:all contradict each other"),
        ("peace copies:every", "copies:every must be copies:all or copies:one"),
    ],
)
def test_copies_filter_errors_name_the_fault(query: str, message: str) -> None:
    """`--all-copies` (CLI) and `copies=all` (API) add `copies:all` to the query: with a
    typed `copies:one` the error said "copies:all must be copies:all or copies:one"."""
    with pytest.raises(QueryError, match=message):
        parse_query(query)
    assert parse_query("peace copies:all copies:ALL").filters.all_copies


def test_weekly_meetings_with_one_participant_list_stay_apart(tmp_path: Path) -> None:
    """Ten Kremlin Security Council meetings share a headline and a list of participants
    and differ in their topic (the date, a dateline, is not in the extracted text): ten
    statements. Found by an outside tester; the generated set keeps each item's dated
    page chrome in its text, so it does not see this."""
    store = open_store(str(tmp_path / "archive.db"))
    _ingest(store, write_meetings(tmp_path / "meetings"))
    assert store.stats().statements == 10
    store.close()


def test_weekly_meetings_from_the_corpus_jsonl_stay_apart(tmp_path: Path) -> None:
    """The same meetings as records of the Kremlin sample's JSONL (their first lines, the
    headline and date, are dropped as the site's repeated lines): five of them were one
    statement. The 200 records are 200 statements, on ingest and after `relink`."""
    store = open_store(str(tmp_path / "archive.db"))
    _ingest(store, [shared_path("corpora", "kremlin_ru_2025_sample.jsonl")])
    assert (store.stats().statements, store.stats().copies) == (200, 200)
    on_ingest = _links(store)
    relink(store)
    assert _links(store) == on_ingest
    store.close()


def test_the_ministry_page_is_canonical_though_the_embassy_was_crawled_first(
    cases: dict[str, Path], store_url: str
) -> None:
    """Both copies come from registry sources whose issuer is their page's issuer (so each
    is "on its issuer's own site"); the embassy's, published a day later, was crawled
    first. The statement is the ministry's: its page is the canonical copy, on ingest and
    after `relink` (it was the embassy's, the earliest seen)."""
    store = open_store(store_url)
    ministry = add(
        store,
        "https://mfa.gov.by/en/press/statements/b7b71aff55bfca76.html",
        "Statement by the Foreign Ministry on countermeasures",
        "\n\n".join(issuer_statement().paragraphs),
        published=date(2021, 12, 6),
        issuer="Ministry of Foreign Affairs of the Republic of Belarus",
    )
    embassy = add(
        store,
        "https://poland.mfa.gov.by/pl/aktualnosci/oswiadczenie-msz.html",
        "Oświadczenie MSZ Białorusi",
        "\n\n".join(issuer_statement().paragraphs[:-1]),
        published=date(2021, 12, 7),
        issuer="Embassy of the Republic of Belarus in Poland",
    )
    sources = {
        "by-mfa": Source("by-mfa", issuer=ministry.issuer),
        "by-embassy-pl": Source("by-embassy-pl", issuer=embassy.issuer),
    }
    first_seen = datetime(2026, 12, 5, 9, tzinfo=UTC)
    link_statement(store, replace(embassy, source="by-embassy-pl"), first_seen, sources)
    link_statement(
        store, replace(ministry, source="by-mfa"), first_seen + timedelta(hours=1), sources
    )
    assert linked(store, embassy.id).canonical == ministry.id
    relink(store)
    assert linked(store, embassy.id).canonical == ministry.id
    store.close()


def test_relink_links_the_records_of_one_file_as_ingest_did(tmp_path: Path, store_url: str) -> None:
    """The records of one JSONL file share one capture, so one "first seen": relink took
    them by id (here the embassy's first), ingest in the file's order (the ministry's
    first), so relink made the other copy the first one."""
    ministry_url = "https://mfa.gov.by/en/press/1"
    embassy_url = "https://poland.mfa.gov.by/pl/1"
    assert statement_id(embassy_url) < statement_id(ministry_url)
    statement = issuer_statement()
    records = [
        {"title": statement.title, "text": "\n\n".join(statement.paragraphs), "url": ministry_url},
        {
            "title": "Oświadczenie MSZ Białorusi",
            "text": "\n\n".join(["Strona główna | Aktualności", *statement.paragraphs[:-1]]),
            "url": embassy_url,
        },
    ]
    jsonl = tmp_path / "statements.jsonl"
    jsonl.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    store = open_store(store_url)
    _ingest(store, [jsonl])
    on_ingest = {
        statement_id(r["url"]): links_of(store).get_copy(statement_id(r["url"])) for r in records
    }
    assert on_ingest[statement_id(ministry_url)].kind == "first"  # type: ignore[union-attr]
    relink(store)
    assert {key: links_of(store).get_copy(key) for key in on_ingest} == on_ingest
    store.close()
