"""The tantivy search index: every script, inflected forms, counts over time, staying in step."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import TypeVar

import pytest

from communique.errors import QueryError
from communique.model import CopyLink
from communique.query import parse_query
from communique.store import sqlite, sqlite_index, tantivy_index
from communique.store.base import CopyRow, Store
from communique.store.search_index import FACET_LIMIT, IndexDoc, Restriction
from communique.store.sqlite import SqliteStore
from communique.store.sqlite_index import SYNC_EVERY
from communique.store.tantivy_index import TantivyIndex
from tests.conftest import add, shared_path

S = TypeVar("S", bound=Store)


@pytest.fixture
def sqlite_store(tmp_path: Path) -> SqliteStore:
    """The tantivy index is the SQLite store's; PostgreSQL keeps its own text index."""
    return SqliteStore(tmp_path / "test.db")


@pytest.fixture
def scripts(sqlite_store: SqliteStore) -> SqliteStore:
    return _add_scripts(sqlite_store)


@pytest.fixture
def scripts_everywhere(store: Store) -> Store:
    """The same statements in every backend (PostgreSQL: its own text index)."""
    return _add_scripts(store)


def _add_scripts(store: S) -> S:
    add(
        store,
        "https://fmprc.example/zh/1",
        "王毅出席中非合作论坛部长级会议",
        "外交部长王毅在北京会见了来访的肯尼亚外长，双方就中非合作论坛成果落实交换了意见。",
        language="zh",
        country="CN",
        published=date(2024, 9, 5),
    )
    add(
        store,
        "https://fmprc.example/zh/2",
        "外交部发言人答记者问",
        "发言人表示，中方欢迎各方为政治解决乌克兰危机作出的努力。王毅部长将出席会议。",
        language="zh",
        country="CN",
        published=date(2024, 9, 12),
    )
    add(
        store,
        "https://mofa.example/ja/1",
        "外務大臣談話",
        "上川外務大臣は、日本政府が気候変動対策に引き続き取り組むことを表明した。",
        language="ja",
        country="JP",
        published=date(2024, 3, 1),
    )
    add(
        store,
        "https://mid.example/ru/1",
        "О переговорах министров",
        "Министры иностранных дел провели переговоры в Москве. Стороны обсудили санкции.",
        language="ru",
        country="RU",
        published=date(2023, 11, 8),
    )
    add(
        store,
        "https://mofa.example/ar/1",
        "بيان وزارة الخارجية",
        "أكدت وزارة الخارجية دعمها للمفاوضات بين الطرفين، وأعرب الوزير عن أمله في السلام.",
        language="ar",
        country="EG",
        published=date(2023, 2, 14),
    )
    add(
        store,
        "https://state.example/en/1",
        "Negotiations on climate finance",
        "The delegations negotiated for three days and agreed on climate finance.",
        language="en",
        country="US",
        published=date(2023, 11, 20),
    )
    return store


