"""Hypothesis fuzzing of the HTML, PDF, WARC, feed, JSONL and query parsers: on any input each
one answers or refuses with a CommuniqueError, never another exception.

A bounded number of examples runs in `make test`; bench/fuzz.py runs far more.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzzing import SEEDS, TARGETS, mutate

FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


@pytest.mark.parametrize("name", list(TARGETS))
@FUZZ
@given(data=st.binary(max_size=4096))
def test_arbitrary_bytes(name: str, data: bytes) -> None:
    TARGETS[name](data)


@pytest.mark.parametrize("name", list(TARGETS))
@FUZZ
@given(seed=st.integers(min_value=0, max_value=2**32), which=st.integers(min_value=0))
def test_mutated_valid_inputs(name: str, seed: int, which: int) -> None:
    seeds = SEEDS[name]
    TARGETS[name](mutate(seeds[which % len(seeds)], random.Random(seed)))


@FUZZ
@given(text=st.text(max_size=300))
def test_arbitrary_queries(text: str) -> None:
    TARGETS["query"](text.encode("utf-8", errors="surrogatepass"))
