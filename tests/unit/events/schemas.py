"""Validation helpers: every `data` against its shipped schema, strictly (no extra fields)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jsonschema import Draft7Validator

from backorder.events.catalog import REGISTRY


def strict_validator(event_type: str) -> Draft7Validator:
    """A validator for the type's data that also refuses fields the schema does not name.

    The shipped schemas leave extra fields open, so consumers tolerate additive changes;
    the producer must still write nothing its schema does not describe.
    """
    definition = REGISTRY.get(event_type)
    assert definition is not None, f"{event_type} is not registered"
    schema = {**definition.schema, "additionalProperties": False}
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


def problems(event_type: str, data: Mapping[str, Any]) -> list[str]:
    """Every way `data` breaks the schema of its type (empty when it is valid)."""
    return [
        f"{event_type} {'/'.join(map(str, e.absolute_path)) or '(data)'}: {e.message}"
        for e in strict_validator(event_type).iter_errors(dict(data))
    ]
