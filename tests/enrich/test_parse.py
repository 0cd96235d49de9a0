"""Long texts are parsed in pieces cut at line ends, with the entities a whole parse finds."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from communique.enrich import nlp
from communique.enrich.core import Enricher
from communique.model import Entity, Parse

CAPITALS = [
    ("Kenya", "Nairobi"),
    ("Chile", "Santiago"),
    ("Norway", "Oslo"),
    ("Viet Nam", "Hanoi"),
    ("Ghana", "Accra"),
    ("Peru", "Lima"),
    ("Poland", "Warsaw"),
    ("Jordan", "Amman"),
]
SENTENCES = [
    "The Minister of Foreign Affairs met the Ambassador of {country} in {city} on {day} March "
    "2021 to discuss trade, energy and the return of displaced persons.",
    "Delegations from {country} and the European Union agreed in {city} to meet again before "
    "the end of the year.",
    "The Government of {country} welcomed the decision and thanked the people of {city} for "
    "their hospitality during the talks.",
]


def long_statement(paragraphs: int) -> str:
    """A statement of many paragraphs in our own words, each naming a country and its capital."""
    pairs = itertools.cycle(CAPITALS)
    return "\n\n".join(
        " ".join(
            s.format(country=country, city=city, day=1 + n % 28)
            for s, (country, city) in zip(SENTENCES, [next(pairs)] * 3, strict=True)
        )
        for n in range(paragraphs)
    )


@given(
    st.text(alphabet=st.sampled_from("ab \n"), max_size=400),
    st.integers(min_value=2, max_value=60),
)
def test_pieces_cover_the_text_and_are_cut_after_a_line_end_or_a_space(
    text: str, size: int
) -> None:
    extents = nlp.pieces(text, size)
    assert extents[0][0] == 0 and extents[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(extents))
    for start, end in extents[:-1]:
        assert text[end - 1] in "\n "
        if end - start > size:  # longer only when nothing in its second half could be cut
            assert not set(text[start + size // 2 : start + size]) & {"\n", " "}


def test_a_cut_prefers_a_line_end_to_a_later_space() -> None:
    text = "first line\nsecond line goes on"
    assert nlp.pieces(text, 20) == [(0, 11), (11, len(text))]


def test_shifted_and_joined_parses_keep_offsets_into_the_whole_text() -> None:
    first = Parse((Entity("Oslo", "GPE", 3, 7),), ((0, 10),))
    second = Parse((Entity("Lima", "GPE", 0, 4),), ((0, 5),)).shifted(10)
    joined = Parse.joined([first, second])
    assert joined.entities == (Entity("Oslo", "GPE", 3, 7), Entity("Lima", "GPE", 10, 14))
    assert joined.sentences == ((0, 10), (10, 15))


def test_a_long_text_in_pieces_has_the_entities_of_a_whole_parse() -> None:
    text = long_statement(120)
    assert len(nlp.pieces(text)) >= 3
    parsed = nlp.parse(text, "en")
    assert parsed is not None
    assert all(text[e.start : e.end] == e.text for e in parsed.entities)
    pipeline = nlp.load_pipeline("en")
    assert pipeline is not None
    whole = pipeline(text)
    assert [(e.start, e.end, e.label) for e in parsed.entities] == [
        (e.start_char, e.end_char, e.label_) for e in whole.ents
    ]
    assert list(parsed.sentences) == [(s.start_char, s.end_char) for s in whole.sents]


def test_places_are_found_in_every_piece_of_a_long_statement() -> None:
    text = long_statement(120)
    last_piece = nlp.pieces(text)[-1]
    enrichment = Enricher("rules").enrich(text, None, "en")
    late = {p.name for p in enrichment.places if p.start >= last_piece[0]}
    assert {"Nairobi", "Oslo", "Warsaw"} <= late
    assert "ner:en_core_web_md" in enrichment.analyses


def test_a_language_with_neither_a_model_nor_country_names_has_no_parse() -> None:
    assert nlp.parse("Bakan, Nairobi'de büyükelçiyle görüştü.", "tr") is None


def test_a_text_longer_than_the_models_limit_is_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    pipeline = nlp.load_pipeline("en")
    assert pipeline is not None
    monkeypatch.setattr(pipeline, "max_length", nlp.PIECE_CHARS + 1_000)  # spaCy's: 1,000,000
    text = long_statement(120)
    assert len(text) > 2 * pipeline.max_length
    parsed = nlp.parse(text, "en")
    assert parsed is not None and parsed.entities[-1].start > len(text) - 500
