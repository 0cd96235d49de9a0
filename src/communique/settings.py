"""Settings: one frozen dataclass, layered defaults < TOML file < COMMUNIQUE_* environment < CLI."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from communique.errors import InputError


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    """Everything communique can be told; each field has a default and help text."""

    db: str = _setting("communique.db", "Path of the SQLite database file.")
    max_bytes: int = _setting(
        20_000_000, "Largest input accepted, in bytes (files, WARC records, URL responses)."
    )
    fetch_timeout: float = _setting(20.0, "Seconds before a URL fetch gives up.")
    user_agent: str = _setting(
        "communique/0.1 (+https://github.com/communique-archive/communique)",
        "User-Agent sent with every request; name a contact URL.",
    )
    page_size: int = _setting(20, "Search hits per page in the web UI and API by default.")
    host: str = _setting("127.0.0.1", "Address `communique serve` binds to.")
    port: int = _setting(8000, "Port `communique serve` listens on.")
    enrich: bool = _setting(
        True, "Run the enrichment stage (entities, places, times, events) on ingest/reprocess."
    )
    time_tagger: str = _setting(
        "heideltime",
        "`heideltime` (needs a Java runtime; falls back to `rules` without one) or `rules`.",
    )

    def with_overrides(self, **values: Any) -> Settings:
        """A copy with the given non-None values set (the CLI layer)."""
        return replace(self, **{k: v for k, v in values.items() if v is not None})


def setting_help() -> dict[str, str]:
    """Each setting's name and help text."""
    return {f.name: f.metadata["help"] for f in fields(Settings)}


def load_settings(
    config: Path | None = None, environ: dict[str, str] | None = None, **cli: Any
) -> Settings:
    """Layer defaults, a TOML file, `COMMUNIQUE_*` variables and CLI values, in that order.

    Example:
        >>> load_settings(environ={"COMMUNIQUE_DB": "x.db"}).db
        'x.db'
    """
    values: dict[str, Any] = {}
    if config is not None:
        values.update(_read_toml(config))
    environ = dict(os.environ) if environ is None else environ
    for f in fields(Settings):
        raw = environ.get(f"COMMUNIQUE_{f.name.upper()}")
        if raw is not None:
            values[f.name] = _coerce(f.name, f.default, raw)
    return Settings(**values).with_overrides(**cli)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{path}: cannot read settings: {exc}") from exc
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise InputError(f"{path}: unknown setting(s): {', '.join(unknown)}")
    return data


def _coerce(name: str, default: Any, raw: str) -> Any:
    if isinstance(default, bool):
        if raw.strip().lower() not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
            raise InputError(f"COMMUNIQUE_{name.upper()}={raw!r}: not a yes/no value")
        return raw.strip().lower() in ("1", "true", "yes", "on")
    try:
        return type(default)(raw)
    except ValueError as exc:
        raise InputError(f"COMMUNIQUE_{name.upper()}={raw!r}: {exc}") from exc
