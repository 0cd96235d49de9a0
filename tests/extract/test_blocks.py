"""Flattening trafilatura's XML into blocks: loose text, line breaks, link density."""

from __future__ import annotations

from lxml import etree

from communique.extract.blocks import from_trafilatura


def test_text_lying_between_headings_is_kept_and_line_breaks_separate_words() -> None:
    body = etree.fromstring(
        "<body><head>Controller deal for $39</head>The controller is at its lowest price."
        "<head>Tour dates</head><p>June 9 -- Miami<lb/>June 17 -- Nashville</p></body>"
    )
    blocks = from_trafilatura(body, frozenset({"June 17 -- Nashville"}))
    assert [b.text for b in blocks] == [
        "Controller deal for $39",
        "The controller is at its lowest price.",
        "Tour dates",
        "June 9 -- Miami June 17 -- Nashville",
    ]
    assert blocks[0].kind == "head" and blocks[1].kind == "p"
    assert 0.4 < blocks[3].link_ratio < 0.7
