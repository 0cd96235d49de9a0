"""The JSON the API answers with, as pydantic models: one definition for the server, its
OpenAPI document, the CLI's `--json` output and the Python client.

Each model is built from a record of `communique.model` by its `of()` classmethod, which reads
the fields of the same names (`Schema.from_record`) and gives only what differs. Records whose
JSON is exactly their fields (entities, places, times, events, references, a statement's
copies, an enrichment, the stats) are used as they are: pydantic reads their fields and
docstrings.

To add a typed route: define its model here (fields with a docstring each, an example in
`json_schema_extra`), return it from the route, and list the errors the route can give with
`communique.api.routes.errors(...)`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Annotated, Any, Self
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict, PlainSerializer, WithJsonSchema

from communique import model
from communique.model import DatePrecision, DocType


def _iso(moment: datetime) -> str:
    return moment.isoformat()


Timestamp = Annotated[
    datetime,
    PlainSerializer(_iso, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
"""A moment with its UTC offset, written as `datetime.isoformat()` writes it."""


class Schema(BaseModel):
    """Base of every response model: field docstrings become descriptions."""

    model_config = ConfigDict(
        use_attribute_docstrings=True,
        json_schema_serialization_defaults_required=True,
        frozen=True,
    )

    @classmethod
    def from_record(cls, record: object, **fields: Any) -> Self:
        """This model from `record` (a `communique.model` record): each field from the record's
        attribute of the same name, unless `fields` gives it (renamed or computed). A `url` or
        an `origin` is shown without the server's folders (`public_origin`).

        Example:
            >>> from datetime import UTC
            >>> saved = model.SavedSearch("az", "country:AZ", datetime(2025, 3, 2, tzinfo=UTC))
            >>> SavedSearch.from_record(saved, feed="/feed?q=country%3AAZ").last_run_at is None
            True
        """
        own = {
            name: _shown(name, getattr(record, name))
            for name in cls.model_fields
            if name not in fields and hasattr(record, name)
        }
        return cls(**own, **fields)


def examples(*shown: dict[str, Any]) -> ConfigDict:
    """A response model's configuration giving these examples of its JSON (in the OpenAPI
    document and the docs).

    Example:
        >>> examples({"retried": 1})["json_schema_extra"]
        {'examples': [{'retried': 1}]}
    """
    return ConfigDict(json_schema_extra={"examples": list(shown)})


STATEMENT_EXAMPLE: dict[str, Any] = {
    "id": "5d7e3f0a9c1b2e44",
    "url": "https://mfa.gov.az/en/news/statement-on-shusha",
    "title": "Statement of the Ministry of Foreign Affairs of the Republic of Azerbaijan",
    "published": "2020-11-08",
    "published_source": "dateline",
    "published_confidence": 0.9,
    "issuer": "Ministry of Foreign Affairs of the Republic of Azerbaijan",
    "country": "AZ",
    "language": "en",
    "doc_type": "statement",
    "source": "mfa-az",
    "pipeline_version": model.PIPELINE_VERSION,
    "capture_ids": ["0f3c9a1e2b7d4c5a6e8f"],
}


class StatementMeta(Schema):
    """What the archive knows about a statement, without its text."""

    id: str
    """Stable id of the statement (derived from its canonical URL)."""
    url: str
    """Canonical URL where the issuer published it."""
    title: str
    published: date | None
    """Publication date, when one was found (the first day of it when only a month or year)."""
    published_source: str
    """Where the date came from: `record`, `dateline`, `htmldate`, `inferred`, `none`…"""
    published_confidence: float
    """How far the date can be trusted, from 0 to 1."""
    published_precision: DatePrecision = DatePrecision.DAY
    """How much of the date is known: `day`, or only the `month` or the `year`."""
    modified: date | None = None
    """The page's own last-update date, when it gives one."""
    issuer: str | None
    """Who issued it, as the page names them."""
    country: str | None
    """ISO 3166-1 alpha-2 code of the issuer's country."""
    language: str | None
    """ISO 639-1 code of the main language of the text."""
    doc_type: DocType
    """What kind of text it is."""
    source: str | None
    """Name of the registered source it was collected from."""
    pipeline_version: str
    """Version of the extraction that produced it; changes whenever its output would."""
    capture_ids: list[str]
    """The raw captures it was extracted from."""


