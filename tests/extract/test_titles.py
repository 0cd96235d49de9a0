"""Titles: site names told from headlines by what they are, in several scripts."""

from __future__ import annotations

import warnings

import pytest

from communique.extract import extract
from communique.extract.titles import SiteEvidence, spells_host, split_title, strip_site_name
from tests.extract.conftest import raw
from tests.extract.sitepages import Page, pages, split

FLOOR = 0.95


@pytest.mark.parametrize(
    ("title", "evidence", "core"),
    [
        (
            "Statement on the ceasefire — Ministry of Foreign Affairs of the Republic of Norland",
            SiteEvidence(host="mfa.norland.example"),
            "Statement on the ceasefire",
        ),
        ("外交部发言人答记者问_中华人民共和国外交部", SiteEvidence(), "外交部发言人答记者问"),
        ("王毅：中方愿推动政治解决危机｜中国政府网", SiteEvidence(),
         "王毅：中方愿推动政治解决危机"),
        ("日・ASEAN外相会議の開催｜外務省", SiteEvidence(), "日・ASEAN外相会議の開催"),
        ("وزارة الخارجية - بيان بشأن الأوضاع في السودان", SiteEvidence(),
         "بيان بشأن الأوضاع في السودان"),
        (
            "Заявление МИД России о резолюции СБ ООН - Министерство иностранных дел Российской"
            " Федерации",
            SiteEvidence(names=("Министерство иностранных дел Российской Федерации",)),
            "Заявление МИД России о резолюции СБ ООН",
        ),
        ("Venezuela: Parliament calls for sanctions | News | European Parliament",
         SiteEvidence(names=("European Parliament",), labels=frozenset({"news"})),
         "Venezuela: Parliament calls for sanctions"),
        ("GOV.UK: Foreign Secretary statement on the talks", SiteEvidence(host="www.gov.uk"),
         "Foreign Secretary statement on the talks"),
        ("Venezuela: Parliament calls for sanctions", SiteEvidence(),
         "Venezuela: Parliament calls for sanctions"),
        ("EU-UK relations: contingency measures adopted", SiteEvidence(),
         "EU-UK relations: contingency measures adopted"),
        ("Talks resume — The Northern Lights Review of World Affairs", SiteEvidence(),
         "Talks resume — The Northern Lights Review of World Affairs"),
        ("Press | Talks resume in Geneva after a long pause", SiteEvidence(),
         "Press | Talks resume in Geneva after a long pause"),
    ],
)  # fmt: skip
def test_site_name_stripped(title: str, evidence: SiteEvidence, core: str) -> None:
    assert strip_site_name(title, evidence)[0] == core


def test_colon_in_a_headline_is_not_a_site_separator() -> None:
    assert split_title("王毅：中方立场_外交部") == [
        ("王毅", False),
        ("中方立场", False),
        ("外交部", True),
    ]


@pytest.mark.parametrize(
    ("segment", "host", "expected"),
    [
        ("Ministry of Foreign Affairs of Japan", "www.mofa.go.jp", True),
        ("Auswärtiges Amt", "www.auswaertiges-amt.de", True),
        ("France Diplomatie", "www.diplomatie.gouv.fr", True),
        ("gov.cn", "www.gov.cn", True),
        ("Statement on the ceasefire", "www.mofa.go.jp", False),
        ("Talks with Japan", "www.mfa.gov.by", False),
    ],
)
def test_host_spelled_out(segment: str, host: str, expected: bool) -> None:
    assert spells_host(segment, host) is expected


def _score(found: list[Page]) -> tuple[float, float, float]:
    titles = dates = languages = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for page in found:
            result = extract(raw(page.html, "text/html", url=page.url))
            titles += result.title == page.title
            dates += result.published == page.date
            languages += result.language == page.language
    n = len(found)
    return titles / n, dates / n, languages / n


@pytest.mark.parametrize("half", ["dev", "held-out", "late"])
def test_generated_pages(half: str) -> None:
    dev, held_out, late = split(pages())
    title, day, language = _score({"dev": dev, "held-out": held_out, "late": late}[half])
    assert title >= FLOOR
    assert day >= FLOOR
    assert language >= FLOOR
