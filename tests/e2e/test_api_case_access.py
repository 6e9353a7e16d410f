"""Every case and task route declares who may call it: 401 without a valid key, 403 with
the wrong role (or, on a task, the wrong team), success with the right one."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from backorder.bootstrap import Application
from backorder.entrypoints.api.routes import cases, tasks
from backorder.service_layer.access import Role
from backorder.service_layer.handlers.allocation import run_allocation
from backorder.service_layer.handlers.cases import open_task
from tests.e2e.orchestration import OrchestrationApi, case_api  # noqa: F401
from tests.integration.orchestration import ACTOR, open_case, place, seed

R = Role
EVERYONE = frozenset(Role)
WORKERS = frozenset({R.BUYER, R.WAREHOUSE, R.PLANNER, R.CSR, R.FINANCE})


@dataclass(frozen=True)
class Route:
    """An operation, the roles it declares besides admin, the roles that succeed on the
    arranged data (default: the declared ones), and a request that must succeed."""

    method: str
    path: str
    declared: frozenset[Role]
    body: Any = None
    succeeds: frozenset[Role] | None = None
    params: dict[str, Any] = field(default_factory=dict)


ROUTES = [
    Route("GET", "/v1/tasks", EVERYONE, params={"team": "customer_service"}),
    Route("GET", "/v1/tasks/{task_id}", EVERYONE),
    Route("POST", "/v1/tasks/{task_id}/claim", WORKERS, succeeds=frozenset({R.CSR})),
    Route("POST", "/v1/tasks/{task_id}/comment", WORKERS, {"text": "called the customer"},
          succeeds=frozenset({R.CSR})),
    Route("POST", "/v1/tasks/{task_id}/reassign", WORKERS,
          {"owner": "csr.silva", "reason": "holiday"}, succeeds=frozenset({R.CSR})),
    Route("POST", "/v1/tasks/{task_id}/resolve", WORKERS, {"resolution": "customer_informed"},
          succeeds=frozenset({R.CSR})),
    Route("GET", "/v1/cases", EVERYONE, params={"sku": "A"}),
    Route("GET", "/v1/cases/{case_id}", EVERYONE),
    Route("POST", "/v1/cases/{case_id}/hold", frozenset({R.PLANNER, R.CSR, R.WAREHOUSE}),
          {"reason": "quality check"}),
    Route("POST", "/v1/cases/{case_id}/release", frozenset({R.PLANNER, R.CSR, R.WAREHOUSE}),
          {"reason": "checked"}),
    Route("POST", "/v1/cases/{case_id}/force-allocate", frozenset({R.PLANNER}),
          {"reason": "key account", "sources": [{"source_id": "OH/S/EAST", "quantity": 1}]}),
    Route("POST", "/v1/cases/{offer_case}/accept-substitute",
          frozenset({R.CSR, R.INTEGRATION}), {"substitute_sku": "S"}),
    Route("POST", "/v1/cases/{other_offer}/decline-substitute",
          frozenset({R.CSR, R.INTEGRATION}), {"note": "wants the original"}),
    Route("POST", "/v1/cases/{case_id}/cancel", frozenset({R.PLANNER, R.CSR}),
          {"reason": "customer cancelled"}),
]  # fmt: skip


def _declared(dependant: Dependant) -> list[frozenset[Role]]:
    found = []
    for sub in dependant.dependencies:
        allowed = getattr(sub.call, "allowed_roles", None)
        if allowed is not None:
            found.append(frozenset(allowed))
        found.extend(_declared(sub))
    return found


def test_the_table_covers_every_case_and_task_operation_with_its_declared_roles() -> None:
    declared = {
        (method, "/v1" + route.path): _declared(route.dependant)
        for module in (cases, tasks)
        for route in module.router.routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    }
    table = {
        (r.method, re.sub(r"\{(offer_case|other_offer)\}", "{case_id}", r.path)): r for r in ROUTES
    }

    assert set(table) == set(declared)
    for key, route in table.items():
        assert declared[key] == [route.declared | {Role.ADMIN}], key


def _arrange(application: Application) -> dict[str, str]:
    ctx = application.context
    seed(application, stock={"S": 10})
    offers = [place(application, f"SO-{n}", "C-ASK", "A", 3) for n in range(2)]
    plain = place(application, "SO-9", "C-STD", "S", 3, days=1)
    run_allocation(ctx, skus=["A"], solver="priority", actor=ACTOR)
    values = {
        "case_id": open_case(application, plain),
        "offer_case": open_case(application, offers[0]),
        "other_offer": open_case(application, offers[1]),
    }
    with ctx.unit_of_work() as uow:
        task_id = open_task(
            uow, ctx, cause="case-x", case_id=values["case_id"], task_type="promise_at_risk",
            subject="promise at risk", detail="",
        )  # fmt: skip
        uow.commit()
    return values | {"task_id": str(task_id)}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_route_refuses_missing_bad_and_wrong_keys_and_serves_the_right_role(
    case_api: OrchestrationApi,  # noqa: F811
) -> None:
    values = _arrange(case_api.application)
    pages: list[str] = []
    params: dict[str, Any] = {"limit": 1}
    while True:  # the case list pages without repeating or skipping a case
        page = case_api.ok("GET", "/v1/cases", Role.VIEWER, params=params)
        pages.extend(c["case_id"] for c in page["items"])
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert pages == sorted(values[k] for k in ("case_id", "offer_case", "other_offer"))
    failures = []
    for route in ROUTES:
        path = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], route.path)

        def send(role: Role | None, route: Route = route, path: str = path, **headers: str) -> Any:
            return case_api.call(
                route.method, path, role, json=route.body, params=route.params, headers=headers
            )

        anonymous = send(None)
        assert anonymous.headers.get("www-authenticate") == "Bearer", path
        checks = [("no key", anonymous, 401)]
        checks.append(("bad key", send(None, Authorization="Bearer bo_0123456789ab_nope"), 401))
        succeeds = route.succeeds or route.declared
        for role in sorted(set(Role) - succeeds - {Role.ADMIN}):
            checks.append((role.value, send(role), 403))
        checks.append((min(succeeds).value, send(min(succeeds)), 200))
        for who, response, expected in checks:
            if response.status_code != expected:
                failures.append((route.method, path, who, response.status_code, response.text))
            elif expected in (401, 403):
                assert response.headers["content-type"] == "application/problem+json"
                assert response.json()["status"] == expected

    assert failures == []
