"""Supplier follow-up: reminders for unacknowledged PO lines, escalation of slipping dates.

- **Reminder** (`REMIND_SUPPLIER`, a case waiting on a PO line the supplier has not
  acknowledged in time): one `supplier_reminders` row per PO line and day however many
  cases wait on it, and a `backorder.supplier.reminder_requested.v1` event naming the
  supplier, its e-mail address, the PO line and the days the acknowledgement is overdue.
  No notifications module sends e-mail to suppliers, so the event is the integration
  point: a mail relay or the supplier portal subscribes to it (NATS or a webhook).
- **Slip** (`note_slip`, called by purchasing inside the transaction that stores a
  supplier acknowledgement (855) or ship notice (856)): when the document moves the PO
  line's date later than the date it had by more than the policy's
  `supplier_slip_escalation_days`, a high-severity `supplier_late` task is opened and a
  `backorder.supplier.slipped.v1` event published, once per PO line and slip size (cause
  `slip:<PO line>:<days>`). Re-promising the lines is the reallocation's work that
  follows in the same transaction; telling the customers is their cases' work.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from backorder.adapters.repositories.cases import CaseRecord
from backorder.adapters.repositories.replenishment import ReplenishmentRepository
from backorder.adapters.repositories.supply import PurchaseOrderLine
from backorder.domain import events
from backorder.domain.cases import ActionKind, CaseAction, LineFacts
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.handlers.cases import Reach, executor, open_task
from backorder.service_layer.handlers.inline import (
    connection_of,
    has_database,
    reference,
    with_tasks,
)
from backorder.service_layer.unit_of_work import UnitOfWork


def days_overdue(ordered_at: datetime, now: datetime, allowed: timedelta) -> int:
    """Whole days since an acknowledgement fell due (`allowed` after the order)."""
    late = now - (ordered_at + allowed)
    return max(math.floor(late / timedelta(days=1)), 0)


@executor(ActionKind.REMIND_SUPPLIER, Reach.CASE)
def remind_supplier(
    uow: UnitOfWork, ctx: ServiceContext, case: CaseRecord, facts: LineFacts, action: CaseAction
) -> None:
    """Case action: remind the supplier of a PO line it has not acknowledged."""
    source_id = str(action.data["source_id"])
    line = uow.supply.po_line(source_id)
    if line is None:
        return  # the PO line is gone (rejected and purged): nothing to remind of
    held = next((h for h in facts.held if h.source_id == source_id), None)
    now = uow.clock.now()
    ordered_on = held.ordered_on if held is not None and held.ordered_on else now.date()
    ordered_at = datetime.combine(ordered_on, now.timetz())
    allowed = ctx.operations.case_timeouts().supplier_acknowledgement
    overdue = days_overdue(ordered_at, now, allowed)
    known = reference(uow).supplier(line.supplier)
    email = known.email if known is not None else None
    reminder_id = ReplenishmentRepository(connection_of(uow)).add_reminder(
        {
            "source_id": source_id,
            "po_number": line.po_number,
            "line_number": line.line_number,
            "supplier": line.supplier,
            "email": email,
            "case_id": case.case_id,
            "days_overdue": overdue,
            "reminded_on": uow.today,
            "created_at": now,
        }
    )
    if reminder_id is None:
        return  # another case waiting on the same line reminded the supplier today
    uow.record(
        events.SupplierReminded(
            reminder_id,
            line.supplier,
            email,
            source_id,
            line.po_number,
            line.line_number,
            line.sku,
            overdue,
        )
    )


def note_slip(
    uow: UnitOfWork,
    ctx: ServiceContext,
    line: PurchaseOrderLine,
    new_date: date,
    document: str,
) -> int | None:
    """Escalate when a supplier document moves `line` later than the policy allows.

    `line` is the PO line as it was before the document; returns the task opened, if any.
    In-memory units of work (unit tests of other handlers) keep no tasks: nothing happens.
    """
    slip = (new_date - line.due_date).days
    if slip <= ctx.operations.timeouts.supplier_slip_escalation_days or not has_database(uow):
        return None
    unit = with_tasks(uow)
    what = "acknowledged" if document == "acknowledgement" else "shipped"
    task_id = open_task(
        unit,
        ctx,
        cause=f"slip:{line.source_id}:{slip}",
        case_id=None,
        task_type="supplier_late",
        subject=f"supplier late: {line.supplier} {what} {line.source_id} {slip} days late",
        detail=(
            f"{line.supplier} {what} {line.quantity} x {line.sku} for {new_date}, "
            f"{slip} days after {line.due_date}"
        ),
    )
    if task_id is not None:
        uow.record(
            events.SupplierSlipped(
                line.source_id,
                line.supplier,
                line.sku,
                line.due_date,
                new_date,
                slip,
                document,
                task_id,
            )
        )
    return task_id