class Statement(StatementMeta):
    """One statement: its clean text and metadata."""

    model_config = examples(
        STATEMENT_EXAMPLE | {"text": "Today Azerbaijan liberated Shusha…", "warnings": []}
    )

    text: str
    """The clean text, paragraphs separated by a blank line."""
    warnings: list[str] = []
    """What went wrong in extraction but did not stop it (e.g. invalid bytes replaced)."""

    @classmethod
    def of(cls, statement: model.Statement) -> Statement:
        return cls.from_record(statement)


class SearchHit(StatementMeta):
    """One search result: the statement's metadata, a snippet and a score."""

    snippet: str
    """About 200 characters of the text around the matched words, HTML-escaped, the matched
    words in `<mark>`."""
    score: float | None
    """Relevance (higher is better) when ordered by relevance, else null."""
    copies: int = 1
    """Pages and files carrying this statement (`copies:all` lists each of them)."""
    translations: list[str] = []
    """Languages of the statement's linked translations."""

    @classmethod
    def of(
        cls,
        statement: model.Statement,
        snippet: str,
        score: float | None,
        copies: int = 1,
        translations: tuple[str, ...] = (),
    ) -> SearchHit:
        return cls.from_record(
            statement, snippet=snippet, score=score, copies=copies, translations=list(translations)
        )


class FacetCount(Schema):
    """How many matching statements have one value of a facet."""

    value: str
    count: int


class SearchResults(Schema):
    """One page of search results, the facet counts over every match, and the next cursor."""

    model_config = examples(
        {
            "total": 40,
            "hits": [
                STATEMENT_EXAMPLE | {"snippet": "… liberated <mark>Shusha</mark> …", "score": 7.1}
            ],
            "facets": {"language": [{"value": "en", "count": 40}]},
            "next_cursor": "WzcuMSwgMTJd",
        }
    )

    total: int
    """Number of statements matching the query (all pages)."""
    estimated: bool = False
    """True when `total` and the facet counts are estimated from a sample of the matches
    (PostgreSQL, when very many statements match)."""
    hits: list[SearchHit]
    facets: dict[str, list[FacetCount]]
    """Top values of each facet over every match: issuer, country, language, type, year,
    mentions (countries named in the text) and place."""
    next_cursor: str | None
    """Pass as `cursor` to get the next page; null on the last page."""


class Capture(Schema):
    """One raw observation of a page or file; its bytes never change once stored."""

    model_config = examples(
        {
            "id": "0f3c9a1e2b7d4c5a6e8f",
            "url": "https://mfa.gov.az/en/news/statement-on-shusha",
            "fetched_at": "2024-01-01T00:00:00+00:00",
            "status": 200,
            "content_type": "text/html",
            "sha256": "9b2c…",
            "size": 48213,
            "origin": "seeds/az-shusha.html",
            "download": "/api/v1/captures/0f3c9a1e2b7d4c5a6e8f/raw",
        }
    )

    id: str
    url: str
    fetched_at: Timestamp
    status: int | None
    """HTTP status of the response, when it came from the web."""
    content_type: str
    sha256: str
    """SHA-256 of the captured bytes."""
    size: int
    """Size of the captured bytes."""
    origin: str
    """Where the bytes were read from: a file path, a WARC record, a URL."""
    download: str
    """Path of the captured bytes, served as an inert download."""

    @classmethod
    def of(cls, capture: model.Capture, download: str) -> Capture:
        return cls.from_record(capture, download=download)


class Version(Schema):
    """One stored text of a statement, as extracted from one capture."""

    model_config = examples(
        {
            "capture_id": "0f3c9a1e2b7d4c5a6e8f",
            "fetched_at": "2024-01-01T00:00:00+00:00",
            "title": "Statement on the occasion of 8 November – Victory Day",
            "text": "November 8 is a Victory Day…",
        }
    )

    capture_id: str
    fetched_at: Timestamp
    title: str
    text: str
    statement_id: str = ""
    """The copy (the statement at one URL) this is a version of."""

    @classmethod
    def of(cls, version: model.Version) -> Version:
        return cls.from_record(version)


