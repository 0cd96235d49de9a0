"""Build the ASGI app: REST API under /api/v1, web UI at /, one error handler for both.

The unversioned paths under /api are aliases of /api/v1 kept for one release: they are
marked deprecated in the OpenAPI document and answer with a `Deprecation` header.
"""

from __future__ import annotations

import gc
import re
from importlib.metadata import version
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from communique import schemas
from communique.api.access import open_gate
from communique.api.guard import SAFE_METHODS, Guard
from communique.api.routes import TAGS
from communique.api.routes import router as api_router
from communique.errors import CommuniqueError, NotFound, QueryError
from communique.settings import Settings
from communique.store.base import Store, open_store
from communique.web.render import SECURITY_HEADERS, render
from communique.web.views import STATIC_DIR, render_error, render_invalid
from communique.web.views import router as web_router

API_VERSION = "v1"
API_PREFIX = f"/api/{API_VERSION}"
LEGACY_PREFIX = "/api"
_VERSIONED = re.compile(r"^/api/v\d+(/|$)")

DESCRIPTION = """Search and read an archive of official statements: what foreign ministries,
embassies and missions said, attributed to their issuers and kept as captured.

Paths are versioned (`/api/v1/…`): fields are only added within a version. The unversioned
paths (`/api/…`) are deprecated aliases kept for one release. Every error answers with one
JSON shape, `Error`: `status`, `code`, `message` and the `parameter` at fault.

Reads are open; every write (POST, PUT, PATCH, DELETE) needs an API key, sent as
`Authorization: Bearer <token>` (`communique keys add NAME` creates one). Clients past their
rate limit get 429 with `Retry-After` seconds.

From Python: `communique.client.Client` (sync) and `AsyncClient`.
"""


