"""Linking inside the archive: on ingest, `relink`, `show`, `stats`."""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from communique.cli import app
from communique.link.archive import linked, relink
from communique.pipeline import ingest
from communique.settings import Settings
from communique.store.base import open_store
from communique.store.link_tables import INDEX_NAMES
from tests.conftest import shared_path

SEED = "000_ac6ea3ae84a41b15.txt"


def write_copies(folder: Path) -> list[Path]:
    """The seed statement as an embassy kept it, as the ministry's page, and once more."""
    text = shared_path("seeds", SEED).read_text(encoding="utf-8")
    body = text.rsplit("\n", 1)[0]
    files = {
        "embassy.txt": text,
        "ministry.txt": "Press service\n\n" + body + "\n\nMinistry of Foreign Affairs\nContacts",
        "again.txt": text,
        "other.txt": text.replace("44-day", "45-day").replace("30 years", "31 years"),
    }
    paths = []
    for name, content in files.items():
        path = folder / name
        path.write_text(content, encoding="utf-8")
        paths.append(path)
    return paths


def test_copies_are_linked_on_ingest(tmp_path: Path, store_url: str) -> None:
    paths = write_copies(tmp_path)
    db = store_url
    store = open_store(db)
    settings = Settings(db=str(db), workers=0, enrich=False)
    ingest([str(p) for p in paths], store, settings)
    stats = store.stats()
    assert (stats.copies, stats.statements) == (4, 2)
    order = store.link_order()
    first = linked(store, order[0][0])
    assert len(first.copies) == 3
    kinds = sorted(c.kind for c in first.copies)
    assert kinds == ["exact", "first", "republication"]
    assert any("Szukaj w archiwum" in c.differs or "Contacts" in c.differs for c in first.copies)
    other = linked(store, order[-1][0])
    assert len(other.copies) == 1
    before = [store.get_copy(s) for s, _ in order]
    assert relink(store) == (4, 2)
    assert [store.get_copy(s) for s, _ in order] == before
    store.close()