class StatementTranslation(Schema):
    """A statement in another language carrying the same text (linked, never merged)."""

    statement_id: str
    language: str | None
    confidence: float
    evidence: str
    title: str = ""
    """The other statement's title."""
    url: str = ""
    """The other statement's URL."""


class StatementCopies(Schema):
    """A statement's copies, translations and the versions of all its copies."""

    model_config = examples(
        {
            "statement_id": "5d7e3f0a9c1b2e44",
            "canonical": "5d7e3f0a9c1b2e44",
            "copies": [
                {
                    "id": "5d7e3f0a9c1b2e44",
                    "url": "https://mfa.gov.az/en/news/statement-on-shusha",
                    "source": "mfa-az",
                    "seen": "2024-01-01T00:00:00+00:00",
                    "kind": "first",
                    "canonical": True,
                    "own_site": True,
                    "differs": "",
                    "versions": 1,
                },
                {
                    "id": "a41c07b2d9e3f815",
                    "url": "https://un.mfa.gov.az/news/statement-on-shusha",
                    "source": "az-un-mission",
                    "seen": "2024-01-02T08:00:00+00:00",
                    "kind": "exact",
                    "canonical": False,
                    "own_site": False,
                    "differs": "headline",
                    "versions": 1,
                },
            ],
            "translations": [
                {
                    "statement_id": "77e0b1c2d3f4a596",
                    "language": "ru",
                    "confidence": 0.93,
                    "evidence": "same numbers, names and dates in the same order",
                }
            ],
            "versions": [
                {
                    "capture_id": "0f3c9a1e2b7d4c5a6e8f",
                    "fetched_at": "2024-01-01T00:00:00+00:00",
                    "title": "Statement on the occasion of 8 November – Victory Day",
                    "text": "November 8 is a Victory Day…",
                }
            ],
        }
    )

    statement_id: str
    """The statement's id: the id of its first linked copy."""
    canonical: str
    copies: list[model.StatementCopy]
    translations: list[StatementTranslation]
    versions: list[Version]

    @classmethod
    def of(cls, found: Any) -> StatementCopies:
        """From `communique.link.archive.Linked`."""
        return cls.from_record(
            found,
            copies=[replace(c, url=model.public_url(c.url)) for c in found.copies],
            translations=[
                StatementTranslation.from_record(t, statement_id=t.other_group)
                for t in found.translations
            ],
            versions=[Version.of(v) for v in found.versions],
        )


class Change(Schema):
    """A statement edited, removed or restored on its site, as a recrawl saw it."""

    model_config = examples(
        {
            "statement_id": "5d7e3f0a9c1b2e44",
            "url": "https://mfa.gov.az/en/news/statement-on-shusha",
            "kind": "edited",
            "detected_at": "2025-03-02T06:00:00+00:00",
            "source": "mfa-az",
            "before_capture": "0f3c9a1e2b7d4c5a6e8f",
            "after_capture": "77aa0c3e51d2b9f01c44",
            "diff": "--- …\n+++ …\n-We call for talks.\n+We call for peace.",
        }
    )

    statement_id: str
    url: str
    kind: str
    """`edited`, `removed` or `restored`."""
    detected_at: Timestamp
    source: str | None
    before_capture: str | None
    """The capture holding the text before the change."""
    after_capture: str | None
    """The capture holding the text after the change."""
    diff: str | None = None
    """A unified diff of the two texts, one paragraph per line (edits only)."""

    @classmethod
    def of(cls, change: model.Change, diff: str | None) -> Change:
        return cls.from_record(change, diff=diff)


class Mention(Schema):
    """How many statements issued by one country name another."""

    model_config = examples({"issuer_country": "AZ", "country": "AM", "statements": 12})

    issuer_country: str | None
    """ISO 3166-1 alpha-2 code of the issuer's country (null when unknown)."""
    country: str
    """ISO 3166-1 alpha-2 code of the country named."""
    statements: int


