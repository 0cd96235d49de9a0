"""A Python client of the communique API, sync (`Client`) and async (`AsyncClient`).

Example:
    >>> from communique.client import Client
    >>> with Client("http://127.0.0.1:8000") as archive:  # doctest: +SKIP
    ...     frame = archive.search(country="AZ", from_=2020).to_pandas()
"""

from communique.client._async import AsyncClient, AsyncResults
from communique.client._core import ApiError, Retry
from communique.client._sync import Client, Results
from communique.schemas import (
    Capture,
    Change,
    Enrichment,
    Error,
    FacetCount,
    Failure,
    Mention,
    SearchHit,
    SearchResults,
    SourceHealth,
    Statement,
    Stats,
    Version,
)

__all__ = [
    "ApiError",
    "AsyncClient",
    "AsyncResults",
    "Capture",
    "Change",
    "Client",
    "Enrichment",
    "Error",
    "FacetCount",
    "Failure",
    "Mention",
    "Results",
    "Retry",
    "SearchHit",
    "SearchResults",
    "SourceHealth",
    "Statement",
    "Stats",
    "Version",
]
