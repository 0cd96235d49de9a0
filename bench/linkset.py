"""The linking evaluation set, generated from real statements in ../shared (never copied).

Positives: republication variants of real statements (UN General Debate speeches, kremlin.ru
items, the official pages): real chrome lines taken from OTHER sites' pages added at the top
and bottom, the headline changed, the first or last paragraph trimmed, the text re-wrapped,
a word dropped. Negatives: every pair of different statements (many of one issuer sharing
its boilerplate: a country's speeches of five years, kremlin.ru items with their page
chrome), items written here from one template with other dates, names and numbers, real
statements with their numbers and names swapped, and a news report quoting a speech.

Each text carries the id of its true statement (`group`), whether it is a template-alike
negative (`template`), and its half: `dev` (thresholds were tuned on it) or `holdout`.
A data set, not a bench: `bench/link.py` measures on it and compares with its stored baseline.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import re
import textwrap
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@dataclass(frozen=True)
class Base:
    """A real statement: its issuer, headline and paragraphs."""

    id: str
    issuer: str
    title: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Text:
    """One text of the evaluation set."""

    id: str
    group: str
    text: str
    half: str
    template: str = ""
    """For template-alike negatives: the template's name (siblings must stay apart)."""


def half_of(key: str) -> str:
    """`dev` or `holdout`, fixed by the base statement's id."""
    return "dev" if hashlib.sha256(key.encode()).digest()[0] % 2 == 0 else "holdout"


def ungdc(shared: Path) -> Iterator[Base]:
    for line in (shared / "corpora" / "ungdc_2020_2024.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        paragraphs = tuple(p for p in row["text"].split("\n") if p.strip())
        title = f"Statement by {row['country_iso3']} at the {row['session']}th session"
        yield Base(
            f"ungdc:{row['country_iso3']}:{row['year']}", row["country_iso3"], title, paragraphs
        )


_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[А-ЯЁA-Z«])")


