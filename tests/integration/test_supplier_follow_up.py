"""Supplier follow-up: slips escalate once per PO line and size; reminders once a day."""

from __future__ import annotations

from datetime import timedelta

from backorder.adapters import orm
from backorder.bootstrap import Application
from backorder.service_layer.clock import FixedClock
from backorder.service_layer.handlers import purchasing
from tests.integration.supply_world import (
    context,
    day,
    evaluate,
    events,
    line,
    open_case,
    order,
    rows,
    seed,
    tasks,
)

SLIPPED = "backorder.supplier.slipped.v1"


def test_a_slip_beyond_the_policy_escalates_once_per_po_line_and_slip_size(
    application: Application,
) -> None:
    ctx = context(application)
    seed(ctx)
    line_a = purchasing.PurchaseOrderLineInput("A", "EAST", 10, day(10), 4.0)
    purchasing.create_purchase_order(ctx, "PO-1", "ACME", [line_a], "buyer")
    line_id = order(ctx, "SO-1", 6)

    purchasing.confirm_po_line(ctx, "PO-1", 1, day(12), None, "edi")  # 2 days: allowed
    assert tasks(application, "supplier_late") == []

    purchasing.confirm_po_line(ctx, "PO-1", 1, day(17), None, "edi")  # 5 days later
    [task] = tasks(application, "supplier_late")
    assert (task["cause"], task["severity"], task["team"]) == (
        "slip:PO-1/1:5",
        "high",
        "procurement",
    )
    [event] = events(application, SLIPPED)
    assert event["subject"] == "sku/A"
    assert event["data"] | {"task_id": 0} == {
        "source_id": "PO-1/1",
        "supplier": "ACME",
        "sku": "A",
        "previous_date": day(12).isoformat(),
        "new_date": day(17).isoformat(),
        "slip_days": 5,
        "document": "acknowledgement",
        "task_id": 0,
    }
    # The allocation in the same transaction re-promised the line.
    assert line(application, line_id)["promise_date"] == day(17)

    # The same slip again (after a pull-in) is the same escalation: nothing new.
    purchasing.confirm_po_line(ctx, "PO-1", 1, day(12), None, "edi")
    purchasing.confirm_po_line(ctx, "PO-1", 1, day(17), None, "edi")
    assert len(tasks(application, "supplier_late")) == 1
    assert len(events(application, SLIPPED)) == 1

    # A ship notice later than the confirmed date escalates likewise.
    purchasing.record_ship_notice(ctx, "PO-1", 1, 10, day(21), "edi")
    assert [t["cause"] for t in tasks(application, "supplier_late")] == [
        "slip:PO-1/1:5",
        "slip:PO-1/1:4",
    ]
    assert [e["data"]["document"] for e in events(application, SLIPPED)] == [
        "acknowledgement",
        "ship_notice",
    ]


def test_an_unacknowledged_po_line_is_reminded_once_a_day_however_many_cases_wait(
    application: Application, clock: FixedClock
) -> None:
    ctx = context(application)
    seed(ctx)
    now = clock.now()
    clock.set(now - timedelta(days=2))
    line_a = purchasing.PurchaseOrderLineInput("A", "EAST", 10, day(10), 4.0)
    purchasing.create_purchase_order(ctx, "PO-1", "ACME", [line_a], "buyer")
    first, second = order(ctx, "SO-1", 4), order(ctx, "SO-2", 3)
    clock.set(now)

    evaluate(ctx, open_case(ctx, first))
    evaluate(ctx, open_case(ctx, second))

    [reminder] = rows(application, orm.supplier_reminders)
    assert (reminder["source_id"], reminder["supplier"], reminder["email"]) == (
        "PO-1/1",
        "ACME",
        "po@acme.example",
    )
    assert (reminder["days_overdue"], reminder["case_id"]) == (1, f"case-{first}")
    [event] = events(application, "backorder.supplier.reminder_requested.v1")
    assert event["data"]["days_overdue"] == 1
    assert event["data"]["po_number"] == "PO-1"

    clock.set(now + timedelta(days=1))
    evaluate(ctx, f"case-{first}")  # the reminder action is done for this case
    assert len(rows(application, orm.supplier_reminders)) == 1
