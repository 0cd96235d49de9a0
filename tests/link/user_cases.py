"""An outside tester's copies of real statements, written the way embassies republish them.

Not the generator's variants (`bench/linkset.py`): each case is a whole page or file a user
would meet. A Belarusian foreign-ministry statement (../shared/pages) republished by an
embassy under a Polish site header and footer, with a shortened headline, a dateline, its
last paragraph trimmed and its lines re-wrapped; the same statement as a plain-text file and
as a PDF. Template-alike negatives: two national-day receptions of one embassy in different
years, and two Kremlin telephone-call notes with one counterpart (../shared/corpora).
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from html import escape
from pathlib import Path

from lxml import html

from communique.settings import Settings
from communique.store.base import Store, open_store
from tests.conftest import shared_path
from tests.extract.pdfs import Line, write_pdf

ISSUER_PAGE = "001_by-mfa_statement-countermeasures"


@dataclass(frozen=True)
class Statement:
    """A statement's headline and paragraphs as its issuer published them."""

    title: str
    paragraphs: list[str]


def issuer_statement() -> Statement:
    """The paragraphs of the Belarusian statement, from its gold first to its gold last sentence."""
    gold = json.loads(shared_path("pages", ISSUER_PAGE + ".json").read_text(encoding="utf-8"))
    page = html.fromstring(shared_path("pages", ISSUER_PAGE + ".html").read_bytes())
    texts = [" ".join(p.text_content().split()) for p in page.iter("p")]
    first = next(i for i, t in enumerate(texts) if t.startswith(gold["gold_text_first_sentence"]))
    last = next(i for i, t in enumerate(texts) if t.endswith(gold["gold_text_last_sentence"]))
    return Statement(gold["title"], [t for t in texts[first : last + 1] if t])


def _wrapped(paragraph: str, width: int = 68) -> str:
    return "\n".join(textwrap.wrap(paragraph, width))


def embassy_page(statement: Statement) -> str:
    """The statement on a Polish embassy site: its own chrome, a dateline, no last paragraph."""
    first, *rest = statement.paragraphs
    body = [f"Warsaw, 7 December 2021 – {first}", *rest[:-1]]
    paragraphs = "\n".join(f"<p>{escape(_wrapped(p))}</p>" for p in body)
    return f"""<!DOCTYPE html>
<html lang="pl"><head><meta charset="utf-8">
<title>Oświadczenie MSZ Białorusi | Ambasada Republiki Białoruś w Rzeczypospolitej Polskiej</title>
</head><body>
<header><div class="logo">Ambasada Republiki Białoruś w Rzeczypospolitej Polskiej</div>
<nav><a href="/">Strona główna</a> <a href="/ambasada">Ambasada</a>
<a href="/aktualnosci">Aktualności</a> <a href="/konsul">Sprawy konsularne</a>
<a href="/kontakt">Kontakt</a> <a href="/be">Беларуская</a> <a href="/ru">Русский</a></nav>
</header>
<main><article lang="en">
<h1>Statement on Belarus countermeasures to sanctions pressure</h1>
<p class="meta">Opublikowano: 07.12.2021</p>
{paragraphs}
</article></main>
<footer><p>© 2007–2021 Ambasada Republiki Białoruś w Rzeczypospolitej Polskiej.
Wszelkie prawa zastrzeżone.</p><p>ul. Wiertnicza 58, 02-952 Warszawa, tel. +48 22 742 09 90</p>
<p>Szukaj w archiwum</p></footer>
</body></html>
"""


def plain_text(statement: Statement) -> str:
    """The statement as a text file: headline, hard-wrapped paragraphs."""
    parts = [statement.title, *(_wrapped(p, 72) for p in statement.paragraphs)]
    return "\n\n".join(parts) + "\n"


def pdf(statement: Statement) -> bytes:
    """The statement as a one- or two-page PDF set in Helvetica, lines wrapped at 90."""
    lines: list[str] = [*textwrap.wrap(statement.title, 70), ""]
    for paragraph in statement.paragraphs:
        lines += [*textwrap.wrap(paragraph, 90), ""]
    pages: list[list[Line]] = []
    for start in range(0, len(lines), 50):
        chunk = lines[start : start + 50]
        pages.append([Line(56.0, 780.0 - 14.0 * i, t, 10.0) for i, t in enumerate(chunk) if t])
    return write_pdf(pages, {"Title": statement.title})


