"""The AsyncAPI 3.0 document of every channel, built from the registry and its schema files."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from backorder import __version__
from backorder.domain.event_codec import event_payload
from backorder.events import channels
from backorder.events.catalog import REGISTRY
from backorder.events.envelope import STRUCTURED_CONTENT_TYPE, envelope_schema
from backorder.events.registry import EventDefinition, EventRegistry, schema_id

ASYNCAPI_VERSION = "3.0.0"
WEBHOOK_CHANNEL = "webhooks"

_DESCRIPTION = f"""Events of backorder as CloudEvents 1.0 envelopes (structured JSON mode,
`{STRUCTURED_CONTENT_TYPE}`); each type's `data` has a versioned JSON Schema.

**NATS JetStream**: stream `{channels.STREAM}` over `{channels.STREAM_SUBJECTS[0]}`; each
event on `{channels.SUBJECT_PREFIX}<type>` with `{channels.MSG_ID_HEADER}` = event id (the
broker drops duplicates within its window, at least {channels.MIN_DUPLICATE_WINDOW_SECONDS:.0f}
s). Order is preserved per `subject` (aggregate).

**Webhooks**: subscribe with `POST /v1/webhooks` (URL, type filters exact or `prefix.*`);
each event is POSTed with `{channels.SIGNATURE_HEADER}: t=<unix seconds>,v1=<hex>`, the hex
HMAC-SHA256 of `<t>.<raw body>` keyed with the subscription secret. Non-2xx answers are
retried with exponential backoff and jitter, then dead-lettered.

Without a broker, every event stays readable with `GET /v1/events?after=<position>`."""


def _key(event_type: str) -> str:
    """An identifier for maps keyed by name (channels, operations, messages)."""
    return event_type.replace(".", "_")


def _data_schema(definition: EventDefinition) -> dict[str, Any]:
    # Embedded copies drop `$schema`/`$id`: the document is one schema resource.
    return {k: v for k, v in definition.schema.items() if k not in ("$schema", "$id")}


def _subject(definition: EventDefinition, data: dict[str, Any]) -> str:
    """The subject the codec gives an event with this data (the example's subject)."""
    if definition.event is None:
        return ""
    return event_payload(definition.event(**data))[1]


def _headers() -> dict[str, Any]:
    def text(description: str) -> dict[str, Any]:
        return {"type": "string", "description": description}

    return {
        "type": "object",
        "properties": {
            channels.MSG_ID_HEADER: text("NATS only: the event id (broker deduplication)."),
            channels.SIGNATURE_HEADER: text(
                "Webhooks only: `t=<unix seconds>,v1=<hex HMAC-SHA256 of '<t>.<raw body>'>`."
            ),
            channels.EVENT_ID_HEADER: text("Webhooks only: the event id."),
            channels.EVENT_TYPE_HEADER: text("Webhooks only: the event type."),
            channels.DELIVERY_ID_HEADER: text("Webhooks only: the delivery id."),
            channels.ATTEMPT_HEADER: text("Webhooks only: the attempt number, from 1."),
        },
    }


def _message(definition: EventDefinition) -> dict[str, Any]:
    schema = definition.schema
    examples = [
        {
            "name": "example",
            "payload": {
                "specversion": "1.0",
                "id": "5f0e8c2a-3b7d-4c1e-9a6f-2d8b7e4c1a90",
                "source": "urn:backorder:host-1",
                "type": definition.type,
                "subject": _subject(definition, example),
                "time": "2026-11-27T09:00:00Z",
                "datacontenttype": "application/json",
                "dataschema": schema_id(definition.type),
                "position": 1,
                "data": example,
            },
        }
        for example in schema.get("examples", [])[:1]
    ]
    return {
        "name": definition.type,
        "title": schema.get("title", definition.type),
        "summary": definition.summary,
        "contentType": STRUCTURED_CONTENT_TYPE,
        "correlationId": {"location": "$message.payload#/id"},
        "traits": [{"$ref": "#/components/messageTraits/transportHeaders"}],
        "payload": {
            "allOf": [
                {"$ref": "#/components/schemas/CloudEvent"},
                {
                    "type": "object",
                    "properties": {
                        "type": {"const": definition.type},
                        "data": {"$ref": f"#/components/schemas/{_key(definition.type)}"},
                    },
                },
            ]
        },
        "examples": examples,
    }


def _nats_host(nats_url: str | None) -> str:
    parts = urlsplit(nats_url or "nats://localhost:4222")
    return parts.netloc.rsplit("@", 1)[-1] or "localhost:4222"


def asyncapi_document(
    registry: EventRegistry = REGISTRY, *, nats_url: str | None = None
) -> dict[str, Any]:
    """The AsyncAPI 3.0 document: a NATS channel per type, one webhook channel for all."""
    definitions = list(registry)
    message_refs = {
        _key(d.type): {"$ref": f"#/components/messages/{_key(d.type)}"} for d in definitions
    }
    channels_map: dict[str, Any] = {
        _key(d.type): {
            "address": channels.nats_subject(d.type),
            "title": d.type,
            "summary": d.summary,
            "servers": [{"$ref": "#/servers/nats"}],
            "messages": {_key(d.type): message_refs[_key(d.type)]},
        }
        for d in definitions
    }
    channels_map[WEBHOOK_CHANNEL] = {
        "address": None,
        "title": "Webhook deliveries",
        "description": "The URL of each subscription (POST /v1/webhooks); it gets the types "
        "its filters match.",
        "servers": [{"$ref": "#/servers/webhooks"}],
        "messages": message_refs,
    }
    operations: dict[str, Any] = {
        f"publish_{_key(d.type)}": {
            "action": "send",
            "title": f"Publish {d.type}",
            "summary": d.summary,
            "channel": {"$ref": f"#/channels/{_key(d.type)}"},
            "messages": [{"$ref": f"#/channels/{_key(d.type)}/messages/{_key(d.type)}"}],
        }
        for d in definitions
    }
    operations["deliver_webhooks"] = {
        "action": "send",
        "title": "Deliver to webhook subscribers",
        "channel": {"$ref": f"#/channels/{WEBHOOK_CHANNEL}"},
        "messages": [{"$ref": f"#/channels/{WEBHOOK_CHANNEL}/messages/{k}"} for k in message_refs],
        "bindings": {"http": {"method": "POST", "bindingVersion": "0.3.0"}},
    }
    schemas: dict[str, Any] = {"CloudEvent": envelope_schema()}
    schemas |= {_key(d.type): _data_schema(d) for d in definitions}
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "id": "urn:backorder:events",
        "info": {"title": "backorder events", "version": __version__, "description": _DESCRIPTION},
        "defaultContentType": STRUCTURED_CONTENT_TYPE,
        "servers": {
            "nats": {
                "host": _nats_host(nats_url),
                "protocol": "nats",
                "description": f"NATS JetStream, stream {channels.STREAM}.",
            },
            "webhooks": {
                "host": "{host}",
                "protocol": "https",
                "description": "Subscriber endpoints registered with POST /v1/webhooks.",
                "variables": {"host": {"description": "Host of a subscription's URL."}},
            },
        },
        "channels": channels_map,
        "operations": operations,
        "components": {
            "schemas": schemas,
            "messages": {_key(d.type): _message(d) for d in definitions},
            "messageTraits": {"transportHeaders": {"headers": _headers()}},
        },
    }