class SavedSearch(Schema):
    """A query kept under a name, with its Atom feed."""

    model_config = examples(
        {
            "name": "shusha",
            "query": "shusha country:AZ",
            "created_at": "2025-03-02T06:00:00+00:00",
            "last_run_at": "2025-03-09T06:00:00+00:00",
            "feed": "/feed?q=shusha+country%3AAZ",
        }
    )

    name: str
    query: str
    """The query, in the search language of `/search`."""
    created_at: Timestamp
    last_run_at: Timestamp | None
    """Since when its matches were reported: by `communique alerts`, or its saving."""
    feed: str
    """Path of the Atom feed of its matches, newest first."""

    @classmethod
    def of(cls, saved: model.SavedSearch) -> SavedSearch:
        return cls.from_record(saved, feed="/feed?" + urlencode({"q": saved.query}))


class NewSavedSearch(Schema):
    """A query to keep under a name: its matches so far count as reported."""

    model_config = examples({"name": "shusha", "query": "shusha country:AZ"})

    name: str
    """1-80 letters, digits, spaces, `.`, `-` or `_`, starting with a letter or digit."""
    query: str
    """The query, in the search language of `/search` (filters included)."""


class NoText(Schema):
    """A fetched page that yielded no statement text, and why."""

    url: str
    reason: str


class SourceHealth(Schema):
    """How a registered source's crawls have gone."""

    model_config = examples(
        {
            "source": "mfa-az",
            "last_run": "2025-03-02T06:00:00+00:00",
            "last_success": "2025-03-02T06:04:10+00:00",
            "statements_per_run": [3, 0, 5],
            "errors": {"http-500": 1},
            "no_text": [{"url": "https://mfa.gov.az/en/news/photo-gallery", "reason": "no text"}],
        }
    )

    source: str
    last_run: Timestamp | None
    last_success: Timestamp | None
    """End of the last run that fetched something without every URL failing."""
    statements_per_run: list[int]
    """Statements found by each of the latest runs, newest first."""
    errors: dict[str, int]
    """Errors of the latest run by kind (robots, private-address, http-500, network…)."""
    no_text: list[NoText]

    @classmethod
    def of(cls, health: model.SourceHealth) -> SourceHealth:
        return cls.from_record(
            health, no_text=[NoText(url=model.public_url(u), reason=r) for u, r in health.no_text]
        )


class Failure(Schema):
    """A capture that produced no statement, and why."""

    model_config = examples(
        {
            "capture_id": "c69886b4d5c936d321e7",
            "url": "https://www.spm.gov.cm/discours.html",
            "origin": "pages/009_speech-programme.html",
            "reason": "page body is only a link to a PDF: https://www.spm.gov.cm/discours.pdf",
            "at": "2025-03-02T06:00:00+00:00",
            "pipeline_version": model.PIPELINE_VERSION,
        }
    )

    capture_id: str
    url: str
    origin: str
    reason: str
    at: Timestamp
    """When extraction failed."""
    pipeline_version: str

    @classmethod
    def of(cls, failure: model.ExtractionFailure) -> Failure:
        return cls.from_record(failure)


JOB_EXAMPLE: dict[str, Any] = {
    "id": 812,
    "task": "extract",
    "status": "failed",
    "attempts": 4,
    "args": {"capture": "c69886b4d5c936d321e7"},
    "scheduled_at": "2025-03-02T06:00:14+00:00",
    "error": "no capture c69886b4d5c936d321e7",
}


class Job(Schema):
    """One job of the queue that workers on many machines drain (`communique worker`)."""

    model_config = examples(JOB_EXAMPLE)

    id: int
    task: str
    """extract, store, enrich or crawl."""
    status: str
    """todo, doing, failed (after its last retry: the dead-letter list), cancelled…"""
    attempts: int
    """Runs that ended in an error (or whose worker died) so far."""
    args: dict[str, Any]
    """What the job works on: a capture id, a statement id, a source."""
    scheduled_at: Timestamp | None
    """When a retried job is due again."""
    error: str | None
    """The last error, one line."""


