"""The template environment, its filters, and the headers every HTML page is sent with."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from communique.model import public_url
from communique.search import snippet_html

STATIC_DIR = Path(__file__).parent / "static"
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
"""Scripts only from the app's own files (no inline script), nothing from other hosts."""
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
"""`same-origin`: other sites get no referrer, while the app's own forms keep their `Origin`
(under `no-referrer` a browser sends `Origin: null`, and the CSRF guard refuses the form)."""


def link_url(url: str | None) -> str | None:
    """`url` when it is an absolute http(s) URL that may become a link, else None.

    Example:
        >>> link_url("https://mfa.gov.az/en/news/1"), link_url("javascript:alert(1)")
        ('https://mfa.gov.az/en/news/1', None)
    """
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()


@cache
def country_name(code: str | None) -> str:
    """The short English name of an ISO 3166-1 alpha-2 code, or the code when unknown.

    Example:
        >>> country_name("AZ")
        'Azerbaijan'
    """
    if not code:
        return ""
    import pycountry

    country = pycountry.countries.get(alpha_2=code.upper())
    if country is None:
        return code
    return str(getattr(country, "common_name", None) or country.name)


def country_label(code: str | None) -> str:
    """`Azerbaijan (AZ)`: the name with its code.

    Example:
        >>> country_label("AM")
        'Armenia (AM)'
    """
    name = country_name(code)
    return name if name == (code or "") else f"{name} ({code})"


def in_words(kind: type[Exception]) -> str:
    """An error class's name as a heading.

    Example:
        >>> in_words(KeyError)
        'Key error'
    """
    return re.sub(r"(?<!^)(?=[A-Z])", " ", kind.__name__).capitalize()


def search_href(path: str = "/", **params: Any) -> str:
    """A link to `path` with the non-empty `params` as its query string."""
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    return path + ("?" + urlencode(kept) if kept else "")


def quoted(value: str) -> str:
    """A filter value as the query language needs it: quoted when it holds a space."""
    return f'"{value}"' if any(c.isspace() for c in value) else value


@cache
def templates() -> Environment:
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(["html", "xml"]),
    )
    env.filters["snippet"] = lambda s: Markup(snippet_html(s))
    env.filters["link_url"] = link_url
    env.filters["public_url"] = public_url
    env.filters["country_name"] = country_name
    env.filters["country_label"] = country_label
    env.filters["quoted"] = quoted
    env.globals["href"] = search_href
    return env


def render(name: str, **context: Any) -> str:
    """Render the template `name` with `context`."""
    return templates().get_template(name).render(**context)
