"""Stages in worker processes store what the main process would, in input order."""

from __future__ import annotations

import gc
import json
import os
import pickle
import signal
import sys
from concurrent.futures import wait
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from communique import pipeline
from communique.collect.files import read_file
from communique.enrich import nlp
from communique.errors import PdfStub
from communique.link.archive import relink
from communique.model import RECORD_CONTENT_TYPE, Enrichment, IngestReport, RawInput
from communique.pipeline import (
    Document,
    ExtractStage,
    Pipeline,
    ingest,
    reprocess,
    worker_pool,
)
from communique.settings import Settings
from communique.store.sqlite import SqliteStore
from communique.workers import _portable
from tests.conftest import shared_path
from tests.enrich.test_parse import long_statement


def enrichments(store: SqliteStore) -> dict[str, Enrichment]:
    """Every stored statement's enrichment, by statement id."""
    ids = {i for c in store.iter_captures() for i in store.statements_at_url(c.url)}
    return {i: store.get_enrichment(i) for i in ids}


def targets() -> list[str]:
    return [str(shared_path("seeds")), str(shared_path("pages"))]


Serial = tuple[IngestReport, dict[str, Enrichment]]


@pytest.fixture(scope="module")
def one_worker(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[IngestReport, dict[str, Enrichment]]:
    """Ingest in the main process: the report and the enrichments stored."""
    settings = Settings(db=str(tmp_path_factory.mktemp("one") / "one.db"), workers=1)
    store = SqliteStore(settings.db)
    report = ingest(targets(), store, settings)
    found = enrichments(store)
    store.close()
    return report, found


def test_two_workers_store_the_same_enrichment_as_one(one_worker: Serial, tmp_path: Path) -> None:
    serial_report, serial = one_worker
    store = SqliteStore(tmp_path / "two.db")
    report = ingest(targets(), store, Settings(db=str(tmp_path / "two.db"), workers=2))
    assert report.statements == serial_report.statements > 20
    assert [f.origin for f in report.failures] == [f.origin for f in serial_report.failures]
    assert enrichments(store) == serial
    assert any(e.places for e in serial.values()) and any(e.times for e in serial.values())


def test_a_dead_worker_fails_its_inputs_by_name_and_loses_nothing(tmp_path: Path) -> None:
    pages = sorted(str(p) for p in shared_path("pages").glob("*.html"))[:12]
    inputs = [str(shared_path("seeds")), *pages]
    serial = Settings(db=str(tmp_path / "one.db"), workers=1, time_tagger="rules")
    reference = SqliteStore(serial.db)
    expected = ingest(inputs, reference, serial).statements
    reprocess(reference, serial)  # a reprocess knows all pages of a site when it drops chrome
    settings = replace(serial, db=str(tmp_path / "two.db"), workers=2)
    store = SqliteStore(settings.db)

    def kill_a_worker(done: int, total: int, item: str) -> None:
        if done == 4:
            os.kill(worker_pool(settings).pids()[0], signal.SIGKILL)

    report = ingest(inputs, store, settings, kill_a_worker)
    died = [f for f in report.failures if "worker process died" in f.reason]
    assert died, "the worker was killed while statements were waiting for it"
    files = {*pages, *(str(p) for p in shared_path("seeds").iterdir())}
    assert all(f.origin in files for f in died)
    assert store.stored_captures([f.capture_id for f in died]) == {f.capture_id for f in died}
    # an input that died may have been a listing page, which makes no statement
    assert report.statements <= expected <= report.statements + len(died)
    assert reprocess(store, settings).statements == expected
    assert enrichments(store) == enrichments(reference)


def test_the_pieces_of_a_long_statement_are_parsed_side_by_side(tmp_path: Path) -> None:
    text = long_statement(120)
    (tmp_path / "long.txt").write_text(text, encoding="utf-8")
    settings = Settings(db=str(tmp_path / "two.db"), workers=2)
    item = next(iter(read_file(tmp_path / "long.txt", settings)))
    assert isinstance(item, RawInput)
    run = Pipeline.from_settings(settings, SqliteStore(settings.db)).start(item, None)
    at_once = []
    while not run.finished:
        run.advance(sys.maxsize)
        at_once.append(len(run.running))
        wait(run.running)
    assert max(at_once) == len(nlp.pieces(text)) >= 3
    serial = Pipeline.from_settings(replace(settings, workers=1)).run_document(item, None)
    assert run.doc.enrichment == serial.enrichment
    assert run.doc.enrichment is not None and len(run.doc.enrichment.places) > 300


class Unpicklable(Exception):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def test_an_error_that_cannot_travel_back_is_told_in_plain_words() -> None:
    error = _portable(Unpicklable("parser state lost", 3))
    assert isinstance(error, RuntimeError)
    assert str(error) == "Unpicklable: parser state lost"
    stub = PdfStub("page body is only a link to a PDF", "https://a.example/s.pdf")
    assert _portable(stub) is stub


def _records(path: Path) -> Path:
    """A JSONL file of UN General Debate speeches, twice over, with a record that has no text
    among them (its extraction fails in a worker)."""
    lines = shared_path("corpora", "ungdc_2020_2024.jsonl").read_text().splitlines()[:30]
    copies = [
        json.dumps({**json.loads(line), "url": f"https://copy.example/{n}"})
        for n, line in enumerate(lines[:10])
    ]
    records = [*lines[:13], json.dumps({"url": "https://x.example/empty", "title": "No text"})]
    path.write_text("\n".join([*records, *lines[13:], *copies]) + "\n", encoding="utf-8")
    return path


def _statements(store: SqliteStore) -> dict[str, tuple[str, str | None]]:
    ids = {i for c in store.iter_captures() for i in store.statements_at_url(c.url)}
    return {i: (store.get_statement(i).text, store.get_statement(i).language) for i in ids}


def test_documents_sent_in_chunks_store_what_one_process_stores(tmp_path: Path) -> None:
    corpus = _records(tmp_path / "records.jsonl")
    stored = {}
    for workers in (1, 2):
        settings = Settings(db=str(tmp_path / f"{workers}.db"), workers=workers, enrich=False)
        store = SqliteStore(settings.db)
        report = ingest([str(corpus)], store, settings)
        assert report.statements == 40
        assert [f.origin for f in report.failures] == [f"{corpus}:14"]
        stored[workers] = _statements(store)
        store.close()
    assert stored[1] == stored[2]


def test_workers_dead_in_a_bulk_load_fail_their_task_and_a_rerun_repairs_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Documents sent a whole task at a time: workers that die with the first task out fail
    the documents out by name; their captures are kept, and a rerun gives what a clean load
    gives."""
    monkeypatch.setattr(pipeline, "CHUNK", 16)
    lines = shared_path("corpora", "ungdc_2020_2024.jsonl").read_text().splitlines()[:40]
    folder = tmp_path / "records"
    folder.mkdir()
    for n in range(4):
        (folder / f"{n}.jsonl").write_text("\n".join(lines[n * 10 : n * 10 + 10]) + "\n")
    clean = Settings(db=str(tmp_path / "clean.db"), workers=1, enrich=False)
    reference = SqliteStore(clean.db)
    assert ingest([str(folder)], reference, clean).statements == 40
    settings = replace(clean, db=str(tmp_path / "two.db"), workers=2)
    pool = worker_pool(settings)
    pool.warm_up()
    pids = pool.pids()

    def stop_then_kill(done: int, total: int, item: str) -> None:
        if done == 0:  # the first task waits in the workers until one of them dies
            for pid in pids:
                os.kill(pid, signal.SIGSTOP)
        elif done == 3:  # stopped, neither can answer before the pool sees them die
            for pid in pids:
                os.kill(pid, signal.SIGKILL)

    store = SqliteStore(settings.db)
    report = ingest([str(folder)], store, settings, stop_then_kill)
    died = [f for f in report.failures if "worker process died during extract" in f.reason]
    origins = [f"{folder / f'{n // 10}.jsonl'}:{n % 10 + 1}" for n in range(40)]
    # the first task's documents, and those sent before the pool saw the worker die
    assert len(died) >= 16 and [f.origin for f in died] == origins[: len(died)]
    assert report.statements == 40 - len(died)
    assert store.stored_captures([f.capture_id for f in died]) == {f.capture_id for f in died}
    assert ingest([str(folder)], store, settings).statements == len(died)
    assert _statements(store) == _statements(reference)


def test_a_run_eases_the_garbage_collector_and_leaves_it_as_it_was(tmp_path: Path) -> None:
    """While an ingest or a reprocess runs, the objects alive before it stay out of the
    collector's passes and young passes are rarer; afterwards the collector is as it was (a
    process frozen already stays so)."""
    settled, threshold = gc.get_freeze_count(), gc.get_threshold()
    gc.unfreeze()
    try:
        corpus = _records(tmp_path / "records.jsonl")
        settings = Settings(db=str(tmp_path / "a.db"), workers=1, enrich=False)
        store = SqliteStore(settings.db)
        seen: list[tuple[int, int]] = []

        def look(done: int, total: int, label: str) -> None:
            seen.append((gc.get_freeze_count(), gc.get_threshold()[0]))

        assert ingest([str(corpus)], store, settings, look).statements == 40
        assert seen and all(f > 10_000 and t == pipeline.YOUNG_OBJECTS for f, t in seen)
        assert gc.get_freeze_count() == 0 and gc.get_threshold() == threshold
        gc.freeze()  # as a server settles
        before, seen[:] = gc.get_freeze_count(), []
        assert reprocess(store, settings, look).statements == 40
        seen.append((gc.get_freeze_count(), 0))  # frozen objects may be freed, none added
        assert all(before - 1_000 < count <= before for count, _ in seen)
        store.close()
    finally:
        gc.unfreeze()
        if settled:
            gc.freeze()


def test_a_load_without_linking_is_linked_by_relink(tmp_path: Path) -> None:
    corpus = _records(tmp_path / "records.jsonl")
    settings = Settings(db=str(tmp_path / "a.db"), workers=1, enrich=False, link=False)
    store = SqliteStore(settings.db)
    ingest([str(corpus)], store, settings)
    copy = store.statements_at_url("https://copy.example/3")[0]
    original = store.statements_at_url(f"{corpus.resolve().as_uri()}#L4")[0]
    assert store.get_copy(copy) is None
    assert relink(store) == (40, 30)
    one, two = store.get_copy(copy), store.get_copy(original)
    assert one is not None and two is not None and one.group_id == two.group_id


def test_an_evolved_document_is_the_replaced_one_and_travels_alike() -> None:
    """`Document.evolve` (the fast `replace` the stages use) makes the same document, which
    pickles to the same bytes; a field it does not have is refused."""
    body = b'{"url": "https://mfa.example/1", "text": "We met in Geneva and agreed on a plan."}'
    raw = RawInput("https://mfa.example/1", body, RECORD_CONTENT_TYPE, "a.jsonl", datetime.now(UTC))
    doc = Document(raw, None)
    extraction = ExtractStage().process(doc).extraction
    assert extraction is not None
    for changes in ({"fresh": True}, {"extraction": extraction, "line_keys": None}):
        evolved = doc.evolve(**changes)
        assert evolved == replace(doc, **changes)
        assert pickle.dumps(evolved) == pickle.dumps(replace(doc, **changes))
    assert doc.fresh is False and doc.extraction is None
    with pytest.raises(TypeError, match="extracted"):
        doc.evolve(extracted=None)
