"""A backorder case over HTTP, from the dispatcher opening it to its tasks being claimed,
escalated and resolved, and people holding, releasing, forcing and cancelling it."""

from __future__ import annotations

from typing import Any

import pytest

from backorder.service_layer.access import Role
from backorder.service_layer.clock import FixedClock
from backorder.service_layer.handlers.escalation import escalate_overdue
from tests.e2e.orchestration import OrchestrationApi, Workflows, case_api, workflows  # noqa: F401
from tests.integration.orchestration import audit, utc

PROBLEM = "application/problem+json"


def _fields(response: Any, status: int) -> list[str]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    return [e["field"] for e in response.json().get("errors", [])]


def _supply_from_a_late_po(api: OrchestrationApi) -> None:
    """Master data, and item A supplied only by PO-1, due weeks after any request."""
    api.seed()
    api.ok("POST", "/v1/purchase-orders", Role.BUYER, json={
        "po_number": "PO-1", "supplier": "ACME",
        "lines": [{"sku": "A", "location": "EAST", "quantity": 20, "expected_date": "2026-12-20"}],
    })  # fmt: skip


def test_a_case_from_detection_to_cancellation(
    case_api: OrchestrationApi,  # noqa: F811
    workflows: Workflows,  # noqa: F811
    clock: FixedClock,
) -> None:
    api = case_api
    _supply_from_a_late_po(api)
    line = api.order("SO-1", "A", 5)["lines"][0]["line_id"]  # promised late, from PO-1
    case = f"case-{line}"

    # The dispatcher opens the case from the outbox; its first look opens a CSR task.
    assert len(workflows.dispatch().opened) == 1
    assert workflows.started == [case]
    listed = api.ok("GET", "/v1/cases", Role.VIEWER, params={"sku": "A"})
    assert [c["case_id"] for c in listed["items"]] == [case]
    queue = api.ok("GET", "/v1/tasks", Role.VIEWER, params={"team": "customer_service"})
    [task] = queue["items"]
    assert (task["task_type"], task["owner"], task["status"], task["case_id"]) == (
        "promise_at_risk",
        "csr.ito",
        "open",
        case,
    )
    assert task["due_at"] == "2026-11-27T13:00:00Z"  # Friday 9:00 + 4 business hours
    path = f"/v1/tasks/{task['task_id']}"

    # A buyer may not work a customer-service task; a CSR claims and comments.
    assert api.call("POST", f"{path}/claim", Role.BUYER).status_code == 403
    claimed = api.ok("POST", f"{path}/claim", Role.CSR)
    assert (claimed["status"], claimed["owner"], claimed["touches"]) == ("claimed", "e2e csr", 1)
    api.ok("POST", f"{path}/comment", Role.CSR, json={"text": "left a voicemail"})

    # Past the deadline, the scanner escalates it to the team lead.
    clock.set(utc(2026, 11, 27, 14, 0))
    assert [e.task_id for e in escalate_overdue(api.application.context).escalated] == [
        task["task_id"]
    ]
    breached = api.ok(
        "GET", "/v1/tasks", params={"breached": "true", "owner": "customer.service.lead"}
    )
    assert [t["task_id"] for t in breached["items"]] == [task["task_id"]]
    assert api.ok("GET", "/v1/tasks", params={"breached": "false"})["items"] == []

    # Resolution codes are checked; resolving wakes the case.
    wrong = api.call("POST", f"{path}/resolve", Role.CSR, json={"resolution": "meh"})
    assert _fields(wrong, 422) == ["resolution"]
    answer = {"resolution": "customer_informed", "note": "accepts the date"}
    resolved = api.ok("POST", f"{path}/resolve", Role.CSR, json=answer)
    assert (resolved["status"], resolved["breached"], resolved["touches"]) == ("resolved", True, 3)
    assert [e["action"] for e in resolved["events"]] == [
        "opened", "claimed", "commented", "breached", "escalated", "resolved",
    ]  # fmt: skip
    workflows.dispatch()
    assert case in workflows.woken

    detail = api.ok("GET", f"/v1/cases/{case}", Role.VIEWER)
    assert detail["line"]["line_id"] == line
    assert [t["status"] for t in detail["tasks"]] == ["resolved"]
    assert "task:promise_at_risk" in {a["key"] for a in detail["actions"]}
    assert detail["history"][0]["to_state"] == "detected"
    assert [(h["source_id"], h["quantity"]) for h in detail["held"]] == [("PO-1/1", 5)]

    # Hold (idempotent on its key), the case waits; release, it carries on.
    key = {"Idempotency-Key": "hold-1"}
    hold = {"reason": "damaged"}
    held = api.ok("POST", f"/v1/cases/{case}/hold", Role.WAREHOUSE, json=hold, headers=key)
    again = api.call("POST", f"/v1/cases/{case}/hold", Role.WAREHOUSE, json=hold, headers=key)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert (held["on_hold"], held["hold_reason"]) == (True, "damaged")
    twice = api.call("POST", f"/v1/cases/{case}/hold", Role.CSR, json={"reason": "x"})
    assert twice.status_code == 409
    workflows.dispatch()
    assert api.ok("GET", f"/v1/cases/{case}")["state"] == "on_hold"
    api.ok("POST", f"/v1/cases/{case}/release", Role.CSR, json={"reason": "re-inspected"})
    workflows.dispatch()
    assert api.ok("GET", f"/v1/cases/{case}")["state"] != "on_hold"

    # Stock arrives; the planner forces three units of it to the line.
    api.ok("PUT", "/v1/inventory", Role.WAREHOUSE,
           json={"levels": [{"sku": "A", "location": "EAST", "on_hand": 3}]})  # fmt: skip
    forced = api.ok("POST", f"/v1/cases/{case}/force-allocate", Role.PLANNER, json={
        "reason": "ship what we have", "sources": [{"source_id": "OH/A/EAST", "quantity": 3}],
    })  # fmt: skip
    assert ("OH/A/EAST", 3, "forced") in {
        (h["source_id"], h["quantity"], h["how"]) for h in forced["case"]["held"]
    }

    # Cancelled, the case closes; it cannot be changed any more.
    api.ok("POST", f"/v1/cases/{case}/cancel", Role.CSR, json={"reason": "customer cancelled"})
    workflows.dispatch()
    assert api.ok("GET", f"/v1/cases/{case}")["state"] == "cancelled"
    assert api.call("POST", f"/v1/cases/{case}/release", Role.CSR,
                    json={"reason": "x"}).status_code == 409  # fmt: skip
    assert audit(api.application, f"case/{case}") == [
        "case.held", "case.released", "case.force_allocated", "case.cancelled",
    ]  # fmt: skip
    assert audit(api.application, f"task/{task['task_id']}") == [
        "task.claimed", "task.commented", "task.breached", "task.escalated", "task.resolved",
    ]  # fmt: skip


