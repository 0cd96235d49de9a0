"""Learned per-site chrome: lines recurring across a host's captures leave the statements."""

from __future__ import annotations

import json
import random
import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from communique.extract.sitechrome import (
    _sentences,
    line_key,
    line_keys,
    sentence_keys,
    speech_edge,
)
from communique.model import Extraction, statement_id
from communique.pipeline import ingest
from communique.search import search
from communique.settings import Settings
from communique.store import site_lines
from communique.store.base import Store, open_store
from communique.store.site_lines import SitePage
from communique.store.sqlite import SqliteStore
from tests.conftest import shared_path

BANNER = "This is historical material frozen in time and no longer updated by the ministry."
PAGE = """<html lang="en"><head><title>{title} | Ministry of Foreign Affairs of Ruritania</title>
<link rel="canonical" href="https://mfa.ruritania.example/press/{index}"></head><body><article><h1>{title}</h1>
<p class="date">{day} March 2024</p><p>{banner}</p>
{body}
<h2>Next steps</h2>
<p>{closing}</p></article><footer><a href="/">Home</a> <a href="/press">Press</a>
<a href="/contact">Contact</a></footer></body></html>"""
STATEMENTS = [
    (
        "Statement on the border talks",
        "<p>The Ministry of Foreign Affairs of Ruritania welcomes the resumption of the border"
        " talks in Geneva and thanks both delegations for their constructive spirit.</p>"
        "<p>The talks addressed the demarcation of the northern section and the return of"
        " displaced families to their villages before the winter.</p>",
        "The next round of talks will take place in Vienna at the end of April this year.",
    ),
    (
        "Statement on the fisheries agreement",
        "<p>The Ministry of Foreign Affairs of Ruritania announces that the fisheries agreement"
        " with its northern neighbour was signed today after three years of negotiation.</p>"
        "<p>The agreement sets quotas for the shared waters and creates a joint commission that"
        " will meet twice a year to review the state of the fish stocks.</p>",
        "Parliament is expected to ratify the agreement before the summer recess begins.",
    ),
    (
        "Statement on the election observers",
        "<p>The Ministry of Foreign Affairs of Ruritania has invited international observers to"
        " follow the parliamentary elections to be held in the autumn of this year.</p>"
        "<p>Observers will have full access to polling stations and to the counting of the"
        " votes in every district of the country, including the remote islands.</p>",
        "Accreditation requests can be submitted to the electoral commission until June.",
    ),
]


def write_site(folder: Path) -> list[Path]:
    """Write three statements of one site that share a banner and a section heading."""
    paths = []
    for index, (title, body, closing) in enumerate(STATEMENTS):
        path = folder / f"statement-{index}.html"
        html = PAGE.format(
            title=title, banner=BANNER, day=10 + index, body=body, closing=closing, index=index
        )
        path.write_text(html, encoding="utf-8")
        paths.append(path)
    return paths


def page(host: str, capture: str, lines: list[str], content: tuple[str, ...] = ()) -> SitePage:
    """A capture judged by all its lines; `content`: its text sample (none: a group alone)."""
    return SitePage(host, capture, lines, lines, content)


def test_observe_site_lines_counts_each_capture_once(store: SqliteStore) -> None:
    first = store.observe_site_lines(page("mfa.example", "c1", ["a", "b"]))
    assert first == {"a": 0, "b": 0}
    again = store.observe_site_lines(page("mfa.example", "c1", ["a", "b"]))
    assert again == {"a": 0, "b": 0}, "the same capture must not count twice"
    second = store.observe_site_lines(page("mfa.example", "c2", ["b", "c"]))
    assert second == {"b": 1, "c": 0}
    other_host = store.observe_site_lines(page("other.example", "c3", ["b"]))
    assert other_host == {"b": 0}
    assert store.site_page_count("mfa.example") == 2