class JobQueue(Schema):
    """The job queue: how many jobs have each status, and the newest jobs."""

    model_config = examples(
        {
            "queue": True,
            "workers": 2,
            "counts": {"todo": 120, "doing": 2, "failed": 1},
            "jobs": [JOB_EXAMPLE],
        }
    )

    queue: bool
    """False when the archive has no job queue (a SQLite archive, no `COMMUNIQUE_QUEUE`)."""
    workers: int
    """Workers, on any machine, whose heartbeat is recent."""
    counts: dict[str, int]
    """Jobs by status; `failed` is the dead-letter list."""
    jobs: list[Job]
    """The newest jobs (of the status asked for), newest first."""


class RetryJobs(Schema):
    """Which failed jobs to queue again."""

    model_config = examples({"ids": [812]}, {})

    ids: list[int] | None = None
    """Job ids; left out: every job of the dead-letter list."""


class RetriedJobs(Schema):
    """How many failed jobs were queued again, their retries restored."""

    model_config = examples({"retried": 1})

    retried: int


class Error(Schema):
    """Every error the API answers with (4xx and 5xx) has this shape."""

    model_config = examples(
        {
            "status": 400,
            "code": "query_error",
            "message": "unclosed quote at position 1",
            "parameter": "q",
        }
    )

    status: int
    """The HTTP status, repeated."""
    code: str
    """A stable name of the kind of error: `query_error`, `not_found`, `invalid_parameter`…"""
    message: str
    """One line saying what is wrong, for people."""
    parameter: str | None
    """The query or path parameter at fault, when one is."""


def _as_is(record: type[Any], example: dict[str, Any] | None = None) -> None:
    """Let pydantic describe a `model.py` record like the models above, with an example."""
    config = Schema.model_config | (examples(example) if example is not None else {})
    setattr(record, "__pydantic_config__", config)  # noqa: B010


for _record in (
    model.Entity,
    model.Place,
    model.TimeExpr,
    model.Event,
    model.Reference,
    model.StatementCopy,
):
    _as_is(_record)
_as_is(
    model.Enrichment,
    {
        "entities": [{"text": "Shusha", "label": "GPE", "start": 27, "end": 33}],
        "countries": ["AZ", "AM"],
        "places": [
            {
                "name": "Shusha",
                "start": 27,
                "end": 33,
                "lat": 39.7583,
                "lon": 46.7485,
                "geonames_id": 585170,
                "country": "AZ",
                "feature": "city",
                "mention": "",
            }
        ],
        "times": [
            {
                "text": "8 November 2020",
                "start": 40,
                "end": 55,
                "type": "date",
                "value": "2020-11-08",
                "end_value": None,
            }
        ],
        "events": [],
        "references": [],
        "language": "en",
        "version": model.ENRICH_VERSION,
        "analyses": ["ner:en_core_web_md", "time:heidelTime"],
    },
)
_as_is(
    model.Stats,
    {
        "statements": 5120,
        "captures": 5301,
        "sources": 14,
        "errors": 37,
        "languages": {"en": 4200, "ru": 700, "de": 220},
        "copies": 5210,
        "unfinished": [],
        "old_links": 0,
    },
)
Enrichment = model.Enrichment
"""Everything the enrichment stage found in one statement's text, as stored."""
Stats = model.Stats
"""How much the archive holds."""


def public_origin(origin: str) -> str:
    """`origin` without the server's folders: a URL as it is, a local file by its name
    (with its line or record), so that responses show no server paths.

    Example:
        >>> public_origin("/srv/data/corpus.jsonl:12"), public_origin("https://a.example/s")
        ('corpus.jsonl:12', 'https://a.example/s')
    """
    if origin[:5].lower() == "file:":
        return model.public_url(origin)
    if "://" in origin or not origin:
        return origin
    return origin.replace("\\", "/").rsplit("/", 1)[-1]


def _shown(field: str, value: Any) -> Any:
    """A record's value as responses show it: a `url` or an `origin` without server paths."""
    if field == "url" and isinstance(value, str):
        return model.public_url(value)
    if field == "origin" and isinstance(value, str):
        return public_origin(value)
    return value
