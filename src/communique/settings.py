"""Settings: one frozen dataclass, layered defaults < TOML file < COMMUNIQUE_* environment < CLI."""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from communique.errors import InputError


def _setting(default: Any, help: str, shown: str | None = None) -> Any:
    """A field with its help text; `shown` is the default as documented, when it varies."""
    return field(default=default, metadata={"help": help, "shown": shown})


@dataclass(frozen=True)
class Settings:
    """Everything communique can be told; each field has a default and help text."""

    db: str = _setting("communique.db", "The archive: a SQLite file path or a postgresql:// URL.")
    max_bytes: int = _setting(
        20_000_000, "Largest input accepted, in bytes (files, WARC records, URL responses)."
    )
    max_unpacked_bytes: int = _setting(
        8_000_000_000,
        "Most bytes unpacked from one compressed file (.warc.gz, .jsonl.gz) before it is refused.",
    )
    max_header_bytes: int = _setting(
        1_000_000,
        "Largest header block (and longest header line) of a WARC record or of the HTTP"
        " response it holds, in bytes.",
    )
    max_depth: int = _setting(
        500, "Deepest nesting of brackets accepted in a JSON record (JSONL line, corpus item)."
    )
    max_error_chars: int = _setting(
        400, "Longest error message stored or printed; the rest is cut and marked with …."
    )
    fetch_timeout: float = _setting(20.0, "Seconds before a URL fetch gives up.")
    user_agent: str = _setting(
        "communique/0.1", "Product token of the User-Agent sent with every request."
    )
    contact_url: str = _setting(
        "https://github.com/communique-archive/communique",
        "Contact URL named in the User-Agent, so site owners can reach the archive.",
    )
    allow_private_urls: bool = _setting(
        False,
        "`ingest URL`: the URLs given may be on a private or loopback host (that host only);"
        " on a worker: crawl jobs of sources allowed private hosts may run.",
    )
    max_redirects: int = _setting(5, "Redirects followed per URL before giving up.")
    crawl_delay: float = _setting(
        1.0, "Seconds between two requests to one host (a larger robots.txt Crawl-delay wins)."
    )
    crawl_concurrency: int = _setting(4, "Hosts fetched at the same time during a crawl.")
    crawl_retries: int = _setting(3, "Retries of a URL after a 5xx, a 429 or a network error.")
    crawl_backoff: float = _setting(2.0, "First retry wait in seconds; doubles on each retry.")
    max_retry_after: float = _setting(
        300.0, "Longest Retry-After (seconds) honoured; a longer one fails the URL for this run."
    )
    crawl_max_pages: int = _setting(5000, "Most URLs fetched for one source in one crawl run.")
    warc_max_bytes: int = _setting(
        1_000_000_000, "Size at which the crawler starts a new WARC file, in bytes."
    )
    query_seconds: float = _setting(
        10.0,
        "Time budget of one search in seconds (a map, timeline, network or trends view; a"
        " web Parquet export as a whole; each batch of a streamed API export); a search that"
        " takes longer is stopped (HTTP 503), and the API"
        " and web UI also stop a search whose client went away.",
    )
    page_size: int = _setting(20, "Search hits per page in the web UI and API by default.")
    host: str = _setting("127.0.0.1", "Address `communique serve` binds to.")
    port: int = _setting(8000, "Port `communique serve` listens on.")
    public_url: str = _setting(
        "",
        "The address users reach the server by when it is not `host` (behind a proxy:"
        " https://archive.example.org): its host is answered and its pages may send web forms.",
    )
    allowed_hosts: str = _setting(
        "",
        "More host names the server answers to, comma-separated (`*.example.org` for a domain's"
        " subdomains, `*` for any). Other Host headers get 400, which stops DNS rebinding;"
        " loopback names, IP addresses, `host` and the host of `public_url` are always answered.",
    )
    write_rate: float = _setting(
        1.0,
        "API writes per second allowed per API key and per client address (after `rate_burst`"
        " at once); more get HTTP 429 with Retry-After.",
    )
    read_rate: float = _setting(
        0.0,
        "Requests per second allowed per client address (after `rate_burst` at once); 0 sets"
        " no limit. Set it on a server open to the internet.",
    )
    rate_burst: int = _setting(
        60, "Requests (or writes) a client may make at once before its rate applies."
    )
    keys_for_reads: bool = _setting(
        False, "Every API request, reads too, needs an API key (writes always do)."
    )
    web_writes: bool = _setting(
        True,
        "The web UI's forms may write (saved searches) without an API key, from the server's"
        " own pages only; turn off on a server open to the internet.",
    )
    site_chrome_pages: int = _setting(
        1,
        "A line seen on at least this many other captures of the same host is site chrome"
        " and is dropped from statements (0 turns learned chrome off).",
    )
    enrich: bool = _setting(
        True, "Run the enrichment stage (entities, places, times, events) on ingest/reprocess."
    )
    link: bool = _setting(
        True,
        "Link each new statement to its copies and translations on ingest/reprocess; off for a"
        " bulk load, then `communique relink` links the whole archive in one pass.",
    )
    link_batch: int = _setting(
        256,
        "Statements ingest and reprocess store and link together, with one read of the link"
        " tables (fewer when the workers are slower); a kill loses at most these, which the"
        " rerun redoes.",
    )
    time_tagger: str = _setting(
        "auto",
        "`auto` (English by the rules, other languages by HeidelTime), `heideltime` (every"
        " language it covers; needs a Java runtime, else `rules`) or `rules` (English only).",
    )
    workers: int = _setting(
        os.cpu_count() or 1,
        "Processes that extract and enrich statements in parallel on ingest/reprocess (default:"
        " one per CPU core; each loads its own models, about 1 GB; 1 = all in the main process).",
        shown="CPU cores",
    )

    queue: str = _setting(
        "",
        "The job queue for `--queue` and `communique worker`: a postgresql:// URL (empty: the"
        " archive itself when it is PostgreSQL).",
    )
    job_retries: int = _setting(
        3,
        "Retries of a queued job that fails, before it goes to the dead-letter list (a final"
        " error, such as bad input or a missing capture, goes there at once).",
    )
    job_backoff: float = _setting(
        2.0, "Seconds before a failed job's first retry; doubles on each retry."
    )
    worker_heartbeat: float = _setting(
        10.0,
        "Seconds between a worker's heartbeats; the jobs of a worker silent for three of them"
        " are retried (it is presumed dead).",
    )

    @property
    def user_agent_header(self) -> str:
        """The User-Agent header: product token and contact URL."""
        return f"{self.user_agent} (+{self.contact_url})"

    def with_overrides(self, **values: Any) -> Settings:
        """A copy with the given non-None values set (the CLI layer)."""
        return replace(self, **{k: v for k, v in values.items() if v is not None})