RECEPTION = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | Embassy of the Republic of
Lithuania to Canada</title></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/consular">Consular services</a></nav>
<article><h1>{title}</h1><p class="date">{date}</p>
<p>On {day} the Embassy of the Republic of Lithuania to Canada hosted a reception in Ottawa on
the occasion of the Day of Restoration of the State of Lithuania, marking {years} years since
the Act of Independence of 16 February 1918 was signed in Vilnius.</p>
<p>Ambassador {ambassador} welcomed more than {guests} guests, among them members of the
Parliament of Canada, heads of diplomatic missions accredited in Ottawa, representatives of
the Government of Canada and of the Lithuanian-Canadian community.</p>
<p>In the opening remarks the Ambassador thanked Canada for its steadfast support of
Lithuania's independence and security, and spoke about {topic}.</p>
<p>The Honourable {minister}, {office}, addressed the guests on behalf of the Government of
Canada and congratulated the people of Lithuania on their national day.</p>
<p>The guests enjoyed Lithuanian cuisine and a performance by {performer}.</p>
</article>
<footer><p>Embassy of the Republic of Lithuania to Canada, 150 Metcalfe Street, Suite 1600,
Ottawa</p><p>Follow us on social media</p></footer></body></html>
"""

RECEPTIONS = {
    "reception-2022.html": {
        "title": "Reception on the occasion of Lithuania's State Restoration Day",
        "date": "2022-02-17",
        "day": "16 February 2022",
        "years": "104",
        "ambassador": "Darius Skusevičius",
        "guests": "150",
        "topic": "the NATO enhanced Forward Presence battle group in Lithuania led by Germany",
        "minister": "Mélanie Joly",
        "office": "Minister of Foreign Affairs",
        "performer": "the Toronto Lithuanian folk ensemble Gintaras",
    },
    "reception-2023.html": {
        "title": "Reception on the occasion of Lithuania's State Restoration Day",
        "date": "2023-02-17",
        "day": "16 February 2023",
        "years": "105",
        "ambassador": "Darius Skusevičius",
        "guests": "200",
        "topic": "the NATO summit that Vilnius will host in July 2023",
        "minister": "Anita Anand",
        "office": "Minister of National Defence",
        "performer": "the Montreal Lithuanian choir Pilies Aidas",
    },
}


def kremlin_calls(counterpart: str) -> list[dict[str, str]]:
    """The Kremlin's notes of telephone calls with one counterpart (same opening sentence)."""
    return kremlin_calls_titled(f"Телефонный разговор с {counterpart}")


def kremlin_page(item: dict[str, str]) -> str:
    """A Kremlin news item as a page: its site chrome around the headline and the note."""
    raw = item["text_raw"].removeprefix("События ").removeprefix(item["title"]).strip()
    body, _, tail = raw.partition(" Темы ")
    sentences = [s.strip() + "." for s in body.split(". ") if s.strip()]
    paragraphs = "\n".join(f"<p>{escape(s.rstrip('.') + '.')}</p>" for s in sentences)
    return f"""<!DOCTYPE html>
<html lang="ru"><head><meta charset="utf-8"><title>{escape(item["title"])} • Президент России
</title></head><body><nav><a href="/events">События</a> <a href="/structure">Структура</a>
<a href="/acts">Документы</a></nav>
<article><h1>{escape(item["title"])}</h1>
<time datetime="{item["date"]}">{escape(item.get("raw_date", item["date"]))}</time>
{paragraphs}
</article><footer><p>Темы {escape(tail)}</p></footer></body></html>
"""


def write_cases(folder: Path) -> dict[str, Path]:
    """Write every case into `folder`; return them by name."""
    statement = issuer_statement()
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}

    def put(name: str, data: str | bytes) -> None:
        path = folder / name
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
        files[name] = path

    put("by-mfa.html", shared_path("pages", ISSUER_PAGE + ".html").read_bytes())
    put("embassy-pl.html", embassy_page(statement))
    put("statement.txt", plain_text(statement))
    put("statement.pdf", pdf(statement))
    for name, fields in RECEPTIONS.items():
        put(name, RECEPTION.format(**{k: escape(v) for k, v in fields.items()}))
    for counterpart, short in (
        ("Президентом Казахстана Касым-Жомартом Токаевым", "kz"),
        ("Президентом ОАЭ Мухаммедом Аль Нахайяном", "ae"),
    ):
        for item in kremlin_calls(counterpart):
            put(f"kremlin-{short}-{item['date']}.html", kremlin_page(item))
    return files


SECURITY_COUNCIL = "Совещание с постоянными членами Совета Безопасности"
"""Weekly Kremlin meetings: one headline, one list of participants, another topic each."""


def write_meetings(folder: Path) -> list[Path]:
    """Every Security Council meeting of the Kremlin sample as a page (10 statements)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for item in kremlin_calls_titled(SECURITY_COUNCIL):
        path = folder / f"security-council-{item['date']}.html"
        path.write_text(kremlin_page(item), encoding="utf-8")
        paths.append(path)
    return paths


def kremlin_calls_titled(title: str) -> list[dict[str, str]]:
    """The Kremlin sample's items with this headline."""
    path = shared_path("corpora", "kremlin_ru_2025_sample.jsonl")
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [i for i in items if i["title"] == title]


def copies_and_translation(folder: Path) -> tuple[Store, Settings]:
    """An archive of `tests/link/test_archive.py`'s copies and its English-French pair,
    ingested with linking on and enrichment off; returns the open store and settings."""
    from communique.pipeline import ingest
    from tests.link.test_archive import ENGLISH, FRENCH, write_copies

    paths = [*write_copies(folder), folder / "en.txt", folder / "fr.txt"]
    paths[-2].write_text(ENGLISH, encoding="utf-8")
    paths[-1].write_text(FRENCH, encoding="utf-8")
    db = str(folder / "copies.db")
    store = open_store(db)
    settings = Settings(db=db, workers=0, enrich=False)
    ingest([str(p) for p in paths], store, settings)
    return store, settings