def test_a_capture_counted_again_sees_what_it_saw_first(store: SqliteStore) -> None:
    """A capture redone after a killed run is judged as in a clean run: against the captures
    before it, not those counted after it; a reprocess judges it against all the others."""
    assert store.observe_site_lines(page("mfa.example", "c1", ["Home", "Talks"])) == {
        "Home": 0,
        "Talks": 0,
    }
    assert store.observe_site_lines(page("mfa.example", "c2", ["Home", "Trade"]))["Home"] == 1
    assert store.observe_site_lines(page("mfa.example", "c1", ["Home", "Talks"]))["Home"] == 0
    store.clear_derived()
    assert store.observe_site_lines(page("mfa.example", "c1", ["Home", "Talks"]))["Home"] == 1
    assert store.observe_site_lines(page("mfa.example", "c1", ["Home", "Talks"]))["Home"] == 1


def test_a_republication_does_not_vote_for_its_own_paragraphs(store: SqliteStore) -> None:
    """Captures carrying the same text (its shingle sample) are one group: the statement's
    paragraphs count once, however often the site republishes it; chrome counts per group."""
    speech = ("~01", "~02", "~03", "~04")
    host = "un.example"
    store.observe_site_lines(page(host, "speech", ["Mr. President,", "We call for peace."], speech))
    store.observe_site_lines(page(host, "other", ["Print", "Trade talks resume."], ("~09", "~0a")))
    copy = page(host, "copy", ["Print", "Mr. President,", "We call for peace."], speech[1:])
    expected = {"Print": 1, "Mr. President,": 0, "We call for peace.": 0}
    assert store.observe_site_lines(copy) == expected
    again = page(host, "copy2", ["Print", "We call for peace."], (*speech[:3], "~0b"))
    seen = store.observe_site_lines(again)
    assert seen["We call for peace."] == 0 and seen["Print"] >= 1


def _observed_one_by_one(
    pages: list[tuple[str, str, list[str]]],
) -> list[dict[str, int]]:
    """What `observe_site_lines` returns for each page in turn (each its own group), worked
    out in plain Python: a capture seen again gets what it got the first time."""
    first: dict[tuple[str, str], dict[str, int]] = {}
    pages_with: dict[tuple[str, str], int] = {}
    found = []
    for host, capture, lines in pages:
        if (host, capture) not in first:
            first[host, capture] = {line: pages_with.get((host, line), 0) for line in set(lines)}
            for line in set(lines):
                pages_with[host, line] = pages_with.get((host, line), 0) + 1
        found.append({line: first[host, capture].get(line, 0) for line in set(lines)})
    return found


@pytest.mark.parametrize("chunk", [1, 3, 50])
def test_observing_pages_together_counts_as_one_by_one(store: Store, chunk: int) -> None:
    rng = random.Random(chunk)
    pages = [
        (
            rng.choice(["mfa.example", "gov.example"]),
            f"c{rng.randrange(25)}",  # some captures come more than once
            rng.sample(
                ["Home", "Next steps", "Contact", "Press", "Talks", "Menu"], rng.randint(1, 4)
            ),
        )
        for _ in range(60)
    ]
    found = []
    for start in range(0, len(pages), chunk):
        found += store.observe_many_site_lines(
            [page(*args) for args in pages[start : start + chunk]]
        )
    assert found == _observed_one_by_one(pages)
    assert store.observe_many_site_lines([]) == []
    counted = {(h, c) for h, c, _ in pages if h == "mfa.example"}
    assert store.site_page_count("mfa.example") == len(counted)


@pytest.mark.parametrize("min_others", [1, 0])
def test_recurring_lines_are_learned_per_site(tmp_path: Path, min_others: int) -> None:
    paths = write_site(tmp_path)
    settings = Settings(db=str(tmp_path / "a.db"), site_chrome_pages=min_others)
    store = SqliteStore(settings.db)
    try:
        report = ingest([str(p) for p in paths], store, settings)
        assert report.statements == 3
        report = ingest([str(p) for p in paths], store, settings)
        assert report.unchanged == 3
        from communique.pipeline import reprocess

        reprocess(store, settings)
        hits = search(store, "fisheries").hits
        assert len(hits) == 1
        text = hits[0].statement.text
        assert "signed today after three years" in text
        assert "before the summer recess begins." in text
        learned = min_others >= 1
        assert ("Next steps" in hits[0].statement.paragraphs) is not learned
        assert (BANNER in text) is not learned
    finally:
        store.close()