def setting_help() -> dict[str, str]:
    """Each setting's name and help text."""
    return {f.name: f.metadata["help"] for f in fields(Settings)}


def settings_table() -> str:
    """The settings as the Markdown table the README carries (checked by tests/test_docs.py)."""
    rows = ["| setting | environment | default | what it does |", "|---|---|---|---|"]
    for f in fields(Settings):
        shown = f.metadata["shown"] or f"`{json.dumps(f.default)}`"
        env = f"`COMMUNIQUE_{f.name.upper()}`"
        help_text = f.metadata["help"].replace("|", "\\|")
        rows.append(f"| `{f.name}` | {env} | {shown} | {help_text} |")
    return "\n".join(rows) + "\n"


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


def over_limit(what: str, name: str, value: int) -> str:
    """The message for an input refused by a limit: what is too large, and how to raise it.

    Example:
        >>> over_limit("record is larger", "max_bytes", 20)
        'record is larger than the max_bytes limit of 20 (raise it with COMMUNIQUE_MAX_BYTES)'
    """
    return f"{what} than the {name} limit of {value} (raise it with COMMUNIQUE_{name.upper()})"


def clip(message: str, limit: int = 400) -> str:
    """`message` cut to `limit` characters (an error message quoting a huge input).

    Example:
        >>> clip("x" * 10, 4)
        'xxx…'
    """
    return message if len(message) <= limit else message[: max(limit - 1, 0)] + "…"
