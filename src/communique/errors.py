"""The one exception tree of communique.

::

    CommuniqueError
    ├── Retryable                 worth another try later (network, locked database)
    │   └── FetchError
    └── Permanent                 retrying changes nothing; the input is quarantined
        ├── InputError            a file or URL that cannot be read as what it claims
        ├── ExtractionError       a capture that yields no statement (reason kept)
        ├── QueryError            a malformed search query
        ├── NotFound              no statement or capture with that id
        └── StoreError            the database refused an operation
"""

from __future__ import annotations


class CommuniqueError(Exception):
    """Base of every error communique raises on purpose."""

    status = 500


class Retryable(CommuniqueError):
    """A failure that may go away on a later try."""

    status = 503


class Permanent(CommuniqueError):
    """A failure that will happen again for the same input."""

    status = 422


class FetchError(Retryable):
    """A URL could not be fetched."""

    status = 502


class InputError(Permanent):
    """An input file or URL cannot be read as the format it claims."""

    status = 400


class ExtractionError(Permanent):
    """A capture was stored but no statement could be extracted from it."""


class QueryError(Permanent):
    """A search query that cannot be parsed; the message says why in one line."""

    status = 400


class NotFound(Permanent):
    """No record with the requested id."""

    status = 404


class StoreError(Permanent):
    """The store refused an operation."""

    status = 500
