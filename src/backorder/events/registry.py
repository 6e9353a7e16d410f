"""The registry of published event types: name, domain class, summary and JSON Schema.

Every event the system publishes has one entry here and one schema file,
`schemas/<type>.json`, shipped in the package. The schema describes the CloudEvents
`data` of that type; the AsyncAPI document and the tests are built from these files.

Adding an event type is one `register(...)` line in `catalog.py` plus its schema file;
`draft_schema(EventClass)` prints a starting point for the file from the dataclass.
"""

from __future__ import annotations

import builtins
import dataclasses
import json
import re
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from importlib import resources
from typing import Any

from backorder.domain.events import Event

TYPE_PATTERN = re.compile(r"^backorder(\.[a-z][a-z0-9_]*)+\.v[1-9][0-9]*$")
SCHEMA_DIALECT = "http://json-schema.org/draft-07/schema#"


def schema_id(event_type: str) -> str:
    """The URI that names the data schema of an event type (its `$id`, CloudEvents `dataschema`)."""
    return f"urn:backorder:schema:{event_type}"


@dataclass(frozen=True)
class EventDefinition:
    """One published event type."""

    type: str
    summary: str
    event: builtins.type[Event] | None = None
    aggregate: str = field(default="", compare=False)

    @property
    def version(self) -> int:
        """The major version in the type name (`...v2` -> 2)."""
        return int(self.type.rsplit(".v", 1)[1])

    @cached_property
    def schema(self) -> dict[str, Any]:
        """The JSON Schema of `data`, read from the file shipped in the package."""
        text = (
            resources.files("backorder.events").joinpath("schemas", f"{self.type}.json").read_text()
        )
        loaded: dict[str, Any] = json.loads(text)
        return loaded


class EventRegistry:
    """Event types by name (and by domain class), in registration order."""

    def __init__(self) -> None:
        self._by_type: dict[str, EventDefinition] = {}
        self._by_class: dict[type[Event], EventDefinition] = {}

    def register(
        self,
        event_type: str,
        event: type[Event] | None = None,
        aggregate: str = "",
        *,
        summary: str = "",
    ) -> EventDefinition:
        """Add an event type; the name must be new and shaped `backorder.<noun>.<verb>.v<N>`.

        The summary defaults to the first line of the event class's docstring.
        """
        if not summary and event is not None:
            summary = next(iter((event.__doc__ or "").strip().splitlines()), "")
        if not summary:
            raise ValueError(f"event type {event_type!r} needs a summary")
        if not TYPE_PATTERN.match(event_type):
            raise ValueError(f"event type {event_type!r} is not `backorder.<...>.v<N>`")
        if event_type in self._by_type:
            raise ValueError(f"event type {event_type!r} is registered twice")
        if event is not None and event in self._by_class:
            raise ValueError(f"{event.__name__} is registered twice")
        definition = EventDefinition(event_type, summary, event, aggregate)
        self._by_type[event_type] = definition
        if event is not None:
            self._by_class[event] = definition
        return definition

    def __iter__(self) -> Iterator[EventDefinition]:
        return iter(self._by_type.values())

    def __len__(self) -> int:
        return len(self._by_type)

    def __contains__(self, event_type: object) -> bool:
        return event_type in self._by_type

    def get(self, event_type: str) -> EventDefinition | None:
        """The definition of a type name, if registered."""
        return self._by_type.get(event_type)

    def for_class(self, event: type[Event]) -> EventDefinition | None:
        """The definition of a domain event class, if registered."""
        return self._by_class.get(event)

    @property
    def types(self) -> list[str]:
        """Every registered type name."""
        return list(self._by_type)


def _json_type(hint: Any) -> dict[str, Any]:
    """A JSON Schema fragment for a Python type hint (the types domain events use)."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(hint) if a is not type(None)]
        inner = _json_type(members[0]) if len(members) == 1 else {}
        if type(None) in typing.get_args(hint) and "type" in inner:
            inner = {**inner, "type": [inner["type"], "null"]}
        return inner
    if origin in (tuple, list):
        return {"type": "array"}
    simple: dict[Any, dict[str, Any]] = {
        bool: {"type": "boolean"},
        int: {"type": "integer"},
        float: {"type": "number"},
        str: {"type": "string"},
        datetime: {"type": "string", "format": "date-time"},
        date: {"type": "string", "format": "date"},
    }
    return dict(simple.get(hint, {}))


def draft_schema(event_type: str, event: type[Event]) -> dict[str, Any]:
    """A first draft of a data schema from an event dataclass (edit descriptions, bounds)."""
    hints = typing.get_type_hints(event)
    fields = dataclasses.fields(event)
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": schema_id(event_type),
        "title": event.__name__,
        "description": (event.__doc__ or "").strip(),
        "type": "object",
        "required": [f.name for f in fields],
        "properties": {f.name: _json_type(hints[f.name]) for f in fields},
    }