def urls(store: Store, text: str) -> set[str]:
    return {h.statement.url.rsplit("example/", 1)[1] for h in store.search(parse_query(text)).hits}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("王毅", {"zh/1", "zh/2"}),  # a name inside Chinese sentences
        ('"中非合作论坛"', {"zh/1"}),  # a conference's name inside a title and a text
        ("乌克兰危机", {"zh/2"}),
        ("肯尼亚", {"zh/1"}),
        ("外務大臣", {"ja/1"}),  # Japanese
        ("気候変動", {"ja/1"}),
        ("上川", {"ja/1"}),
        ("переговоры", {"ru/1"}),  # Russian: other forms of the word
        ("переговорах", {"ru/1"}),
        ("министр", {"ru/1"}),
        ('"провели переговоры"', {"ru/1"}),  # a phrase matches the words as written
        ('"провести переговоры"', set()),
        ("الخارجية", {"ar/1"}),  # Arabic
        ("السلام", {"ar/1"}),
        ("سلام", {"ar/1"}),  # Arabic stems, indexed: the word without its article
        ("negotiate", {"en/1"}),  # English stems: negotiated, negotiations
        ("negotiat*", {"en/1"}),
    ],
)
def test_search_in_every_script(scripts: SqliteStore, query: str, expected: set[str]) -> None:
    assert urls(scripts, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("王毅", {"zh/1", "zh/2"}),
        ('"中非合作论坛"', {"zh/1"}),
        ("肯尼亚", {"zh/1"}),
        ("外務大臣", {"ja/1"}),
        ("上川", {"ja/1"}),
        ("肯尼亚 -王毅", set()),
        ("王*", {"zh/1", "zh/2"}),  # a prefix of Chinese or Japanese: its characters
        ("肯尼*", {"zh/1"}),
        ("王毅部*", {"zh/2"}),  # 王毅部长: jieba's two words, 王毅 and 部长
        ("外務*", {"ja/1"}),
        ("気候*", {"ja/1"}),
        ("乌克兰危* -肯尼*", {"zh/2"}),
    ],
)
def test_chinese_and_japanese_words_inside_sentences_on_every_backend(
    scripts_everywhere: Store, query: str, expected: set[str]
) -> None:
    assert urls(scripts_everywhere, query) == expected


def test_a_korean_prefix_of_two_syllables_finds_its_words_on_every_backend(
    store: Store,
) -> None:
    add(
        store,
        "https://mofa.example/ko/1",
        "외교부 대변인 정례브리핑",
        "대한민국 정부는 한반도의 평화와 안정을 위해 관련국들과 긴밀히 협의해 나갈 것입니다.",
        language="ko",
        country="KR",
    )
    assert urls(store, "대한*") == {"ko/1"}  # 대한민국
    assert urls(store, "한반*") == {"ko/1"}  # 한반도의
    assert urls(store, "평화*") == {"ko/1"}  # 평화와
    assert urls(store, "대한") == set()  # the word itself is not in the text
    with pytest.raises(QueryError, match="prefix 대\\* is too short"):
        urls(store, "대*")


def test_snippet_marks_a_name_inside_chinese_text(scripts: SqliteStore) -> None:
    hit = scripts.search(parse_query("lang:zh 肯尼亚")).hits[0]
    assert "\x02肯尼亚\x03" in hit.snippet


def test_snippet_marks_inflected_forms(scripts: SqliteStore) -> None:
    hit = scripts.search(parse_query("санкция")).hits[0]
    assert "\x02санкции\x03" in hit.snippet


def test_counts_over_time(store: Store) -> None:
    for i, day in enumerate([date(2023, 11, 8), date(2024, 9, 5), date(2024, 9, 12), None]):
        add(store, f"https://x/{i}", "Sanctions", "On sanctions.", published=day, country="CN")
    add(store, "https://x/9", "Trade", "On trade.", published=date(2023, 1, 2), country="RU")
    assert store.counts_over_time(parse_query(""), "year") == [("2023", 2), ("2024", 2)]
    months = store.counts_over_time(parse_query("sanctions country:CN"), "month")
    assert months == [("2023-11", 1), ("2024-09", 2)]


