"""UN resolutions and named agreements."""

from __future__ import annotations

from communique.enrich.references import find_references


def test_numbered_security_council_resolutions_are_listed_one_by_one() -> None:
    text = "Armenia ignored Security Council resolutions 822, 853, 874 and 884 of 1993."
    refs = find_references(text)
    assert [(r.kind, r.id) for r in refs] == [
        ("unsc-resolution", "822"),
        ("unsc-resolution", "853"),
        ("unsc-resolution", "874"),
        ("unsc-resolution", "884"),
    ]


def test_resolution_with_year_and_general_assembly_resolution() -> None:
    text = "Recalling resolution 2334 (2016) and General Assembly resolution 62/243 on Karabakh."
    assert [(r.kind, r.id) for r in find_references(text)] == [
        ("unsc-resolution", "2334 (2016)"),
        ("unga-resolution", "62/243"),
    ]


def test_counted_resolutions_and_named_statement_keep_their_offsets() -> None:
    text = (
        "Azerbaijan implemented 4 resolutions of the UN Security Council. Troops withdrew"
        " under the Trilateral Statement dated November 10."
    )
    refs = find_references(text)
    assert [(r.kind, r.id) for r in refs] == [
        ("unsc-resolution", None),
        ("agreement", "Trilateral Statement"),
    ]
    assert all(text[r.start : r.end] == r.text for r in refs)


def test_plain_capitalised_words_are_not_agreements() -> None:
    assert find_references("The Minister met the President in Baku on Monday.") == []
