"""spaCy pipelines shipped on PyPI, loaded once per process, with a gazetteer EntityRuler;
for a language with no model, a rule pipeline that finds its country names."""

from __future__ import annotations

import functools
import importlib
import warnings
from typing import Any

import spacy
from spacy.language import Language
from thinc.api import use_ops
from threadpoolctl import threadpool_limits

from communique.enrich.countries import localized_patterns, ruler_patterns, written_as_name
from communique.enrich.entities import entities_of
from communique.lang import NerModel, profile
from communique.model import Parse

_UNUSED = ("lemmatizer", "attribute_ruler", "tagger", "morphologizer", "parser")


@functools.cache
def load_pipeline(language: str) -> Any | None:
    """The spaCy pipeline for `language`: its profile's NER model, else country names only
    (where the profile knows them), else None.

    Only what entities and sentences need runs: the shared tok2vec goes when no kept
    component listens to it (the NER and sentence models carry their own). Matrix products
    go through numpy's BLAS on one thread instead of blis (see `_fast_ops`).

    Example:
        >>> load_pipeline("xx") is None, load_pipeline("de").pipe_names
        (True, ['sentencizer', 'country_names'])
    """
    known = profile(language)
    nlp = _ner_pipeline(known.ner) if known.ner else None
    if nlp is None and known.country_names:
        nlp = spacy.blank(language)
        nlp.add_pipe("sentencizer")
    if nlp is not None and known.country_names:  # as written: "Chili" is Chile, "chili" not
        names = nlp.add_pipe("entity_ruler", name="country_names", before=_first_of(nlp, "ner"))
        names.add_patterns(localized_patterns(language))
    return nlp


def _ner_pipeline(model: NerModel) -> Any | None:
    with warnings.catch_warnings():  # W095: the wheel's model is one spaCy patch release older
        warnings.filterwarnings("ignore", message=r"\[W095\]")
        try:
            module = importlib.import_module(model.package)
        except ImportError:
            return None
        with _fast_ops():
            nlp = module.load(exclude=[name for name in _UNUSED])
    if "senter" in nlp.disabled:
        nlp.enable_pipe("senter")
    elif "senter" not in nlp.pipe_names:
        nlp.add_pipe("sentencizer", first=True)
    if "tok2vec" in nlp.pipe_names and not nlp.get_pipe("tok2vec").listening_components:
        nlp.remove_pipe("tok2vec")
    ruler = nlp.add_pipe("entity_ruler", before="ner", config={"phrase_matcher_attr": "LOWER"})
    ruler.add_patterns(ruler_patterns())
    nlp.add_pipe("names_as_written", after="entity_ruler")
    return nlp


@Language.component("names_as_written")
def _names_as_written(doc: Any) -> Any:
    """Keep only the country names the ruler found that are written as names ("US", "Turkey";
    not "us" or "turkey"): the ruler matches in lower case, which is fast."""
    doc.ents = [e for e in doc.ents if written_as_name(e.text)]
    return doc


def _first_of(nlp: Any, name: str) -> str | None:
    """`name` when the pipeline has that component (to add another before it), else None."""
    return name if name in nlp.pipe_names else None


def parses(language: str) -> bool:
    """Whether texts in `language` get a parse (without loading anything)."""
    known = profile(language)
    return known.ner is not None or known.country_names


def has_ner(language: str) -> bool:
    """Whether `language` has a NER model installed (not only its country names)."""
    return model_name(language) is not None


PIECE_CHARS = 20_000
"""A longer text is parsed in pieces of about this size, cut at line ends, which workers can
share. Only entities within a few words of a cut may differ from a parse of the whole text
(none did in a 52k-character speech cut at this size; 2 of 3,040 in 20 UN speeches and that
speech cut every 5,000 characters), and spaCy's one-million-character limit no longer
applies."""


def pieces(text: str, size: int = PIECE_CHARS) -> list[tuple[int, int]]:
    """Consecutive extents covering `text`, each at most `size` characters long and cut
    after a line end (else a space), or longer when no line end or space comes sooner.

    Example:
        >>> pieces("one two\\nthree four\\nfive", 12)
        [(0, 8), (8, 19), (19, 23)]
    """
    extents: list[tuple[int, int]] = []
    start = 0
    while len(text) - start > size:
        cut = _last_break(text, start + size // 2, start + size) or _next_break(text, start + size)
        if cut is None:
            break
        extents.append((start, cut))
        start = cut
    extents.append((start, len(text)))
    return extents


def _last_break(text: str, lowest: int, highest: int) -> int | None:
    """The offset after the last line end in text[lowest:highest], else after its last space."""
    for separator in ("\n", " "):
        found = text.rfind(separator, lowest, highest)
        if found >= 0:
            return found + 1
    return None


def _next_break(text: str, at: int) -> int | None:
    """The offset after the first line end or space from `at` on (None: there is none)."""
    found = [i for i in (text.find("\n", at), text.find(" ", at)) if 0 <= i < len(text) - 1]
    return min(found) + 1 if found else None


def parse(text: str, language: str) -> Parse | None:
    """Entities and sentences of `text`, piece by piece (None: no pipeline for `language`)."""
    if load_pipeline(language) is None or not text.strip():
        return None
    parses = [(a, parse_piece(text[a:b], language)) for a, b in pieces(text)]
    return Parse.joined(p.shifted(a) for a, p in parses if p is not None)


def parse_piece(text: str, language: str) -> Parse | None:
    """Entities and sentences of one piece of text (offsets into it; None: no model)."""
    pipeline = load_pipeline(language)
    if pipeline is None:
        return None
    doc = pipeline(text)
    entities = entities_of(doc, profile(language).label_map)
    return Parse(tuple(entities), tuple((s.start_char, s.end_char) for s in doc.sents))


def _fast_ops() -> Any:
    """Ops for the models being loaded: numpy's BLAS (OpenBLAS), limited to one thread.

    On the 2-core machine this was measured on, spaCy's NER takes 27% less CPU than with
    thinc's default blis, with the same entities. One thread, because parallelism comes from
    the worker processes: a second BLAS thread per process only spins.
    """
    threadpool_limits(limits=1, user_api="blas")
    return use_ops("numpy", use_blis=False)


def model_name(language: str) -> str | None:
    """The name of the NER model used for `language`, if any."""
    pipeline = load_pipeline(language)
    model = profile(language).ner
    if pipeline is None or model is None or "ner" not in pipeline.pipe_names:
        return None
    return model.name
