"""The AsyncAPI document: every registered type on NATS and webhooks, from the schema files."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft7Validator

from backorder.events import channels
from backorder.events.asyncapi import asyncapi_document
from backorder.events.catalog import REGISTRY
from tests.unit.events.schemas import problems

DOC = asyncapi_document(nats_url="nats://user:pw@nats.internal:4223")


def _key(event_type: str) -> str:
    return event_type.replace(".", "_")


def _resolve(reference: str) -> Any:
    assert reference.startswith("#/"), reference
    node: Any = DOC
    for part in reference[2:].split("/"):
        node = node[part]
    return node


def _references(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for value in node.values() for r in _references(value)]
    if isinstance(node, list):
        return [r for value in node for r in _references(value)]
    return []


def test_it_is_an_asyncapi_3_document_with_both_servers() -> None:
    assert DOC["asyncapi"] == "3.0.0"
    assert DOC["info"]["title"]
    assert DOC["info"]["version"]
    assert DOC["servers"]["nats"] == {
        "host": "nats.internal:4223",  # credentials never appear
        "protocol": "nats",
        "description": "NATS JetStream, stream BACKORDER.",
    }
    assert DOC["servers"]["webhooks"]["protocol"] == "https"


def test_every_registered_type_has_a_nats_channel_an_operation_and_a_message() -> None:
    webhook_messages = DOC["channels"]["webhooks"]["messages"]
    for definition in REGISTRY:
        key = _key(definition.type)
        channel = DOC["channels"][key]
        assert channel["address"] == channels.nats_subject(definition.type)
        assert channel["address"].startswith("backorder.events.")
        assert DOC["operations"][f"publish_{key}"]["action"] == "send"
        assert DOC["components"]["messages"][key]["name"] == definition.type
        assert key in webhook_messages
    listed = {m["name"] for m in DOC["components"]["messages"].values()}
    assert listed == set(REGISTRY.types)


def test_the_data_schemas_are_the_shipped_files() -> None:
    for definition in REGISTRY:
        embedded = DOC["components"]["schemas"][_key(definition.type)]
        shipped = {k: v for k, v in definition.schema.items() if k not in ("$schema", "$id")}
        assert embedded == shipped


def test_every_reference_resolves() -> None:
    references = _references(DOC)
    assert len(references) > 3 * len(REGISTRY)
    for reference in references:
        assert _resolve(reference) is not None


def test_each_message_example_is_a_valid_envelope_with_valid_data() -> None:
    for definition in REGISTRY:
        message = DOC["components"]["messages"][_key(definition.type)]
        [example] = message["examples"]
        payload = example["payload"]
        Draft7Validator(DOC["components"]["schemas"]["CloudEvent"]).validate(payload)
        assert payload["type"] == definition.type
        assert problems(definition.type, payload["data"]) == []
        assert payload["subject"].split("/")[0] in ("line", "run", "sku", "case", "task")
