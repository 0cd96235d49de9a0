"""The OpenAPI document: valid, typed, documented, and stable within a version."""

from __future__ import annotations

import json
from typing import Any

import pytest
from openapi_spec_validator import validate

from tests.api.openapi_snapshot import SNAPSHOT, current_document, promises


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return current_document()


def _operations(document: dict[str, Any], prefix: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", operation)
        for path, operations in document["paths"].items()
        if path.startswith(prefix)
        for method, operation in operations.items()
    ]


def test_document_is_valid_openapi(document: dict[str, Any]) -> None:
    validate(document)


def test_no_field_is_removed_or_renamed_within_v1(document: dict[str, Any]) -> None:
    stored = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    missing = sorted(promises(stored) - promises(document))
    assert not missing, (
        "the v1 API lost what clients rely on (a removed, renamed or retyped field, path or"
        " parameter); keep it, or serve the change under a new version. If the stored copy is"
        " stale on purpose, regenerate it: python -m tests.api.openapi_snapshot\n  "
        + "\n  ".join(missing[:40])
    )


def test_every_route_is_typed_summarised_and_its_errors_documented(
    document: dict[str, Any],
) -> None:
    for where, operation in _operations(document, "/api/v1/"):
        assert operation["summary"][0].isupper() and " " in operation["summary"], where
        success = [s for s in operation["responses"] if s.startswith("2")]
        assert len(success) == 1, f"{where} documents {success} as its success"
        ok = operation["responses"][success[0]].get("content")
        assert (ok is None) == (success[0] == "204"), f"{where}: a body with 204, or none"
        schema = next(iter(ok.values()))["schema"] if ok else {"$ref": "no content"}
        assert (
            schema.get("$ref")
            or schema.get("items", {}).get("$ref")
            or schema == {"type": "string"}
        ), f"{where} answers an untyped object"
        for status, answer in operation["responses"].items():
            if status.startswith("4"):
                error = answer["content"]["application/json"]["schema"]
                assert error == {"$ref": "#/components/schemas/Error"}, (
                    f"{where}: list its errors with responses=errors(...) (api/routes.py)"
                )
    schemas = document["components"]["schemas"]
    for name, schema in schemas.items():
        assert schema.get("additionalProperties") is not True, name
        assert schema.get("description"), f"{name} has no description: give it a docstring"


def test_every_answer_has_an_example_and_its_main_fields_are_described(
    document: dict[str, Any],
) -> None:
    schemas = document["components"]["schemas"]
    for where, operation in _operations(document, "/api/v1/"):
        for answer in operation["responses"].values():
            for content in answer.get("content", {}).values():
                schema = content["schema"]
                ref = schema.get("$ref") or schema.get("items", {}).get("$ref")
                if ref:
                    name = ref.rsplit("/", 1)[-1]
                    assert schemas[name].get("examples"), f"{name} ({where}) has no example"
    undocumented = [
        name
        for name in ("published", "country", "language", "snippet", "next_cursor", "parameter")
        if not any(
            s.get("properties", {}).get(name, {}).get("description") for s in schemas.values()
        )
    ]
    assert not undocumented


def test_unversioned_paths_are_deprecated_aliases(document: dict[str, Any]) -> None:
    versioned = {
        where.replace("/api/v1/", "/api/") for where, _ in _operations(document, "/api/v1/")
    }
    legacy = _operations(document, "/api/")
    legacy = [(where, op) for where, op in legacy if not where.split()[1].startswith("/api/v1/")]
    assert {where for where, _ in legacy} == versioned
    assert all(op.get("deprecated") for _, op in legacy)
    assert all(op["operationId"].startswith("legacy_") for _, op in legacy)


def test_examples_are_valid_answers(document: dict[str, Any]) -> None:
    from pydantic import TypeAdapter

    from communique import schemas

    checked = 0
    for name, schema in document["components"]["schemas"].items():
        kind = getattr(schemas, name, None)
        for example in schema.get("examples", []):
            TypeAdapter(kind).validate_python(example)
            checked += 1
    assert checked >= 10
