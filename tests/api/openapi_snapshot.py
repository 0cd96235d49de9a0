"""The stored copy of the v1 OpenAPI document, and what of it clients depend on.

Regenerate it on purpose (after adding fields, or for a new API version) with:

    python -m tests.api.openapi_snapshot
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from communique.api.app import API_PREFIX, create_app
from communique.settings import Settings

SNAPSHOT = Path(__file__).with_name("openapi-v1.json")


def current_document() -> dict[str, Any]:
    """The OpenAPI document the app serves now."""
    return create_app(Settings(db=":memory:")).openapi()


def versioned(document: dict[str, Any]) -> dict[str, Any]:
    """The document cut down to the versioned paths (the deprecated aliases left out)."""
    paths = {p: ops for p, ops in document["paths"].items() if p.startswith(API_PREFIX + "/")}
    return document | {"paths": paths}


def promises(document: dict[str, Any]) -> set[str]:
    """Every path, operation, parameter, response field and enum value a client can rely on.

    One line each, e.g. `GET /api/v1/search 200 .hits[].title: string`; a field removed,
    renamed or retyped removes its line.
    """
    schemas = document.get("components", {}).get("schemas", {})
    found: set[str] = set()
    for path, operations in versioned(document)["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            found.add(f"{where} operationId={operation.get('operationId')}")
            for parameter in operation.get("parameters", []):
                kind = _type(parameter.get("schema", {}), schemas)
                found.add(f"{where} {parameter['in']} {parameter['name']}: {kind}")
            for status, answer in operation.get("responses", {}).items():
                for media, content in answer.get("content", {}).items():
                    prefix = f"{where} {status} {media}"
                    _walk(content.get("schema", {}), schemas, prefix, "", found, ())
    return found


def _resolve(schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    return schemas[ref.rsplit("/", 1)[-1]] if ref else schema


def _type(schema: dict[str, Any], schemas: dict[str, Any]) -> str:
    """A short name of a schema's type: `string`, `integer|null`, `array`, `Statement`…"""
    if "$ref" in schema:
        return str(schema["$ref"].rsplit("/", 1)[-1])
    if "anyOf" in schema:
        return "|".join(_type(s, schemas) for s in schema["anyOf"])
    kind = str(schema.get("type", "any"))
    return f"{kind}:{schema['format']}" if "format" in schema else kind


def _walk(
    schema: dict[str, Any],
    schemas: dict[str, Any],
    prefix: str,
    at: str,
    found: set[str],
    seen: tuple[str, ...],
) -> None:
    found.add(f"{prefix} {at or '.'}: {_type(schema, schemas)}")
    ref = schema.get("$ref")
    if ref in seen:
        return
    seen = (*seen, ref) if ref else seen
    for option in schema.get("anyOf", []):
        _walk(option, schemas, prefix, at, found, seen)
    resolved = _resolve(schema, schemas)
    for value in resolved.get("enum", []):
        found.add(f"{prefix} {at or '.'} enum {value}")
    required = set(resolved.get("required", []))
    for name, field in resolved.get("properties", {}).items():
        if name in required:
            found.add(f"{prefix} {at}.{name} required")
        _walk(field, schemas, prefix, f"{at}.{name}", found, seen)
    if "items" in resolved:
        _walk(resolved["items"], schemas, prefix, f"{at}[]", found, seen)
    extra = resolved.get("additionalProperties")
    if isinstance(extra, dict):
        _walk(extra, schemas, prefix, f"{at}{{}}", found, seen)


def write_snapshot(path: Path = SNAPSHOT) -> None:
    """Store the current v1 document as the reference clients are held to."""
    text = json.dumps(versioned(current_document()), indent=1, ensure_ascii=False, sort_keys=True)
    path.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    write_snapshot()
    print(f"wrote {SNAPSHOT}")
