"""Single-page chrome rules: labels, banners before the headline, header runs, related tiles."""

from __future__ import annotations

from communique.extract.blocks import Block, is_teaser, link_ratio
from communique.extract.chrome import trim
from communique.extract.textutil import fold

LEAD = (
    "In this week's address, the President wished all Americans a peaceful holiday season and"
    " thanked the service members who are deployed far from their families."
)
BODY = (
    "Hi everybody. This is the season when we gather with family and friends, and when we"
    " remember those who keep us safe, wherever they serve around the world."
)
CLOSE = "Merry Christmas, and happy holidays to everyone at home and abroad tonight."


def texts(blocks: list[Block]) -> list[str]:
    return [b.text for b in blocks]


def test_header_run_above_a_dateline_is_dropped() -> None:
    blocks = [
        Block(LEAD),
        Block("Remarks of the President as Delivered"),
        Block("Weekly Address"),
        Block("The White House"),
        Block("December 24, 2016"),
        Block(BODY),
        Block(CLOSE),
    ]
    assert texts(trim(blocks, "Weekly Address: Merry Christmas", "en")) == [LEAD, BODY, CLOSE]


def test_closing_place_and_date_is_not_a_header_run() -> None:
    blocks = [Block(BODY), Block("Minsk, 6 December 2021")]
    assert texts(trim(blocks, "Statement", "en")) == [BODY]


def test_opening_label_and_repeated_teaser_are_dropped() -> None:
    blocks = [Block("Summary:"), Block(LEAD), Block(LEAD), Block(BODY)]
    assert texts(trim(blocks, "Holiday address", "en")) == [LEAD, BODY]


def test_banner_before_the_headline_is_dropped_only_at_the_start() -> None:
    banner = "This is historical material frozen in time. The website is no longer updated."
    before = fold(f"Home Press {banner}")
    blocks = [Block(banner), Block(BODY), Block(CLOSE)]
    assert texts(trim(blocks, "Holiday address", "en", before)) == [BODY, CLOSE]
    # a headline placed after all the text is no guide: nothing is dropped for it
    late = fold(f"{banner} {BODY} {CLOSE}")
    assert texts(trim(blocks, "Holiday address", "en", late)) == [banner, BODY, CLOSE]


def test_closing_run_of_related_tiles_is_dropped() -> None:
    anchors = frozenset({"Coach fired by the club", "Striker signs new deal", "Derby ends level"})
    tiles = [
        "Coach fired by the clubThe club lost five games in a row",
        "Striker signs new dealHe stays until 2027",
        "Derby ends levelNeither side could score",
    ]
    blocks = [Block(BODY), Block(CLOSE)] + [
        Block(t, "p", link_ratio(t, anchors), is_teaser(t, anchors)) for t in tiles
    ]
    assert texts(trim(blocks, "Match report", "en")) == [BODY, CLOSE]


def test_link_only_line_between_paragraphs_is_a_promo() -> None:
    promo = "SPICER ELIMINATED FROM THE SHOW"
    blocks = [Block(BODY), Block(promo, "p", 1.0), Block(CLOSE)]
    assert texts(trim(blocks, "Match report", "en")) == [BODY, CLOSE]
    listed = [Block(BODY), Block(promo, "item", 1.0), Block(CLOSE)]
    assert promo in texts(trim(listed, "Match report", "en")), "list items are content"
