"""Errors are RFC 9457 problem details that name the offending field."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Api

PROBLEM = "application/problem+json"


def _problem(api: Api, method: str, path: str, status: int, **kwargs: Any) -> dict[str, Any]:
    response = api.call(method, path, **kwargs)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["instance"] == path
    assert {"type", "title", "detail"} <= body.keys()
    return body


def _fields(body: dict[str, Any]) -> list[str]:
    return [error["field"] for error in body.get("errors", [])]


def test_schema_errors_name_every_field(api: Api) -> None:
    body = _problem(api, "POST", "/v1/orders", 422, json={
        "order_id": "SO-1", "customer": "C-STD", "surprise": True,
        "lines": [
            {"sku": "A", "quantity": 1, "requested_date": "2026-12-01"},
            {"sku": "A", "quantity": 0},
        ],
    })  # fmt: skip

    assert body["title"] == "Invalid request"
    assert sorted(_fields(body)) == ["lines[1].quantity", "lines[1].requested_date", "surprise"]
    assert "lines[1].quantity" in body["detail"]
    assert all(error["message"] for error in body["errors"])


@pytest.mark.parametrize(
    ("line", "customer", "field"),
    [
        ({"sku": "A"}, "NOBODY", "customer"),
        ({"sku": "GHOST"}, "C-STD", "lines[0].sku"),
        ({"sku": "A", "ship_from": "MARS"}, "C-STD", "lines[0].ship_from"),
    ],
)
def test_unknown_references_name_the_field(
    api: Api, line: dict[str, Any], customer: str, field: str
) -> None:
    api.seed()
    order = {
        "order_id": "SO-1",
        "customer": customer,
        "lines": [{"quantity": 1, "requested_date": "2026-12-01"} | line],
    }

    body = _problem(api, "POST", "/v1/orders", 422, json=order)

    assert _fields(body) == [field]
    assert api.call("GET", "/v1/orders/SO-1").status_code == 404


def test_query_path_and_domain_errors_name_the_field(api: Api) -> None:
    api.seed()
    atp = _problem(api, "GET", "/v1/atp", 422, params={"item": "A", "qty": 0, "location": "EAST"})
    line = _problem(api, "GET", "/v1/order-lines/first", 422)
    cursor = _problem(api, "GET", "/v1/backorders", 422, params={"cursor": "bm9wZQ"})
    stock = _problem(api, "POST", "/v1/inventory/adjustments", 422, json={
        "sku": "A", "location": "EAST", "delta": -1, "reason": "typo",
    })  # fmt: skip
    substitute = _problem(api, "POST", "/v1/items", 422, json=[
        {"sku": "N", "substitutes": [{"sku": "GHOST"}]},
    ])  # fmt: skip
    negative = _problem(api, "PUT", "/v1/inventory", 422, json={
        "levels": [{"sku": "A", "location": "EAST", "on_hand": -3}],
    })  # fmt: skip

    assert _fields(atp) == ["qty"]
    assert _fields(line) == ["line_id"]
    assert _fields(cursor) == ["cursor"]
    assert _fields(stock) == ["delta"]
    assert "would leave -1 on hand" in stock["detail"]
    assert _fields(substitute) == ["items[0].substitutes[0].sku"]
    assert _fields(negative) == ["levels[0].on_hand"]


def test_not_found_and_conflict_are_problems_too(api: Api) -> None:
    api.seed()
    api.order("SO-1", "A", 1)

    missing = _problem(api, "GET", "/v1/orders/SO-404", 404)
    unknown_line = _problem(api, "POST", "/v1/order-lines/999/cancel", 404, json={"reason": "x"})
    duplicate = _problem(api, "POST", "/v1/orders", 409, json={
        "order_id": "SO-1", "customer": "C-STD",
        "lines": [{"sku": "A", "quantity": 1, "requested_date": "2026-12-01"}],
    })  # fmt: skip

    assert "SO-404" in missing["detail"]
    assert "999" in unknown_line["detail"]
    assert (duplicate["title"], duplicate["type"]) == ("Conflict", "/problems/conflict")
    assert "SO-1" in duplicate["detail"]


def test_a_path_and_body_mismatch_names_the_field(api: Api) -> None:
    api.seed()

    body = _problem(api, "PUT", "/v1/items/B", 422, json={"sku": "A"})

    assert body["title"] == "Invalid request"
    assert _fields(body) == ["sku"]


def test_purchase_order_errors_name_the_field_of_the_request(api: Api) -> None:
    api.seed()
    line = {"sku": "A", "location": "EAST", "quantity": 5, "expected_date": "2026-12-20"}

    supplier = _problem(api, "POST", "/v1/purchase-orders", 422, json={
        "po_number": "PO-1", "supplier": "NOBODY", "lines": [line],
    })  # fmt: skip
    sku = _problem(api, "POST", "/v1/purchase-orders", 422, json={
        "po_number": "PO-1", "supplier": "ACME", "lines": [line, line | {"sku": "GHOST"}],
    })  # fmt: skip

    assert _fields(supplier) == ["supplier"]
    assert _fields(sku) == ["lines[1].sku"]