def test_a_bulk_load_in_workers_drops_what_one_process_drops(tmp_path: Path) -> None:
    """With workers and enrichment off, chrome is learned a chunk of captures at a time as
    they are stored (`Pipeline.held`): the statements are those of a load in one process."""
    paths = [str(p) for p in write_site(tmp_path)]
    found = []
    for workers in (1, 2):
        settings = Settings(db=str(tmp_path / f"{workers}.db"), workers=workers, enrich=False)
        store = SqliteStore(settings.db)
        try:
            assert ingest(paths, store, replace(settings, link=False)).statements == 3
            found.append(
                sorted((s.title, s.paragraphs) for s in map(store.get_statement, _ids(store)))
            )
        finally:
            store.close()
    assert found[0] == found[1]
    assert not any(BANNER in paragraphs for _, paragraphs in found[1][1:])


def _ids(store: SqliteStore) -> list[str]:
    return [hit.statement.id for hit in search(store, "Ruritania").hits]


def test_local_files_without_a_web_address_learn_nothing(tmp_path: Path) -> None:
    paths = write_site(tmp_path)
    for path in paths:
        html = path.read_text(encoding="utf-8")
        path.write_text(html.replace('<link rel="canonical"', '<link rel="x"'), encoding="utf-8")
    settings = Settings(db=str(tmp_path / "c.db"))
    store = SqliteStore(settings.db)
    try:
        ingest([str(p) for p in paths], store, settings)
        assert store.site_page_count("") == 0
        hits = search(store, "fisheries").hits
        assert "Next steps" in hits[0].statement.paragraphs
    finally:
        store.close()


def test_a_copy_of_the_same_statement_keeps_its_text(tmp_path: Path) -> None:
    paths = write_site(tmp_path)
    copy = tmp_path / "copy.html"
    copy.write_bytes(paths[0].read_bytes().replace(b"<footer>", b"<footer><p>saved copy</p>"))
    settings = Settings(db=str(tmp_path / "b.db"))
    store = SqliteStore(settings.db)
    try:
        ingest([str(paths[0]), str(copy)], store, settings)
        hits = search(store, "Geneva").hits
        assert hits and all("resumption of the border talks" in h.statement.text for h in hits)
        assert all("Vienna" in h.statement.text for h in hits)
    finally:
        store.close()


def test_a_title_tail_the_site_repeats_is_its_name(tmp_path: Path) -> None:
    tail = "The Northern Lights Review of World Affairs Online"
    paths = []
    for index, (title, body, closing) in enumerate(STATEMENTS):
        html = PAGE.format(
            title=title, banner=BANNER, day=10 + index, body=body, closing=closing, index=index
        )
        html = html.replace(" | Ministry of Foreign Affairs of Ruritania", f" — {tail}")
        html = html.replace(f"<h1>{title}</h1>", "")
        path = tmp_path / f"statement-{index}.html"
        path.write_text(html, encoding="utf-8")
        paths.append(path)
    settings = Settings(db=str(tmp_path / "t.db"))
    store = SqliteStore(settings.db)
    try:
        ingest([str(p) for p in paths], store, settings)
        from communique.pipeline import reprocess

        reprocess(store, settings)
        titles = {h.statement.title for h in search(store, "ruritania").hits}
        assert titles == {title for title, _, _ in STATEMENTS}
    finally:
        store.close()


HOST = "https://speeches.example/"


