"""The registry: a schema file per type, in step with the domain classes and the codec."""

from __future__ import annotations

import dataclasses
import json
import typing
from datetime import date, datetime
from importlib import resources
from typing import Any

import pytest
from jsonschema import Draft7Validator

from backorder.domain import event_codec, events
from backorder.events.catalog import REGISTRY
from backorder.events.registry import EventRegistry, draft_schema, schema_id
from tests.unit.events.schemas import problems

SCHEMA_DIR = resources.files("backorder.events").joinpath("schemas")
DEFINITIONS = list(REGISTRY)


def _sample(event: type[events.Event]) -> events.Event:
    """An instance with a plausible value for every field (by its type)."""
    hints = typing.get_type_hints(event)
    values: dict[str, Any] = {}
    for field in dataclasses.fields(event):
        hint = hints[field.name]
        members = typing.get_args(hint) or (hint,)
        kind = next(m for m in members if m is not type(None))
        values[field.name] = {
            bool: True,
            int: 7,
            float: 1.5,
            str: "X1",
            date: date(2026, 12, 1),
            datetime: datetime(2026, 12, 1, 8, 30),
        }[kind]
    return event(**values)


def test_the_current_event_types_are_registered() -> None:
    assert {
        "backorder.order_line.allocated.v1",
        "backorder.order_line.backordered.v1",
        "backorder.order_line.repromised.v1",
        "backorder.order_line.shipped.v1",
        "backorder.allocation_run.completed.v1",
        "backorder.item.shortage_detected.v1",
    } <= set(REGISTRY.types)


def test_every_event_class_the_codec_knows_is_registered() -> None:
    # Whatever the service layer can write to the outbox must have a schema.
    unregistered = [
        f"{cls.__name__} ({event_codec.event_type(_sample(cls))})"
        for cls in event_codec._TYPES
        if REGISTRY.for_class(cls) is None
    ]
    assert unregistered == [], (
        "every event written to the outbox needs a schema: `python -m backorder.events "
        "--write` drafts the files and prints the lines for backorder/events/catalog.py"
    )


def test_every_schema_file_belongs_to_a_registered_type() -> None:
    files = {p.name.removesuffix(".json") for p in SCHEMA_DIR.iterdir() if p.name.endswith(".json")}
    assert files == set(REGISTRY.types)


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d.type)
def test_each_schema_is_valid_draft_07_and_named_by_its_type(definition: Any) -> None:
    schema = definition.schema
    Draft7Validator.check_schema(schema)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert schema["$id"] == schema_id(definition.type)
    assert schema["type"] == "object"
    assert definition.type.endswith(f".v{definition.version}")
    for example in schema.get("examples", []):
        assert problems(definition.type, example) == []


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d.type)
def test_each_schema_describes_exactly_the_fields_of_its_class(definition: Any) -> None:
    assert definition.event is not None
    drafted = draft_schema(definition.type, definition.event)
    schema = definition.schema
    assert list(schema["properties"]) == list(drafted["properties"])
    assert schema["required"] == drafted["required"]
    for name, fragment in drafted["properties"].items():
        assert schema["properties"][name]["type"] == fragment["type"], name


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d.type)
def test_the_codec_writes_the_registered_type_and_valid_data(definition: Any) -> None:
    assert definition.event is not None
    kind, subject, data = event_codec.event_payload(_sample(definition.event))
    assert kind == definition.type
    assert "/" in subject
    assert problems(kind, json.loads(json.dumps(data))) == []


def test_a_registration_is_checked() -> None:
    registry = EventRegistry()
    registry.register("backorder.thing.happened.v1", events.LineShipped)
    assert registry.get("backorder.thing.happened.v1") is not None
    assert registry.for_class(events.LineShipped) is not None
    with pytest.raises(ValueError, match="twice"):
        registry.register("backorder.thing.happened.v1", summary="again")
    with pytest.raises(ValueError, match="twice"):
        registry.register("backorder.other.happened.v1", events.LineShipped)
    with pytest.raises(ValueError, match=r"backorder\.<\.\.\.>\.v<N>"):
        registry.register("thing.happened", summary="no prefix, no version")
    with pytest.raises(ValueError, match="summary"):
        registry.register("backorder.thing.vanished.v1")


def test_the_summary_defaults_to_the_class_docstring() -> None:
    registry = EventRegistry()
    definition = registry.register("backorder.order_line.shipped.v9", events.LineShipped)
    assert definition.summary == "Units of an order line left the warehouse."
    assert definition.version == 9
