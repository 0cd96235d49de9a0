"""Inputs that are not what they claim: errors are CommuniqueErrors with one-line reasons."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from communique.errors import CommuniqueError, ExtractionError, InputError
from communique.extract import extract
from tests.extract.conftest import raw, shared
from tests.extract.pdfs import write_pdf


def test_empty_file() -> None:
    with pytest.raises(InputError, match="empty file"):
        extract(raw(b"", "text/html"))
    with pytest.raises(InputError, match="empty file"):
        extract(raw(b"  \n", "text/plain"))


def test_binary_junk_named_html() -> None:
    junk = bytes(range(256)) * 40
    with pytest.raises(InputError, match="not HTML: looks like binary data"):
        extract(raw(junk, "text/html"))


@pytest.mark.parametrize("kind", ["text/html", "text/plain"])
def test_a_stray_nul_byte_is_replaced_not_fatal(kind: str) -> None:
    """A NUL byte near the top of a real page does not make it "binary data"; it is shown as
    U+FFFD, as a browser shows it, and no NUL reaches the statement (PostgreSQL refuses it)."""
    page = shared("pages", "001_by-mfa_statement-countermeasures.html").read_bytes()
    if kind == "text/plain":
        html = extract(raw(page, "text/html"))
        page = "\n\n".join((html.title, *html.paragraphs)).encode()
    clean = extract(raw(page, kind))
    cut = page.index(b"Ministry") + 3
    assert cut < 8192  # where a NUL used to make the whole page "binary"
    result = extract(raw(page[:cut] + b"\x00" + page[cut:], kind))
    told, said = (
        "\n".join((result.title, *result.paragraphs)),
        "\n".join((clean.title, *clean.paragraphs)),
    )
    assert "\x00" not in told and told.replace("\ufffd", "") == said
    assert told.count("\ufffd") == (kind == "text/plain")  # the page's NUL is in <title>


def test_unsupported_type() -> None:
    with pytest.raises(InputError, match="unsupported content type image/png"):
        extract(raw(b"\x89PNG", "image/png"))


def test_invalid_utf8_html_decodes() -> None:
    body = (
        "<html><head><meta charset='utf-8'><title>Déclaration du ministère</title></head><body>"
        "<h1>Déclaration du ministère</h1>"
        "<p>Le ministère des Affaires étrangères condamne fermement "
        "l'attaque et appelle toutes les parties à la retenue et au dialogue.</p>"
        "<p>La France réaffirme son attachement au droit international et à la paix.</p>"
        "</body></html>"
    ).encode("latin-1")
    result = extract(raw(body, "text/html"))
    # Latin-1 bytes labelled UTF-8: the charset is sniffed (a guess), never a crash.
    assert result.title.startswith("D") and "claration du minist" in result.title
    assert "condamne fermement" in result.text and "droit international" in result.text
    assert result.language == "fr"


def test_invalid_utf8_text_decodes() -> None:
    body = (
        b"Erkl\xe4rung des Ministeriums\n\n"
        b"Das Ministerium begr\xfc\xdft die Einigung \xff\xfe und ruft zur Ruhe auf."
    )
    result = extract(raw(body, "text/plain"))
    assert result.title.startswith("Erkl")
    assert result.paragraphs and "Ministerium" in result.paragraphs[0]


def test_pdf_without_text_layer() -> None:
    with pytest.raises(ExtractionError, match=r"PDF has no text layer \(scanned image\?\)"):
        extract(raw(write_pdf([[]]), "application/pdf"))


def test_attachment_pdf_extracts_text() -> None:
    folder = shared("pages", "attachments")
    pdf = next(folder.glob("*.pdf"))
    result = extract(
        raw(pdf.read_bytes(), "application/pdf", url="http://localhost/discours_pmcg_en.pdf")
    )
    assert len(result.text) > 5000
    assert result.language == "en"
    assert result.title
    assert "Government" in result.text or "government" in result.text


def test_not_a_pdf() -> None:
    with pytest.raises(InputError):
        extract(raw(b"<html>nope</html>", "application/pdf"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.one_of(
        st.binary(max_size=2000), st.text(max_size=2000).map(lambda s: s.encode("utf-8"))
    ),
    kind=st.sampled_from(["text/html", "text/plain", "text/html; charset=latin-1"]),
)
def test_arbitrary_bytes_never_crash(body: bytes, kind: str) -> None:
    try:
        result = extract(raw(body, kind))
    except CommuniqueError:
        return
    assert result is not None
    assert isinstance(result.paragraphs, tuple)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "<p>",
                "</p>",
                "<div>",
                "<h1>",
                "</h1>",
                "<a href='x.pdf'>",
                "</a>",
                "Text.",
                "Ein Satz mit Wörtern.",
                "\x00",
                "<?xml version='1.0'?>",
                "<title>T</title>",
                "<time datetime='2020-01-01'>",
                "&amp;",
                "<script>",
                "</script>",
            ]
        ),
        max_size=40,
    )
)
def test_arbitrary_markup_never_crash(parts: list[str]) -> None:
    with contextlib.suppress(CommuniqueError):
        extract(raw("".join(parts).encode("utf-8"), "text/html"))


@pytest.mark.parametrize("declared", ["<meta charset='utf-8'>", ""])
def test_one_invalid_byte_is_replaced_where_it_stands(declared: str) -> None:
    page = (
        f"<html><head>{declared}<title>Şuşa şəhəri haqqında bəyanat</title></head><body>"
        "<h1>Şuşa şəhəri haqqında bəyanat</h1>"
        "<p>Azərbaycan Respublikası Xarici İşlər Nazirliyi Şuşa şəhərinin azad edilməsinin"
        " ildönümü münasibətilə bəyanat yayır və bütün tərəfləri sülhə çağırır.</p>"
        "<p>Nazirlik beynəlxalq hüququn normalarına sadiq olduğunu bir daha təsdiq edir.</p>"
        "</body></html>"
    ).encode()
    result = extract(raw(page.replace(b"<p>Az", b"<p>\xffAz", 1), "text/html"))
    assert "Şuşa" in result.title and "Azərbaycan" in result.text
    assert "\ufffdAzərbaycan" in result.text
    assert result.warnings == ("1 invalid UTF-8 byte sequences replaced by U+FFFD",)
    assert extract(raw(page, "text/html")).warnings == ()


@pytest.mark.parametrize("where", ["meta", "header"])
def test_an_invalid_byte_in_an_ascii_page_declared_utf8_is_replaced(where: str) -> None:
    meta = "<meta charset='utf-8'>" if where == "meta" else ""
    page = (
        f"<html><head>{meta}<title>Statement on the talks</title></head><body>"
        "<h1>Statement on the talks</h1><p>The Ministry of Foreign Affairs welcomes the talks"
        " in \udcffBaku and calls on all parties to respect the ceasefire.</p>"
        "<p>It reaffirms its commitment to the norms of international law.</p></body></html>"
    ).encode("utf-8", "surrogateescape")
    content_type = "text/html" if where == "meta" else "text/html; charset=utf-8"
    result = extract(raw(page, content_type))
    assert "talks in \ufffdBaku" in result.text
    assert result.warnings == ("1 invalid UTF-8 byte sequences replaced by U+FFFD",)
