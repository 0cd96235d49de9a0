"""Relinking in memory: fact codes rule out translation candidates without their texts, and
never one that the facts themselves would link."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from communique.link import bulk
from communique.link.bulk import (
    _SEEN,
    FactIndex,
    StagedWords,
    _Flat,
    _may_share,
    fact_codes,
    maybe,
    maybe_pairs,
    places,
    prepare,
)
from communique.link.text import folded_words, word_hashes
from communique.link.translations import compare, facts

FACTS = st.lists(
    st.sampled_from(["8", "2020", "10", "9", "1945", "arme", "azer", "mosc", "puti", "unit"]),
    max_size=14,
)


@settings(max_examples=300, deadline=None)
@given(FACTS, FACTS)
@example(["8"] * 13 + ["2020"], ["8"] * 5 + ["2020"])  # similarity exactly MIN_CONFIDENCE
def test_codes_never_rule_out_a_pair_the_facts_link(first: list[str], second: list[str]) -> None:
    linked = compare(tuple(first), tuple(second)) is not None
    kept = maybe(fact_codes(tuple(first)), fact_codes(tuple(second)))
    assert kept or not linked
    assert kept == linked  # no hash collision among these few facts


@settings(max_examples=300, deadline=None)
@given(st.lists(FACTS, min_size=2, max_size=6))
@example([["8"] * 13 + ["2020"], ["8"] * 5 + ["2020"]])  # similarity exactly MIN_CONFIDENCE
def test_shared_codes_never_rule_out_a_pair_maybe_keeps(sequences: list[list[str]]) -> None:
    """`_may_share` (codes shared, with repeats, and numbers) keeps every pair `maybe` keeps."""
    codes = [fact_codes(tuple(sequence)) for sequence in sequences]
    flat = _Flat.of(codes)
    pairs = [(a, b) for a in range(len(codes)) for b in range(len(codes)) if a != b]
    owners, rows = (np.array(side, dtype=np.int64) for side in zip(*pairs, strict=True))
    kept = _may_share(flat, owners, flat, rows).tolist()
    assert all(kept[i] or not maybe(codes[a], codes[b]) for i, (a, b) in enumerate(pairs))


@settings(max_examples=200, deadline=None)
@given(st.lists(FACTS, min_size=1, max_size=5), st.lists(FACTS, min_size=1, max_size=5))
@example([["8"] * 13 + ["2020"]], [["8"] * 5 + ["2020"]])  # similarity exactly MIN_CONFIDENCE
def test_pairs_ruled_out_at_once_are_those_maybe_rules_out(
    first: list[list[str]], second: list[list[str]]
) -> None:
    """`maybe_pairs` gives `maybe` of every pair (each side's statements in any order)."""
    mine = [fact_codes(tuple(sequence)) for sequence in first]
    theirs = [fact_codes(tuple(sequence)) for sequence in second]
    pairs = [(a, b) for a in range(len(mine)) for b in range(len(theirs))][::-1]
    owners, rows = (np.array(side, dtype=np.int64) for side in zip(*pairs, strict=True))
    as_bytes = [codes.tobytes() for codes in mine], [codes.tobytes() for codes in theirs]
    found = maybe_pairs(as_bytes[0], owners, as_bytes[1], rows).tolist()
    assert found == [maybe(mine[a], theirs[b]) for a, b in pairs]


@settings(max_examples=100, deadline=None)
@given(st.lists(FACTS, max_size=6))
def test_codes_joined_as_bytes_are_those_of_their_arrays(sequences: list[list[str]]) -> None:
    """`_Flat.joined` (codes as bytes) lays the statements' codes one after another, with
    where each starts, how many it has and each code's occurrence in its statement."""
    codes = [fact_codes(tuple(sequence)) for sequence in sequences]
    joined = _Flat.joined([c.tobytes() for c in codes])
    seen = [min(c[:i].tolist().count(code), _SEEN) for c in codes for i, code in enumerate(c)]
    starts = [sum(len(c) for c in codes[:i]) for i in range(len(codes))]
    assert joined.codes.tolist() == [code for c in codes for code in c]
    assert joined.seen.tolist() == seen
    assert joined.starts.tolist() == starts
    assert joined.sizes.tolist() == [len(c) for c in codes]


ENGLISH = (
    "On 8 May 2020 the leaders of Armenia and Azerbaijan met Putin in Moscow and signed, on"
    " 10 May 2020, a statement of 9 points."
)
FRENCH = (
    "Le 8 mai 2020, les dirigeants de l'Arménie et de l'Azerbaïdjan ont vu Poutine à Moscou"
    " et ont signé, le 10 mai 2020, une déclaration en 9 points."
)
OTHER = (
    "On 3 June 1999 the ministers of Brazil and Chile met in Santiago and agreed, on 4 June"
    " 1999, a plan of 12 points."
)


def test_fact_index_gives_other_languages_whose_facts_may_match() -> None:
    found = prepare([ENGLISH, OTHER, FRENCH, FRENCH])
    index = FactIndex()
    assert index.extend(["en", "other"], ["en", "en"], found.fact_bands[:2], found.fact_codes[:2])
    assert facts(FRENCH)[:3] == ("8", "2020", "arme")
    added = index.extend(["fr", "fr2"], ["fr", "en"], found.fact_bands[2:], found.fact_codes[2:])
    assert added == [[("en", "en")], [("fr", "fr")]]


def test_a_batch_finds_what_adding_one_at_a_time_finds() -> None:
    texts = [ENGLISH, OTHER, FRENCH, OTHER, ENGLISH, FRENCH, FRENCH, ENGLISH]
    languages = ["en", "en", "fr", "de", "de", "en", "fr", "fr"]
    ids = [f"s{n}" for n in range(len(texts))]
    found = prepare(texts)
    one_by_one, batched = FactIndex(), FactIndex()
    single = [
        one_by_one.extend([ids[row]], [languages[row]], found.fact_bands[row : row + 1], [codes])[0]
        for row, codes in enumerate(found.fact_codes)
    ]
    head = batched.extend(ids[:3], languages[:3], found.fact_bands[:3], found.fact_codes[:3])
    tail = batched.extend(ids[3:], languages[3:], found.fact_bands[3:], found.fact_codes[3:])
    assert head + tail == single
    assert single[3] == [("s1", "en")]  # OTHER's facts, not ENGLISH's
    assert single[5] == [("s2", "fr"), ("s4", "de")]
    assert single[7] == [("s0", "en"), ("s4", "de"), ("s5", "en")]


def test_a_batch_of_more_than_owners_is_added_in_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """`extend` adds a call of more than `_OWNERS` statements in parts, each finding those of
    the parts before it: the same candidates as one part."""
    texts = [ENGLISH, OTHER, FRENCH, OTHER, ENGLISH, FRENCH, FRENCH, ENGLISH]
    languages = ["en", "en", "fr", "de", "de", "en", "fr", "fr"]
    ids = [f"s{n}" for n in range(len(texts))]
    found = prepare(texts)
    whole = FactIndex().extend(ids, languages, found.fact_bands, found.fact_codes)
    monkeypatch.setattr(bulk, "_OWNERS", 3)
    assert FactIndex().extend(ids, languages, found.fact_bands, found.fact_codes) == whole
    assert whole[7] == [("s0", "en"), ("s4", "de"), ("s5", "en")]


def test_staged_words_are_read_back_where_prepare_staged_them(tmp_path: Path) -> None:
    """Each text's folded words' hashes, staged by `prepare` in parts, read back by place."""
    texts = ["We condemn the attack.", "", "On 8 May 2020 Armenia and Azerbaijan met.", "Ok"]
    read = StagedWords()
    paths: dict[str, int] = {}
    found = []
    for part in (texts[:3], texts[3:]):
        prepared = prepare(part, stage=str(tmp_path))
        assert prepared.staged is not None
        path, offset = prepared.staged
        number = paths.setdefault(path, len(paths))
        read.paths = list(paths)
        at = places(number, offset, prepared.signed.words)
        found += [read(int(p), n) for p, n in zip(at, prepared.signed.words, strict=True)]
    expected = [word_hashes(folded_words(text)) for text in texts]
    assert [f.tolist() for f in found] == [e.tolist() for e in expected]
    assert len(paths) == 1  # one file a process