def test_cancelling_the_order_line_closes_its_case(
    case_api: OrchestrationApi,  # noqa: F811
    workflows: Workflows,  # noqa: F811
) -> None:
    api = case_api
    api.seed()
    line = api.order("SO-1", "A", 5)["lines"][0]["line_id"]  # no supply: backordered
    case = f"case-{line}"
    workflows.dispatch()
    assert api.ok("GET", f"/v1/cases/{case}")["state"] != "cancelled"

    api.ok("POST", f"/v1/order-lines/{line}/cancel", Role.CSR, json={"reason": "not needed"})
    workflows.dispatch()

    assert case in workflows.woken  # the cancellation reached the case
    assert api.ok("GET", f"/v1/cases/{case}")["state"] == "cancelled"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_problems_name_the_field(case_api: OrchestrationApi) -> None:  # noqa: F811
    api = case_api
    api.seed()
    line = api.order("SO-1", "B", 2)["lines"][0]["line_id"]
    case = f"case-{line}"

    assert _fields(api.call("GET", "/v1/tasks", params={"status": "done"}), 422) == ["status"]
    assert _fields(api.call("GET", "/v1/tasks", params={"cursor": "nonsense"}), 422) == ["cursor"]
    assert _fields(api.call("GET", "/v1/cases", params={"state": "lost"}), 422) == ["state"]
    assert _fields(api.call("GET", "/v1/cases", params={"cursor": "bm9wZQ"}), 422) == ["cursor"]
    assert _fields(api.call("GET", f"/v1/cases/{case}"), 404) == []  # not opened yet
    assert _fields(api.call("GET", "/v1/tasks/404"), 404) == []
    assert _fields(api.call("POST", "/v1/tasks/404/reassign", json={}), 422) == [
        "owner",
        "reason",
    ]
    assert _fields(api.call("POST", f"/v1/cases/{case}/hold", json={"reason": ""}), 422) == [
        "reason"
    ]
    bad_units = {"reason": "r", "sources": [{"source_id": "OH/B/EAST", "quantity": 0}]}
    assert _fields(api.call("POST", f"/v1/cases/{case}/force-allocate", json=bad_units),
                   422) == ["sources[0].quantity"]  # fmt: skip


def test_metrics_show_open_cases_by_state_and_overdue_tasks_by_team(
    case_api: OrchestrationApi,  # noqa: F811
    workflows: Workflows,  # noqa: F811
    clock: FixedClock,
) -> None:
    api = case_api
    _supply_from_a_late_po(api)
    api.order("SO-1", "A", 5)
    workflows.dispatch()
    [case] = api.ok("GET", "/v1/cases", Role.VIEWER)["items"]

    text = api.call("GET", "/metrics", None).text
    assert f'backorder_cases_open{{state="{case["state"]}"}} 1.0' in text
    assert 'backorder_cases_open{state="closed"}' not in text
    assert 'backorder_tasks_open{team="customer_service"} 1.0' in text
    assert 'backorder_tasks_overdue{team="customer_service"} 0.0' in text
    assert "backorder_case_checks_overdue 0.0" in text

    # A day later nobody has worked the task, and the case has not looked at itself.
    clock.set(utc(2026, 11, 28, 14, 0))
    text = api.call("GET", "/metrics", None).text
    assert 'backorder_tasks_overdue{team="customer_service"} 1.0' in text
    assert "backorder_case_checks_overdue 1.0" in text
