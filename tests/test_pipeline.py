"""End to end through the CLI: ingest, extract, search, show, export, reprocess, bad inputs."""

from __future__ import annotations

import gzip
import json
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from communique.cli import app
from tests.conftest import shared_path
from tests.extract.pdfs import Line, write_pdf

SEED_TITLE = (
    "Statement of the Ministry of Foreign Affairs of the Republic of Azerbaijan "
    "on the occasion of 8 November – Victory Day"
)
runner = CliRunner()


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture
def seed_db(tmp_path: Path) -> Path:
    db = tmp_path / "archive.db"
    seed = shared_path("seeds")
    code, _, stderr = cli("ingest", str(seed), "--db", str(db))
    assert code == 0, stderr
    return db


def test_seed_ingests_clean_and_is_found(seed_db: Path) -> None:
    code, out, _ = cli("search", "Shusha", "--db", str(seed_db), "--json")
    assert code == 0
    (hit,) = json_lines(out)
    assert hit["title"] == SEED_TITLE
    assert hit["language"] == "en"
    assert {"id", "title", "published", "issuer", "country", "language", "url", "snippet"} <= set(
        hit
    )
    assert "<mark>Shusha</mark>" in str(hit["snippet"])
    code, out, _ = cli("show", str(hit["id"]), "--db", str(seed_db), "--json")
    statement = json.loads(out)
    assert "Szukaj w archiwum" not in statement["text"]
    assert statement["text"].rstrip().endswith("Happy Victory Day!")
    assert len(statement["captures"]) == 1


def test_same_bytes_twice_is_a_no_op(seed_db: Path) -> None:
    code, _, stderr = cli("ingest", str(shared_path("seeds")), "--db", str(seed_db))
    assert code == 0 and "0 new captures, 1 unchanged" in stderr
    code, out, _ = cli("stats", "--db", str(seed_db), "--json")
    numbers = json.loads(out)
    assert numbers["statements"] == 1 and numbers["captures"] == 1


def test_extract_prints_one_line_per_input_in_order_and_stores_nothing(tmp_path: Path) -> None:
    pages = shared_path("pages")
    inputs = [
        pages / "014_eu-ep_pressrelease-venezuela-sanctions.html",
        shared_path("seeds"),
        pages / "006_by-mfa_listing-statements.html",
        tmp_path / "missing.html",
    ]
    code, out, _ = cli("extract", *map(str, inputs), "--json")
    assert code == 0
    lines = json_lines(out)
    assert len(lines) == 4
    assert lines[0]["title"] == "Venezuela: European Parliament calls for additional sanctions"
    assert lines[1]["title"] == SEED_TITLE
    assert lines[2]["is_listing"] is True
    assert lines[3]["error"] == "no such file or folder"
    for line in lines[:3]:
        assert {
            "title",
            "published",
            "issuer",
            "country",
            "language",
            "doc_type",
            "is_listing",
            "text",
        } <= set(line)
    assert not list(tmp_path.glob("*.db"))


def test_new_bytes_at_same_url_become_a_version(tmp_path: Path) -> None:
    db = tmp_path / "v.db"
    page = tmp_path / "statement.txt"
    page.write_text("Statement on peace\n\nWe call for peace in the region.\n")
    cli("ingest", str(page), "--db", str(db))
    page.write_text("Statement on peace\n\nWe call for lasting peace in the region.\n")
    _code, _, stderr = cli("ingest", str(page), "--db", str(db))
    assert "1 new capture," in stderr
    (hit,) = json_lines(cli("search", "peace", "--db", str(db), "--json")[1])
    shown = json.loads(cli("show", str(hit["id"]), "--db", str(db), "--json")[1])
    assert "lasting peace" in shown["text"]
    assert len(shown["captures"]) == 2


def test_reprocess_rebuilds_statements_from_captures(seed_db: Path) -> None:
    before = json_lines(cli("export", "--db", str(seed_db))[1])
    conn = sqlite3.connect(seed_db)
    conn.execute("UPDATE statement_texts SET title = 'damaged', text = 'damaged'")
    conn.commit()
    code, _, stderr = cli("reprocess", "--db", str(seed_db))
    assert code == 0, stderr
    after = json_lines(cli("export", "--db", str(seed_db))[1])
    assert after == before


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_export_streams_every_match(seed_db: Path, tmp_path: Path, fmt: str) -> None:
    text = tmp_path / "more"
    text.mkdir()
    for i in range(30):
        (text / f"{i}.txt").write_text(f"Comment {i}\n\nVictory and peace, item {i}.\n")
    cli("ingest", str(text), "--db", str(seed_db))
    out = tmp_path / f"export.{fmt}"
    code, _, stderr = cli(
        "export", "victory", "--format", fmt, "-o", str(out), "--db", str(seed_db)
    )
    assert code == 0 and "exported 31 statements" in stderr
    if fmt == "parquet":
        table = pq.read_table(out)
        assert table.num_rows == 31 and SEED_TITLE in table.column("title").to_pylist()
    elif fmt == "csv":
        assert out.read_text().count("Victory and peace") == 30
    else:
        assert len(json_lines(out.read_text())) == 31


