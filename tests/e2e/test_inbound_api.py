"""`POST /v1/inbound/messages`: canonical messages over REST, one outcome per message."""

from __future__ import annotations

from typing import Any

from backorder.service_layer.access import Role
from tests.e2e.conftest import TODAY
from tests.e2e.integration_app import IntegrationApi, integration_api

__all__ = ["integration_api"]  # the fixture, used by name below


def order(message_id: str, order_id: str, sku: str = "A", quantity: int = 3) -> dict[str, Any]:
    """An order.created message."""
    return {
        "message_id": message_id,
        "type": "order.created.v1",
        "source": "shop",
        "occurred_at": f"{TODAY}T08:00:00Z",
        "data": {
            "order_id": order_id,
            "customer": "C-STD",
            "lines": [{"sku": sku, "quantity": quantity, "requested_date": "2026-11-30"}],
        },
    }


def test_messages_get_one_outcome_each_and_apply_once(integration_api: IntegrationApi) -> None:
    api = integration_api
    api.seed()
    api.ok("PUT", "/v1/inventory", json={"levels": [
        {"sku": "A", "location": "EAST", "on_hand": 10},
    ]})  # fmt: skip
    batch = {
        "messages": [
            order("m-1", "SO-1"),
            order("m-2", "SO-2", sku="NOPE"),
            {
                "message_id": "m-3",
                "type": "inventory.adjusted.v1",
                "source": "wms",
                "data": {"sku": "A", "location": "EAST", "delta": 5, "reason": "found"},
            },
        ]
    }
    first = api.ok("POST", "/v1/inbound/messages", Role.INTEGRATION, json=batch)
    assert (first["applied"], first["rejected"]) == (2, 1)
    refused = first["results"][1]
    assert (refused["outcome"], refused["field"], refused["error_kind"]) == (
        "rejected",
        "lines[0].sku",
        "invalid",
    )
    again = api.ok("POST", "/v1/inbound/messages", Role.INTEGRATION, json=batch)
    assert [r["outcome"] for r in again["results"]] == ["duplicate", "rejected", "duplicate"]
    assert api.ok("GET", "/v1/orders/SO-1")["lines"][0]["quantity"] == 3
    stock = api.ok("GET", "/v1/inventory", params={"sku": "A"})
    assert stock == [{"sku": "A", "location": "EAST", "on_hand": 15}]


def test_a_malformed_message_fails_the_request_naming_the_field(
    integration_api: IntegrationApi,
) -> None:
    bad = order("m-1", "SO-1", quantity=0)
    response = integration_api.call(
        "POST", "/v1/inbound/messages", Role.INTEGRATION, json={"messages": [bad]}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == ["messages[0].order.created.v1.data.lines[0].quantity"]


def test_only_integration_keys_may_send_messages(integration_api: IntegrationApi) -> None:
    body = {"messages": [order("m-1", "SO-1")]}
    assert integration_api.call("POST", "/v1/inbound/messages", None, json=body).status_code == 401
    assert (
        integration_api.call("POST", "/v1/inbound/messages", Role.CSR, json=body).status_code == 403
    )
