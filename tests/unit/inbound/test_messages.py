"""The canonical message schemas refuse what would be ambiguous."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from backorder.service_layer.handlers.inbound_messages import (
    MESSAGE_TYPES,
    InventoryAdjustedMessage,
    parse_message,
)


def test_a_message_is_read_by_its_type() -> None:
    found = parse_message(
        '{"message_id": "m-1", "type": "inventory.adjusted.v1", "source": "wms",'
        ' "data": {"sku": "A", "location": "EAST", "delta": -2, "reason": "broken"}}'
    )
    assert isinstance(found, InventoryAdjustedMessage)
    assert found.data.delta == -2


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"type": "order.shipped.v9"}, "type"),
        ({"message_id": "has space"}, "message_id"),
        ({"data": {"sku": "A", "location": "EAST", "delta": 0, "reason": "x"}}, "data"),
        (
            {"data": {"sku": "A", "location": "EAST", "delta": 1, "reason": "x", "extra": 1}},
            "extra",
        ),
    ],
)
def test_ambiguous_messages_are_refused(change: dict[str, object], where: str) -> None:
    message = {
        "message_id": "m-1",
        "type": "inventory.adjusted.v1",
        "source": "wms",
        "data": {"sku": "A", "location": "EAST", "delta": 1, "reason": "x"},
    } | change
    with pytest.raises(ValidationError) as refused:
        parse_message(json.dumps(message))
    assert where in str(refused.value)


def test_every_type_is_versioned() -> None:
    assert all(kind.endswith(".v1") for kind in MESSAGE_TYPES)
    assert len(set(MESSAGE_TYPES)) == 7
