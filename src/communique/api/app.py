"""Build the ASGI app: REST API under /api, web UI at /, one error handler for both."""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from communique.api.routes import router as api_router
from communique.errors import CommuniqueError
from communique.settings import Settings
from communique.store.base import Store, open_store
from communique.web.render import SECURITY_HEADERS, render
from communique.web.views import STATIC_DIR, render_error
from communique.web.views import router as web_router


def create_app(settings: Settings, store: Store | None = None) -> FastAPI:
    """The communique web app over `store` (opened from `settings.db` when not given).

    Example:
        >>> app = create_app(Settings(db=":memory:"))
        >>> app.title
        'communique'
    """
    app = FastAPI(
        title="communique",
        description="Search and read an archive of official statements.",
        version=version("communique"),
        docs_url=None,
        redoc_url=None,
    )
    app.state.store = store or open_store(settings.db)
    app.state.settings = settings
    app.include_router(api_router, prefix="/api")
    app.include_router(web_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_exception_handler(CommuniqueError, _handle_error)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _handle_http_error)  # type: ignore[arg-type]
    app.middleware("http")(_security_headers)
    return app


async def _security_headers(request: Request, call_next: Any) -> Response:
    """Every response gets the CSP (no inline script, nothing from other hosts) and nosniff."""
    response: Response = await call_next(request)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


async def _handle_http_error(request: Request, exc: HTTPException) -> Response:
    """Unknown pages and bad requests: JSON under /api, the HTML error page elsewhere."""
    if request.url.path.startswith("/api/") or request.url.path.startswith("/static/"):
        return JSONResponse({"error": exc.detail, "kind": "HTTPError"}, status_code=exc.status_code)
    kind = "Page not found" if exc.status_code == 404 else "Error"
    message = (
        f"There is no page at {request.url.path}." if exc.status_code == 404 else str(exc.detail)
    )
    return HTMLResponse(
        render("error.html", kind=kind, message=message), status_code=exc.status_code
    )


async def _handle_error(request: Request, exc: CommuniqueError) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": str(exc), "kind": type(exc).__name__}, status_code=exc.status)
    return HTMLResponse(render_error(request, exc), status_code=exc.status)


def serve(settings: Settings) -> None:
    """Run the app with uvicorn until interrupted."""
    import uvicorn

    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")
