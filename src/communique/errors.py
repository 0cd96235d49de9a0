"""The one exception tree of communique.

::

    CommuniqueError
    ├── ApiError                  a communique server answered with an error (client)
    ├── Retryable                 worth another try later (network, locked database)
    │   ├── FetchError            (RateLimited: the server asked to wait)
    │   ├── WorkerError           a worker process died (`reprocess` redoes its inputs)
    │   ├── Interrupted           an ingest or reprocess stopped by Ctrl-C or SIGTERM
    │   └── TooManyRequests       a client past its rate limit (429, `retry_after` seconds)
    └── Permanent                 retrying changes nothing; the input is quarantined
        ├── InputError            a file or URL that cannot be read as what it claims
        │   ├── Refused           a URL communique will not fetch (private address, robots.txt)
        │   └── OverLimit         an input past a size limit of the settings (names the setting)
        ├── ExtractionError       a capture that yields no statement (reason kept)
        │   └── PdfStub           a page whose body is only a link to a PDF
        ├── QueryError            a malformed search query
        │   └── QueryTimeout      a search stopped at its time budget
        │       └── QueryCancelled  … or because its client went away
        ├── NotFound              no statement or capture with that id
        ├── Conflict              a write that clashes with what is stored (a name in use)
        ├── Unauthorized          a write without a valid API key (401)
        ├── Forbidden             a request the server's settings do not allow (403)
        ├── UnknownHost           a request for a host name the server does not answer to
        └── StoreError            the database refused an operation
"""

from __future__ import annotations


class CommuniqueError(Exception):
    """Base of every error communique raises on purpose.

    Example (errors travel back from worker processes, whatever their constructor takes):
        >>> import pickle
        >>> pickle.loads(pickle.dumps(PdfStub("only a link", "https://a.example/s.pdf"))).pdf_url
        'https://a.example/s.pdf'
    """

    status = 500
    parameter: str | None = None
    """The query or path parameter at fault, for the API's error answers."""

    def __init__(self, *args: object, parameter: str | None = None) -> None:
        super().__init__(*args)
        if parameter is not None:
            self.parameter = parameter

    def __reduce__(
        self,
    ) -> tuple[object, tuple[type[CommuniqueError], tuple[object, ...], dict[str, object]]]:
        return _rebuilt, (type(self), self.args, self.__dict__)


def _rebuilt(
    kind: type[CommuniqueError], args: tuple[object, ...], attributes: dict[str, object]
) -> CommuniqueError:
    """An unpickled error: its arguments and attributes back, its constructor not called."""
    error = kind.__new__(kind, *args)
    error.args = args
    error.__dict__.update(attributes)
    return error


class Retryable(CommuniqueError):
    """A failure that may go away on a later try; `retry_after`, when known, is how many
    seconds to wait first (as the server that refused asked, or as the limit allows)."""

    retry_after: float | None = None

    def __init__(
        self, *args: object, retry_after: float | None = None, parameter: str | None = None
    ) -> None:
        super().__init__(*args, parameter=parameter)
        if retry_after is not None:
            self.retry_after = retry_after


class Permanent(CommuniqueError):
    """A failure that will happen again for the same input."""


class FetchError(Retryable):
    """A URL could not be fetched."""


class WorkerError(Retryable):
    """A worker process (extraction, enrichment) stopped before it finished a statement."""


class Interrupted(Retryable):
    """An ingest or reprocess stopped by Ctrl-C or SIGTERM: what it stored is kept, and the
    same command run again finishes the rest.

    Example:
        >>> str(Interrupted(12))
        'interrupted: 12 inputs stored, rerun the same command to finish'
    """

    def __init__(self, stored: int) -> None:
        super().__init__(f"interrupted: {stored} inputs stored, rerun the same command to finish")
        self.stored = stored


class TooManyRequests(Retryable):
    """A client past its rate limit; it may try again after `retry_after` seconds."""


class InputError(Permanent):
    """An input file or URL cannot be read as the format it claims."""


class OverLimit(InputError):
    """An input past one of the limits of the settings; the message names the setting."""


class ExtractionError(Permanent):
    """A capture was stored but no statement could be extracted from it."""


class PdfStub(ExtractionError):
    """A page whose body is only a link to a PDF; `pdf_url` is where the statement is."""

    def __init__(self, message: str, pdf_url: str) -> None:
        super().__init__(message)
        self.pdf_url = pdf_url


class Refused(InputError):
    """A URL that communique will not fetch: a private address, a scheme, robots.txt."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


class RateLimited(FetchError):
    """The server answered 429 or 503; `retry_after` is how many seconds it asked to wait."""


class QueryError(Permanent):
    """A search query that cannot be parsed; the message says why in one line."""


class QueryTimeout(QueryError):
    """A search that ran past its time budget and was stopped."""


class QueryCancelled(QueryTimeout):
    """A search stopped because the client that asked for it went away."""


class Unauthorized(Permanent):
    """A request that needs an API key came without one, or with an unknown or revoked one."""


class Forbidden(Permanent):
    """A request the server's settings do not allow (a cross-site form, writes turned off)."""


class UnknownHost(Permanent):
    """A request whose Host header names a host the server does not answer to (400): a page of
    another site reaching this server through DNS rebinding, or a missing `allowed_hosts`."""


class NotFound(Permanent):
    """No record with the requested id."""


class Conflict(Permanent):
    """A write that clashes with what the archive holds, such as a name already in use."""


class StoreError(Permanent):
    """The store refused an operation."""


HTTP_STATUS: dict[type[CommuniqueError], int] = {
    Retryable: 503,
    FetchError: 502,
    TooManyRequests: 429,
    Permanent: 422,
    InputError: 400,
    OverLimit: 413,
    Refused: 403,
    QueryError: 400,
    QueryTimeout: 503,
    Unauthorized: 401,
    Forbidden: 403,
    UnknownHost: 400,
    NotFound: 404,
    Conflict: 409,
    StoreError: 500,
}
"""The HTTP status the API answers each kind of error with (its `status`); a kind not listed
answers with its parent's, and `CommuniqueError` with 500."""

for _kind, _status in HTTP_STATUS.items():
    _kind.status = _status