def one_host_set(tmp_path: Path, count: int = 48) -> tuple[Path, list[Any]]:
    """The first texts of the linking evaluation set (`bench/linkset.py`: UN General Debate
    speeches, each with 1-3 republications carrying real chrome lines of other sites, a
    headline changed, a paragraph trimmed, re-wrapped) as JSONL records of ONE host."""
    shared_path("corpora", "ungdc_2020_2024.jsonl")
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from linkset import generate

    texts = generate(corpora=("ungdc",))[:count]
    path = tmp_path / "speeches.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for text in texts:
            record = {"url": HOST + text.id.replace(":", "/"), "title": text.id, "text": text.text}
            out.write(json.dumps(record) + "\n")
    return path, texts


def _words(text: str) -> str:
    return " ".join(text.split())


def loaded_texts(jsonl: Path, db: Path, min_others: int = 1) -> dict[str, str]:
    """Statement texts by URL after a bulk load of `jsonl` (enrichment and linking off)."""
    settings = Settings(db=str(db), enrich=False, link=False, site_chrome_pages=min_others)
    store = SqliteStore(settings.db)
    try:
        ingest([str(jsonl)], store, settings)
        urls = [json.loads(line)["url"] for line in jsonl.read_text(encoding="utf-8").splitlines()]
        found = {url: store.get_statement(statement_id(url)) for url in urls}
        return {url: _words(s.text) for url, s in found.items() if s is not None}
    finally:
        store.close()


def test_republications_on_one_site_keep_their_paragraphs(tmp_path: Path) -> None:
    """A speech and its republications on one site: a paragraph is dropped only when a
    DIFFERENT speech carries it too (a greeting formula), never because the speech's own
    copies repeat it."""
    jsonl, texts = one_host_set(tmp_path)
    learned = loaded_texts(jsonl, tmp_path / "learned.db")
    alone = loaded_texts(jsonl, tmp_path / "alone.db", min_others=0)
    own = {t.group: [_words(p) for p in t.text.split("\n\n")] for t in texts if t.id == t.group}
    lost: list[tuple[str, str]] = []
    for number, text in enumerate(texts):
        url, carried = HOST + text.id.replace(":", "/"), _words(text.text)
        others = [_words(t.text) for t in texts[:number] if t.group != text.group]
        for paragraph in own.get(text.group, []):
            dropped = paragraph in carried and paragraph in alone[url]
            dropped = dropped and paragraph not in learned[url]
            if dropped and not any(paragraph in other for other in others):
                lost.append((text.id, paragraph))
    assert lost == []


class Cut(Exception):
    """Stands for a crash at a write of a load."""


def test_a_load_cut_after_counting_is_rerun_into_the_clean_archive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lines of a chunk of captures are counted, then the load dies before their
    statements are stored: the rerun judges each as the clean load did (against the
    captures before it), not against the whole chunk's counts."""
    jsonl, _ = one_host_set(tmp_path)
    clean = loaded_texts(jsonl, tmp_path / "clean.db")
    db = tmp_path / "cut.db"
    store = SqliteStore(str(db))

    def fail(*args: object, **kwargs: object) -> None:
        raise Cut

    monkeypatch.setattr(store, "put_statements", fail)
    settings = Settings(db=str(db), enrich=False, link=False)
    with pytest.raises(Cut):
        ingest([str(jsonl)], store, settings)
    assert store.site_page_count("speeches.example") > 0
    store.close()
    assert loaded_texts(jsonl, db) == clean


def _stored_lines(store: Store, host: str) -> list[tuple[object, ...]]:
    """The stored lines of `host`: key, votes, group, stamp."""
    lines = site_lines.stored_lines(store._db(), host)  # type: ignore[attr-defined]
    return sorted((key, line.pages, line.group, line.stamp) for key, line in lines.items())


