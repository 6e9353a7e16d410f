"""OpenAPI is served, and every route declares who may call it: 401, 403, then success."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlalchemy import update

from backorder.adapters import orm
from backorder.entrypoints.api.routes import (
    allocation,
    edi,
    events,
    finance,
    inbound,
    kpis,
    master,
    orders,
    replenishment,
    risk,
    supply,
    warehouse,
)
from backorder.service_layer.access import Role
from backorder.service_layer.handlers import webhooks
from backorder.service_layer.handlers.cases import evaluate_case, open_cases
from tests.e2e.conftest import Api

EVERYONE = frozenset(Role)
R = Role
SUPPLY_READERS = frozenset({R.BUYER, R.PLANNER, R.FINANCE, R.VIEWER})
INTEGRATORS = frozenset({R.INTEGRATION})
PUBLIC = {"/v1/health", "/v1/asyncapi.json"}
ROUTE_MODULES = (
    allocation,
    master,
    orders,
    supply,
    replenishment,
    warehouse,
    finance,
    events,
    kpis,
    risk,
    inbound,
    edi,
)


@dataclass(frozen=True)
class Route:
    """An operation, the roles allowed besides admin, and a request that must succeed."""

    method: str
    path: str
    allowed: frozenset[Role]
    body: Callable[[], Any] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    status: int = 200


def _order() -> dict[str, Any]:
    return {
        "order_id": "SO-NEW",
        "customer": "C-STD",
        "lines": [{"sku": "A", "quantity": 1, "requested_date": "2026-12-01"}],
    }


def _po() -> dict[str, Any]:
    line = {"sku": "B", "location": "EAST", "quantity": 5, "expected_date": "2026-12-20"}
    return {"po_number": "PO-NEW", "supplier": "ACME", "lines": [line]}


def _item() -> dict[str, Any]:
    return {"sku": "A", "description": "bolt, zinc"}


def _customer() -> dict[str, Any]:
    return {"code": "C-STD", "tier": "standard", "region": "east"}


ROUTES = [
    Route("GET", "/v1/locations", EVERYONE),
    Route("POST", "/v1/locations", frozenset({R.PLANNER, R.INTEGRATION}),
          lambda: [{"code": "NORTH", "region": "north"}], status=201),
    Route("GET", "/v1/lanes", EVERYONE),
    Route("POST", "/v1/lanes", frozenset({R.PLANNER, R.INTEGRATION}),
          lambda: [{"origin": "EAST", "destination": "WEST", "lead_time_days": 2}], status=201),
    Route("GET", "/v1/suppliers", EVERYONE),
    Route("POST", "/v1/suppliers", frozenset({R.PLANNER, R.BUYER, R.INTEGRATION}),
          lambda: [{"code": "GLOBEX"}], status=201),
    Route("GET", "/v1/items", EVERYONE),
    Route("POST", "/v1/items", frozenset({R.PLANNER, R.INTEGRATION}),
          lambda: [{"sku": "D"}], status=201),
    Route("GET", "/v1/items/{sku}", EVERYONE),
    Route("PUT", "/v1/items/{sku}", frozenset({R.PLANNER, R.INTEGRATION}), _item),
    Route("GET", "/v1/customers", EVERYONE),
    Route("POST", "/v1/customers", frozenset({R.PLANNER, R.CSR, R.INTEGRATION}),
          lambda: [{"code": "C-NEW", "region": "east"}], status=201),
    Route("GET", "/v1/customers/{code}", EVERYONE),
    Route("PUT", "/v1/customers/{code}", frozenset({R.PLANNER, R.CSR, R.INTEGRATION}), _customer),
    Route("POST", "/v1/orders", frozenset({R.CSR, R.INTEGRATION}), _order, status=201),
    Route("GET", "/v1/orders/{order_id}", EVERYONE),
    Route("GET", "/v1/order-lines/{line_id}", EVERYONE),
    Route("POST", "/v1/order-lines/{line_id}/quantity",
          frozenset({R.CSR, R.PLANNER, R.INTEGRATION}), lambda: {"quantity": 3}),
    Route("POST", "/v1/order-lines/{line_id}/cancel", frozenset({R.CSR, R.PLANNER, R.INTEGRATION}),
          lambda: {"reason": "customer cancelled"}),  # after the quantity change: it ends the line
    Route("GET", "/v1/order-lines/{line_id}/explanation", EVERYONE),
    Route("GET", "/v1/backorders", EVERYONE),
    Route("GET", "/v1/inventory", EVERYONE),
    Route("PUT", "/v1/inventory", frozenset({R.WAREHOUSE, R.INTEGRATION}),
          lambda: {"levels": [{"sku": "B", "location": "WEST", "on_hand": 4}]}),
    Route("POST", "/v1/inventory/adjustments", frozenset({R.WAREHOUSE, R.INTEGRATION}),
          lambda: {"sku": "A", "location": "EAST", "delta": -1, "reason": "damaged"}, status=201),
    Route("POST", "/v1/purchase-orders", frozenset({R.BUYER, R.INTEGRATION}), _po, status=201),
    Route("GET", "/v1/purchase-orders/{po_number}", EVERYONE),
    Route("POST", "/v1/purchase-orders/{po_number}/lines/{line_number}/confirmation",
          frozenset({R.BUYER, R.INTEGRATION}), lambda: {"confirmed_date": "2026-12-08"}),
    Route("POST", "/v1/purchase-orders/{po_number}/lines/{line_number}/receipts",
          frozenset({R.WAREHOUSE, R.BUYER, R.INTEGRATION}), lambda: {"quantity": 2}, status=201),
    Route("GET", "/v1/allocation-runs", EVERYONE),
    Route("POST", "/v1/allocation-runs", frozenset({R.PLANNER}),
          lambda: {"skus": ["A"], "solver": "priority"}, status=201),
    Route("GET", "/v1/allocation-runs/{run_id}", EVERYONE),
    Route("GET", "/v1/atp", EVERYONE, params={"item": "A", "qty": 2, "location": "EAST"}),
    Route("GET", "/v1/purchase-suggestions", SUPPLY_READERS),
    Route("GET", "/v1/purchase-suggestions/{suggestion_id}", SUPPLY_READERS),
    # The suggestion was ordered at once (below the threshold): a decision conflicts.
    Route("POST", "/v1/purchase-suggestions/{suggestion_id}/approve", frozenset({R.BUYER}),
          lambda: {}, status=409),
    Route("POST", "/v1/purchase-suggestions/{suggestion_id}/reject", frozenset({R.BUYER}),
          lambda: {"reason": "not now"}, status=409),
    Route("GET", "/v1/expedite-proposals", SUPPLY_READERS),
    Route("GET", "/v1/expedite-proposals/{proposal_id}", SUPPLY_READERS, status=404),
    Route("POST", "/v1/expedite-proposals/{proposal_id}/approve", frozenset({R.PLANNER}),
          lambda: {}, status=404),
    Route("POST", "/v1/expedite-proposals/{proposal_id}/reject", frozenset({R.PLANNER}),
          lambda: {"reason": "too dear"}, status=404),
    Route("GET", "/v1/pick-requests", frozenset({R.WAREHOUSE})),
    Route("GET", "/v1/pick-requests/{pick_id}", frozenset({R.WAREHOUSE})),
    Route("POST", "/v1/pick-requests/{pick_id}/confirm", frozenset({R.WAREHOUSE}),
          lambda: {"picked_quantity": 0}),  # short: the line was cancelled above
    Route("GET", "/v1/finance/revenue-shift", frozenset({R.FINANCE, R.VIEWER}),
          params={"period": "2026-11"}),
    Route("GET", "/v1/events", INTEGRATORS),
    Route("POST", "/v1/webhooks", INTEGRATORS,
          lambda: {"url": "http://127.0.0.1:9/hook", "event_types": ["*"]}, status=201),
    Route("GET", "/v1/webhooks", INTEGRATORS),
    Route("GET", "/v1/webhooks/dead-letters", INTEGRATORS),
    Route("POST", "/v1/webhooks/dead-letters/{delivery_id}/replay", INTEGRATORS, status=404),
    Route("GET", "/v1/webhooks/{subscription_id}", INTEGRATORS),
    Route("DELETE", "/v1/webhooks/{subscription_id}", INTEGRATORS, status=204),
    Route("GET", "/v1/integrations/health", frozenset({R.INTEGRATION, R.VIEWER})),
    Route("GET", "/v1/kpis", EVERYONE),
    Route("GET", "/v1/process", EVERYONE),
    Route("GET", "/v1/process/states", EVERYONE),
    Route("GET", "/v1/process/transitions", EVERYONE),
    Route("GET", "/v1/process/variants", EVERYONE),
    Route("GET", "/v1/process/teams", EVERYONE),
    Route("GET", "/v1/process/suppliers", EVERYONE),
    Route("GET", "/v1/exports/ocel", frozenset({R.BUYER, R.FINANCE, R.PLANNER, R.VIEWER})),
    # An empty batch is refused after the role check (422): the role is what is tested here.
    Route("POST", "/v1/inbound/messages", INTEGRATORS, lambda: {"messages": []}, status=422),
    # An X12 interchange is posted as text; a JSON body is the wrong media type.
    Route("POST", "/v1/edi/inbound", frozenset({R.BUYER, R.INTEGRATION}), lambda: {}, status=415),
    Route("GET", "/v1/edi/outbound", frozenset({R.BUYER, R.INTEGRATION})),
    # PO-1 exists, but its supplier has no EDI id yet (409): the role check passed.
    Route("GET", "/v1/purchase-orders/{po_number}/edi-850", frozenset({R.BUYER, R.INTEGRATION}),
          status=409),
    Route("GET", "/v1/risk/items", frozenset({R.PLANNER, R.BUYER, R.CSR, R.VIEWER})),
    # No model is active in this database (409): the role check passed.
    Route("POST", "/v1/risk/scoring-runs", frozenset({R.PLANNER}), lambda: {}, status=409),
    Route("GET", "/v1/risk/drift", frozenset({R.PLANNER, R.BUYER, R.CSR, R.VIEWER}),
          status=409),
    Route("GET", "/v1/risk/supplier-delays", frozenset({R.BUYER, R.PLANNER, R.VIEWER})),
    Route("GET", "/v1/risk/triage", frozenset({R.CSR, R.PLANNER, R.VIEWER})),
    # A portal message without its fields is refused after the role check (422).
    Route("POST", "/v1/supplier-messages", frozenset({R.BUYER, R.INTEGRATION}), lambda: {},
          status=422),
]  # fmt: skip


def _declared_roles(dependant: Dependant) -> list[frozenset[Role]]:
    found = []
    for sub in dependant.dependencies:
        allowed = getattr(sub.call, "allowed_roles", None)
        if allowed is not None:
            found.append(frozenset(allowed))
        found.extend(_declared_roles(sub))
    return found


def test_openapi_and_docs_are_served(api: Api) -> None:
    spec = api.call("GET", "/openapi.json", role=None)
    docs = api.call("GET", "/docs", role=None)

    assert spec.status_code == 200
    document = spec.json()
    assert document["info"]["title"] == "backorder"
    assert "/v1/orders" in document["paths"]
    assert "bearer" in str(document["components"]["securitySchemes"]).lower()
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
    assert "/openapi.json" in docs.text


def test_the_table_covers_every_operation_with_the_roles_the_code_declares(api: Api) -> None:
    document = api.ok("GET", "/openapi.json")
    operations = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        # Case and task routes have their own table (test_api_case_access): who may act
        # on a task depends on its team.
        if path not in PUBLIC and not path.startswith(("/v1/cases", "/v1/tasks"))
    }
    declared = {
        (method, "/v1" + route.path): _declared_roles(route.dependant)
        for module in ROUTE_MODULES
        for route in module.router.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    }

    assert {(r.method, r.path) for r in ROUTES} == operations
    for route in ROUTES:
        assert declared[(route.method, route.path)] == [route.allowed | {Role.ADMIN}], route.path


def _arrange(api: Api) -> dict[str, str]:
    api.seed()
    api.ok(
        "PUT", "/v1/inventory", json={"levels": [{"sku": "A", "location": "EAST", "on_hand": 50}]}
    )
    api.ok("POST", "/v1/purchase-orders", json={
        "po_number": "PO-1", "supplier": "ACME",
        "lines": [{"sku": "A", "location": "EAST", "quantity": 20, "expected_date": "2026-12-15"}],
    })  # fmt: skip
    line = api.order("SO-1", "A", 5)["lines"][0]["line_id"]
    run = api.ok("POST", "/v1/allocation-runs", json={"solver": "priority"})["run_id"]
    api.ok("PUT", "/v1/items/B", json={"sku": "B", "unit_cost": 1, "supplier": "ACME"})
    short = api.order("SO-2", "B", 3)["lines"][0]["line_id"]
    ctx = api.application.context
    with ctx.unit_of_work() as uow:
        open_cases(uow, [(line, "A", "C-STD"), (short, "B", "C-STD")])
        uow.commit()
    evaluate_case(ctx, f"case-{line}")  # released to the warehouse: pick request 1
    evaluate_case(ctx, f"case-{short}")  # short: purchase suggestion 1, ordered at once
    hook, _ = webhooks.subscribe(ctx, "http://127.0.0.1:9/hook", ["*"], "test")
    return {
        "sku": "A", "code": "C-STD", "order_id": "SO-1", "line_id": str(line),
        "po_number": "PO-1", "line_number": "1", "run_id": run,
        "suggestion_id": "1", "proposal_id": "1", "pick_id": "1",
        "subscription_id": hook.id, "delivery_id": "1",
    }  # fmt: skip


def _send(api: Api, route: Route, path: str, role: Role | None, **headers: str) -> Any:
    body = route.body() if route.body else None
    return api.call(route.method, path, role, json=body, params=route.params, headers=headers)


def test_every_route_refuses_missing_bad_and_wrong_keys_and_serves_the_right_role(
    api: Api,
) -> None:
    values = _arrange(api)
    bad_key = "Bearer bo_0123456789ab_not-the-secret"
    failures = []

    for route in ROUTES:
        path = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], route.path)
        anonymous = _send(api, route, path, None)
        assert anonymous.headers.get("www-authenticate") == "Bearer", path
        checks = [("no key", anonymous, 401)]
        checks.append(("bad key", _send(api, route, path, None, Authorization=bad_key), 401))
        for role in sorted(set(Role) - route.allowed - {Role.ADMIN}):
            checks.append((role.value, _send(api, route, path, role), 403))
        allowed = sorted(route.allowed)[0]
        checks.append((allowed.value, _send(api, route, path, allowed), route.status))
        for who, response, expected in checks:
            if response.status_code != expected:
                failures.append((route.method, path, who, response.status_code, response.text))
            elif expected in (401, 403):
                assert response.headers["content-type"] == "application/problem+json"
                assert response.json()["status"] == expected

    assert failures == []


def test_health_needs_no_key(api: Api) -> None:
    response = api.call("GET", "/v1/health", role=None)
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_a_revoked_key_is_refused(api: Api) -> None:
    key = api.key(Role.VIEWER)
    assert api.call("GET", "/v1/items", Role.VIEWER).status_code == 200
    with api.application.engine.begin() as connection:
        connection.execute(
            update(orm.api_keys)
            .where(orm.api_keys.c.key_id == key.split("_")[1])
            .values(revoked_at=api.application.context.clock.now())
        )

    response = api.call("GET", "/v1/items", Role.VIEWER)

    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_openapi_lists_the_roles_each_operation_admits(api: Api) -> None:
    document = api.ok("GET", "/openapi.json")
    for route in ROUTES:
        operation = document["paths"][route.path][route.method.lower()]
        expected = sorted(r.value for r in route.allowed | {Role.ADMIN})
        assert operation["security"] == [{"HTTPBearer": expected}], (route.method, route.path)
        assert "Roles: " + ", ".join(expected) + "." in operation["description"]
