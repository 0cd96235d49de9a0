"""Semantic and hybrid search on a small labelled set of paraphrased queries.

Each query says what one statement says in other words (few or none of its words); the
statement must rank in the top 3 in semantic mode.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from communique import embeddings, semantic
from communique.errors import QueryError
from communique.query import parse_query
from communique.store.base import Store, open_store
from tests.conftest import add

STATEMENTS = {
    "ceasefire": (
        "Statement on the situation in Gaza",
        "The Ministry calls on all parties to agree an immediate cessation of hostilities and to"
        " allow humanitarian aid to reach civilians without delay.",
    ),
    "climate": (
        "Joint communiqué on climate finance",
        "The ministers pledged new funding to help developing countries cut emissions and adapt"
        " to floods, droughts and rising seas.",
    ),
    "embassy": (
        "Opening of the embassy in Nairobi",
        "The Foreign Minister inaugurated the new diplomatic mission in Kenya's capital,"
        " strengthening bilateral relations with East Africa.",
    ),
    "sanctions": (
        "Council adopts restrictive measures",
        "The Council froze the assets of twelve individuals and imposed a travel ban on them for"
        " their role in undermining the country's sovereignty.",
    ),
    "vaccine": (
        "Donation of vaccines to partner countries",
        "The government delivered two million doses of COVID-19 vaccine to partner states in"
        " Latin America through the COVAX facility.",
    ),
    "election": (
        "Statement on the presidential election",
        "Observers noted that the vote was well organised, although restrictions on the media"
        " limited the choice available to voters.",
    ),
    "cyber": (
        "Attribution of a cyberattack",
        "The government attributes the intrusion into the parliament's computer network to a"
        " group of hackers acting on behalf of a foreign intelligence service.",
    ),
    "refugees": (
        "Support for people fleeing the war",
        "The country will host an additional ten thousand displaced persons and provide them with"
        " shelter, schooling and access to the labour market.",
    ),
    "trade": (
        "Free trade agreement signed",
        "Both sides removed tariffs on industrial goods and agreed to open public procurement"
        " markets to each other's companies.",
    ),
    "nuclear": (
        "Statement on the non-proliferation treaty",
        "The Ministry urges all states to refrain from testing atomic weapons and to join the"
        " comprehensive test ban.",
    ),
    "german-floods": (
        "Hilfe für die Hochwassergebiete",
        "Die Bundesregierung stellt Soforthilfe für die vom Hochwasser betroffenen Gemeinden"
        " bereit und unterstützt den Wiederaufbau zerstörter Häuser und Straßen.",
    ),
    "french-space": (
        "Coopération spatiale",
        "La France et l'Inde ont signé un accord pour lancer ensemble des satellites"
        " d'observation de la Terre.",
    ),
}
PARAPHRASES = [
    ("a call for a truce so that relief supplies can get to people", "ceasefire"),
    ("money for poorer nations to reduce greenhouse gases", "climate"),
    ("a new diplomatic post opened in an African city", "embassy"),
    ("people's bank accounts blocked and entry to the territory refused", "sanctions"),
    ("immunisation shots given to South American countries", "vaccine"),
    ("how fair the vote for head of state was", "election"),
    ("hackers working for a foreign spy agency broke into lawmakers' computers", "cyber"),
    ("taking in more people displaced by fighting", "refugees"),
    ("abolishing customs duties between two economies", "trade"),
    ("stop detonating nuclear bombs", "nuclear"),
    ("emergency aid for towns hit by flooding", "german-floods"),
    ("joint satellite launches between two countries", "french-space"),
]


@pytest.fixture
def archive(store: Store) -> dict[str, str]:
    ids = {}
    for n, (key, (title, text)) in enumerate(STATEMENTS.items()):
        statement = add(
            store,
            f"https://example.gov/statements/{key}",
            title,
            text,
            published=date(2023, 1 + n % 12, 1),
            country="DE" if key.startswith("german") else "FR",
        )
        ids[key] = statement.id
    assert semantic.embed_missing(store) == len(STATEMENTS)
    assert semantic.embed_missing(store) == 0
    return ids


def test_paraphrased_queries_find_their_statement_in_the_top_3(
    store: Store, archive: dict[str, str]
) -> None:
    ranks = {}
    for query, key in PARAPHRASES:
        hits = semantic.search_mode(store, query, "semantic", limit=3).hits
        ranks[key] = (
            [h.statement.id for h in hits].index(archive[key]) + 1
            if archive[key] in [h.statement.id for h in hits]
            else None
        )
    missed = [key for key, rank in ranks.items() if rank is None]
    assert not missed, f"not in the top 3: {missed} (ranks {ranks})"


def test_semantic_mode_keeps_the_query_filters(store: Store, archive: dict[str, str]) -> None:
    hits = semantic.search_mode(store, "flooding relief country:FR", "semantic", limit=20).hits
    assert hits and archive["german-floods"] not in [h.statement.id for h in hits]


def test_filtered_ranking_is_the_full_ranking_cut_to_the_filters(
    store: Store, archive: dict[str, str]
) -> None:
    words = "help for people hit by floods"
    everything = semantic.semantic_ranking(store, parse_query(words), k=len(archive))
    french = {s.id for s in store.iter_matches(parse_query("country:FR"))}
    filtered = semantic.semantic_ranking(store, parse_query(words + " country:FR"), k=3)
    assert len(french) > 3
    expected = [(i, score) for i, score in everything if i in french][:3]
    assert [i for i, _ in filtered] == [i for i, _ in expected]
    assert [score for _, score in filtered] == pytest.approx([score for _, score in expected])


def test_hybrid_fuses_keyword_and_semantic_rankings(store: Store, archive: dict[str, str]) -> None:
    hits = semantic.search_mode(store, "satellites", "hybrid", limit=3).hits
    assert hits[0].statement.id == archive["french-space"]
    words = "a truce so that relief supplies get through"
    keyword = semantic.search_mode(store, words, "keyword", limit=3)
    hybrid = semantic.search_mode(store, words, "hybrid", limit=3)
    assert keyword.total == 0
    assert archive["ceasefire"] in [h.statement.id for h in hybrid.hits]


def test_similar_statements_leave_the_statement_out(store: Store, archive: dict[str, str]) -> None:
    found = semantic.similar(store, archive["climate"], k=3)
    assert len(found) == 3 and archive["climate"] not in [i for i, _ in found]


def test_unknown_mode_is_a_query_error(store: Store) -> None:
    with pytest.raises(QueryError, match="unknown mode"):
        semantic.search_mode(store, "peace", "fuzzy")


def test_hnsw_index_ranks_as_scoring_every_vector(
    store: Store, archive: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(semantic, "ANN_FROM", 1)
    assert semantic.ann_ready(store, wait=None)
    every = set(archive.values())
    for query, _ in PARAPHRASES:
        vector = embeddings.embed([query])[0]
        indexed = semantic.nearest(store, vector, None, 3)
        scored = semantic.nearest(store, vector, every, 3)
        assert [i for i, _ in indexed] == [i for i, _ in scored]
        assert [x for _, x in indexed] == pytest.approx([x for _, x in scored])


def test_worker_processes_store_the_vectors_this_process_makes(tmp_path: Path) -> None:
    store = open_store(tmp_path / "archive.db")
    for n, (key, (title, text)) in enumerate(list(STATEMENTS.items())[:5]):
        add(store, f"https://example.gov/{key}", title, text, published=date(2023, 1, 1 + n))
    assert semantic.embed_missing(store, batch=2, processes=2) == 5
    ids, blobs = store.all_vectors(embeddings.MODEL)
    texts = [embeddings.passage(store.get_statement(i)) for i in ids]
    assert embeddings.from_bytes(blobs) == pytest.approx(embeddings.embed(texts), abs=1e-5)
    store.close()


PAGE_PARAPHRASES = [
    ("Azerbaijan celebrates the anniversary of winning the war", "Victory Day"),
    ("Belarus retaliates against Western restrictions", "countermeasures"),
    ("charging points for electric cars along motorways", "Car-recharging stations"),
    ("map of radioactive gas in homes", "Radon im Boden"),
    ("holiday message from the American president", "Merry Christmas"),
    ("telegram messenger criminal investigation", "Messengerdienste"),
    ("Georgia government not legitimate says parliament", "no legitimacy"),
    ("warning for travellers going to Italy", "Italien: Reise"),
]
"""Paraphrases of real official pages (../shared), half of them answered in another language:
written after the labelled set above, on statements no rule of the code was written from."""


def test_paraphrases_of_real_pages_find_them_in_the_top_3(tmp_path: Path) -> None:
    from communique.pipeline import ingest
    from communique.settings import Settings
    from tests.conftest import shared_path

    store = open_store(tmp_path / "pages.db")
    inputs = [str(shared_path("seeds")), str(shared_path("pages"))]
    ingest(inputs, store, Settings(db=str(tmp_path / "pages.db"), workers=0, enrich=False))
    semantic.embed_missing(store)
    missed = []
    for query, title in PAGE_PARAPHRASES:
        hits = semantic.search_mode(store, query, "semantic", limit=3).hits
        if not any(title in h.statement.title for h in hits):
            missed.append((query, [h.statement.title[:40] for h in hits]))
    store.close()
    assert not missed, f"not in the top 3: {missed}"
