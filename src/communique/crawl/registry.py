"""The source registry: a TOML file next to the database, one `[sources.NAME]` table each."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from communique.errors import InputError, NotFound
from communique.extract.countries import find_country
from communique.model import CrawlSource, Selectors

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_LISTS = ("start_urls", "feeds", "sitemaps", "languages")


def beside_db(db: str, suffix: str) -> Path:
    """A file or folder named after database `db`, beside it: `NAME` + `suffix`.

    Example:
        >>> beside_db("data/archive.db", "-warc").as_posix()
        'data/archive-warc'
    """
    path = Path(db)
    return path.with_name(path.stem + suffix)


def registry_path(db: str) -> Path:
    """The registry file of database `db`: `NAME.sources.toml` beside it."""
    return beside_db(db, ".sources.toml")


def load_registry(path: Path) -> dict[str, CrawlSource]:
    """Every source in the registry at `path` (none when the file does not exist yet).

    Example:
        >>> load_registry(Path("no-such-folder/archive.sources.toml"))
        {}
    """
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{path}: cannot read the source registry: {exc}") from exc
    sources = {}
    for name, table in dict(data.get("sources", {})).items():
        sources[name] = _from_table(path, name, table)
    return sources


def _from_table(path: Path, name: str, table: dict[str, Any]) -> CrawlSource:
    known = {f.name for f in fields(CrawlSource)} - {"name"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise InputError(f"{path}: source {name}: unknown field(s) {', '.join(unknown)}")
    values = dict(table)
    for key in _LISTS:
        values[key] = tuple(values.get(key, ()))
    values["selectors"] = Selectors(**dict(values.get("selectors", {})))
    try:
        return CrawlSource(name=name, **values)
    except TypeError as exc:
        raise InputError(f"{path}: source {name}: {exc}") from exc


def source_record(source: CrawlSource) -> dict[str, Any]:
    """`source` as a JSON object (what a queued crawl job carries), its name left out."""
    record: dict[str, Any] = {}
    for f in fields(CrawlSource):
        value = getattr(source, f.name)
        if f.name not in ("name", "selectors") and value is not None and value != ():
            record[f.name] = list(value) if isinstance(value, tuple) else value
    chosen = {f.name: getattr(source.selectors, f.name) for f in fields(Selectors)}
    if any(chosen.values()):
        record["selectors"] = {k: v for k, v in chosen.items() if v}
    return record


def source_from_record(where: str, name: str, record: dict[str, Any]) -> CrawlSource:
    """The source a `source_record` describes (`where` names it in errors)."""
    return _from_table(Path(where), name, record)


def save_registry(path: Path, sources: dict[str, CrawlSource]) -> None:
    """Write the registry (sorted by name), replacing the file atomically."""
    lines = ["# communique source registry: `communique sources add|remove|import` edit it.", ""]
    for name in sorted(sources):
        lines.extend(_to_toml(sources[name]))
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(lines), encoding="utf-8")
    tmp.replace(path)


def _to_toml(source: CrawlSource) -> list[str]:
    lines = [f"[sources.{_key(source.name)}]"]
    for f in fields(CrawlSource):
        value = getattr(source, f.name)
        if f.name in ("name", "selectors") or value is None or value == ():
            continue
        lines.append(f"{f.name} = {_value(value)}")
    chosen = {f.name: getattr(source.selectors, f.name) for f in fields(Selectors)}
    if any(chosen.values()):
        lines.append(f"[sources.{_key(source.name)}.selectors]")
        lines.extend(f"{k} = {_value(v)}" for k, v in chosen.items() if v)
    lines.append("")
    return lines


def _key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else json.dumps(name)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def add_source(path: Path, source: CrawlSource, replace_existing: bool = False) -> CrawlSource:
    """Add `source` to the registry; refuse a bad name, a bad URL or a duplicate."""
    check_source(source)
    sources = load_registry(path)
    if source.name in sources and not replace_existing:
        raise InputError(f"source {source.name} already exists in {path}")
    sources[source.name] = source
    save_registry(path, sources)
    return source


def remove_source(path: Path, name: str) -> None:
    sources = load_registry(path)
    if name not in sources:
        raise NotFound(f"no source {name} in {path}")
    del sources[name]
    save_registry(path, sources)


def get_source(path: Path, name: str) -> CrawlSource:
    sources = load_registry(path)
    if name not in sources:
        raise NotFound(f"no source {name} in {path}")
    return sources[name]


def check_source(source: CrawlSource) -> None:
    """Raise `InputError` naming the field when a source cannot be crawled."""
    if not _NAME.fullmatch(source.name):
        raise InputError(f"source name {source.name!r}: use letters, digits, '.', '_' or '-'")
    if not (source.start_urls or source.feeds or source.sitemaps):
        raise InputError(f"source {source.name}: give at least one --start, --feed or --sitemap")
    for url in (*source.start_urls, *source.feeds, *source.sitemaps):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InputError(f"source {source.name}: {url!r} is not an http(s) URL")
    if source.country and not re.fullmatch(r"[A-Z]{2}", source.country):
        raise InputError(f"source {source.name}: country {source.country!r} is not ISO alpha-2")
    if source.recrawl_hours <= 0:
        raise InputError(f"source {source.name}: recrawl interval must be positive")


def import_diplomaticpulse(path: Path, registry: Path) -> list[CrawlSource]:
    """Add the sources of a DiplomaticPulse registry JSON (name, url, XPath selectors)."""
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from exc
    if not isinstance(items, list):
        raise InputError(f"{path}: expected a JSON list of sources")
    sources = load_registry(registry)
    added = []
    for number, item in enumerate(items, start=1):
        source = _from_diplomaticpulse(path, number, item, sources)
        if source is not None:
            check_source(source)
            sources[source.name] = source
            added.append(source)
    save_registry(registry, sources)
    return added


def _from_diplomaticpulse(
    path: Path, number: int, item: Any, taken: dict[str, CrawlSource]
) -> CrawlSource | None:
    if not isinstance(item, dict) or not item.get("url") or not item.get("name"):
        raise InputError(f"{path}: item {number} has no name or url")
    url = str(item["url"]).strip()
    if any(url in s.start_urls for s in taken.values()):
        return None
    host = (urlsplit(url).hostname or "site").removeprefix("www.")
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{item['name']}-{host}").strip("-").lower()
    base, serial = name, 2
    while name in taken:
        name, serial = f"{base}-{serial}", serial + 1
    selectors = Selectors(
        item=item.get("global") or None,
        link=item.get("link") or None,
        title=item.get("title") or None,
        date=item.get("posted_date") or None,
        body=item.get("statement") or None,
    )
    return CrawlSource(
        name=name,
        start_urls=(url,),
        issuer=str(item["name"]),
        country=find_country(str(item["name"])),
        selectors=selectors,
    )
