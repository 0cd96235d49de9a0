"""HTML pages too short for trafilatura's own minimum keep their paragraphs, in every script."""

from __future__ import annotations

from datetime import date

import pytest

from communique.extract import extract
from tests.extract.conftest import raw

NAV = '<div class="nav"><a href="/">{home}</a> <a href="/news">{news}</a></div>'


def page(
    lang: str, title: str, nav: tuple[str, str], dateline: str, paragraphs: list[str]
) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<html lang="{lang}"><head><title>{title}</title></head><body>'
        f"{NAV.format(home=nav[0], news=nav[1])}<h1>{title}</h1><p>{dateline}</p>{body}"
        "</body></html>"
    ).encode()


SHORT_PAGES = [
    (
        "zh",
        "外交部发言人就日本问题答记者问",
        ("首页", "新闻"),
        "2024年3月5日",
        [
            "问：据报道，日本政府宣布了新的措施。中方对此有何评论？",
            "答：我们注意到有关报道。中方敦促日方慎重行事。",
        ],
    ),
    (
        "ja",
        "外務大臣談話",
        ("ホーム", "報道発表"),
        "令和6年3月5日",
        ["本日、日本政府は新たな措置を決定しました。", "関係国と緊密に連携してまいります。"],
    ),
    (
        "ko",
        "외교부 대변인 논평",
        ("홈", "보도자료"),
        "2024년 3월 5일",
        ["정부는 오늘 발표를 환영합니다.", "평화를 위해 관련국과 긴밀히 협력하겠습니다."],
    ),
    (
        "en",
        "Statement on the ceasefire",
        ("Home", "News"),
        "5 March 2024",
        ["The Ministry welcomes the ceasefire agreed today.", "We call on all sides to keep it."],
    ),
]


@pytest.mark.parametrize(
    ("lang", "title", "nav", "dateline", "paragraphs"), SHORT_PAGES, ids=[p[0] for p in SHORT_PAGES]
)
def test_short_page_keeps_its_paragraphs_without_the_menu(
    lang: str, title: str, nav: tuple[str, str], dateline: str, paragraphs: list[str]
) -> None:
    html = page(lang, title, nav, dateline, paragraphs)
    found = extract(raw(html, "text/html; charset=utf-8", f"https://example.org/{lang}/1.html"))
    assert found.title == title
    assert found.published == date(2024, 3, 5)
    assert found.language == lang
    assert list(found.paragraphs) == paragraphs


def test_short_page_drops_what_stands_around_its_sentences() -> None:
    """Headline, a date line with a byline and the site's address are not the statement."""
    menu = "".join(f'<li><a href="/s{i}">Secretaria {i}</a></li>' for i in range(5))
    body = (
        '<html lang="pt"><head><title>Atendimento registra arrombamento</title></head><body>'
        f"<ul>{menu}</ul><div><div>Categorias</div>"
        "<div><h2>Atendimento registra arrombamento</h2></div>"
        "<div>05/10/2018 - Publicado por: Clarissa Borba - Categoria: Saúde</div>"
        "<div><p>A equipe registrou o arrombamento de dois carros.</p>"
        "<p>A polícia foi ao local.</p></div>"
        "<div>Jaraguá do Sul - SC - Rua Walter Marquardt, 1111 - Fone: (047) 2106-8000</div></div>"
        "</body></html>"
    ).encode()
    found = extract(raw(body, "text/html; charset=utf-8", "https://example.org/pt/1.html"))
    assert list(found.paragraphs) == [
        "A equipe registrou o arrombamento de dois carros.",
        "A polícia foi ao local.",
    ]
