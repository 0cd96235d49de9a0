"""Issuer evidence on HTML pages: source fields (even hidden), home links, breadcrumbs."""

from __future__ import annotations

import pytest
from lxml import html as lxml_html

from communique.extract import extract
from communique.extract.pageissuer import breadcrumb_root, home_link_name, source_field
from tests.extract.conftest import raw

BODY = (
    "<p>The Ministry reaffirms its commitment to dialogue and calls on all parties to resume"
    " negotiations without preconditions at the earliest opportunity.</p>"
    "<p>It stands ready to host the next round of consultations in its capital this spring.</p>"
)


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        (
            "<div style='display:none'>Source: Ministry of Foreign Affairs of Ruritania</div>",
            "Ministry of Foreign Affairs of Ruritania",
        ),
        ("<span class='hidden'>来源：外交部</span>", "外交部"),
        ("<p>Quelle: Auswärtiges Amt</p>", "Auswärtiges Amt"),
        ("<figure><figcaption>Source: Reuters</figcaption></figure>", None),
        ("<p>Photo source: AFP</p>", None),
    ],
)
def test_source_field(snippet: str, expected: str | None) -> None:
    tree = lxml_html.document_fromstring(f"<html><body>{snippet}{BODY}</body></html>")
    assert source_field(tree) == expected


def test_home_link_and_breadcrumb() -> None:
    page = lxml_html.document_fromstring(
        '<html><body><header><a href="https://www.mfa.example/" title="Zur Startseite">'
        '<img alt="Logo: Federal Ministry of Peace"></a></header>'
        '<nav class="breadcrumbs"><a href="/">Home</a><a href="/office">Press Office</a>'
        '<a href="/x">Talks resume in Geneva after long pause</a></nav></body></html>'
    )
    assert home_link_name(page, "https://mfa.example/press/1") == "Federal Ministry of Peace"
    assert breadcrumb_root(page) == "Press Office"


def test_hidden_source_field_names_the_issuer_of_the_statement() -> None:
    html = (
        "<html><head><title>Statement on the talks | Portal</title></head><body>"
        "<h1>Statement on the talks</h1><p>2024-03-10</p>"
        f"{BODY}<div style='display:none'>来源：Ministry of Foreign Affairs of Ruritania</div>"
        "</body></html>"
    )
    result = extract(raw(html.encode(), "text/html", url="https://portal.example/s/1"))
    assert result.issuer == "Ministry of Foreign Affairs of Ruritania"
    assert "来源" not in result.text
