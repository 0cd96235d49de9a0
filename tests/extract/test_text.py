"""Plain-text statements: the Azerbaijan seed with trailing embassy-site chrome."""

from __future__ import annotations

from communique.extract import extract
from communique.model import DocType
from tests.extract.conftest import raw, shared

SEED_TITLE = (
    "Statement of the Ministry of Foreign Affairs of the Republic of Azerbaijan on the occasion of "
    "8 November – Victory Day"
)


def test_seed_statement() -> None:
    body = shared("seeds", "000_ac6ea3ae84a41b15.txt").read_bytes()
    result = extract(raw(body, "text/plain"))
    assert result.title == SEED_TITLE
    assert result.language == "en"
    assert "Szukaj w archiwum" not in result.text
    assert result.paragraphs[-1] == "Happy Victory Day!"
    assert result.issuer is not None and "Azerbaijan" in result.issuer
    assert result.country == "AZ"
    assert result.doc_type == DocType.STATEMENT
    assert result.paragraphs[0].startswith("November 8 is a Victory Day")


def test_wrapped_lines_are_joined() -> None:
    body = b"A title\n\nFirst line of a paragraph\ncontinues here.\n\nSecond paragraph."
    result = extract(raw(body, "text/plain; charset=utf-8"))
    assert result.title == "A title"
    assert result.paragraphs == ("First line of a paragraph continues here.", "Second paragraph.")


def test_a_bilingual_page_gets_a_language_per_paragraph() -> None:
    english = [
        "The Permanent Mission welcomes the adoption of the resolution on maritime security by"
        " consensus and thanks all delegations for their constructive engagement.",
        "It calls on all States to implement the resolution fully and to report on progress at"
        " the next session of the General Assembly in New York.",
        "The Mission stands ready to work with partners in the region on training programmes.",
    ]
    french = [
        "La Mission permanente se félicite de l'adoption par consensus de la résolution sur la"
        " sécurité maritime et remercie toutes les délégations de leur engagement constructif.",
        "Elle appelle tous les États à mettre pleinement en œuvre la résolution et à rendre"
        " compte des progrès accomplis lors de la prochaine session de l'Assemblée générale.",
        "La Mission est prête à travailler avec ses partenaires de la région sur la formation.",
    ]
    body = "".join(f"<p>{p}</p>" for p in english + french)
    html = "<html lang='en'><head><title>Maritime security</title></head><body><article>"
    html += f"<h1>Maritime security</h1>{body}</article></body></html>"
    result = extract(raw(html.encode(), "text/html"))
    assert result.paragraph_languages == ("en",) * 3 + ("fr",) * 3
    longer = "fr" if sum(map(len, french)) > sum(map(len, english)) else "en"
    assert result.language == longer, "the main language is the one with most text"


def test_a_page_in_one_language_has_no_per_paragraph_languages() -> None:
    body = "".join(
        f"<p>The Ministry of Foreign Affairs welcomes the agreement reached in round {i} of the"
        " talks and calls on both sides to implement it in good faith.</p>"
        for i in range(6)
    )
    html = f"<html><head><title>Talks</title></head><body><h1>Talks</h1>{body}</body></html>"
    result = extract(raw(html.encode(), "text/html"))
    assert result.language == "en" and result.paragraph_languages == ()


STATEMENT_BODY = "".join(
    f"<p>The Federal Government welcomes the agreement on point {i} and calls on all partners"
    " to implement it swiftly and in full.</p>"
    for i in range(5)
)


def _dated_page(dateline: str) -> bytes:
    return (
        "<html><head><title>Agreement on the border | Ministry</title>"
        '<meta property="article:modified_time" content="2024-05-01T10:00:00"></head><body>'
        "<header>Site updated 30 May 2024</header><article><h1>Agreement on the border</h1>"
        f'<img src="/media/2023-01-05-summit.jpg">{dateline}{STATEMENT_BODY}'
        '<p><a href="/files/statement-2022-11-30.pdf">Download</a></p></article>'
        "<footer>Last updated: 1 June 2024</footer></body></html>"
    ).encode()


def test_the_dateline_wins_over_modified_site_and_file_name_dates() -> None:
    page = _dated_page("<p>Berlin, 12 March 2024</p>")
    result = extract(raw(page, "text/html", url="https://ministry.example/press/agreement"))
    assert result.published is not None and result.published.isoformat() == "2024-03-12"
    assert result.published_source == "dateline" and result.published_confidence >= 0.8


def test_a_last_modified_date_is_not_taken_for_publication() -> None:
    page = _dated_page("")
    result = extract(raw(page, "text/html", url="https://ministry.example/press/agreement"))
    assert result.published is None or result.published.isoformat() not in (
        "2024-05-01",
        "2024-05-30",
        "2024-06-01",
        "2023-01-05",
        "2022-11-30",
    )


def test_the_lang_attribute_is_only_a_hint() -> None:
    body = "".join(
        f"<p>Le ministère des Affaires étrangères salue l'accord conclu lors de la séance {i}"
        " et appelle toutes les parties à le mettre en œuvre de bonne foi.</p>"
        for i in range(5)
    )
    html = f"<html lang='en'><head><title>Accord</title></head><body><h1>Accord</h1>{body}"
    result = extract(raw(f"{html}</body></html>".encode(), "text/html"))
    assert result.language == "fr"
