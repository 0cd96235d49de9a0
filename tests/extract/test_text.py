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
