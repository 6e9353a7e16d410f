"""Tasks breach their SLA in business hours and climb their team's escalation chain once per
level; reassign or notify as the operations policy says (both backends, a moving clock)."""

from __future__ import annotations

from datetime import datetime

from backorder.bootstrap import Application
from backorder.service_layer.access import Caller, Role
from backorder.service_layer.clock import FixedClock
from backorder.service_layer.handlers import tasks
from backorder.service_layer.handlers.cases import open_task
from backorder.service_layer.handlers.escalation import escalate_overdue
from tests.integration.orchestration import audit, outbox, utc

CSR = Caller("k-csr", "csr.nowak", Role.CSR)


def _open(application: Application, task_type: str, cause: str) -> int:
    ctx = application.context
    with ctx.unit_of_work() as uow:
        task_id = open_task(
            uow, ctx, cause=cause, case_id=None, task_type=task_type, subject=cause, detail=""
        )
        uow.commit()
    assert task_id is not None
    return task_id


def _task(application: Application, task_id: int) -> tasks.TaskDetail:
    return tasks.get_task(application.context, task_id)


def _scan_at(application: Application, clock: FixedClock, at: datetime) -> list[int]:
    clock.set(at)
    report = escalate_overdue(application.context)
    return [e.task_id for e in report.escalated]


def test_a_breached_task_climbs_the_chain_over_the_weekend_once_per_level(
    application: Application, clock: FixedClock
) -> None:
    clock.set(utc(2026, 11, 27, 15, 0))  # Friday afternoon
    late = _open(application, "supplier_late", "po-line:PO-1/1")
    other = _open(application, "supplier_late", "po-line:PO-2/1")

    first = _task(application, late).task
    # 8 business hours: 2 on Friday, 6 on Monday (the weekend does not count).
    assert first.due_at == utc(2026, 11, 30, 14, 0)
    # The least-loaded buyer gets each new task.
    assert (first.owner, _task(application, other).task.owner) == ("buyer.alvarez", "buyer.chen")

    assert _scan_at(application, clock, utc(2026, 11, 28, 12, 0)) == []  # Saturday
    assert _scan_at(application, clock, utc(2026, 11, 30, 13, 59)) == []
    assert _scan_at(application, clock, utc(2026, 11, 30, 14, 0)) == [late, other]
    assert _scan_at(application, clock, utc(2026, 11, 30, 14, 30)) == []  # never twice

    level_one = _task(application, late).task
    assert (level_one.escalation_level, level_one.owner, level_one.status) == (
        1,
        "procurement.lead",
        "open",
    )
    assert level_one.breached
    assert level_one.due_at == utc(2026, 12, 1, 9, 0)  # 3 hours on Monday, 1 on Tuesday

    assert _scan_at(application, clock, utc(2026, 12, 1, 9, 0)) == [late, other]
    top = _task(application, late)
    assert (top.task.escalation_level, top.task.owner) == (2, "supply.chain.director")
    # The chain ends with its last contact: nothing more happens, however late.
    assert escalate_overdue(application.context).scanned == 0
    clock.set(utc(2026, 12, 9, 9, 0))
    assert escalate_overdue(application.context).scanned == 0

    assert [e["action"] for e in top.events] == ["opened", "breached", "escalated", "escalated"]
    assert all(e["actor"] == "system (SLA scanner)" for e in top.events[1:])
    assert audit(application, f"task/{late}") == [
        "task.breached",
        "task.escalated",
        "task.escalated",
    ]
    escalated = outbox(application, "backorder.task.escalated.v1")
    mine = [(e["level"], e["action"]) for e in escalated if e["task_id"] == late]
    assert mine == [(1, "reassign"), (2, "reassign")]
    assert len(outbox(application, "backorder.task.breached.v1")) == 2


def test_the_warehouse_is_notified_on_its_own_calendar_and_a_late_resolution_is_a_breach(
    application: Application, clock: FixedClock
) -> None:
    clock.set(utc(2026, 12, 24, 21, 0))  # Christmas Eve, an hour before the warehouse closes
    pick = _open(application, "short_pick", "pick:1")
    # 2 business hours: 1 on Thursday, none on Christmas Day, 1 on Saturday (a workday).
    assert _task(application, pick).task.due_at == utc(2026, 12, 26, 7, 0)
    answer = _open(application, "promise_at_risk", "case-9")
    assert _task(application, answer).task.due_at == utc(2026, 12, 28, 12, 0)

    assert _scan_at(application, clock, utc(2026, 12, 26, 7, 0)) == [pick]
    notified = _task(application, pick).task
    # Notify: the owner keeps the task; the manager is told (an event) and the clock restarts.
    assert (notified.owner, notified.escalation_level, notified.breached) == (
        "wh.supervisor.east",
        1,
        True,
    )
    assert notified.due_at == utc(2026, 12, 26, 9, 0)
    event = outbox(application, "backorder.task.escalated.v1")[0]
    assert (event["contact"], event["action"], event["owner"]) == (
        "warehouse.manager",
        "notify",
        "wh.supervisor.east",
    )

    # Resolved after its deadline without a scan in between: still a breach on record.
    clock.set(utc(2026, 12, 28, 12, 30))
    resolved = tasks.resolve(application.context, answer, "customer_informed", "", CSR)
    assert (resolved.status, resolved.breached, resolved.escalation_level) == ("resolved", True, 0)
    assert _scan_at(application, clock, utc(2026, 12, 29, 12, 0)) == [pick]  # level 2 only


def test_a_task_resolved_in_time_never_breaches(
    application: Application, clock: FixedClock
) -> None:
    clock.set(utc(2026, 11, 30, 9, 0))
    task_id = _open(application, "promise_at_risk", "case-7")
    clock.set(utc(2026, 11, 30, 12, 0))
    tasks.claim(application.context, task_id, CSR)
    done = tasks.resolve(application.context, task_id, "customer_informed", "called", CSR)

    report = escalate_overdue(application.context)
    clock.set(utc(2026, 12, 30, 9, 0))

    assert (done.breached, report.scanned) == (False, 0)
    assert escalate_overdue(application.context).scanned == 0
    assert not _task(application, task_id).task.breached_at(clock.now())