def test_cli_relink_show_and_stats(
    tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMMUNIQUE_ENRICH", "off")
    paths = write_copies(tmp_path)
    db = store_url
    runner = CliRunner()
    result = runner.invoke(app, ["ingest", *map(str, paths), "--db", db, "--workers", "1"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["stats", "--db", db, "--json"])
    numbers = json.loads(result.stdout)
    assert (numbers["statements"], numbers["copies"]) == (2, 4)
    result = runner.invoke(app, ["relink", "--db", db])
    assert result.exit_code == 0, result.output
    store = open_store(db)
    first = store.link_order()[0][0]
    store.close()
    result = runner.invoke(app, ["show", first, "--db", db, "--json"])
    record = json.loads(result.stdout)
    assert len(record["copies"]) == 3
    assert record["copies"][0]["canonical"] is True


def test_search_gives_one_hit_per_statement_unless_all_copies(
    tmp_path: Path, store_url: str
) -> None:
    from fastapi.testclient import TestClient

    from communique.api.app import create_app
    from communique.search import search

    paths = write_copies(tmp_path)
    db = store_url
    store = open_store(db)
    ingest([str(p) for p in paths], store, Settings(db=str(db), workers=0, enrich=False))
    page = search(store, "Victory")
    assert page.total == 2
    assert sorted(hit.copies for hit in page.hits) == [1, 3]
    assert search(store, "Victory copies:all").total == 4
    store.close()
    client = TestClient(create_app(Settings(db=str(db))), base_url="http://localhost")
    assert client.get("/api/v1/search", params={"q": "Victory"}).json()["total"] == 2
    assert (
        client.get("/api/v1/search", params={"q": "Victory", "copies": "all"}).json()["total"] == 4
    )
    hit = next(
        h
        for h in client.get("/api/v1/search", params={"q": "Victory"}).json()["hits"]
        if h["copies"] == 3
    )
    copies = client.get(f"/api/v1/statements/{hit['id']}/copies").json()
    assert len(copies["copies"]) == 3 and copies["copies"][0]["canonical"]


def test_export_carries_the_statement_id_with_each_copy(tmp_path: Path, store_url: str) -> None:
    import io

    from communique.search import export

    paths = write_copies(tmp_path)
    db = store_url
    store = open_store(db)
    ingest([str(p) for p in paths], store, Settings(db=str(db), workers=0, enrich=False))
    out = io.BytesIO()
    assert export(store, "", "jsonl", out) == 4
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert sorted(
        len([r for r in records if r["statement_id"] == s])
        for s in {r["statement_id"] for r in records}
    ) == [1, 3]
    assert export(store, "copies:one", "csv", io.BytesIO()) == 2
    store.close()


def test_statement_page_lists_the_copies(tmp_path: Path, store_url: str) -> None:
    from fastapi.testclient import TestClient

    from communique.api.app import create_app

    paths = write_copies(tmp_path)
    db = store_url
    store = open_store(db)
    ingest([str(p) for p in paths], store, Settings(db=str(db), workers=0, enrich=False))
    first = store.link_order()[0][0]
    store.close()
    page = (
        TestClient(create_app(Settings(db=str(db))), base_url="http://localhost")
        .get(f"/statements/{first}")
        .text
    )
    assert "Copies and translations" in page
    assert "ministry.txt" in page and "(canonical)" in page
    also = page.split('class="meta alsoat">')[1].split("</p>")[0]
    assert "(3 copies in all)" in also and "Translations" not in also


ENGLISH = """Joint statement on the talks in Moscow

On 9 November 2020 the President of Azerbaijan Ilham Aliyev, the Prime Minister of Armenia
Nikol Pashinyan and the President of Russia Vladimir Putin signed a statement of 9 points.

From 10 November 2020 a complete ceasefire is declared in Nagorno-Karabakh. Russia deploys
1,960 servicemen and 90 armoured vehicles along the line of contact for 5 years.

The Kalbajar district is returned to Azerbaijan by 15 November 2020 and the Lachin district
by 1 December 2020, while a corridor 5 km wide is kept open."""

FRENCH = """Déclaration conjointe sur les entretiens de Moscou

Le 9 novembre 2020, le Président de l'Azerbaïdjan Ilham Aliyev, le Premier ministre de
l'Arménie Nikol Pachinian et le Président de la Russie Vladimir Poutine ont signé une
déclaration en 9 points.

À partir du 10 novembre 2020, un cessez-le-feu complet est déclaré au Haut-Karabakh. La
Russie déploie 1 960 militaires et 90 véhicules blindés le long de la ligne de contact pour
5 ans.

Le district de Kalbajar est rendu à l'Azerbaïdjan d'ici le 15 novembre 2020 et le district
de Latchine d'ici le 1er décembre 2020, un corridor de 5 km de large restant ouvert."""


def test_a_translation_is_linked_not_merged(tmp_path: Path, store_url: str) -> None:
    from fastapi.testclient import TestClient

    from communique.api.app import create_app

    (tmp_path / "en.txt").write_text(ENGLISH, encoding="utf-8")
    (tmp_path / "fr.txt").write_text(FRENCH, encoding="utf-8")
    db = store_url
    store = open_store(db)
    settings = Settings(db=str(db), workers=0, enrich=False)
    ingest([str(tmp_path / "en.txt"), str(tmp_path / "fr.txt")], store, settings)
    assert store.stats().statements == 2
    (english, _), (french, _) = store.link_order()
    found = linked(store, english).translations
    assert [(t.other_group, t.language) for t in found] == [(french, "fr")]
    assert found[0].confidence >= 0.6
    assert [t.language for t in linked(store, french).translations] == ["en"]
    assert found[0].title == "Déclaration conjointe sur les entretiens de Moscou"
    store.close()
    client = TestClient(create_app(Settings(db=str(db))), base_url="http://localhost")
    page = client.get(f"/statements/{english}").text
    assert f'<a href="/statements/{english}/beside/{french}" title="side by side">fr</a>' in page
    beside = client.get(f"/statements/{english}/beside/{french}").text
    assert "Linked as translations, confidence" in beside
    rows = beside.split("<tr>")[2:]
    assert "1,960 servicemen" in rows[1] and "1 960 militaires" in rows[1]
    assert len(rows) == 3
    unlinked = client.get(f"/statements/{english}/beside/{english}").text
    assert "not linked as translations" in unlinked
    assert client.get(f"/statements/{english}/beside/{'0' * 16}").status_code == 404


def test_translation_candidates_are_read_in_every_other_language_only(store_url: str) -> None:
    """A new statement's translation candidates are the statements sharing its facts' buckets
    in the languages before and after its own (each read as a range of the buckets' index),
    never those in its own; each is linked to it."""
    import re

    from communique.link.archive import link_statement
    from communique.link.translations import fact_buckets, facts
    from tests.conftest import add

    def other_words(text: str) -> str:  # the same facts in other (made-up) words
        return re.sub(r"\b[a-z]+\b", lambda word: word.group()[::-1] + "q", text)

    texts = {
        "de": other_words(ENGLISH),
        "fr": FRENCH,
        "ru": other_words(FRENCH),
        "en": ENGLISH,
    }
    store = open_store(store_url)
    ids = {}
    for number, (language, text) in enumerate(texts.items()):
        title, body = text.split("\n\n", 1)
        statement = add(store, f"https://mfa.example/{number}", title, body, language=language)
        link = link_statement(store, statement, datetime(2024, 1, 1, tzinfo=UTC), {})
        assert link is not None and link.kind == "first"
        ids[language] = statement.id
    for language in ("de", "en", "fr", "ru"):
        keys = fact_buckets(facts(store.get_statement(ids[language]).text))
        found = {key for _, key, _ in store.fact_bucket_copies(keys, language)}
        assert found == {ids[other] for other in texts if other != language}
    languages = [t.language for t in linked(store, ids["en"]).translations]
    assert sorted(languages) == ["de", "fr", "ru"]
    store.close()


MEANING = {
    "en.txt": "Statement on the river basin agreement\n\n"
    "The Ministry of Foreign Affairs welcomes the agreement reached by the parties"
    " on the protection of the river basin. We call on all neighbouring states to share"
    " water data openly, to restore the wetlands and to work together against pollution"
    " of the river by industry. Our country stands ready to host the next meeting of the"
    " commission and to support the joint monitoring programme.",
    "fr.txt": "Déclaration sur l'accord relatif au bassin du fleuve\n\n"
    "Le ministère des Affaires étrangères salue l'accord conclu par les parties"
    " sur la protection du bassin du fleuve. Nous appelons tous les États voisins à"
    " partager ouvertement les données sur l'eau, à restaurer les zones humides et à"
    " travailler ensemble contre la pollution du fleuve par l'industrie. Notre pays est"
    " prêt à accueillir la prochaine réunion de la commission et à soutenir le programme"
    " de surveillance commun.",
    "de.txt": "Tag der offenen Tür in der Botschaft\n\n"
    "Die Botschaft lädt alle Bürgerinnen und Bürger herzlich zum Tag der offenen"
    " Tür ein. Besucher können die Räume der Botschaft besichtigen, mit dem Personal"
    " sprechen und sich über Visa, Reisepässe und konsularische Dienste informieren."
    " Für Kinder gibt es ein kleines Programm mit Musik und Spielen im Garten.",
}


def test_translations_without_numbers_are_linked_by_meaning(tmp_path: Path, store_url: str) -> None:
    from communique import semantic

    for name, text in MEANING.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    store = open_store(store_url)
    settings = Settings(db=store_url, workers=0, enrich=False)
    ingest([str(tmp_path / name) for name in MEANING], store, settings)
    ids = {store.get_statement(s).language: s for s, _ in store.link_order()}
    assert set(ids) == {"en", "fr", "de"}
    assert linked(store, ids["en"]).translations == ()
    semantic.embed_missing(store)
    found = linked(store, ids["en"]).translations
    assert [(t.other_group, t.language) for t in found] == [(ids["fr"], "fr")]
    assert found[0].evidence.startswith("meaning: cosine")
    assert [t.language for t in linked(store, ids["fr"]).translations] == ["en"]
    assert linked(store, ids["de"]).translations == ()
    assert relink(store) == (3, 3)
    assert [t.other_group for t in linked(store, ids["en"]).translations] == [ids["fr"]]
    store.close()


def test_statement_page_shows_the_edits_of_every_copy(tmp_path: Path, store_url: str) -> None:
    from fastapi.testclient import TestClient

    from communique.api.app import create_app

    paths = write_copies(tmp_path)
    store = open_store(store_url)
    settings = Settings(db=store_url, workers=0, enrich=False)
    ingest([str(p) for p in paths], store, settings)
    ministry = tmp_path / "ministry.txt"
    ministry.write_text(ministry.read_text(encoding="utf-8") + "\n\nUpdated.", encoding="utf-8")
    ingest([str(ministry)], store, settings)
    first = store.link_order()[0][0]
    edited = [c for c in linked(store, first).copies if c.versions > 1]
    assert [c.url for c in edited] == [ministry.as_uri()]
    store.close()
    client = TestClient(create_app(Settings(db=store_url)), base_url="http://localhost")
    page = client.get(f"/statements/{first}").text
    versions = page.split("<h2>Versions</h2>")[1].split("</section>")[0]
    assert f'Copy at <a href="/statements/{edited[0].id}">' in versions
    assert "Changes from the version before" in versions and "+Updated." in versions
    api = client.get(f"/api/v1/statements/{first}/copies").json()
    assert [v["statement_id"] for v in api["versions"]].count(edited[0].id) == 2
    shown = CliRunner().invoke(app, ["show", first, "--db", store_url]).output
    assert "4 versions across the copies:" in shown and shown.count("(capture ") == 4


def test_search_follows_the_canonical_copy_as_copies_arrive(tmp_path: Path, store_url: str) -> None:
    from communique.search import search

    embassy, ministry, again, _ = write_copies(tmp_path)
    store = open_store(store_url)
    settings = Settings(db=str(store_url), workers=0, enrich=False)
    ingest([str(embassy)], store, settings)
    assert search(store, "Victory").total == 1
    ingest([str(again), str(ministry)], store, settings)  # the ministry's page comes later
    page = search(store, "Victory")
    every = search(store, "Victory copies:all")
    assert page.total == 1 and every.total == 3
    canonical = linked(store, every.hits[0].statement.id).canonical
    assert [h.statement.id for h in page.hits] == [canonical]
    store.close()


@pytest.mark.parametrize("processes", [0, 2])
def test_relink_in_batches_gives_the_links_of_ingest(
    tmp_path: Path, store_url: str, processes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from communique.link import archive

    paths = write_copies(tmp_path)
    for name, text in (("en.txt", ENGLISH), ("fr.txt", FRENCH)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        paths.append(tmp_path / name)
    store = open_store(store_url)
    ingest([str(p) for p in paths], store, Settings(db=store_url, workers=0, enrich=False))
    order = [statement_id for statement_id, _ in store.link_order()]

    def links() -> list[object]:
        found = [(linked(store, s).canonical, linked(store, s).translations) for s in order]
        return [store.get_copy(s) for s in order] + found

    before = links()
    assert sum(len(translations) for _, translations in before[len(order) :]) == 2
    monkeypatch.setattr(archive, "BATCH", 2)  # candidates' texts read from earlier batches
    assert relink(store, processes=processes) == (6, 4)
    assert links() == before
    store.close()


def migrated_again(store: Any, store_url: str, *undone: str) -> tuple[Any, Any]:
    """The store at `store_url` and its connection, opened again after `undone` (SQL that
    puts back the layout before a migration) ran on it: the migration runs again."""
    db = store._db()
    for sql in undone:
        db.execute(sql)
    store.close()
    store = open_store(store_url)
    return store, store._db()


def test_fact_buckets_an_older_archive_kept_with_the_text_buckets_move(
    tmp_path: Path, store_url: str
) -> None:
    """Archives linked before fact buckets had their own table kept them in `link_buckets`:
    the migration moves them under their copy's language, and translations are still found."""
    (tmp_path / "en.txt").write_text(ENGLISH, encoding="utf-8")
    (tmp_path / "fr.txt").write_text(FRENCH, encoding="utf-8")
    store = open_store(store_url)
    ingest([str(tmp_path / "en.txt")], store, Settings(db=store_url, workers=0, enrich=False))
    db = store._db()  # type: ignore[attr-defined]
    kept = {(bytes(r["bucket"]), r["language"]) for r in db.all("SELECT * FROM fact_buckets")}
    assert kept and {language for _, language in kept} == {"en"}
    store, db = migrated_again(
        store,
        store_url,
        "INSERT INTO link_buckets (bucket, statement_id) SELECT bucket, statement_id"
        " FROM fact_buckets",
        "DROP TABLE fact_buckets",
        "DELETE FROM migrations WHERE name IN ('link-0003-fact-buckets', 'pg-0022-fact-buckets')",
    )
    moved = {(bytes(r["bucket"]), r["language"]) for r in db.all("SELECT * FROM fact_buckets")}
    assert moved == kept
    text_buckets = db.all("SELECT bucket FROM link_buckets")
    assert text_buckets and all(bytes(r["bucket"])[0] < 128 for r in text_buckets)
    ingest([str(tmp_path / "fr.txt")], store, Settings(db=store_url, workers=0, enrich=False))
    (english, _), (french, _) = store.link_order()
    assert [t.other_group for t in linked(store, english).translations] == [french]
    store.close()


@pytest.mark.parametrize("processes", [0, 2])
def test_relink_verifies_republications_against_texts_of_earlier_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, processes: int
) -> None:
    """Eight UN speeches, then their embassy republications in the next batch: each is
    verified against its own original's text, read back from the store, or with workers
    against its words as the worker that prepared it staged them."""
    from datetime import UTC, datetime, timedelta

    from communique.link import archive
    from tests.conftest import add

    corpus = shared_path("corpora", "ungdc_2020_2024.jsonl").read_text(encoding="utf-8")
    speeches = [json.loads(line) for line in corpus.splitlines()[:8]]
    store = open_store(str(tmp_path / "a.db"))
    start = datetime(2024, 1, 1, tzinfo=UTC)
    originals, copies = [], []
    for n, speech in enumerate(speeches):
        text = "\n\n".join(speech["text"].split("\n")[:6])
        originals.append(add(store, f"https://un.example/{n}", "Speech", text, fetched_at=start))
        copy = f"Embassy news\n\n{text}\n\nShare this page"
        later = start + timedelta(days=1, seconds=n)
        copies.append(add(store, f"https://embassy.example/{n}", "Speech", copy, fetched_at=later))
    monkeypatch.setattr(archive, "BATCH", 8)
    staged: list[list[str]] = []
    staging = archive._staging

    @contextlib.contextmanager
    def seen(location: str | None) -> Iterator[str | None]:
        with staging(location) as folder:
            yield folder
            staged.append(sorted(p.suffix for p in Path(folder).iterdir()) if folder else [])

    monkeypatch.setattr(archive, "_staging", seen)
    assert relink(store, processes=processes) == (16, 8)
    for original, copy in zip(originals, copies, strict=True):
        link = store.get_copy(copy.id)
        assert link is not None and (link.group_id, link.kind) == (original.id, "republication")
    assert staged == [[".words"] * processes]  # a file a worker, removed at the end
    assert [p.name for p in tmp_path.iterdir() if "relink-words" in p.name] == []
    store.close()


def test_cli_search_counts_statements_or_copies_in_their_number(
    tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMMUNIQUE_ENRICH", "off")
    db = store_url
    runner = CliRunner()
    paths = [str(p) for p in write_copies(tmp_path)]
    assert runner.invoke(app, ["ingest", *paths, "--db", db, "--workers", "1"]).exit_code == 0
    said = {
        args: runner.invoke(app, ["search", *args, "--db", db]).stderr.strip()
        for args in (("Victory",), ("Victory", "--all-copies"), ("Victory copies:all",),
                     ('"31 years"',), ('"31 years"', "--all-copies"), ("nothingmatches",))
    }  # fmt: skip
    assert said == {
        ("Victory",): "2 statements match",
        ("Victory", "--all-copies"): "4 copies match",
        ("Victory copies:all",): "4 copies match",
        ('"31 years"',): "1 statement matches",
        ('"31 years"', "--all-copies"): "1 copy matches",
        ("nothingmatches",): "0 statements match",
    }
    from fastapi.testclient import TestClient

    from communique.api.app import create_app

    client = TestClient(create_app(Settings(db=str(db))), base_url="http://localhost")
    page = client.get("/", params={"q": "Victory copies:all"}).text
    assert "1–4 of 4 copies" in page and "2 statements in the archive" in page
    assert "1–2 of 2 statements" in client.get("/", params={"q": "Victory"}).text
    assert "No copies match" in client.get("/", params={"q": "nothingmatches copies:all"}).text


class Killed(BaseException):
    """What a kill -9 leaves: nothing after it runs (no `except Exception` catches it)."""


def warned(db: str, warning: str) -> dict[str, object]:
    """Check that `stats`, `stats --json` and `search` print `warning`; the stats as JSON."""
    runner = CliRunner()
    for command in (["stats"], ["stats", "--json"], ["search", "Victory"]):
        result = runner.invoke(app, [*command, "--db", db])
        assert result.exit_code == 0, result.output
        assert warning in result.stderr.splitlines()
    numbers: dict[str, object] = json.loads(
        runner.invoke(app, ["stats", "--json", "--db", db]).stdout
    )
    return numbers


def web_client(db: str) -> TestClient:
    """The API and web pages of the archive at `db`."""
    from communique.api.app import create_app

    return TestClient(create_app(Settings(db=str(db))), base_url="http://localhost")


def test_an_interrupted_relink_is_named_until_a_relink_finishes(
    tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed after its batches and before the links are indexed and counted, a relink
    leaves the archive half linked: stats, search and relink say so; the next relink
    finishes it and the warning goes."""
    from communique.link import archive

    paths = write_copies(tmp_path)
    db = store_url
    store = open_store(db)
    ingest([str(p) for p in paths], store, Settings(db=str(db), workers=0, enrich=False))
    clean = [store.get_copy(s) for s, _ in store.link_order()]
    assert store.unfinished_work() == []

    def killed(self: object) -> None:
        raise Killed

    with monkeypatch.context() as patched:
        patched.setattr(archive._Relinking, "finish", killed)
        with pytest.raises(Killed):
            relink(store)
    assert store.unfinished_work() == ["relink"]
    store.close()
    runner = CliRunner()
    numbers = warned(db, "warning: relink was interrupted; run `communique relink`")
    assert numbers["unfinished"] == ["relink"]
    client = web_client(db)
    assert client.get("/api/v1/stats").json()["unfinished"] == ["relink"]
    notice = "Relink was interrupted: the archive is half linked until"
    assert notice in client.get("/", params={"q": "Victory"}).text
    result = runner.invoke(app, ["relink", "--db", db])
    assert result.exit_code == 0, result.output
    assert "the last relink was interrupted" in result.stderr
    assert "4 copies linked into 2 statements" in result.stderr
    result = runner.invoke(app, ["stats", "--db", db])
    assert "interrupted" not in result.stderr
    assert notice not in client.get("/", params={"q": "Victory"}).text
    store = open_store(db)
    assert store.unfinished_work() == []
    assert [store.get_copy(s) for s, _ in store.link_order()] == clean
    store.close()


def test_the_store_reads_no_candidate_too_long_or_short_to_be_a_copy(tmp_path: Path) -> None:
    """A speech's opening and a digest carrying it with another speech share LSH buckets;
    the digest cannot be a copy of the opening (over twice its length), and the store does
    not read it for the opening."""
    from communique.link.archive import StoreIndex, link_statement
    from communique.link.duplicates import comparable
    from communique.link.signing import buckets, signature
    from tests.conftest import add

    corpus = shared_path("corpora", "ungdc_2020_2024.jsonl").read_text(encoding="utf-8")
    lines = [json.loads(line)["text"].split("\n") for line in corpus.splitlines()[:2]]
    store = open_store(str(tmp_path / "a.db"))
    digest = add(
        store, "https://digest.example/1", "Digest", "\n\n".join(lines[0][:4] + lines[1][:9])
    )
    link_statement(store, digest, datetime(2024, 1, 1, tzinfo=UTC), {})
    opening = signature("\n\n".join(lines[0][:4]))
    found = store.link_candidates(buckets(opening.minhash))
    assert [key for key, _, _ in found] == [digest.id]
    assert not comparable(opening.words, np.array([words for _, _, words in found])).any()
    assert StoreIndex(store).candidates(opening)[0] == []
    store.close()


def test_an_edited_copy_is_found_by_its_new_text_only(store_url: str) -> None:
    """A copy whose text is edited leaves the LSH buckets of its old text (found by band
    alone, with no index by copy) and is stored in those of the new, as `relink` stores it."""
    from communique.link.archive import link_statement
    from communique.link.signing import buckets, signature
    from tests.conftest import add

    corpus = shared_path("corpora", "ungdc_2020_2024.jsonl").read_text(encoding="utf-8")
    speeches = [json.loads(line)["text"] for line in corpus.splitlines()[:2]]
    store = open_store(store_url)
    seen = datetime(2024, 1, 1, tzinfo=UTC)
    first = add(store, "https://mfa.example/1", "Speech", speeches[0])
    link_statement(store, first, seen, {})
    edited = add(store, "https://mfa.example/1", "Speech", speeches[1])
    link_statement(store, edited, seen, {})

    def found_by(text: str) -> list[str]:
        return [key for key, _, _ in store.link_candidates(buckets(signature(text).minhash))]

    assert (found_by(speeches[0]), found_by(speeches[1])) == ([], [first.id])
    on_ingest = store.copy_minhash(first.id)
    relink(store)
    assert (found_by(speeches[0]), found_by(speeches[1])) == ([], [first.id])
    assert store.copy_minhash(first.id) == on_ingest
    store.close()


def test_an_edited_copy_leaves_the_fact_buckets_of_its_old_text(store_url: str) -> None:
    """A copy's fact buckets are kept in one row (`fact_keys`) beside their bucket rows: an
    edited copy's old ones are deleted by their exact keys (no index by copy), and the rows
    of linking on ingest, of relink and of the migration from an older archive agree."""
    from communique.link.archive import link_statement
    from communique.link.translations import fact_buckets, facts
    from tests.conftest import add

    store = open_store(store_url)
    seen = datetime(2024, 1, 1, tzinfo=UTC)
    texts = [ENGLISH, FRENCH, ENGLISH.replace("Moscow", "Baku").replace("2020", "2021")]
    urls = ["https://mfa.example/en", "https://mfa.example/fr", "https://mfa.example/en"]
    for url, text, language in zip(urls, texts, ("en", "fr", "en"), strict=True):
        title, body = text.split("\n\n", 1)
        statement = add(store, url, title, body, language=language)
        link_statement(store, store.get_statement(statement.id), seen, {})
    db = store._db()  # type: ignore[attr-defined]

    def rows() -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
        buckets = sorted(
            (bytes(r["bucket"]), r["language"], r["statement_id"])
            for r in db.all("SELECT * FROM fact_buckets")
        )
        keys = sorted(
            (r["statement_id"], r["language"], r["width"], bytes(r["keys"]))
            for r in db.all("SELECT * FROM fact_keys")
        )
        return buckets, keys

    buckets, keys = rows()
    edited = store.get_statement(statement.id)
    assert edited is not None and "2021" in edited.text
    new = set(fact_buckets(facts(edited.text)))
    assert {b for b, _, key in buckets if key == edited.id} == new
    assert len(buckets) == 2 * len(new) and len(keys) == 2
    assert [(key, b"".join(sorted(k for k, _, s in buckets if s == key))) for key, *_ in keys] == [
        (key, joined) for key, _, _, joined in keys
    ]
    relink(store)
    assert rows() == (buckets, keys)
    store, db = migrated_again(
        store,
        store_url,
        "DROP TABLE fact_keys",
        "CREATE INDEX fact_buckets_statement ON fact_buckets(statement_id)",
        "DELETE FROM migrations WHERE name IN ('link-0006-fact-keys', 'pg-0031-link-fact-keys')",
    )
    assert rows() == (buckets, keys)
    indexes = db.all(INDEX_NAMES[store.dialect.name])  # type: ignore[attr-defined]
    assert "fact_buckets_statement" not in {r["name"] for r in indexes}
    store.close()


def test_copies_linked_by_an_older_linker_are_named_until_a_relink(
    tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Links record the linker's version: copies an older linker linked (or one from before
    links had versions) make stats and search say how many, until a relink links them again."""
    from communique.store import link_tables

    paths = write_copies(tmp_path)
    db = store_url
    store = open_store(db)
    settings = Settings(db=str(db), workers=0, enrich=False)
    with monkeypatch.context() as patched:
        patched.setattr(link_tables, "LINK_VERSION", "link-0")
        ingest([str(p) for p in paths[:3]], store, settings)
    ingest([str(paths[3])], store, settings)
    assert store.old_links() == 3 and store.stats().old_links == 3
    store.close()
    runner = CliRunner()
    numbers = warned(
        db, "warning: 3 copies were linked by an older linker; run `communique relink`"
    )
    assert numbers["old_links"] == 3
    client = web_client(db)
    assert client.get("/api/v1/stats").json()["old_links"] == 3
    notice = "3 copies were linked by an older linker"
    assert notice in client.get("/", params={"q": "Victory"}).text
    result = runner.invoke(app, ["relink", "--db", db])
    assert result.exit_code == 0, result.output
    assert "older linker" not in result.stderr
    result = runner.invoke(app, ["stats", "--db", db])
    assert "older linker" not in result.stderr
    assert notice not in client.get("/", params={"q": "Victory"}).text
    store = open_store(db)
    assert store.old_links() == 0
    store.close()


def test_links_from_before_versions_are_older_after_the_migration(tmp_path: Path) -> None:
    """An archive linked before links had versions: its migration leaves their version
    unknown (NULL), which counts as older."""
    import sqlite3

    paths = write_copies(tmp_path)
    db = str(tmp_path / "old.db")
    store = open_store(db)
    ingest([str(p) for p in paths], store, Settings(db=db, workers=0, enrich=False))
    store.close()
    with sqlite3.connect(db) as conn:
        conn.executescript(
            "DROP INDEX link_copies_version; ALTER TABLE link_copies DROP COLUMN link_version;"
            " DELETE FROM migrations WHERE name = 'link-0005-versions';"
        )
    store = open_store(db)
    assert store.old_links() == 4
    relink(store)
    assert store.old_links() == 0
    store.close()


def test_a_batch_is_linked_as_each_statement_in_turn(tmp_path: Path, store_url: str) -> None:
    """Ingest links a batch of statements at once (`store_linked`): the links (copies, their
    kinds and evidence, canonical copies, translations) are those of storing and linking each
    in turn, with copies and translations found among the batch and in the archive, and a
    statement met twice (an edit) linked again on its new text."""
    import re

    from communique.link.archive import link_statement
    from communique.pipeline import store_linked
    from tests.conftest import make_capture, make_statement

    seed = shared_path("seeds", SEED).read_text(encoding="utf-8")
    body = seed.rsplit("\n", 1)[0]
    english = ENGLISH.replace("Moscow", "Baku")
    pages = [  # (url, text, language): the archive's first, then the batch
        ("https://embassy.example/1", seed, "en"),
        ("https://mfa.example/fr", FRENCH, "fr"),
        ("https://mfa.example/1", "Press service\n\n" + body + "\n\nContacts", "en"),
        ("https://again.example/1", seed, "en"),
        ("https://mfa.example/en", ENGLISH, "en"),
        ("https://embassy.example/1", seed.replace("44-day", "45-day"), "en"),
        ("https://mfa.example/de", re.sub(r"\b[a-z]+\b", lambda w: w.group()[::-1], english), "de"),
        ("https://mfa.example/en", english, "en"),
        ("https://other.example/en", ENGLISH, "en"),
    ]
    made = []
    for number, (url, text, language) in enumerate(pages):
        capture = make_capture(url, text.encode(), datetime(2024, 1, 1 + number, tzinfo=UTC))
        title, rest = text.split("\n\n", 1)
        statement = make_statement(
            url, title, tuple(rest.split("\n\n")), capture, language=language
        )
        made.append((statement, capture))

    def linked_store(path: str, batched: bool) -> list[object]:
        store = open_store(path)
        for statement, capture in made:
            store.put_capture(capture, statement.text.encode())
        if batched:
            store_linked(store, made[:2], {})
            store_linked(store, made[2:], {})
        for statement, capture in made if not batched else ():
            store.put_statement(statement, capture)
            link_statement(store, store.get_statement(statement.id), capture.fetched_at, {})
        ids = dict.fromkeys(statement.id for statement, _ in made)
        found = [
            (store.get_copy(key), linked(store, key).canonical, linked(store, key).translations)
            for key in ids
        ]
        store.close()
        return found

    batched = linked_store(store_url, batched=True)
    assert batched == linked_store(str(tmp_path / "in-turn.db"), batched=False)
    kinds = sorted(str(link.kind) for link, _, _ in batched)  # type: ignore[attr-defined]
    assert kinds == ["exact", "exact", "first", "first", "first", "first", "republication"]
    german = batched[5][2]  # found in the batch (English) and in the archive (French)
    assert sorted(str(t.language) for t in german) == ["en", "fr"]  # type: ignore[attr-defined]


def test_a_relink_removes_the_words_a_killed_one_staged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A relink killed with SIGKILL leaves its staging folder (gigabytes at 1M); the next
    relink of that archive removes it, and leaves another archive's alone."""
    from communique.link import archive

    db = tmp_path / "a.db"
    db.write_bytes(b"")
    left = tmp_path / ".a.db.relink-words-k1ll3d"
    left.mkdir()
    (left / "0.words").write_bytes(b"\0" * 64)
    other = tmp_path / ".b.db.relink-words-k1ll3d"
    other.mkdir()
    with archive._staging(str(db)) as folder:
        assert folder is not None and Path(folder).parent == tmp_path
        assert not left.exists()
    assert not Path(folder).exists() and other.exists()

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    url = "postgresql://communique@127.0.0.1/archive"
    with archive._staging(url) as first:
        pass
    Path(first).mkdir()  # as a killed relink leaves it
    with archive._staging(url) as second:
        assert second is not None and Path(second).name.startswith("communique-relink-words-")
        assert not Path(first).exists()


@pytest.mark.parametrize("enabled", [True, False])
def test_a_batch_links_with_the_collector_off_and_leaves_it_as_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, enabled: bool
) -> None:
    """Python's garbage collector is off while a batch of new copies is linked, and as it was
    before once the batch is linked."""
    import gc

    from communique.link import archive
    from tests.conftest import make_capture, make_statement

    seen: list[bool] = []
    find_copy = archive.find_copy

    def spied(*args: Any) -> Any:
        seen.append(gc.isenabled())
        return find_copy(*args)

    monkeypatch.setattr(archive, "find_copy", spied)
    store = open_store(str(tmp_path / "a.db"))
    items = []
    for number in range(2):
        url = f"https://mfa.example/{number}"
        capture = make_capture(url, b"text", datetime(2024, 1, 1 + number, tzinfo=UTC))
        statement = make_statement(url, "Title", (f"Statement number {number} today.",), capture)
        store.put_capture(capture, b"text")
        store.put_statement(statement, capture)
        items.append((store.get_statement(statement.id), capture.fetched_at))
    (gc.enable if enabled else gc.disable)()
    try:
        archive.link_statements(store, items, {})
        assert (seen, gc.isenabled()) == ([False, False], enabled)
    finally:
        gc.enable()
        store.close()
