"""Purchase suggestions, pick requests and expedite proposals over HTTP: roles, problems."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from backorder.bootstrap import Application
from backorder.domain.operations import Replenishment
from backorder.service_layer.access import Role
from backorder.service_layer.handlers.cases import evaluate_case, open_cases
from tests.e2e.conftest import Api

PROBLEM = "application/problem+json"


@pytest.fixture
def api(application: Application) -> Iterator[Api]:
    """The API of the application under test."""
    api = Api(application)
    with api.client:
        yield api


def _case(api: Api, line_id: int) -> str:
    ctx = api.application.context
    with ctx.unit_of_work() as uow:
        [case_id] = open_cases(uow, [(line_id, "A", "C-STD")]) or [f"case-{line_id}"]
        uow.commit()
    evaluate_case(ctx, case_id)
    return case_id


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def _suggestion_waiting(api: Api) -> int:
    api.seed()
    ctx = api.application.context
    ctx.operations = ctx.operations.model_copy(
        update={"replenishment": Replenishment(approval_threshold_value=10)}
    )
    api.ok("PUT", "/v1/items/A", json={"sku": "A", "unit_cost": 4, "supplier": "ACME"})
    line_id = api.order("SO-1", "A", 5)["lines"][0]["line_id"]
    _case(api, line_id)
    [suggestion] = api.ok("GET", "/v1/purchase-suggestions", Role.BUYER)
    assert suggestion["status"] == "suggested"
    return int(suggestion["suggestion_id"])


def test_suggestions_are_read_by_supply_roles_and_decided_by_buyers(api: Api) -> None:
    suggestion_id = _suggestion_waiting(api)
    path = f"/v1/purchase-suggestions/{suggestion_id}"

    assert api.call("GET", "/v1/purchase-suggestions", None).status_code == 401
    _problem(api.call("GET", "/v1/purchase-suggestions", Role.CSR), 403)
    assert api.ok("GET", path, Role.VIEWER)["case_ids"] == ["case-1"]
    listed = api.ok("GET", "/v1/purchase-suggestions", Role.PLANNER, params={"status": "ordered"})
    assert listed == []
    _problem(api.call("POST", f"{path}/approve", Role.WAREHOUSE, json={}), 403)

    approved = api.ok("POST", f"{path}/approve", Role.BUYER, json={"note": "ok"})
    assert (approved["status"], approved["po_number"]) == ("ordered", f"PS-{suggestion_id}")
    assert api.ok("GET", f"/v1/purchase-orders/PS-{suggestion_id}")["supplier"] == "ACME"

    again = _problem(api.call("POST", f"{path}/approve", Role.BUYER, json={}), 409)
    assert "already ordered" in again["detail"]
    _problem(api.call("POST", "/v1/purchase-suggestions/999/reject", Role.BUYER, json={
        "reason": "no",
    }), 404)  # fmt: skip
    empty = _problem(api.call("POST", f"{path}/reject", Role.BUYER, json={"reason": ""}), 422)
    assert [e["field"] for e in empty["errors"]] == ["reason"]


def test_the_warehouse_works_its_pick_queue(api: Api) -> None:
    api.seed()
    api.ok("PUT", "/v1/inventory", Role.WAREHOUSE, json={
        "levels": [{"sku": "A", "location": "EAST", "on_hand": 10}],
    })  # fmt: skip
    line_id = api.order("SO-1", "A", 4)["lines"][0]["line_id"]
    _case(api, line_id)

    _problem(api.call("GET", "/v1/pick-requests", Role.BUYER), 403)
    [pick] = api.ok("GET", "/v1/pick-requests", Role.WAREHOUSE, params={
        "location": "EAST", "status": "open",
    })  # fmt: skip
    assert (pick["line_id"], pick["quantity"], pick["sku"]) == (line_id, 4, "A")
    bad = _problem(api.call("GET", "/v1/pick-requests", Role.WAREHOUSE, params={
        "status": "lost",
    }), 422)  # fmt: skip
    assert [e["field"] for e in bad["errors"]] == ["status"]
    path = f"/v1/pick-requests/{pick['pick_id']}/confirm"
    too_many = _problem(api.call("POST", path, Role.WAREHOUSE, json={"picked_quantity": 5}), 422)
    assert [e["field"] for e in too_many["errors"]] == ["picked_quantity"]

    short = api.ok("POST", path, Role.WAREHOUSE, json={"picked_quantity": 3})
    assert (short["status"], short["picked_quantity"]) == ("short", 3)
    assert api.ok("GET", "/v1/inventory", params={"sku": "A"}) == [
        {"sku": "A", "location": "EAST", "on_hand": 9}
    ]
    _problem(api.call("POST", path, Role.WAREHOUSE, json={"picked_quantity": 3}), 409)


def test_expedite_proposals_are_decided_by_planners(api: Api) -> None:
    api.seed()
    assert api.ok("GET", "/v1/expedite-proposals", Role.FINANCE) == []
    _problem(api.call("GET", "/v1/expedite-proposals", Role.WAREHOUSE), 403)
    missing = "/v1/expedite-proposals/7/approve"
    _problem(api.call("POST", missing, Role.BUYER, json={}), 403)
    _problem(api.call("POST", missing, Role.PLANNER, json={}), 404)