def kremlin(shared: Path) -> Iterator[Base]:
    for line in (shared / "corpora" / "kremlin_ru_2025_sample.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        sentences = _SENTENCE.split(row["text_raw"])
        paragraphs = tuple(" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3))
        yield Base(row["url"], "kremlin", row["title"], paragraphs)


def pages(shared: Path) -> Iterator[Base]:
    from communique.extract import extract
    from communique.model import RawInput

    for sidecar in sorted((shared / "pages").glob("*.json")):
        gold = json.loads(sidecar.read_text(encoding="utf-8"))
        if not isinstance(gold, dict) or gold.get("page_type") == "listing" or "file" not in gold:
            continue
        html = (shared / "pages" / gold["file"]).read_bytes()
        url = gold.get("url") or f"file:{gold['file']}"
        raw = RawInput(url, html, "text/html", gold["file"], datetime.now(UTC))
        try:
            found = extract(raw, None)
        except Exception:
            continue
        if gold.get("dup_group") and "copyB" in gold["file"]:
            continue  # the same page saved twice: one base
        site = gold["file"].split("_")[1]
        yield Base(url, site, found.title, found.paragraphs)


def chrome_lines(shared: Path) -> dict[str, list[str]]:
    """Short navigation and footer lines of each site's real pages, as extraction cleans a
    line (soft hyphens and zero-width characters out: "Ge\xadbär\xadden\xadspra\xadche"
    is one word on the page, not four)."""
    import lxml.html

    from communique.extract.textutil import clean

    lines: dict[str, list[str]] = {}
    for path in sorted((shared / "pages").glob("*.html")):
        site = path.name.split("_")[1]
        doc = lxml.html.fromstring(path.read_bytes())
        for el in doc.xpath("//nav//a|//footer//a|//header//a|//li/a|//footer//p"):
            text = clean(el.text_content())
            if 1 <= len(text.split()) <= 12 and text not in lines.setdefault(site, []):
                lines[site].append(text)
    return {site: found for site, found in lines.items() if len(found) >= 5}


def variant(base: Base, rng: random.Random, chrome: dict[str, list[str]]) -> str:
    """A republication of `base`: another site's chrome, another headline, trimmed, re-wrapped."""
    paragraphs = list(base.paragraphs)
    if len(paragraphs) >= 4 and rng.random() < 0.4:
        paragraphs.pop(0 if rng.random() < 0.5 else -1)
    if rng.random() < 0.3:
        paragraphs = _drop_word(paragraphs, rng)
    if rng.random() < 0.7:
        words = base.title.split()
        headline = " ".join(words[: rng.randint(3, max(3, len(words)))])
        paragraphs.insert(0, rng.choice([headline, headline.upper(), f"News: {headline}"]))
    site = rng.choice(sorted(chrome))
    lines = chrome[site]
    top = [rng.choice(lines) for _ in range(rng.randint(0, 3))]
    bottom = [rng.choice(lines) for _ in range(rng.randint(1, 4))]
    paragraphs = top + paragraphs + bottom
    if rng.random() < 0.3:
        return "\n".join(textwrap.fill(p, rng.randint(60, 100)) for p in paragraphs)
    if rng.random() < 0.3:
        return " ".join(paragraphs)
    return "\n\n".join(paragraphs)


def _drop_word(paragraphs: list[str], rng: random.Random) -> list[str]:
    index = rng.randrange(len(paragraphs))
    words = paragraphs[index].split()
    plain = [i for i, w in enumerate(words) if w.islower() and w.isalpha() and len(w) > 3]
    if plain:
        del words[rng.choice(plain)]
    paragraphs[index] = " ".join(words)
    return paragraphs


_NUMBER = re.compile(r"\d+")
_NAME = re.compile(r"(?<=[a-zа-яё,] )[A-ZА-ЯЁ][a-zа-яё]{3,}")


def swapped(base: Base, rng: random.Random, names: list[str]) -> str | None:
    """`base` rewritten about another event: every number and a few names changed."""
    text = "\n\n".join(base.paragraphs)
    found = _NAME.findall(text)
    if not _NUMBER.search(text) or len(found) < 2:
        return None
    text = _NUMBER.sub(lambda m: str(int(m.group()) + rng.randint(1, 9)), text)
    for name in rng.sample(sorted(set(found)), min(3, len(set(found)))):
        text = text.replace(name, rng.choice(names))
    return text


TEMPLATES = {
    "national-day": (
        "On {date}, the Embassy of {country} in {city} hosted a reception on the occasion of the"
        " {n}th anniversary of the National Day of {country}. Ambassador {name} welcomed"
        " {guests} guests, among them members of the diplomatic corps, representatives of the"
        " Ministry of Foreign Affairs and of the business community. In his remarks, the"
        " Ambassador recalled the {m} years of diplomatic relations and thanked the host country"
        " for its support."
    ),
    "lecture": (
        "The {n}th lecture in the series 'Diplomacy Today' took place on {date} at the"
        " Diplomatic Academy in {city}. Professor {name} spoke about relations between {country}"
        " and the region and answered questions from {guests} students and young diplomats."
        " The next lecture of the series will be held in {m} weeks."
    ),
    "credentials": (
        "On {date}, Ambassador {name} presented copies of the credentials to the Chief of"
        " Protocol of {country} in {city}. During the meeting they discussed the preparations"
        " for the visit of the delegation and the {n}th session of the intergovernmental"
        " commission, planned for {m} participants."
    ),
    "condolences": (
        "The Ministry of Foreign Affairs expresses its deep condolences to the people and the"
        " Government of {country} in connection with the earthquake in {city} on {date}, which"
        " claimed {guests} lives and injured {m} people. We wish a speedy recovery to all those"
        " affected. Minister {name} conveyed these words to the Ambassador of {country}."
    ),
}
COUNTRIES = ("Kazakhstan", "Chile", "Ghana", "Portugal", "Viet Nam", "Uruguay", "Kenya", "Norway")
CITIES = ("Warsaw", "Lisbon", "Nairobi", "Hanoi", "Oslo", "Santiago", "Accra", "Astana")
NAMES = ("Anna Kowalska", "Jorge Ramos", "Kwame Mensah", "Li Wei", "Ingrid Berg", "Amir Karimov")
MONTHS = ("January", "March", "May", "June", "September", "November")


def template_texts(rng: random.Random, per_template: int = 6) -> Iterator[tuple[str, str]]:
    """(template name, text) written from one template with other dates, names, numbers."""
    for name, template in TEMPLATES.items():
        for _ in range(per_template):
            yield (
                name,
                template.format(
                    date=f"{rng.randint(1, 28)} {rng.choice(MONTHS)} {rng.randint(2015, 2025)}",
                    country=rng.choice(COUNTRIES),
                    city=rng.choice(CITIES),
                    name=rng.choice(NAMES),
                    n=rng.randint(2, 60),
                    m=rng.randint(2, 40),
                    guests=rng.randint(20, 400),
                ),
            )


def report_about(base: Base, rng: random.Random) -> str | None:
    """A news report about a speech that quotes a few of its sentences."""
    sentences = [s for p in base.paragraphs for s in _SENTENCE.split(p) if len(s.split()) > 8]
    if len(sentences) < 8:
        return None
    quoted = rng.sample(sentences, 3)
    return (
        f"The head of delegation of {base.issuer} addressed the General Assembly on Tuesday."
        f' "{quoted[0]}" the speaker said. The address also touched on the reform of the'
        f' Security Council. "{quoted[1]}" According to the delegation, the speech was'
        f' well received. "{quoted[2]}"'
    )


CORPORA = {"ungdc": ungdc, "kremlin": kremlin, "pages": pages}


_ANNOUNCED = re.compile(r"Анонс на [^.]{1,40}?\d{4} года")
"""The dateline of an announcement (kremlin.ru gives it no date, time or place)."""
_CALENDAR = "Добавить в Календарь Календари Яндекс iCal Google"
_TAGS = ("Лица", "Темы", "География")
"""The page's tag lists, last first, as its footer has them."""
_MONTH = r"(?:января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря)"
_SIDEBAR = re.compile(
    rf"(?<=[.!?…»>);*]) (?:Смотрите также|Дополнительно)"
    rf"(?: (?:\S+ ){{1,30}}?(?:\d{{1,2}} {_MONTH} \d{{4}} года|pdf, [\d.,]+ кБ)(?= |$))+"
)
"""A "see also" box: its label, then linked items each ending in a date (or a file's size)."""
_SIDEBAR_END = re.compile(r"(?<=[.!?…»>)]) (?:Смотрите также|Дополнительно) [^.!?]*$")


def page_text(row: dict[str, str]) -> str:
    """A kremlin.ru item's own text: without the page's header (section, headline, lead,
    dateline: date, time and place, or an announcement's "Анонс на ..." and calendar
    links), its footer (tags, sections, date of publication, link) and its "see also"
    boxes (titles and dates of other items, in the text or after it)."""
    text = row["text_raw"].split(" Статус материала ")[0]
    dateline = row["raw_date"] or (found.group() if (found := _ANNOUNCED.search(text)) else "")
    body = text[text.find(dateline) + len(dateline) :].lstrip() if dateline else text
    body = re.sub(r"^\d{1,2}:\d{2}\s*", "", body)
    if row["place"] and body.startswith(row["place"]):
        body = body[len(row["place"]) :].lstrip()
    body = body.removeprefix(_CALENDAR).lstrip()
    for label in _TAGS:
        at = body.rfind(f" {label} ")
        if at >= 0 and not re.search(r"[.!?…]", body[at:]):
            body = body[:at]
    return _SIDEBAR_END.sub("", _SIDEBAR.sub("", body))


def undated_kremlin(shared: Path) -> Iterator[Base]:
    """kremlin.ru items as their own text (`page_text`), without the page's header and
    footer: weekly meetings then differ in their topic alone. The issuer is the headline, so
    that items of one series (one headline) are template-alike."""
    for line in (shared / "corpora" / "kremlin_ru_2025_sample.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        sentences = _SENTENCE.split(page_text(row))
        paragraphs = tuple(" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3))
        yield Base(row["url"], row["title"], row["title"], paragraphs)


def series(shared: Path = SHARED, seed: int = 13) -> list[Text]:
    """The series set: every undated kremlin.ru item (`undated_kremlin`) and one or two
    republications of it. Items of one headline (a series: ten weekly Security Council
    meetings, two calls with one president) are template-alike negatives; the half is that
    of the headline, so a held-out series was never looked at."""
    rng = random.Random(seed)
    chrome = chrome_lines(shared)
    bases = list(undated_kremlin(shared))
    titles = Counter(base.title for base in bases)
    texts: list[Text] = []
    for base in bases:
        half = half_of(base.title)
        template = base.title if titles[base.title] > 1 else ""
        texts.append(Text(base.id, base.id, "\n\n".join(base.paragraphs), half, template))
        for number in range(rng.choice((1, 2))):
            copy = variant(base, rng, chrome)
            texts.append(Text(f"{base.id}#copy{number}", base.id, copy, half, template))
    return texts


@dataclass(frozen=True)
class SeriesPair:
    """Two statements of one series (or sharing one body's boilerplate) that must stay apart."""

    kind: str
    half: str
    first: str
    second: str


FRAME_WORDS = 60
"""Words of whole paragraphs a framed item takes from each end of a speech (at least)."""
TOPIC_WORDS = 30
"""Words of whole sentences a framed item takes from the middle of a speech (at least): a
topic, as a weekly meeting's (29 to 50 words in the kremlin.ru sample); the corpus's
lines are often a few words of a wrapped sentence, no topic."""


def ungdc_series(shared: Path = SHARED, seed: int = 13, per_year: int = 3) -> list[SeriesPair]:
    """Pairs of UN General Debate speeches that are not one statement, none of them used
    to write a rule. `years`: every two speeches of one country (one speaker office, one
    occasion, another year). `one year`: each speech with `per_year` speeches of other
    countries that year (the UN's salutations and session numbers in common). `framed`:
    items written here from one country's frame, the opening and closing paragraphs
    (`FRAME_WORDS` each at least) of its first speech, around sentences from the middle of
    each year's speech (`TOPIC_WORDS`): one frame, another topic; `topic last`: the same
    with the topic after the frame, at the text's edge. The half is the
    country's (both countries' for `one year`; a pair across halves is left out), so one
    half stays held out."""
    rng = random.Random(seed)
    by_country: dict[str, dict[str, Base]] = {}
    for base in ungdc(shared):
        _, country, year = base.id.split(":")
        by_country.setdefault(country, {})[year] = base
    pairs: list[SeriesPair] = []
    for country, speeches in sorted(by_country.items()):
        texts = ["\n\n".join(speeches[year].paragraphs) for year in sorted(speeches)]
        half = half_of(country)
        pairs += [SeriesPair("years", half, a, b) for a, b in itertools.combinations(texts, 2)]
        for kind, last in (("framed", False), ("topic last", True)):
            items = framed([speeches[year] for year in sorted(speeches)], last)
            pairs += [SeriesPair(kind, half, a, b) for a, b in itertools.combinations(items, 2)]
    for year in sorted({y for speeches in by_country.values() for y in speeches}):
        held = sorted(c for c, speeches in by_country.items() if year in speeches)
        for country in held:
            for other in rng.sample([c for c in held if c != country], per_year):
                if half_of(country) == half_of(other):
                    first, second = by_country[country][year], by_country[other][year]
                    pairs.append(
                        SeriesPair(
                            "one year",
                            half_of(country),
                            "\n\n".join(first.paragraphs),
                            "\n\n".join(second.paragraphs),
                        )
                    )
    return pairs


def framed(speeches: list[Base], last: bool = False) -> list[str]:
    """One item a year: the frame of the first speech (whole opening and closing
    paragraphs of `FRAME_WORDS` words or more each) around that year's `topic` (or, if
    `last`, followed by it: a topic at the text's edge); none when the first speech is too
    short to hold a frame and a topic apart."""
    paragraphs = speeches[0].paragraphs
    opening = _paragraphs_of(paragraphs, FRAME_WORDS)
    closing = _paragraphs_of(paragraphs[::-1], FRAME_WORDS)[::-1]
    inside = paragraphs[len(opening) : len(paragraphs) - len(closing)]
    if not inside:
        return []
    topics = [topic(inside), *(topic(speech.paragraphs) for speech in speeches[1:])]
    if last:
        return ["\n\n".join([*opening, *closing, middle]) for middle in topics]
    return ["\n\n".join([*opening, middle, *closing]) for middle in topics]


def topic(paragraphs: Sequence[str]) -> str:
    """Whole sentences from the middle of the paragraphs, `TOPIC_WORDS` words at least (or
    all they have)."""
    sentences = _SENTENCE.split(" ".join(paragraphs))
    taken: list[str] = []
    for sentence in sentences[len(sentences) // 2 :]:
        taken.append(sentence)
        if sum(len(s.split()) for s in taken) >= TOPIC_WORDS:
            break
    return " ".join(taken)


def _paragraphs_of(paragraphs: Sequence[str], least: int) -> list[str]:
    """The first paragraphs that hold `least` words together."""
    taken: list[str] = []
    for paragraph in paragraphs:
        if sum(len(p.split()) for p in taken) >= least:
            break
        taken.append(paragraph)
    return taken


def generate(
    shared: Path = SHARED, seed: int = 13, corpora: tuple[str, ...] = tuple(CORPORA)
) -> list[Text]:
    """The whole evaluation set, the same for the same `shared`, `seed` and `corpora`."""
    rng = random.Random(seed)
    chrome = chrome_lines(shared)
    bases = [base for name in corpora for base in CORPORA[name](shared)]
    names = sorted({n for b in bases for n in _NAME.findall(" ".join(b.paragraphs[:3]))})
    texts: list[Text] = []
    for base in bases:
        half = half_of(base.id)
        others = {s: lines for s, lines in chrome.items() if s not in base.id}
        texts.append(Text(base.id, base.id, "\n\n".join(base.paragraphs), half))
        for number in range(rng.choice((1, 2, 3))):
            texts.append(Text(f"{base.id}#copy{number}", base.id, variant(base, rng, others), half))
        if rng.random() < 0.15 and (other := swapped(base, rng, names)):
            texts.append(Text(f"{base.id}#swapped", f"{base.id}#swapped", other, half, base.id))
        if (
            base.id.startswith("ungdc")
            and rng.random() < 0.1
            and (report := report_about(base, rng))
        ):
            texts.append(Text(f"{base.id}#report", f"{base.id}#report", report, half, base.id))
    for number, (name, text) in enumerate(template_texts(rng)):
        key = f"template:{name}:{number}"
        texts.append(Text(key, key, text, half_of(f"template:{name}:{number % 2}"), name))
    return texts
