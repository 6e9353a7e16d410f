"""CloudEvents 1.0 envelopes (structured JSON mode) around outbox rows.

The same envelope goes to NATS, to webhooks and out of `GET /v1/events`:

    {"specversion": "1.0", "id": <outbox event_id>, "source": "urn:backorder:<host>",
     "type": "backorder.order_line.backordered.v1", "subject": "line/4711",
     "time": "2026-11-27T09:00:00Z", "datacontenttype": "application/json",
     "dataschema": "urn:backorder:schema:<type>", "position": 1234, "data": {...}}

`position` is an extension attribute: the event's place in the outbox, the cursor of
`GET /v1/events?after=`. Consumers deduplicate on `id`.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from backorder.events.registry import schema_id

SPEC_VERSION = "1.0"
DATA_CONTENT_TYPE = "application/json"
STRUCTURED_CONTENT_TYPE = "application/cloudevents+json"
EXTENSIONS = ("position",)


def default_source() -> str:
    """`urn:backorder:<hostname>` (looked up when called, never at import)."""
    return f"urn:backorder:{socket.gethostname()}"


def rfc3339(value: datetime) -> str:
    """An instant as RFC 3339 UTC (`Z`); naive values are UTC (SQLite hands them back so)."""
    instant = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return instant.isoformat().replace("+00:00", "Z")


def envelope(row: Mapping[str, Any], source: str) -> dict[str, Any]:
    """The CloudEvents envelope of an outbox row (`position`, `event_id`, `type`, ...)."""
    data = row["data"]
    if isinstance(data, str | bytes):  # a driver that hands JSON back as text
        data = json.loads(data)
    return {
        "specversion": SPEC_VERSION,
        "id": row["event_id"],
        "source": source,
        "type": row["type"],
        "subject": row["subject"],
        "time": rfc3339(row["occurred_at"]),
        "datacontenttype": DATA_CONTENT_TYPE,
        "dataschema": schema_id(row["type"]),
        "position": int(row["position"]),
        "data": data,
    }


def encode(event: Mapping[str, Any]) -> bytes:
    """The wire form of an envelope: compact UTF-8 JSON."""
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()


def envelope_schema() -> dict[str, Any]:
    """JSON Schema (draft-07) of the envelope; `data` is refined per type by the AsyncAPI doc."""
    return {
        "type": "object",
        "required": [
            "specversion",
            "id",
            "source",
            "type",
            "subject",
            "time",
            "datacontenttype",
            "position",
            "data",
        ],
        "properties": {
            "specversion": {"const": SPEC_VERSION, "description": "CloudEvents version."},
            "id": {"type": "string", "description": "Unique event id; deduplicate on it."},
            "source": {"type": "string", "format": "uri-reference", "description": "Producer."},
            "type": {"type": "string", "description": "Versioned event type."},
            "subject": {
                "type": "string",
                "description": "The aggregate the event is about, e.g. `line/4711`; order is "
                "preserved per subject.",
            },
            "time": {"type": "string", "format": "date-time", "description": "When it happened."},
            "datacontenttype": {"const": DATA_CONTENT_TYPE},
            "dataschema": {"type": "string", "format": "uri", "description": "Schema of data."},
            "position": {
                "type": "integer",
                "minimum": 1,
                "description": "Extension: place in the outbox (cursor of GET /v1/events).",
            },
            "data": {"type": "object"},
        },
    }
