"""`Idempotency-Key`: a repeat replays the first response and creates nothing."""

from __future__ import annotations

from typing import Any

from backorder.adapters import orm
from backorder.service_layer.access import Role
from tests.e2e.conftest import Api
from tests.integration.helpers import count

TABLES = (orm.orders, orm.order_lines, orm.allocations, orm.outbox, orm.audit_log)


def _counts(api: Api) -> dict[str, int]:
    return {table.name: count(api.application, table) for table in TABLES}


def _order(order_id: str = "SO-1", quantity: int = 4, customer: str = "C-STD") -> dict[str, Any]:
    return {
        "order_id": order_id,
        "customer": customer,
        "lines": [{"sku": "A", "quantity": quantity, "requested_date": "2026-12-01"}],
    }


def _arranged(api: Api) -> None:
    api.seed()
    stock = {"levels": [{"sku": "A", "location": "EAST", "on_hand": 2}]}
    api.ok("PUT", "/v1/inventory", json=stock)


def test_a_repeated_order_replays_the_first_response_and_creates_nothing(api: Api) -> None:
    _arranged(api)
    key = {"Idempotency-Key": "order-SO-1-attempt"}
    first = api.call("POST", "/v1/orders", Role.CSR, json=_order(), headers=key)
    after_first = _counts(api)

    again = api.call("POST", "/v1/orders", Role.CSR, json=_order(), headers=key)

    assert first.status_code == 201
    assert "idempotent-replayed" not in first.headers
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert _counts(api) == after_first
    assert after_first["orders"] == 1
    assert after_first["order_lines"] == 1


def test_the_same_key_with_another_body_is_refused(api: Api) -> None:
    _arranged(api)
    key = {"Idempotency-Key": "k-1"}
    api.ok("POST", "/v1/orders", Role.CSR, json=_order(), headers=key)
    before = _counts(api)

    other = api.call("POST", "/v1/orders", Role.CSR, json=_order("SO-2"), headers=key)

    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    assert "Idempotency-Key" in other.json()["detail"]
    assert _counts(api) == before
    assert api.call("GET", "/v1/orders/SO-2").status_code == 404


def test_keys_belong_to_their_caller(api: Api) -> None:
    _arranged(api)
    key = {"Idempotency-Key": "shared"}
    api.ok("POST", "/v1/orders", Role.CSR, json=_order("SO-1"), headers=key)

    other_caller = api.call(
        "POST", "/v1/orders", Role.INTEGRATION, json=_order("SO-2"), headers=key
    )

    assert other_caller.status_code == 201
    assert "idempotent-replayed" not in other_caller.headers
    assert _counts(api)["orders"] == 2


def test_a_failed_first_attempt_does_not_keep_the_key(api: Api) -> None:
    _arranged(api)
    key = {"Idempotency-Key": "retry-me"}

    failed = api.call("POST", "/v1/orders", Role.CSR, json=_order(customer="NOBODY"), headers=key)
    again = api.call("POST", "/v1/orders", Role.CSR, json=_order(customer="NOBODY"), headers=key)
    fixed = api.call("POST", "/v1/orders", Role.CSR, json=_order(), headers=key)

    assert (failed.status_code, again.status_code, fixed.status_code) == (422, 422, 201)
    assert "idempotent-replayed" not in again.headers
    assert _counts(api)["orders"] == 1


def test_a_repeated_receipt_is_counted_once(api: Api) -> None:
    _arranged(api)
    api.ok("POST", "/v1/purchase-orders", json={
        "po_number": "PO-1", "supplier": "ACME",
        "lines": [{"sku": "A", "location": "EAST", "quantity": 10, "expected_date": "2026-12-09"}],
    })  # fmt: skip
    key = {"Idempotency-Key": "asn-77-receipt"}
    path = "/v1/purchase-orders/PO-1/lines/1/receipts"

    first = api.call("POST", path, Role.WAREHOUSE, json={"quantity": 3}, headers=key)
    second = api.call("POST", path, Role.WAREHOUSE, json={"quantity": 3}, headers=key)

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.headers["idempotent-replayed"] == "true"
    assert api.ok("GET", "/v1/purchase-orders/PO-1")["lines"][0]["received_quantity"] == 3
    assert api.ok("GET", "/v1/inventory", params={"sku": "A"}) == [
        {"sku": "A", "location": "EAST", "on_hand": 5}
    ]


def test_an_overlong_key_is_refused(api: Api) -> None:
    _arranged(api)
    response = api.call(
        "POST", "/v1/orders", Role.CSR, json=_order(), headers={"Idempotency-Key": "k" * 201}
    )
    assert response.status_code == 422
    assert _counts(api)["orders"] == 0