def test_malformed_query_is_one_line_not_a_traceback(seed_db: Path) -> None:
    code, out, stderr = cli("search", '"unclosed', "--db", str(seed_db))
    assert code == 1
    assert "unclosed quote" in stderr and "Traceback" not in stderr + out


BAD_INPUTS = {
    "junk.html": (bytes(range(256)) * 64, "not HTML"),
    "empty.txt": (b"", "empty"),
    "cut.jsonl.gz": (gzip.compress(b'{"text": "a statement"}\n' * 5000)[:300], "ends early"),
    "scan.pdf": (write_pdf([[]]), "no text layer"),
    "cut.pdf": (write_pdf([[Line(72, 760, "We call for peace.")]])[:-60], "not a readable PDF"),
}


def test_bad_inputs_get_clear_errors_and_lose_nothing(seed_db: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    for name, (data, _) in BAD_INPUTS.items():
        (bad / name).write_bytes(data)
    with (bad / "huge.html").open("wb") as handle:
        handle.write(b"<html><body><p>" + b"word " * 10_000_000 + b"</p></body></html>")
    (bad / "latin1.html").write_bytes(
        "<html><body><h1>Déclaration</h1><p>Le ministère des Affaires étrangères salue "
        "l'accord signé à Genève et appelle à la paix.</p></body></html>".encode("latin-1")
    )
    code, _, stderr = cli("ingest", str(bad), "--db", str(seed_db))
    assert code == 3, stderr  # some inputs failed
    errors = json_lines(cli("errors", "--db", str(seed_db), "--json")[1])
    by_file = {Path(e["origin"].split(":")[0].split("#")[0]).name: e["reason"] for e in errors}  # type: ignore[union-attr]
    for name, (_, reason) in BAD_INPUTS.items():
        assert reason in str(by_file[name]), (name, by_file.get(name))
    assert "over the 20 MB limit" in str(by_file["huge.html"])
    assert "latin1.html" not in by_file
    (hit,) = json_lines(cli("search", "Shusha", "--db", str(seed_db), "--json")[1])
    assert hit["title"] == SEED_TITLE
    french = json_lines(cli("search", "Genève", "--db", str(seed_db), "--json")[1])
    assert french and french[0]["language"] == "fr"
    assert sqlite3.connect(seed_db).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.fixture
def web_root(tmp_path: Path) -> Iterator[str]:
    root = tmp_path / "site"
    root.mkdir()
    shutil.copy(shared_path("seeds", "000_ac6ea3ae84a41b15.txt"), root / "statement.txt")
    (root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    handler = partial(SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a: None  # type: ignore[assignment,method-assign]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_urls_are_fetched_from_a_real_local_server(web_root: str, tmp_path: Path) -> None:
    db = tmp_path / "url.db"
    code, _, stderr = cli("ingest", f"{web_root}/statement.txt", "--db", str(db))
    assert "127.0.0.1 is a private, loopback" in stderr  # refused without --allow-private
    assert code == 1  # every input failed
    code, _, stderr = cli(
        "ingest",
        f"{web_root}/statement.txt",
        f"{web_root}/logo.png",
        f"{web_root}/gone.html",
        "--allow-private",
        "--db",
        str(db),
    )
    assert code == 3, stderr  # some inputs failed
    (hit,) = json_lines(cli("search", "Shusha", "--db", str(db), "--json")[1])
    assert hit["url"] == f"{web_root}/statement.txt"
    reasons = [e["reason"] for e in json_lines(cli("errors", "--db", str(db), "--json")[1])]
    assert any("content type image/png is not one communique reads" in str(r) for r in reasons)
    assert any("HTTP 404" in str(r) for r in reasons)
    code, _, stderr = cli(
        "ingest", f"{web_root}/statement.txt", "--max-bytes", "1000", "--allow-private",
        "--db", str(db),
    )  # fmt: skip
    assert "over the 1000 byte limit" in stderr


def test_a_malformed_url_fails_alone(tmp_path: Path) -> None:
    """One input URL that httpx cannot parse fails with one line; the other inputs are stored."""
    page = tmp_path / "statement.txt"
    page.write_text("Statement on Shusha\nThe Ministry welcomes the agreement on Shusha.\n")
    db = tmp_path / "bad-url.db"
    code, _, stderr = cli("ingest", str(page), "http://0177.0.0.1/x", "--db", str(db))
    assert code == 3, stderr  # some inputs failed
    assert "Traceback" not in stderr
    assert "http://0177.0.0.1/x" in stderr
    assert len(json_lines(cli("search", "Shusha", "--db", str(db), "--json")[1])) == 1


def test_enrich_prints_one_json_object_per_input_without_storing(tmp_path: Path) -> None:
    seed = shared_path("seeds", "000_ac6ea3ae84a41b15.txt")
    missing = tmp_path / "missing.html"
    code, out, _ = cli("enrich", str(seed), str(missing), "--date", "2023-11-08", "--json")
    assert code == 0
    record, failure = json_lines(out)
    for key in ("entities", "countries", "places", "times", "events", "references"):
        assert key in record
    text = seed.read_text(encoding="utf-8").split("\n", 1)[1].strip()
    places = record["places"]
    assert isinstance(places, list) and places
    for place in places:
        assert text[place["start"] : place["end"]] in (place["name"], place["mention"])
        assert {"lat", "lon", "geonames_id", "country"} <= set(place)
    assert {"AZ", "AM", "RU"} <= set(record["countries"])  # type: ignore[arg-type]
    dated = {(e["date"], e["date_end"]) for e in record["events"]}  # type: ignore[union-attr,index]
    assert ("2023-09-19", "2023-09-20") in dated
    assert "error" in failure
    assert not (tmp_path / "communique.db").exists()


def test_bad_enrich_date_is_a_one_line_error() -> None:
    seed = shared_path("seeds", "000_ac6ea3ae84a41b15.txt")
    code, _, stderr = cli("enrich", str(seed), "--date", "8 Nov 2023")
    assert code != 0 and "--date" in stderr and "Traceback" not in stderr


def test_ingested_seed_is_found_by_enrichment_filters(seed_db: Path) -> None:
    for query in ("mentions:AM", 'place:"Shusha"', "place:Gubadli", "near:39.76,46.75,25"):
        code, out, _ = cli("search", query, "--db", str(seed_db), "--json")
        assert code == 0 and len(json_lines(out)) == 1, query
    code, out, _ = cli("search", "near:48.85,2.35,50", "--db", str(seed_db), "--json")
    assert json_lines(out) == []


def test_replaced_bytes_are_a_warning_on_the_stored_statement(tmp_path: Path) -> None:
    from communique.pipeline import ingest
    from communique.settings import Settings
    from communique.store.sqlite import SqliteStore

    page = tmp_path / "susa.html"
    page.write_bytes(
        "<html><head><meta charset='utf-8'><title>Şuşa bəyanatı</title></head><body>"
        "<h1>Şuşa bəyanatı</h1><p>\udcffAzərbaycan Respublikası Xarici İşlər Nazirliyi Şuşa"
        " şəhərinin ildönümü münasibətilə bəyanat yayır və tərəfləri sülhə çağırır.</p>"
        "</body></html>".encode(errors="surrogateescape")
    )
    store = SqliteStore(tmp_path / "w.db")
    settings = Settings(db=str(tmp_path / "w.db"), workers=1, enrich=False)
    report = ingest([str(page)], store, settings)
    (statement_id,) = store.statements_at_url(page.resolve().as_uri())
    statement = store.get_statement(statement_id)
    assert report.statements == 1 and "Şuşa" in statement.title
    assert statement.warnings == ("1 invalid UTF-8 byte sequences replaced by U+FFFD",)


def test_reprocess_stale_redoes_only_what_an_older_version_made(tmp_path: Path) -> None:
    from communique.pipeline import ingest, reprocess
    from communique.query import parse_query
    from communique.settings import Settings
    from communique.store.sqlite import SqliteStore

    for name, body in (("a", "Talks in Geneva"), ("b", "Talks in Vienna")):
        (tmp_path / f"{name}.txt").write_text(f"{body}\nThe ministers met in {body[9:]}.\n")
    store = SqliteStore(tmp_path / "stale.db")
    plain = Settings(db=str(tmp_path / "stale.db"), enrich=False, workers=1)
    assert ingest([str(tmp_path / "a.txt")], store, plain).statements == 1
    enriched = Settings(db=plain.db, time_tagger="rules", workers=1)
    assert ingest([str(tmp_path / "b.txt")], store, enriched).statements == 1
    first = reprocess(store, enriched, stale=True)
    assert (first.redone, first.unchanged, first.statements) == (1, 1, 1)
    statements = list(store.iter_matches(parse_query("")))
    places = {p.name for s in statements for p in store.get_enrichment(s.id).places}
    assert places == {"Geneva", "Vienna"}
    again = reprocess(store, enriched, stale=True)
    assert (again.redone, again.unchanged) == (0, 2)
    store.close()