def test_a_statement_written_before_a_crash_is_found_after(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    first = SqliteStore(db)
    add(first, "https://x/1", "Written", "The queue keeps it until the index has it.")
    # no search, no close: as if killed right after the statement's transaction committed
    again = SqliteStore(db)
    assert [h.statement.url for h in again.search(parse_query("queue")).hits] == ["https://x/1"]


def test_a_batch_is_indexed_when_it_ends(sqlite_store: SqliteStore) -> None:
    with sqlite_store.batch():
        for n in range(SYNC_EVERY + 5):
            add(sqlite_store, f"https://x/{n}", f"Note {n}", f"Bulk statement number {n}.")
        assert sqlite_store._search.index.count() == 0  # held until the load is over
    assert sqlite_store._search.index.count() == SYNC_EVERY + 5
    assert sqlite_store.search(parse_query('"number 7"')).total == 1


def test_a_batch_cut_short_is_found_after(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    first = SqliteStore(db)
    with pytest.raises(KeyboardInterrupt), first.batch():
        add(first, "https://x/1", "Written", "Committed by the batch before the cut.")
        first._conn().execute("COMMIT")
        first._conn().execute("BEGIN IMMEDIATE")
        raise KeyboardInterrupt
    again = SqliteStore(db)
    assert [h.statement.url for h in again.search(parse_query("cut")).hits] == ["https://x/1"]


def test_a_reader_leaves_a_long_queue_to_the_process_that_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_index, "SEARCH_SYNC_LIMIT", 3)
    reader = SqliteStore(tmp_path / "a.db")
    loader = SqliteStore(tmp_path / "a.db")
    with loader._search.held():  # a bulk load, committed but not indexed yet
        for n in range(5):
            add(loader, f"https://x/{n}", f"Note {n}", f"Loaded statement {n}.")
    assert reader.search(parse_query("loaded")).total == 0  # not indexed on a reader's way
    assert loader.search(parse_query("loaded")).total == 5  # its own writes: indexed first
    add(loader, "https://x/9", "Note 9", "Loaded statement 9.")
    assert reader.search(parse_query("loaded")).total == 6  # a short queue: indexed first


def test_a_key_used_again_after_a_delete_is_replaced(sqlite_store: SqliteStore) -> None:
    add(sqlite_store, "https://x/1", "First", "The first text, deleted later.")
    assert sqlite_store.search(parse_query("deleted")).total == 1
    sqlite_store.clear_derived()  # the next statement takes the same key
    add(sqlite_store, "https://x/2", "Second", "The second text.")
    assert sqlite_store.search(parse_query("deleted")).total == 0
    assert sqlite_store.search(parse_query("second")).total == 1


def test_a_lost_index_is_rebuilt_on_opening(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    store = SqliteStore(db)
    add(store, "https://x/1", "Kept", "Statements stay in the store.")
    store.close()
    shutil.rmtree(str(db) + ".index")
    assert SqliteStore(db).search(parse_query("statements")).total == 1


def test_reindex_and_deletes_keep_the_index_in_step(scripts: SqliteStore) -> None:
    assert scripts.reindex() == 6
    assert scripts.search(parse_query("王毅")).total == 2
    scripts.clear_derived()
    assert scripts.search(parse_query("")).total == 0


def test_a_read_only_archive_is_searched_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "a.db"
    add(SqliteStore(db), "https://x/1", "Kept", "Statements stay in the store.")
    loader = SqliteStore(db)
    with loader._search.held():  # committed, not indexed yet
        add(loader, "https://x/2", "Queued", "Statements queued for the index.")
    archive_index = Path(f"{db}.index")
    before = {f.name: f.stat().st_mtime_ns for f in archive_index.iterdir()}
    monkeypatch.setattr(sqlite, "_writable", lambda path: False)
    reader = SqliteStore(db)
    view = reader._search.index.folder
    assert reader.read_only and view is not None and view != archive_index
    assert reader.search(parse_query("statements")).total == 2  # the queued one indexed too
    linked = [f for f in view.iterdir() if f.suffix == ".idx" and f.is_symlink()]
    assert linked and all(f.resolve().parent == archive_index.resolve() for f in linked)
    assert {f.name: f.stat().st_mtime_ns for f in archive_index.iterdir()} == before
    assert reader._conn().execute("SELECT count(*) FROM search_queue").fetchone()[0] == 1
    reader.close()
    assert not view.exists()


def test_search_follows_the_canonical_copy(sqlite_store: SqliteStore) -> None:
    embassy = add(sqlite_store, "https://embassy/1", "Victory", "Victory day, republished.")
    ministry = add(sqlite_store, "https://mfa/1", "Victory", "Victory day, as issued.")

    def link(statement_id: str, group: str, own_site: bool) -> None:
        copy = CopyLink(statement_id, group, "exact", None, "", "key", "2024-01-01", own_site)
        sqlite_store.put_copy(CopyRow(copy, b"", []))

    def found(query: str) -> list[str]:
        return [h.statement.url for h in sqlite_store.search(parse_query(query)).hits]

    link(embassy.id, embassy.id, own_site=False)
    link(ministry.id, embassy.id, own_site=True)  # the issuer's own page becomes canonical
    assert found("victory") == ["https://mfa/1"]
    assert sorted(found("victory copies:all")) == ["https://embassy/1", "https://mfa/1"]
    link(ministry.id, ministry.id, own_site=True)  # split: each is its own statement again
    assert sorted(found("victory")) == ["https://embassy/1", "https://mfa/1"]


def test_facets_and_counts_leave_out_what_a_statement_lacks(sqlite_store: SqliteStore) -> None:
    add(
        sqlite_store,
        "https://x/1",
        "Dated",
        "Facet words.",
        country="FR",
        published=date(2024, 1, 2),
    )
    add(sqlite_store, "https://x/2", "Undated", "Facet words.", country=None, issuer=None)
    page = sqlite_store.search(parse_query("facet"))
    assert page.total == 2
    assert page.facets["country"] == [("FR", 1)]
    assert page.facets["issuer"] == [("Ministry of Foreign Affairs", 1)]
    assert page.facets["year"] == [("2024", 1)]
    assert sqlite_store.counts_over_time(parse_query("facet"), "month") == [("2024-01", 1)]
    assert sqlite_store.search(parse_query("facet country:FR")).total == 1


def test_a_word_finds_the_forms_of_its_stem_in_each_statements_language(
    sqlite_store: SqliteStore,
) -> None:
    add(sqlite_store, "https://x.example/en", "Aid", "Aid reached the countries.", language="en")
    add(
        sqlite_store,
        "https://x.example/ru",
        "Заметка",
        "Слово countries в русском тексте, и переговоров не было.",
        language="ru",
    )
    assert urls(sqlite_store, "country") == {"en"}  # English 'countri': not in a Russian text
    assert urls(sqlite_store, "countries") == {"en", "ru"}  # the word as written: anywhere
    assert urls(sqlite_store, "переговоры") == {"ru"}
    add(sqlite_store, "https://x.example/en2", "Help", "Help for a country.", language="en")
    assert urls(sqlite_store, "countries") == {"en", "en2", "ru"}  # a form indexed later
    hit = next(h for h in sqlite_store.search(parse_query("country")).hits if "Aid" in h.snippet)
    assert "\x02countries\x03" in hit.snippet  # marked as it was matched


def test_totals_count_every_type_and_facets_follow_the_first_mention() -> None:
    """The total is the type facet's sum: more types than its buckets, and none, still count."""
    index = TantivyIndex(None)
    types = [f"type {n:03d}" for n in range(FACET_LIMIT * 5)] + [None, None]
    index.write(
        [IndexDoc(key, "Note", "Peace talks.", doc_type=t) for key, t in enumerate(types, 1)]
    )
    page = index.search(parse_query("peace"), Restriction(), None, 5)
    assert page.total == len(types) == index.total(parse_query("peace"), Restriction())
    assert len(page.facets["type"]) == FACET_LIMIT
    assert page.facets["mentions"] == page.facets["place"] == []
    index.write([IndexDoc(1000, "Note", "Peace in Kyiv.", mentions=("UA",), places=("Kyiv",))])
    page = index.search(parse_query("peace"), Restriction(), None, 5)
    assert page.total == len(types) + 1
    assert page.facets["mentions"] == [("UA", 1)]
    assert page.facets["place"] == [("Kyiv", 1)]


@pytest.mark.parametrize("longest", [5_000, 100])
def test_cursor_pages_by_relevance_follow_one_ranking_past_its_windows(
    monkeypatch: pytest.MonkeyPatch, longest: int
) -> None:
    """Cursor pages reuse the first page's counts and rank windows of hits ahead; paging
    through 450 matches (ties included) gives the order of one search for all of them."""
    monkeypatch.setattr(tantivy_index, "_LONGEST_WINDOW", longest)  # past it: pages alone
    index = TantivyIndex(None)
    index.write(
        [
            IndexDoc(key, f"Note {key}", "peace " * (key % 9 + 1) + "talks", doc_type=f"t{key % 4}")
            for key in range(1, 451)
        ]
    )
    query = parse_query("peace")
    everything = [h.key for h in index.search(query, Restriction(), None, 1000).hits]
    first = index.search(query, Restriction(), None, 40)
    paged, cursor = [h.key for h in first.hits], first.next_cursor
    while cursor:
        page = index.search(query, Restriction(), cursor, 40)
        assert (page.total, page.facets) == (first.total, first.facets) == (450, first.facets)
        paged += [h.key for h in page.hits]
        cursor = page.next_cursor
    assert paged == everything and len(everything) == 450
    assert sorted(first.facets["type"]) == [("t0", 112), ("t1", 113), ("t2", 113), ("t3", 112)]


def test_a_cursor_page_counts_what_another_writer_committed_since(tmp_path: Path) -> None:
    folder = tmp_path / "a.db.index"
    reader = TantivyIndex(folder)
    reader.write([IndexDoc(key, "Note", "Peace talks.") for key in range(1, 8)])
    for order in ("relevance", "newest"):
        first = reader.search(parse_query("peace", order), Restriction(), None, 3)
        assert first.total == 7 + (order == "newest")
        writer = TantivyIndex(folder)  # as another process opens it
        writer.write([IndexDoc(100 + len(order), "Note", "Peace again.")])
        page = reader.search(parse_query("peace", order), Restriction(), first.next_cursor, 3)
        assert page.total == first.total + 1


def test_yo_and_ye_find_each_other_and_the_snippet_keeps_what_was_written(
    sqlite_store: SqliteStore,
) -> None:
    """Russian ё is mostly written е: a word is found whichever was written or typed."""
    add(sqlite_store, "https://x.example/yo", "Заявление", "Её позиция учтена.", language="ru")
    add(sqlite_store, "https://x.example/ye", "Заявление", "Ее позиция учтена.", language="ru")
    add(sqlite_store, "https://x.example/other", "Заявление", "Их позиция учтена.", language="ru")
    assert urls(sqlite_store, "ее") == urls(sqlite_store, "её") == {"yo", "ye"}
    assert urls(sqlite_store, '"её позиция"') == {"yo", "ye"}
    hit = next(h for h in sqlite_store.search(parse_query("ее")).hits if "yo" in h.statement.url)
    assert "\x02Её\x03 позиция" in hit.snippet  # marked, and as the statement wrote it


def test_a_word_finds_its_forms_only_in_its_language_however_the_index_excludes(
    sqlite_store: SqliteStore,
) -> None:
    """Forms of a stem are searched in the statements of its language, whether the others are
    left out (fewer) or its own kept (fewer)."""
    for n in range(3):
        add(
            sqlite_store, f"https://x.example/en{n}", "Note", "Talks on development.", language="en"
        )
    add(sqlite_store, "https://x.example/ru", "Заметка", "Слово developments.", language="ru")
    add(sqlite_store, "https://x.example/none", "Note", "More developments.", language=None)
    add(sqlite_store, "https://x.example/en-forms", "Note", "New developments.", language="en")
    assert urls(sqlite_store, "development") == {"en0", "en1", "en2", "en-forms"}
    for n in range(5):
        add(sqlite_store, f"https://x.example/ru{n}", "Заметка", "Переговоры.", language="ru")
    assert urls(sqlite_store, "development") == {"en0", "en1", "en2", "en-forms"}


def test_a_long_text_gets_a_snippet_from_its_first_matches_or_its_only_late_one(
    sqlite_store: SqliteStore,
) -> None:
    filler = "The delegation spoke at length about the agenda of the session. " * 800
    text = f"We speak for peace today. {filler}\n\nWe call for a ceasefire and for peace."
    add(sqlite_store, "https://x.example/long", "Speech", text)
    (early,) = sqlite_store.search(parse_query("peace")).hits
    assert early.snippet.startswith("We speak for \x02peace\x03") and early.snippet.endswith("…")
    (late,) = sqlite_store.search(parse_query("ceasefire")).hits
    assert "call for a \x02ceasefire\x03 and for peace." in late.snippet


def test_a_prefix_ranks_its_words_when_few_and_matches_them_all_when_many() -> None:
    """A prefix of few words is ranked as its words are (a text that says them more often,
    or in its title, first); one of more than `_PREFIX_WORDS` words still matches every
    statement with one of them, and a word that only shares the prefix's first letters none."""
    many = [f"treaty{n:03d}" for n in range(tantivy_index._PREFIX_WORDS + 6)]
    index = TantivyIndex(None)
    index.write(
        [
            IndexDoc(1, "Note", "The council spoke of sanctions, trade, aid and the budget."),
            IndexDoc(2, "Note", "Sanctions, new sanctions and who is sanctioned."),
            IndexDoc(3, "Sanctions", "The council spoke of trade, aid and the budget."),
            IndexDoc(4, "Note", "A sanctuary."),
            *(IndexDoc(10 + n, "Note", f"The {word} was signed.") for n, word in enumerate(many)),
            IndexDoc(9, "Note", "A treat."),
        ]
    )
    ranked = index.search(parse_query("sanction*"), Restriction(), None, 10)
    assert [h.key for h in ranked.hits] == [3, 2, 1]
    assert len({h.score for h in ranked.hits}) == 3
    wide = index.search(parse_query("treaty*"), Restriction(), None, 100)
    assert wide.total == len(many) == len({h.key for h in wide.hits})
    assert index.search(parse_query("treaty00*"), Restriction(), None, 10).total == 10
    assert index.search(parse_query("treatz*"), Restriction(), None, 10).total == 0


@pytest.fixture(scope="module")
def speeches() -> TantivyIndex:
    """Paragraphs of UN General Debate speeches, a few of them written twice (the first
    copies deleted, as a replaced statement's are) and with a title from their words."""
    import json

    corpus = shared_path("corpora", "ungdc_2020_2024.jsonl")
    paragraphs: list[str] = []
    with corpus.open(encoding="utf-8") as lines:
        for line in lines:
            paragraphs += [p for p in json.loads(line)["text"].split("\n") if len(p) > 200]
            if len(paragraphs) > 3000:
                break
    index = TantivyIndex(None)
    docs = [
        IndexDoc(
            key, " ".join(text.split()[:8]), text, doc_type=("speech", "statement", "news")[key % 3]
        )
        for key, text in enumerate(paragraphs, 1)
    ]
    index.write(docs[:2000])
    index.write(docs[2000:] + docs[:300:7])
    return index


@pytest.mark.parametrize(
    "text",
    [
        '"united nations"',
        '"of the"',
        '"climate change"',
        '"the international community" peace',
        '"security council" OR "general assembly"',
        '"united nations" -"security council" type:speech',
        '"sustainable development" development',
    ],
)
def test_phrases_ranked_by_their_bounds_rank_as_tantivy_ranks_them(
    speeches: TantivyIndex, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    """A phrase ranked from its bounds, a small batch at a time, gives the hits and scores
    (ties in order) that scoring every statement holding it gives, on real speeches."""
    query = parse_query(text)
    limits = (1, 20, 300)
    plain = [speeches.search(query, Restriction(), None, n).hits for n in limits]
    assert plain[-1]
    monkeypatch.setattr(tantivy_index, "_BOUNDED_PHRASE", 0)
    monkeypatch.setattr(tantivy_index, "_BOUND_BATCH", 4)
    monkeypatch.setattr(tantivy_index, "_BOUND_TRIED", 10_000)
    searcher = speeches._searcher()[0]
    assert speeches._phrase_texts(searcher, query) > tantivy_index._BOUNDED_PHRASE
    assert [speeches.search(query, Restriction(), None, n).hits for n in limits] == plain


def test_a_phrase_with_loose_bounds_is_ranked_by_the_phrase(
    speeches: TantivyIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    query = parse_query('"of the"')
    plain = speeches.search(query, Restriction(), None, 50).hits
    monkeypatch.setattr(tantivy_index, "_BOUNDED_PHRASE", 0)
    monkeypatch.setattr(tantivy_index, "_BOUND_TRIED", 8)
    assert speeches.search(query, Restriction(), None, 50).hits == plain


def test_a_phrase_in_very_many_statements_is_counted_in_a_sample(
    speeches: TantivyIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its total and facets are a sample's counts scaled to the archive, and say so; the page
    is the same as when every match is counted, and so is the page after it."""
    query = parse_query('"united nations"')
    exact = speeches.search(query, Restriction(), None, 20)
    assert not exact.estimated and exact.total > 400
    monkeypatch.setattr(tantivy_index, "_SAMPLED_PHRASE", 0)
    monkeypatch.setattr(tantivy_index, "_SAMPLE_TEXTS", 300)
    monkeypatch.setattr(tantivy_index, "_MIN_SAMPLED", 40)
    sampled = speeches.search(query, Restriction(), None, 20)
    assert sampled.estimated and sampled.hits == exact.hits
    assert abs(sampled.total - exact.total) < 0.2 * exact.total
    counts = dict(exact.facets["type"])
    for value, n in sampled.facets["type"]:
        assert abs(n - counts[value]) < 0.3 * counts[value]
    after = speeches.search(query, Restriction(), sampled.next_cursor, 20)
    assert (after.total, after.estimated) == (sampled.total, True)
    assert after.hits == speeches.search(query, Restriction(), exact.next_cursor, 20).hits


def test_a_sample_with_too_few_matches_is_followed_by_counting_them_all(
    speeches: TantivyIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    query = parse_query('"united nations" type:news')
    exact = speeches.search(query, Restriction(), None, 20)
    monkeypatch.setattr(tantivy_index, "_SAMPLED_PHRASE", 0)
    monkeypatch.setattr(tantivy_index, "_SAMPLE_TEXTS", 300)
    monkeypatch.setattr(tantivy_index, "_MIN_SAMPLED", exact.total)
    again = speeches.search(query, Restriction(), None, 20)
    assert (again.total, again.facets, again.estimated) == (exact.total, exact.facets, False)


def test_samples_spread_consecutive_keys_evenly() -> None:
    sizes = [0] * tantivy_index._SAMPLES
    for key in range(1, 64 * 200 + 1):
        sizes[tantivy_index._sample_of(key)] += 1
    assert 150 < min(sizes) <= max(sizes) < 250


def test_a_store_page_says_its_counts_are_estimated(
    sqlite_store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(60):
        add(sqlite_store, f"https://x.example/{n}", "Note", f"The United Nations met, {n}.")
    assert not sqlite_store.search(parse_query('"united nations"')).estimated
    monkeypatch.setattr(tantivy_index, "_SAMPLED_PHRASE", 0)
    monkeypatch.setattr(tantivy_index, "_SAMPLE_TEXTS", 10)
    monkeypatch.setattr(tantivy_index, "_MIN_SAMPLED", 1)
    page = sqlite_store.search(parse_query('"united nations" met'))
    assert page.estimated and len(page.hits) == 20
