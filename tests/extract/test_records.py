"""Structured records: UN General Debate speeches and kremlin.ru items."""

from __future__ import annotations

import json
from datetime import date

import pytest

from communique.errors import ExtractionError, InputError
from communique.extract import extract
from communique.model import RECORD_CONTENT_TYPE, DatePrecision, DocType
from tests.extract.conftest import raw, shared


def _line(name: str, index: int) -> bytes:
    return shared("corpora", name).read_bytes().splitlines()[index]


def test_ungdc_speech() -> None:
    line = _line("ungdc_2020_2024.jsonl", 0)
    record = json.loads(line)
    result = extract(raw(line, RECORD_CONTENT_TYPE, url="ungdc:AFG-75"))
    assert record["country_iso3"] == "AFG"
    assert result.title == "Afghanistan at the UN General Debate, 75th session (2020)"
    assert result.country == "AF"
    assert result.issuer == "Government of Afghanistan"
    assert result.doc_type == DocType.SPEECH
    assert result.published == date(2020, 1, 1)
    assert result.published_precision == DatePrecision.YEAR
    assert result.language == "en"
    assert result.paragraphs[0] == "Bismillah Rahman-ur-Rahim"
    assert len(result.paragraphs) == len([p for p in record["text"].split("\n") if p.strip()])


def test_kremlin_item_chrome_stripped_at_both_ends() -> None:
    line = _line("kremlin_ru_2025_sample.jsonl", 0)
    record = json.loads(line)
    assert record["text_raw"].startswith("События ")
    assert record["text_raw"].endswith("Текстовая версия")
    result = extract(raw(line, RECORD_CONTENT_TYPE))
    assert result.title == "Российско-китайские переговоры"
    assert result.published == date(2025, 5, 8)
    assert result.published_source == "record"
    assert result.issuer == "President of Russia"
    assert result.country == "RU"
    assert result.language == "ru"
    assert result.url == "http://kremlin.ru/events/president/news/76870"
    text = result.text
    assert not text.startswith("События")
    assert "10:10 Москва, Кремль" not in text
    assert text.startswith("В Кремле началась беседа")
    assert "Председатель КНР прибыл с официальным визитом" in text
    for chrome in (
        "География",
        "Статус материала",
        "Дата публикации",
        "kremlin.ru/d/",
        "Текстовая версия",
    ):
        assert chrome not in text
    assert text.endswith("межведомственных документов.")


def test_kremlin_sample_never_keeps_tail_chrome() -> None:
    lines = shared("corpora", "kremlin_ru_2025_sample.jsonl").read_bytes().splitlines()
    for line in lines:
        result = extract(raw(line, RECORD_CONTENT_TYPE))
        assert "Текстовая версия" not in result.text
        assert "Дата публикации" not in result.text
        assert not result.text.startswith("События")


def test_record_without_text_names_fields() -> None:
    with pytest.raises(ExtractionError, match="text"):
        extract(raw(b'{"title": "x", "url": "https://a.example/1"}', RECORD_CONTENT_TYPE))


def test_record_bad_json() -> None:
    with pytest.raises(InputError, match="not valid JSON"):
        extract(raw(b'{"title": ', RECORD_CONTENT_TYPE))
