"""PDF extraction: paragraphs rebuilt from the layout of realistic word-processor PDFs."""

from __future__ import annotations

import textwrap
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest

from communique.errors import ExtractionError, InputError
from communique.extract import extract
from communique.model import Extraction
from tests.extract.conftest import raw
from tests.extract.pdfs import WIDTH, Line, write_pdf

TITLE = "Statement by the Ministry of Foreign Affairs on the ceasefire agreement"
SALUTATION = "Excellencies, Ladies and Gentlemen, dear colleagues from the diplomatic corps,"
BODY = [
    "The Ministry of Foreign Affairs welcomes the ceasefire agreement signed yesterday by the "
    "parties to the conflict and commends the mediators for their patient work of many months.",
    "We call on all parties to respect the agreement in full, to protect civilians and to allow "
    "humanitarian convoys to reach every affected district without delay or any conditions. "
    "The international community must stand ready to support the monitoring mission.",
    "Our country will contribute observers to the mission and will host the next round of talks "
    "in its capital, as agreed with the two delegations and the regional organisation.",
]


def typeset(
    title: str,
    paragraphs: list[str],
    *,
    gap: float = 8.0,
    indent: float = 0.0,
    per_page: int = 9,
    header: str | None = None,
    numbers: str = "{n}",
) -> list[list[Line]]:
    """Lay out a 14 pt title and 11 pt paragraphs on 14 pt lines as a word processor does."""
    pages: list[list[Line]] = [[Line(72, 760, title, 14)]]
    y = 732.0
    for paragraph in paragraphs:
        for index, text in enumerate(textwrap.wrap(paragraph, 84, break_on_hyphens=False)):
            if len(pages[-1]) >= per_page:
                pages.append([])
                y = 760.0
            pages[-1].append(Line(72 + (indent if index == 0 else 0), y, text))
            y -= 14
        y -= gap
    for number, page in enumerate(pages, start=1):
        page.append(Line(WIDTH / 2, 40, numbers.format(n=number, total=len(pages)), 9))
        if header:
            page.insert(0, Line(72, 805, header, 9))
    return pages


def pdf(pages: list[list[Line]], **metadata: str) -> Extraction:
    return extract(raw(write_pdf(pages, metadata or None), "application/pdf"))


def test_paragraphs_split_at_blank_space_gaps_and_join_across_pages() -> None:
    result = pdf(typeset(TITLE, [SALUTATION, *BODY]))
    assert result.title == TITLE
    assert list(result.paragraphs) == [SALUTATION, *BODY]


def test_without_a_gap_or_indent_lines_of_one_block_stay_together() -> None:
    result = pdf(typeset(TITLE, [SALUTATION, *BODY], gap=0))
    assert result.paragraphs[0].startswith(SALUTATION + " " + BODY[0][:20])


def test_indented_first_lines_start_paragraphs_without_gaps() -> None:
    result = pdf(typeset(TITLE, [SALUTATION, *BODY], gap=0, indent=36))
    assert list(result.paragraphs) == [SALUTATION, *BODY]


def test_page_numbers_and_running_headers_are_dropped() -> None:
    header = "Ministry of Foreign Affairs - Press Service"
    for numbers in ("{n}", "Page {n} of {total}", "- {n} -"):
        pages = typeset(TITLE, [*BODY * 2], per_page=4, header=header, numbers=numbers)
        assert len(pages) >= 3
        result = pdf(pages)
        assert list(result.paragraphs) == BODY * 2, numbers
        assert header not in result.text


def test_hyphenated_line_breaks_are_mended() -> None:
    lines = [
        Line(72, 760, TITLE, 14),
        Line(72, 720, "The ministry welcomes the nego-"),
        Line(72, 706, "tiations held in Geneva on the Franco-"),
        Line(72, 692, "German water initiative and on the release of all detainees held since"),
        Line(72, 678, "the spring."),
    ]
    result = pdf([lines])
    assert result.paragraphs == (
        "The ministry welcomes the negotiations held in Geneva on the Franco-German water "
        "initiative and on the release of all detainees held since the spring.",
    )


def test_bullets_are_paragraphs_with_hanging_lines_joined() -> None:
    lines = [Line(72, 760, TITLE, 14), Line(72, 720, "The agreement provides for:")]
    items = [
        ("the withdrawal of heavy weapons from the contact line within fourteen", "days;"),
        ("the exchange of all prisoners;", None),
        ("a joint commission that meets every month under the chairmanship of the", "mediators."),
    ]
    y = 700.0
    for first, rest in items:
        lines += [Line(90, y, "\u2022"), Line(108, y, first)]
        y -= 14
        if rest:
            lines.append(Line(108, y, rest))
            y -= 14
    result = pdf([lines])
    expected = [f"{first} {rest}" if rest else first for first, rest in items]
    assert list(result.paragraphs) == ["The agreement provides for:", *expected]


def test_metadata_title_and_date_when_the_text_has_none() -> None:
    result = pdf(
        typeset("Press release", BODY),
        Title=TITLE,
        CreationDate="D:20230314093000+01'00'",
    )
    assert result.title == TITLE
    assert result.published == date(2023, 3, 14) and result.published_source == "pdf-metadata"


def test_a_dateline_in_the_text_wins_over_metadata() -> None:
    result = pdf(typeset(TITLE, ["Geneva, 2 March 2023", *BODY]), CreationDate="D:20230314093000")
    assert result.published == date(2023, 3, 2) and result.published_source == "dateline"


@pytest.mark.parametrize(
    "body",
    [b"%PDF-1.7\n" + bytes(range(256)) * 4, write_pdf(typeset(TITLE, [*BODY]))[:-60]],
    ids=["junk-after-header", "truncated"],
)
def test_a_pdf_pdfium_cannot_open_is_a_one_line_input_error(body: bytes) -> None:
    with pytest.raises(InputError, match=r"^not a readable PDF: [^\n]+$"):
        extract(raw(body, "application/pdf"))


def test_a_page_without_text_is_a_scan() -> None:
    with pytest.raises(ExtractionError, match=r"PDF has no text layer \(scanned image\?\)"):
        extract(raw(write_pdf([[]]), "application/pdf"))


def test_extraction_from_many_threads_is_safe_and_stable() -> None:
    bodies = [write_pdf(typeset(TITLE, [*BODY[i:], *BODY[:i]])) for i in range(3)] * 4
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda body: extract(raw(body, "application/pdf")), bodies))
    assert [r.paragraphs for r in results] == [r.paragraphs for r in results[:3]] * 4


def test_a_number_ending_a_page_of_text_is_kept_when_pages_are_unnumbered() -> None:
    first = [Line(72, 760, TITLE, 14), Line(72, 720, "The border protocol was signed on 7 July")]
    first.append(Line(72, 706, "2020."))
    second = [Line(72, 760, "Both governments have since ratified it and exchanged instruments.")]
    result = pdf([first, second])
    assert result.paragraphs[0] == "The border protocol was signed on 7 July 2020."
