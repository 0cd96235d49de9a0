"""Disambiguation rules for places: kinds of place, capitals, states, regions and context."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from communique.enrich.core import Enricher
from communique.enrich.gazetteer import (
    Feature,
    Gazetteer,
    _read_cache,
    _write_cache,
    distance_km,
    name_key,
    skeleton,
)
from communique.enrich.places import Span, one_sense, outermost, resolve
from communique.enrich.places.spans import known_name_spans
from communique.enrich.regions import REGIONS
from communique.model import Place


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.load()


def countries_of(name: str, text: str, issuer: str) -> list[str | None]:
    """The countries of the places that `name` is given in a statement of `issuer`."""
    places = Enricher("rules").enrich(text, None, "en", issuer).places
    return [p.country for p in places if text[p.start : p.end] == name]


def near(feature: Feature | Place | None, lat: float, lon: float, km: float) -> bool:
    return feature is not None and distance_km(feature.lat, feature.lon, lat, lon) <= km


def test_a_county_named_with_its_kind_word_is_the_county(gazetteer: Gazetteer) -> None:
    county = resolve(Span("Laurel County", 0, 13), ("US",), gazetteer)
    assert county is not None and county.feature == "district"
    assert near(county, 37.11, -84.12, 50)
    town = resolve(Span("Laurel", 0, 6), ("US",), gazetteer)
    assert town is not None and town.feature == "city"


def test_city_after_a_name_asks_for_the_town(gazetteer: Gazetteer) -> None:
    city = resolve(Span("Quebec City", 0, 11), ("CA",), gazetteer)
    assert city is not None and city.feature == "city" and near(city, 46.81, -71.21, 25)
    province = resolve(Span("Quebec", 0, 6), ("CA",), gazetteer)
    assert province is not None and province.feature == "subdivision"


@pytest.mark.parametrize(
    ("name", "focus", "lat", "lon"),
    [("Cape Town", (), -33.93, 18.42), ("Sioux City", ("US",), 42.50, -96.40)],
)
def test_a_town_whose_own_name_ends_in_a_kind_word_is_that_town(
    gazetteer: Gazetteer, name: str, focus: tuple[str, ...], lat: float, lon: float
) -> None:
    town = resolve(Span(name, 0, len(name), label="GPE"), focus, gazetteer)
    assert town is not None and town.feature == "city" and near(town, lat, lon, 25)


def test_a_national_capital_beats_a_namesake_in_the_main_focus(gazetteer: Gazetteer) -> None:
    ottawa = resolve(Span("Ottawa", 0, 6), ("US", "CA"), gazetteer)
    assert ottawa is not None and ottawa.capital and ottawa.country == "CA"
    washington = resolve(Span("Washington", 0, 10), ("GB", "US"), gazetteer)
    assert near(washington, 38.90, -77.04, 25)


def test_a_state_beats_a_smaller_town_of_its_name(gazetteer: Gazetteer) -> None:
    wyoming = resolve(Span("Wyoming", 0, 7), ("US",), gazetteer)
    assert wyoming is not None and wyoming.feature == "subdivision"


def test_a_town_holding_a_large_share_of_its_state_is_what_the_name_means(
    gazetteer: Gazetteer,
) -> None:
    assert near(resolve(Span("New York", 0, 8), ("US",), gazetteer), 40.71, -74.01, 25)


def test_a_state_named_like_a_country_depends_on_the_focus(gazetteer: Gazetteer) -> None:
    in_us_text = resolve(Span("Georgia", 0, 7), ("US",), gazetteer)
    assert in_us_text is not None and in_us_text.country == "US"
    assert in_us_text.feature == "subdivision"
    in_caucasus_text = resolve(Span("Georgia", 0, 7), ("GE", "AZ"), gazetteer)
    assert in_caucasus_text is not None and in_caucasus_text.feature == "country"


def test_a_state_is_not_the_country_its_name_starts_like(gazetteer: Gazetteer) -> None:
    indiana = resolve(Span("Indiana", 0, 7), (), gazetteer)
    assert indiana is not None and indiana.country == "US" and near(indiana, 40.0, -86.2, 161)


def test_a_word_inside_a_title_is_no_country_by_its_first_letters(gazetteer: Gazetteer) -> None:
    statement = resolve(Span("Statement", 4, 13, inner=True), ("AZ",), gazetteer)
    assert statement is None or statement.feature != "country"
    canadian = resolve(Span("Canadian", 4, 12, inner=True), (), gazetteer)
    assert canadian is not None and canadian.country == "CA"


def test_continent_adjectives_and_curated_regions(gazetteer: Gazetteer) -> None:
    europe = resolve(Span("European", 0, 8), (), gazetteer)
    assert europe is not None and europe.feature == "continent"
    karabakh = resolve(Span("Garabagh region", 0, 15), ("AZ", "AM"), gazetteer)
    assert karabakh is not None and karabakh.feature == "region"
    assert near(karabakh, 39.85, 46.75, 75)
    assert near(resolve(Span("Nagorno-Karabakh", 0, 16), ("AM",), gazetteer), 39.85, 46.75, 75)


def test_every_member_of_a_curated_region_is_in_the_gazetteer(gazetteer: Gazetteer) -> None:
    for region in REGIONS:
        for member in region.members:
            name, _, country = member.rpartition(", ")
            if name:
                assert any(f.country == country for f in gazetteer.by_name(name)), member
        placed = gazetteer.by_name(region.name)
        assert any(name_key(f.name) == name_key(region.name) for f in placed), region.name


def test_known_multi_word_names_are_found_where_ner_may_split_them(gazetteer: Gazetteer) -> None:
    text = "Crews from British Columbia, New Mexico and East Azerbaijan joined the Red Cross."
    found = [s.text for s in known_name_spans(text, gazetteer.is_known_name)]
    assert found == ["British Columbia", "New Mexico", "East Azerbaijan"]


def test_a_state_known_by_its_english_name_is_the_state_not_the_country_inside_it(
    enricher: Enricher,
) -> None:
    text = "The towns of Haris and Varzaqan in East Azerbaijan province were hit."
    places = enricher.enrich(text, None, "en", None).places
    named = [p for p in places if text[p.start : p.end].startswith("East Azerbaijan")]
    assert [(p.feature, p.country) for p in named] == [("subdivision", "IR")]


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    return Enricher("rules")


def test_a_named_state_draws_its_town_over_a_bigger_namesake(enricher: Enricher) -> None:
    text = "The storm moved from Laurel County, Kentucky, toward London on Sunday night."
    london = [p for p in enricher.locate(text) if text[p.start : p.end] == "London"]
    assert london and all(near(p, 37.13, -84.08, 50) for p in london)


def test_a_split_province_is_one_place_not_a_country(enricher: Enricher) -> None:
    text = "Wildfires forced thousands from their homes across British Columbia this week."
    places = enricher.locate(text)
    assert [p.name for p in places] == ["British Columbia"]
    assert near(places[0], 54.0, -125.0, 300)


def test_the_cache_reads_back_what_was_written(tmp_path: Path, gazetteer: Gazetteer) -> None:
    shusha = gazetteer.by_name("Shusha")[0]
    jabrayil = next(f for f in gazetteer.by_name("Jabrayil") if f.country == "AZ")
    tables = {
        "features": [[getattr(f, field) for f in (shusha, jabrayil)] for field in shusha.__slots__],
        "names": {"shusha": 0, "susa": 0},
        "skeletons": {"AZ": {skeleton("Jabrayil"): [1]}},
        "subdivisions": [],
        "common_words": {"en": ["council"]},
    }
    path = tmp_path / "gazetteer.sqlite"
    assert _write_cache(path, tables)
    database = _read_cache(path)
    assert database is not None
    small = Gazetteer(database)
    assert small.by_name("Şuşa") == [shusha]
    assert small.by_skeleton("Cəbrayıl", "AZ") == [jabrayil]
    assert small.is_common("Council", "en") and not small.is_common("Shusha", "en")
    assert not small.is_common("Council", "fr")
    assert small.all_features() == [shusha, jabrayil]
    broken = tmp_path / "broken.sqlite"
    broken.write_bytes(b"not a database")
    assert _read_cache(broken) is None
    blocked = tmp_path / "a-file" / "gazetteer.sqlite"
    (tmp_path / "a-file").write_text("a file, not a folder")
    assert _write_cache(blocked, tables) is False


def test_a_dateline_places_its_town_in_the_state_after_it(enricher: Enricher) -> None:
    text = "GLASGOW, Ky. (WBKO) -- Firefighters spent the night at a warehouse downtown."
    glasgow = [p for p in enricher.locate(text) if text[p.start : p.end] == "GLASGOW"]
    assert glasgow and all(near(p, 37.00, -85.91, 25) for p in glasgow)


def test_capitals_alone_are_a_state_code_or_a_listed_acronym(gazetteer: Gazetteer) -> None:
    kentucky = resolve(Span("KY", 0, 2), ("US",), gazetteer)
    assert kentucky is not None and kentucky.iso == "US-KY"
    europe = resolve(Span("EU", 0, 2), ("FR",), gazetteer)
    assert europe is not None and europe.feature == "continent"
    assert resolve(Span("SAS", 0, 3), ("GB", "CA"), gazetteer) is None


def test_a_town_beats_the_country_its_name_only_starts_like(gazetteer: Gazetteer) -> None:
    samos = resolve(Span("Samos", 0, 5), ("GR",), gazetteer)
    assert samos is not None and samos.country == "GR"
    franklin = resolve(Span("Franklin", 0, 8), ("US",), gazetteer)
    assert franklin is not None and franklin.country == "US" and franklin.name == "Franklin"


def test_an_unlabelled_word_names_a_town_only_by_its_own_name(gazetteer: Gazetteer) -> None:
    for word in ("Regiment", "Battalion", "Defence"):
        found = resolve(Span(word, 10, 10 + len(word), strict=True), ("US", "GB"), gazetteer)
        assert found is None or name_key(found.name) == name_key(word), word


def test_a_state_right_after_a_town_decides_which_town(enricher: Enricher) -> None:
    text = "A man from Paris, Missouri, was arrested after the crash near the county line."
    paris = [p for p in enricher.locate(text) if text[p.start : p.end] == "Paris"]
    assert paris and all(near(p, 39.48, -92.00, 25) for p in paris)


def test_a_listed_acronym_names_its_place_whatever_ner_called_it(enricher: Enricher) -> None:
    text = "Ministers said EU farmers would get help after the floods in the spring."
    eu = [p for p in enricher.locate(text) if text[p.start : p.end] == "EU"]
    assert eu and eu[0].feature == "continent" and eu[0].name == "Europe"


def test_a_town_near_the_other_towns_of_the_text_beats_a_bigger_namesake(
    enricher: Enricher,
) -> None:
    text = (
        "Pupils in Edmonton planted a community garden. The council in Enfield paid for "
        "seeds, and a charity from Tottenham lent the tools."
    )
    edmonton = [p for p in enricher.locate(text) if text[p.start : p.end] == "Edmonton"]
    assert edmonton and all(near(p, 51.62, -0.06, 25) for p in edmonton)


def test_a_nationality_names_no_town(gazetteer: Gazetteer) -> None:
    for word in ("Kurdish", "Arab"):
        found = resolve(Span(word, 0, len(word), label="NORP"), ("SY", "TR"), gazetteer)
        assert found is None or found.feature != "city", word


def test_two_nationalities_joined_are_each_their_country(enricher: Enricher) -> None:
    text = "A German-Iraqi engineer was detained at the border on Friday."
    places = enricher.locate(text)
    assert "DE" not in {p.country for p in places if text[p.start : p.end] == "German-Iraqi"}
    assert any(p.country == "IQ" and text[p.start : p.end] == "Iraqi" for p in places)


def test_a_possessive_state_is_found_whole(enricher: Enricher) -> None:
    text = "The dam will go ahead under British Columbia's new energy law, officials said."
    places = enricher.locate(text)
    assert [p.name for p in places] == ["British Columbia"]


def test_a_facility_word_inside_a_name_is_no_town(gazetteer: Gazetteer) -> None:
    for word in ("University", "Hospital", "Hills"):
        span = Span(word, 10, 10 + len(word), inner=True)
        assert resolve(span, ("US",), gazetteer) is None, word


@given(st.lists(st.tuples(st.integers(0, 30), st.integers(1, 8)), max_size=25))
def test_only_places_inside_a_longer_place_are_dropped(extents: list[tuple[int, int]]) -> None:
    town = Feature(2988507, "Paris", 48.85, 2.35, "FR", 2_100_000)
    resolved = [(Span("x" * size, start, start + size), town) for start, size in extents]
    kept = outermost(resolved)

    def inside_a_longer(span: Span) -> bool:
        return any(
            o.start <= span.start and span.end <= o.end and o.end - o.start > span.end - span.start
            for o, _ in resolved
        )

    assert kept == [(s, f) for s, f in resolved if not inside_a_longer(s)]


def test_a_town_named_inside_a_county_name_does_not_draw_the_county_to_it() -> None:
    text = (
        "Storm damage was reported across Iowa on Monday, in Allamakee County, Dallas County "
        "and Plymouth County, the state's emergency office said."
    )
    places = Enricher("rules").locate(text)
    dallas = [p for p in places if text[p.start : p.end] == "Dallas County"]
    assert dallas and dallas[0].country == "US" and near(dallas[0], 41.69, -94.03, 25)


@pytest.mark.parametrize(
    ("text", "issuer", "name", "country"),
    [
        pytest.param(
            "The United States will rejoin the Paris Agreement, the White House said.",
            "US",
            "Paris",
            "FR",
            id="agreement",
        ),
        pytest.param(
            "Our delegation attended the Venice International Film Festival in September.",
            "US",
            "Venice",
            "IT",
            id="festival",
        ),
        pytest.param(
            "Canada calls on all parties to respect the Geneva Conventions.",
            "CA",
            "Geneva",
            "CH",
            id="convention",
        ),
        pytest.param(
            "The talks in Vienna will resume next week, the Department said.",
            "US",
            "Vienna",
            "AT",
            id="capital-abroad",
        ),
        pytest.param(
            "Our embassy in Tripoli remains closed until further notice.",
            "US",
            "Tripoli",
            "LY",
            id="embassy-abroad",
        ),
        pytest.param(
            "The Minister will travel to Berlin and Paris next week.",
            "CA",
            "Paris",
            "FR",
            id="trip",
        ),
        pytest.param(
            "The Governor toured flood damage in Paris, Texas, on Monday.",
            "US",
            "Paris",
            "US",
            id="namesake-with-its-state",
        ),
    ],
)
def test_eponyms_and_capitals_abroad_take_the_well_known_place(
    text: str, issuer: str, name: str, country: str
) -> None:
    assert countries_of(name, text, issuer) == [country]


def test_a_title_is_no_town() -> None:
    text = "The talks ended on Friday, the Secretary of State told reporters in Washington."
    places = Enricher("rules").enrich(text, None, "en", "US").places
    assert [text[p.start : p.end] for p in places] == ["Washington"]


UN_STYLE = (
    "The United States thanks the Secretary-General for his report. The Security Council "
    "must act: the Council has met eleven times on the war, and the European Union and the "
    "Alliance stand ready. We welcome the work of the International Atomic Energy Agency and "
    "of the Caribbean Community, and we will defend Justice, Progress and Prosperity for all."
)


def test_titles_bodies_and_common_nouns_in_a_speech_are_no_towns() -> None:
    places = Enricher("rules").enrich(UN_STYLE, None, "en", "US").places
    named = {UN_STYLE[p.start : p.end]: (p.name, p.feature) for p in places}
    assert set(named) <= {"United States", "European Union", "Caribbean"}, named
    assert all(feature != "city" for _, feature in named.values()), named


def test_common_words_are_not_respelt_into_towns() -> None:
    text = "The Palestinian State and the Member States met in Paris on Monday."
    places = Enricher("rules").enrich(text, None, "en", "FR").places
    assert [(text[p.start : p.end], p.country) for p in places] == [
        ("Palestinian", "PS"),
        ("Paris", "FR"),
    ]


def test_a_party_that_starts_like_a_country_is_none() -> None:
    text = "The proposal by the federal Liberals on health funding was rejected in Ottawa."
    places = Enricher("rules").enrich(text, None, "en", "CA").places
    assert [p.name for p in places] == ["Ottawa"]


def test_web_addresses_codes_and_buildings_are_no_towns() -> None:
    text = (
        "Follow the President at Flickr.com/WhiteHouse and @WhiteHouse. Celebrating the "
        "holidays in the White House, he thanked Ismail Ertug (S&D, DE) and the Union State."
    )
    places = Enricher("rules").enrich(text, None, "en").places
    assert [(text[p.start : p.end], p.feature) for p in places if p.feature != "country"] == []


def test_a_county_is_the_county_and_a_town_inside_an_organisation_name_is_whole() -> None:
    text = (
        "Grants go to Muhlenberg County schools and Ohio County schools, the Beverly Hills "
        "Police Department said."
    )
    places = {text[p.start : p.end]: p.feature for p in Enricher("rules").locate(text)}
    assert places["Ohio County"] == "district"
    assert places["Beverly Hills"] == "city" and "Beverly" not in places


def test_a_name_keeps_the_place_it_has_elsewhere_in_the_text(gazetteer: Gazetteer) -> None:
    afrin = next(f for f in gazetteer.by_name("Afrin") if f.country == "SY")
    spans = [
        Span("Afrin", 10, 15, label="GPE"),
        Span("Afrin", 40, 45, strict=True, label="ORG"),
        Span("Afrin", 60, 65, label="EVENT", strict=True),
        Span("Afrin", 80, 85, inner=True),
    ]
    assert one_sense(spans, [afrin, None, None, None]) == [afrin, afrin, None, None]


def test_world_regions_are_regions_not_the_country_in_their_name() -> None:
    text = (
        "Ministers from Latin America, Southeast Asia and West Africa met Central American envoys."
    )
    places = Enricher("rules").enrich(text, None, "en", "US").places
    assert [(text[p.start : p.end], p.feature) for p in places] == [
        ("Latin America", "region"),
        ("Southeast Asia", "region"),
        ("West Africa", "region"),
        ("Central American", "region"),
    ]