def create_app(settings: Settings, store: Store | None = None) -> FastAPI:
    """The communique web app over `store` (opened from `settings.db` when not given).

    Example:
        >>> app = create_app(Settings(db=":memory:"))
        >>> app.title
        'communique'
    """
    app = FastAPI(
        title="communique",
        description=DESCRIPTION,
        version=version("communique"),
        docs_url=None,
        redoc_url=None,
        openapi_tags=TAGS,
        license_info={"name": "Apache-2.0", "identifier": "Apache-2.0"},
    )
    app.state.store = store or open_store(settings.db)
    app.state.settings = settings
    app.state.write_gate = open_gate
    app.include_router(api_router, prefix=API_PREFIX, generate_unique_id_function=_operation_id)
    app.include_router(
        api_router,
        prefix=LEGACY_PREFIX,
        deprecated=True,
        generate_unique_id_function=_legacy_operation_id,
    )
    app.include_router(web_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_exception_handler(CommuniqueError, _handle_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _handle_invalid)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _handle_http)  # type: ignore[arg-type]
    app.add_middleware(Guard, settings=settings, answer=_handle_error, is_api=is_api)
    app.add_middleware(_ResponseHeaders)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document, without the 422 answers FastAPI adds to routes that cannot give
    them (a route that can lists its 422, with the one `Error` schema)."""
    if app.openapi_schema is None:
        document = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
            license_info=app.license_info,
        )
        for operations in document["paths"].values():
            for operation in operations.values():
                answers = operation.get("responses", {})
                if "HTTPValidationError" in str(answers.get("422", "")):
                    del answers["422"]
        for name in ("HTTPValidationError", "ValidationError"):
            document.get("components", {}).get("schemas", {}).pop(name, None)
        _declare_keys(document)
        app.openapi_schema = document
    return app.openapi_schema


KEY_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": "An API key's token (`communique keys add NAME` prints it once). Every"
    " write needs one; reads too when the server sets `keys_for_reads`.",
}


def _declare_keys(document: dict[str, Any]) -> None:
    """Declare the bearer key scheme, and that every write operation needs it."""
    document.setdefault("components", {})["securitySchemes"] = {"apiKey": KEY_SCHEME}
    for operations in document["paths"].values():
        for method, operation in operations.items():
            if method.upper() not in SAFE_METHODS:
                operation["security"] = [{"apiKey": []}]


class _ResponseHeaders:
    """ASGI middleware: every response gets the CSP (no inline script, nothing from other
    hosts) and nosniff, and the deprecated API paths name their successor.

    Plain ASGI, its headers added to the response's start message: as two `@app.middleware`
    functions (Starlette's BaseHTTPMiddleware) they cost each API request 1.0-1.4 ms of CPU.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = _deprecation_headers(Request(scope).url.path)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                for name, value in added.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _operation_id(route: APIRoute) -> str:
    return route.name


def _legacy_operation_id(route: APIRoute) -> str:
    return f"legacy_{route.name}"


def is_api(path: str) -> bool:
    """True for the paths of the REST API (versioned or not), which answer errors as JSON."""
    return path == LEGACY_PREFIX or path.startswith(LEGACY_PREFIX + "/")


def _is_legacy(path: str) -> bool:
    return is_api(path) and not _VERSIONED.match(path)


def _deprecation_headers(path: str) -> dict[str, str]:
    """The headers marking a deprecated API path and naming its successor (none for others)."""
    if not _is_legacy(path):
        return {}
    successor = API_PREFIX + path.removeprefix(LEGACY_PREFIX)
    return {"Deprecation": "true", "Link": f'<{successor}>; rel="successor-version"'}


def error_body(request: Request, error: schemas.Error, legacy_kind: str) -> dict[str, Any]:
    """The JSON of an error; the deprecated paths also keep their old `error` and `kind`."""
    body = error.model_dump()
    if _is_legacy(request.url.path):
        body |= {"error": error.message, "kind": legacy_kind}
    return body


def _error_code(kind: type[Exception]) -> str:
    """`QueryError` → `query_error`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", kind.__name__).lower()


def _parameter(request: Request, exc: CommuniqueError) -> str | None:
    if exc.parameter is not None:
        return exc.parameter
    if isinstance(exc, NotFound) and request.path_params:
        return next(iter(request.path_params))
    return "q" if isinstance(exc, QueryError) else None


async def _handle_error(request: Request, exc: CommuniqueError) -> Response:
    if not is_api(request.url.path):
        return HTMLResponse(render_error(request, exc), status_code=exc.status)
    error = schemas.Error(
        status=exc.status,
        code=_error_code(type(exc)),
        message=str(exc),
        parameter=_parameter(request, exc),
    )
    return JSONResponse(error_body(request, error, type(exc).__name__), status_code=exc.status)


async def _handle_invalid(request: Request, exc: RequestValidationError) -> Response:
    first = exc.errors()[0] if exc.errors() else {}
    location = [str(part) for part in first.get("loc", ())]
    parameter = location[-1] if len(location) > 1 else None
    if not is_api(request.url.path):
        page = render_invalid(request, parameter, str(first.get("msg", "invalid value")))
        return HTMLResponse(page, status_code=422)
    message = f"{parameter}: {first.get('msg', 'invalid value')}" if parameter else "invalid"
    error = schemas.Error(
        status=422, code="invalid_parameter", message=message, parameter=parameter
    )
    return JSONResponse(error_body(request, error, "RequestValidationError"), status_code=422)


async def _handle_http(request: Request, exc: StarletteHTTPException) -> Response:
    """Unknown pages and bad requests: JSON under /api, the HTML error page elsewhere."""
    path = request.url.path
    if path.startswith("/static/"):
        return JSONResponse({"error": exc.detail, "kind": "HTTPError"}, status_code=exc.status_code)
    if not is_api(path):
        kind = "Page not found" if exc.status_code == 404 else "Error"
        message = f"There is no page at {path}." if exc.status_code == 404 else str(exc.detail)
        return HTMLResponse(
            render("error.html", kind=kind, message=message), status_code=exc.status_code
        )
    code = "not_found" if exc.status_code == 404 else f"http_{exc.status_code}"
    message = f"no such path {path}" if exc.status_code == 404 else str(exc.detail)
    error = schemas.Error(status=exc.status_code, code=code, message=message, parameter=None)
    return JSONResponse(
        error_body(request, error, "HTTPError"),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


def serve(settings: Settings) -> None:
    """Run the app with uvicorn until interrupted."""
    import uvicorn

    app = create_app(settings)
    settle()
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level="info",
        timeout_graceful_shutdown=3,  # SIGTERM: open connections get 3 s, then the process ends
    )


def settle() -> None:
    """Keep what a server holds once it is up out of the garbage collector's full passes.

    A server process holds about 160,000 objects that live as long as it does (the modules,
    language data and models of every stage, the app and the open store); a full collection
    walks them all (60-75 ms of CPU, load 14) inside whichever request's allocations set it
    off: one search in ten or twenty took that much longer. Frozen (`gc.freeze`), they are
    skipped; what requests make is collected as before, and a full pass walks only that.
    """
    gc.collect()
    gc.freeze()