def test_a_site_forgets_lines_without_votes_at_fixed_points(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A footer every capture carries stays; each page's own lines are forgotten once the
    site has counted `KEEP` more captures, so the table holds about the last `KEEP` pages'
    lines. Counting in other chunks, or with the store opened again after each chunk (its
    sites read back from the tables), answers, counts and forgets the same."""
    monkeypatch.setattr(site_lines, "KEEP", 8)
    monkeypatch.setattr(site_lines, "FORGET_EVERY", 4)
    tables, answers = [], []
    for chunk, reopen in ((1, False), (7, True), (40, False)):
        host = f"mfa{chunk}.example"
        pages = [
            page(host, f"c{i}", ["Home", f"own line {i}", f"other line {i}"], (f"~{i}",))
            for i in range(40)
        ]
        store = open_store(store_url)
        try:
            found = []
            for start in range(0, len(pages), chunk):
                found += store.observe_many_site_lines(pages[start : start + chunk])
                if reopen:
                    store.close()
                    store = open_store(store_url)
            answers.append(found)
            tables.append(_stored_lines(store, host))
        finally:
            store.close()
    assert answers[0] == answers[1] == answers[2]
    assert tables[0] == tables[1] == tables[2]
    assert [found["Home"] for found in answers[0][:3]] == [0, 1, 2]
    kept = {line for line, *_ in tables[0]}
    assert "Home" in kept and "own line 39" in kept
    assert "own line 0" not in kept and "own line 30" not in kept
    assert len(kept) <= 1 + 3 * (8 + 4), "about the last KEEP pages' lines"


SITE_HEADER = "Permanent Mission to the United Nations"
SITE_FOOTER = "Szukaj w archiwum"


def test_a_speech_keeps_its_address_and_thanks_that_other_speeches_share(
    tmp_path: Path,
) -> None:
    """UN General Debate speeches published by one site: most open with "Mr. President," and
    close with "Thank you.", as the site's other speeches do. Those lines are the speeches'
    (an address and thanks at the edge of the text), the site's header and footer are not."""
    corpus = shared_path("corpora", "ungdc_2020_2024.jsonl")
    records = []
    for line in corpus.read_text(encoding="utf-8").splitlines()[:40]:
        speech = json.loads(line)
        paragraphs = [p.strip() for p in speech["text"].split("\n") if p.strip()]
        text = "\n\n".join([SITE_HEADER, *paragraphs, SITE_FOOTER])
        url = f"https://mission.example/{speech['country_iso3']}/{speech['session']}"
        records.append({"url": url, "title": speech["country_iso3"], "text": text})
    jsonl = tmp_path / "speeches.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    texts = loaded_texts(jsonl, tmp_path / "speeches.db")
    edges = 0
    for number, record in enumerate(records):
        kept = texts[record["url"]]
        paragraphs = record["text"].split("\n\n")[1:-1]
        assert _words(paragraphs[0]) in kept and _words(paragraphs[-1]) in kept, record["url"]
        edges += speech_edge(paragraphs[0], "en", opening=True) + speech_edge(paragraphs[-1], "en")
        if number:
            assert SITE_HEADER not in kept and SITE_FOOTER not in kept
    assert edges >= 40, "most of these speeches open with an address or close with thanks"


_TEXT = st.text(alphabet=st.sampled_from(list("ab .!?;,\n\t\u00a0“”«»’\u200bДЖ。！é")), max_size=60)


@given(st.lists(_TEXT, min_size=1, max_size=5))
def test_line_keys_sample_the_sentences_as_sentence_keys_does(paragraphs: list[str]) -> None:
    """The worker's shortcuts (folding once, splitting sentences by replacement) change no
    key: as `sentence_keys` and a regular-expression split give them."""
    found = line_keys(Extraction(url="", title="", paragraphs=tuple(paragraphs)), b"", "")
    assert found.sample == sentence_keys(paragraphs)
    assert found.paragraphs == tuple(line_key(p) for p in paragraphs)
    text = " ".join(" ".join(paragraphs).split()).lower()
    assert _sentences(text) == re.split(r"(?<=[.!?;。！？])\s+", text)
