"""The OpenAPI document of the whole API follows the house rules (docs/api-governance.md)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backorder.bootstrap import Application, bootstrap
from backorder.config import Settings
from backorder.service_layer.clock import FixedClock
from tests.conftest import NOW
from tests.e2e.integration_app import full_app

OUTSIDE_V1 = {"/metrics", "/health", "/docs", "/redoc", "/openapi.json"}
PROBLEM = "#/components/schemas/Problem"
Operation = tuple[str, str, dict[str, Any]]


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The OpenAPI document of the fully wired app."""
    home: Path = tmp_path_factory.mktemp("openapi")
    url = f"sqlite:///{(home / 'backorder.db').as_posix()}"
    application: Application = bootstrap(
        Settings(database_url=url, home=home), clock=FixedClock(NOW)
    )
    yield full_app(application).openapi()
    application.close()


def operations(spec: dict[str, Any]) -> Iterator[Operation]:
    """(method, path, operation) of every operation."""
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in {"get", "put", "post", "patch", "delete"}:
                yield method, path, operation


def test_every_operation_is_described_tagged_and_named(spec: dict[str, Any]) -> None:
    problems = []
    ids: dict[str, str] = {}
    for method, path, op in operations(spec):
        where = f"{method.upper()} {path}"
        for key in ("summary", "description", "tags", "operationId"):
            if not op.get(key):
                problems.append(f"{where}: no {key}")
        if op.get("operationId") in ids:
            problems.append(f"{where}: operationId also used by {ids[op['operationId']]}")
        ids[op.get("operationId", "")] = where
    assert problems == []


def _is_problem(response: dict[str, Any] | None) -> bool:
    if response is None:
        return False
    schema = response.get("content", {}).get("application/problem+json", {}).get("schema", {})
    return schema.get("$ref") == PROBLEM


def test_errors_are_documented_as_problem_details(spec: dict[str, Any]) -> None:
    problems = []
    for method, path, op in operations(spec):
        where = f"{method.upper()} {path}"
        responses = op.get("responses", {})
        expected = []
        if op.get("security"):
            expected += ["401", "403"]
        if op.get("parameters") or op.get("requestBody"):
            expected.append("422")
        problems += [
            f"{where}: {code} not documented as a problem"
            for code in expected
            if not _is_problem(responses.get(code))
        ]
    assert problems == []
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def _unnamed(schema: Any, where: str) -> Iterator[str]:
    """Inline object schemas with properties (models that should be named components)."""
    if not isinstance(schema, dict) or "$ref" in schema:
        return
    if schema.get("type") == "object" and schema.get("properties"):
        yield where
    for key in ("items", "additionalProperties"):
        yield from _unnamed(schema.get(key), f"{where}.{key}")
    for key in ("anyOf", "oneOf", "allOf"):
        for index, part in enumerate(schema.get(key, [])):
            yield from _unnamed(part, f"{where}.{key}[{index}]")


def test_no_unnamed_schemas(spec: dict[str, Any]) -> None:
    found = []
    for method, path, op in operations(spec):
        where = f"{method.upper()} {path}"
        for kind, body in op.get("requestBody", {}).get("content", {}).items():
            found += _unnamed(body.get("schema"), f"{where} request {kind}")
        for code, response in op.get("responses", {}).items():
            for kind, body in response.get("content", {}).items():
                found += _unnamed(body.get("schema"), f"{where} {code} {kind}")
    for name, schema in spec["components"]["schemas"].items():
        if name.startswith("Body_"):
            found.append(f"components.{name}: generated name")
        for prop, sub in schema.get("properties", {}).items():
            found += _unnamed(sub, f"components.{name}.{prop}")
    assert found == []


def test_paths_are_versioned(spec: dict[str, Any]) -> None:
    loose = [p for p in spec["paths"] if not p.startswith("/v1/") and p not in OUTSIDE_V1]
    assert loose == []
